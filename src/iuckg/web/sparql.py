"""The read-only SPARQL 1.1 Protocol endpoint at /sparql, its service description and editor."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request
from werkzeug.exceptions import HTTPException, NotAcceptable, ServiceUnavailable

from ..guard import QueryRefused
from ..namespaces import GRAPH_NAMES, SD, service_iri
from . import conneg
from .admission import Busy
from .describe import result_value
from .evaluation import TABLE, ClientGone, EngineError, Job, QueryCrashed, QueryTimeout, QueryTooLarge, Table
from .examples import examples
from .rdfio import content_type, rdf_response
from .state import published

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
READ_ONLY = "this endpoint is read-only: SPARQL Update is not supported"
W3C_FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
)


@dataclass
class ProtocolRequest:
    """A query operation as the SPARQL 1.1 Protocol defines it."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


def single(values: list[str], name: str) -> str | None:
    """The one value of a parameter that may appear at most once."""
    if len(values) > 1:
        abort(400, f"the {name!r} parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def read_request() -> ProtocolRequest:
    """Parse a protocol request; abort with 4xx for updates and malformed requests."""
    args = request.args
    if request.method in ("GET", "HEAD"):
        if "update" in args:
            abort(400, READ_ONLY)
        query = single(args.getlist("query"), "query")
        return ProtocolRequest(query, args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))
    mime, params = request.mimetype, request.mimetype_params
    if mime == FORM:
        form = request.form
        if "update" in form:
            abort(400, READ_ONLY)
        query = single(form.getlist("query"), "query")
        if query is None:
            abort(400, "a form-encoded POST needs a 'query' parameter")
        return ProtocolRequest(
            query,
            form.getlist("default-graph-uri") + args.getlist("default-graph-uri"),
            form.getlist("named-graph-uri") + args.getlist("named-graph-uri"),
        )
    if mime == QUERY_BODY:
        charset = params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            abort(415, f"a SPARQL query body must be UTF-8, not {charset}")
        try:
            query = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError:
            abort(400, "the query body is not valid UTF-8")
        return ProtocolRequest(query, args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))
    if mime == UPDATE_BODY:
        abort(400, READ_ONLY)
    abort(415, f"POST a query as {FORM} or {QUERY_BODY}, not {mime or 'a body without Content-Type'}")


def check_limits(req: ProtocolRequest) -> None:
    """Refuse queries longer than the configured limit.

    Graphs the protocol's `default-graph-uri`/`named-graph-uri` name are never fetched: one the store
    does not hold is an empty graph, as the W3C protocol tests expect."""
    limit = published().settings.max_query_length
    query = query_of(req)
    if len(query) > limit:
        abort(413, f"the query is {len(query)} characters long; the limit is {limit}")


def query_of(req: ProtocolRequest) -> str:
    """The query of a request that has one (the endpoint answers a request without one with its description)."""
    if req.query is None:
        raise ValueError("the request holds no query")
    return req.query


def busy(message: str, retry_after: int):
    """Abort with 503 and a Retry-After header."""
    raise ServiceUnavailable(message, retry_after=retry_after)


def optional_choice(offered: tuple[str, ...]) -> conneg.Format | None:
    """The negotiated format among offered ones, or None when the client accepts none of them."""
    try:
        return conneg.choose(request, offered)
    except NotAcceptable:
        return None


def evaluate(req: ProtocolRequest, results: conneg.Format | None, graph: conneg.Format | None):
    """Run a query in the worker pool, if admitted; protocol errors become 4xx/503 answers."""
    pub = published()
    settings = pub.settings
    query = query_of(req)
    job = Job(
        query,
        pub.base,
        tuple(req.default_graphs),
        tuple(req.named_graphs),
        None if results is None else (TABLE if results.key == "html" else results.key),
        None if graph is None else (TABLE if graph.key == "html" else graph.key),
        settings.max_result_bytes,
        pub.graph_names,
        settings.query_guard,
        settings.max_rows,
        settings.max_cells,
    )
    started = request.environ.get("iuckg.started", time.monotonic())
    gone = request.environ.get("iuckg.gone")
    try:
        with pub.admission.slot(request.remote_addr or "unknown"):
            return pub.evaluator.run(job, started + settings.query_timeout, gone)
    except Busy as exc:
        busy(str(exc), exc.retry_after)
    except QueryRefused as exc:
        abort(400, str(exc))
    except SyntaxError as exc:
        if looks_like_update(query):
            abort(400, READ_ONLY)
        abort(400, f"SPARQL syntax error {readable_syntax_error(str(exc), query)}")
    except EngineError as exc:
        abort(400, f"the query could not be evaluated: {exc}")
    except QueryTooLarge as exc:
        abort(413, f"{exc}; add a LIMIT or download a dump")
    except QueryTimeout as exc:
        busy(f"{exc}; simplify it or add a LIMIT", pub.retry_after)
    except QueryCrashed as exc:
        busy(str(exc), pub.retry_after)
    except ClientGone as exc:
        abort(Response(f"{exc}\n", status=499, content_type="text/plain; charset=utf-8"))


