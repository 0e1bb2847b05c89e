"""JWT access tokens (security): RFC 8725, RFC 7519, RFC 7515, RFC 7518; jwt_tool's playbook, black-box.

Probes only: the checks forge tokens from an issued one (flows.jwt) and present them at the read endpoint;
the judges (conformance/judges/jwt.py) decide from the recorded answers. Each first
shows that the issued token itself is served (the control), so a refusal means the forgery was refused.
A forged token is described in the verdict by the header and claims changed, never shown itself.
Every check but the token-type confusion one is skipped, with the reason, when the access token is opaque.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import pytest

from conformance.catalogue import requirement
from conformance.checks._controls import served_or_skip
from conformance.config import Client, Target
from conformance.findings import settle
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.jwt import (
    HMAC_HASHES,
    NONE_VARIANTS,
    DecodedJwt,
    attacker_rsa_key,
    b64url_encode,
    crack_hmac,
    decode_unverified,
    forge,
    forge_rs256,
    is_asymmetric,
    public_key_secrets,
    weak_secrets,
    with_alg_none,
    with_claims,
    with_signature,
)
from conformance.flows.resource import call_resource
from conformance.flows.token import TokenResponse, client_credentials
from conformance.http import Session
from conformance.judges import jwt as judge

#: A host that never resolves (RFC 6761 §6.4), for jku/x5u probes: no request ever leaves for it.
UNRESOLVABLE = "https://jwks.conformance.invalid"


@dataclass(frozen=True)
class Issued:
    """An issued JWT access token, decoded without verification."""

    answer: TokenResponse
    token: str
    jwt: DecodedJwt

    @property
    def header(self) -> dict[str, Any]:
        return self.jwt.header

    @property
    def claims(self) -> dict[str, Any]:
        return self.jwt.claims


def _decoded(answer: TokenResponse) -> Issued:
    decoded = decode_unverified(answer.access_token)
    if decoded is None:
        pytest.skip(
            "the access token is opaque, not a JWT: the JWT checks apply to self-contained tokens only"
        )
    return Issued(answer, answer.access_token or "", decoded)


@pytest.fixture
def issued(access: TokenResponse) -> Issued:
    return _decoded(access)


@dataclass(frozen=True)
class Forgery:
    """A forged token and what was changed, for the verdict (the token itself is never printed)."""

    label: str
    token: str


def _present(http: Session, target: Target, forgeries: list[Forgery], wanted: str) -> None:
    """Send every forgery; all must be refused (not 2xx). The verdict lists each forgery and its answer."""
    answers = [(f.label, call_resource(http, target, f.token)) for f in forgeries]
    settle(judge.ensure_forgeries_refused(answers, wanted))


def _hmac_alg(issued: Issued) -> str:
    alg = issued.header.get("alg")
    return alg if alg in HMAC_HASHES else "HS256"


@requirement("JWT-ALG-NONE")
@pytest.mark.parametrize("alg", NONE_VARIANTS)
def test_alg_none_is_refused(http: Session, target: Target, issued: Issued, alg: str) -> None:
    """RFC 8725 §3.1: verifiers "MUST NOT use any other algorithms" than the allowed ones; §3.2: "none"
    only when otherwise protected; RFC 6749 §7: the resource server "MUST validate the access token"."""
    served_or_skip(http, target, issued.token)
    forgeries = [
        Forgery(f'alg "{alg}", claims unchanged, signature removed', with_alg_none(issued.token, alg)),
        Forgery(f'alg "{alg}", claims unchanged, original signature kept',
                with_alg_none(issued.token, alg, keep_signature=True)),
    ]  # fmt: skip
    _present(http, target, forgeries, f'tokens with alg "{alg}" are refused')


def _widened_scope(claims: dict[str, Any]) -> str:
    scope = claims.get("scope")
    return f"{scope} admin".strip() if isinstance(scope, str) else "read write admin"


def _tampered_claims(variant: str, claims: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if variant == "scope-widened":
        scope = _widened_scope(claims)
        return f"scope changed to {scope!r}", {"scope": scope}
    if variant == "exp-extended":
        exp = claims.get("exp")
        base = exp if isinstance(exp, int | float) and not isinstance(exp, bool) else int(time.time())
        return "exp moved one year later", {"exp": int(base) + 365 * 86400}
    user_id = claims.get("user_id")
    organisation = claims.get("organisation_id")
    changes = {
        "user_id": user_id + 1 if isinstance(user_id, int) and not isinstance(user_id, bool) else 1,
        "organisation_id": organisation + 1
        if isinstance(organisation, int) and not isinstance(organisation, bool)
        else 1,
        "roles": ["ADMIN", "SUPERUSER"],
    }
    return (
        f"user_id -> {changes['user_id']}, organisation_id -> {changes['organisation_id']}, roles -> ADMIN, SUPERUSER",
        changes,
    )


_SIGNATURE_VARIANTS = [
    "scope-widened", "exp-extended", "identity-changed",
    "signature-empty", "signature-truncated", "random-key", "empty-key",
]  # fmt: skip


@requirement("JWT-SIGNATURE-VERIFIED")
@pytest.mark.parametrize("variant", _SIGNATURE_VARIANTS)
def test_tampered_token_is_refused(http: Session, target: Target, issued: Issued, variant: str) -> None:
    """RFC 7515 §5.2: "If validation fails, the JWS MUST be rejected"; RFC 8725 §3.3; RFC 6749 §7."""
    served_or_skip(http, target, issued.token)
    signature = issued.jwt.signature
    alg = _hmac_alg(issued)
    if variant in {"scope-widened", "exp-extended", "identity-changed"}:
        label, changes = _tampered_claims(variant, issued.claims)
        forgery = Forgery(f"payload changed ({label}), original header and signature kept",
                          with_claims(issued.token, changes))  # fmt: skip
    elif variant == "signature-empty":
        forgery = Forgery("claims unchanged, signature segment emptied", with_signature(issued.token, ""))
    elif variant == "signature-truncated":
        forgery = Forgery(f"claims unchanged, signature cut to {len(signature) // 2} of {len(signature)} characters",
                          with_signature(issued.token, signature[: len(signature) // 2]))  # fmt: skip
    elif variant == "random-key":
        forgery = Forgery(f"claims unchanged, re-signed {alg} with a random 256-bit key",
                          forge({**issued.header, "alg": alg}, issued.claims, key=secrets.token_bytes(32)))  # fmt: skip
    else:
        forgery = Forgery(f"claims unchanged, re-signed {alg} with the empty key",
                          forge({**issued.header, "alg": alg}, issued.claims, key=b""))  # fmt: skip
    _present(http, target, [forgery], "a token whose payload or signature was changed is refused")


@requirement("JWT-ALG-ALLOWLIST")
def test_other_algorithms_are_refused(http: Session, target: Target, issued: Issued) -> None:
    """RFC 8725 §3.1: "Libraries MUST enable the caller to specify a supported set of algorithms and MUST
    NOT use any other algorithms ... each key MUST be used with exactly one algorithm"."""
    served_or_skip(http, target, issued.token)
    own = issued.header.get("alg")
    others = [alg for alg in HMAC_HASHES if alg != own]
    recovered = crack_hmac(issued.token, weak_secrets()) if own in HMAC_HASHES else None
    forgeries = [
        Forgery(f"header alg {alg!r} (the token uses {own!r}), claims unchanged, signed with the empty key",
                forge({**issued.header, "alg": alg}, issued.claims, key=b""))
        for alg in others
    ]  # fmt: skip
    if recovered is not None and recovered.key is not None:
        forgeries += [
            Forgery(f"header alg {alg!r}, claims unchanged, signed with the server's own key (recovered offline "
                    "by the JWT-STRONG-KEY dictionary)", forge({**issued.header, "alg": alg}, issued.claims,
                                                             key=recovered.key))
            for alg in others
        ]  # fmt: skip
    _present(http, target, forgeries, f"tokens in an algorithm other than {own!r} are refused")


