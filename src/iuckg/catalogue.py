"""The dataset description (VoID and DCAT-AP 3): computed from the built graphs, never typed.

The catalogue graph describes the knowledge graph (the data, ontology and SDG graphs,
exactly what the dumps iuckg.ttl, iuckg.nt.gz and iuckg.jsonld hold): its counts and
partitions, its linksets to other datasets, and a DCAT-AP catalogue with the dataset, one
distribution per dump and the SPARQL endpoint as a data service.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, VOID, XSD
from rdflib.term import Node

from .layout import DUMP_PATH, GRAPH_DUMPS, PART_DUMPS
from .namespaces import EU_COUNTRY, GRAPH_NAMES, IANA, Minter, catalogue_iri, dataset_iri, service_iri
from .settings import Settings

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"

TITLE = "IUC knowledge graph"
DESCRIPTION = (
    "City-to-city and region-to-region pairings of the EU International Urban Cooperation "
    "programme (2017-2020), their members, thematic streams, actions, stakeholders and case studies, "
    "aligned to the UN Sustainable Development Goals and the Urban Agenda for the EU.")
PUBLISHER = "IUC knowledge graph maintainers"
PROVENANCE = ("Curated from the IUC best-practice brochure of the IUC Coordination Unit into CSV files, "
              "converted to RDF and checked against SHACL shapes by the iuckg build; SDG and Urban Agenda "
              "alignments are derived by an editorial mapping.")
RIGHTS = ("Published under CC BY 4.0. The facts come from the IUC best-practice brochure, whose "
          "reproduction is authorised provided the source is acknowledged.")
KEYWORDS = ("international urban cooperation", "city-to-city cooperation", "region-to-region cooperation",
            "Sustainable Development Goals", "Urban Agenda for the EU", "linked data")
# The day the dataset was first published.
ISSUED = date(2026, 11, 29)


@dataclass(frozen=True)
class Code:
    """A code of a controlled vocabulary, with the class DCAT-AP expects of it and a label."""

    iri: URIRef
    kind: URIRef
    label: str


def eu(table: str, code: str, kind: URIRef, label: str) -> Code:
    """A code of an EU Publications Office authority table."""
    return Code(URIRef(f"{EU}{table}/{code}" if code else f"{EU}{table}"), kind, label)


def iana(media_type: str) -> Code:
    """A media type of the IANA registry."""
    return Code(URIRef(IANA + media_type), DCTERMS.MediaType, media_type)


# Every code of a controlled vocabulary the description uses. EU codes come from the authority
# tables of the EU Publications Office (EU Vocabularies: http://publications.europa.eu/resource/
# authority/{table}/{code}); the labels of the data themes and of their scheme are the table's
# English labels, the other labels are ours. Media types come from the IANA media-types registry.
AUTHORITIES: dict[str, Code] = {
    "data-theme": eu("data-theme", "", SKOS.ConceptScheme, "Data theme Named Authority List"),
    "REGI": eu("data-theme", "REGI", SKOS.Concept, "Regions and cities"),
    "INTR": eu("data-theme", "INTR", SKOS.Concept, "International issues"),
    "ENVI": eu("data-theme", "ENVI", SKOS.Concept, "Environment"),
    "CC_BY_4_0": eu("licence", "CC_BY_4_0", DCTERMS.LicenseDocument,
                    "Creative Commons Attribution 4.0 International"),
    "PUBLIC": eu("access-right", "PUBLIC", DCTERMS.RightsStatement, "Public access"),
    "IRREG": eu("frequency", "IRREG", DCTERMS.Frequency, "Irregular updates"),
    "ENG": eu("language", "ENG", DCTERMS.LinguisticSystem, "English"),
    "FRA": eu("language", "FRA", DCTERMS.LinguisticSystem, "French"),
    "SPA": eu("language", "SPA", DCTERMS.LinguisticSystem, "Spanish"),
    "RDF_TURTLE": eu("file-type", "RDF_TURTLE", DCTERMS.MediaTypeOrExtent, "Turtle"),
    "RDF_N_TRIPLES": eu("file-type", "RDF_N_TRIPLES", DCTERMS.MediaTypeOrExtent, "N-Triples"),
    "JSON_LD": eu("file-type", "JSON_LD", DCTERMS.MediaTypeOrExtent, "JSON-LD"),
    "text/turtle": iana("text/turtle"),
    "application/n-triples": iana("application/n-triples"),
    "application/ld+json": iana("application/ld+json"),
    "application/gzip": iana("application/gzip"),
}
THEMES = ("REGI", "INTR", "ENVI")
# The EU language code of each language tag the graph's literals may carry.
LANGUAGES = {"en": "ENG", "fr": "FRA", "es": "SPA"}
# The licence as Creative Commons publishes it (schema.org readers want this URL).
LICENCE_DEED = URIRef("https://creativecommons.org/licenses/by/4.0/")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")


@dataclass(frozen=True)
class Distribution:
    """A dump of the knowledge graph described as a DCAT distribution."""

    key: str
    filename: str
    title: str
    file_type: str
    media_type: str
    compression: str | None = None


DISTRIBUTIONS = (
    Distribution("turtle", "iuckg.ttl", "The knowledge graph in Turtle", "RDF_TURTLE", "text/turtle"),
    Distribution("ntriples-gzip", "iuckg.nt.gz", "The knowledge graph in N-Triples, gzip-compressed",
                 "RDF_N_TRIPLES", "application/n-triples", "application/gzip"),
    Distribution("jsonld", "iuckg.jsonld", "The knowledge graph in JSON-LD", "JSON_LD", "application/ld+json"),
)


@dataclass(frozen=True)
class Target:
    """A dataset the data links to: its IRIs start with uri_space."""

    key: str
    title: str
    uri_space: str


# The datasets links may point to. One void:Linkset is described per (target, predicate)
# pair the data graph has; a target the data does not link to gets none.
TARGETS = (
    Target("geonames", "GeoNames", "https://sws.geonames.org/"),
    Target("un-sdg", "UN SDG knowledge organisation system", "http://metadata.un.org/sdg/"),
    Target("eu-authority-tables", "EU Publications Office authority tables", EU),
    Target("eurovoc", "EuroVoc", "http://eurovoc.europa.eu/"),
    Target("wikidata", "Wikidata", "http://www.wikidata.org/entity/"),
)


def dump_url(base: str, filename: str) -> URIRef:
    """Where a dump file is downloaded."""
    return URIRef(base + DUMP_PATH + filename)


def integer(n: int) -> Literal:
    """An xsd:integer literal."""
    return Literal(n, datatype=XSD.integer)


def en(text: str) -> Literal:
    """An English literal."""
    return Literal(text, lang="en")


def add(g: Graph, subject: URIRef, *pairs) -> None:
    """Add (predicate, object) pairs about a subject."""
    for predicate, obj in zip(pairs[::2], pairs[1::2], strict=True):
        g.add((subject, predicate, obj))


def describe(graphs: dict[str, Graph], knowledge: Graph, settings: Settings, dump_sizes: Mapping[str, int]) -> Graph:
    """The catalogue graph: VoID and DCAT-AP descriptions of the knowledge graph (the union of
    the data, ontology and SDG graphs: what the dumps hold).

    dump_sizes gives the byte size of the file of each of DISTRIBUTIONS.
    """
    minter = Minter(settings.base)
    g = Graph()
    describe_void(g, graphs, knowledge, minter)
    describe_dcat(g, graphs, knowledge, settings, dump_sizes)
    return g


# --- VoID ------------------------------------------------------------------------------------------


def describe_void(g: Graph, graphs: dict[str, Graph], knowledge: Graph, minter: Minter) -> None:
    """VoID: counts, partitions, subsets, dumps, vocabularies and linksets of the knowledge graph."""
    ds = dataset_iri(minter)
    subjects = {s for s in knowledge.subjects() if isinstance(s, URIRef)}
    add(g, ds, RDF.type, VOID.Dataset,
        RDFS.label, en(TITLE),
        VOID.uriSpace, Literal(minter.base),
        VOID.sparqlEndpoint, URIRef(minter.base + "sparql"),
        VOID.rootResource, minter.id("programme", "iuc"),
        VOID.triples, integer(len(knowledge)),
        VOID.entities, integer(len(subjects)),
        VOID.distinctSubjects, integer(len(subjects)),
        VOID.classes, integer(len(set(knowledge.objects(None, RDF.type)))),
        VOID.properties, integer(len(set(knowledge.predicates()))))
    for filename in GRAPH_DUMPS:
        add(g, ds, VOID.dataDump, dump_url(minter.base, filename))
    used = {str(p) for p in knowledge.predicates()} | {str(o) for o in knowledge.objects(None, RDF.type)}
    for ns in sorted({str(ns) for ns in minter.prefixes().values()}):
        if any(term.startswith(ns) for term in used):
            add(g, ds, VOID.vocabulary, URIRef(ns))
    describe_partitions(g, knowledge, minter)
    describe_subsets(g, graphs, minter)
    describe_linksets(g, graphs["data"], minter)


def prefixed(iri: str, minter: Minter) -> str | None:
    """The prefixed name of an IRI ('iuc:City'), or None when no known prefix gives a plain local name."""
    for prefix, ns in sorted(minter.prefixes().items(), key=lambda kv: -len(str(kv[1]))):
        local = iri[len(str(ns)):]
        if iri.startswith(str(ns)) and local.replace("-", "").replace("_", "").isalnum():
            return f"{prefix}:{local}"
    return None


def slug(iri: str, minter: Minter) -> str:
    """A path segment naming a class or property: its prefixed name ('iuc-City'), or a hash of the IRI."""
    name = prefixed(iri, minter)
    return name.replace(":", "-") if name else "iri-" + hashlib.sha256(iri.encode()).hexdigest()[:16]


def describe_partitions(g: Graph, knowledge: Graph, minter: Minter) -> None:
    """A class partition per class (its entities) and a property partition per property (its triples)."""
    ds = dataset_iri(minter)
    members: dict[Node, set] = {}
    for s, cls in knowledge.subject_objects(RDF.type):
        members.setdefault(cls, set()).update([s] if isinstance(s, URIRef) else [])
    for cls, entities in members.items():
        partition = minter.id("dataset", "iuckg", "class", slug(str(cls), minter))
        add(g, ds, VOID.classPartition, partition)
        add(g, partition, RDF.type, VOID.Dataset,
            RDFS.label, en(f"Resources of class {prefixed(str(cls), minter) or cls}"),
            VOID["class"], cls,
            VOID.entities, integer(len(entities)))
    for prop, n in Counter(knowledge.predicates()).items():
        partition = minter.id("dataset", "iuckg", "property", slug(str(prop), minter))
        add(g, ds, VOID.propertyPartition, partition)
        add(g, partition, RDF.type, VOID.Dataset,
            RDFS.label, en(f"Triples of property {prefixed(str(prop), minter) or prop}"),
            VOID.property, prop,
            VOID.triples, integer(n))


def describe_subsets(g: Graph, graphs: dict[str, Graph], minter: Minter) -> None:
    """The named graphs of the build as subsets of the dataset, with their dumps."""
    for name in GRAPH_NAMES:
        subset = minter.graph(name)
        add(g, dataset_iri(minter), VOID.subset, subset)
        add(g, subset, RDF.type, VOID.Dataset, RDFS.label, en(f"{name} graph of the IUC knowledge graph"))
        if name in graphs:  # the catalogue graph cannot count itself
            add(g, subset, VOID.triples, integer(len(graphs[name])))
        if name in PART_DUMPS:
            add(g, subset, VOID.dataDump, dump_url(minter.base, PART_DUMPS[name]))


def link_counts(data: Graph) -> dict[tuple[Target, URIRef], int]:
    """How many triples of the data link to each target dataset, by (target, predicate)."""
    counts: Counter = Counter()
    for _, p, o in data:
        for target in TARGETS:
            if isinstance(o, URIRef) and str(o).startswith(target.uri_space):
                counts[(target, p)] += 1
    return dict(counts)


def describe_linksets(g: Graph, data: Graph, minter: Minter) -> None:
    """One void:Linkset per (target dataset, link predicate) pair the data graph has."""
    for (target, predicate), n in sorted(link_counts(data).items(), key=lambda kv: (kv[0][0].key, kv[0][1])):
        target_ds = minter.id("dataset", target.key)
        add(g, target_ds, RDF.type, VOID.Dataset, DCTERMS.title, en(target.title),
            VOID.uriSpace, Literal(target.uri_space))
        linkset = minter.id("dataset", "iuckg", "links", f"{target.key}--{slug(str(predicate), minter)}")
        add(g, dataset_iri(minter), VOID.subset, linkset)
        add(g, linkset, RDF.type, VOID.Linkset,
            RDFS.label, en(f"Links to {target.title} by {prefixed(str(predicate), minter) or predicate}"),
            VOID.subjectsTarget, minter.graph("data"),
            VOID.objectsTarget, target_ds,
            VOID.linkPredicate, predicate,
            VOID.triples, integer(n))


# --- DCAT-AP ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """What every part of the DCAT-AP record shares: the graph, the minter, dates and languages."""

    g: Graph
    minter: Minter
    dates: tuple[tuple[URIRef, Literal], ...]
    languages: tuple[URIRef, ...]

    @property
    def base(self) -> str:
        """The base IRI."""
        return self.minter.base

    @property
    def dataset(self) -> URIRef:
        """The dataset's IRI."""
        return dataset_iri(self.minter)

    @property
    def publisher(self) -> URIRef:
        """The agent that publishes the dataset."""
        return self.minter.id("agent", "iuckg")

    @property
    def contact(self) -> URIRef:
        """The contact point of the dataset and of its service."""
        return self.minter.id("agent", "iuckg", "contact")

    def node(self, *path: str) -> URIRef:
        """An IRI minted for the record, under the dataset's IRI."""
        return self.minter.id("dataset", "iuckg", *path)

    def terms_of_use(self) -> tuple:
        """Who publishes and answers for the dataset and its service, under which licence and access rights:
        (predicate, object) pairs flattened, as `add` takes them."""
        return (DCTERMS.publisher, self.publisher,
                DCAT.contactPoint, self.contact,
                DCTERMS.license, AUTHORITIES["CC_BY_4_0"].iri,
                DCTERMS.accessRights, AUTHORITIES["PUBLIC"].iri)

    def add_common(self, subject: URIRef) -> None:
        """Add the issued and modified dates and the languages to a subject."""
        for predicate, obj in self.dates:
            self.g.add((subject, predicate, obj))
        for language in self.languages:
            self.g.add((subject, DCTERMS.language, language))


