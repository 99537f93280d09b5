"""The IUC in figures (/charts): every bar's number checked against a COUNT query of its own, the order of
the bars, the page (SVG readable without colour, a table per chart) and a screenshot in Chromium."""

from __future__ import annotations

import re
import time

import pytest

from iuckg.web.charts import figures

from .browser import PHONE

SKOS = "http://www.w3.org/2004/02/skos/core#"


def count(pub, query: str) -> int:
    """The one number a COUNT query over the union of the store's graphs answers."""
    result = pub.backend.query(query)
    return int(next(iter(result))[result.variables[0].value].value)


def iri_of(pub, bar) -> str:
    """The IRI a bar is about (its link is the IRI's page, or the IRI itself)."""
    return pub.base + bar.href[1:] if bar.href.startswith("/") else bar.href


def charts_by_id(app) -> dict:
    """The page's charts by id."""
    pub = app.extensions["iuckg"]
    return {chart.id: chart for chart in pub.once(figures)}


def assert_sorted(chart) -> None:
    """Bars go by count, largest first, then by label."""
    keys = [(-b.values[0], b.label.casefold()) for b in chart.bars]
    assert keys == sorted(keys), chart.id


def test_theme_chart_counts(app):
    pub = app.extensions["iuckg"]
    iuc = str(pub.minter.iuc)
    chart = charts_by_id(app)["themes"]
    streams = count(pub, f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t a <{iuc}ThematicStream> }}")
    assert len(chart.bars) == streams > 0
    assert_sorted(chart)
    for bar in chart.bars:
        theme = iri_of(pub, bar)
        pairings = count(pub, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p <{iuc}theme> <{theme}> }}")
        members = count(pub, f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?p <{iuc}theme> <{theme}> ; "
                             f"<{iuc}hasSide>/<{iuc}sideMember> ?m }}")
        figure = count(pub, f"SELECT (SUM(?f) AS ?n) WHERE {{ <{theme}> <{iuc}citiesAndRegions> ?f }}")
        assert bar.values == [pairings, members, figure], bar.label
    assert sum(b.values[0] for b in chart.bars) == count(
        pub, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p <{iuc}theme> ?t }}")
    assert chart.say(0, 16) == "16 pairings in the graph" and chart.say(2, 81).startswith("81 cities and regions in")
    assert chart.say(0, 1) == "1 pairing in the graph"


def test_country_charts_counts_and_eu_split(app):
    pub = app.extensions["iuckg"]
    iuc = str(pub.minter.iuc)
    charts = [c for key, c in charts_by_id(app).items() if key.startswith("countries")]
    bars = [b for c in charts for b in c.bars]
    countries = count(pub, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?s <{iuc}sideMember>/<{iuc}country> ?c }}")
    assert len(bars) == countries > 0
    for chart in charts:
        assert_sorted(chart)
        for bar in chart.bars:
            country = iri_of(pub, bar)
            assert bar.values == [count(pub, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ "
                                             f"?p <{iuc}hasSide>/<{iuc}sideMember>/<{iuc}country> <{country}> }}")]
    stated = count(pub, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c <{iuc}euMemberState> ?eu }}")
    if not stated:
        assert [c.id for c in charts] == ["countries"]
        return
    for chart, flag in (("countries-eu", "true"), ("countries-partners", "false")):
        for bar in charts_by_id(app)[chart].bars:
            assert count(pub, f"SELECT (COUNT(*) AS ?n) WHERE {{ <{iri_of(pub, bar)}> <{iuc}euMemberState> ?eu . "
                              f"FILTER (?eu = {flag}) }}") == 1, (chart, bar.label)


def test_sdg_and_topic_charts_count_pairings(app):
    pub = app.extensions["iuckg"]
    iuc = str(pub.minter.iuc)
    by_id = charts_by_id(app)
    sdgs, topics = by_id["sdgs"], by_id["topics"]
    goals = count(pub, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { ?g a <http://metadata.un.org/sdg/ontology#Goal> }")
    assert len(sdgs.bars) == goals == 17
    for bar in sdgs.bars:
        goal = iri_of(pub, bar)
        assert re.match(r"Goal \d+: \w", bar.label)
        assert bar.values == [count(pub, f"""SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{
            ?p <{iuc}alignment> ?a . ?a <{iuc}alignedTo> ?t .
            FILTER (?t = <{goal}> || EXISTS {{ ?t <{SKOS}broader> <{goal}> }}
                    || EXISTS {{ ?t <{SKOS}broader>/<{SKOS}broader> <{goal}> }}) }}""")], bar.label
    assert len(topics.bars) == count(pub, f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t a <{iuc}UrbanAgendaTopic> }}")
    for bar in topics.bars:
        assert bar.values == [count(pub, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ "
                                         f"?p <{iuc}alignment>/<{iuc}alignedTo> <{iri_of(pub, bar)}> }}")], bar.label
    for chart in (sdgs, topics):
        assert_sorted(chart)


def test_charts_page(app, client):
    response = client.get("/charts")
    assert response.status_code == 200
    html = response.text
    assert "<title>The IUC in figures" in html
    charts = app.extensions["iuckg"].once(figures)
    assert html.count('role="img"') == len(charts) == html.count("<table>")
    for chart in charts:
        for bar in chart.bars:
            for series, n in enumerate(bar.values):
                said = chart.say(series, n)
                # the number in words is printed on the bar and is its title
                assert f'class="value">{said}</text>' in html.replace("&#39;", "'")
    assert html.count("<rect ") - html.count("<pattern ") == sum(len(b.values) for c in charts for b in c.bars)
    assert html.count("<rect ") - html.count("<pattern ") == html.count("<title>") - len(charts) - 1


@pytest.mark.live
@pytest.mark.browser
def test_charts_in_the_browser(page, live_server):
    from selenium.webdriver.common.by import By

    page.get(live_server + "charts")
    assert page.find_element(By.TAG_NAME, "h1").text == "The IUC in figures"
    charts = page.find_elements(By.CSS_SELECTOR, "figure.bar-chart svg")
    assert len(charts) >= 4
    for svg in charts:  # the bars are drawn, the widest one across most of the chart
        widths = [r.size["width"] for r in svg.find_elements(By.CSS_SELECTOR, "rect.bar")]
        assert max(widths) > 0.9 * svg.size["width"]
    assert page.axe() == []
    page.shoot_both("charts", live_server + "charts")
    page.width(PHONE)
    page.get(live_server + "charts")
    time.sleep(0.2)
    assert page.scroll_width() <= page.inner_width()
    labels = page.find_elements(By.CSS_SELECTOR, "figure.bar-chart text.label")
    assert all(t.rect["x"] + t.rect["width"] <= PHONE[0] for t in labels)


def test_a_long_chart_of_countries_shows_the_first_bars_and_links_the_rest(app, monkeypatch):
    """At 10,000 pairings there are hundreds of countries: a chart keeps MAX_BARS and links the list."""
    from iuckg.web import charts

    monkeypatch.setattr(charts, "MAX_BARS", 5)
    with app.app_context():
        pub = app.extensions["iuckg"]
        for chart in charts.country_charts(pub):
            side = chart.more_href.split("side=")[1].split("&")[0]
            total = app.test_client().get(f"/countries.json?side={side}").get_json()["total"]
            assert len(chart.bars) == min(5, total) and chart.more == max(0, total - 5)
