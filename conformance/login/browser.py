"""The `browser` login method: a real headless Chromium logs in, for login pages built by JavaScript.

The browser (Playwright for Python, the `browser` extra) opens the authorization request (RFC 6749
§4.1.1), finds the username and password inputs, submits them, answers the consent screen (ticking
the requested scopes a person must tick when approving), and stops at the navigation to the client's
redirect URI (§4.1.2), which is captured and never loaded.

It is confined: the browser sends nothing itself. Every request it makes is intercepted and sent by
`Session.request` (rate cap, budget, TLS verified, the credential pins: the password only to the
target and `[user.login] allowed_origins`), so it is in the evidence, masked; a request to any other
origin is aborted. Time and requests are bounded. Where a login stops, a screenshot is saved.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from conformance.errors import LoginError, TargetError
from conformance.http import CredentialGuard, Response, Session
from conformance.login.chromium import find_browser
from conformance.login.outcome import LoginOutcome, credentials
from conformance.login.pages import APPROVE, DENY
from conformance.urls import reaches, same_origin

#: Flags this closed network needs: without the background-networking ones Chromium's own
#: connections (updates, sync, QUIC probes) fail and slow every page.
FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync")  # fmt: skip
#: Headers the browser sets that the session sets itself (or that describe the browser's connection).
_OWN_HEADERS = {"host", "content-length", "connection", "accept-encoding", "user-agent"}
#: Response headers that describe the session's connection, not the body handed to the browser.
_WIRE_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection"}
#: Where screenshots of a stopped login go (the report directory's `login/`; set by the run).
SCREENSHOTS: dict[str, Path] = {"dir": Path("reports") / "login"}


@dataclass(frozen=True)
class Selectors:
    """`[user.login]` overrides (CSS selectors); None: found by name, type, label and autocomplete."""

    username_field: str = "username"
    password_field: str = "password"
    username: str | None = None
    password: str | None = None
    approve: str | None = None
    deny: str | None = None


@dataclass(frozen=True)
class BrowserLogin:
    """`[user.login] method = "browser"`: a real headless Chromium logs in (`login_with_browser`)."""

    username: str | None
    password: str | None = field(repr=False)
    password_env: str | None = None  # named when the password is missing
    selectors: Selectors = Selectors()
    allowed_origins: tuple[str, ...] = ()
    executable: str | None = None  # found on PATH when None
    #: which URLs end the login (default: those that reach the redirect URI)
    ends: Callable[[str], bool] | None = None
    method = "browser"

    def login(
        self, session: Session, authorize_url: str, *, redirect_uri: str, approve: bool = True
    ) -> LoginOutcome:
        username, password = credentials(self.username, self.password, self.password_env)
        return login_with_browser(
            session, authorize_url, username=username, password=password, redirect_uri=redirect_uri,
            selectors=self.selectors, approve=approve, allowed_origins=self.allowed_origins,
            executable=self.executable, capture=self.ends,
        )  # fmt: skip


@dataclass
class _Visit:
    """One login's state: what was sent, what was refused, where it ends."""

    session: Session
    ends: Callable[[str], bool]  # a URL the login ends at (captured, never loaded)
    origins: tuple[str, ...]
    max_requests: int
    pages: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    last: Response | None = None
    location: str | None = None
    problem: str | None = None

    def handle(self, route: Any, request: Any) -> None:
        """Every request of the page: captured, refused, or sent by the session and handed back."""
        url: str = request.url
        if self.location is not None or self.problem is not None:
            route.abort("aborted")
        elif self.ends(url):
            self.location = url
            route.abort("aborted")
        elif not any(same_origin(url, origin) for origin in self.origins):
            self.refused.append(self.session.masker.mask(url))
            route.abort("blockedbyclient")
        elif len(self.pages) >= self.max_requests:
            self.problem = f"no redirect to the client's redirect URI after {self.max_requests} requests"
            route.abort("aborted")
        else:
            self._send(route, request, url)

    def _send(self, route: Any, request: Any, url: str) -> None:
        self.pages.append(self.session.masker.mask(url))
        headers = {k: v for k, v in request.all_headers().items() if k.lower() not in _OWN_HEADERS}
        try:
            response = self.session.request(
                request.method, url, content=request.post_data_buffer, headers=headers
            )
        except CredentialGuard as error:
            self.problem = str(error)
            route.abort("blockedbyclient")
            return
        except TargetError as error:
            self.problem = f"{self.session.masker.mask(url)}: {error}"
            route.abort("failed")
            return
        self.last = response
        # RFC 9110 §15.6: the server erred; the login ends here with its answer, as a form walk's does
        if response.status >= 500:
            self.problem = f"{self.session.masker.mask(url)} answered {response.status} to {request.method}"
        location = urljoin(response.url, response.location or "") if response.is_redirect else ""
        if location and self.ends(location):
            self.location = location
            route.abort("aborted")
            return
        route.fulfill(status=response.status, headers=_fulfilled_headers(response), body=response.content)