def modified(settings: Settings) -> date:
    """When the inputs last changed: $SOURCE_DATE_EPOCH if set, else the newest input file."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    folders = (settings.data_dir, settings.ontology_dir, settings.shapes_dir, settings.vocab_dir)
    newest = max(p.stat().st_mtime for folder in folders for p in Path(folder).glob("*") if p.is_file())
    return datetime.fromtimestamp(newest, tz=UTC).date()


def add_code(g: Graph, code: Code) -> URIRef:
    """Describe a code with the class DCAT-AP expects and its label; return its IRI."""
    g.add((code.iri, RDF.type, code.kind))
    if code.kind == SKOS.Concept:
        add(g, code.iri, SKOS.prefLabel, en(code.label), SKOS.inScheme, AUTHORITIES["data-theme"].iri)
    elif code.kind == SKOS.ConceptScheme:
        add(g, code.iri, DCTERMS.title, en(code.label))
    else:
        add(g, code.iri, RDFS.label, en(code.label))
    return code.iri


def english_label(graph: Graph, subject: Node, predicate: URIRef = RDFS.label) -> str:
    """The English label of a resource."""
    labels = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    return next(str(o) for o in sorted(labels) if o.language == "en")


def countries(data: Graph) -> dict[URIRef, str]:
    """The EU authority IRIs of the countries the data has, with the data's English name of each."""
    # skos:exactMatch links a country to an IRI
    return {cast(URIRef, match): english_label(data, country)
            for country, match in data.subject_objects(SKOS.exactMatch) if str(match).startswith(str(EU_COUNTRY))}


