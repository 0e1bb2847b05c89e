"""A small client for driving the reference server over real HTTP in tests."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import ssl
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt

from conformance.reference import ReferenceServer

TOKEN = "/apis/v2/oauth/token"
REFRESH = "/apis/v1/oauth/token"
AUTHORIZE = "/apis/v2/oauth/authorize"
LOGIN = "/apis/v2/oauth/login"
CONSENT = "/apis/v2/oauth/consent"
PATIENTS = "/v2/patients"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
VALID_PATIENT = {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1815-12-10"}


_TLS = ssl.create_default_context()  # one context for every client: building one costs ~30 ms


def new_client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=10, verify=_TLS)


def pkce_pair() -> tuple[str, str]:
    """A fresh (verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query(url: str, *, fragment: bool = False) -> dict[str, str]:
    """The (single) parameters of a redirect URL's query or fragment."""
    parts = urlsplit(url)
    return {name: values[0] for name, values in parse_qs(parts.fragment if fragment else parts.query).items()}


def claims(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified."""
    return jwt.decode(token, options={"verify_signature": False})


def csrf(response: httpx.Response) -> str:
    match = CSRF.search(response.text)
    assert match, response.text
    return match.group(1)


class Spry:
    """Requests against one started ReferenceServer, with its demo credentials."""

    def __init__(self, server: ReferenceServer) -> None:
        self.server = server
        self.base = server.base_url
        creds = server.credentials
        self.clients: dict[str, dict[str, Any]] = creds["clients"]
        self.user: dict[str, str] = creds["user"]
        self.http = new_client(self.base)

    def close(self) -> None:
        self.http.close()

    def client(self, role: str = "primary") -> dict[str, Any]:
        return self.clients[role]

    def browser(self) -> httpx.Client:
        return new_client(self.base)

    # Token endpoint.
    def token(
        self,
        data: Any = None,
        *,
        role: str = "primary",
        auth: str | None = "body",
        path: str = TOKEN,
        **kwargs: Any,
    ) -> httpx.Response:
        client = self.clients[role]
        if isinstance(data, dict) or data is None:
            data = dict(data or {})
            if auth == "body":
                data.setdefault("client_id", client["client_id"])
                data.setdefault("client_secret", client["client_secret"])
        if auth == "basic":
            kwargs["auth"] = (client["client_id"], client["client_secret"])
        if isinstance(data, list):  # raw pairs, repeats allowed
            return self.http.post(path, content=urlencode(data), headers=FORM, **kwargs)
        return self.http.post(path, data=data, **kwargs)

    def cc(
        self, scope: str | None = None, *, role: str = "primary", auth: str | None = "body", **extra: Any
    ) -> httpx.Response:
        data = {"grant_type": "client_credentials", **extra}
        if scope is not None:
            data["scope"] = scope
        return self.token(data, role=role, auth=auth)

    def cc_token(self, scope: str | None = None, role: str = "primary") -> str:
        response = self.cc(scope, role=role)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    # Authorization code flow.
    def authorize_params(self, role: str = "primary", **overrides: str | None) -> dict[str, str]:
        client = self.clients[role]
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": client["redirect_uri"],
            "scope": "read write",
            "state": "xyz-state",
        }
        params.update(overrides)
        return {name: value for name, value in params.items() if value is not None}

    def authorize(
        self, role: str = "primary", *, browser: httpx.Client | None = None, **overrides: str | None
    ) -> httpx.Response:
        return (browser or self.http).get(AUTHORIZE, params=self.authorize_params(role, **overrides))

    def consent_response(
        self, role: str = "primary", *, decision: str = "approve", **overrides: str | None
    ) -> httpx.Response:
        """Authorize, log in and answer the consent form; the final (unfollowed) response."""
        with self.browser() as browser:
            page = self.authorize(role, browser=browser, **overrides)
            assert page.status_code == 200, (page.status_code, page.headers.get("location"), page.text)
            login = browser.post(
                LOGIN,
                data={
                    "csrf_token": csrf(page),
                    "username": self.user["username"],
                    "password": self.user["password"],
                    "action": "login",
                },
            )
            assert login.status_code == 303, login.text
            consent = browser.get(CONSENT)
            return browser.post(CONSENT, data={"csrf_token": csrf(consent), "decision": decision})

    def code(self, role: str = "primary", **overrides: str | None) -> str:
        response = self.consent_response(role, **overrides)
        assert response.status_code == 302, response.text
        return query(response.headers["location"])["code"]

    def exchange(
        self,
        code: str,
        *,
        role: str = "primary",
        redirect_uri: str | None = "registered",
        verifier: str | None = None,
        auth: str | None = "body",
        **extra: str,
    ) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, **extra}
        if redirect_uri == "registered":
            redirect_uri = self.clients["primary" if role == "read_only" else role]["redirect_uri"]
        if redirect_uri is not None:
            data["redirect_uri"] = redirect_uri
        if verifier is not None:
            data["code_verifier"] = verifier
        return self.token(data, role=role, auth=auth)

    def code_tokens(self, role: str = "primary", **overrides: str | None) -> dict[str, Any]:
        response = self.exchange(self.code(role, **overrides), role=role)
        assert response.status_code == 200, response.text
        return response.json()

    def refresh(
        self,
        refresh_token: str,
        *,
        role: str = "primary",
        scope: str | None = None,
        path: str = REFRESH,
        auth: str | None = "body",
    ) -> httpx.Response:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if scope is not None:
            data["scope"] = scope
        return self.token(data, role=role, auth=auth, path=path)

    # Protected resource.
    def get_patients(self, token: str | None, *, scheme: str = "Bearer", **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
        return self.http.get(PATIENTS, headers=headers, **kwargs)

    def post_patient(self, token: str, body: Any = None, *, scheme: str = "Bearer") -> httpx.Response:
        return self.http.post(
            PATIENTS, headers={"Authorization": f"{scheme} {token}"}, json={} if body is None else body
        )
