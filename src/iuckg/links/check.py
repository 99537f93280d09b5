"""The check: every external IRI of the data re-derived from the reference data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pycountry
from rdflib import Graph, URIRef

from .. import catalogue
from ..convert import EUROVOC, geonames_iri, sdg_codes, to_graph
from ..namespaces import EU_COUNTRY, SDG, Minter
from ..records import Country, DataError, Dataset, Member, Place, load_dataset
from ..settings import Settings
from ..sources import parse_all, parse_source
from .lookup import Match, lookup, member_countries, quoted
from .reference import Feature, Reference, fold
from .summary import link_summary, short


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
        problems.append(
            error(
                place,
                "geonames_id",
                f"{feature.describe()} is in {feature.country}, not in {country} (the country of {member.id!r})",
            )
        )
    names = (member.label, *member.alt_labels)
    if not any(fold(n) in {fold(x) for x in (feature.name, *feature.alternate_names)} for n in names):
        problems.append(
            error(place, "geonames_id", f"{feature.describe()} has none of the names {', '.join(quoted(names))}")
        )
    for field, stored, expected in (
        ("latitude", place.latitude, feature.latitude),
        ("longitude", place.longitude, feature.longitude),
    ):
        if not same_degrees(stored, expected):
            problems.append(
                error(
                    place,
                    field,
                    f"{stored if stored is not None else 'empty'}, but the reference "
                    f"gives {expected if expected is not None else 'none'} "
                    f"for {feature.geonames_id}",
                )
            )
    return problems


def derived_place_errors(
    place: Place, member: Member, country: str | None, derived: Match, reference: Reference
) -> list[DataError]:
    """A places.csv row against the reference and against what the lookup derives now."""
    if place.resolved:
        feature = reference.features.get(place.geonames_id) if place.geonames_id is not None else None
        problems = feature_errors(place, member, country, feature)
        if problems:
            return problems
    if (place.geonames_id, place.match) != (derived.geonames_id, derived.match):
        field = "match" if place.geonames_id == derived.geonames_id else "geonames_id"
        return [
            error(
                place,
                field,
                f"{outcome(place.geonames_id, place.match)}, but the lookup derives "
                f"{outcome(derived.geonames_id, derived.match)} ({derived.note or 'no note'})",
            )
        ]
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
        return [
            error(
                country,
                "geonames",
                f"{country.geonames or 'empty'}, but GeoNames' feature of "
                f"{country.alpha3} ({geo.name}) is {geo.geonames_id}",
            )
        ]
    return []


def topic_errors(topic, reference: Reference) -> list[DataError]:
    """EuroVoc ids of an Urban Agenda topic that the EuroVoc labels do not know."""
    return [
        error(topic, "eurovoc", f"{concept} is not a EuroVoc concept (no English label in the reference data)")
        for concept in topic.eurovoc
        if concept not in reference.eurovoc
    ]


def derive(data: Dataset, reference: Reference) -> tuple[dict[str, Match], list[DataError]]:
    """What the lookup derives for each member, and every record that contradicts the reference."""
    countries = member_countries(data.countries, reference)
    members = {m.id: m for m in data.members}
    derived = {m.id: lookup(m, countries[m.country], reference) for m in data.members}
    problems = [e for c in data.countries for e in country_errors(c, reference)]
    problems += [
        e
        for p in data.places
        for e in derived_place_errors(
            p, members[p.member], countries[members[p.member].country], derived[p.member], reference
        )
    ]
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
    return [
        f"data graph: {short(s, minter)} {short(p, minter)} <{o}>: not derived from the reference data"
        for s, p, o in sorted(graph)
        if is_link(o) and o not in verified
    ]


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
    codes = sdg_codes(parse_all(settings.vocab_dir, settings.base))
    data = load_dataset(settings.data_dir, codes)
    derived, problems = derive(data, reference)
    minter = Minter(settings.base)
    graph = to_graph(data, minter) + parse_source(settings.ontology_dir / "schemes.ttl", settings.base)
    messages = [str(e) for e in sorted(problems, key=lambda e: (e.file, e.line, e.field))]
    messages += unverified_links(graph, derived_iris(data, derived, reference, codes), minter)
    eurovoc = [(t.id, c, reference.eurovoc.get(c, "?")) for t in data.topics for c in t.eurovoc]
    return Report(
        messages,
        catalogue.link_counts(graph),
        eurovoc,
        link_summary(graph, minter)["unresolved"],
        f"{reference.source} and the UN SDG vocabulary in {settings.vocab_dir.name}/",
    )
