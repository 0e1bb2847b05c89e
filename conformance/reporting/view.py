"""The report's view model: results.json -> what report.html prints, ordered by risk.

The findings come as groups in the order a reviewer reads them: breaches of a security property first
(each with what an attacker gains), then format and interoperability deviations, checks that could not run,
warnings (SHOULD-level), waivers; within a group the most severe first. Skips are listed apart, with what
would let a run check them. Everything is masked already; the template masks every string once more.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable
from typing import Any

from conformance.reporting.risk import findings_by_risk, replay_help

SEVERITIES = ("critical", "high", "medium", "low", "info")
#: Statuses that make a requirement a finding, in the order they are listed within a severity.
FINDING_STATUSES = ("failed", "error", "warning", "waived")
#: The order of the counts at the top and of the matrix's status filter.
STATUS_ORDER = ("failed", "error", "warning", "waived", "passed", "skipped")
STATUS_LABELS = {
    "passed": "Passed",
    "failed": "Failed",
    "warning": "Warning",
    "skipped": "Skipped",
    "error": "Error",
    "waived": "Waived",
}
#: A mark beside the status text, so that status reads without colour.
STATUS_MARKS = {"passed": "✓", "failed": "✗", "warning": "!", "skipped": "–", "error": "⚠", "waived": "≈"}
STATUS_HELP = {
    "passed": "Checked, and the requirement holds.",
    "failed": "A MUST was broken (or a SHOULD, under --strict).",
    "warning": "A SHOULD was broken.",
    "skipped": "Not checked: the configuration lacks what the check needs.",
    "error": "The check itself could not run.",
    "waived": "Failed, but an unexpired waiver accepts the deviation.",
}
_EVIDENCE_STATUSES = {"failed", "error", "warning"}
_SCREENSHOT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\.png")


class Catalogue(str):
    """Text of the requirement catalogue (specs/): holds no secret, and is printed as written.

    Masking it again would mangle rules that name credential parameters, such as a title
    saying the resource refuses `?access_token=` in the query.
    """


def view(data: dict[str, Any]) -> dict[str, Any]:
    manifest = data.get("manifest") or {}
    requirements = [_requirement(r) for r in data.get("requirements") or []]
    counts = _counts(data, requirements)
    verdict = str(data.get("verdict") or ("fail" if counts["failed"] or counts["error"] else "pass")).lower()
    target = (
        (manifest.get("target") or {}).get("base_url") or (data.get("target") or {}).get("base_url") or ""
    )
    tool = manifest.get("tool") or data.get("tool") or {}
    findings = findings_by_risk(requirements)
    return {
        "verdict": verdict,
        "verdict_text": _verdict_text(verdict, counts, len(requirements)),
        "counts": [
            {
                "status": s,
                "label": STATUS_LABELS[s],
                "mark": STATUS_MARKS[s],
                "n": counts[s],
                "help": STATUS_HELP[s],
            }
            for s in STATUS_ORDER
        ],
        "total": len(requirements),
        "severity_summary": _severity_summary(requirements),
        "target": target,
        "tool": tool,
        "profile": manifest.get("profile") or data.get("profile") or "",
        "started_at": manifest.get("started_at") or data.get("started_at") or "",
        "meta": _metadata(data, manifest),
        "findings": findings,
        "finding_count": sum(len(g["items"]) for g in findings),
        "families": _families(requirements),
        "bundle": data.get("bundle") or {},
        # --baseline (the outputs helper's compare): results.json's "comparison" with "regressions" and "fixes",
        # each a list of {"id", "was", "now"}; shown above the findings when present
        "comparison": data.get("comparison") or {},
        "replay": replay_help(requirements),
        "not_checked": _not_checked(requirements),
        "reproduce": _reproduce(data, manifest),
        "statuses": [{"status": s, "label": STATUS_LABELS[s], "n": counts[s]} for s in STATUS_ORDER],
        "severities": [
            {"severity": s, "n": sum(1 for r in requirements if r["severity"] == s)} for s in SEVERITIES
        ],
        "strict": bool(manifest.get("strict")),
        "skipped_count": counts["skipped"],
        "status_labels": STATUS_LABELS,
        "status_marks": STATUS_MARKS,
    }


def _counts(data: dict[str, Any], requirements: list[dict[str, Any]]) -> dict[str, int]:
    given = data.get("counts") or {}
    counts = {s: 0 for s in STATUS_ORDER}
    if given:
        counts.update({s: int(given.get(s, 0) or 0) for s in STATUS_ORDER})
    else:
        for r in requirements:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts


def _verdict_text(verdict: str, counts: dict[str, int], total: int) -> str:
    def n(count: int, what: str) -> str:
        return f"{count} requirement{'s' if count != 1 else ''} {what}"

    if verdict == "fail":
        parts = [n(counts["failed"], "failed")] if counts["failed"] else []
        if counts["error"]:
            parts.append(f"{counts['error']} could not be checked because the check errored")
        head = "The target does not conform: " + (" and ".join(parts) or "the run failed") + "."
    else:
        head = "No requirement failed and no check errored."
    notes = []
    if counts["warning"]:
        notes.append(n(counts["warning"], "broken at SHOULD level (warning)"))
    if counts["waived"]:
        notes.append(n(counts["waived"], "failed under an accepted waiver"))
    if counts["skipped"]:
        notes.append(n(counts["skipped"], "not checked by this run"))
    tail = f" Of {total} requirements in scope: " + "; ".join(notes) + "." if notes else ""
    return head + tail


def _severity_summary(requirements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for severity in SEVERITIES:
        cells = {s: sum(1 for r in requirements if r["severity"] == severity and r["status"] == s)
                 for s in FINDING_STATUSES}  # fmt: skip
        rows.append({"severity": severity, "cells": cells, "total": sum(cells.values())})
    return rows


def _metadata(data: dict[str, Any], manifest: dict[str, Any]) -> list[dict[str, Any]]:
    tool = manifest.get("tool") or data.get("tool") or {}
    target = manifest.get("target") or data.get("target") or {}
    rows: list[dict[str, Any]] = []

    def add(label: str, value: Any, mono: bool = False) -> None:
        if value is None or value == "" or value == []:
            return
        rows.append({"label": label, "value": str(value), "mono": mono})

    base_url = target.get("base_url")
    if target.get("embedded"):
        base_url = (
            f"{base_url} (embedded reference server)" if base_url and "embedded" not in base_url else base_url
        )
    add("Target", base_url, mono=True)
    add("Profile", manifest.get("profile") or data.get("profile"))
    add("Tool", f"{tool.get('name', 'spry-conformance')} {tool.get('version', '')}".strip())
    add("Catalogue version", manifest.get("catalogue_version"))
    add("Configuration hash", manifest.get("config_hash"), mono=True)
    add("Started", manifest.get("started_at") or data.get("started_at"))
    add("Finished", manifest.get("finished_at"))
    duration = manifest.get("duration_s", data.get("duration_s"))
    add("Duration", f"{duration} s" if duration not in (None, "") else None)
    add("Requests sent", manifest.get("requests_sent", data.get("requests_sent")))
    add("Seed", manifest.get("seed", data.get("seed")), mono=True)
    add("Budget", manifest.get("budget"))
    if "strict" in manifest:
        add("Strict", "yes: SHOULD-level findings fail the run" if manifest["strict"] else "no")
    if "aggressive" in manifest:
        add(
            "Aggressive checks",
            "yes" if manifest["aggressive"] else "no (checks that send many requests not run)",
        )
    faults = target.get("faults") or manifest.get("faults")
    if faults:
        add("Faults switched on", ", ".join(str(f) for f in faults), mono=True)
    add("Python", manifest.get("python"))
    bundle = data.get("bundle") or {}
    if bundle.get("signer"):
        whose = (
            "a key made for this run: evidence.pub" if bundle.get("run_key") else "the configured signing key"
        )
        add(
            "Evidence bundle",
            f"{bundle.get('file', 'evidence.zip')} signed by {whose}, fingerprint {bundle['signer']}",
        )
    return rows


def _requirement(raw: dict[str, Any]) -> dict[str, Any]:
    status = str(raw.get("status") or "skipped")
    links = {
        str(link.get("label")): str(link.get("url")) for link in raw.get("links") or [] if link.get("url")
    }
    checks = raw.get("check_results") or []
    failing = [_check(c) for c in checks if c.get("status") in _EVIDENCE_STATUSES]
    severity = str(raw.get("severity") or "info")
    return {
        "id": Catalogue(raw.get("id") or "?"),
        "title": Catalogue(raw.get("title") or ""),
        "level": raw.get("level") or "",
        "severity": severity if severity in SEVERITIES else "info",
        "family": raw.get("family") or "",
        "status": status if status in STATUS_LABELS else "error",
        "kind": raw.get("kind") or "breach",
        "reason": raw.get("reason") or "",
        "rule": Catalogue(raw.get("rule") or ""),
        "gain": Catalogue(raw.get("gain") or ""),
        "enable": Catalogue(raw.get("enable") or ""),
        "asvs": list(raw.get("asvs") or []),
        "oauch": list(raw.get("oauch") or []),
        "source_parts": _source_parts(raw.get("source") or "", links),
        "checks": failing,
        "check_total": len(checks),
        "check_tally": _tally(c.get("status", "") for c in checks),
    }


def _tally(statuses: Iterable[str]) -> str:
    counted: dict[str, int] = {}
    for s in statuses:
        counted[s] = counted.get(s, 0) + 1
    return ", ".join(
        f"{counted[s]} {STATUS_LABELS.get(s, s).lower()}" for s in STATUS_ORDER if counted.get(s)
    )


def _source_parts(source: str, links: dict[str, str]) -> list[dict[str, Any]]:
    """The source text, with each cited RFC section as a link."""
    parts = []
    seen = set()
    for piece in (p.strip() for p in source.split(";")):
        if not piece:
            continue
        parts.append({"text": Catalogue(piece), "url": links.get(piece)})
        seen.add(piece)
    parts += [{"text": Catalogue(label), "url": url} for label, url in links.items() if label not in seen]
    return parts


def _check(raw: dict[str, Any]) -> dict[str, Any]:
    exchanges = []
    notes = []
    screenshots = []
    for index, item in enumerate(raw.get("evidence") or [], start=1):
        if "screenshot" in item and "method" not in item:  # where a browser login stopped
            path = screenshot_path(item["screenshot"])
            if path:
                screenshots.append({"path": path, "note": str(item.get("note") or "")})
                continue
        if "note" in item and "method" not in item:
            notes.append(str(item["note"]))
            continue
        exchanges.append(_exchange(index, item))
    duration = raw.get("duration")
    return {
        "nodeid": raw.get("nodeid") or "",
        "status": raw.get("status") or "",
        "message": raw.get("message") or "",
        "exchanges": exchanges,
        "notes": notes,
        "screenshots": screenshots,  # paths relative to the report dir; html.py embeds their thumbnails
        "duration": f"{float(duration):.2f} s" if isinstance(duration, (int, float)) else "",
        "requests": raw.get("requests"),
    }


def screenshot_path(value: Any) -> str | None:
    """A screenshot's path relative to the report dir (`login/login-....png`), or None for anything else
    (an absolute path, `..`, a URL: a results.json from elsewhere links nowhere but its own folder)."""
    if not isinstance(value, str) or not _SCREENSHOT.fullmatch(value) or ".." in value.split("/"):
        return None
    return value


def _exchange(index: int, item: dict[str, Any]) -> dict[str, Any]:
    method = str(item.get("method") or "")
    url = str(item.get("url") or "")
    status = item.get("status")
    elapsed = item.get("elapsed_ms")
    timing = f"{float(elapsed):.0f} ms" if isinstance(elapsed, (int, float)) else ""
    request = [f"{method} {url}"]
    request += [f"{name}: {value}" for name, value in _headers(item.get("request_headers"))]
    if item.get("request_body"):
        request += ["", _pretty(str(item["request_body"]), item.get("request_headers"))]
    if item.get("error") and status is None:
        response = [f"(no response: {item['error']})"]
        outcome = "no response"
    else:
        response = [f"HTTP {status}"]
        response += [f"{name}: {value}" for name, value in _headers(item.get("response_headers"))]
        if item.get("response_body"):
            response += ["", _pretty(str(item["response_body"]), item.get("response_headers"))]
        outcome = str(status)
    return {
        "index": index,
        "method": method,
        "url": url,
        "outcome": outcome,
        "timing": timing,
        "request": "\n".join(request),
        "response": "\n".join(response),
        "curl": item.get("replay_curl") or item.get("curl") or "",
        "httpx": item.get("replay_httpx") or "",
        "reported": str(item.get("reported_by") or ""),  # a login command's, not observed by the suite
    }


def _headers(headers: Any) -> list[tuple[str, str]]:
    pairs = []
    for header in headers or []:
        if isinstance(header, (list, tuple)) and len(header) == 2:
            pairs.append((str(header[0]), str(header[1])))
    return pairs


def _pretty(body: str, headers: Any) -> str:
    """JSON bodies indented (when whole); anything else as it was captured."""
    content_type = next((v for k, v in _headers(headers) if k.lower() == "content-type"), "")
    stripped = body.strip()
    if "json" in content_type.lower() or stripped[:1] in ("{", "["):
        try:
            return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep to parse
            return body
    return body


def _families(requirements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    titles, order = _family_titles()
    by_family: dict[str, list[dict[str, Any]]] = {}
    for r in requirements:
        by_family.setdefault(r["family"], []).append(r)
    names = [n for n in order if n in by_family] + [n for n in by_family if n not in order]
    families = []
    for name in names:
        items = by_family[name]
        for r in items:
            r["family_title"] = Catalogue(titles.get(name, ""))
        families.append({
            "name": name,
            "title": Catalogue(titles.get(name) or name or "Other requirements"),
            "requirements": items,
            "tally": _tally(r["status"] for r in items),
        })  # fmt: skip
    return families


def _family_titles() -> tuple[dict[str, str], list[str]]:
    try:
        from conformance.catalogue import load_catalogue

        families = load_catalogue().families
    except Exception:  # the report renders even when the catalogue cannot be read
        return {}, []
    return {f.name: f.title for f in families}, [f.name for f in families]


def _not_checked(requirements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Skipped requirements by reason; within a reason, by what would enable them (the reason when unknown)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in requirements:
        if r["status"] == "skipped":
            groups.setdefault(r["reason"] or "no reason recorded", []).append(r)
    result = []
    for reason, items in groups.items():
        by_enable: dict[str, list[dict[str, Any]]] = {}
        for r in items:
            by_enable.setdefault(r["enable"], []).append(r)
        subgroups = [{"enable": e, "requirements": rs} for e, rs in by_enable.items() if e]
        if "" in by_enable:
            subgroups.append({"enable": reason, "requirements": by_enable[""]})
        result.append({"reason": reason, "requirements": items, "subgroups": subgroups})
    result.sort(key=lambda g: -len(g["requirements"]))
    return result


def _reproduce(data: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    seed = manifest.get("seed", data.get("seed"))
    for key in ("command", "command_line", "argv"):
        command = manifest.get(key)
        if command:
            text = shlex.join(str(c) for c in command) if isinstance(command, (list, tuple)) else str(command)
            return {"command": text, "recorded": True, "seed": seed}
    target = manifest.get("target") or data.get("target") or {}
    parts = ["spry-conformance", "run"]
    base_url = str(target.get("base_url") or "")
    if not target.get("embedded") and base_url.startswith(("http://", "https://")):
        parts += ["--target", base_url]
    for fault in target.get("faults") or []:
        parts += ["--fault", str(fault)]
    profile = manifest.get("profile") or data.get("profile")
    if profile:
        parts += ["--profile", str(profile)]
    if manifest.get("budget"):
        parts += ["--budget", str(manifest["budget"])]
    if manifest.get("strict"):
        parts.append("--strict")
    if manifest.get("aggressive"):
        parts.append("--aggressive")
    if seed is not None:
        parts += ["--seed", str(seed)]
    return {"command": shlex.join(parts), "recorded": False, "seed": seed}
