"""The build: golden RDF, determinism, the files of dist/, the base IRI, IRI stability, the gate."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

from helpers import (
    BASE, EXAMPLE_BASE, FIXTURES, REPO, canonical, copy_data, copy_dist, diff_text, file_hashes, insert_rows,
    break_data, repo_settings, snapshot, union,
)
import iuckg.build
from iuckg.build import BuildError, build
from iuckg.convert import to_graph
from iuckg.namespaces import GRAPH_NAMES, Minter
from iuckg.records import load_dataset
from iuckg.sources import parse_source

DIST_FILES = {"iuckg.ttl", "iuckg.nt.gz", "iuckg.jsonld", "iuckg.nq", "ontology.ttl", "shapes.ttl", "catalogue.ttl",
              "validation-report.ttl", "summary.json"}
MINI = FIXTURES / "mini-data"
GOLDEN = FIXTURES / "mini-golden.ttl"


def ground(g: Graph) -> set:
    """The triples of a graph without blank nodes."""
    return {t for t in g if not isinstance(t[0], BNode) and not isinstance(t[2], BNode)}


def read_nt_gz(path: Path) -> Graph:
    return Graph().parse(data=gzip.decompress(path.read_bytes()).decode("utf-8"), format="nt")


# --- golden RDF ---------------------------------------------------------------------------------------


def test_converter_output_matches_the_golden_file(sdg_codes):
    data = load_dataset(MINI, sdg_codes)
    actual = to_graph(data, Minter(BASE))
    expected = Graph().parse(GOLDEN, format="turtle")
    assert isomorphic(actual, expected), diff_text(expected, actual)


def test_golden_file_covers_the_interesting_cases():
    """The fixture keeps what the golden test is for: a two-member side, a region pairing,
    and an SDG alignment derived from two rules."""
    g = Graph().parse(GOLDEN, format="turtle")
    iuc = Minter(BASE).iuc
    assert any(len(list(g.objects(side, iuc.sideMember))) == 2 for side in g.subjects(RDF.type, iuc.PairingSide))
    assert list(g.subjects(RDF.type, iuc.RegionPairing))
    assert any(len(list(g.objects(a, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))) == 2
               for a in g.subjects(RDF.type, iuc.Alignment))
    # ... and the evidence and the editorial: quotes, the curators' readings, a rule from a pairing
    assert list(g.subjects(RDF.type, URIRef("http://www.w3.org/ns/oa#TextQuoteSelector")))
    assert list(g.subjects(RDF.type, iuc.EditorialReading))
    pairings = set(g.subjects(iuc.hasSide, None))
    assert any(g.value(r, iuc.mapsFrom) in pairings for r in g.subjects(RDF.type, iuc.MappingRule))


# --- two builds in subprocesses (started in the background by conftest) ------------------------------------


def test_build_is_deterministic(example_builds):
    one, two = example_builds.dists
    hashes = file_hashes(one)
    assert set(hashes) >= DIST_FILES
    assert hashes == file_hashes(two)


def test_publish_replaces_the_whole_folder(example_builds):
    dist = example_builds.dists[1]
    assert not (dist / "stale.txt").exists()
    assert sorted(p.name for p in dist.parent.iterdir()) == ["dist"], "staging or retired folders left behind"


def test_progress_goes_to_stderr_and_the_summary_to_stdout(example_builds):
    result, dist = example_builds.results[0], example_builds.dists[0]
    stdout, stderr = result.stdout, result.stderr
    lines = stderr.strip().splitlines()
    assert lines and all(line.startswith("iuckg: ") for line in lines), stderr
    for step in ("reading vocabularies", "reading data", "converting records", "SHACL gate: conforms", "writing"):
        assert any(step in line for line in lines), step
    assert "iuckg:" not in stdout
    table = dict(re.findall(r"^(\S+)\s+(\d+)$", stdout, flags=re.M))
    assert table["iuc:CityPairing"] == "60"
    assert table["iuc:RegionPairing"] == "6"
    assert table["iuc:PairingSide"] == "132"
    summary = json.loads((dist / "summary.json").read_text(encoding="utf-8"))
    assert int(table["data"]) == summary["triples"]["data"]


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_the_base_iri_is_configuration(example_builds, dist):
    one = example_builds.dists[0]
    for path in one.iterdir():
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        assert b"localhost" not in raw, path.name
    summary = json.loads((one / "summary.json").read_text(encoding="utf-8"))
    assert summary["base"] == EXAMPLE_BASE
    g = read_nt_gz(one / "iuckg.nt.gz")
    minted = {str(s) for s in g.subjects() if isinstance(s, URIRef)}
    foreign = {s for s in minted if not s.startswith(EXAMPLE_BASE) and not s.startswith("http://metadata.un.org/sdg")}
    assert foreign == set()
    assert {URIRef(EXAMPLE_BASE + "id/pairing/cali-co--belfast-gb"), URIRef(EXAMPLE_BASE + "def/iuc#Pairing")} <= \
        set(g.subjects())
    # The same graph as the localhost build, but for the base.
    moved = gzip.decompress((one / "iuckg.nt.gz").read_bytes()).decode("utf-8").replace(EXAMPLE_BASE, BASE)
    moved_graph = Graph().parse(data=moved, format="nt")
    local = read_nt_gz(dist / "iuckg.nt.gz")
    assert ground(moved_graph) == ground(local)
    assert canonical(moved_graph) == canonical(local)


# --- the files of dist/ -------------------------------------------------------------------------------------


def test_dist_has_every_file(dist):
    assert {p.name for p in dist.iterdir()} >= DIST_FILES


@pytest.fixture(scope="module")
def dumps(dist) -> dict[str, Graph]:
    return {
        "ttl": Graph().parse(dist / "iuckg.ttl", format="turtle"),
        "nt": read_nt_gz(dist / "iuckg.nt.gz"),
        "jsonld": Graph().parse(dist / "iuckg.jsonld", format="json-ld"),
    }


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_graph_dumps_parse_and_agree(dumps, built):
    knowledge_size = len(union(*(built.graphs[n] for n in ("data", "ontology", "sdg"))))
    assert len(dumps["nt"]) == knowledge_size
    assert isomorphic(dumps["ttl"], dumps["nt"])
    assert isomorphic(dumps["jsonld"], dumps["nt"])


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_nquads_hold_the_named_graphs(dist, built):
    ds = Dataset()
    ds.parse(dist / "iuckg.nq", format="nquads")
    m = Minter(BASE)
    sizes = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    assert {"data", "ontology", "sdg", "shapes", "catalogue"} <= set(GRAPH_NAMES)
    kept_out = json.loads((dist / "summary.json").read_text())["kept_out_of_store"]
    expected = {str(m.graph(name)): len(built.graphs[name]) - sum(line.startswith(f"{name}: ") for line in kept_out)
                for name in GRAPH_NAMES}
    assert sizes == expected  # every triple but those a store would retype (tests/test_roundtrip.py)


def test_small_files_parse(dist, built):
    ontology = Graph().parse(dist / "ontology.ttl", format="turtle")
    assert isomorphic(ontology, Graph().parse(REPO / "ontology" / "iuc.ttl", format="turtle", publicID=BASE))
    assert len(Graph().parse(dist / "shapes.ttl", format="turtle")) > 0
    report = Graph().parse(dist / "validation-report.ttl", format="turtle")
    [node] = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(True)
    summary = json.loads((dist / "summary.json").read_text(encoding="utf-8"))
    assert summary["base"] == BASE and summary["conforms"] is True
    assert summary["triples"]["data"] == len(built.graphs["data"])
    assert summary["classes"][str(Minter(BASE).iuc.CityPairing)] == 60


def test_published_shapes_are_the_shapes_folder(dist):
    """dist/shapes.ttl must hold what shapes/ says, and nothing the validator added to it."""
    source = Graph()
    for path in sorted((REPO / "shapes").glob("*.ttl")):
        source.parse(path, format="turtle", publicID=BASE)
    published = Graph().parse(dist / "shapes.ttl", format="turtle")
    assert ground(published) - ground(source) == set(), "triples that are not in shapes/"
    assert ground(source) - ground(published) == set(), "triples of shapes/ missing"
    assert canonical(published) == canonical(source)


def test_rdf_lists_in_the_dump_are_well_formed(dumps):
    """Every list node has one rdf:first and one rdf:rest (blank nodes of different files stay apart)."""
    g = dumps["nt"]
    bad = {n for n in set(g.subjects(RDF.first)) | set(g.subjects(RDF.rest))
           if len(list(g.objects(n, RDF.first))) != 1 or len(list(g.objects(n, RDF.rest))) != 1}
    assert bad == set(), {str(n): sorted(str(o) for o in g.objects(n, RDF.first)) for n in bad}


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_knowledge_dump_is_the_sources_merged(dumps, built):
    """iuckg.nt.gz = data graph + ontology/iuc.ttl + vocab/, each parsed on its own."""
    sources = Graph()
    sources += built.graphs["data"]
    sources.parse(REPO / "ontology" / "iuc.ttl", format="turtle", publicID=BASE)
    for path in sorted((REPO / "vocab").glob("*.ttl")):
        sources.parse(path, format="turtle", publicID=BASE)
    assert ground(dumps["nt"]) == ground(sources)
    assert len(dumps["nt"]) == len(sources)
    assert canonical(dumps["nt"]) == canonical(sources), "blank nodes of different sources were merged"


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_no_blank_node_is_shared_between_named_graphs(dist):
    """In N-Quads a blank node label is one node for the whole file: graphs must not share one."""
    where: dict[BNode, set] = {}
    ds = Dataset()
    ds.parse(dist / "iuckg.nq", format="nquads")
    for s, _, o, graph in ds.quads():
        for term in (s, o):
            if isinstance(term, BNode):
                where.setdefault(term, set()).add(str(graph))
    shared = {str(b): sorted(g) for b, g in where.items() if len(g) > 1}
    assert shared == {}


def test_a_failed_publish_restores_the_previous_dist(built, dist, tmp_path, monkeypatch):
    """If writing the new files fails half-way, the old dist/ stays as it was and no staging is left."""
    out = copy_dist(dist, tmp_path / "dist")
    before = snapshot(out)

    def write_half(build_result, folder):
        (folder / "iuckg.ttl").write_text("half-written")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(iuckg.build, "write_files", write_half)
    with pytest.raises(OSError, match="simulated"):
        iuckg.build.write_dist(built, out)

    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


# --- IRI stability --------------------------------------------------------------------------------------------


def test_adding_records_changes_no_existing_iri_or_triple(tmp_path, data_graph, sdg_codes):
    data = copy_data(tmp_path)
    break_data(data, "countries.csv", insert_rows(["AUS", "AUS", ""]))
    quoted = ["Perth (AUS) and Lisbon (PT)", "before ", " after"]
    break_data(data, "members.csv", insert_rows(
        ["perth-au", "Perth", "", "city", "AUS", "Test; in passing", *quoted, ""],
        ["lisbon-pt", "Lisbon", "Lisboa", "city", "PT", "Test; in passing", *quoted, ""]))
    break_data(data, "pairings.csv", insert_rows(
        ["perth-au--lisbon-pt", "city-to-city", "perth-au", "lisbon-pt", "smart-cities-innovation",
         "A test presents it under no stream.", "A test case", "Two cities test IRI stability.", "stability",
         "Test; A test case", "A test case: Perth (AUS) and Lisbon (PT)", "before ", " after", ""]))
    break_data(data, "places.csv", insert_rows(["perth-au", "", "", "", "unresolved", "a test member"],
                                               ["lisbon-pt", "", "", "", "unresolved", "a test member"]))

    after = to_graph(load_dataset(data, sdg_codes), Minter(BASE))
    after += parse_source(REPO / "ontology" / "schemes.ttl", BASE)

    before = data_graph
    assert set(before) <= set(after), "existing triples changed or disappeared"
    old_subjects = set(before.subjects())
    added = set(after) - set(before)
    assert added
    assert {s for s, _, _ in added} & old_subjects == set(), "triples added to existing resources"
    new = {str(s) for s, _, _ in added}
    assert all(s.startswith(BASE + "id/country/AUS") or s.startswith(BASE + "id/member/perth-au")
               or s.startswith(BASE + "id/member/lisbon-pt") or s.startswith(BASE + "id/pairing/perth-au--lisbon-pt")
               for s in new), sorted(new)


# --- the gate keeps a failing build from publishing -----------------------------------------------------------


EXTRA_SHAPE = """
@prefix iuc: <def/iuc#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix shapes: <shapes/> .

shapes:EveryPairingHasABudget a sh:NodeShape ;
    sh:targetClass iuc:Pairing ;
    sh:property [ sh:path iuc:budget ; sh:minCount 1 ; sh:message "test: a pairing needs a budget" ] .
"""


def test_a_failing_gate_leaves_the_published_dist_untouched(tmp_path, dist, cached_vocab):
    shapes = tmp_path / "shapes"
    shutil.copytree(REPO / "shapes", shapes)
    (shapes / "zz-extra.ttl").write_text(EXTRA_SHAPE, encoding="utf-8")
    out = copy_dist(dist, tmp_path / "dist")
    before = snapshot(out)

    with pytest.raises(BuildError) as caught:  # the small fixture data keeps this fast
        build(repo_settings(data_dir=MINI, shapes_dir=shapes, dist_dir=out))

    assert "test: a pairing needs a budget" in str(caught.value)
    assert len(set(re.findall(r"Focus Node: (\S+)", str(caught.value)))) == 3  # every pairing, nothing else
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "shapes"]
