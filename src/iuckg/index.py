"""The people's index of a build: the lists (pairings, members, countries) with their facets, and a full-text
search over every label, in one SQLite file written beside the dumps.

The index is derived from the gated graph as the store holds it, never from the data files, so a list or a
search answers what the SPARQL endpoint answers. Labels are matched case- and accent-insensitively by word
prefix (SQLite FTS5, `unicode61 remove_diacritics 2`); lists sort by the Unicode Collation Algorithm (pyuca).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from .collation import sort_key as collation_key
from .namespaces import Minter, href_of

PREFIXES = """
PREFIX iuc: <{iuc}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sdgo: <http://metadata.un.org/sdg/ontology#>
"""

# One row per member of each side of each pairing.
PAIRING_SIDES = """
SELECT ?pairing ?label ?kind ?kindLabel ?theme ?themeLabel ?caseTitle ?order ?member ?memberLabel
       ?memberType ?typeLabel ?country ?countryLabel ?code ?eu WHERE {
  ?pairing iuc:hasSide ?side ; rdfs:label ?label ; iuc:programmeComponent ?kind .
  ?kind rdfs:label ?kindLabel .
  ?side iuc:sideOrder ?order ; iuc:sideMember ?member .
  ?member rdfs:label ?memberLabel ; iuc:country ?country ; a ?memberType .
  ?memberType rdfs:subClassOf iuc:Member ; rdfs:label ?typeLabel .
  ?country rdfs:label ?countryLabel ; skos:notation ?code .
  OPTIONAL { ?country iuc:euMemberState ?eu }
  OPTIONAL { ?pairing iuc:theme ?theme . ?theme rdfs:label ?themeLabel }
  OPTIONAL { ?pairing iuc:caseStudy/dcterms:title ?caseTitle }
}"""

# The SDG goals and targets and the Urban Agenda topics each pairing is aligned to; a pairing aligned to
# a target is aligned to its goal as well.
PAIRING_ALIGNMENTS = """
SELECT DISTINCT ?pairing ?target ?kind WHERE {
  ?pairing iuc:alignment/iuc:alignedTo ?aligned .
  { ?aligned a sdgo:Goal BIND("sdg" AS ?kind) BIND(?aligned AS ?target) }
  UNION { ?aligned a sdgo:Target BIND("target" AS ?kind) BIND(?aligned AS ?target) }
  UNION { ?aligned a sdgo:Target ; skos:broader ?target . ?target a sdgo:Goal BIND("sdg" AS ?kind) }
  UNION { ?aligned a iuc:UrbanAgendaTopic BIND("topic" AS ?kind) BIND(?aligned AS ?target) }
}"""

# Labels of SDG goals and targets: "Goal 11" / "Target 11.1" notes and the English names.
SDG_CONCEPTS = """
SELECT ?concept ?note ?name ?alt ?code WHERE {
  ?concept skos:inScheme <http://metadata.un.org/sdg> ; skos:note ?note ; skos:prefLabel ?name .
  { ?concept a sdgo:Goal } UNION { ?concept a sdgo:Target }
  ?concept skos:notation ?code . FILTER(datatype(?code) = sdgo:SDGCodeCompact)
  OPTIONAL { ?concept skos:altLabel ?alt FILTER(lang(?alt) = "en") }
  FILTER(lang(?note) = "en" && lang(?name) = "en")
}"""

# Everything else a person may look for by name: themes, topics, actions, with all their labels.
NAMED = """
SELECT ?thing ?kind ?label ?pairing WHERE {
  { ?thing a iuc:ThematicStream BIND("theme" AS ?kind) }
  UNION { ?thing a iuc:UrbanAgendaTopic BIND("topic" AS ?kind) }
  UNION { ?thing a/rdfs:subClassOf* iuc:Action BIND("action" AS ?kind) OPTIONAL { ?pairing iuc:action ?thing } }
  ?thing rdfs:label|skos:prefLabel|skos:altLabel ?label .
}"""

# Other names of members and countries (the brochure's own spellings, codes).
ALT_LABELS = """
SELECT ?thing ?label WHERE {
  { ?thing a/rdfs:subClassOf iuc:Member } UNION { ?thing a iuc:Country }
  ?thing skos:prefLabel|skos:altLabel|skos:notation ?label .
}"""

SCHEMA = """
CREATE TABLE pairing (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, path TEXT NOT NULL, label TEXT NOT NULL,
  kind TEXT NOT NULL, kind_label TEXT NOT NULL, theme TEXT, theme_label TEXT, case_title TEXT,
  eu_side TEXT, eu_countries TEXT, partner_side TEXT, partner_countries TEXT,
  members TEXT NOT NULL, countries TEXT NOT NULL,
  key_label INTEGER, key_kind INTEGER, key_theme INTEGER, key_eu_side INTEGER, key_partner_side INTEGER, key_case_title INTEGER
);
CREATE TABLE member (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, path TEXT NOT NULL, label TEXT NOT NULL,
  kind TEXT NOT NULL, kind_label TEXT NOT NULL, country TEXT NOT NULL, country_label TEXT NOT NULL,
  side TEXT NOT NULL, partners TEXT NOT NULL, pairings TEXT NOT NULL, themes TEXT NOT NULL,
  key_label INTEGER, key_kind_label INTEGER, key_country_label INTEGER, key_side INTEGER, key_partners INTEGER
);
CREATE TABLE country (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, path TEXT NOT NULL, label TEXT NOT NULL, code TEXT NOT NULL,
  side TEXT NOT NULL, pairings INTEGER NOT NULL, members INTEGER NOT NULL,
  key_label INTEGER, key_code INTEGER, key_side INTEGER
);
-- What each row of a list can be filtered by: (list, row, facet, value, label).
CREATE TABLE facet (list TEXT NOT NULL, row INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL,
                    label TEXT NOT NULL, key INTEGER);
