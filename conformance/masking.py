"""The one masking mechanism: every exchange, message and report passes through it.

A masked value keeps a short prefix and a hash: enough to tell two values apart,
never enough to use one. Client secrets, passwords, authorization codes, refresh
tokens and access tokens are masked, and so are `Authorization` and `Cookie` headers.

Values are masked in two ways:
- known values, registered when they are configured (secrets, passwords) or seen
  (every token and code the target issues), wherever they appear;
- shapes, for values the suite has not seen: JWTs, and the credential parameters
  of forms, queries and JSON bodies.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

#: Parameters and JSON members whose values are credentials.
SECRET_NAMES = (
    "client_secret",
    "password",
    "code",
    "access_token",
    "refresh_token",
    "id_token",
    "code_verifier",
    "csrf_token",
    "client_assertion",
)

#: Headers whose values are credentials.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
# An Authorization value wherever it is written (a header, a repr of a headers dict, a traceback's locals)
_SCHEME = re.compile(r"(?i)\b(Basic|Bearer|Digest|DPoP)(\s+)([A-Za-z0-9+/=._~-]{6,})")
_NAMES = "|".join(SECRET_NAMES)
# name=value in a query string or form body
_PARAM = re.compile(rf"(?<![A-Za-z0-9_])({_NAMES})=(«[^«»]*»|[^&\s#\"'<>«»]+)")
# "name": "value" in JSON
_JSON_MEMBER = re.compile(rf"(\"(?:{_NAMES})\"\s*:\s*\")((?:[^\"\\]|\\.)+)(\")")
_MASKED = re.compile(r"«[^«»]*»")

MIN_SECRET_LENGTH = 6  # shorter registered values would mask ordinary words


def mask_value(value: str) -> str:
    """Mask one value: `«eyJh…#1a2b3c4d»` (prefix only for long values)."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    prefix = value[:4] if len(value) >= 16 else ""
    return f"«{prefix}…#{digest}»" if prefix else f"«#{digest}»"


class Masker:
    """Masks every known secret and every credential-shaped value in text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, str] = {}
        # Known values indexed by their first MIN_SECRET_LENGTH characters, longest first: masking
        # scans the text once, whatever the number of values (a run registers hundreds of tokens).
        self._index: dict[str, list[str]] = {}
        self._short: set[str] = set()  # configured secrets shorter than MIN_SECRET_LENGTH
        self._short_pattern: re.Pattern[str] | None = None

    def register(self, *values: str | None) -> None:
        """Remember secrets so that they are masked wherever they appear later."""
        with self._lock:
            for value in values:
                if not value or len(value) < MIN_SECRET_LENGTH:
                    continue
                for form in _encodings(value):
                    if form not in self._known:
                        self._known[form] = mask_value(value)
                        key = form[:MIN_SECRET_LENGTH]
                        # copy-on-write: a masking thread may be reading the old bucket
                        self._index[key] = sorted([*self._index.get(key, ()), form], key=len, reverse=True)

    def register_configured(self, *values: str | None) -> None:
        """Secrets the user configured (client secrets, the password): masked whatever their length.

        A configured value shorter than the usual minimum is masked where it stands as a whole word,
        so a four-letter password is hidden without masking every word that contains it.
        """
        self.register(*values)
        with self._lock:
            for value in values:
                if value and len(value) < MIN_SECRET_LENGTH:
                    self._short.update(_encodings(value, minimum=1))
            if self._short:
                words = "|".join(re.escape(v) for v in sorted(self._short, key=len, reverse=True))
                self._short_pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{words})(?![A-Za-z0-9])")

    def register_from_text(self, text: str) -> None:
        """Register every credential-shaped value of a text (`code=...` anywhere, a fragment included)."""
        for match in _PARAM.finditer(text):
            value = match.group(2)
            if not _MASKED.fullmatch(value):
                self.register(value, unquote_plus(value))

    def register_from(self, data: object) -> None:
        """Register every credential found in a parsed JSON body or a query mapping."""
        if isinstance(data, Mapping):
            for key, value in data.items():
                if key in SECRET_NAMES and isinstance(value, str):
                    self.register(value)
                elif isinstance(value, (Mapping, list)):
                    self.register_from(value)
        elif isinstance(data, list):
            for item in data:
                self.register_from(item)

    def known(self) -> list[str]:
        with self._lock:
            return list(self._known)

    def mask(self, text: str) -> str:
        """Return `text` with every secret masked."""
        if not text:
            return text
        text = _JWT.sub(lambda m: mask_value(m.group(0)), text)
        text = self._mask_known(text)
        text = self._mask_short(text)
        text = _SCHEME.sub(_mask_scheme, text)
        text = _PARAM.sub(lambda m: f"{m.group(1)}={_mask_once(m.group(2))}", text)
        text = _JSON_MEMBER.sub(lambda m: m.group(1) + _mask_once(m.group(2)) + m.group(3), text)
        return text

    def _mask_known(self, text: str) -> str:
        index, known = self._index, self._known
        if not index:
            return text
        parts: list[str] = []
        start = position = 0
        end = len(text) - MIN_SECRET_LENGTH
        while position <= end:
            for form in index.get(text[position : position + MIN_SECRET_LENGTH], ()):
                if text.startswith(form, position):
                    parts += [text[start:position], known[form]]
                    position = start = position + len(form)
                    break
            else:
                position += 1
        return "".join(parts) + text[start:] if parts else text

    def _mask_short(self, text: str) -> str:
        pattern = self._short_pattern
        return pattern.sub(lambda m: mask_value(m.group(0)), text) if pattern else text

    def mask_headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Mask header values; credential headers keep only their scheme or cookie names."""
        masked = []
        for name, value in headers:
            lower = name.lower()
            if lower in {"authorization", "proxy-authorization"}:
                scheme, _, credentials = value.partition(" ")
                value = f"{scheme} {mask_value(credentials)}" if credentials else mask_value(value)
            elif lower in {"cookie", "set-cookie"}:
                value = _mask_cookie(value)
            else:
                value = self.mask(value)
            masked.append((name, value))
        return masked


