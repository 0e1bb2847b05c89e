"""The judges of generated requests and of their findings, each on one good and one bad recorded exchange."""

from __future__ import annotations

from conformance.config import embedded_target
from conformance.generated.found import Breach, Found
from conformance.judges import generated as judge
from tests.judges.recorded import SPRY_TOKEN, response, sent

NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
CC_FORM = [("grant_type", "client_credentials"), ("scope", "read")]
REPLAY = "replay the run: spry-conformance run --seed 1 --budget ci --requirement X"


def test_server_error() -> None:
    assert judge.server_error(sent(response(400, {"error": "invalid_request"}))) is None
    assert judge.server_error(sent(response(502, "Bad Gateway"))) == "HTTP 502 to a token request"


def test_token_for_invalid_request() -> None:
    stranger = [("grant_type", "client_credentials")]
    refused = sent(response(401, {"error": "invalid_client"}), form=stranger, credentials="stranger")
    assert judge.token_for_invalid_request(refused) is None
    issued = sent(response(200, SPRY_TOKEN, headers=NO_STORE), form=stranger, credentials="stranger")
    assert judge.token_for_invalid_request(issued) == "an unregistered client, yet HTTP 200 with a token"
    valid = sent(response(200, SPRY_TOKEN, headers=NO_STORE), form=CC_FORM)
    assert judge.token_for_invalid_request(valid) is None  # a valid request may get a token


def test_token_cached() -> None:
    assert judge.token_cached(sent(response(200, SPRY_TOKEN, headers=NO_STORE), form=CC_FORM)) is None
    assert judge.token_cached(sent(response(400, {"error": "invalid_scope"}), form=CC_FORM)) is None
    cached = sent(response(200, SPRY_TOKEN, headers=[("Cache-Control", "max-age=60")]), form=CC_FORM)
    assert judge.token_cached(cached) == "a token response with Cache-Control 'max-age=60'"


def test_echoed_secret() -> None:
    secret = (("client_secret", "a-long-submitted-secret"),)
    quiet = sent(response(401, {"error": "invalid_client"}), form=CC_FORM, secrets=secret)
    assert judge.echoed_secret(quiet) is None
    loud = sent(response(401, {"error": "invalid_client", "error_description": "bad a-long-submitted-secret"}),
                form=CC_FORM, secrets=secret)  # fmt: skip
    assert judge.echoed_secret(loud) == "the submitted client_secret is repeated in the error response (body)"


def test_nonconformance_leaves_a_token_5xx_to_its_own_rule() -> None:
    target = embedded_target("https://spry.test", {"clients": {}, "user": {"username": "u", "password": "p"}})
    assert judge.nonconformance(sent(response(500, "boom")), target) is None


def test_login_never_answers_5xx() -> None:
    assert judge.ensure_login_never_answers_5xx([]).held
    crashed = judge.ensure_login_never_answers_5xx(
        [("outside ASCII", response(500, "Internal Server Error"))]
    )
    assert not crashed.held and crashed.observed == "a username outside ASCII: HTTP 500"


def test_no_counterexample() -> None:
    assert judge.ensure_no_counterexample(None, "the state back byte for byte", REPLAY).held
    evidence = response(302, method="GET").exchange
    found = Found("state 'a' came back", [evidence], "'a b'", steps=["authorize"])
    finding = judge.ensure_no_counterexample(found, "the state back byte for byte", REPLAY)
    assert not finding.held and finding.exchanges == (evidence,)
    assert finding.observed.startswith(
        "state 'a' came back; input: 'a b'\nsteps:\n  1. authorize\nreproduce: curl"
    )
    assert finding.observed.endswith("\n" + REPLAY)


def test_no_breach() -> None:
    assert judge.ensure_no_breach(None, "no 5xx", REPLAY).held
    breach = Breach(sent(response(500, "boom"), form=CC_FORM), "HTTP 500 to a token request")
    finding = judge.ensure_no_breach(breach, "no 5xx", REPLAY)
    assert not finding.held
    assert finding.observed.startswith("HTTP 500 to a token request; request: POST requestToken (explicit)")
    assert finding.observed.endswith(REPLAY)
