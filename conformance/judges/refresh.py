"""Judges of refresh tokens (RFC 6749 §6, RFC 9700 §4.14), as the Spry guide's "Token Refresh" documents them."""

from __future__ import annotations

from conformance.findings import Finding, Refusal, first_broken, judged
from conformance.flows.token import TokenResponse
from conformance.judges.answers import Answered as Response
from conformance.judges.answers import is_success
from conformance.judges.refusal import ensure_refused
from conformance.rfc6749 import TOKEN_ERRORS


def outcome(answer: TokenResponse) -> str:
    """What a token response was, without any token value."""
    if answer.ok:
        scope = answer.scope if answer.scope is not None else "(absent)"
        rotated = "with" if answer.refresh_token else "without"
        return f"HTTP {answer.status}: an access token (scope {scope!r}) {rotated} a refresh token"
    if answer.error is not None:
        return f"HTTP {answer.status}, error {answer.error!r}"
    kind = answer.response.content_type or "no content type"
    return f"HTTP {answer.status}, {kind} body without an error member"


def scope_allows_write(response: Response) -> bool:
    """A write probe got past authorization: anything but 401/403 (a 4xx for the probe body is still past it)."""
    return response.status not in {401, 403}


def is_oauth_error(answer: TokenResponse) -> bool:
    """An RFC 6749 §5.2 error response: HTTP 400/401 with a listed error code."""
    return answer.status in {400, 401} and answer.error in TOKEN_ERRORS


def rotates(old: str, answer: TokenResponse) -> bool:
    """RFC 6749 §6: the server MAY issue a new refresh token; whether this answer carries one."""
    return bool(answer.refresh_token) and answer.refresh_token != old


def scope_unstated(answer: TokenResponse) -> bool:
    """A token whose response omits scope ("as requested", RFC 6749 §5.1): only the write endpoint can tell
    what it was granted."""
    return answer.ok and answer.scope is None


def ensure_documented_endpoint_refreshes(answer: TokenResponse, refresh_path: str) -> Finding:
    """Spry guide, Token Refresh: "POST /apis/v1/oauth/token" with grant_type=refresh_token; RFC 6749 §6: a
    valid request is answered with an access token (§5.1)."""
    return first_broken(
        judged(answer.status == 200, f"HTTP 200 from the documented refresh path {refresh_path}", answer,
               observed=outcome(answer)),
        judged(answer.access_token, "a JSON body with a string access_token (RFC 6749 §5.1)", answer,
               observed=outcome(answer)),
    )  # fmt: skip


def ensure_token_endpoint_answer(answer: TokenResponse, token_path: str) -> Finding:
    """RFC 6749 §3.2: one token endpoint serves every grant, so the v2 path MAY serve refresh_token too. Either
    a token (§5.1) or an error response (§5.2) is fine."""
    return judged(answer.ok or is_oauth_error(answer),
                  f"{token_path} answers a refresh request as a token endpoint: a token (RFC 6749 §5.1) "
                  "or an error response (§5.2: HTTP 400/401 with an error code)",
                  answer, observed=outcome(answer))  # fmt: skip


def ensure_client_authentication_required(
    control: TokenResponse, answer: TokenResponse, presented: str
) -> Finding:
    """RFC 6749 §6: "The authorization server MUST: require client authentication for confidential clients or
    for any client that was issued client credentials". `control` is the same refresh, authenticated."""
    return judged(not answer.ok and is_oauth_error(answer),
                  f"the refresh without client authentication ({presented}) refused with an RFC 6749 §5.2 error "
                  "(invalid_client, 401)",
                  control, answer, observed=outcome(answer))  # fmt: skip


def ensure_refresh_refused(answer: TokenResponse, wanted: str, *evidence: TokenResponse) -> Refusal:
    """RFC 6749 §6: the server MUST "validate the refresh token" and "ensure that the refresh token was issued
    to the authenticated client"; §5.2 invalid_grant: the refresh token "is invalid, expired, revoked, ... or
    was issued to another client". No token is the property; invalid_grant the form (TOKEN-ERROR-*)."""
    return ensure_refused(answer, wanted, *evidence, errors={"invalid_grant"}, observed=outcome(answer))