def coverage(data: Graph, minter: Minter) -> tuple[date, date]:
    """The first and last day of the programme the data is about (its start and end years)."""
    programme = minter.id("programme", "iuc")
    start = int(str(data.value(programme, minter.iuc.startYear)))
    end = int(str(data.value(programme, minter.iuc.endYear)))
    return date(start, 1, 1), date(end, 12, 31)


def languages(knowledge: Graph) -> list[str]:
    """The EU language codes of the language tags the knowledge graph's literals carry."""
    tags = {o.language.split("-")[0] for o in knowledge.objects() if isinstance(o, Literal) and o.language}
    return sorted(LANGUAGES[tag] for tag in tags if tag in LANGUAGES)


def describe_dcat(g: Graph, graphs: dict[str, Graph], knowledge: Graph, settings: Settings,
                  dump_sizes: Mapping[str, int]) -> None:
    """DCAT-AP 3: the catalogue, the dataset, its distributions and the SPARQL data service."""
    codes = languages(knowledge)
    record = Record(g, Minter(settings.base),
                    ((DCTERMS.issued, Literal(ISSUED, datatype=XSD.date)),
                     (DCTERMS.modified, Literal(modified(settings), datatype=XSD.date))),
                    tuple(AUTHORITIES[code].iri for code in codes))
    for code in ("PUBLIC", "IRREG", "data-theme", *THEMES, *codes):
        add_code(g, AUTHORITIES[code])
    describe_agents(record)
    describe_catalogue(record)
    describe_dataset(record, graphs["data"])
    describe_distributions(record, dump_sizes)
    describe_service(record)


