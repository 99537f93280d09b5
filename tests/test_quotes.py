"""Every fact has its quote: each stated record's passage is in the brochure, word for word, and so is
the text around it; the graph publishes it as a W3C Web Annotation; the curation helper fills it in."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from helpers import BASE, DATA, brochure_text, break_data, copy_data, file_hashes, normalise, set_cell
from iuckg import quotes
from iuckg.namespaces import OA, Minter

M = Minter(BASE)
# The files of stated records, and the kind of IRI each row gets (pairings also have a case study).
QUOTED = {"members.csv": "member", "pairings.csv": "pairing", "actions.csv": "action",
          "stakeholders.csv": "stakeholder", "figures.csv": "figure"}


def rows(file: str) -> list[dict[str, str]]:
    with open(DATA / file, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


RECORDS = [(file, row) for file in QUOTED for row in rows(file)]


@pytest.fixture(scope="module")
def brochure() -> str:
    """The brochure with whitespace and line-break hyphenation normalised, case kept."""
    return normalise(brochure_text(), fold=False)


def occurrences(text: str, part: str) -> int:
    """How many times part occurs in text, overlaps included."""
    return sum(1 for i in range(len(text)) if text.startswith(part, i))


@pytest.mark.parametrize("file,row", RECORDS, ids=[f"{f}:{r['id']}" for f, r in RECORDS])
def test_the_quote_and_the_text_around_it_are_in_the_brochure(file, row, brochure):
    exact = normalise(row["quote"], fold=False)
    assert exact and exact in brochure, f"{file}: {row['id']}: the quote is not in the brochure"
    whole = normalise(row["quote_prefix"] + row["quote"] + row["quote_suffix"], fold=False)
    assert occurrences(brochure, whole) == 1, f"{file}: {row['id']}: prefix + quote + suffix is not in it once"
    assert 10 <= len(row["quote_prefix"].strip()) <= 40 and 10 <= len(row["quote_suffix"].strip()) <= 40


def test_every_stated_record_of_the_graph_has_its_quote_as_an_annotation(data_graph):
    expected = {}
    for file, row in RECORDS:
        record = M.id(QUOTED[file], row["id"])
        expected[record] = row
        if file == "pairings.csv" and row["case_title"]:
            expected[URIRef(f"{record}/case-study")] = row
    annotations = set(data_graph.subjects(RDF.type, OA.Annotation))
    assert {data_graph.value(a, OA.hasBody) for a in annotations} == set(expected)
    for record, row in expected.items():
        annotation = URIRef(f"{record}/quote")
        assert data_graph.value(annotation, OA.hasBody) == record
        assert data_graph.value(annotation, OA.motivatedBy) == OA.describing
        target = data_graph.value(annotation, OA.hasTarget)
        assert data_graph.value(target, OA.hasSource) == M.id("source", "iuc-brochure")
        selector = data_graph.value(target, OA.hasSelector)
        assert (data_graph.value(selector, OA.prefix), data_graph.value(selector, OA.exact),
                data_graph.value(selector, OA.suffix)) == tuple(
            Literal(row[c]) for c in ("quote_prefix", "quote", "quote_suffix")), record


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_every_selector_of_the_graph_selects_the_brochure_once(data_graph, brochure):
    selectors = set(data_graph.subjects(RDF.type, OA.TextQuoteSelector))
    assert len(selectors) > 250
    for selector in selectors:
        text = "".join(str(data_graph.value(selector, p)) for p in (OA.prefix, OA.exact, OA.suffix))
        assert occurrences(brochure, normalise(text, fold=False)) == 1, selector


def test_the_helper_normalises_the_brochure_as_the_tests_do():
    text = "a front-\nrunning  city,\n small- and  medium-\n   enterprises"
    assert quotes.normalise(text) == "a front-running city, small- and medium-enterprises"
    assert normalise(quotes.normalise(text), fold=False) == normalise(text, fold=False)


# --- the curation helper ----------------------------------------------------------------------------------


@pytest.fixture
def brochure_file(tmp_path):
    path = tmp_path / "brochure.txt"
    path.write_text(brochure_text(), encoding="utf-8")
    return path


def test_the_helper_finds_the_stored_prefix_and_suffix_of_every_quote(tmp_path, brochure_file):
    data = copy_data(tmp_path)
    before = file_hashes(data)
    assert quotes.main(["--brochure", str(brochure_file), "--data", str(data)]) == 0
    assert file_hashes(data) == before


def test_the_helper_fills_in_an_emptied_prefix_and_suffix(tmp_path, brochure_file):
    data = copy_data(tmp_path)
    break_data(data, "actions.csv", set_cell({"id": "merida-sump"}, "quote_prefix", ""))
    break_data(data, "actions.csv", set_cell({"id": "merida-sump"}, "quote_suffix", ""))
    assert quotes.main(["--brochure", str(brochure_file), "--data", str(data)]) == 0
    assert (data / "actions.csv").read_bytes() == (DATA / "actions.csv").read_bytes()


def test_the_helper_tells_a_repeated_quote_apart_by_the_words_typed_before_it(tmp_path, brochure_file):
    data = copy_data(tmp_path)
    granada = {"id": "granada-es"}  # "Granada (ES)" is three times in the brochure
    break_data(data, "members.csv", set_cell(granada, "quote_prefix", "elderly in Yangzhou (CHN) and"))
    break_data(data, "members.csv", set_cell(granada, "quote_suffix", ""))
    assert quotes.main(["--brochure", str(brochure_file), "--data", str(data)]) == 0
    assert (data / "members.csv").read_bytes() == (DATA / "members.csv").read_bytes()


def test_the_helper_names_the_quotes_it_cannot_place(tmp_path, brochure_file, capsys):
    data = copy_data(tmp_path)
    break_data(data, "figures.csv", set_cell({"id": "thematic-streams"}, "quote", "These can be clustered into seven"))
    break_data(data, "members.csv", set_cell({"id": "granada-es"}, "quote_prefix", ""))
    break_data(data, "members.csv", set_cell({"id": "granada-es"}, "quote_suffix", ""))
    assert quotes.main(["--brochure", str(brochure_file), "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert "figures.csv:" in err and ": quote: is not in the brochure" in err
    assert "members.csv:" in err and ": quote_prefix: the quote is 3 times in the brochure" in err


def test_the_build_does_not_use_the_helper():
    """The build never reads the brochure: it publishes the stored quotes; only the helper reads it."""
    code = "import sys, iuckg.build, iuckg.cli; print('iuckg.quotes' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
