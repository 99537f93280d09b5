"""The store backends: Oxigraph on disk (the default) and in memory answer alike, and a remote SPARQL 1.1
store (Oxigraph's own server here, Virtuoso in tests/web/test_virtuoso.py) answers through the same
interface once `iuckg publish` has loaded the build into it."""

from __future__ import annotations

import json
import multiprocessing
import os
import select
import shutil
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

import iuckg.store
from helpers import BASE, copy_dist, repo_settings, untraced
from iuckg.cli import main
from iuckg.description import DESCRIBE_RESOURCE
from iuckg.namespaces import GRAPH_NAMES, Minter
from iuckg.publish import PublishError, chunks, publish
from iuckg.serve import prepare_store
from iuckg.settings import MEMORY, Settings
from iuckg.store import (DATABASE_DIR, STORE_DIR, OxigraphBackend, RemoteBackend, StoreError, bind, ensure_store,
                         open_backend)

OXIGRAPH_SERVER = Path(sys.executable).with_name("oxigraph")
GRAPH = str(Minter(BASE).graph("ontology"))
BARCELONA = ox.NamedNode(BASE + "id/member/barcelona-es")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
# (query, keyword arguments of Backend.query): every way the web layer asks.
CASES = [
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {}),
    ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {}),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"graph": GRAPH}),
    (f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}> WHERE {{ ?s ?p ?o }}", {}),
    (f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g", {}),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"default_graphs": (GRAPH,)}),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"named_graphs": (GRAPH,)}),
    ("SELECT ?this ?p ?label WHERE { ?this ?p ?label }", {"bindings": {"this": BARCELONA, "p": LABEL}}),
    ("SELECT ?s WHERE { ?s ?p <id/country/ESP> } ORDER BY ?s", {"base_iri": BASE}),
    ("ASK { ?this ?p ?o }", {"bindings": {"this": BARCELONA}}),
    ("ASK { ?this ?p ?o }", {"bindings": {"this": ox.NamedNode(BASE + "id/member/nowhere-xx")}}),
    ("CONSTRUCT { ?this ?p ?o } WHERE { ?this ?p ?o }", {"bindings": {"this": BARCELONA}}),
]


