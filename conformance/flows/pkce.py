"""PKCE values (RFC 7636 §4.1, §4.2)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class Pkce:
    verifier: str
    method: str = "S256"

    @property
    def challenge(self) -> str:
        if self.method == "plain":
            return self.verifier
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce(method: str = "S256") -> Pkce:
    """A fresh verifier of 43+ unreserved characters (RFC 7636 §4.1)."""
    return Pkce(secrets.token_urlsafe(48), method)
