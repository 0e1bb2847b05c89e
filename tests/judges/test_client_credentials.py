"""The client credentials judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.config import Client
from conformance.judges import client_credentials as judge
from tests.judges.recorded import SPRY_TOKEN, token_answer

CLIENT = Client("primary", "c", "s", ("read", "write"), ("client_credentials",), None)


def test_access_token_issued() -> None:
    assert judge.ensure_access_token_issued(token_answer(200, SPRY_TOKEN)).held
    refused = judge.ensure_access_token_issued(token_answer(401, {"error": "invalid_client"}))
    assert not refused.held and refused.observed == "HTTP 401"


def test_token_type_is_bearer_in_any_case() -> None:
    assert judge.ensure_token_type_is_bearer(token_answer(200, {**SPRY_TOKEN, "token_type": "bearer"})).held
    assert not judge.ensure_token_type_is_bearer(token_answer(200, {**SPRY_TOKEN, "token_type": "mac"})).held


def test_granted_scope_is_stated() -> None:
    assert judge.ensure_granted_scope_is_stated(token_answer(200, SPRY_TOKEN), CLIENT).held
    missing = {k: v for k, v in SPRY_TOKEN.items() if k != "scope"}
    # RFC 6749 §5.1: "OPTIONAL, if identical to the scope requested by the client; otherwise, REQUIRED"
    assert judge.ensure_granted_scope_is_stated(token_answer(200, missing), CLIENT).held
    assert not judge.ensure_granted_scope_is_stated(token_answer(200, missing), CLIENT, requested=False).held
    assert judge.ensure_granted_scope_is_stated(token_answer(200, {**SPRY_TOKEN, "scope": "read"}), CLIENT,
                                                requested=False).held  # fmt: skip
    assert not judge.ensure_granted_scope_is_stated(
        token_answer(200, {**SPRY_TOKEN, "scope": "read"}), CLIENT
    ).held


def test_spry_fields_have_documented_types() -> None:
    assert judge.ensure_spry_fields_have_documented_types(token_answer(200, SPRY_TOKEN)).held
    wrong = judge.ensure_spry_fields_have_documented_types(token_answer(200, {**SPRY_TOKEN, "user_id": True}))
    assert not wrong.held and "user_id should be an integer" in wrong.observed


def test_no_refresh_token() -> None:
    assert judge.ensure_no_refresh_token(token_answer(200, SPRY_TOKEN)).held
    assert not judge.ensure_no_refresh_token(token_answer(200, {**SPRY_TOKEN, "refresh_token": "r"})).held


def test_anonymous_request_refused() -> None:
    assert judge.ensure_anonymous_request_refused(token_answer(401, {"error": "invalid_client"})).held
    issued = judge.ensure_anonymous_request_refused(token_answer(200, SPRY_TOKEN))
    assert not issued.held and not issued.property_held
    # A refusal with another error code deviates in form only: nothing was issued.
    empty = judge.ensure_anonymous_request_refused(token_answer(403, ""))
    assert not empty.held and empty.property_held
