"""One truth in every output: the terminal's closing line, summary.json, junit.xml and report.sarif count the
same requirements; JUnit has one case per requirement; SARIF 2.1.0 passes the official schema."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support import Run, run_suite_here

SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
#: one MUST broken (SEC-RACE-CODE), one SHOULD broken (SEC-CSP-FRAME-ANCESTORS), one MUST skipped on loopback
SUBSET = ("--fault", "code-race", "--fault", "no-frame-ancestors", "--requirement", "SEC-RACE-CODE",
          "--requirement", "SEC-CSP-FRAME-ANCESTORS", "--requirement", "SEC-TLS-REQUIRED",
          "--requirement", "CC-SUCCESS")  # fmt: skip


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    tmp = tmp_path_factory.mktemp("clean")
    return run_suite_here(tmp), tmp / "reports"


@pytest.fixture(scope="module")
def waived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    tmp = tmp_path_factory.mktemp("waived")
    waivers = tmp / "waivers.toml"
    waivers.write_text('[[waiver]]\nrequirement = "SEC-RACE-CODE"\nreason = "tracked in SEC-9"\n'
                       'owner = "sec@example.org"\nexpires = 2099-12-31\n')  # fmt: skip
    return run_suite_here(tmp, *SUBSET, "--waivers", str(waivers)), tmp / "reports"


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    tmp = tmp_path_factory.mktemp("strict")
    return run_suite_here(tmp, *SUBSET, "--strict"), tmp / "reports"


def junit_cases(reports: Path) -> tuple[ET.Element, dict[str, ET.Element]]:
    suite = ET.parse(reports / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    cases = {}
    for case in suite.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        cases[str(props["requirement"])] = case
    return suite, cases


def properties(case: ET.Element) -> dict[str, str]:
    return {str(p.get("name")): str(p.get("value")) for p in case.iter("property")}


def sarif(reports: Path) -> dict[str, Any]:
    log: dict[str, Any] = json.loads((reports / "report.sarif").read_text(encoding="utf-8"))
    return log


def test_every_output_counts_the_same_requirements(clean: tuple[Run, Path]) -> None:
    run, reports = clean
    summary = run.summary
    total, counts = len(summary["requirements"]), summary["counts"]
    assert total >= 128 and run.code == 0
    suite, cases = junit_cases(reports)
    assert len(cases) == total == int(suite.get("tests", "0"))  # one case per requirement, not per check
    assert int(suite.get("skipped", "0")) == counts["skipped"] and suite.get("failures") == "0"
    log = sarif(reports)["runs"][0]
    assert len(log["tool"]["driver"]["rules"]) == total and log["results"] == []
    assert log["properties"]["counts"] == counts and log["properties"]["verdict"] == summary["verdict"]
    counted = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    assert f"PASS: {total} requirements: {counted}" in run.output
    # Allure counts its test cases (the checks); its environment names the requirements' count
    environment = (reports / "allure-results" / "environment.properties").read_text(encoding="utf-8")
    assert f"requirements=PASS\\: {total} requirements\\: {counted}" in environment, environment
    # pytest's own count (of checks) is gone; the checks appear only on a line that says so
    assert not re.search(r"^=* ?\d+ passed.* in [\d.]+s", run.output, re.M), run.output[-800:]
    assert re.search(r"^checks +\d+ pytest items: ", run.output, re.M)
    assert run.output.rstrip().splitlines()[-1].strip("= ").startswith("PASS: ")


def test_sarif_passes_the_official_schema(clean: tuple[Run, Path], waived: tuple[Run, Path],
                                          strict: tuple[Run, Path]) -> None:  # fmt: skip
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    for _, reports in (clean, waived, strict):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(sarif(reports))]
        assert not errors, errors[:5]


def test_sarif_rules_carry_level_severity_source_and_the_rule(clean: tuple[Run, Path]) -> None:
    _, reports = clean
    rules = {r["id"]: r for r in sarif(reports)["runs"][0]["tool"]["driver"]["rules"]}
    race = rules["SEC-RACE-CODE"]
    assert race["defaultConfiguration"]["level"] == "error"  # a MUST
    assert race["properties"]["security-severity"] == "5.5"  # medium
    assert "RFC" in race["properties"]["source"] and race["help"]["text"]
    assert rules["SEC-CSP-FRAME-ANCESTORS"]["defaultConfiguration"]["level"] == "warning"  # a SHOULD
    assert all(re.fullmatch(r"[A-Z0-9-]+", rid) for rid in rules)  # GitHub code scanning's rule ids


def test_sarif_findings_name_the_endpoint_and_the_evidence(waived: tuple[Run, Path]) -> None:
    run, reports = waived
    results = {r["ruleId"]: r for r in sarif(reports)["runs"][0]["results"]}
    assert set(results) == {"SEC-RACE-CODE", "SEC-CSP-FRAME-ANCESTORS"}
    race = results["SEC-RACE-CODE"]
    location = race["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].startswith("http://127.0.0.1:")
    assert location["logicalLocations"][0]["name"] == "POST /apis/v2/oauth/token"
    assert race["partialFingerprints"] and race["level"] == "error"
    assert (
        race["suppressions"][0]["state"] == "accepted"
        and "sec@example.org" in race["suppressions"][0]["justification"]
    )
    assert results["SEC-CSP-FRAME-ANCESTORS"]["level"] == "warning"
    # every evidence id points at an exchange in results.json
    data = json.loads((reports / "results.json").read_text())
    checks = {c["nodeid"]: c for r in data["requirements"] for c in r["check_results"]}
    for evidence_id in race["properties"]["evidence"]:
        nodeid, _, index = evidence_id.rpartition("#evidence-")
        assert "method" in checks[nodeid]["evidence"][int(index)]
    assert race["properties"]["evidence"]


def test_junit_says_what_pytest_cannot(waived: tuple[Run, Path], strict: tuple[Run, Path]) -> None:
    run, reports = waived
    assert run.code == 0 and run.summary["counts"]["waived"] == 1
    suite, cases = junit_cases(reports)
    assert len(cases) == len(run.summary["requirements"]) == 4
    race, csp, tls = cases["SEC-RACE-CODE"], cases["SEC-CSP-FRAME-ANCESTORS"], cases["SEC-TLS-REQUIRED"]
    assert race.find("failure") is None and properties(race)["status"] == "waived"
    assert (
        properties(race)["waiver.owner"] == "sec@example.org"
        and properties(race)["waiver.expires"] == "2099-12-31"
    )
    assert "WAIVED" in (race.findtext("system-out") or "")
    assert csp.find("failure") is None and properties(csp)["status"] == "warning"
    assert (csp.findtext("system-out") or "").startswith("WARNING: SEC-CSP-FRAME-ANCESTORS (SHOULD)")
    skipped = tls.find("skipped")
    assert skipped is not None and "loopback" in (skipped.get("message") or "")
    assert suite.get("failures") == "0" and suite.get("skipped") == "1"
    assert "1 waived" in run.output and "1 warning" in run.output
    # --strict: the warning is a failure there too, as in summary.json
    run, reports = strict
    suite, cases = junit_cases(reports)
    assert run.code == 1 and suite.get("failures") == "2" == str(run.summary["counts"]["failed"])
    failure = cases["SEC-CSP-FRAME-ANCESTORS"].find("failure")
    assert failure is not None and "rule (" in (failure.text or "")
