"""Authorization server metadata (RFC 8414), at `/.well-known/oauth-authorization-server`.

§3.3: "The "issuer" value returned MUST be identical to the authorization server's issuer identifier
value into which the well-known URI string was inserted to create the URL used to retrieve the
metadata." The document names the endpoints the server really serves, PKCE's S256 (RFC 9700 §2.1.1:
"It is RECOMMENDED for authorization servers to publish the element code_challenge_methods_supported")
and no implicit or password grant (RFC 9700 §2.1.2, §2.4).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .state import ServerState

METADATA_PATH = "/.well-known/oauth-authorization-server"
JWKS_PATH = "/.well-known/jwks.json"


def document(state: ServerState, paths: dict[str, str]) -> dict[str, Any]:
    faults, issuer = state.faults, state.issuer
    grants = ["authorization_code", "client_credentials", "refresh_token"]
    if faults.on("metadata-advertises-password"):
        grants.append("password")
    body: dict[str, Any] = {
        "issuer": issuer + "/wrong" if faults.on("metadata-issuer-mismatch") else issuer,
        "authorization_endpoint": issuer + paths["authorize"],
        "token_endpoint": issuer
        + ("/apis/v9/oauth/token" if faults.on("metadata-wrong-endpoint") else paths["token"]),
        "response_types_supported": ["code", "token"]
        if faults.on("metadata-advertises-implicit")
        else ["code"],
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["read", "write"],
    }
    if not faults.on("metadata-no-s256"):
        body["code_challenge_methods_supported"] = ["S256"]
    if state.tokens.rsa:
        body["jwks_uri"] = issuer + JWKS_PATH
    return body


def metadata_endpoint(paths: dict[str, str]) -> Any:
    async def endpoint(request: Request) -> Response:
        state: ServerState = request.app.state.spry
        if state.faults.on("no-metadata"):
            return Response("Not Found", status_code=404, media_type="text/plain")
        return JSONResponse(document(state, paths), headers={"Cache-Control": "max-age=300"})

    return endpoint


async def jwks_endpoint(request: Request) -> Response:
    """RFC 7517 §5: the public key set, when the tokens are RS256-signed (404 otherwise)."""
    state: ServerState = request.app.state.spry
    keys = state.tokens.jwks()
    if keys is None:
        return Response("Not Found", status_code=404, media_type="text/plain")
    return JSONResponse(keys, headers={"Cache-Control": "max-age=300"})
