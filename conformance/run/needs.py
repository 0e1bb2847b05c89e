"""What configuration a check's fixtures need, as reasons: the same words whether a check skips or is listed.

The checks' fixtures (`conformance/checks/conftest.py`) skip with these reasons when the target lacks
what they need; `spry-conformance run --list` predicts the same skips from the configuration alone,
before any request is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from conformance.config import Target


def client_missing(target: Target, name: str, grant: str | None = None) -> str | None:
    """Why the client `name` (registered for `grant`) cannot act, or None."""
    client = target.client(name)
    if client is None:
        configured = target.clients.get(name)
        env = configured.secret_env if configured else None
        return f"needs [clients.{name}] with its secret" + (f" in {env}" if env else "")
    if grant and not client.can(grant):
        return f"needs [clients.{name}] registered for the {grant} grant (grants = [...])"
    return None


def read_only_missing(target: Target) -> str | None:
    missing = client_missing(target, "read_only")
    if missing is None and "write" in (target.client("read_only") or target.clients["read_only"]).scopes:
        return "needs [clients.read_only] registered without the write scope"
    return missing


def code_flow_missing(target: Target) -> str | None:
    """Why the primary client cannot run the authorization code flow with the user, or None."""
    missing = client_missing(target, "primary", grant="authorization_code")
    if missing is not None:
        return missing
    client = target.client("primary")
    if client is None or not client.redirect_uri:
        return "needs clients.primary.redirect_uri for the authorization code flow"
    if target.user.login.method == "form" and not target.user.password:
        return f"needs the user's password in {target.user.password_env} for the authorization code flow"
    return None


def authorization_page_missing(target: Target) -> str | None:
    missing = client_missing(target, "primary", grant="authorization_code")
    client = target.client("primary")
    if missing is None and (client is None or not client.redirect_uri):
        return "needs clients.primary.redirect_uri for the authorization request"
    return missing


#: A fixture of the checks -> why it would skip on a target. The code-flow fixtures all start from code_client.
FIXTURE_NEEDS: dict[str, Callable[[Target], str | None]] = {
    "primary": lambda t: client_missing(t, "primary"),
    "secondary": lambda t: client_missing(t, "secondary"),
    "read_only": read_only_missing,
    "cc_primary": lambda t: client_missing(t, "primary", grant="client_credentials"),
    "code_client": code_flow_missing,
    "refresh_client": lambda t: client_missing(t, "primary", grant="refresh_token"),
    "authorization_page": authorization_page_missing,
}


def predicted_skip(target: Target, fixtures: Iterable[str]) -> str | None:
    """The first reason a check using `fixtures` would skip on `target` for want of configuration."""
    for name in fixtures:
        need = FIXTURE_NEEDS.get(name)
        reason = need(target) if need else None
        if reason:
            return reason
    return None
