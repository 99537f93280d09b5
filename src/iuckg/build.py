"""Build the knowledge graph: data files -> records -> RDF -> SHACL gate -> dist/."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF

from . import catalogue
from .convert import sdg_codes, to_graph
from .gate import Report, validate
from .index import write_index
from .integrity import manifest
from .layout import INDEX_FILE, PART_DUMPS, STORE_FILE, SUMMARY_FILE
from .links.summary import link_summary
from .namespaces import GRAPH_NAMES, Minter
from .records import load_dataset
from .roundtrip import store_edition
from .settings import Settings
from .sources import parse_all, parse_source

# The graphs that make up the published knowledge graph dumps.
KNOWLEDGE_GRAPHS = ("data", "ontology", "sdg")
DUMPS = {
    "iuckg.ttl": ox.RdfFormat.TURTLE,
    "iuckg.jsonld": ox.RdfFormat.JSON_LD,
}


class BuildError(Exception):
    """A build that must not publish: its report says why."""


@dataclass
class Compiled:
    """The named graphs of a build, the knowledge graph (their union the gate checks and the
    dumps hold, made once: a union of rdflib graphs is slow) and the dumps, by file name."""

    graphs: dict[str, Graph]
    knowledge: Graph
    dumps: dict[str, bytes]


@dataclass
class Build:
    """The named graphs of one build, its dumps and its SHACL report."""

    settings: Settings
    graphs: dict[str, Graph]
    dumps: dict[str, bytes]
    report: Report


def progress(message: str) -> None:
    """Report a build step on stderr."""
    print(f"iuckg: {message}", file=sys.stderr, flush=True)


def compile_graphs(settings: Settings) -> Compiled:
    """Read the data folder and the repository's RDF into the build's named graphs and dumps."""
    base = settings.base
    progress(f"reading vocabularies from {settings.vocab_dir}")
    sdg = parse_all(settings.vocab_dir, base)
    progress(f"reading data from {settings.data_dir}")
    data = load_dataset(settings.data_dir, sdg_codes(sdg))
    progress("converting records to RDF")
    graphs = {
        "data": to_graph(data, Minter(base)) + parse_source(settings.ontology_dir / "schemes.ttl", base),
        "ontology": parse_source(settings.ontology_dir / "iuc.ttl", base),
        "sdg": sdg,
        "shapes": parse_all(settings.shapes_dir, base),
    }
    knowledge = union(graphs[name] for name in KNOWLEDGE_GRAPHS)
    progress("writing the dumps and the catalogue")
    dumps = knowledge_dumps(knowledge, Minter(base))
    graphs["catalogue"] = catalogue.describe(
        graphs, knowledge, settings, {filename: len(content) for filename, content in dumps.items()}
    )
    return Compiled(graphs, knowledge, dumps)


def union(graphs: Iterable[Graph]) -> Graph:
    """One new graph holding the triples of several."""
    out = Graph()
    for graph in graphs:
        out += graph
    return out


def gate(knowledge: Graph, shapes: Graph) -> Report:
    """Validate the knowledge graph against the shapes."""
    progress("validating against the SHACL shapes")
    started = time.perf_counter()
    report = validate(knowledge, shapes)
    progress(f"SHACL gate: {'conforms' if report.conforms else 'VIOLATIONS'} ({time.perf_counter() - started:.2f} s)")
    return report


def sorted_ntriples(graph: Graph) -> bytes:
    """N-Triples of a graph, one line per triple, sorted: byte-identical for equal graphs."""
    lines = graph.serialize(format="nt", encoding="utf-8").splitlines()
    return b"".join(line + b"\n" for line in sorted(set(lines)) if line.strip())


def nquads(graphs: dict[str, Graph], minter: Minter) -> bytes:
    """N-Quads of every named graph, sorted within each graph."""
    out = []
    for name in GRAPH_NAMES:
        suffix = b" <" + str(minter.graph(name)).encode() + b"> .\n"
        out += [line[:-2].rstrip() + suffix for line in sorted_ntriples(graphs[name]).splitlines(keepends=True)]
    return b"".join(out)


def turtle(ntriples: bytes, minter: Minter, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> bytes:
    """Re-serialise sorted N-Triples in another format, keeping their order."""
    triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    prefixes = {k: str(v) for k, v in minter.prefixes().items()}
    return cast(bytes, ox.serialize(triples, format=fmt, prefixes=prefixes))  # no output: bytes


def gzipped(data: bytes) -> bytes:
    """Gzip bytes reproducibly: no file name, no time stamp."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)
    return buffer.getvalue()


