"""What a store serves is what the build wrote: every named graph read back and compared.

A store may rewrite what it is given. Oxigraph stores derived integer types as `xsd:integer`
(`xsd:nonNegativeInteger`, `xsd:int`...), `xsd:dateTimeStamp` as `xsd:dateTime`, and numbers
in their canonical lexical forms (oxigraph#526, #1413). A graph read back matches the build
when it holds the same triples up to blank-node renaming, numbers compared by value within
the same datatype (the only rewriting allowed: `"+01"^^xsd:integer` is `"1"^^xsd:integer`,
`"1e3"^^xsd:double` is `"1000"^^xsd:double`). Anything else refuses the publication.

The build keeps out of its store file (`iuckg.nq`) the few triples whose literal Oxigraph
would store under another datatype (the catalogue's `dcat:byteSize`, which DCAT-AP types
`xsd:nonNegativeInteger`): they are served from the build's own files (`catalogue.ttl`,
which the catalogue's and dataset's IRIs and `/.well-known/void` answer from).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import cast

import pyoxigraph as ox
from rdflib import Graph, Literal

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {
    XSD + t
    for t in (
        "integer",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
DECIMAL, FLOATS = XSD + "decimal", {XSD + "double", XSD + "float"}
SHOWN = 5  # differing triples an error names, per side


class RoundTripError(Exception):
    """A store would serve a graph other than the one the build wrote."""


def number_key(literal: ox.Literal) -> str | None:
    """The value of a numeric literal as a canonical string, or None for another literal or an invalid form."""
    datatype = literal.datatype.value
    try:
        if datatype in INTEGERS:
            return str(int(literal.value.strip()))
        if datatype == DECIMAL:
            return format(Decimal(literal.value.strip()).normalize(), "f")
        if datatype in FLOATS:
            return repr(float(literal.value.strip()))
    except (ValueError, InvalidOperation):
        return None
    return None


def comparable(term):
    """A term with a number in its canonical form (value and datatype kept), any other term as it is."""
    if isinstance(term, ox.Literal) and term.language is None:
        key = number_key(term)
        if key is not None:
            return ox.Literal(key, datatype=term.datatype)
    return term


def has_blank_node(triple: ox.Triple) -> bool:
    """Whether a triple mentions a blank node."""
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def canonical(triples: Iterable[ox.Triple]) -> set[str]:
    """The triples of a graph as N-Triples lines, numbers by value and blank nodes labelled by RDFC-1.0.

    Ground triples are compared as they are; only those with blank nodes are canonicalised (an
    isomorphism maps every IRI and literal to itself, so this is the same test, and much faster)."""
    ground, with_bnodes = set(), ox.Dataset()
    for t in triples:
        t = ox.Triple(t.subject, t.predicate, comparable(t.object))
        if has_blank_node(t):
            with_bnodes.add(ox.Quad(t.subject, t.predicate, t.object))
        else:
            ground.add(str(t))
    if len(with_bnodes):
        with_bnodes.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        ground.update(str(ox.Triple(q.subject, q.predicate, q.object)) for q in with_bnodes)
    return ground


def differences(expected: Iterable[ox.Triple], actual: Iterable[ox.Triple]) -> tuple[list[str], list[str]]:
    """The triples only the build has and those only the store has (sorted N-Triples)."""
    ours, theirs = canonical(expected), canonical(actual)
    return sorted(ours - theirs), sorted(theirs - ours)


def check(expected: Mapping[str, Iterable[ox.Triple]], actual: Mapping[str, Iterable[ox.Triple]], store: str) -> None:
    """Raise RoundTripError naming the first graph the store holds otherwise than the build, and its triples."""
    for graph in sorted(set(expected) | set(actual)):
        if graph not in actual:
            raise RoundTripError(f"{store} holds no graph <{graph}> of the build")
        if graph not in expected:
            raise RoundTripError(f"{store} holds a graph <{graph}> the build did not write")
        only_build, only_store = differences(expected[graph], actual[graph])
        if only_build or only_store:
            lines = [
                f"{store} would serve graph <{graph}> otherwise than the build wrote it "
                f"({len(only_build)} triples only in the build, {len(only_store)} only in the store):"
            ]
            lines += [f"  build: {t}" for t in only_build[:SHOWN]] + [f"  store: {t}" for t in only_store[:SHOWN]]
            raise RoundTripError("\n".join(lines))


def by_graph(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Triple]]:
    """Triples of quads, by the IRI of their named graph (the default graph as '')."""
    out: dict[str, list[ox.Triple]] = {}
    for q in quads:
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        out.setdefault(name, []).append(q.triple)
    return out


def ox_literal(literal: Literal) -> ox.Literal:
    """The pyoxigraph literal of an rdflib one."""
    if literal.language:
        return ox.Literal(str(literal), language=literal.language)
    return ox.Literal(str(literal), datatype=ox.NamedNode(str(literal.datatype)) if literal.datatype else None)


def retyped_by_oxigraph(graph: Graph) -> set[Literal]:
    """The literals of a graph that Oxigraph would store under another datatype than theirs."""
    literals = {o for o in graph.objects() if isinstance(o, Literal) and o.datatype and o.datatype.startswith(XSD)}
    if not literals:
        return set()
    store, subject, graph_name = ox.Store(), ox.NamedNode("urn:x-probe:s"), ox.NamedNode("urn:x-probe:g")
    probes = {}
    for i, literal in enumerate(sorted(literals)):
        predicate = ox.NamedNode(f"urn:x-probe:p{i}")
        probes[predicate.value] = literal
        store.add(ox.Quad(subject, predicate, ox_literal(literal), graph_name))
    return {
        probes[q.predicate.value]
        for q in store.quads_for_pattern(None, None, None, graph_name)
        # every probe's object is one of the literals added above
        if cast(ox.Literal, q.object).datatype.value != str(probes[q.predicate.value].datatype)
    }


def store_edition(graphs: Mapping[str, Graph]) -> tuple[dict[str, Graph], list[str]]:
    """The graphs as the store gets them, without the triples whose literal Oxigraph would retype; and those
    triples (N-Triples lines, `graph name: triple`)."""
    edition, kept_out = {}, []
    for name, graph in graphs.items():
        retyped = retyped_by_oxigraph(graph)
        if not retyped:
            edition[name] = graph
            continue
        copy = Graph()
        for triple in graph:
            if triple[2] in retyped:
                kept_out.append(f"{name}: {triple[0].n3()} {triple[1].n3()} {triple[2].n3()}")
            else:
                copy.add(triple)
        edition[name] = copy
    return edition, sorted(kept_out)
