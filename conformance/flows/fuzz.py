"""Generated input: the OpenAPI description of the auth endpoints, turned into requests and sent.

Schemathesis generates the cases from `specs/spry-auth.openapi.yaml` (valid ones, invalid ones, and
stateful sequences through the description's links) and validates each response against the
description; hypothesis drives the generation from a seed derived from the run's seed, so a seed
replays a run. Nothing here sends a request except through the run's `Session` (rate cap, request
budget, masked evidence): a case is serialised, its credentials are fixed to the configured client
(never invented at volume: an unknown client id is used a bounded number of times per run, because
servers throttle failed client authentications), and the request goes out through `Session.request`.
Redirects come back as they are, never followed.

`run_campaign` runs the whole schema-based fuzzing once and hands every exchange to the observers the
checks supply; the checks decide what a response means. No assertions here.
"""

from __future__ import annotations

import functools
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st

from conformance.catalogue import specs_dir
from conformance.config import Client, Target
from conformance.errors import Stop as _Stop
from conformance.flows.authorize import AUTHORIZATION_ERRORS, LoginError, authorize, new_state
from conformance.flows.login import reaches
from conformance.flows.responses import unknown_client
from conformance.flows.token import client_credentials
from conformance.http import (
    BudgetExhausted,
    CredentialGuard,
    Response,
    Session,
    TargetError,
    basic_authorization,
)

if (
    TYPE_CHECKING
):  # requests (schemathesis's request model) is imported when a campaign runs, not at collection
    import requests

SPEC_FILE = "spry-auth.openapi.yaml"

#: operationId -> what it is, in the description.
TOKEN_OPERATIONS = ("requestToken", "refreshAccessToken")
AUTHORIZE_OPERATION = "authorize"
RESOURCE_OPERATIONS = ("listPatients", "createPatient")

#: RFC 6749 §4: the grant types a Spry token endpoint serves.
GRANT_TYPES = ("client_credentials", "authorization_code", "refresh_token")
#: Token request parameters RFC 6749 and RFC 7636 define (the ones a server recognises).
RECOGNISED = frozenset(
    {"grant_type", "scope", "client_id", "client_secret", "code", "redirect_uri", "code_verifier",
     "refresh_token", "username", "password"}
)  # fmt: skip

#: The fuzzing dictionary: values that break naive parsing, encoding and storage.
EDGE_VALUES: dict[str, str] = {
    "an emoji (outside the Basic Multilingual Plane)": "read \U0001f600\U0001f510",
    "non-ASCII letters": "état ✓ 日本語",
    "a NUL byte": "read\x00write",
    "CR LF": "read\r\nwrite",
    "quotes and markup": "<b>'read\"</b>",
    "stray percent signs": "%zz%%41read",
    "doubled and trailing spaces": "read  write ",
    "5000 characters": "r" * 5000,
}

#: Values of other JSON-ish types, as a form can only carry them: as text.
ODD_TYPED_VALUES: dict[str, str] = {
    "a JSON array": '["read","write"]',
    "a JSON object": '{"scope":"read"}',
    "null": "null",
    "true": "true",
    "a number": "-1",
    "a huge number": "1e309",
}


# --- budgets and seeds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """How deep generated input goes: `ci` for every pipeline run, `certification` for a release."""

    name: str
    examples: int  # generated cases per operation and generation mode (valid, invalid)
    scenarios: int  # stateful scenarios through the description's links
    steps: int  # at most this many steps per scenario
    property_examples: int  # examples per property check
    lifecycle_examples: int  # runs of the grant-lifecycle state machine
    lifecycle_steps: int  # steps per run
    strangers: int  # token requests authenticated as an unknown client (servers throttle them)
    logins: int  # real authorization codes fed to the stateful scenarios (one login each)


BUDGETS: dict[str, Budget] = {
    "ci": Budget("ci", examples=4, scenarios=3, steps=5, property_examples=10, lifecycle_examples=3,
                 lifecycle_steps=8, strangers=3, logins=1),
    "certification": Budget("certification", examples=60, scenarios=40, steps=10, property_examples=100,
                            lifecycle_examples=40, lifecycle_steps=20, strangers=8, logins=8),
}  # fmt: skip


def budget_for(name: str) -> Budget:
    return BUDGETS[name]


def derive_seed(run_seed: int, name: str) -> int:
    """The seed of one generator of the run: the run's seed mixed with the generator's name."""
    return (run_seed ^ zlib.crc32(name.encode())) & 0xFFFFFFFF


