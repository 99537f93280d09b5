"""A live `iuckg serve` (granian) queried by real clients: SPARQLWrapper, rdflib's SPARQLStore, urllib."""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, POST, POSTDIRECTLY, TURTLE, URLENCODED, XML, SPARQLWrapper

from .conftest import LIVE_MAX_QUERY_LENGTH

pytestmark = pytest.mark.live

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"


def iuc(live_server: str) -> str:
    """The ontology namespace of the live server."""
    return live_server + "def/iuc#"


def count_pairings_query(live_server: str) -> str:
    """A query counting the pairings, in the live server's namespace."""
    return (f"PREFIX iuc: <{iuc(live_server)}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT (COUNT(?p) AS ?n) WHERE { ?p a/rdfs:subClassOf* iuc:Pairing }")


@pytest.mark.parametrize("method, request_method", [(GET, None), (POST, URLENCODED), (POST, POSTDIRECTLY)])
def test_sparqlwrapper_json(live_server, method, request_method):
    sparql = SPARQLWrapper(live_server + "sparql")
    sparql.setMethod(method)
    if request_method:
        sparql.setRequestMethod(request_method)
    sparql.setQuery(count_pairings_query(live_server))
    sparql.setReturnFormat(JSON)
    result = sparql.query().convert()
    assert result["results"]["bindings"][0]["n"]["value"] == "66"


def test_sparqlwrapper_xml_and_csv(live_server):
    sparql = SPARQLWrapper(live_server + "sparql")
    sparql.setQuery(count_pairings_query(live_server))
    sparql.setReturnFormat(XML)
    doc = sparql.query().convert()
    assert doc.getElementsByTagName("literal")[0].firstChild.data == "66"
    sparql.setReturnFormat(CSV)
    rows = list(csv.reader(io.StringIO(sparql.query().convert().decode("utf-8"))))
    assert rows == [["n"], ["66"]]


def test_sparqlwrapper_construct_turtle(live_server):
    barcelona = live_server + "id/member/barcelona-es"
    sparql = SPARQLWrapper(live_server + "sparql")
    sparql.setQuery(f"CONSTRUCT {{ <{barcelona}> ?p ?o }} WHERE {{ <{barcelona}> ?p ?o }}")
    sparql.setReturnFormat(TURTLE)
    g = Graph().parse(data=sparql.query().convert(), format="turtle")
    assert (URIRef(barcelona), RDFS.label, Literal("Barcelona", lang="en")) in g
    assert (URIRef(barcelona), URIRef(iuc(live_server) + "country"), URIRef(live_server + "id/country/ESP")) in g


def test_rdflib_sparqlstore(live_server):
    store = SPARQLStore(live_server + "sparql", returnFormat="json")
    graph = Graph(store=store)
    rows = list(graph.query(count_pairings_query(live_server)))
    assert int(rows[0][0]) == 66
    labels = set(graph.objects(URIRef(live_server + "id/member/belfast-gb"), RDFS.label))
    assert Literal("Belfast", lang="en") in labels


def test_served_by_granian(live_server):
    with urllib.request.urlopen(live_server, timeout=10) as response:
        assert response.headers["Server"].startswith("granian")


@pytest.mark.parametrize("padding, status", [(LIVE_MAX_QUERY_LENGTH - 100, 200), (LIVE_MAX_QUERY_LENGTH + 100, 413)])
def test_a_limit_given_to_serve_holds(live_server, padding, status):
    request = urllib.request.Request(live_server + "sparql", data=("ASK {}" + " " * padding).encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-query"})
    try:
        with urllib.request.urlopen(request) as response:
            assert response.status == status
    except urllib.error.HTTPError as exc:
        assert exc.code == status
