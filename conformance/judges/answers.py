"""What a judge reads of a recorded HTTP answer: a protocol, so that judges never import the room that sends.

`conformance.http.Response` (what the session returns and the recorder keeps) has this shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from conformance.evidence import Exchange
from conformance.flows.resource import Challenge, parse_challenge


class Answer(Protocol):
    """A recorded answer: its status, its headers, its decoded JSON body and the exchange that shows it."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def json(self) -> Any: ...
    @property
    def exchange(self) -> Exchange: ...


def challenge_of(answer: Answer) -> Challenge | None:
    """The answer's parsed WWW-Authenticate challenge (RFC 6750 §3, RFC 9110 §11.6.1), if any."""
    return parse_challenge(answer.headers.get("www-authenticate"))


def accepted(answer: Answer) -> bool:
    """The resource served the request (2xx)."""
    return 200 <= answer.status < 300
