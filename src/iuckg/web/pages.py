"""What a resource page shows people first: the summary card of a pairing or a member, and the pairings of a
thematic stream, Urban Agenda topic, country or SDG goal or target.

Each card is read by named queries with bound variables (the terms of the iuc ontology are bound too, as its
namespace depends on the base IRI); labels are picked in the visitor's languages and lists sorted by the
Unicode Collation Algorithm.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS

from ..namespaces import SDGO, sdg_code
from ..store import term_value
from .describe import MAX_REFERENCES, RDF_TYPE, Group, Labels, Page, Value, href_of, uca, value_of
from .geography import member_map, pairing_map
from .queries import PREFIXES
from .state import Published

# Oxigraph plans a query before it substitutes the bound variables: the patterns below start from ?this and
# reach further only through OPTIONAL (evaluated for each solution so far), so that no plan starts from a
# pattern with a constant (every rdfs:label of the store) and joins ?this in last.

# The sides of a pairing: members, their kind and country, and whether the country is an EU Member State.
PAIRING_SIDES = (
    PREFIXES
    + """
CONSTRUCT {
  ?side ?sideMember ?member ; ?sideOrder ?order .
  ?member a ?kind ; rdfs:label ?memberLabel ; ?country ?land .
  ?kind rdfs:label ?kindLabel .
  ?land rdfs:label ?landLabel ; ?euMemberState ?eu .
}
WHERE {
  ?this ?hasSide ?side . ?side ?sideMember ?member .
  OPTIONAL { ?side ?sideOrder ?order }
  OPTIONAL { ?member rdfs:label ?memberLabel }
  OPTIONAL { ?member a ?kind . OPTIONAL { ?kind rdfs:label ?kindLabel } }
  OPTIONAL { ?member ?country ?land . OPTIONAL { ?land rdfs:label ?landLabel } OPTIONAL { ?land ?euMemberState ?eu } }
}
"""
)

# The work of a pairing: its case study's text, its action plan's steps, its actions and stakeholders.
PAIRING_WORK = (
    PREFIXES
    + """
CONSTRUCT {
  ?case dcterms:description ?caseText .
  ?plan ?step ?stage . ?stage ?stepOrder ?position ; skos:prefLabel ?stageLabel ; skos:definition ?stageText .
  ?act a ?actKind ; dcterms:description ?actText . ?actKind rdfs:label ?actKindLabel .
  ?holder ?helixSector ?sector . ?sector skos:prefLabel ?sectorLabel .
}
WHERE {
  { ?this ?caseStudy ?case . OPTIONAL { ?case dcterms:description ?caseText } }
  UNION {
    ?this ?actionPlan ?plan . ?plan ?step ?stage .
    OPTIONAL { ?stage ?stepOrder ?position } OPTIONAL { ?stage skos:prefLabel ?stageLabel }
    OPTIONAL { ?stage skos:definition ?stageText }
  }
  UNION {
    ?this ?action ?act .
    OPTIONAL { ?act a ?actKind . OPTIONAL { ?actKind rdfs:label ?actKindLabel } }
    OPTIONAL { ?act dcterms:description ?actText }
  }
  UNION {
    ?this ?stakeholder ?holder . ?holder ?helixSector ?sector .
    OPTIONAL { ?sector skos:prefLabel ?sectorLabel }
  }
}
"""
)

# The derived alignments of a pairing: their targets (with kind, labels and SDG short names) and what each is
# derived from (mapping rules and editorial readings, with their labels and rationales).
PAIRING_ALIGNMENTS = (
    PREFIXES
    + """
