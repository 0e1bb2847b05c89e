"""The login driver against login pages it has never seen (served locally), and the command method."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from conformance.errors import LoginError
from conformance.evidence import Recorder
from conformance.http import Session
from conformance.login.command import login_with_command
from conformance.login.form import LoginResult, login_with_form
from conformance.login.pages import form_data, parse_page
from conformance.masking import Masker
from conformance.urls import reaches

from .login_site import CALLBACK, PASSWORD, USER, LoginSite, Served

STATE = "st-8a7d6c"


def authorize(prefix: str, state: str = STATE) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": "conformance-primary",
            "redirect_uri": CALLBACK,
            "state": state,
        }
    )
    return f"/{prefix}/authorize?{query}"


def login(session: Session, prefix: str, **options: object) -> LoginResult:
    return login_with_form(
        session, authorize(prefix), username=USER, password=PASSWORD, redirect_uri=CALLBACK, **options
    )


def fails(session: Session, prefix: str, **options: object) -> LoginError:
    with pytest.raises(LoginError) as caught:
        login(session, prefix, **options)
    return caught.value


def sent(recorder: Recorder) -> list[tuple[str, str]]:
    """(method, path) of every request the Session sent; the client's host must never be among them."""
    exchanges, _ = recorder.take()
    hosts = {urlsplit(e.url).hostname for e in exchanges}
    assert "client.example.org" not in hosts, "the redirect to the client was followed"
    assert all(PASSWORD not in e.summary() for e in exchanges), "the password is in the evidence unmasked"
    return [(e.method, urlsplit(e.url).path) for e in exchanges]


def seen(site: tuple[LoginSite, Served], prefix: str, method: str | None = None) -> list:
    return [s for s in site[0].log if s.path.startswith(f"/{prefix}/") and method in (None, s.method)]


def granted(result: LoginResult) -> None:
    assert result.location.startswith(CALLBACK + "?")
    assert result.redirect.is_redirect and result.redirect.location == result.location
    assert result.params["code"].startswith("c0de-")
    assert result.params["state"] == STATE


# --- the way through ----------------------------------------------------------------------


def test_login_on_another_path_then_consent_approved(session, recorder, site) -> None:
    result = login(session, "basic")

    granted(result)
    assert sent(recorder) == [
        ("GET", "/basic/authorize"),
        ("GET", "/basic/login"),  # reached by a 302 with an absolute-path Location
        ("POST", "/basic/login"),
        ("GET", "/basic/consent"),  # a path-relative Location
        ("POST", "/basic/decide"),
        ("GET", "/basic/done"),  # an absolute Location (after a 303)
    ]
    assert [urlsplit(p).path for p in result.pages] == [
        "/basic/authorize",
        "/basic/login",
        "/basic/login",
        "/basic/consent",
        "/basic/decide",
        "/basic/done",
    ]
    posted = seen(site, "basic", "POST")
    assert posted[0].form["username"] == [USER] and posted[0].form["req"]  # the hidden input kept
    assert "lang" not in posted[0].form  # the other form on the page is not mixed in
    assert posted[1].form["decision"] == ["allow"]  # the approve button, though "Deny" comes first


def test_consent_denied(session, recorder, site) -> None:
    result = login(session, "basic", approve=False)

    assert result.params == {"error": "access_denied", "state": STATE}
    assert seen(site, "basic", "POST")[-1].form["decision"] == ["deny"]
    assert ("GET", "/basic/done") not in sent(recorder)


def test_forms_without_action_submit_to_the_page_itself(session, recorder, site) -> None:
    granted(login(session, "noaction"))

    post = seen(site, "noaction", "POST")[0]
    assert post.path == "/noaction/authorize" and f"state={STATE}" in post.query  # the page's own URL
    consent = seen(site, "noaction", "GET")[-1]
    assert consent.path == "/noaction/consent"  # no method: GET, the data replacing the query
    assert consent.query.startswith("ticket=") and consent.query.endswith("&ok=Yes%2C+share")
    sent(recorder)


def test_csrf_token_in_hidden_input_and_cookie(session, recorder) -> None:
    granted(login(session, "csrf"))
    assert sent(recorder)[-1] == ("POST", "/csrf/login")


