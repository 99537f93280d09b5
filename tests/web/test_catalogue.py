"""Being found and harvested: VoID, DCAT-AP, schema.org, sitemaps, robots.txt, dumps, HTTP caching."""

from __future__ import annotations

import gzip
import json
import math
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SH, SKOS, VOID

from iuckg import catalogue
from iuckg.layout import DUMP_FILES, STORE_FILE
from iuckg.namespaces import EU_COUNTRY, Minter
from iuckg.web import sitemap
from iuckg.web.app import create_app

from .conftest import BASE, SHARED, require_shared

DCAT_AP_SHAPES = SHARED / "reference" / "dcat-ap" / "dcat-ap-3.0.0-SHACL.ttl"
DATASET = URIRef(BASE + "id/dataset/iuckg")
CATALOGUE = URIRef(BASE + "catalogue")
KNOWLEDGE = [BASE + f"graph/{name}" for name in ("data", "ontology", "sdg")]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
IUC = Namespace(BASE + "def/iuc#")
# rdflib's DCAT and XSD namespaces warn when pytest inspects the module for mocks.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")


def turtle(response) -> Graph:
    """The body of a Turtle response as a graph."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


@pytest.fixture(scope="module")
def description(app) -> Graph:
    """The served catalogue graph (VoID and DCAT-AP)."""
    return turtle(app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"}))


def select(client, query: str, graphs: list[str] | None = None) -> list[dict]:
    """The bindings of a SELECT query run through the endpoint (over some graphs, or all)."""
    params = {"query": query}
    if graphs:
        params["default-graph-uri"] = graphs
    r = client.get("/sparql", query_string=params, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return [{k: v["value"] for k, v in row.items()} for row in r.get_json()["results"]["bindings"]]


def count(client, query: str, graphs: list[str] | None = None) -> int:
    """The ?n of a counting query."""
    return int(select(client, query, graphs)[0]["n"])


def number(graph: Graph, subject, predicate) -> int:
    """An integer the description states."""
    return int(graph.value(subject, predicate))


# --- DCAT-AP -------------------------------------------------------------------------------------


def test_dcat_ap_record_has_no_violations_of_the_semic_shapes(client):
    require_shared(DCAT_AP_SHAPES)
    record = turtle(client.get("/catalogue", headers={"Accept": "text/turtle"}))
    shapes = Graph().parse(DCAT_AP_SHAPES, format="turtle")
    _, report, text = validate(record, shacl_graph=shapes, inference="rdfs")
    violations = list(report.subjects(SH.resultSeverity, SH.Violation))
    assert violations == [], text
    # The shapes had something to check: every DCAT class they target is in the record.
    for cls in (DCAT.Catalog, DCAT.Dataset, DCAT.Distribution, DCAT.DataService):
        assert list(record.subjects(RDF.type, cls)), cls


def sparql_catalogue(client) -> Graph:
    """The catalogue graph as a harvester reads it through the SPARQL endpoint."""
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{BASE}graph/catalogue> {{ ?s ?p ?o }} }}"
    return turtle(client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/turtle"}))


@pytest.mark.parametrize("read", ["sparql", "catalogue IRI", "dataset IRI", "well-known VoID"])
@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_the_served_record_conforms_however_it_is_read(client, read):
    """0 violations of the SEMIC DCAT-AP 3 shapes through every way a harvester reads the record."""
    require_shared(DCAT_AP_SHAPES)
    if read == "sparql":
        record = sparql_catalogue(client)
    elif read == "catalogue IRI":
        record = turtle(client.get("/catalogue", headers={"Accept": "text/turtle"}))
    elif read == "dataset IRI":
        record = turtle(client.get("/id/dataset/iuckg", headers={"Accept": "text/turtle"}, follow_redirects=True))
    else:
        record = turtle(client.get("/.well-known/void", headers={"Accept": "text/turtle"}))
    assert len(record) > 10
    shapes = Graph().parse(DCAT_AP_SHAPES, format="turtle")
    _, report, text = validate(record, shacl_graph=shapes, inference="rdfs")
    assert list(report.subjects(SH.resultSeverity, SH.Violation)) == [], text


def test_documents_of_distributions_give_byte_sizes_as_dcat_ap_types_them(client):
    """The store would retype them (xsd:integer): documents add them from the build."""
    for dist in turtle(client.get("/catalogue", headers={"Accept": "text/turtle"})).objects(DATASET, DCAT.distribution):
        doc = turtle(client.get(str(dist).replace(BASE, "/"), headers={"Accept": "text/turtle"},
                                follow_redirects=True))
        assert {o.datatype for o in doc.objects(dist, DCAT.byteSize)} == {
            URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")}, dist


def test_catalogue_is_served_at_its_iri_and_is_the_void_description(client, description):
    record = turtle(client.get("/catalogue"))
    assert set(record) == set(description)
    assert (CATALOGUE, RDF.type, DCAT.Catalog) in record
    assert (CATALOGUE, DCAT.dataset, DATASET) in record
    assert (DATASET, RDF.type, VOID.Dataset) in record and (DATASET, RDF.type, DCAT.Dataset) in record


def test_dataset_fills_every_quality_indicator(description):
    """data.europa.eu's findability, accessibility, interoperability, reusability and contextuality."""
    g = description
    for predicate in (DCAT.keyword, DCAT.theme, DCTERMS.spatial, DCTERMS.temporal,  # findability
                      DCTERMS.license, DCAT.contactPoint, DCTERMS.publisher, DCTERMS.accessRights,  # reusability
                      DCTERMS.issued, DCTERMS.modified, DCTERMS.title, DCTERMS.description, DCAT.landingPage):
        assert g.value(DATASET, predicate) is not None, predicate
    distributions = list(g.objects(DATASET, DCAT.distribution))
    assert len(distributions) == len(catalogue.DISTRIBUTIONS)
    for dist in distributions:
        for predicate in (DCAT.accessURL, DCAT.downloadURL,  # accessibility
                          DCTERMS.format, DCAT.mediaType,  # interoperability
                          DCTERMS.license, DCTERMS.rights, DCAT.byteSize, DCTERMS.issued, DCTERMS.modified):
            assert g.value(dist, predicate) is not None, (dist, predicate)
    period = g.value(DATASET, DCTERMS.temporal)
    assert (g.value(period, DCAT.startDate), g.value(period, DCAT.endDate)) == (
        Literal("2017-01-01", datatype=XSD_DATE), Literal("2020-12-31", datatype=XSD_DATE))
    service = g.value(CATALOGUE, DCAT.service)
    assert g.value(service, DCAT.endpointURL) == URIRef(BASE + "sparql")
    assert (service, DCAT.servesDataset, DATASET) in g


