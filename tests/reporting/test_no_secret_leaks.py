"""No secret, password, code, refresh token or whole access token in any report or in the terminal.

A full run against a reference server the test starts itself (so it knows every secret and every
credential the server issues), once clean and once with a fault that echoes the client secret in
its error responses: the suite must not leak what the target leaks.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from conformance.reference import ReferenceServer, ServerSettings

SECRETS = {
    "primary": "primary-secret-Ahjee4ohxa7Ieb3u",
    "secondary": "secondary-secret-ooCh9eiv5aeSh0ie",
    "read_only": "reader-secret-Eim4ahzaeng3Hoo5",
    "user": "user-password-Quoo7shei1aiJ4ee",
}


#: pytest flags a user may add after `--`: none of them may show a secret (the trust issue's list).
FLAGS = {
    "report-all": ("-rA", "-v"),
    "debug-logs": ("--log-level=DEBUG", "-o", "log_cli=true", "-o", "log_cli_level=DEBUG", "-rA"),
    "long-tracebacks": ("--tb=long", "--showlocals", "-rA", "-v"),
}


def _basic(client_id: str, secret: str) -> str:
    return base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode()


@pytest.mark.parametrize(
    ("faults", "flags"),
    [((), "report-all"), (("secret-echoed",), "report-all"), (("secret-echoed", "token-type-mac"), "debug-logs"),
     (("secret-echoed", "token-type-mac"), "long-tracebacks")],
    ids=["clean", "secret-echoed", "debug-logs", "long-tracebacks"],
)  # fmt: skip
def test_no_issued_credential_reaches_any_output(tmp_path: Path, faults: tuple[str, ...], flags: str) -> None:
    with ReferenceServer(ServerSettings(faults=frozenset(faults), secrets=SECRETS)) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))}
        env |= {
            "SPRY_CLIENT_SECRET": SECRETS["primary"],
            "SPRY_SECONDARY_CLIENT_SECRET": SECRETS["secondary"],
            "SPRY_READER_CLIENT_SECRET": SECRETS["read_only"],
            "SPRY_USER_PASSWORD": SECRETS["user"],
        }
        reports = tmp_path / "reports"
        completed = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "run", "--target", server.base_url, "--report-dir", str(reports),
             "--", *FLAGS[flags]],
            cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env,
        )  # fmt: skip
        issued = server.issued_credentials()
        basics = [_basic(c["client_id"], c["client_secret"]) for c in server.credentials["clients"].values()]
    assert (reports / "summary.json").is_file(), completed.stdout[-3000:] + completed.stderr[-3000:]
    assert len(issued) > 20, "the run should have made the server issue many credentials"
    outputs = {"stdout": completed.stdout, "stderr": completed.stderr}
    for path in reports.rglob("*"):
        if path.is_file():
            outputs[str(path.relative_to(tmp_path))] = path.read_text(encoding="utf-8", errors="replace")
    leaks = [
        (name, what)
        for what, value in [
            *SECRETS.items(),
            *((f"issued #{i}", v) for i, v in enumerate(issued)),
            *((f"Basic credentials #{i}", v) for i, v in enumerate(basics)),
        ]  # fmt: skip
        for name, text in outputs.items()
        if len(value) >= 16 and value in text
    ]
    assert not leaks, f"secrets reached the output: {leaks[:10]}"
