"""Judges of generated requests: what no server may answer to a token request or an authorization request.

Pure: each reads one generated exchange (`generated.sender.Sent`) and says what rule it broke.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from urllib.parse import parse_qsl, urljoin, urlsplit

from conformance.config import Target
from conformance.generated.sender import Sent
from conformance.rfc6749 import AUTHORIZATION_ERRORS, GRANT_TYPES, TOKEN_PARAMETERS, is_vschar
from conformance.urls import reaches


def form_values(pairs: Sequence[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """The (name, value) pairs of a form that count: RFC 6749 §3.1 treats an empty value as omitted."""
    return ((name, value) for name, value in pairs if value)


def ungrantable(sent: Sent) -> str | None:
    """Why no server may answer this token request with a token (None when it might be valid)."""
    form = sent.form
    if form is None:
        return None  # not form-encoded: TOKEN-FORM-ENCODED-ONLY judges that (a SHOULD)
    if sent.credentials in {"stranger", "anonymous", "none"}:
        return {"stranger": "an unregistered client", "anonymous": "no client authentication",
                "none": "no client authentication"}[sent.credentials]  # fmt: skip
    pairs = list(form_values(form))  # RFC 6749 §3.1: an empty parameter counts as omitted
    repeated = sorted(n for n, c in Counter(n for n, _ in pairs).items() if c > 1 and n in TOKEN_PARAMETERS)
    if repeated:
        return f"{repeated[0]} is repeated (RFC 6749 §3.2: parameters MUST NOT be included more than once)"
    values = dict(pairs)
    grant = values.get("grant_type")
    if grant is None:
        return "no grant_type"
    grant = grant.strip().lower()  # a lenient server may fold case and spaces: not judged here
    if grant not in GRANT_TYPES:
        return f"grant_type {values['grant_type'][:60]!r}, which is no grant type"
    if grant == "authorization_code" and not sent.real_code:
        return "a code the server never issued" if "code" in values else "no code"
    if grant == "refresh_token" and not sent.real_refresh_token:
        return "a refresh token the server never issued" if "refresh_token" in values else "no refresh token"
    return None


def redirect_problems(sent: Sent, target: Target) -> list[str]:
    """An authorization redirect, validated (never followed): where it goes and what it carries."""
    location = sent.response.location
    if not 300 <= sent.response.status < 400 or not location:
        return []
    absolute = urljoin(sent.url, location)
    asked = dict(sent.query)
    client_id, sent_uri = asked.get("client_id"), asked.get("redirect_uri")
    registered = [
        c.redirect_uri for c in target.clients.values() if c.client_id == client_id and c.redirect_uri
    ]
    if sent_uri and sent_uri not in registered and reaches(absolute, sent_uri):
        return ["redirected to a redirect_uri that is not registered for the client (RFC 6749 §4.1.2.1: "
                "MUST NOT automatically redirect the user-agent to the invalid redirection URI)"]  # fmt: skip
    if not any(reaches(absolute, uri) for uri in registered):
        return []  # within the server (a login page), or to a place this rule cannot judge
    params = dict(parse_qsl(urlsplit(absolute).query, keep_blank_values=True))
    params.update(parse_qsl(urlsplit(absolute).fragment, keep_blank_values=True))
    if "code" in params or "access_token" in params:
        return ["a code (or token) without any login (RFC 6749 §3.1: the authorization server MUST first "
                "verify the identity of the resource owner)"]  # fmt: skip
    problems = []
    error = params.get("error")
    if error is None:
        problems.append("a redirect to the client with neither code nor error (RFC 6749 §4.1.2.1)")
    elif error not in AUTHORIZATION_ERRORS:
        problems.append(f"error {error!r} is not an RFC 6749 §4.1.2.1 error code")
    state = asked.get("state")
    if state and is_vschar(state) and params.get("state") != state:
        problems.append("the error redirect does not carry the exact state (RFC 6749 §4.1.2.1)")
    return problems
