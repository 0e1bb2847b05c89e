"""URLs as the suite compares them: one origin function (RFC 6454 §4), used wherever a URL is judged.

A URL without a host, or with a port that is not a number, has no origin: it is never the same
origin as anything, so no credential is ever sent to it.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    """RFC 6454 §4: (scheme, host, port), scheme and host lower-cased, the scheme's default port filled in."""

    scheme: str
    host: str
    port: int | None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}" if self.port is not None else f"{self.scheme}://{host}"


def origin(url: str) -> Origin | None:
    """The origin of `url`; None when it has no host or a port that is not a number."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number, or out of range
        return None
    if not parts.hostname:
        return None
    return Origin(scheme, parts.hostname.lower(), port)


def same_origin(first: str, second: str) -> bool:
    """Whether two URLs share one origin. A URL with no origin shares it with nothing."""
    here = origin(first)
    return here is not None and here == origin(second)


def origin_text(url: str) -> str:
    """The origin as a reader should see it in a message (the URL's own spelling where it has none)."""
    found = origin(url)
    return str(found) if found is not None else repr(url[:80])


def reaches(location: str, redirect_uri: str) -> bool:
    """Does this Location go to the client's redirect URI (same scheme, host, port and path)?"""
    if not same_origin(location, redirect_uri):
        return False
    return (urlsplit(location).path or "/") == (urlsplit(redirect_uri).path or "/")
