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

import pyoxigraph as ox
import pyuca

from .namespaces import Minter

COLLATOR = pyuca.Collator()

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
  key_label TEXT, key_kind TEXT, key_theme TEXT, key_eu_side TEXT, key_partner_side TEXT, key_case_title TEXT
);
CREATE TABLE member (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, path TEXT NOT NULL, label TEXT NOT NULL,
  kind TEXT NOT NULL, kind_label TEXT NOT NULL, country TEXT NOT NULL, country_label TEXT NOT NULL,
  side TEXT NOT NULL, partners TEXT NOT NULL, pairings TEXT NOT NULL, themes TEXT NOT NULL,
  key_label TEXT, key_kind_label TEXT, key_country_label TEXT, key_side TEXT, key_partners TEXT
);
CREATE TABLE country (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, path TEXT NOT NULL, label TEXT NOT NULL, code TEXT NOT NULL,
  side TEXT NOT NULL, pairings INTEGER NOT NULL, members INTEGER NOT NULL,
  key_label TEXT, key_code TEXT, key_side TEXT
);
-- What each row of a list can be filtered by: (list, row, facet, value, label).
CREATE TABLE facet (list TEXT NOT NULL, row INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL,
                    label TEXT NOT NULL, key TEXT NOT NULL);
CREATE INDEX facet_value ON facet (list, facet, value, row);
CREATE INDEX facet_row ON facet (list, row);
-- One row per findable thing; `names` holds every label it can be found by.
CREATE VIRTUAL TABLE search USING fts5(
  names, label UNINDEXED, kind UNINDEXED, path UNINDEXED, context UNINDEXED, rank_boost UNINDEXED,
  tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3'
);
"""

# Kinds of search results, in the order result groups are shown, with their headings.
KINDS = {
    "member": "Cities and regions", "pairing": "Pairings", "country": "Countries", "theme": "Thematic streams",
    "topic": "Urban Agenda topics", "sdg": "Sustainable Development Goals", "target": "SDG targets",
    "action": "Actions",
}
SIDES = {True: "EU", False: "partner", None: "unknown"}


def sort_key(text: str | None) -> str:
    """A text that sorts, compared as bytes, as the Unicode Collation Algorithm sorts the given text."""
    return "".join(f"{w:05x}" for w in COLLATOR.sort_key(text or ""))


def joined(values) -> str:
    """Distinct values joined with '; ', in UCA order."""
    return "; ".join(sorted(set(values), key=COLLATOR.sort_key))


@dataclass
class Side:
    """The members of one side of a pairing."""

    members: dict[str, str]  # iri -> label
    countries: dict[str, str]  # iri -> label
    eu: bool | None


def path_of(iri: str, base: str) -> str:
    """The server path of a minted IRI (an SDG concept's local page for the UN's IRIs)."""
    if iri.startswith(base):
        return "/" + iri[len(base):]
    if iri.startswith("http://metadata.un.org/sdg/"):
        return "/sdg/" + iri.rsplit("/", 1)[1]
    return iri


def write_index(quads: bytes, base: str, path: Path) -> None:
    """Write the index of a build's N-Quads (as the store holds them) to a new SQLite file."""
    store = ox.Store()
    store.bulk_load(quads, format=ox.RdfFormat.N_QUADS)
    prefixes = PREFIXES.format(iuc=str(Minter(base).iuc))

    def select(text: str):
        return store.query(prefixes + text, use_default_graph_as_union=True)

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
        self.facets.append((list_, row, facet, value_iri.rstrip("/").rsplit("/", 1)[-1], label, sort_key(label)))

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
        self.db.executemany("INSERT INTO search(names, label, kind, path, context, rank_boost) VALUES (?, ?, ?, ?, ?, ?)",
                            self.search)
        for list_ in LISTS.values():
            for column in list_.sortable.values():
                self.db.execute(f"CREATE INDEX {list_.table}_{column} ON {list_.table} ({column})")

    def read_pairings(self):
        """Pairings, their sides, and each member's rows, from the graph."""
        pairings: dict[str, dict] = {}
        sides: dict[str, dict[int, Side]] = defaultdict(dict)
        member_rows: dict[str, dict] = {}
        for row in self.select(PAIRING_SIDES):
            iri = row["pairing"].value
            pairings.setdefault(iri, {
                "label": row["label"].value, "kind": row["kind"].value, "kind_label": row["kindLabel"].value,
                "theme": row["theme"].value if row["theme"] else None,
                "theme_label": row["themeLabel"].value if row["themeLabel"] else None,
                "case_title": row["caseTitle"].value if row["caseTitle"] else None})
            eu = row["eu"].value == "true" if row["eu"] else None
            side = sides[iri].setdefault(int(row["order"].value), Side({}, {}, eu))
            member, country = row["member"].value, row["country"].value
            side.members[member] = row["memberLabel"].value
            side.countries[country] = row["countryLabel"].value
            member_rows.setdefault(member, {
                "label": row["memberLabel"].value, "kind": row["memberType"].value,
                "kind_label": row["typeLabel"].value, "country": country, "country_label": row["countryLabel"].value,
                "code": row["code"].value, "eu": eu, "pairings": {}})["pairings"][iri] = int(row["order"].value)
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
        topic_labels = {}
        for row in self.select(NAMED):
            if row["kind"].value == "topic":
                topic_labels.setdefault(row["thing"].value, row["label"].value)
        order = sorted(pairings, key=lambda iri: COLLATOR.sort_key(pairings[iri]["label"]))
        for n, iri in enumerate(order, start=1):
            p = pairings[iri]
            eu, partner = self.side_order(iri, sides)
            members = {m: label for side in sides[iri].values() for m, label in side.members.items()}
            countries = {c: label for side in sides[iri].values() for c, label in side.countries.items()}
            cols = {
                "label": p["label"], "kind_label": p["kind_label"], "theme_label": p["theme_label"],
                "case_title": p["case_title"],
                "eu_side": " & ".join(eu.members.values()) if eu else None,
                "eu_countries": joined(eu.countries.values()) if eu else None,
                "partner_side": " & ".join(partner.members.values()) if partner else None,
                "partner_countries": joined(partner.countries.values()) if partner else None,
            }
            self.db.execute(
                "INSERT INTO pairing VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (n, iri, path_of(iri, self.base), p["label"], p["kind"], p["kind_label"], p["theme"], p["theme_label"],
                 p["case_title"], cols["eu_side"], cols["eu_countries"], cols["partner_side"],
                 cols["partner_countries"], joined(members.values()), joined(countries.values()),
                 sort_key(p["label"]), sort_key(p["kind_label"]), sort_key(p["theme_label"]),
                 sort_key(cols["eu_side"]), sort_key(cols["partner_side"]), sort_key(p["case_title"])))
            self.facet("pairing", n, "kind", p["kind"], p["kind_label"])
            if p["theme"]:
                self.facet("pairing", n, "theme", p["theme"], p["theme_label"])
            for country, label in countries.items():
                self.facet("pairing", n, "country", country, label)
            for target, kind in alignments.get(iri, ()):
                if kind == "sdg":
                    self.facet("pairing", n, "sdg", target, sdg_labels[target][0])
                elif kind == "topic":
                    self.facet("pairing", n, "topic", target, topic_labels.get(target, target))
            context = " · ".join(x for x in (p["theme_label"], joined(countries.values())) if x)
            self.find([p["label"], *members.values(), p["case_title"] or ""], p["label"], "pairing", iri, context)

    def write_members(self, member_rows, sides, pairings, alt) -> None:
        """The members list, its facets and the members' search entries."""
        order = sorted(member_rows, key=lambda iri: COLLATOR.sort_key(member_rows[iri]["label"]))
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
                (n, iri, path_of(iri, self.base), m["label"], m["kind"], m["kind_label"], m["country"],
                 m["country_label"], side, joined(partners.values()), joined(pairing_labels), joined(themes.values()),
                 sort_key(m["label"]), sort_key(m["kind_label"]), sort_key(m["country_label"]), sort_key(side),
                 sort_key(joined(partners.values()))))
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
            c = countries.setdefault(m["country"], {"label": m["country_label"], "code": m["code"], "eu": m["eu"],
                                                    "members": set(), "pairings": set()})
            c["members"].add(iri)
            c["pairings"].update(m["pairings"])
        order = sorted(countries, key=lambda iri: COLLATOR.sort_key(countries[iri]["label"]))
        for n, iri in enumerate(order, start=1):
            c = countries[iri]
            side = SIDES[c["eu"]]
            self.db.execute("INSERT INTO country VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (n, iri, path_of(iri, self.base), c["label"], c["code"], side, len(c["pairings"]),
                             len(c["members"]), sort_key(c["label"]), sort_key(c["code"]), sort_key(side)))
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
            label = min(labels, key=COLLATOR.sort_key)
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
        "pairings", "pairing", "Pairings",
        (Column("label", "Pairing", "path"), Column("eu_side", "EU side"), Column("eu_countries", "EU country"),
         Column("partner_side", "Partner side"), Column("partner_countries", "Partner country"),
         Column("kind_label", "Kind"), Column("theme_label", "Theme"), Column("case_title", "Case study")),
        {"label": "key_label", "eu_side": "key_eu_side", "partner_side": "key_partner_side",
         "kind_label": "key_kind", "theme_label": "key_theme", "case_title": "key_case_title"},
        {"theme": "Theme", "kind": "Kind", "country": "Country", "sdg": "SDG", "topic": "Urban Agenda topic"},
        "label"),
    "members": ListSpec(
        "members", "member", "Cities and regions",
        (Column("label", "Name", "path"), Column("kind_label", "Kind"), Column("country_label", "Country"),
         Column("side", "Side"), Column("partners", "Partners"), Column("themes", "Theme")),
        {"label": "key_label", "kind_label": "key_kind_label", "country_label": "key_country_label",
         "side": "key_side", "partners": "key_partners"},
        {"kind": "Kind", "country": "Country", "side": "Side", "theme": "Theme"},
        "label"),
    "countries": ListSpec(
        "countries", "country", "Countries",
        (Column("label", "Country", "path"), Column("code", "Code"), Column("side", "Side"),
         Column("pairings", "Pairings", number=True), Column("members", "Cities and regions", number=True)),
        {"label": "key_label", "code": "key_code", "side": "key_side", "pairings": "pairings",
         "members": "members"},
        {"side": "Side"},
        "label"),
}