def describe_agents(record: Record) -> None:
    """The publisher, the contact point, the licence and the rights the record refers to."""
    landing = URIRef(record.base)
    add(record.g, landing, RDF.type, FOAF.Document, RDFS.label, en(f"{TITLE}: landing page"))
    add(record.g, record.publisher, RDF.type, FOAF.Agent, FOAF.name, en(PUBLISHER), FOAF.homepage, landing)
    add(record.g, record.contact, RDF.type, VCARD.Kind, VCARD.fn, en(PUBLISHER), VCARD.hasURL, landing)
    add(record.g, record.node("rights"), RDF.type, DCTERMS.RightsStatement, RDFS.label, en(RIGHTS))
    add(record.g, add_code(record.g, AUTHORITIES["CC_BY_4_0"]), RDFS.seeAlso, LICENCE_DEED)


def describe_catalogue(record: Record) -> None:
    """The catalogue: its one dataset and one data service."""
    catalogue = catalogue_iri(record.base)
    add(record.g, catalogue, RDF.type, DCAT.Catalog,
        DCTERMS.title, en(f"{TITLE} catalogue"),
        DCTERMS.description, en(f"The DCAT-AP catalogue of the {TITLE}: the dataset, its dumps and its "
                                "SPARQL endpoint."),
        DCTERMS.publisher, record.publisher,
        FOAF.homepage, URIRef(record.base),
        DCTERMS.license, AUTHORITIES["CC_BY_4_0"].iri,
        DCAT.themeTaxonomy, AUTHORITIES["data-theme"].iri,
        DCAT.dataset, record.dataset,
        DCAT.service, service_iri(record.base))
    record.add_common(catalogue)


