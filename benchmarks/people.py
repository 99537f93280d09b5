"""The budgets of the pages for people, at N = real and 10,000 pairings, in one run.

    .venv/bin/python benchmarks/people.py [--sizes real,10000] [--requests 300] [--out benchmarks/people-results.md]
                                          [--workdir DIR]

For each size (the repository's data/, or `iuckg synth --pairings N`), on `iuckg serve`:

1. The HTML of one page of each type (landing, lists, search, pairing, member, country, theme, topic, SDG,
   editor, map, charts, ontology, dataset): its size in bytes (budget: < 100 kB).
2. The landing page in headless Chromium (Debian's): every byte transferred for it and everything it loads,
   compressed as sent (the DevTools `encodedDataLength`; budget: < 500 kB), and that nothing came from
   another host.
3. Search and lists, one client, every request different: `/search.json` for prefixes of member names,
   lists with a facet value, a sort column and a page drawn at random. p50 and p99 (budget: p50 < 20 ms at
   10,000 pairings), beside the same questions asked of the SPARQL endpoint (a case-insensitive prefix regex
   over labels; the facet as a triple pattern with ORDER BY and LIMIT), measured in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import HOST, REPO, VENV_BIN, data_folder, free_port, run, sample_iris, serve_iuckg, stop  # noqa: E402

HTML = {"Accept": "text/html", "Accept-Encoding": "identity"}
JSON = {"Accept": "application/sparql-results+json"}
PAGE_BUDGET = 100_000
LANDING_BUDGET = 500_000
FAST = 20.0  # ms, p50 of search and lists at 10,000 pairings
SEARCH_SPARQL = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?label WHERE {{ ?thing rdfs:label ?label FILTER(REGEX(STR(?label), "^{prefix}", "i")) }} LIMIT 100"""
LIST_SPARQL = """PREFIX iuc: <{base}def/iuc#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?p ?label WHERE {{ ?p iuc:theme <{theme}> ; rdfs:label ?label }} ORDER BY ?label LIMIT 50 OFFSET {offset}"""


def get(connection: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes, float]:
    """One GET: status, body and milliseconds."""
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return response.status, body, (time.perf_counter() - started) * 1000


def percentiles(values: list[float]) -> dict:
    """p50 and p99 of milliseconds."""
    values = sorted(values)
    return {"p50": statistics.median(values), "p99": values[max(0, int(len(values) * 0.99) - 1)], "n": len(values)}


