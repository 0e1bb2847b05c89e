"""The target configuration: the contract's TOML file, the environment and the flags, as one `Target`.

Shape: `conformance/contract/spry-target.example.toml` (the contract's example, shipped in the package). Every key may be omitted; secrets are
never read from the file, only from the environment variables its `*_env` keys name.
A wrong key is reported by name, with the closest known key when there is one.
"""

from __future__ import annotations

import difflib
import math
import os
import ssl
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.errors import ConfigError

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


# The file's schema: section -> key -> expected type(s).
_SCHEMA: dict[str, dict[str, tuple[type, ...]]] = {
    "target": {
        "base_url": (str,),
        "token_path": (str,),
        "refresh_path": (str,),
        "authorize_path": (str,),
        "verify_tls": (bool,),
        "ca_bundle": (str,),
        "proxy": (str,),
        "client_cert": (str,),
        "client_key": (str,),
        "jwks_uri": (str,),
        "timeout": (int, float),
        "max_rps": (int, float),
        "max_retry_wait": (int, float),
    },
    "token": {
        "expected_lifetime": (int,),
        "max_expiry_wait": (int,),
        "clock_skew": (int,),
        "code_lifetime": (int,),
    },
    "resource": {"read": (str,), "write": (str,), "write_probe_body": (str,)},
    "client": {
        "client_id": (str,),
        "client_secret_env": (str,),
        "scopes": (str,),
        "grants": (list,),
        "redirect_uri": (str,),
    },
    "user": {"username": (str,), "password_env": (str,), "login": (dict,)},
    "evidence": {"redact": (list,), "signing_key_file": (str,)},
    "login": {
        "method": (str,),
        "username_field": (str,),
        "password_field": (str,),
        "command": (str,),
        "browser": (str,),
        "username_selector": (str,),
        "password_selector": (str,),
        "consent_approve": (str,),
        "consent_deny": (str,),
        "allowed_origins": (list,),
    },  # fmt: skip
}

_CLIENT_DEFAULTS: dict[str, dict[str, Any]] = {
    "primary": {
        "client_id": "conformance-primary",
        "client_secret_env": "SPRY_CLIENT_SECRET",
        "scopes": "read write",
        "grants": ["client_credentials", "authorization_code", "refresh_token"],
        "redirect_uri": "https://client.example.org/callback",
    },
    "secondary": {
        "client_id": "conformance-secondary",
        "client_secret_env": "SPRY_SECONDARY_CLIENT_SECRET",
        "scopes": "read write",
        "grants": ["client_credentials", "authorization_code", "refresh_token"],
        "redirect_uri": "https://client.example.org/other-callback",
    },
    "read_only": {
        "client_id": "conformance-reader",
        "client_secret_env": "SPRY_READER_CLIENT_SECRET",
        "scopes": "read",
        "grants": ["client_credentials"],
    },
}
_GRANTS = {"client_credentials", "authorization_code", "refresh_token"}
_SECRET_KEYS = {"client_secret", "password", "secret"}


