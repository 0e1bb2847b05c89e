"""How a check says a rule is broken: `expect(condition, what the rule wants, evidence...)`.

`expect` is `settle(judged(...))` (conformance.findings) for checks whose judgement is one line.
The failure message is evidence a reviewer can act on: what the rule wants, what was observed,
and the exchanges that show it (already masked).
"""

from __future__ import annotations

from collections.abc import Collection

from conformance.errors import Violation
from conformance.findings import Evidence, HasExchange, judged, settle

__all__ = ["HasExchange", "Violation", "describe", "expect", "expect_status"]


def expect(condition: object, wanted: str, *evidence: Evidence, observed: str = "") -> None:
    """Raise a `Violation` unless `condition` holds."""
    settle(judged(condition, wanted, *evidence, observed=observed))


def expect_status(response: HasExchange, statuses: int | Collection[int], wanted: str) -> None:
    allowed = {statuses} if isinstance(statuses, int) else set(statuses)
    status = response.exchange.status
    expect(status in allowed, wanted, response, observed=f"HTTP {status}")


def describe(value: object, limit: int = 120) -> str:
    """A short repr for `observed:` texts (the caller masks secrets by never passing them)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
