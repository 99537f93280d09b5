"""Read the curated CSV files of data/ into checked, typed records.

Every problem is reported as a DataError naming the file, the line and the
field, and all problems of a data folder are collected before failing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pycountry

SLUG = re.compile(r"^[a-z0-9]+(?:--?[a-z0-9]+)*$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2,3}$")
SDG_CODE = re.compile(r"^(?:[1-9]|1[0-7])(?:\.(?:[1-9][0-9]?|[a-j]))?$")
LIST_SEPARATOR = ";"
COORDINATE = re.compile(r"^-?[0-9]{1,3}(?:\.[0-9]+)?$")
EUROVOC_ID = re.compile(r"^(?:[0-9]+|c_[0-9a-f]{8})$")
# How places.csv says a member was matched to a GeoNames feature (see data/README.md): the feature
# kind (none: a populated place), the name compared, then country and, to break a tie, population.
GEONAMES_MATCH = re.compile(
    r"^(?:(?:admin1|admin2|metropolitan-city)\+)?(?:exact|folded|alternate)-name\+country(?:\+population)?$"
)
UNRESOLVED, NOT_A_PLACE = "unresolved", "not-a-place"

MEMBER_TYPES = ("city", "town", "district", "metropolitan-area", "region", "consortium")
PAIRING_KINDS = ("city-to-city", "region-to-region")
ACTION_KINDS = ("pilot-project", "action")
HELIX_SECTORS = ("academia", "business", "civil-society", "government")
FIGURE_SUBJECTS = ("programme", "city-to-city", "region-to-region", "gcom")
# The helper that fills in the text around each quote from the brochure (see data/README.md).
QUOTE_HELPER = "python -m iuckg.quotes --brochure FILE"


class DataError(Exception):
    """A problem in one field of one record of a data file."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        super().__init__(f"{file}:{line}: {field}: {message}")
        self.file, self.line, self.field, self.message = file, line, field, message


class DataErrors(Exception):
    """All the problems found in a data folder."""

    def __init__(self, errors: list[DataError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.file, e.line, e.field))
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class Where:
    """The file and line a record was read from."""

    file: str
    line: int


# --- field parsers: each takes the raw cell text and returns a value or raises ValueError


def text(raw: str) -> str:
    """A required, non-empty piece of text."""
    value = raw.strip()
    if not value:
        raise ValueError("is empty")
    return value


def optional_text(raw: str) -> str:
    """Text that may be empty."""
    return raw.strip()


def passage(raw: str) -> str:
    """A quote of the brochure: required text, each run of whitespace written as one space."""
    value = " ".join(raw.split())
    if not value:
        raise ValueError("is empty: copy the passage of the brochure this record rests on")
    return value


def context(raw: str) -> str:
    """The brochure's text right before or after a quote: required; a space at either end is part of it."""
    value = re.sub(r"\s+", " ", raw)
    if not value.strip():
        raise ValueError(f"is empty: run `{QUOTE_HELPER}` to fill it in")
    return value


def slug(raw: str) -> str:
    """An identifier: lowercase ASCII words joined by single hyphens."""
    value = text(raw)
    if not SLUG.match(value):
        raise ValueError(f"{value!r} is not a slug (lowercase a-z and 0-9 words joined by '-' or '--')")
    return value


def slugs(raw: str) -> tuple[str, ...]:
    """A ';'-separated list of one or more slugs."""
    return tuple(slug(part) for part in text(raw).split(LIST_SEPARATOR))


def optional_slugs(raw: str) -> tuple[str, ...]:
    """A ';'-separated list of slugs that may be empty."""
    return slugs(raw) if raw.strip() else ()


def texts(raw: str) -> tuple[str, ...]:
    """A ';'-separated list of texts that may be empty."""
    parts = [part.strip() for part in raw.split(LIST_SEPARATOR)] if raw.strip() else []
    if any(not part for part in parts):
        raise ValueError("has an empty item between ';' separators")
    return tuple(parts)


def count(raw: str) -> int:
    """A non-negative integer written with digits only."""
    value = text(raw)
    if not value.isdigit():
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


def optional_count(raw: str) -> int | None:
    """A non-negative integer, or empty."""
    return count(raw) if raw.strip() else None


def one_of(*allowed: str) -> Callable[[str], str]:
    """A value from a closed list."""

    def parse(raw: str) -> str:
        value = text(raw)
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return parse


