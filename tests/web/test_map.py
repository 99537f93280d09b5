"""The map of the pairings: every member placed (approximately only by reference data), the macro's data
for each mode, the /map page and its answers to any input, and the map drawn in Chromium."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pycountry
import pytest
from flask import render_template_string
from markupsafe import escape as html_escape

from iuckg.web import geography
from iuckg.web.geography import landing_map, member_map, pairing_map, places

from .browser import DESKTOP, PHONE, SCREENSHOTS, publish_image

STATIC = Path(geography.__file__).resolve().parent / "static"
VENDORED = {"world-atlas": ["countries-110m.json"], "d3-geo": ["d3-geo.min.js"], "d3-array": ["d3-array.min.js"],
            "topojson-client": ["topojson-client.min.js"]}
MAX_IMAGE_BYTES = 300_000
PAGE_BUDGET = 100_000  # bytes of the HTML of any page
LANDING_BUDGET = 500_000  # bytes Chromium transfers for the landing page and all it loads, compressed
MACRO = '{% from "_map.html" import world_map %}{{ world_map(data, "A caption") }}'


def iuc(pub) -> str:
    """The iuc namespace of the app's store."""
    return str(pub.minter.iuc)


def select(pub, query: str) -> list[dict[str, str]]:
    """The rows of a SELECT over the union of the store's graphs, as plain values (the test's own query)."""
    result = pub.backend.query(query)
    names = [v.value for v in result.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in result]


def members_of(pub) -> dict[str, dict]:
    """Every member of a pairing with its label, its country's alpha-3 code and whether it has coordinates."""
    rows = select(pub, f"""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?m ?label ?code ?lat WHERE {{
          ?side <{iuc(pub)}sideMember> ?m . ?m rdfs:label ?label .
          OPTIONAL {{ ?m <{iuc(pub)}country>/skos:notation ?code }}
          OPTIONAL {{ ?m <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat }}
        }}""")
    return {r["m"]: r for r in rows}


def pairings_of(pub) -> dict[str, set[str]]:
    """Every pairing (an instance of iuc:Pairing or a subclass) with the IRIs of its members."""
    rows = select(pub, f"""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?p ?m WHERE {{ ?p a ?c . ?c rdfs:subClassOf* <{iuc(pub)}Pairing> .
                             OPTIONAL {{ ?p <{iuc(pub)}hasMember> ?m }} }}""")
    found: dict[str, set[str]] = {}
    for r in rows:
        found.setdefault(r["p"], set()).update([r["m"]] if "m" in r else [])
    return found


def atlas_ids() -> set[str]:
    """The ids of the country outlines in the vendored world-atlas file."""
    topology = json.loads((STATIC / "vendor" / "world-atlas" / "countries-110m.json").read_text())
    return {g["id"] for g in topology["objects"]["countries"]["geometries"] if "id" in g}


class Page(HTMLParser):
    """The map data (embedded, or where map.js fetches it), table rows, links of the text alternative and
    script and stylesheet URLs of a rendered page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.data, self.src, self.rows, self.assets, self.svg, self.links = None, None, 0, [], [], []
        self._in_data = self._in_body = self._in_text = False
        self.details_open = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and "world-map" in a.get("class", ""):
            self.src = a.get("data-src")
        elif tag == "a" and self._in_text:
            self.links.append(a["href"])
        if tag == "script" and a.get("type") == "application/json" and a.get("id") == "map-data":
            self._in_data = True
        elif tag == "script" and "src" in a or tag == "link" and a.get("rel") == "stylesheet":
            self.assets.append(a.get("src") or a.get("href"))
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows += 1
        elif tag == "details" and "map-text" in a.get("class", ""):
            self.details_open, self._in_text = "open" in a, True
        elif tag == "svg":
            self.svg.append(a)

    def handle_endtag(self, tag):
        self._in_body = self._in_body and tag != "tbody"
        self._in_text = self._in_text and tag != "details"

    def handle_data(self, data):
        if self._in_data:
            self.data, self._in_data = json.loads(data), False


def render(app, data) -> Page:
    """The world_map macro rendered with a view's data."""
    with app.test_request_context("/"):
        return Page(render_template_string(MACRO, data=data))


