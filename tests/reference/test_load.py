"""The reference server under a bounded load (benchmarks/load.py), in its own process on an ephemeral port.

Concurrent clients run client_credentials, the resource, the authorization code flow with PKCE and
refresh rotation, plus deliberate races: one code redeemed by 2-3 concurrent requests (RFC 6749
§4.1.2, §10.5: single use) and one refresh token used by 2-3 concurrent requests (RFC 9700 §4.14.2:
rotation with reuse detection). Every request must be answered, nothing may be a 5xx or a 429, and
every race must have exactly one winner. A server with the ``code-race``/``refresh-race`` faults
proves the double-redemption detector can fail.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS, REQUESTS = 16, 800


def _load_benchmark(name: str) -> ModuleType:
    """benchmarks/ is not a package: import one of its scripts by path."""
    spec = importlib.util.spec_from_file_location(f"spry_bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


load = _load_benchmark("load")
served = sys.modules["served"]  # load.py imports its neighbour served.py (the server in its own process)


def test_reference_server_holds_a_bounded_load() -> None:
    """One test, so that ``pytest -n auto`` runs this load once rather than once per worker."""
    with served.serving() as server:
        result = load.run_load(server.url, server.credentials, clients=CLIENTS, requests=REQUESTS)
        server_errors = server.error_lines()
    summary = result.to_json()
    assert result.requests == REQUESTS and result.answered == REQUESTS, summary
    assert result.errors == 0, result.error_samples
    assert result.server_errors == 0, (summary, server_errors)
    assert not server_errors, server_errors
    assert result.throttled == 0, summary  # only valid client credentials are sent
    assert result.double_redemptions == 0, summary
    assert result.code_races > 0 and result.refresh_races > 0, summary
    assert result.races_one_winner == result.races, summary  # exactly one winner per race
    assert not result.unexpected, result.unexpected
    assert not result.problems(), result.problems()


def test_racy_server_is_caught_double_redeeming() -> None:
    """Under the code-race and refresh-race faults, parallel redemptions all pass the single-use check."""
    with served.serving(faults=("code-race", "refresh-race")) as server:
        result = load.run_load(server.url, server.credentials, clients=4, requests=160)
    assert result.double_redemptions > 0, result.to_json()
    assert result.races_one_winner < result.races
    assert result.server_errors == 0 and result.answered == result.requests
    assert any("redeemed twice" in problem for problem in result.problems())


def test_banner_parsing_needs_the_bound_port() -> None:
    """``serve --port 0`` must print the port it bound; a banner without one is refused."""
    lines = [
        "Spry reference OAuth 2.0 server on http://127.0.0.1:0",
        '  primary    client_id=a client_secret=b scopes="read write" redirect_uri=https://c.example/cb',
        "  user       username=u password=p",
    ]
    with pytest.raises(ValueError, match="bound port"):
        served.parse_banner(lines)
    lines[0] = "Spry reference OAuth 2.0 server on http://127.0.0.1:8711"
    url, credentials = served.parse_banner(lines)
    assert url == "http://127.0.0.1:8711"
    assert credentials["clients"]["primary"]["redirect_uri"] == "https://c.example/cb"
    assert credentials["user"] == {"username": "u", "password": "p"}
