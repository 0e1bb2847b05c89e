"""Before any check: the target answers and takes the primary client's credentials.

Also the one check of `--fault` names (the CLI and the plugin both use it).
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.config import Target
from conformance.errors import BudgetExhausted, ConfigError, PreflightFailed, TargetError
from conformance.http import Session


def preflight(session: Session, target: Target) -> None:
    """Raise `PreflightFailed` with one line saying what came back and what to check."""
    from conformance.flows.token import client_credentials

    primary = target.client("primary")
    if primary is None:
        secret_env = target.clients["primary"].secret_env
        raise PreflightFailed(f"no secret for the primary client: set {secret_env}")
    try:
        if primary.can("client_credentials"):
            answer = client_credentials(session, target, primary)
            if answer.error == "invalid_client":
                # A target that takes HTTP Basic only (RFC 6749 §2.3.1) is still reachable: CLIENT-AUTH-BODY says so.
                answer = client_credentials(session, target, primary, auth="basic")
            if answer.status in {400, 401} and answer.error in {"invalid_client", "unauthorized_client"}:
                raise PreflightFailed(
                    f"{target.url(target.token_path)} refused the primary client's credentials "
                    f"({answer.status} {answer.error}): check clients.primary and its secret"
                )
            if answer.status == 404:
                raise PreflightFailed(
                    f"{target.url(target.token_path)} answered 404: check target.token_path"
                )
        else:
            session.request("GET", target.authorize_path)
    except (TargetError, BudgetExhausted) as error:
        raise PreflightFailed(f"the target could not be reached: {error}") from None


def check_faults(names: Iterable[str]) -> None:
    """Every `--fault` names a fault of the reference server that shows on the embedded (plain HTTP) one."""
    from conformance.reference import FAULTS

    for name in names:
        if name not in FAULTS:
            raise ConfigError(f"--fault: unknown fault {name!r} ('spry-conformance faults' lists them)")
        if FAULTS[name].needs_tls:
            raise ConfigError(
                f"--fault: {name!r} only shows on a TLS server; the embedded server is plain HTTP"
            )
