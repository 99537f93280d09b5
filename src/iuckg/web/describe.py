"""Turn the triples describing one resource into what its HTML page shows."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import pyoxigraph as ox

from ..collation import sort_key as uca
from ..namespaces import GEO, OA, PREFIXES, SCHEMA, SH, href_of
from ..store import term_value

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/2006/vcard/ns#fn",
)
DESCRIPTIONS = (
    "http://purl.org/dc/terms/description",
    "http://www.w3.org/2004/02/skos/core#definition",
    "http://www.w3.org/2000/01/rdf-schema#comment",
)
SAME_AS = (
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch",
)
# schema.org types for the embedded JSON-LD, by iuc class local name.
SCHEMA_TYPES = {
    "City": "City",
    "Town": "Place",
    "District": "Place",
    "MetropolitanArea": "AdministrativeArea",
    "Region": "AdministrativeArea",
    "Consortium": "Organization",
    "Country": "Country",
    "CityPairing": "Project",
    "RegionPairing": "Project",
    "Action": "Project",
    "PilotProject": "Project",
    "CaseStudy": "CreativeWork",
    "Stakeholder": "Organization",
    "ActionPlan": "CreativeWork",
    "Programme": "Project",
}
# What a page marks as the curators' judgement rather than the brochure's: resources of these iuc
# classes, and a property of a resource that has an iuc:EditorialReading at {resource}/reading/{property}.
EDITORIAL_CLASSES = ("EditorialReading", "MappingRule", "Alignment")
READING_PATH = "/reading/"
# Curation notes stay in the RDF; a page says only that there is one.
EDITORIAL_NOTE = "http://www.w3.org/2004/02/skos/core#editorialNote"
# Statistics for programs, kept in the RDF: the dataset's VoID partitions by class and by property.
PARTITIONS = ("http://rdfs.org/ns/void#classPartition", "http://rdfs.org/ns/void#propertyPartition")
# What people never see on a page (the RDF documents keep it): SHACL shapes, the resources minted for
# them under {base}shapes/, and blank nodes, which have no page to link to.
SHACL = str(SH)
SHAPES_PATH = "shapes/"
XSD = "http://www.w3.org/2001/XMLSchema#"
# How a property or class without a label of its own is named on a page, by local name; other local
# names are split at their capitals ("sameAs" -> "same as").
LOCAL_NAMES = {
    "lat": "latitude",
    "long": "longitude",
    "prefLabel": "preferred label",
    "altLabel": "other label",
    "label": "label",
    "seeAlso": "see also",
}
# A page lists at most this many resources that link to it by one property (a theme of 10,000
# pairings is linked from thousands); a link to a SPARQL query lists them all.
MAX_REFERENCES = 100


@dataclass
class Value:
    """A value shown on a page: a link with a label, or a literal (with its language, and for query results
    the tag a result table shows: its language or datatype)."""

    text: str
    href: str | None = None
    iri: str | None = None
    language: str | None = None
    tag: str | None = None


@dataclass
class Group:
    """The values of one property, with the property's label (and how many more a query lists)."""

    label: str
    iri: str
    href: str | None
    values: list[Value] = field(default_factory=list)
    more: int = 0
    more_query: str | None = None
    editorial: bool = False


@dataclass
class Page:
    """Everything the resource page of one IRI shows."""

    iri: str
    label: str
    types: list[Value]
    description: str | None
    properties: list[Group]
    referenced_by: list[Group]
    coordinates: tuple[float, float] | None
    schema_jsonld: str
    quotes: list[Value] = field(default_factory=list)
    editorial: bool = False
    noted: bool = False
    language: str = "en"
    classes: set[str] = field(default_factory=set)
    shape: bool = False
    card: object | None = None


class Labels:
    """Labels of the resources in a description, picked by preferred language."""

    def __init__(self, triples: list[ox.Triple], languages: list[str], base: str) -> None:
        self.languages = [*languages, "en", ""]
        self.base = base
        self.by_iri: dict[str, dict[str, str]] = defaultdict(dict)
        for t in triples:
            if t.predicate.value in LABELS and isinstance(t.object, ox.Literal):
                lang = t.object.language or ""
                self.by_iri[term_value(t.subject)].setdefault(lang, t.object.value)

    def choose(self, values: dict[str, str]) -> tuple[str, str] | None:
        """The (language, value) in the first preferred language that has one, or any."""
        for lang in self.languages:
            for key, text in sorted(values.items()):
                if key == lang or key.split("-")[0] == lang:
                    return key, text
        return next(iter(sorted(values.items())), None)

    def pick(self, values: dict[str, str]) -> str | None:
        """The value in the first preferred language that has one, or any value."""
        chosen = self.choose(values)
        return chosen[1] if chosen else None

    def language(self, iri: str) -> str | None:
        """The language of the label an IRI is shown with, if it has a tagged one."""
        chosen = self.choose(self.by_iri.get(iri, {}))
        return chosen[0] or None if chosen else None

    def of(self, iri: str) -> str:
        """The label of an IRI, or a compact form of the IRI itself."""
        return self.pick(self.by_iri.get(iri, {})) or compact(iri, self.base)

    def of_term(self, iri: str) -> str:
        """The label of a property or class, or its local name in words."""
        return self.pick(self.by_iri.get(iri, {})) or words(iri)