def country_code(raw: str) -> str:
    """A country code as the brochure writes it (two or three capital letters)."""
    value = text(raw)
    if not COUNTRY_CODE.match(value):
        raise ValueError(f"{value!r} is not a country code (2-3 capital letters)")
    return value


def iso_alpha3(raw: str) -> str:
    """An ISO 3166-1 alpha-3 code that pycountry knows."""
    value = text(raw)
    if pycountry.countries.get(alpha_3=value) is None:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 code")
    return value


def geonames_id(raw: str) -> int:
    """A GeoNames feature id: a positive whole number."""
    value = count(raw)
    if value == 0:
        raise ValueError("0 is not a GeoNames id")
    return value


def optional_geonames_id(raw: str) -> int | None:
    """A GeoNames feature id, or empty."""
    return geonames_id(raw) if raw.strip() else None


def coordinate(limit: int) -> Callable[[str], Decimal | None]:
    """A WGS84 coordinate in decimal degrees between -limit and limit, or empty."""

    def parse(raw: str) -> Decimal | None:
        value = raw.strip()
        if not value:
            return None
        if not COORDINATE.match(value):
            raise ValueError(f"{value!r} is not a number of decimal degrees (like -34.61315)")
        if abs(Decimal(value)) > limit:
            raise ValueError(f"{value} is not between -{limit} and {limit}")
        return Decimal(value)

    return parse


def match_method(raw: str) -> str:
    """How a member was matched to GeoNames: a method like exact-name+country, unresolved or not-a-place."""
    value = text(raw)
    if value not in (UNRESOLVED, NOT_A_PLACE) and not GEONAMES_MATCH.match(value):
        raise ValueError(
            f"{value!r} is not a match method (like exact-name+country, "
            f"admin1+alternate-name+country, {UNRESOLVED} or {NOT_A_PLACE})"
        )
    return value


def eurovoc_ids(raw: str) -> tuple[str, ...]:
    """A ';'-separated list of EuroVoc concept ids ('2281', 'c_1138d9d2'), each once, may be empty."""
    ids = texts(raw)
    for value in ids:
        if not EUROVOC_ID.match(value):
            raise ValueError(f"{value!r} is not a EuroVoc concept id (digits, or c_ and 8 hex digits)")
    if len(set(ids)) != len(ids):
        raise ValueError("names a EuroVoc concept twice")
    return ids


def sdg_code(raw: str) -> str:
    """An SDG goal ('11') or target ('11.6', '11.a') code."""
    value = text(raw)
    if not SDG_CODE.match(value):
        raise ValueError(f"{value!r} is not an SDG goal or target code")
    return value


# --- records: one dataclass per file; field names are the CSV columns


@dataclass(frozen=True)
class Country:
    code: str
    alpha3: str
    geonames: int | None
    where: Where


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    section: int
    cities_and_regions: int | None
    urban_agenda_topics: tuple[str, ...]
    topics_reading: str
    source: str
    note: str
    where: Where


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    eurovoc: tuple[str, ...]
    where: Where


@dataclass(frozen=True)
class Member:
    id: str
    label: str
    alt_labels: tuple[str, ...]
    type: str
    country: str
    source: str
    quote: str
    quote_prefix: str
    quote_suffix: str
    note: str
    where: Where


@dataclass(frozen=True)
class Place:
    member: str
    geonames_id: int | None
    latitude: Decimal | None
    longitude: Decimal | None
    match: str
    note: str
    where: Where

    @property
    def resolved(self) -> bool:
        """Whether the member was matched to a GeoNames feature."""
        return self.match not in (UNRESOLVED, NOT_A_PLACE)


@dataclass(frozen=True)
class Pairing:
    id: str
    kind: str
    side_a: tuple[str, ...]
    side_b: tuple[str, ...]
    theme: str
    theme_reading: str
    case_title: str
    case_text: str
    keywords: tuple[str, ...]
    source: str
    quote: str
    quote_prefix: str
    quote_suffix: str
    note: str
    where: Where

    @property
    def section(self) -> str:
        """The section of the brochure that presents the pairing (the first part of its source)."""
        return self.source.partition(";")[0].strip()


@dataclass(frozen=True)
class Action:
    id: str
    label: str
    kind: str
    pairing: str
    description: str
    source: str
    quote: str
    quote_prefix: str
    quote_suffix: str
    note: str
    where: Where


@dataclass(frozen=True)
class Stakeholder:
    id: str
    label: str
    helix: str
    pairing: str
    source: str
    quote: str
    quote_prefix: str
    quote_suffix: str
    where: Where