def describe_dataset(record: Record, data: Graph) -> None:
    """The dataset: what it is about, where and when, who publishes it, under which terms."""
    g, ds = record.g, record.dataset
    add(g, ds, RDF.type, DCAT.Dataset,
        DCTERMS.title, en(TITLE),
        DCTERMS.description, en(DESCRIPTION),
        DCTERMS.identifier, Literal(str(ds)),
        DCAT.landingPage, URIRef(record.base),
        *record.terms_of_use(),
        DCTERMS.creator, record.publisher,
        DCTERMS.accrualPeriodicity, AUTHORITIES["IRREG"].iri,
        PROV.wasDerivedFrom, record.minter.id("source", "iuc-brochure"),
        DCTERMS.provenance, record.node("provenance"),
        DCTERMS.temporal, record.node("temporal-coverage"))
    record.add_common(ds)
    add(g, record.node("provenance"), RDF.type, DCTERMS.ProvenanceStatement, RDFS.label, en(PROVENANCE))
    for theme in THEMES:
        add(g, ds, DCAT.theme, AUTHORITIES[theme].iri)
    streams = {english_label(data, s, SKOS.prefLabel)
               for s in data.subjects(RDF.type, record.minter.iuc.ThematicStream)}
    for keyword in sorted({*KEYWORDS, *streams}):
        add(g, ds, DCAT.keyword, en(keyword))
    for place, label in countries(data).items():
        add(g, ds, DCTERMS.spatial, place)
        add(g, place, RDF.type, DCTERMS.Location, SKOS.prefLabel, en(label))
    start, end = coverage(data, record.minter)
    add(g, record.node("temporal-coverage"), RDF.type, DCTERMS.PeriodOfTime,
        DCAT.startDate, Literal(start, datatype=XSD.date),
        DCAT.endDate, Literal(end, datatype=XSD.date))
    for standard, title in ((record.minter.ontology, "IUC ontology"),
                            (record.minter.graph("shapes"), "IUC SHACL shapes")):
        add(g, ds, DCTERMS.conformsTo, standard)
        add(g, standard, RDF.type, DCTERMS.Standard, DCTERMS.title, en(title))


