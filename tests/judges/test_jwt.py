"""The JWT judges, each on one good and one bad recorded answer (or issued token)."""

from __future__ import annotations

from conformance.flows.jwt import CrackResult
from conformance.judges import jwt as judge
from tests.judges.recorded import SPRY_TOKEN, resource_answer, token_answer

ISSUED = token_answer(200, SPRY_TOKEN)


def test_forgeries_refused() -> None:
    refused = [("alg none", resource_answer(401)), ("signature removed", resource_answer(401))]
    assert judge.ensure_forgeries_refused(refused, "forgeries refused").held
    mixed = [("alg none", resource_answer(401)), ("signature removed", resource_answer(200))]
    finding = judge.ensure_forgeries_refused(mixed, "forgeries refused")
    assert not finding.held and not finding.property_held
    assert finding.observed == "alg none: HTTP 401; signature removed: HTTP 200 (ACCEPTED)"
    assert len(finding.exchanges) == 1  # only the accepted forgery is evidence


def test_key_is_no_weak_secret() -> None:
    assert judge.ensure_key_is_no_weak_secret("HS256", CrackResult(tried=11, seconds=0.1), 10, ISSUED).held
    cracked = judge.ensure_key_is_no_weak_secret(
        "HS256", CrackResult(11, 0.1, index=3, key=b"secret"), 10, ISSUED
    )
    assert not cracked.held
    assert "entry #3 of the 10 entries" in cracked.observed and "6 characters" in cracked.observed
    empty = judge.ensure_key_is_no_weak_secret("HS256", CrackResult(1, 0.0, index=0, key=b""), 10, ISSUED)
    assert not empty.held and empty.observed.endswith("verifies with the empty key")


def test_numeric_exp() -> None:
    assert judge.ensure_numeric_exp({"exp": 1_700_000_000, "sub": "u"}, ISSUED).held
    missing = judge.ensure_numeric_exp({"sub": "u"}, ISSUED)
    assert not missing.held and missing.observed == "exp (absent); claims present: sub"
    assert not judge.ensure_numeric_exp({"exp": True}, ISSUED).held  # a boolean is no NumericDate


def test_payload_holds_no_secrets() -> None:
    known = [("clients.primary's client secret", "s3cr3t-value-of-the-client")]
    assert judge.ensure_payload_holds_no_secrets({"sub": "1", "scope": "read"}, known, ISSUED).held
    leaked = judge.ensure_payload_holds_no_secrets(
        {"ctx": {"k": "x s3cr3t-value-of-the-client"}}, known, ISSUED
    )
    assert (
        not leaked.held
        and leaked.observed == "ctx.k holds clients.primary's client secret (values not shown)"
    )
    named = judge.ensure_payload_holds_no_secrets({"password": "hunter2"}, [], ISSUED)
    assert not named.held and "claim 'password' is present (7 characters)" in named.observed
    assert "hunter2" not in named.observed


def test_short_secret_counts_only_as_a_whole_string() -> None:
    known = [("the user's password", "abc")]
    assert judge.ensure_payload_holds_no_secrets({"name": "abcdef"}, known, ISSUED).held
    assert not judge.ensure_payload_holds_no_secrets({"name": "abc"}, known, ISSUED).held


def test_distinct_jti() -> None:
    assert judge.ensure_distinct_jti(["a", "b", "c"], ISSUED).held
    same = judge.ensure_distinct_jti(["a", "a", "a"], ISSUED, ISSUED, ISSUED)
    assert not same.held and same.observed == "3 tokens carry 1 distinct jti value(s)"


def test_artefact_refused_as_bearer() -> None:
    wanted = "the refresh token sent as a Bearer token is refused"
    assert judge.ensure_artefact_refused_as_bearer(
        resource_answer(401), "refresh token (opaque)", wanted
    ).held
    accepted = judge.ensure_artefact_refused_as_bearer(resource_answer(200), "refresh token (opaque)", wanted)
    assert not accepted.held
    assert accepted.observed == "refresh token (opaque) as Authorization: Bearer: HTTP 200 (ACCEPTED)"
