"""The public API of conformance.reference, the fault registry and the import wall."""

from __future__ import annotations

import ast
import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from spry_helpers import Spry, new_client

import conformance.reference as reference
from conformance.reference import FAULTS, Fault, ReferenceServer, ServerSettings, UnknownFault
from conformance.reference.faults import FaultSet

PACKAGE = Path(reference.__file__).parent


def test_fault_registry_is_well_formed() -> None:
    assert len(FAULTS) >= 100  # the 100 of faults.md, and those the check families added since
    for name, fault in FAULTS.items():
        assert isinstance(fault, Fault) and fault.name == name
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)
        assert fault.breaks and all(re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)*", rid) for rid in fault.breaks)
        assert fault.description


def test_unknown_fault_lists_the_known_ones() -> None:
    with pytest.raises(UnknownFault) as caught:
        ReferenceServer(ServerSettings(faults=frozenset({"code-reusable", "no-such-fault"})))
    assert "no-such-fault" in str(caught.value) and "code-reusable" in str(caught.value)
    assert caught.value.names == ("no-such-fault",)
    with pytest.raises(UnknownFault):
        FaultSet().on("typo-fault")


def test_settings_defaults_and_validation() -> None:
    settings = ServerSettings()
    assert (settings.faults, settings.access_token_lifetime, settings.code_lifetime) == (
        frozenset(),
        3600,
        60,
    )
    assert (settings.latency, settings.host, settings.port, settings.secrets) == (0.0, "127.0.0.1", 0, None)
    assert ServerSettings(faults=["code-reusable"]).faults == frozenset({"code-reusable"})  # type: ignore[arg-type]
    for bad in (
        {"access_token_lifetime": 0},
        {"latency": -1},
        {"port": 70000},
        {"secrets": {"nope": "x"}},
        {"secrets": {"user": ""}},
    ):
        with pytest.raises(ValueError):
            ServerSettings(**bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ServerSettings(faults="code-reusable")  # type: ignore[arg-type]


def test_credentials_match_the_contract(spry: Spry) -> None:
    creds = spry.server.credentials
    primary, secondary, reader = (creds["clients"][role] for role in ("primary", "secondary", "read_only"))
    all_grants = ["client_credentials", "authorization_code", "refresh_token"]
    assert primary | {"client_secret": ""} == {
        "client_id": "conformance-primary",
        "client_secret": "",
        "scopes": "read write",
        "grants": all_grants,
        "redirect_uri": "https://client.example.org/callback",
    }
    assert (secondary["client_id"], secondary["scopes"], secondary["grants"]) == (
        "conformance-secondary",
        "read write",
        all_grants,
    )
    assert secondary["redirect_uri"] == "https://client.example.org/other-callback"
    assert (reader["client_id"], reader["scopes"], reader["grants"], reader["redirect_uri"]) == (
        "conformance-reader",
        "read",
        ["client_credentials"],
        None,
    )
    assert creds["user"]["username"] == "conformance.user@example.org"
    secrets_ = [c["client_secret"] for c in creds["clients"].values()] + [creds["user"]["password"]]
    assert len(set(secrets_)) == 4 and all(len(s) >= 43 for s in secrets_)


def test_secrets_are_per_server_unless_fixed() -> None:
    first, second = ReferenceServer(), ReferenceServer()
    assert first.credentials != second.credentials
    fixed = ReferenceServer(ServerSettings(secrets={"primary": "p-secret", "user": "pw"}))
    assert fixed.credentials["clients"]["primary"]["client_secret"] == "p-secret"
    assert fixed.credentials["user"]["password"] == "pw"


def test_lifecycle() -> None:
    server = ReferenceServer()
    with pytest.raises(RuntimeError):
        _ = server.base_url
    with server as running:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", running.base_url)
        assert httpx.get(running.base_url + "/v2/patients").status_code == 401
        with pytest.raises(RuntimeError):
            running.start()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base_url + "/v2/patients")
    server.stop()  # idempotent


def test_app_is_usable_directly() -> None:
    server = ReferenceServer()
    client = server.credentials["clients"]["primary"]

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=server.app), base_url="http://test"
        ) as http:
            return await http.post(
                "/apis/v2/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    **{k: client[k] for k in ("client_id", "client_secret")},
                },
            )

    assert asyncio.run(call()).status_code == 200


def test_clock() -> None:
    server = ReferenceServer()
    before = server.clock.now()
    server.clock.advance(1000)
    assert server.clock.now() >= before + 1000
    with pytest.raises(ValueError):
        server.clock.advance(-1)


def test_latency_delays_responses(make_spry: Callable[..., Spry]) -> None:
    spry = make_spry(latency=0.2)
    started = time.monotonic()
    spry.get_patients(None)
    assert time.monotonic() - started >= 0.2


def test_lifetimes_are_configurable(make_spry: Callable[..., Spry]) -> None:
    spry = make_spry(access_token_lifetime=120, code_lifetime=5)
    assert spry.cc().json()["expires_in"] == 120
    code = spry.code()
    spry.server.clock.advance(6)
    assert spry.exchange(code).json()["error"] == "invalid_grant"


def test_serve_prints_url_and_credentials_and_stops_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent.parent)}
    code = (
        "from conformance.reference import serve, ServerSettings; serve(ServerSettings(faults={'no-pragma'}))"
    )
    process = subprocess.Popen([sys.executable, "-u", "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or "Ctrl-C" not in lines[-1]:
            line = process.stdout.readline()
            assert line, "serve ended early"
            lines.append(line)
        output = "".join(lines)
        base_url = re.search(r"on (http://127\.0\.0\.1:\d+)", output).group(1)  # type: ignore[union-attr]
        secret = re.search(r"conformance-primary client_secret=(\S+)", output).group(1)  # type: ignore[union-attr]
        assert "no-pragma" in output and "SPRY_USER_PASSWORD=" in output
        response = httpx.post(
            base_url + "/apis/v2/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "conformance-primary",
                "client_secret": secret,
            },
        )
        assert response.status_code == 200 and "pragma" not in response.headers
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()


_ALLOWED_THIRD_PARTY = {"starlette", "uvicorn", "jwt", "cryptography"}  # cryptography: the RS256 variant


def _imports(path: Path) -> set[str]:
    package = "conformance.reference" + ("" if path.parent == PACKAGE else "." + path.parent.name)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join(base + ([node.module] if node.module else [])))
            else:
                found.add(node.module or "")
    return found


def test_reference_imports_nothing_from_the_suite() -> None:
    for path in PACKAGE.rglob("*.py"):
        for module in _imports(path):
            top = module.split(".")[0]
            if top == "conformance":
                assert module.startswith("conformance.reference"), (path, module)
            else:
                assert top in sys.stdlib_module_names or top in _ALLOWED_THIRD_PARTY, (path, module)


def test_the_suite_is_not_loaded_by_the_reference() -> None:
    code = "import sys, conformance.reference; print(sorted(m for m in sys.modules if m.startswith('conformance')))"
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent.parent)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert all(name == "conformance" or name.startswith("conformance.reference") for name in eval(out))


def test_new_client_helper_has_no_cookies_shared() -> None:
    with new_client("http://127.0.0.1") as first, new_client("http://127.0.0.1") as second:
        assert first.cookies is not second.cookies
