"""What every process of a run pays at its start: each pytest-xdist worker imports the plugin and collects
every check, so the libraries only some checks use wait until they run (conformance/run/concurrency.py)."""

from __future__ import annotations

import json
import subprocess
import sys

#: Imported when a check that needs it runs (or, for the evidence signing and the report, by the
#: process that writes the reports), never to collect the checks.
DEFERRED = ("hypothesis", "schemathesis", "cryptography", "jinja2", "playwright")


def test_collecting_the_checks_imports_none_of_the_heavy_libraries() -> None:
    script = (
        "import importlib, json, pkgutil, sys\n"
        "import conformance.plugin, conformance.checks as checks\n"
        "for module in pkgutil.iter_modules(checks.__path__):\n"
        "    importlib.import_module('conformance.checks.' + module.name)\n"
        f"print(json.dumps([name for name in {DEFERRED!r} if name in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) == [], done.stdout
