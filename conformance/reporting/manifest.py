"""The run manifest: what exactly was run, so a certification result can be tied to it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from typing import Any

from conformance import __version__


def config_hash(fingerprint: dict[str, Any]) -> str:
    """sha256 of the configuration without its secrets."""
    canonical = json.dumps(fingerprint, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def manifest(
    state: Any, *, started: float, finished: float, requests: int, generated: int = 0
) -> dict[str, Any]:
    target = state.target
    if target is not None and not state.distributed:
        base_url = target.base_url
    elif state.embedded:
        base_url = "embedded reference server (one per xdist worker)"
    else:
        base_url = target.base_url if target else ""
    fingerprint = target.fingerprint() if target else {"embedded": True}
    fingerprint = {**fingerprint, "faults": list(state.faults), "profile": state.profile}
    return {
        "tool": {"name": "spry-conformance", "version": __version__},
        "catalogue_version": state.catalogue.version,
        "target": {"base_url": base_url, "embedded": state.embedded, "faults": list(state.faults)},
        "profile": state.profile,
        "budget": state.budget,
        "strict": state.strict,
        "aggressive": state.aggressive,
        "seed": state.seed,
        "config_hash": config_hash(fingerprint),
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "duration_s": round(finished - started, 2),
        "requests_sent": requests,
        "generated_requests": generated,
        "python": platform.python_version(),
        "command": state.command,
    }


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
