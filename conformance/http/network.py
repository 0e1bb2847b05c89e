"""The network between the suite and the target: a forward proxy, and TLS with an optional client certificate.

Both senders take their settings from here, so the session's httpx client and the race sender's raw
sockets reach the target the same way:

- a proxy: `[target] proxy` when configured (every request goes through it), else the environment's
  `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` with `NO_PROXY` exceptions (the convention curl, pip and
  httpx follow). An https request is tunnelled with CONNECT (RFC 9110 §9.3.6), an http one sent to the
  proxy in absolute form (RFC 9112 §3.2.2).
- TLS: verified unless the user says otherwise, against a CA bundle when one is given, and presenting
  `[target] client_cert` / `client_key` to a server that asks for one (mutual TLS, RFC 8446 §4.4.2).
"""

from __future__ import annotations

import base64
import socket
import ssl
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Network:
    """How requests leave this machine: the configured proxy (None: the environment's) and the client certificate."""

    proxy: str | None = None
    client_cert: str | None = None
    client_key: str | None = None

    def proxy_for(self, url: str) -> str | None:
        """The proxy URL a request to `url` goes through, or None for a direct connection."""
        if self.proxy:
            return self.proxy
        parts = urlsplit(url)
        found = urllib.request.getproxies_environment()
        # proxy_bypass_environment is public in urllib.request, missing from typeshed
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if not found or bypass(parts.netloc, found):
            return None
        return found.get(parts.scheme) or found.get("all")

    def tls_context(self, verify: bool | str) -> ssl.SSLContext:
        """TLS verified unless `verify` is False, against a CA bundle when `verify` names one, with the client certificate."""
        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        if verify is False:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.client_cert:
            context.load_cert_chain(self.client_cert, self.client_key)
        return context

    def httpx_verify(self, verify: bool | str) -> bool | ssl.SSLContext:
        """What the session's httpx client takes: its own default trust store unless a bundle or certificate is set."""
        return verify if verify is True and not self.client_cert else self.tls_context(verify)


def proxy_passwords() -> list[str]:
    """The passwords of the environment's proxy URLs (user:password@), for the masker: never printed."""
    urls = urllib.request.getproxies_environment().values()
    return [unquote(p) for p in (urlsplit(url).password for url in urls) if p]


def open_tunnel(proxy: str, host: str, port: int, scheme: str, timeout: float) -> socket.socket:
    """A TCP connection through `proxy` to host:port: a CONNECT tunnel for https, the bare proxy for http."""
    parts = urlsplit(proxy)
    sock = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=timeout)
    if scheme != "https":
        return sock
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    head = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
    if credentials := proxy_authorization(proxy):
        head += f"Proxy-Authorization: {credentials}\r\n"
    try:
        sock.sendall((head + "\r\n").encode("ascii"))
        status = _tunnel_status(sock)
    except BaseException:
        sock.close()
        raise
    if status != 200:
        sock.close()
        raise OSError(
            f"the proxy {parts.hostname}:{parts.port or 80} refused the tunnel to {authority} ({status})"
        )
    return sock


def proxy_authorization(proxy: str) -> str | None:
    """`Basic ...` for a proxy URL that carries user:password@, else None (RFC 9110 §11.7.1)."""
    parts = urlsplit(proxy)
    if parts.username is None:
        return None
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _tunnel_status(sock: socket.socket) -> int:
    """The status code of the proxy's answer to CONNECT, its header block read to the blank line."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk or len(answer) > 16384:
            raise OSError("the proxy closed the connection before answering CONNECT")
        answer += chunk
    fields = answer.split(b"\r\n", 1)[0].split()
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