def test_every_member_is_placed_and_only_those_without_coordinates_are_approximate(app):
    pub = app.extensions["iuckg"]
    expected = members_of(pub)
    found = places(pub)
    assert set(found) == set(expected) and found
    assert all(p.placed for p in found.values())
    without = {m for m, r in expected.items() if "lat" not in r}
    assert {m for m, p in found.items() if p.approximate} == without
    ids = atlas_ids()
    for m in without:
        place = found[m]
        assert place.outline == pycountry.countries.get(alpha_3=expected[m]["code"]).numeric
        assert place.outline in ids, f"{place.label}: no outline of {place.country} in the atlas"
        assert place.note.startswith(f"approximate: centre of {place.country}; the reference data has no coordinates")
        assert "lat" not in place.as_json() and place.as_json()["approximate"] is True
    for m in set(expected) - without:
        assert found[m].as_json()["lat"] == pytest.approx(float(expected[m]["lat"]), abs=1e-3)  # rounded to about 100 m
        assert "approximate" not in found[m].as_json()


def test_vendored_files_have_their_licences_and_are_served(client):
    for package, files in VENDORED.items():
        folder = STATIC / "vendor" / package
        assert (folder / "LICENSE").read_text().strip()
        for name in files:
            assert client.get(f"/static/vendor/{package}/{name}").status_code == 200
    readme = (STATIC / "vendor" / "README.md").read_text()
    for package in VENDORED:
        assert f"## {package}" in readme


def coordinates_of(pub) -> dict[str, tuple[float, float]]:
    """The WGS84 longitude and latitude the graph gives each member that has them."""
    rows = select(pub, """PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
        SELECT ?m ?lat ?long WHERE { ?m geo:lat ?lat ; geo:long ?long }""")
    return {r["m"]: (float(r["long"]), float(r["lat"])) for r in rows}


