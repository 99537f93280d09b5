"""Benchmarks of iuckg against peers measured in the same run.

    .venv/bin/python benchmarks/bench.py [--requests 2000] [--clients 8] [--out benchmarks/results.md]

1. SHACL gate on the real graph: iuckg's gate (pyshacl, no inference, graph-level
   SPARQL constraints run once) against pyshacl run the common way on the same
   graph and shapes (inference="rdfs").
2. HTTP on loopback, `--clients` concurrent keep-alive clients, `--requests` each
   case: a SPARQL query, a resource page (HTML) and a resource's RDF (Turtle)
   on `iuckg serve` (granian, 2 workers x 16 threads), against Oxigraph's own
   server (PyPI `oxigraph`, Rust) holding the same N-Quads, for the same query
   and for a DESCRIBE of the same resource.

It prints a markdown table (requests/s, p50, p99 and ratios) and writes it to --out.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyshacl

from iuckg.build import build, compile_graphs, gate
from iuckg.settings import Settings
from scale import free_port, load, stop, wait_for  # the scale benchmark's helpers, beside this file

# Seconds a case may take before its measurement stops.
TIME_LIMIT = 300

VENV_BIN = Path(sys.executable).parent
THEME_QUERY = """PREFIX iuc: <{base}def/iuc#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?theme (COUNT(?p) AS ?pairings) WHERE {{ ?p iuc:theme/skos:prefLabel ?theme }} GROUP BY ?theme"""
RESOURCE = "id/pairing/cali-co--belfast-gb"


def median_seconds(function, repeat: int = 3) -> float:
    """The median wall time of a function over several runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_gate(settings: Settings) -> list[tuple[str, str, float]]:
    """SHACL gate time of iuckg and of pyshacl with RDFS inference, on the same graph."""
    compiled = compile_graphs(settings)
    shapes = compiled.graphs["shapes"]
    ours = median_seconds(lambda: gate(compiled.knowledge, shapes))
    peer = median_seconds(lambda: pyshacl.validate(compiled.knowledge, shacl_graph=shapes, inference="rdfs",
                                                   advanced=True), repeat=1)
    return [("SHACL gate, real graph (s)", f"{ours:.2f}", peer / ours),
            ("pyshacl with inference=rdfs (s)", f"{peer:.2f}", 1.0)]


def bench_http(requests: int, clients: int, workdir: Path) -> list[tuple[str, dict, dict | None]]:
    """iuckg serve and Oxigraph server side by side on the same data."""
    port, peer_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}/"
    dist = workdir / "dist"
    build(Settings(base=base, dist_dir=dist))
    iuckg = subprocess.Popen([str(VENV_BIN / "iuckg"), "serve", "--host", "127.0.0.1", "--port", str(port),
                              "--dist", str(dist)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = workdir / "oxigraph"
    subprocess.run([str(VENV_BIN / "oxigraph"), "load", "--location", str(store), "--file",
                    str(dist / "iuckg.nq")], check=True, capture_output=True)
    peer = subprocess.Popen([str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(store),
                             "--bind", f"127.0.0.1:{peer_port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(base + "sparql?query=ASK%7B%7D", iuckg)
        wait_for(f"http://127.0.0.1:{peer_port}/query?query=ASK%7B%7D", peer)
        query = urllib.parse.urlencode({"query": THEME_QUERY.format(base=base)})
        describe = urllib.parse.urlencode({"query": f"DESCRIBE <{base}{RESOURCE}>"})
        json_results = {"Accept": "application/sparql-results+json"}
        turtle = {"Accept": "text/turtle"}
        cases = [
            ("SPARQL GROUP BY theme (JSON)", ("/sparql?" + query, json_results), ("/query?" + query, json_results)),
            ("resource RDF (Turtle) / peer DESCRIBE", (f"/doc/{RESOURCE}", turtle), ("/query?" + describe, turtle)),
            ("resource page (HTML)", (f"/doc/{RESOURCE}", {"Accept": "text/html"}), None),
        ]
        rows = []
        for name, ours, theirs in cases:
            load(port, [ours], clients * 10, clients, TIME_LIMIT)  # warm-up
            measured = load(port, [ours], requests, clients, TIME_LIMIT)
            peer_measured = load(peer_port, [theirs], requests, clients, TIME_LIMIT) if theirs else None
            rows.append((name, measured, peer_measured))
        return rows
    finally:
        for process in (iuckg, peer):
            stop(process)


def main() -> int:
    """Run the benchmarks and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="iuckg-bench-"))
    try:
        gate_rows = bench_gate(Settings(dist_dir=workdir / "gate-dist"))
        http_rows = bench_http(args.requests, args.clients, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lines = ["## SHACL gate (median of 3; peer: 1 run)", "",
             "| measure | value | peer / iuckg |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {ratio:.1f}x |" for name, value, ratio in gate_rows]
    lines += ["", f"## HTTP, {args.clients} concurrent clients, {args.requests} requests per case, loopback", "",
              "| case | iuckg req/s | p50 ms | p99 ms | Oxigraph server req/s | p50 ms | p99 ms | iuckg / Oxigraph req/s |",
              "|---|---|---|---|---|---|---|---|"]
    for name, ours, peer in http_rows:
        peer_cells = (f"{peer['rps']:.0f} | {peer['p50']:.1f} | {peer['p99']:.1f} | {ours['rps'] / peer['rps']:.2f}"
                      if peer else "– | – | – | –")
        lines.append(f"| {name} | {ours['rps']:.0f} | {ours['p50']:.1f} | {ours['p99']:.1f} | {peer_cells} |")
    table = "\n".join(lines) + "\n"
    print(table)
    Path(args.out).write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
