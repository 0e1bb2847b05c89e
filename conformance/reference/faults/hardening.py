"""Hardening faults: CORS, throttling, error pages, the login pages' headers, open redirects, and
transport (RFC 6749 §3.1, §3.2; RFC 9325 §3.2; the transport faults show only on a server started
with TLS)."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
    Fault(
        "cors-reflected-origin-credentials",
        ("SEC-CORS",),
        "token responses reflect any Origin in Access-Control-Allow-Origin, with credentials allowed",
    ),
    Fault("no-throttle", ("SEC-BRUTE-FORCE-THROTTLED",), "failed client authentications are never throttled"),
    Fault(
        "stacktrace-on-error",
        ("SEC-NO-STACKTRACE",),
        "a malformed Basic header answers 500 with a Python traceback",
    ),
    Fault(
        "secret-echoed",
        ("SEC-NO-SECRET-ECHO",),
        "invalid_client error_description echoes the submitted client_secret",
    ),
    Fault("no-hsts", ("SEC-HSTS",), "responses over TLS carry no Strict-Transport-Security", needs_tls=True),
    Fault(
        "plain-http-served",
        ("SEC-TLS-REQUIRED",),
        "the TLS port also serves plain HTTP (no TLS required)",
        needs_tls=True,
    ),
    Fault(
        "login-csrf-not-checked",
        ("SEC-LOGIN-CSRF",),
        "the login/consent forms accept a POST without the CSRF token",
    ),
    Fault(
        "framing-allowed",
        ("SEC-ANTI-FRAMING", "SEC-CSP-FRAME-ANCESTORS"),
        "login page has no X-Frame-Options and no CSP frame-ancestors",
    ),
    Fault(
        "no-frame-ancestors",
        ("SEC-CSP-FRAME-ANCESTORS",),
        "the pages forbid framing with X-Frame-Options only (no CSP frame-ancestors)",
    ),
    Fault("no-referrer-policy", ("SEC-REFERRER-POLICY",), "the pages send no Referrer-Policy"),
    Fault("login-page-cacheable", ("SEC-LOGIN-NO-STORE",), "the pages have no Cache-Control: no-store"),
    Fault(
        "authorize-cors",
        ("SEC-CORS-AUTHORIZE",),
        "the authorization endpoint's pages answer Access-Control-Allow-Origin: *",
    ),
    Fault(
        "open-redirect-on-error",
        ("SEC-NO-OPEN-REDIRECT",),
        "the error for an unknown client redirects to the supplied redirect_uri",
    ),
)
