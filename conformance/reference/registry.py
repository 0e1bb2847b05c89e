"""The demo data: registered clients, the resource owner and the Spry identities behind them.

Client ids, scopes, grants and redirect URIs match ``spry-target.example.toml``. Each client acts,
in the client_credentials grant (RFC 6749 §4.4), as its own service account; the authorization code
grant (§4.1) acts for the user.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

KNOWN_SCOPES = ("read", "write")
"""The scopes the Spry API defines, in canonical order."""


@dataclass(frozen=True)
class Identity:
    """Who a token speaks for: the JWT ``sub`` and the Spry fields of the token response."""

    subject: str
    organisation_id: int
    user_id: int
    roles: tuple[str, ...]
    clinic_id_list: tuple[int, ...]
    name: str


@dataclass(frozen=True)
class Client:
    """A confidential client registered with the server (RFC 6749 §2)."""

    role: str
    client_id: str
    client_secret: str
    scopes: frozenset[str]
    grants: tuple[str, ...]
    redirect_uri: str | None
    service_account: Identity


@dataclass(frozen=True)
class User:
    """The resource owner who logs in during the authorization code flow."""

    username: str
    password: str
    identity: Identity


@dataclass(frozen=True)
class Registry:
    """All clients (by client_id) and the one user."""

    clients: Mapping[str, Client]
    user: User

    def client(self, client_id: str) -> Client | None:
        """The client registered under ``client_id``, if any."""
        return self.clients.get(client_id)

    def by_role(self, role: str) -> Client:
        """The client playing ``role`` (primary, secondary or read_only)."""
        return next(client for client in self.clients.values() if client.role == role)

    def credentials(self) -> dict[str, object]:
        """The demo credentials, shaped like the suite's target configuration."""
        clients = {
            client.role: {
                "client_id": client.client_id,
                "client_secret": client.client_secret,
                "scopes": " ".join(scope for scope in KNOWN_SCOPES if scope in client.scopes),
                "grants": list(client.grants),
                "redirect_uri": client.redirect_uri,
            }
            for client in self.clients.values()
        }
        return {"clients": clients, "user": {"username": self.user.username, "password": self.user.password}}


_ALL_GRANTS = ("client_credentials", "authorization_code", "refresh_token")


def demo_registry(fixed: Mapping[str, str] | None = None) -> Registry:
    """Build the demo clients and user; secrets not in ``fixed`` are ``secrets.token_urlsafe(32)``."""
    fixed = fixed or {}

    def secret(key: str) -> str:
        return fixed.get(key) or secrets.token_urlsafe(32)

    clients = (
        Client(
            "primary",
            "conformance-primary",
            secret("primary"),
            frozenset(KNOWN_SCOPES),
            _ALL_GRANTS,
            "https://client.example.org/callback",
            Identity("conformance-primary", 74, 276, ("ADMIN", "DOCTOR"), (44, 58), "Sam Matthew"),
        ),
        Client(
            "secondary",
            "conformance-secondary",
            secret("secondary"),
            frozenset(KNOWN_SCOPES),
            _ALL_GRANTS,
            "https://client.example.org/other-callback",
            Identity("conformance-secondary", 75, 281, ("ADMIN",), (61,), "Priya Raman"),
        ),
        Client(
            "read_only",
            "conformance-reader",
            secret("read_only"),
            frozenset({"read"}),
            ("client_credentials",),
            None,
            Identity("conformance-reader", 74, 290, ("RECEPTIONIST",), (44,), "Alex Reader"),
        ),
    )
    user = User(
        "conformance.user@example.org",
        secret("user"),
        Identity("1001", 74, 1001, ("DOCTOR",), (44, 58), "Jordan Lee"),
    )
    return Registry({client.client_id: client for client in clients}, user)
