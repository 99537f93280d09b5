"""The dataset's own resources: the landing page, its description (VoID and DCAT-AP) and its dumps."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request, send_from_directory
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDFS, SKOS

from ..index import LISTS
from ..layout import DUMP_FILES, DUMP_PATH, PART_DUMPS
from ..namespaces import IANA, SCHEMA, catalogue_iri, dataset_iri
from ..store import term_value
from . import conneg
from .examples import examples
from .geography import landing_map
from .rdfio import rdf_response
from .state import Published, published

bp = Blueprint("dataset", __name__)

VOID_PATH = "/.well-known/void"
CATALOGUE_PATH = "/catalogue"
SITEMAP_PATH = "/sitemap.xml"


def catalogue_triples(pub: Published) -> list[ox.Triple]:
    """The catalogue graph (VoID and DCAT-AP) as the build wrote it.

    Read from the build's file of that graph, not from the store: Oxigraph stores
    xsd:nonNegativeInteger (the datatype DCAT-AP requires of byte sizes) as xsd:integer.
    """
    path = Path(pub.settings.dist_dir) / PART_DUMPS["catalogue"]
    return list(triples_in_file(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def triples_in_file(path: str, mtime_ns: int) -> tuple[ox.Triple, ...]:
    """The triples of a Turtle file (cached while the file is unchanged)."""
    return tuple(q.triple for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE))


def overview(pub: Published) -> dict:
    """What the landing page says of the graph: how many pairings, members and countries, and the pairings
    per theme, Urban Agenda topic, SDG and country (from the index, so each count is of pairings)."""
    pairings = LISTS["pairings"]
    facets = pub.index.facet_counts(pairings, {})
    total = {name: pub.index.page(spec, {}, spec.default_sort, False, 0, 1).total for name, spec in LISTS.items()}
    eu = pub.index.page(LISTS["countries"], {"side": ["EU"]}, "label", False, 0, 1).total

    def items(facet: str) -> list[dict]:
        return [
            {"label": row["label"], "n": row["n"], "href": f"/pairings?{urlencode({facet: row['value']})}"}
            for row in facets[facet]
        ]

    return {
        "total": total,
        "eu_countries": eu,
        "themes": items("theme"),
        "topics": items("topic"),
        "sdgs": sorted(items("sdg"), key=lambda item: int(item["href"].rsplit("=", 1)[1])),
        "countries": items("country"),
    }


def human_size(n: int) -> str:
    """A byte count for people: 981 kB, 2.0 MB."""
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


def downloads(pub: Published) -> list[tuple[str, str, str]]:
    """Every dump: file name, media type and size."""
    dist = Path(pub.settings.dist_dir)
    return [(name, media_type, human_size((dist / name).stat().st_size)) for name, media_type in DUMP_FILES.items()]


def facts(triples: list[ox.Triple]) -> dict[str, dict[str, list]]:
    """Triples indexed by subject IRI, then predicate IRI."""
    index: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        index[term_value(t.subject)][t.predicate.value].append(t.object)
    return index


def schema_dataset(pub: Published, triples: list[ox.Triple]) -> dict:
    """The dataset as schema.org describes it (what Google Dataset Search reads), from its DCAT record."""
    index = facts(triples)
    ds = index[str(dataset_iri(pub.minter))]

    def one(about: dict[str, list], predicate) -> str:
        """The (first) value of a predicate of a subject."""
        return about[str(predicate)][0].value

    publisher = index[one(ds, DCTERMS.publisher)]
    agent = {"@type": "Organization", "name": one(publisher, FOAF.name), "url": one(publisher, FOAF.homepage)}
    period = index[one(ds, DCTERMS.temporal)]
    catalogue = index[str(catalogue_iri(pub.base))]
    return {
        "@context": str(SCHEMA).rstrip("/"),
        "@type": "Dataset",
        "@id": str(dataset_iri(pub.minter)),
        "name": one(ds, DCTERMS.title),
        "description": one(ds, DCTERMS.description),
        "url": pub.base,
        "identifier": one(ds, DCTERMS.identifier),
        "keywords": sorted(k.value for k in ds[str(DCAT.keyword)]),
        "license": one(index[one(ds, DCTERMS.license)], RDFS.seeAlso),
        "isAccessibleForFree": True,
        "creator": agent,
        "publisher": agent,
        "datePublished": one(ds, DCTERMS.issued),
        "dateModified": one(ds, DCTERMS.modified),
        "temporalCoverage": f"{one(period, DCAT.startDate)}/{one(period, DCAT.endDate)}",
        "spatialCoverage": [
            {"@type": "Place", "name": one(index[p.value], SKOS.prefLabel), "sameAs": p.value}
            for p in sorted(ds[str(DCTERMS.spatial)], key=lambda p: p.value)
        ],
        "distribution": [
            {
                "@type": "DataDownload",
                "name": one(index[d.value], DCTERMS.title),
                "contentUrl": one(index[d.value], DCAT.downloadURL),
                "encodingFormat": one(index[d.value], DCAT.mediaType).removeprefix(IANA),
            }
            for d in sorted(ds[str(DCAT.distribution)], key=lambda d: d.value)
        ],
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": one(catalogue, DCTERMS.title),
            "url": str(catalogue_iri(pub.base)),
        },
    }


def script_json(doc: dict) -> str:
    """JSON safe to embed in a script element."""
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def format_links(path: str) -> tuple[list[tuple[str, conneg.Format]], str]:
    """The URL of a description in each RDF format, and the Link header naming them."""
    links = [(f"{path}?format={k}", conneg.FORMATS[k]) for k in conneg.RDF_ONLY]
    return links, ", ".join(f'<{url}>; rel="alternate"; type="{fmt.media_type}"' for url, fmt in links)


@bp.route("/")
def landing():
    """The landing page (HTML), or the dataset description by content negotiation."""
    pub = published()
    fmt = conneg.choose(request, conneg.RDF_DOCUMENT)
    if fmt.key != "html":
        return description_response(pub, fmt)
    formats, links = format_links(VOID_PATH)
    schema = schema_dataset(pub, catalogue_triples(pub))
    html = render_template(
        "landing.html",
        pub=pub,
        overview=pub.once(overview),
        world=landing_map(pub),
        examples=[(e.title, "/sparql?" + urlencode({"query": e.query})) for e in examples(pub.base)],
        dumps=downloads(pub),
        dump_path="/" + DUMP_PATH,
        void_path=VOID_PATH,
        catalogue_path=CATALOGUE_PATH,
        sitemap_path=SITEMAP_PATH,
        formats=formats,
        licence=schema["license"],
        schema_jsonld=script_json(schema),
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = links
    return response


def description_response(pub: Published, fmt: conneg.Format) -> Response:
    """The catalogue graph in an RDF format, with Link headers to its other formats."""
    response = rdf_response(catalogue_triples(pub), fmt, {k: str(v) for k, v in pub.minter.prefixes().items()})
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = format_links(request.path)[1]
    return response


@bp.route(VOID_PATH)
@bp.route(CATALOGUE_PATH)
def description():
    """The dataset description: VoID at its well-known path, DCAT-AP at the catalogue's IRI (Turtle by default);
    a browser asking the well-known path is sent (303) to the dataset's page."""
    pub = published()
    fmt = conneg.choose(request, (*conneg.RDF_ONLY, "html") if request.path == VOID_PATH else conneg.RDF_ONLY)
    if fmt.key == "html":
        response = redirect("/doc" + pub.path_of(str(dataset_iri(pub.minter))), code=303)
        response.headers["Vary"] = "Accept"
        return response
    return description_response(pub, fmt)


@bp.route(f"/{DUMP_PATH}<filename>")
def dump(filename: str):
    """A dump file of the build, with its media type."""
    if filename not in DUMP_FILES:
        abort(404, f"no dump named {filename!r}; dumps: {', '.join(DUMP_FILES)}")
    # streamed from the file (a dump of 10,000 pairings is hundreds of MB), with Range requests
    return send_from_directory(
        Path(published().settings.dist_dir).resolve(),
        filename,
        mimetype=DUMP_FILES[filename],
        conditional=True,
        etag=False,
    )
