"""Turn checked records into the RDF data graph, with stable IRIs under a base."""

from __future__ import annotations

from collections import defaultdict

import pycountry
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from .namespaces import EU_COUNTRY, GEO, SDG, SDGO, Minter
from .records import Dataset, Pairing, Place

MEMBER_CLASSES = {
    "city": "City", "town": "Town", "district": "District",
    "metropolitan-area": "MetropolitanArea", "region": "Region", "consortium": "Consortium",
}
PAIRING_CLASSES = {"city-to-city": "CityPairing", "region-to-region": "RegionPairing"}
ACTION_CLASSES = {"pilot-project": "PilotProject", "action": "Action"}
UCAP_STEPS = 5
# The IRIs of the datasets the data links to (their prefixes are catalogue.TARGETS' uri_space).
GEONAMES = "https://sws.geonames.org/"
EUROVOC = Namespace("http://eurovoc.europa.eu/")


def en(value: str) -> Literal:
    """An English language-tagged literal."""
    return Literal(value, lang="en")


def geonames_iri(feature: int) -> URIRef:
    """The IRI of a GeoNames feature (with its trailing slash)."""
    return URIRef(f"{GEONAMES}{feature}/")


def country_name(alpha3: str) -> str:
    """The short English name of a country from ISO 3166 (pycountry)."""
    country = pycountry.countries.get(alpha_3=alpha3)
    return getattr(country, "common_name", None) or country.name


