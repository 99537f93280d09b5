"""People in headless Chromium: search as they type, filter a list and download it, and every page type at
desktop and phone width, checked with axe-core. Screenshots land in tests/screenshots/."""

from __future__ import annotations

import csv
import io
import json
import urllib.request

import pytest

from .browser import DESKTOP, PHONE, SCREENSHOTS, publish_image

pytestmark = [pytest.mark.live, pytest.mark.browser]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def test_the_header_search_suggests_as_one_types_and_submits_without_a_choice(page, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    page.get(live_server + "pairings")
    box = page.find_element(By.ID, "site-q")
    box.send_keys("medell")
    WebDriverWait(page.driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#site-q-list li a") and not d.find_element(By.ID, "site-q-list")
        .get_attribute("hidden"))
    suggestions = [a.text.split("\n")[0] for a in page.find_elements(By.CSS_SELECTOR, "#site-q-list li a")]
    assert "Medellín" in suggestions and "Cali & Medellín – Belfast" in suggestions
    page.shoot("search-suggestions-desktop")
    box.send_keys(Keys.ENTER)
    WebDriverWait(page.driver, 10).until(lambda d: "/search?" in d.current_url)
    groups = [h.text for h in page.find_elements(By.CSS_SELECTOR, ".result-group h2")]
    assert groups[:2] == ["Cities and regions (1)", "Pairings (1)"]
    page.find_element(By.LINK_TEXT, "Medellín").click()
    assert page.current_url.endswith("/doc/id/member/medellin-co")


def test_arrow_keys_choose_a_suggestion(page, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    page.get(live_server)
    box = page.find_element(By.ID, "site-q")
    box.send_keys("san sebast")
    WebDriverWait(page.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#site-q-list li a"))
    box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    WebDriverWait(page.driver, 10).until(lambda d: "/doc/id/" in d.current_url)
    assert "San Sebastián" in page.find_element(By.TAG_NAME, "h1").text


def test_a_list_filtered_by_a_facet_downloads_as_exactly_the_rows_shown(page, live_server):
    from selenium.webdriver.common.by import By

    page.get(live_server + "pairings")
    page.find_element(By.CSS_SELECTOR, "details.facet a[href*='theme=mobility-transport']").click()
    assert "theme=mobility-transport" in page.current_url
    shown = [a.get_attribute("href") for a in page.find_elements(By.CSS_SELECTOR, "table.list tbody tr td:first-child a")]
    assert 0 < len(shown) < 66
    page.shoot("list-filtered-desktop")
    csv_link = page.find_element(By.LINK_TEXT, "CSV").get_attribute("href")
    rows = list(csv.DictReader(io.StringIO(fetch(csv_link).decode("utf-8"))))
    assert [live_server + r["url"][len(r["url"].split("/id/")[0]) + 1:] for r in rows] == shown
    json_link = page.find_element(By.LINK_TEXT, "JSON").get_attribute("href")
    assert len(json.loads(fetch(json_link))["rows"]) == len(shown)
    # a second facet narrows the list further; the chip removes it again
    country = page.find_elements(By.CSS_SELECTOR, "details.facet")[2]
    assert country.find_element(By.TAG_NAME, "summary").text == "Country"
    country.find_element(By.TAG_NAME, "summary").click()  # folded: a person opens it first
    country.find_element(By.CSS_SELECTOR, "a[href*='country=']").click()
    narrowed = page.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    assert 0 < len(narrowed) <= len(shown)
    page.find_elements(By.CSS_SELECTOR, "a.chip")[-1].click()
    assert len(page.find_elements(By.CSS_SELECTOR, "table.list tbody tr")) == len(shown)


def test_a_column_heading_sorts_the_list(page, live_server):
    from selenium.webdriver.common.by import By

    page.get(live_server + "countries")
    heading = "table.list th a[href*='sort=pairings']"
    page.find_element(By.CSS_SELECTOR, heading).click()
    ascending = [int(td.text) for td in page.find_elements(By.CSS_SELECTOR, "table.list tbody td:nth-child(4)")]
    assert ascending == sorted(ascending)
    page.find_element(By.CSS_SELECTOR, heading).click()  # a second click sorts descending
    counts = [int(td.text) for td in page.find_elements(By.CSS_SELECTOR, "table.list tbody td:nth-child(4)")]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


def page_types(live_server: str) -> dict[str, str]:
    """One URL of each type of page a person can reach."""
    base = live_server
    return {
        "landing": base, "pairings": base + "pairings", "members": base + "members", "countries": base + "countries",
        "search": base + "search?q=san", "pairing": base + "doc/id/pairing/new-york-us--barcelona-es",
        "member": base + "doc/id/member/barcelona-es", "country": base + "doc/id/country/ESP",
        "theme": base + "doc/id/theme/mobility-transport", "topic": base + "doc/id/urban-agenda-topic/housing",
        "sdg-goal": base + "sdg/11", "sdg-target": base + "sdg/11.1", "editor": base + "sparql",
        "ontology": base + "doc/def/iuc", "dataset": base + "doc/id/dataset/iuckg", "map": base + "map",
        "charts": base + "charts", "status": base + "status", "not-found": base + "id/member/medellin",
    }


@pytest.mark.parametrize("kind", list(page_types("http://x/")))
def test_every_page_type_fits_a_phone_and_has_no_serious_accessibility_violation(page, live_server, kind):
    url = page_types(live_server)[kind]
    page.shoot_both(f"page-{kind}", url)
    page.width(PHONE)
    page.get(url)
    assert page.scroll_width() <= page.inner_width(), f"{kind} scrolls sideways at {PHONE[0]} px"
    assert page.axe() == [], kind
    headings = page.execute_script(
        "return [...document.querySelectorAll('main h1, main h2, main h3, main h4')].map(h => +h.tagName[1])")
    assert headings and headings[0] == 1, kind
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:])), f"{kind}: headings skip a level {headings}"


def test_the_foreign_request_check_sees_a_request_to_another_host(browser):
    """The guard of every browser test can fail: a page that asks another host is caught."""
    browser.drain()
    browser.requested.clear()
    browser.get('data:text/html,<img src="http://192.0.2.1/pixel.png">')
    assert any("192.0.2.1" in url for url in browser.foreign_requests())
    browser.requested.clear()


def test_the_readme_picture_of_the_landing_page(page, live_server):
    """The landing page as a visitor first sees it (the window, not the whole page), map drawn."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page.width(DESKTOP)
    page.get(live_server)
    WebDriverWait(page.driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg.map-links a"))
    path = SCREENSHOTS / "landing-window.png"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.save_screenshot(str(path))
    assert path.stat().st_size < 400_000
    publish_image(path, "landing.png")