def page_sizes(port: int, base: str, dist: Path) -> dict[str, int]:
    """The HTML size of one page of each type (the largest of a few of each where there are many)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    paths = {"landing": ["/"], "pairings list": ["/pairings"], "members list": ["/members"],
             "countries list": ["/countries"], "search (a one-letter prefix)": ["/search?q=a"],
             "editor": ["/sparql"], "map": ["/map"], "charts": ["/charts"], "ontology": ["/doc/def/iuc"],
             "dataset": ["/doc/id/dataset/iuckg"]}
    for kind, prefix, count in (("pairing", "id/pairing/", 5), ("member", "id/member/", 5),
                                ("country", "id/country/", 40), ("theme", "id/theme/", 6),
                                ("Urban Agenda topic", "id/urban-agenda-topic/", 14)):
        iris = [i for i in sample_iris(dist, base + prefix, 400) if "/" not in i[len(base + prefix):]]
        paths[kind] = ["/doc/" + i[len(base):] for i in iris[:count]]
    paths["SDG goal"] = ["/sdg/11", "/sdg/13"]
    paths["SDG target"] = ["/sdg/11.1", "/sdg/11.6"]
    sizes = {}
    for kind, urls in paths.items():
        largest = 0
        for url in urls:
            status, body, _ = get(connection, url, HTML)
            if status == 200:
                largest = max(largest, len(body))
        sizes[kind] = largest
    connection.close()
    return sizes


def landing_transfer(port: int) -> dict:
    """What Chromium transfers for the landing page and everything it loads (compressed), and from where."""
    sys.path.insert(0, str(REPO / "tests" / "web"))
    from browser import start_browser, stop_browser

    browser = start_browser()
    try:
        browser.get("about:blank")
        browser.driver.get_log("performance")  # the browser's own start page (chrome:// resources) is not ours
        browser.get(f"http://{HOST}:{port}/")
        time.sleep(2)  # let the map's script fetch its outlines and data
        sent: dict[str, str] = {}
        finished: dict[str, float] = {}
        for entry in browser.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                sent[message["params"]["requestId"]] = message["params"]["request"]["url"]
            elif message["method"] == "Network.loadingFinished":
                finished[message["params"]["requestId"]] = message["params"]["encodedDataLength"]
        network = {rid: url for rid, url in sent.items() if urllib.parse.urlsplit(url).scheme in ("http", "https")}
        foreign = [url for url in network.values() if urllib.parse.urlsplit(url).hostname not in (HOST, "localhost")]
        return {"bytes": int(sum(finished.get(rid, 0) for rid in network)), "requests": len(network),
                "foreign": foreign}
    finally:
        stop_browser(browser)


def timings(port: int, base: str, dist: Path, requests: int, seed: int = 7) -> dict[str, dict]:
    """Search and lists on iuckg and the same questions on its SPARQL endpoint, every request different."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    members = json.loads(get(connection, "/members.json?size=1000", {})[1])["rows"]
    themes = [i.rsplit("/", 1)[1] for i in sample_iris(dist, base + "id/theme/", 10) if "/" not in i[len(base) + 9:]]
    words = sorted({w for m in members for w in m["label"].split() if len(w) >= 4})
    prefixes = [w[:rng.randint(3, min(6, len(w)))] for w in rng.sample(words, min(len(words), requests))]
    columns = ["label", "eu_side", "partner_side", "theme_label", "case_title"]
    pages = {theme: max(1, -(-json.loads(get(connection, f"/pairings.json?theme={theme}&size=1", {})[1])["total"] // 50))
             for theme in themes}
    lists = [(theme, rng.choice(columns), rng.randint(1, pages[theme]), rng.random() < 0.5)
             for theme in (rng.choice(themes) for _ in range(requests))]
    out: dict[str, list[float]] = {"search": [], "search, SPARQL regex": [], "list": [], "list, SPARQL": []}
    for i, prefix in enumerate(prefixes):
        status, _, ms = get(connection, "/search.json?" + urllib.parse.urlencode({"q": prefix}), {})
        assert status == 200
        out["search"].append(ms)
        query = SEARCH_SPARQL.format(prefix=prefix.replace('"', ""))
        status, _, ms = get(connection, "/sparql?" + urllib.parse.urlencode({"query": query}), JSON)
        assert status == 200, status
        out["search, SPARQL regex"].append(ms)
    for theme, column, page, descending in lists:
        params = {"theme": theme, "sort": column, "page": page, **({"desc": 1} if descending else {})}
        status, _, ms = get(connection, "/pairings?" + urllib.parse.urlencode(params), HTML)
        assert status == 200, (status, params)
        out["list"].append(ms)
        query = LIST_SPARQL.format(base=base, theme=base + "id/theme/" + theme, offset=(page - 1) * 50)
        status, _, ms = get(connection, "/sparql?" + urllib.parse.urlencode({"query": query}), JSON)
        assert status == 200
        out["list, SPARQL"].append(ms)
    connection.close()
    return {name: percentiles(values) for name, values in out.items()}


def measure(size: str, workdir: Path, requests: int) -> dict:
    """Every budget at one size."""
    port = free_port()
    base = f"http://{HOST}:{port}/"
    data, dist = data_folder(size, workdir), workdir / f"dist-{size}"
    run(str(VENV_BIN / "iuckg"), "build", "--base", base, "--data", str(data), "--out", str(dist))
    process, started = serve_iuckg(base, port, data, dist)
    try:
        return {"size": size, "start": started, "pages": page_sizes(port, base, dist),
                "landing": landing_transfer(port), "timings": timings(port, base, dist, requests)}
    finally:
        stop(process)


def report(results: list[dict]) -> str:
    """Markdown tables of the budgets."""
    sizes = [r["size"] for r in results]
    lines = ["# Budgets of the pages for people", "",
             f"Command: `.venv/bin/python benchmarks/people.py --sizes {','.join(sizes)}`, one run.", "",
             "## HTML per page (budget < 100 kB; the largest of a sample of each type)", "",
             "| page | " + " | ".join(f"N = {s}" for s in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for kind in results[0]["pages"]:
        cells = []
        for r in results:
            n = r["pages"][kind]
            cells.append(f"{n / 1000:.1f} kB" + ("" if n < PAGE_BUDGET else " **over**"))
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += ["", "## Landing page in Chromium, everything it loads (budget < 500 kB compressed)", "",
              "| N | transferred | requests | to another host |", "|---|---|---|---|"]
    for r in results:
        t = r["landing"]
        lines.append(f"| {r['size']} | {t['bytes'] / 1000:.0f} kB | {t['requests']} | {len(t['foreign'])} |")
    lines += ["", "## Search and lists, one client, every request different (budget p50 < 20 ms at 10,000)", "",
              "| N | request | p50 ms | p99 ms | n | p50 ratio, SPARQL / iuckg |", "|---|---|---|---|---|---|"]
    for r in results:
        t = r["timings"]
        for name in ("search", "list"):
            ratio = t[f"{name}, SPARQL" if name == "list" else "search, SPARQL regex"]["p50"] / t[name]["p50"]
            lines.append(f"| {r['size']} | {name} | {t[name]['p50']:.1f} | {t[name]['p99']:.1f} | {t[name]['n']} "
                         f"| {ratio:.1f}x |")
            peer = "list, SPARQL" if name == "list" else "search, SPARQL regex"
            lines.append(f"| {r['size']} | the same on /sparql | {t[peer]['p50']:.1f} | {t[peer]['p99']:.1f} "
                         f"| {t[peer]['n']} | |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Measure and print the budgets; write them to --out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="real,10000")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "people-results.md")
    parser.add_argument("--workdir", type=Path, help="keep the synthetic data and builds here (default: a temporary folder)")
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        results = [measure(size, args.workdir, args.requests) for size in args.sizes.split(",")]
    else:
        with tempfile.TemporaryDirectory(prefix="iuckg-people-") as workdir:
            results = [measure(size, Path(workdir), args.requests) for size in args.sizes.split(",")]
    text = report(results)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
