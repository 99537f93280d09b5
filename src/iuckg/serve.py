"""`iuckg serve`: build if needed, then serve the app with gunicorn (a production WSGI server)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

from .layout import STORE_FILE, SUMMARY_FILE
from .settings import DISK, Settings


def inputs_of(settings: Settings) -> list[Path]:
    """Every file a build reads."""
    folders = (settings.data_dir, settings.ontology_dir, settings.shapes_dir, settings.vocab_dir)
    return [p for folder in folders for p in Path(folder).glob("*") if p.is_file()]


def is_current(settings: Settings) -> bool:
    """Whether dist/ holds a build of the current inputs under the configured base."""
    summary = Path(settings.dist_dir) / SUMMARY_FILE
    if not summary.exists() or not (Path(settings.dist_dir) / STORE_FILE).exists():
        return False
    if json.loads(summary.read_text(encoding="utf-8")).get("base") != settings.base:
        return False
    built = summary.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in inputs_of(settings))


def ensure_built(settings: Settings) -> None:
    """Build dist/ unless it is current."""
    from .build import build

    if not is_current(settings):
        build(settings)


def prepare_store(settings: Settings) -> str | None:
    """Make the configured store ready to serve the build; why it cannot, or None.

    The on-disk store is loaded once here, before the workers start (they open it
    read-only); a remote store must already hold the build's graphs (`iuckg publish`).
    """
    from .namespaces import Minter
    from .store import StoreError, ensure_store, open_backend

    if settings.store == DISK:
        ensure_store(settings)
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

    def load(self):
        """The WSGI app of one worker."""
        from .web import create_app

        return create_app(self.settings)


def serve(settings: Settings) -> int:
    """Build if needed and serve until interrupted."""
    from .build import BuildError
    from .records import DataErrors

    try:
        ensure_built(settings)
    except (DataErrors, BuildError) as exc:
        print(f"iuckg serve: cannot build the graph:\n{exc}", file=sys.stderr)
        return 1
    problem = prepare_store(settings)
    if problem:
        print(f"iuckg serve: cannot serve from the store: {problem}", file=sys.stderr)
        return 1
    print(f"iuckg: serving {settings.base} (SPARQL at {settings.base}sparql)", file=sys.stderr, flush=True)
    Server(settings).run()
    return 0
