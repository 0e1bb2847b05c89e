"""Refresh tokens (RFC 6749 §6, RFC 9700 §4.14), as the Spry guide's "Token Refresh" section documents them."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from conformance.catalogue import requirement
from conformance.config import Client, Target
from conformance.findings import settle, settle_refusal
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.resource import call_resource
from conformance.flows.token import TokenResponse, exchange_code, refresh, token_request
from conformance.http import Response, Session
from conformance.judges import refresh as judge
from conformance.judges.answers import is_success
from conformance.run.clock import Clock
from conformance.run.state import NOTE

Authorizer = Callable[..., AuthorizationResponse]


def _must_refresh(http: Session, target: Target, client: Client, token: str, why: str) -> TokenResponse:
    """A refresh the check builds on; when it fails the check cannot judge its rule (an error, not a finding)."""
    answer = refresh(http, target, client, token)
    if not answer.ok:
        pytest.fail(
            f"could not {why}: the refresh at {target.refresh_path} answered {judge.outcome(answer)} "
            "(RT-DOCUMENTED-ENDPOINT judges that endpoint)"
        )
    return answer


def _write_probe(http: Session, target: Target, token: str) -> Response | None:
    """A write request with `token` (the configured probe body), or None when no write endpoint is configured."""
    endpoint = target.resource.write
    if endpoint is None:
        return None
    return call_resource(http, target, token, endpoint=endpoint, body=target.resource.write_probe_body)


def _probe_or_skip(http: Session, target: Target, token: str) -> Response:
    probe = _write_probe(http, target, token)
    if probe is None:
        pytest.skip(
            "needs resource.write: the response omits scope, so the granted scope is verified at the write endpoint"
        )
    return probe


@requirement("RT-DOCUMENTED-ENDPOINT")
def test_refresh_at_documented_endpoint(
    http: Session, target: Target, refresh_client: Client, refreshable: TokenResponse
) -> None:
    """Spry guide, Token Refresh: "POST /apis/v1/oauth/token" with grant_type=refresh_token, refresh_token,
    client_id and client_secret; RFC 6749 §6: a valid request is answered with an access token (§5.1)."""
    answer = refresh(http, target, refresh_client, refreshable.refresh_token or "")
    settle(judge.ensure_documented_endpoint_refreshes(answer, target.refresh_path))


@requirement("RT-V2-TOKEN-PATH")
def test_v2_token_path_answers_refresh_as_a_token_endpoint(
    http: Session,
    target: Target,
    refresh_client: Client,
    refreshable: TokenResponse,
    record_property: Callable[[str, object], None],
) -> None:
    """RFC 6749 §3.2: one token endpoint serves every grant, so the v2 path MAY serve refresh_token too; the
    guide documents it at v1. Either a token (§5.1) or an error response (§5.2) is fine; the evidence records
    which one v2 gave."""
    if target.token_path == target.refresh_path:
        pytest.skip("needs target.token_path distinct from target.refresh_path (both name the same endpoint)")
    answer = refresh(http, target, refresh_client, refreshable.refresh_token or "", path=target.token_path)
    settle(judge.ensure_token_endpoint_answer(answer, target.token_path))
    record_property(NOTE, f"{target.token_path} answers refresh requests with {judge.outcome(answer)}")


@pytest.mark.parametrize("presented", ["client_id only", "no client identification"])
@requirement("RT-CLIENT-AUTH-REQUIRED")
def test_refresh_requires_client_authentication(
    http: Session, target: Target, refresh_client: Client, refreshable: TokenResponse, presented: str
) -> None:
    """RFC 6749 §6: "The authorization server MUST: require client authentication for confidential clients
    or for any client that was issued client credentials"."""
    control = _must_refresh(
        http, target, refresh_client, refreshable.refresh_token or "", "refresh with client authentication"
    )
    current = control.refresh_token or refreshable.refresh_token or ""
    params = [("grant_type", "refresh_token"), ("refresh_token", current)]
    if presented == "client_id only":
        answer = token_request(
            http, target, params, client=refresh_client, auth="none", path=target.refresh_path
        )
    else:
        answer = token_request(http, target, params, path=target.refresh_path)
    settle(judge.ensure_client_authentication_required(control, answer, presented))


