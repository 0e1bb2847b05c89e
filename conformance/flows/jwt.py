"""JWT helpers for checks (RFC 7515, RFC 7519): read a token's header and claims, without verifying it.

Plain functions, no assertions: a check decides what the claims mean.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any


def b64url_decode(segment: str) -> bytes:
    """base64url without padding (RFC 7515 §2), as JWS segments are encoded; ValueError when malformed."""
    padded = segment + "=" * (-len(segment) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


@dataclass(frozen=True)
class DecodedJwt:
    """The header and payload of a compact JWS, read without checking the signature."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signature: str


def decode_unverified(token: str | None) -> DecodedJwt | None:
    """The header and claims of a compact-serialised JWT, or None when `token` is not one (an opaque token)."""
    if not token or token.count(".") != 2:
        return None
    head, body, signature = token.split(".")
    try:
        header = json.loads(b64url_decode(head))
        claims = json.loads(b64url_decode(body))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return DecodedJwt(header, claims, signature)


# --- Forging (RFC 7515 §7.1 compact serialisation), for the JWT attack checks -------------------

#: The HMAC algorithms of RFC 7518 §3.2 and their hash functions.
HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}

#: The `alg` values jwt_tool tries for the unsecured-JWS attack (RFC 7518 §3.6 "none", in its case variants).
NONE_VARIANTS = ("none", "None", "NONE", "nOnE")


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_segment(value: dict[str, Any]) -> str:
    """A JSON object as a compact JWS segment."""
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def signing_input(token: str) -> bytes:
    """The JWS Signing Input of a compact token: `header.payload` (RFC 7515 §5.1)."""
    return token.rsplit(".", 1)[0].encode("ascii")


def hmac_signature(alg: str, key: bytes | str, data: bytes) -> str:
    """The base64url HMAC of `data` under `alg` (HS256/HS384/HS512)."""
    raw_key = key.encode("utf-8") if isinstance(key, str) else key
    return b64url_encode(hmac.new(raw_key, data, HMAC_HASHES[alg]).digest())


def forge(
    header: dict[str, Any], claims: dict[str, Any], *, key: bytes | str | None = None, signature: str = ""
) -> str:
    """A compact JWS of `header` and `claims`: HMAC-signed with `key` under header["alg"], else `signature` as given."""
    head = f"{encode_segment(header)}.{encode_segment(claims)}"
    if key is not None:
        signature = hmac_signature(str(header["alg"]), key, head.encode("ascii"))
    return f"{head}.{signature}"


def with_alg_none(token: str, alg: str = "none", *, keep_signature: bool = False) -> str:
    """The token's claims under an unsecured header (`alg` = a "none" variant), signature dropped or kept."""
    decoded = decode_unverified(token)
    if decoded is None:
        raise ValueError("not a JWT")
    return forge(
        {**decoded.header, "alg": alg}, decoded.claims, signature=decoded.signature if keep_signature else ""
    )


def with_claims(token: str, changes: dict[str, Any]) -> str:
    """The token with claims changed and its original header and signature kept (a tampered payload)."""
    decoded = decode_unverified(token)
    if decoded is None:
        raise ValueError("not a JWT")
    head = token.split(".", 1)[0]
    return f"{head}.{encode_segment({**decoded.claims, **changes})}.{decoded.signature}"


def with_signature(token: str, signature: str) -> str:
    """The token with its signature segment replaced (e.g. emptied or truncated)."""
    return f"{token.rsplit('.', 1)[0]}.{signature}"


def verifies_with(token: str, key: bytes | str) -> bool:
    """Whether the token's HMAC signature verifies with `key` under the algorithm its header names."""
    decoded = decode_unverified(token)
    alg = decoded.header.get("alg") if decoded else None
    if decoded is None or alg not in HMAC_HASHES:
        return False
    expected = hmac_signature(str(alg), key, signing_input(token))
    return hmac.compare_digest(expected.encode("ascii"), decoded.signature.encode("ascii", "replace"))