def _header_key_forgery(variant: str, issued: Issued) -> Forgery:
    attacker = secrets.token_bytes(32)
    base = {
        key: value for key, value in issued.header.items() if key not in {"kid", "jku", "x5u", "jwk", "x5c"}
    }
    base["alg"] = "HS256"
    if variant == "jwk":
        header = {**base, "jwk": {"kty": "oct", "k": b64url_encode(attacker), "alg": "HS256"}}
        return Forgery("header jwk = an oct key of the suite's own, claims unchanged, signed HS256 with that key",
                       forge(header, issued.claims, key=attacker))  # fmt: skip
    if variant == "jwk-rsa":
        private, jwk = attacker_rsa_key()
        header = {**base, "alg": "RS256", "jwk": {**jwk, "alg": "RS256", "use": "sig"}}
        return Forgery("header jwk = an RSA public key of the suite's own, claims unchanged, signed RS256 with it",
                       forge_rs256(header, issued.claims, private))  # fmt: skip
    if variant == "jku":
        header = {**base, "jku": f"{UNRESOLVABLE}/.well-known/jwks.json", "kid": "conformance-probe"}
        return Forgery(f"header jku = {header['jku']} (never resolves), kid 'conformance-probe', signed HS256 "
                       "with the suite's own key", forge(header, issued.claims, key=attacker))  # fmt: skip
    if variant == "x5u":
        header = {**base, "x5u": f"{UNRESOLVABLE}/signing-cert.pem"}
        return Forgery(f"header x5u = {header['x5u']} (never resolves), signed HS256 with the suite's own key",
                       forge(header, issued.claims, key=attacker))  # fmt: skip
    if variant == "kid-path-traversal":
        header = {**base, "kid": "../../../../../../dev/null"}
        return Forgery("header kid '../../../../../../dev/null', signed HS256 with the empty key (the content of "
                       "/dev/null)", forge(header, issued.claims, key=b""))  # fmt: skip
    header = {**base, "kid": "x' UNION SELECT 'conformance-probe';--"}
    return Forgery("header kid = an SQL injection selecting 'conformance-probe', signed HS256 with that string",
                   forge(header, issued.claims, key="conformance-probe"))  # fmt: skip


