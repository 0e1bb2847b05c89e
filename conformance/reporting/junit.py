"""`REPORT_DIR/junit.xml`: one test case per check, the requirement id in its properties."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.run.record import RunRecord

#: What XML 1.0 §2.2 forbids in a document: most C0 controls, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Text an XML parser accepts: each forbidden character written as its escape (`\x1b`)."""
    return _NOT_XML.sub(
        lambda m: m.group(0).encode("unicode_escape", "backslashreplace").decode("ascii"), text
    )


def write_junit(path: Path, record: RunRecord) -> None:
    suite = ET.Element("testsuite", name="spry-conformance", time=f"{record.manifest['duration_s']:.2f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for result in record.requirements:
        r = result.requirement
        for check in result.checks or []:
            totals["tests"] += 1
            module, _, name = check.nodeid.rpartition("::")
            case = ET.SubElement(
                suite,
                "testcase",
                classname=module.replace("/", ".").removesuffix(".py"),
                name=f"[{r.id}] {name}",
                time=f"{check.duration:.3f}",
            )
            props = ET.SubElement(case, "properties")
            for key, value in (("requirement", r.id), ("level", r.level), ("severity", r.severity),
                               ("source", r.source), ("status", check.status)):  # fmt: skip
                ET.SubElement(props, "property", name=key, value=value)
            status = "waived" if result.status == "waived" and check.status == "failed" else check.status
            if status == "failed":
                totals["failures"] += 1
                ET.SubElement(case, "failure", message=f"{r.id}: {r.title}").text = check.message
            elif status == "error":
                totals["errors"] += 1
                ET.SubElement(case, "error", message=f"{r.id}: could not run").text = check.message
            elif status == "skipped":
                totals["skipped"] += 1
                ET.SubElement(case, "skipped", message=check.message)
            elif status in {"warning", "waived"}:
                ET.SubElement(
                    case, "system-out"
                ).text = f"{status.upper()}: {r.id} ({r.level})\n{check.message}"
    for key, total in totals.items():
        suite.set(key, str(total))
    root = ET.Element("testsuites")
    root.append(suite)
    for element in root.iter():  # whatever a target sent, the file stays well-formed XML
        element.text = xml_safe(element.text) if element.text else element.text
        for key, value in element.attrib.items():
            element.attrib[key] = xml_safe(value)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
