"""The browser login (`method = "browser"`) against the reference server's two logins: the HTML form and
the single-page app built by a script (`--login spa`); and why the form method cannot do the SPA.

These tests drive a real Chromium. Without one they skip locally, saying how to install it, and FAIL
under CI (`CI` set, as `.ci/run` does): a CI that cannot test the browser must not look green.
`SPRY_CONFORMANCE_NO_BROWSER=1` skips them on purpose.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.config import Target, embedded_target, with_overrides
from conformance.errors import ConfigError, LoginError
from conformance.evidence import Recorder
from conformance.flows.authorize import authorize, new_state
from conformance.http import Session
from conformance.login import browser
from conformance.login.browser import _Visit
from conformance.login.chromium import find_browser
from conformance.login.command import login_with_command
from conformance.masking import Masker
from conformance.reference import ReferenceServer, ServerSettings


def _browser_or_skip() -> None:
    if os.environ.get("SPRY_CONFORMANCE_NO_BROWSER") == "1":
        pytest.skip("SPRY_CONFORMANCE_NO_BROWSER=1")
    try:
        find_browser()
    except ConfigError as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the browser login: {error}")
        pytest.skip(str(error))


@pytest.fixture(scope="module", params=["form", "spa"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[ReferenceServer, Target]]:
    _browser_or_skip()
    server = ReferenceServer(ServerSettings(login=request.param))
    server.start()
    yield server, embedded_target(server.base_url, server.credentials, login_method="browser")
    server.stop()


@pytest.fixture
def session(served: tuple[ReferenceServer, Target]) -> Iterator[Session]:
    target = served[1]
    s = Session(
        base_url=target.base_url,
        masker=Masker(),
        recorder=Recorder(),
        passwords=(target.user.password or "",),
    )
    yield s
    s.close()


def test_the_browser_logs_in_and_approves(served: tuple[ReferenceServer, Target], session: Session) -> None:
    target = served[1]
    state = new_state()
    answer = authorize(session, target, target.clients["primary"], state=state)
    assert answer.code and answer.state == state and answer.error is None
    exchanges, _ = session.recorder.take()
    urls = [e.url for e in exchanges]
    assert any("/oauth/authorize" in u for u in urls)
    if served[0].settings.login == "spa":  # the script's API calls are the session's, in the evidence
        assert any(u.endswith("/spa/login") for u in urls) and any(u.endswith("/spa/consent") for u in urls)
    password = target.user.password or ""
    assert all(password not in e.request_body and answer.code not in e.response_body for e in exchanges)


def test_the_browser_denies(served: tuple[ReferenceServer, Target], session: Session) -> None:
    target = served[1]
    answer = authorize(session, target, target.clients["primary"], state=new_state(), approve=False)
    assert answer.error == "access_denied" and answer.code is None


def test_a_refused_password_stops_with_a_screenshot(
    served: tuple[ReferenceServer, Target], session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(browser.SCREENSHOTS, "dir", tmp_path)
    target = served[1]
    wrong = with_overrides(
        target, user=type(target.user)(target.user.username, "not-the-password", target.user.login)
    )
    with pytest.raises(LoginError) as raised:
        authorize(session, wrong, target.clients["primary"], state=new_state())
    message = str(raised.value)
    assert "came back after the credentials were submitted" in message and "not-the-password" not in message
    (shot,) = tmp_path.glob("login-*.png")
    assert "screenshot" in message
    (note,) = session.recorder.take_notes()  # the check's evidence names it, relative to the report dir
    assert note == {
        "note": "the browser login stopped on this page",
        "screenshot": f"{tmp_path.name}/{shot.name}",
    }


def test_a_run_whose_browser_login_stops_shows_the_screenshot(tmp_path: Path) -> None:
    """End to end: the SPA's consent API answers 500 (authorize-500), the browser login stops there, the
    check fails on that answer, and the screenshot is in results.json, summary.json, report.html (a linked thumbnail) and evidence.zip."""
    _browser_or_skip()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SPRY_")}
    command = [sys.executable, "-m", "conformance.cli", "run", "--login", "spa", "--fault", "authorize-500",
               "--requirement", "AC-LOGIN-REDIRECT", "--report-dir", "out"]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=environment)
    assert done.returncode == 1, done.stdout + done.stderr
    out = tmp_path / "out"
    (shot,) = (out / "login").glob("login-*.png")
    relative = f"login/{shot.name}"
    (entry,) = json.loads((out / "summary.json").read_text())["requirements"]
    assert entry["screenshots"] == [relative]
    # the 500 ends the login at once, as a form walk's does: a failure with the answer, not an error
    assert entry["status"] == "failed" and "answered 500 to POST (browser)" in entry["reason"], entry
    (result,) = json.loads((out / "results.json").read_text())["requirements"][0]["check_results"]
    assert {"note": "the browser login stopped on this page", "screenshot": relative} in result["evidence"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f'<a href="{relative}"><img src="data:image/png;base64,' in html
    with zipfile.ZipFile(out / "evidence.zip") as bundle:
        assert bundle.read(f"reports/{relative}") == shot.read_bytes()


def test_the_form_method_says_why_it_cannot_log_in_on_the_spa() -> None:
    server = ReferenceServer(ServerSettings(login="spa"))
    server.start()
    try:
        target = embedded_target(server.base_url, server.credentials)  # method = "form"
        s = Session(base_url=target.base_url, masker=Masker(), recorder=Recorder())
        with pytest.raises(LoginError) as raised:
            authorize(s, target, target.clients["primary"], state=new_state())
    finally:
        server.stop()
    message = str(raised.value)
    assert "built by JavaScript" in message and 'method = "browser"' in message and "\n" not in message


class _Route:
    def __init__(self) -> None:
        self.aborted: str | None = None

    def abort(self, reason: str) -> None:
        self.aborted = reason


def test_a_request_outside_the_allowed_origins_is_aborted_unsent() -> None:
    recorder = Recorder()
    s = Session(base_url="http://127.0.0.1:9", masker=Masker(), recorder=recorder)
    visit = _Visit(s, lambda url: False, ("http://127.0.0.1:9", "https://login.example"), 10)
    route = _Route()
    request: Any = SimpleNamespace(url="https://tracker.example/pixel.gif?u=1")
    visit.handle(route, request)
    assert route.aborted == "blockedbyclient" and visit.refused and not visit.pages
    assert recorder.take()[1] == 0 and s.requests_sent == 0


def test_the_navigation_to_the_redirect_uri_is_captured_unloaded() -> None:
    s = Session(base_url="http://127.0.0.1:9", masker=Masker(), recorder=Recorder())
    visit = _Visit(s, lambda url: url.startswith("https://client.example/cb"), ("http://127.0.0.1:9",), 10)
    route = _Route()
    visit.handle(route, SimpleNamespace(url="https://client.example/cb?code=x&state=y"))
    assert visit.location == "https://client.example/cb?code=x&state=y" and route.aborted == "aborted"
    assert s.requests_sent == 0


def test_no_browser_is_a_configuration_error_naming_the_install(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="apt-get install chromium"):
        find_browser(str(tmp_path / "no-such-chrome"))


def test_the_command_method_denies_with_its_decision_placeholder(tmp_path: Path) -> None:
    script = tmp_path / "login.py"
    script.write_text("import sys; print('https://client.example/cb?state=s&' + "
                      "('error=access_denied' if sys.argv[2] == 'deny' else 'code=c'))\n")  # fmt: skip
    command = f"python3 {script} {{authorize_url}} {{decision}}"
    assert "error=access_denied" in login_with_command(command, "https://as.example/authorize", approve=False)
    assert "code=c" in login_with_command(command, "https://as.example/authorize")
    with pytest.raises(LoginError, match="cannot deny consent"):
        login_with_command(
            f"python3 {script} {{authorize_url}}", "https://as.example/authorize", approve=False
        )


@pytest.mark.parametrize("fault", [None, "consent-deny-issues-code"])
def test_run_login_spa_judges_deny_through_the_browser(tmp_path: Path, fault: str | None) -> None:
    """`run --login spa`: the embedded server's SPA, logged in by the browser; AC-DENY-NO-CODE judged both ways."""
    _browser_or_skip()
    from tests.support import run_suite

    run = run_suite(tmp_path, "--login", "spa", "--requirement", "AC-DENY-NO-CODE",
                    *(["--fault", fault] if fault else []), "--", "-n", "0")  # fmt: skip
    assert run.status("AC-DENY-NO-CODE") == ("failed" if fault else "passed"), run.output[-2000:]
    assert run.code == (1 if fault else 0)


def test_run_login_applies_to_the_embedded_server_only(tmp_path: Path) -> None:
    from tests.support import run_suite

    run = run_suite(tmp_path, "--login", "spa", "--target", "https://as.example")
    assert run.code == 2 and "--login applies to the embedded reference server only" in run.output
