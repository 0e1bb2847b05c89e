"""Token endpoint responses: success (RFC 6749 §5.1) and error (§5.2).

§5.1: "The authorization server MUST include the HTTP "Cache-Control" response header field
with a value of "no-store" in any response containing tokens, credentials, or other sensitive
information, as well as the "Pragma" response header field with a value of "no-cache"." These
headers are sent on every token-endpoint response, errors included. Error descriptions are
fixed texts: nothing the client submitted is echoed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from .faults import FaultSet
from .registry import Identity
from .scopes import canonical
from .tokens import IssuedToken


class OAuthError(Exception):
    """An error response of the token endpoint (RFC 6749 §5.2)."""

    def __init__(
        self, error: str, description: str, *, status: int = 400, headers: Mapping[str, str] | None = None
    ):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = dict(headers or {})


class ServerFault(Exception):
    """A deliberate 500 (only faults raise it), with the body to send."""

    def __init__(self, body: str, media_type: str = "application/json") -> None:
        super().__init__(body)
        self.body = body
        self.media_type = media_type

    def response(self) -> Response:
        """The 500 response."""
        return Response(
            self.body, status_code=500, media_type=self.media_type, headers={"Cache-Control": "no-store"}
        )


def token_json(
    body: Mapping[str, Any], faults: FaultSet, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON token-endpoint response with the §5.1 caching headers."""
    all_headers = dict(headers or {})
    if not faults.on("no-cache-control"):
        all_headers["Cache-Control"] = "no-store"
    if not faults.on("no-pragma") and not faults.on("no-store-without-pragma"):
        all_headers["Pragma"] = "no-cache"
    media_type = "text/plain" if faults.on("token-content-type-text") else "application/json"
    if faults.on("json-charset") and media_type == "application/json":
        media_type = "application/json; charset=utf-8"
    return Response(json.dumps(body), status_code=status, headers=all_headers, media_type=media_type)


def error_json(error: OAuthError, faults: FaultSet) -> Response:
    """The §5.2 error response: ``{"error": ..., "error_description": ...}``."""
    body: dict[str, str]
    if faults.on("error-body-not-rfc"):
        body = {"message": error.description}
    else:
        body = {"error": error.error, "error_description": error.description}
    return token_json(body, faults, status=error.status, headers=error.headers)


def token_body(
    issued: IssuedToken,
    scope: frozenset[str],
    identity: Identity,
    faults: FaultSet,
    requested: str | None = None,
) -> dict[str, Any]:
    """The success body as the Spry guide shows it (integers as integers)."""
    expires_in = issued.expires_in
    if faults.on("expires-in-wrong"):
        expires_in = 7200 if expires_in != 7200 else 3600
    body: dict[str, Any] = {
        "access_token": issued.token,
        "token_type": "mac"
        if faults.on("token-type-mac")
        else "bearer"
        if faults.on("token-type-lowercase")
        else "Bearer",
        "expires_in": expires_in,
    }
    equal = requested is not None and frozenset(requested.split()) == scope
    if not faults.on("scope-missing-in-response") and not (equal and faults.on("scope-omitted-when-equal")):
        body["scope"] = canonical(scope)
    if faults.on("extra-token-members"):
        body.update(session_state="s-1f2e", x_vendor_region="eu-1", not_before_policy=0)
    as_strings = faults.on("spry-fields-as-strings")
    body.update(
        organisation_id=str(identity.organisation_id) if as_strings else identity.organisation_id,
        user_id=str(identity.user_id) if as_strings else identity.user_id,
        roles=list(identity.roles),
        clinic_id_list=[str(c) for c in identity.clinic_id_list]
        if as_strings
        else list(identity.clinic_id_list),
        name=identity.name,
    )
    return body
