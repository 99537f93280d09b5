"""The IUC in figures (/charts): what the graph holds of the programme, as horizontal bar charts.

The charts are drawn on the server as SVG (`_charts.html`), readable without colour (every bar has its
label and number printed on it and a title) and each followed by a table of the same numbers. Bars are
sorted by count (largest first), then label.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ..namespaces import SDGO
from .queries import PREFIXES
from .state import Published

# Per thematic stream: pairings and their cities and regions in the graph, and the brochure's own figure.
THEME_FIGURES = (
    PREFIXES
    + """
SELECT ?class ?theme ?hasMember ?citiesAndRegions ?item ?label ?figure
       (COUNT(DISTINCT ?pairing) AS ?pairings) (COUNT(DISTINCT ?member) AS ?members) WHERE {
  ?item a ?class ; skos:prefLabel ?label .
  OPTIONAL { ?item ?citiesAndRegions ?figure }
  OPTIONAL { ?pairing ?theme ?item ; ?hasMember ?member }
}
GROUP BY ?class ?theme ?hasMember ?citiesAndRegions ?item ?label ?figure
"""
)

# Per country: the pairings a city or region of it is in, and whether it is an EU Member State.
COUNTRY_FIGURES = (
    PREFIXES
    + """
SELECT ?hasMember ?country ?euMemberState ?item ?label ?eu (COUNT(DISTINCT ?pairing) AS ?n) WHERE {
  ?pairing ?hasMember ?member . ?member ?country ?item . ?item rdfs:label ?label .
  OPTIONAL { ?item ?euMemberState ?eu }
}
GROUP BY ?hasMember ?country ?euMemberState ?item ?label ?eu
"""
)

# Per SDG goal: the pairings aligned to it or to one of its targets (over every graph: the goals are in
# the SDG graph, the alignments in the data graph).
SDG_FIGURES = (
    PREFIXES
    + """
SELECT ?class ?alignment ?alignedTo ?item (MIN(?name) AS ?title) (COUNT(DISTINCT ?pairing) AS ?n) WHERE {
  ?item a ?class ; skos:prefLabel ?label . FILTER (lang(?label) = "en")
  OPTIONAL { ?item skos:altLabel ?short . FILTER (lang(?short) = "en") }
  BIND (CONCAT("Goal ", STRAFTER(STR(?item), "sdg/"), ": ", COALESCE(?short, ?label)) AS ?name)
  OPTIONAL { ?pairing ?alignment ?a . ?a ?alignedTo ?target . ?target skos:broader* ?item }
}
GROUP BY ?class ?alignment ?alignedTo ?item
"""
)

# Per Urban Agenda topic: the pairings aligned to it (not the thematic streams linked to it).
TOPIC_FIGURES = (
    PREFIXES
    + """
SELECT ?class ?alignment ?alignedTo ?item ?label (COUNT(DISTINCT ?pairing) AS ?n) WHERE {
  ?item a ?class ; skos:prefLabel ?label .
  OPTIONAL { ?pairing ?alignment ?a . ?a ?alignedTo ?item }
}
GROUP BY ?class ?alignment ?alignedTo ?item ?label
"""
)

PAIRINGS = ("{n} pairing", "{n} pairings")
PAIRINGS_IN_GRAPH = ("{n} pairing in the graph", "{n} pairings in the graph")
# Characters of a bar's label on one line (the label wraps above its bars, 13 px text on a 390 px phone).
LABEL_WIDTH = 44
# Heights in px of a label's line, of a bar and of the space after a row.
LINE, BAR, ROW_GAP = 18, 22, 12


@dataclass
class Bar:
    """One labelled row of a chart: a value per series."""

    label: str
    href: str | None
    values: list[int]

    @property
    def lines(self) -> list[str]:
        """The label, wrapped to fit a phone's width."""
        return textwrap.wrap(self.label, LABEL_WIDTH) or [""]


@dataclass
class Chart:
    """A horizontal bar chart: its series (what each bar of a row counts) and its rows, sorted."""

    id: str
    title: str
    note: str
    heading: str  # what a row is: "Country"
    series: list[tuple[str, str]]  # how a value is said, of 1 and of more: "{n} pairings in the graph"
    columns: list[str]  # the table's column headings, one per series
    bars: list[Bar] = field(default_factory=list)
    more_href: str | None = None  # where the rows past MAX_BARS are listed
    more: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.bars.sort(key=lambda b: (-b.values[0], b.label.casefold(), b.label))
        if self.more_href and len(self.bars) > MAX_BARS:  # a page stays readable (and < 100 kB) at any scale
            self.more, self.bars = len(self.bars) - MAX_BARS, self.bars[:MAX_BARS]

    @property
    def largest(self) -> int:
        """The largest value of the chart (the bars' common scale), at least 1."""
        return max([1, *(v for b in self.bars for v in b.values)])

    def rows(self) -> list[dict]:
        """Where each row goes in the SVG: its label's lines and its bars (y in px, length in % of the width)."""
        laid, y = [], 0
        for bar in self.bars:
            lines = [(text, y + LINE * (i + 1) - 4) for i, text in enumerate(bar.lines)]
            top = y + LINE * len(lines) + 3
            rects = [
                {
                    "y": top + s * (BAR + 3),
                    "text_y": top + s * (BAR + 3) + BAR - 6,
                    "length": round(100 * n / self.largest, 2),
                    "pattern": s,
                    "text": self.say(s, n),
                }
                for s, n in enumerate(bar.values)
            ]
            laid.append({"bar": bar, "lines": lines, "rects": rects})
            y = top + len(rects) * (BAR + 3) + ROW_GAP
        return laid

    @property
    def height(self) -> int:
        """The height of the SVG in px."""
        return sum(LINE * len(b.lines) + 3 + len(b.values) * (BAR + 3) + ROW_GAP for b in self.bars)

    def say(self, series: int, n: int) -> str:
        """A value of a series in words: "1 pairing", "16 pairings in the graph"."""
        one, many = self.series[series]
        return (one if n == 1 else many).format(n=n)


