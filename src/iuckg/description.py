"""What a resource's document holds, and two ways a store answers it.

A resource's description is its outgoing and incoming triples, the labels (rdfs:label,
skos:prefLabel, dcterms:title, literals only) of the resources it links to and is linked from,
the types of the resources linking to it, and the rdfs:label of every predicate involved.
`DESCRIBE_RESOURCE` says this in SPARQL, for any store. On an Oxigraph store
`PatternDescriber` gives the same triples from direct index lookups: a SPARQL text costs
Oxigraph about 0.1 ms to parse and plan before it reads anything, and its OPTIONALs cost
more, where a lookup of one pattern costs some microseconds. The labels of linked resources
(countries, themes, goals, linked by thousands of resources) are remembered, a bounded number
of them: a served store does not change.
"""

from __future__ import annotations

import functools

import pyoxigraph as ox

LABEL_PREDICATES = """
VALUES ?labelProperty { rdfs:label skos:prefLabel dcterms:title }
"""

DESCRIBE_RESOURCE = (
    """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
CONSTRUCT {
  ?this ?p ?o . ?o ?labelProperty ?oLabel .
  ?s ?q ?this . ?s ?labelProperty ?sLabel . ?s a ?sType .
  ?p rdfs:label ?pLabel . ?q rdfs:label ?qLabel .
}
WHERE {
  {
    ?this ?p ?o .
    OPTIONAL { """
    + LABEL_PREDICATES
    + """ ?o ?labelProperty ?oLabel . FILTER (isLiteral(?oLabel)) }
    OPTIONAL { ?p rdfs:label ?pLabel }
  } UNION {
    ?s ?q ?this .
    OPTIONAL { """
    + LABEL_PREDICATES
    + """ ?s ?labelProperty ?sLabel . FILTER (isLiteral(?sLabel)) }
    OPTIONAL { ?s a ?sType }
    OPTIONAL { ?q rdfs:label ?qLabel }
  }
}
"""
)

RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
LABELS = (
    RDFS_LABEL,
    ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
    ox.NamedNode("http://purl.org/dc/terms/title"),
)
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# Labels of this many linked resources are remembered (a few hundred bytes each).
REMEMBERED = 16_384


class PatternDescriber:
    """The description of a resource of an Oxigraph store (the union of its graphs), by pattern lookups."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.labels = functools.lru_cache(maxsize=REMEMBERED)(self._labels)
        self.predicate_labels = functools.lru_cache(maxsize=REMEMBERED)(self._predicate_labels)

    def triples(self, subject, predicate, object_) -> list[ox.Triple]:
        """The triples of every graph matching a pattern (None matches anything)."""
        return [quad.triple for quad in self.store.quads_for_pattern(subject, predicate, object_)]

    def _labels(self, node) -> tuple[ox.Triple, ...]:
        """The literal labels of a resource."""
        return tuple(t for p in LABELS for t in self.triples(node, p, None) if isinstance(t.object, ox.Literal))

    def _predicate_labels(self, predicate: ox.NamedNode) -> tuple[ox.Triple, ...]:
        """The rdfs:label triples of a predicate."""
        return tuple(self.triples(predicate, RDFS_LABEL, None))

    def __call__(self, this: ox.NamedNode) -> set[ox.Triple]:
        """The triples DESCRIBE_RESOURCE constructs for `this`."""
        found: set[ox.Triple] = set()
        for triple in self.triples(this, None, None):
            found.add(triple)
            found.update(self.predicate_labels(triple.predicate))
            if not isinstance(triple.object, ox.Literal):
                found.update(self.labels(triple.object))
        for triple in self.triples(None, None, this):
            found.add(triple)
            found.update(self.predicate_labels(triple.predicate))
            found.update(self.labels(triple.subject))
            found.update(self.triples(triple.subject, RDF_TYPE, None))
        return found
