"""A bounded load test of the reference Spry OAuth 2.0 server: many concurrent clients, a fixed request count.

Each virtual client loops over a mix until the shared request budget is spent: a client_credentials
grant (RFC 6749 §4.4) at ``/apis/v2/oauth/token``, ``GET /v2/patients`` with the bearer token, the
authorization code flow (authorize -> login form -> consent -> redirect with code, RFC 6749 §4.1)
redeemed with PKCE S256 (RFC 7636), and refresh with rotation at ``/apis/v1/oauth/token``.

It also runs deliberate races:

* one authorization code redeemed by 2-3 concurrent requests. RFC 6749 §4.1.2: "The client MUST NOT
  use the authorization code more than once. If an authorization code is used more than once, the
  authorization server MUST deny the request and SHOULD revoke (when possible) all tokens previously
  issued based on that authorization code" (also §10.5) - so the winner's access token must then be
  refused;
* one refresh token used by 2-3 concurrent requests. RFC 9700 §4.14.2: with rotation, "If a refresh
  token is compromised and subsequently used by both the attacker and the legitimate client, one of
  them will present an invalidated refresh token, which will inform the authorization server of the
  breach" - so the winner's new refresh token must then be refused too.

At most one request of a race may succeed: a code or refresh token with more than one success is a
double redemption. Only valid client credentials are sent, so the per-client_id throttling of failed
authentications (RFC 6749 §2.3.1) never triggers: a 429 is a problem, not load shedding.

Without ``--url`` the server runs in its own process (``python -m conformance.cli serve --port 0``),
so the load generator and the server do not share a GIL. Usage::

    python benchmarks/load.py --clients 64 --requests 5000 [--url URL] [--json]

The exit status is 1 when any problem was seen (a 5xx, a double redemption, an unanswered request,
a 429, a race without exactly one winner, an unexpected status), 0 otherwise. Secrets are never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import re
import secrets
import ssl
import sys
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from served import ServerProcess, credentials_from_env, start_server  # noqa: E402

TOKEN_PATH = "/apis/v2/oauth/token"
REFRESH_PATH = "/apis/v1/oauth/token"
AUTHORIZE_PATH = "/apis/v2/oauth/authorize"
LOGIN_PATH = "/apis/v2/oauth/login"
CONSENT_PATH = "/apis/v2/oauth/consent"
PATIENTS_PATH = "/v2/patients"

REQUEST_TIMEOUT = 30.0
MAX_SAMPLES = 20
"""Error messages kept verbatim (all are counted)."""

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
# Results.


@dataclass
class LoadResult:
    """What one load run saw. ``requests`` were sent; ``answered`` got an HTTP response."""

    clients: int
    requests: int
    answered: int
    wall_seconds: float
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    status_counts: dict[int, int]
    server_errors: int
    throttled: int
    code_races: int
    refresh_races: int
    races_one_winner: int
    races_no_winner: int
    double_redemptions: int
    unexpected: dict[str, int]
    errors: int
    error_samples: list[str] = field(default_factory=list)
    generator_cpu_seconds: float = 0.0
    server_cpu_seconds: float | None = None

    @property
    def races(self) -> int:
        """Code races plus refresh races."""
        return self.code_races + self.refresh_races

    def problems(self) -> list[str]:
        """Everything that should not happen under load; empty when the run was clean."""
        found = [
            (self.server_errors, f"{self.server_errors} responses were 5xx"),
            (self.double_redemptions, f"{self.double_redemptions} codes/refresh tokens redeemed twice"),
            (self.requests - self.answered, f"{self.requests - self.answered} requests got no answer"),
            (self.throttled, f"{self.throttled} responses were 429 (throttled)"),
            (self.races_no_winner, f"{self.races_no_winner} races had no winner"),
            (sum(self.unexpected.values()), f"unexpected answers: {self.unexpected}"),
        ]
        return [text for count, text in found if count]

    def to_json(self) -> str:
        """One JSON line with every field (status codes as string keys) plus ``races`` and ``ok``."""
        document: dict[str, Any] = asdict(self)
        document["status_counts"] = {str(status): n for status, n in sorted(self.status_counts.items())}
        document.update(races=self.races, ok=not self.problems())
        return json.dumps(document, separators=(",", ":"))

    def table(self) -> str:
        """A short human-readable summary."""
        statuses = " ".join(f"{status}:{n}" for status, n in sorted(self.status_counts.items()))
        server_cpu = "?" if self.server_cpu_seconds is None else f"{self.server_cpu_seconds:.2f}"
        rows = [
            ("clients", f"{self.clients}"),
            ("requests sent/answered", f"{self.requests} / {self.answered}"),
            ("wall", f"{self.wall_seconds:.2f} s"),
            ("throughput", f"{self.requests_per_second:.0f} req/s"),
            ("latency p50/p95/p99", f"{self.p50_ms:.1f} / {self.p95_ms:.1f} / {self.p99_ms:.1f} ms"),
            ("statuses", statuses or "-"),
            ("5xx / 429", f"{self.server_errors} / {self.throttled}"),
            ("races code/refresh", f"{self.code_races} / {self.refresh_races}"),
            ("races one/no winner", f"{self.races_one_winner} / {self.races_no_winner}"),
            ("double redemptions", f"{self.double_redemptions}"),
            ("unexpected", f"{sum(self.unexpected.values())}"),
            ("transport errors", f"{self.errors}"),
            ("CPU generator/server", f"{self.generator_cpu_seconds:.2f} / {server_cpu} s"),
        ]
        return "\n".join(f"{name:<24} {value}" for name, value in rows)


class BudgetSpent(Exception):
    """The fixed request count is used up: the virtual client stops."""


class Budget:
    """The fixed number of requests shared by all virtual clients (one event loop: no lock needed)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.remaining = total

    def take(self, count: int = 1) -> bool:
        """Reserve ``count`` requests, all or none."""
        if count > self.remaining:
            return False
        self.remaining -= count
        return True