def hypothesis_settings(
    examples: int, *, steps: int | None = None, shrink: bool = False
) -> hypothesis.settings:
    """Settings for a generated run against a live target: no example database, no deadline, no health
    checks (a slow target is not a slow test), and no shrinking unless asked (each shrink step is a request)."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    options: dict[str, Any] = {}
    if steps is not None:
        options["stateful_step_count"] = steps
    return hypothesis.settings(
        max_examples=max(1, examples),
        database=None,
        deadline=None,
        derandomize=False,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=hypothesis.Verbosity.quiet,
        **options,
    )


def run_seeded(test: Callable[..., None], seed: int, settings: hypothesis.settings) -> None:
    """Run a `@given` test with a fixed seed and settings."""
    hypothesis.seed(seed)(settings(test))()


# --- the description ----------------------------------------------------------------------------


def spec_path() -> Any:
    return specs_dir() / SPEC_FILE


@functools.cache
def load_schema() -> Any:
    """The description, loaded by schemathesis (once per process)."""
    import schemathesis

    return schemathesis.openapi.from_path(str(spec_path()))


def operations(schema: Any) -> dict[str, Any]:
    """The described operations by operationId."""
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found[operation.definition.raw["operationId"]] = operation
    return found


# --- what is sent -------------------------------------------------------------------------------


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


def conformance_problems(sent: Sent) -> list[str]:
    """What schemathesis finds wrong with the response against the description: status, headers, body."""
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    if sent.case is None:
        return []
    checks = [status_code_conformance, content_type_conformance, response_headers_conformance,
              response_schema_conformance]  # fmt: skip
    try:
        sent.case.validate_response(sent.schemathesis_response(), checks=checks)
    except BaseExceptionGroup as group:  # schemathesis's FailureGroup is a BaseExceptionGroup
        return [_failure_text(failure) for failure in group.exceptions]
    except Exception as error:  # a check that cannot judge this response is not a finding
        return [] if not hasattr(error, "title") else [_failure_text(error)]
    return []


def _failure_text(failure: Any) -> str:
    title = getattr(failure, "title", type(failure).__name__)
    message = " ".join(str(getattr(failure, "message", "") or "").split())
    return f"{title}: {message[:300]}" if message else str(title)


# --- the sender ---------------------------------------------------------------------------------


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
                  credentials: str = "primary") -> Sent | None:  # fmt: skip
        """Send a token request built by hand (the explicit examples), authenticated as asked."""
        method, path = self.paths[operation]
        case = self.operations[operation].Case(
            body=dict(pairs), media_type="application/x-www-form-urlencoded"
        )
        sent = Sent(operation, phase, method, "", {}, b"", response=None, case=case, note=note)  # type: ignore[arg-type]
        headers: dict[str, str] = {"Content-Type": "application/x-www-form-urlencoded"}
        pairs = self._authenticate(sent, headers, list(pairs), credentials)
        self._mark_issued(sent, pairs)
        prepared = prepare(method, self.target.url(path), headers=headers, data=pairs)
        return self._send(sent, prepared)

    def _send(self, sent: Sent, prepared: requests.PreparedRequest) -> Sent:
        body = prepared.body or b""
        body = body.encode() if isinstance(body, str) else body
        headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
        sent.url, sent.headers, sent.body, sent.prepared = prepared.url or "", headers, body, prepared
        self.generated += 1
        try:
            sent.response = self.http.request(sent.method, sent.url, content=body or None, headers=headers)
        except CredentialGuard:  # never sends credentials elsewhere; cannot happen for target URLs
            self.generated -= 1
            raise
        self._learn(sent.response)
        self.observe(sent)
        return sent

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


# --- the campaign -------------------------------------------------------------------------------


@dataclass
class Finding:
    """The first response that broke one rule, with what was wrong."""

    sent: Sent
    problem: str


@dataclass
class Campaign:
    """The outcome of one schema-based fuzzing run: what each rule saw, and the first breach of each."""

    seed: int
    budget: Budget
    generated: int = 0
    judged: Counter[str] = field(default_factory=Counter)
    findings: dict[str, Finding] = field(default_factory=dict)
    skipped: str = ""  # why the campaign could not run
    stopped: BaseException | None = None  # a TargetError or BudgetExhausted that ended it early
    notes: list[str] = field(default_factory=list)


Judge = Callable[[Sent], "str | None"]


@dataclass(frozen=True)
class Rule:
    """What one check judges on every response it applies to."""

    requirement: str
    applies: Callable[[Sent], bool]
    judge: Judge


def run_campaign(http: Session, target: Target, budget: Budget, seed: int, rules: Iterable[Rule]) -> Campaign:
    """Fuzz every described operation once: explicit edge values, generated valid and invalid cases, and
    stateful scenarios through the links; every response is judged by every rule that applies to it."""
    rules = list(rules)
    campaign = Campaign(seed=seed, budget=budget)

    def observe(sent: Sent) -> None:
        for rule in rules:
            if not rule.applies(sent):
                continue
            campaign.judged[rule.requirement] += 1
            if rule.requirement in campaign.findings:
                continue
            problem = rule.judge(sent)
            if problem:
                campaign.findings[rule.requirement] = Finding(sent, problem)

    sender = Sender(http, target, budget, observe)
    try:
        missing = sender.prepare_credentials()
        if missing:
            campaign.skipped = f"needs {missing}"
            return campaign
        schema = load_schema()
        found = operations(schema)
        _explicit_examples(sender, target)
        for name, operation in found.items():
            if name not in sender.paths:
                campaign.notes.append(f"{name} not fuzzed: the target's resource endpoints differ")
                continue
            for mode in ("valid", "invalid"):
                _generate(sender, operation, mode, budget.examples, derive_seed(seed, f"{name}:{mode}"))
        _stateful(sender, schema, budget, derive_seed(seed, "stateful"))
    except (TargetError, BudgetExhausted) as error:
        campaign.stopped = error
    finally:
        campaign.generated = sender.generated
    return campaign


def _generate(sender: Sender, operation: Any, mode: str, examples: int, seed: int) -> None:
    from schemathesis import GenerationMode

    generation = GenerationMode.POSITIVE if mode == "valid" else GenerationMode.NEGATIVE
    strategy = operation.as_strategy(generation_mode=generation)
    stop: list[BaseException] = []

    @hypothesis.given(case=strategy, data=st.data())
    def send(case: Any, data: st.DataObject) -> None:
        if stop:
            raise _Stop
        try:
            sender.send_case(case, mode, data)
        except (TargetError, BudgetExhausted) as error:
            stop.append(error)
            raise _Stop from None

    try:
        run_seeded(send, seed, hypothesis_settings(examples))
    except BaseException:  # hypothesis re-raises what stopped the run (or complains that it stopped early)
        if not stop:
            raise
    if stop:
        raise stop[0]


def _explicit_examples(sender: Sender, target: Target) -> None:
    """The dictionary of edge values, each once, in the parameters a server parses itself."""
    primary = sender.primary
    assert primary is not None
    base = [("grant_type", "client_credentials")]
    for label, value in EDGE_VALUES.items():
        sender.send_form("requestToken", base + [("scope", value)], phase="explicit", note=f"scope = {label}")
    for grant in ("client_credentials_v2", "client_credentials\U0001f600"):
        sender.send_form("requestToken", [("grant_type", grant), ("scope", primary.scope)], phase="explicit",
                         note="grant_type = a supported grant type with a suffix")  # fmt: skip
    for label in ("an emoji (outside the Basic Multilingual Plane)", "5000 characters"):
        sender.send_form("requestToken", base + [("fuzz_extension", EDGE_VALUES[label])], phase="explicit",
                         note=f"an unrecognised parameter = {label}")  # fmt: skip
    for label in ("an emoji (outside the Basic Multilingual Plane)", "a NUL byte", "5000 characters"):
        sender.send_form("refreshAccessToken", [("grant_type", "refresh_token"), ("refresh_token", EDGE_VALUES[label])],
                         phase="explicit", note=f"refresh_token = {label}")  # fmt: skip
    sender.send_form("requestToken", base + [("scope", primary.scope)], phase="explicit",
                     note="an unknown client with a secret", credentials="stranger")  # fmt: skip


def _stateful(sender: Sender, schema: Any, budget: Budget, seed: int) -> None:
    """Scenarios through the description's links: get a token, use it at /v2/patients, refresh it.

    A live target does not always answer a replayed step as it did the first time (a code is used up,
    a token rotated): hypothesis then ends the run as inconsistent, and the remaining scenarios are run
    again from a seed derived from the first (three times at most), as schemathesis's own runner does."""
    from schemathesis.generation.stateful import run_state_machine_as_test

    stop: list[BaseException] = []
    scenarios = [0]
    base = schema.as_state_machine()

    class Scenario(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            scenarios[0] += 1

        def before_call(self, case: Any) -> None:
            if stop:
                raise _Stop
            try:
                sender.materialise(case)  # may log in: the target can stop answering here too
            except (TargetError, BudgetExhausted) as error:
                stop.append(error)
                raise _Stop from None

        def call(self, case: Any, **kwargs: Any) -> Any:
            try:
                sent = sender.send_case(case, "stateful")
            except (TargetError, BudgetExhausted) as error:
                stop.append(error)
                raise _Stop from None
            if sent is None:
                hypothesis.reject()  # a case this target cannot be sent: not a scenario
            return sent.schemathesis_response()

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            return None  # every response was judged when it was sent

    for attempt in range(3):
        remaining = budget.scenarios - scenarios[0]
        if remaining <= 0 or stop:
            break
        hypothesis.seed(derive_seed(seed, f"attempt {attempt}"))(Scenario)
        try:
            run_state_machine_as_test(Scenario, settings=hypothesis_settings(remaining, steps=budget.steps))
            break
        except (
            BaseException
        ) as error:  # hypothesis re-raises what stopped the run (or says it was inconsistent)
            if stop or _is_stop(error):
                break
            if not inconsistent_replay(error):
                raise
    if stop:
        raise stop[0]


def inconsistent_replay(error: BaseException) -> bool:
    """Hypothesis's complaint that a replayed step behaved differently (a live target is not a pure function)."""
    if isinstance(error, hypothesis.errors.Flaky):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(inconsistent_replay(e) for e in error.exceptions)
    if not isinstance(error, AssertionError):
        return False
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback is not None and traceback.tb_frame.f_globals.get("__name__", "").startswith(
        "hypothesis.internal.conjecture"
    )


def _is_stop(error: BaseException) -> bool:
    if isinstance(error, _Stop):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(_is_stop(e) for e in error.exceptions)
    cause = error.__cause__ or error.__context__
    return cause is not None and _is_stop(cause)


def form_values(pairs: Sequence[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """The (name, value) pairs of a form that count: RFC 6749 §3.1 treats an empty value as omitted."""
    return ((name, value) for name, value in pairs if value)


# --- what a request or a redirect is ---------------------------------------------------------------

_PRINTABLE = set(map(chr, range(0x20, 0x7F)))  # VSCHAR, RFC 6749 Appendix A.5


def ungrantable(sent: Sent) -> str | None:
    """Why no server may answer this token request with a token (None when it might be valid)."""
    form = sent.form
    if form is None:
        return None  # not form-encoded: TOKEN-FORM-ENCODED-ONLY judges that (a SHOULD)
    if sent.credentials in {"stranger", "anonymous", "none"}:
        return {"stranger": "an unregistered client", "anonymous": "no client authentication",
                "none": "no client authentication"}[sent.credentials]  # fmt: skip
    pairs = list(form_values(form))  # RFC 6749 §3.1: an empty parameter counts as omitted
    repeated = sorted(n for n, c in Counter(n for n, _ in pairs).items() if c > 1 and n in RECOGNISED)
    if repeated:
        return f"{repeated[0]} is repeated (RFC 6749 §3.2: parameters MUST NOT be included more than once)"
    values = dict(pairs)
    grant = values.get("grant_type")
    if grant is None:
        return "no grant_type"
    grant = grant.strip().lower()  # a lenient server may fold case and spaces: not judged here
    if grant not in GRANT_TYPES:
        return f"grant_type {values['grant_type'][:60]!r}, which is no grant type"
    if grant == "authorization_code" and not sent.real_code:
        return "a code the server never issued" if "code" in values else "no code"
    if grant == "refresh_token" and not sent.real_refresh_token:
        return "a refresh token the server never issued" if "refresh_token" in values else "no refresh token"
    return None


def redirect_problems(sent: Sent, target: Target) -> list[str]:
    """An authorization redirect, validated (never followed): where it goes and what it carries."""
    location = sent.response.location
    if not 300 <= sent.response.status < 400 or not location:
        return []
    absolute = urljoin(sent.url, location)
    asked = dict(sent.query)
    client_id, sent_uri = asked.get("client_id"), asked.get("redirect_uri")
    registered = [
        c.redirect_uri for c in target.clients.values() if c.client_id == client_id and c.redirect_uri
    ]
    if sent_uri and sent_uri not in registered and reaches(absolute, sent_uri):
        return ["redirected to a redirect_uri that is not registered for the client (RFC 6749 §4.1.2.1: "
                "MUST NOT automatically redirect the user-agent to the invalid redirection URI)"]  # fmt: skip
    if not any(reaches(absolute, uri) for uri in registered):
        return []  # within the server (a login page), or to a place this rule cannot judge
    params = dict(parse_qsl(urlsplit(absolute).query, keep_blank_values=True))
    params.update(parse_qsl(urlsplit(absolute).fragment, keep_blank_values=True))
    if "code" in params or "access_token" in params:
        return ["a code (or token) without any login (RFC 6749 §3.1: the authorization server MUST first "
                "verify the identity of the resource owner)"]  # fmt: skip
    problems = []
    error = params.get("error")
    if error is None:
        problems.append("a redirect to the client with neither code nor error (RFC 6749 §4.1.2.1)")
    elif error not in AUTHORIZATION_ERRORS:
        problems.append(f"error {error!r} is not an RFC 6749 §4.1.2.1 error code")
    state = asked.get("state")
    if state and set(state) <= _PRINTABLE and params.get("state") != state:
        problems.append("the error redirect does not carry the exact state (RFC 6749 §4.1.2.1)")
    return problems


# --- values for the property checks -------------------------------------------------------------


def state_values() -> st.SearchStrategy[str]:
    """States: printable ASCII (RFC 6749 Appendix A.5's VSCHAR), and any unicode text but controls."""
    printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)
    unicode = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=24)
    return st.one_of(printable, unicode)


def scope_edge_spellings(registered: Sequence[str]) -> list[str]:
    """The registered scopes reversed, with a doubled, a leading and a trailing space, and repeated."""
    words = list(registered)
    return [" ".join(reversed(words)), "  ".join(words), " " + " ".join(words), " ".join(words) + " ",
            " ".join(words + words[:1])]  # fmt: skip


def scope_spellings(registered: Sequence[str]) -> st.SearchStrategy[str]:
    """Subsets of the registered scopes in any order, some repeated, with one to three spaces between them
    and sometimes before or after."""

    @st.composite
    def spell(draw: st.DrawFn) -> str:
        chosen = draw(st.lists(st.sampled_from(list(registered)), min_size=1, unique=True))
        words = draw(st.permutations(chosen + draw(st.lists(st.sampled_from(chosen), max_size=2))))
        gaps = [draw(st.sampled_from([1, 1, 1, 2, 3])) for _ in words[1:]] + [0]
        lead, trail = draw(st.sampled_from([0, 0, 0, 1, 2])), draw(st.sampled_from([0, 0, 0, 1, 2]))
        return (
            " " * lead
            + "".join(word + " " * gap for word, gap in zip(words, gaps, strict=True))
            + " " * trail
        )

    return spell()


@dataclass(frozen=True)
class Mutation:
    """One parameter of an otherwise valid token request replaced by an odd value."""

    grant: str
    parameter: str
    label: str
    value: str

    def describe(self) -> str:
        return f"a {self.grant} request with {self.parameter} = {self.label}"


MUTABLE = (
    ("client_credentials", "grant_type"),
    ("client_credentials", "scope"),
    ("authorization_code", "code"),
    ("authorization_code", "redirect_uri"),
    ("authorization_code", "code_verifier"),
    ("refresh_token", "refresh_token"),
    ("refresh_token", "scope"),
)

MUTATION_EXAMPLES = [
    Mutation("client_credentials", "grant_type", "5000 characters", "g" * 5000),
    Mutation("client_credentials", "scope", "5000 characters", "r" * 5000),
    Mutation("refresh_token", "refresh_token", "3000 characters", "t" * 3000),
    Mutation("client_credentials", "grant_type", "a JSON array", '["client_credentials"]'),
    Mutation("client_credentials", "scope", "null", "null"),
]


def mutations() -> st.SearchStrategy[Mutation]:
    """An oversized, odd-typed or edge value in one parameter of a token request."""
    oversized = st.builds(
        lambda n, c: (f"{n} × {c!r}", c * n), st.integers(1025, 6000), st.sampled_from("a%é +")
    )
    emoji = st.builds(lambda n: (f"{n} emoji", "\U0001f600" * n), st.integers(257, 2000))
    values = st.one_of(oversized, emoji, st.sampled_from(sorted(ODD_TYPED_VALUES.items())),
                       st.sampled_from(sorted(EDGE_VALUES.items())))  # fmt: skip
    return st.builds(lambda where, value: Mutation(where[0], where[1], value[0], value[1]),
                     st.sampled_from(MUTABLE), values)  # fmt: skip


def mutated_request(mutation: Mutation, client: Client) -> list[tuple[str, str]]:
    """A valid-looking request of the mutation's grant, with its parameter replaced (codes and tokens random)."""
    import secrets

    base: dict[str, str] = {"grant_type": mutation.grant}
    if mutation.grant == "client_credentials":
        base["scope"] = client.scope
    elif mutation.grant == "authorization_code":
        base["code"] = secrets.token_urlsafe(32)
        base["redirect_uri"] = client.redirect_uri or "https://client.example.org/callback"
    else:
        base["refresh_token"] = secrets.token_urlsafe(32)
    base[mutation.parameter] = mutation.value
    return list(base.items())
