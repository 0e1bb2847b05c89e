"""Allure labels and attachments for each check (allure-pytest's dynamic API).

`label_check(requirement)` is called inside a running check; `attach_evidence(exchanges, message)`
from a `pytest_runtest_makereport` wrapper once the call phase is reported. Both do nothing
when allure-pytest is not recording (no `--alluredir`), and neither ever raises: a report
must not change a check's outcome.

What a check gets:
- labels: `requirement` = the requirement id, `severity` (critical -> blocker, high -> critical,
  medium -> normal, low -> minor, info -> trivial), `feature` = the family's title,
  `story` = the requirement's title, `tag` = its level (MUST, SHOULD, MAY);
- a link to each RFC section the requirement cites;
- attachments (text/plain): the check's message, and one per exchange named
  "METHOD URL -> STATUS" holding the request, the response and the curl line.

Everything attached passes through `conformance.masking.masker.mask` (the exchanges are
masked at capture already; this is the second line). Labels and links are the catalogue's
text and go as written (masking would mangle a title that names `?access_token=`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance import masking
from conformance.reporting.view import screenshot_path

log = logging.getLogger(__name__)

#: Our severities -> Allure's (allure_commons.types.Severity values).
SEVERITY = {
    "critical": "blocker",
    "high": "critical",
    "medium": "normal",
    "low": "minor",
    "info": "trivial",
}
REQUIREMENT_LABEL = "requirement"
MESSAGE_NAME = "check message"


def active() -> bool:
    """True when allure-pytest records results in this process (it was given --alluredir)."""
    try:
        from allure_commons import plugin_manager

        # The listener registers the implementations of these hooks only with --alluredir.
        return bool(plugin_manager.hook.add_label.get_hookimpls()) and bool(
            plugin_manager.hook.attach_data.get_hookimpls()
        )
    except Exception:  # allure-pytest missing or changed: no Allure output
        return False


def label_check(requirement: Any) -> None:
    """Label the running check with its requirement (a `Requirement` or its `to_dict()`)."""
    try:
        if not active():
            return
        import allure

        req = _as_dict(requirement)
        rid = str(req.get("id") or "")
        if rid:
            allure.dynamic.label(REQUIREMENT_LABEL, rid)
        severity = SEVERITY.get(str(req.get("severity") or "").lower())
        if severity:
            allure.dynamic.severity(severity)
        feature = _family_title(str(req.get("family") or ""))
        if feature:
            allure.dynamic.feature(feature)
        if req.get("title"):
            allure.dynamic.story(str(req["title"]))
        if req.get("level"):
            allure.dynamic.tag(str(req["level"]))
        for label, url in _links(req):
            allure.dynamic.link(url, name=label)
    except Exception:  # never let the report break a check
        log.debug("allure: could not label the check", exc_info=True)


def attach_evidence(
    exchanges: Iterable[dict[str, Any]] | None, message: str | None, report_dir: Path | None = None
) -> None:
    """Attach the check's message and each exchange (text/plain) to the current Allure test, and the
    screenshot of a page where a browser login stopped (image/png, from `report_dir`)."""
    try:
        if not active():
            return
        import allure
        from allure_commons.types import AttachmentType

        notes = []
        for exchange in exchanges or []:
            try:
                if not isinstance(exchange, dict):
                    continue
                shot = screenshot_path(exchange.get("screenshot"))
                if shot is not None and report_dir is not None and (report_dir / shot).is_file():
                    allure.attach.file(str(report_dir / shot), name=_mask(f"screenshot {shot}"),
                                       attachment_type=AttachmentType.PNG)  # fmt: skip
                if "method" not in exchange:
                    if exchange.get("note"):
                        notes.append(str(exchange["note"]))
                    continue
                allure.attach(_mask(exchange_text(exchange)), name=_mask(exchange_name(exchange)),
                              attachment_type=AttachmentType.TEXT)  # fmt: skip
            except Exception:
                log.debug("allure: could not attach an exchange", exc_info=True)
        text = "\n".join([message or ""] + notes).strip()
        if text:
            allure.attach(_mask(text), name=MESSAGE_NAME, attachment_type=AttachmentType.TEXT)
    except Exception:
        log.debug("allure: could not attach the evidence", exc_info=True)


def exchange_name(exchange: dict[str, Any]) -> str:
    """`POST https://host/oauth/token -> 401` (or `-> no response`)."""
    status = exchange.get("status")
    outcome = str(status) if status is not None else "no response"
    return f"{exchange.get('method', '?')} {exchange.get('url', '?')} -> {outcome}"


def exchange_text(exchange: dict[str, Any]) -> str:
    """The request, the response and the curl line, as an HTTP transcript."""
    lines = [f"{exchange.get('method', '')} {exchange.get('url', '')}"]
    lines += [f"{name}: {value}" for name, value in _pairs(exchange.get("request_headers"))]
    if exchange.get("request_body"):
        lines += ["", str(exchange["request_body"])]
    lines.append("")
    if exchange.get("status") is None and exchange.get("error"):
        lines.append(f"(no response: {exchange['error']})")
    else:
        elapsed = exchange.get("elapsed_ms")
        timing = f"  ({float(elapsed):.0f} ms)" if isinstance(elapsed, (int, float)) else ""
        lines.append(f"HTTP {exchange.get('status')}{timing}")
        lines += [f"{name}: {value}" for name, value in _pairs(exchange.get("response_headers"))]
        if exchange.get("response_body"):
            lines += ["", str(exchange["response_body"])]
    if exchange.get("curl"):
        lines += ["", "# replay:", str(exchange["curl"])]
    return "\n".join(lines) + "\n"


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [(str(h[0]), str(h[1])) for h in headers or [] if isinstance(h, (list, tuple)) and len(h) == 2]


def _as_dict(requirement: Any) -> dict[str, Any]:
    if isinstance(requirement, dict):
        return requirement
    to_dict = getattr(requirement, "to_dict", None)
    return to_dict() if callable(to_dict) else {}


def _links(req: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for link in req.get("links") or []:
        if isinstance(link, dict) and link.get("url"):
            found.append((str(link.get("label") or link["url"]), str(link["url"])))
        elif isinstance(link, (list, tuple)) and len(link) == 2:
            found.append((str(link[0]), str(link[1])))
    return found


def _family_title(name: str) -> str:
    if not name:
        return ""
    try:
        from conformance.catalogue import load_catalogue

        for family in load_catalogue().families:
            if family.name == name:
                return family.title
    except Exception:
        pass
    return name


def _mask(text: str) -> str:
    return masking.masker.mask(text)


class _MaskedStatusDetails:
    """allure-pytest writes a failing check's exception message and traceback itself (its statusDetails),
    from pytest's report and the exception: this allure hook masks both before its file logger writes them."""

    @staticmethod
    def _mask(details: Any) -> None:
        if details is not None:
            details.message = masking.shown(details.message) if details.message else details.message
            details.trace = masking.shown(details.trace) if details.trace else details.trace

    def report_result(self, result: Any) -> None:
        self._mask(getattr(result, "statusDetails", None))
        _mark_kind(result)
        for step in getattr(result, "steps", None) or ():
            self._mask(getattr(step, "statusDetails", None))

    def report_container(self, container: Any) -> None:
        for fixture in [
            *(getattr(container, "befores", None) or ()),
            *(getattr(container, "afters", None) or ()),
        ]:
            self._mask(getattr(fixture, "statusDetails", None))


