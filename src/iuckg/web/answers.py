"""Answers of an unchanging store, cached: whole responses keyed by the normalised request.

The store does not change while it is served, so an answer is a function of the request and the
publication alone. The front looks a request up here before it hands it to the app, and keeps
what the app answered. The cache is a diskcache folder (SQLite, with large values in files),
shared by the server's worker processes, bounded in bytes (the least recently stored answers
go first), and emptied when a server of another publication opens it. Its hit and miss counts
are counted by each process and added to the cache's shared counts every second (or as often as
`--answers-counts-every` says), so a lookup takes no write lock.

A request's key is its method (GET and HEAD alike), its path, its parameters (the query
string's and a form body's, sorted; a `application/sparql-query` body is the `query`
parameter) and the request headers answers vary by: Accept, Accept-Language, Accept-Encoding.
Only whole 200 answers to unconditional requests are kept, and only when they vary by nothing
else and do not say `no-store`.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import diskcache

from ..settings import Settings
from . import caching, sparql

# Request headers an answer may vary by and still be kept: the key holds them.
KEYED_HEADERS = (b"accept", b"accept-language", b"accept-encoding")
# A request with one of these is answered by the app, which evaluates it against the answer's validators.
CONDITIONAL = {name.encode() for name in caching.CONDITIONAL}
UNKEPT = "/status"  # what the status page says changes with every request: it is never looked up
FORM, QUERY_BODY = sparql.FORM.encode(), sparql.QUERY_BODY.encode()
PUBLICATION = "publication"  # the key of the record of whose answers the cache holds
RECORD = "record"  # the folder of that record and of the shared counts, inside the cache's
COUNTS = ("hits", "misses")  # keys of the shared counts
LARGEST = 4_000_000  # bytes of the largest answer kept (a dump is never kept: it is a file)
PENDING_BYTES = 64_000_000  # answers waiting for the writer beyond this are not kept
BATCH = 64  # answers written in one transaction
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """A kept answer: status, headers (ASGI pairs of bytes) and body."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


