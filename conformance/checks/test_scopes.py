"""Scopes at issuance (RFC 6749 §3.3) and at the resource (the Spry guide's `read` and `write`).

At the resource, what a token may write is learnt from the write probe (flows.scope_probe): the
configured body is one the API must refuse as invalid, so no data is created - 400/422 means the
scope was accepted, 401/403 that it was refused.
"""

from __future__ import annotations

import pytest

from conformance.catalogue import requirement
from conformance.checks._controls import write_scope_or_skip
from conformance.config import Client, Target
from conformance.findings import settle
from conformance.flows.resource import call_resource
from conformance.flows.responses import unknown_scope
from conformance.flows.scope_probe import write_probe
from conformance.flows.token import TokenResponse, client_credentials
from conformance.http import Response, Session
from conformance.judges import scopes as judge


def _token(http: Session, target: Target, client: Client, scope: str) -> TokenResponse:
    """A client-credentials token for `scope`; the check cannot go on without it."""
    answer = client_credentials(http, target, client, scope=scope)
    if not answer.ok:
        pytest.fail(f"could not obtain a token for {client.client_id} with scope {scope!r} "
                    f"(HTTP {answer.status}, error {answer.error})")  # fmt: skip
    return answer


def _needs_scopes(client: Client, *scopes: str) -> None:
    missing = [s for s in scopes if s not in client.scopes]
    if missing:
        pytest.skip(f"needs clients.{client.name} registered for the {' and '.join(missing)} scope(s)")


def _needs_write(target: Target) -> None:
    if target.resource.write is None:
        pytest.skip(
            "needs resource.write (a write endpoint) and resource.write_probe_body (a body it refuses)"
        )


def _reader(request: pytest.FixtureRequest) -> Client:
    client: Client = request.getfixturevalue("read_only")
    if not client.can("client_credentials"):
        pytest.skip("needs [clients.read_only] registered for the client_credentials grant")
    return client


def _refused_write(http: Session, target: Target, token: TokenResponse, response: Response, writer: Client,
                   wanted: str) -> None:  # fmt: skip
    """Settle a read token's write. A 404/405 is blamed on resource.write only once a write token got the same
    answer: when a write token passes the scope check, the 404 hid the endpoint from the read token (a refusal
    by hiding, RFC 6750 §3.1 would have said 403 insufficient_scope), and the property held."""
    finding = judge.ensure_write_refused(token, response, wanted)
    if finding.held:
        write_scope_or_skip(http, target, writer)  # skips when a write token got no further either
    settle(finding)


@requirement("SCOPE-UNKNOWN-REFUSED")
@pytest.mark.parametrize("variant", ["unknown", "known-and-unknown", "case-variant"])
def test_unknown_scope_is_never_granted(
    http: Session, target: Target, cc_primary: Client, variant: str
) -> None:
    """RFC 6749 §3.3, §5.2: invalid_scope - "The requested scope is invalid, unknown, malformed"; the
    server MAY instead narrow the request, and then MUST state the scope it granted. Scope values are
    case-sensitive, so `READ` is not `read`."""
    unknown = unknown_scope() if variant != "case-variant" else cc_primary.scopes[0].upper()
    requested = {"unknown": unknown, "known-and-unknown": f"{cc_primary.scopes[0]} {unknown}"}.get(
        variant, unknown
    )
    answer = client_credentials(http, target, cc_primary, scope=requested)
    settle(judge.ensure_unknown_scope_not_granted(answer, requested, unknown))


@requirement("SCOPE-UNREGISTERED-REFUSED")
@pytest.mark.parametrize("requested", ["write", "read write"])
def test_unregistered_scope_is_never_granted(
    http: Session, target: Target, request: pytest.FixtureRequest, requested: str
) -> None:
    """RFC 6749 §3.3, §5.2: invalid_scope when the request "exceeds the scope granted by the resource
    owner"; the read_only client, registered for `read`, never gets `write`."""
    reader = _reader(request)
    answer = client_credentials(http, target, reader, scope=requested)
    settle(judge.ensure_unregistered_scope_not_granted(answer, requested, reader))


@requirement("SCOPE-SUBSET-GRANTED")
def test_subset_is_granted_as_asked(http: Session, target: Target, cc_primary: Client) -> None:
    """RFC 9700 §2.3: "The privileges associated with an access token SHOULD be restricted to the
    minimum required"; RFC 6749 §3.3: the granted scope is stated when it differs from the request.
    Asking for `read` alone gets `read`, not every registered scope."""
    _needs_scopes(cc_primary, "read", "write")
    answer = client_credentials(http, target, cc_primary, scope="read")
    settle(judge.ensure_subset_granted(answer))


