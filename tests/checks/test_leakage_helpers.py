"""The leak recogniser, the echo finder and the browser-header readers, on inputs that must and must not match."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from conformance.evidence import Exchange
from conformance.flows.browser import (
    cache_directives,
    frame_ancestors,
    framing_verdict,
    referrer_policy,
    restricts_framing,
)
from conformance.flows.leaks import (
    DEBUG,
    SQL,
    TRACE,
    authorize_probes,
    echoes,
    find_leaks,
    resource_probes,
    token_probes,
)
from conformance.http import Response

LEAKING = {
    "python traceback": (TRACE, 'Traceback (most recent call last):\n  File "/app/oauth/token.py", line 42, in issue\n'
                                "    raise ValueError(x)\nValueError: bad"),
    "python frame in a starlette debug page": (
        TRACE, '<p class="center-line">File <span class="filename">/srv/app/views.py</span>, line <i>12</i>, in '
               '<span class="function">token</span></p>'),
    "python traceback inside JSON": (
        TRACE, json.dumps({"detail": 'Traceback (most recent call last):\n  File "/app/main.py", line 3, in f'})),
    "werkzeug debugger": (DEBUG, "<title>ValueError // Werkzeug Debugger</title>"),
    "django debug page": (
        DEBUG, "<p>You&#x27;re seeing this error because you have <code>DEBUG = True</code> in your Django settings</p>"),
    "java trace": (TRACE, "java.lang.NullPointerException\n\tat com.spry.oauth.TokenController.issue(TokenController.java:42)"),
    "spring exception": (TRACE, "org.springframework.web.HttpMediaTypeNotSupportedException: Content type not supported"),
    ".net trace": (TRACE, "System.NullReferenceException: Object reference not set to an instance of an object.\n"
                          "   at Spry.Auth.TokenController.Post() in C:\\src\\TokenController.cs:line 17"),
    "asp.net yellow page": (DEBUG, "<h1>Server Error in '/' Application.</h1>"),
    "express stack in HTML": (
        TRACE, "<pre>TypeError: Cannot read properties of undefined (reading &#39;split&#39;)<br> &nbsp; &nbsp;"
               "at parseBasic (/app/src/auth.js:12:27)<br> &nbsp; &nbsp;at Layer.handle [as handle_request] "
               "(/app/node_modules/express/lib/router/layer.js:95:5)</pre>"),
    "node internal frame": (TRACE, "Error: boom\n    at processTicksAndRejections (node:internal/process/task_queues:95:5)"),
    "php fatal error": (TRACE, "<b>Fatal error</b>:  Uncaught Exception: boom in /var/www/html/token.php:12\n"
                               "Stack trace:\n#0 {main}"),
    "php warning": (TRACE, "<b>Warning</b>:  Undefined array key \"client_id\" in <b>/var/www/oauth.php</b> on line <b>7</b>"),
    "laravel whoops": (DEBUG, "<title>Whoops, looks like something went wrong.</title>"),
    "ruby frame": (TRACE, "app/controllers/oauth_controller.rb:27:in `create'"),
    "rails exception page": (DEBUG, "<title>Action Controller: Exception caught</title>"),
    "go panic": (TRACE, "panic: runtime error: index out of range [1] with length 1\n\ngoroutine 7 [running]:"),
    "mysql": (SQL, "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server"),
    "postgres": (SQL, 'ERROR:  syntax error at or near "OR"\nLINE 1: ...'),
    "sqlite": (SQL, 'sqlite3.OperationalError: near "OR": syntax error'),
    "oracle": (SQL, "ORA-01756: quoted string not properly terminated"),
    "sql server": (SQL, "Unclosed quotation mark after the character string ''."),
    "pdo": (SQL, "SQLSTATE[42000]: Syntax error or access violation"),
    "sql statement": (SQL, "query failed: SELECT id, secret FROM oauth_clients WHERE client_id = ''' OR 1=1"),
}  # fmt: skip

CLEAN = {
    "rfc 6749 error": json.dumps({"error": "invalid_client", "error_description": "client authentication failed"}),
    "spry envelope": json.dumps({"code": 4001, "data": None, "message": "authentication required"}),
    "plain 500": "Internal Server Error",
    "login page": '<!doctype html><html><head><title>Sign in - Spry</title></head><body><form method="post" '
                  'action="/apis/v2/oauth/login"><input type="hidden" name="csrf_token" value="abc">'
                  '<input type="password" name="password"></form></body></html>',
    "times and words": "Too many attempts at 12:30:45; select a scope from the list where you were; line 3 of the form",
    "system word": json.dumps({"message": "System maintenance at /status until 10:00:00"}),
    "file word": "The file could not be read, line 3 is empty",
    "nginx error page": "<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(LEAKING))
def test_leaks_are_recognised(name: str) -> None:
    kind, text = LEAKING[name]
    leaks = find_leaks(text)
    assert kind in {leak.kind for leak in leaks}, (name, leaks)


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_ordinary_errors_are_not_leaks(name: str) -> None:
    assert find_leaks(CLEAN[name]) == []


def test_debug_headers_and_header_texts_are_read() -> None:
    assert [leak.kind for leak in find_leaks("", [("X-Debug-Exception", "Undefined index")])] == [DEBUG]
    location = "https://client.example.org/cb?error=server_error&error_description=Traceback+%28most+recent+call+last%29"
    assert find_leaks("", [("Location", location)])
    assert find_leaks("", [("WWW-Authenticate", 'Bearer realm="spry", error="invalid_token"')]) == []


def _response(content: bytes, headers: dict[str, str] | None = None, status: int = 400) -> Response:
    exchange = Exchange("POST", "http://t/x", [], "", status)
    return Response(status, httpx.Headers(headers or {}), content, "http://t/x", exchange)


SECRET = "s3cr3t-Value_with-enough-length"


@pytest.mark.parametrize(
    "content, headers, where",
    [
        (
            json.dumps({"error": "invalid_client", "error_description": f"wrong secret {SECRET}"}).encode(),
            {},
            ["body"],
        ),
        (b"<p>wrong secret s3cr3t-Value_with-enough-length</p>", {}, ["body"]),
        (
            b"{}",
            {"WWW-Authenticate": f'Basic realm="spry", error_description="bad {SECRET}"'},
            ["header www-authenticate"],
        ),
        (b"TRACE / HTTP/1.1\r\nAuthorization: Basic " + base64.b64encode(SECRET.encode()), {}, ["body"]),
        (b"client_secret=s3cr3t-Value_with-enough-length", {}, ["body"]),
    ],
)
def test_an_echo_is_found_raw(content: bytes, headers: dict[str, str], where: list[str]) -> None:
    assert echoes(_response(content, headers), SECRET) == where


def test_no_echo_without_the_value() -> None:
    body = json.dumps(
        {"error": "invalid_client", "error_description": "client authentication failed"}
    ).encode()
    assert echoes(_response(body, {"WWW-Authenticate": 'Basic realm="spry"'}), SECRET) == []
    assert echoes(_response(b"s3cr3t-Value"), SECRET) == []  # a prefix is not the value


def _headers(*pairs: tuple[str, str]) -> httpx.Headers:
    return httpx.Headers(list(pairs))


@pytest.mark.parametrize(
    "pairs, forbidden",
    [
        ([("X-Frame-Options", "DENY")], True),
        ([("X-Frame-Options", "sameorigin")], True),
        ([("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")], True),
        ([("Content-Security-Policy", "frame-ancestors https://portal.example.org")], True),
        ([("Content-Security-Policy", "frame-ancestors 'self'"), ("X-Frame-Options", "ALLOWALL")], True),
        ([], False),
        ([("X-Frame-Options", "ALLOW-FROM https://evil.example")], False),
        ([("Content-Security-Policy", "frame-ancestors *"), ("X-Frame-Options", "DENY")], False),  # CSP wins
        ([("Content-Security-Policy", "frame-ancestors https:")], False),
        ([("Content-Security-Policy", "default-src 'self'")], False),
        ([("Content-Security-Policy-Report-Only", "frame-ancestors 'none'")], False),
    ],
)
def test_framing_is_judged_as_browsers_do(pairs: list[tuple[str, str]], forbidden: bool) -> None:
    assert framing_verdict(_headers(*pairs))[0] is forbidden


def test_frame_ancestors_sources() -> None:
    headers = _headers(
        ("Content-Security-Policy", "script-src 'self', frame-ancestors 'self' https://a.example")
    )
    assert frame_ancestors(headers) == [["'self'", "https://a.example"]]
    assert restricts_framing(["'none'"]) and restricts_framing(["*.example.org"])
    assert not restricts_framing([]) and not restricts_framing(["*"]) and not restricts_framing(["data:"])


@pytest.mark.parametrize(
    "pairs, html, policy",
    [
        ([("Referrer-Policy", "no-referrer")], "", "no-referrer"),
        (
            [("Referrer-Policy", "unsafe-url, strict-origin-when-cross-origin")],
            "",
            "strict-origin-when-cross-origin",
        ),
        ([("Referrer-Policy", "no-referrer, foo")], "", "no-referrer"),
        ([], '<meta name="referrer" content="same-origin">', "same-origin"),
        ([("Referrer-Policy", "no-referrer")], "<meta content='unsafe-url' name='referrer'>", "unsafe-url"),
        ([], "", None),
        ([("Referrer-Policy", "bogus")], "", None),
    ],
)
def test_referrer_policy(pairs: list[tuple[str, str]], html: str, policy: str | None) -> None:
    assert referrer_policy(_headers(*pairs), html) == policy


def test_cache_directives() -> None:
    assert "no-store" in cache_directives(_headers(("Cache-Control", "private, No-Store, max-age=0")))
    assert "no-store" not in cache_directives(_headers(("Cache-Control", "no-cache, max-age=0")))


def test_probes_are_bounded_and_touch_no_registered_client() -> None:
    token = token_probes("/token")
    assert 5 <= len(token) <= 20
    assert all(b"conformance-" not in (p.content or b"") for p in token)
    assert len(authorize_probes("/authorize", "conformance-primary", "https://c.example/cb")) <= 10
    assert len(authorize_probes("/authorize", None, None)) == 2
    assert len(resource_probes("GET", "/v2/patients")) <= 10
