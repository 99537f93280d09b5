"""The dataset description (VoID): computed from the built graphs, never typed."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from .layout import GRAPH_DUMPS
from .namespaces import GRAPH_NAMES, Minter
from .settings import Settings

LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")


def dataset_iri(minter: Minter) -> URIRef:
    """The IRI of the iuckg dataset."""
    return minter.id("dataset", "iuckg")


def describe(graphs: dict[str, Graph], settings: Settings) -> Graph:
    """A VoID description of the knowledge graph (data, ontology and SDG graphs) and its named graphs."""
    minter = Minter(settings.base)
    knowledge = graphs["data"] + graphs["ontology"] + graphs["sdg"]
    ds = dataset_iri(minter)
    g = Graph()
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDFS.label, Literal("IUC knowledge graph", lang="en")))
    g.add((ds, DCTERMS.title, Literal("IUC knowledge graph", lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "City-to-city and region-to-region pairings of the EU International Urban Cooperation "
        "programme, their members, themes, actions and case studies, aligned to the UN SDGs "
        "and the Urban Agenda for the EU.", lang="en")))
    g.add((ds, DCTERMS.license, LICENCE))
    g.add((ds, DCTERMS.source, minter.id("source", "iuc-brochure")))
    g.add((ds, VOID.uriSpace, Literal(settings.base)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(settings.base + "sparql")))
    g.add((ds, VOID.rootResource, minter.id("programme", "iuc")))
    for filename in GRAPH_DUMPS:
        g.add((ds, VOID.dataDump, URIRef(settings.base + "dump/" + filename)))
    g.add((ds, VOID.triples, Literal(len(knowledge), datatype=XSD.integer)))
    subjects = {s for s in knowledge.subjects() if isinstance(s, URIRef)}
    g.add((ds, VOID.entities, Literal(len(subjects), datatype=XSD.integer)))
    g.add((ds, VOID.distinctSubjects, Literal(len(subjects), datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(set(knowledge.objects(None, RDF.type))), datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(len(set(knowledge.predicates())), datatype=XSD.integer)))
    for name in GRAPH_NAMES:
        subset = minter.graph(name)
        g.add((ds, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, RDFS.label, Literal(f"{name} graph of the IUC knowledge graph", lang="en")))
        if name in graphs:  # the catalogue graph cannot count itself
            g.add((subset, VOID.triples, Literal(len(graphs[name]), datatype=XSD.integer)))
    namespaces = {str(ns) for ns in minter.prefixes().values()}
    used = {str(p) for p in knowledge.predicates()} | {str(o) for o in knowledge.objects(None, RDF.type)}
    for ns in sorted(namespaces):
        if any(term.startswith(ns) for term in used):
            g.add((ds, VOID.vocabulary, URIRef(ns)))
    return g
