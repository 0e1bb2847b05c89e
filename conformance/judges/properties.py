"""Judges of the property checks: one generated input and the target's answer to it (RFC 6749 §3.3, §4.1.2,
§5.2, Appendix A.5).

Pure: each returns what is wrong with one answer (None when it is within the rule); the check keeps the
first problem as its counterexample and `judges.generated.ensure_no_counterexample` makes it a `Finding`.
"""

from __future__ import annotations

from conformance.flows.front_channel import AuthorizationOutcome
from conformance.flows.responses import granted_scopes
from conformance.flows.token import TokenResponse
from conformance.generated.strategies import Mutation
from conformance.rfc6749 import TOKEN_ERRORS, is_vschar
from conformance.verdict import describe


def state_may_be_refused(state: str, outcome: AuthorizationOutcome) -> bool:
    """RFC 6749 Appendix A.5 limits state to printable ASCII: a server may refuse another state (no redirect
    back, or an error redirect), and that refusal is not judged."""
    if is_vschar(state):
        return False
    return outcome.redirect is None or bool(outcome.redirect.error)


def state_problem(state: str, outcome: AuthorizationOutcome) -> str | None:
    """RFC 6749 §4.1.2: state is returned as "The exact value received from the client"."""
    if outcome.redirect is None:
        return f"no redirect back to the client ({outcome.describe()})"
    if outcome.redirect.state != state:
        return f"state {describe(outcome.redirect.state)} came back"
    return None


def scope_spelling_problem(spelled: str, tokens: frozenset[str], answer: TokenResponse,
                           base: TokenResponse) -> str | None:  # fmt: skip
    """RFC 6749 §3.3: scope is "a list of space-delimited, case-sensitive strings ... their order does not
    matter"; §5.2: a malformed scope is invalid_scope. `answer` is to `spelled`, `base` to the canonical
    spelling of the same `tokens`: the grant must be the same, or a malformed spelling refused with invalid_scope."""
    if answer.status >= 500:
        return f"HTTP {answer.status}"
    well_formed = spelled == " ".join(spelled.split()) and len(spelled.split()) == len(tokens)
    canonical_grant = granted_scopes(base, " ".join(sorted(tokens))) if base.ok else None
    if answer.ok:
        granted = granted_scopes(answer, spelled)
        if not base.ok:
            return (
                f"granted {describe(answer.scope)}, while the canonical spelling was refused ({base.error})"
            )
        if granted != canonical_grant:
            return f"granted {describe(answer.scope)}, the canonical spelling {describe(base.scope)}"
        return None
    if well_formed:
        if base.ok:
            return (
                f"refused ({answer.error}), while the canonical spelling was granted (order does not matter)"
            )
        return None
    if answer.error != "invalid_scope" and base.ok:
        return f"HTTP {answer.status}, error {describe(answer.error)} (a malformed scope is invalid_scope)"
    return None


def malformed_parameter_problem(
    mutation: Mutation, answer: TokenResponse, registered: set[str]
) -> str | None:
    """RFC 6749 §5.2: a malformed request is refused with invalid_request (or the error specific to that
    parameter, 401 for invalid_client), never a 5xx or a token; §3.3: a server may ignore a requested scope
    and state what it granted."""
    if answer.status >= 500:
        return f"HTTP {answer.status}"
    if answer.access_token or answer.refresh_token:
        stated = set((answer.scope or "").split()) if answer.scope is not None else None
        if mutation.parameter == "scope" and stated is not None and stated <= registered:
            return None  # RFC 6749 §3.3: the server may ignore a requested scope and state what it granted
        if mutation.parameter == "scope" and stated is None:
            return (f"HTTP {answer.status} with a token whose scope is not stated, so it grants the scope asked "
                    "for (RFC 6749 §3.3: a different scope MUST be stated)")  # fmt: skip
        if mutation.parameter == "scope":
            return (
                f"HTTP {answer.status} with a token for scope {describe(answer.scope)}, not a registered one"
            )
        return f"HTTP {answer.status} with a token"
    if answer.status == 413:
        return None  # a body the server will not read
    allowed = {400, 401} if answer.error == "invalid_client" else {400}
    if answer.error not in TOKEN_ERRORS or answer.status not in allowed:
        return f"HTTP {answer.status}, error {describe(answer.error)} (RFC 6749 §5.2: 400 with an error code)"
    return None
