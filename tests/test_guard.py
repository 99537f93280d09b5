"""The SPARQL guard against the engine itself: a grammar-based fuzzer whose oracle is pyoxigraph.

Texts are built from the SPARQL 1.1 grammar's corner cases around a SERVICE clause naming a
loopback listener (in every spelling of its IRI): comments and every kind of line end and
space, keyword spellings, strings in all four forms, language tags and datatypes, odd IRIs,
prefixed names, variables right before punctuation, blank-node brackets and collections, the
patterns that can hold a SERVICE (also in the projection, ORDER BY and HAVING), a little of
SPARQL 1.2 and Oxigraph's LATERAL, and stray quotes, hashes and brackets spliced in anywhere,
so that SERVICE is sometimes a clause and sometimes inside a string, comment, IRI or name.
Each text is evaluated by the engine: when it calls the listener, it read a SERVICE clause,
and the guard must have refused the text. The examples are the same on every run.
"""

from __future__ import annotations

import functools
import re
import socket
import sys
import threading
import time
from collections import Counter

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdflib.plugins.sparql.parser import parseQuery

from iuckg import guard
from iuckg.guard import RECURSION_LIMIT, QueryRefused, Verdict, analyse, check_query, walk

EXAMPLES = 1_500


class Listener:
    """A loopback TCP listener that counts the connections it accepts and closes each at once."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.authority = "%s:%d" % self.server.getsockname()
        self.base = f"http://{self.authority}/"
        self.accepted = 0
        self.probes = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        """Accept, count and close connections until the server socket is closed."""
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def settled(self) -> int:
        """How many connections others have made so far, counted once a probe of ours has been accepted.

        The kernel queues connections in the order they were made and the listener accepts them in
        that order, so by the time it closes the probe it has counted every connection made before.
        """
        with socket.create_connection(self.server.getsockname(), timeout=5) as probe:
            probe.recv(1)  # returns once the listener has closed the probe
        self.probes += 1
        return self.accepted - self.probes

    def close(self) -> None:
        """Stop listening (shutting the socket down wakes the blocked accept)."""
        self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self.thread.join(timeout=5)


def store_for(base: str) -> ox.Store:
    """A store with a few triples in a named graph, so that patterns over the default union and GRAPH match."""
    store = ox.Store()
    ex, graph = f"{base}e/", ox.NamedNode(f"{base}e/g")
    for s, p, o in [(ox.NamedNode(f"{ex}s"), ox.NamedNode(f"{ex}p"), ox.NamedNode(f"{ex}o")),
                    (ox.NamedNode(f"{ex}o"), ox.NamedNode(f"{ex}p"), ox.Literal("x")),
                    (ox.NamedNode(f"{ex}s"), ox.NamedNode(f"{ex}q"), ox.Literal("a", language="en"))]:
        store.add(ox.Quad(s, p, o, graph))
    return store


@pytest.fixture(scope="module")
def listener():
    """The listener every SERVICE of the generated texts names."""
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def engine_contacts(listener):
    """The oracle: whether the engine, evaluating a text, connected to the listener."""
    store = store_for(listener.base)

    def engine_contacts(text: str) -> bool:
        """Evaluate the text to the end, whatever it raises; say whether the listener saw a new connection."""
        before = listener.settled()
        try:
            result = store.query(text, use_default_graph_as_union=True)
            if isinstance(result, ox.QueryBoolean):
                bool(result)
            else:
                for _ in result:
                    pass
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # syntax errors, failed SERVICE calls, panics (pyo3's PanicException is no Exception)
            pass
        return listener.settled() > before

    return engine_contacts


@pytest.fixture
def worker_recursion_limit():
    """The recursion limit of a query worker (see iuckg.web.evaluation.open_worker)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(RECURSION_LIMIT)
    yield
    sys.setrecursionlimit(old)


