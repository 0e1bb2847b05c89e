"""Expiry with real lifetimes: tokens and codes obtained at the start, probed just before or after they expire.

A remote target's clock cannot be moved, and a Spry token lives an hour. So, when the run may wait
(`--wait-for-expiry`, `--budget certification`, or a lifetime within `token.max_expiry_wait`), every
expiry check's token or code is obtained when the run starts (`ExpiryWatch.begin_all`), the other checks
run meanwhile, and each expiry check finishes at its deadline: the watch sleeps until the earliest
pending deadline, sends that check's one probe, and so on. Nothing is sent in between. A run's wall
time is then about the longer of the other checks and one lifetime, not their sum.

An expiry check is a `begin` function (obtain the token, its positive control, say when to probe) and
a pure judge of what its one probe got. On the embedded server the clock is moved instead of waited for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance.config import Target
from conformance.evidence import Exchange
from conformance.http import Session
from conformance.run.clock import Clock

PROGRESS_EVERY = 15.0
"""Seconds between two countdown lines while the watch waits."""


@dataclass
class Plan:
    """What an expiry check obtained at the start, and when and how to probe it.

    `issued` is the token or code response (the judge's evidence), `control` the positive control made
    right after issue (a fresh token accepted), `after` the seconds after issue at which `probe` sends
    its one request, `why` that wait in a reader's words.
    """

    issued: Any
    after: float
    why: str
    probe: Callable[[], Any]
    control: Any = None
    facts: dict[str, Any] = field(default_factory=dict)  # what the judge needs besides answers (lifetimes)


Begin = Callable[[Session, Target], Plan]
"""An expiry check's first part: obtain its token or code through the session; skip or fail as a check does."""


@dataclass(frozen=True)
class Expiry:
    """An expiry check's plan, what its probe got, and the seconds from issue to the probe (as measured here)."""

    plan: Plan
    probed: Any
    waited: float


@dataclass
class _Pending:
    key: str
    issued_at: float  # time.monotonic() once `begin` returned
    plan: Plan | None = None
    error: BaseException | None = None  # a skip or failure of `begin`, raised when the check runs
    exchanges: list[Exchange] = field(default_factory=list)
    result: Expiry | None = None

    @property
    def deadline(self) -> float:
        return self.issued_at + (self.plan.after if self.plan else 0.0)


def may_wait(target: Target, *, embedded: bool, wait_for_expiry: bool, budget: str) -> bool:
    """Whether expiry checks wait for real time on this run: a remote target, and either the flag, the
    certification budget, or a documented lifetime short enough for `token.max_expiry_wait`."""
    if embedded:
        return False
    token = target.token
    return wait_for_expiry or budget == "certification" or token.expected_lifetime + token.clock_skew <= token.max_expiry_wait


def wait_limit(target: Target, *, waiting: bool) -> float:
    """The longest wait an expiry check may ask for on this run (seconds after issue)."""
    token = target.token
    if not waiting:
        return float(token.max_expiry_wait)
    return float(max(token.expected_lifetime, min(token.code_lifetime, 600), token.max_expiry_wait) + token.clock_skew)


class ExpiryWatch:
    """The expiry checks of one process: begun together, finished at their deadlines in deadline order."""

    def __init__(self, http: Session, target: Target, clock: Clock, *, waiting: bool,
                 say: Callable[[str], None] = lambda line: None) -> None:  # fmt: skip
        self.http = http
        self.target = target
        self.clock = clock
        self.waiting = waiting
        self.say = say
        self.begun = False
        self._pending: dict[str, _Pending] = {}

    # The start ------------------------------------------------------------------------------------

    def begin(self, key: str, begin: Begin) -> None:
        """Run a check's `begin` now; its exchanges are kept apart until the check itself finishes."""
        held, _ = self.http.recorder.take()
        entry = _Pending(key, time.monotonic())
        try:
            entry.plan = begin(self.http, self.target)
        except (Exception, pytest.skip.Exception, pytest.fail.Exception) as error:
            entry.error = error
        entry.issued_at = time.monotonic()
        entry.exchanges, _ = self.http.recorder.take()
        for exchange in held:
            self.http.recorder.record(exchange)
        self._pending[key] = entry

    def begin_all(self, checks: list[tuple[str, Begin]]) -> None:
        """At the start of the run: every expiry check's token or code, then one line saying when they end."""
        self.begun = True
        if not self.waiting or not checks:
            return
        for key, begin in checks:
            self.begin(key, begin)
        planned = [e for e in self._pending.values() if e.plan is not None]
        if planned:
            last = max(e.deadline for e in planned) - time.monotonic()
            self.say(f"expiry: {len(planned)} tokens and codes obtained at the start; their checks finish when they "
                     f"expire, the last in {last:.0f} s (about {_clock_time(last)})")  # fmt: skip

    # The finish -----------------------------------------------------------------------------------

    def finish(self, key: str, begin: Begin) -> Expiry:
        """The check's plan and what its probe got at its deadline; skips when this run may not wait so long."""
        if key not in self._pending:
            self.begin(key, begin)
        entry = self._pending[key]
        if entry.error is not None:
            self._give_back(entry)
            raise entry.error
        assert entry.plan is not None
        limit = wait_limit(self.target, waiting=self.waiting)
        if not self.clock.can_move and entry.plan.after > limit:
            self._give_back(entry)
            pytest.skip(self.skip_reason(entry.plan))
        if self.clock.can_move:
            self._probe_moved(entry)
        else:
            for other in sorted(self._pending.values(), key=lambda e: e.deadline):
                due = other.plan is not None and other.result is None and other.deadline <= entry.deadline
                if due and other.plan is not None and other.plan.after <= limit:
                    self._wait_until(other)
                    self._probe(other)
        self._give_back(entry)
        assert entry.result is not None
        del self._pending[key]
        return entry.result

    def skip_reason(self, plan: Plan) -> str:
        token = self.target.token
        if self.waiting:
            return (f"needs {plan.why} ({plan.after:.0f} s) to pass, longer than this run waits "
                    f"(token.expected_lifetime {token.expected_lifetime} s + token.clock_skew {token.clock_skew} s): "
                    "check token.expected_lifetime")  # fmt: skip
        return (f"needs {plan.why} ({plan.after:.0f} s) to pass on the remote target: run with --wait-for-expiry "
                f"or --budget certification (the run then lasts at least {_duration(plan.after)}), or raise "
                f"token.max_expiry_wait ({token.max_expiry_wait} s)")  # fmt: skip

    def _probe_moved(self, entry: _Pending) -> None:
        """The embedded server: its clock moves to the deadline (the time spent since issue counts)."""
        assert entry.plan is not None
        passed = time.monotonic() - entry.issued_at
        self.clock.pass_time(max(0.0, entry.plan.after - passed), why=entry.plan.why)
        self._probe(entry)

    def _probe(self, entry: _Pending) -> None:
        assert entry.plan is not None
        held, _ = self.http.recorder.take()
        probed = entry.plan.probe()
        entry.result = Expiry(entry.plan, probed, time.monotonic() - entry.issued_at)
        taken, _ = self.http.recorder.take()
        entry.exchanges += taken
        for exchange in held:
            self.http.recorder.record(exchange)

    def _wait_until(self, entry: _Pending) -> None:
        """Sleep until the entry's deadline, saying every `PROGRESS_EVERY` seconds how long is left."""
        said = 0.0
        while (left := entry.deadline - time.monotonic()) > 0:
            if left >= 1 and time.monotonic() - said >= PROGRESS_EVERY:
                waiting = sum(1 for e in self._pending.values() if e.plan is not None and e.result is None)
                self.say(f"expiry: {left:.0f} s until the next probe ({entry.key.rsplit('::', 1)[-1]}); "
                         f"{waiting} expiry check{'s' * (waiting != 1)} waiting")  # fmt: skip
                said = time.monotonic()
            time.sleep(min(left, PROGRESS_EVERY))

    def _give_back(self, entry: _Pending) -> None:
        """The check's own exchanges (issue, control, probe) go back to the recorder: its evidence and count."""
        for exchange in entry.exchanges:
            self.http.recorder.record(exchange)
        entry.exchanges = []


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def _clock_time(seconds_from_now: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(time.time() + seconds_from_now))
