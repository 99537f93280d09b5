"""The iuckg command line: each command calls one importable function."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from .settings import DEFAULT_HOST, DEFAULT_PORT, DISK, MEMORY, Settings, default_base


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the common options of a command."""
    changes = {}
    if getattr(args, "host", None):
        changes["host"] = args.host
    if getattr(args, "port", None):
        changes["port"] = args.port
    base = getattr(args, "base", None)
    if base is None and ("host" in changes or "port" in changes):
        base = default_base(changes.get("host", DEFAULT_HOST), changes.get("port", DEFAULT_PORT))
    if base:
        changes["base"] = base
    if getattr(args, "data", None):
        changes["data_dir"] = Path(args.data)
    dist = getattr(args, "out", None) or getattr(args, "dist", None)
    if dist:
        changes["dist_dir"] = Path(dist)
    if getattr(args, "graph", None):
        changes["extra_graphs"] = tuple(parse_graph_option(g) for g in args.graph)
    for name in ("workers", "store", "isolate_queries", "answers_mb", "answers_counts_seconds", "access_log", *LIMITS):
        if getattr(args, name, None) is not None:
            changes[name] = getattr(args, name)
    if getattr(args, "answers_dir", None):
        changes["answers_dir"] = Path(args.answers_dir)
    return Settings().with_(**changes)


# Limits of `serve`: setting name -> (option type, help); defaults come from Settings.
LIMITS = {
    "threads": (int, "threads running the app in each worker process"),
    "query_timeout": (float, "seconds from a query's arrival to its answer; past them its worker is killed (503)"),
    "query_workers": (int, "query worker processes of the server, shared evenly by its worker processes"),
    "query_queue": (int, "queries of the server that may wait for a query worker; more are answered 503"),
    "queries_per_client": (int, "queries one client address may have running or waiting (503 beyond)"),
    "query_memory_mb": (int, "memory of all query workers together, in MB (each gets an even share)"),
    "max_result_bytes": (int, "largest answer of one query, in bytes (413)"),
    "max_query_length": (int, "longest query text, in characters (413)"),
    "max_body_bytes": (int, "largest request body, in bytes (413)"),
    "max_rows": (int, "most rows the HTML query editor shows"),
    "max_cells": (int, "most cells (rows x columns) the HTML query editor shows"),
    "header_timeout": (float, "seconds a client may take to send its request line and headers"),
    "body_timeout": (float, "seconds a client may take to send its request body (408)"),
    "send_timeout": (float, "seconds a client may take to accept the next part of an answer before it is let go"),
    "max_headers": (int, "most header fields of a request (431)"),
    "max_header_bytes": (int, "largest size of a request's header fields, in bytes (431)"),
}


def whole(value: str) -> int:
    """An option type: a whole number from 0."""
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number from 0, got {value!r}")
    return int(value)


def positive(kind: type) -> Callable[[str], float]:
    """An option type: a number of this kind above zero."""

    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"expected a number above 0, got {value!r}")
        return number

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def parse_graph_option(value: str) -> tuple[str, Path]:
    """Split a --graph IRI=FILE option."""
    iri, sep, path = value.partition("=")
    if not sep or not iri or not path:
        raise argparse.ArgumentTypeError(f"--graph expects IRI=FILE, got {value!r}")
    return iri, Path(path)


def store_option(value: str) -> str:
    """Check a --store option: disk, memory or the http(s) URL of a SPARQL endpoint."""
    if value not in (DISK, MEMORY) and not value.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected {DISK}, {MEMORY} or an http(s) URL, got {value!r}")
    return value


