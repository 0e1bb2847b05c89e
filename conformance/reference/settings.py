"""How one reference server is configured (all keyword, all optional)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

LOGINS = ("form", "spa")
"""The login pages the server can serve: an HTML form, or a single-page app built by a script."""

SECRET_KEYS = frozenset({"primary", "secondary", "read_only", "user"})
"""Keys ``ServerSettings.secrets`` may fix: the three clients' secrets and the user's password."""


@dataclass(frozen=True)
class TlsFiles:
    """A PEM certificate chain and its private key (``keyfile`` None when ``certfile`` holds both)."""

    certfile: str
    keyfile: str | None = None


@dataclass(frozen=True, kw_only=True)
class ServerSettings:
    """Settings of a :class:`~conformance.reference.server.ReferenceServer`.

    ``faults`` are names from :data:`~conformance.reference.faults.FAULTS` (validated by the server);
    lifetimes are seconds of the server clock; ``latency`` delays every response (seconds);
    ``secrets`` may fix ``primary``/``secondary``/``read_only`` client secrets and the ``user``
    password, which are otherwise generated with ``secrets.token_urlsafe(32)``. ``tls`` serves HTTPS
    with that certificate (plain HTTP on the same port is refused unless the ``plain-http-served`` fault).
    """

    faults: frozenset[str] = field(default_factory=frozenset)
    variants: frozenset[str] = field(default_factory=frozenset)  # conformance.reference.variants
    access_token_lifetime: int = 3600
    code_lifetime: int = 60
    latency: float = 0.0
    host: str = "127.0.0.1"
    port: int = 0
    secrets: Mapping[str, str] | None = None
    tls: TlsFiles | None = None
    #: synthetic patient records seeded for each organisation (made up per server: names, birth dates and
    #: record numbers no real person has), so a test can prove that none of them reaches a report
    patients: int = 3
    login: str = "form"  # "spa": the login and consent pages are built by a script (reference/spa.py)

    def __post_init__(self) -> None:
        if not isinstance(self.faults, frozenset):
            if isinstance(self.faults, str):
                raise TypeError("faults must be a collection of fault names, not a string")
            object.__setattr__(self, "faults", frozenset(self.faults))
        if not isinstance(self.variants, frozenset):
            if isinstance(self.variants, str):
                raise TypeError("variants must be a collection of variant names, not a string")
            object.__setattr__(self, "variants", frozenset(self.variants))
        if self.access_token_lifetime <= 0 or self.code_lifetime <= 0:
            raise ValueError("lifetimes must be positive")
        if not 0 <= self.patients <= 1000:
            raise ValueError("patients must be in 0..1000")
        if self.latency < 0:
            raise ValueError("latency must not be negative")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be in 0..65535")
        if self.secrets is not None:
            unknown = set(self.secrets) - SECRET_KEYS
            if unknown:
                raise ValueError(f"unknown secrets keys {sorted(unknown)}; allowed: {sorted(SECRET_KEYS)}")
            if any(not isinstance(value, str) or not value for value in self.secrets.values()):
                raise ValueError("secrets must be non-empty strings")
        if self.login not in LOGINS:
            raise ValueError(f"login must be one of {', '.join(LOGINS)}, not {self.login!r}")
        if self.tls is not None and not isinstance(self.tls, TlsFiles):
            raise TypeError("tls must be a TlsFiles(certfile, keyfile) value")
