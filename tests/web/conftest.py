"""Fixtures of the web tests: an app in process and a live granian server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iuckg.settings import Settings
from iuckg.web.app import create_app

from ..helpers import BASE, SHARED, copy_dist, free_port, serving

W3C = SHARED / "reference" / "w3c-sparql-protocol"
W3C_GRAPHS = {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf": W3C / f"data{i}.nt" for i in (1, 2, 3)}
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A limit the live server is given on its command line (the default is 20,000).
LIVE_MAX_QUERY_LENGTH = 10_000


def require_shared(path: Path) -> None:
    """Skip (in CI: fail) when the shared reference data is absent."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must run beside ../shared")
        pytest.skip(f"{path} is absent (the shared reference data lives beside the repository)")


@pytest.fixture(scope="session")
def web_settings(dist, tmp_path_factory) -> Settings:
    """Settings of the in-process web tests: a copy of the session build (the app writes its store there)."""
    return Settings(base=BASE, dist_dir=copy_dist(dist, tmp_path_factory.mktemp("web") / "dist"))


@pytest.fixture(scope="session")
def app(web_settings):
    """The Flask app over the built graph."""
    return create_app(web_settings)


@pytest.fixture()
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; each test asserts no page asked another host."""
    from .browser import start_browser, stop_browser

    chromium = start_browser()
    yield chromium
    stop_browser(chromium)


@pytest.fixture()
def page(browser):
    """The session's browser, at desktop width, failing the test if any page it opened asked another host."""
    from .browser import DESKTOP

    browser.width(DESKTOP)
    browser.drain()
    browser.requested.clear()
    yield browser
    assert browser.foreign_requests() == [], "a page asked another host"


@pytest.fixture(scope="session")
def live_server(dist, tmp_path_factory):
    """`iuckg serve` in a subprocess on a free loopback port, over a copy of the session build, with the W3C
    protocol data loaded."""
    folder = tmp_path_factory.mktemp("live")
    options = ["--dist", str(copy_dist(dist, folder / "dist")), "--max-query-length", str(LIVE_MAX_QUERY_LENGTH)]
    port = free_port()
    for graph in live_graphs(port):
        options += ["--graph", graph]
    with serving(*options, log=folder / "serve.log", port=port, clean_log=False) as served:
        yield served.url


def live_graphs(port: int) -> list[str]:
    """The extra graphs of the live server: a place with coordinates, and the W3C protocol data when present."""
    graphs = [f"http://127.0.0.1:{port}/graph/test-fixture={FIXTURES / 'place-with-coordinates.ttl'}"]
    if W3C.exists():
        graphs += [f"{iri}={path}" for iri, path in W3C_GRAPHS.items()]
    return graphs
