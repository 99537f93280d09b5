"""The SPARQL editor: YASGUI (vendored) over the plain form, in a real browser against the live server.

The `page` fixture fails a test whose pages asked any host but this machine (prefix.cc, LOV, DBpedia,
fonts or a CDN would). The no-JavaScript path is checked with the Flask test client.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest

from iuckg.namespaces import PREFIXES
from iuckg.web.examples import examples

from .browser import DESKTOP, PHONE, SCREENSHOTS, publish_image

pytestmark = [pytest.mark.live, pytest.mark.browser]

ACTIVE = ".yasgui .tabPanel.active"
EDITOR = f"document.querySelector('{ACTIVE} .CodeMirror').CodeMirror"
PAIRINGS = "Pairings and their themes"
BROKEN = "SELECT ?x WHERE {\n  ?x ?y\n}"
UNDECLARED = "SELECT * WHERE { ?s foo:bar ?o }"
TIMEOUT = 20


def wait(page, condition, seconds: float = TIMEOUT):
    """Wait until a condition on the driver holds (and return its value)."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(page.driver, seconds).until(condition)


def fresh_editor(page, url: str) -> None:
    """Open the editor with no tabs kept from earlier tests (YASGUI keeps them in localStorage)."""
    from selenium.webdriver.common.by import By

    origin = url.split("/sparql")[0] + "/"
    page.get(origin + "robots.txt")  # a page of the same origin where no editor runs (and writes) any more
    page.execute_script("localStorage.clear()")
    page.get(url)
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror"))


def editor_text(page) -> str:
    """The query in the active tab's editor."""
    return page.execute_script(f"return {EDITOR}.getValue()")


def type_in_editor(page, text: str) -> None:
    """Type at the end of the active editor, as a person would."""
    from selenium.webdriver.common.by import By

    page.execute_script(f"const cm = {EDITOR}; cm.focus(); cm.setCursor(cm.lineCount(), 0);")
    page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror textarea").send_keys(text)


def complete(page) -> list[str]:
    """Press Ctrl-Space in the editor and return the completions offered."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    ActionChains(page.driver).key_down(Keys.CONTROL).send_keys(" ").key_up(Keys.CONTROL).perform()
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li"))
    return [li.text for li in page.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li")]


def result_rows(page):
    """The rows of Yasr's table in the active tab, once it has drawn some."""
    from selenium.webdriver.common.by import By

    return wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .yasr table.dataTable tbody tr"))


