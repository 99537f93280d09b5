"""HTTP caching and compression: validators on every read response, 304s, gzip (flask-compress).

Every representation the server gives is made from the store's files, the package's code
and the settings, so one digest of those, computed when the app starts, versions them all.
A response's entity tag combines that digest with what selects the representation: the URL,
the media type and the request headers the response varies by. It changes only when the
data (or the code that renders it) changes, and it is the same in every worker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, request
from flask_compress import Compress

from ..layout import STORE_FILE
from ..settings import Settings
from . import conneg

PACKAGE = Path(__file__).resolve().parents[1]
# Every text format the server answers in is worth compressing.
COMPRESSED_TYPES = sorted(
    {f.media_type for f in conneg.FORMATS.values()}
    | {
        "text/css",
        "text/plain",
        "application/xml",
        "application/n-quads",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "text/csv",
        "application/x-suggestions+json",
        "application/opensearchdescription+xml",
    }
)
READS = ("GET", "HEAD")
# Request headers that make a request conditional (or partial), which make_conditional evaluates.
CONDITIONAL = {"if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range"}
# Request headers whose effect the response's media type already shows, or that compression handles.
SHOWN_BY_MEDIA_TYPE = {"accept", "accept-encoding"}


@dataclass(frozen=True)
class Version:
    """What every response depends on, as one digest, and when it last changed."""

    digest: str
    last_modified: datetime


def sources(settings: Settings) -> list[Path]:
    """The files responses are made from: the store's files, then the package's code and templates."""
    data = [Path(settings.dist_dir) / STORE_FILE, *(Path(path) for _, path in settings.extra_graphs)]
    code = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return data + code


def settings_key(settings: Settings) -> str:
    """The settings that shape responses, without where its files are (their contents count instead)."""
    paths = {f.name: None for f in fields(settings) if isinstance(getattr(settings, f.name), Path)}
    return repr(settings.with_(**paths, extra_graphs=tuple(iri for iri, _ in settings.extra_graphs)))


def version_of(settings: Settings) -> Version:
    """The version of everything a server with these settings answers."""
    digest = hashlib.sha256(settings_key(settings).encode())
    files = sources(settings)
    for path in files:
        digest.update(path.read_bytes())
    newest = max(path.stat().st_mtime for path in files)
    return Version(digest.hexdigest(), datetime.fromtimestamp(int(newest), tz=UTC))


def entity_tag(version: Version, response: Response) -> str:
    """The entity tag of a response to the current request."""
    varying = sorted(h.lower() for h in response.vary if h.lower() not in SHOWN_BY_MEDIA_TYPE)
    key = [
        version.digest,
        request.path,
        repr(by_name(request.args.items(multi=True))),
        response.content_type or "",
        *(f"{h}: {request.headers.get(h, '')}" for h in varying),
    ]
    return hashlib.sha256("\n".join(key).encode()).hexdigest()[:32]


def by_name(parameters) -> list[tuple[str, str]]:
    """Request parameters in the order ETags and the answer cache's keys hold them: sorted by name only, so
    that the values of a repeated parameter keep their order (the app reads the first)."""
    return sorted(parameters, key=lambda pair: pair[0])


def validators(version: Version):
    """An after-request hook that gives read responses an ETag and Last-Modified and answers 304s."""

    def add_validators(response: Response) -> Response:
        """Add validators to a successful read response and evaluate a conditional request."""
        if request.method not in READS or response.status_code != 200 or response.cache_control.no_store:
            return response  # an answer that changes with every request (/status) has no validators
        if response.get_etag()[0] is None:
            response.set_etag(entity_tag(version, response))
        if response.last_modified is None:
            response.last_modified = version.last_modified
        response.cache_control.public = True
        response.cache_control.no_cache = True
        if not CONDITIONAL.intersection(request.headers.keys(lower=True)):
            return response  # nothing to evaluate
        response.make_conditional(request)  # in place: it returns the same response, typed as werkzeug's
        return response

    return add_validators


def register(app: Flask, settings: Settings) -> Version:
    """Compress responses the client accepts compressed, and validate every read response; the version.

    The validators are added before compression (Flask runs after-request hooks in reverse
    order of registration): flask-compress then marks the entity tag of a compressed body
    (`"tag:gzip"`) and evaluates the conditional request again on it.
    """
    app.config["COMPRESS_MIMETYPES"] = COMPRESSED_TYPES
    Compress(app)
    version = version_of(settings)
    app.after_request(validators(version))
    return version