class Converter:
    """Builds the data graph of one Dataset under one base IRI."""

    def __init__(self, data: Dataset, minter: Minter) -> None:
        self.data = data
        self.m = minter
        self.iuc = minter.iuc
        self.graph = Graph()
        self.source = minter.id("source", "iuc-brochure")
        self.country_iri = {c.code: minter.id("country", c.alpha3) for c in data.countries}
        self.member_label = {m.id: m.label for m in data.members}
        self.places = {p.member: p for p in data.places}

    def add(self, s: URIRef, p: URIRef, o) -> None:
        """Add one triple."""
        self.graph.add((s, p, o))

    def labelled(self, s: URIRef, cls: URIRef, label: str) -> None:
        """Type a resource and give it an English label."""
        self.add(s, RDF.type, cls)
        self.add(s, RDFS.label, en(label))

    def sourced(self, s: URIRef, section: str) -> None:
        """Record where in the brochure a resource comes from."""
        self.add(s, DCTERMS.source, self.source)
        self.add(s, self.iuc.sourceSection, en(section))

    def convert(self) -> Graph:
        """Return the data graph of every record."""
        for country in self.data.countries:
            self.country(country)
        for theme in self.data.themes:
            self.theme(theme)
        for topic in self.data.topics:
            self.topic(topic)
        for mapping in self.data.sdg_mappings:
            self.mapping_rule(mapping)
        for member in self.data.members:
            self.member(member)
        rules = self.rules_by_source()
        for pairing in self.data.pairings:
            self.pairing(pairing, rules)
        for action in self.data.actions:
            self.action(action)
        for stakeholder in self.data.stakeholders:
            self.stakeholder(stakeholder)
        for figure in self.data.figures:
            self.figure(figure)
        return self.graph

    def country(self, c) -> None:
        """A country, linked to the EU Publications Office authority table and to GeoNames."""
        s = self.country_iri[c.code]
        self.labelled(s, self.iuc.Country, country_name(c.alpha3))
        self.add(s, SKOS.notation, Literal(c.alpha3))
        self.add(s, SKOS.altLabel, Literal(c.code))
        self.add(s, SKOS.exactMatch, EU_COUNTRY[c.alpha3])
        if c.geonames is not None:
            self.add(s, OWL.sameAs, geonames_iri(c.geonames))

    def theme(self, t) -> None:
        """A thematic stream, a top concept of the theme scheme."""
        s, scheme = self.m.id("theme", t.id), self.m.id("theme")
        self.labelled(s, self.iuc.ThematicStream, t.label)
        self.add(s, RDF.type, SKOS.Concept)
        self.add(s, SKOS.prefLabel, en(t.label))
        self.add(s, SKOS.inScheme, scheme)
        self.add(s, SKOS.topConceptOf, scheme)
        self.add(scheme, SKOS.hasTopConcept, s)
        self.add(s, SKOS.notation, Literal(str(t.section)))
        self.add(s, self.iuc.sectionNumber, Literal(t.section))
        if t.cities_and_regions is not None:
            self.add(s, self.iuc.citiesAndRegions, Literal(t.cities_and_regions))
        topic_labels = {topic.id: topic.label for topic in self.data.topics}
        for topic in t.urban_agenda_topics:
            target = self.m.id("urban-agenda-topic", topic)
            self.add(s, self.iuc.urbanAgendaTopic, target)
            rule = self.topic_rule_iri(t.id, topic)
            self.labelled(rule, self.iuc.MappingRule, f"{t.label} to Urban Agenda topic {topic_labels[topic]}")
            self.add(rule, self.iuc.mapsFrom, s)
            self.add(rule, self.iuc.mapsTo, target)
            self.add(rule, RDFS.comment, en(f"The brochure's graphic places the Urban Agenda topic "
                                            f"{topic_labels[topic]} beside the thematic stream {t.label}."))
            self.add(rule, DCTERMS.source, self.source)
        self.sourced(s, t.source)

    def topic(self, t) -> None:
        """An Urban Agenda topic, a top concept of its scheme."""
        s, scheme = self.m.id("urban-agenda-topic", t.id), self.m.id("urban-agenda-topic")
        self.labelled(s, self.iuc.UrbanAgendaTopic, t.label)
        self.add(s, RDF.type, SKOS.Concept)
        self.add(s, SKOS.prefLabel, en(t.label))
        self.add(s, SKOS.inScheme, scheme)
        self.add(s, SKOS.topConceptOf, scheme)
        self.add(scheme, SKOS.hasTopConcept, s)
        for eurovoc in t.eurovoc:
            self.add(s, SKOS.closeMatch, EUROVOC[eurovoc])

    def concept_of(self, slug: str) -> URIRef:
        """The theme or Urban Agenda topic a mapping rule starts from."""
        if any(t.id == slug for t in self.data.themes):
            return self.m.id("theme", slug)
        return self.m.id("urban-agenda-topic", slug)

    def concept_label(self, slug: str) -> str:
        """The label of the theme or Urban Agenda topic with this id."""
        return next(c.label for c in (*self.data.themes, *self.data.topics) if c.id == slug)

    def rule_iri(self, mapping) -> URIRef:
        """The IRI of an editorial mapping rule to an SDG goal or target."""
        return self.m.id("mapping", f"{mapping.from_}--sdg-{mapping.sdg}")

    def topic_rule_iri(self, theme: str, topic: str) -> URIRef:
        """The IRI of the rule that a theme covers an Urban Agenda topic."""
        return self.m.id("mapping", f"{theme}--topic-{topic}")

    def mapping_rule(self, mapping) -> None:
        """An editorial rule from a theme or topic to an SDG goal or target."""
        s = self.rule_iri(mapping)
        self.labelled(s, self.iuc.MappingRule, f"{self.concept_label(mapping.from_)} to SDG {mapping.sdg}")
        self.add(s, self.iuc.mapsFrom, self.concept_of(mapping.from_))
        self.add(s, self.iuc.mapsTo, SDG[mapping.sdg])
        self.add(s, RDFS.comment, en(mapping.rationale))

    def member(self, m) -> None:
        """A city, town, district, metropolitan area, region or consortium."""
        s = self.m.id("member", m.id)
        self.labelled(s, self.iuc[MEMBER_CLASSES[m.type]], m.label)
        self.add(s, SKOS.prefLabel, en(m.label))
        for alt in m.alt_labels:
            self.add(s, SKOS.altLabel, en(alt))
        self.add(s, self.iuc.country, self.country_iri[m.country])
        self.sourced(s, m.source)
        self.place(s, self.places[m.id])
        if m.type == "region":
            strategy = self.m.id("member", m.id, "smart-specialisation-strategy")
            self.labelled(strategy, self.iuc.SmartSpecialisationStrategy,
                          f"Smart Specialisation Strategy of {m.label}")
            self.add(s, self.iuc.smartSpecialisationStrategy, strategy)
            self.add(strategy, DCTERMS.source, self.source)

    def place(self, s: URIRef, p: Place) -> None:
        """A member's GeoNames feature and WGS84 coordinates, and the curators' note on them.

        owl:sameAs, not skos:exactMatch: a member and its GeoNames feature are one place (every
        member class but Consortium is a place class), and neither is a SKOS concept, which
        skos:exactMatch would make them. The EU authority tables are SKOS concept schemes, so
        countries keep skos:exactMatch to them.
        """
        if p.geonames_id is not None:
            self.add(s, OWL.sameAs, geonames_iri(p.geonames_id))
        if p.latitude is not None:
            self.add(s, GEO.lat, Literal(p.latitude))
            self.add(s, GEO.long, Literal(p.longitude))
        if p.note:
            self.add(s, SKOS.editorialNote, en(p.note))

    def rules_by_source(self) -> dict[str, list]:
        """Mapping rules grouped by the theme or topic they start from."""
        rules: dict[str, list] = defaultdict(list)
        for mapping in self.data.sdg_mappings:
            rules[mapping.from_].append(mapping)
        return rules

    def pairing_label(self, p: Pairing) -> str:
        """'Cali & Medellín – Belfast': the members of each side, side by side."""
        sides = [" & ".join(self.member_label[i] for i in side) for side in (p.side_a, p.side_b)]
        return " – ".join(sides)

    def pairing(self, p: Pairing, rules: dict[str, list]) -> None:
        """A pairing with its two sides, case study, action plan and derived alignments."""
        s = self.m.id("pairing", p.id)
        self.labelled(s, self.iuc[PAIRING_CLASSES[p.kind]], self.pairing_label(p))
        self.add(s, self.iuc.programmeComponent, self.m.id("component", p.kind))
        self.add(s, self.iuc.theme, self.m.id("theme", p.theme))
        self.add(s, DCTERMS.description, en(p.case_text))
        for keyword in p.keywords:
            self.add(s, self.iuc.keyword, en(keyword))
        self.sourced(s, p.source)
        for order, side in enumerate((p.side_a, p.side_b), start=1):
            node = self.m.id("pairing", p.id, f"side-{order}")
            self.labelled(node, self.iuc.PairingSide,
                          " & ".join(self.member_label[i] for i in side) + f" (side {order})")
            self.add(node, self.iuc.sideOrder, Literal(order))
            self.add(s, self.iuc.hasSide, node)
            for member_id in side:
                member = self.m.id("member", member_id)
                self.add(node, self.iuc.sideMember, member)
                self.add(s, self.iuc.hasMember, member)
        if p.case_title:
            case = self.m.id("pairing", p.id, "case-study")
            self.labelled(case, self.iuc.CaseStudy, p.case_title)
            self.add(case, DCTERMS.title, en(p.case_title))
            self.add(case, DCTERMS.description, en(p.case_text))
            self.add(case, DCTERMS.subject, s)
            self.sourced(case, p.source)
            self.add(s, self.iuc.caseStudy, case)
        if p.kind == "city-to-city":
            plan = self.m.id("pairing", p.id, "action-plan")
            self.labelled(plan, self.iuc.ActionPlan,
                          f"Urban Cooperation Action Plan of {self.pairing_label(p)}")
            for step in range(1, UCAP_STEPS + 1):
                self.add(plan, self.iuc.step, self.m.id("ucap-step", str(step)))
            self.add(s, self.iuc.actionPlan, plan)
        self.alignments(s, p, rules)

    def alignments(self, s: URIRef, p: Pairing, rules: dict[str, list]) -> None:
        """Derived alignments of a pairing to Urban Agenda topics and SDGs, with provenance.

        Topics follow from the pairing's theme (the brochure's graphic places
        them beside it); SDGs follow from the editorial rules of the theme and
        of those topics. Every alignment names every mapping rule on a path to it.
        """
        theme = next(t for t in self.data.themes if t.id == p.theme)
        topic_labels = {t.id: t.label for t in self.data.topics}
        derived: dict[URIRef, tuple[URIRef, str, set[URIRef]]] = {}

        def derive(key: str, target: URIRef, label: str, rule: URIRef) -> None:
            node = self.m.id("pairing", p.id, "alignment", key)
            derived.setdefault(node, (target, label, set()))[2].add(rule)

        for topic in theme.urban_agenda_topics:
            derive(f"topic-{topic}", self.m.id("urban-agenda-topic", topic),
                   f"Urban Agenda topic {topic_labels[topic]} (derived)", self.topic_rule_iri(theme.id, topic))
        for mapping in rules.get(theme.id, ()):
            derive(f"sdg-{mapping.sdg}", SDG[mapping.sdg], f"SDG {mapping.sdg} (derived)", self.rule_iri(mapping))
        for topic in theme.urban_agenda_topics:
            for mapping in rules.get(topic, ()):
                for rule in (self.topic_rule_iri(theme.id, topic), self.rule_iri(mapping)):
                    derive(f"sdg-{mapping.sdg}", SDG[mapping.sdg], f"SDG {mapping.sdg} (derived)", rule)
        for node, (target, label, origins) in derived.items():
            self.labelled(node, self.iuc.Alignment, label)
            self.add(node, self.iuc.alignedTo, target)
            for origin in origins:
                self.add(node, PROV.wasDerivedFrom, origin)
            self.add(s, self.iuc.alignment, node)

    def action(self, a) -> None:
        """An action or pilot project of a pairing."""
        s = self.m.id("action", a.id)
        self.labelled(s, self.iuc[ACTION_CLASSES[a.kind]], a.label)
        self.add(s, DCTERMS.description, en(a.description))
        self.add(self.m.id("pairing", a.pairing), self.iuc.action, s)
        self.sourced(s, a.source)

    def stakeholder(self, k) -> None:
        """An organisation engaged in a pairing, with its helix sector."""
        s = self.m.id("stakeholder", k.id)
        self.labelled(s, self.iuc.Stakeholder, k.label)
        self.add(s, self.iuc.helixSector, self.m.id("helix-sector", k.helix))
        self.add(self.m.id("pairing", k.pairing), self.iuc.stakeholder, s)
        self.sourced(s, k.source)

    def figure(self, f) -> None:
        """A number the brochure states about the programme."""
        s = self.m.id("figure", f.id)
        self.labelled(s, self.iuc.ProgrammeFigure, f.label)
        self.add(s, self.iuc.value, Literal(f.value))
        subject = self.m.id("programme", "iuc") if f.subject == "programme" else self.m.id("component", f.subject)
        self.add(s, self.iuc.figureOf, subject)
        self.sourced(s, f.source)


def to_graph(data: Dataset, minter: Minter) -> Graph:
    """Convert a checked Dataset to its RDF data graph."""
    return Converter(data, minter).convert()


def sdg_codes(sdg_graph: Graph) -> set[str]:
    """The goal and target codes of the UN SDG vocabulary ('11', '11.6')."""
    codes = set()
    for cls in (SDGO.Goal, SDGO.Target):
        for s in sdg_graph.subjects(RDF.type, cls):
            codes.add(str(s)[len(str(SDG)):])
    return codes

