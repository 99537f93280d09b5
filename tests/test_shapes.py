"""Every SHACL node shape has a passing example (the real graph) and failing examples.

The passing example is the real knowledge graph (data + ontology + SDG vocabulary, as
compile_graphs makes it). Each failing example is one small change to that graph. It is
validated against the shapes graph with the targets of every other node shape removed, so
the report can only come from the shape under test, and the test checks which shape,
constraint component and focus node report it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

import pycountry
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS

from helpers import BASE, REPO, union
from iuckg.build import KNOWLEDGE_GRAPHS
from iuckg.gate import validate
from iuckg.namespaces import GEO, OA, SDG, Minter
from iuckg.sources import parse_all

M = Minter(BASE)
IUC = M.iuc
ID = M.id
SHAPE = lambda name: URIRef(BASE + "shapes/" + name)  # noqa: E731

def pairing(slug: str, *rest: str) -> URIRef:
    return ID("pairing", slug, *rest)


def member(slug: str, *rest: str) -> URIRef:
    return ID("member", slug, *rest)


CALI_PAIRING = pairing("cali-co--belfast-gb")
NEW_YORK_PAIRING = pairing("new-york-us--barcelona-es")
FREDERICTON_PAIRING = pairing("fredericton-ca--parma-it")
KOCHI_PAIRING = pairing("kochi-in--vilnius-lt")
REGION_PAIRING = pairing("tierra-del-fuego-ar--ostrobothnia-fi")
MINAS_PAIRING = pairing("minas-gerais-br--silesia-pl")
CALI = member("cali-co")
OSTROBOTHNIA = member("ostrobothnia-fi")
SILESIA = member("silesia-pl")
TIERRA = member("tierra-del-fuego-ar")
CONSORTIUM = member("consorcio-intermunicipal-grande-abc-br")


def strategy(region: URIRef) -> URIRef:
    return URIRef(str(region) + "/smart-specialisation-strategy")


def rule(slug: str) -> URIRef:
    return ID("mapping", slug)


def quote(record: URIRef, *rest: str) -> URIRef:
    """The annotation quoting the brochure for a record, its target or its selector."""
    return URIRef("/".join((f"{record}/quote", *rest)))


def reading(resource: URIRef, prop: str) -> URIRef:
    return URIRef(f"{resource}/reading/{prop}")


THEME_SCHEME = ID("theme")
TOPIC_SCHEME = ID("urban-agenda-topic")
SMART = ID("theme", "smart-cities-innovation")
SOCIAL = ID("theme", "social-inclusion-urban-regeneration")
HOUSING = ID("urban-agenda-topic", "housing")
PROGRAMME = ID("programme", "iuc")
ONTOLOGY = M.ontology
EN = lambda text: Literal(text, lang="en")  # noqa: E731


@dataclass
class Change:
    """Triples to add to and remove from the real graph."""

    add: list = field(default_factory=list)
    remove: list = field(default_factory=list)

    def __add__(self, other: "Change") -> "Change":
        return Change(self.add + other.add, self.remove + other.remove)


def put(*triples) -> Change:
    return Change(add=list(triples))


def drop(g: Graph, s=None, p=None, o=None) -> Change:
    found = list(g.triples((s, p, o)))
    assert found, f"nothing to remove for {(s, p, o)}"
    return Change(remove=found)


def swap(g: Graph, s, p, new) -> Change:
    """Replace every value of s p by new."""
    return drop(g, s, p) + put((s, p, new))


@dataclass(frozen=True)
class Case:
    """A change to the real graph that one shape must report on one focus node."""

    shape: str
    id: str
    change: Callable[[Graph], Change]
    component: str
    focus: URIRef

    @property
    def param_id(self) -> str:
        return f"{self.shape}-{self.id}"


def case(shape, id, change, component, focus) -> Case:
    return Case(shape, id, change, component, focus)


CASES = [
    # Member
    case("Member", "no-country", lambda g: drop(g, CALI, IUC.country), "MinCount", CALI),
    case("Member", "second-country", lambda g: put((member("belfast-gb"), IUC.country, ID("country", "COL"))),
         "MaxCount", member("belfast-gb")),
    case("Member", "country-of-wrong-class", lambda g: swap(g, member("parma-it"), IUC.country, SMART),
         "Class", member("parma-it")),
    case("Member", "duplicate-english-label", lambda g: put((member("leuven-be"), RDFS.label, EN("Louvain"))),
         "UniqueLang", member("leuven-be")),
    case("Member", "label-without-language", lambda g: swap(g, member("graz-at"), RDFS.label, Literal("Graz")),
         "Datatype", member("graz-at")),
    case("Member", "latitude-95", lambda g: put((member("gwalior-in"), GEO.lat, Literal(Decimal("95.0")))),
         "MaxInclusive", member("gwalior-in")),
    case("Member", "two-longitudes", lambda g: put((member("kochi-in"), GEO.long, Literal(Decimal("76.2"))),
                                                   (member("kochi-in"), GEO.long, Literal(Decimal("76.3")))),
         "MaxCount", member("kochi-in")),
    case("Member", "alt-label-without-language",
         lambda g: swap(g, member("berlin-neukolln-de"), SKOS.altLabel, Literal("Berlin-Neukoelln")),
         "Datatype", member("berlin-neukolln-de")),
    case("Member", "in-no-pairing", lambda g: drop(g, None, IUC.hasMember, member("medellin-co")),
         "MinCount", member("medellin-co")),
    case("Member", "not-from-the-brochure", lambda g: drop(g, member("vilnius-lt"), DCTERMS.source),
         "MinCount", member("vilnius-lt")),
    case("Member", "geonames-link-to-a-page",
         lambda g: swap(g, member("turku-fi"), OWL.sameAs, URIRef("https://www.geonames.org/633679")),
         "Pattern", member("turku-fi")),
    case("Member", "two-geonames-links",
         lambda g: put((member("aarhus-dk"), OWL.sameAs, URIRef("https://sws.geonames.org/1/"))),
         "MaxCount", member("aarhus-dk")),
    case("Member", "no-coordinates-and-no-note", lambda g: drop(g, member("riga-lv"), GEO.lat),
         "Or", member("riga-lv")),
    case("Member", "note-without-language",
         lambda g: swap(g, member("styria-at"), SKOS.editorialNote, Literal("no coordinates")),
         "Datatype", member("styria-at")),
    # Consortium (one focus node: each case is validated on its own)
    case("Consortium", "geonames-link",
         lambda g: put((CONSORTIUM, OWL.sameAs, URIRef("https://sws.geonames.org/1/"))), "MaxCount", CONSORTIUM),
    case("Consortium", "coordinates", lambda g: put((CONSORTIUM, GEO.lat, Literal(Decimal("-23.6")))),
         "MaxCount", CONSORTIUM),
    # Region
    case("Region", "no-strategy", lambda g: drop(g, OSTROBOTHNIA, IUC.smartSpecialisationStrategy),
         "MinCount", OSTROBOTHNIA),
    case("Region", "strategy-of-wrong-class", lambda g: drop(g, strategy(SILESIA), RDF.type), "Class", SILESIA),
    # Country
    case("Country", "notation-XXX", lambda g: swap(g, ID("country", "GBR"), SKOS.notation, Literal("XXX")),
         "Node", ID("country", "GBR")),
    case("Country", "second-notation", lambda g: put((ID("country", "DEU"), SKOS.notation, Literal("GER"))),
         "MaxCount", ID("country", "DEU")),
    case("Country", "no-label", lambda g: drop(g, ID("country", "FRA"), RDFS.label), "MinCount", ID("country", "FRA")),
    case("Country", "geonames-link-over-http",
         lambda g: swap(g, ID("country", "ESP"), OWL.sameAs, URIRef("http://sws.geonames.org/2510769/")),
         "Pattern", ID("country", "ESP")),
    case("Country", "two-geonames-links",
         lambda g: put((ID("country", "ITA"), OWL.sameAs, URIRef("https://sws.geonames.org/2510769/"))),
         "MaxCount", ID("country", "ITA")),
    case("Country", "eu-member-state-unsaid", lambda g: drop(g, ID("country", "ITA"), IUC.euMemberState),
         "MinCount", ID("country", "ITA")),
    case("Country", "eu-member-state-as-text",
         lambda g: swap(g, ID("country", "IND"), IUC.euMemberState, Literal("no")), "Datatype", ID("country", "IND")),
    case("Country", "no-eu-authority-match", lambda g: drop(g, ID("country", "POL"), SKOS.exactMatch),
         "MinCount", ID("country", "POL")),
    case("Country", "match-in-the-language-table",
         lambda g: swap(g, ID("country", "AUT"), SKOS.exactMatch,
                        URIRef("http://publications.europa.eu/resource/authority/language/DEU")),
         "Pattern", ID("country", "AUT")),
    # Pairing
    case("Pairing", "third-side", lambda g: put((CALI_PAIRING, IUC.hasSide, ID("test", "side")),
                                                (ID("test", "side"), RDF.type, IUC.PairingSide)),
         "MaxCount", CALI_PAIRING),
    case("Pairing", "one-side", lambda g: drop(g, NEW_YORK_PAIRING, IUC.hasSide, pairing("new-york-us--barcelona-es",
                                                                                         "side-2")),
         "MinCount", NEW_YORK_PAIRING),
    case("Pairing", "theme-not-in-scheme",
         lambda g: swap(g, FREDERICTON_PAIRING, IUC.theme, ID("test", "theme"))
         + put((ID("test", "theme"), RDF.type, IUC.ThematicStream)),
         "Node", FREDERICTON_PAIRING),
    case("Pairing", "second-theme", lambda g: put((pairing("gwalior-in--leuven-be"), IUC.theme, SMART)),
         "MaxCount", pairing("gwalior-in--leuven-be")),
    case("Pairing", "gcom-component",
         lambda g: swap(g, pairing("baltimore-us--torino-it"), IUC.programmeComponent, ID("component", "gcom")),
         "In", pairing("baltimore-us--torino-it")),
    case("Pairing", "no-description", lambda g: drop(g, pairing("montreal-ca--manchester-gb"), DCTERMS.description),
         "MinCount", pairing("montreal-ca--manchester-gb")),
    case("Pairing", "keyword-without-language",
         lambda g: put((pairing("ikoma-jp--ancona-it"), IUC.keyword, Literal("accessibility"))),
         "Datatype", pairing("ikoma-jp--ancona-it")),
    case("Pairing", "second-case-study", lambda g: put((KOCHI_PAIRING, IUC.caseStudy, pairing(
        "austin-us--bologna-it", "case-study"))), "MaxCount", KOCHI_PAIRING),
    case("Pairing", "alignment-of-wrong-class",
         lambda g: put((pairing("yangzhou-cn--granada-es"), IUC.alignment, rule("housing--sdg-11.1"))),
         "Class", pairing("yangzhou-cn--granada-es")),
    case("Pairing", "duplicate-english-label",
         lambda g: put((pairing("miraflores-pe--larissa-gr"), RDFS.label, EN("Lima – Larissa"))),
         "UniqueLang", pairing("miraflores-pe--larissa-gr")),
    # CityPairing
    case("CityPairing", "region-member", lambda g: put((CALI_PAIRING, IUC.hasMember, OSTROBOTHNIA)),
         "Not", CALI_PAIRING),
    case("CityPairing", "region-component",
         lambda g: swap(g, NEW_YORK_PAIRING, IUC.programmeComponent, ID("component", "region-to-region")),
         "HasValue", NEW_YORK_PAIRING),
    case("CityPairing", "no-action-plan", lambda g: drop(g, KOCHI_PAIRING, IUC.actionPlan), "MinCount", KOCHI_PAIRING),
    # RegionPairing
    case("RegionPairing", "city-member", lambda g: put((REGION_PAIRING, IUC.hasMember, member("belfast-gb"))),
         "Class", REGION_PAIRING),
    case("RegionPairing", "city-component",
         lambda g: swap(g, MINAS_PAIRING, IUC.programmeComponent, ID("component", "city-to-city")),
         "HasValue", MINAS_PAIRING),
    # PairingSide
    case("PairingSide", "no-member", lambda g: drop(g, pairing("cali-co--belfast-gb", "side-1"), IUC.sideMember),
         "MinCount", pairing("cali-co--belfast-gb", "side-1")),
    case("PairingSide", "side-3", lambda g: swap(g, pairing("cali-co--belfast-gb", "side-2"), IUC.sideOrder,
                                                 Literal(3)), "In", pairing("cali-co--belfast-gb", "side-2")),
    case("PairingSide", "order-as-text", lambda g: swap(g, pairing("kochi-in--vilnius-lt", "side-1"),
                                                        IUC.sideOrder, Literal("1")),
         "In", pairing("kochi-in--vilnius-lt", "side-1")),
    case("PairingSide", "in-two-pairings",
         lambda g: put((KOCHI_PAIRING, IUC.hasSide, pairing("new-york-us--barcelona-es", "side-1"))),
         "MaxCount", pairing("new-york-us--barcelona-es", "side-1")),
    # Concept (themes, Urban Agenda topics, helix sectors, UCAP steps)
    case("Concept", "no-pref-label", lambda g: drop(g, HOUSING, SKOS.prefLabel), "MinCount", HOUSING),
    case("Concept", "two-english-pref-labels",
         lambda g: put((ID("helix-sector", "business"), SKOS.prefLabel, EN("Industry"))),
         "UniqueLang", ID("helix-sector", "business")),
    case("Concept", "in-no-scheme", lambda g: drop(g, ID("ucap-step", "3"), SKOS.inScheme),
         "MinCount", ID("ucap-step", "3")),
    case("Concept", "scheme-of-wrong-class",
         lambda g: put((ID("urban-agenda-topic", "air-quality"), SKOS.inScheme, CALI)),
         "Class", ID("urban-agenda-topic", "air-quality")),
    # UrbanAgendaTopic
    case("UrbanAgendaTopic", "close-match-outside-eurovoc",
         lambda g: swap(g, ID("urban-agenda-topic", "air-quality"), SKOS.closeMatch,
                        URIRef("http://www.wikidata.org/entity/Q1")),
         "Pattern", ID("urban-agenda-topic", "air-quality")),
    case("UrbanAgendaTopic", "close-match-as-text",
         lambda g: swap(g, ID("urban-agenda-topic", "circular-economy"), SKOS.closeMatch, Literal("c_1138d9d2")),
         "NodeKind", ID("urban-agenda-topic", "circular-economy")),
    # ThematicStream
    case("ThematicStream", "negative-count", lambda g: swap(g, SMART, IUC.citiesAndRegions, Literal(-1)),
         "MinInclusive", SMART),
    case("ThematicStream", "count-as-text",
         lambda g: swap(g, ID("theme", "mobility-transport"), IUC.citiesAndRegions, Literal("54")),
         "Datatype", ID("theme", "mobility-transport")),
    case("ThematicStream", "topic-of-wrong-class",
         lambda g: put((ID("theme", "blue-green-infrastructure"), IUC.urbanAgendaTopic, SOCIAL)),
         "Class", ID("theme", "blue-green-infrastructure")),
    case("ThematicStream", "no-source", lambda g: drop(g, ID("theme", "climate-adaptation-mitigation"),
                                                       DCTERMS.source),
         "MinCount", ID("theme", "climate-adaptation-mitigation")),
    # ThemeScheme (one focus node: each case is validated on its own)
    case("ThemeScheme", "seventh-theme", lambda g: put((THEME_SCHEME, SKOS.hasTopConcept, ID("test", "theme")),
                                                       (ID("test", "theme"), RDF.type, IUC.ThematicStream)),
         "MaxCount", THEME_SCHEME),
    case("ThemeScheme", "five-themes", lambda g: drop(g, THEME_SCHEME, SKOS.hasTopConcept, SMART),
         "MinCount", THEME_SCHEME),
    # UrbanAgendaScheme
    case("UrbanAgendaScheme", "thirteen-topics", lambda g: drop(g, TOPIC_SCHEME, SKOS.hasTopConcept, HOUSING),
         "MinCount", TOPIC_SCHEME),
    case("UrbanAgendaScheme", "theme-as-topic",
         lambda g: drop(g, TOPIC_SCHEME, SKOS.hasTopConcept, HOUSING) + put((TOPIC_SCHEME, SKOS.hasTopConcept, SMART)),
         "Class", TOPIC_SCHEME),
    # Alignment
    case("Alignment", "to-non-sdg-iri",
         lambda g: swap(g, pairing("cali-co--belfast-gb", "alignment", "sdg-16.1"), IUC.alignedTo, SDG["18.1"]),
         "Class", pairing("cali-co--belfast-gb", "alignment", "sdg-16.1")),
    case("Alignment", "to-sdg-indicator",
         lambda g: swap(g, pairing("surat-in--rotterdam-nl", "alignment", "sdg-6"), IUC.alignedTo, SDG["C060101"]),
         "Class", pairing("surat-in--rotterdam-nl", "alignment", "sdg-6")),
    case("Alignment", "to-a-theme",
         lambda g: swap(g, pairing("fredericton-ca--parma-it", "alignment", "topic-housing"), IUC.alignedTo, SOCIAL),
         "Class", pairing("fredericton-ca--parma-it", "alignment", "topic-housing")),
    case("Alignment", "no-provenance",
         lambda g: drop(g, pairing("kochi-in--vilnius-lt", "alignment", "sdg-12"), PROV.wasDerivedFrom),
         "MinCount", pairing("kochi-in--vilnius-lt", "alignment", "sdg-12")),
    case("Alignment", "derived-from-a-member",
         lambda g: swap(g, pairing("kochi-in--vilnius-lt", "alignment", "sdg-8"), PROV.wasDerivedFrom, CALI),
         "Class", pairing("kochi-in--vilnius-lt", "alignment", "sdg-8")),
    case("Alignment", "in-two-pairings",
         lambda g: put((KOCHI_PAIRING, IUC.alignment, pairing("new-york-us--barcelona-es", "alignment", "sdg-1"))),
         "MaxCount", pairing("new-york-us--barcelona-es", "alignment", "sdg-1")),
    # MappingRule
    case("MappingRule", "to-non-sdg-iri",
         lambda g: swap(g, rule("circular-production-consumption--sdg-12"), IUC.mapsTo, SDG["18"]),
         "Class", rule("circular-production-consumption--sdg-12")),
    case("MappingRule", "to-sdg-indicator", lambda g: swap(g, rule("housing--sdg-11.1"), IUC.mapsTo, SDG["C010101"]),
         "Class", rule("housing--sdg-11.1")),
    case("MappingRule", "from-a-member", lambda g: swap(g, rule("air-quality--sdg-3.9"), IUC.mapsFrom, CALI),
         "Or", rule("air-quality--sdg-3.9")),
    case("MappingRule", "from-an-action",
         lambda g: swap(g, rule("cali-co--belfast-gb--sdg-16"), IUC.mapsFrom,
                        ID("action", "street-art-for-reconciliation")),
         "Or", rule("cali-co--belfast-gb--sdg-16")),
    # EditorialReading (mapping rules and the curators' readings of a property)
    case("EditorialReading", "no-rationale",
         lambda g: drop(g, rule("cali-co--belfast-gb--sdg-16.1"), RDFS.comment),
         "MinCount", rule("cali-co--belfast-gb--sdg-16.1")),
    case("EditorialReading", "rationale-without-language",
         lambda g: swap(g, rule("urban-poverty--sdg-1"), RDFS.comment, Literal("Poverty.")),
         "Datatype", rule("urban-poverty--sdg-1")),
    case("EditorialReading", "sourced-to-the-brochure",
         lambda g: put((reading(pairing("surat-in--rotterdam-nl"), "theme"), DCTERMS.source,
                        ID("source", "iuc-brochure"))),
         "MaxCount", reading(pairing("surat-in--rotterdam-nl"), "theme")),
    case("EditorialReading", "nobody's",
         lambda g: drop(g, reading(SMART, "urbanAgendaTopic"), DCTERMS.creator),
         "MinCount", reading(SMART, "urbanAgendaTopic")),
    case("EditorialReading", "the-brochure's",
         lambda g: swap(g, rule("housing--sdg-11.1"), DCTERMS.creator, ID("source", "iuc-brochure")),
         "HasValue", rule("housing--sdg-11.1")),
    case("EditorialReading", "reading-of-nothing",
         lambda g: drop(g, reading(pairing("kamakura-jp--umea-se"), "theme"), IUC.readingOf),
         "Xone", reading(pairing("kamakura-jp--umea-se"), "theme")),
    case("EditorialReading", "no-label", lambda g: drop(g, reading(SOCIAL, "urbanAgendaTopic"), RDFS.label),
         "MinCount", reading(SOCIAL, "urbanAgendaTopic")),
    # Stakeholder
    case("Stakeholder", "helix-sector-outside-the-four",
         lambda g: swap(g, ID("stakeholder", "kamakura-companies"), IUC.helixSector, ID("helix-sector", "media")),
         "In", ID("stakeholder", "kamakura-companies")),
    case("Stakeholder", "two-helix-sectors",
         lambda g: put((ID("stakeholder", "chongqing-mannheim-local-businesses"), IUC.helixSector,
                        ID("helix-sector", "civil-society"))),
         "MaxCount", ID("stakeholder", "chongqing-mannheim-local-businesses")),
    case("Stakeholder", "no-source",
         lambda g: drop(g, ID("stakeholder", "spanish-university-experts"), DCTERMS.source),
         "MinCount", ID("stakeholder", "spanish-university-experts")),
    # ActionPlan
    case("ActionPlan", "four-steps",
         lambda g: drop(g, pairing("kochi-in--vilnius-lt", "action-plan"), IUC.step, ID("ucap-step", "5")),
         "MinCount", pairing("kochi-in--vilnius-lt", "action-plan")),
    case("ActionPlan", "sixth-step",
         lambda g: put((pairing("cali-co--belfast-gb", "action-plan"), IUC.step, ID("ucap-step", "6")),
                       (ID("ucap-step", "6"), RDF.type, IUC.ActionPlanStep)),
         "MaxCount", pairing("cali-co--belfast-gb", "action-plan")),
    # Action
    case("Action", "of-no-pairing", lambda g: drop(g, None, IUC.action, ID("action", "surat-water-plaza")),
         "MinCount", ID("action", "surat-water-plaza")),
    case("Action", "of-a-member",
         lambda g: drop(g, None, IUC.action, ID("action", "colima-green-points"))
         + put((member("colima-mx"), IUC.action, ID("action", "colima-green-points"))),
         "Class", ID("action", "colima-green-points")),
    case("Action", "no-description", lambda g: drop(g, ID("action", "repair-workshops"), DCTERMS.description),
         "MinCount", ID("action", "repair-workshops")),
    # CaseStudy
    case("CaseStudy", "two-titles",
         lambda g: put((pairing("cali-co--belfast-gb", "case-study"), DCTERMS.title, EN("Street art"))),
         "MaxCount", pairing("cali-co--belfast-gb", "case-study")),
    case("CaseStudy", "title-without-language",
         lambda g: swap(g, pairing("new-york-us--barcelona-es", "case-study"), DCTERMS.title, Literal("Housing")),
         "Datatype", pairing("new-york-us--barcelona-es", "case-study")),
    case("CaseStudy", "no-source", lambda g: drop(g, pairing("kochi-in--vilnius-lt", "case-study"), DCTERMS.source),
         "MinCount", pairing("kochi-in--vilnius-lt", "case-study")),
    # SmartSpecialisationStrategy
    case("SmartSpecialisationStrategy", "of-no-region",
         lambda g: drop(g, OSTROBOTHNIA, IUC.smartSpecialisationStrategy), "MinCount", strategy(OSTROBOTHNIA)),
    case("SmartSpecialisationStrategy", "of-two-regions",
         lambda g: put((TIERRA, IUC.smartSpecialisationStrategy, strategy(SILESIA))), "MaxCount", strategy(SILESIA)),
    case("SmartSpecialisationStrategy", "label-without-language",
         lambda g: swap(g, strategy(member("minas-gerais-br")), RDFS.label, Literal("S3 of Minas Gerais")),
         "Datatype", strategy(member("minas-gerais-br"))),
    # Programme
    case("Programme", "no-start-year", lambda g: drop(g, PROGRAMME, IUC.startYear), "MinCount", PROGRAMME),
    case("Programme", "start-year-as-integer",
         lambda g: swap(g, ID("programme", "iurc"), IUC.startYear, Literal(2021)), "Datatype", ID("programme", "iurc")),
    # ProgrammeFigure
    case("ProgrammeFigure", "negative-value",
         lambda g: swap(g, ID("figure", "programme-components"), IUC.value, Literal(-3)),
         "MinInclusive", ID("figure", "programme-components")),
    case("ProgrammeFigure", "value-as-decimal",
         lambda g: swap(g, ID("figure", "thematic-streams"), IUC.value, Literal(Decimal("6.5"))),
         "Datatype", ID("figure", "thematic-streams")),
    case("ProgrammeFigure", "of-a-member", lambda g: swap(g, ID("figure", "city-to-city-pairings"), IUC.figureOf, CALI),
         "Or", ID("figure", "city-to-city-pairings")),
    case("ProgrammeFigure", "no-source-section",
         lambda g: drop(g, ID("figure", "region-to-region-regions"), IUC.sourceSection),
         "MinCount", ID("figure", "region-to-region-regions")),
    # StatedRecord: every pairing, member, case study, action, stakeholder and figure has its quote
    case("StatedRecord", "member-without-quote", lambda g: drop(g, quote(member("turku-fi")), OA.hasBody),
         "MinCount", member("turku-fi")),
    case("StatedRecord", "pairing-with-two-quotes",
         lambda g: put((quote(pairing("ikoma-jp--ancona-it", "case-study")), OA.hasBody,
                        pairing("ikoma-jp--ancona-it"))),
         "MaxCount", pairing("ikoma-jp--ancona-it")),
    case("StatedRecord", "case-study-without-quote",
         lambda g: drop(g, quote(pairing("kochi-in--vilnius-lt", "case-study")), OA.hasBody),
         "MinCount", pairing("kochi-in--vilnius-lt", "case-study")),
    case("StatedRecord", "quote-not-an-annotation",
         lambda g: drop(g, quote(ID("figure", "thematic-streams")), RDF.type),
         "Class", ID("figure", "thematic-streams")),
    case("StatedRecord", "stakeholder-without-quote",
         lambda g: drop(g, quote(ID("stakeholder", "kamakura-companies")), OA.hasBody),
         "MinCount", ID("stakeholder", "kamakura-companies")),
    case("StatedRecord", "action-without-quote", lambda g: drop(g, quote(ID("action", "merida-sump")), OA.hasBody),
         "MinCount", ID("action", "merida-sump")),
    # Quote: the annotation
    case("Quote", "commenting", lambda g: swap(g, quote(member("graz-at")), OA.motivatedBy, OA.commenting),
         "HasValue", quote(member("graz-at"))),
    case("Quote", "no-target", lambda g: drop(g, quote(member("parma-it")), OA.hasTarget),
         "MinCount", quote(member("parma-it"))),
    case("Quote", "target-not-a-specific-resource", lambda g: drop(g, quote(member("riga-lv"), "target"), RDF.type),
         "Class", quote(member("riga-lv"))),
    case("Quote", "body-a-country", lambda g: swap(g, quote(member("leuven-be")), OA.hasBody, ID("country", "BEL")),
         "Class", quote(member("leuven-be"))),
    case("Quote", "two-bodies", lambda g: put((quote(ID("action", "repair-workshops")), OA.hasBody,
                                               ID("action", "materials-marketplace"))),
         "MaxCount", quote(ID("action", "repair-workshops"))),
    case("Quote", "label-without-language",
         lambda g: swap(g, quote(ID("figure", "city-to-city-pairings")), RDFS.label,
                        Literal("The cities are working in 82 pairings")),
         "Datatype", quote(ID("figure", "city-to-city-pairings"))),
    # QuotedPassage: the part of the brochure
    case("QuotedPassage", "of-another-source", lambda g: swap(g, quote(member("aarhus-dk"), "target"), OA.hasSource,
                                                             URIRef("https://www.iuc.eu/")),
         "HasValue", quote(member("aarhus-dk"), "target")),
    case("QuotedPassage", "no-selector", lambda g: drop(g, quote(member("essen-de"), "target"), OA.hasSelector),
         "MinCount", quote(member("essen-de"), "target")),
    case("QuotedPassage", "selector-of-wrong-class", lambda g: drop(g, quote(member("varna-bg"), "selector"), RDF.type),
         "Class", quote(member("varna-bg"), "target")),
    case("QuotedPassage", "of-no-annotation", lambda g: drop(g, quote(member("porto-pt")), OA.hasTarget),
         "MinCount", quote(member("porto-pt"), "target")),
    # TextQuote: the selector
    case("TextQuote", "no-exact", lambda g: drop(g, quote(member("malmo-se"), "selector"), OA.exact),
         "MinCount", quote(member("malmo-se"), "selector")),
    case("TextQuote", "exact-with-language",
         lambda g: swap(g, quote(member("ottawa-ca"), "selector"), OA.exact, EN("Ottawa (CAN)")),
         "Datatype", quote(member("ottawa-ca"), "selector")),
    case("TextQuote", "exact-with-spaces",
         lambda g: swap(g, quote(member("guelph-ca"), "selector"), OA.exact, Literal(" Guelph (CAN) ")),
         "Pattern", quote(member("guelph-ca"), "selector")),
    case("TextQuote", "blank-prefix",
         lambda g: swap(g, quote(member("rijeka-hr"), "selector"), OA.prefix, Literal(" ")),
         "Pattern", quote(member("rijeka-hr"), "selector")),
    case("TextQuote", "two-suffixes", lambda g: put((quote(member("essen-de"), "selector"), OA.suffix, Literal("and"))),
         "MaxCount", quote(member("essen-de"), "selector")),
    case("TextQuote", "in-two-passages",
         lambda g: put((quote(member("koriyama-jp"), "target"), OA.hasSelector,
                        quote(member("udaipur-in"), "selector"))),
         "MaxCount", quote(member("udaipur-in"), "selector")),
    # NoDuplicates (graph-wide SPARQL checks on one focus node: each case is validated on its own)
    case("NoDuplicates", "two-countries-same-notation",
         lambda g: swap(g, ID("country", "DEU"), SKOS.notation, Literal("GBR")), "SPARQL", ONTOLOGY),
    case("NoDuplicates", "two-members-same-label-and-country",
         lambda g: swap(g, member("madrid-es"), RDFS.label, EN("Barcelona")), "SPARQL", ONTOLOGY),
    case("NoDuplicates", "two-pairings-same-label",
         lambda g: swap(g, KOCHI_PAIRING, RDFS.label, next(g.objects(CALI_PAIRING, RDFS.label))),
         "SPARQL", ONTOLOGY),
]

# The message each NoDuplicates case must produce (it names the duplicated value).
DUPLICATE_MESSAGES = {
    "two-countries-same-notation": "two countries share the notation GBR",
    "two-members-same-label-and-country": f"two members share the label and country Barcelona / {ID('country', 'ESP')}",
    "two-pairings-same-label": "two pairings share the label Cali & Medellín – Belfast",
}


# --- machinery -------------------------------------------------------------------------------------


@contextmanager
def changed(g: Graph, change: Change):
    """Apply a change to the shared graph for the duration of a block, then undo it exactly."""
    assert len(set(change.remove)) == len(change.remove), "two changes remove the same triple"
    assert len(set(change.add)) == len(change.add), "two changes add the same triple"
    missing = [t for t in change.remove if t not in g]
    assert not missing, f"the change removes triples the graph does not have: {missing}"
    present = [t for t in change.add if t in g]
    assert not present, f"the change adds triples the graph already has: {present}"
    for t in change.remove:
        g.remove(t)
    for t in change.add:
        g.add(t)
    try:
        yield g
    finally:
        for t in change.add:
            g.remove(t)
        for t in change.remove:
            g.add(t)


def targeted_shapes(shapes: Graph) -> set[URIRef]:
    """Node shapes that select focus nodes themselves (sh:targetClass or sh:targetNode)."""
    return {s for s in shapes.subjects(RDF.type, SH.NodeShape)
            if (s, SH.targetClass, None) in shapes or (s, SH.targetNode, None) in shapes}


TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def isolated(shapes: Graph, shape: URIRef) -> Graph:
    """The shapes graph with the targets of every node shape but one removed."""
    g = Graph()
    for s, p, o in shapes:
        if p not in TARGETS or s == shape:
            g.add((s, p, o))
    return g


def reachable(shapes: Graph, shape: URIRef) -> set:
    """The shape, its property shapes and every shape they refer to (sh:node, sh:or, lists...)."""
    links = (SH.property, SH.node, SH["or"], SH["and"], SH["not"], SH.xone, RDF.first, RDF.rest)
    seen, todo = set(), [shape]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo += [o for p in links for o in shapes.objects(node, p)]
    return seen


@dataclass(frozen=True)
class Result:
    focus: object
    source: object
    component: str
    message: str


def results(report: Graph) -> list[Result]:
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        component = str(report.value(r, SH.sourceConstraintComponent))
        out.append(Result(report.value(r, SH.focusNode), report.value(r, SH.sourceShape),
                          component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent"),
                          str(report.value(r, SH.resultMessage) or "")))
    return out


def group_of(c: Case) -> str:
    """Cases of one shape on distinct focus nodes are validated together (one pyshacl run per
    shape keeps the suite fast); cases sharing a focus node are validated on their own."""
    same_focus = [o for o in CASES if o.shape == c.shape and o.focus == c.focus]
    return c.shape if len(same_focus) == 1 else f"{c.shape}/{c.id}"


_reports: dict[str, tuple[list[Case], object]] = {}


def group_report(c: Case, knowledge: Graph, shapes: Graph):
    """The validation report of the real graph with every change of a case's group applied."""
    key = group_of(c)
    if key not in _reports:
        group = [o for o in CASES if group_of(o) == key]
        change = Change()
        for o in group:
            change += o.change(knowledge)
        with changed(knowledge, change) as g:
            _reports[key] = (group, validate(g, isolated(shapes, SHAPE(c.shape))))
    return _reports[key]


