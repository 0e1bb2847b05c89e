"""What a target is, as the rest of the suite reads it: frozen dataclasses, secrets hidden from their reprs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

DEFAULT_BASE_URL = "https://provider.staging.spryhealth.care"


CLIENT_NAMES = ("primary", "secondary", "read_only")


@dataclass(frozen=True)
class Client:
    name: str
    client_id: str
    client_secret: str | None = field(repr=False)  # never in a repr (`--showlocals`, a traceback)
    scopes: tuple[str, ...]
    grants: tuple[str, ...]
    redirect_uri: str | None
    secret_env: str | None = None

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    def can(self, grant: str) -> bool:
        return grant in self.grants


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Login:
    method: str = "form"
    username_field: str = "username"
    password_field: str = "password"
    command: str | None = None
    #: method = "browser": the Chromium or Chrome to drive (found on PATH when None), and selectors that
    #: override how the login and consent controls are found (conformance/login/browser.py).
    browser: str | None = None
    username_selector: str | None = None
    password_selector: str | None = None
    consent_approve: str | None = None
    consent_deny: str | None = None
    #: Origins besides the target's that may receive the user's password (a login host of the deployment).
    #: The client secret, codes and tokens go to the target's origin only, whatever this says.
    allowed_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class User:
    username: str | None
    password: str | None = field(repr=False)  # never in a repr
    login: Login = field(default_factory=Login)
    password_env: str | None = None


@dataclass(frozen=True)
class TokenSettings:
    expected_lifetime: int = 3600
    max_expiry_wait: int = 90
    clock_skew: int = 5
    code_lifetime: int = (
        600  # the documented authorization-code lifetime (RFC 6749 §4.1.2: at most 10 minutes)
    )


@dataclass(frozen=True)
class ResourceSettings:
    read: Endpoint = Endpoint("GET", "/v2/patients")
    write: Endpoint | None = Endpoint("POST", "/v2/patients")
    write_probe_body: str = "{}"


@dataclass(frozen=True)
class EvidenceSettings:
    """`[evidence]`: what the reports keep and who signs them (conformance/evidence.py, conformance/bundle/)."""

    #: field names (`ssn`, at any depth) or JSON paths (`data[].identifier`) dropped from every kept body
    redact: tuple[str, ...] = ()
    #: an Ed25519 private key (PEM) that signs evidence.zip; SPRY_SIGNING_KEY overrides it
    signing_key_file: str | None = None


@dataclass(frozen=True)
class Target:
    """Everything the suite knows about the server under test. Immutable."""

    base_url: str
    token_path: str = "/apis/v2/oauth/token"
    refresh_path: str = "/apis/v1/oauth/token"
    authorize_path: str = "/apis/v2/oauth/authorize"
    verify_tls: bool = True
    ca_bundle: str | None = None
    proxy: str | None = None  # every request through this proxy (None: HTTPS_PROXY / HTTP_PROXY / NO_PROXY)
    client_cert: str | None = None  # PEM certificate (and key, unless client_key) for mutual TLS
    client_key: str | None = None
    jwks_uri: str | None = (
        None  # the key set of RS/ES/PS-signed tokens (else from the metadata, else well-known)
    )
    timeout: float = 10.0
    max_rps: float = 0.0
    max_retry_wait: float = (
        60.0  # a 429 with Retry-After up to this many seconds is waited for, then sent again
    )
    token: TokenSettings = field(default_factory=TokenSettings)
    resource: ResourceSettings = field(default_factory=ResourceSettings)
    clients: Mapping[str, Client] = field(default_factory=dict)
    user: User = field(default_factory=lambda: User(None, None))
    embedded: bool = False
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def client(self, name: str) -> Client | None:
        """The named client when it is configured with a secret, else None."""
        client = self.clients.get(name)
        return client if client and client.client_secret else None

    @property
    def is_loopback(self) -> bool:
        host = urlsplit(self.base_url).hostname or ""
        return host in {"localhost", "::1"} or host.startswith("127.")

    def secrets(self) -> list[str]:
        values = [c.client_secret for c in self.clients.values() if c.client_secret]
        if self.user.password:
            values.append(self.user.password)
        return values

    def fingerprint(self) -> dict[str, Any]:
        """The configuration without its secrets (for the run manifest)."""
        return {
            "base_url": self.base_url,
            "paths": [self.token_path, self.refresh_path, self.authorize_path],
            "verify_tls": self.verify_tls,
            "proxy": self.proxy,
            "client_cert": bool(self.client_cert),
            "timeout": self.timeout,
            "max_rps": self.max_rps,
            "max_retry_wait": self.max_retry_wait,
            "token": vars(self.token),
            "resource": [str(self.resource.read), str(self.resource.write), self.resource.write_probe_body],
            "clients": {
                n: [c.client_id, c.scope, list(c.grants), c.redirect_uri, bool(c.client_secret)]
                for n, c in sorted(self.clients.items())
            },
            "user": [self.user.username, bool(self.user.password), vars(self.user.login)],
            **({"evidence": {"redact": list(self.evidence.redact)}} if self.evidence.redact else {}),
        }
