"""How crawlers find every page: /robots.txt and /sitemap.xml (a sitemap index past SITEMAP_SIZE URLs)."""

from __future__ import annotations

import math
from xml.etree import ElementTree as ET

import pyoxigraph as ox
from flask import Blueprint, Response, abort

from .queries import SUBJECTS
from .state import Published, published

bp = Blueprint("sitemap", __name__)

# The most URLs one sitemap file may list (sitemaps.org protocol).
SITEMAP_SIZE = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


# Pages for people that are no resource's document.
PEOPLE_PAGES = ("/pairings", "/members", "/countries", "/map", "/charts", "/sparql")


def page_urls(pub: Published) -> list[str]:
    """The page of every resource under the base that has a description (hash IRIs share their page)."""
    urls = set()
    for row in pub.query(SUBJECTS):
        subject = row["subject"]
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(pub.base):
            path = subject.value.split("#", 1)[0][len(pub.base) :]
            urls.add(f"{pub.base}doc/{path}" if path else pub.base)
    urls.update(pub.base + path.lstrip("/") for path in PEOPLE_PAGES)
    urls.update(pub.base + path.lstrip("/") for path in pub.index.paths(("sdg", "target")))
    return sorted(urls)


def xml_response(root: ET.Element) -> Response:
    """An XML document response."""
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, content_type="application/xml; charset=utf-8")


def urlset(urls: list[str]) -> ET.Element:
    """A sitemap listing URLs."""
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    for url in urls:
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = url
    return root


@bp.route("/sitemap.xml")
def sitemap():
    """Every page, or, past SITEMAP_SIZE pages, an index of the sitemap files that list them."""
    pub = published()
    urls = pub.once(page_urls)
    if len(urls) <= SITEMAP_SIZE:
        return xml_response(urlset(urls))
    root = ET.Element("sitemapindex", xmlns=SITEMAP_NS)
    for number in range(1, math.ceil(len(urls) / SITEMAP_SIZE) + 1):
        ET.SubElement(ET.SubElement(root, "sitemap"), "loc").text = f"{pub.base}sitemap-{number}.xml"
    return xml_response(root)


@bp.route("/sitemap-<int:number>.xml")
def sitemap_file(number: int):
    """One file of the sitemap index: the pages number (1, 2, ...) of SITEMAP_SIZE."""
    urls = published().once(page_urls)
    chunk = urls[(number - 1) * SITEMAP_SIZE : number * SITEMAP_SIZE] if number >= 1 else []
    if not chunk:
        abort(404, f"the sitemap has {math.ceil(len(urls) / SITEMAP_SIZE)} files; there is no file {number}")
    return xml_response(urlset(chunk))


@bp.route("/robots.txt")
def robots():
    """Every path may be crawled; the sitemap lists the pages."""
    text = f"User-agent: *\nAllow: /\nSitemap: {published().base}sitemap.xml\n"
    return Response(text, content_type="text/plain; charset=utf-8")
