"""The hardening judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.http import Response
from conformance.judges import hardening as judge
from tests.judges.recorded import SPRY_TOKEN, response, token_answer

PAGE_URL = "https://spry.test/oauth/authorize?client_id=c"
CALLBACK = "https://client.test/callback"
ATTACKER = "https://attacker.example"


def page(*headers: tuple[str, str], url: str = PAGE_URL) -> Response:
    return response(200, "<html></html>", headers=headers, url=url, method="GET")


def test_no_token_from_authorization_endpoint() -> None:
    redirect = response(
        302, headers=[("location", CALLBACK + "?error=unsupported_response_type")], method="GET"
    )
    assert judge.ensure_no_token_from_authorization_endpoint(CALLBACK + "?error=unsupported_response_type",
                                                             redirect).held  # fmt: skip
    implicit = f"{CALLBACK}#access_token=abcdef&token_type=Bearer"
    assert judge.redirect_access_token(implicit) == "abcdef"
    found = judge.ensure_no_token_from_authorization_endpoint(implicit, redirect)
    assert not found.held and found.observed.endswith("an access_token (6 characters) in its fragment")
    assert "abcdef" not in found.observed


def test_password_grant_refused() -> None:
    assert judge.ensure_password_grant_refused(token_answer(400, {"error": "unsupported_grant_type"})).held
    assert not judge.ensure_password_grant_refused(token_answer(200, SPRY_TOKEN)).held


def test_not_served_over_plain_http() -> None:
    url = "http://spry.test/apis/v2/oauth/token"
    assert judge.ensure_not_served_over_plain_http("token", url, False, "HTTP 301 redirect to https").held
    served = judge.ensure_not_served_over_plain_http("token", url, True, "HTTP 400 token endpoint answer")
    assert not served.held and served.wanted == f"the token endpoint not served over plain HTTP ({url})"


def test_hsts() -> None:
    assert judge.ensure_hsts(page(("Strict-Transport-Security", "max-age=31536000"))).held
    none = judge.ensure_hsts(page())
    assert not none.held and none.observed == "no Strict-Transport-Security"
    zero = judge.ensure_hsts(page(("Strict-Transport-Security", "max-age=0")))
    assert not zero.held
    plain = judge.ensure_hsts(page(("Strict-Transport-Security", "max-age=1"), url="http://spry.test/"))
    assert not plain.held and "plain HTTP" in plain.observed


def test_no_credentialed_cors() -> None:
    fixed = response(200, headers=[("Access-Control-Allow-Origin", "https://app.spry.test")])
    assert judge.ensure_no_credentialed_cors(ATTACKER, fixed, fixed).held
    reflected = response(200, headers=[("Access-Control-Allow-Origin", ATTACKER),
                                       ("Access-Control-Allow-Credentials", "true")])  # fmt: skip
    found = judge.ensure_no_credentialed_cors(ATTACKER, fixed, reflected)
    assert not found.held and found.observed.startswith("token request: the Origin it was sent")


def test_no_cors_at_authorization_endpoint() -> None:
    plain = response(200, method="GET")
    assert judge.ensure_no_cors_at_authorization_endpoint(plain, plain).held
    wildcard = response(200, headers=[("Access-Control-Allow-Origin", "*")], method="GET")
    found = judge.ensure_no_cors_at_authorization_endpoint(wildcard, plain)
    assert not found.held and found.observed == "preflight: Access-Control-Allow-Origin: *"


def test_throttled() -> None:
    failures = [token_answer(401, {"error": "invalid_client"}).response] * 30
    throttled = [*failures[:5], response(429, {"error": "slow_down"})]
    assert judge.ensure_throttled("HTTP 429", 30, failures, throttled, "read_only").held
    never = judge.ensure_throttled(None, 30, failures, failures, "read_only")
    assert not never.held
    assert never.observed == ("30 failures for an unknown client_id and 30 for the registered client read_only "
                              "all answered HTTP 401")  # fmt: skip
