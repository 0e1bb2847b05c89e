"""The protected resource ``/v2/patients`` (RFC 6750) and the Spry response envelope.

RFC 6750 §2.1: the token is sent as ``Authorization: Bearer <token>`` (the scheme is matched
case-insensitively, RFC 9110 §11.1); the query (§2.3) and form-body (§2.2) methods are not
supported, so a token only there counts as no token. §2: "Clients MUST NOT use more than one
method to transmit the token in each request" (``invalid_request``, 400). §3: without
credentials the challenge has no error code; §3.1: ``invalid_token`` (401) for an expired,
revoked, malformed or otherwise invalid token, ``insufficient_scope`` (403) with the needed scope.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .forms import FORM, UnreadableBody, form_pairs, media_type, read_body
from .state import ServerState
from .tokens import InvalidToken

REALM = 'Bearer realm="spry"'
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def envelope(
    state: ServerState,
    status: int,
    data: Any = None,
    message: str = "Success",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A Spry response: ``{"code": 2000, "data": ..., "message": "Success"}``; errors use 4000 + (status - 400)."""
    if state.faults.on("envelope-missing"):
        body: Any = data if status < 400 else {"message": message}
    else:
        body = {"code": 2000 if status < 400 else 4000 + status - 400, "data": data, "message": message}
    return JSONResponse(body, status_code=status, headers=headers)


def _challenge(
    state: ServerState, status: int, message: str, error: str | None = None, **attributes: str
) -> JSONResponse:
    value = REALM
    if error is not None:
        value += f', error="{error}"' + "".join(f', {name}="{text}"' for name, text in attributes.items())
    return envelope(state, status, message=message, headers={"WWW-Authenticate": value})


def _no_token(state: ServerState) -> JSONResponse:
    """§3: "If the request lacks any authentication information ... the resource server SHOULD NOT include an error code"."""
    if state.faults.on("no-token-no-challenge"):
        return envelope(state, 401, message="authentication required")
    if state.faults.on("no-token-error-attribute"):
        return _challenge(state, 401, "authentication required", "invalid_token")
    return _challenge(state, 401, "authentication required")


def _invalid_token(state: ServerState, description: str) -> JSONResponse:
    if state.faults.on("bad-token-no-error-code"):
        return _challenge(state, 401, description)
    return _challenge(state, 401, description, "invalid_token", error_description=description)


def _header_token(state: ServerState, request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
    if state.faults.on("bearer-scheme-case-sensitive"):
        matches = scheme == "Bearer"
    else:
        matches = scheme.lower() == "bearer"
    if state.faults.on("header-token-refused"):  # Fault: the Authorization header is never read.
        return None
    return value.strip() if matches else None


async def _authenticate(state: ServerState, request: Request, body: bytes) -> dict[str, Any] | Response:
    """The verified claims of the request's bearer token, or the 400/401 response."""
    faults = state.faults
    header_token = _header_token(state, request)
    query_token = request.query_params.get("access_token")
    form_token = dict(form_pairs(body)).get("access_token") if media_type(request) == FORM else None
    if (
        header_token is not None
        and (query_token or form_token)
        and not faults.on("two-token-methods-accepted")
    ):
        return _challenge(
            state,
            400,
            "use one method to send the token",
            "invalid_request",
            error_description="the token was sent in more than one way",
        )
    token = header_token
    if token is None and query_token and faults.on("query-token-accepted"):
        token = query_token
    if token is None and form_token and faults.on("form-token-accepted"):
        token = form_token
    if token is None:
        return _no_token(state)
    if not _B64TOKEN.fullmatch(token):
        return _invalid_token(state, "the access token is malformed")
    try:
        claims = state.tokens.verify(token)
    except InvalidToken as exc:
        if faults.on("invalid-token-fail-open"):  # Fault: a verification error lets the request through.
            return {"jti": "", "scope": "read write", "organisation_id": None}
        return _invalid_token(state, str(exc))
    if state.store.is_revoked(claims["jti"]) and not faults.on("revoked-token-accepted"):
        return _invalid_token(state, "the access token was revoked")
    return claims


def _insufficient(state: ServerState, scope: str) -> JSONResponse:
    if state.faults.on("insufficient-scope-401"):
        return _invalid_token(state, "the access token is not valid for this request")
    return _challenge(state, 403, f"the {scope} scope is required", "insufficient_scope", scope=scope)


def _validate_patient(document: Any) -> tuple[dict[str, str] | None, str]:
    if not isinstance(document, dict):
        return None, "the body must be a JSON object"
    problems = [
        f"{name} is required"
        for name in ("first_name", "last_name")
        if not isinstance(document.get(name), str) or not document[name].strip() or len(document[name]) > 200
    ]
    born = document.get("date_of_birth")
    if not isinstance(born, str) or not _DATE.fullmatch(born) or not _valid_date(born):
        problems.append("date_of_birth must be a date YYYY-MM-DD")
    if problems:
        return None, "; ".join(problems)
    return {name: document[name] for name in ("first_name", "last_name", "date_of_birth")}, ""


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


async def patients(request: Request) -> Response:
    """GET lists patients (scope read); POST creates one (scope write) after validating the body."""
    state: ServerState = request.app.state.spry
    faults = state.faults
    if request.method not in ("GET", "HEAD", "POST"):
        return envelope(state, 405, message="method not allowed", headers={"Allow": "GET, POST"})
    try:
        body = await read_body(request)
    except UnreadableBody:
        return envelope(state, 413, message="the request body is too large")
    claims = await _authenticate(state, request, body)
    if isinstance(claims, Response):
        return claims
    writing = request.method == "POST"
    needed = "write" if writing or faults.on("read-scope-refused") else "read"
    if writing and faults.on("write-scope-refused"):
        return _insufficient(state, "write")
    if needed not in claims["scope"].split(" ") and not faults.on("resource-ignores-scope"):
        return _insufficient(state, needed)
    organisation = claims.get("organisation_id") if isinstance(claims.get("organisation_id"), int) else None
    if not writing:
        with state.store.lock:
            listed = [p for p in state.store.patients if p["organisation_id"] == organisation]
        return envelope(state, 200, listed)
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return envelope(state, 400, message="the body is not valid JSON")
    patient, problem = _validate_patient(document)
    if patient is None:
        return envelope(state, 422, message=problem)
    return envelope(state, 201, state.store.add_patient({**patient, "organisation_id": organisation}))