def compact(iri: str, base: str) -> str:
    """A prefixed name for an IRI of a known namespace, else the IRI."""
    namespaces = {"iuc": base + "def/iuc#", "id": base + "id/", **{k: str(v) for k, v in PREFIXES.items()}}
    for prefix, ns in sorted(namespaces.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def words(iri: str) -> str:
    """The local name of an IRI in words: 'sameAs' -> 'same as'."""
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    if local in LOCAL_NAMES:
        return LOCAL_NAMES[local]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).lower() or iri


def readable(term: ox.Literal) -> str:
    """A literal as people read it: dates spelled out, booleans as yes or no, numbers without their type."""
    datatype = term.datatype.value
    try:
        if datatype == XSD + "date":
            day = date.fromisoformat(term.value[:10])
            return f"{day.day} {day:%B %Y}"
        if datatype == XSD + "dateTime":
            moment = datetime.fromisoformat(term.value.replace("Z", "+00:00"))
            offset = moment.utcoffset()
            zone = "" if offset is None else " UTC" if not offset else f" UTC{moment:%z}"
            return f"{moment.day} {moment:%B %Y, %H:%M}{zone}"
    except ValueError:  # not a valid lexical form: shown as it is
        return term.value
    if datatype == XSD + "boolean":
        return "yes" if term.value in ("true", "1") else "no"
    return term.value


def value_of(term, labels: Labels, base: str) -> Value:
    """A page value for an RDF term."""
    if isinstance(term, ox.NamedNode):
        return Value(labels.of(term.value), href_of(term.value, base), term.value, labels.language(term.value))
    if isinstance(term, ox.Literal):
        return Value(readable(term), language=term.language)
    return Value(str(term))


