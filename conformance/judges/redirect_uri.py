"""Judges of the redirect URI attacks: exact matching against look-alikes (RFC 9700 §2.1, §4.1.3) and no
open redirector (RFC 6749 §4.1.2.1, RFC 9700 §4.11.2). Pure: each reads the recorded answers of a probe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urljoin

from conformance.findings import Evidence, Finding, judged
from conformance.flows.redirect_lookalikes import ATTACKER_HOST, without_query
from conformance.flows.redirect_probe import Probe
from conformance.judges.answers import Answered
from conformance.urls import origin

_META_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']?[^"'>]*?url\s*=\s*([^"'>\s]+)""",
    re.I,
)


class Page(Answered, Protocol):
    """What the judges read of a recorded response (`conformance.http.Response`): an answer, and where it
    sends the browser."""

    @property
    def is_redirect(self) -> bool: ...
    @property
    def location(self) -> str | None: ...
    @property
    def content_type(self) -> str: ...


def ensure_no_lookalike_is_redirected_to(probes: Sequence[Probe]) -> Finding:
    """RFC 9700 §2.1: "authorization servers MUST utilize exact string matching" of redirect URIs; RFC 6749
    §4.1.2.1: a mismatching redirection URI "MUST NOT" be redirected to. No look-alike of the registered URI
    may end in a redirect to anything but the registered URI (`Probe.diverted`)."""
    diverted = [p for p in probes if p.diverted]
    evidence: list[Evidence] = [
        r for p in diverted for r in ([p.first, p.last] if p.first is not p.last else [p.last])
    ]
    return judged(
        not diverted,
        f"none of the {len(probes)} look-alikes of the registered redirect URI is redirected to (exact string matching)",
        *evidence,
        observed=f"{len(diverted)} of {len(probes)} look-alikes accepted: "
        + "; ".join(
            f"{p.lookalike.name} {' + '.join(p.lookalike.values)} -> {p.describe()}" for p in diverted
        ),
    )


def automatic_redirect(response: Page) -> str | None:
    """Where the user agent goes on its own: a Location, a Refresh header, or a meta refresh."""
    if response.is_redirect:
        return urljoin(response.url, response.location or "")
    refresh: str = response.headers.get("refresh", "")
    if "url=" in refresh.lower():
        return refresh[refresh.lower().index("url=") + 4 :].strip(" '\"")
    if "html" in response.content_type:
        match = _META_REFRESH.search(response.text)
        if match:
            return str(match.group(1))
    return None


def is_attacker(url: str) -> bool:
    """Is `url` on the attacker's host (or a subdomain of it)?"""
    where = origin(url)
    return where is not None and (where[1] == ATTACKER_HOST or where[1].endswith("." + ATTACKER_HOST))


def ensure_no_open_redirect(responses: Sequence[Page]) -> Finding:
    """RFC 6749 §4.1.2.1: for "a missing, invalid, or mismatching redirection URI, or if the client identifier
    is missing or invalid, the authorization server ... MUST NOT automatically redirect the user-agent to the
    invalid redirection URI" (RFC 9700 §4.11.2: no open redirector)."""
    to_attacker = [(r, where) for r in responses if (where := automatic_redirect(r)) and is_attacker(where)]
    return judged(
        not to_attacker,
        f"no automatic redirect to the unvalidated redirect_uri ({ATTACKER_HOST})",
        *[r for r, _ in to_attacker] or responses[-1:],
        observed="; ".join(
            f"HTTP {r.status} sends the user agent to {without_query(where)}" for r, where in to_attacker
        ),
    )
