"""The triple store the server reads, behind one interface, chosen by `Settings.store`.

- `disk` (default): Oxigraph on disk, in DIST/store/, bulk-loaded once from the build's
  N-Quads; servers and query workers open it read-only, so a start parses nothing.
- `memory`: Oxigraph in memory, loaded from the N-Quads (for tests and one-off queries).
- an http(s) URL: any SPARQL 1.1 query endpoint holding a build (see `iuckg publish`),
  queried through SPARQLWrapper.

Every backend answers with pyoxigraph values (solutions, a boolean or triples), and
its default graph is the union of the build's named graphs unless a query names a graph.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

import pyoxigraph as ox

from .description import DESCRIBE_RESOURCE, PatternDescriber
from .guard import QueryRefused, analyse, parse
from .integrity import damage, manifest, store_files
from .layout import STORE_FILE
from .namespaces import GRAPH_NAMES, Minter
from .roundtrip import by_graph, check
from .settings import DISK, MEMORY, Settings

# The on-disk store of a build: DIST/store/oxigraph, and what it was loaded from.
STORE_DIR = "store"
DATABASE_DIR = "oxigraph"
SOURCES_FILE = "sources.json"

Result = ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]
# An RDF term as pyoxigraph hands it out (its stubs name no such union).
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
# Where bound variables join a named query on a remote store: the start of its WHERE clause.
WHERE = re.compile(r"\b(?:WHERE|ASK)\s*\{", re.IGNORECASE)
RESULTS_ACCEPT = "application/sparql-results+xml, application/sparql-results+json;q=0.9"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
BNODE = re.compile(rb"<bnode>([^<]*)</bnode>")
# The serialisations of answers by name: query results (SELECT, ASK) and graphs (CONSTRUCT, DESCRIBE).
RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def term_value(term: Term) -> str:
    """The value of an IRI, a blank node or a literal (a build's graphs hold no quoted triple, which has none)."""
    if isinstance(term, ox.Triple):
        raise TypeError(f"a quoted triple has no value: {term}")
    return term.value


class StoreError(Exception):
    """The remote store did not answer."""


class Backend(Protocol):
    """A SPARQL dataset of named graphs whose default graph is their union."""

    def query(
        self,
        text: str,
        *,
        graph: str | None = None,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
        names_dataset: bool | None = None,
    ) -> Result:
        """Evaluate a query over one named graph (`graph`), an explicit dataset, or the union of all.

        `names_dataset` says whether the text has FROM / FROM NAMED, when the caller knows (the guard's verdict).
        """

    def named_graphs(self) -> frozenset[str]:
        """The IRIs of the named graphs."""

    def describe(self, this: ox.NamedNode) -> set[ox.Triple]:
        """The description of a resource (`iuckg.description`)."""


@dataclass
class OxigraphBackend:
    """An Oxigraph store, in memory or on disk."""

    store: ox.Store

    def __post_init__(self) -> None:
        self.describe = PatternDescriber(self.store)

    def query(
        self,
        text: str,
        *,
        graph: str | None = None,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
        names_dataset: bool | None = None,
    ) -> Result:
        """Evaluate a query; bound variables are substituted."""
        options: dict = {"base_iri": base_iri} if base_iri else {}
        if graph:
            options["default_graph"] = ox.NamedNode(graph)
        elif default_graphs or named_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graphs] or ox.DefaultGraph()
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        elif not (names_dataset if names_dataset is not None else names_own_dataset(text)):
            # the union would replace the dataset of FROM / FROM NAMED
            options["use_default_graph_as_union"] = True
        substitutions = {ox.Variable(name): term for name, term in (bindings or {}).items()}
        return self.store.query(text, substitutions=substitutions, **options)

    def named_graphs(self) -> frozenset[str]:
        """The IRIs of the store's named graphs."""
        return frozenset(g.value for g in self.store.named_graphs())