PREFIX prov: <http://www.w3.org/ns/prov#>
CONSTRUCT {
  ?a ?alignedTo ?target ; prov:wasDerivedFrom ?origin ; rdfs:label ?alignmentLabel .
  ?target a ?targetType ; skos:prefLabel ?targetLabel ; skos:note ?targetNote .
  ?origin rdfs:label ?originLabel ; rdfs:comment ?why .
}
WHERE {
  {
    ?this ?alignment ?a . ?a ?alignedTo ?target .
    OPTIONAL { ?a rdfs:label ?alignmentLabel } OPTIONAL { ?target a ?targetType }
  }
  UNION { ?this ?alignment ?a . ?a ?alignedTo ?target . OPTIONAL { ?target skos:prefLabel ?targetLabel } }
  UNION { ?this ?alignment ?a . ?a ?alignedTo ?target . OPTIONAL { ?target skos:note ?targetNote } }
  UNION {
    ?this ?alignment ?a .
    OPTIONAL {
      ?a prov:wasDerivedFrom ?origin .
      OPTIONAL { ?origin rdfs:label ?originLabel } OPTIONAL { ?origin rdfs:comment ?why }
    }
  }
}
"""
)

# The pairings of a member: their labels, themes and components, and every member of every side (with its
# kind and country); and the member's own country's EU membership.
MEMBER_PAIRINGS = (
    PREFIXES
    + """
CONSTRUCT {
  ?pairing ?hasSide ?side ; rdfs:label ?pairingLabel ; ?theme ?stream ; ?programmeComponent ?component .
  ?side ?sideMember ?member . ?member rdfs:label ?memberLabel ; ?country ?land ; a ?kind .
  ?land rdfs:label ?landLabel . ?kind rdfs:label ?kindLabel .
  ?stream skos:prefLabel ?streamLabel . ?component rdfs:label ?componentLabel .
  ?this ?country ?home . ?home ?euMemberState ?eu .
}
WHERE {
  { ?this ?country ?home . OPTIONAL { ?home ?euMemberState ?eu } }
  UNION {
    ?pairing ?hasMember ?this .
    OPTIONAL { ?pairing rdfs:label ?pairingLabel }
    OPTIONAL { ?pairing ?theme ?stream . OPTIONAL { ?stream skos:prefLabel ?streamLabel } }
    OPTIONAL { ?pairing ?programmeComponent ?component . OPTIONAL { ?component rdfs:label ?componentLabel } }
  }
  UNION {
    ?pairing ?hasMember ?this . ?pairing ?hasSide ?side . ?side ?sideMember ?member .
    OPTIONAL { ?member rdfs:label ?memberLabel }
    OPTIONAL { ?member a ?kind . OPTIONAL { ?kind rdfs:label ?kindLabel } }
    OPTIONAL { ?member ?country ?land . OPTIONAL { ?land rdfs:label ?landLabel } }
  }
}
"""
)

# The pairings of a thematic stream.
THEME_PAIRINGS = (
    PREFIXES
    + """
SELECT DISTINCT ?this ?theme ?pairing ?label WHERE {
  ?pairing ?theme ?this . OPTIONAL { ?pairing rdfs:label ?label }
}
"""
)

# The pairings with a member in a country.
COUNTRY_PAIRINGS = (
    PREFIXES
    + """
SELECT DISTINCT ?this ?hasMember ?country ?pairing ?label WHERE {
  ?member ?country ?this . ?pairing ?hasMember ?member . OPTIONAL { ?pairing rdfs:label ?label }
}
"""
)

# The pairings aligned (derived) to an Urban Agenda topic, an SDG target, or an SDG goal or one of its targets.
ALIGNED_PAIRINGS = (
    PREFIXES
    + """
