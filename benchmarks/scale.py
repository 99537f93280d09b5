"""Benchmarks at scale: iuckg beside its peers, in one run, at N = real, 1,000 and 10,000 pairings.

    .venv/bin/python benchmarks/scale.py [--sizes real,1000,10000] [--requests 800] [--clients 8]
                                         [--seconds 30] [--out benchmarks/scale-results.md]

For each size (the repository's data/, or `iuckg synth --pairings N`):

1. `iuckg build`: wall time, and the SHACL gate's time as the build reports it.
2. `iuckg serve` (granian, 2 workers x 16 threads, on-disk store): the first start (which loads
   dist/store/), the cold start from the built store (process start to the first answered
   resource page), and the peak memory of the whole process tree during the load tests.
3. A mix of eight typical queries over HTTP, `--clients` concurrent keep-alive clients, each
   cycling through the mix until `--requests` are answered or `--seconds` have passed:
   requests/s, p50, p99 for iuckg, for rdflib-endpoint (PyPI, in a venv of its own, made on
   first use), for Oxigraph's own server (PyPI `oxigraph`) and for Virtuoso (Debian's
   virtuoso-opensource, its own server from a temporary folder, loaded with `iuckg publish`),
   all holding the same N-Quads.
4. Dereferencing: a resource page (HTML) and a resource's RDF (Turtle) on iuckg, and Oxigraph's
   server answering DESCRIBE for the same resources, with `--clients` concurrent clients and with
   one, cycling through 400 distinct resources spread over the whole namespace; and the landing
   page.

It prints markdown tables (values and ratios against the peers, and the targets) and writes them
to --out.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PEER_VENV = Path(tempfile.gettempdir()) / "venv-rdflib-endpoint"
VIRTUOSO_INI = REPO / "tests" / "web" / "virtuoso.ini"
HOST = "127.0.0.1"
PEERS = ("rdflib-endpoint", "Oxigraph server", "Virtuoso")
JSON, TURTLE = {"Accept": "application/sparql-results+json"}, {"Accept": "text/turtle"}
# Dereferencing cycles through this many distinct resources (a crawler's pattern, not one cached page).
RESOURCES = 400
PEER_DESCRIBE = "Oxigraph server, DESCRIBE of the same resources (Turtle)"

MIX = {
    "lookup (DESCRIBE)": ("DESCRIBE <{pairing}>", TURTLE),
    "pairings of a country": ("SELECT ?p ?label WHERE {{ ?p iuc:hasMember/iuc:country <{country}> ; "
                              "rdfs:label ?label }}", JSON),
    "counts per theme": ("SELECT ?theme (COUNT(?p) AS ?n) WHERE {{ ?p iuc:theme/skos:prefLabel ?theme }} "
                         "GROUP BY ?theme", JSON),
    "three hops via SDGs": ("SELECT ?goal (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p iuc:alignment/iuc:alignedTo ?t . "
                            "?t skos:broader ?goal . ?goal a sdgo:Goal }} GROUP BY ?goal", JSON),
    "label search": ("SELECT ?s ?label WHERE {{ ?s rdfs:label ?label "
                     "FILTER (CONTAINS(LCASE(STR(?label)), \"water\")) }}", JSON),
    "OPTIONAL-heavy ordered list": ("SELECT ?m ?label ?alt ?country ?strategy WHERE {{ ?m iuc:country ?c ; "
                                    "rdfs:label ?label . OPTIONAL {{ ?m skos:altLabel ?alt }} "
                                    "OPTIONAL {{ ?c rdfs:label ?country }} "
                                    "OPTIONAL {{ ?m iuc:smartSpecialisationStrategy ?strategy }} }} "
                                    "ORDER BY ?label LIMIT 100", JSON),
    "COUNT(*)": ("SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }}", JSON),
    "CONSTRUCT a neighbourhood": ("CONSTRUCT {{ <{pairing}> ?p ?o . ?o ?q ?v }} WHERE {{ <{pairing}> ?p ?o "
                                  "OPTIONAL {{ ?o ?q ?v }} }}", TURTLE),
}
PREFIXES = ("PREFIX iuc: <{base}def/iuc#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "PREFIX sdgo: <http://metadata.un.org/sdg/ontology#> ")


@dataclass
class Size:
    """What was measured at one size."""

    name: str
    triples: int = 0
    build: float = 0.0
    gate: float = 0.0
    first_start: float = 0.0
    cold_start: float = 0.0
    peak_memory_mb: float = 0.0
    mix: dict[str, dict] = field(default_factory=dict)
    pages: dict[str, dict] = field(default_factory=dict)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 900) -> float:
    """Wait until a URL answers 200; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(url)


