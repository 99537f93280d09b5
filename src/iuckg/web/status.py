"""/status: what this server is serving and how its answer cache is doing, for people and for monitoring."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request

from . import conneg
from .state import ANSWERS, published

bp = Blueprint("status", __name__)

NO_STORE = "no-store"  # the status changes with every request: neither the answer cache nor a client keeps it


def status_of() -> dict:
    """The publication served, the server's shape and the answer cache's counts (shared by all workers)."""
    pub = published()
    settings = pub.settings
    answers = current_app.extensions.get(ANSWERS)
    cache = answers.counts() if answers is not None else None
    if cache is not None:
        asked = cache["hits"] + cache["misses"]
        cache["hit_ratio"] = round(cache["hits"] / asked, 4) if asked else None
    return {
        "base": pub.base,
        "publication": answers.publication if answers is not None else None,
        "workers": settings.workers,
        "threads_per_worker": settings.threads,
        "query_workers": settings.query_workers,
        "query_timeout_s": settings.query_timeout,
        "answer_cache": cache,
    }


@bp.route("/status")
@bp.route("/status.json", endpoint="status_json")
def status():
    """The status page (HTML), or its JSON (/status.json, or Accept: application/json)."""
    found = status_of()
    wants_json = (
        request.path.endswith(".json")
        or conneg.by_accept(request.headers.get("Accept", ""), ("html", "json")) == "json"
    )
    if wants_json:
        response = Response(json.dumps(found, indent=2) + "\n", content_type="application/json")
    else:
        response = Response(
            render_template("status.html", status=found, pub=published()), content_type="text/html; charset=utf-8"
        )
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Vary"] = "Accept"
    return response