SELECT DISTINCT ?this ?alignment ?alignedTo ?pairing ?label WHERE {
  ?target skos:broader* ?this . ?a ?alignedTo ?target . ?pairing ?alignment ?a .
  OPTIONAL { ?pairing rdfs:label ?label }
}
"""
)

# The iuc terms the queries above bind.
TERMS = (
    "hasSide",
    "sideMember",
    "sideOrder",
    "country",
    "euMemberState",
    "caseStudy",
    "actionPlan",
    "step",
    "stepOrder",
    "action",
    "stakeholder",
    "helixSector",
    "alignment",
    "alignedTo",
    "hasMember",
    "theme",
    "programmeComponent",
)
PAIRING_CLASSES = ("Pairing", "CityPairing", "RegionPairing")
MEMBER_CLASSES = ("Member", "City", "Town", "District", "MetropolitanArea", "Region", "Consortium")
# What a pairing's summary card shows of its own properties, in this order; the card's sections show the
# others, so the table of further properties leaves them all out.
PAIRING_ROWS = ("programmeComponent", "theme", "caseStudy", "actionPlan", "keyword")
PAIRING_SECTIONS = ("hasSide", "hasMember", "alignment", "action", "stakeholder")
MEMBER_ROWS = ("country",)
# Which pairings a concept page lists: (iuc class, query, bound terms, heading, whether derived, the incoming
# property whose list of the page's "Referenced by" table the listing replaces).
LISTINGS = (
    ("ThematicStream", THEME_PAIRINGS, ("theme",), "Pairings in this thematic stream", False, "theme"),
    (
        "UrbanAgendaTopic",
        ALIGNED_PAIRINGS,
        ("alignment", "alignedTo"),
        "Pairings aligned to this Urban Agenda topic",
        True,
        "alignedTo",
    ),
    ("Country", COUNTRY_PAIRINGS, ("hasMember", "country"), "Pairings with a member in this country", False, None),
)
SDG_KINDS = {str(SDGO.Goal): "SDG goal", str(SDGO.Target): "SDG target"}


@dataclass
class MemberRef:
    """A member as a card names it: linked, with its kind, its country and whether that is an EU Member State."""

    member: Value
    kind: Value | None = None
    country: Value | None = None
    eu: bool | None = None


@dataclass
class Side:
    """One side of a pairing: its members, and whether it is the EU side (None: the data does not say)."""

    members: list[MemberRef]
    eu: bool | None

    @property
    def mark(self) -> str | None:
        """What the page calls this side: the EU side, the partner side, or nothing when the data does not say."""
        return None if self.eu is None else "EU side" if self.eu else "Partner side"


@dataclass
class Step:
    """A step of an action plan, at its position in the methodology."""

    position: int | None
    value: Value
    definition: str | None


@dataclass
class Row:
    """A row of a summary card: one property's values, and what the card adds below them."""

    group: Group
    text: str | None = None
    steps: list[Step] = field(default_factory=list)


@dataclass
class Item:
    """An action or a stakeholder of a pairing: linked, with its kind or helix sector and its description."""

    value: Value
    kind: list[Value] = field(default_factory=list)
    text: str | None = None


@dataclass
class Origin:
    """What an alignment is derived from: a mapping rule or an editorial reading, with its rationale."""

    value: Value
    rationale: str | None


@dataclass
class Alignment:
    """A derived alignment of a pairing to an SDG goal or target, or an Urban Agenda topic."""

    value: Value
    target: Value
    kind: str
    statement: str | None
    origins: list[Origin]


@dataclass
class Listing:
    """The pairings a concept page lists (at most MAX_REFERENCES; a query lists them all)."""

    heading: str
    pairings: list[Value]
    derived: bool = False
    more: int = 0
    more_query: str | None = None


@dataclass
class PairingCard:
    """The summary of a pairing: its sides, then its component, theme, case study, plan and keywords; its
    actions and stakeholders; its map; and its derived alignments."""

    sides: list[Side]
    rows: list[Row]
    actions: list[Item]
    stakeholders: list[Item]
    alignments: list[Alignment]
    map: dict | None = None
    template: str = "_pairing.html"


@dataclass
class Partnership:
    """A pairing of a member: its partners (the other sides), the members beside it on its side, its themes."""

    pairing: Value
    partners: list[MemberRef]
    fellows: list[MemberRef]
    themes: list[Value]
    component: Value | None


@dataclass
class MemberCard:
    """The summary of a member: its kind and country, its pairings with their partners, and its map (the
    view `iuckg.web.geography` draws)."""

    kinds: list[Value]
    rows: list[Row]
    eu: bool | None
    pairings: list[Partnership]
    map: dict | None = None
    template: str = "_member.html"


