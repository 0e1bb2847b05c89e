"""Judges of scopes at issuance (RFC 6749 §3.3) and at the resource (the Spry guide's `read` and `write`).

At the resource, the write probe's status says what a token may write (`flows.scope_probe.classify_write`):
400/422 means the scope was accepted (the API went on to refuse the invalid probe body), 401/403 refused.
"""

from __future__ import annotations

from conformance.config import Client
from conformance.findings import Finding, judged
from conformance.flows.responses import granted_scopes
from conformance.flows.scope_probe import classify_write
from conformance.flows.token import TokenResponse
from conformance.judges.answers import Answer
from conformance.verdict import describe


def stated(answer: TokenResponse) -> str:
    """What a token request got: the stated scope of its token, or its error."""
    if answer.access_token:
        return f"a token with scope {describe(answer.scope) if answer.scope is not None else '(not stated)'}"
    return f"HTTP {answer.status}, error {answer.error!r}"


def write_result(response: Answer) -> str:
    """What the write probe's answer says, in a reader's words."""
    return {
        "accepted": "the scope was accepted (the API went on to refuse the invalid probe body)",
        "written": "the write was carried out",
        "refused": "refused (403)",
        "unauthenticated": "the token was refused (401)",
        "unclear": "neither accepted nor refused",
    }[classify_write(response.status)] + f" - HTTP {response.status}"


def _not_granted(answer: TokenResponse, requested: str, forbidden: set[str]) -> bool:
    """RFC 6749 §3.3/§5.2: refused with invalid_scope, or issued without the forbidden scopes."""
    if not answer.access_token:
        return answer.error == "invalid_scope"
    granted = granted_scopes(answer, requested) or set()
    return not (granted & forbidden)


def ensure_unknown_scope_not_granted(answer: TokenResponse, requested: str, unknown: str) -> Finding:
    """RFC 6749 §3.3, §5.2: invalid_scope - "The requested scope is invalid, unknown, malformed"; the server
    MAY instead narrow the request, and then MUST state the scope it granted. Scope values are case-sensitive."""
    return judged(_not_granted(answer, requested, {unknown}),
                  f"invalid_scope, or a token whose stated scope leaves out {unknown!r}", answer,
                  observed=f"scope={requested!r}: {stated(answer)}")  # fmt: skip


def ensure_unregistered_scope_not_granted(answer: TokenResponse, requested: str, reader: Client) -> Finding:
    """RFC 6749 §3.3, §5.2: invalid_scope when the request "exceeds the scope granted by the resource owner";
    the read_only client, registered for `read`, never gets `write`."""
    return judged(_not_granted(answer, requested, {"write"}),
                  "invalid_scope, or a token whose stated scope leaves out 'write'", answer,
                  observed=f"{reader.client_id} (registered for {reader.scope!r}) asked {requested!r}: "
                  f"{stated(answer)}")  # fmt: skip


def ensure_subset_granted(answer: TokenResponse) -> Finding:
    """RFC 9700 §2.3: "The privileges associated with an access token SHOULD be restricted to the minimum
    required"; RFC 6749 §3.3: asking for `read` alone gets `read`, stated when it differs from the request."""
    granted = granted_scopes(answer, "read") if answer.access_token else None
    return judged(granted == {"read"}, "a token granted (and stated) for 'read' alone", answer,
                  observed=f"scope='read': {stated(answer)}")  # fmt: skip


def ensure_order_insensitive(
    answer: TokenResponse, reordered: str, baseline: TokenResponse, client: Client
) -> Finding:
    """RFC 6749 §3.3: "If the value contains multiple space-delimited strings, their order does not matter".
    `baseline` is the answer to the client's scope in its registered order."""
    expected = granted_scopes(baseline, client.scope)
    granted = granted_scopes(answer, reordered) if answer.access_token else None
    return judged(granted == expected, f"the same grant as for {client.scope!r}: {sorted(expected or [])}",
                  answer, observed=f"scope={reordered!r}: {stated(answer)}")  # fmt: skip


def default_unstated(answer: TokenResponse) -> bool:
    """A token issued without a scope parameter whose response does not say what the default is: only the
    read endpoint can tell whether the default grants anything."""
    return bool(answer.access_token) and answer.scope is None


def ensure_default_scope(answer: TokenResponse, read: Answer | None, read_path: str) -> Finding:
    """RFC 6749 §3.3: "If the client omits the scope parameter when requesting authorization, the
    authorization server MUST either process the request using a pre-defined default value or fail the
    request indicating an invalid scope requirement." A default that grants nothing is neither. `read` is the
    read endpoint's answer to the token, asked only when the default is not stated (`default_unstated`)."""
    if not answer.access_token:
        return judged(answer.error == "invalid_scope", "a default scope, or error invalid_scope", answer,
                      observed=f"no scope parameter: {stated(answer)}")  # fmt: skip
    if answer.scope is not None or read is None:
        return judged(answer.scopes, "a token with a non-empty default scope", answer,
                      observed=f"no scope parameter: {stated(answer)}")  # fmt: skip
    return judged(200 <= read.status < 300, "a default scope the token can use (no scope stated, so the read "
                  "endpoint is asked)", answer, read,
                  observed=f"no scope stated; {read_path} answered HTTP {read.status}")  # fmt: skip


def ensure_read_token_reads(token: TokenResponse, response: Answer, read_path: str) -> Finding:
    """Spry guide, Scopes: `read` - "Read access to all resources". A token granted `read` reads."""
    return judged(200 <= response.status < 300, f"{read_path} answers 2xx to a read token", token, response,
                  observed=f"HTTP {response.status}")  # fmt: skip


def probe_misconfigured(response: Answer) -> bool:
    """A write probe that neither accepted nor refused the token with 404/405: resource.write is wrong."""
    return classify_write(response.status) == "unclear" and response.status in {404, 405}


def ensure_write_refused(token: TokenResponse, response: Answer, wanted: str) -> Finding:
    """Spry guide, Scopes: `write` - "Write access to all resources"; a token without `write` is refused at the
    write endpoint (RFC 6750 §3.1 insufficient_scope). A 404/405 counts as a refusal by hiding once a write
    token is seen to get further (the probe asks, `checks._controls.write_scope_or_skip`)."""
    refused = classify_write(response.status) in {"refused", "unauthenticated"} or probe_misconfigured(
        response
    )
    return judged(refused, wanted, token, response, observed=write_result(response))


def ensure_write_accepted(token: TokenResponse, response: Answer, scope: str, write_path: str) -> Finding:
    """Spry guide, Scopes: `write` - "Write access to all resources". A token granted `write` passes the scope
    check of the write endpoint (the invalid probe body is then refused: 400/422)."""
    return judged(classify_write(response.status) in {"accepted", "written"},
                  f"{write_path} accepts the {scope!r} token (400/422 for the invalid probe body)", token,
                  response, observed=write_result(response))  # fmt: skip
