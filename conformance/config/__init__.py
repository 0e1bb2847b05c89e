"""The target configuration: the contract's TOML file, the environment and the flags, as one `Target`.

Shape: `conformance/contract/spry-target.example.toml` (the contract's example, shipped in the package). Every key may be omitted; secrets are
never read from the file, only from the environment variables its `*_env` keys name.
A wrong key is reported by name, with the closest known key when there is one.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from conformance.config.model import (
    CLIENT_NAMES,
    DEFAULT_BASE_URL,
    Client,
    Endpoint,
    EvidenceSettings,
    Login,
    ResourceSettings,
    Target,
    TokenSettings,
    User,
)
from conformance.config.schema import (
    CLIENT_DEFAULTS,
    check_keys,
    check_url,
    check_values,
    client_of,
    endpoint_of,
    evidence_of,
    origins_of,
    path_of,
    suggest,
)
from conformance.errors import ConfigError

__all__ = [
    "CLIENT_NAMES",
    "DEFAULT_BASE_URL",
    "Client",
    "Endpoint",
    "EvidenceSettings",
    "Login",
    "ResourceSettings",
    "Target",
    "TokenSettings",
    "User",
    "embedded_target",
    "load_target",
    "read_toml",
    "suggest",
    "with_overrides",
]


def load_target(
    config_file: str | os.PathLike[str] | None = None,
    *,
    base_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Target:
    """Read the file (if any), then the environment, then the flags into one validated `Target`."""
    env = os.environ if env is None else env
    data = _read_file(config_file) if config_file else {}
    check_keys(data)
    where = str(config_file) if config_file else "the configuration"

    section = data.get("target", {})
    url = base_url or env.get("SPRY_BASE_URL") or section.get("base_url") or DEFAULT_BASE_URL
    check_url(url, "target.base_url" if not base_url else "--target")
    if section.get("jwks_uri"):
        check_url(section["jwks_uri"], "target.jwks_uri")
    if section.get("proxy"):
        check_url(section["proxy"], "target.proxy")

    clients = {}
    for name in CLIENT_NAMES:
        spec = {**CLIENT_DEFAULTS[name], **data.get("clients", {}).get(name, {})}
        if name == "primary" and env.get("SPRY_CLIENT_ID"):
            spec["client_id"] = env["SPRY_CLIENT_ID"]
        clients[name] = client_of(name, spec, env)
    for name in data.get("clients", {}):
        if name not in CLIENT_NAMES:
            raise ConfigError(f"{where}: unknown client [clients.{name}]{suggest(name, CLIENT_NAMES)}")

    user_section = data.get("user", {})
    login_section = dict(user_section.get("login", {}))
    login_section["allowed_origins"] = origins_of(login_section.get("allowed_origins", []))
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
        token_path=path_of(section, "token_path", "/apis/v2/oauth/token"),
        refresh_path=path_of(section, "refresh_path", "/apis/v1/oauth/token"),
        authorize_path=path_of(section, "authorize_path", "/apis/v2/oauth/authorize"),
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
            read=endpoint_of(resource.get("read", "GET /v2/patients"), "resource.read"),
            write=endpoint_of(write, "resource.write") if write else None,
            write_probe_body=resource.get("write_probe_body", "{}"),
        ),
        clients=clients,
        user=user,
        evidence=evidence_of(data.get("evidence", {})),
    )
    check_values(target)
    return target


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
