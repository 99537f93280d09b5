"""Synthetic data folders: shaped like data/, valid for the records and the SHACL gate, at any scale."""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path

import pytest

from helpers import BASE, DATA, file_hashes, repo_settings
from iuckg.build import build
from iuckg.cli import main
from iuckg.records import TABLES, load_dataset
from iuckg.synth import FIXED, synth


def read(folder: Path, file: str) -> list[dict]:
    """The rows of a CSV file of a data folder."""
    with open(folder / file, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A synthetic data folder of 60 pairings."""
    out = tmp_path_factory.mktemp("synth") / "data"
    synth(60, out, seed=3)
    return out


def test_the_folder_has_every_file_of_data_with_its_columns(folder):
    assert {p.name for p in folder.iterdir()} == {t.file for t in TABLES}
    for table in TABLES:
        with open(folder / table.file, encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == list(table.columns), table.file
    for file in FIXED:
        assert (folder / file).read_bytes() == (DATA / file).read_bytes()


def test_the_records_load_and_are_shaped_like_the_brochure(folder, sdg_codes):
    data = load_dataset(folder, sdg_codes)
    assert len(data.pairings) == 60
    kinds = Counter(p.kind for p in data.pairings)
    assert kinds == {"city-to-city": 54, "region-to-region": 6}
    members = {m.id: m for m in data.members}
    in_pairings = Counter(m for p in data.pairings for m in (*p.side_a, *p.side_b))
    assert set(in_pairings) == set(members), "every member takes part in a pairing"
    assert max(in_pairings.values()) > 1, "some members take part in several pairings"
    assert any(len(p.side_a) > 1 for p in data.pairings), "some sides have several members"
    assert {p.theme for p in data.pairings} == {t.id for t in data.themes}
    assert {m.country for m in members.values()} == {c.code for c in data.countries}
    assert data.actions and data.stakeholders
    assert all(p.id == f"{p.side_a[0]}--{p.side_b[0]}" for p in data.pairings)


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_the_build_passes_the_shacl_gate(folder, tmp_path, cached_vocab):
    result = build(repo_settings(data_dir=folder, dist_dir=tmp_path / "dist"))
    assert result.report.conforms
    pairings = [s for s in result.graphs["data"].subjects() if str(s).startswith(BASE + "id/pairing/")
                and str(s).count("/") == BASE.count("/") + 2]
    assert len(set(pairings)) == 60


def test_the_same_seed_gives_the_same_folder(folder, tmp_path):
    synth(60, tmp_path / "again", seed=3)
    synth(60, tmp_path / "other", seed=4)
    assert file_hashes(tmp_path / "again") == file_hashes(folder)
    assert file_hashes(tmp_path / "other") != file_hashes(folder)


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_a_hundred_thousand_pairings_in_bounded_time(tmp_path, sdg_codes):
    started = time.perf_counter()
    written = synth(100_000, tmp_path / "data")
    assert time.perf_counter() - started < 60
    assert len(written.pairings) == 100_000
    assert len(read(tmp_path / "data", "pairings.csv")) == 100_000
    assert len({row["id"] for row in read(tmp_path / "data", "members.csv")}) == len(written.members)
    data = load_dataset(tmp_path / "data", sdg_codes)
    assert len(data.pairings) == 100_000 and len(data.members) == len(written.members)


def test_the_command_line(tmp_path, capsys):
    assert main(["synth", "--pairings", "5", "--out", str(tmp_path / "data"), "--seed", "2"]) == 0
    assert "5 pairings" in capsys.readouterr().out
    assert len(read(tmp_path / "data", "pairings.csv")) == 5
    assert main(["synth", "--pairings", "0", "--out", str(tmp_path / "none")]) == 2
    assert "at least one pairing" in capsys.readouterr().err