@requirement("RT-BOUND-TO-CLIENT")
def test_refresh_token_bound_to_client(
    http: Session, target: Target, refresh_client: Client, refreshable: TokenResponse, secondary: Client
) -> None:
    """RFC 6749 §6: the server MUST "ensure that the refresh token was issued to the authenticated client";
    §5.2 invalid_grant: the refresh token "was issued to another client"."""
    if not secondary.can("refresh_token"):
        pytest.skip("needs [clients.secondary] registered for the refresh_token grant (grants = [...])")
    control = _must_refresh(
        http, target, refresh_client, refreshable.refresh_token or "", "refresh as its own client"
    )
    current = control.refresh_token or refreshable.refresh_token or ""
    answer = refresh(http, target, secondary, current)
    settle_refusal(
        judge.ensure_refresh_refused(answer, "the other client's refresh refused", control), http.recorder
    )


def _two_scopes(grant: TokenResponse, client: Client) -> set[str]:
    granted = grant.scopes if grant.scope is not None else set(client.scopes)
    if not {"read", "write"} <= granted:
        pytest.skip("needs a grant with both read and write (clients.primary.scopes = 'read write')")
    return granted


@requirement("RT-SCOPE-NARROWING")
def test_refresh_can_narrow_scope(
    http: Session, target: Target, refresh_client: Client, refreshable: TokenResponse
) -> None:
    """RFC 6749 §1.5: refresh tokens obtain "additional access tokens with identical or narrower scope";
    RFC 9700 §2.3: privileges SHOULD be restricted to the minimum required."""
    _two_scopes(refreshable, refresh_client)
    answer = refresh(http, target, refresh_client, refreshable.refresh_token or "", scope="read")
    probe = _probe_or_skip(http, target, answer.access_token or "") if judge.scope_unstated(answer) else None
    settle(judge.ensure_narrowed(answer, probe))


@requirement("RT-SCOPE-NO-WIDENING")
def test_refresh_cannot_widen_scope(
    http: Session, target: Target, code_client: Client, refresh_client: Client, authorize_user: Authorizer
) -> None:
    """RFC 6749 §6: "The requested scope MUST NOT include any scope not originally granted by the resource
    owner"; §5.2 invalid_scope: the scope "exceeds the scope granted by the resource owner"."""
    if not {"read", "write"} <= set(code_client.scopes):
        pytest.skip("needs clients.primary registered for both read and write")
    redirect = authorize_user(code_client, scope="read")
    if not redirect.code:
        pytest.fail(f"the authorization request for scope 'read' returned no code (error {redirect.error!r})")
    grant = exchange_code(http, target, code_client, redirect.code, redirect_uri=code_client.redirect_uri)
    if not grant.ok:
        pytest.fail(f"the code exchange for scope 'read' failed ({judge.outcome(grant)})")
    if grant.scope is not None and grant.scopes != {"read"}:
        pytest.skip(
            f"the server granted {grant.scope!r} for a request of 'read': there is no narrower grant to widen"
        )
    if not grant.refresh_token:
        pytest.skip("the target issued no refresh token in the authorization code flow")
    answer = refresh(http, target, refresh_client, grant.refresh_token, scope="read write")
    settle(judge.ensure_not_widened(grant, answer))


@requirement("RT-SCOPE-PRESERVED")
def test_refresh_token_keeps_original_scope(
    http: Session, target: Target, refresh_client: Client, refreshable: TokenResponse
) -> None:
    """RFC 6749 §6: "If a new refresh token is issued, the refresh token scope MUST be identical to that of
    the refresh token included by the client in the request"; an omitted scope "is treated as equal to the
    scope originally granted by the resource owner"."""
    original = _two_scopes(refreshable, refresh_client)
    narrowed = refresh(http, target, refresh_client, refreshable.refresh_token or "", scope="read")
    if not narrowed.ok:
        pytest.skip(
            f"the server refused a refresh narrowed to 'read' ({judge.outcome(narrowed)}); RT-SCOPE-NARROWING judges it"
        )
    current = narrowed.refresh_token or refreshable.refresh_token or ""
    which = "the new refresh token" if narrowed.refresh_token else "the (unrotated) refresh token"
    again = refresh(http, target, refresh_client, current)
    probe = _probe_or_skip(http, target, again.access_token or "") if judge.scope_unstated(again) else None
    settle(judge.ensure_scope_preserved(narrowed, again, original, which, probe))


