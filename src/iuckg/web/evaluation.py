"""Evaluate visitors' SPARQL queries in worker processes that cannot reach the network and are
stopped when they overrun or their client goes away.

pyoxigraph cannot cancel a running query, so each query runs in a process of a pebble
ProcessPool: one that passes its deadline, or whose client has disconnected, is cancelled,
which kills its process (the pool starts another) and frees the request at once. Each worker
is set up once: on the embedded store it moves into a network namespace of its own (no
interface but a loopback that is down), so even a query the guard let through could not
reach another host; it caps its address space at its share of the server's memory limit,
opens its own backend, and writes answers into a buffer that refuses to grow past the size
limit. The guard (`iuckg.guard`) runs in the worker too, so a text that is slow to parse is
stopped like a slow query.
"""

from __future__ import annotations

import atexit
import io
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from concurrent.futures import CancelledError, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import IO, cast

import pyoxigraph as ox
from pebble import ProcessExpired, ProcessPool

from ..guard import RECURSION_LIMIT, QueryRefused, check_query
from ..sandbox import cut_off_network
from ..settings import Settings
from ..store import GRAPH_FORMATS, RESULT_FORMATS, Backend, StoreError, open_backend

_BACKEND: Backend | None = None
TABLE = "table"  # the answer as a bounded table of terms, for the HTML editor
CELL_CHARS = 1_000  # longest text of one cell of a table; longer literals are cut with "…"
XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")
WORKER_NICENESS = 5  # pages and documents come before a busy query worker on a loaded CPU


class QueryTimeout(Exception):
    """The query ran past the time limit and was stopped."""


class QueryTooLarge(Exception):
    """The answer grew past the size limit."""


class QueryCrashed(Exception):
    """The worker died while evaluating (for example out of memory)."""


class EngineError(Exception):
    """The engine refused the query or could not write its answer (a 400 with its message)."""


class ClientGone(Exception):
    """The client disconnected; its query was stopped."""


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
    local_graphs: frozenset[str] = frozenset()
    guard: bool = True
    max_rows: int = 10_000
    max_cells: int = 20_000


@dataclass(frozen=True)
class Table:
    """At most a bounded number of rows of an answer, with the columns and whether rows were left out."""

    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    truncated: bool


class BoundedBuffer(io.RawIOBase):
    """A byte sink that raises QueryTooLarge past a limit."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.chunks: list[bytes] = []

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


def worker_memory_bytes(settings: Settings) -> int:
    """The address-space cap of one query worker: its share of the server's memory limit."""
    return settings.query_memory_mb * 1024 * 1024 // (settings.workers * settings.worker_share("query_workers"))


def open_worker(settings: Settings) -> None:
    """Initialise a worker: no network (embedded store), capped memory, a lower CPU priority than the
    processes answering pages, deep parses allowed, its backend open."""
    global _BACKEND
    # pebble stops a worker with SIGTERM and, if it lives on, SIGKILL seconds later; its own handler of
    # SIGTERM would wait for the engine to return to Python, which a runaway query never does.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if settings.queries_isolated:
        cut_off_network()
    limit = worker_memory_bytes(settings)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.nice(WORKER_NICENESS)
    sys.setrecursionlimit(RECURSION_LIMIT)
    _BACKEND = open_backend(settings)


def cut(term):
    """A term of a table cell, with a long literal shortened."""
    if isinstance(term, ox.Literal) and len(term.value) > CELL_CHARS:
        return ox.Literal(term.value[:CELL_CHARS] + "…", datatype=XSD_STRING)
    return term


