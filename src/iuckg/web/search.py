"""Search by name: a results page, the same answer as JSON, suggestions while typing, an OpenSearch description."""

from __future__ import annotations

import json
from itertools import groupby

from flask import Blueprint, Response, render_template, request

from ..index import KINDS, WORD
from .state import Published, published

bp = Blueprint("search", __name__)

MAX_QUERY = 200
RESULTS = 100
SUGGESTIONS = 8


def asked_text() -> str:
    """The search text of the request (?q=), cut to a sane length."""
    return request.args.get("q", "")[:MAX_QUERY].strip()


def results(pub: Published, text: str, limit: int) -> list[dict]:
    """The things found by a text, as plain records (label, kind, kind label, path, url, context)."""
    return [
        {
            "label": row["label"],
            "kind": row["kind"],
            "kind_label": KINDS[row["kind"]],
            "path": row["path"],
            "url": pub.base + row["path"].lstrip("/") if row["path"].startswith("/") else row["path"],
            "context": row["context"],
        }
        for row in pub.index.search(text, limit)
    ]


def grouped(found: list[dict]) -> list[tuple[str, list[dict]]]:
    """Results grouped by kind, the groups in the order of KINDS."""
    order = list(KINDS)
    found = sorted(found, key=lambda r: order.index(r["kind"]))  # stable: best first within a kind
    return [(KINDS[kind], list(group)) for kind, group in groupby(found, key=lambda r: r["kind"])]


@bp.route("/search")
def search_page():
    """The results page of a search, grouped by kind."""
    pub = published()
    text = asked_text()
    found = results(pub, text, RESULTS) if text else []
    return render_template("search.html", q=text, groups=grouped(found), n=len(found), limit=RESULTS)


@bp.route("/search.json")
def search_json():
    """The same search as JSON, for programs."""
    pub = published()
    text = asked_text()
    limit = request.args.get("limit", str(RESULTS))
    limit = min(int(limit), RESULTS) if limit.isdigit() and int(limit) > 0 else RESULTS
    body = {"query": text, "results": results(pub, text, limit) if text else []}
    return Response(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8")


@bp.route("/search/suggest")
def suggest():
    """Suggestions in the OpenSearch suggestions format: [text, labels, descriptions, URLs]."""
    pub = published()
    text = asked_text()
    found = results(pub, text, SUGGESTIONS) if text else []
    body = [
        text,
        [r["label"] for r in found],
        [f"{r['kind_label']}: {r['context']}".rstrip(": ") for r in found],
        [r["url"] for r in found],
    ]
    return Response(json.dumps(body, ensure_ascii=False), content_type="application/x-suggestions+json; charset=utf-8")


@bp.route("/opensearch.xml")
def opensearch():
    """The OpenSearch description that lets a browser add this search."""
    pub = published()
    return Response(
        render_template("opensearch.xml", base=pub.base),
        content_type="application/opensearchdescription+xml; charset=utf-8",
    )


def suggestions_for_path(pub: Published, path: str) -> list[dict]:
    """What a visitor who asked for a path that does not exist may have meant (from the path's last words)."""
    words = WORD.findall(path.rsplit("/", 1)[-1].replace("_", " "))
    words = [w for w in words if not w.isdigit()][:6]
    for n in range(len(words), 0, -1):  # drop trailing words until something is found
        found = results(pub, " ".join(words[:n]), 5)
        if found:
            return found
    return []
