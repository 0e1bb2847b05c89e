"""The campaign's planned requests, sent `threads` at a time and judged in the order they were made.

Only the sending overlaps (each request through the run's thread-safe `Session`: rate cap, budget,
masked evidence): the cases were generated before, on the campaign's thread, and their answers are
judged there too, in order. So `threads` changes when the requests go out, never which ones or what
is concluded from them. Against a local target one thread sends them in order (nothing to overlap).

Why threads here and not more pytest-xdist workers (conformance.run.concurrency): the campaign's five
checks judge one run, so it cannot be split between workers; and threads that only wait on the network
cost next to no CPU, where each worker costs a second of it to start.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from conformance.generated.sender import Sender, Sent
from conformance.http import BudgetExhausted, Response, TargetError

MAX_THREADS = 4
"""Requests of the campaign in flight at most: the stateful scenarios, sent one by one beside them, take
about as long as a quarter of the planned cases, so more threads would not end the campaign sooner."""

SERIAL_SECONDS = 2.0
"""Seconds of round trips in sequence from which the planned cases are sent at once."""


def threads_for(round_trip: float, planned: int, max_rps: float) -> int:
    """How many threads send `planned` cases whose round trip is `round_trip` seconds: one (in order) until
    they would take `SERIAL_SECONDS` in sequence, then up to `MAX_THREADS`, and never more requests in
    flight than the process's share of `target.max_rps` lets through (`max_rps`, 0 = no cap)."""
    if planned * round_trip < SERIAL_SECONDS:
        return 1
    threads = MAX_THREADS
    if max_rps:
        threads = min(threads, max(1, math.ceil(max_rps * round_trip)))
    return threads


Answer = (
    Response | TargetError | BudgetExhausted | None
)  # None: not sent (an earlier request stopped the campaign)


class Delivery:
    """Sends the planned requests (at once when `threads` > 1, else here and now) and hands back their answers."""

    def __init__(self, sender: Sender, planned: list[Sent], threads: int) -> None:
        self.sender = sender
        self.planned = planned
        self._stopped = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._answers: list[Future[Answer]] | list[Answer]
        if threads > 1 and len(planned) > 1:
            self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="campaign")
            self._answers = [self._pool.submit(self._send, sent) for sent in planned]
        else:
            self._answers = [self._send(sent) for sent in planned]

    @property
    def halted(self) -> bool:
        """A request failed (the target gone) or the request budget is spent: what was not sent, never will be."""
        return self._stopped.is_set()

    def _send(self, sent: Sent) -> Answer:
        if self._stopped.is_set():
            return None
        try:
            return self.sender.deliver(sent)
        except (TargetError, BudgetExhausted) as error:
            self._stopped.set()
            return error

    def judge(self) -> None:
        """Wait for every answer and hand each to the sender, in the order planned; raise the first stop."""
        try:
            for sent, pending in zip(self.planned, self._answers, strict=True):
                answer = pending.result() if isinstance(pending, Future) else pending
                if answer is None:
                    continue
                if isinstance(answer, (TargetError, BudgetExhausted)):
                    raise answer
                sent.response = answer
                self.sender.received(sent)
        finally:
            self.close()

    def close(self) -> None:
        """Send nothing more: whatever ends the campaign (a stop, or an error of the suite) ends its sending too."""
        self._stopped.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
