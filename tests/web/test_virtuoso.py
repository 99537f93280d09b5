"""A real remote store: Virtuoso (Debian's virtuoso-opensource), published to and served from.

The fixture starts its own Virtuoso from a temporary folder with a generated virtuoso.ini on
free loopback ports. The build is published with `iuckg publish` (Graph Store Protocol, Digest
authentication as dba), and the app over Virtuoso must answer as the app over the embedded store:
the same SPARQL results, the same resource RDF (graph isomorphism), the same pages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

import iuckg.publish
from iuckg.build import build
from iuckg.namespaces import GRAPH_NAMES, Minter
from iuckg.publish import PublishError, publish
from iuckg.serve import prepare_store
from iuckg.settings import Settings
from iuckg.synth import synth
from iuckg.web.app import create_app

from ..helpers import BASE, REPO, free_port, serving, stop, wait_until_up
from .test_limits import Listener

VIRTUOSO = shutil.which("virtuoso-t")
XSD = "http://www.w3.org/2001/XMLSchema#"
USER, PASSWORD = "dba", "dba"  # the account of a new Virtuoso database, reachable on loopback only

pytestmark = pytest.mark.live

# The server's configuration: {dir}, {sql_port} and {http_port} are filled in.
INI = Path(__file__).with_name("virtuoso.ini")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A Virtuoso server of its own: the base URL of its HTTP server."""
    if VIRTUOSO is None:
        if os.environ.get("CI"):
            pytest.fail("virtuoso-t is missing: CI installs Debian's virtuoso-opensource (make system-deps)")
        pytest.skip("virtuoso-t is not installed (apt-get install virtuoso-opensource)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = free_port()
    (folder / "virtuoso.ini").write_text(INI.read_text().format(dir=folder, sql_port=free_port(), http_port=http_port))
    process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                               cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http_port}/"
    try:
        wait_until_up(url + "sparql?query=ASK%7B%7D", process, seconds=120)
    except Exception:
        process.kill()
        raise RuntimeError("Virtuoso failed to start:\n" + (folder / "virtuoso.log").read_text(errors="replace"))
    yield url
    stop(process)


def publish_cli(virtuoso: str, dist: Path, *extra: str) -> subprocess.CompletedProcess:
    """`iuckg publish` of a dist/ to the Virtuoso server, as dba."""
    return subprocess.run(
        [sys.executable, "-m", "iuckg.cli", "publish", "--base", BASE, "--dist", str(dist),
         "--endpoint", virtuoso + "sparql-auth", "--graph-store", virtuoso + "sparql-graph-crud-auth",
         "--user", USER, *extra],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, iuckg.publish.PASSWORD_VARIABLE: PASSWORD})


@pytest.fixture(scope="module")
def published(virtuoso, web_settings):
    """The session's web build, published to Virtuoso with the command line."""
    result = publish_cli(virtuoso, web_settings.dist_dir)
    assert result.returncode == 0, result.stderr
    return virtuoso


@pytest.fixture(scope="module")
def remote(published, web_settings):
    """A test client of the app over Virtuoso."""
    return create_app(web_settings.with_(store=published + "sparql")).test_client()


