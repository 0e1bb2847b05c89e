"""Property checks (hypothesis): rules that must hold for every input and every order of steps.

A rule-based state machine walks the grant lifecycle (authorize, redeem, refresh, rotate, replay, use,
let time pass) in generated orders; the other properties generate states, scope spellings and malformed
token parameters. Each starts with explicit edge examples, then generates more from a seed derived from
the run's seed (`--seed` replays it); the budget (`--budget ci|certification`) sets how many. A finding
shows the failing input, the steps that led to it and the request (masked), with the seed.

Probes: each check generates and sends; whether one answer breaks the rule is decided by the judges of
conformance/judges/properties.py, and the first counterexample becomes the check's finding in
conformance/judges/generated.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from conformance.catalogue import requirement
from conformance.checks.conftest import LoginCheck
from conformance.config import Client, Target
from conformance.findings import settle
from conformance.flows.front_channel import attempt_authorization
from conformance.flows.token import TokenResponse, token_request
from conformance.generated.budget import (
    budget_for,
    derive_seed,
    hypothesis_settings,
    run_seeded,
)
from conformance.generated.found import Found
from conformance.generated.lifecycle_model import MUST, SHOULD
from conformance.generated.strategies import (
    MUTATION_EXAMPLES,
    Mutation,
    mutated_request,
    mutations,
    scope_edge_spellings,
    scope_spellings,
    state_values,
)
from conformance.http import Session
from conformance.judges import properties as judge
from conformance.judges.generated import ensure_no_counterexample
from conformance.run.clock import Clock
from conformance.run.state import GENERATED
from conformance.verdict import describe

if TYPE_CHECKING:  # hypothesis and the state machine are imported when a property check runs
    from hypothesis import strategies as st

    from conformance.generated.lifecycle import LifecycleRun


@contextmanager
def _counting(http: Session, request: pytest.FixtureRequest) -> Iterator[None]:
    """Records how many requests the check sent (all generated, but for a few baselines) for the run's summary."""
    before = http.requests_sent
    try:
        yield
    finally:
        request.node.user_properties.append((GENERATED, http.requests_sent - before))


def _replay_hint(run_seed: int, budget: str, requirement_id: str) -> str:
    return f"replay: spry-conformance run --seed {run_seed} --budget {budget} --requirement {requirement_id}"


def _report(found: Found | None, wanted: str, requirement_id: str, run_seed: int, budget: str) -> None:
    settle(ensure_no_counterexample(found, wanted, _replay_hint(run_seed, budget, requirement_id)))


def _explore(examples: Sequence[Any], strategy: st.SearchStrategy[Any], count: int, seed: int,
             check: Callable[[Any], None], found: list[Found]) -> None:  # fmt: skip
    """Run `check` on every explicit example, then on `count` generated ones; stop at the first finding."""
    import hypothesis

    for example in examples:
        if found:
            return
        check(example)

    @hypothesis.given(value=strategy)
    def generated(value: Any) -> None:
        if not found:
            check(value)

    run_seeded(generated, seed, hypothesis_settings(count))


# --- state ------------------------------------------------------------------------------------------

STATE_EXAMPLES = ["<b>\"x\"</b> 'y'", "é ✓ 日本語 \U0001f600", "  two  spaces  ", "%41%zz+=&#?/;\\"]


