"""The schema-based fuzzing campaign: explicit edge values, generated valid and invalid cases, and
stateful scenarios through the description's links, run once and judged by every rule that applies.

`run_campaign` hands every exchange to the rules the checks supply; the rules (conformance.judges)
decide what a response means. No judgement here.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.config import Target
from conformance.errors import Stop
from conformance.generated.budget import (
    Budget,
    derive_seed,
    hypothesis_settings,
    inconsistent_replay,
    is_stop,
    run_seeded,
)
from conformance.generated.delivery import Delivery, threads_for
from conformance.generated.found import Breach
from conformance.generated.schema import load_schema, operations
from conformance.generated.sender import Sender, Sent
from conformance.generated.strategies import EDGE_VALUES, SCOPE_SPELLINGS, identity_variants
from conformance.http import BudgetExhausted, Session, TargetError


@dataclass
class Campaign:
    """The outcome of one schema-based fuzzing run: what each rule saw, and the first breach of each."""

    seed: int
    budget: Budget
    generated: int = 0
    judged: Counter[str] = field(default_factory=Counter)
    findings: dict[str, Breach] = field(default_factory=dict)
    skipped: str = ""  # why the campaign could not run
    stopped: BaseException | None = None  # a TargetError or BudgetExhausted that ended it early
    notes: list[str] = field(default_factory=list)


Judge = Callable[[Sent], "str | None"]


@dataclass(frozen=True)
class Rule:
    """What one check judges on every response it applies to."""

    requirement: str
    applies: Callable[[Sent], bool]
    judge: Judge


def run_campaign(http: Session, target: Target, budget: Budget, seed: int, rules: Iterable[Rule],
                 *, threads: int | None = None) -> Campaign:  # fmt: skip
    """Fuzz every described operation once: explicit edge values, generated valid and invalid cases, and
    stateful scenarios through the links; every response is judged by every rule that applies to it.

    The explicit and generated cases need no answer before the next is made: they are all made first, in
    order, then sent `threads` at a time (conformance.generated.delivery) while the stateful scenarios, whose
    steps follow from the answers before them, run here. Generation and judging stay on this thread, in the
    order the cases were made: the requests, the verdicts and their evidence are the same for any `threads`.
    None: as many as the round trip of the campaign's first request makes worth it (`delivery.threads_for`).
    """
    rules = list(rules)
    campaign = Campaign(seed=seed, budget=budget)

    def observe(sent: Sent) -> None:
        for rule in rules:
            if not rule.applies(sent):
                continue
            campaign.judged[rule.requirement] += 1
            if rule.requirement in campaign.findings:
                continue
            problem = rule.judge(sent)
            if problem:
                campaign.findings[rule.requirement] = Breach(sent, problem)

    sender = Sender(http, target, budget, observe)
    try:
        started, sent_before = time.perf_counter(), http.requests_sent
        missing = sender.prepare_credentials()
        if missing:
            campaign.skipped = f"needs {missing}"
            return campaign
        round_trip = (time.perf_counter() - started) / max(1, http.requests_sent - sent_before)
        schema = load_schema()
        planned = _planned(sender, schema, budget, seed, campaign.notes)
        if threads is None:
            threads = threads_for(round_trip, len(planned), http.max_rps)
        if threads > 1:
            campaign.notes.append(f"its {len(planned)} explicit and generated cases sent {threads} at a time "
                                  f"(a round trip of {round_trip * 1000:.0f} ms)")  # fmt: skip
        delivery = Delivery(sender, planned, threads)
        scenarios: list[Sent] = []  # judged after the planned cases, as if they had all been sent first
        stateful: BaseException | None = None
        if not delivery.halted:
            sender.observe = scenarios.append
            try:
                _stateful(sender, schema, budget, derive_seed(seed, "stateful"))
            except (TargetError, BudgetExhausted) as error:
                stateful = error
            except BaseException:  # a bug of the suite: the planned cases stop going out with it
                delivery.close()
                raise
            finally:
                sender.observe = observe
        delivery.judge()  # raises what stopped the planned cases, if anything did
        for sent in scenarios:
            observe(sent)
        if stateful is not None:
            raise stateful
    except (TargetError, BudgetExhausted) as error:
        campaign.stopped = error
    finally:
        campaign.generated = sender.generated
    return campaign


def _planned(sender: Sender, schema: Any, budget: Budget, seed: int, notes: list[str]) -> list[Sent]:
    """The explicit edge values and every operation's valid and invalid cases, made in order and not sent."""
    sender.planned = []
    try:
        _explicit_examples(sender)
        for name, operation in operations(schema).items():
            if name not in sender.paths:
                notes.append(f"{name} not fuzzed: the target's resource endpoints differ")
                continue
            for mode in ("valid", "invalid"):
                _generate(sender, operation, mode, budget.examples, derive_seed(seed, f"{name}:{mode}"))
        return sender.planned
    finally:
        sender.planned = None


