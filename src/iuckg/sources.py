"""The repository's RDF sources (ontology/, vocab/, shapes/): Turtle files parsed with stable blank nodes.

The build, the links check and `iuckg validate` read them the same way: relative IRIs resolved
against the base, blank nodes labelled canonically per file.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph


def parse_source(path: Path, base: str) -> Graph:
    """Parse a Turtle file of the repository, resolving relative IRIs against the base."""
    graph = Graph()
    graph.parse(path, format="turtle", publicID=base)
    return stable_bnodes(graph, path.stem) if has_bnodes(graph) else graph


def stable_bnodes(graph: Graph, scope: str) -> Graph:
    """The graph with blank nodes labelled canonically, prefixed by a scope unique to its file.

    Parsers label blank nodes at random; canonical labels make the output
    deterministic, and the scope keeps blank nodes of different files apart
    when graphs are merged.
    """
    canonical = to_canonical_graph(graph)
    rename = lambda term: BNode(f"{scope}-{term}") if isinstance(term, BNode) else term  # noqa: E731
    out = Graph()
    for s, p, o in canonical:
        out.add((rename(s), p, rename(o)))
    return out


def has_bnodes(graph: Graph) -> bool:
    """Whether a graph has blank nodes (whose labels a parser picks at random)."""
    return any(isinstance(s, BNode) or isinstance(o, BNode) for s, _, o in graph)


def parse_all(folder: Path, base: str) -> Graph:
    """Parse and merge every Turtle file of a folder."""
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph += parse_source(path, base)
    return graph
