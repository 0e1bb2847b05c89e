"""How a check says a rule is broken: `expect(condition, what the rule wants, evidence...)`.

`expect` is `settle(judged(...))` (conformance.findings) for checks whose judgement is one line.
The failure message is evidence a reviewer can act on: what the rule wants, what was observed,
and the exchanges that show it (already masked).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from conformance.errors import Violation
from conformance.evidence import Exchange, Recorder
from conformance.findings import Evidence, HasExchange, Refusal, judged, settle, settle_refusal

__all__ = [
    "HasExchange",
    "Violation",
    "describe",
    "expect",
    "expect_refused",
    "expect_status",
    "refusal_deviation",
]

#: The format requirements a refusal's form belongs to (RFC 6749 §5.2).
ERROR_BODY, ERROR_CODE = "TOKEN-ERROR-BODY", "TOKEN-ERROR-CODE"
#: RFC 6749 §5.2: the error codes of a token endpoint.
_TOKEN_ERRORS = frozenset({"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
                           "unsupported_grant_type", "invalid_scope"})  # fmt: skip


class TokenAnswer(Protocol):
    @property
    def access_token(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def status(self) -> int: ...
    @property
    def exchange(self) -> Exchange: ...


def expect(condition: object, wanted: str, *evidence: Evidence, observed: str = "") -> None:
    """Raise a `Violation` unless `condition` holds."""
    settle(judged(condition, wanted, *evidence, observed=observed))


def refusal_format(answer: TokenAnswer) -> str:
    """The format requirement a refusal in the wrong form belongs to: a §5.2 error with another listed code
    (`TOKEN-ERROR-CODE`), or no §5.2 error at all (`TOKEN-ERROR-BODY`)."""
    return ERROR_CODE if answer.error in _TOKEN_ERRORS and answer.status in {400, 401} else ERROR_BODY


def refusal_deviation(answer: TokenAnswer, wanted: str, errors: Collection[str]) -> tuple[str, str] | None:
    """The format finding of a refusal, as (format requirement, text), or None when it is the §5.2 error named.

    A refusal that is not the §5.2 error the RFC names belongs to the format requirement that owns it:
    `TOKEN-ERROR-BODY` for a body that is no §5.2 error (an empty 403, HTML, an unknown code),
    `TOKEN-ERROR-CODE` for a listed code that is not the one for this cause.
    """
    if answer.error in errors and answer.status in {400, 401}:
        return None
    named = " or ".join(sorted(errors))
    if refusal_format(answer) == ERROR_CODE:
        return ERROR_CODE, f"refused with error {answer.error!r} where RFC 6749 §5.2 names {named} ({wanted})"
    shown = f"error {answer.error!r}" if answer.error else "no §5.2 error code"
    return ERROR_BODY, (f"refused, but with HTTP {answer.status} and {shown} where RFC 6749 §5.2 names "
                        f"HTTP 400 {named} ({wanted})")  # fmt: skip


def expect_refused(
    recorder: Recorder,
    answer: TokenAnswer,
    wanted: str,
    *evidence: Evidence,
    errors: Collection[str],
    observed: str,
) -> None:
    """A refusal check: the property first, at the check's own level (was a token issued?), then the form.

    When nothing was issued, the property held whatever the answer looks like; a refusal in another form
    is recorded for its format requirement (`refusal_deviation`). One server trait is then one finding,
    not one alarm per check.
    """
    property_ = judged(not answer.access_token, wanted, *evidence, answer, observed=observed)
    settle_refusal(Refusal(property_, refusal_deviation(answer, wanted, errors)), recorder)


def expect_status(response: HasExchange, statuses: int | Collection[int], wanted: str) -> None:
    allowed = {statuses} if isinstance(statuses, int) else set(statuses)
    status = response.exchange.status
    expect(status in allowed, wanted, response, observed=f"HTTP {status}")


def describe(value: object, limit: int = 120) -> str:
    """A short repr for `observed:` texts (the caller masks secrets by never passing them)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
