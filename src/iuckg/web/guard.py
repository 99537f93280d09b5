"""Refuse queries that would make the server reach other hosts, before evaluation.

Oxigraph evaluates `SERVICE` by sending HTTP requests, so a query naming
SERVICE is refused. `FROM`/`FROM NAMED` may only name graphs this store holds
(Oxigraph never fetches them, but a remote IRI there is a mistake or a probe).
The query text is tokenised just enough to skip strings, IRIs and comments;
anything the tokeniser cannot read with certainty (a backslash outside a
string) is refused rather than guessed.
"""

from __future__ import annotations

import re

TOKEN = re.compile(r'''
    (?P<comment>\#[^\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!\'\'))*\'\'\'
               |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][^\s(){}.,;]+)
  | (?P<word>[^\s(){}\[\].,;<>"'#=!|&+*/\\^?$]+)
  | (?P<backslash>\\)
  | (?P<other>.)
''', re.X | re.S)


class QueryRefused(ValueError):
    """A query this endpoint will not evaluate."""


def tokens(query: str) -> list[tuple[str, str]]:
    """(kind, text) of every token that matters (no whitespace, no comments)."""
    out = []
    for match in TOKEN.finditer(query):
        kind = match.lastgroup
        if kind == "comment" or (kind == "other" and match.group().isspace()):
            continue
        if kind == "backslash":
            raise QueryRefused("a backslash outside a string or IRI cannot be checked; rewrite the query without it")
        out.append((kind, match.group()))
    return out


def prefixes(toks: list[tuple[str, str]]) -> dict[str, str]:
    """The PREFIX declarations of a query: prefix -> namespace IRI."""
    declared = {}
    for i, (kind, text) in enumerate(toks[:-2]):
        if kind == "word" and text.upper() == "PREFIX" and toks[i + 2][0] == "iri":
            declared[toks[i + 1][1].rstrip(":")] = toks[i + 2][1][1:-1]
    return declared


def dataset_iris(toks: list[tuple[str, str]]) -> list[str]:
    """The graph IRIs a query names in FROM / FROM NAMED clauses."""
    declared = prefixes(toks)
    iris = []
    for i, (kind, text) in enumerate(toks):
        if kind != "word" or text.upper() != "FROM":
            continue
        j = i + 1
        if j < len(toks) and toks[j][1].upper() == "NAMED":
            j += 1
        if j >= len(toks):
            raise QueryRefused("FROM is not followed by a graph IRI")
        target_kind, target = toks[j]
        if target_kind == "iri":
            iris.append(target[1:-1])
        elif target_kind == "word" and ":" in target and target.split(":", 1)[0] in declared:
            prefix, local = target.split(":", 1)
            iris.append(declared[prefix] + local)
        else:
            raise QueryRefused(f"FROM names {target!r}, which is not a graph IRI")
    return iris


def check_query(query: str, local_graphs: set[str]) -> None:
    """Raise QueryRefused if a query would reach other hosts or name unknown graphs."""
    toks = tokens(query)
    for kind, text in toks:
        if kind == "word" and text.upper() == "SERVICE":
            raise QueryRefused("SERVICE (federated query) is not allowed: this endpoint never contacts other hosts")
    for iri in dataset_iris(toks):
        if iri not in local_graphs:
            raise QueryRefused(f"FROM <{iri}> names no graph of this endpoint, which never fetches remote data; "
                               f"its graphs are: {', '.join(sorted(local_graphs))}")
