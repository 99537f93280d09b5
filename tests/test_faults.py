"""Faults: a killed build, a full disk and a corrupt build folder never lose the published graph."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


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


@pytest.fixture()
def published(tmp_path) -> Path:
    """A folder holding a published build."""
    out = tmp_path / "dist"
    assert build(out).returncode == 0
    return out


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


def test_full_disk_leaves_the_published_build_intact(tmp_path):
    reference = tmp_path / "reference"
    assert build(reference).returncode == 0
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