def refused(text: str) -> bool:
    """Whether the guard, without its caches, refuses a text."""
    analyse.cache_clear()
    guard.parse.cache_clear()
    try:
        analyse(text)
    except QueryRefused:
        return True
    return False


# ---- the grammar's corner cases -------------------------------------------------------------
# Texts are written with the placeholder authority below (port 0, which nobody can be called at),
# replaced by the listener's before evaluation; every IRI in them is on that authority, and stray
# characters are never spliced into it. Each part is drawn from valid corner cases or, `noise`
# times in a hundred, from invalid ones.

AUTHORITY = "127.0.0.1:0"
HOST = f"http://{AUTHORITY}/"
ENDPOINT = f"{HOST}sparql"
SERVICE_TEXT = f"SERVICE <{ENDPOINT}> {{ ?s ?p ?o }}"

SPACES = (" ", " ", " ", "\n", "\t", "\r", "\r\n", "  \n ")
ODD_SPACES = ("\u00a0", "\u2028", "\x0c", "\x0b", "\u3000", "\x85")
COMMENT_TEXT = ("", " c", '"', "'", "'''", '"""', "<", ">", "{", "}", "\\", "#", "?x", "SERVICE", SERVICE_TEXT,
                "\u2028", "\x0c", "\x85", "\u00a0")
LINE_ENDS = ("\n", "\r", "\r\n")
STRING_TEXT = ("x", "SERVICE", SERVICE_TEXT, "#", "{", "}", "<", ">", "\\\\", "\\n", "\\t", "\\r", " ", "?o", "\t")
QUOTED = {  # what each quoting may hold besides STRING_TEXT
    "'": ('"', "\\'", "\\\"", '"""'),
    '"': ("'", '\\"', "\\'", "'''"),
    "'''": ('"', "'", "''", "\n", "\r", "\r\n", '"""', "\\'", "'\\''"),
    '"""': ("'", '"', '""', "\n", "\r", "\r\n", "'''", '\\"', '"\\""'),
}
ODD_STRING_TEXT = ("\n", "\r", "'", '"', "''", '""', "\\", "\\q", "\\u0053", "'''", '"""')
SUFFIXES = ("", "", "", "@en", "@en-GB", "@service", "^^ex:dt", f"^^<{HOST}e/dt>", " ^^ ex:dt", "^^xsd:string")
ODD_SUFFIXES = ("@en--ltr", "@", "^^", "@1", "^^SERVICE")

VARIABLES = ("?s", "?p", "?o", "?x", "$s", "?service", "?SERVICE", "$from", "?_1", "?ſervice")
IRIS = (f"<{HOST}e/o>", f"<{HOST}e/a#SERVICE>", f"<{HOST}e/a;,!$&'()*+=~@:%20.>", f"<{HOST}e/a\u00a0b>",
        f"<{HOST}e/é#x>", "<e/o>", "<>", "<#SERVICE>", f"<{HOST}SERVICE>")
ODD_IRIS = (f"<{HOST}SERVICE/{{x}}>", f"<{HOST}e/ SERVICE>", f"<{HOST}e/a|b>", f"<{HOST}e/a\\u0053>",
            f'<{HOST}e/a"b>', f"<{HOST}e/a<b>", f"<{HOST}e/a\\>b>", f"<{HOST}e/a\nb>")
NAMES = ("ex:o", "ex:s", "ex:", "ex:a.b", "ex:a-b", "ex:a:b", "ex:%53ERVICE", "ex:a\\-b", "ex:\\#x", "ex:SERVICE",
         "ex:service.x", "ex:1.5", "ex:a\\.", "_:b", "_:SERVICE", "_:a.b", ":")
