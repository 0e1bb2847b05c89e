"""Redirect URI attacks: exact matching against look-alikes (RFC 9700 §4.1.3, §2.1) and no open redirector
(RFC 6749 §4.1.2.1, RFC 9700 §4.11.2).

No request ever goes to the client's host or the attacker's: every redirect is captured, never followed
(the flows stop at the first Location that leaves the authorization server for the client's side).

Probes only: each check sends its requests and hands what came back to its judge
(conformance/judges/redirect_uri.py), where the rule is decided and quoted.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlencode, urljoin

import pytest

from conformance.catalogue import requirement
from conformance.checks._controls import registered_redirect_or_skip
from conformance.config import Client, Target
from conformance.findings import settle
from conformance.flows.authorize import new_state
from conformance.flows.redirect_lookalikes import ATTACKER_HOST, lookalikes
from conformance.flows.redirect_probe import probe_lookalike
from conformance.http import Response, Session
from conformance.judges import redirect_uri as judge
from conformance.run.state import NOTE
from conformance.urls import origin

ATTACKER_URI = f"https://{ATTACKER_HOST}/callback"
MAX_OWN_REDIRECTS = 3  # the server's redirects to its own pages that are followed before judging


@pytest.fixture
def redirect_client(target: Target) -> Client:
    """The primary client with its registered redirect URI (the user's login is needed only if a look-alike
    gets the login page)."""
    client = target.client("primary")
    if client is None or not client.can("authorization_code") or not client.redirect_uri:
        pytest.skip("needs [clients.primary] with the authorization_code grant and its redirect_uri")
    return client


@requirement("SEC-REDIRECT-LOOKALIKES")
@pytest.mark.long
def test_lookalike_redirect_uris_are_never_redirected_to(
    http: Session, target: Target, redirect_client: Client, record_property: Callable[[str, object], None]
) -> None:
    """RFC 9700 §2.1: "authorization servers MUST utilize exact string matching" of redirect URIs; RFC 6749
    §4.1.2.1: a mismatching redirection URI "MUST NOT" be redirected to. Each look-alike of the registered
    URI, generated from a grammar of mutations, must end without a redirect to anything but the registered
    URI, both at once and after the login and consent (when the server shows its login page)."""
    probes = [
        probe_lookalike(http, target, redirect_client, variant)
        for variant in lookalikes(redirect_client.redirect_uri or "")
    ]
    finding = judge.ensure_no_lookalike_is_redirected_to(probes)
    folded = [p.lookalike.name for p in probes if p.host_case_only]
    if folded:  # RFC 3986 §3.2.2: the same host; observed, not a breach (see Probe.diverted)
        record_property(
            NOTE,
            f"accepted with the host in another case, which reaches the registered host: {', '.join(folded)}",
        )
    if finding.held:
        registered_redirect_or_skip(
            http, target, redirect_client
        )  # refusals count once the genuine URI works
    settle(finding)
    needs_login = [p.lookalike.name for p in probes if p.needs_login]
    if needs_login:
        pytest.skip(
            f"the server showed its login page for {', '.join(needs_login)}: needs the user's password"
            f" ({target.user.password_env}) to see where it sends the code after the login"
        )
    undecided = [f"{p.lookalike.name}: {p.inconclusive}" for p in probes if p.inconclusive]
    if undecided:
        pytest.fail("could not follow the login for some look-alikes: " + "; ".join(undecided))


def _unknown_client(client: Client) -> list[tuple[str, str]]:
    return [("response_type", "code"), ("client_id", f"spry-conformance-unknown-{secrets.token_hex(4)}")]


def _missing_client(client: Client) -> list[tuple[str, str]]:
    return [("response_type", "code")]


def _invalid_request(client: Client) -> list[tuple[str, str]]:
    return [("response_type", "spry_conformance_unsupported"), ("client_id", client.client_id)]


_ERROR_REQUESTS = {
    "unknown-client": _unknown_client,
    "missing-client-id": _missing_client,
    "invalid-request": _invalid_request,
}


@requirement("SEC-NO-OPEN-REDIRECT")
@pytest.mark.parametrize("case", sorted(_ERROR_REQUESTS))
def test_error_responses_do_not_redirect_to_an_unvalidated_uri(
    http: Session, target: Target, primary: Client, case: str
) -> None:
    """RFC 6749 §4.1.2.1: for "a missing, invalid, or mismatching redirection URI, or if the client identifier
    is missing or invalid, the authorization server ... MUST NOT automatically redirect the user-agent to the
    invalid redirection URI" (RFC 9700 §4.11.2: no open redirector). Probed with the attacker's redirect_uri."""
    pairs = _ERROR_REQUESTS[case](primary) + [
        ("redirect_uri", ATTACKER_URI),
        ("scope", primary.scope),
        ("state", new_state()),
    ]
    responses = _own_redirects(http, f"{target.url(target.authorize_path)}?{urlencode(pairs)}")
    settle(judge.ensure_no_open_redirect(responses))


def _own_redirects(http: Session, url: str) -> list[Response]:
    """The request, and the server's redirects to its own origin (an error page), a few at most."""
    responses = [http.request("GET", url)]
    while responses[-1].is_redirect and len(responses) <= MAX_OWN_REDIRECTS:
        location = urljoin(responses[-1].url, responses[-1].location or "")
        if origin(location) != origin(http.base_url):
            break
        responses.append(http.request("GET", location))
    return responses
