"""Admission control of visitors' queries in one server process: a bounded number at once (running
or waiting for a worker), and a fair share of them per client address; the rest answer 503 with
Retry-After at once instead of waiting."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Busy(Exception):
    """No room for this query now; try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Admission:
    """Counts the queries of one process, in all and per client address."""

    def __init__(self, capacity: int, per_client: int, retry_after: int) -> None:
        self.capacity, self.per_client, self.retry_after = capacity, per_client, retry_after
        self.lock = threading.Lock()
        self.total = 0
        self.by_client: Counter[str] = Counter()

    @contextmanager
    def slot(self, client: str) -> Iterator[None]:
        """Hold a place for one query of a client while it runs; raise Busy when there is none."""
        with self.lock:
            if self.by_client[client] >= self.per_client:
                raise Busy(
                    f"this client already has {self.by_client[client]} queries running or waiting here; "
                    f"send the next when one has answered",
                    self.retry_after,
                )
            if self.total >= self.capacity:
                raise Busy("the server is busy with other queries; try again shortly", self.retry_after)
            self.total += 1
            self.by_client[client] += 1
        try:
            yield
        finally:
            with self.lock:
                self.total -= 1
                self.by_client[client] -= 1
                if not self.by_client[client]:
                    del self.by_client[client]