CREATE INDEX facet_list ON facet (list);
-- One row per findable thing; `names` holds every label it can be found by.
CREATE VIRTUAL TABLE search USING fts5(
  names, label UNINDEXED, kind UNINDEXED, path UNINDEXED, context UNINDEXED, rank_boost UNINDEXED,
  tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3'
);
"""

# Kinds of search results, in the order result groups are shown, with their headings.
KINDS = {
    "member": "Cities and regions",
    "pairing": "Pairings",
    "country": "Countries",
    "theme": "Thematic streams",
    "topic": "Urban Agenda topics",
    "sdg": "Sustainable Development Goals",
    "target": "SDG targets",
    "action": "Actions",
}
SIDES = {True: "EU", False: "partner", None: "unknown"}


def joined(values) -> str:
    """Distinct values joined with '; ', in UCA order."""
    return "; ".join(sorted(set(values), key=lambda v: (collation_key(v), v)))


@dataclass
class Side:
    """The members of one side of a pairing."""

    members: dict[str, str]  # iri -> label
    countries: dict[str, str]  # iri -> label
    eu: bool | None


def path_of(iri: str, base: str) -> str:
    """The server path of a minted IRI (an SDG concept's local page for the UN's IRIs)."""
    return href_of(iri, base) or iri


def facet_value(iri: str) -> str:
    """The value that stands for an IRI in a list's facet (its last segment: ?theme=mobility-transport)."""
    return iri.rstrip("/").rsplit("/", 1)[-1]


def write_index(quads: bytes, base: str, path: Path) -> None:
    """Write the index of a build's N-Quads (as the store holds them) to a new SQLite file."""
    store = ox.Store()
    store.bulk_load(quads, format=ox.RdfFormat.N_QUADS)
    prefixes = PREFIXES.format(iuc=str(Minter(base).iuc))

    def select(text: str) -> list:
        # in a fixed order: Oxigraph's answers come in an order that may change from process to process
        solutions = cast(ox.QuerySolutions, store.query(prefixes + text, use_default_graph_as_union=True))  # a SELECT
        return sorted(
            solutions,
            key=lambda row: tuple("" if v is None else str(v) for v in row),
        )

    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        Writer(db, base, select).write()
        db.commit()
        db.execute("INSERT INTO search(search) VALUES ('optimize')")
        db.commit()
        db.execute("VACUUM")
    finally:
        db.close()