ODD_NAMES = ("SERVICE:x", "ex:a\\", "ex:%5", "ex:a\\q", "ex:.a", "ex:a.", "_:", "ex :a", "ex:#\nSERVICE")
NUMBERS = ("1", ".5e3", "1.5", "-2", "+3", "1e5", "01", "1.e2", ".5", "1.", "-.5E-3")
ODD_NUMBERS = ("1.SERVICE", "1e", "+-1", "1..2", "0x1")
NODES = ("[]", "[ ]", "[\n]", "[ ?q ?x ]", "[ ?q ?x]", "[?q ?x ; ?r ?y ]", "( ?x ?y )", "(?x)", "()", "( )",
         "[ ex:p [ ?q ?x ] ]", "(1 \"a\" ex:o)")
ODD_NODES = ("[", "(", "[ ?q ]", "( ?x", "[ ?q ?x ;; ]", "<<( ?s ?p ?o )>>", "<< ?s ?p ?o >>", "<<?s ?p ?o ~ ?r>>")
VERBS = ("ex:p", "a", "ex:p*", "ex:p+", "ex:p?", "^ex:p", "ex:p/ex:p", "!ex:q", "!(ex:q|^ex:p)", "(ex:p|ex:q)",
         "<e/p>", "ex:SERVICE")
ODD_VERBS = ("ex:p{1}", "ex:p?o", "ex:p**", "^", "ex:p|", "!")
TIGHT_TRIPLES = ("?s ex:p?o", "?s ex:p? ?o", "?s ?p?o", "?s?p?o", "[]?p?o", "?s ?p ?o#", "?s ?p?o#\n", "?s ?p ?o]",
                 "?s a?o", "?s ?p ?o,?o", "?s ?p ?o;?p ?o", "?s ?p ?o;", "?s ?p ?o)", "?s ?p ?o!=?o")
TAILS = ("", "", "", " ;", ";", " ; ?q ?r", ",?z", " , ?z", '#"\r', "#'\n")
ODD_TAILS = (" {| ?q ?r |}", " ~ ?r", "~", "{|", ",", ";;")  # the first three are SPARQL 1.2, which rdflib lacks
TARGETS = (f"<{ENDPOINT}>", f"<{ENDPOINT}>", "<sparql>", "<./sparql>", "<>", "<?q=1>", "<#service>",
           f"<//{AUTHORITY}/sparql>", "svc:sparql", "svc:sp%61rql", "svc:sp\\-arql", ":", f"<{ENDPOINT}#x>")
EXPRESSIONS = ('?o != "x"', '?o!="#"', '?o!="x"', "?o<?s", f"?o < <{HOST}e/o>", "?o<<e/o>", "?x>?o",
               'regex(str(?o), "SERVICE")', 'lang(?o) = "en"', "?o IN (1, 2)", '?o NOT IN ("a")', "bound(?x)",
               "true", "!false", "?o = ex:SERVICE", "1.5e0 >= .5", "(?o)", "!bound(?x)")
ODD_EXPRESSIONS = ("1. < .5e3", "?o != 1.", "?o <", "?o = = 1", "<e/o")
VALUES = ('?x { "a" ex:s UNDEF }', "(?x ?y) { (1 2) }", "?x{}", f"?x {{ <{ENDPOINT}> }}", "() { () }")
PROLOGUE = (("VERSION", '"1.2"', 1), ("BASE", f"<{HOST}>", 10), ("PREFIX", f"svc: <{HOST}>", 10),  # tenths included
            ("PREFIX", f": <{ENDPOINT}>", 10), ("PREFIX", f"ex: <{HOST}e/>", 10),
            ("PREFIX", f"xsd: <{HOST}xsd#>", 5))
FORMS = ("SELECT * WHERE", "SELECT * WHERE", "select ?s ?o where", "SELECT *", "SELECT (COUNT(*) AS ?n) WHERE",
         "SELECT DISTINCT ?s WHERE", "ASK", "ASK WHERE", "CONSTRUCT { ?s ?p ?o } WHERE", "DESCRIBE ?s WHERE",
         "DESCRIBE * WHERE", f"SELECT * FROM <{HOST}e/g> WHERE", f"SELECT * FROM NAMED <{HOST}e/g> WHERE")
