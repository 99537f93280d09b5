"""Which visitors' queries may be evaluated: no `SERVICE`, only local graphs, bounded nesting.

Oxigraph evaluates `SERVICE` by calling the named endpoint, so the decision is made
from a real parse of the query by rdflib's SPARQL 1.1 grammar, never from a scan of its
tokens. A text the parser cannot read is refused. Where the two parsers read text
differently, the guard reads it as Oxigraph does:

- Oxigraph ends a comment at a carriage return as at a line feed (the grammar's EOL);
  rdflib only at a line feed. The parser is given the text with CR as LF, which changes
  nothing else (neither may appear in an IRI or a short string; a long string keeps its
  extent).
- Oxigraph reads `\\u`/`\\U` escapes inside strings and IRIs only; rdflib expands them
  everywhere before parsing. A query with such an escape is refused: write the character.

A text that cannot spell `SERVICE` or `FROM` skips the parse: without those letters
(compared after NFKC normalisation and case folding, so long s, full-width letters and
the like count), no parser can find those keywords in it. Such a text skips the parse
only when it holds at most MAX_DEPTH brackets in all (never fewer than its depth), so
nesting is bounded either way.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from dataclasses import dataclass

from pyparsing import ParseResults

# Most brackets a query may hold and skip the parse. Deeper texts are parsed, and the parser
# refuses nesting beyond what its recursion holds (some hundreds of levels, with the recursion
# limit query workers set), far below where Oxigraph's recursive parser overflows a worker's
# stack (9,000 levels killed one; 2,000 parse).
MAX_DEPTH = 200
RECURSION_LIMIT = 20_000
TRIGGERS = ("service", "from")
ESCAPE = "\\u"  # \\U too, after case folding
OPENERS = ("(", "{", "[")


class QueryRefused(ValueError):
    """A query this endpoint will not evaluate."""


@dataclass(frozen=True)
class Verdict:
    """What the guard found in a query it lets through."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    form: str | None = None  # SelectQuery, ConstructQuery, DescribeQuery or AskQuery, when the text was parsed

    @property
    def names_dataset(self) -> bool:
        """Whether the query names its own dataset (FROM / FROM NAMED)."""
        return bool(self.default_graphs or self.named_graphs)


def cannot_spell_keywords(folded: str) -> bool:
    """Whether no parser could read SERVICE or FROM in this (normalised, case-folded) text."""
    return not any(trigger in folded for trigger in TRIGGERS)


def folded_without_escapes(query: str) -> str:
    """The text NFKC-normalised and case-folded; QueryRefused if it holds a \\u or \\U escape."""
    folded = unicodedata.normalize("NFKC", query).casefold()
    if ESCAPE in folded:
        raise QueryRefused("\\u and \\U escapes are not accepted by this endpoint; write the characters themselves")
    return folded


def bracket_count(query: str) -> int:
    """How many opening brackets a text holds anywhere (an upper bound of its nesting depth)."""
    return sum(query.count(c) for c in OPENERS)


@functools.lru_cache(maxsize=4096)
def analyse(query: str, base: str | None = None) -> Verdict:
    """Parse a query and say what it names; raise QueryRefused for SERVICE, unreadable or too deep texts."""
    if cannot_spell_keywords(folded_without_escapes(query)) and bracket_count(query) <= MAX_DEPTH:
        return Verdict()
    return parse(query, base)


PARSE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4096)
def parse(query: str, base: str | None = None) -> Verdict:
    """The verdict of a full parse of a query (no fast path); raise QueryRefused as `analyse` does."""
    folded_without_escapes(query)
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import Query

    try:
        with PARSE_LOCK:  # rdflib's grammar (pyparsing, with its packrat cache) is not thread-safe
            parsed = Query.parse_string(query.replace("\r", "\n"), parse_all=True)
            prologue = translatePrologue(parsed[0], base)
    except RecursionError:
        raise QueryRefused(
            "the query is nested too deeply for this endpoint (a few hundred levels of brackets at most)"
        ) from None
    except (ParseBaseException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise QueryRefused(f"SPARQL syntax error: {exc}") from None
    default: list[str] = []
    named: list[str] = []
    for node in walk(parsed[1]):
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            raise QueryRefused("SERVICE (federated query) is not allowed: this endpoint never contacts other hosts")
        if name == "DatasetClause":  # CompValue.get answers its key when the key is missing: test membership
            key = "default" if "default" in node else "named"
            (default if key == "default" else named).append(dataset_iri(prologue, dict.__getitem__(node, key)))
    return Verdict(tuple(default), tuple(named), parsed[1].name)


def dataset_iri(prologue, term) -> str:
    """The absolute IRI of a graph a FROM clause names; raise QueryRefused if its prefix is not declared."""
    try:
        return str(prologue.absolutize(term))
    except Exception as exc:  # rdflib raises a bare Exception for an undeclared prefix
        raise QueryRefused(f"SPARQL syntax error: {exc}") from None


def walk(root):
    """Every node of a parse tree, without recursion (trees can be deep)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, dict):  # CompValue
            children = node.values()
        elif isinstance(node, (list, tuple, ParseResults)):
            children = node
        else:
            continue
        stack.extend(child for child in children if not isinstance(child, str))


def check_query(query: str, local_graphs: frozenset[str] | set[str], base: str | None = None) -> Verdict:
    """The verdict on a visitor's query; raise QueryRefused if it would reach other hosts or name unknown graphs."""
    verdict = analyse(query, base)
    for iri in verdict.default_graphs + verdict.named_graphs:
        if iri not in local_graphs:
            raise QueryRefused(
                f"FROM <{iri}> names no graph of this endpoint, which never fetches remote data; "
                f"its graphs are: {', '.join(sorted(local_graphs))}"
            )
    return verdict
