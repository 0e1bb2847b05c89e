"""The authorization code flow: authorization endpoint (RFC 6749 §4.1.1, §4.1.2.1), login and
consent, code redemption (§4.1.3), PKCE (RFC 7636) and code single use (§10.5)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from spry_helpers import AUTHORIZE, CONSENT, LOGIN, TOKEN, Spry, claims, csrf, new_client, pkce_pair, query

CALLBACK = "https://client.example.org/callback"
PAGE_HEADERS = {
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def assert_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert {name: response.headers.get(name) for name in PAGE_HEADERS} == PAGE_HEADERS


def error_of(response: httpx.Response, target: str = CALLBACK) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(target + "?")
    return query(location)


# The login page.


def test_valid_request_shows_the_login_form(spry: Spry) -> None:
    response = spry.authorize()
    assert_page(response, 200)
    page = response.text
    assert '<form method="post" action="/apis/v2/oauth/login">' in page
    assert 'name="username"' in page and 'name="password"' in page and len(csrf(response)) >= 43
    assert '<button type="submit" name="action" value="login">' in page
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("spry_session=") and "HttpOnly" in cookie and "Path=/" in cookie
    assert "samesite=lax" in cookie.lower()


# Errors shown as a page: never a redirect.


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "nobody", "redirect_uri": "https://evil.example/cb"},
        {"client_id": None},
        {"client_id": "conformance-reader", "redirect_uri": CALLBACK},
        {"client_id": "conformance-reader", "redirect_uri": None},
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": CALLBACK + "/"},
        {"redirect_uri": CALLBACK + ".evil.example"},
        {"redirect_uri": CALLBACK + "?x=1"},
        {"redirect_uri": CALLBACK + "#frag"},
        {"redirect_uri": "https://CLIENT.example.org/callback"},
        {"redirect_uri": "http://client.example.org/callback"},
        {"redirect_uri": "https://client.example.org/other-callback"},
        {"redirect_uri": "https://client.example.org/callback/../callback"},
    ],
)
def test_client_and_redirect_errors_are_pages(spry: Spry, overrides: dict[str, str | None]) -> None:
    assert_page(spry.authorize(**overrides), 400)


@pytest.mark.parametrize("name", ["client_id", "redirect_uri"])
def test_repeated_client_id_or_redirect_uri_is_a_page(spry: Spry, name: str) -> None:
    params = [*spry.authorize_params().items(), (name, spry.authorize_params()[name])]
    assert_page(spry.http.get(AUTHORIZE, params=params), 400)


# Errors redirected to the client, with state.


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "id_token"}, "unsupported_response_type"),
        ({"response_type": "code token"}, "unsupported_response_type"),
        ({"response_type": "foo"}, "unsupported_response_type"),
        ({"scope": "admin"}, "invalid_scope"),
        ({"scope": "read admin"}, "invalid_scope"),
        ({"scope": "READ"}, "invalid_scope"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "S512"}, "invalid_request"),
        ({"code_challenge": "a" * 42}, "invalid_request"),
        ({"code_challenge": "a" * 129}, "invalid_request"),
        ({"code_challenge": "a" * 42 + "!"}, "invalid_request"),
    ],
)
def test_request_errors_redirect_with_state(spry: Spry, overrides: dict[str, str | None], error: str) -> None:
    params = error_of(spry.authorize(**overrides, state="st 1&2"))
    assert params["error"] == error and params["state"] == "st 1&2" and params["error_description"]


def test_other_repeated_parameters_redirect_invalid_request(spry: Spry) -> None:
    response = spry.http.get(AUTHORIZE, params=[*spry.authorize_params().items(), ("scope", "read")])
    assert error_of(response)["error"] == "invalid_request"


def test_error_redirect_without_state_has_no_state(spry: Spry) -> None:
    assert "state" not in error_of(spry.authorize(response_type="foo", state=None))


def test_post_to_authorize_is_not_allowed(spry: Spry) -> None:
    assert spry.http.post(AUTHORIZE, data=spry.authorize_params()).status_code == 405


# Login and consent.


def test_full_flow_redirects_with_code_and_exact_state(spry: Spry) -> None:
    response = spry.consent_response(state="abc")
    params = query(response.headers["location"])
    assert response.headers["location"].startswith(CALLBACK + "?")
    assert set(params) == {"code", "state"} and params["state"] == "abc" and len(params["code"]) >= 43


@pytest.mark.parametrize(
    "state", ["a b", "a&b=c", "%41%2", "+plus+", "ünï€😀", "x/y?z#w", "s" * 600, "'\"<>"]
)
def test_state_round_trips_byte_identical(spry: Spry, state: str) -> None:
    assert query(spry.consent_response(state=state).headers["location"])["state"] == state


def test_deny_redirects_access_denied(spry: Spry) -> None:
    params = query(spry.consent_response(decision="deny", state="s").headers["location"])
    assert (params["error"], params["state"]) == ("access_denied", "s")


def test_login_failures_and_csrf(spry: Spry) -> None:
    with spry.browser() as browser:
        page = spry.authorize(browser=browser)
        token = csrf(page)
        no_csrf = browser.post(
            LOGIN, data={"username": spry.user["username"], "password": spry.user["password"]}
        )
        assert_page(no_csrf, 403)
        wrong_csrf = browser.post(LOGIN, data={"csrf_token": "x" * 43, **spry.user})
        assert_page(wrong_csrf, 403)
        wrong_password = browser.post(
            LOGIN, data={"csrf_token": token, "username": spry.user["username"], "password": "wrong"}
        )
        assert_page(wrong_password, 200)
        assert "Invalid username or password" in wrong_password.text and csrf(wrong_password) != token
        stale = browser.post(LOGIN, data={"csrf_token": token, **spry.user})
        assert_page(stale, 403)
        old_sid = browser.cookies["spry_session"]
        ok = browser.post(LOGIN, data={"csrf_token": csrf(wrong_password), **spry.user})
        assert ok.status_code == 303 and ok.headers["location"] == CONSENT
        assert browser.cookies["spry_session"] != old_sid  # session fixation defence
    with new_client(spry.base) as attacker:
        attacker.cookies.set("spry_session", old_sid)
        assert_page(attacker.get(CONSENT), 400)


def test_consent_needs_login_and_csrf(spry: Spry) -> None:
    with spry.browser() as browser:
        spry.authorize(browser=browser)
        assert_page(browser.get(CONSENT), 400)
        assert_page(browser.post(CONSENT, data={"decision": "approve"}), 400)
        login = browser.post(LOGIN, data={"csrf_token": csrf(spry.authorize(browser=browser)), **spry.user})
        assert login.status_code == 303
        consent = browser.get(CONSENT)
        assert_page(consent, 200)
        assert (
            'name="decision" value="approve"' in consent.text
            and 'name="decision" value="deny"' in consent.text
        )
        assert "<code>read</code>" in consent.text and "<code>write</code>" in consent.text
        assert_page(browser.post(CONSENT, data={"decision": "approve", "csrf_token": "nope"}), 403)
        assert_page(browser.post(CONSENT, data={"decision": "maybe", "csrf_token": csrf(consent)}), 400)


def test_no_session_cookie(spry: Spry) -> None:
    assert_page(spry.http.post(LOGIN, data={"csrf_token": "x", **spry.user}), 400)


# Code redemption.


def test_code_exchange_issues_user_tokens(spry: Spry) -> None:
    response = spry.exchange(spry.code())
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "read write"
    assert (body["user_id"], body["name"], body["roles"], body["organisation_id"]) == (
        1001,
        "Jordan Lee",
        ["DOCTOR"],
        74,
    )
    assert len(body["refresh_token"]) >= 43
    payload = claims(body["access_token"])
    assert payload["sub"] == "1001" and payload["client_id"] == "conformance-primary"
    assert spry.get_patients(body["access_token"]).status_code == 200


def test_code_flow_scope(spry: Spry) -> None:
    assert spry.code_tokens(scope="read")["scope"] == "read"
    assert spry.code_tokens(scope=None)["scope"] == "read write"


def test_code_is_single_use_and_replay_revokes_its_tokens(spry: Spry) -> None:
    code = spry.code()
    first = spry.exchange(code).json()
    replay = spry.exchange(code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert spry.get_patients(first["access_token"]).status_code == 401
    assert spry.refresh(first["refresh_token"]).json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "case", ["other client", "no redirect_uri", "other redirect_uri", "unknown code", "expired"]
)
def test_code_binding_errors_are_invalid_grant(spry: Spry, case: str) -> None:
    code = spry.code()
    if case == "other client":
        response = spry.exchange(code, role="secondary", redirect_uri=CALLBACK)
    elif case == "no redirect_uri":
        response = spry.exchange(code, redirect_uri=None)
    elif case == "other redirect_uri":
        response = spry.exchange(code, redirect_uri="https://client.example.org/other-callback")
    elif case == "unknown code":
        response = spry.exchange(code + "x")
    else:
        spry.server.clock.advance(60)
        response = spry.exchange(code)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    if case != "expired":  # a refused attempt does not consume the code
        assert spry.exchange(code).status_code == 200


def test_code_still_valid_just_before_expiry(spry: Spry) -> None:
    code = spry.code()
    spry.server.clock.advance(55)
    assert spry.exchange(code).status_code == 200


def test_redirect_uri_omitted_at_authorization(spry: Spry) -> None:
    assert spry.exchange(spry.code(redirect_uri=None), redirect_uri=None).status_code == 200
    assert spry.exchange(spry.code(redirect_uri=None), redirect_uri=CALLBACK).status_code == 200
    other = spry.exchange(spry.code(redirect_uri=None), redirect_uri=CALLBACK + "x")
    assert other.json()["error"] == "invalid_grant"


def test_code_exchange_requires_client_authentication(spry: Spry) -> None:
    response = spry.exchange(spry.code(), auth=None, client_id="conformance-primary")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_missing_code(spry: Spry) -> None:
    assert spry.token({"grant_type": "authorization_code"}).json()["error"] == "invalid_request"


# PKCE.


@pytest.mark.parametrize("method", ["S256", "plain", None])
def test_pkce_success(spry: Spry, method: str | None) -> None:
    verifier, challenge = pkce_pair()
    if method != "S256":
        challenge = verifier
    code = spry.code(code_challenge=challenge, code_challenge_method=method)
    assert spry.exchange(code, verifier=verifier).status_code == 200


@pytest.mark.parametrize("sent", ["missing", "wrong", "challenge itself", "malformed"])
def test_pkce_failures_are_invalid_grant(spry: Spry, sent: str) -> None:
    verifier, challenge = pkce_pair()
    code = spry.code(code_challenge=challenge, code_challenge_method="S256")
    chosen = {"missing": None, "wrong": pkce_pair()[0], "challenge itself": challenge, "malformed": "short"}[
        sent
    ]
    response = spry.exchange(code, verifier=chosen)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_pkce_downgrade_is_refused(spry: Spry) -> None:
    response = spry.exchange(spry.code(), verifier=pkce_pair()[0])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


# Concurrency.


def test_parallel_redemptions_of_one_code_give_exactly_one_token(spry: Spry) -> None:
    client = spry.client()
    data = {
        "grant_type": "authorization_code",
        "code": spry.code(),
        "redirect_uri": CALLBACK,
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
    }

    def redeem(_: int) -> int:
        with new_client(spry.base) as http:
            return http.post(TOKEN, data=data).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(redeem, range(8)))
    assert statuses.count(200) == 1 and statuses.count(400) == 7