def select(client, query: str, **params) -> list[tuple]:
    """The solutions of a SELECT through /sparql: tuples of (variable, type, value, datatype, language),
    with blank node labels (which each store picks) left out."""
    response = client.get("/sparql", query_string={"query": query, **params},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [tuple(sorted((var, term["type"], "" if term["type"] == "bnode" else term["value"], term.get("datatype"),
                          term.get("xml:lang")) for var, term in row.items()))
            for row in response.get_json()["results"]["bindings"]]


def rdf(client, path: str, **kwargs) -> Graph:
    """A document as a graph, from its Turtle."""
    response = client.get(path, headers={"Accept": "text/turtle"}, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return Graph().parse(data=response.data, format="turtle")


PREFIXES = f"""PREFIX iuc: <{BASE}def/iuc#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
"""
# Queries a visitor might send; results are compared as multisets, and in order where ORDER BY decides it.
QUERIES = {
    "count": ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", False),
    "per graph": ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", False),
    "per theme": ("SELECT ?theme (COUNT(?p) AS ?pairings) WHERE { ?p iuc:theme/skos:prefLabel ?theme } "
                  "GROUP BY ?theme ORDER BY DESC(?pairings) ?theme", True),
    "sdg 11.6": ("SELECT ?label ?rule WHERE { ?pairing iuc:alignment ?a ; rdfs:label ?label . "
                 "?a iuc:alignedTo <http://metadata.un.org/sdg/11.6> ; prov:wasDerivedFrom ?rule }", False),
    "three hops": ("SELECT ?goal (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p iuc:alignment/iuc:alignedTo ?t . "
                   "?t skos:broader* ?goal . ?goal a <http://metadata.un.org/sdg/ontology#Goal> } GROUP BY ?goal",
                   False),
    "sides": ("SELECT ?pairing ?side (COUNT(?m) AS ?members) WHERE { ?pairing iuc:hasSide ?side . "
              "?side iuc:sideMember ?m } GROUP BY ?pairing ?side HAVING (COUNT(?m) > 1)", False),
    "optional": ("SELECT ?m ?label ?alt ?country WHERE { ?m a iuc:City ; rdfs:label ?label . "
                 "OPTIONAL { ?m skos:altLabel ?alt } OPTIONAL { ?m iuc:country/rdfs:label ?country } } "
                 "ORDER BY ?m", True),
    "search": ("SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER (CONTAINS(LCASE(STR(?label)), \"water\")) } "
               "ORDER BY ?s", True),
    "from": (f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/ontology> WHERE {{ ?s ?p ?o }}", False),
    "from named": (f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{BASE}graph/shapes> "
                   "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", False),
    "typed literals": ("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER (isLiteral(?o) && datatype(?o) != "
                       "<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString> && "
                       "datatype(?o) != <http://www.w3.org/2001/XMLSchema#string> && ?p != dcat:byteSize) }", False),
}
BYTE_SIZES = "SELECT ?d ?size (STR(?size) AS ?value) WHERE { ?d dcat:byteSize ?size }"


@pytest.mark.parametrize("name", QUERIES)
def test_same_sparql_results(client, remote, name):
    query, ordered = QUERIES[name]
    ours, theirs = select(client, PREFIXES + query), select(remote, PREFIXES + query)
    assert ours, "the query must find something"
    assert (ours == theirs) if ordered else (Counter(ours) == Counter(theirs))


def test_no_store_serves_a_retyped_byte_size(client, remote, web_settings):
    """Oxigraph would store DCAT-AP's xsd:nonNegativeInteger as xsd:integer, so the build keeps the byte sizes
    out of every store (summary.json lists them) and serves them from catalogue.ttl; both stores agree."""
    kept_out = json.loads((web_settings.dist_dir / "summary.json").read_text())["kept_out_of_store"]
    assert len(kept_out) == 3 and all("dcat#byteSize" in line for line in kept_out)
    assert select(client, PREFIXES + BYTE_SIZES) == select(remote, PREFIXES + BYTE_SIZES) == []
    served = Graph().parse(data=client.get("/id/dataset/iuckg", headers={"Accept": "text/turtle"},
                                           follow_redirects=True).data, format="turtle")
    sizes = {o.datatype for o in served.objects(None, URIRef("http://www.w3.org/ns/dcat#byteSize"))}
    assert sizes == {URIRef(XSD + "nonNegativeInteger")}


def test_publication_reads_every_graph_back(published, web_settings):
    """After `iuckg publish`, Virtuoso's live graphs are the build's, as the publication checked before the switch."""
    from iuckg.roundtrip import check
    from iuckg.store import expected_graphs

    client = iuckg.publish.Client.connect(published + "sparql-auth", published + "sparql-graph-crud-auth",
                                          USER, PASSWORD)
    expected = expected_graphs(web_settings)
    check(expected, {graph: client.read_back(graph) for graph in expected}, "Virtuoso")


def test_protocol_dataset_and_ask(client, remote):
    params = {"default-graph-uri": f"{BASE}graph/sdg"}
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert select(client, query, **params) == select(remote, query, **params)
    for ask, expected in ((f"ASK {{ <{BASE}id/member/barcelona-es> ?p ?o }}", True), ("ASK { ?s ?p 42.5 }", False)):
        for app in (client, remote):
            response = app.get("/sparql", query_string={"query": ask},
                               headers={"Accept": "application/sparql-results+json"})
            assert response.get_json()["boolean"] is expected


def test_same_construct(client, remote):
    query = (f"CONSTRUCT {{ ?p ?link ?o . ?o rdfs:label ?l }} WHERE {{ "
             f"?p iuc:theme <{BASE}id/theme/mobility-transport> ; ?link ?o . OPTIONAL {{ ?o rdfs:label ?l }} }}")
    graphs = [rdf(app, "/sparql", query_string={"query": PREFIXES + query}) for app in (client, remote)]
    assert len(graphs[0]) > 100 and isomorphic(*graphs)


def documents(built_dist: Path) -> list[str]:
    """Paths of a sample of documents: every kind of minted IRI."""
    minter = Minter(BASE)
    subjects = sorted({line.split(" ", 1)[0][1:-1] for line in (built_dist / "iuckg.nq").read_text().splitlines()
                       if line.startswith("<" + BASE)})
    by_kind: dict[str, list[str]] = {}
    for iri in subjects:
        by_kind.setdefault("/".join(iri[len(BASE):].split("#")[0].split("/")[:2]), []).append(iri)
    sample = [iri for iris in by_kind.values() for iri in iris[:4]]
    sample += [str(minter.ontology), *(str(minter.graph(name)) for name in GRAPH_NAMES)]
    return sorted({"/doc/" + iri[len(BASE):].split("#")[0] for iri in sample if iri != BASE})


def test_same_resource_rdf(client, remote, web_settings):
    paths = documents(Path(web_settings.dist_dir))
    assert len(paths) > 40
    for path in paths:
        ours, theirs = rdf(client, path), rdf(remote, path)
        assert len(ours) > 0 and isomorphic(ours, theirs), path


@pytest.mark.parametrize("path", ["/", "/doc/id/member/barcelona-es", "/doc/id/pairing/cali-co--belfast-gb",
                                  "/doc/def/iuc", "/sitemap.xml", "/doc/id/missing"])
def test_same_pages(client, remote, path):
    ours, theirs = client.get(path, headers={"Accept": "text/html"}), remote.get(path, headers={"Accept": "text/html"})
    assert ours.status_code == theirs.status_code
    assert ours.data == theirs.data


def test_updates_are_refused_before_reaching_the_store(remote):
    response = remote.get("/sparql", query_string={"query": f"INSERT DATA {{ <{BASE}x> <{BASE}y> <{BASE}z> }}"})
    assert response.status_code == 400
    assert select(remote, f"SELECT * WHERE {{ <{BASE}x> ?p ?o }}") == []


def test_virtuoso_itself_refuses_federated_queries(virtuoso):
    """The store's own switch, the second wall behind the guard: Virtuoso's anonymous `SPARQL` user has no
    grant on the views that invoke remote services (DB.DBA.SPARQL_SINV_2), so SERVICE sent straight to it calls
    nobody."""
    listener = Listener()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    request = urllib.request.Request(virtuoso + "sparql?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    finally:
        time.sleep(0.5)
        listener.stop()
    assert listener.connections == 0, (status, body[:300])
    assert status >= 400 and b"SPARQL_SINV" in body, body[:300]


def test_service_through_iuckg_reaches_neither_virtuoso_nor_another_host(remote):
    listener = Listener()
    try:
        response = remote.get("/sparql", query_string={
            "query": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"},
            headers={"Accept": "application/sparql-results+json"})
        time.sleep(0.3)
    finally:
        listener.stop()
    assert response.status_code == 400 and listener.connections == 0


def graph_sizes(virtuoso: str) -> dict[str, int]:
    """Triples per graph under the test base, straight from Virtuoso."""
    query = (f'SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER STRSTARTS(STR(?g), "{BASE}") }} '
             "GROUP BY ?g")
    url = virtuoso + "sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request) as response:
        rows = json.load(response)["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def settings_for(folder: Path) -> Settings:
    """Settings of a build of folder/data into folder/dist under the test base."""
    return Settings(base=BASE, data_dir=folder / "data", dist_dir=folder / "dist")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Settings:
    """A build of a small synthetic data folder under the same base."""
    settings = settings_for(tmp_path_factory.mktemp("synthetic"))
    assert len(synth(12, settings.data_dir, seed=7).pairings) == 12
    build(settings)
    return settings


def expected_sizes(dist: Path) -> dict[str, int]:
    """Triples per graph of a build."""
    summary = json.loads((Path(dist) / "summary.json").read_text())
    return {str(Minter(BASE).graph(name)): n for name, n in summary["triples"].items()}


def test_publish_switches_atomically(published, web_settings, synthetic, monkeypatch):
    live = expected_sizes(web_settings.dist_dir)
    assert graph_sizes(published) == live
    # A publication failing half-way (after two graphs are uploaded) changes nothing live.
    upload, calls = iuckg.publish.Client.upload, []

    def fail_on_third(self, graph, triples):
        calls.append(graph)
        if len(calls) == 3:
            raise PublishError("connection lost (simulated)")
        upload(self, graph, triples)

    monkeypatch.setattr(iuckg.publish.Client, "upload", fail_on_third)
    with pytest.raises(PublishError, match="simulated"):
        publish(synthetic, published + "sparql-auth", published + "sparql-graph-crud-auth", USER, PASSWORD)
    assert graph_sizes(published) == live, "no staging graph left behind, no live graph changed"
    monkeypatch.undo()
    # A complete publication (here through SPARQL Update) replaces every graph at once.
    publish(synthetic, published + "sparql-auth", None, USER, PASSWORD)
    assert graph_sizes(published) == expected_sizes(synthetic.dist_dir)
    assert publish_cli(published, web_settings.dist_dir).returncode == 0
    assert graph_sizes(published) == live


def test_serve_from_the_store(published, web_settings, client, tmp_path):
    with serving("--base", BASE, "--dist", str(web_settings.dist_dir), "--store", published + "sparql",
                 "--workers", "1", log=tmp_path / "serve.log") as served:
        request = urllib.request.Request(served.url + "id/member/barcelona-es", headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(request) as response:
            answer = Graph().parse(data=response.read(), format="turtle")
    assert isomorphic(answer, rdf(client, "/doc/id/member/barcelona-es"))


def test_serve_refuses_a_store_without_the_build(virtuoso, web_settings):
    elsewhere = web_settings.with_(base="http://example.org/elsewhere/", store=virtuoso + "sparql")
    assert "publish the build first" in prepare_store(elsewhere)
