"""`iuckg serve`: build if needed, then serve the app with gunicorn (a production WSGI server)."""

from __future__ import annotations

import json
import multiprocessing
import sys
import threading
from pathlib import Path

from gunicorn.app.base import BaseApplication

from .integrity import damage
from .layout import STORE_FILE, SUMMARY_FILE
from .settings import DISK, Settings


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
    from .store import StoreError, ensure_store, open_backend

    if settings.store == DISK:
        ensure_store(settings, verify=True)
    if not settings.is_remote:
        return None
    data = str(Minter(settings.base).graph("data"))
    try:
        if not open_backend(settings).query("ASK { ?s ?p ?o }", graph=data):
            return f"{settings.store} holds no graph <{data}>: publish the build first (iuckg publish --endpoint)"
    except StoreError as exc:
        return str(exc)
    return None


class Server(BaseApplication):
    """gunicorn running the iuckg app; each worker opens its own backend."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        """gunicorn settings from iuckg settings."""
        s = self.settings
        self.cfg.set("bind", f"{s.host}:{s.port}")
        self.cfg.set("workers", s.workers)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", s.threads)
        self.cfg.set("timeout", int(s.query_timeout * 3) + 30)
        self.cfg.set("accesslog", "-")
        self.cfg.set("limit_request_line", 8190)
        self.cfg.set("control_socket_disable", True)  # one shared path in $HOME: several servers would fight over it

    def load(self):
        """The WSGI app of one worker, which computes the views pages keep in the background."""
        from .web import create_app, warm_up

        app = create_app(self.settings)
        threading.Thread(target=warm_up, args=(app,), name="warm-up", daemon=True).start()
        return app


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
    return f"cannot serve from the store: {problem}" if problem else None


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
    Server(settings).run()
    return 0
