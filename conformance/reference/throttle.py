"""Brute-force throttling of client authentication.

RFC 6749 §2.3.1: "the authorization server MUST protect any endpoint utilizing it against
brute force attacks"; RFC 6819 §4.3.5 suggests locking out after repeated failures. After
``limit`` failed authentications for one presented client_id within ``window`` seconds of the
server clock, further attempts for that id get 429 until the window has passed.
"""

from __future__ import annotations

import math
import threading
from collections import deque

from .clock import Clock


class FailureThrottle:
    """Counts failed client authentications per presented client_id."""

    def __init__(self, clock: Clock, *, limit: int = 10, window: float = 60.0) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def record_failure(self, client_id: str) -> None:
        """Note one failed authentication for ``client_id``."""
        now = self._clock.now()
        with self._lock:
            self._prune(now)
            self._failures.setdefault(client_id, deque()).append(now)

    def retry_after(self, client_id: str) -> int | None:
        """Seconds until ``client_id`` may try again, or None when it is not throttled."""
        now = self._clock.now()
        with self._lock:
            self._prune(now)
            failures = self._failures.get(client_id)
            if failures is None or len(failures) < self._limit:
                return None
            # Throttled until enough failures have left the window to drop below the limit.
            release = failures[len(failures) - self._limit] + self._window
            return max(1, math.ceil(release - now))

    def _prune(self, now: float) -> None:
        horizon = now - self._window
        for key in list(self._failures):
            failures = self._failures[key]
            while failures and failures[0] <= horizon:
                failures.popleft()
            if not failures:
                del self._failures[key]
