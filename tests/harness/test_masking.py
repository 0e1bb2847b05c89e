"""The one masking mechanism: secrets never reach output, masks still tell values apart."""

from __future__ import annotations

from conformance.masking import Masker, mask_value

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def test_registered_secret_is_masked_in_every_wire_form() -> None:
    masker = Masker()
    secret = "pa ss/w+rd=&1"
    masker.register(secret)
    text = f"raw {secret} form pa+ss%2Fw%2Brd%3D%261 quoted pa%20ss%2Fw%2Brd%3D%261"
    masked = masker.mask(text)
    assert secret not in masked and "pa+ss%2Fw%2Brd" not in masked and "pa%20ss" not in masked


def test_credential_shapes_are_masked_without_registration() -> None:
    masker = Masker()
    text = (
        f'{{"access_token": "{JWT}", "refresh_token": "abc\\"def123"}} '
        "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&client_secret=hunter2hunter2 "
        "https://client.example.org/callback?code=xyz987654&state=ok"
    )
    masked = masker.mask(text)
    for secret in (JWT, "SplxlOBeZQQYbYS6WxSbIA", "hunter2hunter2", "xyz987654", 'abc\\"def123'):
        assert secret not in masked
    assert "grant_type=authorization_code" in masked and "state=ok" in masked


def test_masks_tell_values_apart_but_do_not_reveal_them() -> None:
    a, b = mask_value("token-value-number-one"), mask_value("token-value-number-two")
    assert a != b and "number" not in a
    assert a == mask_value("token-value-number-one")


def test_credential_headers_keep_only_their_scheme() -> None:
    headers = Masker().mask_headers(
        [("Authorization", "Basic Y2xpZW50OnNlY3JldA=="), ("Cookie", "session=abcdef123456; theme=dark"),
         ("Content-Type", "application/json")]
    )  # fmt: skip
    values = dict(headers)
    assert values["Authorization"].startswith("Basic «") and "Y2xpZW50" not in values["Authorization"]
    assert "abcdef123456" not in values["Cookie"]
    assert values["Content-Type"] == "application/json"


def test_masking_twice_changes_nothing() -> None:
    masker = Masker()
    once = masker.mask(f"access_token={JWT}")
    assert masker.mask(once) == once


def test_masking_stays_cheap_with_thousands_of_known_values() -> None:
    """A run registers every token it sees; masking must not slow down as they accumulate."""
    import secrets
    import time

    masker = Masker()
    values = [secrets.token_urlsafe(32) for _ in range(3000)]
    started = time.perf_counter()
    for value in values:
        masker.register(value)
        masker.mask(f'{{"refresh_token": "x", "note": "{value}"}}')
    elapsed = time.perf_counter() - started
    assert elapsed < 3.0, f"{elapsed:.2f} s to register and mask 3000 values"
    assert values[0] not in masker.mask(f"echo {values[0]} and {values[-1]}")


def test_a_code_wherever_a_location_carries_it_is_learnt() -> None:
    from conformance.masking import Masker

    masker = Masker()
    masker.register_from_text(
        "https://client.example.org/callback#@evil.example?code=Sp1tC0de-after-a-fragment&x=1"
    )
    assert "Sp1tC0de-after-a-fragment" not in masker.mask("later: Sp1tC0de-after-a-fragment was seen")


def test_short_configured_secrets_are_masked_as_whole_words() -> None:
    from conformance.masking import Masker

    masker = Masker()
    masker.register_configured("pw9")
    assert masker.mask("password pw9 sent") != "password pw9 sent"
    assert masker.mask("pw99 and apw9 stay") == "pw99 and apw9 stay", (
        "ordinary words that contain it are kept"
    )


def test_basic_and_bearer_credentials_are_masked_wherever_they_are_written() -> None:
    from conformance.masking import Masker

    masker = Masker()
    text = "headers = {'Authorization': 'Basic YXBwOnMzY3JldA=='} then Bearer tok-123.abc"
    masked = masker.mask(text)
    assert "YXBwOnMzY3JldA" not in masked and "tok-123.abc" not in masked
    assert (
        masker.mask("HTTP Basic authentication and Bearer tokens")
        == "HTTP Basic authentication and Bearer tokens"
    )


def test_every_log_record_is_masked_whoever_logs_it(caplog: object) -> None:
    import logging

    from conformance.masking import install_log_masking, masker

    install_log_masking()
    masker.register("a-secret-logged-by-a-library")
    with caplog.at_level(logging.DEBUG):  # type: ignore[attr-defined]
        logging.getLogger("httpcore.http11").debug(
            "send_request_headers %r", {"x": "a-secret-logged-by-a-library"}
        )
    assert "a-secret-logged-by-a-library" not in caplog.text  # type: ignore[attr-defined]