@dataclass(frozen=True)
class Figure:
    id: str
    label: str
    value: int
    subject: str
    source: str
    quote: str
    quote_prefix: str
    quote_suffix: str
    where: Where


@dataclass(frozen=True)
class SdgMapping:
    from_: str
    sdg: str
    rationale: str
    where: Where


@dataclass(frozen=True)
class Table:
    """How one CSV file maps to one record type."""

    file: str
    record: type
    columns: dict[str, Callable[[str], object]]


# The quote of a stated record: the brochure's passage, and the text right before and after it.
QUOTE = {"quote": passage, "quote_prefix": context, "quote_suffix": context}

TABLES: tuple[Table, ...] = (
    Table("countries.csv", Country, {"code": country_code, "alpha3": iso_alpha3, "geonames": optional_geonames_id}),
    Table(
        "themes.csv",
        Theme,
        {
            "id": slug,
            "label": text,
            "section": count,
            "cities_and_regions": optional_count,
            "urban_agenda_topics": optional_slugs,
            "topics_reading": optional_text,
            "source": text,
            "note": optional_text,
        },
    ),
    Table("urban-agenda-topics.csv", Topic, {"id": slug, "label": text, "eurovoc": eurovoc_ids}),
    Table(
        "members.csv",
        Member,
        {
            "id": slug,
            "label": text,
            "alt_labels": texts,
            "type": one_of(*MEMBER_TYPES),
            "country": country_code,
            "source": text,
            **QUOTE,
            "note": optional_text,
        },
    ),
    Table(
        "pairings.csv",
        Pairing,
        {
            "id": slug,
            "kind": one_of(*PAIRING_KINDS),
            "side_a": slugs,
            "side_b": slugs,
            "theme": slug,
            "theme_reading": optional_text,
            "case_title": optional_text,
            "case_text": text,
            "keywords": texts,
            "source": text,
            **QUOTE,
            "note": optional_text,
        },
    ),
    Table(
        "actions.csv",
        Action,
        {
            "id": slug,
            "label": text,
            "kind": one_of(*ACTION_KINDS),
            "pairing": slug,
            "description": text,
            "source": text,
            **QUOTE,
            "note": optional_text,
        },
    ),
    Table(
        "stakeholders.csv",
        Stakeholder,
        {"id": slug, "label": text, "helix": one_of(*HELIX_SECTORS), "pairing": slug, "source": text, **QUOTE},
    ),
    Table(
        "figures.csv",
        Figure,
        {"id": slug, "label": text, "value": count, "subject": one_of(*FIGURE_SUBJECTS), "source": text, **QUOTE},
    ),
    Table("sdg-mapping.csv", SdgMapping, {"from": slug, "sdg": sdg_code, "rationale": text}),
    Table(
        "places.csv",
        Place,
        {
            "member": slug,
            "geonames_id": optional_geonames_id,
            "latitude": coordinate(90),
            "longitude": coordinate(180),
            "match": match_method,
            "note": optional_text,
        },
    ),
)


@dataclass(frozen=True)
class Dataset:
    """Every record of a data folder, checked and cross-referenced."""

    countries: tuple[Country, ...]
    themes: tuple[Theme, ...]
    topics: tuple[Topic, ...]
    members: tuple[Member, ...]
    pairings: tuple[Pairing, ...]
    actions: tuple[Action, ...]
    stakeholders: tuple[Stakeholder, ...]
    figures: tuple[Figure, ...]
    sdg_mappings: tuple[SdgMapping, ...]
    places: tuple[Place, ...]


