"""ASGI middlewares that make the reference server misbehave on one route, and the hostile payloads.

`on_route(method, path, behaviour)` wraps the reference server's app: requests to that route get
`behaviour`, every other request is served as usual (so every other check can still pass).
A behaviour that never ends by itself (hang, stream, trickle) ends when the client hangs up.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import struct
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GIB = 1 << 30
MIB = 1 << 20

Behaviour = Callable[[Scope, Receive, Send, ASGIApp], Awaitable[None]]


def on_route(method: str, path: str, behaviour: Behaviour) -> Callable[[ASGIApp], ASGIApp]:
    """A middleware factory: `behaviour` answers `method path`, the app answers everything else."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["method"] == method and scope["path"] == path:
                await behaviour(scope, receive, send, app)
            else:
                await app(scope, receive, send)

        return wrapped

    return wrap


def after(served: int, behaviour: Behaviour) -> Behaviour:
    """Let the app answer the first `served` requests of the route (the preflight's), then `behaviour`.

    The preflight is an allowlist: a target that misbehaves from the first request ends the run with
    exit 3 (tests/hostile/test_preflight.py). These targets turn hostile once the run has started, so
    the checks' own handling of what they answer is what a test sees.
    """
    count = [0]

    async def wrapped(scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        count[0] += 1
        if count[0] <= served:
            await app(scope, receive, send)
        else:
            await behaviour(scope, receive, send, app)

    return wrapped


@dataclass
class Counter:
    """Counts the requests that reach the app (a request stopped before HTTP is never counted)."""

    seen: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                self.seen.append((scope["method"], scope["path"]))
            await app(scope, receive, send)

        return wrapped


async def _read_body(receive: Receive) -> bool:
    """Consume the request body; True when the client hung up meanwhile."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return True
        if not message.get("more_body"):
            return False


async def hang(scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
    """Read the request, never answer; end when the client gives up."""
    await _read_body(receive)
    while (await receive())["type"] != "http.disconnect":
        pass


def respond(status: int, headers: dict[str, str], body: bytes) -> Behaviour:
    """Answer with exactly this status, these headers and this body (a Content-Length is added)."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))

    async def behaviour(scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        await _read_body(receive)
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})

    return behaviour


def redirect(status: int, location: str) -> Behaviour:
    """Answer every request with a redirect to `location` (another origin, say)."""
    return respond(status, {"location": location, "cache-control": "no-store"}, b"")


def stream(headers: dict[str, str], *, chunk: bytes, pause: float = 0.0) -> Behaviour:
    """200 and a body that never ends: `chunk` after `chunk` (every `pause` s) until the client hangs up.

    Without a Content-Length header the body is chunked; with one, it claims that length and never reaches it.
    """
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def behaviour(scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        if await _read_body(receive):
            return
        gone = asyncio.ensure_future(receive())  # the next message is the client hanging up
        try:
            await send({"type": "http.response.start", "status": 200, "headers": raw})
            while not gone.done():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await asyncio.sleep(pause)
        finally:
            gone.cancel()

    return behaviour


def swap_success_body(headers: dict[str, str], body: bytes) -> Behaviour:
    """The app answers; a 200 gets `body` and `headers` instead of its own body (refusals stay as they are)."""
    extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def behaviour(scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        start, own = await _answer_of(app, scope, receive)
        if start["status"] != 200:
            await send(start)
            await send({"type": "http.response.body", "body": own})
            return
        names = {name for name, _ in extra} | {b"content-length", b"content-type"}
        kept = [(k, v) for k, v in start["headers"] if k.lower() not in names]
        length = [(b"content-length", str(len(body)).encode())]
        await send({**start, "headers": kept + extra + length})
        await send({"type": "http.response.body", "body": body})

    return behaviour


async def _answer_of(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """What the app answers: its response start message and its whole body."""
    start: Message = {}
    body = b""

    async def capture(message: Message) -> None:
        nonlocal start, body
        if message["type"] == "http.response.start":
            start = message
        else:
            body += message.get("body", b"")

    await app(scope, receive, capture)
    return start, body


def rewrite_html(change: Callable[[str], str]) -> Behaviour:
    """The app's answer, its HTML body passed through `change` (the Content-Length follows)."""

    async def behaviour(scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        start, body = await _answer_of(app, scope, receive)
        headers = dict(start["headers"])
        if headers.get(b"content-type", b"").startswith(b"text/html"):
            body = change(body.decode()).encode()
        headers[b"content-length"] = str(len(body)).encode()
        await send({**start, "headers": list(headers.items())})
        await send({"type": "http.response.body", "body": body})

    return behaviour


# Payloads ----------------------------------------------------------------------------------------


@functools.cache
def gzip_bomb(size: int = GIB) -> bytes:
    """A valid gzip stream of `size` zero bytes, about a thousandth of that long (1 GiB: about 1 MB).

    Built from one compressed MiB repeated: a full flush makes every MiB's deflate blocks the same.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = bytes(MIB)
    segment = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = deflate.flush()
    crc = 0
    for _ in range(size // MIB):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + segment * (size // MIB) + end + struct.pack("<II", crc, size & 0xFFFFFFFF)


@functools.cache
def double_gzip_bomb(size: int = GIB) -> bytes:
    """`gzip_bomb` gzipped again (served with `Content-Encoding: gzip, gzip`): a few KB that decode to `size` bytes."""
    return gzip.compress(gzip_bomb(size), 9)
