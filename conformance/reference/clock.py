"""The server's notion of time: wall clock plus an offset that tests may advance.

Every lifetime (codes, access tokens, refresh-token families, throttling windows, login sessions)
is measured on this clock. It is never exposed over HTTP.
"""

from __future__ import annotations

import math
import threading
import time


class Clock:
    """Thread-safe ``time.time()`` plus a forward-only offset."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0

    def now(self) -> float:
        """Seconds since the epoch, as the server sees them."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the server's time forward by ``seconds`` (time never goes backwards)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("the clock only moves forward by a finite number of seconds")
        with self._lock:
            self._offset += seconds
