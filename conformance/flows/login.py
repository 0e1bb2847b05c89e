"""The resource owner's login: a login page the suite has never seen, driven as a browser would.

`login_with_form` starts at the authorization request (RFC 6749 §4.1.1), follows the redirects
itself, fills and submits the login form, answers the consent form, and stops at the redirect
back to the client's redirect URI (§4.1.2) without following it: the client's host is never
contacted. Cookies are kept in one jar for the whole walk, as a browser keeps them.

`login_with_command` hands the same job to an external program (a headless browser script, say)
that prints the final redirect URL.

Nothing here sends a request except through `Session.request`; every message is masked.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from conformance.errors import LoginError
from conformance.http import CredentialGuard, Response, Session
from conformance.masking import Masker, masker
from conformance.urls import DEFAULT_PORTS, same_origin

#: A submit button whose name, value or text matches this looks like "approve" on a consent page ...
APPROVE = re.compile(
    r"approve|allow|accept|authori[sz]e|consent|continue|(?<![a-z])yes(?![a-z])|grant|confirm", re.I
)
#: ... unless it also matches this, which looks like "deny" (and is never clicked to approve).
DENY = re.compile(r"deny|cancel|reject|decline|(?<![a-z])no(?![a-z])", re.I)
#: An unchecked checkbox that looks like this is ticked when approving ("I agree", name="consent").
AGREE = re.compile(rf"{APPROVE.pattern}|agree", re.I)

_NOT_SUBMITTED = {"submit", "image", "reset", "button", "file"}
_URL_LINE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/\S*")


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


# --- forms ----------------------------------------------------------------------------------


@dataclass
class Field:
    """One successful-control candidate of a form: an input, a select or a textarea."""

    tag: str
    type: str
    name: str
    value: str
    checked: bool = False
    disabled: bool = False
    multiple: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # select: (value, selected)


@dataclass
class Button:
    """A submit button: `<button>` (type submit by default), `<input type=submit|image>`."""

    name: str
    value: str
    text: str = ""
    image: bool = False
    formaction: str | None = None
    formmethod: str | None = None

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.name, self.value, self.text.strip()) if part)

    @property
    def looks_deny(self) -> bool:
        return bool(DENY.search(self.label))

    @property
    def looks_approve(self) -> bool:
        return bool(APPROVE.search(self.label)) and not self.looks_deny

    def pairs(self) -> list[tuple[str, str]]:
        """What the browser adds for the clicked button (an image button sends its click point)."""
        if self.image:
            prefix = f"{self.name}." if self.name else ""
            return [(f"{prefix}x", "0"), (f"{prefix}y", "0")]
        return [(self.name, self.value)] if self.name else []


@dataclass
class Form:
    """A form as the browser sees it: where it submits, how, and its controls in document order."""

    action: str  # absolute, resolved against the page (or its <base href>)
    method: str  # "GET" or "POST"
    fields: list[Field] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    @property
    def has_password_input(self) -> bool:
        return any(f.type == "password" for f in self.fields)

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields if f.name and f.type != "hidden"]


class _FormParser(HTMLParser):
    """Collects the forms of a page with their controls (stdlib parser, no scripts run)."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = page_url
        self.forms: list[Form] = []
        self.title = ""
        self.text: list[str] = []  # the visible text, for error messages
        self._form: Form | None = None
        self._text_of: Field | Button | None = None  # the textarea or button whose text is being read
        self._select: Field | None = None
        self._option: _Option | None = None
        self._hidden_text = ""  # "title", "script" or "style" while inside one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "base" and "href" in a and not self.forms:
            self.base = urljoin(self.base, a["href"])
        elif tag in {"title", "script", "style"}:
            self._hidden_text = tag
        elif tag == "form":
            if self._form is None:  # a nested <form> is ignored, as browsers do
                method = "POST" if a.get("method", "").strip().lower() == "post" else "GET"
                self._form = Form(urljoin(self.base, a.get("action", "").strip()), method)
                self.forms.append(self._form)
        elif self._form is not None:
            self._control(self._form, tag, a)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in {"button", "textarea", "select", "option"}:
            self.handle_endtag(tag)

    def _control(self, form: Form, tag: str, a: dict[str, str]) -> None:
        name, disabled = a.get("name", ""), "disabled" in a
        if tag == "input":
            kind = a.get("type", "text").strip().lower() or "text"
            if kind in {"submit", "image"}:
                if not disabled:
                    value = a.get("value", "Submit" if kind == "submit" else "")
                    form.buttons.append(self._button(a, value, image=kind == "image"))
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            form.fields.append(Field("input", kind, name, a.get("value", default), "checked" in a, disabled))
        elif tag == "button":
            button = self._button(a, a.get("value", ""))
            if (a.get("type", "").strip().lower() or "submit") == "submit" and not disabled:
                form.buttons.append(button)
            self._text_of = button
        elif tag == "textarea":
            self._text_of = Field("textarea", "textarea", name, "", disabled=disabled)
            form.fields.append(self._text_of)
        elif tag == "select":
            self._select = Field("select", "select", name, "", disabled=disabled, multiple="multiple" in a)
            form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._option = _Option(a.get("value"), "selected" in a)

    def _button(self, a: dict[str, str], value: str, *, image: bool = False) -> Button:
        """A submit button, with its own formaction/formmethod (they win over the form's when clicked)."""
        action = a.get("formaction")
        formaction = urljoin(self.base, action.strip()) if action is not None else None
        return Button(
            a.get("name", ""), value, image=image, formaction=formaction, formmethod=a.get("formmethod")
        )

    def handle_data(self, data: str) -> None:
        if self._hidden_text == "title":
            self.title += data
        elif not self._hidden_text:
            self.text.append(data)
        if self._option is not None:
            self._option.text += data
        elif isinstance(self._text_of, Field):
            self._text_of.value += data
        elif isinstance(self._text_of, Button):
            self._text_of.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == self._hidden_text:
            self._hidden_text = ""
        elif tag == "form":
            self._form = None
        elif tag in {"button", "textarea"}:
            if isinstance(self._text_of, Field) and self._text_of.value.startswith("\n"):
                self._text_of.value = self._text_of.value[1:]  # the newline right after <textarea> is dropped
            self._text_of = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self._select = None

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            option = self._option
            value = option.value if option.value is not None else " ".join(option.text.split())
            self._select.options.append((value, option.selected))
        self._option = None


