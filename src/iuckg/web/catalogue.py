"""The landing page, the dataset description (VoID) and the dumps."""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request, send_from_directory

from ..layout import DUMP_FILES
from ..namespaces import SDGO
from . import conneg
from .examples import examples
from .graph import Published, published
from .queries import (BROWSE_COUNTRIES, BROWSE_HELIX, BROWSE_SDGS, BROWSE_THEMES, CLASS_COUNTS,
                      GRAPH_CONTENTS)
from .rdfio import rdf_response

bp = Blueprint("catalogue", __name__)

VOID_PATH = "/.well-known/void"


def catalogue_triples(pub: Published) -> list[ox.Triple]:
    """The triples of the catalogue graph (VoID)."""
    return list(pub.query(GRAPH_CONTENTS, graph="catalogue"))


def rows(pub: Published, query: str, **bindings) -> list[dict]:
    """Browse rows: item IRI and path, label and count."""
    return [{"iri": r["item"].value, "href": "/" + r["item"].value[len(pub.base):]
             if r["item"].value.startswith(pub.base) else r["item"].value,
             "label": r["label"].value, "n": int(r["n"].value)}
            for r in pub.query(query, **bindings)]


def browse(pub: Published) -> dict[str, list[dict]]:
    """The lists people browse the dataset by."""
    t = pub.term
    return {
        "Thematic streams": rows(pub, BROWSE_THEMES, **{"class": t("ThematicStream"), "link": t("theme")}),
        "Countries": rows(pub, BROWSE_COUNTRIES, hasMember=t("hasMember"), country=t("country")),
        "Sustainable Development Goals (derived)": rows(
            pub, BROWSE_SDGS, **{"class": ox.NamedNode(str(SDGO.Goal)), "alignment": t("alignment"),
                                 "alignedTo": t("alignedTo")}),
        "Urban Agenda topics (derived)": rows(
            pub, BROWSE_THEMES, **{"class": t("UrbanAgendaTopic"), "link": t("urbanAgendaTopic")}),
        "Quadruple-helix sectors (stakeholders)": rows(
            pub, BROWSE_HELIX, **{"class": t("HelixSector"), "helixSector": t("helixSector")}),
    }


def class_counts(pub: Published) -> list[tuple[str, str, int]]:
    """Resources per class in the data graph: (label, link, count)."""
    counts = []
    for row in pub.query(CLASS_COUNTS, graph="data"):
        iri = row["class"].value
        if iri.startswith(str(pub.minter.iuc)):
            counts.append((iri[len(str(pub.minter.iuc)):], "/" + iri[len(pub.base):], int(row["n"].value)))
    return counts


@bp.route("/")
def landing():
    """The landing page (HTML), or the dataset description by content negotiation."""
    pub = published()
    fmt = conneg.choose(request, conneg.RDF_DOCUMENT)
    if fmt.key != "html":
        return void_response(pub, fmt)
    html = render_template(
        "landing.html", pub=pub, counts=class_counts(pub), browse=browse(pub),
        examples=[(e.title, "/sparql?" + urlencode({"query": e.query})) for e in examples(pub.base)],
        dumps=[(name, DUMP_FILES[name]) for name in DUMP_FILES], void_path=VOID_PATH,
        formats=[(f"{VOID_PATH}?format={k}", conneg.FORMATS[k]) for k in conneg.RDF_ONLY])
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(
        f'<{VOID_PATH}?format={k}>; rel="alternate"; type="{conneg.FORMATS[k].media_type}"' for k in conneg.RDF_ONLY)
    return response


def void_response(pub: Published, fmt: conneg.Format) -> Response:
    """The catalogue graph in an RDF format."""
    response = rdf_response(catalogue_triples(pub), fmt, {k: str(v) for k, v in pub.minter.prefixes().items()})
    response.headers["Vary"] = "Accept"
    return response


@bp.route(VOID_PATH)
def void():
    """The VoID description of the dataset (RDF; Turtle by default)."""
    pub = published()
    return void_response(pub, conneg.choose(request, conneg.RDF_ONLY))


@bp.route("/dump/<filename>")
def dump(filename: str):
    """A dump file of the build, with its media type."""
    if filename not in DUMP_FILES:
        abort(404, f"no dump named {filename!r}; dumps: {', '.join(DUMP_FILES)}")
    pub = published()
    return send_from_directory(pub.settings.dist_dir.resolve(), filename, mimetype=DUMP_FILES[filename])
