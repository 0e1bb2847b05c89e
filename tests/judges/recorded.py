"""Recorded exchanges built in memory, for the judges' unit tests: no server, no socket."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import httpx

from conformance.evidence import Exchange
from conformance.flows.token import TokenResponse
from conformance.generated.sender import Sent
from conformance.http import Response

TOKEN_URL = "https://spry.test/apis/v2/oauth/token"


def response(status: int = 200, body: Any = None, *, headers: Sequence[tuple[str, str]] = (),
             url: str = TOKEN_URL, method: str = "POST", sent: str = "") -> Response:  # fmt: skip
    """A response as the session would have returned it; a dict or list `body` is sent as JSON."""
    if isinstance(body, (dict, list)):
        content = json.dumps(body).encode()
        headers = [("content-type", "application/json"), *headers]
    else:
        content = (body or "").encode() if isinstance(body, str) else (body or b"")
    exchange = Exchange(method, url, [], sent, status, list(headers), content.decode("utf-8", "replace"))
    return Response(status, httpx.Headers(list(headers)), content, url, exchange)


def token_answer(status: int = 200, body: Any = None, **kwargs: Any) -> TokenResponse:
    return TokenResponse(response(status, body, **kwargs))


#: A token response as the Spry guide shows it.
SPRY_TOKEN = {
    "access_token": "eyJ.recorded.token",
    "token_type": "Bearer",
    "expires_in": 3600,
    "scope": "read write",
    "organisation_id": 1,
    "user_id": 2,
    "roles": ["admin"],
    "clinic_id_list": [3],
    "name": "Recorded Clinic",
}


RESOURCE_URL = "https://spry.test/v2/patients"


def resource_answer(status: int = 200, body: Any = None, **kwargs: Any) -> Response:
    """The resource's answer to a GET (a bearer request), as the session would have returned it."""
    return response(status, {"data": []} if body is None and status == 200 else body, url=RESOURCE_URL,
                    method="GET", **kwargs)  # fmt: skip


def sent(answer: Response, *, operation: str = "requestToken", form: Sequence[tuple[str, str]] = (),
         credentials: str = "primary", secrets: tuple[tuple[str, str], ...] = (), **kwargs: Any) -> Sent:  # fmt: skip
    """A generated exchange (generated.sender.Sent) whose answer is `answer`: a form POST to the token endpoint
    unless `operation` says otherwise."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
    return Sent(operation, "explicit", "POST" if form else "GET", answer.url, headers, urlencode(list(form)).encode(),
                answer, credentials=credentials, secrets=secrets, **kwargs)  # fmt: skip