def test_drop_hidden_leaves_the_csrf_token_out(session, recorder, site) -> None:
    error = fails(session, "csrf", drop_hidden=True)

    assert error.status == 403
    assert "/csrf/login" in str(error) and "403" in str(error) and "CSRF token missing" in str(error)
    form = seen(site, "csrf", "POST")[-1].form
    assert "csrf_token" not in form and "req" not in form and form["username"] == [USER]
    sent(recorder)


def test_session_cookie_replaced_at_login(session, recorder, site) -> None:
    jar = httpx.Cookies()
    granted(login(session, "rotate", cookies=jar))

    assert jar["sid"].startswith("user-")  # the caller's jar holds the new session
    old = seen(site, "rotate", "POST")[0].cookie
    assert old.startswith("sid=anon-")
    after = [s.cookie for s in seen(site, "rotate") if s.path == "/rotate/consent"]
    assert after and all(c.startswith("sid=user-") and c.count("sid=") == 1 for c in after)
    # the server really refuses the old session: sending it is not enough to pass
    assert session.request("GET", "/rotate/consent", headers={"Cookie": old}).status == 401
    sent(recorder)


def test_consent_with_input_submit_buttons(session, recorder, site) -> None:
    granted(login(session, "inputsubmit"))

    login_post, consent_post = seen(site, "inputsubmit", "POST")
    assert login_post.form["login"] == ["Log in"]  # the clicked <input type=submit> is sent
    assert consent_post.path == "/inputsubmit/consent"
    assert consent_post.form["authorize"] == ["Authorize"] and "cancel" not in consent_post.form
    sent(recorder)


def test_deny_button_with_its_own_formaction(session, recorder, site) -> None:
    result = login(session, "inputsubmit", approve=False)

    assert result.params["error"] == "access_denied"
    post = seen(site, "inputsubmit", "POST")[-1]
    assert post.path == "/inputsubmit/cancel" and post.form["cancel"] == ["Cancel"]
    sent(recorder)


def test_checkbox_consent_keeps_the_form_as_a_browser_submits_it(session, recorder) -> None:
    # the server accepts only: checked boxes, "I agree" ticked, the checked radio, the selected
    # option, the textarea's text, and nothing from disabled, reset or type=button controls
    granted(login(session, "checkbox"))
    assert sent(recorder)[-1] == ("POST", "/checkbox/consent")


def test_checkbox_consent_without_a_deny_button(session, recorder) -> None:
    error = fails(session, "checkbox", approve=False)

    assert "/checkbox/consent" in str(error) and "no deny button" in str(error) and "'Continue'" in str(error)
    sent(recorder)


@pytest.mark.parametrize(("approve", "expected"), [(True, "code"), (False, "error")])
def test_login_and_consent_on_one_form(session, recorder, approve, expected) -> None:
    result = login(session, "combined", approve=approve)
    assert expected in result.params and result.params["state"] == STATE
    sent(recorder)


def test_custom_field_names(session, recorder) -> None:
    error = fails(session, "fields")
    assert "email, passwd" in str(error) and "username_field" in str(error)

    granted(login(session, "fields", username_field="email", password_field="passwd"))
    assert [m for m, _ in sent(recorder)] == ["GET", "GET", "POST"]


def test_identifier_first_login(session, recorder, site) -> None:
    granted(login(session, "stepwise"))

    step, password = seen(site, "stepwise", "POST")
    assert step.form["username"] == [USER] and "password" not in step.form
    assert password.form["password"] == [PASSWORD] and "username" not in password.form
    sent(recorder)


def test_server_redirecting_straight_back_with_an_error(session, recorder) -> None:
    result = login(session, "denied")

    assert result.params == {"error": "access_denied", "state": STATE}
    assert sent(recorder) == [("GET", "/denied/authorize")]


# --- pages it must not get past -----------------------------------------------------------


def test_page_without_a_form(session, site, recorder) -> None:
    error = fails(session, "noform")

    message = str(error)
    assert message.startswith(f"{site[1].url}/noform/authorize?")
    assert "no form" in message and "Down for maintenance" in message
    assert error.status == 200 and error.response is not None and error.response.exchange.status == 200
    assert error.pages == (error.pages[0],) and "/noform/authorize" in error.pages[0]
    sent(recorder)


