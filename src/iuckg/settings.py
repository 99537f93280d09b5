"""Configuration of a build or a server: paths, base IRI, limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_HOST = "localhost"
DEFAULT_PORT = 8080
# Store backends (Settings.store): Oxigraph on disk or in memory; any other value is a SPARQL endpoint URL.
DISK, MEMORY = "disk", "memory"


def default_base(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    """Return the base IRI of a server listening on host:port."""
    return f"http://{host}:{port}/"


@dataclass(frozen=True)
class Settings:
    """Everything a build or a server is configured with."""

    base: str = field(default_factory=lambda: os.environ.get("IUCKG_BASE", default_base()))
    data_dir: Path = ROOT / "data"
    dist_dir: Path = ROOT / "dist"
    ontology_dir: Path = ROOT / "ontology"
    shapes_dir: Path = ROOT / "shapes"
    vocab_dir: Path = ROOT / "vocab"
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 2
    threads: int = 4
    query_timeout: float = 10.0
    query_workers: int = 2
    query_memory_mb: int = 4096
    max_result_bytes: int = 50_000_000
    max_rows: int = 10_000
    max_query_length: int = 20_000
    max_body_bytes: int = 100_000
    extra_graphs: tuple[tuple[str, Path], ...] = ()
    store: str = DISK

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

    def with_(self, **changes) -> "Settings":
        """Return a copy with the given fields changed."""
        return replace(self, **changes)
