"""Linked-Data dereferencing in process: 303s, content negotiation, extensions, Link, 404, 406."""

from __future__ import annotations

import json
import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from .conftest import BASE

IUC = BASE + "def/iuc#"
RDF_FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
    "application/ld+json": ("jsonld", "json-ld"),
}
# One minted IRI of each kind the dataset has.
MINTED = [
    "id/member/barcelona-es",
    "id/pairing/cali-co--belfast-gb",
    "id/pairing/cali-co--belfast-gb/side-1",
    "id/country/ESP",
    "id/theme/smart-cities-innovation",
    "id/urban-agenda-topic/housing",
    "id/helix-sector/academia",
    "id/programme/iuc",
    "id/dataset/iuckg",
    "def/iuc",
    "graph/data",
    "shapes/Pairing",
]


def parse(response, fmt: str) -> Graph:
    """The body of a response as an RDF graph."""
    return Graph().parse(data=response.get_data(as_text=True), format=fmt, publicID=BASE)


@pytest.mark.parametrize("path", MINTED)
def test_thing_answers_303_to_its_document(client, path):
    r = client.get("/" + path, headers={"Accept": "text/turtle"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/doc/" + path)
    document = client.get(r.headers["Location"], headers={"Accept": "text/turtle"})
    assert document.status_code == 200
    g = parse(document, "turtle")
    assert URIRef(BASE + path) in set(g.subjects()) | set(g.objects())


@pytest.mark.parametrize("media_type", RDF_FORMATS)
def test_document_by_accept(client, media_type):
    r = client.get("/doc/id/member/barcelona-es", headers={"Accept": media_type})
    assert r.status_code == 200 and r.mimetype == media_type
    assert "Accept" in r.headers["Vary"]
    g = parse(r, RDF_FORMATS[media_type][1])
    assert (URIRef(BASE + "id/member/barcelona-es"), RDF.type, URIRef(IUC + "City")) in g


@pytest.mark.parametrize("media_type", RDF_FORMATS)
def test_document_by_extension_and_format_parameter(client, media_type):
    extension, fmt = RDF_FORMATS[media_type]
    by_extension = client.get(f"/doc/id/member/barcelona-es.{extension}", headers={"Accept": "text/html"})
    by_parameter = client.get("/doc/id/member/barcelona-es", query_string={"format": extension},
                              headers={"Accept": "text/html"})
    for r in (by_extension, by_parameter):
        assert r.status_code == 200 and r.mimetype == media_type
        assert (URIRef(BASE + "id/member/barcelona-es"), RDFS.label, Literal("Barcelona", lang="en")) in parse(r, fmt)


def test_thing_with_extension_redirects_to_that_format(client):
    r = client.get("/id/member/barcelona-es.ttl")
    assert r.status_code == 303 and r.headers["Location"].endswith("/doc/id/member/barcelona-es.ttl")


def test_html_by_accept_and_extension(client):
    for r in (client.get("/doc/id/member/barcelona-es", headers={"Accept": "text/html"}),
              client.get("/doc/id/member/barcelona-es.html")):
        assert r.status_code == 200 and r.mimetype == "text/html"
        assert "<h1>Barcelona</h1>" in r.get_data(as_text=True)


def test_link_header_names_every_format(client):
    r = client.get("/doc/id/member/barcelona-es", headers={"Accept": "text/html"})
    links = r.headers["Link"]
    for media_type, (extension, _) in RDF_FORMATS.items():
        assert f'</doc/id/member/barcelona-es.{extension}>; rel="alternate"; type="{media_type}"' in links
    html = r.get_data(as_text=True)
    assert 'href="/doc/id/member/barcelona-es.ttl"' in html


def test_unknown_iri_is_404(client):
    for path in ("/id/member/atlantis-xx", "/doc/id/member/atlantis-xx", "/doc/id/member/atlantis-xx.ttl"):
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


def test_unsupported_format_is_406(client):
    assert client.get("/doc/id/member/barcelona-es", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/doc/id/member/barcelona-es", query_string={"format": "pdf"}).status_code == 406


def test_description_has_outgoing_incoming_and_labels(client):
    r = client.get("/doc/id/member/belfast-gb.ttl")
    g = parse(r, "turtle")
    belfast = URIRef(BASE + "id/member/belfast-gb")
    pairing = URIRef(BASE + "id/pairing/cali-co--belfast-gb")
    side = URIRef(BASE + "id/pairing/cali-co--belfast-gb/side-2")
    country = URIRef(BASE + "id/country/GBR")
    assert (belfast, URIRef(IUC + "country"), country) in g            # outgoing
    assert (pairing, URIRef(IUC + "hasMember"), belfast) in g          # incoming
    assert (side, URIRef(IUC + "sideMember"), belfast) in g            # incoming
    assert (country, RDFS.label, Literal("United Kingdom", lang="en")) in g  # label of a linked resource
    assert (pairing, RDFS.label, None) in g


def test_html_page_shows_labels_not_iris(client):
    html = client.get("/doc/id/member/belfast-gb", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert ">United Kingdom</a>" in html
    assert "Referenced by" in html
    assert "Cali &amp; Medellín – Belfast" in html
    assert 'href="/sparql?query=DESCRIBE' in html


def test_html_page_embeds_schema_org(client):
    html = client.get("/doc/id/member/belfast-gb", headers={"Accept": "text/html"}).get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    doc = json.loads(block)
    assert doc["@type"] == "City" and doc["name"] == "Belfast"


def test_label_in_the_requested_language(client):
    goal = "/doc/id/theme/smart-cities-innovation"
    assert client.get(goal, headers={"Accept": "text/html", "Accept-Language": "fr"}).status_code == 200
    # SDG goals carry en/es/fr labels in the UN vocabulary: pages pick the requested one.
    r = client.get("/sparql", query_string={"query": "DESCRIBE <http://metadata.un.org/sdg/11>"},
                   headers={"Accept": "text/turtle"})
    labels = {o.language for o in parse(r, "turtle").objects(URIRef("http://metadata.un.org/sdg/11"), SKOS.prefLabel)}
    assert {"en", "es", "fr"} <= labels


def test_ontology_document_lists_every_term(client):
    r = client.get("/def/iuc", headers={"Accept": "text/html"})
    assert r.status_code == 303
    html = client.get(r.headers["Location"], headers={"Accept": "text/html"}).get_data(as_text=True)
    ontology = client.get("/doc/def/iuc.ttl")
    g = parse(ontology, "turtle")
    terms = {str(s)[len(IUC):] for s in g.subjects(RDFS.label, None) if str(s).startswith(IUC)}
    assert len(terms) > 40
    for term in terms:
        assert f'id="{term}"' in html


def test_landing_page(client):
    r = client.get("/", headers={"Accept": "text/html"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for heading in ("By thematic stream", "By country", "By Sustainable Development Goal", "By Urban Agenda topic",
                    "Query it", "Downloads"):
        assert heading in html
    assert 'rel="alternate"' in r.headers["Link"]


def test_landing_page_as_rdf_is_the_dataset_description(client):
    r = client.get("/", headers={"Accept": "text/turtle"})
    g = parse(r, "turtle")
    assert (URIRef(BASE + "id/dataset/iuckg"), RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")) in g


@pytest.mark.parametrize("name, media_type", [
    ("iuckg.ttl", "text/turtle"), ("iuckg.nt.gz", "application/gzip"),
    ("iuckg.jsonld", "application/ld+json"), ("ontology.ttl", "text/turtle"),
])
def test_dumps(client, name, media_type):
    r = client.get(f"/dump/{name}")
    assert r.status_code == 200 and r.mimetype == media_type
    assert int(r.headers["Content-Length"]) == len(r.data) > 1000


def test_no_path_traversal_in_dumps(client):
    assert client.get("/dump/..%2Fsummary.json").status_code == 404
    assert client.get("/dump/../../etc/passwd").status_code == 404


def test_a_long_referenced_by_list_is_cut_on_the_page_and_whole_in_the_rdf(client):
    from html.parser import HTMLParser
    from urllib.parse import urlsplit

    from iuckg.web.describe import MAX_REFERENCES

    source = BASE + "id/source/iuc-brochure"
    rdf = parse(client.get("/doc/id/source/iuc-brochure", headers={"Accept": "text/turtle"}), "turtle")
    citing = set(rdf.subjects(URIRef("http://purl.org/dc/terms/source"), URIRef(source)))
    assert len(citing) > MAX_REFERENCES, "the brochure is the source of more resources than a page lists"

    class Links(HTMLParser):
        """The resources the page lists as linking to it by dcterms:source, and its 'more' link."""

        def __init__(self) -> None:
            super().__init__()
            self.table, self.property, self.links, self.more = False, None, [], None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "table" and "referenced-by" in attrs.get("class", ""):
                self.table = True
            elif tag == "a" and self.table and attrs.get("href", "").startswith("/sparql?"):
                if self.property == "http://purl.org/dc/terms/source":  # not the list of quoted passages
                    self.more = attrs["href"]
            elif tag == "a" and self.table and not attrs.get("title", "").startswith(BASE + "id/"):
                self.property = attrs.get("title")
            elif tag == "a" and self.table and self.property == "http://purl.org/dc/terms/source":
                self.links.append(attrs["title"])

        def handle_endtag(self, tag):
            self.table = self.table and tag != "table"

    page = Links()
    page.feed(client.get("/doc/id/source/iuc-brochure", headers={"Accept": "text/html"}).get_data(as_text=True))
    assert len(page.links) == MAX_REFERENCES and set(page.links) <= {str(s) for s in citing}
    listed = client.get(page.more, headers={"Accept": "application/sparql-results+json"})
    assert urlsplit(page.more).path == "/sparql" and listed.status_code == 200
    assert {row["resource"]["value"] for row in listed.get_json()["results"]["bindings"]} == {str(s) for s in citing}


# --- what the brochure states and what the curators read into it --------------------------------------------


def page(client, path: str) -> str:
    """The HTML page of a resource, its whitespace collapsed."""
    return re.sub(r"\s+", " ", client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True))


def test_a_stated_record_shows_its_quote(client):
    html = page(client, "/doc/id/pairing/kochi-in--vilnius-lt")
    assert ('<blockquote class="quote">Data-based waste management Kochi (IND) and Vilnius (LT) have been '
            'cooperating on a baseline study') in html
    assert 'href="/id/pairing/kochi-in--vilnius-lt/quote"' in html
    assert "editorial-reading" not in html  # the brochure presents it under its theme


def test_the_quote_is_escaped(client):
    html = page(client, "/doc/id/member/soledad-co")
    assert '<blockquote class="quote">Barranquilla &amp; Soledad (COL)</blockquote>' in html


def test_a_theme_the_curators_chose_is_marked_as_an_editorial_reading(client):
    html = page(client, "/doc/id/pairing/surat-in--rotterdam-nl")
    assert re.search(r'>theme</a> <strong class="editorial-reading">editorial reading</strong></th>', html)
    assert '<blockquote class="quote">Rainwater storage for monsoon and drought resilience Surat (IND)' in html
    reading = page(client, "/doc/id/pairing/surat-in--rotterdam-nl/reading/theme")
    assert '<strong class="editorial-reading">Editorial reading</strong>' in reading
    assert "What concrete projects emerged?" in reading  # its reason


def test_the_topics_of_a_theme_and_the_sdg_rules_are_marked_as_editorial(client):
    theme = page(client, "/doc/id/theme/smart-cities-innovation")
    assert re.search(r'>Urban Agenda topic</a> <strong class="editorial-reading">editorial reading</strong>', theme)
    rule = page(client, "/doc/id/mapping/fredericton-ca--parma-it--sdg-5.5")
    assert '<strong class="editorial-reading">Editorial reading</strong>' in rule


def test_a_curation_note_stays_in_the_rdf(client):
    html = page(client, "/doc/id/member/san-justo-ar")
    assert '<strong class="curation-note">Curation note</strong>' in html
    assert "Santa Fe" not in html and "editorialNote" not in html
    g = parse(client.get("/doc/id/member/san-justo-ar.ttl"), "turtle")
    notes = [str(n) for n in g.objects(URIRef(BASE + "id/member/san-justo-ar"), SKOS.editorialNote)]
    assert any("Santa Fe" in n for n in notes)
