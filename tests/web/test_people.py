"""Search, lists and the landing page's counts, in process: every count and row is checked against SPARQL."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from .conftest import BASE

IUC = BASE + "def/iuc#"
PREFIXES = (f"PREFIX iuc: <{IUC}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")
HTML = {"Accept": "text/html"}


def select(client, query: str) -> list[dict]:
    """The bindings of a SELECT query, as plain values."""
    r = client.get("/sparql", query_string={"query": PREFIXES + query},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.data
    return [{k: v["value"] for k, v in b.items()} for b in r.get_json()["results"]["bindings"]]


class Links(HTMLParser):
    """The links of a page (href, text), those of a table's body apart, and the <main> text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.rows: list[list[str]] = []
        self.row_links: list[str] = []
        self._href: str | None = None
        self._text: list[str] = []
        self._in_tbody = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._href, self._text = attrs.get("href"), []
            if self._in_tbody and self.rows and len(self.rows[-1]) == 0:
                self.row_links.append(attrs.get("href"))
        elif tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody:
            self.rows.append([])
        elif tag == "td" and self._in_tbody:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None
        elif tag == "tbody":
            self._in_tbody = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parsed(client, url: str) -> Links:
    r = client.get(url, headers=HTML)
    assert r.status_code == 200, (url, r.status_code)
    page = Links()
    page.feed(r.get_data(as_text=True))
    return page


# --- the landing page ------------------------------------------------------------------------------------


def test_landing_page_counts_pairings_members_and_countries_in_plain_words(client):
    pairings = select(client, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p iuc:hasSide ?s }")[0]["n"]
    members = select(client, "SELECT (COUNT(DISTINCT ?m) AS ?n) { ?p iuc:hasSide/iuc:sideMember ?m }")[0]["n"]
    countries = select(client, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?p iuc:hasSide/iuc:sideMember/iuc:country ?c }")[0]["n"]
    page = parsed(client, "/")
    texts = {" ".join(text.split()): href for href, text in page.links}
    assert texts[f"{pairings} pairings"] == "/pairings"
    assert texts[f"{members} cities and regions"] == "/members"
    eu = select(client, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?c iuc:euMemberState true }")[0]["n"]
    assert texts[f"{countries} countries ({eu} in the EU, {int(countries) - int(eu)} partners)"] == "/countries"


def test_landing_page_counts_pairings_per_theme_and_topic_not_themes(client):
    """'Housing' counts the pairings aligned to it (11 on the real graph), not the one theme it belongs to."""
    expected = {row["label"]: int(row["n"]) for row in select(client, """
        SELECT ?label (COUNT(DISTINCT ?p) AS ?n) {
          ?p iuc:alignment/iuc:alignedTo ?t . ?t a iuc:UrbanAgendaTopic ; rdfs:label ?label } GROUP BY ?label""")}
    html = client.get("/", headers=HTML).get_data(as_text=True)
    for label, n in expected.items():
        assert f">{label}</a> <span class=\"n\">{n}</span>" in html.replace("&amp;", "&"), label
    assert expected["Housing"] > 1


# --- search ----------------------------------------------------------------------------------------------


def found(client, text: str) -> list[dict]:
    r = client.get("/search.json", query_string={"q": text})
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()["results"]


@pytest.mark.parametrize("text, label, kind", [
    ("medell", "Medellín", "member"), ("MEDELLIN", "Medellín", "member"), ("san sebast", "Donostia-San Sebastián", "member"),
    ("malaga", "Málaga", "member"), ("sao leop", "São Leopoldo", "member"), ("rotterdam", "Surat – Rotterdam", "pairing"),
    ("united sta", "United States", "country"), ("housing", "Housing", "topic"),
    ("mobility", "Mobility & transport", "theme"), ("goal 11", "Goal 11: Sustainable cities and communities", "sdg"),
    ("water plaza", "Surat water plaza", "action"),
])
def test_search_finds_by_partial_accent_free_words(client, text, label, kind):
    assert (label, kind) in [(r["label"], r["kind"]) for r in found(client, text)]


