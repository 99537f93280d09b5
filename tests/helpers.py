"""Shared helpers of the tests: paths, settings, data surgery, snapshots, live servers."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence, Union

import coverage
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from iuckg.settings import Settings

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
DATA = REPO / "data"
SHARED = REPO.parent / "shared"
BROCHURE = SHARED / "sources" / "iuc-brochure.txt"
BASE = "http://localhost:8080/"

Transform = Callable[[str], Union[str, bytes]]


def repo_settings(**changes) -> Settings:
    """Settings pointing at this repository's folders, with the test base IRI."""
    settings = Settings().with_(
        base=BASE, data_dir=DATA, ontology_dir=REPO / "ontology", shapes_dir=REPO / "shapes",
        vocab_dir=REPO / "vocab", dist_dir=REPO / "dist-unused-by-tests")
    return settings.with_(**changes)


# --- data folders ------------------------------------------------------------------


def copy_data(dest: Path, source: Path = DATA) -> Path:
    """Copy a data folder to dest/data and return the copy."""
    target = Path(dest) / "data"
    shutil.copytree(source, target)
    return target


def break_data(data_dir: Path, file: str, transform: Transform) -> Path:
    """Rewrite one file of a data folder: transform gets its text, returns text or raw bytes."""
    path = Path(data_dir) / file
    result = transform(path.read_text(encoding="utf-8"))
    if isinstance(result, bytes):
        path.write_bytes(result)
    else:
        path.write_text(result, encoding="utf-8", newline="")
    return path


