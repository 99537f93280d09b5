"""Resource pages for people, in process: what a page leads with, what it never shows, how it sorts and names
things; SDG pages, the favicon and the dataset description for browsers. Expectations come from SPARQL."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import pyuca
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from iuckg.store import load_store
from iuckg.web.app import create_app

from .conftest import BASE

IUC = BASE + "def/iuc#"
PREFIXES = (f"PREFIX iuc: <{IUC}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX prov: <http://www.w3.org/ns/prov#> ")
HTML = {"Accept": "text/html"}
FIREFOX_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CHROME_ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
        "application/signed-exchange;v=b3;q=0.7")
COLLATOR = pyuca.Collator()
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"

# A sample of the minted resources of every class (two of each), with the class.
SAMPLE = """
SELECT ?class (MIN(STR(?s)) AS ?first) (MAX(STR(?s)) AS ?last) WHERE {
  ?s a ?class . FILTER (isIRI(?s) && STRSTARTS(STR(?s), "%s") && !STRSTARTS(STR(?s), "%s"))
} GROUP BY ?class
""" % (BASE + "id/", BASE + "shapes/")


class Node:
    """An element of a parsed page."""

    def __init__(self, tag: str, attrs: dict, parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        """The text inside the element, whitespace collapsed."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def elements(self) -> list[Node]:
        """The element's child elements."""
        return [c for c in self.children if isinstance(c, Node)]

    def all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        """Every descendant element with the tag and class, in document order."""
        found = []
        for child in self.elements():
            if (tag is None or child.tag == tag) and (cls is None or cls in child.attrs.get("class", "").split()):
                found.append(child)
            found += child.all(tag, cls)
        return found

    def first(self, tag: str | None = None, cls: str | None = None) -> Node:
        """The first descendant element with the tag and class."""
        found = self.all(tag, cls)
        assert found, f"no <{tag} class={cls}>"
        return found[0]

    def inside(self, tag: str, cls: str | None = None) -> bool:
        """Whether an ancestor has the tag (and class)."""
        node = self.parent
        while node is not None:
            if node.tag == tag and (cls is None or cls in node.attrs.get("class", "").split()):
                return True
            node = node.parent
        return False


class Tree(HTMLParser):
    """A page parsed into Nodes (the standard library's parser)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID_ELEMENTS:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def select(client, query: str) -> list[dict]:
    """The bindings of a SELECT query through /sparql, as plain values."""
    r = client.get("/sparql", query_string={"query": PREFIXES + query},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.data
    return [{k: v["value"] for k, v in b.items()} for b in r.get_json()["results"]["bindings"]]


def html_of(client, path: str, **headers) -> Node:
    """The parsed HTML page at a path (following 303s)."""
    r = client.get(path, headers={**HTML, **headers}, follow_redirects=True)
    assert r.status_code == 200, (path, r.status_code)
    assert r.mimetype == "text/html"
    return Tree(r.get_data(as_text=True)).root


def path_of(iri: str) -> str:
    """The page of a minted IRI."""
    return "/doc/" + iri[len(BASE):]


def uca_sorted(texts: list[str]) -> bool:
    """Whether texts are in the order of the Unicode Collation Algorithm."""
    return texts == sorted(texts, key=COLLATOR.sort_key)


def links(node: Node) -> list[Node]:
    """The links (a elements with href) inside a node."""
    return [a for a in node.all("a") if a.attrs.get("href")]


def main_of(page: Node) -> Node:
    """The <main> element of a page."""
    return page.first("main")


@pytest.fixture(scope="module")
def pairings(app) -> dict[str, dict]:
    """Every pairing with its members and their countries' labels (from SPARQL)."""
    rows = select(app.test_client(), """
        SELECT ?pairing ?member ?memberLabel ?countryLabel ?eu WHERE {
          ?pairing iuc:hasMember ?member . ?member rdfs:label ?memberLabel ; iuc:country ?country .
          ?country rdfs:label ?countryLabel . OPTIONAL { ?country iuc:euMemberState ?eu }
        }""")
    found: dict[str, dict] = {}
    for row in rows:
        found.setdefault(row["pairing"], {})[row["member"]] = row
    return found


# --- the pairing page ---------------------------------------------------------------------------------------


