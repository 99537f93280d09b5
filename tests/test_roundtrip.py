"""What is served is what was built: the round-trip gate of every publication (iuckg.roundtrip)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pyoxigraph as ox
import pytest

from iuckg.roundtrip import RoundTripError, check, differences, retyped_by_oxigraph
from iuckg.store import DATABASE_DIR, STORE_DIR, by_graph, ensure_store, expected_graphs

from .helpers import REPO, file_hashes

XSD = "http://www.w3.org/2001/XMLSchema#"
S, P = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")


def lit(value: str, datatype: str) -> ox.Triple:
    return ox.Triple(S, P, ox.Literal(value, datatype=ox.NamedNode(XSD + datatype)))


@pytest.mark.parametrize("built, stored", [
    (lit("+01", "integer"), lit("1", "integer")),
    (lit("1.50", "decimal"), lit("1.5", "decimal")),
    (lit("1e3", "double"), lit("1000", "double")),
    (lit("007", "nonNegativeInteger"), lit("7", "nonNegativeInteger")),
])
def test_canonical_numbers_of_the_same_datatype_are_the_same(built, stored):
    assert differences([built], [stored]) == ([], [])


@pytest.mark.parametrize("built, stored", [
    (lit("5", "nonNegativeInteger"), lit("5", "integer")),  # another datatype: what Oxigraph does
    (lit("2020-01-01T00:00:00Z", "dateTimeStamp"), lit("2020-01-01T00:00:00Z", "dateTime")),
    (lit("1", "integer"), lit("2", "integer")),
    (ox.Triple(S, P, ox.Literal("Ljubljana", language="en")), ox.Triple(S, P, ox.Literal("Ljubljana"))),
])
def test_anything_else_is_a_difference(built, stored):
    only_build, only_store = differences([built], [stored])
    assert only_build == [str(built)] and only_store == [str(stored)]


def test_blank_nodes_may_be_renamed_but_not_merged():
    a, b, c = ox.BlankNode("a"), ox.BlankNode("b"), ox.BlankNode("x")
    built = [ox.Triple(S, P, a), ox.Triple(a, P, ox.Literal("1")), ox.Triple(S, P, b), ox.Triple(b, P, ox.Literal("2"))]
    renamed = [ox.Triple(S, P, c), ox.Triple(c, P, ox.Literal("1")), ox.Triple(S, P, ox.BlankNode("y")),
               ox.Triple(ox.BlankNode("y"), P, ox.Literal("2"))]
    merged = [ox.Triple(S, P, c), ox.Triple(c, P, ox.Literal("1")), ox.Triple(c, P, ox.Literal("2"))]
    assert differences(built, renamed) == ([], [])
    assert differences(built, merged) != ([], [])


def test_an_error_names_the_graph_and_the_triples():
    with pytest.raises(RoundTripError) as caught:
        check({"http://example.org/g": [lit("5", "nonNegativeInteger")]},
              {"http://example.org/g": [lit("5", "integer")]}, "the store")
    message = str(caught.value)
    assert "graph <http://example.org/g>" in message
    assert f"build: {lit('5', 'nonNegativeInteger')}" in message and f"store: {lit('5', 'integer')}" in message


def test_oxigraph_is_probed_for_what_it_retypes():
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import XSD as RXSD

    g = Graph()
    for i, literal in enumerate([Literal(5, datatype=RXSD.nonNegativeInteger), Literal(5), Literal("x"),
                                 Literal("2020-01-01", datatype=RXSD.date), Literal(1.5)]):
        g.add((URIRef("http://example.org/s"), URIRef(f"http://example.org/p{i}"), literal))
    assert retyped_by_oxigraph(g) == {Literal(5, datatype=RXSD.nonNegativeInteger)}


def test_the_build_keeps_out_of_the_store_only_what_oxigraph_retypes(build_settings, built):
    summary = json.loads((build_settings.dist_dir / "summary.json").read_text())
    assert len(summary["kept_out_of_store"]) == 3
    assert all("dcat#byteSize" in line and "nonNegativeInteger" in line for line in summary["kept_out_of_store"])
    catalogue = (build_settings.dist_dir / "catalogue.ttl").read_text()
    assert catalogue.count("byteSize") == 3  # the documents serve them from the build's file


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_the_embedded_store_holds_every_graph_as_built(build_settings, built, tmp_path):
    dist = tmp_path / "dist"
    shutil.copytree(build_settings.dist_dir, dist)
    settings = build_settings.with_(dist_dir=dist)
    store = ox.Store.read_only(str(ensure_store(settings)))
    check(expected_graphs(settings), by_graph(store), "the embedded store")


@pytest.fixture()
def retyping_fixture(tmp_path):
    """An extra graph holding a literal Oxigraph stores under another datatype."""
    path = tmp_path / "sizes.ttl"
    path.write_text('@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
                    '<http://example.org/file> <http://www.w3.org/ns/dcat#byteSize> "42"^^xsd:nonNegativeInteger .\n')
    return "http://example.org/graph/sizes", path


def test_a_store_that_would_retype_a_literal_is_refused_and_the_last_one_stays(build_settings, built, tmp_path,
                                                                               retyping_fixture):
    dist = tmp_path / "dist"
    shutil.copytree(build_settings.dist_dir, dist, ignore=shutil.ignore_patterns("store"))
    settings = build_settings.with_(dist_dir=dist)
    ensure_store(settings)
    before = file_hashes(dist / STORE_DIR)
    with pytest.raises(RoundTripError) as caught:
        ensure_store(settings.with_(extra_graphs=(retyping_fixture,)))
    assert "<http://example.org/graph/sizes>" in str(caught.value)
    assert '"42"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>' in str(caught.value)
    assert file_hashes(dist / STORE_DIR) == before  # the live store was not replaced
    ox.Store.read_only(str(dist / STORE_DIR / DATABASE_DIR))  # and still opens


def test_serve_refuses_such_a_publication_with_the_message(build_settings, built, tmp_path, retyping_fixture):
    dist = tmp_path / "dist"
    shutil.copytree(build_settings.dist_dir, dist, ignore=shutil.ignore_patterns("store"))
    iri, path = retyping_fixture
    result = subprocess.run([sys.executable, "-m", "iuckg.cli", "serve", "--port", "9", "--base", build_settings.base,
                             "--dist", str(dist), "--graph", f"{iri}={path}"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "would serve graph <http://example.org/graph/sizes> otherwise than the build wrote it" in result.stderr
    assert "nonNegativeInteger" in result.stderr and "Traceback" not in result.stderr
