"""How a check says a rule is broken: `expect(condition, what the rule wants, evidence...)`.

The failure message is evidence a reviewer can act on: what the rule wants, what was
observed, and the exchanges that show it (already masked).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from conformance.evidence import Exchange


class HasExchange(Protocol):
    @property
    def exchange(self) -> Exchange: ...


class Violation(AssertionError):
    """A rule is broken. Carries the exchanges that show it."""

    def __init__(self, message: str, exchanges: list[Exchange]) -> None:
        super().__init__(message)
        self.exchanges = exchanges


def expect(condition: object, wanted: str, *evidence: HasExchange | Exchange, observed: str = "") -> None:
    """Raise a `Violation` unless `condition` holds."""
    if condition:
        return
    exchanges = [e if isinstance(e, Exchange) else e.exchange for e in evidence]
    lines = [f"expected: {wanted}"]
    if observed:
        lines.append(f"observed: {observed}")
    for exchange in exchanges:
        lines.append("exchange:")
        lines.extend("  " + line for line in exchange.summary().splitlines())
    raise Violation("\n".join(lines), exchanges)


_notes: list[str] = []


def note(text: str) -> None:
    """Record what a passing check observed (shown as the requirement's reason in the reports)."""
    _notes.append(text)


def take_notes() -> list[str]:
    taken = list(_notes)
    _notes.clear()
    return taken


def expect_status(response: HasExchange, statuses: int | Collection[int], wanted: str) -> None:
    allowed = {statuses} if isinstance(statuses, int) else set(statuses)
    status = response.exchange.status
    expect(status in allowed, wanted, response, observed=f"HTTP {status}")


def describe(value: object, limit: int = 120) -> str:
    """A short repr for `observed:` texts (the caller masks secrets by never passing them)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