class Recorder:
    """Statuses, latencies, races and redemptions of one run."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.unexpected: Counter[str] = Counter()
        self.sent = 0
        self.errors = 0
        self.error_samples: list[str] = []
        self.races: Counter[str] = Counter()
        self.winners: Counter[int] = Counter()
        self.successes: Counter[str] = Counter()

    def answer(self, step: str, status: int, seconds: float, expected: Sequence[int]) -> None:
        """One HTTP response."""
        self.latencies.append(seconds)
        self.statuses[status] += 1
        if status not in expected:
            self.surprise(f"{step} {status}")

    def surprise(self, what: str) -> None:
        """An answer the mix did not expect (wrong status or error code)."""
        self.unexpected[what] += 1

    def failure(self, step: str, error: Exception) -> None:
        """A request that got no HTTP response (connection error, timeout)."""
        self.errors += 1
        if len(self.error_samples) < MAX_SAMPLES:
            self.error_samples.append(f"{step}: {type(error).__name__}: {error}")

    def redeemed(self, value: str, successes: int) -> None:
        """Successes for one code or refresh token (more than one in all is a double redemption)."""
        self.successes[value] += successes

    def race(self, kind: str, winners: int) -> None:
        """One race of ``kind`` (code or refresh) and how many of its requests succeeded."""
        self.races[kind] += 1
        self.winners[winners] += 1

    def result(self, clients: int, wall: float, cpu: float) -> LoadResult:
        """The :class:`LoadResult` of everything recorded."""
        p50, p95, p99 = (percentile(self.latencies, q) * 1000 for q in (50, 95, 99))
        return LoadResult(
            clients=clients,
            requests=self.sent,
            answered=len(self.latencies),
            wall_seconds=round(wall, 3),
            requests_per_second=round(self.sent / wall, 1) if wall > 0 else 0.0,
            p50_ms=round(p50, 2),
            p95_ms=round(p95, 2),
            p99_ms=round(p99, 2),
            status_counts=dict(self.statuses),
            server_errors=sum(n for status, n in self.statuses.items() if status >= 500),
            throttled=self.statuses[429],
            code_races=self.races["code"],
            refresh_races=self.races["refresh"],
            races_one_winner=self.winners[1],
            races_no_winner=self.winners[0],
            double_redemptions=sum(1 for n in self.successes.values() if n > 1),
            unexpected=dict(self.unexpected),
            errors=self.errors,
            error_samples=list(self.error_samples),
            generator_cpu_seconds=round(cpu, 3),
        )


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * q // 100)))
    return ordered[int(rank) - 1]


# One virtual client.


def pkce_pair() -> tuple[str, str]:
    """A fresh PKCE (verifier, S256 challenge) (RFC 7636 §4.1, §4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class VirtualClient:
    """One simulated client application and its user's browser (its own cookie jar and connections)."""

    index: int
    http: httpx.AsyncClient
    budget: Budget
    recorder: Recorder
    cc_client: dict[str, Any]
    code_client: dict[str, Any]
    user: dict[str, str]

    def auth(self, client: dict[str, Any]) -> dict[str, str]:
        """Client authentication in the body (RFC 6749 §2.3.1): always valid, so never throttled."""
        return {"client_id": client["client_id"], "client_secret": client["client_secret"]}

    async def send(
        self, step: str, method: str, path: str, expected: Sequence[int], **kw: Any
    ) -> httpx.Response | None:
        """One request out of the budget (raises :class:`BudgetSpent` when none is left)."""
        if not self.budget.take():
            raise BudgetSpent
        return await self.exchange(step, method, path, expected, **kw)

    async def exchange(
        self, step: str, method: str, path: str, expected: Sequence[int], **kw: Any
    ) -> httpx.Response | None:
        """Send an already budgeted request and record its answer (None when there was none)."""
        self.recorder.sent += 1
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, **kw)
        except httpx.HTTPError as error:
            self.recorder.failure(step, error)
            return None
        self.recorder.answer(step, response.status_code, time.perf_counter() - started, expected)
        return response


