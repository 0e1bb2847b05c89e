"""What a judge reads of a recorded HTTP answer, without importing the sender (judges never send).

`conformance.http.Response` has these members; so do the in-memory answers of tests/judges/recorded.py.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from conformance.evidence import Exchange


class Answered(Protocol):
    """A recorded answer: its status, headers, decoded text, final URL and the exchange that shows it."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> httpx.Headers: ...
    @property
    def text(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def exchange(self) -> Exchange: ...
    def json(self) -> Any: ...


class HasStatus(Protocol):
    @property
    def status(self) -> int: ...


def is_success(answer: HasStatus) -> bool:
    """A 2xx: the request was served."""
    return 200 <= answer.status < 300