# Bars a chart of countries shows at most; the list of countries holds the others.
MAX_BARS = 30


def href(pub: Published, iri: str) -> str:
    """The page of an IRI of this dataset, or the IRI itself."""
    return pub.path_of(iri) or iri


def one_per_item(pub: Published, rows, label: str, values: Callable[[Any], list[int]]) -> list[Bar]:
    """A bar per ?item of the rows (the first row of an item with two labels), labelled by ?label."""
    bars: dict[str, Bar] = {}
    for r in sorted(rows, key=lambda r: r[label].value):
        bars.setdefault(r["item"].value, Bar(r[label].value, href(pub, r["item"].value), values(r)))
    return list(bars.values())


def theme_chart(pub: Published) -> Chart:
    """Pairings and their cities and regions per thematic stream, beside the brochure's figure."""
    t = pub.term
    rows = pub.query(
        THEME_FIGURES,
        graph="data",
        bindings={
            "class": t("ThematicStream"),
            "theme": t("theme"),
            "hasMember": t("hasMember"),
            "citiesAndRegions": t("citiesAndRegions"),
        },
    )
    return Chart(
        "themes",
        "Pairings per thematic stream",
        "What the graph holds of each stream (the pairings the brochure describes, and their cities and "
        "regions) beside the brochure's own count of the cities and regions of the stream.",
        "Thematic stream",
        [
            PAIRINGS_IN_GRAPH,
            ("{n} city or region in the graph", "{n} cities and regions in the graph"),
            (
                "{n} city or region in the programme (the brochure)",
                "{n} cities and regions in the programme (the brochure)",
            ),
        ],
        ["Pairings in the graph", "Cities and regions in the graph", "Cities and regions in the programme"],
        one_per_item(
            pub,
            rows,
            "label",
            lambda r: [int(r["pairings"].value), int(r["members"].value), int(r["figure"].value) if r["figure"] else 0],
        ),
    )


def country_charts(pub: Published) -> list[Chart]:
    """Pairings per country: the EU side and the partner side, when the graph says which countries are
    EU Member States (iuc:euMemberState), else one chart of every country."""
    t = pub.term
    rows = list(
        pub.query(
            COUNTRY_FIGURES,
            graph="data",
            hasMember=t("hasMember"),
            country=t("country"),
            euMemberState=t("euMemberState"),
        )
    )
    bars = {
        r["item"].value: (
            Bar(r["label"].value, href(pub, r["item"].value), [int(r["n"].value)]),
            r["eu"].value in ("true", "1") if r["eu"] is not None else None,
        )
        for r in rows
    }
    series, columns = [PAIRINGS], ["Pairings"]
    if all(eu is None for _, eu in bars.values()):
        return [
            Chart(
                "countries",
                "Pairings per country",
                "The pairings a city or region of the country is in.",
                "Country",
                series,
                columns,
                [bar for bar, _ in bars.values()],
                "/countries?sort=pairings&desc=1",
            )
        ]
    sides = [
        ("eu", "The EU side: pairings per EU Member State", True, "EU"),
        ("partners", "The partner side: pairings per partner country", False, "partner"),
        ("unstated", "Pairings per country the graph does not say is in the EU or not", None, "unknown"),
    ]
    return [
        Chart(
            f"countries-{key}",
            title,
            "The pairings a city or region of the country is in.",
            "Country",
            series,
            columns,
            [bar for bar, eu in bars.values() if eu is flag],
            f"/countries?side={side}&sort=pairings&desc=1",
        )
        for key, title, flag, side in sides
        if any(eu is flag for _, eu in bars.values())
    ]


def sdg_chart(pub: Published) -> Chart:
    """Pairings per Sustainable Development Goal, through their (derived) alignments."""
    t = pub.term
    rows = pub.query(
        SDG_FIGURES,
        bindings={"class": ox.NamedNode(str(SDGO.Goal)), "alignment": t("alignment"), "alignedTo": t("alignedTo")},
    )
    return Chart(
        "sdgs",
        "Pairings per Sustainable Development Goal",
        "Derived by the curators' mapping: the pairings aligned to the goal or to one of its targets.",
        "Goal",
        [PAIRINGS],
        ["Pairings"],
        one_per_item(pub, rows, "title", lambda r: [int(r["n"].value)]),
    )


def topic_chart(pub: Published) -> Chart:
    """Pairings per topic of the Urban Agenda for the EU, through their (derived) alignments."""
    t = pub.term
    rows = pub.query(
        TOPIC_FIGURES,
        graph="data",
        bindings={"class": t("UrbanAgendaTopic"), "alignment": t("alignment"), "alignedTo": t("alignedTo")},
    )
    return Chart(
        "topics",
        "Pairings per Urban Agenda topic",
        "Derived by the curators' mapping: the pairings aligned to the topic.",
        "Topic",
        [PAIRINGS],
        ["Pairings"],
        one_per_item(pub, rows, "label", lambda r: [int(r["n"].value)]),
    )


def figures(pub: Published) -> list[Chart]:
    """Every chart of the page, in order (computed once per store: pass it to `Published.once`)."""
    return [theme_chart(pub), *country_charts(pub), sdg_chart(pub), topic_chart(pub)]