def test_two_login_forms(session, site, recorder) -> None:
    error = fails(session, "twoforms")

    assert "2 forms with a 'password' field" in str(error) and "/twoforms/authorize" in str(error)
    assert not seen(site, "twoforms", "POST")
    sent(recorder)


def test_login_form_posting_to_another_origin(session, other, recorder) -> None:
    before = len(other[0].log)
    error = fails(session, "elsewhere")

    assert "refused to send the user's password" in str(error) and other[1].url in str(error)
    assert "allowed_origins" in str(error), "the message names the key that would allow it"
    assert len(other[0].log) == before  # nothing reached the other origin
    assert sent(recorder) == [("GET", "/elsewhere/authorize")]


def test_get_form_with_a_capitalised_password_field_to_another_origin(session, other, recorder) -> None:
    before = len(other[0].log)
    error = fails(session, "elsewhere-get", password_field="Password")

    assert "refused to send the user's password" in str(error) and other[1].url in str(error)
    assert len(other[0].log) == before, "the password would have gone in the query of a GET"
    assert PASSWORD not in str(error)


def test_allowed_login_origin_receives_the_password(site, other, recorder) -> None:
    session = Session(base_url=site[1].url, masker=Masker(), recorder=recorder, timeout=5.0,
                      password_origins=(other[1].url,), passwords=(PASSWORD,))  # fmt: skip
    before = len([s for s in other[0].log if s.path == "/idp/login" and s.method == "POST"])
    with pytest.raises(LoginError):  # the stand-in identity provider answers "got it", not a redirect
        login(session, "idp")
    after = len([s for s in other[0].log if s.path == "/idp/login" and s.method == "POST"])
    assert after == before + 1, "the allowed origin got the login form's POST"


def test_login_page_on_another_origin_gets_no_password(session, other, recorder) -> None:
    before = [s.method for s in other[0].log if s.path == "/idp/login"].count("POST")
    error = fails(session, "idp")

    assert "/idp/login" in str(error) and "refused to send the user's password" in str(error)
    assert [s.method for s in other[0].log if s.path == "/idp/login"].count("POST") == before
    assert sent(recorder) == [("GET", "/idp/authorize"), ("GET", "/idp/login")]


def test_redirect_loop_stops_after_max_steps(session, recorder) -> None:
    with pytest.raises(LoginError, match="after 5 requests"):
        login_with_form(
            session, "/loop/a", username=USER, password=PASSWORD, redirect_uri=CALLBACK, max_steps=5
        )
    assert len(sent(recorder)) == 5 and session.requests_sent == 5


def test_server_error_page(session, recorder) -> None:
    error = fails(session, "broken")
    assert error.status == 500 and "answered 500 with no form" in str(error)
    sent(recorder)


def test_307_after_the_login_post_is_not_followed(session, site, recorder) -> None:
    error = fails(session, "repost")

    assert "307 after a POST" in str(error) and "/repost/next" in str(error)
    assert sent(recorder) == [("GET", "/repost/authorize"), ("POST", "/repost/authorize")]
    assert not seen(site, "repost")[-1].path.endswith("/next")


def test_login_form_shown_again_means_the_credentials_were_refused(session, site, recorder) -> None:
    error = fails(session, "wrongpw")

    assert "came back after the credentials were submitted" in str(error)
    assert len(seen(site, "wrongpw", "POST")) == 1  # never retried: no account lock-out
    sent(recorder)


def test_consent_page_without_an_approve_button(session, recorder) -> None:
    error = fails(session, "neutral")
    assert "no approve button" in str(error) and "'Submit'" in str(error)
    sent(recorder)


def test_password_in_a_get_form_is_masked_everywhere(session, recorder, site) -> None:
    error = fails(session, "getform")

    assert "/getform/check?" in str(error) and "no form" in str(error)
    assert PASSWORD not in str(error) and all(PASSWORD not in p for p in error.pages)
    assert seen(site, "getform")[-1].query.startswith("username=")  # the action's own query replaced
    sent(recorder)


