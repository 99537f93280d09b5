"""Every finding of the data audit of 2026-12 (../shared/notes/data-audit-2026-12.md), checked on the built
graph so that it cannot come back: one test, or one parametrized case, per finding id."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from helpers import BASE
from iuckg.namespaces import SDG, Minter

M = Minter(BASE)
IUC, ID = M.iuc, M.id
CURATORS = ID("agent", "curators")
BROCHURE = ID("source", "iuc-brochure")
CONCRETE_PROJECTS = ["surat-in--rotterdam-nl", "colima-mx--galati-ro", "kamakura-jp--umea-se",
                     "buenos-aires-ar--madrid-es", "guangzhou-development-district-cn--granada-es"]


def en(text: str) -> Literal:
    return Literal(text, lang="en")


def pairing(slug: str) -> URIRef:
    return ID("pairing", slug)


def text_of(g, s: URIRef) -> str:
    """What a resource says in words: its label, description and keywords."""
    return " ".join(str(o) for p in (RDFS.label, DCTERMS.description, IUC.keyword) for o in g.objects(s, p))


def notes(g, s: URIRef) -> str:
    return " ".join(str(n) for n in g.objects(s, SKOS.editorialNote))


def aligned(g, s: URIRef) -> set[str]:
    """The SDG codes a pairing is aligned to."""
    return {str(g.value(a, IUC.alignedTo))[len(str(SDG)):] for a in g.objects(s, IUC.alignment)
            if str(g.value(a, IUC.alignedTo)).startswith(str(SDG))}


def is_editorial(g, s: URIRef) -> bool:
    """The curators', with a reason, and not the brochure's."""
    return ((s, DCTERMS.creator, CURATORS) in g and (s, RDFS.comment, None) in g
            and (s, DCTERMS.source, None) not in g)


# --- 1. pairings ------------------------------------------------------------------------------------------


def test_P1_the_theme_of_a_concrete_project_is_an_editorial_reading(data_graph):
    g = data_graph
    read = {s for s in g.subjects(IUC.readsProperty, IUC.theme)}
    assert {g.value(r, IUC.readingOf) for r in read} == {pairing(p) for p in CONCRETE_PROJECTS}
    for slug in CONCRETE_PROJECTS:
        reading = URIRef(f"{pairing(slug)}/reading/theme")
        assert (reading, RDF.type, IUC.EditorialReading) in g and is_editorial(g, reading)
        assert "What concrete projects emerged?" in str(g.value(reading, RDFS.comment))
        for alignment in g.objects(pairing(slug), IUC.alignment):
            rules = {g.value(o, IUC.mapsFrom) for o in g.objects(alignment, PROV.wasDerivedFrom)}
            if rules != {pairing(slug)}:  # reached through the theme
                assert (alignment, PROV.wasDerivedFrom, reading) in g, alignment


# --- 2. members and their places --------------------------------------------------------------------------


def test_M1_ichinomiya_is_spelt_right_and_linked_to_geonames(data_graph):
    s = ID("member", "ichinomya-jp")
    assert data_graph.value(s, RDFS.label) == en("Ichinomiya")
    assert (s, SKOS.altLabel, en("Ichinomya")) in data_graph
    assert set(data_graph.objects(s, OWL.sameAs)) == {URIRef("https://sws.geonames.org/1861949/")}


def test_M2_south_bohemia_resolves_to_its_region(data_graph):
    s = ID("member", "south-bohemia-cz")
    assert (s, SKOS.altLabel, en("South Bohemian Region")) in data_graph
    assert set(data_graph.objects(s, OWL.sameAs)) == {URIRef("https://sws.geonames.org/3339537/")}


def test_M4_west_athens_is_not_called_a_city(data_graph):
    s = ID("member", "west-athens-gr")
    assert (s, RDF.type, IUC.City) not in data_graph and (s, RDF.type, IUC.District) in data_graph
    assert "regional unit" in notes(data_graph, s)


def test_M5_obuse_is_a_town(data_graph):
    s = ID("member", "obuse-jp")
    assert set(data_graph.objects(s, RDF.type)) == {IUC.Town}


def test_G1_the_region_of_ljubljana_is_not_the_city_municipality(data_graph):
    """M3 and G1: the member is a region; GeoNames' Ljubljana (3239318) is the urban municipality."""
    s = ID("member", "ljubljana-si")
    assert (s, RDF.type, IUC.Region) in data_graph
    assert list(data_graph.objects(s, OWL.sameAs)) == []
    assert "Ljubljana Urban Region" in notes(data_graph, s) and "3239318" in notes(data_graph, s)


def test_G2_the_province_of_san_justo_is_said_to_be_uncertain(data_graph):
    note = notes(data_graph, ID("member", "san-justo-ar"))
    assert "3428775" in note and "3837124" in note and "cannot settle" in note


