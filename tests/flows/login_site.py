"""Login pages the suite has never seen, served by Starlette for the login driver's tests.

Each scenario lives under its own path prefix (/basic/, /csrf/, ...) and imitates one way real
authorization servers build their login and consent pages. Every request received is logged.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

CALLBACK = "https://client.example.org/callback"
USER = "alice@example.org"
PASSWORD = "correct-horse-battery-staple"


@dataclass
class Seen:
    """One request the site received."""

    method: str
    path: str
    query: str
    cookie: str
    form: dict[str, list[str]] | None = None


def page(title: str, body: str, status: int = 200, **cookies: str) -> HTMLResponse:
    html = f"<!doctype html><html><head><title>{escape(title)}</title></head><body>{body}</body></html>"
    response = HTMLResponse(html, status_code=status)
    for name, value in cookies.items():
        response.set_cookie(name, value, path="/", httponly=True, samesite="lax")
    return response


def redirect(location: str, status: int = 302) -> RedirectResponse:
    return RedirectResponse(location, status_code=status)


def login_fields(username: str = "username", password: str = "password") -> str:
    return (
        f'<label>Email <input type="email" name="{username}" autocomplete="username"></label>'
        f'<label>Password <input type="password" name="{password}"></label>'
    )


def good(form: dict[str, list[str]], username: str = "username", password: str = "password") -> bool:
    return form.get(username) == [USER] and form.get(password) == [PASSWORD]


@dataclass
class LoginSite:
    """The scenarios' handlers and their state: pending requests, sessions, the request log."""

    other_url: str = "http://127.0.0.1:9"  # the second origin, set once both servers run
    log: list[Seen] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)  # request id -> state
    sessions: dict[str, str] = field(default_factory=dict)  # session id -> "anonymous" | "user"
    csrf: dict[str, str] = field(default_factory=dict)

    # --- plumbing -----------------------------------------------------------------------

    def app(self) -> Any:
        routes = [Route(path, endpoint, methods=["GET", "POST"]) for path, endpoint in self.routes().items()]
        starlette = Starlette(routes=routes)

        async def logged(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                headers = dict(scope["headers"])
                self.log.append(
                    Seen(
                        scope["method"],
                        scope["path"],
                        scope["query_string"].decode(),
                        headers.get(b"cookie", b"").decode(),
                    )
                )
            await starlette(scope, receive, send)

        return logged

    async def form(self, request: Request) -> dict[str, list[str]]:
        """The submitted form (query for GET), recorded in the log entry of this request."""
        if request.method == "POST":
            data = await request.form()
            pairs = list(data.multi_items())
        else:
            pairs = list(request.query_params.multi_items())
        form: dict[str, list[str]] = {}
        for name, value in pairs:
            form.setdefault(name, []).append(str(value))
        for seen in reversed(self.log):
            if seen.path == request.url.path and seen.method == request.method:
                seen.form = form
                break
        return form

    def begin(self, request: Request) -> str:
        """Remember an authorization request (its state) under a fresh id."""
        req = secrets.token_hex(4)
        self.pending[req] = request.query_params.get("state", "")
        return req

    def back(self, req: str, **params: str) -> RedirectResponse:
        """The redirect to the client: a code (or an error) and the request's state."""
        if "error" not in params:
            params["code"] = "c0de-" + secrets.token_hex(8)
        params["state"] = self.pending.get(req, "")
        return redirect(f"{CALLBACK}?{urlencode(params)}")

    def routes(self) -> dict[str, Any]:
        return {
            "/basic/authorize": self.basic_authorize,
            "/basic/login": self.basic_login,
            "/basic/consent": self.basic_consent,
            "/basic/decide": self.basic_decide,
            "/basic/done": self.basic_done,
            "/noaction/authorize": self.noaction_authorize,
            "/noaction/consent": self.noaction_consent,
            "/csrf/authorize": lambda r: redirect("/csrf/login?" + urlencode({"req": self.begin(r)})),
            "/csrf/login": self.csrf_login,
            "/rotate/authorize": self.rotate_authorize,
            "/rotate/login": self.rotate_login,
            "/rotate/consent": self.rotate_consent,
            "/inputsubmit/authorize": lambda r: redirect(f"/inputsubmit/login?req={self.begin(r)}"),
            "/inputsubmit/login": self.inputsubmit_login,
            "/inputsubmit/consent": self.inputsubmit_consent,
            "/inputsubmit/cancel": self.inputsubmit_cancel,
            "/checkbox/authorize": self.checkbox_authorize,
            "/checkbox/consent": self.checkbox_consent,
            "/combined/authorize": self.combined_authorize,
            "/fields/authorize": self.fields_authorize,
            "/stepwise/authorize": self.stepwise_authorize,
            "/stepwise/password": self.stepwise_password,
            "/getform/authorize": self.getform_authorize,
            "/getform/check": lambda r: page("Welcome", "<p>Signed in. Close this window.</p>"),
            "/neutral/authorize": lambda r: page("Hmm", '<form method="post"><button>Submit</button></form>'),
            "/noform/authorize": lambda r: page(
                "Down for maintenance", "<h1>Back soon</h1><a href='/'>home</a>"
            ),
            "/twoforms/authorize": self.twoforms_authorize,
            "/elsewhere/authorize": self.elsewhere_authorize,
            "/elsewhere-get/authorize": self.elsewhere_get_authorize,
            "/idp/authorize": lambda r: redirect(f"{self.other_url}/idp/login?req={self.begin(r)}"),
            "/denied/authorize": lambda r: self.back(self.begin(r), error="access_denied"),
            "/loop/a": lambda r: redirect("/loop/b"),
            "/loop/b": lambda r: redirect(f"http://127.0.0.1:{r.url.port}/loop/a"),
            "/broken/authorize": lambda r: PlainTextResponse("Internal Server Error", status_code=500),
            "/repost/authorize": self.repost_authorize,
            "/repost/next": lambda r: page("Next", "<p>re-posted?</p>"),
            "/wrongpw/authorize": self.wrongpw_authorize,
        }

    # --- /basic: login on another path, a consent page with deny and approve buttons ------

    async def basic_authorize(self, request: Request) -> Response:
        if request.query_params.get("redirect_uri") != CALLBACK:
            return page("Bad request", "<p>unknown redirect_uri</p>", 400)
        return redirect(f"/basic/login?req={self.begin(request)}")  # an absolute-path reference

    async def basic_login(self, request: Request) -> Response:
        if request.method == "POST":
            form = await self.form(request)
            if not good(form) or form.get("req", [""])[0] not in self.pending:
                return page("Sign in", "<p>Wrong email or password</p>", 401)
            sid = secrets.token_hex(8)
            self.sessions[sid] = "user"
            response = redirect(f"consent?req={form['req'][0]}")  # a path-relative reference
            response.set_cookie("sid", sid, path="/basic", httponly=True)
            return response
        req = escape(request.query_params.get("req", ""))
        return page(
            "Sign in to Spry",
            '<form action="/basic/lang"><select name="lang"><option>en</option><option>fr</option></select>'
            "<button>Change language</button></form>"
            f'<form method="POST" action="/basic/login"><input type="hidden" name="req" value="{req}">'
            f"{login_fields()}<button type=submit>Sign in</button></form>"
            '<a href="/basic/forgot">Forgot your password?</a>',
        )

    async def basic_consent(self, request: Request) -> Response:
        if self.sessions.get(request.cookies.get("sid", "")) != "user":
            return page("Sign in", "<p>not signed in</p>", 401)
        req = escape(request.query_params.get("req", ""))
        return page(
            "Allow access?",
            f'<form method="post" action="/basic/decide"><input type="hidden" name="req" value="{req}">'
            "<p>Example App wants to read your records.</p>"
            '<button name="decision" value="deny">Deny</button>'
            '<button name="decision" value="allow" class="primary">Allow access</button></form>',
        )

    async def basic_decide(self, request: Request) -> Response:
        form = await self.form(request)
        req = form.get("req", [""])[0]
        if self.sessions.get(request.cookies.get("sid", "")) != "user" or req not in self.pending:
            return page("Error", "<p>no session</p>", 400)
        if form.get("decision") == ["allow"]:
            return redirect(f"{request.base_url}basic/done?req={req}", 303)  # an absolute URL
        return self.back(req, error="access_denied")

    async def basic_done(self, request: Request) -> Response:
        return self.back(request.query_params.get("req", ""))

    # --- /noaction: forms without action (POST to the page itself, then a GET form) -------

    async def noaction_authorize(self, request: Request) -> Response:
        if request.method == "POST":
            form = await self.form(request)
            if not good(form) or not request.query_params.get("state"):
                return page("Sign in", "<p>try again</p>", 400)
            ticket = self.begin(request)
            return redirect(f"/noaction/consent?ticket={ticket}#top")
        return page(
            "Log in", f'<form method="post">{login_fields()}<input type="submit" value="Log in"></form>'
        )

    async def noaction_consent(self, request: Request) -> Response:
        form = await self.form(request)
        ticket = form.get("ticket", [""])[0]
        if "ok" in form:
            return self.back(ticket)
        return page(
            "Consent",
            f'<form><input type="hidden" name="ticket" value="{escape(ticket)}">'
            '<input type="submit" name="ok" value="Yes, share"></form>',
        )

    # --- /csrf: a hidden token checked against a cookie ----------------------------------

    async def csrf_login(self, request: Request) -> Response:
        if request.method == "POST":
            form = await self.form(request)
            expected = self.csrf.get(request.cookies.get("csrf_cookie", ""))
            if not expected or form.get("csrf_token") != [expected]:
                return page("Forbidden", "<h1>CSRF token missing or wrong</h1>", 403)
            if not good(form):
                return page("Sign in", "<p>Wrong password</p>", 401)
            return self.back(form.get("req", [""])[0])
        cookie, token = secrets.token_hex(8), secrets.token_hex(12)
        self.csrf[cookie] = token
        req = escape(request.query_params.get("req", ""))
        return page(
            "Sign in",
            f'<form method="post" action="/csrf/login?x=1"><input type="hidden" name="csrf_token" value="{token}">'
            f'<input type="hidden" name="req" value="{req}">{login_fields()}<button>Sign in</button></form>',
            csrf_cookie=cookie,
        )

    # --- /rotate: the session cookie is replaced at login --------------------------------

    async def rotate_authorize(self, request: Request) -> Response:
        sid = "anon-" + secrets.token_hex(6)
        self.sessions[sid] = "anonymous"
        response = redirect(f"/rotate/login?req={self.begin(request)}")
        response.set_cookie("sid", sid, path="/")
        return response

    async def rotate_login(self, request: Request) -> Response:
        old = request.cookies.get("sid", "")
        if self.sessions.get(old) != "anonymous":
            return page("Expired", "<p>session expired</p>", 400)
        if request.method == "POST":
            form = await self.form(request)
            if not good(form):
                return page("Sign in", "<p>Wrong password</p>", 401)
            del self.sessions[old]  # session fixation defence: a new id at login
            new = "user-" + secrets.token_hex(6)
            self.sessions[new] = "user"
            response = redirect(f"/rotate/consent?req={form['req'][0]}")
            response.set_cookie("sid", new, path="/")
            return response
        req = escape(request.query_params.get("req", ""))
        return page(
            "Sign in",
            f'<form method="post" action="/rotate/login"><input type="hidden" name="req" value="{req}">'
            f"{login_fields()}<button>Sign in</button></form>",
        )

    async def rotate_consent(self, request: Request) -> Response:
        if self.sessions.get(request.cookies.get("sid", "")) != "user":
            return page("Expired", "<p>session expired</p>", 401)
        form = await self.form(request)
        if request.method == "POST" and "approve" in form:
            return self.back(form.get("req", [""])[0])
        req = escape(request.query_params.get("req", ""))
        return page(
            "Authorize",
            f'<form method="post" action="/rotate/consent"><input type="hidden" name="req" value="{req}">'
            '<button name="approve" value="1">Approve</button> <a href="/">not now</a></form>',
        )

    # --- /inputsubmit: <input type=submit> buttons, the deny one with its own formaction --

    async def inputsubmit_login(self, request: Request) -> Response:
        if request.method == "POST":
            form = await self.form(request)
            if not good(form):
                return page("Sign in", "<p>Wrong password</p>", 401)
            return redirect(f"/inputsubmit/consent?req={form['req'][0]}", 303)
        req = escape(request.query_params.get("req", ""))
        return page(
            "Sign in",
            f'<form method="post"><input type="hidden" name="req" value="{req}">{login_fields()}'
            '<input type="submit" name="login" value="Log in"></form>',
        )

    async def inputsubmit_consent(self, request: Request) -> Response:
        form = await self.form(request)
        if request.method == "POST":
            if "authorize" in form and "cancel" not in form:
                return self.back(form["req"][0])
            return page("Error", "<p>bad decision</p>", 400)
        req = escape(form.get("req", [""])[0])
        return page(
            "Authorize Example App",
            f'<form method="post" action="/inputsubmit/consent"><input type="hidden" name="req" value="{req}">'
            '<input type="submit" name="cancel" value="Cancel" formaction="/inputsubmit/cancel">'
            '<input type="submit" name="authorize" value="Authorize"></form>',
        )

    async def inputsubmit_cancel(self, request: Request) -> Response:
        form = await self.form(request)
        return self.back(form.get("req", [""])[0], error="access_denied")

    # --- /checkbox: a consent form of checkboxes, radios, a select, a textarea -----------

    async def checkbox_authorize(self, request: Request) -> Response:
        if request.method == "POST":
            form = await self.form(request)
            if not good(form):
                return page("Sign in", "<p>Wrong password</p>", 401)
            return redirect(f"/checkbox/consent?req={form['req'][0]}")
        return page(
            "Sign in",
            f'<form method="post"><input type="hidden" name="req" value="{self.begin(request)}">{login_fields()}'
            "<button>Next</button></form>",
        )

    async def checkbox_consent(self, request: Request) -> Response:
        form = await self.form(request)
        if request.method == "POST":
            expected = {
                "req": form.get("req", ["?"]),
                "scope": ["read"],
                "agree": ["1"],
                "remember": ["30d"],
                "lang": ["fr"],
                "note": ["hello & goodbye"],
            }
            if form != expected:
                return page("Error", f"<p>unexpected form {escape(repr(form))}</p>", 400)
            return self.back(form["req"][0])
        req = escape(form.get("req", [""])[0])
        return page(
            "Share your data",
            f'<form method="post" action="/checkbox/consent"><input type="hidden" name="req" value="{req}">'
            '<label><input type="checkbox" name="scope" value="read" checked> Read</label>'
            '<label><input type="checkbox" name="scope" value="write"> Write</label>'
            '<label><input type="checkbox" name="agree" value="1"> I agree to share my data</label>'
            '<input type="radio" name="remember" value="never"><input type="radio" name="remember" value="30d" checked>'
            '<select name="lang"><option>en</option><option value="fr" selected>Fran&ccedil;ais</option></select>'
            "<textarea name=note>\nhello &amp; goodbye</textarea>"
            '<input type="text" name="nick" value="x" disabled>'
            '<input type="reset" value="Reset"><button type="button" name="help">Help</button>'
            '<button type="submit">Continue</button></form>',
        )

    # --- /combined: login and consent on one form ----------------------------------------

    async def combined_authorize(self, request: Request) -> Response:
        if request.method == "POST":
            form = await self.form(request)
            if not good(form):
                return page("Sign in", "<p>Wrong password</p>", 401)
            req = form["req"][0]
            return (
                self.back(req) if form.get("action") == ["allow"] else self.back(req, error="access_denied")
            )
        return page(
            "Sign in and allow",
            f'<form method="post"><input type="hidden" name="req" value="{self.begin(request)}">{login_fields()}'
            '<button name="action" value="deny">Deny</button>'
            '<button name="action" value="allow">Sign in and allow</button></form>',
        )

    # --- /stepwise: identifier-first, the username on one page and the password on the next --

    async def stepwise_authorize(self, request: Request) -> Response:
        if request.method == "POST":
            form = await self.form(request)
            if form.get("username") != [USER] or "password" in form:
                return page("Sign in", "<p>unknown user</p>", 400)
            return redirect(f"/stepwise/password?req={form['req'][0]}", 303)
        return page(
            "Sign in",
            f'<form method="post"><input type="hidden" name="req" value="{self.begin(request)}">'
            '<input type="email" name="username"><button>Next</button></form>',
        )

    async def stepwise_password(self, request: Request) -> Response:
        if request.method == "POST":
            form = await self.form(request)
            if form.get("password") != [PASSWORD] or "username" in form:
                return page("Sign in", "<p>wrong password</p>", 401)
            return self.back(form["req"][0])
        req = escape(request.query_params.get("req", ""))
        return page(
            "Enter password",
            f'<p>{USER} <a href="/stepwise/authorize">not you?</a></p>'
            f'<form method="post" action="/stepwise/password"><input type="hidden" name="req" value="{req}">'
            '<input type="password" name="password"><button>Sign in</button></form>',
        )

    # --- pages the driver must refuse or report ------------------------------------------

    async def fields_authorize(self, request: Request) -> Response:
        if request.method == "POST":
            form = await self.form(request)
            return self.back(self.begin(request)) if good(form, "email", "passwd") else page("No", "", 401)
        return page(
            "Sign in", f'<form method="post">{login_fields("email", "passwd")}<button>Go</button></form>'
        )

    async def getform_authorize(self, request: Request) -> Response:
        return page(
            "Sign in", f'<form action="/getform/check?keep=no">{login_fields()}<button>Go</button></form>'
        )

    async def twoforms_authorize(self, request: Request) -> Response:
        return page(
            "Choose",
            f'<h2>Patients</h2><form method="post" action="/twoforms/patient">{login_fields()}<button>Sign in</button></form>'
            f'<h2>Staff</h2><form method="post" action="/twoforms/staff">{login_fields()}<button>Sign in</button></form>',
        )

    async def elsewhere_authorize(self, request: Request) -> Response:
        return page(
            "Sign in",
            f'<form method="post" action="{self.other_url}/collect">{login_fields()}<button>Sign in</button></form>',
        )

    async def elsewhere_get_authorize(self, request: Request) -> Response:
        """A GET form to another origin, its password field named `Password`: the password would go in the query."""
        fields = login_fields(password="Password")
        return page(
            "Sign in",
            f'<form method="get" action="{self.other_url}/collect">{fields}<button>Sign in</button></form>',
        )

    async def repost_authorize(self, request: Request) -> Response:
        if request.method == "POST":
            await self.form(request)
            return redirect("/repost/next", 307)
        return page("Sign in", f'<form method="post">{login_fields()}<button>Sign in</button></form>')

    async def wrongpw_authorize(self, request: Request) -> Response:
        if request.method == "POST":
            await self.form(request)
        error = "<p class=error>Invalid credentials</p>" if request.method == "POST" else ""
        return page("Sign in", f'{error}<form method="post">{login_fields()}<button>Sign in</button></form>')


@dataclass
class OtherOrigin:
    """A second origin: an identity provider page posting to itself, and a credential collector."""

    log: list[Seen] = field(default_factory=list)

    def app(self) -> Any:
        async def idp_login(request: Request) -> Response:
            if request.method == "POST":
                return PlainTextResponse("got it")
            return page("IdP", f'<form method="post">{login_fields()}<button>Sign in</button></form>')

        async def collect(request: Request) -> Response:
            return PlainTextResponse("collected")

        starlette = Starlette(
            routes=[
                Route("/idp/login", idp_login, methods=["GET", "POST"]),
                Route("/collect", collect, methods=["GET", "POST"]),
            ]
        )

        async def logged(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self.log.append(Seen(scope["method"], scope["path"], scope["query_string"].decode(), ""))
            await starlette(scope, receive, send)

        return logged


class Served:
    """An ASGI app served by uvicorn on 127.0.0.1 (a free port) in a background thread."""

    def __init__(self, app: Any) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
