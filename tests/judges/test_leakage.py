"""The leakage judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.flows.authorize import AuthorizationResponse
from conformance.http import Response
from conformance.judges import leakage as judge
from tests.judges.recorded import response

PAGE_URL = "https://spry.test/oauth/authorize?client_id=c"
TRACEBACK = 'Traceback (most recent call last):\n  File "/app/server.py", line 12, in handle\nKeyError: x\n'


def page(*headers: tuple[str, str], body: str = "<html></html>") -> Response:
    return response(200, body, headers=headers, url=PAGE_URL, method="GET")


def test_errors_show_no_internals() -> None:
    clean = [("malformed Basic header", response(400, {"error": "invalid_request"}))]
    assert judge.ensure_errors_show_no_internals(clean).held
    leaking = [*clean, ("bad base64", response(500, TRACEBACK, headers=[("content-type", "text/plain")]))]
    found = judge.ensure_errors_show_no_internals(leaking)
    assert not found.held and found.observed.startswith("bad base64: HTTP 500 shows ")
    assert len(found.exchanges) == 1


def test_no_secret_echoed() -> None:
    answer = response(401, {"error": "invalid_client"})
    assert judge.ensure_no_secret_echoed(answer, {"the client_secret «masked»": []}).held
    echoed = judge.ensure_no_secret_echoed(answer, {"the client_secret «masked»": ["body", "header x-debug"]})
    assert not echoed.held and echoed.observed == "the client_secret «masked» in the body, header x-debug"


def test_framing_forbidden() -> None:
    assert judge.ensure_framing_forbidden(page(("Content-Security-Policy", "frame-ancestors 'none'"))).held
    assert judge.ensure_framing_forbidden(page(("X-Frame-Options", "DENY"))).held
    assert not judge.ensure_framing_forbidden(page()).held


def test_csp_frame_ancestors() -> None:
    assert judge.ensure_csp_frame_ancestors(page(("Content-Security-Policy", "frame-ancestors 'self'"))).held
    xfo_only = judge.ensure_csp_frame_ancestors(page(("X-Frame-Options", "DENY")))
    assert not xfo_only.held and xfo_only.observed == "no CSP frame-ancestors directive"


def test_referer_suppressed() -> None:
    assert judge.ensure_referer_suppressed(page(("Referrer-Policy", "no-referrer"))).held
    none = judge.ensure_referer_suppressed(page())
    assert not none.held and none.observed == "no Referrer-Policy header or meta referrer"


def test_not_stored() -> None:
    assert judge.ensure_not_stored(page(("Cache-Control", "no-store"))).held
    cacheable = judge.ensure_not_stored(page(("Cache-Control", "max-age=60")))
    assert not cacheable.held and cacheable.observed == "Cache-Control max-age"


def test_forged_login_refused() -> None:
    redirect = response(302, method="GET")
    refused = AuthorizationResponse("https://client.test/cb?error=access_denied", {"error": "access_denied"},
                                    response=redirect)  # fmt: skip
    assert judge.ensure_forged_login_refused(refused).held
    issued = AuthorizationResponse("https://client.test/cb?code=c", {"code": "c"}, response=redirect)
    assert not judge.ensure_forged_login_refused(issued).held