@requirement("RT-NEW-ACCESS-TOKEN")
@pytest.mark.long
def test_refresh_issues_new_access_token(
    http: Session, target: Target, refresh_client: Client, refreshable: TokenResponse, clock: Clock
) -> None:
    """RFC 6749 §1.5: refresh tokens "are used to obtain a new access token when the current access token
    becomes invalid or expires"; §6: the server "issues an access token as described in Section 5.1"."""
    clock.pass_time(
        2, why="two seconds, so that a new token cannot equal the old one through a same-second iat"
    )
    answer = _must_refresh(http, target, refresh_client, refreshable.refresh_token or "", "refresh")
    settle(judge.ensure_new_access_token(refreshable, answer))
    used = call_resource(http, target, answer.access_token)
    settle(judge.ensure_new_token_accepted(answer, used, str(target.resource.read)))


def _rotated(
    http: Session, target: Target, client: Client, grant: TokenResponse
) -> tuple[str, TokenResponse]:
    """Refresh once; the old refresh token and the answer carrying the new one (skip when there is none)."""
    old = grant.refresh_token or ""
    answer = _must_refresh(http, target, client, old, "refresh")
    if not judge.rotates(old, answer):
        pytest.skip(
            "the server does not rotate refresh tokens: the refresh response carries no new refresh_token "
            "(RFC 6749 §6: it MAY issue one)"
        )
    return old, answer


@requirement("RT-ROTATION-OLD-REFUSED")
def test_rotated_refresh_token_is_refused(
    http: Session, target: Target, refresh_client: Client, refreshable: TokenResponse
) -> None:
    """RFC 9700 §4.14.2, refresh token rotation: "The previous refresh token is invalidated"
    (RFC 6749 §6: the server MAY revoke it; §5.2 invalid_grant for a revoked refresh token)."""
    old, rotated = _rotated(http, target, refresh_client, refreshable)
    replay = refresh(http, target, refresh_client, old)
    settle_refusal(
        judge.ensure_refresh_refused(replay, "the replaced refresh token refused", rotated), http.recorder
    )


@requirement("RT-REUSE-REVOKES-FAMILY")
def test_refresh_token_reuse_revokes_family(
    http: Session, target: Target, refresh_client: Client, refreshable: TokenResponse
) -> None:
    """RFC 9700 §4.14.2: when an invalidated refresh token is presented, the server "will revoke the active
    refresh token. This stops the attack" - and the access token issued with it must stop working too."""
    old, rotated = _rotated(http, target, refresh_client, refreshable)
    active_access = call_resource(http, target, rotated.access_token)
    if not is_success(active_access):
        pytest.fail(
            f"the access token from the refresh was refused before any replay (HTTP {active_access.status})"
        )
    replay = refresh(http, target, refresh_client, old)
    settle(judge.ensure_replay_refused(rotated, replay))
    access_after = call_resource(http, target, rotated.access_token)
    refresh_after = refresh(http, target, refresh_client, rotated.refresh_token or "")
    settle(judge.ensure_family_revoked(replay, access_after, refresh_after))


@pytest.mark.parametrize("artefact", ["access token", "authorization code", "random string"])
@requirement("RT-WRONG-ARTEFACT-REFUSED")
def test_other_artefacts_are_not_refresh_tokens(
    http: Session, target: Target, refresh_client: Client, request: pytest.FixtureRequest, artefact: str
) -> None:
    """RFC 6749 §6: the server MUST "validate the refresh token"; §5.2 invalid_grant: the refresh token "is
    invalid"."""
    evidence: list[TokenResponse] = []
    if artefact == "access token":
        tokens: TokenResponse = request.getfixturevalue("code_tokens")
        value = tokens.access_token or ""
        evidence.append(tokens)
    elif artefact == "authorization code":
        value = request.getfixturevalue("issued_code").code or ""
    else:
        value = secrets.token_urlsafe(32)
    answer = refresh(http, target, refresh_client, value)
    wanted = f"{'an' if artefact[0] in 'aeiou' else 'a'} {artefact} offered as refresh_token refused"
    settle_refusal(judge.ensure_refresh_refused(answer, wanted, *evidence), http.recorder)
