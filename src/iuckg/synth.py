"""`iuckg synth`: a synthetic data folder shaped like data/, at any number of pairings.

The programme's fixed lists (themes, Urban Agenda topics, figures) are copied from the
curated data/ the package carries, and so are the rules of its SDG mapping from themes and
topics; countries, members, pairings, actions and stakeholders are generated, deterministically
for a seed, each with a made-up quote (of no brochure), so that the folder loads with
`records.load_dataset` and the build passes the SHACL gate. Members mostly take part in
one pairing, some in several, as in the brochure; about one pairing in ten is
region-to-region. Time and memory grow linearly with the number of pairings.
"""

from __future__ import annotations

import csv
import math
import random
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from .records import HELIX_SECTORS, TABLES
from .settings import bundled

# Copied unchanged: the shapes expect exactly the programme's six themes and fourteen topics.
FIXED = ("themes.csv", "urban-agenda-topics.csv", "figures.csv")
MAPPING = "sdg-mapping.csv"
SYLLABLES = (
    "al",
    "ber",
    "ca",
    "dor",
    "el",
    "fen",
    "gar",
    "hal",
    "is",
    "jor",
    "ka",
    "lin",
    "mar",
    "nor",
    "or",
    "pal",
    "quin",
    "ros",
    "sal",
    "tor",
    "ul",
    "val",
    "wen",
    "yar",
    "zan",
)
WORDS = (
    "urban",
    "green",
    "mobility",
    "housing",
    "energy",
    "water",
    "circular",
    "digital",
    "heritage",
    "climate",
    "innovation",
    "inclusion",
    "transport",
    "waste",
    "resilience",
    "tourism",
    "skills",
    "health",
    "air",
    "procurement",
    "data",
    "port",
    "river",
    "coastal",
    "youth",
    "culture",
    "food",
    "smart",
    "planning",
)
CITY_TYPES = ("city",) * 17 + ("town", "district", "metropolitan-area")
REGION_SHARE = 0.1
MEMBERS_PER_PAIRING = 1.8


@dataclass
class Member:
    """A generated member: id, label, type and country (an alpha-3 code)."""

    id: str
    label: str
    type: str
    country: str
    alt_labels: tuple[str, ...] = ()


@dataclass
class Synthetic:
    """Every generated record, by kind."""

    members: list[Member] = field(default_factory=list)
    pairings: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    stakeholders: list[dict] = field(default_factory=list)


def theme_ids(source: Path) -> dict[str, str]:
    """The themes of the data folder: id -> label."""
    with open(source / "themes.csv", encoding="utf-8", newline="") as f:
        return {row["id"]: row["label"] for row in csv.DictReader(f)}


def concept_rules(source: Path) -> list[dict]:
    """The SDG mapping rules of the data folder that start from a theme or topic (not from one of its pairings)."""
    with open(source / "urban-agenda-topics.csv", encoding="utf-8", newline="") as f:
        concepts = set(theme_ids(source)) | {row["id"] for row in csv.DictReader(f)}
    with open(source / MAPPING, encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if row["from"] in concepts]


def quoted(text: str) -> dict[str, str]:
    """The quote columns of a generated record: a made-up passage and the text around it."""
    return {"quote": text, "quote_prefix": "A synthetic passage: ", "quote_suffix": " (end of the passage)."}


def phrase(rng: random.Random, words: int) -> str:
    """A few words of the vocabulary, capitalised."""
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


def member_pool(rng: random.Random, size: int, kind: str, start: int) -> list[Member]:
    """`size` members with unique labels and ids, numbered from start; regions or cities and others."""
    countries = sorted(pycountry.countries, key=lambda c: c.alpha_3)
    pool = []
    for number in range(start, start + size):
        country = rng.choice(countries)
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        label = f"{name} {number}"
        member_type = "region" if kind == "region" else rng.choice(CITY_TYPES)
        alt = (f"{name.upper()} {number}",) if number % 10 == 0 else ()
        pool.append(
            Member(f"{name.lower()}-{number}-{country.alpha_2.lower()}", label, member_type, country.alpha_3, alt)
        )
    if kind != "region" and pool:
        pool[0].type = "consortium"
    return pool


