"""Before any check: the target answers and takes the primary client's credentials.

Also the one check of `--fault` names (the CLI and the plugin both use it).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin

from conformance.config import Target
from conformance.errors import BudgetExhausted, ConfigError, PreflightFailed, TargetError
from conformance.http import Response, Session
from conformance.urls import origin, same_origin


def preflight(session: Session, target: Target) -> None:
    """Raise `PreflightFailed` unless the target has shown that it works, with one line saying what came back.

    An allowlist, not a list of known failures: a token issued to the primary client (RFC 6749 §4.4.3,
    §5.1), or, for a client without the client_credentials grant, an authorization endpoint that answers
    with a page or a redirect (to its own login pages or to the client's redirect URI). A redirect from
    the token endpoint, a 5xx, an HTML page or a body that is not JSON ends the run before any check.
    """
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
            if not answer.access_token:
                raise PreflightFailed(_no_token(target, answer.response, answer.error))
        else:
            response = session.request("GET", target.authorize_path)
            if not _authorize_endpoint_answers(response, target):
                raise PreflightFailed(
                    f"GET {target.url(target.authorize_path)} answered {_what(response)}, not a page or a "
                    "redirect: check target.authorize_path"
                )
    except (TargetError, BudgetExhausted) as error:
        raise PreflightFailed(f"the target could not be reached: {error}") from None


def _no_token(target: Target, response: Response, error: str | None) -> str:
    url = target.url(target.token_path)
    if error in {"invalid_client", "unauthorized_client"}:
        return f"{url} refused the primary client's credentials ({response.status} {error}): check clients.primary and its secret"
    hint = {404: "check target.token_path", 405: "check target.token_path"}.get(response.status)
    if response.is_redirect:
        hint = "redirects are never followed; check target.base_url (http or https?) and target.token_path"
    elif response.status >= 500:
        hint = "the server failed; try again later or check its logs"
    return f"POST {url} answered {_what(response)} instead of a token for the primary client: " + (
        hint or "check target.base_url, target.token_path and clients.primary"
    )


def _what(response: Response) -> str:
    """The answer in a few words: status, error code or location, and what the body is."""
    parts = [f"HTTP {response.status}"]
    body = response.json
    if response.is_redirect:
        parts.append(f"to {response.location!r}")
    elif isinstance(body, dict) and isinstance(body.get("error"), str):
        parts.append(f"error {body['error'][:60]!r}")
    elif body is None and response.content:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        parts.append(f"with a {kind} body that is not JSON")
    return " ".join(parts)


def _authorize_endpoint_answers(response: Response, target: Target) -> bool:
    if 200 <= response.status < 300:
        return True
    if not response.is_redirect:
        return False
    location = urljoin(target.url(target.authorize_path), response.location or "")
    redirect_uris = [c.redirect_uri for c in target.clients.values() if c.redirect_uri]
    allowed = [target.base_url, *target.user.login.allowed_origins, *redirect_uris]
    return origin(location) is not None and any(same_origin(location, url) for url in allowed)


def check_faults(names: Iterable[str], variants: Iterable[str] = ()) -> None:
    """Every `--fault` names a fault of the reference server that shows on the embedded (plain HTTP) one,
    every `--variant` one of its variants."""
    from conformance.reference import FAULTS
    from conformance.reference.variants import VARIANTS

    for name in variants:
        if name not in VARIANTS:
            raise ConfigError(f"--variant: unknown variant {name!r} ('spry-conformance variants' lists them)")
    for name in names:
        if name not in FAULTS:
            raise ConfigError(f"--fault: unknown fault {name!r} ('spry-conformance faults' lists them)")
        if FAULTS[name].needs_tls:
            raise ConfigError(
                f"--fault: {name!r} only shows on a TLS server; the embedded server is plain HTTP"
            )
