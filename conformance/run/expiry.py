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

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance.config import Target
from conformance.evidence import Exchange, Recorder
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
    """An expiry check's plan, what its probe got, and the seconds from issue to the probe (as measured here).

    `skipped` says why there was no probe (this run may not wait so long); the check judges what it can
    without the probe (the lifetime a response states), then skips with that reason (`probed_or_skip`).
    """

    plan: Plan
    probed: Any
    waited: float
    skipped: str | None = None

    def probed_or_skip(self) -> Any:
        if self.skipped is not None:
            pytest.skip(self.skipped)
        return self.probed


@dataclass
class _Pending:
    key: str
    issued_at: float  # time.monotonic() once `begin` returned
    plan: Plan | None = None
    error: BaseException | None = None  # a skip or failure of `begin`, raised when the check runs
    exchanges: list[Exchange] = field(default_factory=list)
    result: Expiry | None = None
    done: threading.Event = field(default_factory=threading.Event)  # set once the probe was sent
    scheduled: bool = False  # the timer thread probes it

    @property
    def deadline(self) -> float:
        return self.issued_at + (self.plan.after if self.plan else 0.0)


def may_wait(target: Target, *, embedded: bool, wait_for_expiry: bool, budget: str) -> bool:
    """Whether expiry checks wait for real time on this run: a remote target, and either the flag, the
    certification budget, or a documented lifetime short enough for `token.max_expiry_wait`."""
    if embedded:
        return False
    token = target.token
    return (
        wait_for_expiry
        or budget == "certification"
        or token.expected_lifetime + token.clock_skew <= token.max_expiry_wait
    )


def wait_limit(target: Target, *, waiting: bool) -> float:
    """The longest wait an expiry check may ask for on this run (seconds after issue)."""
    token = target.token
    if not waiting:
        return float(token.max_expiry_wait)
    return float(
        max(token.expected_lifetime, min(token.code_lifetime, 600), token.max_expiry_wait) + token.clock_skew
    )


