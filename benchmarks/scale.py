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
import json
import os
import random
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
WRK_SCRIPT = Path(__file__).with_name("wrk_paths.lua")

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
    mix: dict[str, dict[str, dict]] = field(default_factory=dict)  # (a) "unique", (b) "repeated": server -> measure
    pages: dict[str, dict[str, dict]] = field(default_factory=lambda: {"distinct": {}, "again": {}, "wrk": {}})


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


def load(port: int, cases: list[tuple[str, dict]], requests: int, clients: int, seconds: float,
         disjoint: bool = False) -> dict:
    """Keep-alive clients cycling through cases until `requests` are answered or `seconds` pass; `disjoint`:
    client k sends cases k, k + clients, k + 2 clients ... so that no case is sent twice (requests <= cases)."""
    deadline = time.monotonic() + seconds

    def client(number: int) -> list[float]:
        # each client from a loopback address of its own, as distinct visitors (iuckg shares queries per address)
        connection = http.client.HTTPConnection(HOST, port, timeout=600, source_address=(f"127.0.1.{number + 1}", 0))
        latencies = []
        for i in range(requests // clients):
            if time.monotonic() > deadline:
                break
            path, headers = cases[(number + i * clients if disjoint else number + i) % len(cases)]
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


def serve_iuckg(base: str, port: int, data: Path, dist: Path, *options: str) -> tuple[subprocess.Popen, float]:
    """`iuckg serve` of a build (its base given, so any port serves it); the process and the seconds until a
    resource page answered."""
    process = subprocess.Popen(
        [str(VENV_BIN / "iuckg"), "serve", "--host", HOST, "--port", str(port), "--base", base, "--data", str(data),
         "--dist", str(dist), *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


def unique_mix(base: str, subjects: list[str], countries: list[str], words: list[str], count: int,
               seed: int) -> list[tuple[str, dict]]:
    """`count` requests of the mix's eight kinds in which no two texts are alike: subjects drawn from all
    resources, regex strings from the labels' words, LIMITs, HAVING bounds and OFFSETs varied."""
    rng = random.Random(seed)
    made: list[tuple[str, dict]] = []
    seen: set[str] = set()
    while len(made) < count:
        kind = len(made) % 8
        subject, country, word = rng.choice(subjects), rng.choice(countries), rng.choice(words)
        limit = rng.randint(20, 5000)
        text, headers = [
            (f"DESCRIBE <{subject}>", TURTLE),
            (f"SELECT ?p ?label WHERE {{ ?p iuc:hasMember/iuc:country <{country}> ; rdfs:label ?label }} "
             f"LIMIT {limit}", JSON),
            (f"SELECT ?theme (COUNT(?p) AS ?n) WHERE {{ ?p iuc:theme/skos:prefLabel ?theme }} GROUP BY ?theme "
             f"HAVING (COUNT(?p) > {rng.randint(0, 50)}) LIMIT {limit}", JSON),
            ("SELECT ?goal (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p iuc:alignment/iuc:alignedTo ?t . "
             f"?t skos:broader ?goal . ?goal a sdgo:Goal }} GROUP BY ?goal LIMIT {limit}", JSON),
            (f"SELECT ?s ?label WHERE {{ ?s rdfs:label ?label FILTER (REGEX(?label, \"{word}\", \"i\")) }} "
             f"LIMIT {limit}", JSON),
            ("SELECT ?m ?label ?alt ?country ?strategy WHERE { ?m iuc:country ?c ; rdfs:label ?label . "
             "OPTIONAL { ?m skos:altLabel ?alt } OPTIONAL { ?c rdfs:label ?country } "
             "OPTIONAL { ?m iuc:smartSpecialisationStrategy ?strategy } } "
             f"ORDER BY ?label OFFSET {rng.randint(0, 200)} LIMIT {rng.randint(20, 200)}", JSON),
            (f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER (?s != <{subject}>) }}", JSON),
            (f"CONSTRUCT {{ <{subject}> ?p ?o . ?o ?q ?v }} WHERE {{ <{subject}> ?p ?o OPTIONAL {{ ?o ?q ?v }} }}",
             TURTLE),
        ][kind]
        text = PREFIXES.format(base=base) + text
        if text not in seen:
            seen.add(text)
            made.append((text, headers))
    return made


def label_words(dist: Path, count: int = 400) -> list[str]:
    """Words of four letters or more from the build's rdfs:label literals (the regex strings of the mix)."""
    words: set[str] = set()
    with open(dist / "iuckg.nq", encoding="utf-8") as f:
        for line in f:
            if "<http://www.w3.org/2000/01/rdf-schema#label>" in line and '"' in line:
                words.update(w for w in re.findall(r"[A-Za-z]{4,}", line.split('"')[1]))
    return sorted(words)[:: max(1, len(words) // count)][:count]


def wrk(port: int, paths: list[str], accept: str, connections: int, seconds: float, workdir: Path) -> dict | None:
    """wrk (C, epoll: it costs the machine far less per request than any Python client) cycling through
    paths: requests/s, p50 and p99 in ms; None when wrk is not installed (Debian: apt install wrk)."""
    if not shutil.which("wrk"):
        return None
    listing = workdir / f"paths-{port}.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    out = run("wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds:g}s", "-s", str(WRK_SCRIPT),
              f"http://{HOST}:{port}", env={**os.environ, "PATHS": str(listing), "ACCEPT": accept}).stdout
    found = json.loads(out[out.index("{"):out.rindex("}") + 1])
    if found["errors"]:
        raise RuntimeError(f"wrk on port {port}: {found['errors']} requests failed or answered other than 200")
    return {"rps": found["requests"] / found["seconds"], "p50": found["p50"] / 1000, "p99": found["p99"] / 1000,
            "n": found["requests"]}


def median_round(results: list[dict]) -> dict:
    """The round with the median requests/s (its p50 and p99 with it)."""
    return sorted(results, key=lambda r: r["rps"])[len(results) // 2]


@dataclass
class Servers:
    """The servers of one size, all up at once so that each measure runs them round after round."""

    ports: dict[str, int] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def stop_all(self) -> None:
        """Stop every server."""
        for process in self.processes.values():
            stop(process)


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

    servers = Servers()
    try:
        process, result.first_start = serve_iuckg(base, port, data, dist)
        stop(process)
        process, result.cold_start = serve_iuckg(base, port, data, dist)
        servers.processes["iuckg"], servers.ports["iuckg"], servers.endpoints["iuckg"] = process, port, "/sparql"
        print(f"[{size}] serve: first start {result.first_start:.2f} s, cold start {result.cold_start:.2f} s",
              flush=True)
        start_peers(servers, size, base, data, dist, workdir)
        time.sleep(args.settle)  # every server's start-up work (iuckg's warm-up of its views) is done
        with PeakMemory(servers.processes["iuckg"].pid) as memory:
            run_measures(result, servers, base, dist, workdir, args)
        result.peak_memory_mb = memory.peak / 1e6
    finally:
        servers.stop_all()
    return result


def start_peers(servers: Servers, size: str, base: str, data: Path, dist: Path, workdir: Path) -> None:
    """Start the peers beside iuckg: iuckg without its answer cache and under gunicorn, Oxigraph's server,
    Virtuoso (loaded with `iuckg publish`), rdflib-endpoint and a constant answer (the client's ceiling)."""
    port = free_port()
    servers.processes["iuckg, no cache"], _ = serve_iuckg(base, port, data, dist, "--answers-mb", "0")
    servers.ports["iuckg, no cache"], servers.endpoints["iuckg, no cache"] = port, "/sparql"

    port = free_port()
    from iuckg.settings import Settings
    from iuckg.web.front import SETTINGS_VARIABLE, encode_settings

    settings = Settings(base=base, data_dir=data, dist_dir=dist, answers_mb=0)
    servers.processes["iuckg under gunicorn"] = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread", "--threads", "16", "--bind",
         f"{HOST}:{port}", "--chdir", str(Path(__file__).parent), "wsgi_app:app"],
        env={**os.environ, SETTINGS_VARIABLE: encode_settings(settings)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers.ports["iuckg under gunicorn"] = port
    wait_for(f"http://{HOST}:{port}/sparql?query=ASK%7B%7D", servers.processes["iuckg under gunicorn"])

    store = workdir / f"oxigraph-{size}"
    run(str(VENV_BIN / "oxigraph"), "load", "--location", str(store), "--file", str(dist / "iuckg.nq"))
    port = free_port()
    servers.processes["Oxigraph server"] = subprocess.Popen(
        [str(VENV_BIN / "oxigraph"), "serve-read-only", "--location", str(store), "--bind", f"{HOST}:{port}",
         "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers.ports["Oxigraph server"], servers.endpoints["Oxigraph server"] = port, "/query"
    wait_for(f"http://{HOST}:{port}/query?query=ASK%7B%7D", servers.processes["Oxigraph server"])

    virtuoso, url = start_virtuoso(workdir)
    servers.processes["Virtuoso"] = virtuoso
    try:
        run(str(VENV_BIN / "iuckg"), "publish", "--base", base, "--data", str(data), "--dist", str(dist),
            "--endpoint", url + "sparql-auth", "--graph-store", url + "sparql-graph-crud-auth", "--user", "dba",
            env={**os.environ, "IUCKG_STORE_PASSWORD": "dba"})
        servers.ports["Virtuoso"], servers.endpoints["Virtuoso"] = int(url.rsplit(":", 1)[1].strip("/")), "/sparql"
    except RuntimeError as exc:  # measured without Virtuoso, and said so
        print(f"[{size}] Virtuoso left out: {exc}", flush=True)

    port = free_port()
    servers.processes["rdflib-endpoint"] = subprocess.Popen(
        [str(ensure_peer_venv()), "serve", "--host", HOST, "--port", str(port), str(dist / "iuckg.nq")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers.ports["rdflib-endpoint"], servers.endpoints["rdflib-endpoint"] = port, "/"
    wait_for(f"http://{HOST}:{port}/?query=ASK%7B%7D", servers.processes["rdflib-endpoint"], seconds=1800)

    port = free_port()
    servers.processes["constant answer"] = subprocess.Popen(
        [str(VENV_BIN / "granian"), "--interface", "asgi", "--workers", "2", "--host", HOST, "--port", str(port),
         "--no-log", "--working-dir", str(Path(__file__).parent), "constant_app:app"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers.ports["constant answer"] = port
    wait_for(f"http://{HOST}:{port}/", servers.processes["constant answer"])
    print(f"[{size}] peers up: {', '.join(servers.processes)}", flush=True)


def run_measures(result: Size, servers: Servers, base: str, dist: Path, workdir: Path,
                 args: argparse.Namespace) -> None:
    """(a) the unique mix, (b) the repeated mix, (c) distinct documents, (d) the documents again, round after
    round, each round running every server once."""
    subjects = sample_iris(dist, base + "id/", 4000)
    countries = sample_iris(dist, base + "id/country/", 200)
    words = label_words(dist)
    pairing, country = first_iri(dist, base + "id/pairing/"), countries[0]
    repeated = [((PREFIXES + text).format(base=base, pairing=pairing, country=country), headers)
                for text, headers in MIX.values()]
    sparql_servers = [name for name in ("iuckg", "iuckg, no cache", *PEERS) if name in servers.endpoints]

    def paths(name: str, queries: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
        return [(f"{servers.endpoints[name]}?{urllib.parse.urlencode({'query': q})}", h) for q, h in queries]

    for name in sparql_servers:  # every query worker started and every engine's caches warm, before any measure
        load(servers.ports[name], paths(name, repeated), args.clients * 4, args.clients, args.seconds)
    rounds = range(args.rounds)
    unique = [unique_mix(base, subjects, countries, words, args.requests, seed) for seed in rounds]
    for label, mixes in (("unique", unique), ("repeated", [repeated] * args.rounds)):
        found: dict[str, list[dict]] = {name: [] for name in sparql_servers}
        for r in rounds:
            for name in sparql_servers[r % len(sparql_servers):] + sparql_servers[:r % len(sparql_servers)]:
                if label == "repeated":  # every text once before the measure: the cache holds them all
                    load(servers.ports[name], paths(name, mixes[r]), len(mixes[r]), 1, args.seconds)
                seconds = args.seconds if name != "rdflib-endpoint" else args.seconds / args.rounds
                found[name].append(load(servers.ports[name], paths(name, mixes[r]), args.requests, args.clients,
                                        seconds, disjoint=label == "unique"))
        result.mix[label] = {name: median_round(runs) for name, runs in found.items()}
        print(f"[{result.name}] {label} mix: " + ", ".join(f"{n} {m['rps']:.1f}/s" for n, m in
                                                         result.mix[label].items()), flush=True)

    # Documents: 400 distinct resources per round and client count, never asked before in the run
    resources = sample_iris(dist, base + "id/", RESOURCES * args.rounds * 3)
    batches = [resources[i::args.rounds * 3] for i in range(args.rounds * 3)]
    documents = {name: [] for name in DOCUMENT_SERVERS}
    again = {name: [] for name in DOCUMENT_SERVERS}
    for r in rounds:
        for clients, batch in ((args.clients, batches[3 * r]), (1, batches[3 * r + 1])):
            for name in DOCUMENT_SERVERS:
                cases = document_cases(name, batch, base)
                documents[name].append((clients, load(servers.ports[name], cases, len(cases), clients, args.seconds,
                                                      disjoint=True)))
                again[name].append((clients, load(servers.ports[name], cases, len(cases), clients, args.seconds,
                                                  disjoint=True)))
        html = [(f"/doc/{iri[len(base):]}", {"Accept": "text/html"}) for iri in batches[3 * r + 2]]
        documents.setdefault("iuckg, HTML page", []).append(
            (args.clients, load(servers.ports["iuckg"], html, len(html), args.clients, args.seconds, disjoint=True)))
        again.setdefault("iuckg, HTML page", []).append(
            (args.clients, load(servers.ports["iuckg"], html, len(html), args.clients, args.seconds, disjoint=True)))
    for label, found in (("distinct", documents), ("again", again)):
        result.pages[label] = {f"{name}, {clients} client{'s' * (clients > 1)}":
                               median_round([m for c, m in runs if c == clients])
                               for name, runs in found.items() for clients in sorted({c for c, _ in runs},
                                                                                      reverse=True)}
    ceiling = [("/", {})] * RESOURCES
    for clients in (args.clients, 1):
        result.pages["again"][f"constant answer (the client's ceiling), {clients} client{'s' * (clients > 1)}"] = \
            median_round([load(servers.ports["constant answer"], ceiling, RESOURCES * 4, clients, args.seconds)
                          for _ in rounds])
    # the same again with wrk, which loads the servers more than the Python client can
    sample = [f"/doc/{iri[len(base):]}" for iri in batches[0]]
    for name, listing, accept in (("iuckg", sample, "text/turtle"),
                                  ("Oxigraph server", [path for path, _ in document_cases("Oxigraph server",
                                                                                          batches[0], base)],
                                   "text/turtle"), ("constant answer", ["/"], "text/plain")):
        for connections in (args.clients, 1):
            measured = [wrk(servers.ports[name], listing, accept, connections, args.wrk_seconds, workdir)
                        for _ in rounds]
            if measured[0] is not None:
                result.pages["wrk"][f"{name}, {connections} connection{'s' * (connections > 1)}"] = \
                    median_round(measured)
    print(f"[{result.name}] documents: " + ", ".join(f"{case} {m['rps']:.0f}/s" for case, m in
                                                    result.pages["distinct"].items()), flush=True)


DOCUMENT_SERVERS = ("iuckg", "iuckg, no cache", "iuckg under gunicorn", "Oxigraph server")


def document_cases(name: str, iris: list[str], base: str) -> list[tuple[str, dict]]:
    """A server's requests for the Turtle of resources: iuckg's documents, or Oxigraph's DESCRIBE of them."""
    if name == "Oxigraph server":
        return [(f"/query?{urllib.parse.urlencode({'query': f'DESCRIBE <{iri}>'})}", TURTLE) for iri in iris]
    return [(f"/doc/{iri[len(base):]}", TURTLE) for iri in iris]


def ratio(ours: dict | None, theirs: dict | None) -> str:
    """iuckg's requests/s over a peer's."""
    return f"{ours['rps'] / theirs['rps']:.2f}x" if ours and theirs and theirs["rps"] else "–"


def cell(m: dict | None) -> str:
    """requests/s, p50 ms, p99 ms (answered)."""
    return f"{m['rps']:.1f}, {m['p50']:.1f}, {m['p99']:.1f} ({m['n']})" if m else "–"


def report(sizes: list[Size], args: argparse.Namespace) -> str:
    """The markdown tables."""
    lines = ["## Build, gate, start and memory of `iuckg serve`", "",
             "| N | quads | build (s) | SHACL gate (s) | first start (s) | cold start (s) | peak memory under load (MB) |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {s.name} | {s.triples} | {s.build:.1f} | {s.gate:.2f} | {s.first_start:.2f} | {s.cold_start:.2f} "
              f"| {s.peak_memory_mb:.0f} |" for s in sizes]
    for label, title in (("unique", "(a) SPARQL mix, no two request texts alike"),
                         ("repeated", "(b) the SPARQL mix of eight queries, repeated")):
        lines += ["", f"## {title}: {args.clients} concurrent clients, loopback, median of {args.rounds} rounds",
                  "", "req/s, p50 ms, p99 ms (requests answered)", "",
                  "| N | iuckg | iuckg, no cache | " + " | ".join(PEERS) + " | "
                  + " | ".join(f"iuckg / {p}" for p in PEERS) + " |",
                  "|---" * (3 + 2 * len(PEERS)) + "|"]
        for s in sizes:
            mix = s.mix.get(label, {})
            lines.append(f"| {s.name} | " + " | ".join(cell(mix.get(n)) for n in ("iuckg", "iuckg, no cache", *PEERS))
                         + " | "
                         + " | ".join(ratio(mix.get("iuckg"), mix.get(p)) for p in PEERS) + " |")
    for label, title in (("distinct", f"(c) {RESOURCES} distinct documents (Turtle) per round, each asked once"),
                         ("again", "(d) the same documents again"),
                         ("wrk", f"(d) the documents again, loaded by wrk for {args.wrk_seconds:g} s")):
        lines += ["", f"## {title}, median of {args.rounds} rounds", "",
                  "| N | case | req/s | p50 ms | p99 ms |", "|---|---|---|---|---|"]
        lines += [f"| {s.name} | {case} | {m['rps']:.0f} | {m['p50']:.2f} | {m['p99']:.1f} |"
                  for s in sizes for case, m in s.pages.get(label, {}).items()]
    lines += ["", "## Targets", "", "| target | measured |", "|---|---|"]
    lines += [f"| {target} | {value} |" for target, value in targets(sizes, args)]
    return "\n".join(lines) + "\n"


def targets(sizes: list[Size], args: argparse.Namespace) -> list[tuple[str, str]]:
    """Each target of issue 14 beside its measure."""
    found = []
    many, one = f"{args.clients} clients", "1 client"
    for s in sizes:
        if s.name == "real":
            continue
        mix, pages = s.mix, s.pages
        found += [
            (f"(a) unique mix >= 1.0x Oxigraph server, N={s.name}",
             ratio(mix["unique"].get("iuckg"), mix["unique"].get("Oxigraph server"))),
            (f"(b) repeated mix >= 5x Oxigraph server, N={s.name}",
             ratio(mix["repeated"].get("iuckg"), mix["repeated"].get("Oxigraph server"))),
            (f"(c) distinct documents >= 1.0x Oxigraph DESCRIBE, N={s.name}",
             ratio(pages["distinct"].get(f"iuckg, {many}"), pages["distinct"].get(f"Oxigraph server, {many}"))),
            (f"(c) one-client document p50 <= 1 ms, N={s.name}", f"{pages['distinct'][f'iuckg, {one}']['p50']:.2f} ms"),
            (f"(d) documents again >= 3x Oxigraph DESCRIBE, N={s.name}",
             ratio(pages["again"].get(f"iuckg, {many}"), pages["again"].get(f"Oxigraph server, {many}"))
             + (f" (wrk: {ratio(pages['wrk'].get(f'iuckg, {args.clients} connections'), pages['wrk'].get(f'Oxigraph server, {args.clients} connections'))})"
                if pages.get("wrk") else "")),
        ]
        if s.name == "10000":
            found += [("peak memory of serve under load <= 1.2 GB, N=10000", f"{s.peak_memory_mb:.0f} MB"),
                      ("cold start < 2 s, N=10000", f"{s.cold_start:.2f} s")]
    return found


def main() -> int:
    """Run the benchmarks and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="real,1000,10000")
    parser.add_argument("--requests", type=int, default=800, help="requests per SPARQL mix round")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30, help="longest a round of one measure may run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each measure (the median is reported)")
    parser.add_argument("--settle", type=float, default=20, help="seconds left to the servers' start-up work")
    parser.add_argument("--wrk-seconds", type=float, default=5)
    parser.add_argument("--out", default=str(Path(__file__).with_name("scale-results.md")))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="iuckg-scale-"))
    sizes: list[Size] = []
    try:
        for size in args.sizes.split(","):
            sizes.append(measure(size, workdir, args))
            Path(args.out).write_text(report(sizes, args), encoding="utf-8")  # what is measured so far is kept
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(report(sizes, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
