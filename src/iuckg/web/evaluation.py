"""Evaluate visitors' SPARQL queries in worker processes, stopped when they overrun.

pyoxigraph cannot cancel a running query, so each query runs in a process of
a pebble ProcessPool: one that exceeds the time limit is killed (and replaced),
which really stops it and frees the request thread at once. Each worker opens
its own backend (the on-disk store read-only, its own in-memory copy, or a
client of the remote store), limits its memory, and writes its answer into a
buffer that refuses to grow past the size limit.
"""

from __future__ import annotations

import atexit
import io
import multiprocessing
import resource
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import pyoxigraph as ox
from pebble import ProcessExpired, ProcessPool

from ..settings import Settings
from ..store import Backend, StoreError, open_backend

_BACKEND: Backend | None = None
RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                  "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                 "rdfxml": ox.RdfFormat.RDF_XML, "jsonld": ox.RdfFormat.JSON_LD}


class QueryTimeout(Exception):
    """The query ran past the time limit and was stopped."""


class QueryTooLarge(Exception):
    """The answer grew past the size limit."""


class QueryCrashed(Exception):
    """The worker died while evaluating (for example out of memory)."""


@dataclass(frozen=True)
class Job:
    """One query and how its answer is wanted."""

    query: str
    base: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    results_format: str | None
    graph_format: str | None
    max_bytes: int


class BoundedBuffer(io.RawIOBase):
    """A byte sink that raises QueryTooLarge past a limit."""

    def __init__(self, limit: int) -> None:
        self.limit, self.chunks, self.size = limit, [], 0

    def writable(self) -> bool:
        """This is a writable stream."""
        return True

    def write(self, data) -> int:
        """Keep data, unless the total exceeds the limit."""
        self.size += len(data)
        if self.size > self.limit:
            raise QueryTooLarge(f"the answer is larger than {self.limit} bytes")
        self.chunks.append(bytes(data))
        return len(data)

    def value(self) -> bytes:
        """Everything written."""
        return b"".join(self.chunks)


def open_worker(settings: Settings) -> None:
    """Initialise a worker: cap its memory and open its backend."""
    global _BACKEND
    limit = settings.query_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _BACKEND = open_backend(settings)


def evaluate(job: Job) -> tuple[str, bytes]:
    """Evaluate one job in a worker: ('boolean'|'solutions'|'graph', serialised answer)."""
    result = _BACKEND.query(job.query, default_graphs=job.default_graphs, named_graphs=job.named_graphs,
                            base_iri=job.base)
    out = BoundedBuffer(job.max_bytes)
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
        if job.results_format:
            result.serialize(out, format=RESULT_FORMATS[job.results_format])
        return kind, out.value()
    if job.graph_format:
        ox.serialize(result, out, format=GRAPH_FORMATS[job.graph_format])
    return "graph", out.value()


class Evaluator:
    """A pool of query workers over the settings' build."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool = ProcessPool(max_workers=settings.query_workers, initializer=open_worker,
                                initargs=(settings,), context=multiprocessing.get_context("spawn"))
        atexit.register(self.close)

    def run(self, job: Job) -> tuple[str, bytes]:
        """Evaluate a job within the time limit; raise QueryTimeout, QueryTooLarge, QueryCrashed or SyntaxError."""
        future = self.pool.schedule(evaluate, args=(job,), timeout=self.settings.query_timeout)
        try:
            return future.result()
        except FutureTimeout:
            raise QueryTimeout(f"the query ran for more than {self.settings.query_timeout:g} s and was stopped") from None
        except ProcessExpired as exc:
            raise QueryCrashed(f"the query worker died ({exc}); the query may need too much memory") from None
        except StoreError as exc:
            raise QueryCrashed(str(exc)) from None

    def close(self) -> None:
        """Stop the workers."""
        self.pool.stop()
        self.pool.join(timeout=5)
