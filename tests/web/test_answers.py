"""The answer cache (`iuckg.web.answers`) on a live server and on its own: a kept answer is given again, byte for
byte, by either worker process; conditional and Range requests, errors, `/status` and answers that vary by
other headers are not kept; a new publication empties the cache, which stays within its size in bytes.

The live figures come from /status.json, which is never looked up itself (reading it counts nothing). Each
worker adds its hits and misses to the shared counts every second, so `Server.counts` waits a second before it
reads them. A worker keeps an answer just after sending it, so a test waits until the
cache holds it before asking again. Which worker accepted a connection is read from /proc (Linux).
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from iuckg.cli import parser, settings_from
from iuckg.web.answers import LARGEST, Answer, Answers
from iuckg.web.app import create_app
from iuckg.web.state import ANSWERS

from ..helpers import HOST, copy_dist, serving

pytestmark = pytest.mark.live

ANSWERS_MB = 64  # the live server's cache size (not the default, so the option is seen to apply)
# How often the live server's workers add their counts to the shared ones: not the default second, so the option is
# seen to apply (a reading of the counts waits this long and 0.3 s more).
COUNTS_EVERY = 0.1
DOC = "/doc/id/member/barcelona-es"
TURTLE = {"Accept": "text/turtle"}
NTRIPLES = {"Accept": "application/n-triples"}
HTML = {"Accept": "text/html"}
RESULTS = {"Accept": "application/sparql-results+json"}
FORM = "application/x-www-form-urlencoded"
# A conditional request whose tag matches nothing: the app answers it whole, and the cache never looks it up.
UNCOUNTED = {"If-None-Match": '"matches-no-answer"'}  # a conditional request: never looked up
EVIL = "evil.example"
PLAIN = ((b"content-type", b"text/plain; charset=utf-8"),)
ANSWER = Answer(200, PLAIN, b"kept here\n")


@dataclass
class Reply:
    """An answer as the client got it, and the worker process whose connection it came on."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    worker: int

    def header(self, name: str) -> str | None:
        """The value of a header (None when it is absent)."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def headers_but_date(self) -> list[tuple[str, str]]:
        """The headers in order, names lower-cased, without Date (which the server adds as it sends)."""
        return [(key.lower(), value) for key, value in self.headers if key.lower() != "date"]


def children(pid: int) -> list[int]:
    """The processes a process started."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            found += [int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return found


def socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of a loopback connection from a client port (None before it is accepted)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            return inode if inode != "0" else None
    return None


def holder(inode: str, pids: list[int]) -> int | None:
    """The process among pids that holds a socket, or None."""
    for pid in pids:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{descriptor}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                pass
    return None


class Server:
    """A live `iuckg serve` with its answer cache, and a client that knows which worker answered."""

    def __init__(self, process: subprocess.Popen, port: int, dist: Path, answers: Path) -> None:
        self.process, self.port, self.dist, self.answers = process, port, dist, answers

    def workers(self) -> list[int]:
        """The worker processes of the server (granian's children that run the app)."""
        found = []
        for pid in children(self.process.pid):
            try:
                if b"iuckg.cli" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                pass
        return sorted(found)

    def connect(self, worker: int | None = None) -> tuple[http.client.HTTPConnection, int]:
        """A new connection and the worker that accepted it (when `worker` is given, one that it accepted)."""
        workers = self.workers()
        for _ in range(200):
            connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
            connection.connect()
            accepted = self.acceptor(connection, workers)
            if worker is None or accepted == worker:
                return connection, accepted
            connection.close()
        raise AssertionError(f"worker {worker} accepted none of 200 connections")

    def acceptor(self, connection: http.client.HTTPConnection, workers: list[int]) -> int:
        """The worker that accepted a connection."""
        client_port = connection.sock.getsockname()[1]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            inode = socket_inode(self.port, client_port)
            pid = holder(inode, workers) if inode else None
            if pid is not None:
                return pid
            time.sleep(0.01)
        raise AssertionError(f"no worker of {workers} accepted the connection within 5 s")

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | str | None = None,
                worker: int | None = None) -> Reply:
        """One request on a new connection (one that `worker` accepted, when given)."""
        connection, accepted = self.connect(worker)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.getheaders(), response.read(), accepted)
        finally:
            connection.close()

    def get(self, path: str, headers: dict | None = None, worker: int | None = None) -> Reply:
        """GET a path on a new connection."""
        return self.request("GET", path, headers, worker=worker)

    def status(self) -> dict:
        """The answer cache's figures in /status.json, read without a lookup (so nothing is counted or added)."""
        reply = self.get("/status.json", UNCOUNTED)
        assert reply.status == 200, reply.body
        return json.loads(reply.body)["answer_cache"]

    def counts(self) -> dict:
        """The cache's figures once every worker added its counts to the shared ones (each does every COUNTS_EVERY
        seconds; the status itself is never looked up, so reading it counts nothing)."""
        time.sleep(COUNTS_EVERY + 0.3)
        return self.status()

    def wait_until_kept(self, entries: int) -> None:
        """Wait until the cache holds more than `entries` answers (a worker keeps an answer after sending it)."""
        deadline = time.monotonic() + 5
        while self.status()["entries"] <= entries:
            assert time.monotonic() < deadline, f"no answer was kept within 5 s (entries stayed {entries})"
            time.sleep(0.05)


