"""The probes' helpers of the authorization code checks (test_authorization_code.py): the requests they
build, and the skips that say a check cannot run on this target. No judgement here: see
conformance/judges/authorization_code.py.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import pytest

from conformance.config import Client, Target
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.front_channel import AuthorizationOutcome
from conformance.flows.token import TokenResponse, client_credentials, exchange_code
from conformance.http import Session
from conformance.judges import authorization_code as judge
from conformance.login.pages import DENY

#: A redirect URI no client registers (RFC 2606 reserves .invalid): where an open redirector would send users.
FOREIGN_URI = "https://attacker.invalid/callback"
#: A scope the Spry guide does not define (it defines read and write).
UNKNOWN_SCOPE = "spry.unknown"
#: A parameter no authorization server defines.
UNKNOWN_PARAMETER = ("x_conformance_unknown", "1")

STATES = {
    "spaces": "a state with  spaces ",
    "ampersand": "a&b&&c",
    "equals": "key=value==",
    "percent": "100% %41%2B%zz%",
    "plus": "1+1 =+2+",
    "unicode": "état ✓ 日本語",
    "long": ("0123456789abcdefghijklmnopqrstuvwxyz-._~ ABC" * 5)[:220],
}


ERROR_PROBES = {
    "missing-response-type": {"response_type": None},
    "unsupported-response-type": {"response_type": "spry_unknown_type"},
    "invalid-scope": {"scope": UNKNOWN_SCOPE},
    "access-denied": {"approve": False},
}


def needs_login(outcome: AuthorizationOutcome, target: Target) -> None:
    if outcome.needs_login:
        pytest.skip(
            f"the server answered with a page that needs the user's login: set {target.user.password_env}"
            " (or user.login.method = 'command')"
        )


def lookalike(registered: str, kind: str) -> str:
    parts = urlsplit(registered)
    path = parts.path or "/"
    path = path.rstrip("/") + "/extra" if kind == "path-segment" else path + "-evil"
    return urlunsplit(parts._replace(path=path))


def error_code(http: Session, outcome: AuthorizationOutcome, named: str, cause: str) -> None:
    """The refusal held (no code): a different error code is AC-ERROR-CODE's finding, not this check's."""
    finding = judge.ensure_error_code(outcome, named, cause)
    if not finding.held and finding.exchanges:
        http.recorder.deviate("AC-ERROR-CODE", finding.observed, finding.exchanges[-1])


def redeem(
    http: Session, target: Target, client: Client, code: AuthorizationResponse, **options: object
) -> TokenResponse:
    options.setdefault("redirect_uri", client.redirect_uri)
    return exchange_code(http, target, client, code.code or "", **options)  # type: ignore[arg-type]


def secondary_works_or_skip(
    http: Session, target: Target, secondary: Client, stolen: TokenResponse, request: pytest.FixtureRequest
) -> None:
    """Before a refusal is blamed on the configuration, the secondary client's own flow is tried: when it works,
    the refusal was the server's answer to the stolen code, and is judged as such."""
    if secondary.can("client_credentials"):
        own = client_credentials(http, target, secondary, scope=secondary.scope or None)
        tried = "its own client-credentials request"
    else:
        authorize_user = request.getfixturevalue("authorize_user")
        mine = authorize_user(secondary)
        own = redeem(http, target, secondary, mine, redirect_uri=secondary.redirect_uri)
        tried = "its own authorization code"
    if own.ok:
        return  # the secondary client works: the refusal of the primary's code is the server's own answer
    pytest.skip(f"the secondary client was refused for the primary's code (HTTP {stolen.status}, {stolen.error}) "
                f"and for {tried} too (HTTP {own.status}, {own.error}): check [clients.secondary], its secret "
                "and its grants")  # fmt: skip


def clicked_deny(answer: AuthorizationResponse) -> bool:
    """Was the redirect the answer to a form post that carried a Deny button's name or value?"""
    if answer.response is None or answer.response.exchange.method != "POST":
        return False
    body = answer.response.exchange.request_body
    pairs = parse_qsl(body, keep_blank_values=True)
    if body.lstrip().startswith("{"):  # a script's JSON post (method = "browser" on a single-page login)
        pairs = [(str(k), str(v)) for k, v in _json_members(body)]
    return any(DENY.search(name) or DENY.search(value) for name, value in pairs if "csrf" not in name.lower())


def _json_members(body: str) -> list[tuple[object, object]]:
    """The members of a JSON object body; none when the body is not one."""
    try:
        document = json.loads(body)
    except ValueError:
        return []
    return list(document.items()) if isinstance(document, dict) else []