MODIFIERS = ("", "", "", " LIMIT 5", " ORDER BY ?s", " OFFSET 0", " VALUES ?s { UNDEF }", "#", "# SERVICE",
             "\n# end", f"#{SERVICE_TEXT}")
SPLICES = ('"', "'", "'''", '"""', "#", "<", ">", "\\", "{", "}", "\r", "\n", "\u00a0", "SERVICE", "]", ")", ".",
           "?", ":")
NOISE = (0, 0, 0, 1, 3, 10)  # hundredths


@functools.lru_cache(maxsize=None)
def sampled(options: tuple) -> st.SearchStrategy:
    """A strategy drawing one of some options (cached: every text draws from the same few tuples)."""
    return st.sampled_from(options)


class Writer:
    """Writes one query text from hypothesis draws, with invalid corner cases `noise` times in a hundred."""

    def __init__(self, draw, noise: int) -> None:
        self.draw, self.noise = draw, noise

    def pick(self, options: tuple, odd: tuple = ()) -> str:
        """One of the options or, `noise` times in a hundred, of the odd ones."""
        if odd and self.noise and self.draw(st.integers(0, 99)) < self.noise:
            return self.draw(sampled(odd))
        return self.draw(sampled(options))

    def chance(self, tenths: int) -> bool:
        """True `tenths` times in ten."""
        return self.draw(sampled(tuple(range(10)))) < tenths

    def gap(self, least: int = 1) -> str:
        """Mostly one space or none (when `least` is 0), else whitespace of every kind and comments ended by
        LF, CR or CRLF."""
        if self.chance(5):
            return " " if least or self.chance(5) else ""
        return "".join(self.comment() if self.chance(3) else self.pick(SPACES, ODD_SPACES)
                       for _ in range(self.draw(st.integers(max(least, 1), 3))))

    def comment(self) -> str:
        """A comment holding quotes, brackets or keywords, ended by LF, CR or CRLF."""
        return "#" + "".join(self.pick(COMMENT_TEXT) for _ in range(self.draw(st.integers(0, 3)))) \
            + self.pick(LINE_ENDS)

    def keyword(self, word: str) -> str:
        """A keyword in any ASCII case or, when odd, with long s, dotless i or full-width letters."""
        spelling = self.pick(("upper", "upper", "lower", "mixed", "title"), ("long s", "dotless i", "full width"))
        if spelling == "mixed":
            return "".join(c.upper() if self.chance(5) else c.lower() for c in word)
        if spelling == "full width":
            return "".join(chr(ord(c) + 0xFEE0) for c in word.upper())
        return {"upper": word.upper(), "lower": word.lower(), "title": word.title(),
                "long s": word.lower().replace("s", "\u017f"), "dotless i": word.lower().replace("i", "\u0131")
                }[spelling]

    def string(self) -> str:
        """A string in one of the four quotings, with quotes, escapes, line ends, hashes, braces or a SERVICE
        clause inside, maybe with a language tag or datatype."""
        quote = self.pick(tuple(QUOTED))
        body = "".join(self.pick(STRING_TEXT + QUOTED[quote], ODD_STRING_TEXT)
                       for _ in range(self.draw(st.integers(0, 4))))
        return quote + body + quote + self.pick(SUFFIXES, ODD_SUFFIXES)

    def term(self, subject: bool) -> str:
        """A subject or object: mostly a variable, else an IRI, name, blank node, collection, string or number."""
        kind = self.pick(("variable",) * 6 + ("iri", "name", "node") + (() if subject else ("string", "number")))
        if kind == "variable":
            return self.pick(VARIABLES)
        if kind == "string":
            return self.string()
        return self.pick(*{"iri": (IRIS, ODD_IRIS), "name": (NAMES, ODD_NAMES), "node": (NODES, ODD_NODES),
                           "number": (NUMBERS, ODD_NUMBERS)}[kind])

    def triples(self) -> str:
        """A triple pattern, maybe with more objects or predicates, its punctuation sometimes right after a term."""
        if self.chance(1):
            return self.pick(TIGHT_TRIPLES)
        verb = self.pick(VARIABLES) if self.chance(6) else self.pick(VERBS, ODD_VERBS)
        return (self.term(True) + self.gap() + verb + self.gap() + self.term(False)
                + (self.gap(0) if self.chance(3) else "") + self.pick(TAILS, ODD_TAILS))

    def braced(self, depth: int, focus: bool) -> str:
        """A group graph pattern."""
        return "{" + self.group(depth, focus) + self.gap(0) + "}"

    def service(self, depth: int) -> str:
        """A SERVICE clause naming the listener, in any spelling of its IRI."""
        target = self.pick(TARGETS)
        silent = self.gap() + self.keyword("SILENT") if self.chance(3) else ""
        glued = target.startswith("<") or (self.noise and self.chance(2))  # Oxigraph reads SERVICEsvc:x too
        return (self.keyword("SERVICE") + silent + (self.gap(0) if glued else self.gap()) + target + self.gap(0)
                + self.braced(depth - 1, False))

    def element(self, depth: int, focus: bool) -> tuple[str, bool]:
        """One part of a group graph pattern and whether it is triples; with `focus`, a part holding a SERVICE
        clause at some depth."""
        if focus:
            part = self.service(depth) if depth <= 0 or self.chance(3) else self.wrap(depth, True)
            if self.chance(3):  # alone on a line after a comment, hidden from a parser that ends it elsewhere
                part = self.comment() + part + "\n"
            return part, False
        kind = self.pick(("triples", "triples", "triples", "filter", "bind", "values", "wrap", "wrap"))
        if kind == "triples" or (kind == "wrap" and depth <= 0):
            return self.triples(), True
        if kind == "filter":
            return self.keyword("FILTER") + self.gap(0) + "(" + self.pick(EXPRESSIONS, ODD_EXPRESSIONS) + ")", False
        if kind == "bind":
            return "BIND(" + self.pick(EXPRESSIONS, ODD_EXPRESSIONS) + self.gap() + self.keyword("AS") + " ?v)", False
        if kind == "values":
            return self.keyword("VALUES") + self.gap() + self.pick(VALUES), False
        return self.wrap(depth, False), False

    def wrap(self, depth: int, focus: bool) -> str:
        """A pattern holding a group: OPTIONAL, MINUS, UNION, GRAPH, EXISTS, NOT EXISTS, BIND, a subquery, LATERAL."""
        k, gap = self.keyword, self.gap
        kind = self.pick(("OPTIONAL", "MINUS", "UNION", "UNION", "GRAPH", "EXISTS", "NOT EXISTS", "FILTER(",
                          "BIND", "SELECT", "LATERAL", "GROUP"))
        inner = self.braced(depth - 1, focus)
        if kind == "OPTIONAL":
            return k("OPTIONAL") + gap(0) + inner
        if kind == "MINUS":
            return k("MINUS") + gap() + inner
        if kind == "UNION":
            sides = [inner, self.braced(depth - 1, False)]
            if self.chance(5):
                sides.reverse()
            return sides[0] + gap(0) + k("UNION") + gap(0) + sides[1]
        if kind == "GRAPH":
            return k("GRAPH") + gap() + self.pick(("?g", "ex:g", "<e/g>")) + gap(0) + inner
        if kind == "EXISTS":
            return k("FILTER") + gap() + k("EXISTS") + gap(0) + inner
        if kind == "NOT EXISTS":
            return k("FILTER") + gap() + k("NOT") + gap() + k("EXISTS") + gap(0) + inner
        if kind == "FILTER(":
            return "FILTER(" + self.pick(("{}", "!{}", "{} || true", "IF(true, {}, false)", "COALESCE({})")).format(
                k("EXISTS") + gap(0) + inner) + ")"
        if kind == "BIND":
            return "BIND(" + k("EXISTS") + gap(0) + inner + gap() + k("AS") + " ?b)"
        if kind == "SELECT":
            return "{ " + k("SELECT") + " * " + k("WHERE") + gap(0) + inner + " }"
        if kind == "LATERAL":  # an Oxigraph extension
            return k("LATERAL") + gap(0) + inner
        return inner

    def group(self, depth: int, focus: bool) -> str:
        """The inside of a group graph pattern; with `focus`, one of its parts holds a SERVICE clause."""
        parts = [self.element(depth, False) for _ in range(self.draw(st.integers(0, 2)))]
        if focus:
            parts.insert(self.draw(st.integers(0, len(parts))), self.element(depth, True))
        text = self.gap(0)
        for part, is_triples in parts:  # triples end with a dot, other parts maybe
            text += part + self.gap(0) + self.pick((".", " . ", ".\n") if is_triples else ("", " ", ".", " . "),
                                                   ("", "..", ";")) + self.gap(0)
        return text


