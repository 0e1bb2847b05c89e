"""The only place that sends requests to the target.

One httpx client per run: connection reuse, timeouts, TLS verified unless the user says
otherwise, redirects never followed (the flows handle each one themselves), a request-rate
cap, a request budget, a read cap on bodies, a count of requests sent, and every exchange
masked and handed to the evidence recorder.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import json
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from http.client import HTTPException, HTTPResponse
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx

from conformance import __version__
from conformance.errors import BudgetExhausted, CredentialGuard, TargetError
from conformance.evidence import Exchange, Recorder, clip
from conformance.masking import Masker
from conformance.urls import origin_text, same_origin

MAX_BODY_BYTES = 2 * 1024 * 1024  # a response is read up to this many (decoded) bytes
ACCEPT_ENCODING = "gzip, deflate"  # the content codings `_read_capped` undoes, each within the read cap
USER_AGENT = f"spry-conformance/{__version__}"

FormData = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Response:
    """What came back: status, headers, body (read up to the cap) and the masked exchange."""

    status: int
    headers: httpx.Headers
    content: bytes
    url: str
    exchange: Exchange
    truncated: bool = False

    @cached_property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @cached_property
    def json(self) -> Any:
        """The parsed JSON body, or None when the body is not JSON."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            return None

    @property
    def location(self) -> str | None:
        return self.headers.get("location")

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400 and self.location is not None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


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
    requests_sent: int = 0
    _client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._limiter = RateLimiter(self.max_rps)
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            verify=_tls(self.verify),
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
        url = self.url(path_or_url)
        headers = dict(headers or {})
        if basic is not None:
            headers["Authorization"] = basic_authorization(*basic)
        body: bytes | None = None
        if data is not None:
            pairs = list(data.items()) if isinstance(data, Mapping) else list(data)
            body = urlencode(pairs).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content
        if params:
            query = urlencode(list(params.items()) if isinstance(params, Mapping) else list(params))
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        self._guard(url, headers, body)
        request = self._client.build_request(method, url, headers=headers, content=body)
        if cookies is not None:
            cookies.set_cookie_header(request)
        self._spend()
        self._limiter.wait()
        response = self._send(request, cookies)
        delay = retry_after(response) if wait_when_throttled else None
        if delay is not None and delay <= self.max_retry_wait:
            time.sleep(delay)
            self._spend()
            self._limiter.wait()
            response = self._send(request, cookies)
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
        """Send one form request per body so that the target receives them at the same instant (a race).

        Each request gets a new connection and is written but for its last byte; once all are
        written, the last bytes go out back to back (last-byte synchronisation), so the target
        completes every request within a fraction of a millisecond. The rules of `request` hold:
        the credential guard, the budget and the rate cap (a slot per request, taken before the
        release), the timeout and TLS settings, the read cap, masked evidence for every exchange.
        """
        url = self.url(path_or_url)
        prepared: list[httpx.Request] = []
        for data in bodies:
            extra = {**(headers or {}), "Connection": "close", "Accept-Encoding": "identity"}
            if basic is not None:
                extra["Authorization"] = basic_authorization(*basic)
            extra.setdefault("Content-Type", "application/x-www-form-urlencoded")
            body = urlencode(list(data.items()) if isinstance(data, Mapping) else list(data)).encode()
            self._guard(url, extra, body)
            prepared.append(self._client.build_request(method, url, headers=extra, content=body))
        for _ in prepared:
            self._spend()
            self._limiter.wait()
        connections: list[tuple[httpx.Request, socket.socket]] = []
        try:
            for request in prepared:  # every connection opened, every request written but its last byte
                started = time.perf_counter()
                try:
                    connections.append((request, self._connect(request)))
                except OSError as error:
                    raise self._failed(request, started, f"could not connect: {_reason(error)}") from None
                self._write(*connections[-1], _wire(request)[:-1], started)
            started = time.perf_counter()
            for request, sock in connections:  # the release: the last bytes, back to back
                self._write(request, sock, _wire(request)[-1:], started)
            return [self._read_raw(request, sock, started) for request, sock in connections]
        finally:
            for _, sock in connections:
                sock.close()

    def _connect(self, request: httpx.Request) -> socket.socket:
        """A new TCP (and, for https, TLS) connection to the request's host, with the run's timeout."""
        host, port = request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80)
        sock = socket.create_connection((host, port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if request.url.scheme != "https":
            return sock
        context = _tls(self.verify)
        if not isinstance(context, ssl.SSLContext):
            context = ssl.create_default_context()
            if not self.verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        try:
            return context.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise

    def _write(self, request: httpx.Request, sock: socket.socket, data: bytes, started: float) -> None:
        try:
            sock.sendall(data)
        except OSError as error:
            raise self._failed(request, started, f"{type(error).__name__}: {_reason(error)}") from None

    def _read_raw(self, request: httpx.Request, sock: socket.socket, started: float) -> Response:
        """Read one response from a raw connection (up to the read cap) and record it."""
        raw = HTTPResponse(sock, method=request.method)
        try:
            raw.begin()
            content = _read_raw_capped(raw, self.timeout)
        except TimeoutError:
            raise self._failed(request, started, f"timed out after {self.timeout:g} s") from None
        except (OSError, HTTPException) as error:
            raise self._failed(request, started, f"{type(error).__name__}: {_reason(error)}") from None
        finally:
            raw.close()
        truncated = len(content) > MAX_BODY_BYTES
        content = content[:MAX_BODY_BYTES]
        headers = httpx.Headers(raw.getheaders())
        elapsed = (time.perf_counter() - started) * 1000
        exchange = self._capture(request, raw.status, headers, content, truncated, elapsed)
        return Response(raw.status, headers, content, str(request.url), exchange, truncated)

    def close(self) -> None:
        self._client.close()

    def _spend(self) -> None:
        with self._lock:
            if self.max_requests is not None and self.requests_sent >= self.max_requests:
                raise BudgetExhausted(f"request budget of {self.max_requests} spent")
            self.requests_sent += 1

    def _guard(self, url: str, headers: Mapping[str, str], body: bytes | None) -> None:
        """Credentials go to the target's own origin and nowhere else (RFC 6749 §10.6, §10.15)."""
        if same_origin(url, self.base_url):
            return
        carries = any(h.lower() in {"authorization", "cookie"} for h in headers)
        if body and any(k in body for k in (b"client_secret=", b"password=", b"refresh_token=", b"code=")):
            carries = True
        if carries:
            raise CredentialGuard(
                f"refused to send credentials to {origin_text(url)} (the target is {origin_text(self.base_url)})"
            )

    def _send(self, request: httpx.Request, cookies: httpx.Cookies | None) -> Response:
        started = time.perf_counter()
        try:
            raw = self._client.send(request, stream=True)
            try:
                content, truncated = _read_capped(raw, self.timeout)
            finally:
                raw.close()
            if cookies is not None:
                cookies.extract_cookies(raw)
        except httpx.TimeoutException as error:
            raise self._failed(
                request, started, f"timed out after {self.timeout:g} s ({type(error).__name__})"
            ) from None
        except httpx.ConnectError as error:
            raise self._failed(request, started, f"could not connect: {_reason(error)}") from None
        except (httpx.HTTPError, ssl.SSLError, UnicodeError) as error:
            raise self._failed(request, started, f"{type(error).__name__}: {_reason(error)}") from None
        elapsed = (time.perf_counter() - started) * 1000
        exchange = self._capture(request, raw.status_code, raw.headers, content, truncated, elapsed)
        return Response(raw.status_code, raw.headers, content, str(request.url), exchange, truncated)

    def _failed(self, request: httpx.Request, started: float, reason: str) -> TargetError:
        elapsed = (time.perf_counter() - started) * 1000
        exchange = Exchange(
            method=request.method,
            url=self.masker.mask(str(request.url)),
            request_headers=self.masker.mask_headers(request.headers.items()),
            request_body=self.masker.mask(clip(request.content.decode("utf-8", "replace"))),
            status=None,
            elapsed_ms=round(elapsed, 1),
            error=reason,
        )
        self.recorder.record(exchange)
        error = TargetError(f"{request.method} {exchange.url}: {reason}")
        error.exchange = exchange  # type: ignore[attr-defined]
        return error

    def _capture(
        self,
        request: httpx.Request,
        status: int,
        headers: httpx.Headers,
        content: bytes,
        truncated: bool,
        elapsed: float,
    ) -> Exchange:
        """Learn the credentials the target issued, then record the exchange masked."""
        text, not_utf8 = _decoded(content, truncated)
        with contextlib.suppress(ValueError, RecursionError):  # a body nested too deep is no credential
            self.masker.register_from(json.loads(text))
        location = headers.get("location")
        if location:
            self.masker.register_from(dict(httpx.URL(location).params.multi_items()))
        response_body = clip(text) + (" (body cut at the read cap)" if truncated else "") + not_utf8
        exchange = Exchange(
            method=request.method,
            url=self.masker.mask(str(request.url)),
            request_headers=self.masker.mask_headers(request.headers.items()),
            request_body=self.masker.mask(clip(request.content.decode("utf-8", "replace"))),
            status=status,
            response_headers=self.masker.mask_headers(headers.items()),
            response_body=self.masker.mask(response_body),
            elapsed_ms=round(elapsed, 1),
        )
        self.recorder.record(exchange)
        return exchange


class _NoCookies(DefaultCookiePolicy):
    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False


def retry_after(response: Response) -> float | None:
    """Seconds a 429 asks the client to wait (Retry-After: delay-seconds or an HTTP-date), or None."""
    value = response.headers.get("retry-after", "").strip() if response.status == 429 else ""
    if value.isdigit():
        return float(value)
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time()) if when.tzinfo else None


def basic_authorization(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined by ':' and base64-encoded."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def _decoded(content: bytes, truncated: bool) -> tuple[str, str]:
    """The body as text, and a note when it is not valid UTF-8 (RFC 8259 §8.1: JSON between systems MUST be)."""
    try:
        return content.decode("utf-8"), ""
    except UnicodeDecodeError as error:
        if truncated and error.reason == "unexpected end of data":  # the read cap cut a character in two
            return content.decode("utf-8", errors="replace"), ""
        note = f" (not valid UTF-8 from byte {error.start}: shown with U+FFFD replacement characters)"
        return content.decode("utf-8", errors="replace"), note


def _read_capped(raw: httpx.Response, timeout: float) -> tuple[bytes, bool]:
    """The body, decoded, up to the read cap (and whether it was cut); the whole body within `timeout` s.

    The content codings are undone here, not by httpx: each decoding stage stops at the cap, so a
    gzip bomb (a few KB that inflate to gigabytes, twice gzipped even) costs a few MB at most. A body
    that keeps trickling in (every read within the timeout, the whole never) times out.
    """
    deadline = time.monotonic() + timeout
    codings = [c.strip().lower() for c in raw.headers.get("content-encoding", "").split(",")]
    # the last coding applied is undone first; other codings (identity, or unasked br) are left as they are
    stages = [_Inflater(c) for c in reversed(codings) if c in _INFLATE]
    chunks: list[bytes] = []
    size = 0
    for raw_chunk in raw.iter_raw():
        chunk = raw_chunk
        for stage in stages:
            chunk = stage.feed(chunk)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES or any(stage.full for stage in stages):
            return b"".join(chunks)[:MAX_BODY_BYTES], True
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the body was still arriving", request=raw.request)
    tail = b""
    for stage in stages:
        tail = stage.feed(tail) + stage.flush()
    chunks.append(tail)
    size += len(tail)
    return b"".join(chunks)[:MAX_BODY_BYTES], size > MAX_BODY_BYTES or any(stage.full for stage in stages)


def _read_raw_capped(raw: HTTPResponse, timeout: float) -> bytes:
    """Up to the read cap plus one byte of a raw response's body, the whole within `timeout` s."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        chunk = raw.read1(MAX_BODY_BYTES + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline and size <= MAX_BODY_BYTES:
            raise TimeoutError("the body was still arriving")
    return b"".join(chunks)


_INFLATE = {"gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}  # what httpx decodes (no br, zstd)


class _Inflater:
    """One gzip or deflate coding undone, producing no more than the read cap (plus one byte) in all."""

    def __init__(self, coding: str) -> None:
        self.raw_deflate_allowed = coding == "deflate"  # as httpx (and browsers): a zlib wrapper, or none
        self._zlib = zlib.decompressobj(_INFLATE[coding])
        self.produced = 0
        self.full = False  # the cap was reached: the rest of the stream is never inflated

    def feed(self, data: bytes) -> bytes:
        room = MAX_BODY_BYTES + 1 - self.produced
        if not data or room <= 0:  # (max_length 0 would mean "no limit")
            self.full = self.full or bool(data)
            return b""
        try:
            out = self._zlib.decompress(data, room)
        except zlib.error as error:
            if not (self.raw_deflate_allowed and self.produced == 0):
                raise httpx.DecodingError(str(error)) from None
            self.raw_deflate_allowed = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.feed(data)
        self.raw_deflate_allowed = False
        self.produced += len(out)
        self.full = self.full or bool(self._zlib.unconsumed_tail) or self.produced > MAX_BODY_BYTES
        return out

    def flush(self) -> bytes:
        if self.full:
            return b""
        try:
            out = self._zlib.flush()[: MAX_BODY_BYTES + 1 - self.produced]
        except zlib.error as error:
            raise httpx.DecodingError(str(error)) from None
        self.produced += len(out)
        return out


def _wire(request: httpx.Request) -> bytes:
    """The request as HTTP/1.1 bytes: request line, headers, body."""
    head = [f"{request.method} {request.url.raw_path.decode('ascii')} HTTP/1.1".encode()]
    head += [name + b": " + value for name, value in request.headers.raw]
    return b"\r\n".join(head) + b"\r\n\r\n" + request.content


def _tls(verify: bool | str) -> bool | ssl.SSLContext:
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:300]
