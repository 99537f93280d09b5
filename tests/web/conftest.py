"""Fixtures of the web tests: an app in process and a live granian server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from iuckg.build import build
from iuckg.settings import Settings
from iuckg.web.app import create_app

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
W3C = SHARED / "reference" / "w3c-sparql-protocol"
W3C_GRAPHS = {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf": W3C / f"data{i}.nt" for i in (1, 2, 3)}
BASE = "http://localhost:8080/"
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
def web_settings(tmp_path_factory) -> Settings:
    """Settings of a build made once for the in-process web tests."""
    settings = Settings(base=BASE, dist_dir=tmp_path_factory.mktemp("web") / "dist")
    build(settings)
    return settings


@pytest.fixture(scope="session")
def app(web_settings):
    """The Flask app over the built graph."""
    return create_app(web_settings)


@pytest.fixture()
def client(app):
    """A test client of the app."""
    return app.test_client()


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    """Poll a URL until it answers or the server process dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen, seconds: float = 60) -> None:
    """Stop a server a test started: gracefully, then killed (a stop that hangs must not hang the suite)."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
def live_server(tmp_path_factory):
    """`iuckg serve` in a subprocess on a free loopback port, with the W3C protocol data loaded."""
    port = free_port()
    dist = tmp_path_factory.mktemp("live") / "dist"
    command = [sys.executable, "-m", "iuckg.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--dist", str(dist), "--max-query-length", str(LIVE_MAX_QUERY_LENGTH)]
    command += ["--graph", f"http://127.0.0.1:{port}/graph/test-fixture={FIXTURES / 'place-with-coordinates.ttl'}"]
    if W3C.exists():
        for iri, path in W3C_GRAPHS.items():
            command += ["--graph", f"{iri}={path}"]
    log = open(tmp_path_factory.mktemp("logs") / "serve.log", "w+")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url + "sparql?query=ASK%7B%7D", process)
    except Exception:
        process.kill()
        log.seek(0)
        raise RuntimeError("live server failed to start:\n" + log.read())
    yield url
    stop(process)
    log.close()
