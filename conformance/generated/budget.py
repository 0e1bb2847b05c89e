"""How deep generated input goes, and how a seeded hypothesis run is driven against a live target.

A seed replays a run: every generator's seed is the run's seed mixed with the generator's name.
Hypothesis is imported when a generated run starts, not when the checks are collected: most pytest-xdist
workers of a run never generate anything, and each would pay for the import at its start.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance.errors import Stop

if TYPE_CHECKING:
    import hypothesis


@dataclass(frozen=True)
class Budget:
    """How deep generated input goes: `ci` for every pipeline run, `certification` for a release."""

    name: str
    examples: int  # generated cases per operation and generation mode (valid, invalid)
    scenarios: int  # stateful scenarios through the description's links
    steps: int  # at most this many steps per scenario
    property_examples: int  # examples per property check
    lifecycle_examples: int  # runs of the grant-lifecycle state machine
    lifecycle_steps: int  # steps per run
    strangers: int  # token requests authenticated as an unknown client (servers throttle them)
    logins: int  # real authorization codes fed to the stateful scenarios (one login each)
    identities: int = (
        7  # spellings of the client identity (conformance.generated.strategies.identity_variants)
    )


BUDGETS: dict[str, Budget] = {
    "ci": Budget("ci", examples=4, scenarios=3, steps=5, property_examples=10, lifecycle_examples=3,
                 lifecycle_steps=8, strangers=3, logins=1),
    "certification": Budget("certification", examples=60, scenarios=40, steps=10, property_examples=100,
                            lifecycle_examples=40, lifecycle_steps=20, strangers=8, logins=8),
}  # fmt: skip


def budget_for(name: str) -> Budget:
    return BUDGETS[name]


def derive_seed(run_seed: int, name: str) -> int:
    """The seed of one generator of the run: the run's seed mixed with the generator's name."""
    return (run_seed ^ zlib.crc32(name.encode())) & 0xFFFFFFFF


def hypothesis_settings(
    examples: int, *, steps: int | None = None, shrink: bool = False
) -> hypothesis.settings:
    """Settings for a generated run against a live target: no example database, no deadline, no health
    checks (a slow target is not a slow test), and no shrinking unless asked (each shrink step is a request)."""
    import hypothesis
    from hypothesis import HealthCheck, Phase

    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    options: dict[str, Any] = {}
    if steps is not None:
        options["stateful_step_count"] = steps
    return hypothesis.settings(
        max_examples=max(1, examples),
        database=None,
        deadline=None,
        derandomize=False,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=hypothesis.Verbosity.quiet,
        **options,
    )


def run_seeded(test: Callable[..., None], seed: int, settings: hypothesis.settings) -> None:
    """Run a `@given` test with a fixed seed and settings."""
    import hypothesis

    hypothesis.seed(seed)(settings(test))()


def inconsistent_replay(error: BaseException) -> bool:
    """Hypothesis's complaint that a replayed step behaved differently (a live target is not a pure function)."""
    import hypothesis.errors

    if isinstance(error, hypothesis.errors.Flaky):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(inconsistent_replay(e) for e in error.exceptions)
    if not isinstance(error, AssertionError):
        return False
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback is not None and traceback.tb_frame.f_globals.get("__name__", "").startswith(
        "hypothesis.internal.conjecture"
    )


def is_stop(error: BaseException) -> bool:
    if isinstance(error, Stop):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(is_stop(e) for e in error.exceptions)
    cause = error.__cause__ or error.__context__
    return cause is not None and is_stop(cause)
