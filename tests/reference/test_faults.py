"""Every fault breaks its rule: each probe returns True when the rule is broken.

The same probe runs against the clean server (must be False) and against a server with only that
fault switched on (must be True).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import jwt
import pytest
from spry_helpers import (
    AUTHORIZE,
    CONSENT,
    FORM,
    LOGIN,
    PATIENTS,
    TOKEN,
    VALID_PATIENT,
    Spry,
    claims,
    csrf,
    new_client,
    pkce_pair,
    query,
)

from conformance.reference import FAULTS

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

Probe = Callable[[Spry], bool]
EVIL = "https://evil.example/callback"


def _error(response: httpx.Response) -> str | None:
    try:
        return response.json().get("error")
    except ValueError:
        return None


def _location(response: httpx.Response) -> str:
    return response.headers.get("location", "")


def _wrong_secret(spry: Spry, auth: str = "body", secret: str = "not-the-secret") -> httpx.Response:
    client = spry.client()
    if auth == "basic":
        return spry.http.post(
            TOKEN, data={"grant_type": "client_credentials"}, auth=(client["client_id"], secret)
        )
    return spry.cc(auth=None, client_id=client["client_id"], client_secret=secret)


def _parallel(count: int, call: Callable[[], httpx.Response]) -> list[int]:
    with ThreadPoolExecutor(count) as pool:
        return [response.status_code for response in pool.map(lambda _: call(), range(count))]


def _parallel_posts(spry: Spry, path: str, data: dict[str, str]) -> int:
    def post() -> httpx.Response:
        with new_client(spry.base) as http:
            return http.post(path, data=data)

    return _parallel(6, post).count(200)


def _forge(token: str, key: bytes, algorithm: str, **headers: object) -> str:
    return jwt.encode(claims(token), key, algorithm=algorithm, headers=headers or None)


def _alg_none(token: str) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."


def _resource_accepts(spry: Spry, token: str) -> bool:
    return spry.get_patients(token).status_code == 200


def _no_throttle(spry: Spry) -> bool:
    client_id = f"brute-{secrets.token_hex(4)}"
    for _ in range(10):
        spry.cc(auth=None, client_id=client_id, client_secret="guess")
    return spry.cc(auth=None, client_id=client_id, client_secret="guess").status_code != 429


def _code_race(spry: Spry) -> bool:
    client = spry.client()
    code = spry.code()
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client["redirect_uri"],
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
    }
    return _parallel_posts(spry, TOKEN, data) > 1


def _refresh_race(spry: Spry) -> bool:
    client = spry.client()
    data = {
        "grant_type": "refresh_token",
        "refresh_token": spry.code_tokens()["refresh_token"],
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
    }
    return _parallel_posts(spry, TOKEN, data) > 1


def _replayed_code_tokens_valid(spry: Spry) -> bool:
    code = spry.code()
    tokens = spry.exchange(code).json()
    spry.exchange(code)
    return _resource_accepts(spry, tokens["access_token"])


def _replay_spares_refreshed_family(spry: Spry) -> bool:
    code = spry.code()
    refreshed = spry.refresh(spry.exchange(code).json()["refresh_token"]).json()
    spry.exchange(code)  # replay: everything issued from the code should be revoked
    return _resource_accepts(spry, refreshed["access_token"])


def _family_revoked_token_valid(spry: Spry) -> bool:
    first = spry.code_tokens()
    second = spry.refresh(first["refresh_token"]).json()
    spry.refresh(first["refresh_token"])  # replay: the family is revoked
    return _resource_accepts(spry, second["access_token"])


def _refresh_reuse_keeps_family(spry: Spry) -> bool:
    first = spry.code_tokens()
    second = spry.refresh(first["refresh_token"]).json()
    spry.refresh(first["refresh_token"])
    return spry.refresh(second["refresh_token"]).status_code == 200


def _refresh_dies_with_access_token(spry: Spry) -> bool:
    refresh_token = spry.code_tokens()["refresh_token"]
    spry.server.clock.advance(spry.server.settings.access_token_lifetime + 1)
    return spry.refresh(refresh_token).status_code != 200


def _scope_not_preserved(spry: Spry) -> bool:
    narrowed = spry.refresh(spry.code_tokens()["refresh_token"], scope="read").json()
    return spry.refresh(narrowed["refresh_token"], scope="read write").status_code != 200


def _login_without_csrf(spry: Spry) -> bool:
    with spry.browser() as browser:
        spry.authorize(browser=browser)
        response = browser.post(
            LOGIN, data={"username": spry.user["username"], "password": spry.user["password"]}
        )
        return response.status_code == 303


def _implicit(spry: Spry) -> bool:
    """True when response_type=token ends in a redirect with an access token in the fragment."""
    with spry.browser() as browser:
        page = spry.authorize(browser=browser, response_type="token")
        if page.status_code != 200:
            return False
        browser.post(LOGIN, data={"csrf_token": csrf(page), **spry.user})
        consent = browser.post(
            CONSENT, data={"csrf_token": csrf(browser.get(CONSENT)), "decision": "approve"}
        )
        fragment = query(_location(consent), fragment=True)
        return _resource_accepts(spry, fragment["access_token"]) and fragment["state"] == "xyz-state"


def _form_token(spry: Spry) -> bool:
    body = f"access_token={spry.cc_token()}"
    return spry.http.request("GET", PATIENTS, content=body, headers=FORM).status_code == 200


def _expired_accepted(spry: Spry) -> bool:
    token = spry.cc_token()
    spry.server.clock.advance(spry.server.settings.access_token_lifetime + 1)
    return _resource_accepts(spry, token)


def _expires_early(spry: Spry) -> bool:
    token = spry.cc_token()
    spry.server.clock.advance(spry.server.settings.access_token_lifetime * 0.75)
    return not _resource_accepts(spry, token)


def _exp_mismatch(spry: Spry) -> bool:
    body = spry.cc().json()
    payload = claims(body["access_token"])
    return payload["exp"] - payload["iat"] != body["expires_in"]


def _refreshed_long_lived(spry: Spry) -> bool:
    body = spry.refresh(spry.code_tokens()["refresh_token"]).json()
    payload = claims(body["access_token"])
    lifetime = spry.server.settings.access_token_lifetime
    return body["expires_in"] != lifetime or payload["exp"] - payload["iat"] != lifetime


def _code_expired_redeemed(spry: Spry) -> bool:
    code = spry.code()
    spry.server.clock.advance(spry.server.settings.code_lifetime + 1)
    return spry.exchange(code).status_code == 200


def _pkce_exchange(spry: Spry, verifier: str | None, *, method: str | None = "S256") -> bool:
    real_verifier, challenge = pkce_pair()
    code = spry.code(code_challenge=challenge, code_challenge_method=method) if method else spry.code()
    chosen = {"missing": None, "real": real_verifier, "challenge": challenge}.get(
        verifier or "missing", verifier
    )
    return spry.exchange(code, verifier=chosen).status_code == 200


def _empty_key_hs512(token: str) -> str:
    """The token's claims signed HS512 with the empty key (pyjwt refuses empty keys, so by hand)."""
    header = base64.urlsafe_b64encode(b'{"alg":"HS512","typ":"JWT"}').rstrip(b"=").decode()
    signing_input = f"{header}.{token.split('.')[1]}"
    mac = hmac.new(b"", signing_input.encode(), hashlib.sha512).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def _two_token_methods(spry: Spry) -> bool:
    token = spry.cc_token()
    return spry.get_patients(token, params={"access_token": token}).status_code == 200