def test_a_pairing_page_leads_with_its_members_and_their_countries(client, pairings):
    assert len(pairings) > 40
    for pairing, members in sorted(pairings.items())[::5]:
        main = main_of(html_of(client, path_of(pairing)))
        article = main.elements()[0]
        h1, lead = article.elements()[:2]
        assert h1.tag == "h1"
        assert "sides" in lead.attrs.get("class", ""), "the members come right after the heading"
        text = lead.text()
        for row in members.values():
            assert row["memberLabel"] in text and row["countryLabel"] in text, (pairing, row)
        linked = {a.attrs["title"] for a in links(lead)}
        assert set(members) <= linked, "each member is linked"
        # nothing but the heading comes before the countries in the text of <main>
        before = main.text().split(text)[0]
        assert before.strip() == h1.text()


def test_the_eu_side_is_marked_where_the_countries_say_so(client, pairings):
    marked = 0
    for pairing, members in sorted(pairings.items()):
        main = main_of(html_of(client, path_of(pairing)))
        for side in main.first("ul", "sides").elements():
            titles = {a.attrs.get("title") for a in links(side)}
            flags = {members[m]["eu"] for m in titles & set(members) if "eu" in members[m]}
            if flags == {"true"}:
                assert "eu-side" in side.attrs["class"] and side.first("span", "side-mark").text() == "EU side"
                marked += 1
            elif flags == {"false"}:
                assert side.first("span", "side-mark").text() == "Partner side"
    assert marked >= len(pairings), "every pairing has an EU side"


def test_without_eu_membership_in_the_data_a_page_says_nothing_of_sides(web_settings):
    store = load_store(web_settings)
    for quad in list(store.quads_for_pattern(None, ox.NamedNode(IUC + "euMemberState"), None)):
        store.remove(quad)
    client = create_app(web_settings, store=store).test_client()
    main = main_of(html_of(client, "/doc/id/pairing/new-york-us--barcelona-es"))
    assert "New York" in main.first("ul", "sides").text()
    assert not main.all(cls="side-mark")
    assert "EU side" not in main.text() and "Partner side" not in main.text()


def test_the_summary_shows_theme_component_case_study_and_keywords(client):
    iri = BASE + "id/pairing/new-york-us--barcelona-es"
    expected = select(client, f"""
        SELECT ?themeLabel ?componentLabel ?caseTitle ?caseText WHERE {{
          <{iri}> iuc:theme ?theme ; iuc:programmeComponent ?component ; iuc:caseStudy ?case .
          ?theme skos:prefLabel ?themeLabel . ?component rdfs:label ?componentLabel .
          ?case <http://purl.org/dc/terms/title> ?caseTitle ; <http://purl.org/dc/terms/description> ?caseText .
        }}""")[0]
    keywords = [r["k"] for r in select(client, f"SELECT ?k WHERE {{ <{iri}> iuc:keyword ?k }}")]
    summary = main_of(html_of(client, path_of(iri))).first("table", "summary")
    rows = {tr.first("th").text(): tr.first("td").text() for tr in summary.all("tr")}
    assert expected["themeLabel"] in rows["theme"]
    assert expected["componentLabel"] in rows["programme component"]
    assert expected["caseTitle"] in rows["case study"] and expected["caseText"] in rows["case study"]
    assert len(keywords) > 3 and all(k in rows["keyword"] for k in keywords)


def test_ucap_steps_are_listed_in_their_order(client):
    rows = select(client, """
        SELECT ?pairing ?label ?order WHERE {
          ?pairing iuc:actionPlan ?plan . ?plan iuc:step ?step . ?step iuc:stepOrder ?order ; skos:prefLabel ?label .
        }""")
    plans: dict[str, list] = {}
    for row in rows:
        plans.setdefault(row["pairing"], []).append((int(row["order"]), row["label"]))
    assert len(plans) > 40
    for pairing, steps in sorted(plans.items())[::7]:
        listed = main_of(html_of(client, path_of(pairing))).first("ol", "steps").elements()
        assert [li.first("a").text() for li in listed] == [label for _, label in sorted(steps)]
        assert [li.attrs["value"] for li in listed] == [str(n) for n, _ in sorted(steps)] == ["1", "2", "3", "4", "5"]


