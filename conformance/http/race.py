"""The race sender: several requests that reach the target at the same instant (last-byte synchronisation).

Each request gets a new connection and is written but for its last byte; once all are written, the
last bytes go out back to back, so the target completes every request within a fraction of a
millisecond (RFC 6749 §4.1.2 "used once", §10.5; RFC 9700 §4.14: a refresh token used twice at once).
It speaks HTTP/1.1 itself over a socket, since a client library would queue the requests; the
session's rules hold all the same: the one request builder and credential guard, the budget and
the rate cap (a slot per request, taken before the release), the timeout, TLS settings, client
certificate and proxy (`network.py`), the read cap, and masked evidence for every exchange.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping, Sequence
from http.client import HTTPException, HTTPResponse
from typing import TYPE_CHECKING

import httpx

from conformance.http.decoding import MAX_BODY_BYTES, read_raw_capped
from conformance.http.network import open_tunnel, proxy_authorization
from conformance.http.request import guard, outgoing
from conformance.http.response import FormData, Response

if TYPE_CHECKING:
    from conformance.http.session import Session

#: A raw connection asks for no content coding (there is no inflater on this path) and closes after one request.
RACE_HEADERS = {"Connection": "close", "Accept-Encoding": "identity"}


def send_together(
    session: Session,
    method: str,
    url: str,
    bodies: Sequence[FormData],
    *,
    headers: Mapping[str, str] | None = None,
    basic: tuple[str, str] | None = None,
) -> list[Response]:
    """Send one form request per body so that the target receives them at the same instant."""
    prepared: list[httpx.Request] = []
    for data in bodies:
        planned = outgoing(method, url, data=data, headers={**(headers or {}), **RACE_HEADERS}, basic=basic)
        guard(planned, session.pins)
        prepared.append(session.build(planned))
    for _ in prepared:
        session.take_slot()
    connections: list[tuple[httpx.Request, socket.socket]] = []
    try:
        for request in prepared:  # every connection opened, every request written but its last byte
            started = time.perf_counter()
            try:
                connections.append((request, _connect(session, request)))
            except OSError as error:
                raise session.failed(request, started, f"could not connect: {reason(error)}") from None
            _write(session, *connections[-1], wire(session, request)[:-1], started)
        started = time.perf_counter()
        for request, sock in connections:  # the release: the last bytes, back to back
            _write(session, request, sock, wire(session, request)[-1:], started)
        return [_read(session, request, sock, started) for request, sock in connections]
    finally:
        for _, sock in connections:
            sock.close()


def wire(session: Session, request: httpx.Request) -> bytes:
    """The request as HTTP/1.1 bytes: request line, headers, body.

    Through a proxy, a plain-http request names its whole URL (absolute form, RFC 9112 §3.2.2) and
    carries the proxy's credentials; an https one goes down the CONNECT tunnel as it would go direct.
    """
    path = request.url.raw_path.decode("ascii")
    proxy = session.network.proxy_for(str(request.url)) if request.url.scheme == "http" else None
    target = str(request.url.copy_with(fragment=None)) if proxy else path
    head = [f"{request.method} {target} HTTP/1.1".encode()]
    head += [name + b": " + value for name, value in request.headers.raw]
    if proxy and (credentials := proxy_authorization(proxy)):
        head.append(b"Proxy-Authorization: " + credentials.encode("ascii"))
    return b"\r\n".join(head) + b"\r\n\r\n" + request.content


def reason(error: Exception) -> str:
    """The first line of an error, bounded: what a reader needs of a transport failure."""
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:300]


def _connect(session: Session, request: httpx.Request) -> socket.socket:
    """A new TCP (and, for https, TLS) connection to the request's host, through the proxy if there is one."""
    host, port = request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80)
    proxy = session.network.proxy_for(str(request.url))
    if proxy:
        sock = open_tunnel(proxy, host, port, request.url.scheme, session.timeout)
    else:
        sock = socket.create_connection((host, port), timeout=session.timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if request.url.scheme != "https":
        return sock
    context = session.network.tls_context(session.verify)
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise


def _write(
    session: Session, request: httpx.Request, sock: socket.socket, data: bytes, started: float
) -> None:
    try:
        sock.sendall(data)
    except OSError as error:
        raise session.failed(request, started, f"{type(error).__name__}: {reason(error)}") from None


def _read(session: Session, request: httpx.Request, sock: socket.socket, started: float) -> Response:
    """Read one response from a raw connection (up to the read cap) and record it."""
    raw = HTTPResponse(sock, method=request.method)
    try:
        raw.begin()
        content = read_raw_capped(raw, session.timeout)
    except TimeoutError:
        raise session.failed(request, started, f"timed out after {session.timeout:g} s") from None
    except (OSError, HTTPException) as error:
        raise session.failed(request, started, f"{type(error).__name__}: {reason(error)}") from None
    finally:
        raw.close()
    truncated = len(content) > MAX_BODY_BYTES
    content = content[:MAX_BODY_BYTES]
    headers = httpx.Headers(raw.getheaders())
    elapsed = (time.perf_counter() - started) * 1000
    exchange = session.capture(request, raw.status, headers, content, truncated, elapsed)
    return Response(raw.status, headers, content, str(request.url), exchange, truncated)
