"""The commands: `iuckg links curate` and `iuckg links check`, and the tables they print."""

from __future__ import annotations

import sys

from ..namespaces import Minter
from ..records import DataErrors
from ..settings import Settings
from .check import Report, check
from .curation import PLACES_FILE, curate
from .reference import load_reference
from .summary import short


def columns(rows: list[tuple], right: int = 0) -> list[str]:
    """Rows of cells aligned in columns; the last `right` columns right-aligned."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    left = len(widths) - right
    return [
        "  ".join(
            str(cell).ljust(w) if i < left else str(cell).rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ).rstrip()
        for row in rows
    ]


def report_text(report: Report, minter: Minter) -> str:
    """The tables of the check: links per target dataset, EuroVoc concepts, unresolved members."""
    links = sorted(report.links.items(), key=lambda kv: (kv[0][0].title, str(kv[0][1])))
    rows: list[tuple[str, str, str | int]] = [("target dataset", "predicate", "links")]
    rows += [(target.title, short(predicate, minter), n) for (target, predicate), n in links]
    rows.append(("total", "", sum(report.links.values())))
    lines = [f"Links per target dataset (verified against {report.source})", *columns(rows, right=1), ""]
    lines += [
        "EuroVoc concepts of the Urban Agenda topics",
        *columns([("topic", "EuroVoc", "label"), *report.eurovoc]),
        "",
    ]
    lines.append(f"Members without a GeoNames feature or coordinates ({len(report.unresolved)})")
    lines += columns([("member", "reason"), *report.unresolved.items()])
    return "\n".join(lines)


def check_command(settings: Settings) -> int:
    """`iuckg links check`: print the tables; return 1 if any link is not derived from the reference."""
    try:
        report = check(settings, load_reference())
    except DataErrors as exc:
        print(f"iuckg links check: {len(exc.errors)} error(s) in the data:\n{exc}", file=sys.stderr)
        return 1
    print(report_text(report, Minter(settings.base)))
    if report.problems:
        print(f"iuckg links check: {len(report.problems)} problem(s):\n" + "\n".join(report.problems), file=sys.stderr)
        return 1
    return 0


def curate_command(settings: Settings) -> int:
    """`iuckg links curate`: write places.csv and the countries' GeoNames ids; list what is unresolved."""
    try:
        found = curate(settings.data_dir, load_reference())
    except DataErrors as exc:
        print(
            f"iuckg links curate: {len(exc.errors)} error(s) in the data; nothing was written:\n{exc}", file=sys.stderr
        )
        return 1
    resolved = [m for m in found.values() if m.geonames_id is not None]
    located = [m for m in resolved if m.latitude is not None]
    print(
        f"{PLACES_FILE}: {len(found)} members: {len(resolved)} with a GeoNames feature "
        f"({len(located)} with coordinates), {len(found) - len(resolved)} without"
    )
    missing = [(member, m.note) for member, m in found.items() if m.latitude is None]
    if missing:
        print(*columns([("member", "reason"), *missing]), sep="\n")
    return 0