def test_a_member_found_names_its_pairing(client):
    medellin = next(r for r in found(client, "medellin") if r["kind"] == "member")
    assert "Cali & Medellín – Belfast" in medellin["context"]
    assert medellin["path"] == "/id/member/medellin-co" and medellin["url"] == BASE + "id/member/medellin-co"


def test_every_member_is_found_by_its_label(client):
    members = select(client, "SELECT DISTINCT ?m ?label { ?p iuc:hasSide/iuc:sideMember ?m . ?m rdfs:label ?label }")
    for row in members:
        paths = [r["path"] for r in found(client, row["label"])]
        assert "/" + row["m"][len(BASE):] in paths, row["label"]


def test_search_page_groups_results_by_kind_and_works_without_javascript(client):
    r = client.get("/search", query_string={"q": "madrid"}, headers=HTML)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert html.index("Cities and regions") < html.index("<h2>Pairings")
    assert 'href="/id/member/madrid-es"' in html and 'value="madrid"' in html


def test_suggestions_and_opensearch_description(client):
    r = client.get("/search/suggest", query_string={"q": "barcel"})
    text, labels, descriptions, urls = r.get_json()
    assert r.mimetype == "application/x-suggestions+json"
    assert text == "barcel" and "Barcelona" in labels and len(labels) == len(descriptions) == len(urls)
    xml = ET.fromstring(client.get("/opensearch.xml").data)
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    templates = {u.get("type"): u.get("template") for u in xml.findall("os:Url", ns)}
    assert templates["text/html"] == BASE + "search?q={searchTerms}"
    assert templates["application/x-suggestions+json"] == BASE + "search/suggest?q={searchTerms}"
    assert 'rel="search"' in client.get("/pairings", headers=HTML).get_data(as_text=True)


