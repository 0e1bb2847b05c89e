"""`method = "form"`: the walk through login and consent pages, driven as a browser would (`FormLogin`,
`login_with_form`).

It starts at the authorization request (RFC 6749 §4.1.1), follows the redirects itself, fills and
submits the login form, answers the consent form, and stops at the redirect back to the client's
redirect URI (§4.1.2) without following it: the client's host is never contacted. Cookies are kept in
one jar for the whole walk, each bound to the origin that set it (conformance.http.cookies).

Nothing here sends a request except through `Session.request`, whose credential guard decides where
the password may go; every message is masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from conformance.errors import LoginError
from conformance.http import CredentialGuard, Response, Session
from conformance.login.outcome import LoginOutcome, credentials
from conformance.login.pages import Button, Form, Page, form_data, parse_page
from conformance.masking import Masker
from conformance.urls import DEFAULT_PORTS, reaches


@dataclass(frozen=True)
class LoginResult:
    """The redirect back to the client, captured and not followed."""

    redirect: Response  # the response whose Location goes to redirect_uri
    location: str  # that Location, absolute
    pages: tuple[str, ...]  # the URLs visited, masked

    @property
    def params(self) -> dict[str, str]:
        """The query parameters of the Location (code, state, error...)."""
        return dict(parse_qsl(urlsplit(self.location).query, keep_blank_values=True))


def login_with_form(
    session: Session,
    authorize_url: str,
    *,
    username: str,
    password: str,
    redirect_uri: str,
    username_field: str = "username",
    password_field: str = "password",
    approve: bool = True,
    drop_hidden: bool = False,
    max_steps: int = 12,
    cookies: httpx.Cookies | None = None,
) -> LoginResult:
    """Open the authorization URL as a browser would and log in; return the redirect back to the client.

    Redirects are followed one by one (GET, relative Locations resolved), the login form is
    filled and submitted, a consent form approved (or denied with `approve=False`), until a
    redirect whose Location reaches `redirect_uri`: it is returned, never requested, even when it
    carries `error=`. `max_steps` bounds the number of requests. `drop_hidden` leaves the hidden
    inputs out of every submitted form (for CSRF checks). Raises LoginError.
    """
    session.masker.register(password)
    user = LoginUser(username, password, username_field, password_field)
    walk = Walk(session, cookies if cookies is not None else httpx.Cookies(), max_steps)
    response = walk.send("GET", session.url(authorize_url))
    while True:
        if response.is_redirect:
            location = urljoin(response.url, response.location or "")
            if reaches(location, redirect_uri):
                return LoginResult(response, location, tuple(walk.pages))
            response = walk.follow(response, location)
        else:
            page = _read_page(walk, response)
            response = answer_page(walk, response, page, user, approve=approve, drop_hidden=drop_hidden)


@dataclass(frozen=True)
class FormLogin:
    """`[user.login] method = "form"`: the suite reads, fills and submits the HTML forms itself."""

    username: str | None
    password: str | None = field(repr=False)
    password_env: str | None = None  # named when the password is missing
    username_field: str = "username"
    password_field: str = "password"
    drop_hidden: bool = False  # leave the hidden inputs out of every form (the CSRF checks)
    method = "form"

    def login(
        self, session: Session, authorize_url: str, *, redirect_uri: str, approve: bool = True
    ) -> LoginOutcome:
        username, password = credentials(self.username, self.password, self.password_env)
        result = login_with_form(
            session, authorize_url, username=username, password=password, redirect_uri=redirect_uri,
            username_field=self.username_field, password_field=self.password_field, approve=approve,
            drop_hidden=self.drop_hidden,
        )  # fmt: skip
        return LoginOutcome(result.location, result.redirect, result.pages)


@dataclass(frozen=True)
class LoginUser:
    username: str
    password: str = field(repr=False)
    username_field: str = "username"
    password_field: str = "password"


def answer_page(
    walk: Walk, response: Response, page: Page, user: LoginUser, *, approve: bool, drop_hidden: bool
) -> Response:
    """What the user does on a page: log in, give the username first (identifier-first), or answer consent.

    The credentials are submitted once: a login form that comes back means they were refused, and
    trying again could lock the account.
    """
    login = _login_form(walk, response, page.forms, user)
    if login is not None:
        if walk.logged_in:
            raise walk.error(
                response, f"the login form came back after the credentials were submitted{page.describe()}"
            )
        walk.logged_in = True
        fill = {user.password_field: user.password}
        if login.has(user.username_field):
            fill[user.username_field] = user.username
        return walk.submit(response, login, _login_button(login, approve), fill, drop_hidden, password=True)
    step = None if walk.logged_in else _username_form(walk, response, page.forms, user.username_field)
    if step is not None:
        if walk.username_sent:
            raise walk.error(
                response, f"the username form came back after the username was submitted{page.describe()}"
            )
        walk.username_sent = True
        return walk.submit(
            response, step, _login_button(step, True), {user.username_field: user.username}, drop_hidden
        )
    form, button = _consent_choice(walk, response, page.forms, approve)
    return walk.submit(response, form, button, {}, drop_hidden, tick_agree=approve)


@dataclass
class Walk:
    """The browser's state during one login: its cookie jar, the pages visited, the requests left."""

    session: Session
    jar: httpx.Cookies
    max_steps: int
    pages: list[str] = field(default_factory=list)
    last_method: str = "GET"
    username_sent: bool = False  # an identifier-first page took the username
    logged_in: bool = False  # the password was submitted

    @property
    def masker(self) -> Masker:
        return self.session.masker

    def send(self, method: str, url: str, data: list[tuple[str, str]] | None = None) -> Response:
        """One request with the jar's cookies; the response's Set-Cookie goes back into the jar."""
        if len(self.pages) >= self.max_steps:
            raise LoginError(
                self.masker.mask(
                    f"{url}: no redirect to the client's redirect URI after {self.max_steps} requests"
                ),
                pages=self.pages,
            )
        self.pages.append(self.masker.mask(url))
        self.last_method = method
        try:
            return self.session.request(method, url, data=data, cookies=self.jar)
        except CredentialGuard as error:
            raise LoginError(self.masker.mask(f"{url}: {error}"), pages=self.pages) from error

    def follow(self, response: Response, location: str) -> Response:
        """Follow a redirect with GET; a 307/308 after a POST would re-post the form, so it stops."""
        if urlsplit(location).scheme.lower() not in DEFAULT_PORTS:
            raise self.error(response, f"redirect to {location}, which is not the redirect URI")
        if response.status in {307, 308} and self.last_method == "POST":
            raise self.error(
                response,
                f"{response.status} after a POST, to {location}: the form is not re-posted",
            )
        return self.send("GET", location)

    def submit(
        self,
        response: Response,
        form: Form,
        button: Button | None,
        fill: dict[str, str],
        drop_hidden: bool,
        *,
        password: bool = False,
        tick_agree: bool = False,
    ) -> Response:
        """Submit a form by clicking `button`: POST a urlencoded body, or GET with the data as the query."""
        action, method = form.action, form.method
        if button is not None and button.formaction is not None:
            action = button.formaction
        if button is not None and button.formmethod:
            method = "POST" if button.formmethod.strip().lower() == "post" else "GET"
        # Where the password may go is the session's credential guard's to judge (http.request.Pins), on the
        # final URL of each request, whatever the form's method or its fields' names.
        data = form_data(form, fill=fill, drop_hidden=drop_hidden, tick_agree=tick_agree)
        data += button.pairs() if button else []
        if method == "GET":  # the form data replaces the action's query
            parts = urlsplit(action)
            return self.send("GET", urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(data), "")))
        return self.send("POST", urlunsplit(urlsplit(action)._replace(fragment="")), data)

    def error(self, response: Response, what: str) -> LoginError:
        """A LoginError naming the page; the whole message is masked."""
        return LoginError(self.masker.mask(f"{response.url}: {what}"), response=response, pages=self.pages)