def ensure_narrowed(answer: TokenResponse, probe: Response | None) -> Finding:
    """RFC 6749 §1.5: refresh tokens obtain "additional access tokens with identical or narrower scope". A
    response that omits scope means "as requested" (§5.1): then the write `probe` shows what was granted."""
    if not answer.ok:
        return judged(False, "a token for the narrower scope 'read'", answer, observed=outcome(answer))
    if answer.scope is not None or probe is None:
        return judged(answer.scopes == {"read"}, "scope 'read': what was asked, narrower than the grant", answer,
                      observed=f"scope {answer.scope!r}")  # fmt: skip
    return judged(not scope_allows_write(probe),
                  "a token limited to 'read' (the response omits scope, which means 'as requested', RFC 6749 §5.1): "
                  "the write endpoint refuses it",
                  answer, probe, observed=f"the write probe got HTTP {probe.status}")  # fmt: skip


def ensure_not_widened(grant: TokenResponse, answer: TokenResponse) -> Finding:
    """RFC 6749 §6: "The requested scope MUST NOT include any scope not originally granted by the resource
    owner"; §5.2 invalid_scope: the scope "exceeds the scope granted by the resource owner"."""
    refused = not answer.ok and answer.status == 400 and answer.error == "invalid_scope"
    limited = answer.ok and answer.scope is not None and answer.scopes <= {"read"}
    return judged(refused or limited,
                  "the refresh for 'read write' on a 'read' grant refused with HTTP 400 invalid_scope (or, RFC 6749 "
                  "§3.3, a token whose scope member says 'read')",
                  grant, answer, observed=outcome(answer))  # fmt: skip


def ensure_scope_preserved(
    narrowed: TokenResponse, again: TokenResponse, original: set[str], which: str, probe: Response | None
) -> Finding:
    """RFC 6749 §6: "If a new refresh token is issued, the refresh token scope MUST be identical to that of the
    refresh token included by the client in the request". `again` is a refresh with no scope after one
    narrowed to 'read'; when it omits scope, the write `probe` shows what was granted."""
    if not again.ok:
        return judged(False, f"{which}, refreshed with no scope, still gets a token", narrowed, again,
                      observed=outcome(again))  # fmt: skip
    if again.scope is not None or probe is None:
        return judged(again.scopes == original,
                      f"scope {' '.join(sorted(original))!r}: the original grant's, after a refresh narrowed to 'read'",
                      narrowed, again, observed=f"scope {again.scope!r} from {which}")  # fmt: skip
    return judged(scope_allows_write(probe),
                  "a token with the original scope (the response omits scope): the write endpoint accepts it",
                  narrowed, again, probe, observed=f"the write probe got HTTP {probe.status}")  # fmt: skip


def ensure_new_access_token(previous: TokenResponse, answer: TokenResponse) -> Finding:
    """RFC 6749 §1.5: refresh tokens "are used to obtain a new access token when the current access token
    becomes invalid or expires"; §6: the server "issues an access token as described in Section 5.1"."""
    return judged(answer.access_token != previous.access_token,
                  "a new access token, not the one the refresh token was issued with", previous, answer,
                  observed="the refresh returned the previous access token again")  # fmt: skip


def ensure_new_token_accepted(answer: TokenResponse, used: Response, read_path: str) -> Finding:
    """RFC 6749 §6: the refreshed access token is a working access token (§5.1)."""
    return judged(is_success(used), f"the new access token is accepted at {read_path}", answer, used,
                  observed=f"HTTP {used.status}")  # fmt: skip


def ensure_replay_refused(rotated: TokenResponse, replay: TokenResponse) -> Finding:
    """RFC 9700 §4.14.2: an invalidated refresh token presented again is refused (reuse detection)."""
    return judged(not replay.ok,
                  "the replayed (rotated) refresh token refused, and the family it belongs to revoked", rotated, replay,
                  observed=f"the replayed refresh token was accepted ({outcome(replay)}): no reuse detection at all")  # fmt: skip


def ensure_family_revoked(
    replay: TokenResponse, access_after: Response, refresh_after: TokenResponse
) -> Finding:
    """RFC 9700 §4.14.2: when an invalidated refresh token is presented, the server "will revoke the active
    refresh token. This stops the attack" - and the access token issued with it must stop working too."""
    alive = []
    if is_success(access_after):
        alive.append(
            f"the access token issued with the active refresh token still works (HTTP {access_after.status})"
        )
    if refresh_after.ok:
        alive.append(f"the active refresh token still gets tokens ({outcome(refresh_after)})")
    return judged(not alive, "after the replay, the active refresh token and its access token are refused", replay,
                  access_after, refresh_after, observed="; ".join(alive))  # fmt: skip