def _json(response: httpx.Response | None) -> dict[str, Any]:
    if response is None:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _csrf(vc: VirtualClient, step: str, response: httpx.Response | None) -> str | None:
    if response is None or response.status_code != 200:
        return None
    match = _CSRF.search(response.text)
    if match is None:
        vc.recorder.surprise(f"{step} no csrf_token")
    return match.group(1) if match else None


async def client_credentials(vc: VirtualClient) -> str | None:
    """RFC 6749 §4.4: an access token for the client's own service account."""
    data = {"grant_type": "client_credentials", **vc.auth(vc.cc_client)}
    response = await vc.send("client_credentials", "POST", TOKEN_PATH, (200,), data=data)
    return (
        _json(response).get("access_token") if response is not None and response.status_code == 200 else None
    )


async def patients(vc: VirtualClient, token: str | None, step: str = "patients", expected: int = 200) -> None:
    """RFC 6750 §2.1: ``GET /v2/patients`` with ``Authorization: Bearer``."""
    if token is not None:
        headers = {"Authorization": f"Bearer {token}"}
        await vc.send(step, "GET", PATIENTS_PATH, (expected,), headers=headers)


async def authorization_code(vc: VirtualClient) -> tuple[str, str] | None:
    """RFC 6749 §4.1.1-§4.1.2: authorize, log in, consent; returns (code, PKCE verifier).

    The login and consent forms carry a CSRF token tied to the session cookie (RFC 6749 §10.12);
    the login rotates the session (303 to consent); approval redirects (302) with code and state.
    """
    client = vc.code_client
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(12)
    params = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": client["redirect_uri"],
        "scope": "read write",
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = await vc.send("authorize", "GET", AUTHORIZE_PATH, (200,), params=params)
    csrf = _csrf(vc, "authorize", page)
    if csrf is None:
        return None
    form = {
        "csrf_token": csrf,
        "username": vc.user["username"],
        "password": vc.user["password"],
        "action": "login",
    }
    login = await vc.send("login", "POST", LOGIN_PATH, (303,), data=form)
    if login is None or login.status_code != 303:
        return None
    csrf = _csrf(vc, "consent page", await vc.send("consent page", "GET", CONSENT_PATH, (200,)))
    if csrf is None:
        return None
    approved = await vc.send(
        "consent", "POST", CONSENT_PATH, (302,), data={"csrf_token": csrf, "decision": "approve"}
    )
    if approved is None or approved.status_code != 302:
        return None
    returned = {
        name: values[0]
        for name, values in parse_qs(urlsplit(approved.headers.get("location", "")).query).items()
    }
    if returned.get("state") != state or "code" not in returned:
        vc.recorder.surprise("consent redirect without code or exact state")
        return None
    return returned["code"], verifier


def _code_form(vc: VirtualClient, code: str, verifier: str) -> dict[str, str]:
    """RFC 6749 §4.1.3 with the PKCE verifier (RFC 7636 §4.5)."""
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": vc.code_client["redirect_uri"],
        "code_verifier": verifier,
        **vc.auth(vc.code_client),
    }


def _refresh_form(vc: VirtualClient, refresh_token: str) -> dict[str, str]:
    """RFC 6749 §6."""
    return {"grant_type": "refresh_token", "refresh_token": refresh_token, **vc.auth(vc.code_client)}