# --- 3. case texts, actions, stakeholders ----------------------------------------------------------------

# finding: (resource, words that must not come back, words of the brochure that must be there)
WORDING = {
    "T1": [(pairing("colima-mx--galati-ro"), ("Colima created", "piloted in"), ("has developed", "is to engage")),
           (ID("action", "colima-green-points"), ("trialled",), ("will stimulate",))],
    "T2": [(pairing("edmonton-ca--riga-lv"), ("is redeveloping", "district heating networks"),
            ("will take a business approach", "district energy"))],
    "T3": [(ID("action", "business-improvement-districts"), ("used to transform", "historic centre"),
            ("are working to transform",)),
           (pairing("buenos-aires-ar--madrid-es"), ("historic-centre traders", "historic centre"), ("working to",))],
    "T4": [(ID("action", "nagpur-public-bike-sharing"), ("designed to work with", "modelled on"), ("similar to",))],
    "T5": [(ID("action", "sustainable-design-labs"), ("product and service",), ("Sustainable-design labs",))],
    "T9": [(pairing("burlington-ca--vaxjo-se"), ("They found side benefits",), ("can bring side benefits",))],
    "T10": [(pairing("cali-co--belfast-gb"), ("armed",), ("post-conflict contexts",))],
    "T11": [(pairing("surat-in--rotterdam-nl"), ("technical staff",), ("technical resources and budgets",))],
    "T12": [(pairing("tokorozawa-jp--bratislava-sk"), ("supports Tokorozawa",), ("working with Tokorozawa",))],
    "T13": [(pairing("los-cabos-mx--almeria-es"), ("modelled on",), ("similar to Los Cabos'",)),
            (ID("action", "almeria-emergency-preparedness-manual"), ("following the example",), ("similar to",))],
    "T14": [(pairing("kamakura-jp--umea-se"), ("is adapting",), ("will adapt",)),
            (ID("action", "kamacon-umecons"), ("is adapting",), ("will adapt",))],
    "T15": [(pairing("pereira-co--porto-pt"), ("increasing revenue",), ("can also improve revenues",))],
    "T16": [(ID("action", "flood-risk-maps"), ("drawn up",), ("are developing",))],
    "T17": [(ID("action", "repair-workshops"), ("throwing them away",), ("fix their own gadgets",)),
            (ID("action", "materials-marketplace"), ("or businesses",), ("those who can use them",)),
            (ID("action", "smart-cards-public-services"), ("municipal services",), ("other services",)),
            (ID("action", "sewage-sludge-energy-study"), ("in Udaipur and Aarhus",), ("by Udaipur and Aarhus",))],
}


@pytest.mark.parametrize("finding", sorted(WORDING, key=lambda f: int(f[1:])))
def test_the_texts_say_what_the_brochure_says(finding, data_graph):
    for s, gone, kept in WORDING[finding]:
        text = text_of(data_graph, s)
        assert text, s
        assert [w for w in gone if w in text] == [], (finding, s)
        assert [w for w in kept if w not in text] == [], (finding, s)


def test_T6_the_inter_american_development_bank_is_no_stakeholder(data_graph):
    arequipa = pairing("arequipa-pe--granada-es")
    assert list(data_graph.objects(arequipa, IUC.stakeholder)) == []
    assert (ID("stakeholder", "inter-american-development-bank"), None, None) not in data_graph
    assert not [s for s in data_graph.subjects(RDF.type, IUC.Stakeholder)
                if "Development Bank" in str(data_graph.value(s, RDFS.label))]
    assert "not recorded as a stakeholder" in notes(data_graph, arequipa)


def test_T7_the_audience_of_gwalior_is_no_stakeholder(data_graph):
    assert list(data_graph.objects(pairing("gwalior-in--leuven-be"), IUC.stakeholder)) == []
    assert not [s for s in data_graph.subjects(RDF.type, IUC.Stakeholder)
                if "shopkeepers" in str(data_graph.value(s, RDFS.label))]


def test_T8_which_city_the_bank_loans_fund_is_said_to_be_unclear(data_graph):
    for s in (pairing("arequipa-pe--granada-es"), ID("action", "historic-centre-sanitation-renewal")):
        assert "funded by" not in text_of(data_graph, s) and "financed by" not in text_of(data_graph, s)
        assert "does not say which" in notes(data_graph, s)


def test_T18_rosario_responde_is_an_initiative_not_a_pilot_project(data_graph):
    assert set(data_graph.objects(ID("action", "rosario-responde"), RDF.type)) == {IUC.Action}


def test_T19_no_doubled_words(data_graph):
    doubled = [o for o in data_graph.objects() if isinstance(o, Literal) and " are are " in str(o)]
    assert doubled == []


# --- 4. figures ------------------------------------------------------------------------------------------


