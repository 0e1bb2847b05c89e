"""Proof Key for Code Exchange (RFC 7636), as required by RFC 9700 §2.1.1.

§4.2: ``code_challenge`` is 43-128 characters of ``[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"``.
§4.3: ``code_challenge_method`` defaults to ``plain``; the server supports ``S256`` and ``plain``.
§4.6: S256 compares ``BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`` with the stored challenge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

METHODS = ("S256", "plain")
_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def well_formed(value: str) -> bool:
    """Whether ``value`` is a syntactically valid code_challenge or code_verifier (§4.1, §4.2)."""
    return _UNRESERVED.fullmatch(value) is not None


def s256(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(verifier: str, challenge: str, method: str) -> bool:
    """Whether ``verifier`` matches the stored ``challenge`` under ``method`` (§4.6)."""
    if not well_formed(verifier):
        return False
    expected = s256(verifier) if method == "S256" else verifier
    return hmac.compare_digest(expected.encode(), challenge.encode())
