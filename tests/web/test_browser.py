"""A real browser (Debian's headless Chromium, driven by Selenium) against the live server."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.live, pytest.mark.browser]

def test_landing_example_query_and_resource_page(page, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page.get(live_server)
    assert "IUC knowledge graph" in page.title
    # Open the first example query, which lands in the editor with the query filled in.
    page.find_element(By.CSS_SELECTOR, ".examples a").click()
    textarea = page.find_element(By.ID, "query")
    assert "SELECT" in textarea.get_attribute("value")
    # Run it from the editor and see rows.
    page.find_element(By.ID, "run").click()
    WebDriverWait(page.driver, 20).until(  # the click loads the server's page of results
        lambda d: d.find_elements(By.CSS_SELECTOR, "table.results-table tbody tr"))
    rows = page.find_elements(By.CSS_SELECTOR, "table.results-table tbody tr")
    assert len(rows) == 66
    # Follow a result to a resource page: labels, not IRIs, and the RDF links.
    first_link = rows[0].find_element(By.CSS_SELECTOR, "td a")
    first_link.click()
    assert page.current_url.startswith(live_server + "doc/id/pairing/")
    heading = page.find_element(By.TAG_NAME, "h1").text
    assert " – " in heading
    assert page.find_element(By.LINK_TEXT, "Turtle").get_attribute("href").endswith(".ttl")
    theme_cells = [a.text for a in page.find_elements(By.CSS_SELECTOR, "table.properties a")]
    assert any(text in theme_cells for text in ("Social inclusion and urban regeneration", "Mobility & transport",
                                                "Smart cities & innovation", "Climate change adaptation & mitigation",
                                                "Blue & green infrastructure and management",
                                                "Circular, sustainable production and consumption"))


def test_map_and_escaped_label_on_a_page_with_coordinates(page, live_server):
    """A place with WGS84 coordinates (a test fixture graph) shows an offline SVG map with a marker."""
    from selenium.webdriver.common.by import By

    page.get(live_server + "id/test-fixture/place")
    assert page.current_url == live_server + "doc/id/test-fixture/place"
    assert page.find_element(By.TAG_NAME, "h1").text == "Fixture City <b>not bold</b>"
    assert not page.find_elements(By.CSS_SELECTOR, "h1 b")
    marker = page.find_element(By.CSS_SELECTOR, "#map svg circle.marker")
    assert marker.is_displayed()
    assert float(marker.get_attribute("cx")) == pytest.approx(2.1686)
    assert float(marker.get_attribute("cy")) == pytest.approx(-41.3874)
    assert "City" in page.find_element(By.CSS_SELECTOR, ".types").text
