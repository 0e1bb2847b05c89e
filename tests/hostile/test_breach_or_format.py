"""A format deviation is one finding, not twenty breaches.

The token endpoints of this server refuse correctly (nothing is issued where nothing should be) but answer
every refusal with an empty 403: no RFC 6749 §5.2 JSON, no error code. Each refusal check judges its own
property (was anything issued?) and passes; the form goes to TOKEN-ERROR-BODY, once, listing every
occurrence in its evidence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .conftest import REFRESH_PATH, TOKEN_PATH, Wrapped, requirements, run_against

BREACH_TITLED = (
    "CLIENT-AUTH-WRONG-SECRET", "CLIENT-AUTH-UNKNOWN-CLIENT", "CLIENT-AUTH-MISSING-SECRET", "AC-CODE-SINGLE-USE",
    "AC-CODE-BOUND-TO-REDIRECT-URI", "AC-PKCE-VERIFIER-REQUIRED", "AC-PKCE-VERIFIER-CHECKED", "AC-PKCE-METHOD-BOUND",
    "RT-WRONG-ARTEFACT-REFUSED", "RT-ROTATION-OLD-REFUSED",
)  # fmt: skip


def _empty_403_refusals(app: ASGIApp) -> ASGIApp:
    """Every token-endpoint answer but a success becomes `403` with an empty body."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in {TOKEN_PATH, REFRESH_PATH}:
            return await app(scope, receive, send)
        refused = [False]

        async def filtered(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                refused[0] = True
                await send(
                    {"type": "http.response.start", "status": 403, "headers": [(b"content-length", b"0")]}
                )
            elif message["type"] == "http.response.body" and refused[0]:
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": b""})
            else:
                await send(message)

        await app(scope, receive, filtered)

    return wrapped


def test_refusals_in_the_wrong_form_are_one_format_finding(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    served = reference_target(_empty_403_refusals)
    outcome = run_against(
        tmp_path, served.base_url, served.env, *requirements(*BREACH_TITLED, "TOKEN-ERROR-BODY")
    )
    statuses = outcome.statuses()
    assert {r: statuses[r] for r in BREACH_TITLED} == dict.fromkeys(BREACH_TITLED, "passed"), (
        outcome.explain()
    )
    assert statuses["TOKEN-ERROR-BODY"] == "failed", outcome.explain()
    results = json.loads((outcome.report_dir / "results.json").read_text())
    body = next(r for r in results["requirements"] if r["id"] == "TOKEN-ERROR-BODY")
    found = next(
        c for c in body["check_results"] if c["nodeid"].startswith("format deviations seen by other checks")
    )
    assert "refused, but with HTTP 403 and no §5.2 error code" in found["message"], found["message"]
    assert len(found["evidence"]) >= len(BREACH_TITLED), "every occurrence is in the evidence"
