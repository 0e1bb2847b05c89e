"""The requests a login command says it made, as evidence beside the suite's own.

A command may report them two ways (README, "Logging in"):

- `{har}` in `[user.login] command` is replaced by a fresh temporary file path; a HAR 1.2 file written
  there (Playwright's `record_har_path`, Chrome's "Save all as HAR", mitmproxy's `hardump`) is read once
  the command has exited;
- stdout lines before the final URL that are JSON objects: `{"method": ..., "url": ..., "status": ...}`,
  optionally with `request_headers`, `request_body`, `response_headers` and `response_body`.

Each request becomes an `Exchange` marked `reported_by` (the suite did not observe it), masked like every
exchange: the secrets the suite knows (the password, the codes and tokens seen so far or carried by these
requests) never reach a report. Bounded: at most `MAX_REPORTED` requests, bodies clipped, a HAR file of at
most `MAX_HAR_BYTES`; what cannot be read becomes a one-line note, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.evidence import Exchange, clip
from conformance.masking import Masker

#: How an exchange the suite did not observe is marked (`Exchange.reported_by`).
REPORTED_BY = "reported by the login command, not observed by the suite"
MAX_REPORTED = 200  # requests read from one login
MAX_HAR_BYTES = 20 * 1024 * 1024
MAX_LINE_CHARS = 256 * 1024  # a longer stdout line is not read as a request
#: HAR resource types that are not part of the login's conversation with the server
_STATIC = {"image", "stylesheet", "font", "media", "manifest"}


@dataclass
class Reported:
    """What one login command reported: its requests (masked) and what could not be read."""

    exchanges: list[Exchange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_out: int = 0  # beyond MAX_REPORTED
    static: int = 0  # images, style sheets, fonts of a HAR file, left out

    def add(self, masker: Masker, entry: dict[str, Any]) -> None:
        if len(self.exchanges) >= MAX_REPORTED:
            self.left_out += 1
            return
        self.exchanges.append(_exchange(masker, entry))

    def summary_notes(self) -> list[str]:
        """The notes, with what the bounds left out."""
        notes = list(self.notes)
        if self.left_out:
            notes.append(
                f"login command: {self.left_out} more reported requests left out (at most {MAX_REPORTED})"
            )
        if self.static:
            notes.append(
                f"login command: {self.static} static resource(s) of its HAR file left out (images, style sheets, fonts)"
            )
        return notes


def read_lines(lines: list[str], masker: Masker, into: Reported) -> None:
    """The JSON-object lines of the command's stdout (its other lines are its own business)."""
    for number, line in enumerate(lines, start=1):
        if not line.startswith("{"):
            continue
        what = f"login command stdout line {number}"
        if len(line) > MAX_LINE_CHARS:
            into.notes.append(f"{what}: longer than {MAX_LINE_CHARS} characters, not read")
            continue
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError) as error:
            into.notes.append(f"{what}: not JSON ({_reason(error)}), not read")
            continue
        problem = _problem(entry)
        if problem:
            into.notes.append(f"{what}: {problem}, not read")
            continue
        into.add(masker, entry)


def read_har(path: Path, masker: Masker, into: Reported) -> None:
    """The entries of a HAR 1.2 file (`log.entries`), as `request` and `response` pairs."""
    what = "the login command's HAR file"
    try:
        size = path.stat().st_size
    except OSError:  # said when the command reported nothing else either (JSON lines)
        if not into.exchanges:
            into.notes.append(f"{what}: the command wrote none at {{har}} and reported no request")
        return
    if size > MAX_HAR_BYTES:
        into.notes.append(f"{what}: {size} bytes, more than {MAX_HAR_BYTES}, not read")
        return
    try:
        document = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        entries = document["log"]["entries"]
        if not isinstance(entries, list):
            raise TypeError("log.entries is not a list")
    except (OSError, ValueError, RecursionError, KeyError, TypeError) as error:
        into.notes.append(f"{what}: not a HAR 1.2 file ({_reason(error)}), not read")
        return
    for number, raw in enumerate(entries, start=1):
        entry = _har_entry(raw)
        if isinstance(entry, str):
            into.notes.append(f"{what}: entry {number}: {entry}, not read")
        elif entry is not None:
            into.add(masker, entry)
        else:
            into.static += 1


