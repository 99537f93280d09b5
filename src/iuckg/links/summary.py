"""The links of a graph, counted per target dataset and predicate (the build's summary.json reports them)."""

from __future__ import annotations

from collections import defaultdict

from rdflib import Graph
from rdflib.namespace import RDF, SKOS
from rdflib.term import Node

from .. import catalogue
from ..convert import MEMBER_CLASSES
from ..namespaces import GEO, Minter


def short(iri: Node, minter: Minter) -> str:
    """A prefixed name for an IRI where there is one."""
    return catalogue.prefixed(str(iri), minter) or f"<{iri}>"


def link_summary(data: Graph, minter: Minter) -> dict[str, dict]:
    """The links of a data graph per target dataset and predicate (as the VoID linksets count them),
    and the members without a GeoNames feature or coordinates with the curators' reasons (their notes)."""
    links: dict[str, dict[str, int]] = defaultdict(dict)
    for (target, predicate), n in sorted(catalogue.link_counts(data).items(), key=lambda kv: (kv[0][0].key, kv[0][1])):
        links[target.key][short(predicate, minter)] = n
    prefix = str(minter.id("member", ""))
    members = {s for cls in MEMBER_CLASSES.values() for s in data.subjects(RDF.type, minter.iuc[cls])}
    missing = {
        str(s)[len(prefix) :]: " ".join(sorted(str(note) for note in data.objects(s, SKOS.editorialNote)))
        for s in members
        if (s, GEO.lat, None) not in data
    }
    return {"links": dict(links), "unresolved": dict(sorted(missing.items()))}