@st.composite
def query_texts(draw) -> str:
    """A query text, mostly around a SERVICE clause naming HOST (in its WHERE clause, projection, ORDER BY or
    HAVING), maybe with stray characters spliced in."""
    writer = Writer(draw, draw(sampled(NOISE)))
    declarations = [writer.keyword(word) + writer.gap() + rest + writer.gap(0)
                    for word, rest, tenths in PROLOGUE if writer.chance(tenths)]
    depth = draw(st.integers(0, 3))
    focus = writer.pick(("where",) * 6 + ("select", "order", "having") * 2 + ("none",) * 4)
    form, where, modifier = writer.pick(FORMS), writer.braced(depth, focus == "where"), writer.pick(MODIFIERS)
    if focus in ("select", "order", "having"):
        exists = writer.keyword("EXISTS") + writer.gap(0) + writer.braced(depth, True)
        if focus == "order":
            modifier = f" ORDER BY {exists}"
        elif focus == "having":
            form, modifier = "SELECT ?s WHERE", f" GROUP BY ?s HAVING({exists})"
        else:
            form = f"SELECT ?s (({exists}) AS ?e) WHERE"
    text = "".join(draw(st.permutations(declarations))) + form + writer.gap(0) + where + modifier
    for _ in range(draw(st.integers(0, 2)) if writer.noise else 0):
        at = draw(st.integers(0, len(text)))
        if not any(start < at < start + len(AUTHORITY) for start in occurrences(text, AUTHORITY)):
            text = text[:at] + writer.pick(SPLICES) + text[at:]
    return text


