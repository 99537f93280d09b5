"""`iuckg serve`: build if needed, then serve the app with granian (an asynchronous HTTP server)."""

from __future__ import annotations

import ipaddress
import json
import multiprocessing
import os
import socket
import sys
from pathlib import Path

from .integrity import damage
from .layout import INDEX_FILE, STORE_FILE, SUMMARY_FILE
from .sandbox import isolation_problem
from .settings import DISK, Settings

# Granian's buffer for a request line and headers: a GET query of the longest text fits.
HEADER_BUFFER_BYTES = 131_072


def inputs_of(settings: Settings) -> list[Path]:
    """Every file a build reads."""
    folders = (settings.data_dir, settings.ontology_dir, settings.shapes_dir, settings.vocab_dir)
    return [p for folder in folders for p in Path(folder).glob("*") if p.is_file()]


def stale(settings: Settings) -> str | None:
    """Why dist/ must be built again (missing, another base, older than an input, damaged), or None."""
    dist = Path(settings.dist_dir)
    try:
        summary = json.loads((dist / SUMMARY_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{dist} holds no build"
    except (OSError, ValueError) as exc:
        return f"{dist / SUMMARY_FILE} is unreadable ({exc})"
    if summary.get("base") != settings.base:
        return f"{dist} was built for {summary.get('base')}, not {settings.base}"
    built = (dist / SUMMARY_FILE).stat().st_mtime
    newer = [p for p in inputs_of(settings) if p.stat().st_mtime > built]
    if newer:
        return f"{newer[0]} changed after the last build"
    if not isinstance(summary.get("files"), dict) or STORE_FILE not in summary["files"]:
        return f"{dist / SUMMARY_FILE} lists no files to check"
    if INDEX_FILE not in summary["files"]:
        return f"{dist} was built by an older iuckg, without the search and list index"
    return damage(dist, summary["files"])


def ensure_built(settings: Settings) -> None:
    """Build dist/ unless it is current; say why when it is not."""
    reason = stale(settings)
    if reason:
        from .build import build, progress

        progress(f"building: {reason}")
        build(settings)


def prepare_store(settings: Settings) -> str | None:
    """Make the configured store ready to serve the build; why it cannot, or None.

    The on-disk store is loaded once here, before the workers start (they open it
    read-only); a remote store must already hold the build's graphs (`iuckg publish`).
    """
    from .namespaces import Minter
    from .roundtrip import RoundTripError
    from .store import StoreError, ensure_store, open_backend

    if settings.store == DISK:
        try:
            ensure_store(settings, verify=True)
        except RoundTripError as exc:
            return f"{exc}\nthe store was not replaced: nothing else is served"
    if not settings.is_remote:
        return None
    data = str(Minter(settings.base).graph("data"))
    try:
        if not open_backend(settings).query("ASK { ?s ?p ?o }", graph=data):
            return f"{settings.store} holds no graph <{data}>: publish the build first (iuckg publish --endpoint)"
    except StoreError as exc:
        return str(exc)
    return None


def address_of(host: str) -> str:
    """The IP address to listen on for a host name or address (granian binds addresses only)."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        # an IPv4 or IPv6 socket address, whose host is a str
        return str(sorted(infos, key=lambda info: info[0] != socket.AF_INET)[0][4][0])


def run_server(settings: Settings) -> None:
    """Serve the app with granian until interrupted: an asynchronous HTTP front (slow clients hold no
    thread), `workers` processes, each running the Flask app in `threads` threads."""
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    from .web.front import SETTINGS_VARIABLE, encode_settings

    os.environ[SETTINGS_VARIABLE] = encode_settings(settings)
    Server(
        "iuckg.web.front:from_environment",
        address=address_of(settings.host),
        port=settings.port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=settings.workers,
        http1_settings=HTTP1Settings(
            header_read_timeout=min(60_000, max(1, int(settings.header_timeout * 1000))),
            max_buffer_size=HEADER_BUFFER_BYTES,
        ),
        log_access=settings.access_log,
        respawn_failed_workers=True,
        workers_kill_timeout=30,
    ).serve()


def build_errors() -> tuple[type[Exception], ...]:
    """The errors of a build that must not publish (imported only when one is raised: the build is heavy)."""
    from .build import BuildError
    from .records import DataErrors

    return DataErrors, BuildError


def prepare(settings: Settings) -> str | None:
    """Build if needed and make the store ready; why the server cannot start, or None."""
    try:
        ensure_built(settings)
    except build_errors() as exc:  # evaluated only when something is raised
        return f"cannot build the graph:\n{exc}"
    except OSError as exc:
        return f"cannot write the build: {exc}; the previous build is untouched"
    problem = prepare_store(settings)
    if problem:
        return f"cannot serve from the store: {problem}"
    if settings.queries_isolated:
        problem = isolation_problem()
        if problem:
            return (
                f"{problem}; on a system without network namespaces, serve with --no-isolation "
                f"(the parse guard alone then keeps queries from other hosts)"
            )
    return None


def prepare_apart(settings: Settings) -> str | None:
    """`prepare` in a fresh process, so the server never forks its workers from a process that ran
    RocksDB (its threads do not survive a fork: such workers crash as they exit) nor holds a build."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            return pool.submit(prepare, settings).result()
        except BrokenProcessPool:
            return "the build process died (out of memory?)"


def serve(settings: Settings) -> int:
    """Build if needed and serve until interrupted."""
    problem = prepare_apart(settings)
    if problem:
        print(f"iuckg serve: {problem}", file=sys.stderr)
        return 1
    print(f"iuckg: serving {settings.base} (SPARQL at {settings.base}sparql)", file=sys.stderr, flush=True)
    run_server(settings)
    return 0