def _jwk_trusted(spry: Spry) -> bool:
    key = secrets.token_bytes(32)
    jwk = {"kty": "oct", "k": base64.urlsafe_b64encode(key).rstrip(b"=").decode()}
    return _resource_accepts(spry, _forge(spry.cc_token(), key, "HS256", jwk=jwk))


def _public_key_as_hmac_secret(spry: Spry) -> bool:
    """RS256 tokens; an HS256 token signed with the published key's PEM is accepted (algorithm confusion)."""
    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import RSAAlgorithm

    published = spry.http.get("/.well-known/jwks.json")
    if published.status_code != 200:  # HMAC-signed tokens: no public key to confuse
        return False
    (key,) = published.json()["keys"]
    pem = RSAAlgorithm.from_jwk(key).public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head, body, _ = spry.cc_token().split(".")
    header = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    signing_input = base64.urlsafe_b64encode(header).rstrip(b"=").decode() + "." + body
    signature = base64.urlsafe_b64encode(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    return _resource_accepts(spry, signing_input + "." + signature.rstrip(b"=").decode())


def _merged_state(spry: Spry) -> bool:
    client = spry.client()
    # an unsupported response type: the error redirect carries the state as the server read it
    query = [("response_type", "bogus"), ("client_id", client["client_id"]), ("redirect_uri", client["redirect_uri"]),
             ("state", "a"), ("state", "b")]  # fmt: skip
    location = spry.http.get("/apis/v2/oauth/authorize", params=query).headers.get("location", "")
    return "state=a%2Cb" in location or "state=a,b" in location


def _login_username_500(spry: Spry) -> bool:
    with spry.browser() as browser:
        page = spry.authorize(browser=browser)
        login = browser.post("/apis/v2/oauth/login", data={"csrf_token": csrf(page), "username": "é-user",
                                                           "password": spry.user["password"], "action": "login"})  # fmt: skip
        return login.status_code == 500


def _weak_key(spry: Spry) -> bool:
    try:
        jwt.decode(
            spry.cc_token(),
            "secret",
            algorithms=["HS256"],
            options={"verify_signature": True, "verify_aud": False, "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        return False
    return True


def _metadata(s: Spry) -> dict[str, Any]:
    document: dict[str, Any] = s.http.get("/.well-known/oauth-authorization-server").json()
    return document


PROBES: dict[str, Probe] = {
    # Token response.
    "token-500-on-success": lambda s: s.cc("read").status_code == 500 and s.cc().status_code == 200,
    "token-type-mac": lambda s: s.cc().json().get("token_type") != "Bearer",
    "expires-in-wrong": lambda s: s.cc().json()["expires_in"] != s.server.settings.access_token_lifetime,
    "scope-missing-in-response": lambda s: "scope" not in s.cc().json(),
    "spry-fields-as-strings": lambda s: (
        not all(
            isinstance(v, int)
            for b in [s.cc().json()]
            for v in [b["organisation_id"], b["user_id"], *b["clinic_id_list"]]
        )
    ),
    # Client authentication.
    "basic-auth-unsupported": lambda s: s.cc(auth="basic").status_code != 200,
    "body-auth-unsupported": lambda s: s.cc(auth="body").status_code != 200,
    "wrong-secret-accepted": lambda s: _wrong_secret(s).status_code == 200,
    "unknown-client-accepted": lambda s: (
        s.cc(auth=None, client_id="nobody", client_secret="x").status_code == 200
    ),
    "missing-secret-accepted": lambda s: (
        s.cc(auth=None, client_id=s.client()["client_id"]).status_code == 200
    ),
    "invalid-client-400": lambda s: (lambda r: r.status_code != 401 or "www-authenticate" not in r.headers)(
        _wrong_secret(s)
    ),
    "basic-failure-no-challenge": lambda s: "www-authenticate" not in _wrong_secret(s, "basic").headers,
    "two-auth-methods-accepted": lambda s: (
        s.cc(auth="basic", client_secret=s.client()["client_secret"]).status_code == 200
    ),
    "secret-of-other-client-accepted": lambda s: (
        _wrong_secret(s, secret=s.client("secondary")["client_secret"]).status_code == 200
    ),
    "cc-anonymous-accepted": lambda s: s.cc(auth=None).status_code == 200,
    # Token request.
    "missing-grant-type-unsupported": lambda s: _error(s.token({})) != "invalid_request",
    "unknown-grant-type-invalid-request": lambda s: (
        _error(s.token({"grant_type": "foo"})) != "unsupported_grant_type"
    ),
    "cc-issues-refresh-token": lambda s: "refresh_token" in s.cc().json(),
    "token-get-allowed": lambda s: (
        s.http.get(
            TOKEN,
            params={
                "grant_type": "client_credentials",
                **{k: s.client()[k] for k in ("client_id", "client_secret")},
            },
        ).status_code
        == 200
    ),
    "credentials-in-query-accepted": lambda s: (
        s.http.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            params={k: s.client()[k] for k in ("client_id", "client_secret")},
        ).status_code
        == 200
    ),
    "json-body-accepted": lambda s: (
        s.http.post(
            TOKEN,
            json={
                "grant_type": "client_credentials",
                **{k: s.client()[k] for k in ("client_id", "client_secret")},
            },
        ).status_code
        == 200
    ),
    "repeated-param-accepted": lambda s: (
        s.token(
            [
                ("grant_type", "client_credentials"),
                ("scope", "read"),
                ("scope", "write"),
                ("client_id", s.client()["client_id"]),
                ("client_secret", s.client()["client_secret"]),
            ]
        ).status_code
        == 200
    ),
    "no-cache-control": lambda s: s.cc().headers.get("cache-control") != "no-store",
    "no-pragma": lambda s: s.cc().headers.get("pragma") != "no-cache",
    "token-content-type-text": lambda s: not s.cc().headers["content-type"].startswith("application/json"),
    "error-body-not-rfc": lambda s: _error(s.token({"grant_type": "foo"})) is None,
    "unknown-param-rejected": lambda s: s.cc(foo="bar").status_code != 200,
    "empty-param-not-omitted": lambda s: s.cc(scope="").status_code != 200,
    "password-grant-enabled": lambda s: s.token({"grant_type": "password", **s.user}).status_code == 200,
    "cors-reflected-origin-credentials": lambda s: (
        s.token({"grant_type": "client_credentials"}, headers={"Origin": "https://evil.example"}).headers.get(
            "access-control-allow-origin"
        )
        == "https://evil.example"
    ),
    "no-throttle": _no_throttle,
    "stacktrace-on-error": lambda s: (lambda r: r.status_code == 500 or "Traceback" in r.text)(
        s.http.post(TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic !!!"})
    ),
    "secret-echoed": lambda s: "probe-secret-1234" in _wrong_secret(s, secret="probe-secret-1234").text,
    # Scopes.
    "unknown-scope-granted": lambda s: s.cc("read admin").status_code == 200,
    "unregistered-scope-granted": lambda s: s.cc("write", role="read_only").status_code == 200,
    "scope-subset-ignored": lambda s: s.cc("read").json().get("scope") != "read",
    "omitted-scope-empty": lambda s: s.cc().json().get("scope") != "read write",
    "scope-order-sensitive": lambda s: s.cc("write read").status_code != 200,
    "narrowed-token-keeps-scope": lambda s: s.post_patient(s.cc_token("read")).status_code != 403,
    # Authorization endpoint.
    "authorize-500": lambda s: s.consent_response().status_code == 500,
    "state-mangled": lambda s: (
        query(_location(s.consent_response(state="a b+c%20d"))).get("state") != "a b+c%20d"
    ),
    "unknown-client-redirects": lambda s: (
        s.authorize(client_id="nobody", redirect_uri=EVIL).status_code == 302
    ),
    "redirect-uri-prefix-match": lambda s: (
        s.authorize(redirect_uri=s.client()["redirect_uri"] + ".evil.example").status_code != 400
    ),
    "redirect-uri-mismatch-redirects": lambda s: s.authorize(redirect_uri=EVIL).status_code == 302,
    "response-type-missing-page": lambda s: s.authorize(response_type=None).status_code != 302,
    "response-type-unknown-wrong-error": lambda s: (
        query(_location(s.authorize(response_type="foo"))).get("error") != "unsupported_response_type"
    ),
    "implicit-grant-enabled": _implicit,
    "authorize-invalid-scope-ignored": lambda s: s.authorize(scope="read admin").status_code != 302,
    "error-redirect-drops-state": lambda s: "state" not in query(_location(s.authorize(response_type="foo"))),
    "authorize-repeated-param-accepted": lambda s: (
        s.http.get(AUTHORIZE, params=[*s.authorize_params().items(), ("scope", "read")]).status_code == 200
    ),
    "authorize-unknown-param-rejected": lambda s: s.authorize(spry_extension="1").status_code != 200,
    "consent-deny-issues-code": lambda s: "code" in query(_location(s.consent_response(decision="deny"))),
    "login-csrf-not-checked": _login_without_csrf,
    "framing-allowed": lambda s: "x-frame-options" not in s.authorize().headers,
    "no-frame-ancestors": lambda s: (
        "frame-ancestors" not in s.authorize().headers.get("content-security-policy", "")
    ),
    "no-referrer-policy": lambda s: "referrer-policy" not in s.authorize().headers,
    "login-page-cacheable": lambda s: "no-store" not in s.authorize().headers.get("cache-control", ""),
    "authorize-cors": lambda s: "access-control-allow-origin" in s.authorize().headers,
    "open-redirect-on-error": lambda s: _location(
        s.authorize(client_id="nobody", redirect_uri=EVIL)
    ).startswith(EVIL),
    # Authorization code grant.
    "code-reusable": lambda s: (lambda code: [s.exchange(code).status_code for _ in range(2)][1] == 200)(
        s.code()
    ),
    "code-reuse-keeps-tokens": _replayed_code_tokens_valid,
    "code-not-bound-to-client": lambda s: (
        s.exchange(s.code(), role="secondary", redirect_uri=s.client()["redirect_uri"]).status_code == 200
    ),
    "metadata-issuer-mismatch": lambda s: _metadata(s)["issuer"] != s.base,
    "metadata-wrong-endpoint": lambda s: _metadata(s)["token_endpoint"] != s.base + "/apis/v2/oauth/token",
    "metadata-no-s256": lambda s: "code_challenge_methods_supported" not in _metadata(s),
    "metadata-advertises-implicit": lambda s: "token" in _metadata(s)["response_types_supported"],
    "metadata-advertises-password": lambda s: "password" in _metadata(s)["grant_types_supported"],
    "stolen-code-unauthorized-client": lambda s: (
        s.exchange(s.code(), role="secondary", redirect_uri=s.client()["redirect_uri"]).json().get("error")
        == "unauthorized_client"
    ),
    "code-not-bound-to-redirect": lambda s: (
        s.exchange(s.code(), redirect_uri=s.client()["redirect_uri"] + "/x").status_code == 200
    ),
    "code-never-expires": _code_expired_redeemed,
    "pkce-not-enforced": lambda s: _pkce_exchange(s, None),
    "pkce-downgrade-accepted": lambda s: _pkce_exchange(s, pkce_pair()[0], method=None),
    "pkce-plain-downgrade": lambda s: _pkce_exchange(s, "challenge"),
    "pkce-s256-unsupported": lambda s: (
        s.authorize(code_challenge=pkce_pair()[1], code_challenge_method="S256").status_code != 200
    ),
    "code-flow-no-refresh-token": lambda s: "refresh_token" not in s.code_tokens(),
    "code-exchange-no-client-auth": lambda s: (
        s.exchange(s.code(), auth=None, client_id=s.client()["client_id"]).status_code == 200
    ),
    "code-token-is-client-identity": lambda s: claims(s.code_tokens()["access_token"])["sub"] != str(1001),
    "code-race": _code_race,
    "low-entropy-code": lambda s: len(s.code()) < 43,
    # Refresh tokens.
    "v1-refresh-missing": lambda s: s.refresh(s.code_tokens()["refresh_token"]).status_code == 404,
    "refresh-no-client-auth": lambda s: (
        s.refresh(s.code_tokens()["refresh_token"], auth=None).status_code == 200
    ),
    "refresh-not-bound-to-client": lambda s: (
        s.refresh(s.code_tokens()["refresh_token"], role="secondary").status_code == 200
    ),
    "refresh-narrow-ignored": lambda s: (
        s.refresh(s.code_tokens()["refresh_token"], scope="read").json()["scope"] != "read"
    ),
    "refresh-scope-widening": lambda s: (
        s.refresh(s.code_tokens(scope="read")["refresh_token"], scope="read write").status_code == 200
    ),
    "refresh-scope-not-preserved": _scope_not_preserved,
    "refresh-same-access-token": lambda s: (
        lambda t: s.refresh(t["refresh_token"]).json()["access_token"] == t["access_token"]
    )(s.code_tokens()),
    "refresh-not-rotated-old-valid": lambda s: (
        lambda rt: [s.refresh(rt).status_code for _ in range(2)][1] == 200
    )(s.code_tokens()["refresh_token"]),
    "refresh-reuse-keeps-family": _refresh_reuse_keeps_family,
    "access-token-as-refresh": lambda s: s.refresh(s.code_tokens()["access_token"]).status_code == 200,
    "v2-refresh-500": lambda s: s.refresh(s.code_tokens()["refresh_token"], path=TOKEN).status_code == 500,
    "refresh-expires-with-access-token": _refresh_dies_with_access_token,
    "refresh-race": _refresh_race,
    "low-entropy-refresh": lambda s: len(s.code_tokens()["refresh_token"]) < 43,
    "low-entropy-access-token": lambda s: (
        lambda t: t.count(".") != 2 and s.get_patients(t).status_code == 200
    )(s.cc_token()),
    # Protected resource.
    "resource-ignores-scope": lambda s: s.post_patient(s.cc_token(role="read_only")).status_code != 403,
    "insufficient-scope-401": lambda s: s.post_patient(s.cc_token(role="read_only")).status_code == 401,
    "read-scope-refused": lambda s: s.get_patients(s.cc_token(role="read_only")).status_code != 200,
    "write-scope-refused": lambda s: s.post_patient(s.cc_token(), VALID_PATIENT).status_code == 403,
    "no-token-no-challenge": lambda s: "www-authenticate" not in s.get_patients(None).headers,
    "no-token-error-attribute": lambda s: (
        "error=" in s.get_patients(None).headers.get("www-authenticate", "")
    ),
    "bad-token-no-error-code": lambda s: (
        'error="invalid_token"' not in s.get_patients("garbage").headers.get("www-authenticate", "")
    ),
    "bearer-scheme-case-sensitive": lambda s: (
        s.get_patients(s.cc_token(), scheme="bearer").status_code != 200
    ),
    "query-token-accepted": lambda s: (
        s.http.get(PATIENTS, params={"access_token": s.cc_token()}).status_code == 200
    ),
    "form-token-accepted": _form_token,
    "envelope-missing": lambda s: (
        not isinstance(s.get_patients(s.cc_token()).json(), dict)
        or "code" not in s.get_patients(s.cc_token()).json()
    ),
    "revoked-token-accepted": _family_revoked_token_valid,
    "header-token-refused": lambda s: not _resource_accepts(s, s.cc_token()),
    "invalid-token-fail-open": lambda s: _resource_accepts(s, secrets.token_urlsafe(32)),
    "two-token-methods-accepted": _two_token_methods,
    # Expiry.
    "expired-token-accepted": _expired_accepted,
    "token-expires-early": _expires_early,
    "jwt-exp-mismatch": _exp_mismatch,
    "refreshed-token-long-lived": _refreshed_long_lived,
    # JWT.
    "alg-none-accepted": lambda s: _resource_accepts(s, _alg_none(s.cc_token())),
    "signature-not-verified": lambda s: _resource_accepts(
        s, _forge(s.cc_token(), secrets.token_bytes(32), "HS256")
    ),
    "alg-confusion-hs512": lambda s: _resource_accepts(s, _empty_key_hs512(s.cc_token())),
    "jwk-header-trusted": _jwk_trusted,
    "rs256-alg-confusion": _public_key_as_hmac_secret,
    "repeated-param-merged": _merged_state,
    "login-username-500": _login_username_500,
    "pkce-method-wrong-error": lambda s: (
        "error=unsupported_response_type"
        in s.http.get(
            "/apis/v2/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": s.client()["client_id"],
                "redirect_uri": s.client()["redirect_uri"],
                "code_challenge": "x" * 43,
                "code_challenge_method": "S512",
                "state": "s",
            },
        ).headers.get("location", "")
    ),
    "client-id-non-ascii-500": lambda s: (
        s.http.post(
            "/apis/v2/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "app-é", "client_secret": "x"},
        ).status_code
        == 500
    ),
    "weak-signing-key": _weak_key,
    "jwt-no-exp": lambda s: "exp" not in claims(s.cc_token()),
    "jwt-leaks-secret": lambda s: s.client()["client_secret"] in str(claims(s.cc_token())),
    "jti-reused": lambda s: claims(s.cc_token())["jti"] == claims(s.cc_token())["jti"],
    "refresh-token-is-jwt-accepted": lambda s: _resource_accepts(s, s.code_tokens()["refresh_token"]),
    # Faults only generated input reveals.
    "astral-char-500": lambda s: s.cc("read \U0001f600").status_code == 500,
    "long-param-500": lambda s: s.cc("r" * 2000).status_code == 500,
    "scope-spacing-500": lambda s: s.cc("read  write").status_code == 500,
    "state-markup-stripped": lambda s: (
        query(_location(s.consent_response(state="<a>'b'"))).get("state") != "<a>'b'"
    ),
    "error-description-echoes-input": lambda s: (
        "\U0001f600" in s.cc(grant_type="x\U0001f600").json()["error_description"]
    ),
    "grant-type-prefix-match": lambda s: s.cc(grant_type="client_credentials_v2").status_code == 200,
    "rotated-refresh-token-widens": lambda s: (
        s.refresh(
            s.refresh(s.code_tokens(scope="read")["refresh_token"]).json()["refresh_token"],
            scope="read write",
        ).status_code
        == 200
    ),
    "replay-spares-refreshed-family": _replay_spares_refreshed_family,
}


# Transport faults only show on a TLS server: test_tls.py probes them.
PLAIN_FAULTS = sorted(name for name, fault in FAULTS.items() if not fault.needs_tls)


def test_every_fault_has_a_probe() -> None:
    assert set(PROBES) == set(PLAIN_FAULTS)


@pytest.mark.parametrize("fault", PLAIN_FAULTS)
def test_fault_breaks_its_rule(fault: str, make_spry: Callable[..., Spry]) -> None:
    assert PROBES[fault](make_spry(faults={fault})), f"{fault} did not break {FAULTS[fault].breaks}"


@pytest.mark.parametrize("fault", PLAIN_FAULTS)
def test_clean_server_keeps_the_rule(fault: str, spry: Spry) -> None:
    assert not PROBES[fault](spry), f"the clean server breaks {FAULTS[fault].breaks}"


def test_faults_combine(make_spry: Callable[..., Spry]) -> None:
    spry = make_spry(faults={"code-reusable", "token-type-mac", "no-pragma"})
    for fault in ("code-reusable", "token-type-mac", "no-pragma"):
        assert PROBES[fault](spry)