def test_landing_map_data_is_fetched_compact_with_every_pairing_and_its_members(app, client):
    pub = app.extensions["iuckg"]
    page = render(app, landing_map(pub))
    assert page.data is None and page.src == "/map/pairings.json"  # not embedded: map.js fetches it
    answer = client.get(page.src)
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.data == geography.landing_json(pub) and geography.landing_json(pub) is geography.landing_json(pub)  # serialised once
    data, expected, members, points = answer.json, pairings_of(pub), members_of(pub), coordinates_of(pub)
    assert data["mode"] == "landing"
    assert len(data["pairings"]) == len(expected) == page.rows > 0
    assert page.details_open is True  # the text alternative shows without JavaScript
    assert page.svg[0]["role"] == "img" and "pairings" in page.svg[0]["aria-label"]
    by_path = {pub.path_of(m): m for m in members}
    for place in data["places"]:
        member = by_path[place[3]]
        assert place[2] == members[member]["label"]
        if member in points:  # at the graph's coordinates, to 0.01 degree
            assert len(place) == 4 and place[:2] == pytest.approx(points[member], abs=0.005 + 1e-9)
        else:  # at the centre of its country: map.js computes it from the outline
            assert place[:2] == [None, None] and place[4] in atlas_ids() and len(place) == 5
            assert data["countries"][place[4]] == places(pub)[member].country
    assert {by_path[p[3]] for p in data["places"]} == {m for ms in expected.values() for m in ms}
    for sides, theme, path in data["pairings"]:
        assert path.startswith("/id/pairing/")
        assert len(sides) == 2 and all(sides)
        shown = [by_path[data["places"][i][3]] for side in sides for i in side]
        assert sorted(shown) == sorted(expected[pub.base + path[1:]])
        assert 0 <= theme < len(data["themes"])
    assert len({p[2] for p in data["pairings"]}) == len(expected)
    assert sum(t["n"] for t in landing_map(pub)["themes"]) == len(expected)
    assert all(re.fullmatch(r"#[0-9A-Fa-f]{6}", t["colour"]) for t in data["themes"])
    # told apart without colour: each stream has its own dash pattern
    assert len({t["dash"] for t in data["themes"]}) == len(data["themes"]) > 1
    assert all(a.startswith("/static/") for a in page.assets)
    # cached by the browser: the second time, a 304 without the body
    again = client.get(page.src, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_landing_page_stays_small_and_summarises_many_pairings(app, client, monkeypatch):
    pub = app.extensions["iuckg"]
    n = len(pairings_of(pub))
    for path in ("/", "/map"):
        html = client.get(path, headers={"Accept": "text/html"})
        assert html.status_code == 200 and len(html.data) < PAGE_BUDGET
        assert Page(html.text).rows == n  # a small graph: a table of every pairing
    monkeypatch.setattr(geography, "TABLE_LIMIT", n - 1)  # as if the graph had more pairings than a table holds
    for path in ("/", "/map"):
        html = client.get(path, headers={"Accept": "text/html"})
        page = Page(html.text)
        assert html.status_code == 200 and page.rows == 0 and page.details_open is True
        assert "per thematic stream" in html.text and "links to the list of pairings" in page.svg[0]["aria-label"]
        assert "/pairings" in page.links  # the list of every pairing is the map's text version
        listed = [link for link in page.links if link.startswith("/pairings?theme=")]
        streams = [t for t in landing_map(pub)["themes"] if t["list"]]
        assert listed == [t["list"] for t in streams] and listed
        for stream in streams:  # each stream's link lists as many pairings as the summary says
            query = urllib.parse.urlsplit(stream["list"]).query
            assert client.get("/pairings.json?" + query).json["total"] == stream["n"] > 0
            assert f">{html_escape(stream['label'])}</a>:\n{stream['n']:,} pairing" in html.text
        assert sum(t["n"] for t in landing_map(pub)["themes"]) == n


def test_pairing_and_member_maps(app):
    pub = app.extensions["iuckg"]
    members = members_of(pub)
    for iri, ms in pairings_of(pub).items():
        data = pairing_map(pub, iri)
        assert [p["href"] for p in data["pairings"]] == [pub.path_of(iri)]
        assert sorted(p["href"] for p in data["places"]) == sorted(pub.path_of(m) for m in ms)
    one = next(iter(pairings_of(pub)))
    page = render(app, pairing_map(pub, one))
    assert page.data["mode"] == "pairing" and page.rows == 1
    for m, row in members.items():
        data = member_map(pub, m)
        assert data["mode"] == "member" and [p["label"] for p in data["places"]] == [row["label"]]
        assert data["places"][0].get("approximate", False) is ("lat" not in row)
    assert render(app, member_map(pub, next(iter(members)))).data["places"]
    for unknown in ("http://example.org/nothing", "", "not an IRI", next(iter(members))):
        assert pairing_map(pub, unknown) is None
    assert member_map(pub, one) is None


def test_map_page_answers_every_input_without_a_server_error(app, client):
    pub = app.extensions["iuckg"]
    pairing, member = next(iter(pairings_of(pub))), next(iter(members_of(pub)))
    landing = client.get("/map", headers={"Accept": "text/html"})
    assert landing.status_code == 200 and "<title>Map of the pairings" in landing.text
    assert client.get("/map?" + urllib.parse.urlencode({"pairing": pairing})).status_code == 200
    assert client.get("/map?" + urllib.parse.urlencode({"member": member})).status_code == 200
    assert client.get("/map?" + urllib.parse.urlencode({"pairing": pairing, "member": member})).status_code == 400
    for value in ("", "x", pub.base + "id/pairing/none", member, "\u00e9\u0000<script>", "%" * 3000, "a" * 20000):
        assert client.get("/map?" + urllib.parse.urlencode({"pairing": value})).status_code == 404
    assert client.get("/map?" + urllib.parse.urlencode({"member": pairing})).status_code == 404
    assert client.get("/map?member=%ZZ&pairing").status_code < 500


# --- In Chromium, against the live server ---------------------------------------------------------------------


def live_select(live_server: str, query: str) -> list[dict]:
    """The bindings of a SELECT on the live server's SPARQL endpoint."""
    url = live_server + "sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return [{k: v["value"] for k, v in b.items()} for b in json.load(response)["results"]["bindings"]]


def live_count(live_server: str, where: str) -> int:
    """COUNT(DISTINCT ?x) of a pattern on the live server."""
    return int(live_select(live_server, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")[0]["n"])


def wait_drawn(page, timeout: float = 15) -> None:
    """Wait until map.js has drawn the page's map."""
    deadline = time.monotonic() + timeout
    while not page.execute_script("return !!document.querySelector('figure.world-map.drawn svg path.country')"):
        assert time.monotonic() < deadline, "the map was not drawn"
        time.sleep(0.1)


# In the page: whether each hollow (approximate) dot lies in the outline of its place's country.
APPROXIMATE_INSIDE = """
const done = arguments[arguments.length - 1];
const figure = document.querySelector('figure.world-map');
Promise.all([figure.dataset.src, figure.dataset.atlas].map((url) => fetch(url).then((r) => r.json())))
.then(([data, topology]) => {
  const approximate = data.places.filter((p) => p[1] === null);  // [null, null, label, path, outline]
  const byId = new Map(topojson.feature(topology, topology.objects.countries).features.map((f) => [f.id, f]));
  const dots = [...document.querySelectorAll('svg circle.place.approximate[data-lon]')];
  done({expected: approximate.length, dots: dots.map((c, i) => {
    const place = approximate[i];
    return [place[2], d3.geoContains(byId.get(place[4]), [+c.dataset.lon, +c.dataset.lat])];
  })});
});
"""


@pytest.mark.live
@pytest.mark.browser
def test_world_map_in_the_browser(page, live_server):
    from selenium.webdriver.common.by import By

    iuc = live_server + "def/iuc#"
    pairings = live_count(live_server,
                          f"?x a ?c . ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{iuc}Pairing>")
    unplaced = live_count(live_server, f"?p <{iuc}hasMember> ?x . "
                                       "FILTER NOT EXISTS { ?x <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat }")
    page.get(live_server + "map")
    wait_drawn(page)
    assert page.title.startswith("Map of the pairings")
    arcs = page.find_elements(By.CSS_SELECTOR, "figure.world-map svg a.arc")
    assert len(arcs) == pairings > 0
    assert all(a.find_element(By.CSS_SELECTOR, "path.line").get_attribute("d") for a in arcs)
    countries = page.find_elements(By.CSS_SELECTOR, "figure.world-map svg path.country")
    assert len(countries) > 100 and all(c.get_attribute("d") for c in countries[:20])
    svg = page.find_element(By.CSS_SELECTOR, "figure.world-map .map-canvas svg")
    assert svg.get_attribute("role") == "img" and svg.get_attribute("aria-label")
    # the links are not inside the image: they lie over it, for the pointer only (the table has them all)
    assert not svg.find_elements(By.TAG_NAME, "a")
    assert page.find_element(By.CSS_SELECTOR, "svg.map-links").get_attribute("aria-hidden") == "true"
    assert all(a.get_attribute("tabindex") == "-1" for a in arcs)
    assert page.axe() == []
    # every approximate place is drawn hollow, inside its country's outline
    inside = page.execute_async_script(APPROXIMATE_INSIDE)
    assert inside["expected"] == unplaced == len(inside["dots"])
    assert all(ok for _, ok in inside["dots"]), inside
    # the table is closed once the map is drawn, and lists every pairing
    assert not page.find_element(By.CSS_SELECTOR, "details.map-text").get_attribute("open")
    assert len(page.find_elements(By.CSS_SELECTOR, "details.map-text tbody tr")) == pairings
    # an arc is a link to its pairing's page
    title = arcs[0].find_element(By.TAG_NAME, "title").get_attribute("textContent")
    page.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}))",
                        arcs[0])
    deadline = time.monotonic() + 15
    while "/doc/id/pairing/" not in page.current_url:
        assert time.monotonic() < deadline, "following an arc did not reach its pairing"
        time.sleep(0.1)
    assert title.split(" (")[0] in page.find_element(By.TAG_NAME, "h1").text
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.width(size)
        page.get(live_server + "map")
        wait_drawn(page)
        assert page.scroll_width() <= page.inner_width(), f"the map scrolls sideways at {size[0]} px"
        assert len(page.find_elements(By.CSS_SELECTOR, "figure.world-map svg a.arc")) == pairings
        page.shoot(f"map-{label}")
    # the README's picture: the map and its legend at desktop width (in a window tall enough to hold them)
    page.width((DESKTOP[0], 1600))
    page.get(live_server + "map")
    wait_drawn(page)
    figure = SCREENSHOTS / "map-figure.png"
    page.find_element(By.CSS_SELECTOR, "figure.world-map").screenshot(str(figure))
    assert figure.stat().st_size < MAX_IMAGE_BYTES, "small enough for the README"
    publish_image(figure, "map.png")