def _fulfilled_headers(response: Response) -> dict[str, str]:
    """The response headers for the browser; repeated ones (Set-Cookie) joined by newlines, as Playwright takes them."""
    joined: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        if name.lower() not in _WIRE_HEADERS:
            joined.setdefault(name.lower(), []).append(value)
    return {name: "\n".join(values) for name, values in joined.items()}


class _Chromium:
    """One headless Chromium per thread of a process, started on first use and reused (warm logins)."""

    _local = threading.local()

    @classmethod
    def browser(cls, executable: str) -> Any:
        held = getattr(cls._local, "held", None)
        if held is not None and held[0] == executable and held[2].is_connected():
            return held[2]
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise LoginError(
                "the browser login cannot run inside a running asyncio loop (Playwright's sync API)"
            )
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=list(FLAGS))
        cls._local.held = (executable, playwright, browser)
        atexit.register(_stop, playwright, browser)
        return browser


def _stop(playwright: Any, browser: Any) -> None:
    try:
        browser.close()
        playwright.stop()
    except Exception:  # the process is ending; the browser may already be gone
        pass


def login_with_browser(
    session: Session,
    authorize_url: str,
    *,
    username: str,
    password: str,
    redirect_uri: str,
    selectors: Selectors = Selectors(),
    approve: bool = True,
    allowed_origins: tuple[str, ...] = (),
    executable: str | None = None,
    timeout: float = 30.0,
    max_requests: int = 40,
    capture: Callable[[str], bool] | None = None,
) -> LoginOutcome:
    """Log in with a real browser and approve (or deny); return the captured navigation to `redirect_uri`.

    `capture` decides which URLs end the login (default: those that reach `redirect_uri`).
    Raises LoginError naming where it stopped (the page's URL, title and text, the requests refused)
    and the screenshot saved there.
    """
    session.masker.register(password)
    browser = _Chromium.browser(find_browser(executable))
    ends = capture or (lambda url: reaches(url, redirect_uri))
    visit = _Visit(session, ends, (session.base_url, *allowed_origins), max_requests)
    context = browser.new_context(java_script_enabled=True, service_workers="block")
    try:
        page = context.new_page()
        page.set_default_timeout(timeout * 1000)
        context.route("**/*", visit.handle)
        _Walk(page, visit, selectors, approve, time.monotonic() + timeout).run(
            session.url(authorize_url), username, password
        )
        assert visit.location is not None and visit.last is not None
        # the response: the redirect itself, or the target's last answer, which the page's script acted on
        return LoginOutcome(visit.location, visit.last, tuple(visit.pages))
    finally:
        context.close()


@dataclass
class _Walk:
    page: Any
    visit: _Visit
    selectors: Selectors
    approve: bool
    deadline: float
    logged_in: bool = False
    username_sent: bool = False

    def run(self, url: str, username: str, password: str) -> None:
        from playwright.sync_api import Error as PlaywrightError

        with contextlib.suppress(
            PlaywrightError
        ):  # aborted: captured at once, refused, or failed (said below)
            self.page.goto(url, wait_until="commit")
        while self.visit.location is None:
            if self.visit.problem is not None:
                self.stop(self.visit.problem)
            if time.monotonic() > self.deadline:
                self.stop("no redirect to the client's redirect URI in time")
            seen = self.look()
            kind = seen.get("kind", "none")
            if kind == "login":
                if self.logged_in:
                    self.stop("the login form came back after the credentials were submitted")
                self.logged_in = True
                if seen.get("username"):
                    self.page.fill("[data-spry-conformance=username]", username)
                self.page.fill("[data-spry-conformance=password]", password)
                self.act("password", "submit" if seen.get("submit") else None)
            elif kind == "username" and not self.logged_in:
                if self.username_sent:
                    self.stop("the username form came back after the username was submitted")
                self.username_sent = True
                self.page.fill("[data-spry-conformance=username]", username)
                self.act("username", "submit" if seen.get("submit") else None)
            elif kind == "consent" and seen.get("approve" if self.approve else "deny"):
                if self.approve:
                    for box in self.page.locator("[data-spry-conformance=tick]").all():
                        box.check()
                self.act("approve" if self.approve else "deny", "approve" if self.approve else "deny")
            elif kind == "consent":
                choice = "consent_approve" if self.approve else "consent_deny"
                self.stop(f"the consent screen has no button to {'approve' if self.approve else 'deny'} "
                          f"(set [user.login] {choice} to its CSS selector)")  # fmt: skip
            else:
                self.page.wait_for_timeout(50)  # still loading, or a page in between
        return

    def look(self) -> dict[str, Any]:
        from playwright.sync_api import Error as PlaywrightError

        s = self.selectors
        options = {"usernameField": s.username_field, "passwordField": s.password_field,
                   "usernameSelector": s.username, "passwordSelector": s.password,
                   "approveSelector": s.approve, "denySelector": s.deny,
                   "approve": APPROVE.pattern, "deny": DENY.pattern}  # fmt: skip
        try:
            seen: dict[str, Any] = self.page.evaluate(_LOOK, options)
        except PlaywrightError:  # the page navigated away while it was read
            return {"kind": "none"}
        return seen

    def act(self, marked: str, button: str | None) -> None:
        """Click the marked button (or press Enter in the marked input), then wait for the page to change."""
        target = self.page.locator(f"[data-spry-conformance={marked}]").first
        if button is None:
            target.press("Enter", no_wait_after=True)
        else:
            self.page.locator(f"[data-spry-conformance={button}]").first.click(no_wait_after=True)
        while self.visit.location is None and self.visit.problem is None and time.monotonic() < self.deadline:
            try:
                if not target.is_visible(timeout=0):
                    return
            except Exception:  # the element's page is gone: it changed
                return
            self.page.wait_for_timeout(25)

    def stop(self, what: str) -> None:
        """End the login with a LoginError naming the page, the refused requests and the screenshot."""
        masker = self.visit.session.masker
        where = self.page.url
        try:
            title, text = (
                self.page.title(),
                self.page.evaluate("() => document.body ? document.body.innerText : ''"),
            )
        except Exception:
            title, text = "", ""
        details = f"; title {title[:100]!r}" if title else ""
        details += f", text {' '.join(str(text).split())[:160]!r}" if text else ""
        if self.visit.refused:
            details += f"; refused {len(self.visit.refused)} request(s) outside the allowed origins: {self.visit.refused[0]}"
        shot = self.screenshot()
        if shot is not None:  # the check's evidence names it, and report.html shows it (`screenshot`)
            details += f"; screenshot {shot}"
            self.visit.session.recorder.note(
                "the browser login stopped on this page",
                screenshot=shot.relative_to(shot.parents[1]).as_posix(),
            )
        raise LoginError(masker.mask(f"{where}: {what} (browser){details}"), response=self.visit.last,
                         pages=self.visit.pages)  # fmt: skip

    def screenshot(self) -> Path | None:
        """The page as the user would see it, saved in `SCREENSHOTS["dir"]` (the report dir's `login/`)."""
        folder = SCREENSHOTS["dir"]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"login-{time.strftime('%H%M%S')}-{os.getpid()}-{id(self) % 100000:05d}.png"
            self.page.screenshot(path=str(path), timeout=3000)
        except Exception:  # a page that cannot be drawn still gets its message
            return None
        return path


