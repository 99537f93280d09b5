"""Error responses: readable text for programs, a page for browsers."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from .search import suggestions_for_path
from .state import published


def wants_html() -> bool:
    """Whether the client prefers an HTML page to plain text."""
    accept = request.accept_mimetypes
    return accept.best_match(["text/plain", "text/html"]) == "text/html" and accept["text/html"] > accept["text/plain"]


# Headers of an HTTP error that its answer keeps (a 503 says when to come back, a 405 what is allowed).
KEPT_HEADERS = ("Retry-After", "Allow")


def handle_http_error(exc: HTTPException):
    """Answer an HTTP error with its status and a readable message."""
    message = exc.description or exc.name
    kept = {name: value for name, value in exc.get_headers() if name in KEPT_HEADERS}
    if wants_html():
        return (
            render_template(
                "error.html", code=exc.code, name=exc.name, message=message, suggestions=suggestions(exc.code)
            ),
            exc.code,
            kept,
        )
    return (f"{exc.code} {exc.name}: {message}\n", exc.code, {"Content-Type": "text/plain; charset=utf-8", **kept})


def suggestions(code: int | None) -> list[dict]:
    """For a page that is not there, the things its path names (none if the index cannot say)."""
    if code != 404:
        return []
    try:
        return suggestions_for_path(published(), request.path)
    except Exception:  # an error page must not fail: without the index it has no suggestions
        return []


def register(app: Flask) -> None:
    """Install the error handlers on an app."""
    app.register_error_handler(HTTPException, handle_http_error)
