"""No vacuous pass: a refusal is judged only once the genuine article has worked on the same target.

Against a server that refuses everything, every attack is refused too. The checks whose verdict is a
refusal show their positive control first (checks/_controls.py) and are skipped, naming the check that
judges the control, when it fails: they are never reported passed for what they could not exercise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from .conftest import AUTHORIZE_PATH, PATIENTS_PATH, TOKEN_PATH, Wrapped, requirements, run_against
from .middleware import on_route, respond

JSON = {"content-type": "application/json", "cache-control": "no-store"}
REFUSING_PAGE = respond(400, {"content-type": "text/html"}, b"<html><p>Request refused</p></html>")
WRITE_REFUSED = respond(403, {**JSON, "www-authenticate": 'Bearer error="insufficient_scope"'},
                        b'{"code": 4003, "data": null, "message": "Forbidden"}')  # fmt: skip
REDIRECT_CHECKS = ("AC-REDIRECT-URI-EXACT", "AC-REDIRECT-MISMATCH-NO-REDIRECT", "SEC-REDIRECT-LOOKALIKES")
WRITE_CHECKS = ("SCOPE-NARROWED-CANNOT-WRITE", "SCOPE-READ-ONLY-CANNOT-WRITE")
PKCE_CHECKS = (
    "AC-PKCE-VERIFIER-REQUIRED",
    "AC-PKCE-VERIFIER-CHECKED",
    "AC-PKCE-DOWNGRADE",
    "AC-PKCE-METHOD-BOUND",
)


def _refuse_code_exchanges(app: ASGIApp) -> ASGIApp:
    """The token endpoint refuses every authorization_code exchange (client credentials still work)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != TOKEN_PATH:
            return await app(scope, receive, send)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if b"grant_type=authorization_code" in body:
            refusal = b'{"error": "invalid_grant"}'
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(refusal)).encode()),
            ]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            return await send({"type": "http.response.body", "body": refusal})

        async def replay() -> dict[str, object]:
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, replay, send)

    return wrapped


def test_refusing_authorize_endpoint_and_resource_pass_no_refusal_check(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    authorize = on_route("GET", AUTHORIZE_PATH, REFUSING_PAGE)
    write = on_route("POST", PATIENTS_PATH, WRITE_REFUSED)
    served = reference_target(lambda app: authorize(write(app)))
    outcome = run_against(
        tmp_path, served.base_url, served.env, *requirements(*REDIRECT_CHECKS, *WRITE_CHECKS)
    )
    statuses = outcome.statuses()
    assert all(statuses[r] == "skipped" for r in (*REDIRECT_CHECKS, *WRITE_CHECKS)), statuses
    reasons = {r["id"]: r["reason"] for r in outcome.run.summary["requirements"]}
    assert all("AC-LOGIN-REDIRECT judges that" in reasons[r] for r in REDIRECT_CHECKS), reasons
    assert all("SCOPE-WRITE-TOKEN-WRITES judges that" in reasons[r] for r in WRITE_CHECKS), reasons


def test_token_endpoint_refusing_every_code_passes_no_pkce_refusal(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    served = reference_target(_refuse_code_exchanges)
    outcome = run_against(tmp_path, served.base_url, served.env, *requirements("AC-PKCE-S256", *PKCE_CHECKS))
    statuses = outcome.statuses()
    assert statuses["AC-PKCE-S256"] == "failed", outcome.explain()
    assert all(statuses[r] == "skipped" for r in PKCE_CHECKS), statuses


def _hide_writes_from_read_tokens(app: ASGIApp) -> ASGIApp:
    """POST /v2/patients answers 404 to a token without the write scope (a refusal by hiding)."""
    import base64

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == PATIENTS_PATH:
            header = dict(scope["headers"]).get(b"authorization", b"").decode()
            payload = header.rpartition(" ")[2].split(".")[1] if header.count(".") == 2 else ""
            claims = (
                json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)) or b"{}")
                if payload
                else {}
            )
            if "write" not in str(claims.get("scope", "")).split():
                return await respond(404, JSON, b'{"code": 4004, "data": null, "message": "Not Found"}')(
                    scope, receive, send, app
                )
        await app(scope, receive, send)

    return wrapped


def test_write_endpoint_hidden_from_read_tokens_is_a_refusal(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """A 404 to a read token is not blamed on resource.write once a write token passes: the write was refused."""
    served = reference_target(_hide_writes_from_read_tokens)
    outcome = run_against(
        tmp_path, served.base_url, served.env, *requirements(*WRITE_CHECKS, "SCOPE-WRITE-TOKEN-WRITES")
    )
    assert outcome.statuses() == dict.fromkeys((*WRITE_CHECKS, "SCOPE-WRITE-TOKEN-WRITES"), "passed"), (
        outcome.explain()
    )