async def redeem(
    vc: VirtualClient, step: str, path: str, form: dict[str, str], value: str
) -> dict[str, Any] | None:
    """One redemption of a code or refresh token; the token response on success."""
    response = await vc.send(step, "POST", path, (200,), data=form)
    success = response is not None and response.status_code == 200
    vc.recorder.redeemed(value, int(success))
    return _json(response) if success else None


async def race(
    vc: VirtualClient, kind: str, path: str, form: dict[str, str], value: str, racers: int
) -> tuple[bool, dict[str, Any] | None]:
    """``racers`` concurrent redemptions of one code or refresh token: at most one may succeed.

    RFC 6749 §4.1.2 (codes are single-use) and RFC 9700 §4.14.2 (a rotated refresh token is
    invalidated). The losers must get ``invalid_grant`` (RFC 6749 §5.2). Returns (whether the
    server refused a reuse, the winner's body). Without budget for the whole race, the value is
    redeemed once instead; a race with an unanswered request is not counted as a race.
    """
    step = f"{kind} race"
    if not vc.budget.take(racers):
        return False, await redeem(vc, kind, path, form, value)
    answers = await asyncio.gather(
        *(vc.exchange(step, "POST", path, (200, 400), data=form) for _ in range(racers))
    )
    winners = [_json(a) for a in answers if a is not None and a.status_code == 200]
    refused = [_json(a).get("error") for a in answers if a is not None and a.status_code == 400]
    for error in refused:
        if error != "invalid_grant":
            vc.recorder.surprise(f"{step} loser error {error!r}")
    if all(a is not None for a in answers):
        vc.recorder.race(kind, len(winners))
    vc.recorder.redeemed(value, len(winners))
    return "invalid_grant" in refused, winners[0] if winners else None


async def code_race(vc: VirtualClient, code: str, verifier: str, racers: int) -> None:
    """Race one code; after a refused replay the winner's access token must be revoked.

    RFC 6749 §4.1.2, §10.5: the server "SHOULD revoke (when possible) all tokens previously issued
    based on that authorization code".
    """
    replayed, won = await race(vc, "code", TOKEN_PATH, _code_form(vc, code, verifier), code, racers)
    if replayed and won is not None:
        await patients(vc, won.get("access_token"), "patients after code replay", 401)


async def refresh_race(vc: VirtualClient, refresh_token: str, racers: int) -> None:
    """Race one refresh token; a refused reuse revokes the family, so the winner's new token must fail.

    RFC 9700 §4.14.2: reuse of an invalidated refresh token "will inform the authorization server
    of the breach".
    """
    replayed, won = await race(
        vc, "refresh", REFRESH_PATH, _refresh_form(vc, refresh_token), refresh_token, racers
    )
    rotated = won.get("refresh_token") if won else None
    if replayed and rotated is not None:
        response = await vc.send(
            "refresh after reuse", "POST", REFRESH_PATH, (400,), data=_refresh_form(vc, rotated)
        )
        vc.recorder.redeemed(rotated, int(response is not None and response.status_code == 200))


