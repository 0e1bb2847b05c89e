"""HTTPS for the reference server: TLS on its port, plain HTTP there refused (or, under a fault, served).

RFC 6749 §3.1 and §3.2: "The authorization server MUST require the use of TLS". Each accepted
connection's first byte is peeked: a TLS handshake record (0x16) is wrapped in TLS (1.2 or later);
anything else is plain HTTP and the connection is closed, unless the ``plain-http-served`` fault
serves it too (one port speaking both, the misconfiguration the rule forbids). Accepted connections
are handed to uvicorn's own HTTP protocol, so requests are served exactly as on the plain server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Callable

import uvicorn

from .settings import TlsFiles

TLS_HANDSHAKE = 0x16
FIRST_BYTE_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 0.5  # a closing TLS connection waits this long for the peer's close_notify
BACKLOG = 2048


def server_context(files: TlsFiles) -> ssl.SSLContext:
    """A server-side context: the certificate chain and key, TLS 1.2 at least."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.certfile, files.keyfile)
    return context


def run(server: uvicorn.Server, sock: socket.socket, context: ssl.SSLContext, *, serve_plain: bool) -> None:
    """Serve HTTPS on the bound socket until ``server.should_exit`` (blocks; run it in a thread)."""
    sock.listen(BACKLOG)  # before start() returns: early connections wait in the backlog
    sock.setblocking(False)
    asyncio.run(_serve(server, sock, context, serve_plain))


async def _serve(
    server: uvicorn.Server, sock: socket.socket, context: ssl.SSLContext, serve_plain: bool
) -> None:
    accepting = asyncio.create_task(_accept(server, sock, context, serve_plain))
    try:
        # uvicorn's lifecycle and connection bookkeeping, without a listener of its own
        await server.serve(sockets=[])
    finally:
        accepting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await accepting


async def _accept(
    server: uvicorn.Server, sock: socket.socket, context: ssl.SSLContext, serve_plain: bool
) -> None:
    loop = asyncio.get_running_loop()
    while not server.started:  # uvicorn loads its configuration (the protocol class) in startup
        await asyncio.sleep(0.001)

    def protocol() -> asyncio.Protocol:
        config = server.config
        return config.http_protocol_class(  # type: ignore[call-arg]
            config=config, server_state=server.server_state, app_state=server.lifespan.state
        )

    routing: set[asyncio.Task[None]] = set()
    try:
        while True:
            conn, _ = await loop.sock_accept(sock)
            task = asyncio.create_task(_route(loop, conn, protocol, context, serve_plain))
            routing.add(task)
            task.add_done_callback(routing.discard)
    finally:
        for task in list(routing):
            task.cancel()


async def _route(
    loop: asyncio.AbstractEventLoop,
    conn: socket.socket,
    protocol: Callable[[], asyncio.Protocol],
    context: ssl.SSLContext,
    serve_plain: bool,
) -> None:
    """Wrap a TLS connection, serve or close a plain one."""
    try:
        conn.setblocking(False)
        first = await asyncio.wait_for(_peek(loop, conn), FIRST_BYTE_TIMEOUT)
        if first and first[0] == TLS_HANDSHAKE:
            await loop.connect_accepted_socket(
                protocol, sock=conn, ssl=context, ssl_handshake_timeout=FIRST_BYTE_TIMEOUT,
                ssl_shutdown_timeout=SHUTDOWN_TIMEOUT,
            )  # fmt: skip
        elif first and serve_plain:
            await loop.connect_accepted_socket(protocol, sock=conn)
        else:
            conn.close()
    except (TimeoutError, OSError, ssl.SSLError):
        conn.close()


async def _peek(loop: asyncio.AbstractEventLoop, conn: socket.socket) -> bytes:
    readable: asyncio.Future[None] = loop.create_future()
    loop.add_reader(conn.fileno(), lambda: readable.done() or readable.set_result(None))
    try:
        await readable
    finally:
        loop.remove_reader(conn.fileno())
    return conn.recv(1, socket.MSG_PEEK)