def test_spatial_coverage_is_every_country_of_the_data(client, description):
    countries = {URIRef(row["match"]) for row in select(client, f"""
        SELECT DISTINCT ?match WHERE {{ ?c a <{IUC.Country}> ; <{SKOS.exactMatch}> ?match
                                        FILTER STRSTARTS(STR(?match), "{EU_COUNTRY}") }}""", [KNOWLEDGE[0]])}
    assert len(countries) > 20
    assert set(description.objects(DATASET, DCTERMS.spatial)) == countries


def test_byte_sizes_are_the_sizes_of_the_served_dumps(client, description):
    for dist in description.objects(DATASET, DCAT.distribution):
        url = str(description.value(dist, DCAT.downloadURL))
        r = client.get(url[len(BASE) - 1:])
        assert r.status_code == 200
        assert int(r.headers["Content-Length"]) == len(r.data) == int(description.value(dist, DCAT.byteSize))
        assert r.mimetype == DUMP_FILES[url.rsplit("/", 1)[1]]


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_distributions_hold_the_knowledge_graph_without_the_catalogue(client):
    served = Graph().parse(data=gzip.decompress(client.get("/dump/iuckg.nt.gz").data).decode(), format="nt")
    n = count(client, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }", KNOWLEDGE)
    assert len(served) == n
    assert (DATASET, RDF.type, DCAT.Dataset) not in served


def test_every_vocabulary_code_is_in_the_authority_table(description, client):
    """EU and IANA codes come from catalogue.AUTHORITIES only (countries from the data)."""
    table = {code.iri for code in catalogue.AUTHORITIES.values()}
    used = {o for o in description.objects() if isinstance(o, URIRef)
            and str(o).startswith((catalogue.EU, catalogue.IANA)) and not str(o).startswith(str(EU_COUNTRY))}
    assert used and used <= table
    tags = {row["tag"] for row in select(client, """
        SELECT DISTINCT ?tag WHERE { ?s ?p ?o FILTER (isLiteral(?o) && LANG(?o) != "") BIND (LANG(?o) AS ?tag) }""",
        KNOWLEDGE)}
    assert {tag.split("-")[0] for tag in tags} <= set(catalogue.LANGUAGES), "a language without an EU code"


