"""The HTTP front of the app: an ASGI application that granian serves.

Granian reads connections asynchronously (no thread waits for a slow client) and gives up on
headers that take longer than the header timeout. This front then refuses too many or too large
headers (431), reads the whole body itself within the body timeout and size limit (408, 413),
and only then hands the request to the Flask app, which runs in a bounded pool of threads.
No thread waits for a slow client on the way out either: the app's thread returns the answer's
iterable, and the event loop sends it, taking each next chunk from a thread (a dump is read in
chunks of 256 kB) and waiting for the client in between; a client that takes nothing for the
send timeout is let go. While the app works, the front watches the connection: a client that
goes away sets `iuckg.gone` in the WSGI environ, which stops its query. `iuckg.started` is when
the request arrived, so a query's time limit counts from there.
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from a2wsgi.wsgi import build_environ
from werkzeug.wsgi import FileWrapper

from ..settings import Settings
from .answers import Answer, Answers

SETTINGS_VARIABLE = "IUCKG_SETTINGS"
FILE_CHUNK_BYTES = 262_144
IN_MEMORY_BYTES = 64_000_000  # answers of known length up to this size are read whole in the app's thread
WATCHED = "/sparql"  # where requests run visitors' queries, which stop when their client goes away


def plain(status: int, message: str) -> tuple[dict, dict]:
    """The two ASGI messages of a plain-text answer that closes the connection."""
    body = f"{status} {message}\n".encode()
    return (
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"connection", b"close"),
                (b"content-length", str(len(body)).encode()),
            ],
        },
        {"type": "http.response.body", "body": body},
    )


class TooLarge(Exception):
    """The body is larger than the limit."""


class Front:
    """ASGI front of a WSGI app with the settings' limits on headers, bodies and slow clients."""

    def __init__(
        self,
        wsgi_app,
        settings: Settings,
        on_shutdown: Callable[[], None] | None = None,
        answers: Answers | None = None,
    ) -> None:
        self.settings = settings
        self.app = wsgi_app
        self.answers = answers
        self.threads = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="app")
        self.on_shutdown = on_shutdown

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self.on_shutdown:  # a worker process ends without running atexit: stop its query pool now
                        await asyncio.get_running_loop().run_in_executor(None, self.on_shutdown)
                    if self.answers is not None:  # write what waits, and this process's counts
                        await asyncio.get_running_loop().run_in_executor(None, self.answers.close)
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        started = time.monotonic()
        problem = self.header_problem(scope["headers"])
        if problem:
            await self.answer(send, plain(431, problem))
            return
        try:
            body = await self.read_body(scope, receive) if has_body(scope) else b""
        except TimeoutError:
            await self.answer(
                send, plain(408, f"the request body did not arrive within {self.settings.body_timeout:g} s")
            )
            return
        except TooLarge:
            await self.answer(send, plain(413, f"the request body is larger than {self.settings.max_body_bytes} bytes"))
            return
        except Exception as exc:  # a malformed body: the server reading it failed
            await self.answer(send, plain(400, f"the request body cannot be read ({type(exc).__name__})"))
            return
        if body is None:  # the body ended early: the client went away, or sent a malformed chunked body
            await self.answer(send, plain(400, "the request body is malformed or was cut off"))
            return
        answers = self.answers
        key = answers.key(scope, body) if answers is not None else None
        if answers is not None and key is not None:
            kept = answers.get(key)
            if kept is not None:
                await self.answer(send, kept_messages(kept, scope["method"] == "HEAD"))
                return
            if scope["method"] == "HEAD":  # the app answers HEAD without a body: nothing to keep
                key = None
        # a2wsgi types wsgi.input as its own Body class; any binary stream is one (PEP 3333). Its Environ is a dict.
        environ = cast(dict[str, Any], build_environ(scope, io.BytesIO(body)))  # type: ignore[arg-type]
        environ.update({"iuckg.started": started, "iuckg.gone": threading.Event(), "wsgi.file_wrapper": file_chunks})
        # only queries (on /sparql) look whether their client went away
        watcher = (
            asyncio.ensure_future(self.watch(receive, environ["iuckg.gone"]))
            if scope["path"].startswith(WATCHED)
            else None
        )
        try:
            await self.respond(environ, send, key)
        finally:
            if watcher is not None:
                watcher.cancel()

    def header_problem(self, headers) -> str | None:
        """Why the headers are refused (too many, too large), or None."""
        if len(headers) > self.settings.max_headers:
            return f"the request has {len(headers)} header fields; at most {self.settings.max_headers} are read"
        size = sum(len(name) + len(value) + 4 for name, value in headers)
        if size > self.settings.max_header_bytes:
            return f"the request's header fields hold {size} bytes; at most {self.settings.max_header_bytes}"
        return None

    async def read_body(self, scope, receive) -> bytes | None:
        """The whole body (None if it ended early: a client gone, or a malformed body); TooLarge past the limit,
        TimeoutError past the body timeout."""
        async with asyncio.timeout(self.settings.body_timeout):
            return await self.read_whole_body(scope, receive)

    async def read_whole_body(self, scope, receive) -> bytes | None:
        """The whole body, however long it takes."""
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

    @staticmethod
    async def watch(receive, gone: threading.Event) -> None:
        """Set `gone` when the client disconnects (the body has been read: nothing else comes)."""
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    async def deliver(self, send, message: dict) -> None:
        """Send one message; TimeoutError when the client takes nothing for the send timeout."""
        async with asyncio.timeout(self.settings.send_timeout):
            await send(message)

    async def answer(self, send, messages) -> None:
        """Send messages (an answer in memory) unless the client stops reading for the send timeout or is gone."""
        try:
            async with asyncio.timeout(self.settings.send_timeout):
                for message in messages:
                    await send(message)
        except Exception:  # a client that went away or stopped reading: nothing more to do for it
            return

    async def respond(self, environ: dict[str, Any], send, key: str | None = None) -> None:
        """Run the app in a thread, then send its answer from the event loop, a chunk at a time; keep a whole
        answer under `key` once it is sent."""
        loop = asyncio.get_running_loop()
        head: dict = {}

        def start_response(status: str, headers, exc_info=None):
            head["status"] = int(status.split(" ", 1)[0])
            head["headers"] = [(name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers]
            return self.refuse_write

        def start() -> dict:
            return {"type": "http.response.start", "status": head["status"], "headers": head["headers"]}

        def run() -> Iterable[bytes]:
            """The app's answer: its body when its length is known and small (a page, a document, a query's
            answer), otherwise its iterable (a file, read chunk by chunk)."""
            iterable = self.app(environ, start_response)
            length = dict(head.get("headers", ())).get(b"content-length", b"")
            if isinstance(iterable, FileWrapper) or not length.isdigit() or int(length) > IN_MEMORY_BYTES:
                return iterable
            try:
                return [b"".join(iterable)]
            finally:
                close = getattr(iterable, "close", None)
                if close:
                    close()

        iterable = await loop.run_in_executor(self.threads, run)
        try:
            if isinstance(iterable, list):  # a page or document, in memory
                body = iterable[0]
                await self.answer(send, [start(), {"type": "http.response.body", "body": body}])
                if key is not None and self.answers is not None:  # a key is made only where answers are kept
                    self.answers.keep_later(key, Answer(head["status"], tuple(head["headers"]), body))
                return
            iterator = iter(iterable)
            chunk = await loop.run_in_executor(self.threads, next, iterator, None)  # start_response may come late
            await self.deliver(send, start())
            while chunk is not None:
                if chunk:
                    await self.deliver(send, {"type": "http.response.body", "body": chunk, "more_body": True})
                chunk = await loop.run_in_executor(self.threads, next, iterator, None)
            await self.deliver(send, {"type": "http.response.body", "body": b""})
        except Exception:  # the client went away or stopped reading
            return
        finally:
            close = getattr(iterable, "close", None)
            if close:
                await loop.run_in_executor(self.threads, close)

    @staticmethod
    def refuse_write(data: bytes) -> None:
        """The WSGI write() callable, which this front does not offer (Flask never calls it)."""
        raise NotImplementedError("write() is not supported: return an iterable")


def has_body(scope: dict) -> bool:
    """Whether a request comes with a body to read (a length above 0, or chunks)."""
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"0", b"")):
            return True
    return False