def stop(process: subprocess.Popen) -> None:
    """Stop a server this script started."""
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match.group(1)) * 1024 if match else 0
    return total


class PeakMemory:
    """The largest resident memory of a process tree, sampled every 0.2 s while in use."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.running = pid, 0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        """Sample until stopped."""
        while self.running:
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.2)

    def __enter__(self) -> "PeakMemory":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()


def load(port: int, cases: list[tuple[str, dict]], requests: int, clients: int, seconds: float) -> dict:
    """Keep-alive clients cycling through cases until `requests` are answered or `seconds` pass."""
    deadline = time.monotonic() + seconds

    def client(number: int) -> list[float]:
        # each client from a loopback address of its own, as distinct visitors (iuckg shares queries per address)
        connection = http.client.HTTPConnection(HOST, port, timeout=600, source_address=(f"127.0.1.{number + 1}", 0))
        latencies = []
        for i in range(requests // clients):
            if time.monotonic() > deadline:
                break
            path, headers = cases[(number + i) % len(cases)]
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path[:120]}: HTTP {response.status}")
            latencies.append(time.perf_counter() - started)
        connection.close()
        return latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = sorted(x for batch in pool.map(client, range(clients)) for x in batch)
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, "n": len(latencies)}


def run(*command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a command to completion; raise with its error output if it fails."""
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} exited with {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def data_folder(size: str, workdir: Path) -> Path:
    """The repository's data/, or a synthetic folder of `size` pairings."""
    if size == "real":
        return REPO / "data"
    folder = workdir / f"data-{size}"
    run(str(VENV_BIN / "iuckg"), "synth", "--pairings", size, "--out", str(folder))
    return folder


def first_iri(dist: Path, prefix: str) -> str:
    """The first subject IRI of the build's N-Quads that starts with prefix (and has no sub-path)."""
    with open(dist / "iuckg.nq", encoding="utf-8") as f:
        for line in f:
            iri = line.split(" ", 1)[0][1:-1]
            if iri.startswith(prefix) and "/" not in iri[len(prefix):]:
                return iri
    raise LookupError(prefix)


def sample_iris(dist: Path, prefix: str, count: int) -> list[str]:
    """Up to `count` distinct subject IRIs of the build under prefix, spread evenly over all of them."""
    with open(dist / "iuckg.nq", encoding="utf-8") as f:
        iris = sorted({line.split(" ", 1)[0][1:-1] for line in f if line.startswith("<" + prefix)})
    return iris[:: max(1, len(iris) // count)][:count]


def ensure_peer_venv() -> Path:
    """The rdflib-endpoint command, installed into a venv of its own on first use."""
    command = PEER_VENV / "bin" / "rdflib-endpoint"
    if not command.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", "rdflib-endpoint[cli]"], check=True)
    return command


def serve_iuckg(base: str, port: int, data: Path, dist: Path) -> tuple[subprocess.Popen, float]:
    """`iuckg serve` of a build; the process and the seconds until a resource page answered."""
    process = subprocess.Popen(
        [str(VENV_BIN / "iuckg"), "serve", "--host", HOST, "--port", str(port), "--base", base, "--data", str(data),
         "--dist", str(dist)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pairing = first_iri(dist, base + "id/pairing/")
    return process, wait_for(f"http://{HOST}:{port}/doc/{pairing[len(base):]}", process)


def start_virtuoso(workdir: Path) -> tuple[subprocess.Popen, str]:
    """A Virtuoso server of its own (the tests' configuration): the process and its base URL."""
    folder = workdir / "virtuoso"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    http_port = free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.read_text().format(dir=folder, sql_port=free_port(),
                                                                          http_port=http_port))
    process = subprocess.Popen([shutil.which("virtuoso-t"), "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                               cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{HOST}:{http_port}/"
    wait_for(url + "sparql?query=ASK%7B%7D", process, seconds=120)
    return process, url


def measure(size: str, workdir: Path, args: argparse.Namespace) -> Size:
    """Every measure at one size."""
    result = Size(size)
    port = free_port()
    base = f"http://{HOST}:{port}/"
    data, dist = data_folder(size, workdir), workdir / f"dist-{size}"
    started = time.perf_counter()
    built = run(str(VENV_BIN / "iuckg"), "build", "--base", base, "--data", str(data), "--out", str(dist))
    result.build = time.perf_counter() - started
    result.gate = float(re.search(r"SHACL gate: \w+ \(([\d.]+) s\)", built.stderr).group(1))
    result.triples = sum(1 for _ in open(dist / "iuckg.nq", "rb"))
    print(f"[{size}] built: {result.triples} quads, {result.build:.1f} s (gate {result.gate:.1f} s)", flush=True)

    pairing = first_iri(dist, base + "id/pairing/")
    country = first_iri(dist, base + "id/country/")
    queries = {name: ((PREFIXES + text).format(base=base, pairing=pairing, country=country), headers)
               for name, (text, headers) in MIX.items()}

    def paths(endpoint: str) -> list[tuple[str, dict]]:
        return [(f"{endpoint}?{urllib.parse.urlencode({'query': q})}", h) for q, h in queries.values()]

    process, result.first_start = serve_iuckg(base, port, data, dist)
    stop(process)
    process, result.cold_start = serve_iuckg(base, port, data, dist)
    print(f"[{size}] serve: first start {result.first_start:.2f} s, cold start {result.cold_start:.2f} s", flush=True)
    resources = sample_iris(dist, base + "id/", RESOURCES)
    docs = [f"/doc/{iri[len(base):]}" for iri in resources]
    try:
        with PeakMemory(process.pid) as memory:
            load(port, paths("/sparql") + [(docs[0], TURTLE)], args.clients * 8, args.clients, args.seconds)  # warm-up
            result.mix["iuckg"] = load(port, paths("/sparql"), args.requests, args.clients, args.seconds)
            for name, headers in (("resource page (HTML)", {"Accept": "text/html"}),
                                  ("resource RDF (Turtle)", TURTLE)):
                for clients in (args.clients, 1):
                    result.pages[f"{name}, {clients} client{'s' * (clients > 1)}"] = load(
                        port, [(doc, headers) for doc in docs], args.requests // (args.clients // clients), clients,
                        args.seconds)
            result.pages[f"landing page (HTML), {args.clients} clients"] = load(
                port, [("/", {"Accept": "text/html"})], args.requests, args.clients, args.seconds)
        result.peak_memory_mb = memory.peak / 1e6
    finally:
        stop(process)
    print(f"[{size}] iuckg: {result.mix['iuckg']}", flush=True)

    store = workdir / f"oxigraph-{size}"
    run(str(VENV_BIN / "oxigraph"), "load", "--location", str(store), "--file", str(dist / "iuckg.nq"))
    peer_port = free_port()
    peer = subprocess.Popen([str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(store),
                             "--bind", f"{HOST}:{peer_port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://{HOST}:{peer_port}/query?query=ASK%7B%7D", peer)
        load(peer_port, paths("/query"), args.clients * 8, args.clients, args.seconds)
        result.mix["Oxigraph server"] = load(peer_port, paths("/query"), args.requests, args.clients, args.seconds)
        describes = [(f"/query?{urllib.parse.urlencode({'query': f'DESCRIBE <{iri}>'})}", TURTLE) for iri in resources]
        for clients in (args.clients, 1):
            result.pages[f"{PEER_DESCRIBE}, {clients} client{'s' * (clients > 1)}"] = load(
                peer_port, describes, args.requests // (args.clients // clients), clients, args.seconds)
    finally:
        stop(peer)
    print(f"[{size}] Oxigraph server: {result.mix['Oxigraph server']}", flush=True)

    virtuoso, url = start_virtuoso(workdir)
    try:
        run(str(VENV_BIN / "iuckg"), "publish", "--base", base, "--data", str(data), "--dist", str(dist),
            "--endpoint", url + "sparql-auth", "--graph-store", url + "sparql-graph-crud-auth", "--user", "dba",
            env={**os.environ, "IUCKG_STORE_PASSWORD": "dba"})
        virtuoso_port = int(url.rsplit(":", 1)[1].strip("/"))
        load(virtuoso_port, paths("/sparql"), args.clients * 8, args.clients, args.seconds)
        result.mix["Virtuoso"] = load(virtuoso_port, paths("/sparql"), args.requests, args.clients, args.seconds)
    finally:
        stop(virtuoso)
    print(f"[{size}] Virtuoso: {result.mix['Virtuoso']}", flush=True)

    peer_port = free_port()
    peer = subprocess.Popen([str(ensure_peer_venv()), "serve", "--host", HOST, "--port", str(peer_port),
                             str(dist / "iuckg.nq")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://{HOST}:{peer_port}/?query=ASK%7B%7D", peer, seconds=1800)
        result.mix["rdflib-endpoint"] = load(peer_port, paths("/"), args.requests, args.clients, args.seconds)
    finally:
        stop(peer)
    print(f"[{size}] rdflib-endpoint: {result.mix['rdflib-endpoint']}", flush=True)
    return result


def ratio(ours: dict, theirs: dict | None) -> str:
    """iuckg's requests/s over a peer's."""
    return f"{ours['rps'] / theirs['rps']:.2f}x" if theirs and theirs["rps"] else "–"


def report(sizes: list[Size], args: argparse.Namespace) -> str:
    """The markdown tables."""
    lines = ["## Build, gate, start and memory of `iuckg serve`", "",
             "| N | quads | build (s) | SHACL gate (s) | first start (s) | cold start (s) | peak memory (MB) |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {s.name} | {s.triples} | {s.build:.1f} | {s.gate:.2f} | {s.first_start:.2f} | {s.cold_start:.2f} "
              f"| {s.peak_memory_mb:.0f} |" for s in sizes]
    lines += ["", f"## SPARQL mix of {len(MIX)} queries, {args.clients} concurrent clients, loopback",
              "", "req/s, p50 ms, p99 ms (requests answered)", "",
              "| N | iuckg | " + " | ".join(PEERS) + " | " + " | ".join(f"iuckg / {p}" for p in PEERS) + " |",
              "|---" * (2 + 2 * len(PEERS)) + "|"]
    for s in sizes:
        cells = [f"{m['rps']:.1f}, {m['p50']:.0f}, {m['p99']:.0f} ({m['n']})" if (m := s.mix.get(name)) else "–"
                 for name in ("iuckg", *PEERS)]
        lines.append(f"| {s.name} | " + " | ".join(cells) + " | "
                     + " | ".join(ratio(s.mix["iuckg"], s.mix.get(p)) for p in PEERS) + " |")
    lines += ["", f"## Dereferencing {RESOURCES} distinct resources", "",
              "| N | case | req/s | p50 ms | p99 ms |", "|---|---|---|---|---|"]
    lines += [f"| {s.name} | {case} | {m['rps']:.0f} | {m['p50']:.1f} | {m['p99']:.1f} |"
              for s in sizes for case, m in s.pages.items()]
    by_name = {s.name: s for s in sizes}
    targets = []
    for name in ("1000", "10000"):
        if name in by_name:
            s = by_name[name]
            targets += [(f"SPARQL mix >= {goal} {peer}, N={name}", ratio(s.mix["iuckg"], s.mix.get(peer)))
                        for goal, peer in (("10x", "rdflib-endpoint"), ("0.5x", "Oxigraph server"))]
    if "10000" in by_name:
        s = by_name["10000"]
        targets += [("dereferencing p50 <= 5 ms, N=10000",
                     "; ".join(f"{case}: {m['p50']:.1f} ms" for case, m in s.pages.items())),
                    ("SHACL gate < 60 s, N=10000", f"{s.gate:.1f} s"), ("serve cold start < 2 s, N=10000",
                                                                       f"{s.cold_start:.2f} s")]
    if "real" in by_name:
        targets.append(("SHACL gate < 2 s, real graph", f"{by_name['real'].gate:.2f} s"))
    lines += ["", "## Targets", "", "| target | measured |", "|---|---|"]
    lines += [f"| {target} | {value} |" for target, value in targets]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run the benchmarks and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="real,1000,10000")
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--out", default=str(Path(__file__).with_name("scale-results.md")))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="iuckg-scale-"))
    try:
        sizes = [measure(size, workdir, args) for size in args.sizes.split(",")]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    table = report(sizes, args)
    print(table)
    Path(args.out).write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