def occurrences(text: str, part: str) -> list[int]:
    """Where a part starts in a text, each time."""
    return [match.start() for match in re.finditer(re.escape(part), text)]


# ---- the fuzzer ------------------------------------------------------------------------------

@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_no_text_the_engine_calls_out_for_gets_past_the_guard(listener, engine_contacts):
    tally: Counter[str] = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(query_texts())
    def check(text: str) -> None:
        """A text the engine calls out for is refused; so a text let through makes no call."""
        assume(len(text) <= 2_000)
        text = text.replace(AUTHORITY, listener.authority)
        contacted, let_through = engine_contacts(text), not refused(text)
        tally["examples"] += 1
        tally["engine called out"] += contacted
        tally["let through"] += let_through
        assert not (contacted and let_through), f"the guard let through a text the engine called out for: {text!r}"

    check()
    assert tally["examples"] >= EXAMPLES * 0.9, tally
    assert tally["engine called out"] >= tally["examples"] * 0.2, tally  # the fuzzer reaches SERVICE
    assert tally["let through"] >= tally["examples"] * 0.1, tally  # and ordinary queries


# ---- the oracle and known bypasses -----------------------------------------------------------

PLAIN_SERVICES = [
    f"SELECT * WHERE {{ SERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }}",
    f"select * where {{ service silent <{ENDPOINT}> {{ }} }}",
    f"PREFIX svc: <{HOST}> SELECT * WHERE {{ SERVICE svc:sparql {{ ?s ?p ?o }} }}",
    f"BASE <{HOST}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    f"ASK {{ ?s ?p ?o SERVICE <{ENDPOINT}> {{ }} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{ENDPOINT}> {{ }} }} }}",
    f"DESCRIBE ?s WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{ENDPOINT}> {{ }} }} }}",
    f"SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER NOT EXISTS {{ SERVICE <{ENDPOINT}> {{ }} }} }}",
    f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{ENDPOINT}> {{ }} }} }}",
    f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }} }} }}",
    f"PREFIX svc: <{HOST}> SELECT * WHERE {{ SERVICESILENTsvc:sparql{{}} }}",
]
HISTORIC_BYPASSES = [  # each once got past the hand-written tokenizer the guard had before its parser
    f'SELECT * WHERE {{ ?s ?p ?o#"\nSERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }}',  # a variable right before #
    f'SELECT * WHERE {{ ?s ?p ?o # "\r SERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }}',  # a comment ended by CR
    f"SELECT * WHERE {{ OPTIONAL {{ ?s ?p <{HOST}a\u00a0b> }} SERVICE <{ENDPOINT}> {{ }} }}",  # NBSP in an IRI
    f'SELECT * WHERE {{ ?s ?p ?o FILTER(?o!="x") SERVICE <{ENDPOINT}> {{ }} }}',  # a variable right before !="
    f"SELECT * WHERE {{ ?s ?p [ ?q ?x] SERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }}",  # a variable right before ]
]


