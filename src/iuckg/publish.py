"""`iuckg publish`: load a build into a SPARQL 1.1 store, then switch to it with one update.

Each named graph of the build is uploaded into a staging graph (through the Graph Store
Protocol when a graph store URL is given, else as SPARQL Update requests) and read back; only
when every staging graph is the graph the build wrote (`iuckg.roundtrip`) does a single
update request move every staging graph onto its live graph. A failure before the
switch leaves the live graphs as they were (the staging graphs are dropped); the switch
is one request, which a transactional store (Virtuoso, Oxigraph, Fuseki) applies at once.
"""

from __future__ import annotations

import contextlib
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from .layout import STORE_FILE
from .roundtrip import RoundTripError, by_graph, check, has_blank_node
from .settings import Settings

# Triples per SPARQL Update request: Virtuoso's parser runs out of memory near 5,000.
UPDATE_TRIPLES = 1_000
# Triples per Graph Store Protocol request.
UPLOAD_TRIPLES = 100_000
PASSWORD_VARIABLE = "IUCKG_STORE_PASSWORD"
READ_BACK_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


class PublishError(Exception):
    """The store refused the publication (nothing live changed unless the switch was sent)."""


class SigningDigestAuthHandler(urllib.request.HTTPDigestAuthHandler):
    """Digest authentication that, once challenged, signs every later request up front.

    A large upload is then sent once, and never cut off by a server that answers 401
    before reading the body (Virtuoso does).
    """

    challenge: dict | None = None

    def retry_http_digest_auth(self, req, auth):
        """Remember the server's challenge, then answer it as urllib does."""
        _, challenge = auth.split(" ", 1)
        self.challenge = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(challenge)))
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req):
        """Sign a request with the last challenge."""
        if self.challenge and not req.has_header(self.auth_header):
            authorization = self.get_authorization(req, self.challenge)
            if authorization:
                req.add_unredirected_header(self.auth_header, f"Digest {authorization}")
        return req

    https_request = http_request


@dataclass
class Client:
    """HTTP requests to one store, with the credentials it may ask for."""

    endpoint: str
    graph_store: str | None
    opener: urllib.request.OpenerDirector
    query_endpoint: str | None = None

    @classmethod
    def connect(
        cls,
        endpoint: str,
        graph_store: str | None,
        user: str | None,
        password: str | None,
        query_endpoint: str | None = None,
    ) -> Client:
        """A client authenticating (Basic or Digest) as user when given."""
        handlers = []
        if user:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in filter(None, (endpoint, graph_store, query_endpoint)):
                passwords.add_password(None, url, user, password or "")
            handlers = [urllib.request.HTTPBasicAuthHandler(passwords), SigningDigestAuthHandler(passwords)]
        return cls(endpoint, graph_store, urllib.request.build_opener(*handlers), query_endpoint)

    def send(self, url: str, body: bytes, content_type: str) -> None:
        """POST a body; raise PublishError unless the store accepts it."""
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
        try:
            with self.opener.open(request, timeout=600) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise PublishError(f"{url} answered {exc.code}: {exc.read()[:2000].decode('utf-8', 'replace')}") from None
        except OSError as exc:
            raise PublishError(f"{url} did not answer: {exc}") from None

    def fetch(self, url: str, accept: str) -> tuple[bytes, str]:
        """GET a URL: the body and its media type; raise PublishError unless the store answers."""
        request = urllib.request.Request(url, headers={"Accept": accept})
        try:
            with self.opener.open(request, timeout=600) as response:
                return response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            raise PublishError(f"{url} answered {exc.code}: {exc.read()[:2000].decode('utf-8', 'replace')}") from None
        except OSError as exc:
            raise PublishError(f"{url} did not answer: {exc}") from None

    def read_back(self, graph: str) -> list[ox.Triple]:
        """Every triple the store holds in a graph: through the Graph Store Protocol, or a CONSTRUCT sent to the
        query endpoint (the update endpoint when none is given)."""
        if self.graph_store:
            separator = "&" if "?" in self.graph_store else "?"
            url = f"{self.graph_store}{separator}{urllib.parse.urlencode({'graph': graph})}"
        else:
            endpoint = self.query_endpoint or self.endpoint
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            url = f"{endpoint}{'&' if '?' in endpoint else '?'}{urllib.parse.urlencode({'query': query})}"
        body, media_type = self.fetch(url, READ_BACK_ACCEPT)
        fmt = ox.RdfFormat.from_media_type(media_type)
        if fmt is None:
            raise PublishError(f"{url} answered {media_type}, not RDF")
        return [quad.triple for quad in ox.parse(body, format=fmt)]

    def update(self, text: str) -> None:
        """Send a SPARQL Update request."""
        self.send(self.endpoint, urllib.parse.urlencode({"update": text}).encode(), "application/x-www-form-urlencoded")

    def upload(self, graph: str, triples: list[ox.Triple]) -> None:
        """Add triples to a graph: through the Graph Store Protocol, or as SPARQL Update requests."""
        if self.graph_store:
            separator = "&" if "?" in self.graph_store else "?"
            url = f"{self.graph_store}{separator}{urllib.parse.urlencode({'graph': graph})}"
            for chunk in chunks(triples, UPLOAD_TRIPLES):
                body = cast(bytes, ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES))  # no output: bytes
                self.send(url, body, "application/n-triples")
        else:
            for chunk in chunks(triples, UPDATE_TRIPLES):
                # INSERT ... WHERE {} rather than INSERT DATA: Virtuoso refuses blank nodes in INSERT DATA.
                triples_text = cast(bytes, ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)).decode()
                self.update(f"INSERT {{ GRAPH <{graph}> {{\n{triples_text}}} }} WHERE {{}}")


