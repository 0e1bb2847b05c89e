"""Judges of JWT access tokens (RFC 8725, RFC 7519, RFC 7515, RFC 7518).

Pure: each reads the resource's recorded answers to forged tokens (never the forged tokens themselves:
a forgery is named by its label) or the claims of an issued token, and returns a `Finding`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from conformance.findings import Evidence, Finding, judged
from conformance.flows.jwt import WEAK_SECRETS_FILE, CrackResult
from conformance.judges.answers import Answered, is_success
from conformance.verdict import describe


def ensure_forgeries_refused(answers: Sequence[tuple[str, Answered]], wanted: str) -> Finding:
    """RFC 6749 §7: the resource server "MUST validate the access token"; RFC 7515 §5.2: "If validation fails,
    the JWS MUST be rejected". Every forged token (labelled by what was changed) is refused: not a 2xx."""
    accepted = [answer for _, answer in answers if is_success(answer)]
    listing = "; ".join(
        f"{label}: HTTP {answer.status}{' (ACCEPTED)' if is_success(answer) else ''}"
        for label, answer in answers
    )
    return judged(not accepted, wanted, *accepted, observed=listing)


def ensure_key_is_no_weak_secret(alg: str, result: CrackResult, candidates: int, issued: Evidence) -> Finding:
    """RFC 8725 §3.5: "human-memorizable passwords MUST NOT be directly used as the key to a keyed-MAC
    algorithm such as "HS256""; RFC 7518 §3.2. `candidates` counts the dictionary's entries (the empty key
    is tried first, as entry 0)."""
    if result.index == 0:
        where = "the empty key"
    else:
        where = (f"entry #{result.index} of the {candidates} entries of conformance/data/{WEAK_SECRETS_FILE} "
                 f"(comment lines not counted; {len(result.key or b'')} characters)")  # fmt: skip
    return judged(not result.found, f"the {alg} signature verifies with none of {candidates + 1} weak secrets",
                  issued, observed=f"the {alg} signature of an issued token verifies with {where}")  # fmt: skip


def ensure_numeric_exp(claims: dict[str, Any], issued: Evidence) -> Finding:
    """Spry guide: "Access tokens expire after 1 hour"; RFC 7519 §4.1.4 exp; RFC 9068 §2.2 (exp REQUIRED)."""
    exp = claims.get("exp")
    numeric = isinstance(exp, int | float) and not isinstance(exp, bool)
    return judged(numeric, "a numeric exp claim (NumericDate)", issued,
                  observed=f"exp {describe(exp) if 'exp' in claims else '(absent)'}; "
                  f"claims present: {', '.join(sorted(claims))}")  # fmt: skip


#: Claim names that are credentials by definition (RFC 6749's parameter names).
CREDENTIAL_CLAIMS = frozenset({"client_secret", "password", "passwd", "pwd", "refresh_token", "code_verifier",
                               "secret"})  # fmt: skip


def claim_strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(claim path, string) for every string in a JSON value, keys included."""
    if isinstance(value, str):
        return [(path or "(payload)", value)]
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found.append((where + " (name)", str(key)))
            found += claim_strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += claim_strings(item, f"{path}[{index}]")
    return found


def _holds(text: str, secret: str) -> bool:
    """A secret of 8 characters or more counts anywhere in a string; a shorter one only as the whole string."""
    return secret in text if len(secret) >= 8 else text == secret


def ensure_payload_holds_no_secrets(claims: dict[str, Any], known: Sequence[tuple[str, str]],
                                    issued: Evidence) -> Finding:  # fmt: skip
    """RFC 7519 §12: "measures MUST be taken to prevent disclosure of this information to unintended parties";
    RFC 6749 §10.4: refresh tokens are shared "only among the authorization server and the client". `known` is
    (what it is, its value) for each secret the suite knows; values never reach the finding."""
    leaks = [
        f"{where} holds {label}"
        for where, text in claim_strings(claims)
        for label, value in known
        if _holds(text, value)
    ]
    leaks += [
        f"claim {name!r} is present ({len(value) if isinstance(value, str) else type(value).__name__} "
        f"{'characters' if isinstance(value, str) else ''})".replace(" )", ")")
        for name, value in claims.items()
        if name.lower() in CREDENTIAL_CLAIMS and value not in (None, "")
    ]  # fmt: skip
    return judged(not leaks, "no client secret, password or refresh token in the readable payload", issued,
                  observed="; ".join(dict.fromkeys(leaks)) + " (values not shown)")  # fmt: skip


def ensure_distinct_jti(jtis: Sequence[object], *issued: Evidence) -> Finding:
    """RFC 7519 §4.1.7: the jti value "MUST be assigned in a manner that ensures that there is a negligible
    probability that the same value will be accidentally assigned to a different data object"."""
    distinct = len({json.dumps(j) for j in jtis})
    return judged(distinct == len(jtis), "three tokens, three different jti values", *issued,
                  observed=f"{len(jtis)} tokens carry {distinct} distinct jti value(s)")  # fmt: skip


def ensure_artefact_refused_as_bearer(answer: Answered, artefact: str, wanted: str) -> Finding:
    """RFC 6749 §1.5: refresh tokens "are never sent to resource servers"; §7: the resource server "MUST
    validate the access token"; RFC 8725 §3.12: one kind of token never validates as another. `artefact`
    names what was presented (never its value)."""
    return judged(not is_success(answer), wanted, answer,
                  observed=f"{artefact} as Authorization: Bearer: HTTP {answer.status} (ACCEPTED)")  # fmt: skip