class Writer:
    """Fills the tables of a new index from SPARQL answers over the build's graph."""

    def __init__(self, db: sqlite3.Connection, base: str, select) -> None:
        self.db, self.base, self.select = db, base, select
        self.facets: list[tuple] = []
        self.search: list[tuple] = []

    def facet(self, list_: str, row: int, facet: str, value_iri: str, label: str) -> None:
        """Record that a row of a list has a facet value (its short value is the IRI's last segment)."""
        self.facets.append((list_, row, facet, facet_value(value_iri), label, None))

    def find(self, names, label: str, kind: str, iri: str, context: str = "", boost: int = 0) -> None:
        """Make a thing findable by every one of its names."""
        self.search.append((" ; ".join(sorted(set(names))), label, kind, path_of(iri, self.base), context, boost))

    def write(self) -> None:
        """Write every table."""
        pairings, sides, member_rows = self.read_pairings()
        alignments = self.read_alignments()
        sdg_labels = self.sdg_labels()
        alt = defaultdict(set)
        for row in self.select(ALT_LABELS):
            alt[row["thing"].value].add(row["label"].value)
        self.write_pairings(pairings, sides, alignments, sdg_labels)
        self.write_members(member_rows, sides, pairings, alt)
        self.write_countries(member_rows, sides, alt)
        used = {target for targets in alignments.values() for target, kind in targets if kind != "topic"}
        for iri, (label, names) in sdg_labels.items():
            if iri in used:
                kind = "sdg" if "." not in iri.rsplit("/", 1)[1] else "target"
                self.find(names, label, kind, iri)
        self.write_named(pairings)
        self.db.executemany("INSERT INTO facet VALUES (?, ?, ?, ?, ?, ?)", self.facets)
        self.db.executemany(
            "INSERT INTO search(names, label, kind, path, context, rank_boost) VALUES (?, ?, ?, ?, ?, ?)", self.search
        )
        self.rank("facet", "label", "key")
        for list_ in LISTS.values():
            for column, key in list_.sortable.items():
                if key != column:
                    self.rank(list_.table, column, key)
                self.db.execute(f"CREATE INDEX {list_.table}_{key} ON {list_.table} ({key}, id)")

    def rank(self, table: str, column: str, key: str) -> None:
        """Fill a key column with each row's rank in the Unicode Collation Algorithm's order of a text column."""
        rows = self.db.execute(f"SELECT rowid, {column} FROM {table}").fetchall()
        order = sorted({value for _, value in rows}, key=lambda v: (collation_key(v or ""), v or ""))
        ranks = {value: n for n, value in enumerate(order)}
        self.db.executemany(f"UPDATE {table} SET {key} = ? WHERE rowid = ?", ((ranks[v], i) for i, v in rows))

    def read_pairings(self) -> tuple[dict[str, dict], dict[str, dict[int, Side]], dict[str, dict]]:
        """Pairings, their sides, and each member's rows, from the graph."""
        pairings: dict[str, dict] = {}
        sides: dict[str, dict[int, Side]] = defaultdict(dict)
        member_rows: dict[str, dict] = {}
        for row in self.select(PAIRING_SIDES):
            iri = row["pairing"].value
            pairings.setdefault(
                iri,
                {
                    "label": row["label"].value,
                    "kind": row["kind"].value,
                    "kind_label": row["kindLabel"].value,
                    "theme": row["theme"].value if row["theme"] else None,
                    "theme_label": row["themeLabel"].value if row["themeLabel"] else None,
                    "case_title": row["caseTitle"].value if row["caseTitle"] else None,
                },
            )
            eu = row["eu"].value == "true" if row["eu"] else None
            side = sides[iri].setdefault(int(row["order"].value), Side({}, {}, eu))
            member, country = row["member"].value, row["country"].value
            side.members[member] = row["memberLabel"].value
            side.countries[country] = row["countryLabel"].value
            member_rows.setdefault(
                member,
                {
                    "label": row["memberLabel"].value,
                    "kind": row["memberType"].value,
                    "kind_label": row["typeLabel"].value,
                    "country": country,
                    "country_label": row["countryLabel"].value,
                    "code": row["code"].value,
                    "eu": eu,
                    "pairings": {},
                },
            )["pairings"][iri] = int(row["order"].value)
        return pairings, sides, member_rows

    def read_alignments(self) -> dict[str, set[tuple[str, str]]]:
        """The targets each pairing is aligned to, with their kind (sdg, target, topic)."""
        targets: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for row in self.select(PAIRING_ALIGNMENTS):
            targets[row["pairing"].value].add((row["target"].value, row["kind"].value))
        return targets

    def sdg_labels(self) -> dict[str, tuple[str, set[str]]]:
        """Each SDG goal's and target's label ("Goal 11: Sustainable cities and communities") and names."""
        labels: dict[str, tuple[str, set[str]]] = {}
        for row in self.select(SDG_CONCEPTS):
            note, name = row["note"].value, row["name"].value
            short = row["alt"].value if row["alt"] else name
            iri = row["concept"].value
            label = f"{note}: {short}"
            names = labels.get(iri, (label, set()))[1] | {note, name, short, "SDG " + row["code"].value}
            labels[iri] = (label, names)
        return labels

    def side_order(self, iri: str, sides: dict[str, dict[int, Side]]) -> tuple[Side | None, Side | None]:
        """The EU side and the partner side of a pairing (by sideOrder when no side is marked as EU)."""
        by_order = [sides[iri][k] for k in sorted(sides[iri])]
        eu = [s for s in by_order if s.eu]
        partner = [s for s in by_order if s.eu is False]
        if len(eu) == 1 and len(partner) == 1:
            return eu[0], partner[0]
        return (by_order + [None, None])[0], (by_order + [None, None])[1]

    def write_pairings(self, pairings, sides, alignments, sdg_labels) -> None:
        """The pairings list, its facets and the pairings' search entries."""
        topic_labels: dict[str, str] = {}
        for row in self.select(NAMED):
            if row["kind"].value == "topic":
                topic_labels.setdefault(row["thing"].value, row["label"].value)
        order = sorted(pairings, key=lambda iri: (collation_key(pairings[iri]["label"]), iri))
        for n, iri in enumerate(order, start=1):
            p = pairings[iri]
            eu, partner = self.side_order(iri, sides)
            members = {m: label for side in sides[iri].values() for m, label in side.members.items()}
            countries = {c: label for side in sides[iri].values() for c, label in side.countries.items()}
            cols = {
                "label": p["label"],
                "kind_label": p["kind_label"],
                "theme_label": p["theme_label"],
                "case_title": p["case_title"],
                "eu_side": " & ".join(eu.members.values()) if eu else None,
                "eu_countries": joined(eu.countries.values()) if eu else None,
                "partner_side": " & ".join(partner.members.values()) if partner else None,
                "partner_countries": joined(partner.countries.values()) if partner else None,
            }
            self.db.execute(
                "INSERT INTO pairing VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    n,
                    iri,
                    path_of(iri, self.base),
                    p["label"],
                    p["kind"],
                    p["kind_label"],
                    p["theme"],
                    p["theme_label"],
                    p["case_title"],
                    cols["eu_side"],
                    cols["eu_countries"],
                    cols["partner_side"],
                    cols["partner_countries"],
                    joined(members.values()),
                    joined(countries.values()),
                    *[None] * 6,
                ),
            )
            self.facet("pairing", n, "kind", p["kind"], p["kind_label"])
            if p["theme"]:
                self.facet("pairing", n, "theme", p["theme"], p["theme_label"])
            for country, label in countries.items():
                self.facet("pairing", n, "country", country, label)
            for target, kind in sorted(alignments.get(iri, ())):
                if kind == "sdg":
                    self.facet("pairing", n, "sdg", target, sdg_labels[target][0])
                elif kind == "topic":
                    self.facet("pairing", n, "topic", target, topic_labels.get(target, target))
            context = " · ".join(x for x in (p["theme_label"], joined(countries.values())) if x)
            self.find([p["label"], *members.values(), p["case_title"] or ""], p["label"], "pairing", iri, context)

    def write_members(self, member_rows, sides, pairings, alt) -> None:
        """The members list, its facets and the members' search entries."""
        order = sorted(member_rows, key=lambda iri: (collation_key(member_rows[iri]["label"]), iri))
        for n, iri in enumerate(order, start=1):
            m = member_rows[iri]
            partners = {}
            for pairing, own_order in m["pairings"].items():
                for order_, side in sides[pairing].items():
                    if order_ != own_order:
                        partners.update({k: f"{v}" for k, v in side.members.items()})
            pairing_labels = [pairings[p]["label"] for p in m["pairings"]]
            themes = {pairings[p]["theme"]: pairings[p]["theme_label"] for p in m["pairings"] if pairings[p]["theme"]}
            side = SIDES[m["eu"]]
            self.db.execute(
                "INSERT INTO member VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    n,
                    iri,
                    path_of(iri, self.base),
                    m["label"],
                    m["kind"],
                    m["kind_label"],
                    m["country"],
                    m["country_label"],
                    side,
                    joined(partners.values()),
                    joined(pairing_labels),
                    joined(themes.values()),
                    *[None] * 5,
                ),
            )
            self.facet("member", n, "kind", m["kind"], m["kind_label"])
            self.facet("member", n, "country", m["country"], m["country_label"])
            self.facet("member", n, "side", side, f"{side.capitalize()} side")
            for theme, label in themes.items():
                self.facet("member", n, "theme", theme, label)
            context = f"{m['kind_label']} · {m['country_label']} · " + "; ".join(sorted(pairing_labels))
            self.find([m["label"], *alt[iri]], m["label"], "member", iri, context, boost=1)

    def write_countries(self, member_rows, sides, alt) -> None:
        """The countries list and the countries' search entries."""
        countries: dict[str, dict] = {}
        for iri, m in member_rows.items():
            c = countries.setdefault(
                m["country"],
                {"label": m["country_label"], "code": m["code"], "eu": m["eu"], "members": set(), "pairings": set()},
            )
            c["members"].add(iri)
            c["pairings"].update(m["pairings"])
        order = sorted(countries, key=lambda iri: (collation_key(countries[iri]["label"]), iri))
        for n, iri in enumerate(order, start=1):
            c = countries[iri]
            side = SIDES[c["eu"]]
            self.db.execute(
                "INSERT INTO country VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    n,
                    iri,
                    path_of(iri, self.base),
                    c["label"],
                    c["code"],
                    side,
                    len(c["pairings"]),
                    len(c["members"]),
                    None,
                    None,
                    None,
                ),
            )
            self.facet("country", n, "side", side, f"{side.capitalize()} side")
            context = f"{len(c['pairings'])} pairing{'s' if len(c['pairings']) != 1 else ''}"
            self.find([c["label"], *alt[iri]], c["label"], "country", iri, context)

    def write_named(self, pairings) -> None:
        """Search entries of themes, topics and actions."""
        names: dict[tuple[str, str], set[str]] = defaultdict(set)
        contexts: dict[str, str] = {}
        for row in self.select(NAMED):
            key = (row["thing"].value, row["kind"].value)
            names[key].add(row["label"].value)
            if row["pairing"] is not None and row["pairing"].value in pairings:
                contexts[key[0]] = pairings[row["pairing"].value]["label"]
        for (iri, kind), labels in names.items():
            label = min(labels, key=lambda v: (collation_key(v), v))
            self.find(labels, label, kind, iri, contexts.get(iri, ""))


