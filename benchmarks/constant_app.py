"""The cheapest answer a Python ASGI application can give under granian: 2 kB of constant bytes. What the
benchmark's clients reach with it is their own ceiling, and any Python server's (benchmarks/scale.py)."""

BODY = b"x" * 2000
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    """Answer every request with BODY."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
