"""The keys the target file may hold, their types and defaults, and the checks of their values: a wrong key
or value is named in one line, with the closest known key when there is one."""

from __future__ import annotations

import difflib
import math
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.config.model import Client, Endpoint, EvidenceSettings, Target
from conformance.errors import ConfigError

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


CLIENT_DEFAULTS: dict[str, dict[str, Any]] = {
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


def evidence_of(section: Mapping[str, Any]) -> EvidenceSettings:
    redact = section.get("redact", [])
    if not all(isinstance(item, str) and item.strip() for item in redact):
        raise ConfigError('evidence.redact: a list of field names or JSON paths ("ssn", "data[].identifier")')
    return EvidenceSettings(redact=tuple(redact), signing_key_file=section.get("signing_key_file"))


def check_keys(data: Mapping[str, Any]) -> None:
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


def client_of(name: str, spec: Mapping[str, Any], env: Mapping[str, str]) -> Client:
    grants = tuple(spec.get("grants", ()))
    for grant in grants:
        if not isinstance(grant, str):
            raise ConfigError(f"clients.{name}.grants must list grant names (strings), not {grant!r}")
        if grant not in _GRANTS:
            raise ConfigError(f"clients.{name}.grants: unknown grant {grant!r}{suggest(grant, _GRANTS)}")
    redirect = spec.get("redirect_uri")
    if redirect:
        check_url(redirect, f"clients.{name}.redirect_uri")
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


def origins_of(values: list[Any]) -> tuple[str, ...]:
    """`user.login.allowed_origins`: each an origin (scheme, host and port; RFC 6454), nothing more."""
    key = "user.login.allowed_origins"
    origins = []
    for value in values:
        if not isinstance(value, str):
            raise ConfigError(
                f"{key} must list origins as strings such as 'https://login.example.org', not {value!r}"
            )
        check_url(value, key)
        parts = urlsplit(value)
        if parts.path not in {"", "/"} or parts.query or parts.fragment:
            raise ConfigError(f"{key}: {value!r} is not an origin (scheme://host[:port], no path)")
        origins.append(value.rstrip("/"))
    return tuple(origins)


def path_of(section: Mapping[str, Any], key: str, default: str) -> str:
    value = section.get(key, default)
    if not isinstance(value, str) or not value.startswith("/") or any(c in value for c in "?#") or not value.isprintable():
        raise ConfigError(f"target.{key} must start with '/', not {value!r}")
    return value


def endpoint_of(value: str, key: str) -> Endpoint:
    method, _, path = value.strip().partition(" ")
    if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"} or not path.strip().startswith("/"):
        raise ConfigError(f"{key} must look like 'GET /v2/patients', not {value!r}")
    return Endpoint(method.upper(), path.strip())


def _shown(url: str) -> str:
    """A URL for an error message: any user:password@ left out, so a mistake never prints a secret."""
    return repr(
        url.split("://", 1)[0] + "://" + url.split("://", 1)[1].rpartition("@")[2] if "://" in url else url
    )


def check_url(url: str, key: str) -> None:
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


def check_values(target: Target) -> None:
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
    check_client_certificate(target)


def check_client_certificate(target: Target) -> None:
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
