"""The token endpoint (RFC 6749 §3.2), served at ``/apis/v2/oauth/token`` and ``/apis/v1/oauth/token``.

§3.2: "The client MUST use the HTTP "POST" method when making access token requests."
§3.2 (via §3.1): "Parameters sent without a value MUST be treated as if they were omitted from
the request. The authorization server MUST ignore unrecognized request parameters. Request and
response parameters MUST NOT be included more than once." §2.3.1: client credentials must not be
sent in the request URI. The body must be ``application/x-www-form-urlencoded`` (§4.1.3, §4.4.2, §6).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .client_auth import authenticate
from .faults import FaultSet
from .forms import FORM, MAX_VALUE, UnreadableBody, form_pairs, json_pairs, media_type, read_body
from .grants.authorization_code import authorization_code
from .grants.client_credentials import client_credentials
from .grants.password import password
from .grants.refresh_token import refresh_token
from .registry import Client
from .responses import OAuthError, ServerFault, error_json, token_json
from .state import ServerState

Handler = Callable[[ServerState, Any, Mapping[str, str]], Awaitable[dict[str, Any]]]

GRANTS: Mapping[str, Handler] = {
    "client_credentials": client_credentials,
    "authorization_code": authorization_code,
    "refresh_token": refresh_token,
}

RECOGNISED = frozenset(
    {
        "grant_type",
        "scope",
        "client_id",
        "client_secret",
        "code",
        "redirect_uri",
        "code_verifier",
        "refresh_token",
        "username",
        "password",
    }
)
"""Token request parameters of RFC 6749 and RFC 7636; others are ignored (§3.2)."""


def _invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


async def _pairs(request: Request, faults: FaultSet) -> list[tuple[str, str]]:
    if request.method != "POST":
        if request.method == "GET" and faults.on("token-get-allowed"):
            return request.query_params.multi_items()
        raise OAuthError(
            "invalid_request", "the token endpoint accepts POST only", status=405, headers={"Allow": "POST"}
        )
    query = request.query_params
    in_query = [
        (name, value) for name, value in query.multi_items() if name in ("client_id", "client_secret")
    ]
    if in_query and not faults.on("credentials-in-query-accepted"):
        raise _invalid_request("client credentials must not be sent in the URL query")
    try:
        body = await read_body(request)
    except UnreadableBody as exc:
        raise _invalid_request("the request body is too large") from exc
    kind = media_type(request)
    if kind == FORM:
        pairs = form_pairs(body)
    elif kind == "application/json" and faults.on("json-body-accepted"):
        pairs = json_pairs(body) or []
    else:
        raise _invalid_request("the body must be application/x-www-form-urlencoded")
    sent = {name for name, _ in pairs}
    return pairs + [(name, value) for name, value in in_query if name not in sent]


def _params(pairs: list[tuple[str, str]], faults: FaultSet) -> dict[str, str]:
    """The request parameters: no repeats, bounded lengths, empty values dropped."""
    repeated = sorted(name for name, count in Counter(name for name, _ in pairs).items() if count > 1)
    if repeated and not faults.on("repeated-param-accepted"):
        named = [name for name in repeated if name in RECOGNISED]
        raise _invalid_request("a parameter is repeated" + (f": {', '.join(named)}" if named else ""))
    # Faults astral-char-500 (an emoji does not fit a 3-byte utf8 column) and long-param-500 (a fixed buffer).
    if faults.on("astral-char-500") and any(ord(c) > 0xFFFF for name, value in pairs for c in name + value):
        raise ServerFault("Internal Server Error", "text/plain")
    if faults.on("long-param-500") and any(len(value) > 1024 for _, value in pairs):
        raise ServerFault("Internal Server Error", "text/plain")
    if any(len(name) > MAX_VALUE or len(value) > MAX_VALUE for name, value in pairs):
        raise _invalid_request(f"a parameter is longer than {MAX_VALUE} characters")
    params: dict[str, str] = {}
    keep_empty_scope = faults.on("empty-param-not-omitted")
    for name, value in pairs:
        if value or (name == "scope" and keep_empty_scope):
            params[name] = value
        else:
            params.pop(name, None)
    if faults.on("unknown-param-rejected") and set(params) - RECOGNISED:
        raise _invalid_request("unrecognised parameter")
    return params


async def _dispatch(request: Request, params: Mapping[str, str], state: ServerState) -> dict[str, Any]:
    faults = state.faults
    grant_type = params.get("grant_type")
    if grant_type is None:
        error = "unsupported_grant_type" if faults.on("missing-grant-type-unsupported") else "invalid_request"
        raise OAuthError(error, "grant_type is required")
    if grant_type not in GRANTS and faults.on("grant-type-prefix-match"):
        grant_type = next((name for name in GRANTS if grant_type.startswith(name)), grant_type)
    handler = GRANTS.get(grant_type)
    if grant_type == "password" and faults.on("password-grant-enabled"):
        handler = password
    if handler is None:
        error = (
            "invalid_request" if faults.on("unknown-grant-type-invalid-request") else "unsupported_grant_type"
        )
        if faults.on("error-description-echoes-input"):
            raise OAuthError(error, f'the grant type "{grant_type}" is not supported')
        raise OAuthError(error, "the grant type is not supported")
    if (
        grant_type == "refresh_token"
        and faults.on("v2-refresh-500")
        and not request.url.path.startswith("/apis/v1/")
    ):
        raise ServerFault('{"message": "internal server error"}')
    anonymous_ok = (grant_type == "authorization_code" and faults.on("code-exchange-no-client-auth")) or (
        grant_type == "refresh_token" and faults.on("refresh-no-client-auth")
    )
    client: Client | None = authenticate(request, params, state, anonymous_ok=anonymous_ok)
    if client is not None and grant_type not in client.grants and handler is not password:
        raise OAuthError("unauthorized_client", "the client is not registered for this grant type")
    return await handler(state, client, params)


async def token_endpoint(request: Request) -> Response:
    """Answer a token request with a token response or an RFC 6749 §5.2 error."""
    state: ServerState = request.app.state.spry
    faults = state.faults
    if request.url.path.startswith("/apis/v1/") and faults.on("v1-refresh-missing"):
        return PlainTextResponse("Not Found", status_code=404)
    try:
        params = _params(await _pairs(request, faults), faults)
        return _cors(request, token_json(await _dispatch(request, params, state), faults), faults)
    except OAuthError as error:
        return _cors(request, error_json(error, faults), faults)
    except ServerFault as fault:
        return fault.response()


def _cors(request: Request, response: Response, faults: FaultSet) -> Response:
    """Fault cors-reflected-origin-credentials: any Origin is echoed back with credentials allowed, so a page
    on any site may read the token responses its visitors' browsers obtain (the Fetch standard's CORS check passes)."""
    origin = request.headers.get("origin")
    if origin and faults.on("cors-reflected-origin-credentials"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
    return response
