"""The session: the only way the suite sends requests, and the policy every request keeps.

One httpx client per run: connection reuse, timeouts, TLS verified unless the user says otherwise,
redirects never followed (the flows handle each one themselves), a request-rate cap, a request
budget, a read cap on bodies, a count of requests sent, credentials only to the target's origin,
and every exchange masked and handed to the evidence recorder.
"""

from __future__ import annotations

import contextlib
import copy
import json
import ssl
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from conformance import __version__
from conformance.errors import BudgetExhausted, TargetError
from conformance.evidence import Exchange, Recorder, clip
from conformance.http import race
from conformance.http.cookies import keep_cookies, origin_cookies
from conformance.http.decoding import ACCEPT_ENCODING, decoded, read_capped
from conformance.http.network import Network
from conformance.http.race import reason
from conformance.http.request import Outgoing, Pins, guard, outgoing
from conformance.http.response import FormData, Response, retry_after
from conformance.masking import Masker
from conformance.shape import READ_CAP_NOTE

USER_AGENT = f"spry-conformance/{__version__}"


class RateLimiter:
    """At most `rate` requests per second from this process (0 = no cap)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


class RequestBudget:
    """At most `limit` requests from this process (--max-requests, its share under xdist; None = no limit)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.spent = 0
        self._lock = threading.Lock()

    def spend(self) -> None:
        with self._lock:
            if self.limit is not None and self.spent >= self.limit:
                raise BudgetExhausted(f"request budget of {self.limit} spent")
            self.spent += 1

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.spent >= self.limit


