"""HTML pages of the authorization flow: login, consent and error pages.

Everything rendered is escaped (``html.escape``). Every page forbids framing (RFC 6749 §10.13,
RFC 9700 §4.7: clickjacking) with ``X-Frame-Options: DENY`` and ``Content-Security-Policy:
frame-ancestors 'none'``, leaks no Referer (RFC 9700 §4.2.4) and is not cached.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

from .faults import FaultSet
from .registry import Client
from .store import LoginSession

SCOPE_TEXT = {"read": "Read access to all resources", "write": "Write access to all resources"}


def page(faults: FaultSet, title: str, body: str, *, status: int = 200) -> HTMLResponse:
    """An HTML page with the security headers."""
    headers = {}
    if not faults.on("no-referrer-policy"):
        headers["Referrer-Policy"] = "no-referrer"
    if not faults.on("login-page-cacheable"):
        headers["Cache-Control"] = "no-store"
    if not faults.on("framing-allowed"):
        headers["X-Frame-Options"] = "DENY"
        if not faults.on("no-frame-ancestors"):
            headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    if faults.on(
        "authorize-cors"
    ):  # RFC 9700 §2.6: "CORS MUST NOT be supported at the authorization endpoint"
        headers["Access-Control-Allow-Origin"] = "*"
    document = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - Spry</title></head>\n<body>\n<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return HTMLResponse(document, status_code=status, headers=headers)


def error_page(faults: FaultSet, status: int, message: str) -> HTMLResponse:
    """An error shown to the user instead of redirecting (RFC 6749 §4.1.2.1)."""
    return page(faults, "Authorization error", f'<p class="error">{escape(message)}</p>', status=status)


def login_page(
    faults: FaultSet, session: LoginSession, client: Client, error: str | None = None
) -> HTMLResponse:
    """The login form; the hidden csrf_token is tied to the session cookie."""
    notice = f'<p class="error">{escape(error)}</p>\n' if error else ""
    body = (
        f"<p>{escape(client.service_account.name)} ({escape(client.client_id)}) asks to use your Spry account.</p>\n"
        f"{notice}"
        '<form method="post" action="/apis/v2/oauth/login">\n'
        f'<input type="hidden" name="csrf_token" value="{escape(session.csrf)}">\n'
        '<label>Username <input type="text" name="username" autocomplete="username"></label>\n'
        '<label>Password <input type="password" name="password" autocomplete="current-password"></label>\n'
        '<button type="submit" name="action" value="login">Sign in</button>\n'
        "</form>"
    )
    return page(faults, "Sign in", body)


def consent_page(faults: FaultSet, session: LoginSession, client: Client) -> HTMLResponse:
    """The consent form listing the requested scopes."""
    scopes = "".join(
        f"<li><code>{escape(name)}</code>: {escape(SCOPE_TEXT.get(name, name))}</li>\n"
        for name in sorted(session.pending.scope)
    )
    body = (
        f"<p>Allow {escape(client.client_id)} to access your account with these permissions?</p>\n"
        f"<ul>\n{scopes}</ul>\n"
        '<form method="post" action="/apis/v2/oauth/consent">\n'
        f'<input type="hidden" name="csrf_token" value="{escape(session.csrf)}">\n'
        '<button type="submit" name="decision" value="approve">Allow</button>\n'
        '<button type="submit" name="decision" value="deny">Deny</button>\n'
        "</form>"
    )
    return page(faults, "Allow access", body)
