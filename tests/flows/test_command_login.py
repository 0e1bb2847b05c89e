"""The `command` login driver against the reference server: approve and deny with `{decision}`, and the
requests the command reports (a HAR file at `{har}`, JSON lines on stdout) in the evidence, masked and
marked as reported, bounded, and read without a traceback when malformed."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from conformance.config import Target, embedded_target, with_overrides
from conformance.errors import LoginError
from conformance.evidence import Exchange, Recorder
from conformance.flows.authorize import authorization_url, authorize, new_state
from conformance.http import Session
from conformance.login.drivers import driver_for
from conformance.login.reported import MAX_REPORTED, REPORTED_BY
from conformance.masking import Masker
from conformance.reference import ReferenceServer, ServerSettings

#: A login program as a user would write one: it logs in with its own HTTP client (here the suite's form
#: walk, with a recorder of its own, standing in for a headless browser), then reports its requests.
SCRIPT = r"""
import json, sys
from conformance.evidence import Recorder
from conformance.http import Session
from conformance.login.form import login_with_form
from conformance.masking import Masker

url, decision, how, where, base, user, password, redirect_uri = sys.argv[1:9]
recorder = Recorder()
session = Session(base_url=base, masker=Masker(), recorder=recorder, passwords=(password,))
# the program's own record is unmasked, as a browser's HAR is: the suite masks what it reads
session.masker.mask = lambda text: text
session.masker.mask_headers = lambda headers: list(headers)
result = login_with_form(session, url, username=user, password=password, redirect_uri=redirect_uri,
                         approve=decision == "approve")
exchanges, _ = recorder.take()
if how == "har":
    entries = [{"request": {"method": e.method, "url": e.url,
                            "headers": [{"name": n, "value": v} for n, v in e.request_headers],
                            "postData": {"mimeType": "application/x-www-form-urlencoded", "text": e.request_body}},
                "response": {"status": e.status, "headers": [{"name": n, "value": v} for n, v in e.response_headers],
                             "content": {"mimeType": "text/html", "text": e.response_body}},
                "time": e.elapsed_ms}
               for e in exchanges]
    entries.append({"_resourceType": "image", "request": {"method": "GET", "url": base + "/logo.png"},
                    "response": {"status": 200, "content": {"mimeType": "image/png"}}})
    with open(where, "w") as har:
        json.dump({"log": {"version": "1.2", "creator": {"name": "test"}, "entries": entries}}, har)
elif how == "lines":
    for e in exchanges:
        print(json.dumps({"method": e.method, "url": e.url, "status": e.status, "request_body": e.request_body,
                          "response_headers": dict(e.response_headers)}))
elif how == "many":
    for i in range(250):
        print(json.dumps({"method": "GET", "url": f"{base}/asset/{i}", "status": 200}))
elif how == "bad-lines":
    print("{not json")
    print(json.dumps({"url": base}))
    print(json.dumps({"method": "GET", "url": base, "status": "200"}))
elif how == "bad-har":
    with open(where, "w") as har:
        har.write('{"log": {"entries": 7}}')
print("logged in", file=sys.stderr)
if how == "fails":
    print(json.dumps({"method": "GET", "url": url, "status": 500}))
    sys.exit(4)