def test_actions_and_stakeholders_with_their_helix_sector(client):
    rows = select(client, """
        SELECT ?pairing ?label ?sectorLabel WHERE {
          ?pairing iuc:stakeholder ?s . ?s rdfs:label ?label ; iuc:helixSector ?sector . ?sector skos:prefLabel ?sectorLabel
        }""")
    assert rows
    for row in rows:
        section = main_of(html_of(client, path_of(row["pairing"]))).first("section", "stakeholders")
        item = next(li for li in section.first("ul").elements() if row["label"] in li.text())
        assert row["sectorLabel"] in item.first("span", "helix").text()
    actions = select(client, "SELECT ?pairing (COUNT(?a) AS ?n) WHERE { ?pairing iuc:action ?a } GROUP BY ?pairing")
    for row in actions[::4]:
        section = main_of(html_of(client, path_of(row["pairing"]))).first("section", "actions")
        assert len(section.first("ul").elements()) == int(row["n"])


def test_derived_alignments_are_folded_away_with_their_rules(client):
    iri = BASE + "id/pairing/new-york-us--barcelona-es"
    rows = select(client, f"""
        SELECT ?a ?target ?origin ?why WHERE {{
          <{iri}> iuc:alignment ?a . ?a iuc:alignedTo ?target ; prov:wasDerivedFrom ?origin .
          OPTIONAL {{ ?origin rdfs:comment ?why }}
        }}""")
    targets = {r["target"] for r in rows}
    assert len(targets) > 10
    main = main_of(html_of(client, path_of(iri)))
    details = main.first("details", "alignments")
    assert "Derived by the curators" in details.text()
    table_rows = details.first("tbody").elements()
    assert len(table_rows) == len(targets)
    shown = {a.attrs["title"]: a.attrs["href"] for a in links(details)}
    for target in targets:
        assert target in shown
        if target.startswith("http://metadata.un.org/sdg/"):  # SDG links stay on this server
            assert shown[target] == "/sdg/" + target.rsplit("/", 1)[1]
    for row in rows:
        assert row["origin"] in shown
        if "why" in row:
            assert row["why"] in details.text()
    # nothing outside the <details> names an alignment or an SDG
    for a in links(main):
        if a.attrs["href"].startswith("/sdg/") or "/alignment/" in a.attrs["href"]:
            assert a.inside("details", "alignments"), a.attrs["href"]


# --- the member page ----------------------------------------------------------------------------------------


def test_a_member_page_names_its_partners_with_their_countries(client):
    rows = select(client, """
        SELECT ?member ?pairing ?partnerLabel ?countryLabel WHERE {
          ?pairing iuc:hasSide ?mine, ?theirs . FILTER (?mine != ?theirs)
          ?mine iuc:sideMember ?member . ?theirs iuc:sideMember ?partner .
          ?partner rdfs:label ?partnerLabel ; iuc:country ?country . ?country rdfs:label ?countryLabel .
        }""")
    partners: dict[str, list] = {}
    for row in rows:
        partners.setdefault(row["member"], []).append(row)
    assert len(partners) > 100
    for member, expected in sorted(partners.items())[::9]:
        main = main_of(html_of(client, path_of(member)))
        pairing_sections = main.all("section", "partnership")
        for row in expected:
            section = next(s for s in pairing_sections if s.first("h3").first("a").attrs["title"] == row["pairing"])
            partner_line = next(li for li in section.first("ul").elements() if li.text().startswith("Partner"))
            assert row["partnerLabel"] in partner_line.text() and row["countryLabel"] in partner_line.text()
        assert main.all(tag="div") and any(d.attrs.get("id") == "member-map" for d in main.all("div"))


def test_barcelona_names_new_york_and_its_country(client):
    main = main_of(html_of(client, "/doc/id/member/barcelona-es"))
    partnership = main.first("section", "partnership")
    assert "New York – Barcelona" in partnership.first("h3").text()
    assert "New York" in partnership.text() and "United States" in partnership.text()
    assert "Social inclusion and urban regeneration" in partnership.text()


# --- what no page shows -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(app) -> list[str]:
    """Two minted resources of every class of the store (not hard-coded: whatever the store holds)."""
    rows = select(app.test_client(), SAMPLE)
    assert len(rows) > 30
    return sorted({r[k] for r in rows for k in ("first", "last")})