def load_target(
    config_file: str | os.PathLike[str] | None = None,
    *,
    base_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Target:
    """Read the file (if any), then the environment, then the flags into one validated `Target`."""
    env = os.environ if env is None else env
    data = _read_file(config_file) if config_file else {}
    _check_keys(data)
    where = str(config_file) if config_file else "the configuration"

    section = data.get("target", {})
    url = base_url or env.get("SPRY_BASE_URL") or section.get("base_url") or DEFAULT_BASE_URL
    _check_url(url, "target.base_url" if not base_url else "--target")
    if section.get("jwks_uri"):
        _check_url(section["jwks_uri"], "target.jwks_uri")
    if section.get("proxy"):
        _check_url(section["proxy"], "target.proxy")

    clients = {}
    for name in CLIENT_NAMES:
        spec = {**_CLIENT_DEFAULTS[name], **data.get("clients", {}).get(name, {})}
        if name == "primary" and env.get("SPRY_CLIENT_ID"):
            spec["client_id"] = env["SPRY_CLIENT_ID"]
        clients[name] = _client(name, spec, env)
    for name in data.get("clients", {}):
        if name not in CLIENT_NAMES:
            raise ConfigError(f"{where}: unknown client [clients.{name}]{suggest(name, CLIENT_NAMES)}")

    user_section = data.get("user", {})
    login_section = dict(user_section.get("login", {}))
    login_section["allowed_origins"] = _origins(login_section.get("allowed_origins", []))
    login = Login(**{**vars(Login()), **login_section})
    if login.method not in {"form", "command", "browser"}:
        raise ConfigError(f"user.login.method must be 'form', 'command' or 'browser', not {login.method!r}")
    if login.method == "command" and not login.command:
        raise ConfigError("user.login.command is required when user.login.method = 'command'")
    password_env = user_section.get("password_env", "SPRY_USER_PASSWORD")
    user = User(
        username=user_section.get("username", "conformance.user@example.org"),
        password=env.get(password_env) or None,
        login=login,
        password_env=password_env,
    )

    resource = data.get("resource", {})
    write = resource.get("write", "POST /v2/patients")
    target = Target(
        base_url=url.rstrip("/"),
        token_path=_path(section, "token_path", "/apis/v2/oauth/token"),
        refresh_path=_path(section, "refresh_path", "/apis/v1/oauth/token"),
        authorize_path=_path(section, "authorize_path", "/apis/v2/oauth/authorize"),
        verify_tls=section.get("verify_tls", True),
        ca_bundle=section.get("ca_bundle"),
        proxy=section.get("proxy"),
        client_cert=section.get("client_cert"),
        client_key=section.get("client_key"),
        jwks_uri=section.get("jwks_uri"),
        timeout=float(section.get("timeout", 10.0)),
        max_rps=float(section.get("max_rps", 0)),
        max_retry_wait=float(section.get("max_retry_wait", 60)),
        token=TokenSettings(**data.get("token", {})),
        resource=ResourceSettings(
            read=_endpoint(resource.get("read", "GET /v2/patients"), "resource.read"),
            write=_endpoint(write, "resource.write") if write else None,
            write_probe_body=resource.get("write_probe_body", "{}"),
        ),
        clients=clients,
        user=user,
        evidence=_evidence(data.get("evidence", {})),
    )
    _check_values(target)
    return target


def _evidence(section: Mapping[str, Any]) -> EvidenceSettings:
    redact = section.get("redact", [])
    if not all(isinstance(item, str) and item.strip() for item in redact):
        raise ConfigError('evidence.redact: a list of field names or JSON paths ("ssn", "data[].identifier")')
    return EvidenceSettings(redact=tuple(redact), signing_key_file=section.get("signing_key_file"))


def embedded_target(
    base_url: str, credentials: Mapping[str, Any], *, lifetime: int = 3600, login_method: str = "form"
) -> Target:
    """The Target for the embedded reference server, from the credentials it generated."""
    clients = {}
    for name, spec in credentials["clients"].items():
        clients[name] = Client(
            name=name,
            client_id=spec["client_id"],
            client_secret=spec["client_secret"],
            scopes=tuple(spec["scopes"].split()),
            grants=tuple(spec["grants"]),
            redirect_uri=spec.get("redirect_uri"),
        )
    user = User(credentials["user"]["username"], credentials["user"]["password"], Login(method=login_method))
    return Target(
        base_url=base_url,
        clients=clients,
        user=user,
        token=TokenSettings(expected_lifetime=lifetime),
        embedded=True,
    )


def with_overrides(target: Target, **changes: Any) -> Target:
    return replace(target, **changes)


def _read_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    return read_toml(path, "configuration file")


def read_toml(path: str | os.PathLike[str], what: str) -> dict[str, Any]:
    """A TOML file the user names, or a one-line `ConfigError` saying why it cannot be read."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"{what} {path} is a folder, not a file") from None
    except OSError as error:
        raise ConfigError(f"{what} {path} cannot be read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{what} {path} is not UTF-8 text (byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None


def _check_keys(data: Mapping[str, Any]) -> None:
    sections = {"target", "token", "resource", "clients", "user", "evidence"}
    for name, value in data.items():
        if name not in sections:
            raise ConfigError(f"unknown section [{name}]{suggest(name, sections)}")
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] must be a table")
        if name == "clients":
            for client, spec in value.items():
                if not isinstance(spec, dict):
                    raise ConfigError(f"[clients.{client}] must be a table")
                _check_section(spec, "client", f"clients.{client}")
        elif name == "user":
            _check_section(value, "user", "user")
            if "login" in value:
                _check_section(value["login"], "login", "user.login")
        else:
            _check_section(value, name, name)


def _check_section(values: Mapping[str, Any], schema: str, prefix: str) -> None:
    known = _SCHEMA[schema]
    for key, value in values.items():
        if key in _SECRET_KEYS:
            raise ConfigError(
                f"{prefix}.{key}: secrets are never read from the file; "
                f"name an environment variable with {prefix}.{key.replace('client_', '')}_env"
                if key != "client_secret"
                else f"{prefix}.client_secret: secrets are never read from the file; use client_secret_env"
            )
        if key not in known:
            raise ConfigError(f"unknown key '{prefix}.{key}'{suggest(key, known)}")
        if not isinstance(value, known[key]) or (isinstance(value, bool) and bool not in known[key]):
            expected = " or ".join(t.__name__ for t in known[key])
            raise ConfigError(f"{prefix}.{key} must be {expected}, not {type(value).__name__}")


def _client(name: str, spec: Mapping[str, Any], env: Mapping[str, str]) -> Client:
    grants = tuple(spec.get("grants", ()))
    for grant in grants:
        if not isinstance(grant, str):
            raise ConfigError(f"clients.{name}.grants must list grant names (strings), not {grant!r}")
        if grant not in _GRANTS:
            raise ConfigError(f"clients.{name}.grants: unknown grant {grant!r}{suggest(grant, _GRANTS)}")
    redirect = spec.get("redirect_uri")
    if redirect:
        _check_url(redirect, f"clients.{name}.redirect_uri")
    secret_env = spec.get("client_secret_env")
    return Client(
        name=name,
        client_id=spec["client_id"],
        client_secret=env.get(secret_env) if secret_env else None,
        scopes=tuple(spec.get("scopes", "").split()),
        grants=grants,
        redirect_uri=redirect,
        secret_env=secret_env,
    )


def _origins(values: list[Any]) -> tuple[str, ...]:
    """`user.login.allowed_origins`: each an origin (scheme, host and port; RFC 6454), nothing more."""
    key = "user.login.allowed_origins"
    origins = []
    for value in values:
        if not isinstance(value, str):
            raise ConfigError(
                f"{key} must list origins as strings such as 'https://login.example.org', not {value!r}"
            )
        _check_url(value, key)
        parts = urlsplit(value)
        if parts.path not in {"", "/"} or parts.query or parts.fragment:
            raise ConfigError(f"{key}: {value!r} is not an origin (scheme://host[:port], no path)")
        origins.append(value.rstrip("/"))
    return tuple(origins)


def _path(section: Mapping[str, Any], key: str, default: str) -> str:
    value = section.get(key, default)
    if not value.startswith("/") or any(c in value for c in "?#") or not value.isprintable():
        raise ConfigError(f"target.{key} must start with '/', not {value!r}")
    return value


def _endpoint(value: str, key: str) -> Endpoint:
    method, _, path = value.strip().partition(" ")
    if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"} or not path.strip().startswith("/"):
        raise ConfigError(f"{key} must look like 'GET /v2/patients', not {value!r}")
    return Endpoint(method.upper(), path.strip())


def _shown(url: str) -> str:
    """A URL for an error message: any user:password@ left out, so a mistake never prints a secret."""
    return repr(
        url.split("://", 1)[0] + "://" + url.split("://", 1)[1].rpartition("@")[2] if "://" in url else url
    )


def _check_url(url: str, key: str) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number in 0-65535
    except ValueError:
        raise ConfigError(
            f"{key} must be an http(s) URL with a port from 1 to 65535, not {_shown(url)}"
        ) from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or port == 0:
        raise ConfigError(f"{key} must be an http(s) URL, not {_shown(url)}")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"{key} must not carry credentials (user:password@host): "
            "give secrets through the environment (SPRY_CLIENT_SECRET, clients.*.client_secret_env)"
        )
    if not url.isprintable() or any(c.isspace() for c in url):
        raise ConfigError(f"{key} must be a URL without spaces or control characters, not {_shown(url)}")


def _check_values(target: Target) -> None:
    """Numbers finite and in range, and a CA bundle that TLS can load."""
    for key, value, accepted in (
        ("target.timeout", target.timeout, "a positive number of seconds"),
        ("target.max_rps", target.max_rps, "0 (no cap) or a positive number of requests per second"),
        ("target.max_retry_wait", target.max_retry_wait, "0 (never wait) or a positive number of seconds"),
    ):
        if not math.isfinite(value) or value < 0 or key == "target.timeout" and value == 0:
            raise ConfigError(f"{key} = {value!r}: must be {accepted}")
    token = target.token
    for key, number, low in (("expected_lifetime", token.expected_lifetime, 1),
                             ("max_expiry_wait", token.max_expiry_wait, 0), ("clock_skew", token.clock_skew, 0),
                             ("code_lifetime", token.code_lifetime, 1)):  # fmt: skip
        if number < low:
            raise ConfigError(
                f"token.{key} = {number!r}: must be {'positive' if low else '0 or more'} (seconds)"
            )
    if target.ca_bundle:
        if not Path(target.ca_bundle).is_file():
            raise ConfigError(f"target.ca_bundle: no such file {target.ca_bundle!r}")
        try:
            ssl.create_default_context(cafile=target.ca_bundle)
        except (ssl.SSLError, ValueError, OSError) as error:
            raise ConfigError(
                f"target.ca_bundle {target.ca_bundle!r} holds no usable PEM certificate ({error})"
            ) from None
    _check_client_certificate(target)


def _check_client_certificate(target: Target) -> None:
    """`client_cert` (and `client_key`) name PEM files that TLS can present; a key needs its certificate."""
    if target.client_key and not target.client_cert:
        raise ConfigError(
            "target.client_key is set without target.client_cert (the certificate it belongs to)"
        )
    if not target.client_cert:
        return
    for key, path in (("client_cert", target.client_cert), ("client_key", target.client_key)):
        if path and not Path(path).is_file():
            raise ConfigError(f"target.{key}: no such file {path!r}")
    try:
        ssl.create_default_context().load_cert_chain(target.client_cert, target.client_key)
    except (ssl.SSLError, ValueError, OSError) as error:
        raise ConfigError(
            f"target.client_cert {target.client_cert!r} and its key cannot be loaded "
            f"(a PEM certificate and an unencrypted PEM key): {error}"
        ) from None


def suggest(word: str, choices: Any) -> str:
    """` (did you mean 'x'?)` for the closest known word, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
