"""The W3C SPARQL 1.1 Protocol test suite, run against the live server.

Query tests must pass as the manifest says. The endpoint is read-only, so
every update test must be refused with a 4xx status on its update request
(the manifest's later requests, which check the update's effect, are not sent).
"""

from __future__ import annotations

import http.client
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from .conftest import SHARED, W3C, require_shared

pytestmark = pytest.mark.live

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"application/rdf+xml", "text/turtle", "application/n-triples"}


def manifest_tests() -> list[tuple[str, URIRef, Graph]]:
    """(name, test node, manifest graph) for every entry of the protocol manifest."""
    if not W3C.exists():
        return [pytest.param(None, None, None, id="manifest-absent")]
    g = Graph().parse(W3C / "manifest.ttl", format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    entries = Collection(g, g.value(manifest, MF.entries))
    return [pytest.param(str(e).split("#")[-1], e, g, id=str(e).split("#")[-1]) for e in entries]


def requests_of(g: Graph, test: URIRef) -> list[URIRef]:
    """The HTTP requests of one test, in order."""
    action = g.value(test, MF.action)
    return list(Collection(g, g.value(action, HT.requests)))


def send(g: Graph, req: URIRef, server: str) -> http.client.HTTPResponse:
    """Send one manifest request to the live server."""
    path = str(g.value(req, HT.absolutePath))
    method = str(g.value(req, HT.methodName))
    headers = {}
    header_list = g.value(req, HT.headers)
    if header_list is not None:
        for header in Collection(g, header_list):
            headers[str(g.value(header, HT.fieldName))] = str(g.value(header, HT.fieldValue))
    body = None
    body_node = g.value(req, HT.body)
    if body_node is not None:
        encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(body_node, CNT.chars)).encode(encoding.lower())
    address = urlsplit(server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def status_classes(g: Graph, resp: URIRef) -> set[int]:
    """The status classes (2, 3, 4...) a response may have."""
    return {int(str(s)[len(str(HTS)) + len("StatusCode")]) for s in g.objects(resp, MF.expectedStatus)}


def boolean_of(response: http.client.HTTPResponse) -> bool:
    """The boolean of an ASK result in SPARQL JSON or XML."""
    media_type = response.headers.get_content_type()
    if media_type.endswith("json"):
        return json.loads(response.body)["boolean"]
    root = ET.fromstring(response.body)
    return root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


@pytest.mark.parametrize("name, test, g", manifest_tests())
def test_protocol(live_server, name, test, g):
    require_shared(SHARED / "reference" / "w3c-sparql-protocol")
    requests = requests_of(g, test)
    if "update" in name:
        response = send(g, requests[0], live_server)
        assert 400 <= response.status < 500, f"{name}: an update must be refused, got {response.status}"
        return
    for req in requests:
        response = send(g, req, live_server)
        resp = g.value(req, HT.resp)
        assert response.status // 100 in status_classes(g, resp), (
            f"{name}: status {response.status}: {response.body[:300]!r}")
        expected_format = g.value(resp, MF.expectedFormat)
        media_type = response.headers.get_content_type()
        if expected_format is not None:
            allowed = {"boolean": BOOLEAN_TYPES, "tabular": TABULAR_TYPES, "RDF": RDF_TYPES}[str(expected_format)]
            assert media_type in allowed, f"{name}: {media_type} is not {expected_format}"
        expected_boolean = g.value(resp, MF.expectedBoolean)
        if expected_boolean is not None:
            assert boolean_of(response) == expected_boolean.toPython(), f"{name}: wrong boolean"


SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def test_service_description_suite(live_server):
    """The three service-description tests: RDF on GET, a matching sd:endpoint, the sd schema."""
    require_shared(W3C / "service-description" / "manifest.ttl")
    address = urlsplit(live_server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request("GET", "/sparql", headers={"Accept": "text/turtle"})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200 and response.headers.get_content_type() == "text/turtle"   # returns-rdf
    g = Graph().parse(data=body.decode("utf-8"), format="turtle")
    service = g.value(None, RDF.type, SD.Service, any=False) or next(g.subjects(RDF.type, SD.Service))
    assert (service, SD.endpoint, URIRef(live_server + "sparql")) in g                    # has-endpoint-triple
    for node, cls in ((service, SD.Service), (g.value(service, SD.defaultDataset), SD.Dataset)):  # conforms-to-schema
        assert (node, RDF.type, cls) in g
    for named in g.objects(g.value(service, SD.defaultDataset), SD.namedGraph):
        assert isinstance(g.value(named, SD.name), URIRef)
