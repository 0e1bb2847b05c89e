"""Recorded exchanges built in memory, for the judges' unit tests: no server, no socket."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import httpx

from conformance.evidence import Exchange
from conformance.flows.authorize import AuthorizationResponse, parse_redirect
from conformance.flows.front_channel import AuthorizationOutcome
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


# --- the front channel: the authorization request and where it ended -------------------------------

AUTHORIZE_URL = "https://spry.test/oauth/authorize"
REDIRECT_URI = "https://client.test/callback"


def redirect(
    location: str, status: int = 302, *, method: str = "GET", sent: str = ""
) -> AuthorizationResponse:
    """The redirect back to the client, as `parse_redirect` reads it from a recorded response."""
    answer = response(
        status, "", headers=[("location", location)], url=AUTHORIZE_URL, method=method, sent=sent
    )
    return parse_redirect(location, answer)


def outcome(location: str | None = None, *, status: int = 200, off_origin: str | None = None,
            walked: bool = False) -> AuthorizationOutcome:  # fmt: skip
    """Where an authorization request ended: a redirect to `location` (the watched URI), or a page."""
    if location is not None:
        captured = redirect(location)
        return AuthorizationOutcome(AUTHORIZE_URL, REDIRECT_URI, response(200, "<html>login</html>",
                                    url=AUTHORIZE_URL, method="GET"), redirect=captured, walked=walked)  # fmt: skip
    page = response(status, "<html>error</html>", headers=[("content-type", "text/html")], url=AUTHORIZE_URL,
                    method="GET")  # fmt: skip
    return AuthorizationOutcome(AUTHORIZE_URL, REDIRECT_URI, page, off_origin=off_origin, walked=walked)