WORD = re.compile(r"\w+", re.UNICODE)


def match_expression(text: str) -> str | None:
    """An FTS5 query finding every word of a person's text as a word prefix ("san sebast" -> "san"* "sebast"*)."""
    words = WORD.findall(text)[:12]
    return " ".join(f'"{w}"*' for w in words) if words else None


@dataclass(frozen=True)
class Column:
    """A column of a list: its name (in CSV and JSON), heading, and the column holding its link, if any."""

    name: str
    heading: str
    link: str | None = None
    number: bool = False


@dataclass(frozen=True)
class ListSpec:
    """A list people can sort, filter by facets and download."""

    name: str
    table: str
    title: str
    columns: tuple[Column, ...]
    sortable: dict[str, str]  # column name -> its sort-key column
    facets: dict[str, str]  # facet name -> heading
    default_sort: str


LISTS = {
    "pairings": ListSpec(
        "pairings",
        "pairing",
        "Pairings",
        (
            Column("label", "Pairing", "path"),
            Column("eu_side", "EU side"),
            Column("eu_countries", "EU country"),
            Column("partner_side", "Partner side"),
            Column("partner_countries", "Partner country"),
            Column("kind_label", "Kind"),
            Column("theme_label", "Theme"),
            Column("case_title", "Case study"),
        ),
        {
            "label": "key_label",
            "eu_side": "key_eu_side",
            "partner_side": "key_partner_side",
            "kind_label": "key_kind",
            "theme_label": "key_theme",
            "case_title": "key_case_title",
        },
        {"theme": "Theme", "kind": "Kind", "country": "Country", "sdg": "SDG", "topic": "Urban Agenda topic"},
        "label",
    ),
    "members": ListSpec(
        "members",
        "member",
        "Cities and regions",
        (
            Column("label", "Name", "path"),
            Column("kind_label", "Kind"),
            Column("country_label", "Country"),
            Column("side", "Side"),
            Column("partners", "Partners"),
            Column("themes", "Theme"),
        ),
        {
            "label": "key_label",
            "kind_label": "key_kind_label",
            "country_label": "key_country_label",
            "side": "key_side",
            "partners": "key_partners",
        },
        {"kind": "Kind", "country": "Country", "side": "Side", "theme": "Theme"},
        "label",
    ),
    "countries": ListSpec(
        "countries",
        "country",
        "Countries",
        (
            Column("label", "Country", "path"),
            Column("code", "Code"),
            Column("side", "Side"),
            Column("pairings", "Pairings", number=True),
            Column("members", "Cities and regions", number=True),
        ),
        {"label": "key_label", "code": "key_code", "side": "key_side", "pairings": "pairings", "members": "members"},
        {"side": "Side"},
        "label",
    ),
}