#: categories.json: how Allure groups what went wrong (matched on the kind `_mark_kind` writes first).
CATEGORIES = [
    {"name": "Breach of a security property", "matchedStatuses": ["failed"], "messageRegex": "^breach: .*",
     "description": "A MUST broken whose requirement names a security property: see what an attacker gains."},
    {"name": "Format or interoperability deviation", "matchedStatuses": ["failed"], "messageRegex": "^format: .*",
     "description": "The form of an answer (status, error code, challenge, body shape) is not the one the RFC names."},
    {"name": "Broken environment (the check could not run)", "matchedStatuses": ["broken"],
     "description": "The target did not answer usably, or the suite failed: no verdict on the requirement."},
]  # fmt: skip


def _mark_kind(result: Any) -> None:
    """A failed check's message starts with its requirement's kind (`breach: ` or `format: `) for categories.json."""
    details = getattr(result, "statusDetails", None)
    if details is None or getattr(result, "status", None) != "failed" or not details.message:
        return
    rid = next(
        (label.value for label in getattr(result, "labels", None) or () if label.name == REQUIREMENT_LABEL),
        "",
    )
    try:
        from conformance.catalogue import load_catalogue

        requirement = load_catalogue().requirements.get(rid)
    except Exception:
        return
    if requirement is not None and not details.message.startswith(("breach: ", "format: ")):
        details.message = f"{requirement.kind}: {details.message}"


def write_extras(
    directory: Path, manifest: dict[str, Any], bundle: dict[str, Any] | None, requirements: str = ""
) -> None:
    """allure-results/categories.json and environment.properties (what was run, against what, and the
    requirements' count: Allure's own totals count its test cases, the checks, not requirements)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "categories.json").write_text(json.dumps(CATEGORIES, indent=2) + "\n", encoding="utf-8")
    target = manifest.get("target") or {}
    rows = {
        "requirements": requirements,
        "target": target.get("base_url", ""),
        "faults": ",".join(target.get("faults") or []) or "none",
        "profile": manifest.get("profile", ""),
        "budget": manifest.get("budget", ""),
        "strict": manifest.get("strict", ""),
        "seed": manifest.get("seed", ""),
        "tool": f"{(manifest.get('tool') or {}).get('name', '')} {(manifest.get('tool') or {}).get('version', '')}",
        "catalogue": manifest.get("catalogue_version", ""),
        "config_hash": manifest.get("config_hash", ""),
        "evidence_signer": (bundle or {}).get("signer", ""),
    }
    text = "".join(f"{key}={_property(str(value))}\n" for key, value in rows.items())
    (directory / "environment.properties").write_text(masking.shown(text), encoding="utf-8")


def _property(value: str) -> str:
    """A value as a .properties line holds it (backslash, newline and = escaped)."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\=").replace(":", "\\:")


def mask_status_details() -> None:
    """Register the masking of allure's statusDetails, once per process, ahead of its file logger."""
    try:
        from allure_commons import hookimpl, plugin_manager
    except ImportError:  # pragma: no cover - allure-pytest is a dependency
        return
    if plugin_manager.get_plugin("spry-masking") is not None:
        return
    plugin = _MaskedStatusDetails()
    hookimpl(tryfirst=True)(_MaskedStatusDetails.report_result)
    hookimpl(tryfirst=True)(_MaskedStatusDetails.report_container)
    plugin_manager.register(plugin, "spry-masking")