def chunks(triples: list[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Triples in chunks of at most `size`; those with blank nodes all in the last one.

    A blank node label means one node within one request only, so the triples that
    share a blank node must travel together.
    """
    ground = [t for t in triples if not has_blank_node(t)]
    blank = [t for t in triples if has_blank_node(t)]
    for start in range(0, len(ground), size):
        yield ground[start : start + size]
    if blank:
        yield blank


def staging_iri(live: str) -> str:
    """The graph a live graph's next version is loaded into."""
    return live + "/staging"


def build_graphs(settings: Settings) -> dict[str, list[ox.Triple]]:
    """The triples of each named graph of a build, by graph IRI."""
    return by_graph(ox.parse(path=str(Path(settings.dist_dir) / STORE_FILE), format=ox.RdfFormat.N_QUADS))


def publish(
    settings: Settings,
    endpoint: str,
    graph_store: str | None = None,
    user: str | None = None,
    password: str | None = None,
    query_endpoint: str | None = None,
) -> dict[str, int]:
    """Load the build of settings.dist_dir into a store, check it holds what the build wrote, and make it live;
    the triples per graph."""
    client = Client.connect(endpoint, graph_store, user, password, query_endpoint)
    graphs = build_graphs(settings)
    drop_staging = " ;\n".join(f"DROP SILENT GRAPH <{staging_iri(live)}>" for live in graphs)
    client.update(drop_staging)
    try:
        for live, triples in graphs.items():
            client.upload(staging_iri(live), triples)
        # the switch only when the store holds every graph as the build wrote it
        check(graphs, {live: client.read_back(staging_iri(live)) for live in graphs}, endpoint)
    except RoundTripError as exc:
        with contextlib.suppress(PublishError):
            client.update(drop_staging)
        raise PublishError(str(exc)) from None
    except BaseException:
        with contextlib.suppress(PublishError):
            client.update(drop_staging)
        raise
    client.update(" ;\n".join(f"MOVE <{staging_iri(live)}> TO <{live}>" for live in graphs))
    return {live: len(triples) for live, triples in graphs.items()}


def publish_command(
    settings: Settings, endpoint: str, graph_store: str | None, user: str | None, query_endpoint: str | None = None
) -> int:
    """Build if needed and publish to a store; print the triples per graph. 0 published, 1 not."""
    from .build import BuildError
    from .records import DataErrors
    from .serve import ensure_built

    password = os.environ.get(PASSWORD_VARIABLE)
    if user and password is None:
        print(f"iuckg publish: set ${PASSWORD_VARIABLE} to the password of {user}", file=sys.stderr)
        return 1
    try:
        ensure_built(settings)
        counts = publish(settings, endpoint, graph_store, user, password, query_endpoint)
    except (DataErrors, BuildError) as exc:
        print(f"iuckg publish: cannot build the graph:\n{exc}", file=sys.stderr)
        return 1
    except PublishError as exc:
        print(f"iuckg publish: nothing was switched: {exc}", file=sys.stderr)
        return 1
    for graph, n in counts.items():
        print(f"{graph:<60} {n:>9}")
    return 0
