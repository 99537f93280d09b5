"""Bounded load on the live server: a mixed workload with no errors, and cheap queries beside a runaway one."""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest

pytestmark = [pytest.mark.live, pytest.mark.alone]

CLIENTS = 16
REQUESTS = 5000
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def workload(base: str) -> list[tuple[str, dict]]:
    """The mix of requests: SPARQL results and graphs, pages, RDF documents, dumps, catalogue."""
    count = urlencode({"query": f"SELECT ?t (COUNT(?p) AS ?n) WHERE {{ ?p <{base}def/iuc#theme> ?t }} GROUP BY ?t"})
    construct = urlencode({"query": f"CONSTRUCT WHERE {{ <{base}id/member/belfast-gb> ?p ?o }}"})
    return [
        (f"/sparql?{count}", {"Accept": "application/sparql-results+json"}),
        (f"/sparql?{construct}", {"Accept": "text/turtle"}),
        ("/doc/id/pairing/cali-co--belfast-gb", {"Accept": "text/html"}),
        ("/doc/id/member/barcelona-es.ttl", {}),
        ("/id/theme/smart-cities-innovation", {"Accept": "application/ld+json"}),
        ("/", {"Accept": "text/html"}),
        ("/dump/ontology.ttl", {}),
        ("/.well-known/void", {"Accept": "text/turtle"}),
    ]


def run_client(host: str, port: int, requests: list[tuple[str, dict]], number: int = 0) -> tuple[list[float], list[str]]:
    """Send requests over one keep-alive connection from loopback address 127.0.2.<number + 1> (a visitor of its
    own: the server shares queries per client address): latencies and error descriptions."""
    source = (f"127.0.2.{number + 1}", 0)
    connection = http.client.HTTPConnection(host, port, timeout=60, source_address=source)
    latencies, errors = [], []
    for path, headers in requests:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 303):
                errors.append(f"{path}: {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{path}: {exc!r}")
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60, source_address=source)
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies, errors


def test_mixed_load_without_errors(live_server):
    address = urlsplit(live_server)
    mix = list(itertools.islice(itertools.cycle(workload(live_server)), REQUESTS))
    shares = [mix[i::CLIENTS] for i in range(CLIENTS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        outcomes = list(pool.map(lambda n: run_client(address.hostname, address.port, shares[n], n), range(CLIENTS)))
    elapsed = time.perf_counter() - started
    latencies = sorted(x for lat, _ in outcomes for x in lat)
    errors = [e for _, errs in outcomes for e in errs]
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(f"\nload: {len(latencies)} requests, {CLIENTS} clients, {len(latencies) / elapsed:.0f} req/s, "
          f"p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, p99 {p99:.1f} ms, errors {len(errors)}")
    assert len(latencies) == REQUESTS
    assert errors == []


def test_cheap_queries_stay_fast_beside_a_runaway_query(live_server):
    address = urlsplit(live_server)
    runaway_status = []

    def runaway() -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        connection.request("GET", "/sparql?" + urlencode({"query": RUNAWAY}),
                           headers={"Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        response.read()
        runaway_status.append(response.status)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)  # the runaway query is running
    cheap = [("/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"}), {"Accept": "application/sparql-results+json"}),
             ("/doc/id/member/barcelona-es.ttl", {})] * 50
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda n: run_client(address.hostname, address.port, cheap, 100 + n), range(4)))
    still_running = thread.is_alive()
    thread.join(timeout=60)
    latencies = sorted(x for lat, _ in outcomes for x in lat)
    errors = [e for _, errs in outcomes for e in errs]
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(f"\nbeside a runaway query: {len(latencies)} cheap requests, p50 "
          f"{latencies[len(latencies) // 2] * 1000:.1f} ms, p99 {p99:.1f} ms; runaway answered {runaway_status}")
    assert errors == []
    assert still_running, "the runaway query ended before the cheap ones: the test measured nothing"
    assert p99 < 200
    assert runaway_status == [503]
