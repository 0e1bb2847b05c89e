"""`REPORT_DIR/junit.xml`: one test case per requirement, as many as summary.json's requirements.

A CI's test view counts what summary.json counts: `tests` is the number of requirements, `failures`
the failed ones, `errors` those whose check could not run, `skipped` the skipped ones (with the reason).
JUnit has no warning and no waiver, so neither is dressed as a pass without saying so: a warning (a
SHOULD broken; a failure under `--strict`) and a waived failure are passing test cases whose
properties (`status`, the waiver's `waiver.owner`, `waiver.expires`, `waiver.reason`) and
`system-out` say what was found. The suite's own properties carry the six counts and the verdict.
Every message went through the masking when the check ended; the text stays well-formed XML whatever
a target sent.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.results import RequirementResult
from conformance.run.record import RunRecord

#: What XML 1.0 §2.2 forbids in a document: most C0 controls, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Text an XML parser accepts: each forbidden character written as its escape (`\x1b`)."""
    return _NOT_XML.sub(
        lambda m: m.group(0).encode("unicode_escape", "backslashreplace").decode("ascii"), text
    )


def write_junit(path: Path, record: RunRecord) -> None:
    tally = record.counts
    suite = ET.Element(
        "testsuite",
        name="spry-conformance",
        tests=str(len(record.requirements)),
        failures=str(tally["failed"]),
        errors=str(tally["error"]),
        skipped=str(tally["skipped"]),
        time=f"{record.manifest['duration_s']:.2f}",
        timestamp=record.manifest["started_at"],
    )
    props = ET.SubElement(suite, "properties")
    for key, value in (("verdict", record.verdict), *tally.items(), ("seed", record.manifest["seed"]),
                       ("profile", record.manifest["profile"])):  # fmt: skip
        ET.SubElement(props, "property", name=str(key), value=str(value))
    for result in record.requirements:
        suite.append(_case(result))
    root = ET.Element("testsuites", name="spry-conformance", tests=suite.get("tests", "0"),
                      failures=suite.get("failures", "0"), errors=suite.get("errors", "0"),
                      skipped=suite.get("skipped", "0"), time=suite.get("time", "0"))  # fmt: skip
    root.append(suite)
    for element in root.iter():  # whatever a target sent, the file stays well-formed XML
        element.text = xml_safe(element.text) if element.text else element.text
        for key, value in element.attrib.items():
            element.attrib[key] = xml_safe(value)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _case(result: RequirementResult) -> ET.Element:
    """One requirement as a test case: its status as JUnit says it, its checks and evidence as text."""
    r = result.requirement
    case = ET.Element(
        "testcase",
        classname=f"spry-conformance.{r.family}",
        name=f"[{r.id}] {r.title}",
        time=f"{sum(c.duration for c in result.checks):.3f}",
    )
    props = ET.SubElement(case, "properties")
    pairs = [("requirement", r.id), ("level", r.level), ("severity", r.severity), ("kind", r.kind),
             ("source", r.source), ("status", result.status)]  # fmt: skip
    pairs += [("check", c.nodeid) for c in result.checks]
    if result.waiver:
        pairs += [(f"waiver.{key}", str(result.waiver[key])) for key in ("owner", "expires", "reason")]
    if result.expected_skip is not None:
        pairs.append(("expected_skip", result.expected_skip))
    for key, value in pairs:
        ET.SubElement(props, "property", name=key, value=value)
    details = _details(result)
    if result.status == "failed":
        ET.SubElement(
            case, "failure", message=f"{r.id} ({r.level}): {result.reason}", type=r.level
        ).text = details
    elif result.status == "error":
        ET.SubElement(case, "error", message=f"{r.id}: could not be checked: {result.reason}").text = details
    elif result.status == "skipped":
        expected = f" (expected: {result.expected_skip})" if result.expected_skip is not None else ""
        ET.SubElement(case, "skipped", message=f"{result.reason}{expected}")
    elif result.status in {"warning", "waived"}:
        ET.SubElement(
            case, "system-out"
        ).text = f"{result.status.upper()}: {r.id} ({r.level})\n{result.reason}\n\n{details}"
    return case


def _details(result: RequirementResult) -> str:
    """The rule, then each check's status and message (already masked)."""
    r = result.requirement
    lines = [f"rule ({r.source}): {' '.join(r.rule.split())}", ""]
    for check in result.checks:
        lines.append(f"{check.status.upper()} {check.nodeid}")
        if check.message and check.status != "passed":
            lines += [f"  {line}" for line in check.message.splitlines()]
    return "\n".join(lines)
