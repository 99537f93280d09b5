"""Configuration of a build or a server: paths, base IRI, limits."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from pathlib import Path

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 8080
# Store backends (Settings.store): Oxigraph on disk or in memory; any other value is a SPARQL endpoint URL.
DISK, MEMORY = "disk", "memory"


def default_base(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    """Return the base IRI of a server listening on host:port."""
    return f"http://{host}:{port}/"


# Folders the package carries (`iuckg.bundled`): in a checkout they link to its data/, ontology/,
# shapes/ and vocab/, so an editable install reads (and its curators edit) those; a wheel holds copies.
BUNDLED = ("data", "ontology", "shapes", "vocab")


@cache
def bundled(name: str) -> Path:
    """The folder of files the package carries under this name (one of BUNDLED), on disk."""
    folder = files("iuckg.bundled").joinpath(name)
    if isinstance(folder, Path):
        return folder.resolve()
    # Imported from an archive (a zip file): copy the folder out once, removed when the process that made
    # the copy ends (not a worker process it forks).
    copy, owner = Path(tempfile.mkdtemp(prefix=f"iuckg-{name}-")), os.getpid()

    def remove_copy() -> None:
        if os.getpid() == owner:
            shutil.rmtree(copy, ignore_errors=True)

    atexit.register(remove_copy)
    for entry in folder.iterdir():
        if entry.is_file():
            (copy / entry.name).write_bytes(entry.read_bytes())
    return copy


@dataclass(frozen=True)
class Settings:
    """Everything a build or a server is configured with."""

    base: str = field(default_factory=lambda: os.environ.get("IUCKG_BASE", default_base()))
    # The curated data, ontology, shapes and vocabularies the package carries; the build goes into dist/ in
    # the folder the command runs in.
    data_dir: Path = field(default_factory=lambda: bundled("data"))
    dist_dir: Path = field(default_factory=lambda: Path.cwd() / "dist")
    ontology_dir: Path = field(default_factory=lambda: bundled("ontology"))
    shapes_dir: Path = field(default_factory=lambda: bundled("shapes"))
    vocab_dir: Path = field(default_factory=lambda: bundled("vocab"))
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 2
    threads: int = 16
    # Limits of the whole server; each worker process holds an even share (`worker_share`).
    query_timeout: float = 10.0
    query_workers: int = 6
    query_queue: int = 8
    queries_per_client: int = 2
    query_memory_mb: int = 8192
    max_result_bytes: int = 50_000_000
    max_rows: int = 10_000
    max_cells: int = 20_000
    max_query_length: int = 20_000
    max_body_bytes: int = 100_000
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    send_timeout: float = 30.0
    max_headers: int = 64
    max_header_bytes: int = 16_384
    # Query workers of the embedded store run without network; off only where Linux namespaces are not
    # available (the parse guard still refuses SERVICE). `query_guard` is off only in tests of that sandbox.
    isolate_queries: bool = True
    query_guard: bool = True
    extra_graphs: tuple[tuple[str, Path], ...] = ()
    store: str = DISK
    # The answer cache the server's workers share (`iuckg.web.answers`): its size, 0 for none, and its folder
    # (DIST/answers when not given).
    answers_mb: int = 256
    answers_counts_seconds: float = 1.0  # how often each worker adds its hit and miss counts to the shared ones
    access_log: bool = False  # as gunicorn and granian: a line per request costs a third of a cached answer
    answers_dir: Path | None = None

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            raise ValueError(f"base IRI must end with '/': {self.base!r}")
        if self.store not in (DISK, MEMORY) and not self.store.startswith(("http://", "https://")):
            raise ValueError(f"store must be {DISK!r}, {MEMORY!r} or the URL of a SPARQL endpoint: {self.store!r}")
        if self.is_remote and self.extra_graphs:
            raise ValueError("extra graphs are loaded into an Oxigraph store; a remote store holds only its build")

    @property
    def is_remote(self) -> bool:
        """Whether queries go to a remote SPARQL endpoint."""
        return self.store not in (DISK, MEMORY)

    @property
    def queries_isolated(self) -> bool:
        """Whether visitors' queries run without network (on the embedded store; a remote store needs it)."""
        return self.isolate_queries and not self.is_remote

    @property
    def answers_folder(self) -> Path:
        """Where the answer cache is kept."""
        return Path(self.answers_dir) if self.answers_dir else Path(self.dist_dir) / "answers"

    def worker_share(self, name: str) -> int:
        """One worker process's even share of a server-wide limit (at least 1)."""
        return max(1, getattr(self, name) // self.workers)

    def with_(self, **changes) -> Settings:
        """Return a copy with the given fields changed."""
        return replace(self, **changes)
