"""`spry-conformance init`: a commented `spry-target.toml` to start from, and `./spry-target.toml` found by `run`.

The file is the shipped example (`conformance/contract/spry-target.example.toml`) with what can be
learnt about the target without any secret filled in:

- RFC 8414 §3 authorization server metadata (`/.well-known/oauth-authorization-server`), where it is
  published: the token and authorization endpoints on the target's origin, and `jwks_uri`;
- which documented paths answer (a request without credentials: any answer but 404/405 means a route);
- what the login page is: an HTML form with a password input (`method = "form"`, its field names), or
  a page a script builds (`method = "browser"`).

Every request goes through `conformance.http` (rate cap, timeouts, TLS verified, proxy, no credentials).
No secret is ever written: a secret's place in the file is the name of the environment variable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from conformance.errors import ConfigError, TargetError
from conformance.evidence import Recorder
from conformance.http import Network, Response, Session
from conformance.login.pages import parse_page
from conformance.masking import Masker, shown
from conformance.urls import same_origin

FILE_NAME = "spry-target.toml"
METADATA_PATH = "/.well-known/oauth-authorization-server"  # RFC 8414 §3
#: The paths the Spry guide documents, as the example file names them.
DOCUMENTED = {"token_path": "/apis/v2/oauth/token", "refresh_path": "/apis/v1/oauth/token",
              "authorize_path": "/apis/v2/oauth/authorize"}  # fmt: skip
_MAX_HOPS = 5


@dataclass
class Discovery:
    """What `init --target` learnt about the server, none of it secret."""

    base_url: str
    paths: dict[str, str] = field(default_factory=lambda: dict(DOCUMENTED))
    jwks_uri: str | None = None
    login: dict[str, str] = field(default_factory=dict)  # method, username_field, password_field
    notes: list[str] = field(default_factory=list)  # one line each, for the file's header and the terminal


def example_text() -> str:
    """The shipped example target file."""
    return (files("conformance") / "contract" / "spry-target.example.toml").read_text(encoding="utf-8")


def write_starter(output: Path, text: str, *, force: bool) -> None:
    """Write the file, never over an existing one unless `force`."""
    if output.exists() and not force:
        raise ConfigError(f"{output} already exists (--force replaces it)")
    if output.is_dir():
        raise ConfigError(f"{output} is a folder, not a file")
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{output} cannot be written: {error.strerror or error}") from None


def render(found: Discovery | None) -> str:
    """The example file, with the discovered values in place of the defaults and a header saying what was learnt."""
    text = example_text()
    if found is None:
        return text
    text = _set(text, "base_url", found.base_url)
    for key, path in found.paths.items():
        text = _set(text, key, path)
    if found.jwks_uri:
        text = text.replace("verify_tls = true\n", f'verify_tls = true\njwks_uri = "{found.jwks_uri}"\n', 1)
    for key, value in found.login.items():
        text = _set(text, key, value)
    header = [
        f"# Written by `spry-conformance init --target {found.base_url}`: what the server showed without secrets:"
    ]
    header += [f"#   - {note}" for note in found.notes]
    header += ["# Set the secrets in the environment (SPRY_CLIENT_SECRET, SPRY_USER_PASSWORD, ...), then:",
               "#   spry-conformance run", ""]  # fmt: skip
    return "\n".join(header) + "\n" + text


def discover(base_url: str, *, timeout: float = 10.0) -> Discovery:
    """Probe the target without credentials: metadata, the documented paths, the login page."""
    session = Session(base_url=base_url.rstrip("/"), masker=Masker(), recorder=Recorder(), timeout=timeout,
                      max_rps=5, max_requests=20, max_retry_wait=0, network=Network())  # fmt: skip
    found = Discovery(base_url=base_url.rstrip("/"))
    try:
        _metadata(session, found)
        for key in ("token_path", "refresh_path"):
            grant = "refresh_token" if key == "refresh_path" else "client_credentials"
            _answers(found, key, _probe(session, "POST", found.paths[key], data={"grant_type": grant}))
        _login_page(session, found)
    finally:
        session.close()
    return found


def _metadata(session: Session, found: Discovery) -> None:
    response = _probe(session, "GET", METADATA_PATH)
    document = _json(response) if response and response.status == 200 else None
    if document is None:
        found.notes.append(f"no RFC 8414 metadata at {METADATA_PATH}: the documented paths are kept")
        return
    found.notes.append(f"RFC 8414 metadata at {METADATA_PATH}")
    for key, name in (("token_path", "token_endpoint"), ("authorize_path", "authorization_endpoint")):
        value = document.get(name)
        if isinstance(value, str) and same_origin(value, session.base_url) and urlsplit(value).path:
            found.paths[key] = urlsplit(value).path
            if key == "token_path" and found.paths["refresh_path"] == DOCUMENTED["refresh_path"]:
                found.notes.append(
                    "refresh_path: the documented v1 path is kept (the metadata names one token endpoint)"
                )
        elif isinstance(value, str):
            found.notes.append(f"{name} {shown(value)} is on another origin: the documented path is kept")
    jwks = document.get("jwks_uri")
    if isinstance(jwks, str) and jwks.startswith(("https://", "http://")):
        found.jwks_uri = jwks


def _login_page(session: Session, found: Discovery) -> None:
    """Follow the authorization request's redirects to the page a user would see, and read it."""
    query = urlencode({"response_type": "code", "client_id": "conformance-primary", "state": "spry-init",
                       "redirect_uri": "https://client.example.org/callback", "scope": "read"})  # fmt: skip
    url = session.url(found.paths["authorize_path"]) + "?" + query
    response = _probe(session, "GET", url)
    _answers(found, "authorize_path", response)
    for _ in range(_MAX_HOPS):
        if response is None or response.status not in (301, 302, 303, 307, 308):
            break
        location = response.headers.get("location", "")
        if not location or urlsplit(urljoin(url, location)).scheme not in ("http", "https"):
            break
        url = urljoin(url, location)
        response = _probe(session, "GET", url)
    if response is None or "html" not in response.headers.get("content-type", ""):
        found.notes.append("login page not reached (set clients.primary first, then check [user.login])")
        return
    html = response.content.decode("utf-8", "replace")
    page = parse_page(html, url)
    form = next((f for f in page.forms if f.has_password_input), None)
    if form is not None:
        password = next(f.name for f in form.fields if f.type == "password")
        user = next((f.name for f in form.fields if f.type in ("text", "email", "") and f.name), "username")
        found.login = {"method": "form", "username_field": user, "password_field": password}
        found.notes.append(
            f'the login page is an HTML form (fields {user!r} and {password!r}): method = "form"'
        )
    elif re.search(r"<script\b", html, re.I):
        found.login = {"method": "browser"}
        found.notes.append('the login page is built by a script (no form in the HTML): method = "browser"')
    else:
        found.notes.append("the login page shows no password form: check [user.login]")


