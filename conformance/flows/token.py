"""Token endpoint requests (RFC 6749 §4.1.3, §4.4.2, §6) and their responses (§5.1, §5.2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from conformance.config import Client, Target
from conformance.evidence import Exchange
from conformance.http import Response, Session

ClientAuth = Literal["body", "basic", "none", "both"]


@dataclass(frozen=True)
class TokenResponse:
    """A token endpoint's answer, success or error."""

    response: Response

    @property
    def exchange(self) -> Exchange:
        return self.response.exchange

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def body(self) -> dict[str, Any]:
        data = self.response.json
        return data if isinstance(data, dict) else {}

    @property
    def ok(self) -> bool:
        return self.status == 200 and isinstance(self.body.get("access_token"), str)

    @property
    def access_token(self) -> str | None:
        return _str(self.body.get("access_token"))

    @property
    def refresh_token(self) -> str | None:
        return _str(self.body.get("refresh_token"))

    @property
    def token_type(self) -> str | None:
        return _str(self.body.get("token_type"))

    @property
    def expires_in(self) -> Any:
        return self.body.get("expires_in")

    @property
    def scope(self) -> str | None:
        return _str(self.body.get("scope"))

    @property
    def scopes(self) -> set[str]:
        return set((self.scope or "").split())

    @property
    def error(self) -> str | None:
        return _str(self.body.get("error"))


def token_request(
    session: Session,
    target: Target,
    params: Mapping[str, str] | Sequence[tuple[str, str]],
    *,
    client: Client | None = None,
    auth: ClientAuth = "body",
    path: str | None = None,
    secret: str | None = None,
) -> TokenResponse:
    """POST a form to the token endpoint, authenticating `client` as asked (RFC 6749 §2.3.1).

    `secret` overrides the client's secret (for wrong-secret probes).
    """
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    basic = None
    if client is not None:
        secret = client.client_secret if secret is None else secret
        if auth in {"body", "both"}:
            pairs += [("client_id", client.client_id), ("client_secret", secret or "")]
        if auth in {"basic", "both"}:
            basic = (client.client_id, secret or "")
        if auth == "none":
            pairs.append(("client_id", client.client_id))
    response = session.request("POST", path or target.token_path, data=pairs, basic=basic)
    return TokenResponse(response)


def client_credentials(
    session: Session, target: Target, client: Client, *, scope: str | None = None, auth: ClientAuth = "body"
) -> TokenResponse:
    """RFC 6749 §4.4.2, as the Spry guide shows it."""
    params = [("grant_type", "client_credentials")]
    if scope is not None:
        params.append(("scope", scope))
    return token_request(session, target, params, client=client, auth=auth)


def exchange_code(
    session: Session,
    target: Target,
    client: Client,
    code: str,
    *,
    redirect_uri: str | None,
    code_verifier: str | None = None,
    auth: ClientAuth = "body",
) -> TokenResponse:
    """RFC 6749 §4.1.3 (and RFC 7636 §4.5 when a verifier is given)."""
    params = [("grant_type", "authorization_code"), ("code", code)]
    if redirect_uri is not None:
        params.append(("redirect_uri", redirect_uri))
    if code_verifier is not None:
        params.append(("code_verifier", code_verifier))
    return token_request(session, target, params, client=client, auth=auth)


def refresh(
    session: Session,
    target: Target,
    client: Client,
    refresh_token: str,
    *,
    scope: str | None = None,
    path: str | None = None,
    auth: ClientAuth = "body",
) -> TokenResponse:
    """RFC 6749 §6, sent to the documented refresh path (`/apis/v1/oauth/token`) unless told otherwise."""
    params = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)]
    if scope is not None:
        params.append(("scope", scope))
    return token_request(session, target, params, client=client, auth=auth, path=path or target.refresh_path)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