async def one_round(vc: VirtualClient, turn: int) -> None:
    """One pass of the mix: odd turns race the code; even turns redeem, refresh, then race the refresh."""
    await patients(vc, await client_credentials(vc))
    granted = await authorization_code(vc)
    if granted is None:
        return
    code, verifier = granted
    racers = 2 + (turn // 2) % 2
    if turn % 2:
        await code_race(vc, code, verifier, racers)
        return
    tokens = await redeem(vc, "code", TOKEN_PATH, _code_form(vc, code, verifier), code)
    first = _refresh_token(vc, tokens)
    if tokens is None or first is None:
        return
    await patients(vc, tokens.get("access_token"))
    rotated = await redeem(vc, "refresh", REFRESH_PATH, _refresh_form(vc, first), first)
    second = _refresh_token(vc, rotated)
    if rotated is None or second is None:
        return
    await patients(vc, rotated.get("access_token"))
    await refresh_race(vc, second, racers)


def _refresh_token(vc: VirtualClient, tokens: dict[str, Any] | None) -> str | None:
    """The refresh token of a code or refresh response (RFC 6749 §5.1; rotation: RFC 9700 §4.14.2)."""
    if tokens is None:
        return None
    value = tokens.get("refresh_token")
    if not isinstance(value, str):
        vc.recorder.surprise("token response without refresh_token")
        return None
    return value


async def run_client(vc: VirtualClient) -> None:
    """Loop over the mix until the budget is spent."""
    turn = vc.index
    try:
        while True:
            await one_round(vc, turn)
            turn += 1
    except BudgetSpent:
        return


def _roles(credentials: dict[str, Any], index: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(client for client_credentials, client for the code flow) of virtual client ``index``."""
    clients = credentials["clients"]
    cc_roles = [role for role in ("primary", "secondary", "read_only") if role in clients]
    code_roles = [role for role in ("primary", "secondary") if clients.get(role, {}).get("redirect_uri")]
    if not code_roles:
        raise ValueError("credentials need a client with a redirect_uri for the authorization code flow")
    return clients[cc_roles[index % len(cc_roles)]], clients[code_roles[index % len(code_roles)]]


def _cache_missing_sniffio() -> None:
    """Make httpcore's per-request ``import sniffio`` fail fast when sniffio is not installed.

    httpcore 1.0.x imports the optional sniffio inside ``current_async_library()`` on every lock
    and connection setup; Python does not cache a failed import, so each request rescans
    ``sys.path`` (encode/httpcore#1103): that made this generator, not the server, the bottleneck.
    A ``None`` entry in ``sys.modules`` raises the same ImportError at once (the import system's
    documented behaviour), so nothing changes but the cost.
    """
    if "sniffio" in sys.modules:
        return
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


async def run_load_async(
    base_url: str, credentials: dict[str, Any], *, clients: int, requests: int
) -> LoadResult:
    """:func:`run_load` inside a running event loop."""
    if clients < 1 or requests < 1:
        raise ValueError("clients and requests must be at least 1")
    _cache_missing_sniffio()
    budget, recorder = Budget(requests), Recorder()
    # Idle connections are dropped after 2 s, before uvicorn closes them (timeout_keep_alive, 5 s):
    # with httpx's default of 5 s a request could be sent on a connection the server is closing.
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=4, keepalive_expiry=2.0)
    tls = ssl.create_default_context()  # one for all clients: building one costs ~50 ms
    async with AsyncExitStack() as stack:
        virtual = []
        for index in range(clients):
            http = await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits, verify=tls)
            )
            cc_client, code_client = _roles(credentials, index)
            virtual.append(
                VirtualClient(index, http, budget, recorder, cc_client, code_client, credentials["user"])
            )
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(run_client(vc) for vc in virtual))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return recorder.result(clients, wall, cpu)


def run_load(base_url: str, credentials: dict[str, Any], *, clients: int, requests: int) -> LoadResult:
    """Run ``clients`` virtual clients against ``base_url`` until ``requests`` requests were sent.

    ``credentials`` is shaped like ``ReferenceServer.credentials``: ``{"clients": {role: {client_id,
    client_secret, redirect_uri, ...}}, "user": {username, password}}``.
    """
    return asyncio.run(run_load_async(base_url, credentials, clients=clients, requests=requests))


# Command line.


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Bounded load test of the reference Spry OAuth 2.0 server.")
    parser.add_argument("--clients", type=int, default=64, help="concurrent virtual clients (64)")
    parser.add_argument("--requests", type=int, default=5000, help="requests to send in total (5000)")
    parser.add_argument(
        "--url", help="a running server (secrets from SPRY_CLIENT_SECRET ... SPRY_USER_PASSWORD)"
    )
    parser.add_argument("--json", action="store_true", help="also print the result as one JSON line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load test; exit status 1 when any problem (5xx, double redemption, ...) was seen."""
    args = _parser().parse_args(argv)
    if args.clients < 1 or args.requests < 1:
        print("load.py: --clients and --requests must be at least 1", file=sys.stderr)
        return 2
    server: ServerProcess | None = None
    try:
        if args.url:
            url, credentials = args.url.rstrip("/"), credentials_from_env()
        else:
            server = start_server()
            url, credentials = server.url, server.credentials
        before = server.cpu_seconds() if server else None
        result = run_load(url, credentials, clients=args.clients, requests=args.requests)
        after = server.cpu_seconds() if server else None
        if before is not None and after is not None:
            result.server_cpu_seconds = round(after - before, 2)
    except (RuntimeError, ValueError) as error:
        print(f"load.py: {error}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
    print(f"target                   {url}\n{result.table()}")
    for problem in result.problems():
        print(f"PROBLEM: {problem}")
    for sample in result.error_samples:
        print(f"  error: {sample}")
    if server is not None and server.error_lines():
        print("server errors:", *server.error_lines()[:20], sep="\n  ", file=sys.stderr)
    if args.json:
        print(result.to_json())
    return 1 if result.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
