"""Limits of the SPARQL endpoint: time, answer size, query length, no outbound requests."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from iuckg.web.app import create_app
from iuckg.guard import QueryRefused, check_query

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def strict_client(web_settings):
    """A client of an app with a 1 s time limit and a 20 kB answer limit."""
    app = create_app(web_settings.with_(query_timeout=1.0, max_result_bytes=20_000, max_query_length=2_000))
    yield app.test_client()
    app.extensions["iuckg"].evaluator.close()


class Listener:
    """A loopback TCP listener that records whether anyone connected."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(5)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self) -> None:
        """Count connections until stopped."""
        while self.running:
            try:
                connection, _ = self.socket.accept()
                self.connections += 1
                connection.close()
            except OSError:
                pass

    def stop(self) -> None:
        """Stop listening."""
        self.running = False
        self.thread.join()
        self.socket.close()


def test_runaway_query_is_stopped_with_a_clear_error(strict_client):
    started = time.monotonic()
    r = strict_client.get("/sparql", query_string={"query": RUNAWAY}, headers=JSON)
    elapsed = time.monotonic() - started
    assert r.status_code == 503
    assert "stopped" in r.get_data(as_text=True)
    assert elapsed < 6
    # the pool replaced the killed worker: cheap queries still work
    ok = strict_client.get("/sparql", query_string={"query": "ASK {}"}, headers=JSON)
    assert ok.status_code == 200 and ok.get_json()["boolean"] is True


def test_answer_size_is_capped(strict_client):
    r = strict_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers=JSON)
    assert r.status_code == 413
    assert "LIMIT" in r.get_data(as_text=True)


def test_query_length_is_capped(strict_client):
    long_query = "ASK {}" + " " * 3000
    assert strict_client.get("/sparql", query_string={"query": long_query}).status_code == 413


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE x:sparql {{ ?s ?p ?o }} }}",
    "SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <http://127.0.0.1:{port}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "PREFIX x: <http://127.0.0.1:{port}/> SELECT * FROM x:data WHERE {{ ?s ?p ?o }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "ASK {{ ?s ?p ?o . SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
])
def test_no_outbound_requests(client, template):
    listener = Listener()
    try:
        r = client.get("/sparql", query_string={"query": template.format(port=listener.port)}, headers=JSON)
        post = client.post("/sparql", data=template.format(port=listener.port).encode(),
                           content_type="application/sparql-query", headers=JSON)
        time.sleep(0.3)
    finally:
        listener.stop()
    assert r.status_code == 400 and post.status_code == 400
    assert listener.connections == 0


def test_load_is_refused_and_reaches_nobody(client):
    listener = Listener()
    try:
        r = client.post("/sparql", data={"update": f"LOAD <http://127.0.0.1:{listener.port}/x.ttl>"})
        q = client.get("/sparql", query_string={"query": f"LOAD <http://127.0.0.1:{listener.port}/x.ttl>"})
        time.sleep(0.3)
    finally:
        listener.stop()
    assert r.status_code == 400 and q.status_code == 400
    assert listener.connections == 0


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }',
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>",
    "SELECT ?service WHERE { ?service ?p <http://x/SERVICE> }",
    "PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:SERVICE ?o }",
])
def test_guard_lets_service_in_strings_iris_and_names_through(query):
    check_query(query, set())


def test_guard_refuses_what_it_cannot_read():
    with pytest.raises(QueryRefused):
        check_query(r"PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:a\#b ?o . SERVICE <http://x/> { } }", set())


def test_from_a_local_graph_is_allowed(client, web_settings):
    query = f"ASK FROM <{web_settings.base}graph/ontology> {{ ?s ?p ?o }}"
    r = client.get("/sparql", query_string={"query": query}, headers=JSON)
    assert r.status_code == 200 and r.get_json()["boolean"] is True


def test_from_named_local_graphs_is_allowed(client, web_settings):
    query = (f"PREFIX g: <{web_settings.base}graph/> SELECT (COUNT(*) AS ?n) FROM NAMED g:shapes FROM <graph/data> "
             "WHERE { GRAPH ?g { ?s ?p ?o } }")
    r = client.get("/sparql", query_string={"query": query}, headers=JSON)
    assert r.status_code == 200 and int(r.get_json()["results"]["bindings"][0]["n"]["value"]) > 0