@dataclass
class _Option:
    value: str | None  # None: the option's text is its value
    selected: bool
    text: str = ""


@dataclass(frozen=True)
class Page:
    """What a browser shows: the forms, the title and the visible text."""

    forms: list[Form]
    title: str
    text: str

    def describe(self) -> str:
        """The title and the start of the text, for an error message ("" when the page is blank)."""
        parts = [f"title {self.title[:100]!r}"] if self.title else []
        parts += [f"text {self.text[:160]!r}"] if self.text else []
        return "; " + ", ".join(parts) if parts else ""


def parse_page(html: str, page_url: str) -> Page:
    """Read a page as a browser would: its forms (actions resolved against the page), title and text."""
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    return Page(parser.forms, " ".join(parser.title.split()), " ".join(" ".join(parser.text).split()))


def form_data(
    form: Form, *, fill: dict[str, str], drop_hidden: bool, tick_agree: bool
) -> list[tuple[str, str]]:
    """The name/value pairs a browser submits: the form's controls in order, with `fill` typed in.

    Disabled controls and unnamed ones are left out, so are unchecked checkboxes and radios
    (except consent checkboxes when `tick_agree`: the user ticks "I agree"), a select sends its
    selected options (the first one when none is selected), a textarea its text.
    """
    pairs: list[tuple[str, str]] = []
    for f in form.fields:
        if not f.name or f.disabled or f.type in _NOT_SUBMITTED:
            continue
        if drop_hidden and f.type == "hidden":
            continue
        if f.name in fill:
            pairs.append((f.name, fill[f.name]))
        elif f.type in {"checkbox", "radio"}:
            ticked = tick_agree and f.type == "checkbox" and bool(AGREE.search(f"{f.name} {f.value}"))
            if f.checked or ticked:
                pairs.append((f.name, f.value))
        elif f.tag == "select":
            pairs += [(f.name, value) for value in _selected(f)]
        else:
            pairs.append((f.name, f.value))
    return pairs


def _selected(select: Field) -> list[str]:
    chosen = [value for value, selected in select.options if selected]
    if not chosen and select.options and not select.multiple:
        chosen = [select.options[0][0]]
    return chosen if select.multiple else chosen[-1:]


# --- the walk -------------------------------------------------------------------------------


