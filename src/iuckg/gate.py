"""The SHACL gate: pyshacl validation of the knowledge graph against shapes/."""

from __future__ import annotations

from dataclasses import dataclass

import pyshacl
from rdflib import Graph


@dataclass(frozen=True)
class Report:
    """The outcome of a validation: whether it conforms, the report graph and its text."""

    conforms: bool
    graph: Graph
    text: str


def validate(data: Graph, shapes: Graph) -> Report:
    """Validate a data graph (with its ontology) against a shapes graph (neither is changed)."""
    shapes_copy = Graph()
    shapes_copy += shapes  # pyshacl adds triples to the shapes graph it is given
    conforms, graph, text = pyshacl.validate(
        data, shacl_graph=shapes_copy, inference="none", advanced=True, allow_warnings=False)
    return Report(bool(conforms), graph, text)
