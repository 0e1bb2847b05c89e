"""The grant lifecycle walked on a target: a hypothesis state machine over the model.

`lifecycle_machine` is the hypothesis state machine that sends each step to the target (through the
flows, so through the run's Session) and feeds the model (`conformance.generated.lifecycle_model`,
which decides what each step allows, for `FUZZ-LIFECYCLE` and `FUZZ-LIFECYCLE-REVOCATION`);
`run_lifecycle` runs it within the budget.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import hypothesis.errors
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance.config import Client, Target
from conformance.errors import BudgetExhausted, CredentialGuard, LoginError, Stop, TargetError
from conformance.flows.authorize import authorize, new_state
from conformance.flows.resource import call_resource
from conformance.flows.scope_probe import classify_write, write_probe
from conformance.flows.token import TokenResponse, exchange_code, refresh
from conformance.generated.budget import Budget, derive_seed, hypothesis_settings, inconsistent_replay
from conformance.generated.found import Found
from conformance.generated.lifecycle_model import MUST, SHOULD, Answer, Code, Judgement, Lifecycle, Token
from conformance.http import Response
from conformance.run.clock import Clock

__all__ = ["MUST", "SHOULD", "LifecycleRun", "Walk", "lifecycle_machine", "run_lifecycle", "scenarios"]


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
    counted: bool = False  # the generated requests were reported (by whichever check ran first)


@dataclass(frozen=True)
class Walk:
    """What one walk needs: where to send, who owns the grant, who tries to steal it, how time passes."""

    target: Target
    http: Any  # the run's Session
    clock: Clock
    owner: Client
    other: Client | None


def lifecycle_machine(walk: Walk, run: LifecycleRun) -> type[RuleBasedStateMachine]:
    """A hypothesis state machine over `Lifecycle`: each rule sends one step and feeds the model."""
    owner, other, clock = walk.owner, walk.other, walk.clock
    scopes = [
        frozenset(c) for n in range(1, len(owner.scopes) + 1) for c in itertools.combinations(owner.scopes, n)
    ]
    names = itertools.count(1)  # names stay unique across the runs of one check

    class GrantLifecycle(RuleBasedStateMachine):
        """The grant lifecycle in generated orders. The model knows what must (and should) be refused."""

        def __init__(self) -> None:
            super().__init__()
            run.scenarios += 1
            self.model = Lifecycle(
                owner.scopes, lifetime=walk.target.token.expected_lifetime, skew=walk.target.token.clock_skew,
                names=names,
            )  # fmt: skip

        # Sending, and recording what the model judged ---------------------------------------------

        def _send(self, call: Callable[[], Any]) -> Any:
            if run.stopped is not None:
                raise Stop
            try:
                result = call()
            except (TargetError, BudgetExhausted) as error:
                run.stopped = error
                raise Stop from None
            run.generated += 1
            return result

        def _judged(self, judgements: list[Judgement], response: Response | TokenResponse) -> None:
            for judgement in judgements:
                run.judged[judgement.level] += 1
                if judgement.problem and judgement.level not in run.findings:
                    steps = list(self.model.steps)
                    run.findings[judgement.level] = Found(
                        judgement.problem, [response.exchange], f"the {len(steps)} steps below", steps
                    )

        # Steps ------------------------------------------------------------------------------------

        def authorize_code(self, scope: frozenset[str]) -> Code | None:
            spelled = self.model.spell(scope)
            try:
                answer = self._send(
                    lambda: authorize(walk.http, walk.target, owner, scope=spelled, state=new_state())
                )
            except (LoginError, CredentialGuard) as error:
                run.login_error = run.login_error or str(error)
                return self.model.authorized(scope, owner, None, failure=f"could not log in ({error})")
            return self.model.authorized(
                scope, owner, answer.code, failure=f"no code (error {answer.error!r})"
            )

        def redeem_code(self, code: Code, by: Client) -> None:
            answer: TokenResponse = self._send(
                lambda: exchange_code(
                    walk.http, walk.target, by, code.value, redirect_uri=code.client.redirect_uri
                )
            )
            self._judged(self.model.redeemed_code(code, by, Answer.of(answer)), answer)

        def refresh_token(self, token: Token, by: Client, scope: frozenset[str] | None) -> None:
            spelled = self.model.spell(scope)
            answer: TokenResponse = self._send(
                lambda: refresh(walk.http, walk.target, by, token.value, scope=spelled)
            )
            self._judged(self.model.refreshed(token, by, scope, Answer.of(answer)), answer)

        def use_token(self, token: Token) -> None:
            target = walk.target
            if "read" in token.scope or target.resource.write is None:
                response = self._send(lambda: call_resource(walk.http, target, token.value))
                works = 200 <= response.status < 300
            else:
                response = self._send(lambda: write_probe(walk.http, target, token.value))
                works = classify_write(response.status) in {"accepted", "written"}
            self._judged(self.model.used(token, works, response.status), response)

        def expire_tokens(self) -> None:
            seconds = self.model.expiry_wait()
            clock.pass_time(seconds, why="the access tokens' lifetime")
            self.model.time_passed(seconds)

        # Rules: what hypothesis may do next ------------------------------------------------------------

        @staticmethod
        def pick(data: st.DataObject, items: Sequence[Any], label: str) -> Any:
            return data.draw(st.sampled_from(list(items)[::-1]), label=label)  # the newest first

        @initialize(scope=st.sampled_from(scopes))
        def first_grant(self, scope: frozenset[str]) -> None:
            code = self.authorize_code(scope)
            if code is not None:
                self.redeem_code(code, owner)

        @precondition(lambda self: self.model.authorizations < 3)
        @rule(scope=st.sampled_from(scopes))
        def authorize(self, scope: frozenset[str]) -> None:
            self.authorize_code(scope)

        @precondition(lambda self: bool(self.model.unredeemed()))
        @rule(data=st.data())
        def redeem(self, data: st.DataObject) -> None:
            self.redeem_code(self.pick(data, self.model.unredeemed(), "code"), owner)

        @precondition(lambda self: bool(self.model.redeemed()))
        @rule(data=st.data())
        def replay_code(self, data: st.DataObject) -> None:
            self.redeem_code(self.pick(data, self.model.redeemed(), "code"), owner)

        @precondition(lambda self: bool(self.model.live()))
        @rule(data=st.data(), scope=st.sampled_from([None, None, *scopes]))
        def refresh(self, data: st.DataObject, scope: frozenset[str] | None) -> None:
            self.refresh_token(self.pick(data, self.model.live(), "refresh_token"), owner, scope)

        @precondition(lambda self: bool(self.model.live()))
        @rule(data=st.data(), scope=st.sampled_from([None, *scopes]))
        def refresh_newest(self, data: st.DataObject, scope: frozenset[str] | None) -> None:
            self.refresh_token(self.model.live()[-1], owner, scope)

        @precondition(lambda self: bool(self.model.rotated()))
        @rule(data=st.data())
        def replay_refresh_token(self, data: st.DataObject) -> None:
            self.refresh_token(self.pick(data, self.model.rotated(), "refresh_token"), owner, None)

        @precondition(lambda self: other is not None and bool(self.model.codes or self.model.refresh_tokens))
        @rule(data=st.data())
        def steal(self, data: st.DataObject) -> None:
            assert other is not None
            artefact = self.pick(data, [*self.model.codes, *self.model.refresh_tokens], "stolen")
            if isinstance(artefact, Code):
                self.redeem_code(artefact, other)
            else:
                self.refresh_token(artefact, other, None)

        @precondition(lambda self: bool(self.model.access))
        @rule(data=st.data())
        def use(self, data: st.DataObject) -> None:
            self.use_token(self.pick(data, self.model.access, "access_token"))

        @precondition(lambda self: clock.can_move and self.model.moves < 1 and bool(self.model.access))
        @rule()
        def let_tokens_expire(self) -> None:
            self.expire_tokens()

    return GrantLifecycle


def scenarios(walk: Walk) -> list[Callable[[Any], None]]:
    """Explicit scenarios, run before the generated ones (the state machine's explicit examples)."""
    owner, other, clock = walk.owner, walk.other, walk.clock
    full = frozenset(owner.scopes)
    narrow = frozenset(owner.scopes[:1]) if len(owner.scopes) > 1 else full

    def narrowed_grant_refreshed_twice(m: Any) -> None:
        code = m.authorize_code(narrow)
        if code is None:
            return
        m.redeem_code(code, owner)
        for scope in (None, full, None):
            if m.model.live():
                m.refresh_token(m.model.live()[-1], owner, scope)
        if m.model.access:
            m.use_token(m.model.access[-1])
        if other is not None and m.model.live():
            m.refresh_token(m.model.live()[-1], other, None)
        if other is not None:
            m.redeem_code(code, other)
        m.redeem_code(code, owner)
        if clock.can_move and m.model.access:
            m.expire_tokens()
            m.use_token(m.model.access[0])

    def replay_after_refresh(m: Any) -> None:
        code = m.authorize_code(full)
        if code is None:
            return
        m.redeem_code(code, owner)
        if m.model.live():
            m.refresh_token(m.model.live()[-1], owner, None)
        m.redeem_code(code, owner)
        if m.model.access:
            m.use_token(m.model.access[-1])
        if m.model.refresh_tokens:
            m.refresh_token(m.model.refresh_tokens[-1], owner, None)

    def rotated_token_replayed(m: Any) -> None:
        code = m.authorize_code(full)
        if code is None:
            return
        m.redeem_code(code, owner)
        if not m.model.live():
            return
        first = m.model.live()[-1]
        m.refresh_token(first, owner, None)
        m.refresh_token(first, owner, None)
        if m.model.access:
            m.use_token(m.model.access[-1])

    return [narrowed_grant_refreshed_twice, replay_after_refresh, rotated_token_replayed]


def run_lifecycle(walk: Walk, budget: Budget, seed: int) -> LifecycleRun:
    """The explicit scenarios, then generated walks within the budget (seeded from the run's seed)."""
    run = LifecycleRun()
    machine = lifecycle_machine(walk, run)
    try:
        for scenario in scenarios(walk):
            scenario(machine())
        explicit = run.scenarios
        # A live target may answer a replayed step differently (hypothesis calls that inconsistent): the
        # remaining runs go on from a seed derived from the first, three times at most.
        for attempt in range(3):
            remaining = budget.lifecycle_examples - (run.scenarios - explicit)
            if remaining <= 0:
                break
            hypothesis.seed(derive_seed(seed, f"lifecycle {attempt}"))(machine)
            try:
                run_state_machine_as_test(
                    machine, settings=hypothesis_settings(remaining, steps=budget.lifecycle_steps)
                )
                break
            except BaseException as error:
                if run.stopped is not None or not inconsistent_replay(error):
                    raise
    except BaseException as error:  # what hypothesis raises once a step stopped the run
        if run.stopped is None and run.login_error and isinstance(error, hypothesis.errors.InvalidDefinition):
            # every authorize step failed at the login pages, so no other step could ever run
            run.stopped = TargetError(f"could not get through the login pages: {run.login_error}")
        elif run.stopped is None:
            raise
    return run
