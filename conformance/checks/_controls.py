"""Positive controls: before a refusal is judged, the genuine article is shown to be accepted on this target.

Nothing is reported passed unless it was exercised: a target that refuses everything refuses every
attack too, and a check whose control fails is skipped, saying which check judges the control itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.config import Client, Target
from conformance.flows.authorize import AuthorizationResponse, new_state
from conformance.flows.front_channel import attempt_authorization
from conformance.flows.pkce import new_pkce
from conformance.flows.resource import call_resource
from conformance.flows.scope_probe import classify_write, write_probe
from conformance.flows.token import client_credentials, exchange_code
from conformance.http import Response, Session
from conformance.judges.answers import is_success


def served_or_skip(http: Session, target: Target, token: str) -> Response:
    """The control: the issued token is served with the Authorization header, or a refused probe proves nothing."""
    response = call_resource(http, target, token)
    if not is_success(response):
        pytest.skip(f"the issued access token itself was refused at {target.resource.read} (HTTP {response.status}): "
                    "BEARER-HEADER-ACCEPTED judges that; this check needs a token the resource serves")  # fmt: skip
    return response


def registered_redirect_or_skip(http: Session, target: Target, client: Client) -> None:
    """The control of every redirect-URI refusal: the registered redirect_uri itself is accepted.

    A server that refuses every authorization request also "refuses" each look-alike; that shows nothing
    about its matching (RFC 6749 §3.1.2.3, RFC 9700 §2.1), so the refusal is not judged. Accepted means a
    code came back, or the server answered with its login pages (where the look-alike was refused before
    any login: the server told the two apart even if the suite cannot get through its login).
    """
    outcome = attempt_authorization(http, target, client, state=new_state())
    if outcome.needs_login:
        pytest.skip(f"the server answered with a page that needs the user's login: set {target.user.password_env}"
                    " (or user.login.method = 'command')")  # fmt: skip
    if not outcome.code and not (outcome.walked and outcome.redirect is None):
        pytest.skip(f"the registered redirect_uri itself got no code ({outcome.describe()}): AC-LOGIN-REDIRECT "
                    "judges that; a refused look-alike proves nothing on this target")  # fmt: skip


def write_scope_or_skip(http: Session, target: Target, client: Client) -> None:
    """The control of every write refusal: a token granted `write` gets past the write endpoint's scope check.

    A resource that refuses every write (or every token) also refuses a read-only token; that shows nothing
    about its scopes (Spry guide, Scopes; RFC 6750 §3.1), so the refusal is not judged.
    """
    scope = "write" if "write" in client.scopes else None
    answer = client_credentials(http, target, client, scope=scope) if scope else None
    if answer is None or not answer.access_token:
        pytest.skip("needs a client-credentials token granted 'write' (clients.primary with scope write) to show "
                    "that the write endpoint accepts one; a refused read token proves nothing without it")  # fmt: skip
    response = write_probe(http, target, answer.access_token)
    if classify_write(response.status) not in {"accepted", "written"}:
        hint = "; check resource.write" if response.status in {404, 405} else ""
        pytest.skip(f"a token granted 'write' was itself refused at {target.resource.write} (HTTP {response.status}): "
                    f"SCOPE-WRITE-TOKEN-WRITES judges that; a refused read token proves nothing on this target{hint}")  # fmt: skip


def pkce_exchange_or_skip(
    http: Session, target: Target, client: Client, authorize: Callable[..., AuthorizationResponse]
) -> None:
    """The control of every PKCE refusal: a code issued for an S256 challenge is exchanged with its verifier.

    A token endpoint that refuses every code also refuses a wrong verifier; that shows nothing about
    RFC 7636 §4.6, so the refusal is not judged.
    """
    pkce = new_pkce("S256")
    answer = authorize(client, pkce=pkce)
    tokens = exchange_code(http, target, client, answer.code or "", redirect_uri=client.redirect_uri,
                           code_verifier=pkce.verifier) if answer.code else None  # fmt: skip
    if tokens is None or not tokens.ok:
        seen = (
            f"HTTP {tokens.status}, error {tokens.error!r}" if tokens else f"no code (error {answer.error!r})"
        )
        pytest.skip(f"the code exchange with the matching code_verifier itself failed ({seen}): AC-PKCE-S256 "
                    "judges that; a refused verifier proves nothing on this target")  # fmt: skip
