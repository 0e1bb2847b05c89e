"""The target configuration: the contract's file shape, the environment, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.config import ConfigError, load_target

CONTRACT_EXAMPLE = (
    Path(__file__).resolve().parents[2].parent / "shared" / "contract" / "spry-target.example.toml"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "target.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_example_file_is_accepted() -> None:
    if not CONTRACT_EXAMPLE.is_file():
        pytest.skip(f"the contract example is not beside the checkout ({CONTRACT_EXAMPLE})")
    target = load_target(CONTRACT_EXAMPLE, env={"SPRY_CLIENT_SECRET": "s3cret-primary"})
    assert target.base_url == "https://provider.staging.spryhealth.care"
    assert target.refresh_path == "/apis/v1/oauth/token"
    assert target.client("primary").client_secret == "s3cret-primary"
    assert target.client("secondary") is None  # no secret in the environment
    assert target.clients["read_only"].scopes == ("read",)
    assert str(target.resource.write) == "POST /v2/patients"


def test_every_key_may_be_omitted() -> None:
    target = load_target(None, env={})
    assert target.token.expected_lifetime == 3600
    assert target.token_path == "/apis/v2/oauth/token"
    assert target.user.login.method == "form"


def test_environment_supplies_base_url_client_id_and_secret() -> None:
    env = {
        "SPRY_BASE_URL": "https://spry.test",
        "SPRY_CLIENT_ID": "ci-client",
        "SPRY_CLIENT_SECRET": "x" * 20,
    }
    target = load_target(None, env=env)
    assert target.base_url == "https://spry.test"
    assert target.client("primary").client_id == "ci-client"


def test_flag_overrides_file_and_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[target]\nbase_url = "https://from-file.test"\n')
    target = load_target(path, base_url="https://from-flag.test", env={"SPRY_BASE_URL": "https://env.test"})
    assert target.base_url == "https://from-flag.test"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[target]\ntiemout = 3\n", "target.tiemout' (did you mean 'timeout'?)"),
        ("[targte]\n", "[targte] (did you mean 'target'?)"),
        ("[clients.primary]\nclient_secret = 'x'\n", "clients.primary.client_secret"),
        ("[clients.tertiary]\nclient_id = 'x'\n", "[clients.tertiary]"),
        ("[target]\ntimeout = 'fast'\n", "target.timeout must be int or float"),
        ("[target]\nverify_tls = 'yes'\n", "target.verify_tls must be bool"),
        ("[resource]\nread = 'patients'\n", "resource.read"),
        ("[clients.primary]\ngrants = ['implicit']\n", "clients.primary.grants"),
        ("[user.login]\nmethod = 'selenium'\n", "user.login.method"),
        ("[target]\nbase_url = 'ftp://x'\n", "target.base_url"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_wrong_configuration_names_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_target(write(tmp_path, text), env={})
    assert named in str(error.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_target(tmp_path / "nope.toml", env={})


def test_fingerprint_holds_no_secret() -> None:
    target = load_target(
        None, env={"SPRY_CLIENT_SECRET": "very-secret-value", "SPRY_USER_PASSWORD": "pw-123456"}
    )
    text = repr(target.fingerprint())
    assert "very-secret-value" not in text and "pw-123456" not in text
