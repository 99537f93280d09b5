"""The SPARQL endpoint in process: protocol operations, formats, errors, service description."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from iuckg.store import load_store
from iuckg.web.app import create_app

from .conftest import BASE

SD = "http://www.w3.org/ns/sparql-service-description#"
IUC = BASE + "def/iuc#"
COUNT_PAIRINGS = (f"PREFIX iuc: <{IUC}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                  "SELECT (COUNT(?p) AS ?n) WHERE { ?p a/rdfs:subClassOf* iuc:Pairing }")
BARCELONA = BASE + "id/member/barcelona-es"


def pairing_count(client) -> int:
    """The number of pairings as the endpoint counts them."""
    r = client.get("/sparql", query_string={"query": COUNT_PAIRINGS},
                   headers={"Accept": "application/sparql-results+json"})
    return int(r.get_json()["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_direct_post_agree(client):
    expected = pairing_count(client)
    assert expected == 66
    form = client.post("/sparql", data={"query": COUNT_PAIRINGS}, headers={"Accept": "application/sparql-results+json"})
    direct = client.post("/sparql", data=COUNT_PAIRINGS.encode(), content_type="application/sparql-query",
                         headers={"Accept": "application/sparql-results+json"})
    for r in (form, direct):
        assert r.status_code == 200
        assert int(r.get_json()["results"]["bindings"][0]["n"]["value"]) == expected


@pytest.mark.parametrize("accept, fmt, media_type", [
    ("application/sparql-results+json", None, "application/sparql-results+json"),
    ("application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("text/csv", None, "text/csv"),
    ("text/tab-separated-values", None, "text/tab-separated-values"),
    ("text/turtle", "csv", "text/csv"),
    ("*/*", None, "application/sparql-results+json"),
])
def test_select_formats(client, accept, fmt, media_type):
    args = {"query": COUNT_PAIRINGS, **({"format": fmt} if fmt else {})}
    r = client.get("/sparql", query_string=args, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.mimetype == media_type
    body = r.get_data(as_text=True)
    if media_type.endswith("json"):
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "66"
    elif media_type.endswith("xml"):
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        assert ET.fromstring(body).find(".//r:literal", ns).text == "66"
    else:
        rows = list(csv.reader(io.StringIO(body), delimiter="," if media_type == "text/csv" else "\t"))
        assert rows[0][0].lstrip("?") == "n" and rows[1][0].split("^^")[0].strip('"') == "66"


def test_ask(client):
    r = client.get("/sparql", query_string={"query": f"ASK {{ <{BARCELONA}> ?p ?o }}"},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.get_json()["boolean"] is True


@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
])
def test_construct_formats_parse_as_rdf(client, accept, rdflib_format):
    query = f"CONSTRUCT {{ <{BARCELONA}> ?p ?o }} WHERE {{ <{BARCELONA}> ?p ?o }}"
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    g = Graph().parse(data=r.get_data(as_text=True), format=rdflib_format)
    assert (URIRef(BARCELONA), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Barcelona", lang="en")) in g


def test_describe(client):
    r = client.get("/sparql", query_string={"query": f"DESCRIBE <{BARCELONA}>"}, headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    assert (URIRef(BARCELONA), RDF.type, URIRef(IUC + "City")) in g


def test_protocol_dataset_restricts_default_graph(client):
    query = f"ASK {{ <{IUC}Pairing> ?p ?o }}"
    headers = {"Accept": "application/sparql-results+json"}
    in_ontology = client.get("/sparql", query_string={"query": query, "default-graph-uri": BASE + "graph/ontology"}, headers=headers)
    in_data = client.get("/sparql", query_string={"query": query, "default-graph-uri": BASE + "graph/data"}, headers=headers)
    assert in_ontology.get_json()["boolean"] is True
    assert in_data.get_json()["boolean"] is False


def test_named_graphs_are_listed(client):
    r = client.get("/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                   headers={"Accept": "application/sparql-results+json"})
    graphs = {b["g"]["value"] for b in r.get_json()["results"]["bindings"]}
    assert {BASE + f"graph/{n}" for n in ("data", "ontology", "sdg", "shapes", "catalogue")} <= graphs


@pytest.mark.parametrize("request_kwargs, status", [
    ({"method": "GET", "query_string": {"query": "SELEKT * WHERE {}"}}, 400),
    ({"method": "GET", "query_string": {"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, 400),
    ({"method": "POST", "data": {"update": "CLEAR ALL"}}, 400),
    ({"method": "POST", "data": b"DROP ALL", "content_type": "application/sparql-update"}, 400),
    ({"method": "POST", "data": b"INSERT DATA { <a:b> <a:c> <a:d> }", "content_type": "application/sparql-query"}, 400),
    ({"method": "GET", "query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
    ({"method": "POST", "data": b"ASK {}", "content_type": "text/plain"}, 415),
    ({"method": "POST", "data": "ASK {}".encode("utf-16"), "content_type": "application/sparql-query; charset=UTF-16"}, 415),
    ({"method": "POST", "data": b"\xff\xfeA\x00", "content_type": "application/sparql-query"}, 400),
    ({"method": "PUT", "data": b"ASK {}", "content_type": "application/sparql-query"}, 405),
    ({"method": "GET", "query_string": {"query": "ASK {}", "format": "image/png"}}, 406),
])
def test_protocol_errors(client, request_kwargs, status):
    r = client.open("/sparql", **request_kwargs)
    assert r.status_code == status
    assert r.get_data(as_text=True).strip()


def test_syntax_error_is_readable(client):
    r = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    assert "syntax" in r.get_data(as_text=True).lower()


@pytest.fixture(scope="module")
def writable(web_settings):
    """An app over a writable in-memory store, and its client: an update that got through would change the store."""
    store = load_store(web_settings)
    return store, create_app(web_settings, store=store).test_client()


@pytest.mark.parametrize("request_kwargs", [
    {"data": {"update": "DELETE WHERE { ?s ?p ?o }"}},
    {"data": b"DELETE WHERE { ?s ?p ?o }", "content_type": "application/sparql-update"},
    {"data": {"query": "DELETE WHERE { ?s ?p ?o }"}},
    {"data": b"CLEAR ALL", "content_type": "application/sparql-query"},
], ids=["update-form", "update-body", "update-as-query", "clear-as-query"])
def test_updates_are_refused_and_change_nothing(writable, request_kwargs):
    store, client = writable
    before = (len(store), pairing_count(client))
    r = client.post("/sparql", **request_kwargs)
    assert r.status_code == 400 and "read-only" in r.get_data(as_text=True)
    assert (len(store), pairing_count(client)) == before


def test_service_description(client):
    # the endpoint named is the configured one, whatever Host the client sends (the answer is cacheable)
    r = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "attacker.example"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    services = list(g.subjects(RDF.type, URIRef(SD + "Service")))
    assert len(services) == 1
    assert set(g.objects(services[0], URIRef(SD + "endpoint"))) == {URIRef(BASE + "sparql")}
    assert "attacker.example" not in r.get_data(as_text=True)
    assert (services[0], URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in g
    names = set(g.objects(None, URIRef(SD + "name")))
    assert URIRef(BASE + "graph/data") in names


def test_browser_gets_the_editor(client):
    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "<textarea" in r.get_data(as_text=True)


def test_html_results_escape_literals(client):
    query = 'SELECT ?x WHERE { BIND ("<script>alert(1)</script>" AS ?x) }'
    r = client.get("/sparql", query_string={"query": query, "format": "html"})
    html = r.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_cors(client):
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    pre = client.options("/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 200 and "POST" in pre.headers["Access-Control-Allow-Methods"]
