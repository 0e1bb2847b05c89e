"""Access tokens as HS256 JWTs (RFC 7519), issued and verified following RFC 8725.

RFC 8725 §3.1: "Libraries MUST enable the caller to specify a supported set of algorithms and
MUST NOT use any other algorithms when performing cryptographic operations" - verification
allows HS256 only. §3.5: keys must have enough entropy - the key is 32 random bytes per server.
Expiry (RFC 7519 §4.1.4: "on or after which the JWT MUST NOT be accepted") is checked against
the server clock, without leeway. Refresh tokens and codes are opaque random strings.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import HMACAlgorithm, RSAAlgorithm
from jwt.utils import base64url_decode

from .clock import Clock
from .faults import FaultSet
from .registry import Client, Identity

AUDIENCE = "spry-api"
ALGORITHM = "HS256"


class InvalidToken(Exception):
    """An access token that must be refused (``invalid_token``, RFC 6750 §3.1)."""


@dataclass(frozen=True)
class IssuedToken:
    """A freshly signed access token and what the token response says about it."""

    token: str
    jti: str
    expires_in: int


#: The key id of the RS256 key (RFC 7515 §4.1.4).
KID = "spry-rs256-1"
#: The switches that make the server sign RS256: the variant, and the faults that only exist in that mode.
RSA_SWITCHES = ("rs256-tokens", "rs256-alg-confusion")


class _HMAC(HMACAlgorithm):
    """HMAC without pyjwt's short-key warning (faulty or attacker-chosen keys must not warn in the server)."""

    def check_key_length(self, key: bytes) -> str | None:
        return None


def _jws() -> jwt.PyJWS:
    jws = jwt.PyJWS()
    for name, digest in (
        ("HS256", HMACAlgorithm.SHA256),
        ("HS384", HMACAlgorithm.SHA384),
        ("HS512", HMACAlgorithm.SHA512),
    ):
        jws.unregister_algorithm(name)
        jws.register_algorithm(name, _HMAC(digest))
    return jws