# --- pieces ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (f"{CALLBACK}?code=abc&state=x", True),
        (f"{CALLBACK}#error=access_denied", True),
        ("HTTPS://Client.Example.org:443/callback?code=1", True),
        ("https://client.example.org/callback/extra?code=1", False),
        ("https://client.example.org:8443/callback?code=1", False),
        ("http://client.example.org/callback?code=1", False),
        ("https://client.example.org.evil.test/callback", False),
        ("/callback?code=1", False),
        ("https://client.example.org:notaport/callback", False),
    ],
)
def test_reaches(location: str, expected: bool) -> None:
    assert reaches(location, CALLBACK) is expected


def test_form_data_as_a_browser_builds_it() -> None:
    html = """
      <base href="https://as.example/app/">
      <form action="go" method="POST">
        <input name="q" value="a&amp;b"><input type="file" name="f">
        <select name="many" multiple><option selected>x</option><option value="y" selected>Y</option></select>
        <select name="none"></select>
        <input type="image" name="pic" src="ok.png">
      </form>"""
    (form,) = parse_page(html, "https://as.example/start").forms

    assert form.action == "https://as.example/app/go" and form.method == "POST"
    data = form_data(form, fill={}, drop_hidden=False, tick_agree=False) + form.buttons[0].pairs()
    assert data == [("q", "a&b"), ("many", "x"), ("many", "y"), ("pic.x", "0"), ("pic.y", "0")]


# --- the command method ------------------------------------------------------------------

AUTHORIZE = "https://as.example/authorize?client_id=c&state=it's&scope=read write"


def command(tmp_path: Path, body: str, args: str = "{authorize_url}") -> str:
    script = tmp_path / "login.py"
    script.write_text("import sys, time\n" + body)
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {args}"


def test_command_prints_the_redirect(tmp_path: Path) -> None:
    body = (
        f"assert sys.argv[1:] == ['--url', {AUTHORIZE!r}], sys.argv\n"
        "print('launching browser')\n"
        "print('https://client.example.org/callback?code=abc123def456&state=s')\n"
        "print('')\n"
    )
    url = login_with_command(command(tmp_path, body, "--url {authorize_url}"), AUTHORIZE, timeout=20)
    assert url == "https://client.example.org/callback?code=abc123def456&state=s"


def test_command_without_placeholder_gets_the_url_appended(tmp_path: Path) -> None:
    body = "print('app.example:/cb?code=' + str(len(sys.argv)) + '&u=' + sys.argv[-1].split('?')[0])\n"
    url = login_with_command(command(tmp_path, body, ""), AUTHORIZE, timeout=20)
    assert url == "app.example:/cb?code=2&u=https://as.example/authorize"


def test_command_failure_quotes_its_stderr_masked(tmp_path: Path) -> None:
    body = (
        "for i in range(9): print(f'step {i}', file=sys.stderr)\n"
        "print('POST /login password=hunter2-secret failed', file=sys.stderr)\n"
        "sys.exit(3)\n"
    )
    with pytest.raises(LoginError) as caught:
        login_with_command(command(tmp_path, body), AUTHORIZE, timeout=20)
    message = str(caught.value)
    assert "exited with status 3" in message and "step 8" in message and "step 4" not in message
    assert "hunter2-secret" not in message and "password=«" in message


def test_command_timeout(tmp_path: Path) -> None:
    body = "print('waiting', file=sys.stderr, flush=True)\ntime.sleep(30)\n"
    started = time.monotonic()
    with pytest.raises(LoginError, match=r"timed out after 0\.5 s; stderr: waiting"):
        login_with_command(command(tmp_path, body), AUTHORIZE, timeout=0.5)
    assert time.monotonic() - started < 5


def test_command_without_a_url(tmp_path: Path) -> None:
    with pytest.raises(LoginError, match="printed no redirect URL"):
        login_with_command(command(tmp_path, "print('done: logged in')\n"), AUTHORIZE, timeout=20)


def test_command_that_does_not_exist() -> None:
    with pytest.raises(LoginError, match="could not start"):
        login_with_command("/nonexistent/login-helper {authorize_url}", AUTHORIZE, timeout=5)
