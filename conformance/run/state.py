"""One run's options (the same in every process) and one process's live state.

`RunOptions` is what the command line asked for, frozen once parsed. `RunState` is what one pytest
process holds while the checks run: the target, its session, the embedded server and the check results
gathered so far. Nothing here is module-level: the plugin keeps the state in `pytest.Config.stash`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.catalogue import Catalogue
from conformance.config import Target
from conformance.evidence import Recorder
from conformance.gates import ExpectedSkip
from conformance.http import Session
from conformance.results import CheckResult
from conformance.run.expiry import ExpiryWatch
from conformance.waivers import Waiver

#: User properties a check may record (`record_property(NOTE, ...)`): what a passing check observed
#: (the requirement's reason in the reports), and how many requests it generated (fuzzing, properties).
NOTE = "spry_note"
GENERATED = "spry_generated"


@dataclass(frozen=True)
class RunOptions:
    """What was asked for: profile, depth, seed, selection and where the reports go."""

    profile: str
    strict: bool
    budget: str
    aggressive: bool
    seed: int
    report_dir: Path
    only: frozenset[str] = frozenset()
    waivers: tuple[Waiver, ...] = ()
    faults: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    login: str = "form"  # the embedded server's login pages: "form", or "spa" (logged in with the browser)
    embedded: bool = True
    distributed: bool = False
    max_requests: int | None = None  # this process's share of --max-requests
    wait_for_expiry: bool = False  # remote target: the expiry checks wait for real lifetimes
    fail_on_skip: bool = False  # a MUST skipped without being expected makes the verdict incomplete
    expected_skips: tuple[ExpectedSkip, ...] = ()
    baseline: Path | None = None  # an earlier run's summary.json or results.json (--baseline)
    fail_on: str = "failure"  # "failure": any failure fails the run; "regression": only regressions do
    deadline: float | None = None  # the epoch second after which no check starts (--max-time)
    max_time: str = ""  # --max-time as given, for the reason of the checks not run
    keep_bodies: bool = False  # --keep-bodies: resource bodies kept whole, not as their shape


@dataclass(eq=False)  # hashable by identity: pytest keeps plugins in a set
class Invocation:
    """The bridge between `spry-conformance run` and the pytest run it starts (pytest.main returns a code).

    The CLI passes one as a plugin object; the run fills in why it stopped before any check.
    """

    command: str
    unreachable: str | None = None  # the preflight's one line: the run stopped before any check (exit 3)
    suite_error: str | None = None  # an internal error of the suite (exit 4)


@dataclass
class RunState:
    """Everything one pytest process knows about the run while it runs."""

    options: RunOptions
    catalogue: Catalogue
    target: Target | None = None
    session: Session | None = None
    server: Any = None  # the embedded ReferenceServer, when this process runs one
    recorder: Recorder = field(default_factory=Recorder)
    started: float = field(default_factory=time.time)
    results: dict[str, CheckResult] = field(default_factory=dict)
    requests_outside_checks: int = 0
    command: str = ""
    expiry: ExpiryWatch | None = None  # the expiry checks' tokens and codes, begun at the start (run.expiry)
    #: how many selected checks serve each requirement (this process's collection), for the progress line
    planned: dict[str, int] = field(default_factory=dict)
