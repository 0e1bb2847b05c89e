"""`spry-conformance run --list`: what a run would check and what it would skip, and why, sending nothing.

The run collects its checks as usual (profile, `--requirement`, `-k`), then stops: no embedded server,
no session, no preflight. A skip is predicted from the configuration alone (a client or the user's
password not configured, `--aggressive` not given); what only the target can tell (a JWT or an opaque
token, a published metadata document) is named as the requirement's condition, `needs: ...`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from conformance.plugin.outcome import requirement_of
from conformance.run.needs import predicted_skip
from conformance.run.state import RunState

_AGGRESSIVE = "sends many requests: runs only with --aggressive"


class ListingHooks:
    def __init__(self, state: RunState) -> None:
        self.state = state

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        reporter: Any = session.config.pluginmanager.get_plugin("terminalreporter")
        write = reporter.write_line if reporter is not None else print
        for line in listing(self.state, session.items):
            write(line)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        return True  # --list runs nothing, even without --collect-only


def listing(state: RunState, items: list[pytest.Item]) -> list[str]:
    """One line per requirement of the run: `run` (with its checks) or `skip` with the reason."""
    options = state.options
    by_requirement: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        by_requirement[requirement_of(item) or ""].append(item)
    wanted = [
        r for r in state.catalogue.in_profile(options.profile) if not options.only or r.id in options.only
    ]
    where = state.target.base_url if state.target is not None else "the embedded reference server"
    lines = [f"spry-conformance would check {where} (profile {options.profile}, budget {options.budget}); "
             "no request was sent"]  # fmt: skip
    width = max((len(r.id) for r in wanted), default=0)
    runs = skips = 0
    for requirement in wanted:
        checks = by_requirement.get(requirement.id, [])
        reasons = [_predicted(state, item) for item in checks]
        head = f"{requirement.id:{width}}  {requirement.level:6}"
        if not checks:
            lines.append(f"skip  {head} no check selected (profile, --requirement or -k)")
            skips += 1
        elif all(reasons):
            lines.append(f"skip  {head} {reasons[0]}")
            skips += 1
        else:
            running = sum(1 for reason in reasons if not reason)
            condition = f"; needs: {requirement.enable}" if requirement.enable else ""
            lines.append(f"run   {head} {running} of {len(checks)} checks{condition}")
            runs += 1
    lines.append(f"{len(wanted)} requirements: {runs} would run, {skips} would be skipped")
    return lines


def _predicted(state: RunState, item: pytest.Item) -> str | None:
    if item.get_closest_marker("aggressive") and not state.options.aggressive:
        return _AGGRESSIVE
    if state.target is None:  # the embedded server configures every client and the user
        return None
    return predicted_skip(state.target, getattr(item, "fixturenames", ()))