def answer(result) -> object:
    """A result in a form that compares: a boolean, a list of rows, or a set of triples."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        return sorted(tuple(str(row[v]) for v in variables) for row in result)
    return {str(t) for t in result}


@pytest.fixture(scope="module")
def settings(dist, tmp_path_factory) -> Settings:
    """Settings over a private copy of the session build (its store is written into it)."""
    return repo_settings(dist_dir=copy_dist(dist, tmp_path_factory.mktemp("store") / "dist"))


@pytest.fixture(scope="module")
def memory(settings) -> OxigraphBackend:
    return open_backend(settings.with_(store=MEMORY))


@pytest.mark.parametrize("case", range(len(CASES)))
def test_disk_and_memory_answer_alike(settings, memory, case):
    query, options = CASES[case]
    ours = answer(open_backend(settings).query(query, **options))
    assert ours == answer(memory.query(query, **options))
    assert ours not in ([], set())


def test_the_union_is_the_default_graph_unless_the_query_names_a_dataset(settings, memory):
    summary = json.loads((settings.dist_dir / "summary.json").read_text())
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
    assert int(next(memory.query(count.format("")))["n"].value) == sum(summary["triples"].values())
    assert int(next(memory.query(count.format(f"FROM <{GRAPH}>")))["n"].value) == summary["triples"]["ontology"]
    assert memory.named_graphs() == {str(Minter(BASE).graph(name)) for name in GRAPH_NAMES}


def test_the_disk_store_is_loaded_once_and_opened_without_parsing(settings, monkeypatch):
    database = ensure_store(settings)
    stamp = (database.parent / "sources.json").stat().st_mtime_ns

    def no_parsing(*args):
        raise AssertionError("the store was loaded again")

    monkeypatch.setattr(iuckg.store, "fill", no_parsing)
    backend = open_backend(settings)
    assert len(backend.named_graphs()) == len(GRAPH_NAMES)
    assert (database.parent / "sources.json").stat().st_mtime_ns == stamp
    assert [p.name for p in settings.dist_dir.iterdir() if p.name.startswith(".")] == []


def count_in_worker(settings: Settings) -> int:
    """The triples of the union, counted by a process of its own."""
    return int(next(open_backend(settings).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))["n"].value)


def test_several_processes_read_the_store_at_once(settings, memory):
    ensure_store(settings)
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        counts = pool.map(count_in_worker, [settings] * 3)
    assert counts == [int(next(memory.query(CASES[0][0]))["n"].value)] * 3


def test_the_store_is_reloaded_when_its_sources_change(settings, tmp_path):
    extra = tmp_path / "extra.ttl"
    extra.write_text("<https://example.org/a> <https://example.org/b> 'c' .\n")
    with_extra = settings.with_(extra_graphs=(("https://example.org/extra", extra),))
    backend = open_backend(with_extra)
    assert "https://example.org/extra" in backend.named_graphs()
    assert bool(backend.query("ASK { <https://example.org/a> ?p 'c' }"))
    assert "https://example.org/extra" not in open_backend(settings).named_graphs()


def test_a_failed_load_leaves_the_store_in_place(settings, monkeypatch, tmp_path):
    database = ensure_store(settings)
    before = sorted(p.name for p in database.parent.iterdir())
    extra = tmp_path / "extra.nt"
    extra.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")

    def half_load(store, s):
        store.add(ox.Quad(BARCELONA, LABEL, ox.Literal("half"), ox.NamedNode(GRAPH)))
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(iuckg.store, "fill", half_load)
    with pytest.raises(OSError, match="simulated"):
        ensure_store(settings.with_(extra_graphs=(("https://example.org/extra", extra),)))
    assert sorted(p.name for p in database.parent.iterdir()) == before
    assert [p.name for p in settings.dist_dir.iterdir() if p.name.startswith(".")] == []
    assert not ox.Store.read_only(str(database)).query('ASK { GRAPH ?g { ?s ?p "half" } }')


def test_bound_variables_join_at_the_start_of_the_where_clause():
    text = bind("SELECT ?this ?o WHERE { ?this ?p ?o }", {"this": BARCELONA, "p": LABEL})
    assert text == (f"SELECT ?this ?o WHERE {{ VALUES (?this ?p) {{ ({BARCELONA} {LABEL}) }} ?this ?p ?o }}")
    assert bind("ASK { ?this ?p ?o }", {"this": BARCELONA}).startswith(f"ASK {{ VALUES (?this) {{ ({BARCELONA}) }}")


def test_a_remote_store_gets_only_queries():
    remote = RemoteBackend("http://127.0.0.1:9/sparql", (GRAPH,), timeout=2)
    for text in ("INSERT DATA { <a:b> <a:b> <a:b> }", "SELECT * WHERE { ?s ?p }", "DROP ALL"):
        with pytest.raises(SyntaxError):
            remote.query(text)
    with pytest.raises(StoreError, match="did not answer"):
        remote.query("ASK { ?s ?p ?o }")
    assert "did not answer" in prepare_store(repo_settings(store="http://127.0.0.1:9/sparql"))


def test_settings_name_a_store():
    with pytest.raises(ValueError, match="store must be"):
        Settings(store="ftp://example.org/")
    with pytest.raises(ValueError, match="remote store"):
        Settings(store="http://example.org/sparql", extra_graphs=(("https://example.org/g", Path("g.ttl")),))
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--store", "ftp://example.org/"])
    assert stopped.value.code == 2


def test_chunks_keep_blank_nodes_together():
    b = ox.BlankNode()
    triples = [ox.Triple(ox.NamedNode(f"https://example.org/{i}"), LABEL, ox.Literal(str(i))) for i in range(5)]
    triples += [ox.Triple(BARCELONA, LABEL, b), ox.Triple(b, LABEL, ox.Literal("x"))]
    parts = list(chunks(triples, 2))
    assert [len(p) for p in parts] == [2, 2, 1, 2]
    assert parts[-1] == triples[-2:]


def test_pattern_lookups_describe_every_resource_as_the_construct_query_does(memory):
    """The embedded store's descriptions (pattern lookups) are the CONSTRUCT any remote store answers."""
    resources = {q.subject for q in memory.store if isinstance(q.subject, ox.NamedNode)}
    resources |= {q.object for q in memory.store if isinstance(q.object, ox.NamedNode)}
    differing = []
    for this in sorted(resources, key=str):
        constructed = set(memory.query(DESCRIBE_RESOURCE, bindings={"this": this}))
        looked_up = memory.describe(this)
        if not isomorphic(constructed, looked_up):
            differing.append(this)
    assert len(resources) > 3_000 and not differing, differing[:5]
    assert not memory.describe(ox.NamedNode(BASE + "id/member/nowhere"))