# --- the passing example ------------------------------------------------------------------------------


def test_real_graph_conforms(built):
    """The session build ran the gate on exactly this graph (data + ontology + SDG) and these shapes."""
    assert built.report.conforms, built.report.text
    assert list(built.report.graph.subjects(RDF.type, SH.ValidationResult)) == []


def test_every_targeted_shape_has_focus_nodes_in_the_real_graph(knowledge, shapes_graph):
    """The passing example is not vacuous: each shape applies to something in the real graph."""
    empty = []
    for shape in sorted(targeted_shapes(shapes_graph)):
        nodes = {n for n in shapes_graph.objects(shape, SH.targetNode) if (n, None, None) in knowledge}
        for cls in shapes_graph.objects(shape, SH.targetClass):
            rows = knowledge.query("SELECT ?x WHERE { ?x a/rdfs:subClassOf* ?c }",
                                   initBindings={"c": cls}, initNs={"rdfs": RDFS})
            nodes |= {row[0] for row in rows}
        if not nodes:
            empty.append(shape)
    assert empty == []


# --- the failing examples -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.param_id for c in CASES])
def test_shape_rejects(case, knowledge, shapes_graph):
    shape = SHAPE(case.shape)
    assert (shape, RDF.type, SH.NodeShape) in shapes_graph
    group, report = group_report(case, knowledge, shapes_graph)

    assert not report.conforms, f"{case.param_id}: the change was not detected"
    found = results(report.graph)
    assert any(r.focus == case.focus and r.component == case.component and r.source in
               ({shape} | set(shapes_graph.objects(shape, SH.property))) for r in found), \
        f"expected {case.component} from {case.shape} on {case.focus}, got:\n" + "\n".join(map(str, found))
    own = reachable(shapes_graph, shape)
    assert [r for r in found if r.source not in own] == [], "results from other shapes"
    foci = {o.focus for o in group}
    direct = {shape} | set(shapes_graph.objects(shape, SH.property))
    assert [r for r in found if r.source in direct and r.focus not in foci] == [], \
        "results on focus nodes no change was made to"
    if case.shape == "NoDuplicates":
        assert [r.message for r in found] == [DUPLICATE_MESSAGES[case.id]]