@requirement("AC-STATE-ROUNDTRIP")
@pytest.mark.long
def test_any_state_comes_back_byte_identical(
    http: Session,
    target: Target,
    code_client: Client,
    usable_login: LoginCheck,
    budget: str,
    run_seed: int,
    request: pytest.FixtureRequest,
) -> None:
    """RFC 6749 §4.1.2: state is returned as "The exact value received from the client" - for generated
    printable and unicode states. Appendix A.5 limits state to printable ASCII: a server may refuse another
    state, but one it sends back must be exact."""
    found: list[Found] = []
    judged = Counter[str]()

    def check(state: str) -> None:
        outcome = attempt_authorization(http, target, code_client, state=state)
        usable_login(outcome)
        if judge.state_may_be_refused(state, outcome):
            return  # a non-ASCII state may be refused (RFC 6749 Appendix A.5)
        judged["state"] += 1
        problem = judge.state_problem(state, outcome)
        if problem:  # reproduce: the authorization request, which carried the state
            found.append(Found(problem, outcome.exchanges, describe(state), reproduce=outcome.first.exchange))

    count = max(3, budget_for(budget).property_examples // 2)
    with _counting(http, request):
        _explore(STATE_EXAMPLES, state_values(), count, derive_seed(run_seed, "state"), check, found)
    _report(
        found[0] if found else None, "the state back byte for byte", "AC-STATE-ROUNDTRIP", run_seed, budget
    )
    if not judged:
        pytest.skip("the server refused every generated state")


# --- scope spellings --------------------------------------------------------------------------------


@requirement("FUZZ-SCOPE-SPACING")
@pytest.mark.long
def test_scope_in_any_order_and_spacing(
    http: Session,
    target: Target,
    cc_primary: Client,
    budget: str,
    run_seed: int,
    request: pytest.FixtureRequest,
) -> None:
    """RFC 6749 §3.3: scope is "a list of space-delimited, case-sensitive strings ... their order does not
    matter"; §5.2: a malformed scope is invalid_scope. Any order, repeats and extra spaces get the grant the
    canonical spelling gets, or (when malformed) invalid_scope - never a 5xx."""
    registered = tuple(cc_primary.scopes)
    if not registered:
        pytest.skip("needs clients.primary.scopes")
    baselines: dict[frozenset[str], TokenResponse] = {}
    found: list[Found] = []

    def canonical(tokens: frozenset[str]) -> TokenResponse:
        if tokens not in baselines:
            spelled = " ".join(name for name in registered if name in tokens)
            baselines[tokens] = token_request(http, target, [("grant_type", "client_credentials"), ("scope", spelled)],
                                              client=cc_primary)  # fmt: skip
        return baselines[tokens]

    def check(spelled: str) -> None:
        if found:
            return
        tokens = frozenset(spelled.split(" ")) - {""}
        answer = token_request(http, target, [("grant_type", "client_credentials"), ("scope", spelled)],
                               client=cc_primary)  # fmt: skip
        problem = judge.scope_spelling_problem(spelled, tokens, answer, canonical(tokens))
        if problem:
            found.append(Found(problem, [canonical(tokens).exchange, answer.exchange], repr(spelled)))

    examples = scope_edge_spellings(registered)
    with _counting(http, request):
        _explore(examples, scope_spellings(registered), budget_for(budget).property_examples,
                 derive_seed(run_seed, "scope"), check, found)  # fmt: skip
    _report(found[0] if found else None, "the canonical spelling's grant, or invalid_scope for a malformed one",
            "FUZZ-SCOPE-SPACING", run_seed, budget)  # fmt: skip


# --- malformed parameters ---------------------------------------------------------------------------


@requirement("FUZZ-MALFORMED-REFUSED")
@pytest.mark.long
def test_malformed_parameters_are_refused(
    http: Session,
    target: Target,
    cc_primary: Client,
    budget: str,
    run_seed: int,
    request: pytest.FixtureRequest,
) -> None:
    """RFC 6749 §5.2: a malformed request - here one oversized, odd-typed or otherwise malformed parameter -
    is refused with invalid_request (or the error specific to that parameter), never a 5xx or a token."""
    found: list[Found] = []
    registered = set(cc_primary.scopes)

    def check(mutation: Mutation) -> None:
        if found:
            return
        pairs = mutated_request(mutation, cc_primary)
        answer = token_request(http, target, pairs, client=cc_primary)
        problem = judge.malformed_parameter_problem(mutation, answer, registered)
        if problem:
            found.append(Found(problem, [answer.exchange], mutation.describe()))

    with _counting(http, request):
        _explore(MUTATION_EXAMPLES, mutations(), budget_for(budget).property_examples,
                 derive_seed(run_seed, "malformed"), check, found)  # fmt: skip
    _report(found[0] if found else None, "an RFC 6749 §5.2 error (HTTP 400, or 401 for invalid_client)",
            "FUZZ-MALFORMED-REFUSED", run_seed, budget)  # fmt: skip


# --- the grant lifecycle ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lifecycle(http: Session, target: Target, clock: Clock, budget: str, run_seed: int) -> LifecycleRun:
    """One run of the grant-lifecycle state machine (conformance.generated.lifecycle), for both checks."""
    from conformance.generated.lifecycle import LifecycleRun, Walk, run_lifecycle

    owner = target.client("primary")
    if (
        owner is None
        or not owner.can("authorization_code")
        or not owner.can("refresh_token")
        or not owner.redirect_uri
    ):
        return LifecycleRun(
            skipped="needs clients.primary with the authorization_code and refresh_token grants and a redirect_uri"
        )
    if target.user.login.method == "form" and not target.user.password:
        return LifecycleRun(
            skipped=f"needs the user's password in {target.user.password_env} for the authorization code flow"
        )
    walk = Walk(target, http, clock, owner, target.client("secondary"))
    return run_lifecycle(walk, budget_for(budget), run_seed)


def _lifecycle_verdict(run: LifecycleRun, level: str, wanted: str, request: pytest.FixtureRequest,
                       run_seed: int, budget: str) -> None:  # fmt: skip
    if not run.counted:
        request.node.user_properties.append((GENERATED, run.generated))
        run.counted = True
    if run.skipped:
        pytest.skip(run.skipped)
    _report(run.findings.get(level), wanted, level, run_seed, budget)
    if run.stopped is not None:
        raise run.stopped
    if not run.judged[level]:
        pytest.skip("no generated sequence reached a step this rule judges")


@requirement("FUZZ-LIFECYCLE")
@pytest.mark.xdist_group("grant-lifecycle")  # one state-machine run serves both checks
def test_grant_lifecycle_keeps_its_rules(lifecycle: LifecycleRun, request: pytest.FixtureRequest,
                                         run_seed: int, budget: str) -> None:  # fmt: skip
    """RFC 6749 §4.1.2, §4.1.3, §6, §7: in any order of steps, a code is redeemed at most once, a code or
    refresh token works only for its client, a refresh never grants beyond the original grant, and no access
    token works past its expiry."""
    _lifecycle_verdict(lifecycle, MUST, "every step within the grant rules", request, run_seed, budget)


@requirement("FUZZ-LIFECYCLE-REVOCATION")
@pytest.mark.xdist_group("grant-lifecycle")  # one state-machine run serves both checks
def test_replays_revoke_in_any_order(lifecycle: LifecycleRun, request: pytest.FixtureRequest,
                                     run_seed: int, budget: str) -> None:  # fmt: skip
    """RFC 6749 §4.1.2 (a replayed code: "SHOULD revoke ... all tokens previously issued based on that
    authorization code"), RFC 9700 §4.14.2 (a replayed rotated refresh token revokes the active one): in any
    order of steps, what a replay should revoke stops working."""
    _lifecycle_verdict(lifecycle, SHOULD, "the tokens a replay revokes refused", request, run_seed, budget)