@dataclass
class ConceptCard:
    """A thematic stream, Urban Agenda topic or country: the pairings it has."""

    listing: Listing
    template: str = "_concept.html"


class Facts:
    """Triples indexed by subject and predicate, with the labels of their resources in the visitor's languages."""

    def __init__(self, triples: list[ox.Triple], languages: list[str], base: str) -> None:
        self.base = base
        self.labels = Labels(triples, languages, base)
        self.index: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.index[term_value(t.subject)][t.predicate.value].append(t.object)

    def objects(self, subject: str, predicate: str) -> list:
        """The objects of a subject's predicate."""
        return self.index.get(subject, {}).get(predicate, [])

    def iris(self, subject: str, predicate: str) -> list[str]:
        """The IRIs a subject's predicate links to."""
        return sorted({o.value for o in self.objects(subject, predicate) if isinstance(o, ox.NamedNode)})

    def text(self, subject: str, predicate: str) -> str | None:
        """The literal of a subject's predicate in the first preferred language that has one."""
        return self.labels.pick(
            {o.language or "": o.value for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)}
        )

    def number(self, subject: str, predicate: str) -> int | None:
        """An integer of a subject's predicate, if it has one."""
        for o in self.objects(subject, predicate):
            try:
                return int(o.value)
            except ValueError:
                continue
        return None

    def flag(self, subject: str, predicate: str) -> bool | None:
        """A boolean of a subject's predicate, if it has one."""
        values = {o.value for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)}
        return True if values & {"true", "1"} else False if values & {"false", "0"} else None

    def value(self, iri: str) -> Value:
        """A link to a resource, with its label."""
        return value_of(ox.NamedNode(iri), self.labels, self.base)


def bound(pub: Published, this: str, names: tuple[str, ...] = TERMS) -> dict[str, ox.NamedNode]:
    """The bindings of a card's query: the resource and the iuc terms it uses."""
    return {"this": ox.NamedNode(this), **{name: pub.term(name) for name in names}}


def by_label(values: list[Value]) -> list[Value]:
    """Values in the order of the Unicode Collation Algorithm."""
    return sorted(values, key=lambda v: uca(v.text))


def card_of(pub: Published, page: Page, triples: list[ox.Triple], languages: list[str]):
    """The card a page shows first, by the class of its resource (None for other classes); the page's
    property table keeps only what the card does not show."""
    iuc = str(pub.minter.iuc)
    local = {c[len(iuc) :] for c in page.classes if c.startswith(iuc)}
    if local & set(PAIRING_CLASSES):
        return pairing_card(pub, page, triples, languages)
    if local & set(MEMBER_CLASSES):
        return member_card(pub, page, triples, languages)
    for name, query, names, heading, derived, replaced in LISTINGS:
        if name in local:
            if replaced:
                page.referenced_by = [g for g in page.referenced_by if g.iri != pub.term(replaced).value]
            return ConceptCard(listing(pub, page.iri, query, names, heading, derived, languages))
    return None


def take(page: Page, pub: Published, rows: tuple[str, ...], sections: tuple[str, ...] = ()) -> dict[str, Group]:
    """Take the groups of a card's rows (by iuc local name) out of the page's property table, and leave out
    those its sections show."""
    wanted = {pub.term(name).value: name for name in rows + sections}
    taken = {wanted[g.iri]: g for g in page.properties if g.iri in wanted}
    page.properties = [g for g in page.properties if g.iri not in wanted]
    return taken