@dataclass
class Page:
    """One page of a filtered, sorted list."""

    rows: list[sqlite3.Row]
    total: int
    offset: int
    limit: int


class Index:
    """Read-only access to a build's index, one SQLite connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

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

    def page(self, spec: ListSpec, filters: dict[str, list[str]], sort: str, descending: bool,
             offset: int, limit: int | None) -> Page:
        """The rows of a list that have every facet filtered by (one of its values), sorted, one page of them."""
        where, args = self.filtered(spec, filters)
        key = spec.sortable[sort]
        order = f"{key} {'DESC' if descending else 'ASC'}, id"
        total = self.db.execute(f"SELECT count(*) FROM {spec.table} WHERE {where}", args).fetchone()[0]
        text = f"SELECT * FROM {spec.table} WHERE {where} ORDER BY {order}"
        if limit is not None:
            text += " LIMIT ? OFFSET ?"
            args = [*args, limit, offset]
        return Page(self.db.execute(text, args).fetchall(), total, offset, limit or total)

    def facet_counts(self, spec: ListSpec, filters: dict[str, list[str]]) -> dict[str, list[sqlite3.Row]]:
        """For each facet of a list, its values among the filtered rows with how many rows have each."""
        where, args = self.filtered(spec, filters)
        counts: dict[str, list[sqlite3.Row]] = {name: [] for name in spec.facets}
        rows = self.db.execute(
            f"SELECT facet, value, label, count(*) AS n FROM facet WHERE list = ? AND row IN "
            f"(SELECT id FROM {spec.table} WHERE {where}) GROUP BY facet, value ORDER BY facet, n DESC, key",
            [spec.table, *args]).fetchall()
        for row in rows:
            counts[row["facet"]].append(row)
        return counts

    @staticmethod
    def filtered(spec: ListSpec, filters: dict[str, list[str]]) -> tuple[str, list]:
        """The WHERE clause (fixed text, bound values) of a list's rows with the facet values filtered by."""
        clauses, args = ["1"], []
        for facet in sorted(filters):
            values = filters[facet]
            if facet not in spec.facets or not values:
                continue
            clauses.append(f"id IN (SELECT row FROM facet WHERE list = ? AND facet = ? AND value IN "
                           f"({', '.join('?' * len(values))}))")
            args += [spec.table, facet, *values]
        return " AND ".join(clauses), args

    def labels(self, spec: ListSpec, facet: str, values: list[str]) -> dict[str, str]:
        """The labels of facet values (for the filters a page shows as set)."""
        rows = self.db.execute(f"SELECT DISTINCT value, label FROM facet WHERE list = ? AND facet = ? AND value IN "
                               f"({', '.join('?' * len(values))})", [spec.table, facet, *values]).fetchall()
        return {row["value"]: row["label"] for row in rows}


SEARCH = ("SELECT label, kind, path, context FROM search WHERE search MATCH ? "
          "ORDER BY bm25(search) - rank_boost LIMIT ?")