@pytest.mark.parametrize("text", PLAIN_SERVICES + HISTORIC_BYPASSES)
def test_the_engine_calls_out_for_service_and_the_guard_refuses(listener, engine_contacts, text):
    text = text.replace(AUTHORITY, listener.authority)
    assert engine_contacts(text)
    assert refused(text)


def test_the_engine_stays_home_without_service(listener, engine_contacts):
    assert not engine_contacts(f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o != <{listener.base}sparql>) }}")


def test_a_comment_ended_by_cr_hides_service_from_rdflib_as_is(listener, engine_contacts):
    text = f"SELECT * WHERE {{ ?s ?p ?o # comment\r SERVICE <{listener.base}sparql> {{ ?s ?p ?o }}\n}}"
    parsed = parseQuery(text)  # rdflib reads the rest of the line, SERVICE clause included, as the comment
    assert not any(getattr(node, "name", None) == "ServiceGraphPattern" for node in walk(parsed[1]))
    assert engine_contacts(text)  # Oxigraph ends the comment at the CR and calls the endpoint
    assert refused(text)


# ---- what the guard lets through -------------------------------------------------------------

@pytest.mark.parametrize("query", [
    f'SELECT * WHERE {{ ?s ?p "{SERVICE_TEXT}" }}',
    f"SELECT * WHERE {{ ?s ?p '''a ' '' \" {SERVICE_TEXT} # '''@en }}",
    f'SELECT * WHERE {{ ?s ?p """\n}} {SERVICE_TEXT} {{\n"""^^<{HOST}dt> }}',
    f"SELECT * WHERE {{ ?s ?p ?o }} # {SERVICE_TEXT}",
    f"SELECT * WHERE {{ ?s ?p ?o # {SERVICE_TEXT}\n}}",
    f"SELECT * WHERE {{ ?s ?p ?o #\r\n# {SERVICE_TEXT}\r\n}}",
    f"SELECT ?service WHERE {{ ?service ?p <{HOST}SERVICE#SERVICE> }}",
    "SELECT $SERVICE WHERE { $SERVICE ?p ?o }",
    f"PREFIX ex: <{HOST}> SELECT * WHERE {{ ?s ex:SERVICE ex:service.x }}",
    f"PREFIX service: <{HOST}> SELECT * WHERE {{ ?s service:service ?o . _:service ?p ?o }}",
    'SELECT * WHERE { ?s ?p ?o FILTER(regex(?o, "service", "i")) } ORDER BY ?service',
])
def test_service_in_strings_comments_iris_and_names_is_let_through(listener, engine_contacts, query):
    query = query.replace(AUTHORITY, listener.authority)
    assert not refused(query)
    assert not engine_contacts(query)