def kept_messages(answer: Answer, head_only: bool) -> list[dict]:
    """The ASGI messages of a kept answer (without its body for HEAD)."""
    return [
        {"type": "http.response.start", "status": answer.status, "headers": list(answer.headers)},
        {"type": "http.response.body", "body": b"" if head_only else answer.body},
    ]


def file_chunks(file, buffer_size: int = FILE_CHUNK_BYTES) -> FileWrapper:
    """The server's wsgi.file_wrapper: a file read in chunks of 256 kB (a thread is taken per chunk)."""
    return FileWrapper(file, max(buffer_size, FILE_CHUNK_BYTES))


def encode_settings(settings: Settings) -> str:
    """Settings as the value of an environment variable (for the server's worker processes)."""
    return base64.b64encode(pickle.dumps(settings)).decode("ascii")


def from_environment() -> Front:
    """The front of an app over the settings in $IUCKG_SETTINGS (granian's factory, once per worker)."""
    from .app import create_app, warm_up
    from .state import ANSWERS

    settings = pickle.loads(base64.b64decode(os.environ[SETTINGS_VARIABLE]))
    app = create_app(settings)
    threading.Thread(target=warm_up, args=(app,), name="warm-up", daemon=True).start()
    return Front(app, settings, on_shutdown=app.extensions["iuckg"].close, answers=app.extensions.get(ANSWERS))