@dataclass
class Session:
    """Sends requests to one target. Thread-safe; shared by every check of a run."""

    base_url: str
    masker: Masker
    recorder: Recorder
    timeout: float = 10.0
    verify: bool | str = True
    max_rps: float = 0.0
    max_requests: int | None = None
    max_retry_wait: float = 0.0  # a 429 whose Retry-After is at most this many seconds is waited for, once
    password_origins: tuple[str, ...] = ()  # [user.login] allowed_origins: the password may go there too
    passwords: tuple[str, ...] = field(default=(), repr=False)
    network: Network = field(default_factory=Network)  # proxy and client certificate, for both senders
    requests_sent: int = 0
    _client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.pins = Pins(
            self.base_url, self.password_origins, tuple(p for p in self.passwords if p), self.masker.known
        )
        self._lock = threading.Lock()
        self._limiter = RateLimiter(self.max_rps)
        self.budget = RequestBudget(self.max_requests)
        self._owns_client = True
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            verify=self.network.httpx_verify(self.verify),
            proxy=self.network.proxy,  # None: httpx reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY (trust_env)
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            # The client keeps no cookies of its own: a flow that needs them passes its own jar.
            cookies=CookieJar(
                policy=_NoCookies()
            ),  # a bare jar: httpx would copy a Cookies object into a default one
        )

    def url(self, path_or_url: str) -> str:
        return path_or_url if "://" in path_or_url else self.base_url.rstrip("/") + path_or_url

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: FormData | None = None,
        data: FormData | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        basic: tuple[str, str] | None = None,
        cookies: httpx.Cookies | None = None,
        wait_when_throttled: bool = True,
    ) -> Response:
        """Send one request and return its response; redirects are returned, never followed.

        A 429 with a Retry-After of at most `max_retry_wait` seconds (RFC 6585 §4, RFC 9110 §10.2.3) is
        waited for and the request sent once more: the target throttled the suite (its own negative
        checks count against a per-client limit, a run before this one too), which is no finding. Both
        exchanges stay in the evidence. A check that looks for the throttling passes `wait_when_throttled=False`.
        """
        request = outgoing(method, self.url(path_or_url), params=params, data=data, content=content,
                           headers=headers, basic=basic)  # fmt: skip
        guard(request, self.pins)
        built = self.build(request)
        if cookies is not None:
            origin_cookies(cookies, request.url).set_cookie_header(built)
        self.take_slot()
        response = self._send(built, cookies)
        delay = retry_after(response) if wait_when_throttled else None
        if delay is not None and delay <= self.max_retry_wait:
            time.sleep(delay)
            self.take_slot()
            response = self._send(built, cookies)
        return response

    def send_together(
        self,
        method: str,
        path_or_url: str,
        bodies: Sequence[FormData],
        *,
        headers: Mapping[str, str] | None = None,
        basic: tuple[str, str] | None = None,
    ) -> list[Response]:
        """Send one form request per body so that the target receives them at the same instant (a race)."""
        return race.send_together(self, method, self.url(path_or_url), bodies, headers=headers, basic=basic)

    def build(self, request: Outgoing) -> httpx.Request:
        """The httpx request for an outgoing one (the client adds User-Agent and Accept-Encoding)."""
        return self._client.build_request(
            request.method, request.url, headers=request.headers, content=request.body
        )

    def take_slot(self) -> None:
        """Spend one request of the budget (--max-requests), then wait for the rate cap's next slot."""
        self.budget.spend()
        with self._lock:
            self.requests_sent += 1
        self._limiter.wait()

    def sibling(self, recorder: Recorder) -> Session:
        """A session that records its exchanges to `recorder` and counts its own requests, but shares this
        one's connections, rate cap and request budget: what it sends (the expiry probes, from a timer
        thread) is evidence of its own checks, and still within `max_rps` and `--max-requests`."""
        twin = copy.copy(self)
        twin.recorder, twin.requests_sent = recorder, 0
        twin._lock, twin._owns_client = threading.Lock(), False
        return twin

    def close(self) -> None:
        if self._owns_client:  # a sibling's connections are its origin's to close
            self._client.close()

    def _send(self, request: httpx.Request, cookies: httpx.Cookies | None) -> Response:
        started = time.perf_counter()
        try:
            raw = self._client.send(request, stream=True)
            try:
                content, truncated = read_capped(raw, self.timeout)
            finally:
                raw.close()
            if cookies is not None:
                keep_cookies(cookies, raw)
        except httpx.TimeoutException as error:
            raise self.failed(
                request, started, f"timed out after {self.timeout:g} s ({type(error).__name__})"
            ) from None
        except httpx.ConnectError as error:
            raise self.failed(request, started, f"could not connect: {reason(error)}") from None
        except (httpx.HTTPError, ssl.SSLError, UnicodeError) as error:
            raise self.failed(request, started, f"{type(error).__name__}: {reason(error)}") from None
        elapsed = (time.perf_counter() - started) * 1000
        exchange = self.capture(request, raw.status_code, raw.headers, content, truncated, elapsed)
        return Response(raw.status_code, raw.headers, content, str(request.url), exchange, truncated)

    def failed(self, request: httpx.Request, started: float, reason: str) -> TargetError:
        elapsed = (time.perf_counter() - started) * 1000
        exchange = self._record(request, status=None, elapsed_ms=round(elapsed, 1), error=reason)
        error = TargetError(f"{request.method} {exchange.url}: {reason}")
        error.exchange = exchange  # type: ignore[attr-defined]
        return error

    def capture(
        self,
        request: httpx.Request,
        status: int,
        headers: httpx.Headers,
        content: bytes,
        truncated: bool,
        elapsed: float,
    ) -> Exchange:
        """Learn the credentials the target issued, then record the exchange masked."""
        text, not_utf8 = decoded(content, truncated)
        with contextlib.suppress(ValueError, RecursionError):  # a body nested too deep is no credential
            self.masker.register_from(json.loads(text))
        location = headers.get("location")
        if location:  # a code or token wherever the Location carries it: query, fragment, or odd places
            self.masker.register_from_text(location)
        response_body = clip(text) + (READ_CAP_NOTE if truncated else "") + not_utf8
        return self._record(
            request,
            status=status,
            response_headers=self.masker.mask_headers(headers.items()),
            response_body=self.masker.mask(response_body),
            elapsed_ms=round(elapsed, 1),
        )

    def _record(self, request: httpx.Request, **answer: Any) -> Exchange:
        """Record one exchange: the request as it went out, masked, and `answer` (already masked)."""
        exchange = self.recorder.kept(Exchange(  # minimised at capture: a resource body kept as its shape
            method=request.method,
            url=self.masker.mask(str(request.url)),
            request_headers=self.masker.mask_headers(request.headers.items()),
            request_body=self.masker.mask(clip(request.content.decode("utf-8", "replace"))),
            **answer,
        ))  # fmt: skip
        self.recorder.record(exchange)
        return exchange


class _NoCookies(DefaultCookiePolicy):
    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False
