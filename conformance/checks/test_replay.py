"""Replay by racing: one authorization code, or one refresh token, used by N simultaneous requests.

The requests are released together (last-byte synchronisation, `Session.send_together`): a server that
checks "not used yet" and marks "used" in two steps lets several through. N is `flows.race.race_size()`
(5, or SPRY_RACE_N). Sequential reuse is the authorization code and refresh families' rules
(AC-CODE-SINGLE-USE, RT-ROTATION-OLD-REFUSED); these checks add concurrency.

Probes only: each check races its requests and hands the answers to its judge (conformance/judges/replay.py).
"""

from __future__ import annotations

import pytest

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.findings import settle
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.race import race_code, race_refresh, race_size
from conformance.flows.token import TokenResponse
from conformance.http import Session
from conformance.judges import replay as judge


def _refused_for_another_reason(answers: list[TokenResponse]) -> None:
    """Nothing was granted: the race says something only if the server refused the grant itself."""
    if not judge.judged_on_the_grant(answers):
        pytest.fail(
            f"no request of the race was judged on its grant ({judge.outcomes(answers)}): cannot tell"
        )


@requirement("SEC-RACE-CODE")
def test_simultaneous_redemptions_of_one_code_yield_one_token(
    http: Session, target: Target, code_client: Client, issued_code: AuthorizationResponse
) -> None:
    """RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server MUST deny
    the request"; §10.5: codes are single-use. N redemptions of one fresh code released at the same instant:
    at most one gets tokens."""
    n = race_size()
    answers = race_code(
        http, target, code_client, issued_code.code or "", redirect_uri=code_client.redirect_uri, n=n
    )
    _refused_for_another_reason(answers)
    settle(judge.ensure_one_code_yields_one_token(answers, n))


@requirement("SEC-RACE-REFRESH")
def test_simultaneous_refreshes_of_one_token_yield_one_new_pair(
    http: Session, target: Target, refresh_client: Client, refreshable: TokenResponse
) -> None:
    """RFC 9700 §4.14.2: with refresh token rotation "the authorization server issues a new refresh token with
    every access token refresh response. The previous refresh token is invalidated". N refreshes with one
    refresh token released at the same instant: at most one gets a new refresh token."""
    n = race_size()
    old = refreshable.refresh_token or ""
    answers = race_refresh(http, target, refresh_client, old, n=n)
    if any(a.ok for a in answers) and not judge.rotated(answers, old):
        pytest.skip(
            "the target does not rotate refresh tokens (no new refresh token was issued): nothing to race"
        )
    _refused_for_another_reason(answers)
    settle(judge.ensure_one_refresh_token_yields_one_pair(answers, old, n))
