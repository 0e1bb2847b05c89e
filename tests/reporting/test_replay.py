"""Replays reproduce a finding from the reference server with only environment variables set."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conformance.reference import ReferenceServer, ServerSettings
from conformance.replay import add_replays, variables

# Secrets with the characters a form body encodes (`+`, `&`, `=`, `%`): a replay must encode them as the suite did.
SECRETS = {"primary": "primary-secret+Ahjee&4ohx=a7%2F", "secondary": "secondary-secret-ooCh9eiv5aeSh0ie",
           "read_only": "reader-secret-Eim4ahzaeng3Hoo5", "user": "user-password+Quoo&7she=i1%41"}  # fmt: skip
ENV = {"SPRY_CLIENT_SECRET": SECRETS["primary"], "SPRY_SECONDARY_CLIENT_SECRET": SECRETS["secondary"],
       "SPRY_READER_CLIENT_SECRET": SECRETS["read_only"], "SPRY_USER_PASSWORD": SECRETS["user"]}  # fmt: skip


def test_a_replay_names_secrets_and_earlier_steps() -> None:
    from conformance.masking import mask_value

    token = mask_value("issued-token-0123456789")
    evidence = [
        {"method": "POST", "url": "http://h/token", "request_headers": [["Content-Type", "application/x-www-form-urlencoded"]],
         "request_body": f"grant_type=client_credentials&client_id=c&client_secret={mask_value('s3cret-value')}",
         "status": 200, "response_headers": [], "response_body": json.dumps({"access_token": token})},
        {"method": "GET", "url": "http://h/v2/patients", "request_headers": [["Authorization", f"Bearer {token}"]],
         "request_body": "", "status": 200, "response_headers": [], "response_body": ""},
    ]  # fmt: skip
    used = add_replays(evidence, variables([("SPRY_CLIENT_SECRET", "s3cret-value", "c")]))
    assert used == ["SPRY_CLIENT_SECRET"]
    # in a form body the value goes out percent-encoded, as the suite sent it
    assert 'client_secret=$(urlencode "${SPRY_CLIENT_SECRET}")' in evidence[0]["replay_curl"]
    assert evidence[0]["replay_curl"].splitlines()[1].startswith("urlencode() {")
    assert "client_secret={urllib.parse.quote_plus(SPRY_CLIENT_SECRET)}" in evidence[0]["replay_httpx"]
    assert "urlencode" not in evidence[1]["replay_curl"]  # a header carries the token as it is
    assert "${STEP1_ACCESS_TOKEN}" in evidence[1]["replay_curl"]
    assert (
        "export STEP1_ACCESS_TOKEN=<the access_token in the JSON answer of step #1>"
        in evidence[1]["replay_curl"]
    )
    script = evidence[1]["replay_httpx"]
    assert "STEP1_ACCESS_TOKEN = step1.json()['access_token']" in script and "s3cret" not in script
    compile(script, "replay", "exec")


def test_the_replay_of_a_finding_reproduces_its_status(tmp_path: Path) -> None:
    requirement = "SCOPE-READ-ONLY-CANNOT-WRITE"
    settings = ServerSettings(faults=frozenset({"resource-ignores-scope"}), secrets=SECRETS)
    with ReferenceServer(settings) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))}
        reports = tmp_path / "reports"
        completed = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "run", "--target", server.base_url, "--report-dir", str(reports),
             "--requirement", requirement], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env | ENV,
        )  # fmt: skip
        assert completed.returncode == 1, completed.stdout[-3000:]
        results = json.loads((reports / "results.json").read_text())
        (entry,) = [r for r in results["requirements"] if r["id"] == requirement]
        check = next(c for c in entry["check_results"] if c["status"] == "failed")
        finding = [e for e in check["evidence"] if "method" in e][-1]
        script = tmp_path / "replay.py"
        script.write_text(finding["replay_httpx"])
        assert not any(
            secret in finding["replay_httpx"] + finding["replay_curl"] for secret in SECRETS.values()
        )
        replayed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                                  env=env | ENV)  # fmt: skip
        assert replayed.returncode == 0, replayed.stderr[-2000:]
        assert replayed.stdout.strip() == str(finding["status"]), (finding["replay_httpx"], replayed.stdout)
        without = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=60, env=env
        )
        assert without.returncode != 0 and "KeyError" in without.stderr  # the variables are what it needs
        if shutil.which("bash") and shutil.which("curl") and "STEP" not in finding["replay_curl"]:
            curl = subprocess.run(
                ["bash", "-c", finding["replay_curl"]], capture_output=True, text=True, env=env | ENV
            )
            assert f" {finding['status']} " in curl.stdout.splitlines()[0]