@dataclass
class Page:
    """One page of a filtered, sorted list."""

    rows: list[sqlite3.Row]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: its short value, label, rank of its label, and the rows that have it (a bit set)."""

    value: str
    label: str
    rank: int
    rows: int

    @property
    def n(self) -> int:
        """How many rows have this value."""
        return self.rows.bit_count()


@dataclass
class ListData:
    """What a list's pages are computed from, held in memory: each facet value's rows as a bit set, and the
    order of the rows by each sortable column. Counting a facet value among the filtered rows is then one AND
    of two integers, where SQLite's GROUP BY over the facet table takes tens of ms at 10,000 pairings."""

    every: int
    facets: dict[str, dict[str, FacetValue]]
    orders: dict[str, list[int]]


def ones(bits: int) -> set[int]:
    """The positions of the bits set in an integer."""
    text = bin(bits)[:1:-1]  # least significant bit first
    return {i for i, bit in enumerate(text) if bit == "1"}


class Index:
    """Read-only access to a build's index, one SQLite connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._lists: dict[str, ListData] = {}

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (the file is opened read-only and immutable: a build replaces it whole)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    def search(self, text: str, limit: int = 50) -> list[sqlite3.Row]:
        """The things whose names start with every word of text, best first (at most limit)."""
        expression = match_expression(text)
        if expression is None:
            return []
        return self.db.execute(SEARCH, (expression, limit)).fetchall()

    def paths(self, kinds: tuple[str, ...]) -> list[str]:
        """The paths of every findable thing of some kinds (the SDG pages of the sitemap, say)."""
        rows = self.db.execute(f"SELECT path FROM search WHERE kind IN ({', '.join('?' * len(kinds))})", kinds)
        return sorted(row[0] for row in rows)

    def data(self, spec: ListSpec) -> ListData:
        """The in-memory data of a list (read from the file by the first request that needs it)."""
        with self._lock:
            if spec.name not in self._lists:
                self._lists[spec.name] = self.read_list(spec)
            return self._lists[spec.name]

    def read_list(self, spec: ListSpec) -> ListData:
        """Read a list's facets and orders from the file."""
        members: dict[tuple[str, str], list[int]] = defaultdict(list)
        labels: dict[tuple[str, str], tuple[str, int]] = {}
        for facet, value, label, rank, row in self.db.execute(READ_FACETS, (spec.table,)):
            members[facet, value].append(row)
            labels[facet, value] = (label, rank)
        facets: dict[str, dict[str, FacetValue]] = {name: {} for name in spec.facets}
        for (facet, value), rows in members.items():
            if facet in facets:
                facets[facet][value] = FacetValue(
                    value, labels[facet, value][0], labels[facet, value][1], bits_of(rows)
                )
        ids = [row[0] for row in self.db.execute(f"SELECT id FROM {spec.table}")]
        orders = {
            name: [row[0] for row in self.db.execute(f"SELECT id FROM {spec.table} ORDER BY {key}, id")]
            for name, key in spec.sortable.items()
        }
        return ListData(bits_of(ids), facets, orders)

    def chosen(self, spec: ListSpec, filters: dict[str, list[str]]) -> int:
        """The rows (a bit set) that have, for every facet filtered by, one of its values."""
        data = self.data(spec)
        chosen = data.every
        for facet, values in filters.items():
            known = data.facets.get(facet, {})
            any_of = 0
            for value in values:
                if value in known:
                    any_of |= known[value].rows
            chosen &= any_of
        return chosen

    def page(
        self, spec: ListSpec, filters: dict[str, list[str]], sort: str, descending: bool, offset: int, limit: int | None
    ) -> Page:
        """The rows of a list that have every facet filtered by (one of its values), sorted, one page of them."""
        data = self.data(spec)
        order = data.orders[sort][::-1] if descending else data.orders[sort]
        if filters:
            chosen = ones(self.chosen(spec, filters))
            order = [i for i in order if i in chosen]
        total = len(order)
        ids = order[offset:] if limit is None else order[offset : offset + limit]
        rows: dict[int, sqlite3.Row] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows.update(
                (row["id"], row) for row in self.db.execute(f"SELECT * FROM {spec.table} WHERE id IN ({marks})", chunk)
            )
        return Page([rows[i] for i in ids], total, offset, limit or total)

    def facet_counts(self, spec: ListSpec, filters: dict[str, list[str]]) -> dict[str, list[dict]]:
        """For each facet of a list, its values among the filtered rows, most rows first, with their counts."""
        data = self.data(spec)
        chosen = self.chosen(spec, filters)
        counts: dict[str, list[dict]] = {}
        for facet, values in data.facets.items():
            found = [
                {"value": v.value, "label": v.label, "n": (v.rows & chosen).bit_count(), "rank": v.rank}
                for v in values.values()
            ]
            counts[facet] = sorted((f for f in found if f["n"]), key=lambda f: (-f["n"], f["rank"]))
        return counts

    def labels(self, spec: ListSpec, facet: str, values: list[str]) -> dict[str, str]:
        """The labels of facet values (for the filters a page shows as set)."""
        known = self.data(spec).facets.get(facet, {})
        return {value: known[value].label for value in values if value in known}


def bits_of(rows: list[int]) -> int:
    """A bit set of row numbers."""
    bits = bytearray((max(rows, default=0) >> 3) + 1)
    for row in rows:
        bits[row >> 3] |= 1 << (row & 7)
    return int.from_bytes(bits, "little")


READ_FACETS = "SELECT facet, value, label, key, row FROM facet WHERE list = ?"
SEARCH = "SELECT label, kind, path, context FROM search WHERE search MATCH ? ORDER BY bm25(search) - rank_boost LIMIT ?"
