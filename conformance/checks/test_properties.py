"""Property checks (hypothesis): rules that must hold for every input and every order of steps.

A rule-based state machine walks the grant lifecycle (authorize, redeem, refresh, rotate, replay, use,
let time pass) in generated orders; the other properties generate states, scope spellings and malformed
token parameters. Each starts with explicit edge examples, then generates more from a seed derived from
the run's seed (`--seed` replays it); the budget (`--budget ci|certification`) sets how many. A finding
shows the failing input, the steps that led to it and the request (masked), with the seed.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance.catalogue import requirement
from conformance.checks.conftest import LoginCheck
from conformance.config import Client, Target
from conformance.errors import Stop as _Stop
from conformance.evidence import Exchange
from conformance.flows import fuzz
from conformance.flows.authorize import LoginError, authorize, new_state
from conformance.flows.front_channel import attempt_authorization
from conformance.flows.resource import call_resource
from conformance.flows.responses import granted_scopes
from conformance.flows.scope_probe import classify_write, write_probe
from conformance.flows.token import TOKEN_ERRORS, TokenResponse, exchange_code, refresh, token_request
from conformance.http import BudgetExhausted, CredentialGuard, Response, Session, TargetError
from conformance.run.clock import Clock
from conformance.run.state import GENERATED
from conformance.verdict import describe, expect

_PRINTABLE = set(map(chr, range(0x20, 0x7F)))  # VSCHAR, RFC 6749 Appendix A.5


@dataclass
class Found:
    """The first input that broke a property."""

    problem: str
    evidence: list[Exchange]
    example: str
    steps: list[str] = field(default_factory=list)
    reproduce: Exchange | None = None  # the request to repeat (default: the last exchange)


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
    if found is None:
        return
    steps = "".join(f"\n  {i}. {step}" for i, step in enumerate(found.steps, 1))
    again = found.reproduce or (found.evidence[-1] if found.evidence else None)
    curl = f"\nreproduce: {again.as_curl()}" if again is not None else ""
    expect(False, wanted, *found.evidence,
           observed=f"{found.problem}; input: {found.example}" + (f"\nsteps:{steps}" if steps else "")
                    + f"{curl}\n{_replay_hint(run_seed, budget, requirement_id)}")  # fmt: skip


def _explore(examples: Sequence[Any], strategy: st.SearchStrategy[Any], count: int, seed: int,
             check: Callable[[Any], None], found: list[Found]) -> None:  # fmt: skip
    """Run `check` on every explicit example, then on `count` generated ones; stop at the first finding."""
    for example in examples:
        if found:
            return
        check(example)

    @hypothesis.given(value=strategy)
    def generated(value: Any) -> None:
        if not found:
            check(value)

    fuzz.run_seeded(generated, seed, fuzz.hypothesis_settings(count))


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
        printable = set(state) <= _PRINTABLE
        if outcome.redirect is None and not printable:
            return  # a non-ASCII state may be refused (RFC 6749 Appendix A.5)
        if outcome.redirect is not None and outcome.redirect.error and not printable:
            return
        judged["state"] += 1
        first = outcome.first.exchange  # the authorization request, which carried the state
        if outcome.redirect is None:
            found.append(Found(f"no redirect back to the client ({outcome.describe()})", outcome.exchanges,
                               describe(state), reproduce=first))  # fmt: skip
        elif outcome.redirect.state != state:
            found.append(Found(f"state {describe(outcome.redirect.state)} came back", outcome.exchanges,
                               describe(state), reproduce=first))  # fmt: skip

    count = max(3, fuzz.budget_for(budget).property_examples // 2)
    with _counting(http, request):
        _explore(
            STATE_EXAMPLES, fuzz.state_values(), count, fuzz.derive_seed(run_seed, "state"), check, found
        )
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
        tokens = frozenset(spelled.split(" ")) - {""}
        answer = token_request(http, target, [("grant_type", "client_credentials"), ("scope", spelled)],
                               client=cc_primary)  # fmt: skip
        problem = _scope_problem(spelled, tokens, answer, canonical(tokens))
        if problem:
            found.append(Found(problem, [canonical(tokens).exchange, answer.exchange], repr(spelled)))

    examples = fuzz.scope_edge_spellings(registered)
    with _counting(http, request):
        _explore(examples, fuzz.scope_spellings(registered), fuzz.budget_for(budget).property_examples,
                 fuzz.derive_seed(run_seed, "scope"), lambda spelled: found or check(spelled), found)  # fmt: skip
    _report(found[0] if found else None, "the canonical spelling's grant, or invalid_scope for a malformed one",
            "FUZZ-SCOPE-SPACING", run_seed, budget)  # fmt: skip


def _scope_problem(
    spelled: str, tokens: frozenset[str], answer: TokenResponse, base: TokenResponse
) -> str | None:
    if answer.status >= 500:
        return f"HTTP {answer.status}"
    well_formed = spelled == " ".join(spelled.split()) and len(spelled.split()) == len(tokens)
    canonical_grant = granted_scopes(base, " ".join(sorted(tokens))) if base.ok else None
    if answer.ok:
        granted = granted_scopes(answer, spelled)
        if not base.ok:
            return (
                f"granted {describe(answer.scope)}, while the canonical spelling was refused ({base.error})"
            )
        if granted != canonical_grant:
            return f"granted {describe(answer.scope)}, the canonical spelling {describe(base.scope)}"
        return None
    if well_formed:
        if base.ok:
            return (
                f"refused ({answer.error}), while the canonical spelling was granted (order does not matter)"
            )
        return None
    if answer.error != "invalid_scope" and base.ok:
        return f"HTTP {answer.status}, error {describe(answer.error)} (a malformed scope is invalid_scope)"
    return None


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

    def check(mutation: fuzz.Mutation) -> None:
        if found:
            return
        pairs = fuzz.mutated_request(mutation, cc_primary)
        answer = token_request(http, target, pairs, client=cc_primary)
        problem = _malformed_problem(mutation, answer, registered)
        if problem:
            found.append(Found(problem, [answer.exchange], mutation.describe()))

    with _counting(http, request):
        _explore(fuzz.MUTATION_EXAMPLES, fuzz.mutations(), fuzz.budget_for(budget).property_examples,
                 fuzz.derive_seed(run_seed, "malformed"), check, found)  # fmt: skip
    _report(found[0] if found else None, "an RFC 6749 §5.2 error (HTTP 400, or 401 for invalid_client)",
            "FUZZ-MALFORMED-REFUSED", run_seed, budget)  # fmt: skip


def _malformed_problem(mutation: fuzz.Mutation, answer: TokenResponse, registered: set[str]) -> str | None:
    if answer.status >= 500:
        return f"HTTP {answer.status}"
    if answer.access_token or answer.refresh_token:
        stated = set((answer.scope or "").split()) if answer.scope is not None else None
        if mutation.parameter == "scope" and stated is not None and stated <= registered:
            return None  # RFC 6749 §3.3: the server may ignore a requested scope and state what it granted
        if mutation.parameter == "scope" and stated is None:
            return (f"HTTP {answer.status} with a token whose scope is not stated, so it grants the scope asked "
                    "for (RFC 6749 §3.3: a different scope MUST be stated)")  # fmt: skip
        if mutation.parameter == "scope":
            return (
                f"HTTP {answer.status} with a token for scope {describe(answer.scope)}, not a registered one"
            )
        return f"HTTP {answer.status} with a token"
    if answer.status == 413:
        return None  # a body the server will not read
    allowed = {400, 401} if answer.error == "invalid_client" else {400}
    if answer.error not in TOKEN_ERRORS or answer.status not in allowed:
        return f"HTTP {answer.status}, error {describe(answer.error)} (RFC 6749 §5.2: 400 with an error code)"
    return None


# --- the grant lifecycle ----------------------------------------------------------------------------

MUST = "FUZZ-LIFECYCLE"
SHOULD = "FUZZ-LIFECYCLE-REVOCATION"


@dataclass
class Family:
    """Everything issued from one redeemed code."""

    name: str
    client: Client
    granted: frozenset[str]
    uncertain: bool = False  # the server did something the model cannot follow: SHOULD rules not judged


@dataclass
class Code:
    name: str
    value: str
    client: Client
    requested: frozenset[str]
    redemptions: int = 0
    families: list[Family] = field(default_factory=list)


@dataclass
class Token:
    name: str
    value: str
    family: Family
    scope: frozenset[str]
    expires_at: float = float("inf")  # model seconds
    rotated: bool = False  # refresh tokens: a newer one was issued for it
    partner: Token | None = None  # refresh tokens: the access token issued with it
    revoked_because: str | None = None  # the server SHOULD have revoked it, and why


@dataclass
class LifecycleRun:
    """What the state machine runs found, shared by the two lifecycle checks."""

    findings: dict[str, Found] = field(default_factory=dict)
    judged: Counter[str] = field(default_factory=Counter)
    skipped: str = ""
    stopped: BaseException | None = None
    generated: int = 0
    scenarios: int = 0
    login_error: str = ""  # why the login pages stopped an authorize step, the first time they did


def _lifecycle_machine(http: Session, target: Target, clock: Clock, owner: Client, other: Client | None,
                       run: LifecycleRun) -> type[RuleBasedStateMachine]:  # fmt: skip
    scopes = [
        frozenset(c) for n in range(1, len(owner.scopes) + 1) for c in itertools.combinations(owner.scopes, n)
    ]
    skew = target.token.clock_skew
    counter = itertools.count(1)

    def spell(scope: frozenset[str] | None) -> str | None:
        return None if scope is None else " ".join(name for name in owner.scopes if name in scope)

    class GrantLifecycle(RuleBasedStateMachine):
        """The grant lifecycle in generated orders. The model knows what must (and should) be refused."""

        def __init__(self) -> None:
            super().__init__()
            run.scenarios += 1
            self.codes: list[Code] = []
            self.access: list[Token] = []
            self.refresh_tokens: list[Token] = []
            self.now = 0.0
            self.steps: list[str] = []
            self.authorizations = 0
            self.moves = 0

        # Bookkeeping ----------------------------------------------------------------------------

        def _name(self, kind: str) -> str:
            return f"{kind}{next(counter)}"

        def _violation(self, level: str, problem: str, response: Response | TokenResponse) -> None:
            if level not in run.findings:
                steps = list(self.steps)
                run.findings[level] = Found(
                    problem, [response.exchange], f"the {len(steps)} steps below", steps
                )

        def _send(self, call: Callable[[], Any]) -> Any:
            if run.stopped is not None:
                raise _Stop
            try:
                result = call()
            except (TargetError, BudgetExhausted) as error:
                run.stopped = error
                raise _Stop from None
            run.generated += 1
            return result

        def _issue(
            self, answer: TokenResponse, family: Family, requested: str | None
        ) -> tuple[Token, Token | None]:
            granted = frozenset(granted_scopes(answer, requested) or family.granted)
            lifetime = (
                answer.expires_in if isinstance(answer.expires_in, int) else target.token.expected_lifetime
            )
            access = Token(self._name("A"), answer.access_token or "", family, granted, self.now + lifetime)
            self.access.append(access)
            fresh = None
            if answer.refresh_token:
                fresh = Token(self._name("R"), answer.refresh_token, family, family.granted, partner=access)
                self.refresh_tokens.append(fresh)
            return access, fresh

        @staticmethod
        def _outcome(answer: TokenResponse | Response) -> str:
            status = answer.status
            error = getattr(answer, "error", None)
            return f"HTTP {status}" + (f" {error}" if error else "")

        def live(self) -> list[Token]:
            return [t for t in self.refresh_tokens if not t.rotated and not t.family.uncertain]

        def rotated(self) -> list[Token]:
            return [t for t in self.refresh_tokens if t.rotated]

        def unredeemed(self) -> list[Code]:
            return [c for c in self.codes if not c.redemptions]

        def redeemed(self) -> list[Code]:
            return [c for c in self.codes if c.redemptions]

        # Steps ------------------------------------------------------------------------------------

        def authorize_code(self, scope: frozenset[str]) -> Code | None:
            self.authorizations += 1
            spelled = spell(scope)
            try:
                answer = self._send(lambda: authorize(http, target, owner, scope=spelled, state=new_state()))
            except (LoginError, CredentialGuard) as error:
                self.steps.append(f"authorize (scope {spelled!r}) -> could not log in ({error})")
                run.login_error = run.login_error or str(error)
                return None
            if not answer.code:
                self.steps.append(f"authorize (scope {spelled!r}) -> no code (error {answer.error!r})")
                return None
            code = Code(self._name("C"), answer.code, owner, scope)
            self.codes.append(code)
            self.steps.append(f"authorize (scope {spelled!r}) -> code {code.name}")
            return code

        def redeem_code(self, code: Code, by: Client) -> None:
            answer: TokenResponse = self._send(
                lambda: exchange_code(http, target, by, code.value, redirect_uri=code.client.redirect_uri)
            )
            outcome = self._outcome(answer)
            if by.client_id != code.client.client_id:
                self.steps.append(f"redeem {code.name} as the {by.name} client -> {outcome}")
                run.judged[MUST] += 1
                if answer.ok:
                    self._violation(MUST, f"code {code.name}, issued to the {code.client.name} client, was "
                                          f"redeemed by the {by.name} client", answer)  # fmt: skip
                for family in code.families:  # a server may revoke on a refused attempt: not judged after
                    family.uncertain = True
                return
            if not answer.ok:
                self.steps.append(f"{'replay' if code.redemptions else 'redeem'} {code.name} -> {outcome}")
                if code.redemptions:  # a refused replay: what the code produced should be revoked
                    run.judged[MUST] += 1
                    for token in self.access + self.refresh_tokens:
                        if any(token.family is f for f in code.families) and token.revoked_because is None:
                            token.revoked_because = f"code {code.name} was replayed"
                return
            family = Family(self._name("F"), by, frozenset(granted_scopes(answer, None) or code.requested))
            access, fresh = self._issue(answer, family, spell(code.requested))
            self.steps.append(
                f"{'replay' if code.redemptions else 'redeem'} {code.name} -> {outcome}: {access.name}"
                + (f" and {fresh.name}" if fresh else "")
                + f" (scope {sorted(access.scope)})"
            )
            if code.redemptions:
                run.judged[MUST] += 1
                self._violation(MUST, f"code {code.name} was redeemed a second time", answer)
            code.redemptions += 1
            code.families.append(family)

        def refresh_token(self, token: Token, by: Client, scope: frozenset[str] | None) -> None:
            spelled = spell(scope)
            asked = f"scope {spelled!r}" if spelled else "no scope"
            family = token.family
            answer: TokenResponse = self._send(lambda: refresh(http, target, by, token.value, scope=spelled))
            outcome = self._outcome(answer)
            if by.client_id != family.client.client_id:
                self.steps.append(f"refresh {token.name} as the {by.name} client ({asked}) -> {outcome}")
                run.judged[MUST] += 1
                if answer.ok:
                    self._violation(MUST, f"refresh token {token.name}, issued to the {family.client.name} client, "
                                          f"was used by the {by.name} client", answer)  # fmt: skip
                family.uncertain = True
                return
            if not answer.ok:
                self.steps.append(f"refresh {token.name} ({asked}) -> {outcome}")
                if token.rotated and not family.uncertain:
                    run.judged[SHOULD] += 1  # a replayed rotated token: the active ones should die with it
                    why = f"the rotated {token.name} was replayed"
                    for active in self.refresh_tokens:
                        if active.family is family and not active.rotated:
                            active.revoked_because = active.revoked_because or why
                            if active.partner is not None:
                                active.partner.revoked_because = active.partner.revoked_because or why
                elif token.revoked_because and not family.uncertain:
                    run.judged[SHOULD] += 1
                elif scope is None or scope <= family.granted:
                    family.uncertain = True  # a refresh the model expected to work was refused
                return
            granted = frozenset(granted_scopes(answer, spelled) or family.granted)
            access, fresh = self._issue(answer, family, spelled)
            if fresh is not None and fresh.value == token.value:  # the same refresh token again: no rotation
                self.refresh_tokens.remove(fresh)
                fresh = None
            self.steps.append(
                f"refresh {token.name} ({asked}) -> {outcome}: {access.name}"
                + (f" and {fresh.name}" if fresh else "")
                + f" (scope {sorted(granted)})"
            )
            run.judged[MUST] += 1
            if not granted <= family.granted:
                self._violation(MUST, f"the refresh of {token.name} ({asked}) granted {sorted(granted)}, beyond the "
                                      f"original grant {sorted(family.granted)}", answer)  # fmt: skip
            if not family.uncertain and (token.rotated or token.revoked_because):
                run.judged[SHOULD] += 1
                why = "it was rotated" if token.rotated else token.revoked_because
                self._violation(SHOULD, f"refresh token {token.name} still works, although {why}", answer)
            if fresh is not None:
                token.rotated = True

        def use_token(self, token: Token) -> None:
            works, response = self._works(token)
            self.steps.append(f"use {token.name} -> HTTP {response.status}")
            if self.now >= token.expires_at + skew:
                run.judged[MUST] += 1
                if works:
                    late = self.now - token.expires_at
                    self._violation(
                        MUST, f"access token {token.name} worked {late:.0f} s after it expired", response
                    )
            elif token.revoked_because and not token.family.uncertain:
                run.judged[SHOULD] += 1
                if works:
                    self._violation(SHOULD, f"access token {token.name} still works, although {token.revoked_because}",
                                    response)  # fmt: skip

        def _works(self, token: Token) -> tuple[bool, Response]:
            if "read" in token.scope or target.resource.write is None:
                response = self._send(lambda: call_resource(http, target, token.value))
                return 200 <= response.status < 300, response
            response = self._send(lambda: write_probe(http, target, token.value))
            return classify_write(response.status) in {"accepted", "written"}, response

        def expire_tokens(self) -> None:
            lifetime = max([target.token.expected_lifetime] + [t.expires_at - self.now for t in self.access
                                                                if t.expires_at != float("inf")])  # fmt: skip
            seconds = max(1.0, lifetime) + skew + 1
            clock.pass_time(seconds, why="the access tokens' lifetime")
            self.now += seconds
            self.moves += 1
            self.steps.append(f"let {seconds:.0f} s pass")

        # Rules: what hypothesis may do next ------------------------------------------------------------

        @staticmethod
        def pick(data: st.DataObject, items: Sequence[Any], label: str) -> Any:
            return data.draw(st.sampled_from(list(items)[::-1]), label=label)  # the newest first

        @initialize(scope=st.sampled_from(scopes))
        def first_grant(self, scope: frozenset[str]) -> None:
            code = self.authorize_code(scope)
            if code is not None:
                self.redeem_code(code, owner)

        @precondition(lambda self: self.authorizations < 3)
        @rule(scope=st.sampled_from(scopes))
        def authorize(self, scope: frozenset[str]) -> None:
            self.authorize_code(scope)

        @precondition(lambda self: bool(self.unredeemed()))
        @rule(data=st.data())
        def redeem(self, data: st.DataObject) -> None:
            self.redeem_code(self.pick(data, self.unredeemed(), "code"), owner)

        @precondition(lambda self: bool(self.redeemed()))
        @rule(data=st.data())
        def replay_code(self, data: st.DataObject) -> None:
            self.redeem_code(self.pick(data, self.redeemed(), "code"), owner)

        @precondition(lambda self: bool(self.live()))
        @rule(data=st.data(), scope=st.sampled_from([None, None, *scopes]))
        def refresh(self, data: st.DataObject, scope: frozenset[str] | None) -> None:
            self.refresh_token(self.pick(data, self.live(), "refresh_token"), owner, scope)

        @precondition(lambda self: bool(self.live()))
        @rule(data=st.data(), scope=st.sampled_from([None, *scopes]))
        def refresh_newest(self, data: st.DataObject, scope: frozenset[str] | None) -> None:
            self.refresh_token(self.live()[-1], owner, scope)

        @precondition(lambda self: bool(self.rotated()))
        @rule(data=st.data())
        def replay_refresh_token(self, data: st.DataObject) -> None:
            self.refresh_token(self.pick(data, self.rotated(), "refresh_token"), owner, None)

        @precondition(lambda self: other is not None and bool(self.codes or self.refresh_tokens))
        @rule(data=st.data())
        def steal(self, data: st.DataObject) -> None:
            assert other is not None
            artefact = self.pick(data, [*self.codes, *self.refresh_tokens], "stolen")
            if isinstance(artefact, Code):
                self.redeem_code(artefact, other)
            else:
                self.refresh_token(artefact, other, None)

        @precondition(lambda self: bool(self.access))
        @rule(data=st.data())
        def use(self, data: st.DataObject) -> None:
            self.use_token(self.pick(data, self.access, "access_token"))

        @precondition(lambda self: clock.can_move and self.moves < 1 and bool(self.access))
        @rule()
        def let_tokens_expire(self) -> None:
            self.expire_tokens()

    return GrantLifecycle


def _scenarios(
    machine: type[RuleBasedStateMachine], owner: Client, other: Client | None, clock: Clock
) -> list[Callable[[Any], None]]:
    """Explicit scenarios, run before the generated ones (the state machine's explicit examples)."""
    full = frozenset(owner.scopes)
    narrow = frozenset(owner.scopes[:1]) if len(owner.scopes) > 1 else full

    def narrowed_grant_refreshed_twice(m: Any) -> None:
        code = m.authorize_code(narrow)
        if code is None:
            return
        m.redeem_code(code, owner)
        if m.live():
            m.refresh_token(m.live()[-1], owner, None)
        if m.live():
            m.refresh_token(m.live()[-1], owner, full)
        if m.live():
            m.refresh_token(m.live()[-1], owner, None)
        if m.access:
            m.use_token(m.access[-1])
        if other is not None and m.live():
            m.refresh_token(m.live()[-1], other, None)
        if other is not None:
            m.redeem_code(code, other)
        m.redeem_code(code, owner)
        if clock.can_move and m.access:
            m.expire_tokens()
            m.use_token(m.access[0])

    def replay_after_refresh(m: Any) -> None:
        code = m.authorize_code(full)
        if code is None:
            return
        m.redeem_code(code, owner)
        if m.live():
            m.refresh_token(m.live()[-1], owner, None)
        m.redeem_code(code, owner)
        if m.access:
            m.use_token(m.access[-1])
        if m.refresh_tokens:
            m.refresh_token(m.refresh_tokens[-1], owner, None)

    def rotated_token_replayed(m: Any) -> None:
        code = m.authorize_code(full)
        if code is None:
            return
        m.redeem_code(code, owner)
        if not m.live():
            return
        first = m.live()[-1]
        m.refresh_token(first, owner, None)
        m.refresh_token(first, owner, None)
        if m.access:
            m.use_token(m.access[-1])

    return [narrowed_grant_refreshed_twice, replay_after_refresh, rotated_token_replayed]


@pytest.fixture(scope="module")
def lifecycle(http: Session, target: Target, clock: Clock, budget: str, run_seed: int) -> LifecycleRun:
    run = LifecycleRun()
    owner = target.client("primary")
    if (
        owner is None
        or not owner.can("authorization_code")
        or not owner.can("refresh_token")
        or not owner.redirect_uri
    ):
        run.skipped = (
            "needs clients.primary with the authorization_code and refresh_token grants and a redirect_uri"
        )
        return run
    if target.user.login.method == "form" and not target.user.password:
        run.skipped = (
            f"needs the user's password in {target.user.password_env} for the authorization code flow"
        )
        return run
    other = target.client("secondary")
    machine = _lifecycle_machine(http, target, clock, owner, other, run)
    plan = fuzz.budget_for(budget)
    try:
        for scenario in _scenarios(machine, owner, other, clock):
            scenario(machine())
        explicit = run.scenarios
        # A live target may answer a replayed step differently (hypothesis calls that inconsistent): the
        # remaining runs go on from a seed derived from the first, three times at most.
        for attempt in range(3):
            remaining = plan.lifecycle_examples - (run.scenarios - explicit)
            if remaining <= 0:
                break
            hypothesis.seed(fuzz.derive_seed(run_seed, f"lifecycle {attempt}"))(machine)
            try:
                run_state_machine_as_test(
                    machine, settings=fuzz.hypothesis_settings(remaining, steps=plan.lifecycle_steps)
                )
                break
            except BaseException as error:
                if run.stopped is not None or not fuzz.inconsistent_replay(error):
                    raise
    except BaseException as error:  # what hypothesis raises once a step stopped the run
        if run.stopped is None and run.login_error and isinstance(error, hypothesis.errors.InvalidDefinition):
            # every authorize step failed at the login pages, so no other step could ever run
            run.stopped = TargetError(f"could not get through the login pages: {run.login_error}")
        elif run.stopped is None:
            raise
    return run


def _lifecycle_verdict(run: LifecycleRun, level: str, wanted: str, request: pytest.FixtureRequest,
                       run_seed: int, budget: str) -> None:  # fmt: skip
    if not getattr(run, "counted", False):
        request.node.user_properties.append((GENERATED, run.generated))
        run.counted = True  # type: ignore[attr-defined]
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
