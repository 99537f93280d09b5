"""Serialising triples for HTTP responses."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from flask import Response

from .conneg import Format


def rdf_response(triples: Iterable[ox.Triple], fmt: Format, prefixes: dict[str, str]) -> Response:
    """A response holding triples in an RDF format."""
    body = ox.serialize(triples, format=fmt.rdf, prefixes=prefixes if fmt.key in ("turtle",) else None)
    return Response(body, content_type=content_type(fmt))


def content_type(fmt: Format) -> str:
    """The Content-Type header of a format (text formats declare UTF-8)."""
    textual = fmt.media_type.startswith("text/") or fmt.key in ("ntriples", "jsonld", "rdfxml", "json", "xml")
    return f"{fmt.media_type}; charset=utf-8" if textual else fmt.media_type