def test_no_page_shows_blank_nodes_shapes_curation_notes_or_datatypes(client, sample):
    notes = [r["note"] for r in select(client, "SELECT ?note WHERE { ?s skos:editorialNote ?note }")]
    assert notes
    for iri in sample:
        r = client.get(path_of(iri), headers=HTML)
        assert r.status_code == 200, iri
        html = r.get_data(as_text=True)
        page = Tree(html).root
        main = main_of(page)
        text = main.text()
        attributes = " ".join(v for node in main.all() for v in node.attrs.values())
        assert "_:" not in text and "_:" not in attributes, iri
        assert not re.search(r"\bn3-|\bub\d+bL\d+|\bN[0-9a-f]{32}\b", text + attributes), iri
        assert "editorialNote" not in html and not any(note in text for note in notes), iri
        assert not re.search(r"\b(decimal|integer|boolean|nonNegativeInteger|dateTime|gYear)\b", text), iri
        assert not main.all(cls="datatype"), iri
        assert "/shapes/" not in attributes and "shacl#" not in attributes, iri
        assert not re.search(r"\b(sh|xsd):|NodeShape|PropertyShape", text), iri


def test_html_lang_is_the_language_of_the_labels_shown(client, sample):
    for iri in sample[::3]:
        assert html_of(client, path_of(iri)).first("html").attrs["lang"] == "en"
    assert html_of(client, "/sdg/11", **{"Accept-Language": "fr"}).first("html").attrs["lang"] == "fr"
    assert html_of(client, "/sdg/11?lang=es").first("html").attrs["lang"] == "es"
    # a language no label has: the page shows English labels, and says so
    assert html_of(client, "/doc/id/member/barcelona-es?lang=xx").first("html").attrs["lang"] == "en"
    assert html_of(client, "/sdg/11?lang=xx").first("html").attrs["lang"] == "en"


def test_headings_are_in_order(client, sample):
    for path in [path_of(iri) for iri in sample] + ["/sdg/11", "/sdg/11.1", "/doc/def/iuc"]:
        main = main_of(html_of(client, path))
        levels = [int(h.tag[1]) for h in main.all() if re.fullmatch(r"h[1-6]", h.tag)]
        assert levels[0] == 1 and levels.count(1) == 1, path
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (path, levels)


def test_values_are_readable(client):
    main = main_of(html_of(client, "/doc/id/dataset/iuckg"))
    text = main.text()
    issued = select(client, "SELECT ?d WHERE { ?s <http://purl.org/dc/terms/issued> ?d } LIMIT 1")[0]["d"]
    assert issued not in text, "dates are spelled out"
    assert re.search(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}}\b", text)
    country = main_of(html_of(client, "/doc/id/country/ESP"))
    row = next(tr for tr in country.all("tr") if "EU Member State" in tr.first("th").text())
    assert row.first("td").text() == "yes"
    member = main_of(html_of(client, "/doc/id/member/barcelona-es"))
    latitude = next(tr for tr in member.all("tr") if tr.first("th").text() == "latitude")
    assert re.fullmatch(r"-?\d+\.\d+", latitude.first("td").text())


# --- lists: sorted by the Unicode Collation Algorithm -------------------------------------------------------


def test_lists_sort_by_the_unicode_collation_algorithm(client):
    main = main_of(html_of(client, "/doc/id/country/ESP"))
    members = [a.text() for a in links(main.first("table", "referenced-by"))
               if a.attrs.get("title", "").startswith(BASE + "id/member/")]
    assert members.index("Málaga") < members.index("Murcia") and members.index("Madrid") < members.index("Málaga")
    assert uca_sorted(members)
    pairings = [a.text() for a in links(main.first("section", "pairings"))]
    assert uca_sorted(pairings) and len(pairings) > 5