# Oxigraph's parser says "error at LINE:COLUMN: expected ALTERNATIVES" (columns count characters, from 1).
PARSER_MESSAGE = re.compile(r"error at (\d+):(\d+): expected (?:one of )?(.*)", re.DOTALL)
# One alternative: a character class [...], a quoted token "...", or a bare word or message.
ALTERNATIVE = re.compile(r"""\[(?:'(?:\\.|[^'\\])*'|[^\]'])*\]|"(?:\\.|[^"\\])*"|[^,\["]+""")
SINGLE_CHARACTER = re.compile(r"\['((?:\\.|[^'\\])+)'\]")
MOST_ALTERNATIVES = 12
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
EXCERPT = 36  # characters of the faulty line shown either side of the error


def alternative_text(alternative: str) -> str | None:
    """How one expected alternative reads: a token, a kind of character, or None for "any character"."""
    if alternative == "[_]":
        return None
    if single := SINGLE_CHARACTER.fullmatch(alternative):
        return quoted(single.group(1).replace("\\\\", "\\").replace("\\'", "'"))
    if alternative.startswith("["):
        return "a digit" if alternative == "['0'..='9']" else "a name character"
    if alternative.startswith('"'):
        token = alternative[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        return quoted(token)
    return alternative


def quoted(token: str) -> str:
    """A punctuation token in quotes that are not part of it."""
    return f"'{token}'" if '"' in token else f'"{token}"'


def line_of(query: str, line: int) -> str:
    """Line LINE (from 1) of a query, counted as the parser counts lines: at line feeds."""
    lines = query.split("\n")
    return lines[max(1, min(line, len(lines))) - 1].rstrip("\r")


def excerpt(query: str, line: int, column: int) -> str:
    """The faulty line of a query, cut around the error, with a caret under the column."""
    text = CONTROL.sub("\ufffd", line_of(query, line).expandtabs(1))
    start = max(0, column - 1 - EXCERPT)
    end = column - 1 + EXCERPT
    shown = ("…" if start else "") + text[start:end] + ("…" if len(text) > end else "")
    gutter = f"{line} | "
    return f"{gutter}{shown}\n{' ' * (len(gutter) - 2)}| {' ' * (column - 1 - start + (1 if start else 0))}^"


def undeclared_prefix(query: str, line: int, column: int) -> str:
    """The prefix of the prefixed name that ends where the parser stopped."""
    before = line_of(query, line)[: column - 1]
    found = re.search(r"([^\s:(){}\[\]<>;,./^|!]*):[^\s:]*$", before)
    return found.group(1) if found else ""


def readable_syntax_error(message: str, query: str) -> str:
    """A parser message made short: where the error is and what was expected, character classes named, not listed."""
    parsed = PARSER_MESSAGE.fullmatch(message.strip())
    if not parsed:
        return ": " + message[:500]
    line, column = int(parsed.group(1)), int(parsed.group(2))
    texts, other = [], False
    for alternative in (a.strip() for a in ALTERNATIVE.findall(parsed.group(3))):
        if not alternative:
            continue
        text = alternative_text(alternative)
        other |= text is None
        if text is not None and text not in texts:
            texts.append(text)
    where = f"at line {line}, column {column}"
    problems = [t for t in texts if " " in t and not t.startswith(("'", '"', "a "))]
    if "Prefix not found" in problems:
        prefix = undeclared_prefix(query, line, column)
        said = f"the prefix {prefix}: is not declared; add PREFIX {prefix}: <...>"
    elif problems:
        said = "; ".join(problems)
    elif not texts:
        said = "unexpected character"
    else:
        shown = texts[:MOST_ALTERNATIVES]
        more = other or len(texts) > len(shown)
        if len(shown) == 1 and not more:
            said = f"expected {shown[0]}"
        else:
            said = "expected one of " + ", ".join(shown) + (", …" if more else "")
    return f"{where}: {said}\n{excerpt(query, line, column)}"


def looks_like_update(query: str) -> bool:
    """Whether a query that failed to parse is an update operation."""
    words = {w.upper() for w in query.replace("{", " ").split()}
    return bool(words & {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"})


@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
def endpoint():
    """The SPARQL endpoint: a query answered per the protocol, or the service description."""
    req = read_request()
    if req.query is None:
        return service_description()
    results = optional_choice(conneg.RESULTS + ("html",))
    graph = optional_choice(conneg.RDF_ONLY + ("html",))
    try:
        check_limits(req)
        if results is None and graph is None:
            conneg.choose(request, conneg.RESULTS + conneg.RDF_ONLY)  # aborts with 406
        kind, body = evaluate(req, results, graph)
    except HTTPException as exc:
        if exc.code in EDITOR_ERRORS and wants_editor(results, graph):
            return editor(req.query, error=exc.description, status=exc.code)
        raise
    fmt = results if kind in ("boolean", "solutions") else graph
    if fmt is None:
        abort(406, f"a {kind} result cannot be given in any media type the request accepts")
    if fmt.key == "html":
        return editor(req.query, kind, body)
    return Response(body, content_type=content_type(fmt), headers={"Vary": "Accept"})


# Errors about the query itself, which the editor shows above the query it keeps (503s keep their own page).
EDITOR_ERRORS = (400, 413)


def wants_editor(results: conneg.Format | None, graph: conneg.Format | None) -> bool:
    """Whether the client asked for the editor page: HTML is the only format it accepts for any answer."""
    chosen = [fmt for fmt in (results, graph) if fmt is not None]
    return bool(chosen) and all(fmt.key == "html" for fmt in chosen)


def prefixes_of() -> dict[str, str]:
    """Prefixes for Turtle output."""
    return {k: str(v) for k, v in published().minter.prefixes().items()}


def service_description():
    """The SPARQL 1.1 Service Description (RDF), or the query editor for browsers."""
    fmt = conneg.choose(request, conneg.RDF_DOCUMENT)
    if fmt.key == "html":
        return editor(None, None)
    pub = published()
    endpoint_iri = ox.NamedNode(pub.base + "sparql")  # never the Host a client sent
    service = ox.NamedNode(str(service_iri(pub.base)))
    dataset = ox.NamedNode(pub.base + "sparql#dataset")
    default = ox.NamedNode(pub.base + "sparql#default-graph")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(str(SD[local]))

    triples = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), endpoint_iri),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, rdf_type, sd("Graph")),
        ox.Triple(
            dataset,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
            ox.NamedNode(pub.base + ".well-known/void"),
        ),
    ]
    for fmt_name in RESULT_FORMATS:
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(W3C_FORMATS + fmt_name)))
    for name in GRAPH_NAMES:
        named = ox.NamedNode(pub.base + f"sparql#graph-{name}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, rdf_type, sd("NamedGraph")),
            ox.Triple(named, sd("name"), pub.graph(name)),
        ]
    response = rdf_response(triples, fmt, prefixes_of())
    response.headers["Vary"] = "Accept"
    return response