def _key_set(http: Session, target: Target) -> tuple[list[dict[str, Any]], str]:
    """The target's public keys: target.jwks_uri, else the metadata's jwks_uri, else /.well-known/jwks.json."""
    candidates = [target.jwks_uri] if target.jwks_uri else []
    for suffix in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        document = http.request("GET", target.url(suffix)).json
        if isinstance(document, dict) and isinstance(document.get("jwks_uri"), str):
            candidates.append(document["jwks_uri"])
            break
    candidates.append(target.url("/.well-known/jwks.json"))
    tried = []
    for url in candidates:
        answer = http.request("GET", url)
        keys = answer.json.get("keys") if isinstance(answer.json, dict) else None
        if answer.status == 200 and isinstance(keys, list) and any(isinstance(k, dict) for k in keys):
            return [k for k in keys if isinstance(k, dict) and k.get("kty") in {"RSA", "EC"}], url
        tried.append(f"{url}: HTTP {answer.status}")
    pytest.skip("needs the public key set of the RS/ES/PS-signed tokens: set [target] jwks_uri (tried "
                + "; ".join(tried) + ")")  # fmt: skip


@requirement("JWT-ALG-CONFUSION")
def test_public_key_is_not_an_hmac_secret(http: Session, target: Target, issued: Issued) -> None:
    """RFC 8725 §2.1, §3.1: an HS256 token signed with the server's public key (the classic algorithm confusion)
    is refused; each key "MUST be used with exactly one algorithm"."""
    if not is_asymmetric(issued.header.get("alg")):
        pytest.skip(
            f"the tokens are signed {issued.header.get('alg')!r} (HMAC): there is no public key to confuse"
        )
    served_or_skip(http, target, issued.token)
    keys, source = _key_set(http, target)
    kid = issued.header.get("kid")
    chosen = [k for k in keys if kid is None or k.get("kid") in (None, kid)] or keys
    base = {key: value for key, value in issued.header.items() if key not in {"jwk", "jku", "x5u", "x5c"}}
    forgeries = [
        Forgery(f"header alg 'HS256', claims unchanged, signed with the public key {k.get('kid') or ''} of {source} "
                f"as the HMAC secret ({label})", forge({**base, "alg": "HS256"}, issued.claims, key=secret))
        for k in chosen
        for label, secret in public_key_secrets(k)
    ]  # fmt: skip
    _present(http, target, forgeries, "a token signed HS256 with the server's public key is refused")


@requirement("JWT-HEADER-KEYS-IGNORED")
@pytest.mark.parametrize(
    "variant", ["jwk", "jwk-rsa", "jku", "x5u", "kid-path-traversal", "kid-sql-injection"]
)
def test_header_keys_are_not_trusted(http: Session, target: Target, issued: Issued, variant: str) -> None:
    """RFC 6749 §7: the resource server "MUST validate the access token" - with its own key, not one the
    token names or carries (RFC 7515 §4.1.3, §6; RFC 8725 §3.10)."""
    served_or_skip(http, target, issued.token)
    forgery = _header_key_forgery(variant, issued)
    _present(http, target, [forgery], "a token signed with a key its header names or carries is refused")


