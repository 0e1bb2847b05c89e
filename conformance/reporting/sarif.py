"""`REPORT_DIR/report.sarif`: the findings in SARIF 2.1.0 (OASIS), for GitHub code scanning and other dashboards.

- one rule (`reportingDescriptor`) per requirement of the run: its id, title, the quoted rule, its
  source, the level as the default `level` (MUST: error, SHOULD: warning, MAY: note) and the severity
  as the `security-severity` property GitHub code scanning sorts by;
- one result per finding: each check of a failed, warned or waived requirement that found the rule
  broken, at the endpoint it last sent to (the URL as the artifact location, the method and path as a
  logical location), with the ids of its evidence in results.json (`NODEID#evidence-N`);
  a waived finding carries an accepted `suppression` naming the waiver's owner, expiry and reason;
- checks that could not run are tool execution notifications, not findings; the run's properties
  carry the verdict and the six counts, the same as summary.json's.

`partialFingerprints` (requirement, method and path) let GitHub follow one finding from run to run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.results import CheckResult, RequirementResult, first_line
from conformance.run.record import RunRecord

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"MUST": "error", "SHOULD": "warning", "MAY": "note"}
#: GitHub code scanning reads 9.0+ as critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_FINDING = frozenset({"failed", "warning"})


def write_sarif(path: Path, record: RunRecord) -> None:
    path.write_text(json.dumps(sarif_log(record), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def sarif_log(record: RunRecord) -> dict[str, Any]:
    manifest = record.manifest
    results = list(record.requirements)
    index = {r.requirement.id: i for i, r in enumerate(results)}
    findings = [_result(r, check, index[r.requirement.id], manifest) for r in results
                for check in r.checks if _is_finding(r, check)]  # fmt: skip
    errors = [r for r in results if r.status == "error"]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "spry-conformance",
                "version": manifest["tool"]["version"],
                "semanticVersion": manifest["tool"]["version"],
                "informationUri": "https://provider.staging.spryhealth.care",
                "rules": [_rule(r) for r in results],
            }},
            "invocations": [{
                "executionSuccessful": not errors,
                "commandLine": manifest["command"] or "spry-conformance run",
                "startTimeUtc": manifest["started_at"],
                "endTimeUtc": manifest["finished_at"],
                "toolExecutionNotifications": [_notification(r, index[r.requirement.id]) for r in errors],
            }],
            "results": findings,
            "properties": {
                "target": manifest["target"]["base_url"],
                "profile": manifest["profile"],
                "seed": manifest["seed"],
                "verdict": record.verdict,
                "counts": record.counts,
            },
        }],
    }  # fmt: skip


def _is_finding(result: RequirementResult, check: CheckResult) -> bool:
    if result.status == "waived":
        return check.status == "failed"
    return result.status in _FINDING and check.status in _FINDING


def _rule(result: RequirementResult) -> dict[str, Any]:
    r = result.requirement
    rule_text = " ".join(r.rule.split())
    gain = f"\n\nWhat an attacker gains when it is broken: {r.gain}" if r.gain else ""
    links = r.links()
    rule: dict[str, Any] = {
        "id": r.id,
        "name": "".join(part.capitalize() for part in r.id.split("-")),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": rule_text},
        "help": {
            "text": f"{r.title} ({r.level}, {r.source}).\n\nThe rule: {rule_text}{gain}",
            "markdown": f"**{r.title}** ({r.level}, {r.source})\n\n> {rule_text}{gain}",
        },
        "defaultConfiguration": {"level": _LEVEL.get(r.level, "warning")},
        "properties": {
            "tags": sorted({"security", "oauth2", r.family, r.level, r.kind}),
            "security-severity": _SECURITY_SEVERITY.get(r.severity, "5.5"),
            "precision": "high",
            "level": r.level,
            "severity": r.severity,
            "source": r.source,
        },
    }
    if links:
        rule["helpUri"] = links[0][1]
    return rule


def _result(
    result: RequirementResult, check: CheckResult, rule_index: int, manifest: dict[str, Any]
) -> dict[str, Any]:
    r = result.requirement
    method, url = _endpoint(check, manifest["target"]["base_url"])
    parts = urlsplit(url)
    path = parts.path or "/"
    where = f"{method} {path}" if method else path
    # what was observed and what the rule wants, in one line; every exchange is in results.json
    message = f"{r.id}: {r.title}. {first_line(check.message) or result.reason}"
    fingerprint = hashlib.sha256(f"{r.id}|{where}".encode()).hexdigest()[:32]
    evidence = [f"{check.nodeid}#evidence-{i}" for i, e in enumerate(check.evidence) if "method" in e]
    level = _LEVEL.get(r.level, "warning") if check.status == "failed" else "warning"
    found: dict[str, Any] = {
        "ruleId": r.id,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": level,
        "message": {"text": message},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": parts._replace(query="", fragment="").geturl() or url}},
            "logicalLocations": [{"name": where, "kind": "resource", "fullyQualifiedName": where}],
        }],
        "partialFingerprints": {"spryConformanceFinding/v1": fingerprint},
        "properties": {"check": check.nodeid, "status": result.status, "evidence": evidence,
                       "evidenceFile": "results.json"},
    }  # fmt: skip
    if result.status == "waived" and result.waiver:
        w = result.waiver
        found["suppressions"] = [{
            "kind": "external",
            "state": "accepted",
            "justification": f"waived until {w['expires']} by {w['owner']}: {w['reason']}",
        }]  # fmt: skip
    return found


def _endpoint(check: CheckResult, base_url: str) -> tuple[str, str]:
    """The method and URL of the last request the check sent (masked when it was recorded)."""
    for exchange in reversed(check.evidence):
        if isinstance(exchange.get("url"), str) and exchange.get("url"):
            return str(exchange.get("method") or ""), str(exchange["url"])
    base = base_url if base_url.startswith(("http://", "https://")) else "urn:spry-conformance:target"
    return "", base


def _notification(result: RequirementResult, rule_index: int) -> dict[str, Any]:
    r = result.requirement
    return {
        "level": "error",
        "message": {"text": f"{r.id} could not be checked: {result.reason}"},
        "associatedRule": {"id": r.id, "index": rule_index},
    }
