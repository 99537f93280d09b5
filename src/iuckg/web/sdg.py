"""Pages of the UN SDG goals and targets pairings are aligned to: /sdg/{code}, from the sdg graph.

Their IRIs are the UN's (http://metadata.un.org/sdg/11), which this server cannot dereference; the local page
shows a concept's labels in the visitor's language, its goal or targets, the mapping rules that lead to it and
the pairings aligned to it, and links out to the UN IRI.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request
from rdflib.namespace import SKOS

from ..namespaces import SDG, sdg_code
from ..store import term_value
from . import conneg
from .describe import RDF_TYPE, Value, page_of, uca
from .pages import ALIGNED_PAIRINGS, SDG_KINDS, Facts, Listing, listing, sdg_order
from .rdfio import rdf_response
from .resources import description, request_languages
from .state import Published, published

bp = Blueprint("sdg", __name__)


@dataclass
class Concept:
    """What the page of an SDG goal or target shows."""

    kind: str
    name: str
    statement: str | None
    short: str | None
    goal: list[tuple[str, Value]]
    targets: list[tuple[str, Value]]
    indicators: list[Value]
    rules: list[Value]
    listing: Listing
    translations: list[tuple[str, str]] = field(default_factory=list)


def formats_of(code: str) -> list[tuple[str, conneg.Format]]:
    """The URL of an SDG page's description in each RDF format."""
    return [(f"/sdg/{code}?format={key}", conneg.FORMATS[key]) for key in conneg.RDF_ONLY]


@bp.route("/sdg/<code>")
def concept(code: str):
    """The page of an SDG goal or target (or its description in RDF, by content negotiation)."""
    pub = published()
    iri = str(SDG) + code
    if sdg_code(iri) is None:
        abort(404, f"{code!r} is not the code of an SDG goal or target")
    triples = description(pub, iri)
    kinds = [
        SDG_KINDS[term_value(t.object)]
        for t in triples
        if term_value(t.subject) == iri and t.predicate.value == RDF_TYPE and term_value(t.object) in SDG_KINDS
    ]
    if not kinds:
        abort(404, f"there is no SDG goal or target {code} in this dataset")
    fmt = conneg.choose(request, conneg.RDF_DOCUMENT)
    formats = formats_of(code)
    links = ", ".join(f'<{url}>; rel="alternate"; type="{f.media_type}"' for url, f in formats)
    if fmt.key != "html":
        response = rdf_response(triples, fmt, {k: str(v) for k, v in pub.minter.prefixes().items()})
    else:
        languages = request_languages()
        page = page_of(iri, triples, languages, pub.base)
        html = render_template(
            "sdg.html",
            page=page,
            concept=concept_of(pub, iri, code, kinds[0], triples, languages),
            formats=formats,
            lang=page.language,
            pub=pub,
        )
        response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Link"] = links
    return response


def concept_of(
    pub: Published, iri: str, code: str, kind: str, triples: list[ox.Triple], languages: list[str]
) -> Concept:
    """An SDG goal or target as its page shows it."""
    facts = Facts(triples, languages, pub.base)
    rules = [
        term_value(s.subject)
        for s in triples
        if s.predicate.value == pub.term("mapsTo").value and term_value(s.object) == iri
    ]
    narrower = [(sdg_code(n), facts.value(n)) for n in facts.iris(iri, str(SKOS.narrower))]
    notes = {o.language or "": o.value for o in facts.objects(iri, str(SKOS.note))}
    statements = {o.language or "": o.value for o in facts.objects(iri, str(SKOS.prefLabel))}
    shown = facts.labels.choose(statements)
    alternatives = {o.language or "": o.value for o in facts.objects(iri, str(SKOS.altLabel))}  # in English only
    return Concept(
        kind=kind,
        name=notes.get(shown[0] if shown else "") or facts.text(iri, str(SKOS.note)) or f"SDG {code}",
        statement=shown[1] if shown else None,
        short=alternatives.get(shown[0]) if shown else None,
        goal=[(c, facts.value(g)) for g in facts.iris(iri, str(SKOS.broader)) if (c := sdg_code(g))],
        targets=sorted(((c, v) for c, v in narrower if c), key=lambda cv: sdg_order(cv[0])),
        indicators=sorted((v for c, v in narrower if not c), key=lambda v: uca(v.text)),
        rules=sorted((facts.value(r) for r in set(rules)), key=lambda v: uca(v.text)),
        listing=listing(
            pub,
            iri,
            ALIGNED_PAIRINGS,
            ("alignment", "alignedTo"),
            "Pairings aligned to this goal or one of its targets"
            if kind == "SDG goal"
            else "Pairings aligned to this target",
            True,
            languages,
        ),
        translations=[
            (lang, f"{notes.get(lang, '')}: {text}" if notes.get(lang) else text)
            for lang, text in sorted(statements.items())
            if not shown or lang != shown[0]
        ],
    )