def table_of(result, job: Job) -> Table:
    """The first rows of an answer, as many as the row and cell limits allow."""
    if isinstance(result, ox.QuerySolutions):
        columns = tuple(v.value for v in result.variables)
        source = (tuple(cut(solution[c]) for c in columns) for solution in result)
    else:
        columns = ("subject", "predicate", "object")
        source = ((t.subject, t.predicate, cut(t.object)) for t in result)
    limit = max(1, min(job.max_rows, job.max_cells // max(1, len(columns))))
    rows: list[tuple] = []
    for row in source:
        if len(rows) == limit:
            return Table(columns, tuple(rows), True)
        rows.append(row)
    return Table(columns, tuple(rows), False)


def evaluate(job: Job) -> tuple[str, bytes | Table | bool]:
    """Evaluate one job in a worker: ('boolean'|'solutions'|'graph', serialised answer or table)."""
    names_dataset = False  # with the guard off (tests of the sandbox only), FROM is not looked for
    if job.guard:
        names_dataset = check_query(job.query, job.local_graphs, job.base).names_dataset
    try:
        if _BACKEND is None:  # open_worker did not run in this process
            raise RuntimeError("this query worker has no backend open")
        result = _BACKEND.query(
            job.query,
            default_graphs=job.default_graphs,
            named_graphs=job.named_graphs,
            base_iri=job.base,
            names_dataset=names_dataset,
        )
        if isinstance(result, ox.QueryBoolean):
            if job.results_format == TABLE:
                return "boolean", bool(result)
            return "boolean", serialized_results(result, job)
        kind = "solutions" if isinstance(result, ox.QuerySolutions) else "graph"
        if TABLE in (job.results_format, job.graph_format):
            return kind, table_of(result, job)
        if kind == "solutions":
            return kind, serialized_results(result, job)
        out = BoundedBuffer(job.max_bytes)
        if job.graph_format:
            # pyoxigraph writes to any object with a write method, not only an IO[bytes]
            ox.serialize(result, cast(IO[bytes], out), format=GRAPH_FORMATS[job.graph_format])
        return kind, out.value()
    except (QueryTooLarge, QueryRefused, StoreError, MemoryError):
        raise
    except SyntaxError as exc:
        raise SyntaxError(str(exc)) from None
    except Exception as exc:  # anything else the engine raises is about this query, not the server
        raise EngineError(f"{type(exc).__name__}: {exc}") from None


def ready() -> bool:
    """Whether this worker has its backend open (it has once its initializer ran)."""
    time.sleep(0.05)  # hold this worker a moment, so the next call goes to another
    return _BACKEND is not None


def serialized_results(result, job: Job) -> bytes:
    """A boolean or solutions in the job's results format (empty when none was asked for)."""
    out = BoundedBuffer(job.max_bytes)
    if job.results_format:
        result.serialize(out, format=RESULT_FORMATS[job.results_format])
    return out.value()


def worker_context():
    """Workers forked from a fork server that has the engine, the guard's parser and this module loaded: a
    worker killed for overrunning is replaced in a fraction of a second (a fresh interpreter takes seconds on a
    busy machine), and none inherits the threads or open store of the process serving pages."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["iuckg.web.evaluation", "rdflib.plugins.sparql.parser"])
    return context


class Evaluator:
    """A pool of query workers over the settings' build."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.pool = self.new_pool()
        atexit.register(self.close)

    def new_pool(self) -> ProcessPool:
        """A pool of the settings' share of query workers."""
        return ProcessPool(
            max_workers=self.settings.worker_share("query_workers"),
            initializer=open_worker,
            initargs=(self.settings,),
            context=worker_context(),
        )

    def schedule(self, function, args: tuple = ()):
        """The future of a call in a worker (`evaluate` of a job); a pool that broke (its workers cannot start) is
        replaced once."""
        with self.lock:
            try:
                return self.pool.schedule(function, args=args)
            except RuntimeError:  # pebble: "Unexpected error within the Pool"
                self.pool.stop()
                self.pool = self.new_pool()
                return self.pool.schedule(function, args=args)

    def run(self, job: Job, deadline: float | None = None, gone: threading.Event | None = None):
        """Evaluate a job before the deadline (time.monotonic) while its client is there.

        Raises QueryTimeout, ClientGone, QueryTooLarge, QueryCrashed, QueryRefused, EngineError or SyntaxError.
        """
        if deadline is None:
            deadline = time.monotonic() + self.settings.query_timeout
        future = self.schedule(evaluate, (job,))
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QueryTimeout(f"the query ran for more than {self.settings.query_timeout:g} s and was stopped")
                done, _ = wait([future], timeout=min(left, 0.1) if gone is not None else left)
                if done:
                    return future.result()
                if gone is not None and gone.is_set():
                    raise ClientGone("the client went away; its query was stopped")
        except (QueryTimeout, ClientGone):
            future.cancel()  # kills the worker if it is running the query; drops it if it waits
            raise
        except CancelledError:
            raise QueryCrashed("the query was cancelled as the server stops") from None
        except ProcessExpired as exc:
            raise QueryCrashed(f"the query worker died ({exc}); the query may need too much memory") from None
        except (MemoryError, StoreError) as exc:
            raise QueryCrashed(str(exc) or "the query needs more memory than a worker may use") from None
        except BrokenProcessPool as exc:
            raise QueryCrashed(f"no query worker could start ({exc}); try again shortly") from None

    def warm(self) -> None:
        """Have every worker started and its backend opened (a first query otherwise waits for that)."""
        futures = [self.schedule(ready, ()) for _ in range(self.settings.worker_share("query_workers"))]
        wait(futures, timeout=60)

    def close(self) -> None:
        """Stop the workers."""
        self.pool.stop()
        self.pool.join(timeout=5)