def grew(before: dict, after: dict) -> tuple[int, int, int]:
    """How many hits, misses and kept answers were added between two readings of the counts."""
    return tuple(after[name] - before[name] for name in ("hits", "misses", "entries"))


def results_count(reply: Reply) -> int:
    """The one number a SPARQL JSON answer of a COUNT query holds."""
    (row,) = json.loads(reply.body)["results"]["bindings"]
    return int(next(iter(row.values()))["value"])


def scope(path: str = "/pairings", query: bytes = b"", method: str = "GET", headers: dict | None = None) -> dict:
    """An ASGI scope of an HTTP request (header names lower-cased, as servers give them)."""
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": query,
            "headers": [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]}


def look_and_keep(folder: Path, publication: str, results) -> None:
    """In another process: look up what the first process kept, keep another answer, close (adding the counts)."""
    answers = Answers(folder, publication, 10_000_000)
    found = answers.get("kept-by-the-first")
    results.put(found.body if found else None)
    answers.keep("kept-by-the-second", Answer(200, PLAIN, b"kept there\n"))
    answers.close()


def fill(answers: Answers, how_many: int, size: int) -> int:
    """Keep answers `answer-0`, `answer-1`, ... of `size` bytes each; the largest volume the cache reached."""
    largest = 0
    for i in range(how_many):
        answers.keep(f"answer-{i}", Answer(200, PLAIN, i.to_bytes(2, "big") * (size // 2)))
        largest = max(largest, answers.cache.volume())
    return largest


@pytest.fixture(scope="module")
def server(web_settings, tmp_path_factory):
    """`iuckg serve` (2 workers) over a copy of the web tests' build, with its own answer cache of 64 MB."""
    folder = tmp_path_factory.mktemp("answers")
    dist, answers = copy_dist(web_settings.dist_dir, folder / "dist"), folder / "answers"
    with serving("--base", web_settings.base, "--dist", str(dist), "--answers-mb", str(ANSWERS_MB),
                 "--answers-dir", str(answers), "--answers-counts-every", str(COUNTS_EVERY),
                 log=folder / "serve.log") as served:
        live = Server(served.process, served.port, dist, answers)
        deadline = time.monotonic() + 30
        while len(live.workers()) < 2:
            assert time.monotonic() < deadline, f"the server did not start 2 workers:\n{served.log_text()}"
            time.sleep(0.1)
        yield live


# --- kept answers are given again


def test_a_second_identical_get_is_answered_from_the_cache(server, web_settings):
    before = server.counts()
    first = server.get(DOC, TURTLE)
    server.wait_until_kept(before["entries"])
    second = server.get(DOC, TURTLE)
    assert grew(before, server.counts()) == (1, 1, 1)
    assert first.status == second.status == 200
    assert second.body == first.body
    assert second.headers_but_date() == first.headers_but_date()
    assert second.header("date") and second.header("content-type") == "text/turtle; charset=utf-8"
    graphs = [Graph().parse(data=reply.body, format="turtle") for reply in (first, second)]
    assert len(graphs[0]) > 10 and set(graphs[1]) == set(graphs[0])
    barcelona = URIRef(web_settings.base + "id/member/barcelona-es")
    assert (barcelona, RDFS.label, Literal("Barcelona", lang="en")) in graphs[1]
    assert server.answers.joinpath("cache.db").is_file()  # kept where --answers-dir said


def test_the_worker_processes_share_kept_answers(server):
    path = "/doc/id/member/parma-it"
    before = server.counts()
    first = server.get(path, NTRIPLES)
    server.wait_until_kept(before["entries"])
    with ThreadPoolExecutor(max_workers=8) as pool:  # each request on a new connection
        replies = list(pool.map(lambda _: server.get(path, NTRIPLES), range(19)))
    assert grew(before, server.counts()) == (19, 1, 1)  # the app made only the first
    assert first.status == 200 and {reply.status for reply in replies} == {200}
    assert {reply.body for reply in replies} == {first.body} and b"parma-it" in first.body
    workers = server.workers()
    assert len(workers) == 2 and {reply.worker for reply in [first, *replies]} == set(workers)


def test_two_processes_on_one_folder_share_their_answers(tmp_path):
    mine = Answers(tmp_path, "pub", 10_000_000)
    mine.keep("kept-by-the-first", ANSWER)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    other = context.Process(target=look_and_keep, args=(tmp_path, "pub", results))
    other.start()
    found = results.get(timeout=60)
    other.join(timeout=60)
    assert other.exitcode == 0
    assert found == ANSWER.body
    assert mine.get("kept-by-the-second") == Answer(200, PLAIN, b"kept there\n")
    assert mine.get("kept-by-the-first") == ANSWER  # the other's opening (same publication) cleared nothing
    counts = mine.counts()
    assert (counts["hits"], counts["misses"], counts["entries"]) == (3, 0, 2)  # its hit was added as it closed
    mine.close()


def test_head_after_a_kept_get_has_its_headers_and_no_body(server):
    path = "/doc/id/country/ESP"
    before = server.counts()
    head_first = server.request("HEAD", path, TURTLE)  # a miss: the app answers it, and it is not kept
    got = server.get(path, TURTLE)  # a miss: kept
    server.wait_until_kept(before["entries"])
    head = server.request("HEAD", path, TURTLE)  # a hit
    assert grew(before, server.counts()) == (1, 2, 1)
    assert head_first.status == got.status == head.status == 200
    assert head_first.body == head.body == b"" and b"Spain" in got.body
    assert head.headers_but_date() == got.headers_but_date()
    assert head.header("content-length") == str(len(got.body))


# --- requests the app must answer itself


def test_conditional_requests_are_answered_by_the_app(server):
    path = "/doc/id/member/cali-co"
    before = server.counts()
    got = server.get(path, TURTLE)
    server.wait_until_kept(before["entries"])
    etag, modified = got.header("etag"), got.header("last-modified")
    not_modified = server.get(path, {**TURTLE, "If-None-Match": etag})
    not_modified_since = server.get(path, {**TURTLE, "If-Modified-Since": modified})
    changed = server.get(path, {**TURTLE, "If-None-Match": '"another-tag"'})
    assert grew(before, server.counts()) == (0, 1, 1)  # none of the three was looked up
    assert etag and modified
    assert (not_modified.status, not_modified.body, not_modified.header("etag")) == (304, b"", etag)
    assert (not_modified_since.status, not_modified_since.body) == (304, b"")
    assert changed.status == 200 and changed.body == got.body


def test_range_requests_are_not_answered_from_the_cache(server):
    path = "/doc/id/member/medellin-co"
    dump = (server.dist / "iuckg.ttl").read_bytes()
    before = server.counts()
    got = server.get(path, TURTLE)
    server.wait_until_kept(before["entries"])
    ranged = server.get(path, {**TURTLE, "Range": "bytes=0-9"})
    parts = [server.get("/dump/iuckg.ttl", {"Range": f"bytes={start}-{end}"}) for start, end in
             ((0, 9), (10, 19), (0, 9))]
    assert grew(before, server.counts()) == (0, 1, 1)  # neither the document's Range request nor the dump's
    assert ranged.status == 200 and ranged.body == got.body  # the app gives a document whole
    assert [part.status for part in parts] == [206, 206, 206]
    assert [part.body for part in parts] == [dump[:10], dump[10:20], dump[:10]]
    before = server.counts()
    wholes = [server.get("/dump/iuckg.ttl") for _ in range(2)]
    assert grew(before, server.counts()) == (0, 2, 0)  # a dump is sent from its file, never kept
    assert [reply.body for reply in wholes] == [dump, dump]


# --- what the key holds


def test_answers_differ_by_accept(server):
    path = "/doc/id/member/belfast-gb"
    accepts = ("text/turtle", "application/n-triples", "text/html")
    before = server.counts()
    firsts = {}
    for i, accept in enumerate(accepts):
        firsts[accept] = server.get(path, {"Accept": accept})
        server.wait_until_kept(before["entries"] + i)
    seconds = {accept: server.get(path, {"Accept": accept}) for accept in accepts}
    assert grew(before, server.counts()) == (3, 3, 3)
    for accept in accepts:
        assert firsts[accept].status == 200 and firsts[accept].header("content-type").startswith(accept)
        assert seconds[accept].body == firsts[accept].body
        assert seconds[accept].headers_but_date() == firsts[accept].headers_but_date()
    assert len({reply.body for reply in firsts.values()}) == 3


def test_answers_differ_by_accept_language(server):
    path = "/sdg/11"
    before = server.counts()
    firsts = {}
    for i, language in enumerate(("fr", "es")):
        firsts[language] = server.get(path, {**HTML, "Accept-Language": language})
        server.wait_until_kept(before["entries"] + i)
    seconds = {language: server.get(path, {**HTML, "Accept-Language": language}) for language in firsts}
    assert grew(before, server.counts()) == (2, 2, 2)
    assert b'<html lang="fr"' in firsts["fr"].body and b"<h1>Objectif 11" in firsts["fr"].body
    assert b'<html lang="es"' in firsts["es"].body and b"<h1>Objetivo 11" in firsts["es"].body
    assert all(seconds[language].body == firsts[language].body for language in firsts)


def test_the_order_of_parameters_does_not_matter(server):
    forward = "/pairings?theme=circular-production-consumption&sort=theme_label"
    backward = "/pairings?sort=theme_label&theme=circular-production-consumption"
    before = server.counts()
    first = server.get(forward)
    server.wait_until_kept(before["entries"])
    second = server.get(backward)
    assert grew(before, server.counts()) == (1, 1, 1)
    assert first.status == second.status == 200 and second.body == first.body
    assert b"Theme: Circular, sustainable production and consumption" in first.body


def test_the_key_of_a_request(tmp_path):
    answers = Answers(tmp_path, "p", 1_000_000)
    key = answers.key
    base = key(scope(query=b"theme=a&sort=b", headers={"accept": "text/html"}), b"")
    assert len(base) == 64
    assert key(scope(query=b"sort=b&theme=a", headers={"accept": "text/html"}), b"") == base
    assert key(scope(query=b"sort=b&theme=a", method="HEAD", headers={"accept": "text/html"}), b"") == base
    assert key(scope(query=b"theme=a&sort=b", headers={"accept": "text/html", "host": EVIL,
                                                        "user-agent": "x", "cookie": "a=b"}), b"") == base
    others = [key(scope(query=b"theme=a&sort=b", headers=headers), b"") for headers in (
        {"accept": "text/turtle"}, {"accept": "text/html", "accept-language": "fr"},
        {"accept": "text/html", "accept-encoding": "gzip"}, {})]
    others.append(key(scope("/members", b"theme=a&sort=b", headers={"accept": "text/html"}), b""))
    others.append(key(scope(query=b"theme=a&sort=c", headers={"accept": "text/html"}), b""))
    others.append(Answers(tmp_path / "q", "q", 1_000_000).key(
        scope(query=b"theme=a&sort=b", headers={"accept": "text/html"}), b""))
    assert len({base, *others}) == 8
    for name, value in (("if-none-match", '"x"'), ("if-modified-since", "Wed, 01 Jan 2025 00:00:00 GMT"),
                        ("range", "bytes=0-9"), ("if-range", '"x"'), ("if-match", "*")):
        assert key(scope(headers={name: value}), b"") is None, name
    assert key(scope(method="PUT"), b"") is None and key(scope(method="DELETE"), b"") is None
    form = key(scope("/sparql", method="POST", headers={"content-type": FORM}), b"query=ASK%7B%7D")
    direct = key(scope("/sparql", method="POST", headers={"content-type": "application/sparql-query"}), b"ASK{}")
    got = key(scope("/sparql", b"query=ASK%7B%7D"), b"")
    assert form == direct and form != got and None not in (form, got)
    assert key(scope("/sparql", method="POST", headers={"content-type": "text/plain"}), b"ASK{}") is None
    assert key(scope("/sparql", method="POST"), b"query=ASK%7B%7D") is None


# --- what is not kept


def test_errors_are_not_kept(server):
    missing, bad = "/doc/id/member/atlantis-xx", "/pairings?sort=nonsense"
    before = server.counts()
    replies = [server.get(missing, HTML), server.get(missing, HTML), server.get(bad), server.get(bad)]
    assert grew(before, server.counts()) == (0, 4, 0)
    assert [reply.status for reply in replies] == [404, 404, 400, 400]
    assert b"nonsense" in replies[3].body


def test_the_status_is_never_kept(server):
    path = "/doc/id/member/gwalior-in"
    worker = server.workers()[0]
    entries = server.status()["entries"]
    server.get(path, TURTLE)
    server.wait_until_kept(entries)
    before = server.counts()
    first = server.get("/status.json", worker=worker)
    assert server.get(path, TURTLE, worker=worker).status == 200  # a hit between the two
    second = server.get("/status.json", worker=worker)
    pages = [server.get("/status", HTML) for _ in range(2)]
    assert grew(before, server.counts()) == (1, 0, 0)  # the four polls were neither looked up nor kept
    a, b = (json.loads(reply.body)["answer_cache"] for reply in (first, second))
    assert (b["hits"] - a["hits"], b["misses"] - a["misses"]) == (1, 0)  # fresh figures each time
    for reply in (first, second, *pages):
        assert reply.status == 200 and "no-store" in reply.header("cache-control")


def test_answers_larger_than_the_largest_are_not_kept(tmp_path):
    small = Answers(tmp_path / "small", "p", 10_000_000, largest=1_000)
    small.keep("at", Answer(200, PLAIN, b"x" * 1_000))
    small.keep("over", Answer(200, PLAIN, b"x" * 1_001))
    assert small.get("at") is not None and small.get("over") is None
    default = Answers(tmp_path / "default", "p", 100_000_000)
    assert default.largest == LARGEST
    default.keep("at", Answer(200, PLAIN, b"x" * LARGEST))
    default.keep("over", Answer(200, PLAIN, b"x" * (LARGEST + 1)))
    assert default.get("at").body == b"x" * LARGEST and default.get("over") is None


@pytest.mark.parametrize("status, headers, kept", [
    (200, PLAIN, True),
    (200, ((b"vary", b"Accept, Accept-Language, Accept-Encoding"), (b"cache-control", b"public, no-cache")), True),
    (200, ((b"vary", b"Cookie"),), False),
    (200, ((b"vary", b"Accept, cookie"),), False),
    (200, ((b"vary", b"*"),), False),
    (200, ((b"vary", b"Origin"),), False),
    (200, ((b"set-cookie", b"session=1; HttpOnly"),), False),
    (200, ((b"cache-control", b"no-store"),), False),
    (200, ((b"cache-control", b"private, No-Store"),), False),
    (404, PLAIN, False),
    (206, PLAIN, False),
    (304, PLAIN, False),
], ids=["plain", "keyed-vary", "vary-cookie", "vary-cookie-too", "vary-star", "vary-origin", "set-cookie",
        "no-store", "no-store-mixed-case", "404", "206", "304"])
def test_only_answers_any_request_of_the_key_may_get_are_kept(tmp_path, status, headers, kept):
    answers = Answers(tmp_path, "p", 1_000_000)
    answer = Answer(status, headers, b"an answer\n")
    answers.keep("k", answer)
    assert answers.get("k") == (answer if kept else None)


def test_sparql_get_and_post_are_kept_apart(server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    path, form = "/sparql?" + urlencode({"query": query}), urlencode({"query": query})
    posted = {**RESULTS, "Content-Type": FORM}
    before = server.counts()
    replies = [server.get(path, RESULTS)]
    server.wait_until_kept(before["entries"])
    replies.append(server.request("POST", "/sparql", posted, form))
    server.wait_until_kept(before["entries"] + 1)
    replies += [server.get(path, RESULTS), server.request("POST", "/sparql", posted, form),
                server.request("POST", "/sparql", {**RESULTS, "Content-Type": "application/sparql-query"}, query)]
    # the GET and the form POST are two answers; the query body POST has the form's parameters: a hit
    assert grew(before, server.counts()) == (3, 2, 2)
    assert [reply.status for reply in replies] == [200] * 5
    counted = {results_count(reply) for reply in replies}
    assert len(counted) == 1 and counted.pop() > 1000


# --- the cache's life


def test_a_new_publication_empties_the_cache(tmp_path):
    first = Answers(tmp_path, "pub-a", 10_000_000)
    first.keep("k", ANSWER)
    assert first.get("k") == ANSWER and first.get("nothing") is None
    first.close()
    same = Answers(tmp_path, "pub-a", 10_000_000)
    assert {name: same.counts()[name] for name in ("hits", "misses", "entries")} == {
        "hits": 1, "misses": 1, "entries": 1}
    same.close()
    other = Answers(tmp_path, "pub-b", 10_000_000)
    assert {name: other.counts()[name] for name in ("hits", "misses", "entries", "publication")} == {
        "hits": 0, "misses": 0, "entries": 0, "publication": "pub-b"}
    assert other.get("k") is None
    other.close()
    again = Answers(tmp_path, "pub-a", 10_000_000)
    assert again.get("k") is None  # the first publication's answers do not come back
    assert (again.counts()["entries"], again.counts()["hits"]) == (0, 0)
    again.close()


def test_the_cache_is_bounded_in_bytes(tmp_path):
    limit = 200_000
    answers = Answers(tmp_path, "p", size_limit=limit)
    largest = fill(answers, 200, 5_000)  # 1 MB of answers in all
    # diskcache culls (at most 10 items) on each set once the volume reached the limit: it stays about there
    assert largest <= limit * 1.1
    assert answers.cache.volume() <= limit * 1.1
    assert all(f"answer-{i}" not in answers.cache for i in range(100))  # the earliest went first
    assert answers.get("answer-199").body == (199).to_bytes(2, "big") * 2_500
    assert 10 <= answers.counts()["entries"] < 60
    answers.close()


def test_a_full_cache_keeps_its_answers_for_the_same_publication(tmp_path):
    answers = Answers(tmp_path, "p", size_limit=200_000)
    fill(answers, 200, 5_000)
    assert answers.get("answer-199") is not None
    answers.close()
    reopened = Answers(tmp_path, "p", size_limit=200_000)  # a worker restarted, say
    assert reopened.get("answer-199") is not None


def test_a_full_cache_keeps_its_counts(tmp_path):
    answers = Answers(tmp_path, "p", size_limit=200_000)
    answers.get("nothing")
    answers.close()
    answers = Answers(tmp_path, "p", size_limit=200_000)
    assert answers.counts()["misses"] == 1
    fill(answers, 200, 5_000)
    assert answers.counts()["misses"] == 1


# --- cache poisoning


def test_a_foreign_host_poisons_no_answer(server):
    path = "/doc/id/member/leuven-be"
    foreign = {"Host": EVIL, "X-Forwarded-Host": EVIL, "Forwarded": f"host={EVIL}"}
    before = server.counts()
    for i, headers in enumerate((HTML, TURTLE)):
        poisoned = server.get(path, {**headers, **foreign})  # the first: its answer is kept
        server.wait_until_kept(before["entries"] + i)
        plain = server.get(path, headers)  # a hit
        made = server.get(path, {**headers, **UNCOUNTED})  # what the app answers a plain request
        assert poisoned.status == plain.status == made.status == 200
        assert plain.body == poisoned.body == made.body and b"Leuven" in plain.body
        assert plain.headers_but_date() == made.headers_but_date()
        for reply in (poisoned, plain):
            assert EVIL.encode() not in reply.body
            assert not [header for header in reply.headers if EVIL in header[1]]
    redirected = server.get(path.replace("/doc", ""), {**HTML, **foreign})
    assert redirected.status == 303 and EVIL not in redirected.header("location")
    assert grew(before, server.counts()) == (2, 3, 2)  # the 303 is not kept


# --- without a cache, and the status page


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_counts_interval_that_is_not_a_positive_number_is_refused(value, capsys):
    with pytest.raises(SystemExit) as stopped:
        parser().parse_args(["serve", "--answers-counts-every", value])
    assert stopped.value.code == 2 and "--answers-counts-every" in capsys.readouterr().err


def test_without_a_cache_the_status_says_so(web_settings, tmp_path):
    assert settings_from(parser().parse_args(["serve", "--answers-mb", "0"])).answers_mb == 0
    app = create_app(web_settings.with_(answers_mb=0, answers_dir=tmp_path / "answers"))
    assert ANSWERS not in app.extensions
    client = app.test_client()
    found = client.get("/status.json")
    assert found.status_code == 200 and found.headers["Cache-Control"].startswith("no-store")
    assert (found.json["answer_cache"], found.json["publication"]) == (None, None)
    assert found.json["workers"] == web_settings.workers
    page = client.get("/status", headers=HTML)
    assert page.status_code == 200 and "This server keeps no answers" in page.text
    assert "Answers given from the cache" not in page.text
    assert not (tmp_path / "answers").exists()


def test_the_status_page_names_its_figures(server, web_settings):
    server.counts()  # every worker's counts added: both workers show the same figures now
    page = server.get("/status", {**HTML, **UNCOUNTED})
    figures = server.status()
    assert page.status == 200 and page.header("content-type") == "text/html; charset=utf-8"
    assert "no-store" in page.header("cache-control")
    text = page.body.decode()
    assert "<h1>Server status</h1>" in text and "keeps no answers" not in text
    for label, value in (("Answers given from the cache (hits)", f"{figures['hits']:,}"),
                         ("Answers made by the server (misses)", f"{figures['misses']:,}"),
                         ("Hit ratio", f"{figures['hit_ratio']:.1%}"),
                         ("Answers kept", f"{figures['entries']:,}"),
                         ("Size", f"{figures['bytes'] / 1e6:,.1f} MB of {ANSWERS_MB} MB"),
                         ("Largest answer kept", "4 MB"),
                         ("Base IRI", f"<code>{web_settings.base}</code>"),
                         ("Worker processes", "2, ")):
        assert f'<tr><th scope="row">{label}</th><td>{value}' in text, label
    assert f"<code>{figures['publication'][:16]}</code>" in text
    assert (figures["limit_bytes"], figures["largest_answer_bytes"]) == (ANSWERS_MB * 1_000_000, LARGEST)
    assert figures["hits"] > 0 and len(figures["publication"]) == 64


# --- known bugs, kept as failing expectations


def test_repeated_parameters_keep_their_meaning(server):
    french_first, spanish_first = "/sdg/11?lang=fr&lang=es", "/sdg/11?lang=es&lang=fr"
    entries = server.status()["entries"]
    assert b'<html lang="fr"' in server.get(french_first, HTML).body
    server.wait_until_kept(entries)
    made = server.get(spanish_first, {**HTML, **UNCOUNTED})  # what the app answers
    assert b'<html lang="es"' in made.body
    assert server.get(spanish_first, HTML).body == made.body


def test_the_status_answers_a_conditional_request_with_fresh_figures(server):
    first = server.get("/status.json", UNCOUNTED)
    assert first.header("etag") is None and first.header("last-modified") is None  # nothing to validate against
    assert server.get(f"{DOC}?lang=fr", TURTLE).status == 200  # the figures change
    time.sleep(COUNTS_EVERY + 0.3)
    again = server.get("/status.json", {"If-None-Match": '"anything"', "If-Modified-Since": first.header("date")})
    assert again.status == 200 and again.body != first.body


def test_the_counts_of_an_idle_worker_reach_the_status(server):
    busy, idle = server.workers()
    server.counts()
    before = server.status()
    assert server.get("/doc/id/member/torino-it", TURTLE, worker=idle).status == 200  # a miss on the idle one
    polls, seen = 0, 0
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and seen < 1:
        time.sleep(0.5)
        reply = server.get("/status.json", worker=busy)  # a poll of the busy worker, which counts nothing
        polls += 1
        seen = json.loads(reply.body)["answer_cache"]["misses"] - before["misses"]
    assert seen == 1
