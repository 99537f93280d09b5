"""Turn checked records into the RDF data graph, with stable IRIs under a base."""

from __future__ import annotations

from collections import defaultdict

import pycountry
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from .namespaces import EU_COUNTRY, GEO, OA, SDG, SDGO, Minter
from .records import Dataset, Pairing, Place, Theme, Topic

MEMBER_CLASSES = {
    "city": "City",
    "town": "Town",
    "district": "District",
    "metropolitan-area": "MetropolitanArea",
    "region": "Region",
    "consortium": "Consortium",
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


# How the curators tell the EU side of a pairing from its partner side (the brochure never says it in words).
EU_MEMBER_STATE_RULE = (
    "The brochure pairs cities and regions of EU Member States with peers elsewhere, and writes the country "
    "codes of the first in two letters (ES, IT, UK) and of the others in three (USA, IND, BRA); the curators "
    "read a two-letter code as an EU Member State at the time of the programme (2017-2020, when the United "
    "Kingdom was one)."
)


def is_eu_member_state(brochure_code: str) -> bool:
    """Whether the brochure's code of a country marks an EU Member State (see EU_MEMBER_STATE_RULE)."""
    return len(brochure_code) == 2


def country_name(alpha3: str) -> str:
    """The short English name of a country from ISO 3166 (pycountry)."""
    country = pycountry.countries.get(alpha_3=alpha3)
    if country is None:
        raise ValueError(f"{alpha3!r} is not an ISO 3166 alpha-3 country code")
    return getattr(country, "common_name", None) or country.name


class Converter:
    """Builds the data graph of one Dataset under one base IRI."""

    def __init__(self, data: Dataset, minter: Minter) -> None:
        self.data = data
        self.m = minter
        self.iuc = minter.iuc
        self.graph = Graph()
        self.source = minter.id("source", "iuc-brochure")
        self.curators = minter.id("agent", "curators")
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

    def quoted(self, s: URIRef, record) -> None:
        """The passage of the brochure a stated record rests on, as a Web Annotation whose body is the record."""
        annotation = URIRef(f"{s}/quote")
        target, selector = URIRef(f"{annotation}/target"), URIRef(f"{annotation}/selector")
        self.labelled(annotation, OA.Annotation, record.quote)
        self.add(annotation, OA.motivatedBy, OA.describing)
        self.add(annotation, OA.hasBody, s)
        self.add(annotation, OA.hasTarget, target)
        self.add(target, RDF.type, OA.SpecificResource)
        self.add(target, OA.hasSource, self.source)
        self.add(target, OA.hasSelector, selector)
        self.add(selector, RDF.type, OA.TextQuoteSelector)
        self.add(selector, OA.exact, Literal(record.quote))
        self.add(selector, OA.prefix, Literal(record.quote_prefix))
        self.add(selector, OA.suffix, Literal(record.quote_suffix))

    def noted(self, s: URIRef, note: str) -> None:
        """The curators' note on a record (an ambiguity of the brochure, say), if it has one."""
        if note:
            self.add(s, SKOS.editorialNote, en(note))

    def editorial(self, s: URIRef, rationale: str) -> None:
        """Mark a resource as the curators' reading, with its rationale (never the brochure as its source)."""
        self.add(s, RDFS.comment, en(rationale))
        self.add(s, DCTERMS.creator, self.curators)

    @staticmethod
    def reading_iri(s: URIRef, prop: str) -> URIRef:
        """The IRI of the curators' reading of a property of a resource: {s}/reading/{property local name}."""
        return URIRef(f"{s}/reading/{prop}")

    def reading(self, s: URIRef, prop: str, label: str, rationale: str) -> URIRef:
        """The curators' reading of a property of a resource, which the brochure leaves open."""
        node = self.reading_iri(s, prop)
        self.labelled(node, self.iuc.EditorialReading, label)
        self.add(node, self.iuc.readingOf, s)
        self.add(node, self.iuc.readsProperty, self.iuc[prop])
        self.editorial(node, rationale)
        return node

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
        self.reading(
            s,
            "euMemberState",
            f"Whether {country_name(c.alpha3)} is an EU Member State (editorial reading)",
            EU_MEMBER_STATE_RULE,
        )
        self.add(s, self.iuc.euMemberState, Literal(is_eu_member_state(c.code)))

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
        self.sourced(s, t.source)
        self.noted(s, t.note)
        if t.urban_agenda_topics:
            self.topics_of(s, t)

    def topics_of(self, s: URIRef, t) -> None:
        """A theme's Urban Agenda topics: the curators' reading of the brochure's graphic, and a rule per topic."""
        topic_labels = {topic.id: topic.label for topic in self.data.topics}
        reading = self.reading(
            s, "urbanAgendaTopic", f"Urban Agenda topics of {t.label} (editorial reading)", t.topics_reading
        )
        for topic in t.urban_agenda_topics:
            target = self.m.id("urban-agenda-topic", topic)
            self.add(s, self.iuc.urbanAgendaTopic, target)
            rule = self.topic_rule_iri(t.id, topic)
            self.labelled(rule, self.iuc.MappingRule, f"{t.label} to Urban Agenda topic {topic_labels[topic]}")
            self.add(rule, self.iuc.mapsFrom, s)
            self.add(rule, self.iuc.mapsTo, target)
            self.add(rule, PROV.wasDerivedFrom, reading)
            self.editorial(
                rule,
                f"The curators read the brochure's graphic as placing the Urban Agenda topic "
                f"{topic_labels[topic]} beside the thematic stream {t.label}.",
            )

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

    def origin_of(self, slug: str) -> URIRef:
        """The theme, Urban Agenda topic or pairing a mapping rule starts from."""
        if any(t.id == slug for t in self.data.themes):
            return self.m.id("theme", slug)
        if any(p.id == slug for p in self.data.pairings):
            return self.m.id("pairing", slug)
        return self.m.id("urban-agenda-topic", slug)

    def origin_label(self, slug: str) -> str:
        """The label of the theme, Urban Agenda topic or pairing with this id."""
        pairing = next((p for p in self.data.pairings if p.id == slug), None)
        if pairing:
            return self.pairing_label(pairing)
        concepts: tuple[Theme | Topic, ...] = (*self.data.themes, *self.data.topics)
        return next(c.label for c in concepts if c.id == slug)

    def rule_iri(self, mapping) -> URIRef:
        """The IRI of an editorial mapping rule to an SDG goal or target."""
        return self.m.id("mapping", f"{mapping.from_}--sdg-{mapping.sdg}")

    def topic_rule_iri(self, theme: str, topic: str) -> URIRef:
        """The IRI of the rule that a theme covers an Urban Agenda topic."""
        return self.m.id("mapping", f"{theme}--topic-{topic}")

    def mapping_rule(self, mapping) -> None:
        """An editorial rule from a theme, topic or pairing to an SDG goal or target."""
        s = self.rule_iri(mapping)
        self.labelled(s, self.iuc.MappingRule, f"{self.origin_label(mapping.from_)} to SDG {mapping.sdg}")
        self.add(s, self.iuc.mapsFrom, self.origin_of(mapping.from_))
        self.add(s, self.iuc.mapsTo, SDG[mapping.sdg])
        self.editorial(s, mapping.rationale)

    def member(self, m) -> None:
        """A city, town, district, metropolitan area, region or consortium."""
        s = self.m.id("member", m.id)
        self.labelled(s, self.iuc[MEMBER_CLASSES[m.type]], m.label)
        self.add(s, SKOS.prefLabel, en(m.label))
        for alt in m.alt_labels:
            self.add(s, SKOS.altLabel, en(alt))
        self.add(s, self.iuc.country, self.country_iri[m.country])
        self.sourced(s, m.source)
        self.quoted(s, m)
        self.noted(s, m.note)
        self.place(s, self.places[m.id])
        if m.type == "region":
            strategy = self.m.id("member", m.id, "smart-specialisation-strategy")
            self.labelled(strategy, self.iuc.SmartSpecialisationStrategy, f"Smart Specialisation Strategy of {m.label}")
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
        """Mapping rules grouped by the theme, topic or pairing they start from."""
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
        if p.theme_reading:
            self.reading(s, "theme", f"Theme of {self.pairing_label(p)} (editorial reading)", p.theme_reading)
        self.add(s, self.iuc.theme, self.m.id("theme", p.theme))
        self.add(s, DCTERMS.description, en(p.case_text))
        for keyword in p.keywords:
            self.add(s, self.iuc.keyword, en(keyword))
        self.sourced(s, p.source)
        self.quoted(s, p)
        self.noted(s, p.note)
        for order, side in enumerate((p.side_a, p.side_b), start=1):
            node = self.m.id("pairing", p.id, f"side-{order}")
            self.labelled(
                node, self.iuc.PairingSide, " & ".join(self.member_label[i] for i in side) + f" (side {order})"
            )
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
            self.quoted(case, p)
            self.add(s, self.iuc.caseStudy, case)
        if p.kind == "city-to-city":
            plan = self.m.id("pairing", p.id, "action-plan")
            self.labelled(plan, self.iuc.ActionPlan, f"Urban Cooperation Action Plan of {self.pairing_label(p)}")
            for step in range(1, UCAP_STEPS + 1):
                self.add(plan, self.iuc.step, self.m.id("ucap-step", str(step)))
            self.add(s, self.iuc.actionPlan, plan)
        self.alignments(s, p, rules)

    def alignments(self, s: URIRef, p: Pairing, rules: dict[str, list]) -> None:
        """Derived alignments of a pairing to Urban Agenda topics and SDGs, with provenance.

        Topics follow from the pairing's theme (as the curators read the brochure's
        graphic); SDGs follow from the editorial rules of the pairing itself, of its
        theme and of those topics. Every alignment names every editorial reading on a
        path to it: the mapping rules, and the pairing's theme where that is the
        curators' reading.
        """
        theme = next(t for t in self.data.themes if t.id == p.theme)
        topic_labels = {t.id: t.label for t in self.data.topics}
        via_theme = [self.reading_iri(s, "theme")] if p.theme_reading else []
        derived: dict[URIRef, tuple[URIRef, str, set[URIRef]]] = {}

        def derive(key: str, target: URIRef, label: str, *origins: URIRef) -> None:
            node = self.m.id("pairing", p.id, "alignment", key)
            derived.setdefault(node, (target, label, set()))[2].update(origins)

        for mapping in rules.get(p.id, ()):
            derive(f"sdg-{mapping.sdg}", SDG[mapping.sdg], f"SDG {mapping.sdg} (derived)", self.rule_iri(mapping))
        for topic in theme.urban_agenda_topics:
            derive(
                f"topic-{topic}",
                self.m.id("urban-agenda-topic", topic),
                f"Urban Agenda topic {topic_labels[topic]} (derived)",
                self.topic_rule_iri(theme.id, topic),
                *via_theme,
            )
        for mapping in rules.get(theme.id, ()):
            derive(
                f"sdg-{mapping.sdg}",
                SDG[mapping.sdg],
                f"SDG {mapping.sdg} (derived)",
                self.rule_iri(mapping),
                *via_theme,
            )
        for topic in theme.urban_agenda_topics:
            for mapping in rules.get(topic, ()):
                derive(
                    f"sdg-{mapping.sdg}",
                    SDG[mapping.sdg],
                    f"SDG {mapping.sdg} (derived)",
                    self.topic_rule_iri(theme.id, topic),
                    self.rule_iri(mapping),
                    *via_theme,
                )
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
        self.quoted(s, a)
        self.noted(s, a.note)

    def stakeholder(self, k) -> None:
        """An organisation engaged in a pairing, with its helix sector."""
        s = self.m.id("stakeholder", k.id)
        self.labelled(s, self.iuc.Stakeholder, k.label)
        self.add(s, self.iuc.helixSector, self.m.id("helix-sector", k.helix))
        self.add(self.m.id("pairing", k.pairing), self.iuc.stakeholder, s)
        self.sourced(s, k.source)
        self.quoted(s, k)

    def figure(self, f) -> None:
        """A number the brochure states about the programme, one of its components or the GCoM."""
        s = self.m.id("figure", f.id)
        self.labelled(s, self.iuc.ProgrammeFigure, f.label)
        self.add(s, self.iuc.value, Literal(f.value))
        self.add(s, self.iuc.figureOf, self.figure_subject(f.subject))
        self.sourced(s, f.source)
        self.quoted(s, f)

    def figure_subject(self, subject: str) -> URIRef:
        """What a figure is about: the IUC programme, one of its components, or the Global Covenant of Mayors."""
        if subject == "programme":
            return self.m.id("programme", "iuc")
        if subject == "gcom":
            return self.m.id("initiative", "gcom")
        return self.m.id("component", subject)


def to_graph(data: Dataset, minter: Minter) -> Graph:
    """Convert a checked Dataset to its RDF data graph."""
    return Converter(data, minter).convert()


def sdg_codes(sdg_graph: Graph) -> set[str]:
    """The goal and target codes of the UN SDG vocabulary ('11', '11.6')."""
    codes = set()
    for cls in (SDGO.Goal, SDGO.Target):
        for s in sdg_graph.subjects(RDF.type, cls):
            codes.add(str(s)[len(str(SDG)) :])
    return codes
