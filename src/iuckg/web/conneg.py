"""Content negotiation: one table of media types and one chooser.

`?format=` (a key or a media type) overrides a file extension, which overrides
the Accept header. A request for a format that is not offered gets 406.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Request, abort
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    """A representation the server can produce."""

    key: str
    media_type: str
    extension: str
    label: str
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None


FORMATS: dict[str, Format] = {
    f.key: f
    for f in (
        Format("html", "text/html", "html", "HTML"),
        Format("turtle", "text/turtle", "ttl", "Turtle", rdf=ox.RdfFormat.TURTLE),
        Format("ntriples", "application/n-triples", "nt", "N-Triples", rdf=ox.RdfFormat.N_TRIPLES),
        Format("rdfxml", "application/rdf+xml", "rdf", "RDF/XML", rdf=ox.RdfFormat.RDF_XML),
        Format("jsonld", "application/ld+json", "jsonld", "JSON-LD", rdf=ox.RdfFormat.JSON_LD),
        Format("json", "application/sparql-results+json", "srj", "SPARQL JSON", results=ox.QueryResultsFormat.JSON),
        Format("xml", "application/sparql-results+xml", "srx", "SPARQL XML", results=ox.QueryResultsFormat.XML),
        Format("csv", "text/csv", "csv", "CSV", results=ox.QueryResultsFormat.CSV),
        Format("tsv", "text/tab-separated-values", "tsv", "TSV", results=ox.QueryResultsFormat.TSV),
    )
}

# Media types clients send that mean one of ours.
ALIASES = {
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/x-turtle": "turtle",
    "text/n3": "turtle",
    "text/plain": "ntriples",
    "application/xhtml+xml": "html",
    "application/sparql-results+json": "json",
}

RDF_DOCUMENT = ("html", "turtle", "ntriples", "rdfxml", "jsonld")
RDF_ONLY = ("turtle", "ntriples", "rdfxml", "jsonld")
RESULTS = ("json", "xml", "csv", "tsv")
BY_EXTENSION = {f.extension: f.key for f in FORMATS.values()}


def by_name(name: str) -> str | None:
    """The key of a format given as key, extension or media type."""
    name = name.strip().lower()
    if name in FORMATS:
        return name
    if name in BY_EXTENSION:
        return BY_EXTENSION[name]
    for f in FORMATS.values():
        if f.media_type == name:
            return f.key
    return ALIASES.get(name)


def choose(request: Request, offered: tuple[str, ...], extension: str | None = None) -> Format:
    """Pick the format of a response among the offered keys, or abort with 406."""
    explicit = request.args.get("format") or extension
    if explicit:
        key = by_name(explicit)
        if key not in offered:
            abort(406, f"format {explicit!r} is not offered here; try one of: {', '.join(offered)}")
        return FORMATS[key]
    key = by_accept(request.headers.get("Accept", ""), offered)
    if key is None:
        abort(
            406,
            f"none of the media types in Accept are offered here; try one of: "
            f"{', '.join(FORMATS[k].media_type for k in offered)}",
        )
    return FORMATS[key]


@functools.lru_cache(maxsize=512)  # clients send few distinct Accept headers; werkzeug's matching takes ~0.1 ms
def by_accept(header: str, offered: tuple[str, ...]) -> str | None:
    """The offered key an Accept header prefers (the first offered for none), or None when it accepts none."""
    accept = parse_accept_header(header, MIMEAccept)
    if not accept:
        return offered[0]
    candidates: dict[str, str] = {}
    for key in offered:
        candidates.setdefault(FORMATS[key].media_type, key)
    for alias, key in ALIASES.items():
        if key in offered:
            candidates.setdefault(alias, key)
    best = accept.best_match(list(candidates))
    return None if best is None else candidates[best]
