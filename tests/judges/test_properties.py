"""The property checks' judges, each on a good and a bad recorded answer to one generated input."""

from __future__ import annotations

from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.front_channel import AuthorizationOutcome
from conformance.generated.strategies import Mutation
from conformance.judges import properties as judge
from tests.judges.recorded import SPRY_TOKEN, response, token_answer

CALLBACK = "https://client.test/cb"


def outcome(params: dict[str, str] | None) -> AuthorizationOutcome:
    first = response(302, method="GET", url="https://spry.test/oauth/authorize")
    redirect = AuthorizationResponse(CALLBACK, params, response=first) if params is not None else None
    return AuthorizationOutcome("https://spry.test/oauth/authorize", CALLBACK, first, redirect)


def test_state_comes_back_exact() -> None:
    assert judge.state_problem("a b", outcome({"code": "c", "state": "a b"})) is None
    assert judge.state_problem("a b", outcome({"code": "c", "state": "a"})) == "state 'a' came back"
    assert judge.state_problem("a", outcome(None)).startswith("no redirect back to the client")  # type: ignore[union-attr]


def test_only_a_non_ascii_state_may_be_refused() -> None:
    assert judge.state_may_be_refused("é", outcome({"error": "invalid_request"}))
    assert judge.state_may_be_refused("é", outcome(None))
    assert not judge.state_may_be_refused("é", outcome({"code": "c", "state": "é"}))
    assert not judge.state_may_be_refused("printable", outcome(None))


def test_scope_spelling() -> None:
    tokens = frozenset({"read", "write"})
    base = token_answer(200, SPRY_TOKEN)
    assert judge.scope_spelling_problem("write read", tokens, token_answer(200, SPRY_TOKEN), base) is None
    malformed = token_answer(400, {"error": "invalid_scope"})
    assert judge.scope_spelling_problem("read  write", tokens, malformed, base) is None
    refused = token_answer(400, {"error": "invalid_scope"})
    assert judge.scope_spelling_problem("write read", tokens, refused, base) == (
        "refused (invalid_scope), while the canonical spelling was granted (order does not matter)"
    )
    assert judge.scope_spelling_problem(" read", tokens, token_answer(500, ""), base) == "HTTP 500"


def test_malformed_parameter() -> None:
    long = Mutation("client_credentials", "client_id", "of 2000 characters", "x" * 2000)
    registered = {"read", "write"}
    refused = token_answer(401, {"error": "invalid_client"})
    assert judge.malformed_parameter_problem(long, refused, registered) is None
    assert judge.malformed_parameter_problem(long, token_answer(200, SPRY_TOKEN), registered) == (
        "HTTP 200 with a token"
    )
    odd_scope = Mutation("client_credentials", "scope", "an emoji", "read \U0001f600")
    # RFC 6749 §3.3: the server may ignore a requested scope and state what it granted
    assert judge.malformed_parameter_problem(odd_scope, token_answer(200, SPRY_TOKEN), registered) is None
    assert judge.malformed_parameter_problem(long, token_answer(403, "Forbidden"), registered) == (
        "HTTP 403, error None (RFC 6749 §5.2: 400 with an error code)"
    )