def read_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def write_rows(rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _matches(header: list[str], row: list[str], key: dict[str, str]) -> bool:
    return all(row[header.index(column)] == value for column, value in key.items())


def set_cell(key: dict[str, str], column: str, value: str) -> Transform:
    """Set one cell of the row matching key (column -> value); the row must exist once."""

    def transform(text: str) -> str:
        rows = read_rows(text)
        header = rows[0]
        hits = [row for row in rows[1:] if _matches(header, row, key)]
        assert len(hits) == 1, f"{key} matches {len(hits)} rows"
        hits[0][header.index(column)] = value
        return write_rows(rows)

    return transform


def drop_column(column: str) -> Transform:
    def transform(text: str) -> str:
        rows = read_rows(text)
        index = rows[0].index(column)
        return write_rows([row[:index] + row[index + 1:] for row in rows])

    return transform


def add_column(column: str, value: str) -> Transform:
    def transform(text: str) -> str:
        rows = read_rows(text)
        return write_rows([rows[0] + [column]] + [row + [value] for row in rows[1:]])

    return transform


def append_copy(key: dict[str, str]) -> Transform:
    """Append a second copy of the row matching key at the end of the file."""

    def transform(text: str) -> str:
        rows = read_rows(text)
        hits = [row for row in rows[1:] if _matches(rows[0], row, key)]
        assert len(hits) == 1
        return write_rows(rows + [list(hits[0])])

    return transform


def insert_rows(*new_rows: list[str], at: int = 1) -> Transform:
    """Insert rows after the header (at=1) or at another row index."""

    def transform(text: str) -> str:
        rows = read_rows(text)
        return write_rows(rows[:at] + [list(r) for r in new_rows] + rows[at:])

    return transform


def replace_text(old: str, new: str, encoding: str | None = None) -> Transform:
    """Replace text once; with an encoding, return the bytes in that encoding."""

    def transform(text: str) -> Union[str, bytes]:
        assert old in text, f"{old!r} not found"
        result = text.replace(old, new, 1)
        return result.encode(encoding) if encoding else result

    return transform


def edit_line(line: int, edit: Callable[[str], str]) -> Transform:
    """Apply edit to one physical line (1-based) of the file."""

    def transform(text: str) -> str:
        lines = text.split("\n")
        lines[line - 1] = edit(lines[line - 1])
        return "\n".join(lines)

    return transform


def line_of(file: str, key: dict[str, str], data_dir: Path = DATA) -> int:
    """The physical line (1-based) of the row matching key in a data file."""
    text = (Path(data_dir) / file).read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    previous_end = reader.line_num
    for row in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if row and _matches(header, row, key):
            return start
    raise LookupError(f"{key} not in {file}")


def line_count(file: str, data_dir: Path = DATA) -> int:
    return len((Path(data_dir) / file).read_text(encoding="utf-8").splitlines())


# --- folders and graphs ------------------------------------------------------------------


def snapshot(folder: Path) -> dict:
    """Everything that shows a folder was touched: its inode, and each file's bytes and mtime."""
    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            files[str(path.relative_to(folder))] = (
                hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_ino)
    return {"inode": folder.stat().st_ino, "files": files}


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file of a folder, by relative path."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_dist(source: Path, dest: Path) -> Path:
    """A copy of a build folder, times kept, without the store and kept answers a server made of it (derived
    from the build, they are made again where needed)."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("store", "answers"), copy_function=shutil.copy2)
    return dest


def diff_text(expected: Graph, actual: Graph, limit: int = 60) -> str:
    """A readable diff of two graphs (for assertion messages)."""
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))

    def lines(g: Graph) -> list[str]:
        return sorted(g.serialize(format="nt").splitlines())[:limit]

    return ("only in expected:\n  " + "\n  ".join(lines(only_expected))
            + "\nonly in actual:\n  " + "\n  ".join(lines(only_actual)))


def canonical(g: Graph) -> set[str]:
    """The triples of a graph with blank nodes labelled by RDFC-1.0 (pyoxigraph): two graphs
    are isomorphic exactly when these sets are equal. Much faster than rdflib's isomorphism
    on graphs with many blank nodes (the shapes' RDF lists)."""
    nt = g.serialize(format="nt", encoding="utf-8")
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object)
                         for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def union(*graphs: Graph) -> Graph:
    out = Graph()
    for g in graphs:
        out += g
    return out


# --- brochure text --------------------------------------------------------------------------


def brochure_text() -> str:
    """The brochure (../shared/sources): the test skips when it is absent, and fails under CI (CI=true)."""
    if not BROCHURE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{BROCHURE} is missing: CI must run beside ../shared")
        pytest.skip(f"the brochure is absent: {BROCHURE} (shared/ beside the repository)")
    return BROCHURE.read_text(encoding="utf-8")


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def normalise(text: str, fold: bool = True) -> str:
    """NFC, straight apostrophes, whitespace collapsed, line-break hyphenation joined."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(\w)- (\w)", r"\1-\2", text)
    text = text.strip()
    return text.casefold() if fold else text


EXAMPLE_BASE = "https://example.org/iuc/"


class ExampleBuilds:
    """`iuckg build --base https://example.org/iuc/` twice, side by side in subprocesses with different hash seeds.

    The second build goes into a dist/ that already holds a stale file, which publishing must drop.
    """

    SEEDS = (1, 2)

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.dists = [self.root / "one" / "dist", self.root / "two" / "dist"]
        self.results: list[subprocess.CompletedProcess] = []

    def run(self) -> "ExampleBuilds":
        """Run both builds and check that they succeeded."""
        self.dists[1].mkdir(parents=True)
        (self.dists[1] / "stale.txt").write_text("from an older build\n")
        processes = [subprocess.Popen(
            [sys.executable, "-m", "iuckg.cli", "build", "--out", str(out), "--base", EXAMPLE_BASE], cwd=REPO,
            env=environ(PYTHONHASHSEED=str(seed)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for seed, out in zip(self.SEEDS, self.dists, strict=True)]
        for process in processes:
            stdout, stderr = process.communicate(timeout=600)
            self.results.append(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
        for result in self.results:
            assert result.returncode == 0, result.stderr
        return self


def environ(**changes: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("IUCKG_BASE", None)
    env.update(changes)
    return env


# --- live servers ---------------------------------------------------------------------------

HOST = "127.0.0.1"
READY = "sparql?query=ASK%7B%7D"
IUCKG = (sys.executable, "-m", "iuckg.cli")


@contextmanager
def untraced() -> Iterator[None]:
    """Run a block with coverage's tracer stopped, for work whose worth is volume rather than new lines, or that
    is client-side against a server in another process: the tracer makes rdflib's and pyparsing's code two to
    three times slower. Every started Coverage is stopped, last first: under pytest-xdist a worker runs two, one
    below the other, and stopping the top one (as pytest-cov's `no_cover` does) resumes the one below."""
    stopped: list[coverage.Coverage] = []
    while (tracer := coverage.Coverage.current()) is not None and tracer not in stopped:
        tracer.stop()
        stopped.append(tracer)
    try:
        yield
    finally:
        for tracer in reversed(stopped):
            tracer.start()


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    """Poll a URL until it answers 200, or fail when the server process dies or the time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen, seconds: float = 60) -> None:
    """Stop a server a test started: gracefully, then killed (a stop that hangs must not hang the suite)."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Served:
    """A live `iuckg serve`: its process, port and log."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serving(*options: str, log: Path, port: int | None = None, program: Sequence[str | Path] = IUCKG,
            cwd: Path = REPO, env: dict[str, str] | None = None, new_session: bool = False, seconds: float = 90,
            clean_log: bool = True) -> Iterator[Served]:
    """`iuckg serve OPTIONS` on a loopback port (a free one unless given), until it answers; stopped at the end,
    and then (clean_log) its log must hold no traceback. A server that does not come up fails with its log."""
    port = port or free_port()
    command = [*map(str, program), "serve", "--host", HOST, "--port", str(port), *options]
    with open(log, "ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                   start_new_session=new_session)
    served = Served(process, port, Path(log))
    try:
        wait_until_up(served.url + READY, process, seconds)
    except (RuntimeError, TimeoutError) as exc:
        process.kill()
        process.wait()
        raise RuntimeError(f"iuckg serve did not come up ({exc}):\n{served.log_text()[-5000:]}") from None
    try:
        yield served
    finally:
        stop(process)
    if clean_log:
        assert "Traceback" not in served.log_text(), served.log_text()[-5000:]