@requirement("JWT-STRONG-KEY")
def test_signing_key_is_not_a_weak_secret(issued: Issued) -> None:
    """RFC 8725 §3.5: "human-memorizable passwords MUST NOT be directly used as the key to a keyed-MAC
    algorithm such as "HS256""; RFC 7518 §3.2. Offline: no request beyond the one that issued the token."""
    alg = issued.header.get("alg")
    if alg not in HMAC_HASHES:
        pytest.skip(f"the token is signed with {alg!r}, not HMAC: there is no shared secret to guess")
    candidates = weak_secrets()
    result = crack_hmac(issued.token, candidates)
    if not result.found and result.tried < len(candidates) + 1:
        pytest.skip(f"the dictionary search stopped after {result.tried} of {len(candidates) + 1} keys "
                    f"({result.seconds:.1f} s): too slow to finish here")  # fmt: skip
    settle(judge.ensure_key_is_no_weak_secret(alg, result, len(candidates), issued.answer))


@requirement("JWT-HAS-EXP")
def test_token_has_exp(issued: Issued) -> None:
    """Spry guide: "Access tokens expire after 1 hour"; RFC 7519 §4.1.4 exp; RFC 9068 §2.2 (exp REQUIRED)."""
    settle(judge.ensure_numeric_exp(issued.claims, issued.answer))


@requirement("JWT-NO-SECRETS")
@pytest.mark.parametrize("flow", ["client-credentials", "authorization-code"])
def test_payload_holds_no_secrets(target: Target, request: pytest.FixtureRequest, flow: str) -> None:
    """RFC 7519 §12: "measures MUST be taken to prevent disclosure of this information to unintended
    parties"; RFC 6749 §10.4: refresh tokens are shared "only among the authorization server and the client"."""
    answer: TokenResponse = request.getfixturevalue(
        "cc_token" if flow == "client-credentials" else "code_tokens"
    )
    issued = _decoded(answer)
    secrets_known: list[tuple[str, str]] = [
        (f"clients.{name}'s client secret", client.client_secret)
        for name, client in target.clients.items() if client.client_secret
    ]  # fmt: skip
    if target.user.password:
        secrets_known.append(("the user's password", target.user.password))
    if answer.refresh_token:
        secrets_known.append(("the refresh token issued with it", answer.refresh_token))
    settle(judge.ensure_payload_holds_no_secrets(issued.claims, secrets_known, answer))


@requirement("JWT-JTI-UNIQUE")
def test_jti_is_unique(http: Session, target: Target, cc_primary: Client, cc_token: TokenResponse) -> None:
    """RFC 7519 §4.1.7: the jti value "MUST be assigned in a manner that ensures that there is a negligible
    probability that the same value will be accidentally assigned to a different data object"."""
    answers = [cc_token] + [
        client_credentials(http, target, cc_primary, scope=cc_primary.scope) for _ in range(2)
    ]
    decoded = [_decoded(a) for a in answers if a.ok]
    if len(decoded) < 3:
        pytest.fail("could not obtain three client-credentials tokens in a row")
    jtis = [d.claims.get("jti") for d in decoded]
    if any(j is None for j in jtis):
        pytest.skip("the tokens carry no jti claim (optional in RFC 7519 §4.1.7): nothing to compare")
    settle(judge.ensure_distinct_jti(jtis, *answers))


@requirement("JWT-TOKEN-TYPE-CONFUSION")
@pytest.mark.parametrize("artefact", ["refresh-token", "authorization-code"])
def test_other_artefacts_are_not_access_tokens(
    http: Session, target: Target, request: pytest.FixtureRequest, artefact: str
) -> None:
    """RFC 6749 §1.5: refresh tokens "are never sent to resource servers"; RFC 6749 §7: the resource
    server "MUST validate the access token"; RFC 8725 §3.12: one kind of token never validates as another."""
    if artefact == "refresh-token":
        tokens: TokenResponse = request.getfixturevalue("refreshable")
        served_or_skip(http, target, tokens.access_token or "")
        kind = "a JWT" if decode_unverified(tokens.refresh_token) else "opaque"
        response = call_resource(http, target, tokens.refresh_token)
        settle(judge.ensure_artefact_refused_as_bearer(response, f"refresh token ({kind})",
                                                       "the refresh token sent as a Bearer token is refused"))  # fmt: skip
        return
    code: AuthorizationResponse = request.getfixturevalue("issued_code")
    response = call_resource(http, target, code.code)
    settle(judge.ensure_artefact_refused_as_bearer(response, "unredeemed authorization code",
                                                   "an authorization code sent as a Bearer token is refused"))  # fmt: skip
    # The control comes after the probe (the code must still be unredeemed for the probe): the code's own
    # access token is served, so the refusal above was not a resource that refuses everything.
    tokens = request.getfixturevalue("code_tokens")
    served_or_skip(http, target, tokens.access_token or "")
