"""The JWT forging and cracking helpers of conformance.flows.jwt, checked against pyjwt (an independent encoder)."""

from __future__ import annotations

import hashlib
import hmac

import jwt as pyjwt
import pytest

from conformance.flows.jwt import (
    NONE_VARIANTS,
    b64url_decode,
    b64url_encode,
    crack_hmac,
    decode_unverified,
    forge,
    hmac_signature,
    verifies_with,
    weak_secrets,
    with_alg_none,
    with_claims,
    with_signature,
)

# pyjwt warns about the short keys these tests sign with on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:The HMAC key is")

STRONG_KEY = bytes(range(32))
CLAIMS = {"sub": "user-1", "scope": "read write", "exp": 2_000_000_000, "user_id": 276, "roles": ["DOCTOR"]}


def _issued(key: bytes | str = STRONG_KEY, alg: str = "HS256") -> str:
    return pyjwt.encode(CLAIMS, key, algorithm=alg)


def test_b64url_round_trip_without_padding() -> None:
    for data in (b"", b"a", b"ab", b"abc", bytes(range(256))):
        encoded = b64url_encode(data)
        assert "=" not in encoded and "+" not in encoded and "/" not in encoded
        assert b64url_decode(encoded) == data


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_forged_hmac_tokens_verify_with_pyjwt(alg: str) -> None:
    token = forge({"alg": alg, "typ": "JWT"}, CLAIMS, key=STRONG_KEY)
    assert pyjwt.decode(token, STRONG_KEY, algorithms=[alg]) == CLAIMS
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(token, b"another key of at least thirty-two bytes", algorithms=[alg])


def test_forge_with_the_empty_key_is_an_hmac_of_the_empty_key() -> None:
    token = forge({"alg": "HS512"}, CLAIMS, key=b"")
    head = token.rsplit(".", 1)[0].encode()
    assert token.rsplit(".", 1)[1] == b64url_encode(hmac.new(b"", head, hashlib.sha512).digest())
    assert hmac_signature("HS512", "", head) == token.rsplit(".", 1)[1]


@pytest.mark.parametrize("alg", NONE_VARIANTS)
def test_alg_none_variants(alg: str) -> None:
    issued = _issued()
    unsigned = with_alg_none(issued, alg)
    kept = with_alg_none(issued, alg, keep_signature=True)
    assert unsigned.endswith(".") and decode_unverified(unsigned).header["alg"] == alg  # type: ignore[union-attr]
    assert decode_unverified(kept).signature == decode_unverified(issued).signature  # type: ignore[union-attr]
    assert decode_unverified(unsigned).claims == CLAIMS  # type: ignore[union-attr]
    with pytest.raises(pyjwt.InvalidTokenError):  # a correct verifier refuses it
        pyjwt.decode(unsigned, STRONG_KEY, algorithms=["HS256"])


def test_tampered_claims_keep_the_signature_and_fail_verification() -> None:
    issued = _issued()
    tampered = with_claims(issued, {"scope": "read write admin"})
    assert decode_unverified(tampered).claims["scope"] == "read write admin"  # type: ignore[union-attr]
    assert tampered.split(".")[0] == issued.split(".")[0]
    assert tampered.split(".")[2] == issued.split(".")[2]
    assert verifies_with(issued, STRONG_KEY) and not verifies_with(tampered, STRONG_KEY)


def test_signature_replacement() -> None:
    issued = _issued()
    assert with_signature(issued, "").endswith(".")
    assert not verifies_with(with_signature(issued, ""), STRONG_KEY)
    half = issued.rsplit(".", 1)[1][:21]
    assert not verifies_with(with_signature(issued, half), STRONG_KEY)


def test_helpers_refuse_opaque_tokens() -> None:
    with pytest.raises(ValueError):
        with_alg_none("opaque-token-value")
    with pytest.raises(ValueError):
        crack_hmac("opaque-token-value", ["secret"])
    assert not verifies_with("opaque-token-value", "secret")


def test_dictionary_is_shipped_and_sized() -> None:
    words = weak_secrets()
    assert 2000 <= len(words) <= 10000
    assert len(set(words)) == len(words)
    assert all(w and not w.startswith("#") and "\n" not in w for w in words)
    for common in ("secret", "your-256-bit-secret", "changeme", "password", "spry"):
        assert common in words


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_crack_finds_a_weak_key(alg: str) -> None:
    words = weak_secrets()
    result = crack_hmac(_issued("secret", alg), words)
    assert result.found and result.key == b"secret"
    assert result.index is not None and words[result.index - 1] == "secret"


def test_crack_finds_the_empty_key_first() -> None:
    token = forge({"alg": "HS256", "typ": "JWT"}, CLAIMS, key=b"")
    result = crack_hmac(token, ["secret"])
    assert result.found and result.index == 0 and result.key == b""


def test_crack_does_not_find_a_strong_key_and_is_fast() -> None:
    words = weak_secrets()
    result = crack_hmac(_issued(STRONG_KEY), words)
    assert not result.found and result.key is None
    assert result.tried == len(words) + 1
    assert result.seconds < 5


def test_public_key_secrets_hold_every_serialisation_of_the_key() -> None:
    from cryptography.hazmat.primitives import serialization

    from conformance.flows.jwt import attacker_rsa_key, public_key_secrets

    private, jwk = attacker_rsa_key()
    forms = dict(public_key_secrets(jwk))
    spki = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert forms["PEM (SubjectPublicKeyInfo)"] == spki and forms[
        "PEM without the final newline"
    ] == spki.rstrip(b"\n")
    assert forms["PEM (PKCS#1 RSA PUBLIC KEY)"].startswith(b"-----BEGIN RSA PUBLIC KEY-----")
    assert len(forms) == 6


def test_forged_rs256_token_verifies_with_the_attackers_key_only() -> None:
    import jwt as pyjwt

    from conformance.flows.jwt import attacker_rsa_key, forge_rs256

    private, _ = attacker_rsa_key()
    token = forge_rs256({"typ": "JWT"}, {"sub": "x"}, private)
    assert pyjwt.decode(token, private.public_key(), algorithms=["RS256"]) == {"sub": "x"}
    other, _ = attacker_rsa_key()
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(token, other.public_key(), algorithms=["RS256"])