@dataclass
class RemoteBackend:
    """A SPARQL 1.1 query endpoint holding the graphs `graphs`, queried through SPARQLWrapper.

    A query is parsed by the guard first (never evaluated here), so the endpoint only receives
    SPARQL 1.1 queries (never an update, never SERVICE); with no dataset named, the query's dataset is the build's graphs, as
    default graph (their union) and as named graphs, whatever else the store holds.
    """

    url: str
    graphs: tuple[str, ...]
    timeout: float = 30.0

    def query(
        self,
        text: str,
        *,
        graph: str | None = None,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
        names_dataset: bool | None = None,
    ) -> Result:
        """Evaluate a query on the endpoint; bound variables are joined at the start of its WHERE clause."""
        try:  # a query (never an update) without SERVICE
            verdict = parse(text, base_iri)
        except QueryRefused as exc:
            raise SyntaxError(str(exc)) from None
        if bindings:
            text = bind(text, bindings)
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        if graph:
            dataset: tuple[Sequence[str], Sequence[str]] = ([graph], [])
        elif default_graphs or named_graphs or verdict.names_dataset:
            dataset = (default_graphs, named_graphs)
        else:
            dataset = (self.graphs, self.graphs)
        graph_form = verdict.form in ("ConstructQuery", "DescribeQuery")
        body, media_type = self.request(text, GRAPH_ACCEPT if graph_form else RESULTS_ACCEPT, *dataset)
        if graph_form:
            return [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.from_media_type(media_type))]
        result = ox.parse_query_results(
            BNODE.sub(bnode_label, body), format=ox.QueryResultsFormat.from_media_type(media_type)
        )
        if verdict.form == "AskQuery" and isinstance(result, ox.QuerySolutions):
            return ask_answer(result)
        return result

    def request(
        self, text: str, accept: str, default_graphs: Sequence[str], named_graphs: Sequence[str]
    ) -> tuple[bytes, str]:
        """POST a query per the SPARQL 1.1 Protocol: the response body and its media type."""
        from SPARQLWrapper import POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        sparql = SPARQLWrapper(self.url)
        sparql.setMethod(POST)
        sparql.setOnlyConneg(True)
        sparql.setTimeout(int(self.timeout) + 1)
        sparql.setQuery(text)
        for iri in default_graphs:
            sparql.addDefaultGraph(iri)
        for iri in named_graphs:
            sparql.addNamedGraph(iri)
        sparql.addCustomHttpHeader("Accept", accept)
        try:
            response = sparql.query().response
            return response.read(), response.headers.get_content_type()
        except QueryBadFormed as exc:
            raise ValueError(f"the store refused the query: {exc}") from None
        except (SPARQLWrapperException, OSError) as exc:
            raise StoreError(f"{self.url} did not answer: {exc}") from None

    def named_graphs(self) -> frozenset[str]:
        """The build's graphs."""
        return frozenset(self.graphs)

    def describe(self, this: ox.NamedNode) -> set[ox.Triple]:
        """The description of a resource, constructed by the endpoint."""
        # a DESCRIBE query: the answer is triples
        return set(cast(Iterable[ox.Triple], self.query(DESCRIBE_RESOURCE, bindings={"this": this})))


def bnode_label(match: re.Match) -> bytes:
    """A blank node of an XML result with a label every parser reads (Virtuoso writes 'nodeID://b10019')."""
    return b"<bnode>b" + match[1].hex().encode() + b"</bnode>"


def ask_answer(solutions: ox.QuerySolutions) -> ox.QueryBoolean:
    """The boolean of an ASK answered as a table, as Virtuoso 7 does: a row holding 1 for true, no row for false."""
    value = any(term is not None and term.value in ("1", "true") for row in solutions for term in row)
    answer = ox.parse_query_results(
        b'{"head": {}, "boolean": %s}' % (b"true" if value else b"false"), format=ox.QueryResultsFormat.JSON
    )
    return cast(ox.QueryBoolean, answer)  # a JSON boolean result


def bind(text: str, bindings: Mapping[str, Term]) -> str:
    """A named query with its bound variables joined as VALUES at the start of its WHERE clause."""
    where = WHERE.search(text)
    if where is None:
        raise ValueError("a query with bound variables needs a WHERE clause")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(str(term) for term in bindings.values())
    return f"{text[: where.end()]} VALUES ({names}) {{ ({values}) }}{text[where.end() :]}"


def names_own_dataset(text: str) -> bool:
    """Whether a query names its own dataset with FROM or FROM NAMED (the guard's parse, remembered)."""
    return analyse(text).names_dataset


def graph_iris(settings: Settings) -> tuple[str, ...]:
    """The IRIs of the build's named graphs and of the extra graphs."""
    minter = Minter(settings.base)
    return tuple(str(minter.graph(name)) for name in GRAPH_NAMES) + tuple(iri for iri, _ in settings.extra_graphs)


def fill(store: ox.Store, settings: Settings) -> None:
    """Bulk-load the build's named graphs and the extra graphs into a store."""
    store.bulk_load(path=str(Path(settings.dist_dir) / STORE_FILE), format=ox.RdfFormat.N_QUADS)
    for iri, path in settings.extra_graphs:
        store.bulk_load(path=str(path), format=rdf_format(path), to_graph=ox.NamedNode(iri), base_iri=iri)


