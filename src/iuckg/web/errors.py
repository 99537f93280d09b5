"""Error responses: readable text for programs, a page for browsers."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException


def wants_html() -> bool:
    """Whether the client prefers an HTML page to plain text."""
    accept = request.accept_mimetypes
    return accept.best_match(["text/plain", "text/html"]) == "text/html" and accept["text/html"] > accept["text/plain"]


def handle_http_error(exc: HTTPException):
    """Answer an HTTP error with its status and a readable message."""
    message = exc.description or exc.name
    if wants_html():
        return render_template("error.html", code=exc.code, name=exc.name, message=message), exc.code
    return f"{exc.code} {exc.name}: {message}\n", exc.code, {"Content-Type": "text/plain; charset=utf-8"}


def register(app: Flask) -> None:
    """Install the error handlers on an app."""
    app.register_error_handler(HTTPException, handle_http_error)