def reaches(location: str, redirect_uri: str) -> bool:
    """Does this Location go to the client's redirect URI (same scheme, host, port and path)?"""
    if not same_origin(location, redirect_uri):
        return False
    return (urlsplit(location).path or "/") == (urlsplit(redirect_uri).path or "/")


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
    user = _User(username, password, username_field, password_field)
    walk = _Walk(session, cookies if cookies is not None else httpx.Cookies(), max_steps)
    response = walk.send("GET", session.url(authorize_url))
    while True:
        if response.is_redirect:
            location = urljoin(response.url, response.location or "")
            if reaches(location, redirect_uri):
                return LoginResult(response, location, tuple(walk.pages))
            response = walk.follow(response, location)
        else:
            page = _read_page(walk, response)
            response = _answer(walk, response, page, user, approve=approve, drop_hidden=drop_hidden)


@dataclass(frozen=True)
class _User:
    username: str
    password: str = field(repr=False)
    username_field: str = "username"
    password_field: str = "password"


def _answer(
    walk: _Walk, response: Response, page: Page, user: _User, *, approve: bool, drop_hidden: bool
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
class _Walk:
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


def _read_page(walk: _Walk, response: Response) -> Page:
    """The page a browser would show; one without a form ends the walk (an error status is named)."""
    if 300 <= response.status < 400:
        raise walk.error(response, f"answered {response.status} with no Location")
    page = parse_page(response.text, response.url)
    if page.forms:
        return page
    if response.status >= 400:
        raise walk.error(response, f"answered {response.status} with no form{page.describe()}")
    kind = response.content_type or "no content type"
    raise walk.error(response, f"no form on the page ({response.status}, {kind}){page.describe()}")


def _login_form(walk: _Walk, response: Response, forms: list[Form], user: _User) -> Form | None:
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


def _username_form(walk: _Walk, response: Response, forms: list[Form], username_field: str) -> Form | None:
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


def _consent_choice(walk: _Walk, response: Response, forms: list[Form], approve: bool) -> tuple[Form, Button]:
    """The consent page's form and the button the user clicks: the first approve (or deny) button."""
    wanted = "approve" if approve else "deny"
    for form in forms:
        for button in form.buttons:
            if button.looks_approve if approve else button.looks_deny:
                return form, button
    labels = [repr(b.label) for f in forms for b in f.buttons]
    found = f"buttons {', '.join(labels)}" if labels else "no submit button"
    raise walk.error(response, f"{len(forms)} form(s) but no login form and no {wanted} button ({found})")


# --- the command method ---------------------------------------------------------------------


def login_with_command(command: str, authorize_url: str, *, timeout: float = 120.0) -> str:
    """Run the user's login program and return the final redirect URL it prints.

    `{authorize_url}` in the command is replaced by the URL (appended when absent); the command is
    split like a shell would (no shell runs it), stdin is closed, and the URL is the last
    non-empty line of its output. Raises LoginError on failure, quoting the end of its stderr.
    """
    argv = shlex.split(command)
    if not argv:
        raise LoginError("the login command is empty")
    if any("{authorize_url}" in part for part in argv):
        argv = [part.replace("{authorize_url}", authorize_url) for part in argv]
    else:
        argv.append(authorize_url)
    program = masker.mask(argv[0])
    code, out, err = _run(argv, timeout, program)
    if code != 0:
        raise LoginError(f"login command {program} exited with status {code}{_tail(err)}")
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    if not lines or not _URL_LINE.fullmatch(lines[-1]):
        raise LoginError(f"login command {program} printed no redirect URL as its last line{_tail(err)}")
    url = lines[-1]
    masker.register_from(dict(parse_qsl(urlsplit(url).query) + parse_qsl(urlsplit(url).fragment)))
    return url


def _run(argv: list[str], timeout: float, program: str) -> tuple[int, str, str]:
    """Run the program in its own process group, killed with its children when time is up."""
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",
        )
    except OSError as error:
        raise LoginError(f"login command {program} could not start: {masker.mask(str(error))}") from error
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        try:
            _, err = process.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a grandchild that left the group still holds the pipes
            err = b""
        raise LoginError(
            f"login command {program} timed out after {timeout:g} s{_tail(_text(err))}"
        ) from None
    return process.returncode, _text(out), _text(err)


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        pass


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def _tail(stderr: str, lines: int = 5) -> str:
    last = [line.rstrip() for line in stderr.splitlines() if line.strip()][-lines:]
    return ("; stderr: " + masker.mask(" | ".join(last))[-800:]) if last else ""
