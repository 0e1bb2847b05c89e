"""A check that cannot fail is a defect: every requirement is proven against a server that breaks it.

For every named fault of the reference server, the checks of the requirements it breaks run
against the embedded server with that fault switched on, and must report them failed (MUST)
or warning (SHOULD), or, for a MAY, passed with the other behaviour reported as observed. The clean server, meanwhile, passes every check (test_clean_run.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from conformance.reference import FAULTS
from tests.support import run_suite_here

CATALOGUE = load_catalogue()


def test_every_requirement_has_a_fault_that_breaks_it() -> None:
    broken = {rid for fault in FAULTS.values() for rid in fault.breaks}
    missing = sorted(set(CATALOGUE.requirements) - broken)
    assert not missing, f"requirements no fault breaks (their checks are unproven): {missing}"


def test_every_fault_breaks_catalogued_requirements() -> None:
    unknown = {f.name: r for f in FAULTS.values() for r in f.breaks if r not in CATALOGUE.requirements}
    assert not unknown, f"faults naming requirements the catalogue lacks: {unknown}"


def _expected(requirement: str) -> str:
    """MUST broken: failed; SHOULD: warning; MAY: passed, with the other behaviour reported as observed."""
    return {"MUST": "failed", "SHOULD": "warning"}.get(CATALOGUE.requirements[requirement].level, "observed")


# Transport faults only show on a TLS server, which the embedded (plain-HTTP loopback) server is not:
# test_transport_proofs.py proves them against the reference server started with TLS, as a remote target.
EMBEDDED_FAULTS = sorted(name for name, fault in FAULTS.items() if not fault.needs_tls)


@pytest.mark.parametrize("fault", EMBEDDED_FAULTS, ids=str)
def test_checks_catch_the_fault(fault: str, tmp_path: Path) -> None:
    breaks = [r for r in FAULTS[fault].breaks if r in CATALOGUE.requirements]
    args = ["--fault", fault, "--aggressive", "--profile", "spry"]
    for requirement in breaks:
        args += ["--requirement", requirement]
    run = run_suite_here(tmp_path, *args)
    reasons = {r["id"]: r["reason"] for r in run.summary["requirements"]}
    observed = {r: run.statuses().get(r, "absent") for r in breaks}
    observed = {r: "observed" if s == "passed" and reasons[r].startswith("observed (a MAY") else s
                for r, s in observed.items()}  # fmt: skip
    wanted = {r: _expected(r) for r in breaks}
    assert observed == wanted, f"fault {fault}: expected {wanted}, observed {observed}\n{run.output[-3000:]}"
    assert run.code == (1 if "failed" in wanted.values() else 0), run.output[-2000:]
