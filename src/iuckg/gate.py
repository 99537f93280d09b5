"""The SHACL gate: pyshacl validation of the knowledge graph against shapes/.

pyshacl validates the property shapes of a node shape one focus node at a time, setting
each up again for every node (about 0.3 ms each: most of the gate's time at scale). The
gate gives every property shape of a targeted node shape that node shape's targets
instead, so pyshacl validates it once over all its focus nodes: the same constraints on
the same nodes. Node shapes reached through sh:node, sh:not, sh:and, sh:or, sh:xone or
sh:qualifiedValueShape keep their property shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyshacl
from rdflib import Graph
from rdflib.collection import Collection
from rdflib.namespace import SH

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
NESTING = (SH.node, SH.qualifiedValueShape, SH["not"])
NESTING_LISTS = (SH["and"], SH["or"], SH.xone)


@dataclass(frozen=True)
class Report:
    """The outcome of a validation: whether it conforms, the report graph and its text."""

    conforms: bool
    graph: Graph
    text: str


def targeted_properties(shapes: Graph) -> Graph:
    """A copy of the shapes whose targeted node shapes hand their targets to their property shapes."""
    out = Graph()
    out += shapes
    nested = {shape for p in NESTING for shape in out.objects(None, p)}
    nested |= {shape for p in NESTING_LISTS for members in out.objects(None, p) for shape in Collection(out, members)}
    for node_shape in {s for p in TARGETS for s in out.subjects(p, None)} - nested:
        targets = [(p, target) for p in TARGETS for target in out.objects(node_shape, p)]
        for property_shape in list(out.objects(node_shape, SH.property)):
            for p, target in targets:
                out.add((property_shape, p, target))
            out.remove((node_shape, SH.property, property_shape))
    return out


def validate(data: Graph, shapes: Graph) -> Report:
    """Validate a data graph (with its ontology) against a shapes graph (neither is changed).

    The shapes are copied (pyshacl adds triples to the shapes graph it is given); the data
    graph is read in place, as no inference runs and the shapes have no rules.
    """
    conforms, graph, text = pyshacl.validate(
        data,
        shacl_graph=targeted_properties(shapes),
        inference="none",
        advanced=True,
        allow_warnings=False,
        inplace=True,
    )
    return Report(bool(conforms), graph, text)
