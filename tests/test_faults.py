"""Faults: a killed build, a full disk, a damaged build folder or store, and a killed server never lose
the published graph."""

from __future__ import annotations

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

from helpers import BASE, copy_dist, file_hashes, free_port, repo_settings, serving
from iuckg.serve import ensure_built, stale
from iuckg.store import DATABASE_DIR, SOURCES_FILE, STORE_DIR, ensure_store, sources, stamp

REPO = Path(__file__).resolve().parents[1]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def build(out: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run `iuckg build --out OUT` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "iuckg.cli", "build", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, **kwargs)


def leftovers(out: Path) -> list[Path]:
    """Staging or retired folders a build left beside its output."""
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture()
def published(dist, tmp_path) -> Path:
    """A folder holding a published build (a copy of the session build, times kept)."""
    return copy_dist(dist, tmp_path / "dist")


def test_killed_build_leaves_the_published_build_intact(published):
    before = file_hashes(published)
    process = subprocess.Popen([sys.executable, "-m", "iuckg.cli", "build", "--out", str(published)], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not leftovers(published) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert process.poll() is None, "the build finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert file_hashes(published) == before
    # the next build publishes and clears what the killed one left
    assert build(published).returncode == 0
    assert leftovers(published) == []
    assert file_hashes(published) == before


def test_full_disk_leaves_the_published_build_intact(published, tmp_path):
    size = sum(p.stat().st_size for p in published.rglob("*") if p.is_file())
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
        shutil.copytree(published, out)
        before = file_hashes(out)
        result = build(out)
        assert result.returncode != 0
        assert "No space left on device" in result.stderr
        assert file_hashes(out) == before
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
def test_a_damaged_build_is_found(published, case):
    settings = repo_settings(dist_dir=published)
    assert stale(settings) is None
    name, damage, reason = DAMAGES[case]
    damage(published / name)
    assert reason in stale(settings) and name in stale(settings)


def test_a_damaged_build_is_rebuilt_identically(published, capsys):
    # every damage above at once: the rebuild (one `build`, whatever the damage) restores every file
    settings = repo_settings(dist_dir=published)
    before = file_hashes(published)
    for name, damage, _ in DAMAGES.values():
        damage(published / name)
    ensure_built(settings)
    assert f"building: {published}" in capsys.readouterr().err
    assert stale(settings) is None
    assert file_hashes(published) == before, "the same inputs rebuild the same bytes"


def store_quads(database: Path) -> int:
    """How many quads a store folder holds, read as the server reads it."""
    return int(next(iter(ox.Store.read_only(str(database)).query(COUNT)))["n"].value)


def largest_file(folder: Path) -> Path:
    """The largest file of a folder (in a store: a table of quads)."""
    return max((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.stat().st_size)


# Each damage, and what `ensure_store(verify=True)` must say of it: damaged files are found by the manifest; a
# stamp that cannot be read (or one of the format before manifests) means the store is loaded again, silently.
STORE_DAMAGES = {
    "flipped bytes in a table": (lambda db: flip_bytes(largest_file(db)), "loading it again"),
    "a truncated table": (lambda db: truncate(largest_file(db)), "loading it again"),
    "a deleted manifest": (lambda db: next(db.glob("MANIFEST-*")).unlink(), "loading it again"),
    "an unreadable stamp": (lambda db: (db.parent / SOURCES_FILE).write_text("{"), ""),
    "a stamp of the previous format (a list)": (lambda db: (db.parent / SOURCES_FILE).write_text("[]"), ""),
}


@pytest.mark.parametrize("case", STORE_DAMAGES)
def test_a_damaged_store_is_found_and_loaded_again(dist, tmp_path, case, capsys):
    settings = repo_settings(dist_dir=copy_dist(dist, tmp_path / "dist"))
    database = ensure_store(settings)
    expected = sum(json.loads((settings.dist_dir / "summary.json").read_text())["triples"].values())
    assert store_quads(database) == expected
    capsys.readouterr()
    damage, said = STORE_DAMAGES[case]
    damage(database)
    loaded_before = (database.parent / SOURCES_FILE).stat().st_mtime_ns
    assert ensure_store(settings, verify=True) == database
    assert said in capsys.readouterr().err
    assert (database.parent / SOURCES_FILE).stat().st_mtime_ns != loaded_before, "the store was loaded again"
    assert stamp(database.parent)["sources"] == sources(settings)
    assert store_quads(database) == expected
    assert ensure_store(settings, verify=True) == database
    assert "damaged" not in capsys.readouterr().err, "a store loaded again is intact"


def serving_published(published: Path, port: int, log: Path):
    """`iuckg serve` over a build folder, in a session of its own (so all of it can be killed at once)."""
    return serving("--base", BASE, "--dist", str(published), log=log, port=port, new_session=True, clean_log=False)


def fetch(url: str) -> bytes:
    """The body of a GET."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def test_a_killed_server_restarts_cleanly_and_serves_the_published_graph(published, tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    with serving_published(published, port, log) as first:
        count = first.url + "sparql?" + urllib.parse.urlencode({"query": COUNT, "format": "json"})
        answer, dump = fetch(count), fetch(first.url + "dump/iuckg.nq")
        # a crash: every process of the server killed at once, and a table of the store damaged
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait()
    flip_bytes(largest_file(published / STORE_DIR / DATABASE_DIR))
    with serving_published(published, port, log) as second:
        assert fetch(count) == answer
        assert fetch(second.url + "dump/iuckg.nq") == dump
    assert second.process.returncode == 0, "the second server stopped cleanly"
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
