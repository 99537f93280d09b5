"""The places of the pairings' members, for the world map: what `map.js` draws and the text beside it.

Each member is placed at its WGS84 coordinates (from GeoNames, in the graph). A member the reference
data has no coordinates for is placed only by reference data, never guessed: at the centre of its
country's outline in the vendored Natural Earth file (world-atlas `countries-110m.json`, whose ids are
ISO 3166-1 numeric codes), which `map.js` computes with d3.geoCentroid; such a place is marked
approximate, with the reason shown to people. A member with neither is listed as not on the map.

The three views (`landing_map`, `pairing_map`, `member_map`) are dicts for the `world_map` macro of
`_map.html`; they are cut from one index of the whole store (`map_index`), computed once (`Published.once`),
so a view runs no query. Call them directly, not through `Published.once` (whose lock is not re-entrant).
The map of every pairing is not embedded in the page: map.js fetches it from /map/pairings.json, whose
compact bytes (`world_json`) the index keeps, serialised once.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pycountry

from ..index import facet_value
from .queries import PREFIXES
from .state import Published

# The Natural Earth outlines the map draws (and the approximate places are computed from).
ATLAS = Path(__file__).resolve().parent / "static" / "vendor" / "world-atlas" / "countries-110m.json"

# Every member of a pairing: label, kind, country (label and ISO alpha-3) and WGS84 coordinates.
MAP_MEMBERS = (
    PREFIXES
    + """
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
SELECT DISTINCT ?hasMember ?country ?member ?label ?type ?countryLabel ?code ?lat ?long WHERE {
  ?pairing ?hasMember ?member .
  ?member rdfs:label ?label .
  OPTIONAL { ?member a ?type }
  OPTIONAL { ?member ?country ?c . ?c rdfs:label ?countryLabel ; skos:notation ?code }
  OPTIONAL { ?member geo:lat ?lat ; geo:long ?long }
}
"""
)

# Every pairing: label, thematic stream, and the members of each of its sides.
MAP_PAIRINGS = (
    PREFIXES
    + """
SELECT ?hasSide ?sideOrder ?sideMember ?theme ?pairing ?label ?order ?member ?stream WHERE {
  ?pairing ?hasSide ?side ; rdfs:label ?label .
  ?side ?sideOrder ?order ; ?sideMember ?member .
  OPTIONAL { ?pairing ?theme ?stream }
}
"""
)

# The thematic streams, in the brochure's order (its section numbers), with its figure of cities and regions.
THEMES = (
    PREFIXES
    + """
