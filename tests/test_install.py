"""Installs anywhere: the wheel of the project, installed into a fresh virtual environment, builds and serves the
real graph from an empty folder, with no checkout in sight.

The wheel is built from a copy of the checkout (`pip wheel --no-deps`), installed with its dependencies from the
package index pip is configured with (pinned to the versions this environment runs, so the installed copy is
tested with what the rest of the suite tests), and `iuckg build` and `iuckg serve` run from an empty temporary
folder. What it builds and serves is compared with a build of the checkout, made meanwhile.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from iuckg.settings import BUNDLED, bundled

from .helpers import serving

pytestmark = pytest.mark.live

REPO = Path(__file__).resolve().parents[1]
# Left out of the copy the wheel is built from: what a build or a test run leaves behind, and what no wheel holds.
NOT_COPIED = {".git", ".venv", "build", "dist", "var", "tests", "docs", "benchmarks", ".pytest_cache", ".hypothesis",
              ".ruff_cache"}
# What the graph minted under the default base says; the server listens elsewhere and is told that base.
BASE = "http://localhost:8080/"
COUNT_PAIRINGS = (f"PREFIX iuc: <{BASE}def/iuc#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                  "SELECT (COUNT(?p) AS ?n) WHERE { ?p a/rdfs:subClassOf* iuc:Pairing }")
TIMEOUT = 900  # seconds for one step (an install fetches every dependency)


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    """Run a command; fail the test with its output unless it exits 0."""
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=TIMEOUT, check=False,
                            **kwargs)
    assert result.returncode == 0, (f"{' '.join(map(str, command))} exited with {result.returncode}:\n"
                                    f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def clean_environment() -> dict[str, str]:
    """The environment of the installed commands: nothing that points into the checkout or this environment."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "IUCKG_BASE", "COVERAGE_PROCESS_START", "PYTHONSTARTUP"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def copy_checkout(dest: Path) -> Path:
    """The checkout's files a wheel is built from (symbolic links kept: src/iuckg/bundled links to data/, ...)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    dest.mkdir()
    for entry in REPO.iterdir():
        if entry.name in NOT_COPIED or entry.name.startswith(("dist", ".git")):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, dest / entry.name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(entry, dest / entry.name, follow_symlinks=False)
    return dest


def pins() -> str:
    """Constraints pinning every distribution this environment runs (but iuckg and local installs) to its version."""
    pinned: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or name.lower() == "iuckg" or dist.read_text("direct_url.json"):
            continue
        pinned.setdefault(name.lower().replace("_", "-"), f"{name}=={dist.version}")
    return "".join(line + "\n" for line in sorted(pinned.values()))


def get(url: str, accept: str = "text/html") -> tuple[int, str, str]:
    """Status, content type and text of a GET (redirects followed)."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode("utf-8")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    folder: Path  # the empty folder the commands ran in
    build: subprocess.CompletedProcess
    reference: Path  # dist/ of the checkout's build
    timings: dict[str, float]

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name


@pytest.fixture(scope="module")
def installed(tmp_path_factory, dist) -> Installed:
    """The wheel built, installed into a fresh venv, and `iuckg build` run in an empty folder; once per module.
    The session build of the checkout (same data, same base) is what the installed build is compared with."""
    root = tmp_path_factory.mktemp("install")
    timings: dict[str, float] = {}
    started = time.monotonic()
    source = copy_checkout(root / "source")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", root / "wheels", source],
        env=clean_environment())
    (wheel,) = (root / "wheels").glob("iuckg-*.whl")
    timings["wheel"] = time.monotonic() - started

    started = time.monotonic()
    venv = root / "venv"
    # A venv without pip of its own (ensurepip takes longer than the rest): this environment's pip installs
    # into it (--python), with the dependencies from the configured index.
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    constraints = root / "constraints.txt"
    constraints.write_text(pins(), encoding="utf-8")
    run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
         "-c", constraints, wheel], env=clean_environment())
    timings["install"] = time.monotonic() - started

    started = time.monotonic()
    folder = root / "empty"
    folder.mkdir()
    build = run([venv / "bin" / "iuckg", "build"], cwd=folder, env=clean_environment())
    timings["build"] = time.monotonic() - started
    return Installed(wheel, venv, folder, build, dist, timings)


@pytest.fixture(scope="module")
def server(installed):
    """`iuckg serve` of the installed package, from the empty folder, on a free loopback port."""
    log = installed.folder.parent / "serve.log"
    with serving("--base", BASE, log=log, program=[installed.bin("iuckg")], cwd=installed.folder,
                 env=clean_environment(), seconds=180) as served:
        yield served.url, log


