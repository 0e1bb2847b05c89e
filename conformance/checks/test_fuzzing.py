"""Schema-based fuzzing (schemathesis) of the token, authorization and resource endpoints.

One campaign per run sends generated requests to every operation of `specs/spry-auth.openapi.yaml`:
a dictionary of edge values (explicit examples), valid and invalid cases generated from the
description, and stateful scenarios through its links (get a token, use it at /v2/patients,
refresh it). Every response is judged by every rule below that applies to it; each check reports
the first response that broke its rule, as a curl command (secrets masked) with the seed that
replays the run. How deep the campaign goes is the run's budget (`--budget ci|certification`);
it sends through the run's session, so `target.max_rps` and `--max-requests` hold.

Probes: the rules each response is judged by, and the findings they end in, are the pure judges of
conformance/judges/generated.py; this module binds them to their requirements and runs the campaign.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from conformance.catalogue import requirement
from conformance.config import Target, with_overrides
from conformance.errors import LoginError
from conformance.findings import settle
from conformance.flows.authorize import authorize, new_state
from conformance.generated.budget import budget_for, derive_seed
from conformance.generated.campaign import Campaign, Rule, run_campaign
from conformance.http import Session
from conformance.judges import generated as judge
from conformance.run.state import GENERATED, NOTE

#: Usernames a login form parses itself (FUZZ-LOGIN-NO-5XX): each tried once with the configured password.
ODD_USERNAMES: dict[str, Callable[[str], str]] = {
    "in upper case": str.upper,
    "with surrounding spaces": lambda name: f"  {name} ",
    "outside ASCII": lambda name: f"{name}-é✓日本",
    "of 2000 characters": lambda name: "u" * 2000,
    "with markup and quotes": lambda name: "<b>'x\"</b>" + name,
}


@requirement("FUZZ-LOGIN-NO-5XX")
def test_login_form_never_answers_5xx(http: Session, target: Target, request: pytest.FixtureRequest) -> None:
    """RFC 9110 §15.6: a 5xx says the server erred. Odd usernames at the login form get a refusal or a login."""
    client = request.getfixturevalue("code_client")
    if target.user.login.method != "form" or not target.user.username:
        pytest.skip(
            "needs user.login.method = 'form' and user.username: the suite fills the login form itself"
        )
    crashed = []
    for label, spell in ODD_USERNAMES.items():
        user = replace(target.user, username=spell(target.user.username))
        try:
            authorize(http, with_overrides(target, user=user), client, state=new_state())
        except LoginError as error:
            if error.status is not None and error.status >= 500:
                crashed.append((label, error.response))
    settle(judge.ensure_login_never_answers_5xx(crashed))


# Under xdist the campaign runs once, on one worker, for all five checks (`--dist loadgroup`, the plugin's default).
pytestmark = pytest.mark.xdist_group("fuzz-campaign")


# --- the rules each response is judged by (conformance/judges/generated.py) -----------------------


def rules(target: Target) -> list[Rule]:
    """Each requirement the campaign judges: which exchanges it applies to, and its judge."""
    return [
        Rule("FUZZ-TOKEN-NO-5XX", judge.is_token_request, judge.server_error),
        Rule("FUZZ-RESPONSE-CONFORMS", lambda sent: True, lambda sent: judge.nonconformance(sent, target)),
        Rule(
            "FUZZ-INVALID-NO-TOKEN",
            lambda sent: judge.is_token_request(sent) and judge.ungrantable(sent) is not None,
            judge.token_for_invalid_request,
        ),
        Rule("TOKEN-NO-STORE", judge.is_token_request, judge.token_cached),
        Rule(
            "SEC-NO-SECRET-ECHO",
            lambda sent: bool(sent.secrets) and sent.response.status >= 400,
            judge.echoed_secret,
        ),
    ]


# --- the campaign, run once, and one check per rule -------------------------------------------------


@pytest.fixture(scope="module")
def campaign(http: Session, target: Target, budget: str, run_seed: int) -> Campaign:
    return run_campaign(http, target, budget_for(budget), derive_seed(run_seed, "campaign"), rules(target))


@pytest.fixture
def fuzzed(campaign: Campaign, request: pytest.FixtureRequest) -> Campaign:
    """The campaign; the first check that uses it carries its count of generated requests and its notes."""
    if not getattr(campaign, "counted", False):
        request.node.user_properties.append((GENERATED, campaign.generated))
        request.node.user_properties += [(NOTE, f"the campaign: {note}") for note in campaign.notes]
        campaign.counted = True  # type: ignore[attr-defined]
    if campaign.skipped:
        pytest.skip(campaign.skipped)
    return campaign


def _verdict(campaign: Campaign, requirement_id: str, wanted: str, run_seed: int, budget: str) -> None:
    replay = f"replay the run: spry-conformance run --seed {run_seed} --budget {budget} --requirement {requirement_id}"
    settle(judge.ensure_no_breach(campaign.findings.get(requirement_id), wanted, replay))
    if campaign.stopped is not None:  # the request budget spent (reported as not run) or the target gone
        raise campaign.stopped
    if not campaign.judged[requirement_id]:
        pytest.skip("no generated request reached a response this rule judges")


@requirement("FUZZ-TOKEN-NO-5XX")
def test_token_endpoint_never_answers_5xx(fuzzed: Campaign, run_seed: int, budget: str) -> None:
    """RFC 6749 §5.2: an invalid token request is answered with HTTP 400 (401 for invalid_client) and an
    error code; no generated request, valid or invalid, at either token path gets a 5xx."""
    _verdict(
        fuzzed, "FUZZ-TOKEN-NO-5XX", "no 5xx from the token endpoint, whatever the request", run_seed, budget
    )


@requirement("FUZZ-RESPONSE-CONFORMS")
def test_responses_match_the_description(fuzzed: Campaign, run_seed: int, budget: str) -> None:
    """specs/spry-auth.openapi.yaml (RFC 6749 §4.1.2, §4.1.2.1, §5.1, §5.2; RFC 6750 §3; the Spry guide): every
    response has a described status, the required headers and a body of the described shape; an authorization
    redirect goes only where it may and carries what it must."""
    _verdict(fuzzed, "FUZZ-RESPONSE-CONFORMS", "a response as the description and RFC 6749 §4.1.2.1 allow",
             run_seed, budget)  # fmt: skip


@requirement("FUZZ-INVALID-NO-TOKEN")
def test_invalid_requests_never_get_a_token(fuzzed: Campaign, run_seed: int, budget: str) -> None:
    """RFC 6749 §5.2: a request with no grant type the server serves, a code or refresh token it never issued,
    a repeated parameter, or no valid client authentication is refused with an error - never a token."""
    _verdict(fuzzed, "FUZZ-INVALID-NO-TOKEN", "an RFC 6749 §5.2 error and no token", run_seed, budget)


@requirement("TOKEN-NO-STORE")
def test_every_generated_token_response_is_not_stored(fuzzed: Campaign, run_seed: int, budget: str) -> None:
    """RFC 6749 §5.1: "The authorization server MUST include the HTTP "Cache-Control" response header field
    with a value of "no-store" in any response containing tokens" - every one the fuzzing provoked."""
    _verdict(fuzzed, "TOKEN-NO-STORE", "Cache-Control: no-store on every response carrying a token",
             run_seed, budget)  # fmt: skip


@requirement("SEC-NO-SECRET-ECHO")
def test_generated_errors_do_not_echo_secrets(fuzzed: Campaign, run_seed: int, budget: str) -> None:
    """ASVS 16.5.1, RFC 6749 §10.3: no error response repeats a client secret, code or token the request
    carried - whatever else the generated request held."""
    _verdict(fuzzed, "SEC-NO-SECRET-ECHO", "no submitted secret in any error response", run_seed, budget)
