"""Manifests of files (size and SHA-256) that tell a damaged build folder or store from an intact one.

A build records the manifest of its files in summary.json, and the on-disk store records
its own beside it; `iuckg serve` checks both before it serves, so a file changed on disk
(a truncated dump, a flipped byte in the store) is found and rebuilt from the same inputs
instead of being served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Files a store writes for itself while the data stays the same (RocksDB's logs and lock).
VOLATILE = ("LOG", "LOG.old.", "LOCK")
CHUNK = 1 << 20


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest(folder: Path, names: Iterable[str]) -> dict[str, dict]:
    """Size and SHA-256 of the named files of a folder, by name (hashed on two threads: hashlib frees the GIL)."""
    names = sorted(names)
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = list(pool.map(lambda name: sha256(Path(folder) / name), names))
    return {
        name: {"bytes": (Path(folder) / name).stat().st_size, "sha256": digest}
        for name, digest in zip(names, digests, strict=True)
    }


def store_files(folder: Path) -> list[str]:
    """The files of a store folder that hold its data (not its logs or lock)."""
    return [p.name for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith(VOLATILE)]


def damage(folder: Path, expected: Mapping[str, Mapping]) -> str | None:
    """What differs between a folder and its manifest (a missing file, a size, a digest), or None."""
    folder = Path(folder)
    for name, entry in sorted(expected.items()):
        path = folder / name
        if not path.is_file():
            return f"{path} is missing"
        if path.stat().st_size != entry["bytes"]:
            return f"{path} has {path.stat().st_size} bytes, not the {entry['bytes']} it was written with"
    changed = [
        name for name, entry in manifest(folder, expected).items() if entry["sha256"] != expected[name]["sha256"]
    ]
    if changed:
        return f"{folder / changed[0]} does not match the SHA-256 it was written with"
    return None
