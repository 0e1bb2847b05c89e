"""Text from the target never reaches the terminal raw, and the XML report stays well-formed.

The token endpoint (after the preflight's request) answers with an `error_description` full of escape
sequences (clear screen, a window title by OSC, a cursor move), NUL, BEL, DEL and a C1 control.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from .conftest import TOKEN_PATH, Wrapped, requirements, run_against
from .middleware import after, on_route, respond

NASTY = "\x1b[2J\x1b]0;pwned\x07\x1b[1A\x00\x08\x7f\x9b31m"
#: Raw, as a careless server writes it (strict JSON forbids raw controls in strings: this body is "not JSON").
BODY = ('{"error": "invalid_request", "error_description": "bad ' + NASTY + ' request"}').encode("utf-8")


def test_control_characters_from_the_target_are_escaped_everywhere(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    served = reference_target(
        on_route("POST", TOKEN_PATH, after(1, respond(400, {"content-type": "application/json"}, BODY)))
    )
    outcome = run_against(
        tmp_path, served.base_url, served.env, *requirements("CC-SUCCESS", "TOKEN-ERROR-BODY")
    )
    assert outcome.statuses()["CC-SUCCESS"] == "failed", outcome.explain()
    raw = [c for c in outcome.output if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    assert not raw, f"{len(raw)} control characters reached the terminal: {sorted(set(map(repr, raw)))}"
    assert "\\x1b[2J" in outcome.output, "the escape is shown, escaped, so a reviewer sees what came back"
    ET.parse(outcome.report_dir / "junit.xml")  # well-formed XML 1.0
    summary = (outcome.report_dir / "summary.json").read_text(encoding="utf-8")
    assert "\x1b" not in json.loads(summary)["requirements"][0]["reason"]