def pairing_card(pub: Published, page: Page, triples: list[ox.Triple], languages: list[str]) -> PairingCard:
    """The summary card of a pairing."""
    t = {name: pub.term(name).value for name in TERMS}
    found = [
        *pub.query(
            PAIRING_SIDES,
            bindings=bound(pub, page.iri, ("hasSide", "sideMember", "sideOrder", "country", "euMemberState")),
        ),
        *pub.query(
            PAIRING_WORK,
            bindings=bound(
                pub, page.iri, ("caseStudy", "actionPlan", "step", "stepOrder", "action", "stakeholder", "helixSector")
            ),
        ),
        *pub.query(PAIRING_ALIGNMENTS, bindings=bound(pub, page.iri, ("alignment", "alignedTo"))),
    ]
    facts = Facts(triples + found, languages, pub.base)
    iri = page.iri
    groups = take(page, pub, PAIRING_ROWS, PAIRING_SECTIONS)

    sides = []
    for side in sorted(facts.iris(iri, t["hasSide"]), key=lambda s: (facts.number(s, t["sideOrder"]) or 0, s)):
        members = [member_ref(facts, m, t, pub) for m in facts.iris(side, t["sideMember"])]
        flags = {m.eu for m in members}
        sides.append(Side(by_member(members), flags.pop() if len(flags) == 1 else None))

    rows = []
    for name in PAIRING_ROWS:
        if name not in groups:
            continue
        row = Row(groups[name])
        if name == "caseStudy":
            texts = [facts.text(v.iri, str(DCTERMS.description)) for v in row.group.values if v.iri]
            row.text = next((text for text in texts if text), None)
        elif name == "actionPlan":
            row.steps = sorted(
                (
                    Step(facts.number(s, t["stepOrder"]), facts.value(s), facts.text(s, str(SKOS.definition)))
                    for v in row.group.values
                    if v.iri
                    for s in facts.iris(v.iri, t["step"])
                ),
                key=lambda s: (s.position is None, s.position or 0, uca(s.value.text)),
            )
        rows.append(row)
    if page.description and any(row.text == page.description for row in rows):
        page.description = None  # the case study's text says it

    actions = [
        Item(
            facts.value(a),
            by_label(
                [
                    facts.value(k)
                    for k in facts.iris(a, RDF_TYPE)  # a pilot project
                    if k.startswith(str(pub.minter.iuc)) and k != pub.term("Action").value
                ]
            ),
            facts.text(a, str(DCTERMS.description)),
        )
        for a in facts.iris(iri, t["action"])
    ]
    stakeholders = [
        Item(facts.value(s), by_label([facts.value(k) for k in facts.iris(s, t["helixSector"])]))
        for s in facts.iris(iri, t["stakeholder"])
    ]
    return PairingCard(
        sides,
        rows,
        sorted(actions, key=lambda i: uca(i.value.text)),
        sorted(stakeholders, key=lambda i: uca(i.value.text)),
        alignments_of(facts, iri, t),
        pairing_map(pub, iri),
    )


def member_ref(facts: Facts, member: str, t: dict[str, str], pub: Published) -> MemberRef:
    """A member with its kind (its class in the iuc ontology) and country."""
    kinds = by_label([facts.value(k) for k in facts.iris(member, RDF_TYPE) if k.startswith(str(pub.minter.iuc))])
    countries = facts.iris(member, t["country"])
    return MemberRef(
        facts.value(member),
        kinds[0] if kinds else None,
        facts.value(countries[0]) if countries else None,
        facts.flag(countries[0], t["euMemberState"]) if countries else None,
    )


def by_member(members: list[MemberRef]) -> list[MemberRef]:
    """Members in the order of the Unicode Collation Algorithm."""
    return sorted(members, key=lambda m: uca(m.member.text))


def alignments_of(facts: Facts, iri: str, t: dict[str, str]) -> list[Alignment]:
    """The derived alignments of a pairing: SDG goals and targets in the order of their codes, then topics."""
    result = []
    for a in facts.iris(iri, t["alignment"]):
        for target in facts.iris(a, t["alignedTo"]):
            kinds = [SDG_KINDS[k] for k in facts.iris(target, RDF_TYPE) if k in SDG_KINDS]
            code = sdg_code(target)
            value = facts.value(target)
            if code:
                value.text = facts.text(target, str(SKOS.note)) or f"SDG {code}"
            origins = [
                Origin(facts.value(o), facts.text(o, str(RDFS.comment)))
                for o in facts.iris(a, str(PROV.wasDerivedFrom))
            ]
            result.append(
                Alignment(
                    facts.value(a),
                    value,
                    kinds[0] if kinds else "Urban Agenda topic",
                    facts.text(target, str(SKOS.prefLabel)) if code else None,
                    sorted(origins, key=lambda o: uca(o.value.text)),
                )
            )
    return sorted(result, key=alignment_order)