def knowledge_dumps(knowledge: Graph, minter: Minter) -> dict[str, bytes]:
    """The knowledge graph (data + ontology + SDG) in each dump format, by file name."""
    nt = sorted_ntriples(knowledge)
    return {"iuckg.nt.gz": gzipped(nt), **{filename: turtle(nt, minter, fmt) for filename, fmt in DUMPS.items()}}


def class_counts(graph: Graph) -> dict[str, int]:
    """How many resources of each class a graph has."""
    counts = Counter(str(o) for o in graph.objects(None, RDF.type))
    return dict(sorted(counts.items()))


def write_files(build: Build, folder: Path) -> None:
    """Write every file of dist/ into a folder."""
    minter = Minter(build.settings.base)
    for filename, content in build.dumps.items():
        (folder / filename).write_bytes(content)
    edition, kept_out = store_edition(build.graphs)  # what the store keeps as it is given
    store_quads = nquads(edition, minter)
    (folder / STORE_FILE).write_bytes(store_quads)
    progress("writing the search and list index")
    write_index(store_quads, build.settings.base, folder / INDEX_FILE)
    for name, filename in PART_DUMPS.items():
        (folder / filename).write_bytes(turtle(sorted_ntriples(build.graphs[name]), minter))
    (folder / "validation-report.ttl").write_bytes(
        turtle(sorted_ntriples(to_canonical_graph(build.report.graph)), minter)
    )
    summary = {
        "base": build.settings.base,
        "conforms": build.report.conforms,
        "triples": {name: len(edition[name]) for name in GRAPH_NAMES},  # as the store holds them
        "classes": class_counts(build.graphs["data"]),
        **link_summary(build.graphs["data"], minter),
        # triples served from the build's files only (a store would retype their literals)
        "kept_out_of_store": kept_out,
        # what `iuckg serve` checks before serving: a damaged file is rebuilt, never served
        "files": manifest(folder, [p.name for p in folder.iterdir() if p.is_file()]),
    }
    (folder / SUMMARY_FILE).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def recover(dist: Path) -> None:
    """Undo what a killed build left beside dist/: bring back a retired build, drop staging folders."""
    retired = sorted(dist.parent.glob(f".{dist.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if retired and not dist.exists():
        os.rename(retired.pop(), dist)
    for leftover in (*retired, *dist.parent.glob(f".{dist.name}.new-*")):
        shutil.rmtree(leftover, ignore_errors=True)


def write_dist(build: Build, dist: Path) -> None:
    """Write dist/ atomically: into a fresh folder, then swapped in for the old one."""
    dist = Path(dist)
    dist.parent.mkdir(parents=True, exist_ok=True)
    recover(dist)
    staging = dist.parent / f".{dist.name}.new-{os.getpid()}"
    retired = dist.parent / f".{dist.name}.old-{os.getpid()}"
    staging.mkdir()
    try:
        write_files(build, staging)
        if dist.exists():
            os.rename(dist, retired)
        os.rename(staging, dist)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if retired.exists() and not dist.exists():
            os.rename(retired, dist)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def build(settings: Settings) -> Build:
    """Build the graph and write it to settings.dist_dir; raise if it does not conform."""
    compiled = compile_graphs(settings)
    result = Build(settings, compiled.graphs, compiled.dumps, gate(compiled.knowledge, compiled.graphs["shapes"]))
    if not result.report.conforms:
        raise BuildError(result.report.text)
    progress(f"writing {settings.dist_dir}")
    write_dist(result, settings.dist_dir)
    return result


def summary_table(result: Build) -> str:
    """A readable summary of a build: triples per graph, resources per class."""
    minter = Minter(result.settings.base)
    lines = [f"{'graph':<12} {'triples':>8}"]
    lines += [f"{name:<12} {len(result.graphs[name]):>8}" for name in GRAPH_NAMES]
    lines.append("")
    lines.append(f"{'class':<40} {'resources':>9}")
    for cls, n in class_counts(result.graphs["data"]).items():
        short = cls.replace(str(minter.iuc), "iuc:")
        lines.append(f"{short:<40} {n:>9}")
    return "\n".join(lines)
