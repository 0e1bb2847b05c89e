"""Allure: each check is labelled with its requirement and carries its evidence; nothing happens without --alluredir.

The checks run in a child pytest (allure-pytest keeps process-wide state), with a conftest that
calls the two functions the way the plugin does: `label_check` inside the test, `attach_evidence`
from a `pytest_runtest_makereport` wrapper once the call phase is reported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conformance.masking import mask_value
from conformance.reporting import allure as spry_allure
from tests.reporting.sample import alg_none_evidence, exchange, requirement

SECRET = "allure-leak-7f3a9c1e5b"

CONFTEST = """
import json
import pytest
from conformance.masking import masker
from conformance.reporting.allure import attach_evidence

masker.register({secret!r})
EVIDENCE = json.loads({evidence!r})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        exchanges, message = EVIDENCE.get(item.name, ([], ""))
        attach_evidence(exchanges, message)
    return report
"""

CHECKS = """
import json
from conformance.reporting.allure import label_check, attach_evidence

REQUIREMENT = json.loads({requirement!r})


def test_alg_none():
    label_check(REQUIREMENT)
    assert False, "accepted an alg none token"


def test_odd_inputs():
    label_check({{"id": "ODD", "severity": "unknown", "links": [None, {{"url": None}}, ["x", "https://e.test/"]]}})
    label_check(None)
    label_check(object())
    attach_evidence(None, None)


def test_quiet():
    label_check({{"id": "QUIET", "severity": "info", "title": "nothing attached"}})
"""


def _evidence() -> dict[str, Any]:
    leaking = exchange("POST", "/oauth/token", 401, response_body="invalid_client")
    leaking["response_body"] = f"the secret was {SECRET}"  # raw, as if masking had been missed upstream
    return {
        "test_alg_none": (alg_none_evidence() + [leaking, {"note": "3 more exchanges left out"}],
                          "GET /api/v1/patients with an alg none token answered 200"),
        "test_odd_inputs": ([None, {"method": "GET"}, {"status": None, "error": "x"}, 5], ""),
    }  # fmt: skip


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    req = requirement("JWT-ALG-NONE", "The resource refuses tokens with alg none", severity="critical", family="jwt",
                      status="failed", rfc=("RFC 8725 §3.1", "RFC 7519 §6.1"), spry=None)  # fmt: skip
    req = {k: v for k, v in req.items() if k not in {"status", "reason", "check_results", "checks"}}
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(CONFTEST.format(secret=SECRET, evidence=json.dumps(_evidence())))
    )
    (tmp_path / "test_checks.py").write_text(textwrap.dedent(CHECKS.format(requirement=json.dumps(req))))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only allure-pytest: the others take seconds to load
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "allure_pytest.plugin",
         "--rootdir", str(tmp_path), str(tmp_path), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def _results(directory: Path) -> dict[str, dict[str, Any]]:
    results = {}
    for path in directory.glob("*-result.json"):
        result = json.loads(path.read_text())
        results[result["name"]] = result
    return results


def test_labels_links_and_attachments_reach_allure_results(tmp_path: Path) -> None:
    alluredir = tmp_path / "allure-results"
    done = _run(tmp_path, "--alluredir", str(alluredir))
    assert done.returncode == 1, done.stdout + done.stderr  # test_alg_none fails; the others pass
    assert "1 failed, 2 passed" in done.stdout, done.stdout
    results = _results(alluredir)
    assert set(results) == {"test_alg_none", "test_odd_inputs", "test_quiet"}

    check = results["test_alg_none"]
    labels = {(label["name"], label["value"]) for label in check["labels"]}
    assert ("requirement", "JWT-ALG-NONE") in labels
    assert ("severity", "blocker") in labels
    assert ("feature", spry_allure._family_title("jwt")) in labels
    assert ("story", "The resource refuses tokens with alg none") in labels
    assert ("tag", "MUST") in labels
    links = {(link["name"], link["url"]) for link in check["links"]}
    assert links == {("RFC 8725 §3.1", "https://www.rfc-editor.org/rfc/rfc8725#section-3.1"),
                     ("RFC 7519 §6.1", "https://www.rfc-editor.org/rfc/rfc7519#section-6.1")}  # fmt: skip

    attachments = check["attachments"]
    names = [a["name"] for a in attachments]
    assert names == [
        "POST https://spry.example.test/oauth/token -> 200",
        "GET https://spry.example.test/api/v1/patients?limit=1 -> 200",
        "POST https://spry.example.test/oauth/token -> 401",
        "check message",
    ]
    assert all(a["type"] == "text/plain" for a in attachments)
    bodies = {a["name"]: (alluredir / a["source"]).read_text() for a in attachments}
    first = bodies[names[0]]
    assert first.startswith("POST https://spry.example.test/oauth/token\n")
    assert "grant_type=client_credentials" in first and "HTTP 200" in first and "curl -i -X POST" in first
    assert "c3ByeS1jbGllbnQ6c3VwZXItc2VjcmV0LXZhbHVl" not in first  # the Basic credentials stay masked
    message = bodies["check message"]
    assert message.startswith("GET /api/v1/patients with an alg none token answered 200")
    assert "3 more exchanges left out" in message
    # a raw secret that reached the evidence is masked on the way into Allure
    everything = "".join(p.read_text(errors="replace") for p in alluredir.iterdir())
    assert SECRET not in everything and mask_value(SECRET) in bodies[names[2]]

    odd = results["test_odd_inputs"]
    assert odd["status"] == "passed"  # bad inputs raise nothing
    assert ("requirement", "ODD") in {(label["name"], label["value"]) for label in odd["labels"]}
    assert [a["name"] for a in odd.get("attachments", [])] == ["GET ? -> no response"]
    quiet = results["test_quiet"]
    assert ("severity", "trivial") in {(label["name"], label["value"]) for label in quiet["labels"]}
    assert not quiet.get("attachments")


def test_without_alluredir_nothing_happens(tmp_path: Path) -> None:
    done = _run(tmp_path)
    assert "1 failed, 2 passed" in done.stdout, done.stdout + done.stderr
    assert "INTERNALERROR" not in done.stdout + done.stderr
    assert not list(tmp_path.rglob("*-result.json"))
    assert not list(tmp_path.rglob("*-attachment*"))


def test_inactive_in_this_process_and_never_raises() -> None:
    if spry_allure.active():
        pytest.skip("this test run records Allure results itself")
    spry_allure.label_check(
        {"id": "X", "severity": "critical", "links": [{"label": "RFC 6749", "url": "https://x"}]}
    )
    spry_allure.attach_evidence([{"method": "GET", "url": "https://x", "status": 200}], "message")


def test_severity_mapping_and_names() -> None:
    assert spry_allure.SEVERITY == {"critical": "blocker", "high": "critical", "medium": "normal", "low": "minor",
                                    "info": "trivial"}  # fmt: skip
    from allure_commons.types import Severity

    assert set(spry_allure.SEVERITY.values()) <= {s.value for s in Severity}
    assert (
        spry_allure.exchange_name({"method": "GET", "url": "https://x/y", "status": None})
        == "GET https://x/y -> no response"
    )
    text = spry_allure.exchange_text(exchange("GET", "/x", None, error="timed out"))
    assert "(no response: timed out)" in text