LOCAL = frozenset({"http://local/graph/data", "http://local/graph/shapes"})


@pytest.mark.parametrize("query, base, default, named", [
    ("SELECT * FROM <http://local/graph/data> WHERE { ?s ?p ?o }", None, ("http://local/graph/data",), ()),
    ("SELECT * FROM NAMED <http://local/graph/shapes> WHERE { GRAPH ?g { ?s ?p ?o } }", None, (),
     ("http://local/graph/shapes",)),
    ("PREFIX g: <http://local/graph/> ASK FROM g:data FROM NAMED g:shapes { ?s ?p ?o }", None,
     ("http://local/graph/data",), ("http://local/graph/shapes",)),
    ("BASE <http://local/graph/> SELECT * FROM <data> WHERE { ?s ?p ?o }", None, ("http://local/graph/data",), ()),
    ("SELECT * FROM <graph/data> WHERE { ?s ?p ?o }", "http://local/", ("http://local/graph/data",), ()),
])
def test_from_local_graphs_is_let_through(query, base, default, named):
    verdict = check_query(query, LOCAL, base)
    assert (verdict.default_graphs, verdict.named_graphs) == (default, named)
    assert verdict.names_dataset


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://elsewhere/data> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://elsewhere/data> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * FROM <http://local/graph/data> FROM <http://local/graph/other> WHERE { ?s ?p ?o }",
    "BASE <http://elsewhere/> SELECT * FROM <data> WHERE { ?s ?p ?o }",
    "SELECT * fRoM <http://elsewhere/data> WHERE { ?s ?p ?o }",
    "SELECT * FROM undeclared:data WHERE { ?s ?p ?o }",
])
def test_from_other_graphs_is_refused(query):
    with pytest.raises(QueryRefused):
        check_query(query, LOCAL)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { FILTER(" + "(" * 9_000 + "1" + ")" * 9_000 + ") }",
    "SELECT * WHERE " + "{" * 9_000 + "}" * 9_000,
    "ASK { ?s ?p " + "(" * 9_000 + ")" * 9_000 + " }",
])
def test_deep_nesting_is_refused(worker_recursion_limit, query):
    with pytest.raises(QueryRefused, match="nested too deeply"):
        analyse.__wrapped__(query)


def test_a_plain_query_takes_the_fast_path(monkeypatch):
    def parse(query, base=None):
        """No parse: the fast path must answer."""
        raise AssertionError("the guard parsed a text that cannot spell SERVICE or FROM")

    monkeypatch.setattr(guard, "parse", parse)
    started = time.perf_counter()
    for n in range(200):
        assert analyse.__wrapped__(f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n}") == Verdict()
    assert time.perf_counter() - started < 0.5


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_the_guard_parses_correctly_from_many_threads_at_once():
    """The web app's threads parse their queries at the same time: rdflib's parser must not be entered twice."""
    from concurrent.futures import ThreadPoolExecutor

    from iuckg.guard import parse

    texts = [f"PREFIX ex: <http://example.org/> SELECT ?s FROM <http://example.org/g{i}> "
             f"WHERE {{ ?s ex:mapsFrom ?o OPTIONAL {{ ?o ex:p{i} ?v }} FILTER(?v != {i}) }}" for i in range(400)]
    with ThreadPoolExecutor(16) as pool:
        verdicts = list(pool.map(parse, texts))
    assert [v.default_graphs for v in verdicts] == [(f"http://example.org/g{i}",) for i in range(400)]
