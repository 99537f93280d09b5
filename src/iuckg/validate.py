"""`iuckg validate`: check RDF files, or the graph built from data/, against the shapes."""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph
from rdflib.util import guess_format

from .build import compile_graphs, gate
from .gate import validate
from .records import DataErrors
from .settings import Settings
from .sources import parse_all, parse_source

CONFORMS, VIOLATES, ERROR = 0, 1, 2


def load_files(files: list[Path], settings: Settings) -> Graph:
    """Parse RDF files, with the ontology and SDG vocabulary they are checked against."""
    graph = Graph()
    graph += parse_source(settings.ontology_dir / "iuc.ttl", settings.base)
    graph += parse_all(settings.vocab_dir, settings.base)
    for path in files:
        graph.parse(path, format=guess_format(str(path)) or "turtle", publicID=settings.base)
    return graph


def validate_command(settings: Settings, files: list[Path]) -> int:
    """Print a validation report; return 0 if it conforms, 1 if not, 2 on error."""
    try:
        if files:
            report = validate(load_files(files, settings), parse_all(settings.shapes_dir, settings.base))
        else:
            compiled = compile_graphs(settings)
            report = gate(compiled.knowledge, compiled.graphs["shapes"])
    except DataErrors as exc:
        print(f"iuckg validate: the data cannot be read:\n{exc}", file=sys.stderr)
        return ERROR
    except (OSError, SyntaxError, ValueError) as exc:
        print(f"iuckg validate: {exc}", file=sys.stderr)
        return ERROR
    print(report.text)
    return CONFORMS if report.conforms else VIOLATES