SELECT ?class ?citiesAndRegions ?theme ?label ?notation ?figure WHERE {
  ?theme a ?class ; skos:prefLabel ?label .
  OPTIONAL { ?theme skos:notation ?notation }
  OPTIONAL { ?theme ?citiesAndRegions ?figure }
}
"""
)

# The labels of the ontology's classes (what kind of place a member is).
CLASS_LABELS = PREFIXES + "SELECT ?class ?label WHERE { ?class a owl:Class ; rdfs:label ?label }"

# Colours (Okabe & Ito's palette, told apart with colour blindness) and dash patterns (told apart
# without colour) of the thematic streams, in order; a pairing with no stream is drawn grey and dotted.
STYLES = (
    ("#0072B2", ""),
    ("#D55E00", "7 3"),
    ("#009E73", "2 3"),
    ("#CC79A7", "9 3 2 3"),
    ("#E69F00", "4 2"),
    ("#56B4E9", "12 4"),
)
UNSTREAMED = {"label": "No thematic stream", "href": None, "colour": "#666666", "dash": "1 3"}

# Beyond this many pairings, the text beside the map of every pairing is their number per stream, with links
# to the list of pairings (the text version of the map), not a table of each: the page stays small.
TABLE_LIMIT = 150


@dataclass(frozen=True)
class Place:
    """A member of a pairing and where the map puts it."""

    iri: str
    label: str
    href: str | None
    kind: str
    country: str | None
    outline: str | None  # ISO 3166-1 numeric code of its country, when the atlas has that outline
    lat: float | None
    long: float | None

    @property
    def approximate(self) -> bool:
        """Whether the place is the centre of its country rather than its own coordinates."""
        return self.lat is None and self.outline is not None

    @property
    def placed(self) -> bool:
        """Whether the map can show it at all."""
        return self.lat is not None or self.outline is not None

    @property
    def note(self) -> str:
        """Where the map puts it, for people."""
        if self.lat is not None:
            return f"latitude {self.lat:g}, longitude {self.long:g} (GeoNames)"
        if self.outline is not None:
            return f"approximate: centre of {self.country}; the reference data has no coordinates for this {self.kind}"
        return f"not on the map: no coordinates for this {self.kind} and no outline of its country"

    def as_json(self) -> dict:
        """What map.js needs of the place (coordinates rounded to about 100 m)."""
        doc: dict[str, Any] = {"label": self.label, "href": self.href, "in": self.country, "outline": self.outline}
        if self.lat is not None and self.long is not None:  # a place has both or neither
            doc |= {"lat": round(self.lat, 3), "long": round(self.long, 3)}
        elif self.approximate:
            doc |= {"approximate": True, "note": self.note}
        return doc


@functools.cache
def outlines() -> frozenset[str]:
    """The ids (ISO 3166-1 numeric codes) of the countries the vendored atlas has an outline of."""
    topology = json.loads(ATLAS.read_text(encoding="utf-8"))
    return frozenset(g["id"] for g in topology["objects"]["countries"]["geometries"] if "id" in g)


def numeric_code(alpha3: str | None) -> str | None:
    """The ISO 3166-1 numeric code of an alpha-3 code (None for an unknown one)."""
    country = pycountry.countries.get(alpha_3=alpha3) if alpha3 else None
    return country.numeric if country else None


def places(pub: Published) -> dict[str, Place]:
    """Every member of a pairing, by IRI, with its place."""
    t = pub.term
    kinds = {r["class"].value: r["label"].value for r in pub.query(CLASS_LABELS, graph="ontology")}
    rows = sorted(
        pub.query(MAP_MEMBERS, graph="data", hasMember=t("hasMember"), country=t("country")),
        key=lambda r: tuple("" if v is None else v.value for v in r),
    )
    found: dict[str, Place] = {}
    for r in rows:
        iri = r["member"].value
        if iri in found:  # one row per member is enough (a second type or label adds nothing here)
            continue
        code = numeric_code(r["code"].value if r["code"] else None)
        has_point = r["lat"] is not None and r["long"] is not None
        found[iri] = Place(
            iri=iri,
            label=r["label"].value,
            href=pub.path_of(iri),
            kind=kinds.get(r["type"].value, "place").lower() if r["type"] else "place",
            country=r["countryLabel"].value if r["countryLabel"] else None,
            outline=code if code in outlines() else None,
            lat=float(r["lat"].value) if has_point else None,
            long=float(r["long"].value) if has_point else None,
        )
    return found


def themes(pub: Published) -> list[dict]:
    """The thematic streams in the brochure's order, each with its colour and dash pattern."""
    t = pub.term
    rows = pub.query(
        THEMES, graph="data", bindings={"class": t("ThematicStream"), "citiesAndRegions": t("citiesAndRegions")}
    )
    found = {}
    for r in rows:
        number = r["notation"].value if r["notation"] else ""
        found[r["theme"].value] = (
            int(number) if number.isdigit() else 1 << 30,
            r["label"].value,
            int(r["figure"].value) if r["figure"] else None,
        )
    ordered = sorted(found.items(), key=lambda item: item[1][:2])
    return [
        {
            "iri": iri,
            "label": label,
            "href": pub.path_of(iri),
            "figure": figure,
            "colour": STYLES[i % len(STYLES)][0],
            "dash": STYLES[i % len(STYLES)][1],
        }
        for i, (iri, (_, label, figure)) in enumerate(ordered)
    ]


def map_index(pub: Published) -> dict:
    """The whole store as the maps see it: places, streams and pairings (with their sides' members)."""
    t = pub.term
    pairings: dict[str, dict] = {}
    for r in pub.query(
        MAP_PAIRINGS,
        graph="data",
        hasSide=t("hasSide"),
        sideOrder=t("sideOrder"),
        sideMember=t("sideMember"),
        theme=t("theme"),
    ):
        p = pairings.setdefault(
            r["pairing"].value,
            {
                "iri": r["pairing"].value,
                "label": r["label"].value,
                "href": pub.path_of(r["pairing"].value),
                "sides": {},
                "streams": set(),
            },
        )
        p["sides"].setdefault(int(r["order"].value), set()).add(r["member"].value)  # 1 or 2 (the shapes say)
        if r["stream"] is not None:
            p["streams"].add(r["stream"].value)
    index: dict[str, Any] = {
        "places": places(pub),
        "themes": themes(pub),
        "pairings": dict(sorted(pairings.items(), key=lambda item: (item[1]["label"], item[0]))),
    }
    every = list(index["pairings"].values())
    members = [m for p in every for order in sorted(p["sides"]) for m in sorted(p["sides"][order])]
    index["world"] = view(index, "landing", every, members, "")
    index["world_json"] = world_json(index["world"])
    return index


