"""Every exception the suite raises on purpose, in one tree, with what each means for a run.

    ConformanceError                  anything the suite raises on purpose
    ├── ConfigError (ValueError)      the configuration is wrong: one line naming the key, exit 2
    ├── PreflightFailed               the target is unreachable or refuses the primary client: exit 3
    ├── TargetError                   one request got no usable answer (refused, timed out, TLS...)
    ├── BudgetExhausted               the run's request budget (--max-requests) is spent
    ├── CredentialGuard               a request would have carried credentials to another origin
    ├── LoginError                    a login page could not be driven (names the page)
    ├── Stop                          a generated-input scenario ends early (target silent, budget spent)
    └── Violation (AssertionError)    a rule is broken: carries the finding and its exchanges

A check that meets `TargetError`, `BudgetExhausted`, `CredentialGuard` or `LoginError` ends as an
*error* naming what happened, never as a failure of the server's rules; only a `Violation` fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: this module imports nothing of the suite at run time
    from conformance.evidence import Exchange


class ConformanceError(Exception):
    """The root of the suite's own exceptions."""


class ConfigError(ConformanceError, ValueError):
    """The configuration is wrong; the message names the key."""


class PreflightFailed(ConformanceError):
    """The target could not be reached, or refused the primary client's credentials."""


class TargetError(ConformanceError):
    """The target did not answer usably (refused, timed out, TLS failure...)."""


class BudgetExhausted(ConformanceError):
    """The run's request budget (--max-requests) is spent."""


class CredentialGuard(ConformanceError):
    """A request would have carried credentials to a host other than the target's."""


class LoginError(ConformanceError):
    """The login could not be completed; the message names the page (masked) and what went wrong.

    `response` is the last response seen (its `exchange` is evidence), `pages` the URLs visited.
    """

    def __init__(self, message: str, *, response: Any = None, pages: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.response = response
        self.pages = tuple(pages)

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None


class Stop(ConformanceError):
    """A generated-input run ends early (the target stopped answering, or the request budget is spent)."""


class Violation(ConformanceError, AssertionError):
    """A rule is broken. Carries the exchanges that show it (already masked)."""

    def __init__(self, message: str, exchanges: list[Exchange]) -> None:
        super().__init__(message)
        self.exchanges = exchanges