def parameters(query_string: bytes, content_type: bytes, body: bytes) -> list[tuple[str, str]]:
    """A request's parameters, sorted: from the query string and a form or SPARQL query body."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    mime = content_type.split(b";", 1)[0].strip().lower()
    if mime == FORM:
        pairs += parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    elif mime == QUERY_BODY:
        pairs.append(("query", body.decode("utf-8", "replace")))
    return caching.by_name(pairs)


class Answers:
    """The answer cache of one publication in a folder."""

    def __init__(
        self,
        folder: Path,
        publication: str,
        size_limit: int,
        largest: int = LARGEST,
        counts_every: float = Settings.answers_counts_seconds,
    ) -> None:
        self.publication, self.largest, self.counts_every = publication, largest, counts_every
        self.cache = diskcache.Cache(
            str(folder), size_limit=size_limit, eviction_policy="least-recently-stored", statistics=False
        )  # counted here instead: diskcache writes per lookup
        # whose answers the folder holds, and the shared counts: beside the answers, never evicted with them
        self.record = diskcache.Cache(str(Path(folder) / RECORD), eviction_policy="none")
        with self.record.transact():
            if self.record.get(PUBLICATION) != publication:  # another publication's answers, or none: start afresh
                self.cache.clear()
                self.record.clear()
                self.record.set(PUBLICATION, publication)
        self.lock = threading.Lock()
        self.unflushed = dict.fromkeys(COUNTS, 0)
        self.counter: threading.Thread | None = None
        self.closed = threading.Event()
        self.pending: queue.Queue[tuple[str, Answer] | None] = queue.Queue()
        self.pending_bytes = 0
        self.writer: threading.Thread | None = None

    def key(self, scope: dict, body: bytes) -> str | None:
        """The key of a request whose answer may be kept, or None (not a read, conditional, or a form of body
        not understood)."""
        method = scope["method"]
        if method not in ("GET", "HEAD", "POST") or scope["path"].startswith(UNKEPT):
            return None
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in CONDITIONAL:
                return None
            if name in KEYED_HEADERS or name == b"content-type":
                headers[name] = headers.get(name, b"") + b"," + value if name in headers else value
        content_type = headers.get(b"content-type", b"")
        if method == "POST" and content_type.split(b";", 1)[0].strip().lower() not in (FORM, QUERY_BODY):
            return None
        parts = [
            self.publication,
            "POST" if method == "POST" else "GET",
            scope.get("raw_path") or scope["path"],
            repr(parameters(scope.get("query_string", b""), content_type if method == "POST" else b"", body)),
            *(repr(headers.get(name, b"")) for name in KEYED_HEADERS),
        ]
        return hashlib.sha256("\n".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, key: str) -> Answer | None:
        """The kept answer of a key (counted as a hit or a miss); None when the cache cannot be read."""
        try:
            found = self.cache.get(key)
        except Exception as exc:  # a cache that fails is a miss: the app answers
            LOG.warning("the answer cache could not be read: %s", exc)
            found = None
        self.count("misses" if found is None else "hits")
        return found

    def count(self, name: str) -> None:
        """Count a hit or a miss (a thread adds this process's counts to the shared ones every `counts_every`)."""
        with self.lock:
            self.unflushed[name] += 1
            if self.counter is None:
                self.counter = threading.Thread(target=self.flush_until_closed, name="answer-counts", daemon=True)
                self.counter.start()

    def flush_until_closed(self) -> None:
        """The counting thread: add this process's counts to the shared ones every `counts_every`, until closed."""
        while not self.closed.wait(self.counts_every):
            self.flush()

    def flush(self) -> None:
        """Add this process's counts to the shared ones."""
        with self.lock:
            pending, self.unflushed = self.unflushed, dict.fromkeys(COUNTS, 0)
        try:
            for name, value in pending.items():
                if value:
                    self.record.incr(name, value)
        except Exception as exc:
            LOG.warning("the answer cache's counts could not be written: %s", exc)

    def may_keep(self, answer: Answer) -> bool:
        """Whether an answer may be kept: a whole 200 answer, not too large, that varies by nothing unkeyed."""
        return answer.status == 200 and len(answer.body) <= self.largest and keepable(answer.headers)

    def keep(self, key: str, answer: Answer) -> None:
        """Keep an answer now, if it may be kept (a cache that cannot be written keeps nothing)."""
        if self.may_keep(answer):
            self.write([(key, answer)])

    def keep_later(self, key: str, answer: Answer) -> None:
        """Have the writer thread keep an answer, if it may be kept: the request does not wait for the write, and
        answers made meanwhile are written in one transaction. Past PENDING_BYTES waiting, nothing is kept."""
        if not self.may_keep(answer):
            return
        with self.lock:
            if self.pending_bytes + len(answer.body) > PENDING_BYTES:
                return
            self.pending_bytes += len(answer.body)
            if self.writer is None:
                self.writer = threading.Thread(target=self.write_pending, name="answer-writer", daemon=True)
                self.writer.start()
        self.pending.put((key, answer))

    def write_pending(self) -> None:
        """The writer thread: write waiting answers, a batch per transaction, until told to stop (None)."""
        while True:
            batch = [self.pending.get()]
            while len(batch) < BATCH and not self.pending.empty():
                batch.append(self.pending.get())
            stop = None in batch
            items = [item for item in batch if item is not None]
            self.write(items)
            with self.lock:
                self.pending_bytes -= sum(len(answer.body) for _, answer in items)
            if stop:
                return

    def write(self, items: list[tuple[str, Answer]]) -> None:
        """Write answers, which the caller found may be kept, in one transaction."""
        if not items:
            return
        try:
            with self.cache.transact():
                for key, answer in items:
                    self.cache.set(key, answer)
        except Exception as exc:
            LOG.warning("the answer cache could not be written: %s", exc)

    def counts(self) -> dict:
        """Hits, misses, entries, bytes used and the limit."""
        with self.lock:
            own = dict(self.unflushed)
        hits, misses = (self.record.get(name, 0) + own[name] for name in COUNTS)
        return {
            "hits": hits,
            "misses": misses,
            "entries": len(self.cache),
            "bytes": self.cache.volume(),
            "limit_bytes": self.cache.size_limit,
            "largest_answer_bytes": self.largest,
            "publication": self.publication,
        }

    def close(self) -> None:
        """Write the answers waiting, add this process's counts to the shared ones and close the cache's files."""
        if self.writer is not None:
            self.pending.put(None)
            self.writer.join(timeout=30)
            self.writer = None
        self.closed.set()
        self.flush()
        self.cache.close()
        self.record.close()


def keepable(headers) -> bool:
    """Whether an answer with these headers may be given to any request with the same key."""
    for name, value in headers:
        if name == b"cache-control" and b"no-store" in value.lower():
            return False
        if name == b"vary" and any(
            v.strip().lower().encode() not in KEYED_HEADERS for v in value.decode("latin-1").split(",") if v.strip()
        ):
            return False
        if name == b"set-cookie":
            return False
    return True