def describe_distributions(record: Record, dump_sizes: Mapping[str, int]) -> None:
    """One distribution per dump of the knowledge graph, with its format, media type and size."""
    for dist in DISTRIBUTIONS:
        node = record.node("distribution", dist.key)
        url = dump_url(record.base, dist.filename)
        add(record.g, record.dataset, DCAT.distribution, node)
        add(record.g, node, RDF.type, DCAT.Distribution,
            DCTERMS.title, en(dist.title),
            DCTERMS.description, en(f"{dist.title}: the data, ontology and SDG vocabulary graphs in one file "
                                    f"({dist.filename})."),
            DCAT.accessURL, url,
            DCAT.downloadURL, url,
            DCTERMS.format, add_code(record.g, AUTHORITIES[dist.file_type]),
            DCAT.mediaType, add_code(record.g, AUTHORITIES[dist.media_type]),
            DCAT.byteSize, Literal(dump_sizes[dist.filename], datatype=XSD.nonNegativeInteger),
            DCTERMS.license, AUTHORITIES["CC_BY_4_0"].iri,
            DCTERMS.rights, record.node("rights"))
        if dist.compression:
            add(record.g, node, DCAT.compressFormat, add_code(record.g, AUTHORITIES[dist.compression]))
        record.add_common(node)


def describe_service(record: Record) -> None:
    """The SPARQL endpoint as a DCAT data service serving the dataset."""
    service, endpoint = service_iri(record.base), URIRef(record.base + "sparql")
    add(record.g, service, RDF.type, DCAT.DataService,
        DCTERMS.title, en(f"{TITLE} SPARQL endpoint"),
        DCTERMS.description, en("A read-only SPARQL 1.1 endpoint over every named graph of the dataset; "
                                "without a query it answers its service description."),
        DCAT.endpointURL, endpoint,
        DCAT.endpointDescription, endpoint,
        DCAT.servesDataset, record.dataset,
        DCTERMS.conformsTo, SPARQL_PROTOCOL,
        *record.terms_of_use())
    add(record.g, SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard, DCTERMS.title, en("SPARQL 1.1 Protocol"))
    for theme in THEMES:
        add(record.g, service, DCAT.theme, AUTHORITIES[theme].iri)