class TokenService:
    """Signs and verifies this server's JWTs."""

    def __init__(self, *, faults: FaultSet, clock: Clock, issuer: Callable[[], str]) -> None:
        self._faults = faults
        self._clock = clock
        self._issuer = issuer
        self._jws = _jws()
        # Fault weak-signing-key: a guessable key instead of 32 random bytes (RFC 8725 §3.5).
        self._key = b"secret" if faults.on("weak-signing-key") else secrets.token_bytes(32)
        # Variant rs256-tokens (and the RS256 faults, which imply it): RS256 with a key set at the JWKS URL.
        self.rsa = any(faults.on(name) for name in RSA_SWITCHES)
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048) if self.rsa else None
        # Fault low-entropy-access-token: opaque sequential tokens, each standing for its signed JWT.
        self._opaque: dict[str, str] = {}
        self._counter = itertools.count(1)

    @property
    def signing_key(self) -> bytes:
        """The HMAC key (in-process only, for tests that must forge tokens; never served over HTTP)."""
        return self._key

    def _sign(self, claims: dict[str, Any]) -> str:
        payload = json.dumps(claims, separators=(",", ":")).encode()
        if self._private is not None:
            return self._jws.encode(
                payload, self._private, algorithm="RS256", headers={"typ": "JWT", "kid": KID}
            )
        return self._jws.encode(payload, self._key, algorithm=ALGORITHM, headers={"typ": "JWT"})

    def jwks(self) -> dict[str, Any] | None:
        """The public key set (RFC 7517 §5) in RS256 mode; None when the tokens are HMAC-signed."""
        if self._private is None:
            return None
        key = json.loads(RSAAlgorithm.to_jwk(self._private.public_key()))
        return {"keys": [{**key, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def _claims(self, client: Client, identity: Identity, scope: str, lifetime: int) -> dict[str, Any]:
        iat = int(self._clock.now())
        # Fault jti-reused: every token gets the same jti (RFC 7519 §4.1.7 wants it unique).
        jti = "spry-token" if self._faults.on("jti-reused") else secrets.token_urlsafe(16)
        claims: dict[str, Any] = {"iss": self._issuer(), "sub": identity.subject, "aud": AUDIENCE, "iat": iat}
        # Fault jwt-no-exp: no exp claim. Fault jwt-exp-mismatch: exp says twice the lifetime.
        if not self._faults.on("jwt-no-exp"):
            claims["exp"] = iat + lifetime * (2 if self._faults.on("jwt-exp-mismatch") else 1)
        claims.update(
            jti=jti,
            scope=scope,
            client_id=client.client_id,
            organisation_id=identity.organisation_id,
            user_id=identity.user_id,
            roles=list(identity.roles),
            clinic_id_list=list(identity.clinic_id_list),
            name=identity.name,
        )
        # Fault jwt-leaks-secret: the client secret travels in the (readable) payload (RFC 8725 §3.6).
        if self._faults.on("jwt-leaks-secret"):
            claims["client_secret"] = client.client_secret
        return claims

    def issue_access_token(
        self, client: Client, identity: Identity, scope: str, lifetime: int
    ) -> IssuedToken:
        """Sign an access token for ``identity`` acting through ``client``."""
        claims = self._claims(client, identity, scope, lifetime)
        token = self._sign(claims)
        if self._faults.on("low-entropy-access-token"):
            opaque, self._opaque[opaque] = f"spry_at_{next(self._counter):040d}", token
            token = opaque
        elif self._faults.on("opaque-access-tokens"):  # variant: 256 random bits, looked up at the resource
            opaque, self._opaque[opaque] = secrets.token_urlsafe(32), token
            token = opaque
        return IssuedToken(token, claims["jti"], lifetime)

    def sign_refresh_jwt(self, client: Client, identity: Identity, scope: str, lifetime: int) -> str:
        """Fault refresh-token-is-jwt-accepted: a refresh token shaped like an access token."""
        return self._sign(self._claims(client, identity, scope, lifetime))

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid, unexpired token issued here; otherwise :class:`InvalidToken`."""
        token = self._opaque.get(token, token)
        try:
            header = self._jws.get_unverified_header(token)
            claims = json.loads(self._decode(token, header))
        except InvalidToken:
            raise
        except Exception as exc:  # any malformed input is an invalid token, never a 500
            raise InvalidToken("the access token is malformed or its signature is invalid") from exc
        if not isinstance(claims, dict):
            raise InvalidToken("the access token payload is not a JSON object")
        self._check_claims(claims)
        return claims

    def _decode(self, token: str, header: dict[str, Any]) -> bytes:
        alg = header.get("alg")
        # Fault alg-none-accepted (RFC 8725 §2.1: "none" must not be accepted) and fault signature-not-verified.
        alg_none = isinstance(alg, str) and alg.lower() == "none"
        if (alg_none and self._faults.on("alg-none-accepted")) or self._faults.on("signature-not-verified"):
            return _payload(self._jws.decode_complete(token, options={"verify_signature": False}))
        # Fault jwk-header-trusted: the key comes from the token itself (RFC 8725 §3.10 / 7515 §4.1.3).
        if self._faults.on("jwk-header-trusted") and isinstance(header.get("jwk"), dict):
            key = jwt.PyJWK(header["jwk"], algorithm=alg if isinstance(alg, str) else None)
            return _payload(self._jws.decode_complete(token, key.key, algorithms=[key.algorithm_name]))
        if self._private is not None:
            public = self._private.public_key()
            # Fault rs256-alg-confusion: the algorithm comes from the header, and an HS256 token is checked with
            # the public key's PEM as the HMAC secret (the classic library flaw; RFC 8725 §2.1, §3.1).
            if alg == "HS256" and self._faults.on("rs256-alg-confusion"):
                pem = public.public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                signing_input, _, signature = token.rpartition(".")
                expected = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
                if not hmac.compare_digest(expected, base64url_decode(signature)):
                    raise InvalidToken("the access token signature is invalid")
                return _payload(self._jws.decode_complete(token, options={"verify_signature": False}))
            return _payload(self._jws.decode_complete(token, public, algorithms=["RS256"]))
        # Fault alg-confusion-hs512: HS384/HS512 pass the allow-list; the key table only holds the HS256
        # secret, so they are checked against its default entry, the empty key.
        if self._faults.on("alg-confusion-hs512") and alg in ("HS384", "HS512"):
            signing_input, _, signature = token.rpartition(".")
            digest = hashlib.sha384 if alg == "HS384" else hashlib.sha512
            if not hmac.compare_digest(
                hmac.new(b"", signing_input.encode(), digest).digest(), base64url_decode(signature)
            ):
                raise InvalidToken("the access token signature is invalid")
            return _payload(self._jws.decode_complete(token, options={"verify_signature": False}))
        return _payload(self._jws.decode_complete(token, self._key, algorithms=[ALGORITHM]))

    def _check_claims(self, claims: dict[str, Any]) -> None:
        if claims.get("iss") != self._issuer() or claims.get("aud") != AUDIENCE:
            raise InvalidToken("the access token was not issued for this API")
        for name in ("sub", "jti", "scope", "client_id"):
            if not isinstance(claims.get(name), str):
                raise InvalidToken(f"the access token has no valid {name} claim")
        iat, exp = _number(claims.get("iat")), _number(claims.get("exp"))
        if iat is None:
            raise InvalidToken("the access token has no valid iat claim")
        if "exp" not in claims and self._faults.on("jwt-no-exp"):
            return
        if exp is None:
            raise InvalidToken("the access token has no valid exp claim")
        now = self._clock.now()
        # Fault expired-token-accepted: exp is ignored.
        if now >= exp and not self._faults.on("expired-token-accepted"):
            raise InvalidToken("the access token expired")
        # Fault token-expires-early: refused once half of its lifetime is gone.
        if self._faults.on("token-expires-early") and now >= iat + (exp - iat) / 2:
            raise InvalidToken("the access token expired")


def _payload(decoded: dict[str, Any]) -> bytes:
    payload: bytes = decoded["payload"]
    return payload


def _number(value: object) -> float | None:
    """A JSON number claim as float; None for anything else (booleans included)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
