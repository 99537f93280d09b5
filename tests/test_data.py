"""The real data/, record by record, against the brochure it was curated from and the built graph."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pycountry
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from helpers import BASE, DATA, brochure_text, normalise
from iuckg.namespaces import SDG, SDGO, Minter
from iuckg.records import load_dataset

M = Minter(BASE)
IUC, ID = M.iuc, M.id


def rows(file: str) -> list[dict[str, str]]:
    with open(DATA / file, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


MEMBERS = rows("members.csv")
PAIRINGS = rows("pairings.csv")
MEMBER = {m["id"]: m for m in MEMBERS}
COUNTRIES = {c["code"]: c["alpha3"] for c in rows("countries.csv")}
SOURCED = [(file, r) for file in ("members.csv", "pairings.csv", "actions.csv", "stakeholders.csv",
                                  "figures.csv", "themes.csv") for r in rows(file)]


def names(member_id: str) -> list[str]:
    """The label and alternative labels of a member."""
    m = MEMBER[member_id]
    return [m["label"], *split(m["alt_labels"])]


@pytest.fixture(scope="module")
def brochure_raw() -> str:
    return brochure_text()


@pytest.fixture(scope="module")
def brochure(brochure_raw) -> str:
    """The brochure, case-folded with whitespace and line-break hyphens normalised."""
    return normalise(brochure_raw)


@pytest.fixture(scope="module")
def brochure_cased(brochure_raw) -> str:
    return normalise(brochure_raw, fold=False)


def positions(text: str, name: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(normalise(name)), text)]


def codes_after(text: str, name: str) -> set[str]:
    """Country codes the brochure writes right after a name: 'Kochi (IND)', "Galaţi's (RO)"."""
    pattern = re.escape(normalise(name, fold=False)) + r"(?:'s)? \(([A-Z]{2,3})\)"
    return set(re.findall(pattern, text, flags=re.IGNORECASE))


# --- the records against the brochure -------------------------------------------------------------


@pytest.mark.parametrize("member", MEMBERS, ids=[m["id"] for m in MEMBERS])
def test_member_is_named_in_the_brochure(member, brochure):
    found = [n for n in names(member["id"]) if normalise(n) in brochure]
    assert found, f"neither {names(member['id'])} occurs in the brochure"


@pytest.mark.parametrize("member", MEMBERS, ids=[m["id"] for m in MEMBERS])
def test_member_country_is_the_one_the_brochure_writes(member, brochure_cased):
    """'Kochi (IND)': the code after the name, or, where the brochure gives none
    ('Cali (COL), alongside the city of Medellín'), the country of a member on the same side."""
    codes = set().union(*(codes_after(brochure_cased, n) for n in names(member["id"])))
    if codes:
        assert codes == {member["country"]}
    else:
        mates = {MEMBER[other]["country"] for p in PAIRINGS for side in ("side_a", "side_b")
                 if member["id"] in split(p[side]) for other in split(p[side]) if other != member["id"]}
        assert member["country"] in mates, f"no code in the brochure and no side-mate in {member['country']}"


@pytest.mark.parametrize("pairing", PAIRINGS, ids=[p["id"] for p in PAIRINGS])
def test_pairing_case_title_is_in_the_brochure(pairing, brochure):
    section, _, where = (part.strip() for part in pairing["source"].partition(";"))
    assert normalise(section) in brochure
    if pairing["case_title"]:
        assert normalise(pairing["case_title"]) in brochure
        assert where == pairing["case_title"], "the source names another case than the title"
    else:
        assert where == "in passing"


THEME_LABEL = {t["id"]: t["label"] for t in rows("themes.csv")}


@pytest.mark.parametrize("pairing", PAIRINGS, ids=[p["id"] for p in PAIRINGS])
def test_pairing_theme_is_the_section_that_presents_it(pairing):
    """Pairings from the 'concrete projects' section got a theme by editorial choice; every other
    pairing is in the theme whose section names it."""
    section = pairing["source"].partition(";")[0].strip()
    if section != "What concrete projects emerged?":
        assert THEME_LABEL[pairing["theme"]] == section


@pytest.mark.parametrize("member", MEMBERS, ids=[m["id"] for m in MEMBERS])
def test_member_source_is_that_of_one_of_its_pairings(member):
    sources = {p["source"] for p in PAIRINGS for side in ("side_a", "side_b") if member["id"] in split(p[side])}
    assert member["source"] in sources


@pytest.mark.parametrize("pairing", PAIRINGS, ids=[p["id"] for p in PAIRINGS])
def test_pairing_sides_are_named_together_in_the_brochure(pairing, brochure):
    """The first members of the two sides are named within one sentence of each other."""
    a = [i for n in names(split(pairing["side_a"])[0]) for i in positions(brochure, n)]
    b = [i for n in names(split(pairing["side_b"])[0]) for i in positions(brochure, n)]
    assert a and b
    assert min(abs(x - y) for x in a for y in b) <= 150


@pytest.mark.parametrize("file,record", SOURCED, ids=[f"{f}:{r['id']}" for f, r in SOURCED])
def test_source_points_into_the_brochure(file, record, brochure):
    """'Section heading; case title' or 'Section heading; "quoted passage"'."""
    section, _, where = (part.strip() for part in record["source"].partition(";"))
    assert normalise(section) in brochure
    if where != "in passing" and not re.fullmatch(r"section \d", where):
        assert normalise(where.strip('"')) in brochure


def test_figures_state_the_number_of_their_quote():
    words = {3: "three", 5: "five", 6: "six", 11: "eleven"}
    for figure in rows("figures.csv"):
        quote = figure["quote"]
        value = int(figure["value"])
        assert any(form in quote for form in (str(value), f"{value:,}", words.get(value, "-"))), figure["id"]


def test_themes_match_the_brochure_graphic(brochure):
    """Section N ends with 'N. COUNT' (the count of cities and regions on the theme)."""
    themes = rows("themes.csv")
    assert [(t["section"], t["cities_and_regions"]) for t in themes] == [
        ("2", "81"), ("3", "64"), ("4", "57"), ("5", "74"), ("6", "54"), ("7", "77")]
    for theme in themes:
        assert f"{theme['section']}. {theme['cities_and_regions']}" in brochure
        assert normalise(theme["label"]) in brochure


# How the brochure's theme graphic writes each Urban Agenda topic; it prints a topic once
# beside every theme it belongs to.
GRAPHIC = {
    "urban-poverty": "URBAN POVERTY", "housing": "HOUSING",
    "inclusion-of-migrants-and-refugees": "INCLUSION OF MIGRANTS & REFUGEES", "air-quality": "AIR QUALITY",
    "circular-economy": "CIRCULAR ECONOMY", "jobs-and-skills-in-the-local-economy": "JOBS & SKILLS IN LOCAL ECONOMY",
    "digital-transition": "DIGITAL TRANSITION", "urban-mobility": "URBAN MOBILITY",
    "energy-transition": "ENERGY TRANSITION", "climate-adaptation": "CLIMATE ADAPTATION",
    "sustainable-use-of-land-and-nature-based-solutions": "SUSTAINABLE USE OF LAND AND NATURE",
    "public-procurement": "PUBLIC PROCUREMENT", "culture-cultural-heritage": "CULTURE/ CULTURAL HERITAGE",
    "security-in-public-spaces": "SECURITY IN PUBLIC SPACES",
}


def test_each_topic_belongs_to_as_many_themes_as_the_graphic_shows(brochure_cased):
    per_topic = Counter(topic for t in rows("themes.csv") for topic in split(t["urban_agenda_topics"]))
    assert set(GRAPHIC) == {t["id"] for t in rows("urban-agenda-topics.csv")}
    shown = {topic: brochure_cased.count(text) for topic, text in GRAPHIC.items()}
    assert dict(per_topic) == shown


# Member types the brochure states in words.
STATED_TYPES = {
    "bologna-it": "metropolitan-area",           # "metropolitan Bologna"
    "stuttgart-de": "metropolitan-area", "grand-lyon-fr": "metropolitan-area",
    "grenoble-alpes-fr": "metropolitan-area", "nice-cote-d-azur-fr": "metropolitan-area",
    "guadalajara-mx": "metropolitan-area",       # "Metropolitan Guadalajara"
    "hamburg-de": "city", "austin-us": "city",   # "the City of ..."
    "miraflores-pe": "district",                 # "a district of Lima"
    "guangzhou-development-district-cn": "district",
    "los-cabos-mx": "town", "almeria-es": "town",  # "coastal towns"
    "piedras-co": "town", "la-victoria-co": "town",  # "the nearby town of ..."
    "nagano-jp": "city", "medellin-co": "city",  # "the (nearby) city of ..."
    "consorcio-intermunicipal-grande-abc-br": "consortium",
    "tierra-del-fuego-ar": "region", "ostrobothnia-fi": "region", "minas-gerais-br": "region",
    "silesia-pl": "region", "distrito-federal-br": "region", "south-bohemia-cz": "region",
    "yucatan-mx": "region", "ljubljana-si": "region", "parana-br": "region", "valencia-es": "region",
    "puebla-mx": "region", "styria-at": "region",
}


def test_member_types_stated_in_the_brochure():
    assert {i: MEMBER[i]["type"] for i in STATED_TYPES} == STATED_TYPES
    assert {m["id"] for m in MEMBERS if m["type"] == "region"} == \
        {i for i, t in STATED_TYPES.items() if t == "region"}


# --- counts ---------------------------------------------------------------------------------------------------


def instances(g, cls) -> set:
    return set(g.subjects(RDF.type, cls))


def test_counts_match_the_brochure_curation(data_graph, sdg_graph):
    assert len(PAIRINGS) == 66
    assert len(instances(data_graph, IUC.CityPairing)) == 60
    assert len(instances(data_graph, IUC.RegionPairing)) == 6
    assert Counter(p["kind"] for p in PAIRINGS) == {"city-to-city": 60, "region-to-region": 6}
    assert len(MEMBERS) == 134
    members = set().union(*(instances(data_graph, IUC[c]) for c in
                            ("City", "Town", "District", "MetropolitanArea", "Region", "Consortium")))
    assert len(members) == 134
    assert len(instances(data_graph, IUC.PairingSide)) == 132
    assert len(instances(data_graph, IUC.ThematicStream)) == 6
    assert len(instances(data_graph, IUC.UrbanAgendaTopic)) == 14
    assert len(instances(data_graph, IUC.HelixSector)) == 4
    assert len(instances(data_graph, IUC.ActionPlanStep)) == 5
    assert len(instances(sdg_graph, SDGO.Goal)) == 17
    assert len(instances(sdg_graph, SDGO.Target)) == 169


def test_theme_counts_in_the_graph(data_graph):
    counts = {str(data_graph.value(t, RDFS.label)): data_graph.value(t, IUC.citiesAndRegions).toPython()
              for t in instances(data_graph, IUC.ThematicStream)}
    assert counts == {
        "Social inclusion and urban regeneration": 81,
        "Circular, sustainable production and consumption": 64,
        "Blue & green infrastructure and management": 57,
        "Climate change adaptation and mitigation": 74,
        "Mobility & transport": 54,
        "Smart cities & innovation": 77,
    }


def test_every_member_takes_part_in_a_pairing():
    named = {m for p in PAIRINGS for side in ("side_a", "side_b") for m in split(p[side])}
    assert named == set(MEMBER)


# --- each pairing in the built graph --------------------------------------------------------------------------


def side_labels(data_graph, pairing: URIRef) -> list[tuple[int, set[str]]]:
    sides = []
    for side in data_graph.objects(pairing, IUC.hasSide):
        order = data_graph.value(side, IUC.sideOrder).toPython()
        sides.append((order, {str(data_graph.value(m, RDFS.label)) for m in data_graph.objects(side, IUC.sideMember)}))
    return sorted(sides, key=lambda s: s[0])


@pytest.mark.parametrize("pairing", PAIRINGS, ids=[p["id"] for p in PAIRINGS])
def test_pairing_in_the_graph(pairing, data_graph):
    s = ID("pairing", pairing["id"])
    g = data_graph
    cls = IUC.CityPairing if pairing["kind"] == "city-to-city" else IUC.RegionPairing
    assert set(g.objects(s, RDF.type)) == {cls}
    sides = sorted(g.objects(s, IUC.hasSide))
    assert len(sides) == 2
    a, b = split(pairing["side_a"]), split(pairing["side_b"])
    by_order = {g.value(side, IUC.sideOrder).toPython(): set(g.objects(side, IUC.sideMember)) for side in sides}
    assert by_order == {1: {ID("member", m) for m in a}, 2: {ID("member", m) for m in b}}
    assert set(g.objects(s, IUC.hasMember)) == {ID("member", m) for m in a + b}
    assert list(g.objects(s, IUC.theme)) == [ID("theme", pairing["theme"])]
    label = " – ".join(" & ".join(MEMBER[m]["label"] for m in side) for side in (a, b))
    assert list(g.objects(s, RDFS.label)) == [Literal(label, lang="en")]
    assert list(g.objects(s, IUC.programmeComponent)) == [ID("component", pairing["kind"])]
    assert list(g.objects(s, DCTERMS.description)) == [Literal(pairing["case_text"], lang="en")]
    assert set(g.objects(s, IUC.keyword)) == {Literal(k, lang="en") for k in split(pairing["keywords"])}
    cases = list(g.objects(s, IUC.caseStudy))
    if pairing["case_title"]:
        assert [g.value(c, DCTERMS.title) for c in cases] == [Literal(pairing["case_title"], lang="en")]
    else:
        assert cases == []
    plans = list(g.objects(s, IUC.actionPlan))
    assert len(plans) == (1 if pairing["kind"] == "city-to-city" else 0)


# --- named facts ------------------------------------------------------------------------------------------------


def test_cali_and_medellin_on_one_side_with_belfast_on_the_other(data_graph):
    assert side_labels(data_graph, ID("pairing", "cali-co--belfast-gb")) == [
        (1, {"Cali", "Medellín"}), (2, {"Belfast"})]


def test_barranquilla_and_soledad_with_velletri_and_rome(data_graph):
    assert side_labels(data_graph, ID("pairing", "barranquilla-co--velletri-it")) == [
        (1, {"Barranquilla", "Soledad"}), (2, {"Velletri", "Rome"})]


def test_obuse_and_nagano_with_turku(data_graph):
    assert side_labels(data_graph, ID("pairing", "obuse-jp--turku-fi")) == [
        (1, {"Obuse", "Nagano"}), (2, {"Turku"})]


def test_berlin_neukolln_has_the_brochure_spelling_as_alt_label(data_graph):
    s = ID("member", "berlin-neukolln-de")
    assert data_graph.value(s, SKOS.prefLabel) == Literal("Berlin-Neukölln", lang="en")
    assert (s, SKOS.altLabel, Literal("Berlin-Neukoelln", lang="en")) in data_graph
    assert (s, RDF.type, IUC.District) in data_graph


def test_kochi_is_in_india(data_graph):
    country = data_graph.value(ID("member", "kochi-in"), IUC.country)
    assert country == ID("country", "IND")
    assert data_graph.value(country, SKOS.notation) == Literal("IND")
    assert data_graph.value(country, RDFS.label) == Literal("India", lang="en")
    assert (country, SKOS.exactMatch, URIRef("http://publications.europa.eu/resource/authority/country/IND")) \
        in data_graph


def test_belfast_is_in_the_united_kingdom(data_graph):
    country = data_graph.value(ID("member", "belfast-gb"), IUC.country)
    assert country == ID("country", "GBR")
    assert (country, SKOS.altLabel, Literal("UK")) in data_graph
    assert data_graph.value(country, RDFS.label) == Literal("United Kingdom", lang="en")


# --- countries -----------------------------------------------------------------------------------------------


BROCHURE_CODES = {"UK": "GBR", "USA": "USA", "ES": "ESP", "IND": "IND", "CAN": "CAN", "COL": "COL",
                  "IT": "ITA", "JPN": "JPN"}


def test_country_mapping_table():
    assert {code: COUNTRIES[code] for code in BROCHURE_CODES} == BROCHURE_CODES


@pytest.mark.parametrize("code", sorted(COUNTRIES))
def test_country_code_maps_to_its_iso_country(code):
    alpha3 = COUNTRIES[code]
    assert pycountry.countries.get(alpha_3=alpha3) is not None
    if code == "UK":  # the brochure's (and the EU's) code for the United Kingdom, not ISO 3166-1
        assert alpha3 == "GBR"
    elif len(code) == 2:
        assert pycountry.countries.get(alpha_2=code).alpha_3 == alpha3
    else:
        assert code == alpha3


def test_every_brochure_country_code_is_in_countries_csv(brochure_cased):
    used = set(re.findall(r"\(([A-Z]{2,3})\)", brochure_cased)) - {"IUC", "SDG", "EU", "RES", "UCAP", "GCoM",
                                                                    "LAC", "UN", "SME", "SMEs", "MaaS", "SUMPs"}
    assert used <= set(COUNTRIES), used - set(COUNTRIES)
    assert {m["country"] for m in MEMBERS} <= set(COUNTRIES)


# --- SDG mapping and derived alignments -----------------------------------------------------------------------


def test_every_sdg_mapping_code_is_in_the_vocabulary(sdg_codes):
    missing = sorted({r["sdg"] for r in rows("sdg-mapping.csv")} - sdg_codes)
    assert missing == []


def test_the_real_data_loads_without_errors(sdg_codes):
    data = load_dataset(DATA, sdg_codes)
    assert len(data.pairings) == 66 and len(data.members) == 134


def test_every_alignment_names_what_it_was_derived_from(data_graph):
    """Every alignment names the rules on each path to it, and the reading of its pairing's theme where
    the theme is the curators' reading and a path goes through it."""
    g = data_graph
    alignments = instances(g, IUC.Alignment)
    assert len(alignments) > 66
    for a in alignments:
        [target] = g.objects(a, IUC.alignedTo)
        [pairing] = g.subjects(IUC.alignment, a)
        theme = g.value(pairing, IUC.theme)
        origins = set(g.objects(a, PROV.wasDerivedFrom))
        readings = {o for o in origins if (o, RDF.type, IUC.EditorialReading) in g}
        assert readings <= {URIRef(f"{pairing}/reading/theme")}, a
        rules = origins - readings
        assert rules and all((o, RDF.type, IUC.MappingRule) in g for o in rules), a
        final = {o for o in rules if g.value(o, IUC.mapsTo) == target}
        assert final, (a, "no rule leads to the target")
        for rule in final:
            source = g.value(rule, IUC.mapsFrom)
            assert source in (theme, pairing) or (theme, IUC.urbanAgendaTopic, source) in g, (a, rule)
        via_topics = {g.value(rule, IUC.mapsFrom) for rule in final}
        for rule in rules - final:  # the theme-to-topic step of a path through a topic
            assert g.value(rule, IUC.mapsFrom) == theme and g.value(rule, IUC.mapsTo) in via_topics, (a, rule)
        through_theme = {g.value(rule, IUC.mapsFrom) for rule in rules} != {pairing}
        assert bool(readings) == (through_theme and (URIRef(f"{pairing}/reading/theme"), None, None) in g), a