def decode(path: Path) -> str:
    """Return the text of a UTF-8 file (a leading BOM is dropped) or raise DataError."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            path.name, line, "-", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None


def attribute(column: str) -> str:
    """The record attribute of a CSV column ('from' is a Python keyword)."""
    return "from_" if column == "from" else column


def read_table(path: Path, table: Table) -> tuple[list, list[DataError]]:
    """Parse one CSV file into records, collecting the errors of every row."""
    name = path.name
    if not path.exists():
        return [], [DataError(name, 0, "-", "file is missing")]
    try:
        content = decode(path)
    except DataError as exc:
        return [], [exc]
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    errors: list[DataError] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [DataError(name, 1, "-", f"malformed CSV: {exc}")]
    if header is None:
        return [], [DataError(name, 1, "-", "file is empty (expected a header line)")]
    header = [column.strip() for column in header]
    expected = list(table.columns)
    missing = [c for c in expected if c not in header]
    unknown = [c for c in header if c not in expected]
    errors += [DataError(name, 1, c, "missing column") for c in missing]
    errors += [DataError(name, 1, c, f"unknown column (expected: {', '.join(expected)})") for c in unknown]
    if errors:
        return [], errors
    records = []
    line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(
                DataError(
                    name,
                    line + 1,
                    "-",
                    f"malformed CSV in the record starting on this line (read up to line {reader.line_num}): {exc}",
                )
            )
            break
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(DataError(name, start, "-", f"expected {len(header)} fields, found {len(row)}"))
            continue
        values, row_errors = {}, []
        for column, cell in zip(header, row, strict=False):  # a short row lacks trailing cells
            try:
                values[attribute(column)] = table.columns[column](cell)
            except ValueError as exc:
                row_errors.append(DataError(name, start, column, str(exc)))
        if row_errors:
            errors += row_errors
            continue
        records.append(table.record(**values, where=Where(name, start)))
    return records, errors


def unique_ids(records: Iterable, key: Callable = lambda r: r.id, field: str = "id") -> list[DataError]:
    """Report every record whose key repeats an earlier one."""
    first: dict = {}
    errors = []
    for record in records:
        k = key(record)
        if k in first:
            errors.append(
                DataError(record.where.file, record.where.line, field, f"duplicate {k!r} (first on line {first[k]})")
            )
        else:
            first[k] = record.where.line
    return errors


def check_references(data: Dataset, sdg_codes: set[str]) -> list[DataError]:
    """Check identifiers are unique and every reference points to a known record."""
    errors = unique_ids(data.countries, key=lambda r: r.code, field="code")
    errors += unique_ids(data.countries, key=lambda r: r.alpha3, field="alpha3")
    for group in (data.themes, data.topics, data.members, data.pairings, data.actions, data.stakeholders, data.figures):
        errors += unique_ids(group)
    errors += unique_ids(data.sdg_mappings, key=lambda r: (r.from_, r.sdg), field="sdg")
    errors += unique_ids(
        [c for c in data.countries if c.geonames is not None], key=lambda r: r.geonames, field="geonames"
    )
    errors += check_places(data)

    def err(record, field: str, message: str) -> None:
        errors.append(DataError(record.where.file, record.where.line, field, message))

    countries = {c.code for c in data.countries}
    topics = {t.id for t in data.topics}
    themes = {t.id: t for t in data.themes}
    members = {m.id: m for m in data.members}
    pairings = {p.id for p in data.pairings}
    for theme in data.themes:
        for topic in theme.urban_agenda_topics:
            if topic not in topics:
                err(theme, "urban_agenda_topics", f"unknown Urban Agenda topic {topic!r}")
        if bool(theme.urban_agenda_topics) != bool(theme.topics_reading):
            err(
                theme,
                "topics_reading",
                "gives the curators' reason for the urban_agenda_topics of the theme: "
                "it is empty exactly when they are",
            )
    for member in data.members:
        if member.country not in countries:
            err(member, "country", f"unknown country code {member.country!r} (add it to countries.csv)")
    for pairing in data.pairings:
        if pairing.theme not in themes:
            err(pairing, "theme", f"unknown theme {pairing.theme!r}")
        else:
            errors.extend(theme_reading_errors(pairing, themes[pairing.theme]))
        if pairing.case_title and not pairing.quote.startswith(" ".join(pairing.case_title.split())):
            err(
                pairing,
                "quote",
                f"the quote of a featured case starts with its heading, the case_title {pairing.case_title!r}",
            )
        for side in ("side_a", "side_b"):
            ids = getattr(pairing, side)
            if len(set(ids)) != len(ids):
                err(pairing, side, "names a member twice")
            for member_id in ids:
                side_member = members.get(member_id)
                if side_member is None:
                    err(pairing, side, f"unknown member {member_id!r} (add it to members.csv)")
                elif (side_member.type == "region") != (pairing.kind == "region-to-region"):
                    err(
                        pairing,
                        side,
                        f"member {member_id!r} is a {side_member.type}, which cannot be in a {pairing.kind} pairing",
                    )
        for member_id in set(pairing.side_a) & set(pairing.side_b):
            err(pairing, "side_b", f"member {member_id!r} is on both sides")
    referring: tuple[Action | Stakeholder, ...] = (*data.actions, *data.stakeholders)
    for record in referring:
        if record.pairing not in pairings:
            err(record, "pairing", f"unknown pairing {record.pairing!r}")
    for mapping in data.sdg_mappings:
        if mapping.from_ not in themes.keys() | topics | pairings:
            err(mapping, "from", f"{mapping.from_!r} is neither a theme, an Urban Agenda topic nor a pairing")
        if mapping.sdg not in sdg_codes:
            err(mapping, "sdg", f"{mapping.sdg!r} is not a goal or target of the UN SDG vocabulary")
    return errors


def theme_reading_errors(pairing: Pairing, theme: Theme) -> list[DataError]:
    """A pairing's theme is the section presenting it, or the curators' reading, which then says why."""
    where = pairing.where
    if pairing.section == theme.label and pairing.theme_reading:
        return [
            DataError(
                where.file,
                where.line,
                "theme_reading",
                f"the brochure presents this pairing under its theme {theme.label!r}: leave it empty",
            )
        ]
    if pairing.section != theme.label and not pairing.theme_reading:
        return [
            DataError(
                where.file,
                where.line,
                "theme_reading",
                f"is empty, but the brochure presents this "
                f"pairing under {pairing.section!r}, not under "
                f"the theme {theme.label!r}: give the curators' "
                f"reason for the theme",
            )
        ]
    return []


def check_places(data: Dataset) -> list[DataError]:
    """One places.csv row per member, consistent with its match method; GeoNames ids shared only when noted."""
    errors = unique_ids(data.places, key=lambda r: r.member, field="member")
    members = {m.id: m for m in data.members}
    placed = {p.member for p in data.places}
    errors += [
        DataError(m.where.file, m.where.line, "id", f"no row for {m.id!r} in places.csv (run `iuckg links curate`)")
        for m in data.members
        if m.id not in placed
    ]
    first: dict[int, Place] = {}
    for place in data.places:
        member = members.get(place.member)
        if member is None:
            errors.append(
                DataError(
                    place.where.file,
                    place.where.line,
                    "member",
                    f"unknown member {place.member!r} (add it to members.csv)",
                )
            )
            continue
        errors += place_errors(place, member)
        if place.geonames_id is None:
            continue
        other = first.setdefault(place.geonames_id, place)
        if other is not place and other.member not in place.note:
            errors.append(
                DataError(
                    place.where.file,
                    place.where.line,
                    "geonames_id",
                    f"{place.geonames_id} is also the feature of {other.member!r} (line "
                    f"{other.where.line}); name that member in the note if both are meant",
                )
            )
    return errors


def place_errors(place: Place, member: Member) -> list[DataError]:
    """What is inconsistent within one places.csv row and with the member it is about."""
    problems: list[tuple[str, str]] = []
    if (member.type == "consortium") != (place.match == NOT_A_PLACE):
        problems.append(
            (
                "match",
                f"{member.id!r} is a {member.type}: the match of a consortium, and only of a "
                f"consortium, is {NOT_A_PLACE}",
            )
        )
    if place.resolved and place.geonames_id is None:
        problems.append(("geonames_id", f"is empty, but match {place.match} names a GeoNames feature"))
    if not place.resolved and place.geonames_id is not None:
        problems.append(("geonames_id", f"must be empty when match is {place.match}"))
    if (place.latitude is None) != (place.longitude is None):
        field = "latitude" if place.latitude is None else "longitude"
        problems.append((field, "is empty: give both coordinates or neither"))
    elif place.latitude is not None and not place.resolved:
        problems.append(
            ("latitude", f"must be empty when match is {place.match}: coordinates are those of the GeoNames feature")
        )
    if not place.note and (not place.resolved or place.latitude is None):
        problems.append(("note", "is empty: give the reason the member has no GeoNames feature or coordinates"))
    return [DataError(place.where.file, place.where.line, field, message) for field, message in problems]


def load_dataset(data_dir: Path, sdg_codes: set[str]) -> Dataset:
    """Read and check every file of a data folder; raise DataErrors listing all problems."""
    errors: list[DataError] = []
    parts = []
    for table in TABLES:
        records, table_errors = read_table(Path(data_dir) / table.file, table)
        parts.append(tuple(records))
        errors += table_errors
    data = Dataset(*parts)
    if not errors:
        errors = check_references(data, sdg_codes)
    if errors:
        raise DataErrors(errors)
    return data
