"""Reading token endpoint answers: caching headers (RFC 6749 §5.1) and error bodies (§5.2).

Plain functions that describe what a response says; the checks decide what that means.
Also the stand-ins the checks present when a rule only needs "some client": an unregistered
client id with a random secret, so that no real client's failed-authentication count grows.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from conformance.config import Client
from conformance.flows.token import TokenResponse
from conformance.rfc6749 import TOKEN_ERRORS

#: RFC 6749 §5.2: error_description and error MUST NOT include characters outside %x20-21 / %x23-5B / %x5D-7E.
_ERROR_CHARS = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")
#: RFC 6749 §5.2: error_uri MUST NOT include characters outside %x21 / %x23-5B / %x5D-7E.
_URI_CHARS = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]*")


def directives(header: str | None) -> set[str]:
    """The directive names of a Cache-Control or Pragma value, lower-cased (`no-store, max-age=0` -> {...})."""
    if not header:
        return set()
    names = set()
    for part in header.split(","):
        name = part.split("=", 1)[0].strip().lower()
        if name:
            names.add(name)
    return names


def error_body_problems(status: int, body: Any) -> list[str]:
    """What is wrong with a token endpoint error response against RFC 6749 §5.2 (empty when nothing).

    The status must be 400, or 401 for invalid_client (§5.2: "unless specified otherwise").
    """
    if not isinstance(body, Mapping):
        return ["the body is not a JSON object"]
    problems = []
    error = body.get("error")
    if error is None:
        problems.append("no `error` member")
    elif not isinstance(error, str):
        problems.append(f"`error` is not a string ({type(error).__name__})")
    elif error not in TOKEN_ERRORS:
        problems.append(f"`error` {error!r} is not one of the §5.2 codes ({', '.join(sorted(TOKEN_ERRORS))})")
    allowed = {400, 401} if error == "invalid_client" else {400}
    if status not in allowed:
        problems.append(
            f"HTTP {status} (§5.2: 400"
            + (", or 401 for invalid_client)" if error == "invalid_client" else ")")
        )
    if "error_description" in body:
        description = body["error_description"]
        if not isinstance(description, str):
            problems.append(f"`error_description` is not a string ({type(description).__name__})")
        elif not _ERROR_CHARS.fullmatch(description):
            problems.append("`error_description` has characters outside %x20-21 / %x23-5B / %x5D-7E")
    if "error_uri" in body:
        uri = body["error_uri"]
        if not isinstance(uri, str):
            problems.append(f"`error_uri` is not a string ({type(uri).__name__})")
        elif not _URI_CHARS.fullmatch(uri) or not urlsplit(uri).scheme:
            problems.append("`error_uri` is not an absolute URI of the allowed characters")
    return problems


def unknown_client(prefix: str = "conformance-unknown") -> Client:
    """A client id no server has registered, with a random secret (never counts against a real client)."""
    return Client(
        name="unknown",
        client_id=f"{prefix}-{secrets.token_hex(8)}",
        client_secret=secrets.token_urlsafe(24),
        scopes=(),
        grants=(),
        redirect_uri=None,
    )


def unknown_scope() -> str:
    """A scope name no server defines."""
    return f"conformance-unknown-{secrets.token_hex(4)}"


def granted_scopes(answer: TokenResponse, requested: str | None) -> set[str] | None:
    """The scope a token response grants: its `scope` member, else the requested scope.

    RFC 6749 §5.1: `scope` is "OPTIONAL, if identical to the scope requested by the client;
    otherwise, REQUIRED". None when the response states no scope and none was requested.
    """
    if answer.scope is not None:
        return answer.scopes
    if requested is None:
        return None
    return set(requested.split())