def _probe(session: Session, method: str, url: str, **options: object) -> Response | None:
    try:
        return session.request(method, url, wait_when_throttled=False, **options)  # type: ignore[arg-type]
    except TargetError:
        return None


def _answers(found: Discovery, key: str, response: Response | None) -> None:
    path = found.paths[key]
    if response is None:
        found.notes.append(f"{key} {path}: no answer (timeout or connection refused)")
    elif response.status in (404, 405):
        found.notes.append(f"{key} {path}: answers {response.status}, probably not this server's route")
    else:
        found.notes.append(f"{key} {path}: answers ({response.status} without credentials)")


def _json(response: Response) -> dict[str, object] | None:
    try:
        document = json.loads(response.content)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _set(text: str, key: str, value: str) -> str:
    """Set `key = "..."` on its first line in the example, keeping the comment beside it."""
    pattern = re.compile(rf'^(#\s*)?{key} = "[^"\n]*"', re.M)
    return pattern.sub(lambda _: f"{key} = {json.dumps(value)}", text, count=1)


def working_directory_config() -> str | None:
    """`./spry-target.toml` when it exists: what `run` uses when `--config` is not given."""
    return FILE_NAME if Path(FILE_NAME).is_file() else None


__all__ = ["Discovery", "discover", "render", "working_directory_config", "write_starter"]
