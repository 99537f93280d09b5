"""Session fixtures of the knowledge-graph tests: the real graph is built once per session."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest
from filelock import ReadWriteLock
from rdflib import Graph

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/helpers.py

import iuckg.build
from helpers import BASE, REPO, ExampleBuilds, copy_data, repo_settings, union, untraced
from iuckg.build import KNOWLEDGE_GRAPHS, Build, build
from iuckg.convert import sdg_codes as codes_of
from iuckg.settings import Settings
from iuckg.sources import parse_all


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Under pytest-xdist, a test marked `alone` (it measures time under load) runs while no other worker runs
    anything, fixtures included: it holds the run's reader/writer lock for writing, every other test for reading."""
    workerinput = getattr(item.config, "workerinput", None)
    if workerinput is None:
        yield
        return
    lock = ReadWriteLock(Path(tempfile.gettempdir()) / f"iuckg-tests-{workerinput['testrunuid']}.lock")
    with lock.write_lock() if item.get_closest_marker("alone") else lock.read_lock():
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A test marked `untraced` runs with coverage's tracer stopped (see helpers.untraced)."""
    if item.get_closest_marker("untraced"):
        with untraced():
            yield
    else:
        yield


@pytest.fixture(scope="session")
def example_builds(tmp_path_factory) -> ExampleBuilds:
    """The two example builds (see helpers.ExampleBuilds), finished."""
    return ExampleBuilds(tmp_path_factory.mktemp("example-builds")).run()


@pytest.fixture(autouse=True)
def _no_base_from_environment(monkeypatch):
    """Settings() reads $IUCKG_BASE: the tests always say which base they mean."""
    monkeypatch.delenv("IUCKG_BASE", raising=False)


@pytest.fixture(scope="session")
def build_settings(tmp_path_factory) -> Settings:
    """Settings of the session build: the repository's data, base http://localhost:8080/."""
    return repo_settings(dist_dir=tmp_path_factory.mktemp("session-build") / "dist")


@pytest.fixture(scope="session")
def built(build_settings) -> Build:
    """The real knowledge graph, built and published once per session."""
    return build(build_settings)


@pytest.fixture(scope="session")
def dist(built) -> Path:
    """The dist/ folder of the session build (read-only: copy it before changing it)."""
    return Path(built.settings.dist_dir)


@pytest.fixture(scope="session")
def data_graph(built) -> Graph:
    return built.graphs["data"]


@pytest.fixture(scope="session")
def knowledge(built) -> Graph:
    """A private copy of data + ontology + SDG graphs (the graph the SHACL gate checks)."""
    return union(*(built.graphs[name] for name in KNOWLEDGE_GRAPHS))


@pytest.fixture(scope="session")
def sdg_graph() -> Graph:
    return parse_all(REPO / "vocab", BASE)


@pytest.fixture(scope="session")
def sdg_codes(sdg_graph) -> set[str]:
    return codes_of(sdg_graph)


@pytest.fixture(scope="session")
def shapes_graph() -> Graph:
    """The shapes as the build reads them (a fresh parse: pyshacl adds triples to graphs it is given)."""
    return parse_all(REPO / "shapes", BASE)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A private copy of data/ under tmp_path/data."""
    return copy_data(tmp_path)


@pytest.fixture
def cached_vocab(monkeypatch, sdg_graph):
    """Serve the repository's unchanged vocab/ from the session's parse instead of re-reading it.

    Only a speed-up for tests that run many builds of broken data folders: compile_graphs
    still calls parse_all for the vocabulary, and every other folder is parsed for real.
    """
    real = iuckg.build.parse_all
    vocab = (REPO / "vocab").resolve()

    def parse_all(folder, base):
        if Path(folder).resolve() == vocab and base == BASE:
            return sdg_graph
        return real(folder, base)

    monkeypatch.setattr(iuckg.build, "parse_all", parse_all)