def transferred(page) -> int:
    """Bytes transferred (compressed, as sent: DevTools encodedDataLength) since the performance log was last
    read; the URLs asked are kept for the `page` fixture's check that no other host was asked."""
    total = 0
    for entry in page.driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            page.requested.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.loadingFinished":
            total += message["params"]["encodedDataLength"]
    return int(total)


@pytest.mark.live
@pytest.mark.browser
def test_landing_map_in_the_browser(page, live_server):
    from selenium.webdriver.common.by import By

    iuc = live_server + "def/iuc#"
    rows = live_select(live_server, f"SELECT DISTINCT ?p WHERE {{ ?p a ?c . "
                                    f"?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{iuc}Pairing> }}")
    expected = sorted("/" + r["p"].removeprefix(live_server) for r in rows)
    page.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        page.drain()
        page.get(live_server)
        wait_drawn(page)
        # every pairing is one arc, a link to its pairing's page, holding one path
        hrefs = page.execute_script("return [...document.querySelectorAll('figure.world-map svg a.arc')]"
                                    ".map((a) => a.getAttribute('href'))")
        assert sorted(hrefs) == expected and expected
        assert not page.find_elements(By.CSS_SELECTOR, "figure.world-map a.arc > path:nth-of-type(2)")
        assert page.execute_script("return performance.getEntriesByName('map-draw').length") >= 1
        time.sleep(0.5)  # what loads after the map (nothing should)
        assert transferred(page) < LANDING_BUDGET
    finally:
        page.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    page.width(PHONE)
    page.get(live_server)
    wait_drawn(page)
    assert page.scroll_width() <= page.inner_width(), f"the landing page scrolls sideways at {PHONE[0]} px"
    assert len(page.find_elements(By.CSS_SELECTOR, "figure.world-map svg a.arc")) == len(expected)


