"""The metadata judges (RFC 8414), each on one good and one bad recorded document or answer."""

from __future__ import annotations

from typing import Any

from conformance.judges import metadata as judge
from tests.judges.recorded import SPRY_TOKEN, response, token_answer

ISSUER = "https://spry.test"
DOCUMENT: dict[str, Any] = {
    "issuer": ISSUER,
    "token_endpoint": f"{ISSUER}/apis/v2/oauth/token",
    "authorization_endpoint": f"{ISSUER}/oauth/authorize",
    "code_challenge_methods_supported": ["S256"],
    "response_types_supported": ["code"],
    "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
}
CARRIED = response(200, DOCUMENT, url=f"{ISSUER}/.well-known/oauth-authorization-server", method="GET")


def test_issuer_matches() -> None:
    assert judge.ensure_issuer_matches(DOCUMENT, ISSUER, CARRIED).held
    other = judge.ensure_issuer_matches({**DOCUMENT, "issuer": "https://other.test"}, ISSUER, CARRIED)
    assert not other.held and other.observed == "issuer 'https://other.test'"


def test_named_token_endpoint_works() -> None:
    named = DOCUMENT["token_endpoint"]
    assert judge.ensure_named_token_endpoint_works(named, CARRIED, token_answer(200, SPRY_TOKEN)).held
    assert judge.ensure_named_token_endpoint_works(
        named, CARRIED, token_answer(401, {"error": "invalid_client"})
    ).held
    missing = judge.ensure_named_token_endpoint_works(named, CARRIED, token_answer(404, "Not Found"))
    assert not missing.held and missing.observed == "HTTP 404" and len(missing.exchanges) == 2


def test_named_authorization_endpoint_works() -> None:
    named = DOCUMENT["authorization_endpoint"]
    assert judge.ensure_named_authorization_endpoint_works(named, CARRIED, response(302, method="GET")).held
    assert not judge.ensure_named_authorization_endpoint_works(
        named, CARRIED, response(404, method="GET")
    ).held


def test_s256_advertised() -> None:
    assert judge.ensure_s256_advertised(DOCUMENT, CARRIED).held
    plain = judge.ensure_s256_advertised({**DOCUMENT, "code_challenge_methods_supported": ["plain"]}, CARRIED)
    assert not plain.held and plain.observed == "code_challenge_methods_supported ['plain']"
    assert not judge.ensure_s256_advertised({"issuer": ISSUER}, CARRIED).held


def test_no_deprecated_grant_advertised() -> None:
    assert judge.ensure_no_deprecated_grant_advertised(DOCUMENT, CARRIED).held
    both = {**DOCUMENT, "response_types_supported": ["code", "token"], "grant_types_supported": ["password"]}
    found = judge.ensure_no_deprecated_grant_advertised(both, CARRIED)
    assert not found.held
    assert found.observed == 'advertised: response type "token" (the implicit grant), grant type "password"'
