"""Linked-Data dereferencing: a thing's IRI answers 303, its document answers by conneg."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request

from ..namespaces import dataset_iri
from . import conneg
from .dataset import catalogue_triples
from .describe import compact, href_of, page_of
from .pages import card_of
from .queries import GRAPH_CONTENTS, ONTOLOGY_TERMS
from .rdfio import rdf_response
from .state import Published, published

bp = Blueprint("resources", __name__)


def split_extension(path: str) -> tuple[str, str | None]:
    """Split a known format extension ('.ttl', '.html', ...) off a path."""
    stem, dot, ext = path.rpartition(".")
    if dot and ext in conneg.BY_EXTENSION and conneg.BY_EXTENSION[ext] in conneg.RDF_DOCUMENT:
        return stem, ext
    return path, None


def request_languages() -> list[str]:
    """The languages the client prefers, from ?lang= or Accept-Language."""
    if request.args.get("lang"):
        return [request.args["lang"].strip().lower()]
    return [lang.lower() for lang in request.accept_languages.values() if lang != "*"]


def description(pub: Published, iri: str) -> list[ox.Triple]:
    """The triples describing a resource (the whole ontology for the ontology IRI, the whole DCAT-AP record
    for the dataset IRI), in the same order whatever order the store answers in, with those of the build no
    store holds; none for an IRI not in the dataset."""
    try:
        this = ox.NamedNode(iri)
    except ValueError:  # not a valid IRI, so not one of ours
        return []
    if iri == str(pub.minter.ontology):
        return sorted(pub.query(GRAPH_CONTENTS, graph="ontology"), key=str)
    triples = pub.backend.describe(this)
    if not triples:
        return []
    if iri == str(dataset_iri(pub.minter)):  # the dataset's document is its whole record, as the build wrote it
        return sorted(triples | set(catalogue_triples(pub)), key=str)
    return sorted(triples.union(pub.kept_out.get(iri, ())), key=str)


def alternates(path: str) -> list[tuple[str, conneg.Format]]:
    """The document's URL in each format it is offered in."""
    return [(f"/doc/{path}.{conneg.FORMATS[k].extension}", conneg.FORMATS[k]) for k in conneg.RDF_DOCUMENT]


def link_header(path: str) -> str:
    """A Link header naming every representation of a document."""
    return ", ".join(f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for url, fmt in alternates(path))


@bp.route("/doc/<path:path>")
def document(path: str):
    """The document about base + path, in the negotiated format."""
    pub = published()
    path, extension = split_extension(path)
    iri = pub.iri_of_path(path)
    fmt = conneg.choose(request, conneg.RDF_DOCUMENT, extension)
    triples = description(pub, iri)
    if not triples:  # a resource in the dataset has a triple with it as subject or object
        abort(404, f"{iri} is not in this dataset")
    if fmt.key == "html":
        response = Response(render_html(pub, iri, path, triples), content_type="text/html; charset=utf-8")
    else:
        response = rdf_response(triples, fmt, {k: str(v) for k, v in pub.minter.prefixes().items()})
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Link"] = link_header(path)
    response.headers["Content-Location"] = f"/doc/{path}.{fmt.extension}"
    return response


def render_html(pub: Published, iri: str, path: str, triples: list[ox.Triple]) -> str:
    """The HTML page of a resource (the ontology gets its documentation page), in the language of its labels."""
    languages = request_languages()
    page = page_of(iri, triples, languages, pub.base)
    common = dict(
        page=page,
        formats=alternates(path),
        pub=pub,
        lang=page.language,
        sparql_link="/sparql?" + urlencode({"query": f"DESCRIBE <{iri}>"}),
    )
    if iri == str(pub.minter.ontology):
        return render_template("ontology.html", terms=ontology_terms(pub), **common)
    if not page.shape:
        page.card = card_of(pub, page, triples, languages)
    return render_template("resource.html", **common)


def ontology_terms(pub: Published) -> dict[str, list[dict]]:
    """The ontology's classes and properties with their definitions, by kind."""
    terms: dict[str, dict] = {}
    for row in pub.query(ONTOLOGY_TERMS, graph="ontology"):
        iri = row["term"].value
        term = terms.setdefault(
            iri,
            {
                "iri": iri,
                "name": iri.rsplit("#", 1)[-1],
                "kind": row["kind"].value.rsplit("#", 1)[-1],
                "label": row["label"].value,
                "definition": row["definition"].value if row["definition"] else "",
                "domain": set(),
                "range": set(),
                "super": set(),
            },
        )
        for key in ("domain", "range", "super"):
            if row[key] is not None and isinstance(row[key], ox.NamedNode):
                term[key].add(row[key].value)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for term in terms.values():
        for key in ("domain", "range", "super"):
            term[key] = [(value, href_of(value, pub.base), compact(value, pub.base)) for value in sorted(term[key])]
        by_kind[term["kind"]].append(term)
    return dict(by_kind)


@bp.route("/favicon.ico")
def favicon():
    """The site's icon where browsers and crawlers look for it (the pages name the same SVG)."""
    return current_app.send_static_file("favicon.svg")


@bp.route("/<path:path>")
def thing(path: str):
    """A thing's IRI: 303 See Other to the document describing it."""
    pub = published()
    stem, extension = split_extension(path)
    if not pub.exists(pub.iri_of_path(stem)):
        abort(404, f"{pub.iri_of_path(stem)} is not in this dataset")
    target = f"/doc/{stem}" + (f".{extension}" if extension else "")
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    return response
