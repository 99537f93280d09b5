"""A Linked-Data crawler against the live server: from the landing page, following only links in RDF.

It asks for Turtle (content negotiation, no HTML), follows 303s, reads every RDF answer with
rdflib and fetches every IRI under the base it finds, until nothing new turns up. The dumps of
the whole knowledge graph are fetched but not read: reading them would reach every IRI at once,
and the point is that documents link to documents.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from rdflib import Graph, URIRef

from helpers import untraced
from iuckg.layout import DUMP_PATH, GRAPH_DUMPS
from iuckg.namespaces import GRAPH_NAMES

pytestmark = pytest.mark.live

RDF_PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml", "application/n-quads": "nquads"}
MAX_DOCUMENTS = 10_000
WORKERS = 8
REDIRECTS = 5


@dataclass
class Fetched:
    """What one URL answered: status, media type, the IRIs in its RDF and any parse error."""

    status: int
    media_type: str
    links: set[str] = field(default_factory=set)
    error: str | None = None


class Crawler:
    """GETs with one keep-alive connection per thread, following redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        parts = urllib.parse.urlsplit(base)
        self.address = (parts.hostname, parts.port)
        self.local = threading.local()

    def send(self, target: str) -> http.client.HTTPResponse:
        """One GET for Turtle on this thread's connection."""
        if getattr(self.local, "connection", None) is None:
            self.local.connection = http.client.HTTPConnection(*self.address, timeout=30)
        self.local.connection.request("GET", target, headers={"Accept": "text/turtle"})
        return self.local.connection.getresponse()

    def request(self, target: str) -> http.client.HTTPResponse:
        """One GET, on a new connection if the server closed the idle one."""
        try:
            return self.send(target)
        except (http.client.RemoteDisconnected, ConnectionError):
            self.local.connection.close()
            self.local.connection = None
            return self.send(target)

    def fetch(self, url: str) -> Fetched:
        """Dereference a URL and read the IRIs of its RDF."""
        for _ in range(REDIRECTS):
            parts = urllib.parse.urlsplit(url)
            response = self.request(parts.path + (f"?{parts.query}" if parts.query else ""))
            body = response.read()
            if response.status not in (301, 302, 303, 307, 308):
                break
            url = urllib.parse.urljoin(url, response.getheader("Location"))
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        fetched = Fetched(response.status, media_type)
        if response.status == 200 and media_type in RDF_PARSERS and not self.is_graph_dump(url):
            try:
                graph = Graph().parse(data=body, format=RDF_PARSERS[media_type], publicID=url)
            except Exception as exc:  # any parser error is a finding
                fetched.error = f"{type(exc).__name__}: {exc}"
            else:
                fetched.links = {str(term) for triple in graph for term in triple if isinstance(term, URIRef)}
        return fetched

    def is_graph_dump(self, url: str) -> bool:
        """Whether a URL is a dump of the whole knowledge graph."""
        return url in {self.base + DUMP_PATH + name for name in GRAPH_DUMPS}

    def crawl(self) -> dict[str, Fetched]:
        """Everything reachable from the base IRI, by document (hash IRIs share theirs)."""
        results: dict[str, Fetched] = {}
        frontier = [self.base]
        seen = set(frontier)
        with ThreadPoolExecutor(WORKERS) as pool:
            while frontier:
                assert len(seen) <= MAX_DOCUMENTS, f"more than {MAX_DOCUMENTS} documents: a crawler trap?"
                batch, frontier = frontier, []
                for url, fetched in zip(batch, pool.map(self.fetch, batch)):
                    results[url] = fetched
                    for link in sorted(fetched.links):
                        document = link.split("#", 1)[0]
                        if document.startswith(self.base) and document not in seen:
                            seen.add(document)
                            frontier.append(document)
        return results


def published_iris(base: str) -> set[str]:
    """Every IRI under the base in the build's named graphs, by document, from one SPARQL query."""
    query = (f'SELECT DISTINCT ?iri WHERE {{ {{ ?iri ?p ?o }} UNION {{ ?s ?iri ?o }} UNION {{ ?s ?p ?iri }} '
             f'FILTER (isIRI(?iri) && STRSTARTS(STR(?iri), "{base}")) }}')
    params = [("query", query)] + [("default-graph-uri", f"{base}graph/{name}") for name in GRAPH_NAMES]
    request = urllib.request.Request(f"{base}sparql?{urllib.parse.urlencode(params)}",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        rows = json.load(response)["results"]["bindings"]
    return {row["iri"]["value"].split("#", 1)[0] for row in rows}


@pytest.fixture(scope="module")
def crawl(live_server):
    """The crawl of the live server, and how long it took (untraced: all of iuckg's work is in the server)."""
    started = time.monotonic()
    with untraced():
        results = Crawler(live_server).crawl()
    return results, time.monotonic() - started


def test_crawler_reaches_every_iri_of_the_dataset(crawl, live_server):
    results, seconds = crawl
    expected = published_iris(live_server)
    assert len(expected) > 1000
    missing = sorted(expected - set(results))
    assert missing == [], f"{len(missing)} IRIs not reachable by following links, e.g. {missing[:10]}"
    print(f"crawled {len(results)} documents in {seconds:.1f} s")


def test_no_internal_link_fails(crawl, live_server):
    results, _ = crawl
    failures = sorted((url, f.status) for url, f in results.items() if f.status != 200)
    assert failures == [], failures[:20]


def test_every_rdf_answer_parses_and_only_downloads_are_not_rdf(crawl, live_server):
    results, _ = crawl
    errors = sorted((url, f.error) for url, f in results.items() if f.error)
    assert errors == [], errors[:10]
    not_rdf = sorted(url for url, f in results.items() if f.media_type not in RDF_PARSERS)
    assert not_rdf == [live_server + DUMP_PATH + "iuckg.nt.gz"]
