"""`iuckg validate`: exit 0 when the graph conforms, 1 when it violates the shapes, 2 on error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from helpers import BASE, FIXTURES, REPO, break_data, environ, set_cell
from iuckg.sources import parse_source
from iuckg.cli import main
from iuckg.convert import to_graph
from iuckg.namespaces import Minter
from iuckg.records import load_dataset

IUC = Minter(BASE).iuc
CALI = Minter(BASE).id("pairing", "cali-co--belfast-gb")


def validate(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["validate", "--base", BASE, *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def mini_graph(sdg_codes) -> Graph:
    """The data graph of tests/fixtures/mini-data with the fixed individuals of schemes.ttl."""
    g = to_graph(load_dataset(FIXTURES / "mini-data", sdg_codes), Minter(BASE))
    g += parse_source(REPO / "ontology" / "schemes.ttl", BASE)
    return g


def write(g: Graph, path: Path) -> Path:
    g.serialize(path, format="turtle")
    return path


def test_without_files_the_data_folder_is_built_and_checked(capsys, cached_vocab):
    """(On the small fixture data folder: test_shapes checks that the real graph conforms.)"""
    code, out, _ = validate(capsys, "--data", FIXTURES / "mini-data")
    assert code == 0
    assert "Conforms: True" in out


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_the_built_dump_conforms(capsys, dist):
    code, out, err = validate(capsys, dist / "iuckg.ttl")
    assert code == 0, out + err
    assert "Conforms: True" in out


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_a_small_conforming_file(capsys, mini_graph, tmp_path):
    code, out, _ = validate(capsys, write(mini_graph, tmp_path / "mini.ttl"))
    assert code == 0, out
    assert "Conforms: True" in out


def test_a_pairing_missing_a_side_violates(capsys, mini_graph, tmp_path):
    g = Graph()
    g += mini_graph
    side = next(s for s in g.objects(CALI, IUC.hasSide) if str(s).endswith("side-2"))
    g.remove((CALI, IUC.hasSide, side))
    code, out, _ = validate(capsys, write(g, tmp_path / "one-side.ttl"))
    assert code == 1
    assert "Conforms: False" in out
    assert "a pairing has exactly two sides" in out
    assert str(CALI) in out


def test_a_missing_file_is_an_error(capsys, tmp_path):
    code, out, err = validate(capsys, tmp_path / "no-such-file.ttl")
    assert code == 2
    assert "no-such-file.ttl" in err
    assert "Conforms" not in out


def test_an_unparsable_file_is_an_error(capsys, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/a> <http://example.org/b> this is not turtle .\n", encoding="utf-8")
    code, out, err = validate(capsys, bad)
    assert code == 2
    assert err.startswith("iuckg validate: ")
    assert "Conforms" not in out


def test_a_broken_data_folder_is_an_error(capsys, data_copy, cached_vocab):
    break_data(data_copy, "members.csv", set_cell({"id": "parma-it"}, "country", "ZZ"))
    code, _, err = validate(capsys, "--data", data_copy)
    assert code == 2
    assert "members.csv:5: country: unknown country code 'ZZ'" in err


def test_exit_codes_of_the_installed_command(tmp_path):
    """The `iuckg` command exits with what main() returns."""
    result = subprocess.run([sys.executable, "-m", "iuckg.cli", "validate", "--base", BASE,
                             str(tmp_path / "missing.ttl")], cwd=REPO, env=environ(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "missing.ttl" in result.stderr
