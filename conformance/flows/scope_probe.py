"""Probing what a token may do at the resource without changing any data.

The write probe sends the configured `resource.write_probe_body` (a body the API must refuse
as invalid, `{}` by default) to the write endpoint. An API checks the token and its scope
before it validates the body, so the answer tells whether the token may write:
400/422 - the scope was accepted (the body was then refused); 401/403 - the token or its
scope was refused; 2xx - the probe body was not invalid after all and the write happened.
"""

from __future__ import annotations

from typing import Literal

from conformance.config import Target
from conformance.flows.resource import call_resource
from conformance.http import Response, Session

WriteOutcome = Literal["accepted", "refused", "unauthenticated", "written", "unclear"]


def write_probe(session: Session, target: Target, token: str) -> Response:
    """Send the invalid probe body to the write endpoint with `token` (the caller checks it is configured)."""
    assert target.resource.write is not None
    return call_resource(
        session, target, token, endpoint=target.resource.write, body=target.resource.write_probe_body
    )


def classify_write(status: int) -> WriteOutcome:
    """What the write probe's status says about the token's permission to write."""
    if 200 <= status < 300:
        return "written"
    if status in {400, 422}:
        return "accepted"
    if status == 403:
        return "refused"
    if status == 401:
        return "unauthenticated"
    return "unclear"
