"""What came back from the target, and the small rules of reading it (RFC 6585, RFC 9110, RFC 6749 §2.3.1)."""

from __future__ import annotations

import base64
import email.utils
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import quote_plus

import httpx

from conformance.evidence import Exchange

FormData = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Response:
    """What came back: status, headers, body (read up to the cap) and the masked exchange."""

    status: int
    headers: httpx.Headers
    content: bytes
    url: str
    exchange: Exchange
    truncated: bool = False

    @cached_property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @cached_property
    def json(self) -> Any:
        """The parsed JSON body, or None when the body is not JSON."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            return None

    @property
    def location(self) -> str | None:
        location: str | None = self.headers.get("location")
        return location

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400 and self.location is not None

    @property
    def content_type(self) -> str:
        value: str = self.headers.get("content-type", "")
        return value.split(";")[0].strip().lower()


def retry_after(response: Response) -> float | None:
    """Seconds a 429 asks the client to wait (Retry-After: delay-seconds or an HTTP-date), or None."""
    value = response.headers.get("retry-after", "").strip() if response.status == 429 else ""
    if value.isdigit():
        return float(value)
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time()) if when.tzinfo else None


def basic_authorization(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined by ':' and base64-encoded."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode()