def _generate(sender: Sender, operation: Any, mode: str, examples: int, seed: int) -> None:
    import hypothesis
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    generation = GenerationMode.POSITIVE if mode == "valid" else GenerationMode.NEGATIVE
    strategy = operation.as_strategy(generation_mode=generation)
    stop: list[BaseException] = []

    @hypothesis.given(case=strategy, data=st.data())
    def send(case: Any, data: st.DataObject) -> None:
        if stop:
            raise Stop
        try:
            sender.send_case(case, mode, data)
        except (TargetError, BudgetExhausted) as error:
            stop.append(error)
            raise Stop from None

    try:
        run_seeded(send, seed, hypothesis_settings(examples))
    except BaseException:  # hypothesis re-raises what stopped the run (or complains that it stopped early)
        if not stop:
            raise
    if stop:
        raise stop[0]


def _explicit_examples(sender: Sender) -> None:
    """The dictionary of edge values, each once, in the parameters a server parses itself."""
    _explicit_scopes(sender)
    _explicit_parameters(sender)
    _explicit_identities(sender)
    _explicit_spellings(sender)


def _explicit_scopes(sender: Sender) -> None:
    """The dictionary of edge values, each once, as the scope of a client-credentials request."""
    for label, value in EDGE_VALUES.items():
        sender.send_form("requestToken", _CLIENT_CREDENTIALS + [("scope", value)], phase="explicit",
                         note=f"scope = {label}")  # fmt: skip


def _explicit_parameters(sender: Sender) -> None:
    """Edge values in the other parameters a server parses itself: grant type, an extension, a refresh token,
    and one unknown client with a secret."""
    primary = sender.primary
    assert primary is not None
    base = _CLIENT_CREDENTIALS
    for grant in ("client_credentials_v2", "client_credentials\U0001f600"):
        sender.send_form("requestToken", [("grant_type", grant), ("scope", primary.scope)], phase="explicit",
                         note="grant_type = a supported grant type with a suffix")  # fmt: skip
    for label in ("an emoji (outside the Basic Multilingual Plane)", "5000 characters"):
        sender.send_form("requestToken", base + [("fuzz_extension", EDGE_VALUES[label])], phase="explicit",
                         note=f"an unrecognised parameter = {label}")  # fmt: skip
    for label in ("an emoji (outside the Basic Multilingual Plane)", "a NUL byte", "5000 characters"):
        sender.send_form("refreshAccessToken", [("grant_type", "refresh_token"), ("refresh_token", EDGE_VALUES[label])],
                         phase="explicit", note=f"refresh_token = {label}")  # fmt: skip
    sender.send_form("requestToken", base + [("scope", primary.scope)], phase="explicit",
                     note="an unknown client with a secret", credentials="stranger")  # fmt: skip


def _explicit_identities(sender: Sender) -> None:
    """The client identity spelled as servers parse it themselves: each once, judged by every rule (a 5xx fails)."""
    primary = sender.primary
    assert primary is not None
    for identity in identity_variants(primary)[: sender.budget.identities]:
        sender.send_form("requestToken", _CLIENT_CREDENTIALS + [("scope", primary.scope)], phase="explicit",
                         note=f"client identity: {identity.label}", identity=identity)  # fmt: skip


def _explicit_spellings(sender: Sender) -> None:
    """The configured scope spelled otherwise (case, separators, repetition), each once."""
    for label, spelled in SCOPE_SPELLINGS.items():
        sender.send_form(
            "requestToken",
            _CLIENT_CREDENTIALS + [("scope", spelled)],
            phase="explicit",
            note=f"scope = {label}",
        )


_CLIENT_CREDENTIALS = [("grant_type", "client_credentials")]


def _stateful(sender: Sender, schema: Any, budget: Budget, seed: int) -> None:
    """Scenarios through the description's links: get a token, use it at /v2/patients, refresh it.

    A live target does not always answer a replayed step as it did the first time (a code is used up,
    a token rotated): hypothesis then ends the run as inconsistent, and the remaining scenarios are run
    again from a seed derived from the first (three times at most), as schemathesis's own runner does."""
    import hypothesis
    from schemathesis.generation.stateful import run_state_machine_as_test

    stop: list[BaseException] = []
    scenarios = [0]
    base = schema.as_state_machine()

    class Scenario(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            scenarios[0] += 1

        def before_call(self, case: Any) -> None:
            if stop:
                raise Stop
            try:
                sender.materialise(case)  # may log in: the target can stop answering here too
            except (TargetError, BudgetExhausted) as error:
                stop.append(error)
                raise Stop from None

        def call(self, case: Any, **kwargs: Any) -> Any:
            try:
                sent = sender.send_case(case, "stateful")
            except (TargetError, BudgetExhausted) as error:
                stop.append(error)
                raise Stop from None
            if sent is None:
                hypothesis.reject()  # a case this target cannot be sent: not a scenario
            return sent.schemathesis_response()

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            return None  # every response was judged when it was sent

    for attempt in range(3):
        remaining = budget.scenarios - scenarios[0]
        if remaining <= 0 or stop:
            break
        hypothesis.seed(derive_seed(seed, f"attempt {attempt}"))(Scenario)
        try:
            run_state_machine_as_test(Scenario, settings=hypothesis_settings(remaining, steps=budget.steps))
            break
        except (
            BaseException
        ) as error:  # hypothesis re-raises what stopped the run (or says it was inconsistent)
            if stop or is_stop(error):
                break
            if not inconsistent_replay(error):
                raise
    if stop:
        raise stop[0]