def test_each_change_is_undone(knowledge, built):
    """The shared graph is back to the real graph after the failing examples ran."""
    assert set(knowledge) == set(union(*(built.graphs[n] for n in KNOWLEDGE_GRAPHS)))


def test_every_targeted_shape_has_failing_examples(shapes_graph):
    """A new shape with a target but without a failing example in CASES fails here."""
    covered = {SHAPE(c.shape) for c in CASES}
    missing = sorted(str(s) for s in targeted_shapes(shapes_graph) - covered)
    assert missing == []
    assert len(targeted_shapes(shapes_graph)) >= 21


def test_case_ids_are_unique():
    ids = [c.param_id for c in CASES]
    assert len(ids) == len(set(ids))


# --- the gate itself ---------------------------------------------------------------------------------------


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_validate_does_not_change_the_graphs_it_is_given(shapes_graph):
    """iuckg.gate.validate must not add triples to the caller's shapes graph or data graph.

    The build passes its 'shapes' named graph to the gate and then publishes that same graph
    as dist/shapes.ttl and in iuckg.nq, so anything the validator adds gets published.
    """
    shapes = parse_all(REPO / "shapes", BASE)
    data = Graph()
    data.add((CALI, RDF.type, IUC.City))
    before_shapes, before_data = set(shapes), set(data)

    validate(data, shapes)

    assert set(data) == before_data
    assert set(shapes) - before_shapes == set(), "validate added triples to the shapes graph"
    assert before_shapes - set(shapes) == set()


def test_iso_3166_list_is_pycountry_alpha3():
    g = Graph().parse(REPO / "shapes" / "iso-3166.ttl", format="turtle", publicID=BASE)
    [node] = list(g.objects(SHAPE("IsoAlpha3"), SH["in"]))
    codes = [str(x) for x in Collection(g, node)]
    assert all(isinstance(x, Literal) and x.datatype is None and x.language is None for x in Collection(g, node))
    assert codes == sorted(c.alpha_3 for c in pycountry.countries)


def test_untargeted_shapes_are_used_by_targeted_ones(shapes_graph):
    """IsoAlpha3 and InThemeScheme have no target: they are reached through sh:node."""
    for name in ("IsoAlpha3", "InThemeScheme"):
        shape = SHAPE(name)
        assert shape not in targeted_shapes(shapes_graph)
        assert (None, SH.node, shape) in shapes_graph, name