def _mask_scheme(match: re.Match[str]) -> str:
    """`Basic <base64 of id:secret>` or `Bearer <token>`; prose ("Basic authentication") is left alone."""
    scheme, space, value = match.groups()
    if scheme.lower() == "basic":
        try:
            credential = b":" in base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except ValueError:
            credential = False
    else:
        credential = any(c.isdigit() or c in "-._~+/=" for c in value)
    return scheme + space + _mask_once(value) if credential else match.group(0)


def _mask_once(value: str) -> str:
    return value if _MASKED.fullmatch(value) else mask_value(value)


def _mask_cookie(value: str) -> str:
    parts = []
    for index, part in enumerate(value.split(";")):
        name, eq, cookie_value = part.partition("=")
        is_pair = index == 0 or "set-cookie" not in value.lower()
        if eq and (is_pair or index == 0):
            parts.append(f"{name}={mask_value(cookie_value.strip())}")
        else:
            parts.append(part)
    return ";".join(parts)


def _encodings(value: str, *, minimum: int = MIN_SECRET_LENGTH) -> set[str]:
    """The forms a secret takes on the wire: as is, percent-encoded, in JSON, in base64."""
    forms = {value, quote(value, safe=""), quote_plus(value)}
    escaped = value.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    forms.add(escaped)
    forms.add(base64.b64encode(value.encode()).decode().rstrip("="))
    return {f for f in forms if len(f) >= minimum}


#: Characters that must not reach a terminal as they are: C0 controls but the newline (tab and ESC
#: included), DEL, C1 controls, and the bidirectional overrides that reorder what a reader sees.
_UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` safe for a terminal: every control character (but the newline) shown as an escape.

    Text from the target (an `error_description`, a body, a header) can hold ESC sequences that clear
    the screen, retitle the window or hide lines, NUL and BEL: here they become `\x1b`, `\x00`, `\x07`.
    """
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def shown(text: str) -> str:
    """`text` masked, then made printable: what every message, reason and report line goes through."""
    return printable(masker.mask(text))


#: The process-wide masker: configured secrets and every issued token are registered here.
masker = Masker()


def install_log_masking() -> None:
    """Mask every log record when it is made, whoever logs it and whichever handler shows it.

    pytest's log capture and live logging (`--log-level=DEBUG -o log_cli=true`), and the httpx,
    httpcore, hpack, schemathesis and hypothesis loggers all make their records through the one
    record factory: the message, its arguments, the traceback and the stack are masked there, so
    no flag can show a secret that a library logged.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_secrets", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: shown as written
            message = f"{record.msg} {record.args}"
        record.msg, record.args = shown(message), None
        if record.exc_info:
            record.exc_text = shown(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = shown(record.stack_info)
        return record

    masked_record.masks_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)


def mask_files(*paths: Path) -> None:
    """Mask files another plugin wrote (allure-results, a `--junitxml` file) in place, once they are written.

    allure-pytest records a failing check's exception and traceback itself, before any masking
    could see them; this pass is the last word on what stays on disk.
    """
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # a binary attachment (none is written by the suite) or a file already gone
            masked = masker.mask(text)
            if masked != text:
                file.write_text(masked, encoding="utf-8")
