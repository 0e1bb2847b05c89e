"""One generated request, serialised from a schemathesis case and sent through the run's Session.

Nothing here sends a request except through the run's `Session` (rate cap, request budget, masked
evidence): a case is serialised, its credentials are fixed to the configured client (never invented
at volume: an unknown client id is used a bounded number of times per run, because servers throttle
failed client authentications), and the request goes out through `Session.request`. Redirects come
back as they are, never followed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from conformance.config import Client, Target
from conformance.flows.authorize import LoginError, authorize, new_state
from conformance.flows.responses import unknown_client
from conformance.flows.token import client_credentials
from conformance.generated.budget import Budget
from conformance.generated.schema import (
    AUTHORIZE_OPERATION,
    RESOURCE_OPERATIONS,
    TOKEN_OPERATIONS,
    load_schema,
    operations,
)
from conformance.generated.strategies import Identity
from conformance.http import CredentialGuard, Response, Session, basic_authorization

if TYPE_CHECKING:  # requests and hypothesis are imported when a campaign runs, not at collection
    import requests
    from hypothesis import strategies as st


@dataclass
class Sent:
    """One generated request as it went out, and what came back."""

    operation: str
    phase: str  # explicit, valid, invalid, stateful
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    response: Response
    case: Any = None  # the schemathesis case, when schemathesis generated the request
    prepared: requests.PreparedRequest | None = None
    credentials: str = "none"  # how the client authenticated: primary, stranger, anonymous, none
    secrets: tuple[tuple[str, str], ...] = ()  # (what, value) of every secret the request carried
    real_code: bool = False  # the code was issued by the target (the stateful phase logged in for it)
    real_refresh_token: bool = False  # the refresh token was issued by the target
    real_access_token: bool = False  # the bearer token was issued by the target
    note: str = ""

    @property
    def form(self) -> list[tuple[str, str]] | None:
        """The form-encoded body as (name, value) pairs, or None when the body is not a form."""
        kind = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        if self.method != "POST" or "x-www-form-urlencoded" not in kind.lower():
            return None
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def exchange(self) -> Any:
        return self.response.exchange

    def describe(self) -> str:
        what = f"{self.method} {self.operation} ({self.phase}" + (f", {self.note}" if self.note else "") + ")"
        return what

    def curl(self) -> str:
        """The request as a curl command, secrets masked."""
        return self.response.exchange.as_curl()

    def schemathesis_response(self) -> Any:
        """The response as schemathesis validates it."""
        import schemathesis

        headers: dict[str, list[str]] = {}
        for name, value in self.response.headers.multi_items():
            headers.setdefault(name.lower(), []).append(value)
        prepared = self.prepared or prepare(self.method, self.url, headers=self.headers, data=self.body)
        return schemathesis.Response(
            status_code=self.response.status,
            headers=headers,
            content=self.response.content,
            request=prepared,
            elapsed=self.response.exchange.elapsed_ms / 1000,
            verify=True,
        )


def prepare(method: str, url: str, **kwargs: Any) -> requests.PreparedRequest:
    """A request in the model schemathesis validates responses against (serialised here, sent by the Session)."""
    import requests

    return requests.Request(method, url, **kwargs).prepare()


class Sender:
    """Turns schemathesis cases into requests on the target and sends them through the run's Session."""

    def __init__(
        self, http: Session, target: Target, budget: Budget, observe: Callable[[Sent], None]
    ) -> None:
        self.operations = operations(load_schema())
        self.http = http
        self.target = target
        self.budget = budget
        self.observe = observe
        self.primary = target.client("primary")
        self.auth = "body"
        self.tokens: list[str] = []  # access tokens issued to the primary client (for resource operations)
        self.issued: set[str] = set()  # every token and code the target issued during the campaign
        self.strangers = 0
        self.logins = 0
        self.generated = 0
        self.planned: list[Sent] | None = None  # while planning: requests serialised here, sent later
        self.paths = {
            "requestToken": ("POST", target.token_path),
            "refreshAccessToken": ("POST", target.refresh_path),
            "authorize": ("GET", target.authorize_path),
        }
        read, write = target.resource.read, target.resource.write
        if read.method == "GET":
            self.paths["listPatients"] = ("GET", read.path)
        if write is not None and write.method == "POST":
            self.paths["createPatient"] = ("POST", write.path)

    # Setup -----------------------------------------------------------------------------------

    def prepare_credentials(self) -> str | None:
        """Find how the primary client authenticates (body, as the guide shows, else Basic) and get a token.

        Returns what is missing when the primary client cannot get a client-credentials token."""
        primary = self.primary
        if primary is None or not primary.can("client_credentials"):
            return "clients.primary with its secret and the client_credentials grant"
        answer = client_credentials(self.http, self.target, primary, scope=primary.scope)
        if answer.error == "invalid_client":
            answer = client_credentials(self.http, self.target, primary, scope=primary.scope, auth="basic")
            self.auth = "basic"
        if not answer.ok or not answer.access_token:
            return (
                f"a client-credentials token for clients.primary (the target answered HTTP {answer.status})"
            )
        self.tokens.append(answer.access_token)
        return None

    # Requests --------------------------------------------------------------------------------

    def send_case(self, case: Any, phase: str, data: st.DataObject | None = None) -> Sent | None:
        """Send one schemathesis case; None when it cannot be sent on this target (not counted)."""
        operation = case.operation.definition.raw["operationId"]
        if operation not in self.paths:
            return None
        method, path = self.paths[operation]
        try:
            kwargs = case.as_transport_kwargs(base_url=self.target.base_url.rstrip("/"))
        except Exception:  # a case schemathesis cannot serialise
            return None
        sent = Sent(operation, phase, method, "", {}, b"", response=None, case=case)  # type: ignore[arg-type]
        # RFC 9110 §5.5: a field value has no leading or trailing whitespace (HTTP clients refuse to send one).
        headers = {
            k: v.strip(" \t") for k, v in (kwargs.get("headers") or {}).items() if _sendable_header(k, v)
        }
        for name in ("User-Agent", "X-Schemathesis-TestCaseId", "Accept-Encoding", "Connection", "Accept"):
            headers.pop(name, None)
        body_kwargs: dict[str, Any] = {}
        if "json" in kwargs:
            body_kwargs["json"] = kwargs["json"]
        elif "data" in kwargs:
            body_kwargs["data"] = kwargs["data"]
        if operation in TOKEN_OPERATIONS:
            headers.pop("Authorization", None)  # a generated Basic header would be an invented client
            body_kwargs = self._token_credentials(sent, headers, body_kwargs, data)
            self._mark_issued(sent, body_kwargs.get("data"))
        elif operation == AUTHORIZE_OPERATION:
            kwargs["params"] = self._authorize_params(kwargs.get("params"), data)
        elif operation in RESOURCE_OPERATIONS:
            self._bearer(sent, headers, data)
            if operation == "createPatient":
                # The suite never creates data: only the configured body the API must refuse is sent.
                body_kwargs = {"data": self.target.resource.write_probe_body.encode()}
                headers["Content-Type"] = "application/json"
        try:
            prepared = prepare(
                method, self.target.url(path), headers=headers, params=kwargs.get("params"), **body_kwargs
            )
        except Exception:
            return None
        return self._send(sent, prepared)

    def send_form(self, operation: str, pairs: Sequence[tuple[str, str]], *, phase: str, note: str,
                  credentials: str = "primary", identity: Identity | None = None) -> Sent | None:  # fmt: skip
        """Send a token request built by hand (the explicit examples), authenticated as asked (or as `identity`)."""
        method, path = self.paths[operation]
        case = self.operations[operation].Case(
            body=dict(pairs), media_type="application/x-www-form-urlencoded"
        )
        sent = Sent(operation, phase, method, "", {}, b"", response=None, case=case, note=note)  # type: ignore[arg-type]
        headers: dict[str, str] = {"Content-Type": "application/x-www-form-urlencoded"}
        if identity is not None:
            pairs = self._as_identity(sent, headers, list(pairs), identity)
        else:
            pairs = self._authenticate(sent, headers, list(pairs), credentials)
        self._mark_issued(sent, pairs)
        prepared = prepare(method, self.target.url(path), headers=headers, data=pairs)
        return self._send(sent, prepared)

    def _send(self, sent: Sent, prepared: requests.PreparedRequest) -> Sent:
        raw = prepared.body or b""
        body = raw.encode() if isinstance(raw, str) else raw if isinstance(raw, bytes) else b""
        headers = {
            k: v if isinstance(v, str) else v.decode("latin-1")
            for k, v in prepared.headers.items()
            if k.lower() != "content-length"
        }
        sent.url, sent.headers, sent.body, sent.prepared = prepared.url or "", headers, body, prepared
        if self.planned is not None:
            self.planned.append(sent)
            return sent
        sent.response = self.deliver(sent)
        self.received(sent)
        return sent

    def deliver(self, sent: Sent) -> Response:
        """Send a serialised request through the run's session (from any thread) and return its response."""
        return self.http.request(sent.method, sent.url, content=sent.body or None, headers=sent.headers)

    def received(self, sent: Sent) -> None:
        """Count a request that was answered, learn what the target issued in it, and have it judged."""
        self.generated += 1
        self._learn(sent.response)
        self.observe(sent)

    # Credentials -----------------------------------------------------------------------------

    def _token_credentials(self, sent: Sent, headers: dict[str, str], body: dict[str, Any],
                           data: st.DataObject | None) -> dict[str, Any]:  # fmt: skip
        form = body.get("data")
        if isinstance(form, dict):
            pairs = [(str(k), v) for k, v in form.items()]
        elif isinstance(form, list):
            pairs = [(str(k), v) for k, v in form]
        else:  # not a form at all (an invalid body): sent as generated, without credentials
            sent.credentials = "none"
            return body
        from hypothesis import strategies as st

        choice = "primary"
        if data is not None:  # always drawn (hypothesis wants the same draws for the same data); capped below
            choice = data.draw(st.sampled_from(["primary"] * 6 + ["stranger", "anonymous"]), label="client")
        return {"data": self._authenticate(sent, headers, pairs, choice)}

    def _authenticate(self, sent: Sent, headers: dict[str, str], pairs: list[tuple[str, Any]],
                      credentials: str) -> list[tuple[str, Any]]:  # fmt: skip
        """Replace whatever client credentials a case carries with the configured ones (or a bounded stranger)."""
        pairs = [(k, v) for k, v in pairs if k not in {"client_id", "client_secret"}]
        headers.pop("Authorization", None)
        client: Client | None = self.primary
        if credentials in {"stranger", "anonymous"}:
            if self.strangers >= self.budget.strangers:
                credentials = "primary"
            else:
                self.strangers += 1
                client = unknown_client("fuzz-unknown") if credentials == "stranger" else None
                if client is not None:  # a secret the suite made up is still a secret: never shown
                    self.http.masker.register(client.client_secret)
        sent.credentials = credentials
        if client is None or client.client_secret is None:
            return pairs
        sent.secrets += (("client secret", client.client_secret),)
        if self.auth == "basic" and credentials == "primary":
            headers["Authorization"] = basic_authorization(client.client_id, client.client_secret)
            return pairs
        return pairs + [("client_id", client.client_id), ("client_secret", client.client_secret)]

    def _as_identity(self, sent: Sent, headers: dict[str, str], pairs: list[tuple[str, Any]],
                     identity: Identity) -> list[tuple[str, Any]]:  # fmt: skip
        """The client identity spelled as `identity` says; an unregistered one counts as a stranger."""
        self.http.masker.register_configured(identity.secret)
        sent.credentials = "identity" if identity.registered else "stranger"
        sent.secrets += (("client secret", identity.secret),)
        if identity.auth == "basic":
            headers["Authorization"] = basic_authorization(identity.client_id, identity.secret)
            return pairs
        if identity.auth == "basic-raw":  # not form-encoded first, as a careless client sends it
            raw = f"{identity.client_id}:{identity.secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
            return pairs
        return pairs + [("client_id", identity.client_id), ("client_secret", identity.secret)]

    def _mark_issued(self, sent: Sent, pairs: Any) -> None:
        if not isinstance(pairs, list):
            return
        for name, value in pairs:
            if not isinstance(value, str) or value not in self.issued:
                continue
            if name == "code":
                sent.real_code = True
                sent.secrets += (("authorization code", value),)
            elif name == "refresh_token":
                sent.real_refresh_token = True
                sent.secrets += (("refresh token", value),)

    def _authorize_params(self, params: Any, data: st.DataObject | None) -> Any:
        """Mostly the configured client (and, half of the time, its registered redirect URI)."""
        from hypothesis import strategies as st

        if not isinstance(params, dict) or data is None:
            return params
        client = self.target.clients.get("primary")
        params = dict(params)
        if client is not None and data.draw(st.integers(0, 9), label="client_id") < 7:
            params["client_id"] = client.client_id
            if client.redirect_uri and data.draw(st.booleans(), label="redirect_uri"):
                params["redirect_uri"] = client.redirect_uri
        return params

    def _bearer(self, sent: Sent, headers: dict[str, str], data: st.DataObject | None) -> None:
        """A generated (invalid) token, or, some of the time, a real one."""
        from hypothesis import strategies as st

        if self.tokens and data is not None and data.draw(st.integers(0, 9), label="bearer") < 4:
            headers["Authorization"] = f"Bearer {self.tokens[-1]}"
        token = headers.get("Authorization", "").split(" ", 1)[-1]
        if token in self.tokens or token in self.issued:
            sent.real_access_token = True
            sent.secrets += (("access token", token),)

    def _learn(self, response: Response) -> None:
        body = response.json
        if isinstance(body, dict):
            for name in ("access_token", "refresh_token"):
                if isinstance(body.get(name), str):
                    self.issued.add(body[name])

    # The stateful phase: a real code, when a scenario asks for one ----------------------------

    def materialise(self, case: Any) -> None:
        """Give an authorization-code token request a real code (the stateful phase logs in for a few)."""
        if (
            case.operation.definition.raw["operationId"] != "requestToken"
            or self.logins >= self.budget.logins
        ):
            return
        if not isinstance(case.body, dict) or case.body.get("grant_type") != "authorization_code":
            return
        client = self.target.client("primary")
        if client is None or not client.can("authorization_code") or not client.redirect_uri:
            return
        if self.target.user.login.method == "form" and not self.target.user.password:
            return
        self.logins += 1
        try:
            answer = authorize(self.http, self.target, client, state=new_state())
        except (LoginError, CredentialGuard):
            return
        if answer.code:
            self.issued.add(answer.code)
            case.body = {"grant_type": "authorization_code", "code": answer.code,
                         "redirect_uri": client.redirect_uri}  # fmt: skip


def _sendable_header(name: object, value: object) -> bool:
    """A header httpx can put on the wire: latin-1 text without CR, LF or NUL, a token as its name."""
    if not isinstance(name, str) or not isinstance(value, str) or not name:
        return False
    if any(c in value for c in "\r\n\x00") or not all(33 <= ord(c) < 127 and c not in '()<>@,;:\\"/[]?={} '
                                                       for c in name):  # fmt: skip
        return False
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
