"""The HTTP front of the app: an ASGI application that granian serves.

Granian reads connections asynchronously (no thread waits for a slow client) and gives up on
headers that take longer than the header timeout. This front then refuses too many or too large
headers (431), reads the whole body itself within the body timeout and size limit (408, 413),
and only then hands the request to the Flask app, which runs in a bounded pool of threads
(a2wsgi). While the app works, the front watches the connection: a client that goes away sets
`iuckg.gone` in the WSGI environ, which stops its query. `iuckg.started` is when the request
arrived, so a query's time limit counts from there.
"""

from __future__ import annotations

import asyncio
import base64
import os
import pickle
import threading
import time
from typing import Callable

from a2wsgi import WSGIMiddleware

from ..settings import Settings

SETTINGS_VARIABLE = "IUCKG_SETTINGS"


def plain(status: int, message: str) -> tuple[dict, dict]:
    """The two ASGI messages of a plain-text answer that closes the connection."""
    body = f"{status} {message}\n".encode()
    return ({"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"),
                         (b"content-length", str(len(body)).encode())]},
            {"type": "http.response.body", "body": body})


class TooLarge(Exception):
    """The body is larger than the limit."""


class Front:
    """ASGI front of a WSGI app with the settings' limits on headers and bodies."""

    def __init__(self, wsgi_app, settings: Settings, on_shutdown: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.app = WSGIMiddleware(self.with_front_keys(wsgi_app), workers=settings.threads)
        self.on_shutdown = on_shutdown

    @staticmethod
    def with_front_keys(wsgi_app):
        """The WSGI app, given the front's keys of the ASGI scope in its environ."""
        def app(environ, start_response):
            scope = environ.get("asgi.scope", {})
            environ["iuckg.started"] = scope.get("iuckg.started", time.monotonic())
            environ["iuckg.gone"] = scope.get("iuckg.gone")
            return wsgi_app(environ, start_response)

        return app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self.on_shutdown:  # a worker process ends without running atexit: stop its query pool now
                        await asyncio.get_running_loop().run_in_executor(None, self.on_shutdown)
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        scope["iuckg.started"] = time.monotonic()
        problem = self.header_problem(scope["headers"])
        if problem:
            for message in plain(431, problem):
                await send(message)
            return
        try:
            body = await asyncio.wait_for(self.read_body(scope, receive), self.settings.body_timeout)
        except asyncio.TimeoutError:
            answer = plain(408, f"the request body did not arrive within {self.settings.body_timeout:g} s")
        except TooLarge:
            answer = plain(413, f"the request body is larger than {self.settings.max_body_bytes} bytes")
        except Exception as exc:  # a malformed body: the server reading it failed
            answer = plain(400, f"the request body cannot be read ({type(exc).__name__})")
        else:
            if body is not None:
                await self.call_app(scope, receive, send, body)
                return
            # the body ended early: the client went away, or sent a malformed chunked body
            answer = plain(400, "the request body is malformed or was cut off")
        try:
            for message in answer:
                await send(message)
        except Exception:  # nobody is listening any more
            pass

    def header_problem(self, headers) -> str | None:
        """Why the headers are refused (too many, too large), or None."""
        if len(headers) > self.settings.max_headers:
            return f"the request has {len(headers)} header fields; at most {self.settings.max_headers} are read"
        size = sum(len(name) + len(value) + 4 for name, value in headers)
        if size > self.settings.max_header_bytes:
            return f"the request's header fields hold {size} bytes; at most {self.settings.max_header_bytes}"
        return None

    async def read_body(self, scope, receive) -> bytes | None:
        """The whole body (None if it ended early: a client gone, or a malformed body); TooLarge past the limit."""
        limit = self.settings.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                raise TooLarge()
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise TooLarge()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def call_app(self, scope, receive, send, body: bytes) -> None:
        """Run the app on a read body while watching for the client going away."""
        gone = threading.Event()
        scope["iuckg.gone"] = gone
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the app never asks twice; if it did, it would wait here

        async def watch():
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    gone.set()
                    return

        watcher = asyncio.ensure_future(watch())
        try:
            await self.app(scope, replay, send)
        finally:
            watcher.cancel()


def encode_settings(settings: Settings) -> str:
    """Settings as the value of an environment variable (for the server's worker processes)."""
    return base64.b64encode(pickle.dumps(settings)).decode("ascii")


def from_environment() -> Front:
    """The front of an app over the settings in $IUCKG_SETTINGS (granian's factory, once per worker)."""
    from . import create_app, warm_up

    settings = pickle.loads(base64.b64decode(os.environ[SETTINGS_VARIABLE]))
    app = create_app(settings)
    threading.Thread(target=warm_up, args=(app,), name="warm-up", daemon=True).start()
    return Front(app, settings, on_shutdown=app.extensions["iuckg"].close)
