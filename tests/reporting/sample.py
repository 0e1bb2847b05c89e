"""A synthetic run for the report tests: every status, evidence as the plugin records it."""

from __future__ import annotations

from typing import Any

from conformance.evidence import Exchange
from conformance.masking import Masker

BASE = "https://spry.example.test"


def exchange(method: str, path: str, status: int | None, *, request_headers: list[tuple[str, str]] | None = None,
             request_body: str = "", response_headers: list[tuple[str, str]] | None = None,
             response_body: str = "", error: str | None = None, elapsed_ms: float = 14.2) -> dict[str, Any]:  # fmt: skip
    """An exchange dict exactly as `Exchange.to_dict()` gives it, masked as at capture."""
    masker = Masker()
    headers = masker.mask_headers(request_headers or [])
    answer = masker.mask_headers(response_headers or [])
    captured = Exchange(method, BASE + path, headers, masker.mask(request_body), status, answer,
                        masker.mask(response_body), elapsed_ms, error)  # fmt: skip
    return captured.to_dict()


def requirement(rid: str, title: str, *, level: str = "MUST", severity: str = "medium", family: str = "token_endpoint",
                status: str = "passed", reason: str = "", rfc: tuple[str, ...] = ("RFC 6749 §5.1",),
                spry: str | None = "Client Credentials Flow > Response", rule: str = "", gain: str = "",
                enable: str = "", checks: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    """One entry of `full_results()["requirements"]`."""
    links = []
    for ref in rfc:
        number, _, section = ref.removeprefix("RFC ").partition(" §")
        url = f"https://www.rfc-editor.org/rfc/rfc{number}"
        links.append({"label": ref, "url": f"{url}#section-{section}" if section else url})
    source = "; ".join(([f"Spry authentication guide, {spry}"] if spry else []) + list(rfc))
    checks = (
        checks
        if checks is not None
        else [check(f"conformance/checks/test_{family}.py::test_{rid.lower()}", status)]
    )
    return {
        "id": rid, "title": title, "level": level, "source": source, "severity": severity, "status": status,
        "checks": [c["nodeid"] for c in checks], "reason": reason, "family": family,
        "profiles": ["oauth2", "spry"], "rule": rule or f"The server {title.lower()}.", "oauch": [], "asvs": [],
        "gain": gain, "enable": enable, "links": links, "check_results": checks,
    }  # fmt: skip


def check(
    nodeid: str, status: str, message: str = "", evidence: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"nodeid": nodeid, "status": status, "message": message, "evidence": evidence or [],
            "duration": 0.137, "requests": len(evidence or [])}  # fmt: skip


TOKEN_REQUEST = dict(
    request_headers=[("Content-Type", "application/x-www-form-urlencoded"),
                     ("Authorization", "Basic c3ByeS1jbGllbnQ6c3VwZXItc2VjcmV0LXZhbHVl")],
    request_body="grant_type=client_credentials&scope=read+write",
)  # fmt: skip


def alg_none_evidence() -> list[dict[str, Any]]:
    token = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJzcHJ5LWNsaWVudCIsInNjb3BlIjoicmVhZCB3cml0ZSJ9."
    return [
        exchange("POST", "/oauth/token", 200, **TOKEN_REQUEST,
                 response_headers=[("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                 response_body='{"access_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "token_type": "Bearer", '
                               '"expires_in": 3600, "scope": "read write"}'),
        exchange("GET", "/api/v1/patients?limit=1", 200,
                 request_headers=[("Authorization", f"Bearer {token}"), ("Accept", "application/json")],
                 response_headers=[("Content-Type", "application/json")],
                 response_body='{"patients": [{"id": 1041, "name": "«redacted»"}], "next": null}', elapsed_ms=9.8),
    ]  # fmt: skip


def sample_data(*, manifest_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A failing run: one of each status, and a few more for a realistic matrix."""
    requirements = [
        requirement(
            "JWT-ALG-PINNED",
            "The resource pins the signing algorithm it accepts",
            severity="critical",
            family="jwt",
            status="waived",
            rfc=("RFC 8725 §3.1",),
            spry=None,
            reason="waived until 2027-01-31 by platform-security: migration to ES256 tracked in SEC-412 "
            "(finding: an HS256 token signed with the public key was accepted)",
            checks=[
                check(
                    "conformance/checks/test_jwt.py::test_alg_pinned",
                    "failed",
                    "an HS256 token signed with the public key was accepted",
                )
            ],
        ),
        requirement(
            "JWT-KID-TRAVERSAL",
            "A kid header cannot point the verifier at another key",
            severity="critical",
            family="jwt",
            status="error",
            rfc=("RFC 8725 §3.10",),
            spry=None,
            reason="the JWKS endpoint answered 503; the check could not run",
            checks=[
                check(
                    "conformance/checks/test_jwt.py::test_kid_traversal",
                    "error",
                    "the JWKS endpoint answered 503; the check could not run",
                    [
                        exchange(
                            "GET",
                            "/.well-known/jwks.json",
                            503,
                            response_headers=[("Retry-After", "30")],
                            response_body="Service Unavailable",
                        )
                    ],
                )
            ],
        ),
        requirement(
            "JWT-ALG-NONE",
            "The resource refuses tokens with alg none",
            severity="critical",
            family="jwt",
            status="failed",
            rfc=("RFC 8725 §3.1", "RFC 7519 §6.1"),
            spry=None,
            rule='"Libraries MUST enable the caller to specify a supported set of algorithms and MUST NOT '
            'use any other algorithms when performing cryptographic operations." (RFC 8725 §3.1)',
            gain="Any caller can forge an access token for any client, scope and organisation, and read or "
            "write every patient record the API serves.",
            reason="GET /api/v1/patients with an unsigned (alg none) token answered 200, expected 401",
            checks=[
                check(
                    "conformance/checks/test_jwt.py::test_alg_none_refused",
                    "failed",
                    "GET /api/v1/patients with an unsigned (alg none) token answered 200, expected 401\n"
                    'the token\'s header was {"alg": "none"}',
                    alg_none_evidence(),
                ),
                check("conformance/checks/test_jwt.py::test_alg_none_case_variants", "passed"),
            ],
        ),
        requirement(
            "CC-SUCCESS",
            "A valid client-credentials request gets an access token",
            severity="high",
            family="client_credentials",
            rfc=("RFC 6749 §4.4.2", "RFC 6749 §4.4.3"),
            spry="Client Credentials Flow",
        ),
        requirement(
            "TOKEN-TYPE-BEARER",
            "token_type is Bearer (case-insensitive)",
            severity="high",
            family="client_credentials",
            rfc=("RFC 6749 §5.1", "RFC 6750 §4"),
        ),
        requirement(
            "CC-NO-REFRESH-TOKEN",
            "Client credentials responses carry no refresh token",
            level="SHOULD",
            severity="low",
            family="client_credentials",
            status="warning",
            rfc=("RFC 6749 §4.4.3",),
            rule='"A refresh token SHOULD NOT be included." (RFC 6749 §4.4.3)',
            gain="A long-lived credential that outlives the access token.",
            reason="the client-credentials response carried a refresh_token",
            checks=[
                check(
                    "conformance/checks/test_client_credentials.py::test_no_refresh_token",
                    "warning",
                    "the client-credentials response carried a refresh_token",
                    [
                        exchange(
                            "POST",
                            "/oauth/token",
                            200,
                            **TOKEN_REQUEST,
                            response_headers=[("Content-Type", "application/json")],
                            response_body='{"access_token": "at-1234567890abcdef", "token_type": '
                            '"Bearer", "refresh_token": "rt-0987654321fedcba"}',
                        )
                    ],
                )
            ],
        ),
        requirement(
            "TOKEN-NO-STORE",
            "Token responses are not cached",
            severity="medium",
            family="token_endpoint",
            rfc=("RFC 6749 §5.1",),
        ),
        requirement(
            "TOKEN-ERROR-JSON",
            "Errors are JSON with an error code",
            severity="medium",
            family="token_endpoint",
            rfc=("RFC 6749 §5.2",),
        ),
        requirement(
            "AC-CODE-SINGLE-USE",
            "An authorization code works once",
            severity="high",
            family="authorization_code",
            status="skipped",
            rfc=("RFC 6749 §4.1.2",),
            reason="no user login configured ([login] in the target configuration)",
            enable="Set [login] username_env/password_env and a redirect_uri in spry-target.toml.",
            checks=[],
        ),
        requirement(
            "AC-CODE-EXPIRES",
            "Authorization codes expire",
            severity="medium",
            family="authorization_code",
            status="skipped",
            rfc=("RFC 6749 §4.1.2",),
            reason="no user login configured ([login] in the target configuration)",
            enable="Set [login] username_env/password_env and a redirect_uri in spry-target.toml.",
            checks=[],
        ),
        requirement(
            "BRUTE-FORCE-THROTTLED",
            "Repeated failed client authentication is throttled",
            level="SHOULD",
            severity="medium",
            family="hardening",
            status="skipped",
            rfc=("RFC 6819 §5.1.4.2.3",),
            spry=None,
            reason="sends many requests: runs only with --aggressive",
            enable="Run with --aggressive.",
            checks=[],
        ),
        requirement(
            "BEARER-HEADER",
            "The resource accepts the token in the Authorization header",
            severity="high",
            family="bearer",
            rfc=("RFC 6750 §2.1",),
        ),
    ]
    counts = {s: sum(1 for r in requirements if r["status"] == s)
              for s in ("passed", "failed", "warning", "skipped", "error", "waived")}  # fmt: skip
    manifest = {
        "tool": {"name": "spry-conformance", "version": "0.1.0"},
        "catalogue_version": "2026.11.1",
        "target": {"base_url": BASE, "embedded": False, "faults": []},
        "profile": "spry", "budget": "certification", "strict": False, "aggressive": False, "seed": 1234,
        "config_hash": "sha256:9f2c4e0d5b7a1c3e8f6d2b4a0c9e7f1d3b5a7c9e1f3d5b7a9c1e3f5d7b9a1c3e",
        "started_at": "2026-11-28T12:00:00Z", "finished_at": "2026-11-28T12:00:12Z", "duration_s": 12.3,
        "requests_sent": 812, "python": "3.11.7",
        **(manifest_extra or {}),
    }  # fmt: skip
    return {
        "tool": manifest["tool"], "target": {"base_url": BASE}, "profile": "spry",
        "started_at": manifest["started_at"], "duration_s": 12.3, "requests_sent": 812, "seed": 1234,
        "verdict": "fail", "counts": counts, "requirements": requirements, "manifest": manifest,
    }  # fmt: skip