@pytest.mark.parametrize("kind, query", [
    ("ThematicStream", "?pairing iuc:theme ?concept"),
    ("UrbanAgendaTopic", "?pairing iuc:alignment ?a . ?a iuc:alignedTo ?concept"),
    ("Country", "?pairing iuc:hasMember ?m . ?m iuc:country ?concept"),
])
def test_concept_pages_list_their_pairings(client, kind, query):
    rows = select(client, f"""
        SELECT ?concept ?pairing ?label WHERE {{
          ?concept a iuc:{kind} . OPTIONAL {{ {query} . ?pairing rdfs:label ?label }}
        }}""")
    expected: dict[str, set] = {}
    for row in rows:
        expected.setdefault(row["concept"], set()).update([row["label"]] if "label" in row else [])
    assert len(expected) > 5
    for concept, labels in sorted(expected.items())[::2]:
        section = main_of(html_of(client, path_of(concept))).first("section", "pairings")
        listed = [a.text() for a in links(section)]
        assert set(listed) == labels and uca_sorted(listed), concept
        assert all(urlsplit(a.attrs["href"]).path.startswith("/id/pairing/") for a in links(section))


# --- SDG pages ----------------------------------------------------------------------------------------------


def test_sdg_goals_and_targets_have_local_pages(client):
    used = select(client, "SELECT DISTINCT ?target WHERE { ?a iuc:alignedTo ?target "
                          "FILTER STRSTARTS(STR(?target), 'http://metadata.un.org/sdg/') }")
    assert len(used) > 20
    for row in used:
        code = row["target"].rsplit("/", 1)[1]
        pairings = {r["label"] for r in select(client, f"""
            SELECT ?label WHERE {{ ?pairing iuc:alignment ?a . ?a iuc:alignedTo ?t .
                                  ?t skos:broader* <{row['target']}> . ?pairing rdfs:label ?label }}""")}
        note = select(client, f"SELECT ?n WHERE {{ <{row['target']}> skos:note ?n FILTER (lang(?n) = 'en') }}")[0]["n"]
        main = main_of(html_of(client, f"/sdg/{code}"))
        assert note in main.first("h1").text()
        listed = [a.text() for a in links(main.first("section", "pairings"))]
        assert set(listed) == pairings and uca_sorted(listed), code
        assert any(a.attrs["href"] == row["target"] for a in links(main)), "links out to the UN IRI"


def test_an_sdg_page_in_french_and_as_rdf(client):
    main = main_of(html_of(client, "/sdg/11.1", **{"Accept-Language": "fr"}))
    assert main.first("h1").text() == "Cible 11.1"
    assert "logement" in main.first("p", "statement").text()
    assert "/sdg/11" in [a.attrs["href"] for a in links(main.first("p", "goal"))]
    r = client.get("/sdg/11.1", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    graph = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    assert len(list(graph.objects(URIRef("http://metadata.un.org/sdg/11.1"), SKOS.prefLabel))) == 3


@pytest.mark.parametrize("code", ["99", "C110101", "11.99", "..", "%3Cscript%3E", "1" * 300, "11.1.1", "Goals"])
def test_unknown_sdg_codes_are_404(client, code):
    assert client.get(f"/sdg/{code}", headers=HTML).status_code == 404


# --- the favicon and the dataset description ----------------------------------------------------------------


def test_the_favicon_answers(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert ET.fromstring(r.data).tag == "{http://www.w3.org/2000/svg}svg"
    page = html_of(client, "/doc/id/member/barcelona-es")
    icon = next(link for link in page.all("link") if link.attrs.get("rel") == "icon")
    assert client.get(icon.attrs["href"]).status_code == 200


@pytest.mark.parametrize("accept", ["text/html", FIREFOX_ACCEPT, CHROME_ACCEPT])
def test_a_browser_asking_for_the_void_gets_the_dataset_page(client, accept):
    r = client.get("/.well-known/void", headers={"Accept": accept})
    assert r.status_code == 303 and r.headers["Location"] == "/doc/id/dataset/iuckg"
    main = main_of(html_of(client, r.headers["Location"]))
    assert main.first("h1").text() == "IUC knowledge graph"


@pytest.mark.parametrize("accept, media_type", [
    ("text/turtle", "text/turtle"), (None, "text/turtle"), ("*/*", "text/turtle"),
    ("application/ld+json", "application/ld+json"), ("text/turtle, text/html;q=0.5", "text/turtle"),
])
def test_rdf_clients_keep_getting_the_void(client, accept, media_type):
    r = client.get("/.well-known/void", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and r.mimetype == media_type
    assert "void#Dataset" in r.get_data(as_text=True) or "void:Dataset" in r.get_data(as_text=True)
