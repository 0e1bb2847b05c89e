"""The README documents the catalogue as it is: its tables are `spry-conformance requirements --markdown`."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.catalogue import load_catalogue
from conformance.cli import requirements_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_the_catalogue_as_it_is() -> None:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"<!-- requirements:start -->\n(.*)<!-- requirements:end -->", text, re.S)
    assert section, "README.md lost its requirements section markers"
    catalogue = load_catalogue()
    expected = requirements_markdown(catalogue, list(catalogue))
    assert section.group(1) == expected, (
        "README's catalogue is stale: regenerate it with `spry-conformance requirements --markdown`"
    )


def test_readme_holds_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ci.strip().splitlines()[-1]
    assert test_command in text, ".ci/run must run the README's test command, nothing weaker"
    assert "pip install . && .venv/bin/spry-conformance run" in text
