"""Data minimisation: no patient's data in any file a run leaves, unless `--keep-bodies` asks for it.

The reference server seeds synthetic patients (made up per server). A run with a fault that serves
them to a revoked token (a SHOULD: a warning whose evidence holds the resource's 200) must leave none of their
names, birth dates or record numbers in any file under the report dir: summary.json, results.json,
junit.xml, report.html, every file of allure-results/ and every member of evidence.zip. The same run
with `--keep-bodies` finds them, which proves the scan would see a leak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conformance.evidence import BodyPolicy, Exchange
from conformance.reference import ReferenceServer, ServerSettings
from conformance.shape import redact_body, shape_of_body

SECRETS = {"primary": "primary-secret-Ahjee4ohxa7Ieb3u", "secondary": "secondary-secret-ooCh9eiv5aeSh0ie",
           "read_only": "reader-secret-Eim4ahzaeng3Hoo5", "user": "user-password-Quoo7shei1aiJ4ee"}  # fmt: skip
PATIENTS = '{"code":2000,"message":"Success","data":[{"id":1,"first_name":"Zorvexquil","date_of_birth":"1957-04-02",' \
           '"medical_record_number":"SYN-1234567890"},{"id":2,"first_name":"Ab","date_of_birth":"1990-01-01",' \
           '"medical_record_number":"SYN-9"}]}'  # fmt: skip


def test_a_resource_body_is_kept_as_its_shape() -> None:
    shaped = json.loads(shape_of_body(PATIENTS))
    assert shaped["code"] == 2000 and shaped["message"] == "Success"
    assert shaped["data"] == [
        {
            "id": "<int>",
            "first_name": "<str 10>",
            "date_of_birth": "<str 10>",
            "medical_record_number": "<str 14>",
        },
        {
            "id": "<int>",
            "first_name": "<str 2>",
            "date_of_birth": "<str 10>",
            "medical_record_number": "<str 5>",
        },
    ]
    same = json.loads(shape_of_body('{"data": [{"a": "xy"}, {"a": "zw"}, {"a": "uv"}]}'))
    assert same["data"] == [{"a": "<str 2>"}, "<2 more like it>"]
    assert "not kept" in shape_of_body("<html><body>Jane Doe, born 1957</body></html>")


def test_redaction_by_name_and_by_path() -> None:
    by_name = json.loads(redact_body(PATIENTS, ["medical_record_number"]))
    assert {p["medical_record_number"] for p in by_name["data"]} == {"«redacted»"}
    by_path = json.loads(redact_body(PATIENTS, ["$.data[*].first_name"]))
    assert {p["first_name"] for p in by_path["data"]} == {"«redacted»"}
    assert by_path["data"][0]["medical_record_number"] == "SYN-1234567890"
    assert redact_body("not json", ["x"]) == "not json"


def test_the_policy_keeps_oauth_bodies_and_shapes_the_others() -> None:
    def answer(url: str, body: str) -> Exchange:
        return Exchange("GET", url, [], "", 200, [("Content-Type", "application/json")], body)

    policy = BodyPolicy(oauth_paths=("/apis/v2/oauth/token",), redact=("medical_record_number",))
    token = answer(
        "https://h/apis/v2/oauth/token", '{"access_token":"«eyJh…#1»","medical_record_number":"x"}'
    )
    assert (
        policy.kept(token).response_body
        == '{"access_token":"«eyJh…#1»","medical_record_number":"«redacted»"}'
    )
    assert "Zorvexquil" not in policy.kept(answer("https://h/v2/patients?x=1", PATIENTS)).response_body
    assert (
        policy.kept(answer("https://h/.well-known/jwks.json", '{"keys":[]}')).response_body == '{"keys":[]}'
    )
    whole = BodyPolicy(keep_bodies=True).kept(answer("https://h/v2/patients", PATIENTS))
    assert "Zorvexquil" in whole.response_body


def _texts(directory: Path) -> dict[str, str]:
    """Every file under the report dir as text, each member of a zip too."""
    found = {}
    for path in directory.rglob("*"):
        if not path.is_file():
            continue
        found[str(path.relative_to(directory))] = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as bundle:
                for name in bundle.namelist():
                    found[f"{path.name}!{name}"] = bundle.read(name).decode("utf-8", "replace")
    return found


def _run(tmp_path: Path, server: ReferenceServer, *flags: str) -> Path:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))}
    env |= {"SPRY_CLIENT_SECRET": SECRETS["primary"], "SPRY_SECONDARY_CLIENT_SECRET": SECRETS["secondary"],
            "SPRY_READER_CLIENT_SECRET": SECRETS["read_only"], "SPRY_USER_PASSWORD": SECRETS["user"]}  # fmt: skip
    reports = tmp_path / "reports"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "run", "--target", server.base_url, "--report-dir", str(reports),
         *flags],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    summary = json.loads((reports / "summary.json").read_text())
    assert {r["id"]: r["status"] for r in summary["requirements"]}["BEARER-REVOKED-REFUSED"] == "warning"
    return reports


@pytest.mark.parametrize("keep", [False, True], ids=["default", "keep-bodies"])
def test_no_synthetic_patient_reaches_any_file(tmp_path: Path, keep: bool) -> None:
    settings = ServerSettings(faults=frozenset({"revoked-token-accepted"}), secrets=SECRETS, patients=3)
    with ReferenceServer(settings) as server:
        patients = list(server.state.store.patients)
        reports = _run(tmp_path, server, *(["--keep-bodies"] if keep else []))
    values = [
        str(p[k])
        for p in patients
        for k in ("first_name", "last_name", "date_of_birth", "medical_record_number")
    ]
    assert len(values) >= 24
    files = _texts(reports)
    assert any(name.startswith("allure-results/") for name in files)
    leaks = sorted({(name, value) for name, text in files.items() for value in values if value in text})
    if (
        keep
    ):  # the canary: with --keep-bodies the finding's evidence holds the records, and the scan sees them
        assert any(name == "results.json" for name, _ in leaks), "the scan should see kept bodies"
    else:
        assert not leaks, f"patient data reached the reports: {leaks[:10]}"