def result_table(kind: str, answer: Table | bool | None, base: str) -> dict:
    """The editor's view of a bounded answer: a boolean, or columns and rows of page values."""
    if kind == "boolean":
        return {"boolean": answer}
    if not isinstance(answer, Table):
        raise TypeError(f"the answer of a {kind} query is a table, not {answer!r}")
    rows = [[result_value(term, base) for term in row] for row in answer.rows]
    return {"columns": list(answer.columns), "rows": rows, "truncated": answer.truncated, "graph": kind == "graph"}


def editor(
    query: str | None,
    kind: str | None = None,
    answer: Table | bool | None = None,
    error: str | None = None,
    status: int = 200,
):
    """The query editor page, with a table of results when a query was run, or the error that stopped it."""
    pub = published()
    table = result_table(kind, answer, pub.base) if kind is not None else None
    downloads = []
    if query is not None and error is None:
        keys = conneg.RDF_ONLY if kind == "graph" else conneg.RESULTS
        downloads = [(conneg.FORMATS[k].label, "?" + urlencode({"query": query, "format": k})) for k in keys]
    all_examples = examples(pub.base)
    html = render_template(
        "sparql.html",
        query=query,
        table=table,
        downloads=downloads,
        error=error,
        examples=all_examples,
        pub=pub,
        settings=editor_settings(pub.base, all_examples),
    )
    return Response(
        html,
        status=status,
        content_type="text/html; charset=utf-8",
        headers={"Vary": "Accept", "Link": f'<{pub.base}sparql>; rel="alternate"; type="text/turtle"'},
    )


def editor_settings(base: str, shown: list) -> dict:
    """What the JavaScript editor needs from the server: the base, prefixes, examples and download formats."""
    return {
        "base": base,
        "prefixes": prefixes_of(),
        "examples": [{"title": e.title, "query": e.query} for e in shown],
        "downloads": {
            group: [{"label": conneg.FORMATS[k].label, "format": k} for k in keys]
            for group, keys in (("results", conneg.RESULTS), ("graph", conneg.RDF_ONLY))
        },
    }
