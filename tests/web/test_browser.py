"""A real browser (Debian's headless Chromium, driven by Selenium) against the live server."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

pytestmark = [pytest.mark.live, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium with no network beyond loopback services."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver must be installed in CI (make system-deps)")
        pytest.skip("Debian's chromium and chromium-driver are not installed (run: make system-deps)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="iuckg-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_landing_example_query_and_resource_page(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(live_server)
    assert "IUC knowledge graph" in browser.title
    # Open the first example query, which lands in the editor with the query filled in.
    browser.find_element(By.CSS_SELECTOR, ".examples a").click()
    textarea = browser.find_element(By.ID, "query")
    assert "SELECT" in textarea.get_attribute("value")
    # Run it from the editor and see rows.
    browser.find_element(By.ID, "run").click()
    rows = browser.find_elements(By.CSS_SELECTOR, "table.results-table tbody tr")
    assert len(rows) == 66
    # Follow a result to a resource page: labels, not IRIs, and the RDF links.
    first_link = rows[0].find_element(By.CSS_SELECTOR, "td a")
    first_link.click()
    assert browser.current_url.startswith(live_server + "doc/id/pairing/")
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert " – " in heading
    assert browser.find_element(By.LINK_TEXT, "Turtle").get_attribute("href").endswith(".ttl")
    theme_cells = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table.properties a")]
    assert any(text in theme_cells for text in ("Social inclusion and urban regeneration", "Mobility & transport",
                                                "Smart cities & innovation", "Climate change adaptation & mitigation",
                                                "Blue & green infrastructure and management",
                                                "Circular, sustainable production and consumption"))


def test_map_and_escaped_label_on_a_page_with_coordinates(browser, live_server):
    """A place with WGS84 coordinates (a test fixture graph) shows an offline SVG map with a marker."""
    from selenium.webdriver.common.by import By

    browser.get(live_server + "id/test-fixture/place")
    assert browser.current_url == live_server + "doc/id/test-fixture/place"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Fixture City <b>not bold</b>"
    assert not browser.find_elements(By.CSS_SELECTOR, "h1 b")
    marker = browser.find_element(By.CSS_SELECTOR, "#map svg circle.marker")
    assert marker.is_displayed()
    assert float(marker.get_attribute("cx")) == pytest.approx(2.1686)
    assert float(marker.get_attribute("cy")) == pytest.approx(-41.3874)
    assert "City" in browser.find_element(By.CSS_SELECTOR, ".types").text
