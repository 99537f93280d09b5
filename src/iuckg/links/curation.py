"""Curation: what the lookup finds, written to data/places.csv and the countries' geonames column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from ..records import TABLES, DataError, DataErrors, read_table
from .lookup import Match, lookup, member_countries
from .reference import Reference

PLACES_FILE = "places.csv"


def table(file: str):
    """The Table of records.TABLES that reads a file."""
    return next(t for t in TABLES if t.file == file)


def read_records(data_dir: Path, file: str) -> list:
    """The checked records of one data file; raise DataErrors if it has problems."""
    records, errors = read_table(Path(data_dir) / file, table(file))
    if errors:
        raise DataErrors(errors)
    return records


def csv_text(rows: Iterable[Iterable[str]]) -> str:
    """Rows as CSV, the way the data files are written."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def country_rows(path: Path, reference: Reference) -> list[list[str]]:
    """countries.csv with each country's GeoNames id filled in from the reference (empty if none)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    header = rows[0]
    alpha3, column = header.index("alpha3"), header.index("geonames")
    for row in rows[1:]:
        if row:
            country = reference.countries.get(row[alpha3])
            row[column] = str(country.geonames_id) if country else ""
    return rows


def curate(data_dir: Path, reference: Reference) -> dict[str, Match]:
    """Look every member and country up; rewrite places.csv and the countries' geonames column."""
    data_dir = Path(data_dir)
    members = read_records(data_dir, "members.csv")
    countries = member_countries(read_records(data_dir, "countries.csv"), reference)
    unknown = [
        DataError(m.where.file, m.where.line, "country", f"unknown country code {m.country!r}")
        for m in members
        if m.country not in countries
    ]
    if unknown:
        raise DataErrors(unknown)
    found = {m.id: lookup(m, countries[m.country], reference) for m in members}
    rows = [list(table(PLACES_FILE).columns)] + [match.row(member) for member, match in found.items()]
    (data_dir / PLACES_FILE).write_text(csv_text(rows), encoding="utf-8")
    countries_path = data_dir / "countries.csv"
    countries_path.write_text(csv_text(country_rows(countries_path, reference)), encoding="utf-8")
    return found