def result_value(term, base: str) -> Value | None:
    """A value of a query result table: IRIs in full, literals as written with their language or datatype."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Value(term.value, href_of(term.value, base), term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value.split("#")[-1]
        tag = f"@{term.language}" if term.language else None if datatype == "string" else datatype
        return Value(term.value, language=term.language, tag=tag)
    return Value(str(term))


def shown(triples: list[ox.Triple], base: str) -> list[ox.Triple]:
    """The triples a page shows people: none with a blank node, a SHACL property or a shape."""
    shapes = {
        term_value(t.subject)
        for t in triples
        if t.predicate.value == RDF_TYPE and term_value(t.object).startswith(SHACL)
    }

    def hidden(term) -> bool:
        """Whether a term is a blank node or a shape."""
        return (
            isinstance(term, ox.BlankNode)
            or isinstance(term, ox.NamedNode)
            and (term.value in shapes or term.value.startswith(base + SHAPES_PATH))
        )

    return [t for t in triples if not (hidden(t.subject) or hidden(t.object) or t.predicate.value.startswith(SHACL))]


def page_of(iri: str, triples: list[ox.Triple], languages: list[str], base: str) -> Page:
    """Build the page of a resource from its description (what people see of it: see `shown`)."""
    shape = iri.startswith(base + SHAPES_PATH) or any(
        term_value(t.subject) == iri and t.predicate.value == RDF_TYPE and term_value(t.object).startswith(SHACL)
        for t in triples
    )
    triples = shown(triples, base)
    labels = Labels(triples, languages, base)
    outgoing: dict[str, list] = defaultdict(list)
    incoming: dict[str, list] = defaultdict(list)
    classes: dict[str, set[str]] = defaultdict(set)
    for t in triples:
        if term_value(t.subject) == iri:
            outgoing[t.predicate.value].append(t.object)
        elif isinstance(t.object, ox.NamedNode) and t.object.value == iri:
            incoming[t.predicate.value].append(t.subject)
        if t.predicate.value == RDF_TYPE:
            classes[term_value(t.subject)].add(term_value(t.object))
    iuc = base + "def/iuc#"
    editorial_properties = read_properties(iri, incoming, classes, iuc)

    label = f"SHACL shape {iri.rstrip('/').rsplit('/', 1)[-1]}" if shape else labels.of(iri)
    descriptions = {
        t.object.language or "": t.object.value
        for t in triples
        if term_value(t.subject) == iri and t.predicate.value in DESCRIPTIONS and isinstance(t.object, ox.Literal)
    }
    description = labels.pick(descriptions)
    # the heading and the description are not repeated in the table
    repeated = {**{p: label for p in LABELS}, **{p: description for p in DESCRIPTIONS}}

    def groups(by_predicate: dict[str, list], skip: tuple[str, ...] = ()) -> list[Group]:
        result = []
        for predicate, terms in by_predicate.items():
            if predicate in skip:
                continue
            values = [
                v
                for v in (value_of(term, labels, base) for term in terms)
                if v.href or v.text != repeated.get(predicate)
            ]
            if not values:
                continue
            values.sort(key=lambda v: (v.language not in (None, *languages[:1]), uca(v.text)))
            result.append(
                Group(
                    labels.of_term(predicate),
                    predicate,
                    href_of(predicate, base),
                    values,
                    editorial=predicate in editorial_properties,
                )
            )
        return sorted(result, key=lambda g: uca(g.label))

    quotes = sorted(
        (
            value_of(s, labels, base)
            for s in incoming.get(str(OA.hasBody), [])
            if str(OA.Annotation) in classes[s.value]
        ),
        key=lambda v: uca(v.text),
    )
    referenced_by = groups(incoming, skip=(str(OA.hasBody),))
    for group in referenced_by:
        if len(group.values) > MAX_REFERENCES:
            group.more, group.values = len(group.values) - MAX_REFERENCES, group.values[:MAX_REFERENCES]
            group.more_query = (
                f"SELECT ?resource ?label WHERE {{ ?resource <{group.iri}> <{iri}> "
                f"OPTIONAL {{ ?resource <{LABELS[0]}> ?label }} }} ORDER BY ?label"
            )

    types: dict[str, Value] = {}
    for o in outgoing.get(RDF_TYPE, []):
        if isinstance(o, ox.NamedNode):
            name = labels.of_term(o.value)
            name = name[:1].upper() + name[1:]
            types.setdefault(name, Value(name, href_of(o.value, base), o.value, labels.language(o.value)))
    coordinates = coordinates_of(outgoing)
    return Page(
        iri=iri,
        label=label,
        types=sorted(types.values(), key=lambda v: uca(v.text)),
        description=description,
        properties=groups(outgoing, skip=(RDF_TYPE, EDITORIAL_NOTE, *PARTITIONS)),
        referenced_by=referenced_by,
        coordinates=coordinates,
        schema_jsonld=schema_jsonld(iri, label, description, outgoing, coordinates),
        quotes=quotes,
        editorial=any(iuc + name in classes[iri] for name in EDITORIAL_CLASSES),
        noted=bool(outgoing.get(EDITORIAL_NOTE)),
        language=labels.language(iri) or "en",
        classes=classes[iri],
        shape=shape,
    )


def read_properties(iri: str, incoming: dict[str, list], classes: dict[str, set[str]], iuc: str) -> set[str]:
    """The properties of a resource whose values are the curators' reading: those of the editorial readings
    {iri}/reading/{property} that link to it."""
    prefix = iri + READING_PATH
    return {
        iuc + s.value[len(prefix) :]
        for subjects in incoming.values()
        for s in subjects
        if s.value.startswith(prefix) and iuc + "EditorialReading" in classes[s.value]
    }


def coordinates_of(outgoing: dict[str, list]) -> tuple[float, float] | None:
    """WGS84 latitude and longitude of a resource, if it has them."""
    lat, long = outgoing.get(str(GEO.lat)), outgoing.get(str(GEO.long))
    if not lat or not long:
        return None
    try:
        return float(lat[0].value), float(long[0].value)
    except ValueError:
        return None


def schema_jsonld(
    iri: str, label: str, description: str | None, outgoing: dict[str, list], coordinates: tuple[float, float] | None
) -> str:
    """schema.org JSON-LD of a resource, for search engines; safe to embed in a script tag."""
    local_types = [t.value.rsplit("#", 1)[-1] for t in outgoing.get(RDF_TYPE, [])]
    schema_type = next((SCHEMA_TYPES[t] for t in local_types if t in SCHEMA_TYPES), "Thing")
    doc: dict = {"@context": str(SCHEMA).rstrip("/"), "@type": schema_type, "@id": iri, "name": label}
    if description:
        doc["description"] = description
    same = sorted(o.value for p in SAME_AS for o in outgoing.get(p, []) if isinstance(o, ox.NamedNode))
    if same:
        doc["sameAs"] = same
    if coordinates:
        doc["geo"] = {"@type": "GeoCoordinates", "latitude": coordinates[0], "longitude": coordinates[1]}
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