def test_F1_the_10000_cities_are_the_global_covenant_of_mayors(data_graph):
    g = data_graph
    figure, gcom = ID("figure", "gcom-committed-cities"), ID("initiative", "gcom")
    assert list(g.objects(figure, IUC.figureOf)) == [gcom]
    assert (gcom, RDF.type, IUC.Initiative) in g
    assert (gcom, IUC.component, None) not in g and (ID("programme", "iuc"), IUC.component, gcom) not in g
    assert (ID("component", "gcom"), DCTERMS.relation, gcom) in g
    assert g.value(figure, IUC.value) == Literal(10000)


def test_F2_the_section_numbers_are_said_to_be_uncertain(data_graph):
    themes = set(data_graph.subjects(RDF.type, IUC.ThematicStream))
    assert len(themes) == 6
    assert all("page or a chapter number" in notes(data_graph, t) for t in themes)


# --- 5. SDG mapping and Urban Agenda topics ----------------------------------------------------------------


def test_S1_the_topics_of_a_theme_are_the_curators_reading(data_graph):
    g = data_graph
    for theme in g.subjects(RDF.type, IUC.ThematicStream):
        reading = URIRef(f"{theme}/reading/urbanAgendaTopic")
        assert is_editorial(g, reading) and g.value(reading, IUC.readsProperty) == IUC.urbanAgendaTopic
        for topic in g.objects(theme, IUC.urbanAgendaTopic):
            [rule] = [r for r in g.subjects(IUC.mapsFrom, theme) if g.value(r, IUC.mapsTo) == topic]
            assert is_editorial(g, rule) and (rule, PROV.wasDerivedFrom, reading) in g
    stated = [c for c in g.objects(None, RDFS.comment) if str(c).startswith("The brochure's graphic places")]
    assert stated == []


def test_S2_no_rationale_states_what_the_brochure_does_not(data_graph):
    rationales = [str(o) for s in data_graph.subjects(RDF.type, IUC.MappingRule)
                  for o in data_graph.objects(s, RDFS.comment)]
    assert rationales and not [r for r in rationales if "Global Covenant of Mayors signatories" in r]


def test_S3_a_rationale_that_fits_one_pairing_is_a_rule_of_that_pairing(data_graph):
    g = data_graph
    assert "5.5" not in aligned(g, pairing("ikoma-jp--ancona-it"))
    assert not {"5", "5.5", "16", "16.1"} & aligned(g, pairing("new-york-us--barcelona-es"))
    assert {"5", "5.5"} <= aligned(g, pairing("fredericton-ca--parma-it"))
    assert {"16", "16.1"} <= aligned(g, pairing("cali-co--belfast-gb"))
    pairings = set(g.subjects(IUC.hasSide, None))
    only = {"5.5": {"fredericton-ca--parma-it"}, "16.1": {"cali-co--belfast-gb"}, "6.2": {"arequipa-pe--granada-es"},
            "17.17": {"guangzhou-development-district-cn--granada-es"},
            "9.5": {"guangzhou-development-district-cn--granada-es", "haikou-cn--nice-cote-d-azur-fr",
                    "puebla-mx--styria-at"}}
    for code, slugs in only.items():
        assert {p for p in pairings if code in aligned(g, p)} == {pairing(s) for s in slugs}, code
    for rule in g.subjects(IUC.mapsTo, SDG["5.5"]):
        assert g.value(rule, IUC.mapsFrom) == pairing("fredericton-ca--parma-it")


def test_every_pairing_has_one_eu_side_and_one_partner_side(data_graph):
    """The curators' reading of the brochure's country codes puts exactly one side of each pairing in the EU."""
    g = data_graph
    for pairing in g.subjects(RDF.type, IUC.Pairing):
        sides = []
        for side in g.objects(pairing, IUC.hasSide):
            flags = {g.value(g.value(m, IUC.country), IUC.euMemberState).toPython()
                     for m in g.objects(side, IUC.sideMember)}
            assert len(flags) == 1, f"{side}: members on both sides of the EU border"
            sides.append(flags.pop())
        assert sorted(sides) == [False, True], f"{pairing}: sides {sides}"


# The Member States of the EU while the programme ran (2017-2020, the United Kingdom until 31 January 2020),
# ISO 3166-1 alpha-3 (europa.eu, "EU countries"): an independent check of the curators' reading.
EU28 = set("AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN "
           "ESP SWE GBR".split())


def test_the_reading_of_eu_member_states_agrees_with_the_member_states_of_the_time(data_graph):
    """Each country read as an EU Member State was one in 2017-2020, and each other one was not."""
    countries = list(data_graph.subjects(RDF.type, IUC.Country))
    assert countries
    for country in countries:
        alpha3 = str(data_graph.value(country, SKOS.notation))
        assert data_graph.value(country, IUC.euMemberState).toPython() == (alpha3 in EU28), alpha3
        assert is_editorial(data_graph, URIRef(f"{country}/reading/euMemberState"))