@requirement("SCOPE-ORDER-INSENSITIVE")
def test_scope_order_does_not_matter(
    http: Session, target: Target, cc_primary: Client, cc_token: TokenResponse
) -> None:
    """RFC 6749 §3.3: "If the value contains multiple space-delimited strings, their order does not
    matter". `write read` is granted as `read write` (cc_token) is."""
    if len(cc_primary.scopes) < 2:
        pytest.skip("needs clients.primary registered for two scopes or more")
    reordered = " ".join(reversed(cc_primary.scopes))
    answer = client_credentials(http, target, cc_primary, scope=reordered)
    settle(judge.ensure_order_insensitive(answer, reordered, cc_token, cc_primary))


@requirement("SCOPE-DEFAULT-WHEN-OMITTED")
def test_omitted_scope_gets_default_or_invalid_scope(
    http: Session, target: Target, cc_primary: Client
) -> None:
    """RFC 6749 §3.3: "If the client omits the scope parameter when requesting authorization, the
    authorization server MUST either process the request using a pre-defined default value or fail
    the request indicating an invalid scope requirement." A default that grants nothing is neither."""
    answer = client_credentials(http, target, cc_primary)
    # When the response does not say what the default is, see whether the token may at least read.
    read = call_resource(http, target, answer.access_token) if judge.default_unstated(answer) else None
    settle(judge.ensure_default_scope(answer, read, str(target.resource.read)))


@requirement("SCOPE-READ-TOKEN-READS")
@pytest.mark.parametrize("source", ["read_only-client", "primary-narrowed"])
def test_read_token_can_read(
    http: Session, target: Target, request: pytest.FixtureRequest, source: str
) -> None:
    """Spry guide, Scopes: `read` - "Read access to all resources". A token granted `read` reads."""
    if source == "read_only-client":
        client = _reader(request)
    else:
        client = request.getfixturevalue("cc_primary")
        _needs_scopes(client, "read")
    token = _token(http, target, client, "read")
    response = call_resource(http, target, token.access_token)
    settle(judge.ensure_read_token_reads(token, response, str(target.resource.read)))


@requirement("SCOPE-READ-ONLY-CANNOT-WRITE")
def test_read_only_client_cannot_write(http: Session, target: Target, request: pytest.FixtureRequest) -> None:
    """Spry guide, Scopes: `write` - "Write access to all resources"; a token of the read_only client
    (registered for `read`) is refused at the write endpoint (RFC 6750 §3.1 insufficient_scope)."""
    _needs_write(target)
    reader = _reader(request)
    token = _token(http, target, reader, "read")
    response = write_probe(http, target, token.access_token or "")
    wanted = f"{target.resource.write} refuses a read-only token (403 insufficient_scope)"
    _refused_write(http, target, token, response, request.getfixturevalue("cc_primary"), wanted)


@requirement("SCOPE-NARROWED-CANNOT-WRITE")
def test_narrowed_token_cannot_write(http: Session, target: Target, cc_primary: Client) -> None:
    """Spry guide, Scopes; RFC 6749 §3.3: a token issued for `scope=read` to a client registered for
    `read write` carries `read` only - the write endpoint refuses it."""
    _needs_write(target)
    _needs_scopes(cc_primary, "read", "write")
    token = _token(http, target, cc_primary, "read")
    response = write_probe(http, target, token.access_token or "")
    wanted = f"{target.resource.write} refuses a token narrowed to 'read'"
    _refused_write(http, target, token, response, cc_primary, wanted)


@requirement("SCOPE-WRITE-TOKEN-WRITES")
@pytest.mark.parametrize("scope", ["write", "read write"])
def test_write_token_can_write(http: Session, target: Target, cc_primary: Client, scope: str) -> None:
    """Spry guide, Scopes: `write` - "Write access to all resources". A token granted `write` passes
    the scope check of the write endpoint (the invalid probe body is then refused: 400/422)."""
    _needs_write(target)
    _needs_scopes(cc_primary, *scope.split())
    token = _token(http, target, cc_primary, scope)
    response = write_probe(http, target, token.access_token or "")
    if judge.probe_misconfigured(response):
        pytest.skip(f"the write probe answered HTTP {response.status}: check resource.write")
    settle(judge.ensure_write_accepted(token, response, scope, str(target.resource.write)))
