"""Resource pages in a real browser (headless Chromium) against the live server: what a pairing page shows
first, and pages that fit a 390 px phone without scrolling sideways."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from .browser import DESKTOP, PHONE, SCREENSHOTS, publish_image

pytestmark = [pytest.mark.live, pytest.mark.browser]

MAX_IMAGE_BYTES = 300_000


def select(live_server: str, query: str) -> list[dict]:
    """The bindings of a SELECT query on the live server, as plain values."""
    url = live_server + "sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return [{k: v["value"] for k, v in b.items()} for b in json.load(response)["results"]["bindings"]]


def one_of_each(live_server: str) -> dict[str, str]:
    """A page of each kind people read, found through SPARQL: member, pairing, theme, country, SDG target,
    the ontology and the dataset."""
    iuc = live_server + "def/iuc#"
    row = select(live_server, f"""
        SELECT ?pairing ?member ?theme ?country ?target WHERE {{
          ?pairing <{iuc}hasMember> ?member ; <{iuc}theme> ?theme ; <{iuc}alignment> ?a .
          ?member <{iuc}country> ?country . ?a <{iuc}alignedTo> ?target .
          FILTER STRSTARTS(STR(?target), "http://metadata.un.org/sdg/")
        }} ORDER BY DESC(STRLEN(STR(?member))) LIMIT 1""")[0]
    doc = {k: live_server + "doc/" + v[len(live_server):] for k, v in row.items() if v.startswith(live_server)}
    return {**doc, "sdg": live_server + "sdg/" + row["target"].rsplit("/", 1)[1],
            "ontology": live_server + "def/iuc", "dataset": live_server + ".well-known/void"}


def test_a_pairing_page_shows_both_members_countries_first(page, live_server):
    from selenium.webdriver.common.by import By

    iuc = live_server + "def/iuc#"
    rows = select(live_server, f"""
        SELECT ?pairing ?countryLabel WHERE {{
          ?pairing <{iuc}hasMember> ?m . ?m <{iuc}country> ?c . ?c <http://www.w3.org/2000/01/rdf-schema#label> ?countryLabel
          FILTER (?pairing = <{live_server}id/pairing/new-york-us--barcelona-es>)
        }}""")
    countries = {r["countryLabel"] for r in rows}
    assert countries == {"United States", "Spain"}
    page.get(live_server + "id/pairing/new-york-us--barcelona-es")
    first = page.find_element(By.CSS_SELECTOR, "main article > h1 + *")
    assert "sides" in first.get_attribute("class")
    assert all(c in first.text for c in countries) and first.is_displayed()
    main_text = page.find_element(By.TAG_NAME, "main").text
    heading = page.find_element(By.TAG_NAME, "h1").text
    assert main_text.startswith(heading)
    after = main_text[len(heading):]
    assert max(after.index(c) for c in countries) < after.index("programme component")
    # the derived alignments are folded away until asked for
    details = page.find_element(By.CSS_SELECTOR, "details.alignments")
    assert details.get_attribute("open") is None
    assert not page.find_element(By.CSS_SELECTOR, "details.alignments table").is_displayed()
    details.find_element(By.TAG_NAME, "summary").click()
    assert page.find_element(By.CSS_SELECTOR, "details.alignments table").is_displayed()


def test_pages_fit_a_phone(page, live_server):
    page.width(PHONE)
    for kind, url in one_of_each(live_server).items():
        page.get(url)
        assert page.inner_width() <= PHONE[0]
        assert page.scroll_width() <= page.inner_width(), f"the {kind} page {url} scrolls sideways at 390 px"


def test_screenshots_of_a_pairing_page(page, live_server):
    page.shoot_both("pairing", live_server + "id/pairing/new-york-us--barcelona-es")
    assert (SCREENSHOTS / "pairing-desktop.png").stat().st_size > 10_000
    # the README's picture: the window as a visitor first sees it
    page.width(DESKTOP)
    page.get(live_server + "id/pairing/new-york-us--barcelona-es")
    window = SCREENSHOTS / "pairing-window.png"
    page.save_screenshot(str(window))
    assert window.stat().st_size < MAX_IMAGE_BYTES, "small enough for the README"
    publish_image(window, "pairing.png")