@pytest.mark.live
@pytest.mark.browser
def test_pairing_and_member_maps_in_the_browser(page, live_server):
    from selenium.webdriver.common.by import By

    iuc = live_server + "def/iuc#"
    # a pairing with a member the reference data has no coordinates for, and that member
    row = live_select(live_server, f"""
        SELECT ?p ?m WHERE {{ ?p <{iuc}hasMember> ?m .
          FILTER NOT EXISTS {{ ?m <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat }} }} ORDER BY ?p LIMIT 1""")[0]
    members = live_count(live_server, f"<{row['p']}> <{iuc}hasMember> ?x")
    for query, dots, arcs in (({"pairing": row["p"]}, members, 1), ({"member": row["m"]}, 1, 0)):
        for size in (DESKTOP, PHONE):
            page.width(size)
            page.get(live_server + "map?" + urllib.parse.urlencode(query))
            wait_drawn(page)
            assert len(page.find_elements(By.CSS_SELECTOR, ".map-canvas svg a.arc")) == arcs
            circles = page.find_elements(By.CSS_SELECTOR, ".map-canvas svg circle.place")
            assert len(circles) == dots
            box = [float(v) for v in page.find_element(By.CSS_SELECTOR, ".map-canvas svg")
                   .get_dom_attribute("viewBox").split()]
            for c in circles:  # zoomed to fit: every place is inside the map
                assert 0 < float(c.get_attribute("cx")) < box[2] and 0 < float(c.get_attribute("cy")) < box[3]
            assert page.find_elements(By.CSS_SELECTOR, ".map-canvas svg circle.place.approximate")
            assert page.scroll_width() <= page.inner_width()
        assert page.axe() == []
        if "member" in query:
            assert page.find_elements(By.CSS_SELECTOR, ".map-canvas svg path.country.focus")
        page.shoot(f"map-{next(iter(query))}-phone")
    for query in ({"pairing": live_server + "id/pairing/nothing"}, {"member": "<>"}):
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(live_server + "map?" + urllib.parse.urlencode(query), timeout=30)
        assert answer.value.code == 404