def alignment_order(alignment: Alignment) -> tuple:
    """SDG goals and targets in the order of their codes, then the other targets by label."""
    code = sdg_code(alignment.target.iri) if alignment.target.iri else None
    return (0, sdg_order(code)) if code else (1, uca(alignment.target.text))


def sdg_order(code: str) -> tuple:
    """The order of SDG codes: goal by number, then its targets (1.1 ... 1.5, 1.a, 1.b)."""
    goal, _, target = code.partition(".")
    return int(goal), bool(target), target.isalpha(), int(target) if target.isdigit() else 0, target


def member_card(pub: Published, page: Page, triples: list[ox.Triple], languages: list[str]) -> MemberCard:
    """The summary card of a member: its kind, country and pairings, each with its partners."""
    t = {name: pub.term(name).value for name in TERMS}
    found = list(
        pub.query(
            MEMBER_PAIRINGS,
            bindings=bound(
                pub,
                page.iri,
                ("hasSide", "sideMember", "country", "euMemberState", "hasMember", "theme", "programmeComponent"),
            ),
        )
    )
    facts = Facts(triples + found, languages, pub.base)
    iri = page.iri
    groups = take(page, pub, MEMBER_ROWS)
    countries = facts.iris(iri, t["country"])
    pairings = []
    for pairing in {s.subject.value for s in found if s.predicate.value == t["hasSide"]}:
        partners: list[MemberRef] = []
        fellows: list[MemberRef] = []
        for side in facts.iris(pairing, t["hasSide"]):
            members = facts.iris(side, t["sideMember"])
            refs = [member_ref(facts, m, t, pub) for m in members if m != iri]
            (fellows if iri in members else partners).extend(refs)
        pairings.append(
            Partnership(
                facts.value(pairing),
                by_member(partners),
                by_member(fellows),
                by_label([facts.value(s) for s in facts.iris(pairing, t["theme"])]),
                next((facts.value(c) for c in facts.iris(pairing, t["programmeComponent"])), None),
            )
        )
    return MemberCard(
        page.types,
        [Row(groups[name]) for name in MEMBER_ROWS if name in groups],
        facts.flag(countries[0], t["euMemberState"]) if countries else None,
        sorted(pairings, key=lambda p: uca(p.pairing.text)),
        member_map(pub, iri),
    )


def listing(
    pub: Published, iri: str, query: str, names: tuple[str, ...], heading: str, derived: bool, languages: list[str]
) -> Listing:
    """The pairings of a concept, by label in the visitor's languages and the Unicode Collation Algorithm."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in pub.query(query, bindings=bound(pub, iri, names)):
        found = labels[row["pairing"].value]
        if row["label"] is not None:
            found.setdefault(row["label"].language or "", row["label"].value)
    picker = Labels([], languages, pub.base)
    pairings = by_label(
        [
            Value(
                picker.pick(found) or picker.of(p),
                href_of(p, pub.base),
                p,
                chosen[0] or None if (chosen := picker.choose(found)) else None,
            )
            for p, found in labels.items()
        ]
    )
    result = Listing(heading, pairings[:MAX_REFERENCES], derived)
    if len(pairings) > MAX_REFERENCES:  # the link lists them all: the query, its bindings as a VALUES clause
        bindings = bound(pub, iri, names)
        result.more = len(pairings) - MAX_REFERENCES
        result.more_query = (
            query.strip() + f"\nVALUES ({' '.join('?' + n for n in bindings)}) "
            f"{{ ({' '.join(f'<{term.value}>' for term in bindings.values())}) }}"
        )
    return result
