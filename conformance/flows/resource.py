"""Calls to the protected resource with a bearer token (RFC 6750 §2) and its challenges (§3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from conformance.config import Endpoint, Target
from conformance.http import Response, Session

TokenPlacement = Literal["header", "query", "form", "header+query"]


@dataclass(frozen=True)
class Challenge:
    """A parsed `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9110 §11.6.1)."""

    scheme: str
    params: dict[str, str]

    @property
    def error(self) -> str | None:
        return self.params.get("error")


_PARAM = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_challenge(header: str | None) -> Challenge | None:
    """The first challenge of a `WWW-Authenticate` header, or None."""
    if not header or not header.strip():
        return None
    scheme, _, rest = header.strip().partition(" ")
    params = {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _PARAM.finditer(rest)
    }
    return Challenge(scheme, params)


def call_resource(
    session: Session,
    target: Target,
    token: str | None,
    *,
    endpoint: Endpoint | None = None,
    scheme: str = "Bearer",
    placement: TokenPlacement = "header",
    body: str | None = None,
    authorization: str | None = None,
) -> Response:
    """Call the resource endpoint (the read endpoint unless told), presenting `token` as asked.

    `authorization` sends that exact header value instead of `scheme token`.
    """
    endpoint = endpoint or target.resource.read
    headers: dict[str, str] = {}
    params: list[tuple[str, str]] = []
    data = None
    content = body
    if token is not None or authorization is not None:
        if placement in {"header", "header+query"}:
            headers["Authorization"] = authorization or f"{scheme} {token}"
        if placement in {"query", "header+query"} and token is not None:
            params.append(("access_token", token))
        if placement == "form" and token is not None:
            data = [("access_token", token)]
            content = None
    if content is not None:
        headers["Content-Type"] = "application/json"
    method = "POST" if placement == "form" and endpoint.method == "GET" else endpoint.method
    return session.request(
        method, endpoint.path, params=params or None, data=data, content=content, headers=headers
    )


def challenge_of(response: Response) -> Challenge | None:
    return parse_challenge(response.headers.get("www-authenticate"))
