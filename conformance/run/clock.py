"""Time for expiry checks: moved in-process on the embedded server, waited for or skipped elsewhere.

Checks never import the reference server: the clock holds it as an opaque object with a `clock`
that advances, so a check asks for time to pass and the run decides how.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from conformance.config import Target


class Clock:
    """Time for expiry checks (never exposed over HTTP: the embedded server's clock is moved in-process)."""

    def __init__(self, target: Target, server: Any) -> None:
        self.target = target
        self.server = server

    @property
    def can_move(self) -> bool:
        return self.server is not None

    def pass_time(self, seconds: float, *, why: str) -> None:
        """Let `seconds` pass on the target, or skip the check saying what configuration it needs."""
        if self.server is not None:
            self.server.clock.advance(seconds)
            return
        limit = self.target.token.max_expiry_wait
        if seconds > limit:
            pytest.skip(
                f"needs {why} ({seconds:.0f} s) to pass; the target is remote and token.max_expiry_wait "
                f"is {limit} s: raise it, or point the suite at a deployment with shorter lifetimes"
            )
        time.sleep(seconds)