def _read_page(walk: Walk, response: Response) -> Page:
    """The page a browser would show; one without a form ends the walk (an error status is named)."""
    if 300 <= response.status < 400:
        raise walk.error(response, f"answered {response.status} with no Location")
    page = parse_page(response.text, response.url)
    if page.forms:
        return page
    if response.status >= 400:
        raise walk.error(response, f"answered {response.status} with no form{page.describe()}")
    kind = response.content_type or "no content type"
    if "<script" in response.text.lower():
        raise walk.error(response, f"no form on the page ({response.status}, {kind}): it is built by JavaScript, "
                         f'which the form method does not run; set [user.login] method = "browser"{page.describe()}')  # fmt: skip
    raise walk.error(response, f"no form on the page ({response.status}, {kind}){page.describe()}")


def _login_form(walk: Walk, response: Response, forms: list[Form], user: LoginUser) -> Form | None:
    """The one form with the username and password inputs (the password alone once the username
    went on a page of its own); None when the page has none."""
    logins = [
        f for f in forms if f.has(user.password_field) and (f.has(user.username_field) or walk.username_sent)
    ]
    if len(logins) > 1:
        raise walk.error(
            response, f"{len(logins)} forms with a {user.password_field!r} field: cannot tell the login form"
        )
    if logins:
        return logins[0]
    for form in forms:
        if form.has_password_input or form.has(user.password_field):
            raise walk.error(
                response,
                f"a form with a password input but not both {user.username_field!r} and {user.password_field!r}"
                f" fields (its fields: {', '.join(form.field_names()) or 'none'}); set username_field/password_field",
            )
    return None


def _username_form(walk: Walk, response: Response, forms: list[Form], username_field: str) -> Form | None:
    """The form of an identifier-first page: the username input and no password input."""
    steps = [f for f in forms if f.has(username_field) and not f.has_password_input]
    if len(steps) > 1:
        raise walk.error(response, f"{len(steps)} forms with a {username_field!r} field and no password")
    return steps[0] if steps else None


def _login_button(form: Form, approve: bool) -> Button | None:
    """The button clicked to log in: the first one that is not a "cancel".

    A login form that is also the consent form (both an approve and a deny button) is answered
    like a consent form.
    """
    deny = next((b for b in form.buttons if b.looks_deny), None)
    if not approve and deny and any(b.looks_approve for b in form.buttons):
        return deny
    return next((b for b in form.buttons if not b.looks_deny), form.buttons[0] if form.buttons else None)


def _consent_choice(walk: Walk, response: Response, forms: list[Form], approve: bool) -> tuple[Form, Button]:
    """The consent page's form and the button the user clicks: the first approve (or deny) button."""
    wanted = "approve" if approve else "deny"
    for form in forms:
        for button in form.buttons:
            if button.looks_approve if approve else button.looks_deny:
                return form, button
    labels = [repr(b.label) for f in forms for b in f.buttons]
    found = f"buttons {', '.join(labels)}" if labels else "no submit button"
    raise walk.error(response, f"{len(forms)} form(s) but no login form and no {wanted} button ({found})")
