"""Bad input: every defect in data/ is reported as FILE:LINE: FIELD: and nothing is published."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import (
    BASE, DATA, add_column, append_copy, break_data, copy_dist, drop_column, edit_line, line_count, line_of,
    set_cell, snapshot,
)
from iuckg.cli import main
from iuckg.records import DataError, DataErrors, load_dataset

CALI = "cali-co--belfast-gb"
NEW_YORK = "new-york-us--barcelona-es"
FREDERICTON = "fredericton-ca--parma-it"
KOCHI = "kochi-in--vilnius-lt"
LAST_MEMBER = line_of("members.csv", {"id": "guangzhou-development-district-cn"})


def latin1(word: str):
    """Re-encode one word of a UTF-8 file as Latin-1 (what a spreadsheet export may do)."""

    def transform(text: str) -> bytes:
        raw = text.encode("utf-8")
        assert word.encode("utf-8") in raw
        return raw.replace(word.encode("utf-8"), word.encode("latin-1"), 1)

    return transform


def delete(text: str) -> None:
    """Marker transform: remove the file."""
    return None


@dataclass(frozen=True)
class Bad:
    """One defect: which file, how it is broken, and the error it must produce."""

    id: str
    file: str
    transform: object
    line: int
    field: str
    message: str

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: "


CASES = [
    Bad("missing-column", "members.csv", drop_column("type"), 1, "type", "missing column"),
    Bad("unknown-column", "pairings.csv", add_column("budget", "0"), 1, "budget", "unknown column"),
    Bad("unknown-theme", "pairings.csv", set_cell({"id": CALI}, "theme", "urban-farming"),
        line_of("pairings.csv", {"id": CALI}), "theme", "unknown theme 'urban-farming'"),
    Bad("unknown-country-code", "members.csv", set_cell({"id": "parma-it"}, "country", "ZZ"),
        5, "country", "unknown country code 'ZZ'"),
    Bad("duplicate-id", "members.csv", append_copy({"id": "kochi-in"}),
        line_count("members.csv") + 1, "id",
        f"duplicate 'kochi-in' (first on line {line_of('members.csv', {'id': 'kochi-in'})})"),
    Bad("bad-number", "themes.csv",
        set_cell({"id": "social-inclusion-urban-regeneration"}, "cities_and_regions", "eighty"),
        2, "cities_and_regions", "'eighty' is not a whole number"),
    Bad("bad-member-type", "members.csv", set_cell({"id": "piedras-co"}, "type", "village"),
        line_of("members.csv", {"id": "piedras-co"}), "type", "'village' is not one of"),
    Bad("invalid-utf8", "members.csv", latin1("Medellín"),
        line_of("members.csv", {"id": "medellin-co"}), "-", "not valid UTF-8 (byte 0xed)"),
    Bad("unterminated-quote", "members.csv",  # on the last line: a quote in a later cell would close it
        edit_line(LAST_MEMBER, lambda line: line.replace(",Guangzhou Development District,",
                                                         ',"Guangzhou Development District,', 1)),
        LAST_MEMBER, "-", "malformed CSV"),
    Bad("wrong-field-count", "countries.csv", edit_line(line_of("countries.csv", {"code": "IT"}),
                                                        lambda line: line + ",Italy"),
        line_of("countries.csv", {"code": "IT"}), "-", "expected 3 fields, found 4"),
    Bad("empty-side", "pairings.csv", set_cell({"id": NEW_YORK}, "side_b", ""),
        line_of("pairings.csv", {"id": NEW_YORK}), "side_b", "is empty"),
    Bad("unknown-member-in-side", "pairings.csv",
        set_cell({"id": FREDERICTON}, "side_a", "fredericton-ca;atlantis-xx"),
        line_of("pairings.csv", {"id": FREDERICTON}), "side_a", "unknown member 'atlantis-xx'"),
    Bad("region-in-city-pairing", "pairings.csv", set_cell({"id": NEW_YORK}, "side_b", "valencia-es"),
        line_of("pairings.csv", {"id": NEW_YORK}), "side_b",
        "member 'valencia-es' is a region, which cannot be in a city-to-city pairing"),
    Bad("member-on-both-sides", "pairings.csv", set_cell({"id": KOCHI}, "side_b", "vilnius-lt;kochi-in"),
        line_of("pairings.csv", {"id": KOCHI}), "side_b", "member 'kochi-in' is on both sides"),
    Bad("member-twice-in-a-side", "pairings.csv", set_cell({"id": CALI}, "side_a", "cali-co;medellin-co;cali-co"),
        line_of("pairings.csv", {"id": CALI}), "side_a", "names a member twice"),
    Bad("mapping-from-unknown-concept", "sdg-mapping.csv",
        set_cell({"from": "housing", "sdg": "11.1"}, "from", "housin"),
        line_of("sdg-mapping.csv", {"from": "housing", "sdg": "11.1"}), "from",
        "'housin' is neither a theme, an Urban Agenda topic nor a pairing"),
    Bad("unknown-sdg-code", "sdg-mapping.csv", set_cell({"from": "urban-poverty", "sdg": "1.2"}, "sdg", "18.1"),
        line_of("sdg-mapping.csv", {"from": "urban-poverty", "sdg": "1.2"}), "sdg",
        "'18.1' is not an SDG goal or target code"),
    Bad("sdg-target-not-in-vocabulary", "sdg-mapping.csv",
        set_cell({"from": "housing", "sdg": "11.1"}, "sdg", "11.9"),
        line_of("sdg-mapping.csv", {"from": "housing", "sdg": "11.1"}), "sdg",
        "'11.9' is not a goal or target of the UN SDG vocabulary"),
    Bad("unknown-pairing-in-actions", "actions.csv",
        set_cell({"id": "surat-water-plaza"}, "pairing", "surat-in--amsterdam-nl"),
        line_of("actions.csv", {"id": "surat-water-plaza"}), "pairing",
        "unknown pairing 'surat-in--amsterdam-nl'"),
    Bad("unknown-topic-in-theme", "themes.csv",
        set_cell({"id": "mobility-transport"}, "urban_agenda_topics", "urban-mobility;space-travel"),
        line_of("themes.csv", {"id": "mobility-transport"}), "urban_agenda_topics",
        "unknown Urban Agenda topic 'space-travel'"),
    Bad("bad-slug", "urban-agenda-topics.csv", set_cell({"id": "urban-poverty"}, "id", "Urban Poverty"),
        line_of("urban-agenda-topics.csv", {"id": "urban-poverty"}), "id", "'Urban Poverty' is not a slug"),
    Bad("empty-file", "stakeholders.csv", lambda text: "", 1, "-", "file is empty"),
    Bad("missing-file", "figures.csv", delete, 0, "-", "file is missing"),
    Bad("bad-iso-alpha3", "countries.csv", set_cell({"code": "IT"}, "alpha3", "XXX"),
        line_of("countries.csv", {"code": "IT"}), "alpha3", "'XXX' is not an ISO 3166-1 alpha-3 code"),
    # quotes: every stated record carries the passage of the brochure it rests on
    Bad("empty-quote", "members.csv", set_cell({"id": "kochi-in"}, "quote", " "),
        line_of("members.csv", {"id": "kochi-in"}), "quote", "is empty: copy the passage of the brochure"),
    Bad("missing-quote-column", "actions.csv", drop_column("quote"), 1, "quote", "missing column"),
    Bad("empty-quote-prefix", "stakeholders.csv", set_cell({"id": "kamakura-companies"}, "quote_prefix", ""),
        line_of("stakeholders.csv", {"id": "kamakura-companies"}), "quote_prefix",
        "is empty: run `python -m iuckg.quotes --brochure FILE` to fill it in"),
    Bad("empty-quote-suffix", "figures.csv", set_cell({"id": "thematic-streams"}, "quote_suffix", "  "),
        line_of("figures.csv", {"id": "thematic-streams"}), "quote_suffix", "is empty"),
    Bad("case-quote-without-its-heading", "pairings.csv",
        set_cell({"id": KOCHI}, "quote", "Kochi (IND) and Vilnius (LT) have been cooperating on a baseline study"),
        line_of("pairings.csv", {"id": KOCHI}), "quote",
        "the quote of a featured case starts with its heading, the case_title 'Data-based waste management'"),
    # editorial readings: the theme of a pairing the brochure presents under no stream, the topics of a theme
    Bad("theme-of-a-concrete-project-without-reading", "pairings.csv",
        set_cell({"id": "surat-in--rotterdam-nl"}, "theme_reading", ""),
        line_of("pairings.csv", {"id": "surat-in--rotterdam-nl"}), "theme_reading",
        "is empty, but the brochure presents this pairing under 'What concrete projects emerged?', not under the "
        "theme 'Blue & green infrastructure and management'"),
    Bad("reading-of-a-stated-theme", "pairings.csv", set_cell({"id": CALI}, "theme_reading", "We think so."),
        line_of("pairings.csv", {"id": CALI}), "theme_reading",
        "the brochure presents this pairing under its theme 'Social inclusion and urban regeneration'"),
    Bad("topics-without-reading", "themes.csv", set_cell({"id": "mobility-transport"}, "topics_reading", ""),
        line_of("themes.csv", {"id": "mobility-transport"}), "topics_reading",
        "gives the curators' reason for the urban_agenda_topics of the theme"),
    Bad("latitude-out-of-range", "places.csv", set_cell({"member": "kochi-in"}, "latitude", "99.5"),
        line_of("places.csv", {"member": "kochi-in"}), "latitude", "99.5 is not between -90 and 90"),
]


def apply(case: Bad, data: Path) -> None:
    if case.transform is delete:
        (data / case.file).unlink()
    else:
        break_data(data, case.file, case.transform)


def run_build(data: Path, out: Path, capsys) -> tuple[int, str, str]:
    code = main(["build", "--data", str(data), "--out", str(out), "--base", BASE])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if re.match(r"^[\w.-]+\.csv:\d+: ", line)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_reported_and_existing_dist_is_untouched(case, tmp_path, data_copy, dist, capsys,
                                                               cached_vocab):
    out = copy_dist(dist, tmp_path / "dist")
    before = snapshot(out)
    apply(case, data_copy)

    code, stdout, stderr = run_build(data_copy, out, capsys)

    assert code != 0
    assert case.location in stderr, stderr
    [line] = [line for line in error_lines(stderr) if line.startswith(case.location)]
    assert case.message in line
    assert error_lines(stderr) == [line], "one defect must give exactly one error"
    assert "1 error(s) in the data; nothing was written" in stderr
    assert stdout == ""
    assert snapshot(out) == before, "a failed build changed the published dist/"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "dist"], "left staging folders behind"


@pytest.mark.parametrize("case", [c for c in CASES if c.id in {"unknown-theme", "invalid-utf8", "empty-file"}],
                         ids=lambda c: c.id)
def test_bad_input_creates_no_dist(case, tmp_path, data_copy, capsys, cached_vocab):
    apply(case, data_copy)
    out = tmp_path / "out" / "dist"

    code, _, stderr = run_build(data_copy, out, capsys)

    assert code == 1
    assert case.location in stderr
    assert not out.exists()
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_the_cases_cover_every_data_file():
    files = {c.file for c in CASES}
    assert files == {p.name for p in DATA.glob("*.csv")}


# --- load_dataset directly: every problem is collected ------------------------------------------


def locations(exc: DataErrors) -> list[tuple[str, int, str]]:
    return [(e.file, e.line, e.field) for e in exc.errors]


def test_errors_in_two_files_are_both_reported(data_copy, sdg_codes):
    piedras = line_of("members.csv", {"id": "piedras-co"})
    break_data(data_copy, "themes.csv", set_cell({"id": "blue-green-infrastructure"}, "section", "four"))
    break_data(data_copy, "members.csv", set_cell({"id": "piedras-co"}, "type", "village"))

    with pytest.raises(DataErrors) as caught:
        load_dataset(data_copy, sdg_codes)

    assert locations(caught.value) == [("members.csv", piedras, "type"), ("themes.csv", 4, "section")]
    assert all(isinstance(e, DataError) for e in caught.value.errors)
    assert str(caught.value).splitlines() == [str(e) for e in caught.value.errors]


def test_errors_in_two_rows_of_one_file_are_both_reported(data_copy, sdg_codes):
    break_data(data_copy, "members.csv", set_cell({"id": "parma-it"}, "type", "village"))
    break_data(data_copy, "members.csv", set_cell({"id": "turku-fi"}, "label", " "))

    with pytest.raises(DataErrors) as caught:
        load_dataset(data_copy, sdg_codes)

    assert locations(caught.value) == [
        ("members.csv", 5, "type"), ("members.csv", line_of("members.csv", {"id": "turku-fi"}), "label")]


def test_two_errors_in_one_row_are_both_reported(data_copy, sdg_codes):
    line = line_of("figures.csv", {"id": "programme-components"})
    break_data(data_copy, "figures.csv", set_cell({"id": "programme-components"}, "value", "three"))
    break_data(data_copy, "figures.csv", set_cell({"id": "programme-components"}, "subject", "galaxy"))

    with pytest.raises(DataErrors) as caught:
        load_dataset(data_copy, sdg_codes)

    assert locations(caught.value) == [("figures.csv", line, "subject"), ("figures.csv", line, "value")]


def test_reference_errors_are_all_reported(data_copy, sdg_codes):
    break_data(data_copy, "pairings.csv", set_cell({"id": CALI}, "theme", "urban-farming"))
    break_data(data_copy, "stakeholders.csv",
               set_cell({"id": "kamakura-companies"}, "pairing", "kamakura-jp--oslo-no"))

    with pytest.raises(DataErrors) as caught:
        load_dataset(data_copy, sdg_codes)

    assert locations(caught.value) == [
        ("pairings.csv", line_of("pairings.csv", {"id": CALI}), "theme"),
        ("stakeholders.csv", line_of("stakeholders.csv", {"id": "kamakura-companies"}), "pairing"),
    ]


def test_data_error_text_names_file_line_and_field():
    error = DataError("members.csv", 5, "country", "unknown country code 'ZZ'")
    assert str(error) == "members.csv:5: country: unknown country code 'ZZ'"
    assert (error.file, error.line, error.field) == ("members.csv", 5, "country")