def test_sdgs_are_reached_only_through_alignments_and_rules(data_graph):
    """No pairing (nor anything else) states an SDG directly: the brochure never does."""
    g = data_graph
    alignments, rules = instances(g, IUC.Alignment), instances(g, IUC.MappingRule)
    for s, p, o in g:
        if isinstance(o, URIRef) and str(o).startswith(str(SDG)):
            assert (s in alignments and p == IUC.alignedTo) or (s in rules and p == IUC.mapsTo), (s, p, o)
    for pairing in instances(g, IUC.CityPairing) | instances(g, IUC.RegionPairing):
        assert not [o for o in g.objects(pairing) if str(o).startswith(str(SDG))]


def test_sdg_alignments_follow_the_rules_of_the_theme_and_its_topics(data_graph):
    rules = rows("sdg-mapping.csv")
    themes = {t["id"]: split(t["urban_agenda_topics"]) for t in rows("themes.csv")}
    for p in PAIRINGS:
        origins = {p["id"], p["theme"], *themes[p["theme"]]}
        expected = {SDG[r["sdg"]] for r in rules if r["from"] in origins} | \
                   {ID("urban-agenda-topic", t) for t in themes[p["theme"]]}
        s = ID("pairing", p["id"])
        assert {data_graph.value(a, IUC.alignedTo) for a in data_graph.objects(s, IUC.alignment)} == expected, p["id"]