def pairings_of(
    rng: random.Random, pool: list[Member], n: int, kind: str, themes: dict[str, str], taken: set[str]
) -> Iterator[tuple[dict, list[Member]]]:
    """n pairings (rows of pairings.csv) of members of the pool, with unique ids; each with its members."""
    made = 0
    while made < n:
        size_a = 2 if rng.random() < 0.15 else 1
        size_b = 2 if rng.random() < 0.1 else 1
        chosen = rng.sample(pool, size_a + size_b)
        side_a, side_b = chosen[:size_a], chosen[size_a:]
        pairing_id = f"{side_a[0].id}--{side_b[0].id}"
        if pairing_id in taken:
            continue
        taken.add(pairing_id)
        made += 1
        title = phrase(rng, 4) if rng.random() < 0.5 else ""
        theme = rng.choice(sorted(themes))
        text = f"{phrase(rng, 12)}. {phrase(rng, 10)}."
        yield (
            {
                "id": pairing_id,
                "kind": kind,
                "side_a": ";".join(m.id for m in side_a),
                "side_b": ";".join(m.id for m in side_b),
                "theme": theme,
                "case_title": title,
                "case_text": text,
                "keywords": ";".join(sorted({rng.choice(WORDS) for _ in range(rng.randint(2, 5))})),
                "source": f"{themes[theme]}; {title or 'in passing'}",
                **quoted(f"{title} {text}" if title else text),
            },
            chosen,
        )


def generate(pairings: int, seed: int, themes: dict[str, str]) -> Synthetic:
    """Generate members, pairings, actions and stakeholders for a number of pairings."""
    rng = random.Random(seed)
    regional = round(pairings * REGION_SHARE) if pairings > 1 else 0
    out = Synthetic()
    used: dict[str, Member] = {}
    taken: set[str] = set()
    start = 1
    for kind, n in (("city-to-city", pairings - regional), ("region-to-region", regional)):
        pool = member_pool(rng, max(3, math.ceil(n * MEMBERS_PER_PAIRING)), kind.split("-")[0], start)
        start += len(pool)
        for pairing, members in pairings_of(rng, pool, n, kind, themes, taken):
            out.pairings.append(pairing)
            used.update((m.id, m) for m in members)
    out.members = sorted(used.values(), key=lambda m: m.id)
    for number, pairing in enumerate(out.pairings, start=1):
        if number % 2 == 0:
            description = f"{phrase(rng, 14)}."
            out.actions.append(
                {
                    "id": f"action-{number}",
                    "label": phrase(rng, 3),
                    "pairing": pairing["id"],
                    "kind": "pilot-project" if number % 6 == 0 else "action",
                    "description": description,
                    "source": pairing["source"],
                    **quoted(description),
                }
            )
        if number % 3 == 0:
            label = f"{phrase(rng, 2)} association"
            out.stakeholders.append(
                {
                    "id": f"stakeholder-{number}",
                    "label": label,
                    "helix": rng.choice(HELIX_SECTORS),
                    "pairing": pairing["id"],
                    "source": pairing["source"],
                    **quoted(label),
                }
            )
    return out


def rows(synthetic: Synthetic) -> dict[str, Callable[[], Iterator[dict]]]:
    """The rows of each generated file, as column -> cell text."""
    source = "Synthetic data; in passing"
    return {
        "countries.csv": lambda: (
            {"code": code, "alpha3": code} for code in sorted({m.country for m in synthetic.members})
        ),
        "members.csv": lambda: (
            {
                "id": m.id,
                "label": m.label,
                "alt_labels": ";".join(m.alt_labels),
                "type": m.type,
                "country": m.country,
                "source": source,
                **quoted(m.label),
            }
            for m in synthetic.members
        ),
        "pairings.csv": lambda: iter(synthetic.pairings),
        "actions.csv": lambda: iter(synthetic.actions),
        "stakeholders.csv": lambda: iter(synthetic.stakeholders),
        "places.csv": lambda: (
            {
                "member": m.id,
                "match": "not-a-place" if m.type == "consortium" else "unresolved",
                "note": "a synthetic member: no GeoNames feature",
            }
            for m in synthetic.members
        ),
    }


def synth(pairings: int, out: Path, seed: int = 1, source: Path | None = None) -> Synthetic:
    """Write a data folder with `pairings` pairings into out (replacing the files it writes); the fixed lists
    and the SDG mapping's rules come from source (default: the curated data the package carries)."""
    if pairings < 1:
        raise ValueError("a data folder needs at least one pairing")
    source = Path(source) if source is not None else bundled("data")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    synthetic = generate(pairings, seed, theme_ids(source))
    generated = {**rows(synthetic), MAPPING: lambda: iter(concept_rules(source))}
    for table in TABLES:
        if table.file in FIXED:
            shutil.copyfile(source / table.file, out / table.file)
            continue
        with open(out / table.file, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(table.columns), restval="", lineterminator="\n")
            writer.writeheader()
            writer.writerows(generated[table.file]())
    return synthetic


def synth_command(pairings: int, out: Path, seed: int) -> int:
    """Write the folder and say what it holds; 0, or 2 for a bad number of pairings."""
    try:
        synthetic = synth(pairings, out, seed)
    except ValueError as exc:
        print(f"iuckg synth: {exc}", file=sys.stderr)
        return 2
    print(
        f"{out}: {len(synthetic.pairings)} pairings, {len(synthetic.members)} members, "
        f"{len(synthetic.actions)} actions, {len(synthetic.stakeholders)} stakeholders"
    )
    return 0