def test_a_missing_page_suggests_what_it_may_have_meant(client):
    r = client.get("/id/member/medellin", headers=HTML)
    assert r.status_code == 404
    assert 'href="/id/member/medellin-co"' in r.get_data(as_text=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_search_text_answers_without_error(client, text):
    for path in ("/search.json", "/search", "/search/suggest"):
        assert client.get(path, query_string={"q": text}, headers=HTML).status_code == 200


@pytest.mark.parametrize("text", ['"', 'NEAR(a b)', "a OR", "* *", "-x", "^", "a:b", "AND", "x" * 5000, "🙂", "\x00"])
def test_fts_syntax_in_the_text_is_taken_as_words(client, text):
    assert client.get("/search.json", query_string={"q": text}).status_code == 200


# --- lists -----------------------------------------------------------------------------------------------


def test_pairings_list_has_every_pairing_with_both_sides(client):
    expected = {row["p"][len(BASE) - 1:] for row in select(client, "SELECT DISTINCT ?p { ?p iuc:hasSide ?s }")}
    page = parsed(client, "/pairings?size=1000")
    assert set(page.row_links) == expected
    headings = ["Pairing", "EU side", "EU country", "Partner side", "Partner country", "Kind", "Theme", "Case study"]
    html = client.get("/pairings", headers=HTML).get_data(as_text=True)
    assert all(f">{h}" in html for h in headings)


def test_a_facet_filters_to_exactly_the_pairings_with_that_value(client):
    theme = BASE + "id/theme/mobility-transport"
    expected = {row["p"][len(BASE) - 1:] for row in select(client, f"SELECT ?p {{ ?p iuc:theme <{theme}> }}")}
    page = parsed(client, "/pairings?theme=mobility-transport")
    assert set(page.row_links) == expected and len(page.rows) == len(expected)
    rows = list(csv.DictReader(io.StringIO(client.get("/pairings.csv?theme=mobility-transport").get_data(as_text=True))))
    assert [r["url"][len(BASE) - 1:] for r in rows] == page.row_links


def test_facets_combine_and_count_what_they_filter(client):
    both = select(client, f"""SELECT DISTINCT ?p {{ ?p iuc:hasMember/iuc:country <{BASE}id/country/ESP> ;
                                   iuc:alignment/iuc:alignedTo <http://metadata.un.org/sdg/11> }}""")
    data = client.get("/pairings.json?country=ESP&sdg=11").get_json()
    assert data["total"] == len(both) == len(data["rows"])
    goals = {row["g"]: int(row["n"]) for row in select(client, """
        SELECT ?g (COUNT(DISTINCT ?p) AS ?n) { ?p iuc:alignment/iuc:alignedTo ?t . ?t skos:broader* ?g .
          ?g a <http://metadata.un.org/sdg/ontology#Goal> } GROUP BY ?g""")}
    html = client.get("/pairings", headers=HTML).get_data(as_text=True)
    for goal, n in goals.items():
        code = goal.rsplit("/", 1)[1]
        assert f'href="/pairings?sdg={code}"' in html
        assert data_total(client, f"/pairings.json?sdg={code}") == n, code


def data_total(client, url: str) -> int:
    return client.get(url).get_json()["total"]


def test_members_sort_by_the_unicode_collation_algorithm(client):
    rows = client.get("/members.json?country=ESP").get_json()["rows"]
    labels = [r["label"] for r in rows]
    assert labels.index("Madrid") < labels.index("Málaga") < labels.index("Murcia")
    descending = [r["label"] for r in client.get("/members.json?country=ESP&desc=1").get_json()["rows"]]
    assert descending == labels[::-1]


def test_members_name_their_partners_and_countries_their_side(client):
    barcelona = next(r for r in client.get("/members.json?country=ESP").get_json()["rows"] if r["label"] == "Barcelona")
    assert barcelona["partners"] == "New York" and barcelona["side"] == "EU" and barcelona["country_label"] == "Spain"
    countries = {r["label"]: r for r in client.get("/countries.json").get_json()["rows"]}
    assert countries["Spain"]["side"] == "EU" and countries["India"]["side"] == "partner"
    n = select(client, f"SELECT (COUNT(DISTINCT ?p) AS ?n) {{ ?p iuc:hasMember/iuc:country <{BASE}id/country/ESP> }}")
    assert countries["Spain"]["pairings"] == int(n[0]["n"])


def test_json_pages_follow_each_other_and_cover_every_row_once(client):
    url, seen = "/pairings.json?size=7", []
    while url:
        body = client.get(url).get_json()
        seen += [r["iri"] for r in body["rows"]]
        url = body.get("next")
    assert len(seen) == len(set(seen)) == data_total(client, "/pairings.json")


def test_html_pages_link_to_each_other(client):
    first = parsed(client, "/pairings?size=20")
    nxt = [href for href, text in first.links if text.startswith("next")]
    assert nxt == ["/pairings?size=20&page=2"]
    last = parsed(client, "/pairings?size=20&page=4")
    assert len(last.rows) == data_total(client, "/pairings.json") - 60
    assert client.get("/pairings?size=20&page=5", headers=HTML).status_code == 404


@pytest.mark.parametrize("url", ["/pairings?colour=red", "/pairings?sort=iri", "/members?page=0", "/members?size=x",
                                 "/countries.csv?page=-1", "/pairings?page=" + "9" * 30])
def test_bad_list_parameters_are_400(client, url):
    r = client.get(url, headers=HTML)
    assert r.status_code == 400


def test_the_index_is_a_file_of_the_build_in_its_manifest(web_settings):
    from iuckg.integrity import damage
    from iuckg.layout import INDEX_FILE, SUMMARY_FILE

    summary = json.loads((web_settings.dist_dir / SUMMARY_FILE).read_text())
    assert INDEX_FILE in summary["files"]
    assert damage(web_settings.dist_dir, summary["files"]) is None


def test_a_build_without_the_index_is_built_again_before_it_is_served(web_settings, tmp_path):
    import shutil

    from iuckg.layout import INDEX_FILE, SUMMARY_FILE
    from iuckg.serve import stale

    dist = tmp_path / "dist"
    shutil.copytree(web_settings.dist_dir, dist, ignore=shutil.ignore_patterns("store"))
    settings = web_settings.with_(dist_dir=dist)
    assert stale(settings) is None
    summary = json.loads((dist / SUMMARY_FILE).read_text())
    del summary["files"][INDEX_FILE]
    (dist / SUMMARY_FILE).write_text(json.dumps(summary))
    assert "without the search and list index" in stale(settings)
