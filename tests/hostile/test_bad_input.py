"""Every bad input to the CLI or the configuration exits 2 with one line naming what is wrong.

In-process (`cli.main`): the configuration is read before any pytest run starts, so each case takes
milliseconds. Each case also proves no secret from the input is echoed back.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from conformance import cli

TARGET = "http://127.0.0.1:9"  # never reached: every case stops at the configuration
SECRET = "a-client-secret-never-printed"


def _main(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SPRY_BASE_URL", "SPRY_CLIENT_ID", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPRY_CLIENT_SECRET", SECRET)


def _assert_one_line_exit_2(code: int, output: str, *naming: str) -> None:
    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("spry-conformance: error: "), output
    assert "Traceback" not in output and SECRET not in output
    for word in naming:
        assert word in lines[0], (word, lines[0])


CONFIG_CASES = {
    "timeout nan": ("[target]\nbase_url = '%s'\ntimeout = nan\n", "target.timeout"),
    "timeout inf": ("[target]\nbase_url = '%s'\ntimeout = inf\n", "target.timeout"),
    "timeout negative": ("[target]\nbase_url = '%s'\ntimeout = -1\n", "target.timeout"),
    "max_rps nan": ("[target]\nbase_url = '%s'\nmax_rps = nan\n", "target.max_rps"),
    "max_retry_wait inf": ("[target]\nbase_url = '%s'\nmax_retry_wait = -inf\n", "target.max_retry_wait"),
    "clock_skew negative": ("[target]\nbase_url = '%s'\n[token]\nclock_skew = -5\n", "token.clock_skew"),
    "grants of numbers": (
        "[target]\nbase_url = '%s'\n[clients.primary]\ngrants = [1]\n",
        "clients.primary.grants",
    ),
    "grants a string": (
        "[target]\nbase_url = '%s'\n[clients.primary]\ngrants = 'x'\n",
        "clients.primary.grants",
    ),
    "unknown key": ("[target]\nbase_url = '%s'\ntimout = 3\n", "did you mean 'timeout'"),
    "unknown login key": (
        "[target]\nbase_url = '%s'\n[user.login]\nmethd = 'form'\n",
        "did you mean 'method'",
    ),
    "a secret in the file": (
        "[target]\nbase_url = '%s'\n[clients.primary]\nclient_secret = 'x'\n",
        "client_secret_env",
    ),
    "a path with a query": ("[target]\nbase_url = '%s'\ntoken_path = '/t?x=1'\n", "target.token_path"),
    "not TOML": ("[target\n", "not valid TOML"),
    "a section that is a value": ("target = 3\n", "[target] must be a table"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_bad_configuration_file_exits_2_naming_the_key(tmp_path: Path, case: str) -> None:
    text, naming = CONFIG_CASES[case]
    config = tmp_path / "spry-target.toml"
    config.write_text(text.replace("%s", TARGET), encoding="utf-8")
    _assert_one_line_exit_2(
        *_main("run", "--config", str(config), "--report-dir", str(tmp_path / "r")), naming
    )


def test_config_that_is_not_utf8_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "latin1.toml"
    config.write_bytes("[target]\nbase_url = 'http://hôte'\n".encode("latin-1"))
    _assert_one_line_exit_2(*_main("run", "--config", str(config)), "not UTF-8")


def test_folder_as_config_exits_2(tmp_path: Path) -> None:
    _assert_one_line_exit_2(*_main("run", "--config", str(tmp_path)), "is a folder")


def test_ca_bundle_that_is_not_pem_exits_2(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate\n")
    config = tmp_path / "t.toml"
    config.write_text(f"[target]\nbase_url = 'https://127.0.0.1:9'\nca_bundle = '{bundle}'\n")
    _assert_one_line_exit_2(*_main("run", "--config", str(config), "--report-dir", str(tmp_path / "r")),
                            "target.ca_bundle")  # fmt: skip


@pytest.mark.parametrize(
    ("url", "naming"),
    [
        ("http://127.0.0.1:99999", "port"),
        ("http://127.0.0.1:0", "--target"),
        (f"http://user:{SECRET}@127.0.0.1:9", "must not carry credentials"),
        (f"http://user:{SECRET}@127.0.0.1:99999", "port"),
        ("ftp://127.0.0.1", "http(s) URL"),
        ("http://", "http(s) URL"),
        ("http://127.0.0.1:9/a b", "spaces"),
    ],
)
def test_bad_target_url_exits_2_without_echoing_credentials(url: str, naming: str, tmp_path: Path) -> None:
    _assert_one_line_exit_2(*_main("run", "--target", url, "--report-dir", str(tmp_path / "r")), naming)


def test_missing_client_secret_is_configuration_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SPRY_CLIENT_SECRET")
    _assert_one_line_exit_2(*_main("run", "--target", TARGET, "--report-dir", str(tmp_path / "r")),
                            "SPRY_CLIENT_SECRET")  # fmt: skip


def test_file_as_report_dir_exits_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    _assert_one_line_exit_2(
        *_main("run", "--target", TARGET, "--report-dir", str(tmp_path / "file")), "--report-dir"
    )


def test_unwritable_report_dir_exits_2(tmp_path: Path) -> None:
    under_a_file = tmp_path / "file" / "reports"
    (tmp_path / "file").write_text("")
    _assert_one_line_exit_2(*_main("run", "--report-dir", str(under_a_file)), "cannot be written")


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b"[]", b'{"requirements": 3}'])
def test_corrupt_results_json_for_report_exits_2(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "results.json").write_bytes(content)
    _assert_one_line_exit_2(*_main("report", "--report-dir", str(tmp_path)), "results.json")


def test_bad_waivers_file_exits_2(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(
        "[[waiver]]\nrequirement = 'CC-SUCCESS'\nreason = 'r'\nowner = 'o'\nexpirs = 2030-01-01\n"
    )
    _assert_one_line_exit_2(*_main("run", "--waivers", str(waivers)), "did you mean 'expires'")


def test_unknown_requirement_exits_2_with_a_suggestion() -> None:
    _assert_one_line_exit_2(*_main("run", "--requirement", "cc-sucess"), "did you mean 'CC-SUCCESS'")
