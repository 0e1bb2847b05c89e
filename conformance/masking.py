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
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

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


def _encodings(value: str) -> set[str]:
    """The forms a secret takes on the wire: as is, percent-encoded, in JSON, in base64."""
    forms = {value, quote(value, safe=""), quote_plus(value)}
    escaped = value.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    forms.add(escaped)
    forms.add(base64.b64encode(value.encode()).decode().rstrip("="))
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


#: The process-wide masker: configured secrets and every issued token are registered here.
masker = Masker()