def bundled_sources() -> dict[str, bytes]:
    """The checkout's files the package must carry, by their path in the wheel."""
    return {f"iuckg/bundled/{name}/{path.name}": path.read_bytes()
            for name in BUNDLED for path in sorted((REPO / name).iterdir())
            if path.is_file() and path.suffix in {".csv", ".json", ".md", ".ttl"}}


def test_the_wheel_carries_the_data_ontology_shapes_and_vocabularies(installed):
    expected = bundled_sources()
    assert any(path.endswith("/members.csv") for path in expected) and any("/ontology/" in p for p in expected)
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        missing = sorted(set(expected) - names)
        assert not missing, f"the wheel lacks {missing}"
        assert [p for p in expected if wheel.read(p) != expected[p]] == []
        assert "iuckg/web/templates/resource.html" in names and "iuckg/cli.py" in names


def test_the_installed_package_reads_its_own_files(installed):
    code = ("import iuckg, iuckg.settings as s; print(iuckg.__file__); "
            "print(*(s.bundled(n) for n in s.BUNDLED), sep='\\n'); print(s.Settings().dist_dir)")
    lines = run([installed.bin("python"), "-c", code], cwd=installed.folder, env=clean_environment()).stdout.split()
    site = Path(lines[0]).resolve().parent
    assert site.is_relative_to(installed.venv.resolve()), f"iuckg was imported from {site}, not the fresh venv"
    assert [Path(p) for p in lines[1:5]] == [site / "bundled" / name for name in BUNDLED]
    assert Path(lines[5]) == installed.folder.resolve() / "dist"


def test_build_in_an_empty_folder_writes_dist_there(installed):
    assert sorted(p.name for p in installed.folder.iterdir()) == ["dist"]
    summary = json.loads((installed.folder / "dist" / "summary.json").read_text(encoding="utf-8"))
    assert summary["conforms"] is True and summary["base"] == BASE
    reference = json.loads((installed.reference / "summary.json").read_text(encoding="utf-8"))
    assert summary["triples"] == reference["triples"]
    assert summary["classes"] == reference["classes"]
    print(f"times (s): {', '.join(f'{k} {v:.0f}' for k, v in installed.timings.items())}")


def test_serve_answers_from_the_installed_package(installed, server):
    url, log = server
    assert "iuckg: building" not in log.read_text(), "serve built again instead of serving the folder's dist/"
    status, content_type, text = get(url)
    assert status == 200 and content_type.startswith("text/html") and "</html>" in text

    status, content_type, text = get(url + "id/member/barcelona-es")  # 303 to its page
    assert status == 200 and content_type.startswith("text/html") and "Barcelona" in text

    pairing = URIRef(BASE + "id/pairing/cali-co--belfast-gb")
    status, content_type, text = get(url + "id/pairing/cali-co--belfast-gb", accept="text/turtle")
    assert status == 200 and content_type.startswith("text/turtle")
    assert (pairing, None, None) in Graph().parse(data=text, format="turtle")

    expected = run([sys.executable, "-m", "iuckg.cli", "query", "--dist", installed.reference, "--format", "csv",
                    COUNT_PAIRINGS], cwd=REPO).stdout.split()
    status, content_type, text = get(url + "sparql?" + urllib.parse.urlencode({"query": COUNT_PAIRINGS}),
                                     accept="text/csv")
    assert status == 200 and content_type.startswith("text/csv")
    assert text.split() == expected and int(expected[1]) > 0


def test_a_folder_the_package_carries_in_an_archive_is_copied_out(monkeypatch, tmp_path):
    """Imported from a zip file, the package's folders are not on disk: bundled() copies them out."""
    from iuckg import settings

    archive = tmp_path / "iuckg.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("iuckg/bundled/vocab/a.ttl", "<a> <b> <c> .\n")
        z.writestr("iuckg/bundled/vocab/README.md", "about\n")
    monkeypatch.setattr(settings, "files", lambda package: zipfile.Path(archive, "iuckg/bundled/"))
    settings.bundled.cache_clear()
    try:
        folder = settings.bundled("vocab")
        assert folder.is_dir() and sorted(p.name for p in folder.iterdir()) == ["README.md", "a.ttl"]
        assert (folder / "a.ttl").read_text() == "<a> <b> <c> .\n"
    finally:
        settings.bundled.cache_clear()


def test_an_editable_install_reads_the_checkout():
    """The suite runs in an editable install (make test): the package's folders are the checkout's, so what
    curators change in data/ is what the next build reads."""
    assert [bundled(name) for name in BUNDLED] == [(REPO / name).resolve() for name in BUNDLED]