print(result.location)
"""


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    served = ReferenceServer(ServerSettings())
    served.start()
    yield served
    served.stop()


def command_target(server: ReferenceServer, tmp_path: Path, how: str, *, decision: bool = True) -> Target:
    target = embedded_target(server.base_url, server.credentials)
    script = tmp_path / "login.py"
    script.write_text(SCRIPT)
    client = target.clients["primary"]
    arguments = [
        sys.executable, str(script), "{authorize_url}", "{decision}" if decision else "approve", how, "{har}",
        target.base_url, target.user.username or "", target.user.password or "", client.redirect_uri or "",
    ]  # fmt: skip
    login = replace(target.user.login, method="command", command=shlex.join(arguments))
    return with_overrides(target, user=replace(target.user, login=login))


@pytest.fixture
def session(server: ReferenceServer) -> Iterator[Session]:
    s = Session(base_url=server.base_url, masker=Masker(), recorder=Recorder())
    yield s
    s.close()


def reported(session: Session) -> list[Exchange]:
    exchanges, _ = session.recorder.take()
    assert all(e.reported_by == REPORTED_BY for e in exchanges), "the command's requests are the only ones"
    return exchanges


def no_secret(target: Target, exchanges: list[Exchange], code: str | None) -> None:
    text = "\n".join(json.dumps(e.to_dict()) for e in exchanges)
    assert (target.user.password or "-") not in text, "the password is in the evidence unmasked"
    assert code is None or code not in text, "the authorization code is in the evidence unmasked"


def test_the_driver_is_the_configured_method(server: ReferenceServer, tmp_path: Path) -> None:
    target = embedded_target(server.base_url, server.credentials)
    assert driver_for(target).method == "form"
    assert (
        driver_for(embedded_target(server.base_url, server.credentials, login_method="browser")).method
        == "browser"
    )
    assert driver_for(command_target(server, tmp_path, "har")).method == "command"


@pytest.mark.parametrize("how", ["har", "lines"])
def test_the_command_approves_and_its_requests_are_evidence(
    server: ReferenceServer, session: Session, tmp_path: Path, how: str
) -> None:
    target = command_target(server, tmp_path, how)
    state = new_state()
    answer = authorize(session, target, target.clients["primary"], state=state)
    assert answer.code and answer.state == state and answer.response is None
    exchanges = reported(session)
    assert [e.method for e in exchanges][:1] == ["GET"] and "POST" in [e.method for e in exchanges]
    assert any("/oauth/authorize" in e.url for e in exchanges) and exchanges[-1].status in {302, 303}
    assert "not observed by the suite" in exchanges[0].summary()
    assert not any(e.url.endswith("logo.png") for e in exchanges), "images are left out of a HAR"
    no_secret(target, exchanges, answer.code)
    notes = [n["note"] for n in session.recorder.take_notes()]
    assert notes == (["login command: 1 static resource(s) of its HAR file left out (images, style sheets, fonts)"]
                     if how == "har" else [])  # fmt: skip


def test_the_command_denies_with_decision(server: ReferenceServer, session: Session, tmp_path: Path) -> None:
    target = command_target(server, tmp_path, "har")
    answer = authorize(session, target, target.clients["primary"], state=new_state(), approve=False)
    assert answer.error == "access_denied" and answer.code is None
    assert any("deny" in e.request_body for e in reported(session))


def test_a_command_without_decision_cannot_deny(
    server: ReferenceServer, session: Session, tmp_path: Path
) -> None:
    target = command_target(server, tmp_path, "har", decision=False)
    with pytest.raises(LoginError, match=r"add \{decision\}"):
        authorize(session, target, target.clients["primary"], state=new_state(), approve=False)


def test_reported_requests_are_bounded(server: ReferenceServer, session: Session, tmp_path: Path) -> None:
    target = command_target(server, tmp_path, "many")
    client = target.clients["primary"]
    url = authorization_url(target, client, state=new_state())
    outcome = driver_for(target).login(session, url, redirect_uri=client.redirect_uri or "")
    assert len(outcome.reported) == MAX_REPORTED
    (note,) = session.recorder.take_notes()
    assert note["note"].startswith(f"login command: {250 - MAX_REPORTED} more reported requests left out")


@pytest.mark.parametrize("how", ["bad-lines", "bad-har"])
def test_a_malformed_report_is_a_note(
    server: ReferenceServer, session: Session, tmp_path: Path, how: str
) -> None:
    target = command_target(server, tmp_path, how)
    answer = authorize(session, target, target.clients["primary"], state=new_state())
    assert answer.code
    assert reported(session) == []
    notes = [n["note"] for n in session.recorder.take_notes()]
    if how == "bad-lines":
        assert notes[0].startswith("login command stdout line 1: not JSON (") and notes[1:] == [
            "login command stdout line 2: no method and url, not read",
            "login command stdout line 3: a status that is not a number, not read",
            "the login command's HAR file: the command wrote none at {har} and reported no request",
        ]
    else:
        assert notes == [
            "the login command's HAR file: not a HAR 1.2 file (log.entries is not a list), not read"
        ]
    assert all("\n" not in n for n in notes)


def test_a_failed_command_still_reports_what_it_saw(
    server: ReferenceServer, session: Session, tmp_path: Path
) -> None:
    target = command_target(server, tmp_path, "fails")
    with pytest.raises(LoginError, match="exited with status 4; stderr: logged in"):
        authorize(session, target, target.clients["primary"], state=new_state())
    (exchange,) = reported(session)
    assert exchange.status == 500 and "/oauth/authorize" in exchange.url


def test_reported_requests_are_not_counted_as_the_suites() -> None:
    recorder = Recorder()
    own = Exchange("GET", "https://as.example/authorize", [], "", 200)
    for index in range(60):  # more than a check keeps: the first and the last ones stay
        recorder.record(own if index % 3 == 0 else replace(own, reported_by=REPORTED_BY))
    assert recorder.sent() == 20
    exchanges, dropped = recorder.take()
    assert len(exchanges) + dropped == 60 and recorder.sent() == 0