def isomorphic(first: set[ox.Triple], second: set[ox.Triple]) -> bool:
    """Whether two sets of triples are the same graph, blank nodes aside from their labels."""
    from rdflib.compare import isomorphic as same
    from rdflib import Graph

    if first == second:
        return True
    graphs = []
    for triples in (first, second):
        graph = Graph()
        graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
        graphs.append(graph)
    return same(*graphs)


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """Oxigraph's own server (PyPI `oxigraph`), read-write, in a folder of its own: its base URL."""
    if not OXIGRAPH_SERVER.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{OXIGRAPH_SERVER} is missing: the test extras install PyPI oxigraph")
        pytest.skip("Oxigraph's server is not installed (pip install oxigraph)")
    from .helpers import free_port, stop, wait_until_up

    port = free_port()
    process = subprocess.Popen([str(OXIGRAPH_SERVER), "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url + "query?query=ASK%7B%7D", process)
    yield url
    stop(process, seconds=30)


@pytest.mark.parametrize("graph_store", [False, True], ids=["sparql-update", "graph-store-protocol"])
def test_a_remote_store_answers_as_the_embedded_one(settings, memory, oxigraph_server, graph_store):
    counts = publish(settings, oxigraph_server + "update", oxigraph_server + "store" if graph_store else None,
                     query_endpoint=oxigraph_server + "query")
    assert counts == {str(Minter(BASE).graph(name)): n
                      for name, n in json.loads((settings.dist_dir / "summary.json").read_text())["triples"].items()}
    remote = open_backend(settings.with_(store=oxigraph_server + "query"))
    assert isinstance(remote, RemoteBackend)
    for query, options in CASES:
        assert answer(remote.query(query, **options)) == answer(memory.query(query, **options)), query
    assert prepare_store(settings.with_(store=oxigraph_server + "query")) is None


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_publishing_twice_keeps_one_copy(settings, oxigraph_server):
    publish(settings, oxigraph_server + "update", query_endpoint=oxigraph_server + "query")
    publish(settings, oxigraph_server + "update", query_endpoint=oxigraph_server + "query")
    count = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    request = urllib.request.Request(oxigraph_server + "query?query=" + count,
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request) as response:
        total = int(json.load(response)["results"]["bindings"][0]["n"]["value"])
    assert total == sum(json.loads((settings.dist_dir / "summary.json").read_text())["triples"].values())


def test_serve_loads_the_store_before_the_workers_start(settings, tmp_path):
    fresh = repo_settings(dist_dir=copy_dist(settings.dist_dir, tmp_path / "dist"))
    shutil.rmtree(fresh.dist_dir / STORE_DIR, ignore_errors=True)
    assert prepare_store(fresh) is None
    assert (fresh.dist_dir / STORE_DIR / DATABASE_DIR).is_dir()
    assert open_backend(fresh).named_graphs() == {str(Minter(BASE).graph(name)) for name in GRAPH_NAMES}


class CutProxy(socketserver.ThreadingTCPServer):
    """A TCP proxy to a server that passes `passes` connections through, then cuts every later one
    as soon as it opens: a store that goes away half-way through a publication."""

    daemon_threads = True

    def __init__(self, upstream: tuple[str, int], passes: int) -> None:
        self.upstream, self.passes, self.opened = upstream, passes, 0
        super().__init__(("127.0.0.1", 0), PipeHandler)

    @property
    def url(self) -> str:
        """The proxy's base URL."""
        return f"http://127.0.0.1:{self.server_address[1]}/"


class PipeHandler(socketserver.BaseRequestHandler):
    """Pipe one connection to the upstream server, or cut it."""

    def handle(self) -> None:
        """Copy bytes both ways until either side closes."""
        self.server.opened += 1
        if self.server.opened > self.server.passes:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset
            return
        with socket.create_connection(self.server.upstream) as upstream:
            sockets = [self.request, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 30)
                if not readable:
                    return
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is self.request else self.request).sendall(data)


def live_sizes(server: str) -> dict[str, int]:
    """Triples per named graph of a store, straight from it."""
    query = urllib.parse.quote("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    request = urllib.request.Request(server + "query?query=" + query,
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request) as response:
        rows = json.load(response)["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def test_a_store_lost_half_way_through_a_publication_keeps_the_old_graph_live(settings, oxigraph_server,
                                                                               tmp_path):
    from iuckg.build import build
    from iuckg.synth import synth

    publish(settings, oxigraph_server + "update", query_endpoint=oxigraph_server + "query")
    live = live_sizes(oxigraph_server)
    other = settings.with_(data_dir=tmp_path / "data", dist_dir=tmp_path / "dist")
    with untraced():  # another build to publish: the session build counts its lines
        synth(5, other.data_dir, seed=3)
        build(other)
    address = urllib.parse.urlsplit(oxigraph_server)
    with CutProxy((address.hostname, address.port), passes=3) as proxy:
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        with pytest.raises(PublishError, match="did not answer"):
            publish(other, proxy.url + "update", query_endpoint=proxy.url + "query")  # staging dropped, two uploads, then the store is gone
        proxy.shutdown()
    assert proxy.opened > 3, "the publication went on past the cut"
    after = live_sizes(oxigraph_server)
    assert {g: n for g, n in after.items() if g in live} == live, "every live graph is as it was"
    assert any(g.endswith("/staging") for g in after), "the cut left staging graphs (never live)"
    # the next publication drops them and switches
    counts = publish(other, oxigraph_server + "update", query_endpoint=oxigraph_server + "query")
    assert live_sizes(oxigraph_server) == counts