def cmd_build(args: argparse.Namespace) -> int:
    """Build the graph into dist/."""
    from .build import BuildError, build, summary_table
    from .records import DataErrors

    try:
        result = build(settings_from(args))
    except DataErrors as exc:
        print(f"iuckg build: {len(exc.errors)} error(s) in the data; nothing was written:\n{exc}", file=sys.stderr)
        return 1
    except BuildError as exc:
        print(f"iuckg build: the graph violates the shapes; nothing was written:\n{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"iuckg build: cannot write the build: {exc}; the previous build is untouched", file=sys.stderr)
        return 1
    print(summary_table(result))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate RDF files, or the graph built from the data folder, against the shapes."""
    from .validate import validate_command

    return validate_command(settings_from(args), [Path(f) for f in args.files])


def cmd_serve(args: argparse.Namespace) -> int:
    """Build if needed, load the store and serve it over HTTP."""
    from .serve import serve

    return serve(settings_from(args))


def cmd_publish(args: argparse.Namespace) -> int:
    """Build if needed and load the build into a SPARQL 1.1 store."""
    from .publish import publish_command

    return publish_command(settings_from(args), args.endpoint, args.graph_store, args.user, args.query_endpoint)


def cmd_synth(args: argparse.Namespace) -> int:
    """Write a synthetic data folder."""
    from .synth import synth_command

    return synth_command(args.pairings, Path(args.out), args.seed)


def cmd_query(args: argparse.Namespace) -> int:
    """Run a SPARQL query against the built graph or a remote endpoint."""
    from .query import query_command

    text = Path(args.file).read_text(encoding="utf-8") if args.file else args.query
    if not text:
        print("iuckg query: give a query or --file", file=sys.stderr)
        return 2
    return query_command(settings_from(args), text, args.format, args.endpoint)


def cmd_links(args: argparse.Namespace) -> int:
    """Look up the links to other datasets, or check them against the reference data."""
    from .links.commands import check_command, curate_command

    command = curate_command if args.action == "curate" else check_command
    return command(settings_from(args))


def parser() -> argparse.ArgumentParser:
    """The argument parser of the iuckg command."""
    p = argparse.ArgumentParser(prog="iuckg", description="Build and publish the IUC knowledge graph.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(cmd: argparse.ArgumentParser, dist_option: str | None) -> None:
        cmd.add_argument("--base", help="base IRI of every minted IRI (default: http://HOST:PORT/ or $IUCKG_BASE)")
        cmd.add_argument("--data", metavar="DIR", help="data folder (default: the package's data/)")
        if dist_option:
            cmd.add_argument(dist_option, metavar="DIST", help="build folder (default: dist/ in the current folder)")

    b = sub.add_parser("build", help="convert data/ to RDF, run the SHACL gate, write dist/")
    common(b, "--out")
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("validate", help="validate RDF files (or the data folder) against the shapes")
    common(v, None)
    v.add_argument(
        "files", nargs="*", metavar="FILE", help="RDF files to validate (default: build from the data folder)"
    )
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("serve", help="build if needed and serve SPARQL and Linked Data over HTTP")
    common(s, "--dist")
    s.add_argument("--host", help=f"interface to listen on (default: {DEFAULT_HOST})")
    s.add_argument("--port", type=int, help=f"port to listen on (default: {DEFAULT_PORT})")
    s.add_argument(
        "--graph", action="append", metavar="IRI=FILE", help="load an extra RDF file as a named graph (repeatable)"
    )
    s.add_argument("--workers", type=positive(int), help="server worker processes (default: 2)")
    s.add_argument(
        "--store",
        type=store_option,
        help="disk (default: an Oxigraph store in DIST/store/), memory, or the URL of "
        "a SPARQL endpoint the build was published to",
    )
    s.add_argument(
        "--no-isolation",
        dest="isolate_queries",
        action="store_false",
        default=None,
        help="let query workers keep the network, where Linux network namespaces are unavailable "
        "(the parse guard still refuses SERVICE)",
    )
    s.add_argument(
        "--access-log",
        dest="access_log",
        action="store_true",
        default=None,
        help="log each request on standard error (default: off)",
    )
    answers = s.add_argument_group("answer cache (shared by the worker processes; see /status)")
    answers.add_argument(
        "--answers-mb",
        dest="answers_mb",
        type=whole,
        metavar="N",
        help=f"megabytes of answers kept, 0 for none (default: {Settings.answers_mb})",
    )
    answers.add_argument(
        "--answers-dir", dest="answers_dir", metavar="DIR", help="folder of the answer cache (default: DIST/answers)"
    )
    answers.add_argument(
        "--answers-counts-every",
        dest="answers_counts_seconds",
        type=positive(float),
        metavar="SECONDS",
        help="how often each worker process adds its hits and misses to the counts /status shows "
        f"(default: {Settings.answers_counts_seconds})",
    )
    limits = s.add_argument_group("limits")
    for name, (kind, text) in LIMITS.items():
        limits.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=positive(kind),
            metavar="N",
            help=f"{text} (default: {getattr(Settings, name)})",
        )
    s.set_defaults(func=cmd_serve)

    q = sub.add_parser("query", help="run a SPARQL query against dist/ or an endpoint")
    common(q, "--dist")
    q.add_argument("query", nargs="?", help="the SPARQL query text")
    q.add_argument("--file", help="read the query from a file")
    q.add_argument(
        "--format",
        default="table",
        choices=["table", "json", "csv", "tsv", "xml", "turtle", "ntriples"],
        help="output format (default: table)",
    )
    q.add_argument("--endpoint", metavar="URL", help="query this SPARQL endpoint instead of dist/")
    q.set_defaults(func=cmd_query)

    u = sub.add_parser("publish", help="build if needed and load the graph into a SPARQL 1.1 store, atomically")
    common(u, "--dist")
    u.add_argument("--endpoint", metavar="URL", required=True, help="SPARQL Update endpoint of the store")
    u.add_argument(
        "--graph-store",
        dest="graph_store",
        metavar="URL",
        help="upload through this Graph Store Protocol endpoint (default: SPARQL Update)",
    )
    u.add_argument(
        "--query-endpoint",
        dest="query_endpoint",
        metavar="URL",
        help="SPARQL query endpoint the publication is read back from before the switch, when no "
        "--graph-store is given (default: the --endpoint)",
    )
    u.add_argument("--user", help="user to authenticate as (password: $IUCKG_STORE_PASSWORD)")
    u.set_defaults(func=cmd_publish)

    y = sub.add_parser("synth", help="write a synthetic data folder with any number of pairings")
    y.add_argument("--pairings", metavar="N", type=int, required=True, help="number of pairings")
    y.add_argument("--out", metavar="DIR", required=True, help="data folder to write")
    y.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    y.set_defaults(func=cmd_synth)

    k = sub.add_parser("links", help="look up or check the links to GeoNames, EuroVoc and other datasets")
    k.add_argument(
        "action",
        choices=["curate", "check"],
        help="curate: look every member and country up in the reference data and write places.csv "
        "and the geonames column of countries.csv; check: re-derive every link from the "
        "reference data and print the links per target dataset",
    )
    k.add_argument("--data", metavar="DIR", help="data folder (default: the package's data/)")
    k.set_defaults(func=cmd_links)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the iuckg command line."""
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
