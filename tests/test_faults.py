"""Faults: a killed build, a full disk, a damaged build folder or store, and a killed server never lose
the published graph."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from helpers import BASE, copy_dist, repo_settings
from iuckg.serve import ensure_built, stale
from iuckg.store import DATABASE_DIR, SOURCES_FILE, STORE_DIR, ensure_store

REPO = Path(__file__).resolve().parents[1]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under a folder, by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(out: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run `iuckg build --out OUT` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "iuckg.cli", "build", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, **kwargs)


def leftovers(out: Path) -> list[Path]:
    """Staging or retired folders a build left beside its output."""
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """A build made by `iuckg build`, to copy."""
    out = tmp_path_factory.mktemp("reference") / "dist"
    assert build(out).returncode == 0
    return out


@pytest.fixture()
def published(reference, tmp_path) -> Path:
    """A folder holding a published build (a copy of the reference, times kept)."""
    return copy_dist(reference, tmp_path / "dist")


def test_killed_build_leaves_the_published_build_intact(published):
    before = hashes(published)
    process = subprocess.Popen([sys.executable, "-m", "iuckg.cli", "build", "--out", str(published)], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not leftovers(published) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert process.poll() is None, "the build finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert hashes(published) == before
    # the next build publishes and clears what the killed one left
    assert build(published).returncode == 0
    assert leftovers(published) == []
    assert hashes(published) == before


def test_full_disk_leaves_the_published_build_intact(reference, tmp_path):
    size = sum(p.stat().st_size for p in reference.rglob("*") if p.is_file())
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size * 3 // 2}", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs as root and must be able to mount a small tmpfs: {mounted.stderr}")
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {mounted.stderr.strip()}")
    try:
        out = disk / "dist"
        shutil.copytree(reference, out)
        before = hashes(out)
        result = build(out)
        assert result.returncode != 0
        assert "No space left on device" in result.stderr
        assert hashes(out) == before
        assert leftovers(out) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def flip_bytes(path: Path) -> None:
    """Overwrite bytes in the middle of a file with others, keeping its size (as bit rot does)."""
    content = bytearray(path.read_bytes())
    middle = len(content) // 2
    content[middle:middle + 16] = bytes(b ^ 0xFF for b in content[middle:middle + 16])
    path.write_bytes(bytes(content))


def truncate(path: Path) -> None:
    """Cut a file in half (as a write cut short does)."""
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGES = {
    "flipped bytes in the N-Quads": ("iuckg.nq", flip_bytes, "does not match the SHA-256"),
    "a truncated Turtle dump": ("iuckg.ttl", truncate, "bytes, not the"),
    "a deleted JSON-LD dump": ("iuckg.jsonld", Path.unlink, "is missing"),
    "an unreadable summary": ("summary.json", truncate, "is unreadable"),
}


@pytest.mark.parametrize("case", DAMAGES)
def test_a_damaged_build_is_found_and_rebuilt_identically(published, case, capsys):
    settings = repo_settings(dist_dir=published)
    assert stale(settings) is None
    before = hashes(published)
    name, damage, reason = DAMAGES[case]
    damage(published / name)
    assert reason in stale(settings) and name in stale(settings)
    ensure_built(settings)
    assert f"building: {published / name}" in capsys.readouterr().err
    assert hashes(published) == before, "the same inputs rebuild the same bytes"


def store_quads(database: Path) -> int:
    """How many quads a store folder holds, read as the server reads it."""
    return int(next(iter(ox.Store.read_only(str(database)).query(COUNT)))["n"].value)


def largest_file(folder: Path) -> Path:
    """The largest file of a folder (in a store: a table of quads)."""
    return max((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.stat().st_size)


STORE_DAMAGES = {
    "flipped bytes in a table": lambda db: flip_bytes(largest_file(db)),
    "a truncated table": lambda db: truncate(largest_file(db)),
    "a deleted manifest": lambda db: next(db.glob("MANIFEST-*")).unlink(),
    "an unreadable stamp": lambda db: (db.parent / SOURCES_FILE).write_text("{"),
    "a stamp of the previous format (a list)": lambda db: (db.parent / SOURCES_FILE).write_text("[]"),
}


@pytest.mark.parametrize("case", STORE_DAMAGES)
def test_a_damaged_store_is_found_and_loaded_again(dist, tmp_path, case, capsys):
    settings = repo_settings(dist_dir=copy_dist(dist, tmp_path / "dist"))
    database = ensure_store(settings)
    expected = sum(json.loads((settings.dist_dir / "summary.json").read_text())["triples"].values())
    assert store_quads(database) == expected
    STORE_DAMAGES[case](database)
    assert ensure_store(settings, verify=True) == database
    assert "loading it again" in capsys.readouterr().err or "stamp" in case
    assert store_quads(database) == expected
    assert ensure_store(settings, verify=True) == database
    assert "damaged" not in capsys.readouterr().err, "a store loaded again is intact"


def serve(dist: Path, port: int, log: Path) -> subprocess.Popen:
    """`iuckg serve` over a build folder, in a session of its own (so all of it can be killed at once)."""
    return subprocess.Popen([sys.executable, "-m", "iuckg.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--base", BASE, "--dist", str(dist)], cwd=REPO, start_new_session=True,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def fetch(url: str) -> bytes:
    """The body of a GET."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def test_a_killed_server_restarts_cleanly_and_serves_the_published_graph(published, tmp_path):
    from web.conftest import free_port, wait_until_up

    port, log = free_port(), tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}/"
    count = url + "sparql?" + urllib.parse.urlencode({"query": COUNT, "format": "json"})
    first = serve(published, port, log)
    wait_until_up(count, first)
    answer, dump = fetch(count), fetch(url + "dump/iuckg.nq")
    # a crash: every process of the server killed at once, and a table of the store damaged
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    flip_bytes(largest_file(published / STORE_DIR / DATABASE_DIR))
    second = serve(published, port, log)
    try:
        wait_until_up(count, second)
        assert fetch(count) == answer
        assert fetch(url + "dump/iuckg.nq") == dump
    finally:
        second.terminate()
        assert second.wait(timeout=30) == 0
    text = log.read_text(errors="replace")
    assert "the store is damaged" in text and "loading it again" in text
    for trouble in ("Traceback", "SIGSEGV", "SIGABRT", "terminate called"):
        assert trouble not in text, f"{trouble} in the server's log:\n{text[-3000:]}"
    assert "Granian shutdown completed" in text


def test_serve_that_cannot_write_its_build_says_so(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = subprocess.run([sys.executable, "-m", "iuckg.cli", "serve", "--port", "9", "--dist", str(blocker / "dist")],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "iuckg serve: cannot write the build" in result.stderr and "Traceback" not in result.stderr