#: Finds the login or consent controls on the page and marks them with `data-spry-conformance`.
_LOOK = r"""
(o) => {
  const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)
    && getComputedStyle(e).visibility !== "hidden";
  document.querySelectorAll("[data-spry-conformance]").forEach((e) => e.removeAttribute("data-spry-conformance"));
  const mark = (e, role) => { if (e) e.setAttribute("data-spry-conformance", role); return e; };
  const one = (sel) => sel ? [...document.querySelectorAll(sel)].find(visible) || null : null;
  const inputs = [...document.querySelectorAll("input")].filter((e) => visible(e) && !e.disabled && !e.readOnly);
  const labels = (e) => [e.name, e.id, e.placeholder, e.getAttribute("aria-label"), e.autocomplete,
    ...[...(e.labels || [])].map((l) => l.textContent)].join(" ");
  const password = one(o.passwordSelector) || inputs.find((e) => e.name === o.passwordField)
    || inputs.find((e) => e.type === "password");
  const texts = inputs.filter((e) => ["text", "email", "tel"].includes(e.type));
  const username = one(o.usernameSelector) || texts.find((e) => e.name === o.usernameField)
    || texts.find((e) => /username|email/i.test(e.autocomplete))
    || texts.find((e) => /user|e-?mail|login|account|identifier/i.test(labels(e)))
    || (password ? texts.find((e) => e.form === password.form) : null);
  const buttons = [...document.querySelectorAll(
    "button, input[type=submit], input[type=button], input[type=image], [role=button]")]
    .filter((e) => visible(e) && !e.disabled);
  const said = (e) => [e.name, e.value, e.textContent, e.getAttribute("aria-label")].filter(Boolean).join(" ");
  const approve = new RegExp(o.approve, "i"), deny = new RegExp(o.deny, "i");
  const submitFor = (field) => buttons.find((b) => (!field.form || b.form === field.form) && !deny.test(said(b)));
  if (password) {
    mark(password, "password"); mark(username, "username");
    return {kind: "login", username: !!username, submit: !!mark(submitFor(password), "submit")};
  }
  const allow = mark(one(o.approveSelector) || buttons.find((b) => approve.test(said(b)) && !deny.test(said(b))), "approve");
  const refuse = mark(one(o.denySelector) || buttons.find((b) => deny.test(said(b))), "deny");
  if (allow || refuse) {
    inputs.filter((e) => e.type === "checkbox" && !e.checked).forEach((e) => mark(e, "tick"));
    return {kind: "consent", approve: !!allow, deny: !!refuse};
  }
  if (username) {
    mark(username, "username");
    return {kind: "username", submit: !!mark(submitFor(username), "submit")};
  }
  return {kind: "none"};
}
"""