def _har_entry(raw: Any) -> dict[str, Any] | str | None:
    """One HAR entry as a reported request; None for a static resource; a str says what is wrong."""
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
        return "no request"
    request, response = raw["request"], _object(raw.get("response"))
    content = _object(response.get("content"))
    mime = str(content.get("mimeType") or "").lower()
    if raw.get("_resourceType") in _STATIC or mime.startswith(("image/", "font/", "text/css")):
        return None
    body = str(content.get("text") or "")
    if body and content.get("encoding") == "base64":
        body = f"(a base64 body of {len(body)} characters, {mime or 'no type'})"
    post = _object(request.get("postData"))
    status = response.get("status")
    entry = {
        "method": request.get("method"),
        "url": request.get("url"),
        "status": status if isinstance(status, int) and status > 0 else None,  # HAR's 0: no response
        "request_headers": _pairs(request.get("headers")),
        "request_body": str(post.get("text") or ""),
        "response_headers": _pairs(response.get("headers")),
        "response_body": body,
        "elapsed_ms": raw.get("time"),
    }
    if entry["status"] is None:
        entry["error"] = str(response.get("_error") or response.get("_failureText") or "no response")
    return _problem(entry) or entry


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _problem(entry: Any) -> str:
    """What keeps a reported request from being read ('' when nothing)."""
    if not isinstance(entry, dict):
        return "not a JSON object"
    if not isinstance(entry.get("method"), str) or not isinstance(entry.get("url"), str):
        return "no method and url"
    status = entry.get("status")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        return "a status that is not a number"
    return ""


def _exchange(masker: Masker, entry: dict[str, Any]) -> Exchange:
    """The reported request as an exchange, masked: its own codes and tokens are learnt first."""
    url, request_body = str(entry["url"]), _text(entry.get("request_body"))
    response_headers, response_body = _pairs(entry.get("response_headers")), _text(entry.get("response_body"))
    masker.register_from_text(url)
    for name, value in response_headers:
        if name.lower() == "location":
            masker.register_from_text(value)
    with contextlib.suppress(ValueError, RecursionError):  # a JSON answer's tokens
        masker.register_from(json.loads(response_body))
    elapsed = entry.get("elapsed_ms")
    status = entry.get("status")
    return Exchange(
        method=masker.mask(str(entry["method"]).upper()[:20]),
        url=masker.mask(clip(url)),
        request_headers=masker.mask_headers(_pairs(entry.get("request_headers"))),
        request_body=masker.mask(clip(request_body)),
        status=status if isinstance(status, int) else None,
        response_headers=masker.mask_headers(response_headers),
        response_body=masker.mask(clip(response_body)),
        elapsed_ms=round(float(elapsed), 1) if isinstance(elapsed, (int, float)) and elapsed >= 0 else 0.0,
        error=masker.mask(clip(str(entry["error"]), 200)) if entry.get("error") else None,
        reported_by=REPORTED_BY,
    )


def _pairs(headers: Any) -> list[tuple[str, str]]:
    """Headers as (name, value) pairs, from HAR's [{name, value}], [[name, value]] or {name: value}."""
    if isinstance(headers, dict):
        headers = list(headers.items())
    pairs = []
    for header in headers if isinstance(headers, list) else []:
        if isinstance(header, dict):
            header = (header.get("name"), header.get("value"))
        if isinstance(header, (list, tuple)) and len(header) == 2:
            pairs.append((clip(str(header[0]), 200), clip(str(header[1]), 2000)))
    return pairs[:100]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:100_000]


def _reason(error: BaseException) -> str:
    return " ".join(str(error).split())[:120] or type(error).__name__
