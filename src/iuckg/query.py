"""`iuckg query`: run a SPARQL query against the built graph or a remote endpoint."""

from __future__ import annotations

import sys
from typing import cast

import pyoxigraph as ox

from .settings import Settings
from .store import GRAPH_FORMATS as STORE_GRAPH_FORMATS
from .store import RESULT_FORMATS, load_store

# the formats `iuckg query` writes graphs in (the endpoint also writes RDF/XML and JSON-LD)
GRAPH_FORMATS = {name: STORE_GRAPH_FORMATS[name] for name in ("turtle", "ntriples")}
ENDPOINT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "table": "text/tab-separated-values",
}


def text_table(solutions: ox.QuerySolutions) -> str:
    """Solutions as an aligned text table."""
    columns = [v.value for v in solutions.variables]
    rows = [[str(s[c].value) if s[c] is not None else "" for c in columns] for s in solutions]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    line = lambda cells: "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths]), *map(line, rows)]) + "\n"


def run_local(settings: Settings, query: str, fmt: str) -> bytes:
    """Evaluate a query over the union of the built graphs and serialise the result."""
    result = load_store(settings).query(query, use_default_graph_as_union=True, base_iri=settings.base)
    if isinstance(result, ox.QueryBoolean):
        return (
            (("true" if result else "false") + "\n").encode()
            if fmt == "table"
            else cast(bytes, result.serialize(format=RESULT_FORMATS.get(fmt, ox.QueryResultsFormat.JSON)))
        )
    if isinstance(result, ox.QuerySolutions):
        if fmt == "table":
            return text_table(result).encode("utf-8")
        if fmt not in RESULT_FORMATS:
            raise ValueError(f"a SELECT result cannot be written as {fmt}; use table, json, csv, tsv or xml")
        return cast(bytes, result.serialize(format=RESULT_FORMATS[fmt]))  # no output: bytes
    if fmt not in GRAPH_FORMATS and fmt != "table":
        raise ValueError(f"a graph result cannot be written as {fmt}; use turtle or ntriples")
    return cast(bytes, ox.serialize(result, format=GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)))  # no output: bytes


def run_remote(endpoint: str, query: str, fmt: str) -> bytes:
    """Send a query to a SPARQL endpoint with SPARQLWrapper and return the response body."""
    from SPARQLWrapper import POST, SPARQLWrapper

    sparql = SPARQLWrapper(endpoint)
    sparql.setMethod(POST)
    sparql.setQuery(query)
    sparql.addCustomHttpHeader("Accept", ENDPOINT_FORMATS[fmt])
    return sparql.query().response.read()


def query_command(settings: Settings, query: str, fmt: str, endpoint: str | None) -> int:
    """Print the result of a query; return 0, or 1 when the query fails."""
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    try:
        body = run_remote(endpoint, query, fmt) if endpoint else run_local(settings, query, fmt)
    except (SyntaxError, ValueError, OSError, SPARQLWrapperException) as exc:
        print(f"iuckg query: {exc}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(body)
    return 0