# --- VoID ------------------------------------------------------------------------------------------


def test_void_counts_equal_sparql_counts(client, description):
    g = description
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    assert number(g, DATASET, VOID.triples) == count(client, distinct, KNOWLEDGE)
    assert number(g, DATASET, VOID.entities) == count(
        client, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER isIRI(?s) }", KNOWLEDGE)
    assert number(g, DATASET, VOID.classes) == count(
        client, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }", KNOWLEDGE)
    assert number(g, DATASET, VOID.properties) == count(
        client, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }", KNOWLEDGE)
    for name in ("data", "ontology", "sdg", "shapes"):
        subset = URIRef(BASE + f"graph/{name}")
        assert (DATASET, VOID.subset, subset) in g
        assert number(g, subset, VOID.triples) == count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                                        [str(subset)])


def test_class_and_property_partitions_equal_sparql_counts(client, description):
    g = description
    classes = {URIRef(r["c"]): int(r["n"]) for r in select(
        client, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER isIRI(?s) } GROUP BY ?c", KNOWLEDGE)}
    properties = {URIRef(r["p"]): int(r["n"]) for r in select(
        client, "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } GROUP BY ?p",
        KNOWLEDGE)}
    stated_classes = {g.value(p, VOID["class"]): number(g, p, VOID.entities)
                      for p in g.objects(DATASET, VOID.classPartition)}
    stated_properties = {g.value(p, VOID.property): number(g, p, VOID.triples)
                         for p in g.objects(DATASET, VOID.propertyPartition)}
    assert {c: n for c, n in stated_classes.items() if n} == classes
    assert stated_properties == properties
    assert stated_classes[IUC.CityPairing] == 60


def test_void_names_endpoint_dumps_and_vocabularies(description):
    g = description
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert str(g.value(DATASET, VOID.uriSpace)) == BASE
    dumps = {str(d) for d in g.objects(DATASET, VOID.dataDump)}
    assert dumps == {BASE + "dump/" + name for name in ("iuckg.ttl", "iuckg.nt.gz", "iuckg.jsonld", "iuckg.nq")}
    vocabularies = set(g.objects(DATASET, VOID.vocabulary))
    assert {URIRef(str(SKOS)), URIRef(str(IUC)), URIRef("http://metadata.un.org/sdg/ontology#")} <= vocabularies


def test_every_linkset_count_equals_the_links_in_the_data(client, description):
    g = description
    found = {}
    for target in catalogue.TARGETS:
        for row in select(client, f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{
                ?s ?p ?o FILTER (isIRI(?o) && STRSTARTS(STR(?o), "{target.uri_space}")) }} GROUP BY ?p""",
                          [KNOWLEDGE[0]]):
            found[(target.uri_space, URIRef(row["p"]))] = int(row["n"])
    stated = {}
    for linkset in g.subjects(RDF.type, VOID.Linkset):
        assert (DATASET, VOID.subset, linkset) in g
        assert g.value(linkset, VOID.subjectsTarget) == URIRef(KNOWLEDGE[0])
        space = str(g.value(g.value(linkset, VOID.objectsTarget), VOID.uriSpace))
        stated[(space, g.value(linkset, VOID.linkPredicate))] = number(g, linkset, VOID.triples)
    assert stated == found
    assert {(catalogue.EU, SKOS.exactMatch), ("http://metadata.un.org/sdg/", IUC.alignedTo),
            ("http://metadata.un.org/sdg/", IUC.mapsTo)} <= set(stated)


def test_linkset_code_makes_one_linkset_per_target_and_predicate():
    """A target with no links gets no linkset; several predicates to one target get one each."""
    data = Graph()
    place = URIRef(BASE + "id/member/x")
    data.add((place, URIRef("http://www.w3.org/2002/07/owl#sameAs"), URIRef("https://sws.geonames.org/3128760/")))
    data.add((place, SKOS.exactMatch, URIRef("https://sws.geonames.org/3128760/")))
    data.add((place, SKOS.closeMatch, URIRef("http://eurovoc.europa.eu/2281")))
    data.add((place, SKOS.closeMatch, URIRef("http://eurovoc.europa.eu/1690")))
    out = Graph()
    catalogue.describe_linksets(out, data, Minter(BASE))
    counts = {(str(out.value(ls, VOID.objectsTarget)).rsplit("/", 1)[1], out.value(ls, VOID.linkPredicate)):
              int(out.value(ls, VOID.triples)) for ls in out.subjects(RDF.type, VOID.Linkset)}
    assert counts == {("geonames", URIRef("http://www.w3.org/2002/07/owl#sameAs")): 1,
                      ("geonames", SKOS.exactMatch): 1, ("eurovoc", SKOS.closeMatch): 2}


def test_modified_date_follows_source_date_epoch(monkeypatch, web_settings):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    assert catalogue.modified(web_settings).isoformat() == "2020-09-13"


# --- schema.org, landing page, Link headers ---------------------------------------------------------


def landing_jsonld(client) -> dict:
    """The schema.org JSON-LD embedded in the landing page."""
    html = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_landing_page_has_a_schema_org_dataset(client, description):
    doc = landing_jsonld(client)
    assert doc["@type"] == "Dataset" and doc["@id"] == str(DATASET)
    assert doc["name"] == str(description.value(DATASET, DCTERMS.title))
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["creator"]["@type"] == "Organization" and doc["creator"]["name"]
    assert doc["temporalCoverage"] == "2017-01-01/2020-12-31"
    assert {p["sameAs"] for p in doc["spatialCoverage"]} == {
        str(p) for p in description.objects(DATASET, DCTERMS.spatial)}
    downloads = {str(description.value(d, DCAT.downloadURL)) for d in description.objects(DATASET, DCAT.distribution)}
    assert {d["contentUrl"] for d in doc["distribution"]} == downloads
    assert all(d["@type"] == "DataDownload" and d["encodingFormat"] for d in doc["distribution"])


def test_landing_page_links_every_download_and_the_descriptions(client):
    r = client.get("/", headers={"Accept": "text/html"})
    html = r.get_data(as_text=True)
    for name, media_type in DUMP_FILES.items():
        assert f'href="/dump/{name}" type="{media_type}" download' in html  # each answers 200: test_crawler.py
    for path in ("/.well-known/void", "/catalogue", "/sitemap.xml"):
        assert f'href="{path}"' in html


@pytest.mark.parametrize("path, headers", [
    ("/", {"Accept": "text/html"}),
    ("/doc/id/member/barcelona-es", {"Accept": "text/html"}),
    ("/sparql", {"Accept": "text/html"}),
    ("/sparql?query=ASK%7B%7D&format=html", {}),
    ("/.well-known/void", {"Accept": "text/turtle"}),
    ("/catalogue", {"Accept": "application/ld+json"}),
    ("/doc/id/member/barcelona-es.ttl", {}),
])
def test_responses_with_an_rdf_twin_name_it_in_a_link_header(client, path, headers):
    r = client.get(path, headers=headers)
    assert r.status_code == 200
    links = re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', r.headers.get("Link", ""))
    rdf = [(url, media_type) for url, media_type in links if media_type in ("text/turtle", "application/ld+json")]
    assert rdf, r.headers.get("Link")
    for url, media_type in rdf:
        twin = client.get(url, headers={"Accept": media_type})
        assert twin.status_code == 200 and twin.mimetype == media_type


# --- sitemaps and robots.txt ---------------------------------------------------------------------------


def locations(response) -> list[str]:
    """The <loc> URLs of a sitemap or sitemap index."""
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return [loc.text for loc in ET.fromstring(response.data).iter(f"{SITEMAP}loc")]


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_sitemap_lists_the_page_of_every_resource_and_each_answers_200(client):
    urls = locations(client.get("/sitemap.xml"))
    subjects = {row["s"].split("#")[0] for row in select(
        client, f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{BASE}")) }}')}
    documents = {BASE + "doc/" + s[len(BASE):] if s != BASE else BASE for s in subjects}
    goals_and_targets = {BASE + "sdg/" + row["t"].rsplit("/", 1)[1] for row in select(
        client, f"SELECT DISTINCT ?t WHERE {{ ?p <{BASE}def/iuc#alignment>/<{BASE}def/iuc#alignedTo> ?a . "
                "?a <http://www.w3.org/2004/02/skos/core#broader>? ?t "
                "FILTER STRSTARTS(STR(?t), 'http://metadata.un.org/sdg/') }")}  # the goals of targets too
    people = {BASE + p for p in ("pairings", "members", "countries", "map", "charts", "sparql")}
    assert set(urls) == documents | goals_and_targets | people
    assert BASE + "doc/id/member/barcelona-es" in urls and BASE + "sdg/11.1" in urls and len(urls) > 1000
    failures = [(url, status) for url in urls
                if (status := client.get(url[len(BASE) - 1:], headers={"Accept": "text/html"}).status_code) != 200]
    assert failures == []


def test_sitemap_becomes_an_index_past_the_limit(client, monkeypatch):
    every = locations(client.get("/sitemap.xml"))
    monkeypatch.setattr(sitemap, "SITEMAP_SIZE", 400)
    index = client.get("/sitemap.xml")
    assert ET.fromstring(index.data).tag == f"{SITEMAP}sitemapindex"
    files = locations(index)
    assert files == [f"{BASE}sitemap-{n}.xml" for n in range(1, math.ceil(len(every) / 400) + 1)]
    listed = []
    for url in files:
        urls = locations(client.get(url[len(BASE) - 1:]))
        assert 0 < len(urls) <= 400
        listed += urls
    assert listed == every
    assert client.get(f"/sitemap-{len(files) + 1}.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_robots_txt_allows_everything_and_points_to_the_sitemap(client):
    r = client.get("/robots.txt")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    lines = r.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines and f"Sitemap: {BASE}sitemap.xml" in lines


# --- HTTP caching and compression -------------------------------------------------------------------------

READS = {
    "landing page": ("/", {"Accept": "text/html"}),
    "resource page": ("/doc/id/member/barcelona-es", {"Accept": "text/html"}),
    "resource RDF": ("/doc/id/member/barcelona-es", {"Accept": "text/turtle"}),
    "ontology": ("/doc/def/iuc.jsonld", {}),
    "SPARQL results": ("/sparql?query=SELECT%20%2A%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%20200",
                       {"Accept": "application/sparql-results+json"}),
    "SPARQL editor": ("/sparql?query=SELECT%20%2A%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2050",
                      {"Accept": "text/html"}),
    "service description": ("/sparql", {"Accept": "text/turtle"}),
    "VoID": ("/.well-known/void", {}),
    "DCAT-AP": ("/catalogue", {"Accept": "application/rdf+xml"}),
    "Turtle dump": ("/dump/iuckg.ttl", {}),
    "N-Quads dump": ("/dump/iuckg.nq", {}),
    "sitemap": ("/sitemap.xml", {}),
    "robots.txt": ("/robots.txt", {}),
}
# Responses compressed on the fly: not those under 500 bytes (flask-compress leaves them alone), nor
# the dumps (streamed from their files as they are, so that Range requests can resume a download).
COMPRESSIBLE = [name for name in READS if name != "robots.txt" and not READS[name][0].startswith("/dump/")]


@pytest.mark.parametrize("name", READS)
def test_read_responses_have_validators_and_answer_304(client, name):
    path, headers = READS[name]
    r = client.get(path, headers=headers)
    assert r.status_code == 200
    etag, last_modified = r.headers["ETag"], r.headers["Last-Modified"]
    assert client.get(path, headers=headers).headers["ETag"] == etag, "the tag is stable"
    unchanged = client.get(path, headers={**headers, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
    assert client.get(path, headers={**headers, "If-Modified-Since": last_modified}).status_code == 304
    assert client.get(path, headers={**headers, "If-None-Match": '"another"'}).status_code == 200


@pytest.mark.parametrize("name", COMPRESSIBLE)
def test_read_responses_are_gzipped_when_the_client_accepts_it(client, name):
    path, headers = READS[name]
    plain = client.get(path, headers=headers)
    zipped = client.get(path, headers={**headers, "Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    assert gzip.decompress(zipped.data) == plain.data
    etag = zipped.headers["ETag"]
    assert etag != plain.headers["ETag"]
    again = client.get(path, headers={**headers, "Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize("name", [name for name in READS if not READS[name][0].startswith("/sparql")])
def test_head_answers_the_validators_of_get(client, name):
    path, headers = READS[name]
    got, head = client.get(path, headers=headers), client.head(path, headers=headers)
    assert head.status_code == 200 and head.data == b""
    assert (head.headers["ETag"], head.headers["Last-Modified"]) == (got.headers["ETag"], got.headers["Last-Modified"])


@pytest.mark.parametrize("name", ["iuckg.ttl", "iuckg.nq"])
def test_dumps_are_streamed_from_their_files_with_ranges_and_validators(client, web_settings, name):
    content = (web_settings.dist_dir / name).read_bytes()
    r = client.get(f"/dump/{name}", headers={"Accept-Encoding": "gzip"})
    assert r.is_streamed and r.data == content and int(r.headers["Content-Length"]) == len(content)
    assert "Content-Encoding" not in r.headers, "a file of any size is sent as it is (resumable)"
    part = client.get(f"/dump/{name}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == content[100:200]
    assert client.get(f"/dump/{name}", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_gzipped_dump_is_served_as_it_is(client):
    r = client.get("/dump/iuckg.nt.gz", headers={"Accept-Encoding": "gzip"})
    assert r.mimetype == "application/gzip" and "Content-Encoding" not in r.headers
    assert gzip.decompress(r.data).startswith(b"<")


def test_each_representation_has_its_own_tag(client):
    tags = {client.get("/doc/id/member/barcelona-es", headers={"Accept": media_type}).headers["ETag"]
            for media_type in ("text/html", "text/turtle", "application/n-triples", "application/ld+json")}
    assert len(tags) == 4
    english, french = (client.get("/doc/id/theme/smart-cities-innovation",
                                  headers={"Accept": "text/html", "Accept-Language": lang}) for lang in ("en", "fr"))
    assert english.headers["ETag"] != french.headers["ETag"]


def test_failures_and_posted_queries_carry_no_validators(client):
    assert "ETag" not in client.get("/doc/id/member/atlantis-xx").headers
    posted = client.post("/sparql", data={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})
    assert posted.status_code == 200 and "ETag" not in posted.headers


def test_tags_change_when_the_data_changes_and_only_then(web_settings, tmp_path):
    request = ("/doc/id/member/barcelona-es", {"Accept": "text/turtle"})

    def tag(settings) -> str:
        return create_app(settings).test_client().get(request[0], headers=request[1]).headers["ETag"]

    original = tag(web_settings)
    same = tmp_path / "same"
    shutil.copytree(web_settings.dist_dir, same)
    assert tag(web_settings.with_(dist_dir=same)) == original
    changed = tmp_path / "changed"
    shutil.copytree(web_settings.dist_dir, changed)
    with open(changed / STORE_FILE, "ab") as nq:
        nq.write(f'<{BASE}id/member/barcelona-es> <{BASE}def/iuc#note> "changed" <{BASE}graph/data> .\n'.encode())
    assert tag(web_settings.with_(dist_dir=changed)) != original


def test_the_landing_page_and_the_sitemap_query_the_store_once(web_settings):
    from iuckg.store import open_backend
    from iuckg.web.app import warm_up

    class Counting:
        """A backend that counts the queries it answers."""

        def __init__(self, backend) -> None:
            self.backend, self.queries = backend, 0

        def query(self, text, **options):
            self.queries += 1
            return self.backend.query(text, **options)

        def named_graphs(self):
            return self.backend.named_graphs()

    store = Counting(open_backend(web_settings))
    app = create_app(web_settings, store=store)
    warm_up(app)
    warmed = store.queries
    assert warmed >= 1, "the sitemap's subjects (the landing page's counts come from the index)"
    client = app.test_client()
    for path in ("/", "/sitemap.xml", "/", "/sitemap.xml"):
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 200
    assert store.queries == warmed


def test_a_store_that_fails_while_warming_up_is_asked_again_later(web_settings):
    from iuckg.store import StoreError, open_backend
    from iuckg.web.app import warm_up

    class Flaky:
        """A backend that fails until it is told to answer."""

        def __init__(self, backend) -> None:
            self.backend, self.up = backend, False

        def query(self, text, **options):
            if not self.up:
                raise StoreError("the store did not answer (simulated)")
            return self.backend.query(text, **options)

        def named_graphs(self):
            return self.backend.named_graphs()

    store = Flaky(open_backend(web_settings))
    app = create_app(web_settings, store=store)
    warm_up(app)  # logs, does not raise
    store.up = True
    assert app.test_client().get("/", headers={"Accept": "text/html"}).status_code == 200


def test_warming_up_loads_what_the_first_page_needs(web_settings):
    """The first resource page of a worker took most of a second (the collation table, the templates' compiling)."""
    from iuckg.collation import collator
    from iuckg.web.app import warm_up

    app = create_app(web_settings)
    collator.cache_clear()
    try:
        warm_up(app)
    finally:
        app.extensions["iuckg"].close()
    assert collator.cache_info().currsize == 1
    compiled = {name for _, name in app.jinja_env.cache.keys()}
    assert set(app.jinja_env.list_templates()) <= compiled
