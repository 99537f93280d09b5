"""The app's state: the publication it serves (the store's backend, the settings, the index, the query pool
and the IRIs minted under its base), kept in app.extensions."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import current_app

from ..index import Index
from ..layout import INDEX_FILE, SUMMARY_FILE
from ..namespaces import Minter
from ..settings import Settings
from ..store import Backend, Term
from .admission import Admission
from .evaluation import Evaluator
from .queries import EXISTS

ANSWERS = "iuckg.answers"  # the key of the app's answer cache (an Answers) in app.extensions, when it has one


@dataclass
class Published:
    """The store of one published build and the IRIs minted under its base."""

    settings: Settings
    backend: Backend
    minter: Minter = field(init=False)
    graph_names: frozenset[str] = field(init=False)
    _evaluator: Evaluator | None = field(init=False, default=None)
    admission: Admission = field(init=False)
    kept_out: dict[str, list[ox.Triple]] = field(init=False)
    index: Index = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _views: dict[Callable, Any] = field(init=False, default_factory=dict)
    _views_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.minter = Minter(self.settings.base)
        self.graph_names = self.backend.named_graphs()
        self.kept_out = kept_out_of_store(self.settings)
        self.index = Index(Path(self.settings.dist_dir) / INDEX_FILE)
        s = self.settings
        self.admission = Admission(
            s.worker_share("query_workers") + s.worker_share("query_queue"),
            s.worker_share("queries_per_client"),
            self.retry_after,
        )

    @property
    def evaluator(self) -> Evaluator:
        """The pool that evaluates visitors' queries (started on first use, in this process)."""
        with self._lock:
            if self._evaluator is None:
                self._evaluator = Evaluator(self.settings)
            return self._evaluator

    def close(self) -> None:
        """Stop the query pool, if one was started."""
        with self._lock:
            if self._evaluator is not None:
                self._evaluator.close()
                self._evaluator = None

    def once(self, compute: Callable[[Published], Any]) -> Any:
        """What compute gives for this store, computed by the first request that asks and kept: the store
        does not change while it is served, and views over all of it (the landing page's counts, the
        sitemap) take seconds at 10,000 pairings. Requests asking meanwhile wait for that answer."""
        with self._views_lock:
            if compute not in self._views:
                self._views[compute] = compute(self)
            return self._views[compute]

    @property
    def retry_after(self) -> int:
        """Seconds a client told 503 should wait before it asks again."""
        return max(1, round(self.settings.query_timeout / 2))

    @property
    def base(self) -> str:
        """The base IRI every minted IRI starts with."""
        return self.settings.base

    def graph(self, name: str) -> ox.NamedNode:
        """The IRI of one of the build's named graphs."""
        return ox.NamedNode(str(self.minter.graph(name)))

    def term(self, local: str) -> ox.NamedNode:
        """A term of the iuc ontology."""
        return ox.NamedNode(str(self.minter.iuc[local]))

    def iri_of_path(self, path: str) -> str:
        """The IRI served at /path: base + path."""
        return self.base + path

    def path_of(self, iri: str) -> str | None:
        """The server path of a minted IRI, or None for an external one."""
        return "/" + iri[len(self.base) :] if iri.startswith(self.base) else None

    def query(self, text: str, graph: str | None = None, bindings: Mapping[str, Term] | None = None, **terms: Term):
        """Run one of the app's own queries over one named graph or the union of all.

        Its variables are bound to `bindings` and to the keyword arguments `terms`.
        """
        bound = {**(bindings or {}), **terms}
        return self.backend.query(text, graph=self.graph(graph).value if graph else None, bindings=bound)

    def exists(self, iri: str) -> bool:
        """Whether an IRI is mentioned in any graph."""
        try:
            node = ox.NamedNode(iri)
        except ValueError:  # not a valid IRI, so not one of ours
            return False
        return bool(self.query(EXISTS, this=node))


def kept_out_of_store(settings: Settings) -> dict[str, list[ox.Triple]]:
    """The build's triples that no store holds (a store would retype their literals), by subject IRI: the
    documents of their subjects add them (see `iuckg.roundtrip`)."""
    try:
        lines = json.loads((Path(settings.dist_dir) / SUMMARY_FILE).read_text(encoding="utf-8"))["kept_out_of_store"]
    except (OSError, ValueError, KeyError):
        return {}
    triples: dict[str, list[ox.Triple]] = {}
    for line in lines:
        for quad in ox.parse(line.partition(": ")[2] + " .\n", format=ox.RdfFormat.N_TRIPLES):
            triples.setdefault(quad.subject.value, []).append(quad.triple)
    return triples


def published() -> Published:
    """What the current app serves (its Published state)."""
    return current_app.extensions["iuckg"]