@dataclass(frozen=True)
class CrackResult:
    """The outcome of an offline dictionary attack on an HMAC-signed token."""

    tried: int
    seconds: float
    index: int | None = None  # the key's position in the candidate list (0 = the empty key), when found
    key: bytes | None = None  # never printed: a check reports its index and length only

    @property
    def found(self) -> bool:
        return self.key is not None


def crack_hmac(token: str, candidates: Iterable[str], *, time_limit: float = 20.0) -> CrackResult:
    """Try the empty key, then every candidate, as the token's HMAC key (offline: no request is sent)."""
    decoded = decode_unverified(token)
    alg = decoded.header.get("alg") if decoded else None
    if decoded is None or alg not in HMAC_HASHES:
        raise ValueError("not an HMAC-signed JWT")
    digest = HMAC_HASHES[str(alg)]
    data = signing_input(token)
    try:
        wanted = b64url_decode(decoded.signature)
    except ValueError:
        return CrackResult(0, 0.0)
    started = time.perf_counter()
    tried = 0
    for index, candidate in enumerate(itertools.chain([""], candidates)):
        key = candidate.encode("utf-8")
        tried += 1
        if hmac.compare_digest(hmac.new(key, data, digest).digest(), wanted):
            return CrackResult(tried, time.perf_counter() - started, index, key)
        if tried % 512 == 0 and time.perf_counter() - started > time_limit:
            break
    return CrackResult(tried, time.perf_counter() - started)


WEAK_SECRETS_FILE = "jwt-weak-secrets.txt"


def weak_secrets() -> list[str]:
    """The shipped dictionary of weak and common HMAC secrets (conformance/data/), in file order."""
    text = (resources.files("conformance") / "data" / WEAK_SECRETS_FILE).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


# --- Public keys (RFC 7517), for the algorithm-confusion and embedded-key attacks ----------------

#: The asymmetric algorithm families of RFC 7518 §3.3-3.5: the verifier holds a public key.
ASYMMETRIC = ("RS", "PS", "ES")


def is_asymmetric(alg: object) -> bool:
    return isinstance(alg, str) and alg[:2] in ASYMMETRIC


def public_key_secrets(jwk: dict[str, Any]) -> list[tuple[str, bytes]]:
    """The byte strings a confused verifier may take as the HMAC secret for this public key: each PEM and
    DER serialisation (with and without the final newline), and the JWK itself as text."""
    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    algorithm = RSAAlgorithm if jwk.get("kty") == "RSA" else ECAlgorithm
    key = algorithm.from_jwk(json.dumps(jwk))
    public = key.public_key() if hasattr(key, "private_bytes") else key
    spki = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    forms = [("PEM (SubjectPublicKeyInfo)", spki), ("PEM without the final newline", spki.rstrip(b"\n")),
             ("DER (SubjectPublicKeyInfo)",
              public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)),
             ("the JWK as JSON text", json.dumps(jwk, separators=(",", ":")).encode())]  # fmt: skip
    if jwk.get("kty") == "RSA":
        pkcs1 = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        forms.insert(2, ("PEM (PKCS#1 RSA PUBLIC KEY)", pkcs1))
        forms.append(("the modulus n, decoded", b64url_decode(str(jwk["n"]))))
    return forms


def attacker_rsa_key() -> tuple[Any, dict[str, Any]]:
    """A fresh RSA key of the suite's own and its public JWK (RFC 7517 §4), for an embedded-key forgery."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private, json.loads(RSAAlgorithm.to_jwk(private.public_key()))


def forge_rs256(header: dict[str, Any], claims: dict[str, Any], private_key: Any) -> str:
    """A compact JWS of `header` and `claims`, RS256-signed with `private_key` (RFC 7518 §3.3)."""
    from jwt.algorithms import RSAAlgorithm

    head = f"{encode_segment({**header, 'alg': 'RS256'})}.{encode_segment(claims)}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(head.encode("ascii"), private_key)
    return f"{head}.{b64url_encode(signature)}"