def run_example(page, title: str) -> None:
    """Choose an example from the editor's list (it opens in a tab and runs)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(page.find_element(By.ID, "example-select")).select_by_visible_text(title)


def test_editor_loads_yasgui_over_the_form(page, live_server):
    from selenium.webdriver.common.by import By

    fresh_editor(page, live_server + "sparql")
    assert page.find_elements(By.CSS_SELECTOR, "#yasgui .yasgui .yasqe")
    assert "PREFIX iuc:" in editor_text(page)
    # the plain textarea gives way to the editor; the form keeps a working button
    assert not page.find_element(By.ID, "query").is_displayed()
    assert page.find_element(By.ID, "run").is_displayed()
    # one endpoint, this server's: no endpoint field to point elsewhere
    assert not page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .controlbar .autocompleteWrapper").is_displayed()
    scripts = [s.get_attribute("src") for s in page.find_elements(By.CSS_SELECTOR, "script[src]")]
    assert live_server + "static/vendor/yasgui/yasgui.min.js" in scripts


def test_an_example_query_fills_yasrs_table_sortable_and_paged(page, live_server):
    from selenium.webdriver.common.by import By

    fresh_editor(page, live_server + "sparql")
    run_example(page, PAIRINGS)
    rows = result_rows(page)
    assert len(rows) == 50  # Yasr's first page
    assert "66 results" in page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .yasr_response_chip").text
    assert "of 66 entries" in page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .dt-info").text
    # IRIs compacted with the graph's prefixes, linked to their pages here, their labels beside them
    first = rows[0].find_element(By.CSS_SELECTOR, "a.iri")
    assert first.text.startswith("id:pairing/")
    assert first.get_attribute("href").startswith(live_server + "id/pairing/")
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .yasr .iri-label"))
    assert " – " in rows[0].find_element(By.CSS_SELECTOR, ".iri-label").text
    # paging: the second page holds the other 16
    page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .dt-paging-button.next").click()
    wait(page, lambda d: len(d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .yasr table.dataTable tbody tr")) == 16)
    # sorting, on one page of all 66: a header sorts by its column, a second click reverses the order
    from selenium.webdriver.support.ui import Select

    Select(page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .tableSizer")).select_by_visible_text("All")
    wait(page, lambda d: len(d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .yasr table.dataTable tbody tr")) == 66)

    def column(n: int) -> list[str]:
        cells = f"{ACTIVE} .yasr table.dataTable tbody tr td:nth-child({n})"
        return [td.text for td in page.find_elements(By.CSS_SELECTOR, cells)]

    header = page.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .yasr table.dataTable thead th")[3]  # theme
    unsorted = column(4)
    header.click()
    wait(page, lambda d: column(4) != unsorted)  # the table is drawn again after the click, not at once
    ascending = column(4)
    header.click()
    wait(page, lambda d: column(4) != ascending)
    descending = column(4)
    assert ascending != unsorted and descending == ascending[::-1] and ascending[0] != ascending[-1]
    # the server's downloads of the whole answer, for this query
    links = {a.text: a.get_attribute("href") for a in page.find_elements(By.CSS_SELECTOR, ".editor-downloads a")}
    assert {"CSV", "SPARQL JSON"} <= set(links)
    assert links["CSV"].startswith(live_server + "sparql?query=PREFIX") and links["CSV"].endswith("format=csv")
    # Yasr's own download
    assert page.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .yasr_downloadIcon")


def test_screenshots_of_the_editor_with_results(page, live_server):
    from selenium.webdriver.common.by import By

    query = next(e.query for e in examples(live_server) if e.title == PAIRINGS)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.width(size)
        fresh_editor(page, live_server + "sparql#query=" + quote(query))  # a share link runs its query
        assert len(result_rows(page)) == 50
        wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .yasr .iri-label"))
        assert page.scroll_width() <= page.inner_width()
        if label == "desktop":  # the README's picture: the window as a visitor sees it
            window = SCREENSHOTS / "editor-window.png"
            page.save_screenshot(str(window))
            publish_image(window, "editor.png")
        assert page.shoot(f"editor-{label}").stat().st_size > 10_000


def test_prefix_completion_offers_the_graphs_prefixes_only(page, live_server):
    fresh_editor(page, live_server + "sparql")
    page.execute_script(f"{EDITOR}.setValue('')")
    type_in_editor(page, "PREFIX i")
    offered = complete(page)
    assert f"iuc: <{live_server}def/iuc#>" in offered
    assert all(o.startswith("i") for o in offered)
    # every prefix offered is one of the graph's; prefix.cc's hundreds are not
    page.execute_script(f"{EDITOR}.setValue('')")
    type_in_editor(page, "PREFIX ")
    names = {o.split(":")[0] for o in complete(page)}
    assert {"iuc", "skos", "rdfs"} <= names <= set(PREFIXES) | {"iuc", "id"}
    # choosing a completion writes the declaration
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page.execute_script(f"{EDITOR}.setValue('')")
    type_in_editor(page, "PREFIX iu")
    complete(page)
    page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror textarea").send_keys(Keys.ENTER)
    assert editor_text(page) == f"PREFIX iuc: <{live_server}def/iuc#>"


def test_property_completion_asks_this_server(page, live_server):
    fresh_editor(page, live_server + "sparql")
    page.execute_script(f"{EDITOR}.setValue('PREFIX iuc: <{live_server}def/iuc#>\\nSELECT * WHERE {{ ?s ')")
    type_in_editor(page, "iuc:th")
    assert "iuc:theme" in complete(page)  # LOV does not know this graph's ontology; the local endpoint does


def test_a_broken_query_stays_in_the_editor_with_the_parsers_message(page, live_server):
    from selenium.webdriver.common.by import By

    fresh_editor(page, live_server + "sparql")
    page.execute_script(f"{EDITOR}.setValue({BROKEN!r})")
    page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .yasqe_queryButton").click()
    message = wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .yasr .editor-error-message"))[0].text
    assert editor_text(page) == BROKEN
    assert message.startswith("SPARQL syntax error at line 3, column 2: expected one of ")
    assert "\\u{" not in message and len(message) < 300
    assert "400" in page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .yasr .editor-error-title").text
    marked = page.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror .editor-error-line")
    assert len(marked) == 1
    # no downloads of an answer that does not exist
    assert not page.find_element(By.CSS_SELECTOR, ".editor-downloads").is_displayed()


def test_share_links_and_query_links_restore_the_query(page, live_server):
    from selenium.webdriver.common.by import By

    query = "SELECT ?s WHERE { ?s a <http://www.w3.org/2004/02/skos/core#Concept> } LIMIT 3"
    fresh_editor(page, live_server + "sparql")
    page.execute_script(f"{EDITOR}.setValue({query!r})")
    page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .yasqe_queryButton").click()
    assert len(result_rows(page)) == 3
    page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .yasqe_share").click()
    link = wait(page, lambda d: d.execute_script(
        "const t = document.querySelector('.yasqe_sharePopup input'); return t && t.value"))
    assert "#query=" in link
    # a visitor who never used the editor opens the link: the query is there, and has run
    fresh_editor(page, link)
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror"))
    assert editor_text(page) == query
    assert len(result_rows(page)) == 3
    # the address bar now holds the plain link of the query, which the form and the server understand
    assert page.current_url.startswith(live_server + "sparql?query=SELECT")
    fresh_editor(page, page.current_url)
    assert editor_text(page) == query
    assert len(page.find_elements(By.CSS_SELECTOR, "table.results-table tbody tr")) == 3  # drawn by the server


def test_no_sideways_scroll_at_phone_width(page, live_server):
    from selenium.webdriver.common.by import By

    page.width(PHONE)
    fresh_editor(page, live_server + "sparql")
    run_example(page, PAIRINGS)
    result_rows(page)
    assert page.scroll_width() <= page.inner_width()
    # the server's own table, on a page loaded with a query, scrolls in its box too
    query = next(e.query for e in examples(live_server) if e.title == PAIRINGS)
    page.get(live_server + "sparql?" + f"query={quote(query)}&format=html")
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, "table.results-table tbody tr"))
    assert page.scroll_width() <= page.inner_width()
    page.width(DESKTOP)


@pytest.mark.parametrize("query, said", [
    (BROKEN, "SPARQL syntax error at line 3, column 2: expected one of "),
    (UNDECLARED, "SPARQL syntax error at line 1, column 28: the prefix foo: is not declared"),
])
@pytest.mark.parametrize("how", [{"format": "html"}, {"accept": "text/html"}])
def test_without_javascript_a_broken_query_stays_in_the_textarea(client, query, said, how):
    params = {"query": query, **({"format": how["format"]} if "format" in how else {})}
    r = client.get("/sparql", query_string=params, headers={"Accept": how.get("accept", "*/*")})
    assert r.status_code == 400 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    textarea = re.search(r'<textarea id="query" name="query"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert textarea and html.unescape(textarea.group(1)) == query
    error = re.search(r'<div class="query-error[^"]*" id="query-error"[^>]*>\s*<p>[^<]*</p>\s*<pre>(.*?)</pre>',
                      page, re.DOTALL)
    assert error and page.index('id="query-error"') < page.index("<textarea")
    message = html.unescape(error.group(1))
    assert message.startswith(said)
    assert "\\u{" not in message and len(message) < 300
    assert 'id="run"' in page  # the form, not an error page in its place


def test_programs_still_get_a_short_plain_text_syntax_error(client):
    r = client.get("/sparql", query_string={"query": UNDECLARED}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 400 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert text.startswith("400 Bad Request: SPARQL syntax error at line 1, column 28: the prefix foo: is not declared")
    assert "\\u{" not in text and len(text) < 300


def test_a_query_over_the_length_limit_keeps_the_editor(client, web_settings):
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * web_settings.max_query_length
    r = client.get("/sparql", query_string={"query": query, "format": "html"})
    assert r.status_code == 413 and r.mimetype == "text/html"
    assert "the limit is" in r.get_data(as_text=True) and "<textarea" in r.get_data(as_text=True)