def view(
    index: dict, mode: str, pairings: list[dict], members: list[str], description: str, subject: dict | None = None
) -> dict:
    """The data of one map: its pairings, the places they join (as map.js reads them, and as `Place`s:
    `shown`), the streams (legend) they are coloured by and, for the map of one pairing or member, its label
    and page (`subject`)."""
    by_iri = {th["iri"]: th for th in index["themes"]}
    styles = [
        by_iri[min(s for s in p["streams"] if s in by_iri)] if p["streams"] & by_iri.keys() else UNSTREAMED
        for p in pairings
    ]
    legend = [th for th in [*index["themes"], UNSTREAMED] if any(s is th for s in styles)]
    every = [index["places"][m] for m in dict.fromkeys(members) if m in index["places"]]  # those with a label
    shown = [p for p in every if p.placed]
    number = {p.iri: i for i, p in enumerate(shown)}
    drawn = [
        {
            "label": p["label"],
            "href": p["href"],
            "theme": legend.index(style),
            "sides": [[number[m] for m in sorted(p["sides"][side]) if m in number] for side in sorted(p["sides"])],
        }
        for p, style in zip(pairings, styles, strict=True)
    ]
    return {
        "mode": mode,
        "description": description,
        "subject": subject,
        "themes": [
            {
                "label": th["label"],
                "colour": th["colour"],
                "dash": th["dash"],
                "href": th["href"],
                "list": "/pairings?" + urlencode({"theme": facet_value(th["iri"])}) if "iri" in th else None,
                "n": sum(1 for s in styles if s is th),
            }
            for th in legend
        ],
        "places": [p.as_json() for p in shown],
        "shown": shown,
        "pairings": drawn,
        "unplaced": [{"label": p.label, "href": p.href, "note": p.note} for p in every if not p.placed],
        "approximate": any(p.approximate for p in shown),
        "exact": any(not p.approximate for p in shown),
    }


def embedded(data: dict) -> dict:
    """A view with the JSON map.js reads embedded in the page (`json`): for the small maps of one pairing
    or member."""
    keys = [{k: th[k] for k in ("label", "colour", "dash")} for th in data["themes"]]
    return data | {
        "json": script_json(
            {"mode": data["mode"], "themes": keys, "places": data["places"], "pairings": data["pairings"]}
        )
    }


def world_json(world: dict) -> bytes:
    """The map of every pairing as map.js fetches it, compact: places as [longitude, latitude, label, path]
    (degrees rounded to 0.01, finer than a 1:110m map shows), or [null, null, label, path, outline] for an
    approximate one, with the names of those outlines' countries (`countries`); pairings as [place indexes
    of each side, stream index, path]; the streams."""
    shown = world["shown"]
    places = [
        [round(p.long, 2), round(p.lat, 2), p.label, p.href]
        if p.lat is not None
        else [None, None, p.label, p.href, p.outline]
        for p in shown
    ]
    doc = {
        "mode": "landing",
        "themes": [{k: th[k] for k in ("label", "colour", "dash")} for th in world["themes"]],
        "places": places,
        "countries": {p.outline: p.country for p in shown if p.approximate},
        "pairings": [[p["sides"], p["theme"], p["href"]] for p in world["pairings"]],
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def script_json(doc: dict) -> str:
    """Compact JSON safe to embed in a script element (what map.js reads)."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def landing_map(pub: Published) -> dict:
    """The world map of every pairing (from the index of the store, computed once); beyond TABLE_LIMIT
    pairings its text is a summary per stream (`summary`) rather than a table of each."""
    world = pub.once(map_index)["world"]
    n, summary = len(world["pairings"]), len(world["pairings"]) > TABLE_LIMIT
    below = (
        "Below, their number per thematic stream, with links to the list of pairings."
        if summary
        else "The table below lists them."
    )
    return world | {
        "summary": summary,
        "description": f"World map of the {n:,} pairings of the IUC programme: a line joins the cities "
        f"and regions of each pairing, coloured and dashed by thematic stream. {below}",
    }


def landing_json(pub: Published) -> bytes:
    """The data of the map of every pairing, as /map/pairings.json serves it (serialised once per store)."""
    return pub.once(map_index)["world_json"]


def pairing_map(pub: Published, pairing_iri: str) -> dict | None:
    """The map of one pairing (its members and the arcs between them), or None for an IRI not a pairing."""
    index = pub.once(map_index)
    pairing = index["pairings"].get(pairing_iri)
    if pairing is None:
        return None
    members = [m for order in sorted(pairing["sides"]) for m in sorted(pairing["sides"][order])]
    names = " and ".join(index["places"][m].label for m in members if m in index["places"])
    return embedded(
        view(
            index,
            "pairing",
            [pairing],
            members,
            f"Map of the pairing {pairing['label']}: where {names} are, and the line between them.",
            {"label": pairing["label"], "href": pairing["href"]},
        )
    )


def member_map(pub: Published, member_iri: str) -> dict | None:
    """The map of one member in its country, or None for an IRI not a member of a pairing."""
    index = pub.once(map_index)
    place = index["places"].get(member_iri)
    if place is None:
        return None
    where = f" in {place.country}" if place.country else ""
    return embedded(
        view(
            index,
            "member",
            [],
            [member_iri],
            f"Map of {place.label}{where}: {place.note}.",
            {"label": place.label, "href": place.href},
        )
    )