class ExpiryWatch:
    """The expiry checks of one process: begun together, probed at their deadlines in deadline order.

    The watch has its own session (`http`, a copy of the run's with its own recorder), so the probes can be
    sent from a timer thread at their deadlines while other checks run, and each check still gets exactly
    its own exchanges as evidence (`recorder` is the run's: they are given back when the check finishes).
    """

    def __init__(self, http: Session, recorder: Recorder, target: Target, clock: Clock, *, waiting: bool,
                 say: Callable[[str], None] = lambda line: None) -> None:  # fmt: skip
        self.http = http
        self.recorder = recorder
        self.target = target
        self.clock = clock
        self.waiting = waiting
        self.say = say
        self.begun = False
        self.limit = wait_limit(target, waiting=waiting)
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()  # one begin or probe at a time on the watch's session
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    # The start ------------------------------------------------------------------------------------

    def begin(self, key: str, begin: Begin) -> None:
        """Run a check's `begin` now; its exchanges are kept apart until the check itself finishes."""
        with self._lock:
            entry = _Pending(key, time.monotonic())
            try:
                entry.plan = begin(self.http, self.target)
            except (Exception, pytest.skip.Exception, pytest.fail.Exception) as error:
                entry.error = error
            entry.issued_at = time.monotonic()
            entry.exchanges, _ = self.http.recorder.take()
            self._pending[key] = entry

    def begin_all(self, checks: list[tuple[str, Begin]]) -> None:
        """At the start of the run: every expiry check's token or code; a timer thread probes each at its deadline."""
        self.begun = True
        if not self.waiting or not checks:
            return
        for key, begin in checks:
            self.begin(key, begin)
        due = [e for e in self._pending.values() if e.plan is not None and e.plan.after <= self.limit]
        if not due:
            return
        for entry in due:
            entry.scheduled = True
        self._timer = threading.Thread(
            target=self._probe_at_deadlines, args=(due,), name="spry-expiry", daemon=True
        )
        self._timer.start()
        last = max(e.deadline for e in due) - time.monotonic()
        self.say(f"expiry: {len(due)} tokens and codes obtained at the start; their checks finish when they "
                 f"expire, the last in {last:.0f} s (about {_clock_time(last)})")  # fmt: skip

    def close(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join(timeout=5)
        self.http.close()

    # The finish -----------------------------------------------------------------------------------

    def finish(self, key: str, begin: Begin) -> Expiry:
        """The check's plan and what its probe got at its deadline (none, saying why, when this run may not
        wait so long)."""
        if key not in self._pending:
            self.begin(key, begin)
        entry = self._pending[key]
        try:
            if entry.error is not None:
                raise entry.error
            assert entry.plan is not None
            if not self.clock.can_move and entry.plan.after > self.limit:
                return Expiry(entry.plan, None, 0.0, skipped=self.skip_reason(entry.plan))
            if self.clock.can_move:
                passed = (
                    time.monotonic() - entry.issued_at
                )  # the embedded server: its clock moves to the deadline
                self.clock.pass_time(max(0.0, entry.plan.after - passed), why=entry.plan.why)
                self._probe(entry)
            elif not entry.scheduled:
                self._wait_until(entry)
                self._probe(entry)
            self._wait_for_probe(entry)
            assert entry.result is not None
            return entry.result
        finally:
            del self._pending[key]
            for exchange in entry.exchanges:  # the check's own exchanges: its evidence and its request count
                self.recorder.record(exchange)

    def skip_reason(self, plan: Plan) -> str:
        token = self.target.token
        if self.waiting:
            return (f"needs {plan.why} ({plan.after:.0f} s) to pass, longer than this run waits "
                    f"(token.expected_lifetime {token.expected_lifetime} s + token.clock_skew {token.clock_skew} s): "
                    "check token.expected_lifetime")  # fmt: skip
        return (f"needs {plan.why} ({plan.after:.0f} s) to pass on the remote target: run with --wait-for-expiry "
                f"or --budget certification (the run then lasts at least {_duration(plan.after)}), or raise "
                f"token.max_expiry_wait ({token.max_expiry_wait} s)")  # fmt: skip

    # Probes ---------------------------------------------------------------------------------------

    def _probe_at_deadlines(self, due: list[_Pending]) -> None:
        """The timer thread: each pending probe at its deadline, earliest first, nothing in between."""
        for entry in sorted(due, key=lambda e: e.deadline):
            if self._stop.wait(max(0.0, entry.deadline - time.monotonic())):
                return
            self._probe(entry)

    def _probe(self, entry: _Pending) -> None:
        assert entry.plan is not None
        with self._lock:
            try:
                probed = entry.plan.probe()
                entry.result = Expiry(entry.plan, probed, time.monotonic() - entry.issued_at)
            except (Exception, pytest.skip.Exception, pytest.fail.Exception) as error:
                entry.error = error
            taken, _ = self.http.recorder.take()
            entry.exchanges += taken
            entry.done.set()

    def _wait_until(self, entry: _Pending) -> None:
        """Sleep until the entry's deadline (no timer thread: a short wait within token.max_expiry_wait)."""
        while (left := entry.deadline - time.monotonic()) > 0:
            time.sleep(min(left, PROGRESS_EVERY))

    def _wait_for_probe(self, entry: _Pending) -> None:
        """Until the timer thread has probed the entry, saying every `PROGRESS_EVERY` seconds how long is left."""
        while not entry.done.is_set():
            left = entry.deadline - time.monotonic()
            if left >= 1:
                waiting = sum(1 for e in self._pending.values() if e.plan is not None and not e.done.is_set())
                self.say(f"expiry: {left:.0f} s until {entry.key.rsplit('::', 1)[-1].split('@')[0]} is probed; "
                         f"{waiting} expiry check{'s' * (waiting != 1)} waiting")  # fmt: skip
            entry.done.wait(timeout=min(PROGRESS_EVERY, max(0.05, left + 0.05)))
        if entry.error is not None:
            raise entry.error


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def _clock_time(seconds_from_now: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(time.time() + seconds_from_now))
