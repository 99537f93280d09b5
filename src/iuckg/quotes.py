"""`python -m iuckg.quotes --brochure FILE`: fill in the text around every quote of a data folder.

A curation helper, never part of the build (which does not read the brochure): for each record
with a `quote`, it finds the quote in the brochure (whitespace and line-break hyphenation
normalised) and writes the ~30 characters before and after it into `quote_prefix` and
`quote_suffix`. A quote the brochure has more than once is told apart by the words already in
those cells (a few typed by hand will do). Every other cell is written back as it was.
Whether to write the prefix with a trailing space, and the suffix with a leading one, follows
the brochure: they are exactly the text next to the quote.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import unicodedata
from pathlib import Path

from .records import TABLES, DataError, DataErrors, Table, read_table
from .settings import bundled

CONTEXT = 30
QUOTED = tuple(t for t in TABLES if "quote" in t.columns)


def normalise(text: str) -> str:
    """Text as quotes are written: NFC, a hyphen that ends a line joined to the next word, each run of
    whitespace one space."""
    text = re.sub(r"(\w)-[^\S\n]*\n\s*(\w)", r"\1-\2", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def places(brochure: str, exact: str) -> list[int]:
    """Where a quote starts in the (normalised) brochure, every time it occurs."""
    return [m.start() for m in re.finditer(f"(?={re.escape(exact)})", brochure)]


def around(brochure: str, start: int, end: int) -> tuple[str, str]:
    """About CONTEXT characters before and after a span, cut at word boundaries, spaces next to it kept."""
    before, after = brochure[max(0, start - CONTEXT) : start], brochure[end : end + CONTEXT]
    if start > CONTEXT and brochure[start - CONTEXT - 1] != " " and 0 <= before.find(" ") < len(before) - 1:
        before = before[before.find(" ") + 1 :]
    if end + CONTEXT < len(brochure) and brochure[end + CONTEXT] != " " and after.rfind(" ") > 0:
        after = after[: after.rfind(" ")]
    return before.lstrip(), after.rstrip()


def fits(brochure: str, start: int, end: int, prefix: str, suffix: str) -> bool:
    """Whether the words typed around a quote (if any) are those around this place of it."""
    return brochure[:start].rstrip().endswith(normalise(prefix)) and brochure[end:].lstrip().startswith(
        normalise(suffix)
    )


def prefix_and_suffix(record, brochure: str) -> tuple[str, str]:
    """The prefix and suffix of a record's quote in the brochure; raise DataError if it is not there once."""
    where = record.where
    found = places(brochure, normalise(record.quote))
    if not found:
        raise DataError(where.file, where.line, "quote", "is not in the brochure (whitespace aside): copy it again")
    end = len(normalise(record.quote))
    chosen = (
        found
        if len(found) == 1
        else [s for s in found if fits(brochure, s, s + end, record.quote_prefix, record.quote_suffix)]
    )
    if len(chosen) != 1:
        raise DataError(
            where.file,
            where.line,
            "quote_prefix",
            f"the quote is {len(found)} times in the brochure and the words around it fit "
            f"{len(chosen)} of them: type a few words of the text before it here",
        )
    return around(brochure, chosen[0], chosen[0] + end)


def rows_of(path: Path) -> list[list[str]]:
    """The rows of a CSV file, header first."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def lenient(table: Table) -> Table:
    """A table whose quote_prefix and quote_suffix may be empty (they are what this helper writes)."""
    return Table(table.file, table.record, {**table.columns, "quote_prefix": str, "quote_suffix": str})


def load(data_dir: Path) -> list[tuple[Path, list]]:
    """Every quoted file of a data folder with its records; raise DataErrors if one cannot be read."""
    loaded, errors = [], []
    for table in QUOTED:
        path = Path(data_dir) / table.file
        records, problems = read_table(path, lenient(table))
        loaded.append((path, records))
        errors += problems
    if errors:
        raise DataErrors(errors)
    return loaded


def fill(path: Path, records: list, brochure: str) -> list[DataError]:
    """Rewrite one data file with the prefix and suffix of each quote; return the quotes not found once."""
    rows = rows_of(path)
    header, body = rows[0], [row for row in rows[1:] if any(cell.strip() for cell in row)]
    prefix, suffix = header.index("quote_prefix"), header.index("quote_suffix")
    problems = []
    for record, row in zip(records, body, strict=True):
        try:
            row[prefix], row[suffix] = prefix_and_suffix(record, brochure)
        except DataError as exc:
            problems.append(exc)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    path.write_text(out.getvalue(), encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Fill in every quoted file of the data folder; 1 if a quote is not in the brochure exactly once."""
    p = argparse.ArgumentParser(prog="python -m iuckg.quotes", description=__doc__.splitlines()[0])
    p.add_argument("--brochure", required=True, type=Path, help="the brochure as plain text")
    p.add_argument("--data", type=Path, help="data folder (default: the package's data/)")
    args = p.parse_args(argv)
    args.data = args.data or bundled("data")
    brochure = normalise(args.brochure.read_text(encoding="utf-8"))
    try:
        problems = [e for path, records in load(args.data) for e in fill(path, records, brochure)]
    except DataErrors as exc:
        print(f"iuckg.quotes: {len(exc.errors)} error(s) in the data; nothing was written:\n{exc}", file=sys.stderr)
        return 1
    if problems:
        print(
            f"iuckg.quotes: {len(problems)} quote(s) left without prefix and suffix:\n"
            + "\n".join(map(str, DataErrors(problems).errors)),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
