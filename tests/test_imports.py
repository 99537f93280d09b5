"""Imports one way: the contracts of pyproject.toml's [tool.importlinter] hold, and no module of iuckg is in
an import cycle.

Imports inside functions count: grimp, which reads the import graph for import-linter, sees every import
statement of a module wherever it is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("iuckg", cache_dir=None)


def cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """One chain per cycle found: a module, what it imports, and the way back to it."""
    found, seen = [], set()
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back and frozenset(back) not in seen:
                seen.add(frozenset(back))
                found.append((module, *back))
    return found


def test_the_import_contracts_hold():
    if not LINT_IMPORTS.exists():
        pytest.fail(f"import-linter is not installed ({LINT_IMPORTS}): pip install -e '.[test]'")
    result = subprocess.run([str(LINT_IMPORTS), str(REPO / "pyproject.toml"), "--no-cache"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"lint-imports exited {result.returncode}:\n{result.stdout}\n{result.stderr}"


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path, monkeypatch):
    package = tmp_path / "iuckg_cycle_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "first.py").write_text("def later():\n    from . import second\n")
    (package / "second.py").write_text("from .first import later\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    found = cycles(grimp.build_graph("iuckg_cycle_probe", cache_dir=None))

    assert found == [("iuckg_cycle_probe.first", "iuckg_cycle_probe.second", "iuckg_cycle_probe.first")]


def test_no_module_is_in_an_import_cycle(graph):
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(chain) for chain in found)