def expected_graphs(settings: Settings) -> dict[str, list[ox.Triple]]:
    """Every named graph a store must serve: the build's store file and the extra graphs, parsed."""
    graphs = by_graph(ox.parse(path=str(Path(settings.dist_dir) / STORE_FILE), format=ox.RdfFormat.N_QUADS))
    for iri, path in settings.extra_graphs:
        graphs.setdefault(iri, []).extend(
            q.triple for q in ox.parse(path=str(path), format=rdf_format(path), base_iri=iri)
        )
    return graphs


def load_store(settings: Settings) -> ox.Store:
    """An in-memory Oxigraph store holding the build's named graphs and any extra graphs."""
    store = ox.Store()
    fill(store, settings)
    return store


def sources(settings: Settings) -> list[list]:
    """What an on-disk store is loaded from: each file's graph, path, size and modification time."""
    files = [("", Path(settings.dist_dir) / STORE_FILE), *settings.extra_graphs]
    return [
        [iri, str(Path(path).resolve()), Path(path).stat().st_size, Path(path).stat().st_mtime_ns]
        for iri, path in files
    ]


def stamp(folder: Path) -> dict:
    """What a store folder records of itself: the sources it was loaded from and its files' manifest
    (nothing, for a missing or unreadable stamp or one written before stamps held a manifest)."""
    try:
        recorded = json.loads((folder / SOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def is_loaded_from(folder: Path, wanted: list[list]) -> bool:
    """Whether a store folder holds a complete store loaded from these sources."""
    return stamp(folder).get("sources") == wanted


def ensure_store(settings: Settings, verify: bool = False) -> Path:
    """The build's on-disk store, bulk-loaded first when missing, loaded from other files or (verify) damaged.

    It is loaded beside the live one and renamed into place, so no reader ever opens a
    half-loaded store (a new build replaces dist/, and the store with it), and only once every
    graph read back from it is the graph the build wrote (`iuckg.roundtrip`). Verifying
    hashes every file of the store against the manifest written when it was loaded.
    """
    folder = Path(settings.dist_dir) / STORE_DIR
    wanted = sources(settings)
    clear_leftovers(folder)
    recorded = stamp(folder)
    if recorded.get("sources") == wanted:
        problem = damage(folder / DATABASE_DIR, recorded["files"]) if verify and "files" in recorded else None
        if problem is None:
            return folder / DATABASE_DIR
        print(f"iuckg: the store is damaged ({problem}): loading it again", file=sys.stderr, flush=True)
    staging = folder.with_name(f".{STORE_DIR}.new-{os.getpid()}")
    retired = folder.with_name(f".{STORE_DIR}.old-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        store = ox.Store(str(staging / DATABASE_DIR))
        fill(store, settings)
        store.flush()
        # refused (RoundTripError) unless the store holds every graph as the build wrote it; the live store stays
        check(expected_graphs(settings), by_graph(store), "the embedded store (Oxigraph)")
        del store
        files = manifest(staging / DATABASE_DIR, store_files(staging / DATABASE_DIR))
        (staging / SOURCES_FILE).write_text(json.dumps({"sources": wanted, "files": files}), encoding="utf-8")
        if folder.exists():
            os.rename(folder, retired)
        os.rename(staging, folder)
    except OSError:
        if not is_loaded_from(folder, wanted):  # unless another process has just put the same store in place
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return folder / DATABASE_DIR


def clear_leftovers(folder: Path) -> None:
    """Remove the staging and retired stores of loads whose process is gone (killed mid-way)."""
    for leftover in folder.parent.glob(f".{folder.name}.*-*"):
        pid = leftover.name.rpartition("-")[2]
        if pid.isdigit() and not is_running(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


def is_running(pid: int) -> bool:
    """Whether a process of this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_backend(settings: Settings) -> Backend:
    """The backend the settings name: on disk, in memory or remote."""
    if settings.store == MEMORY:
        return OxigraphBackend(load_store(settings))
    if settings.store == DISK:
        return OxigraphBackend(ox.Store.read_only(str(ensure_store(settings))))
    return RemoteBackend(settings.store, graph_iris(settings), settings.query_timeout)


def rdf_format(path: Path) -> ox.RdfFormat:
    """The RDF format of a file, from its extension."""
    fmt = ox.RdfFormat.from_extension(Path(path).suffix.lstrip("."))
    if fmt is None:
        raise ValueError(f"{path}: unknown RDF file extension (use .ttl, .nt, .nq, .trig, .rdf, .jsonld)")
    return fmt
