"""In-memory state: codes, grants (refresh-token families), refresh tokens, revocations,
login sessions and the demo patients.

Check-then-act sequences that must be atomic (redeeming a code, rotating a refresh token) are run
by the grant modules while holding :attr:`Store.lock` (re-entrant: helpers below take it too).
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .registry import Identity

MAX_PATIENTS = 10_000
"""Demo patients kept in memory."""

_SYLLABLES = ("zor", "vex", "quil", "mab", "tyr", "uln", "pex", "rav", "siv", "dox", "kel", "yra")


def synthetic_patient(organisation: int) -> dict[str, Any]:
    """A patient no one is: random syllables, a birth date in 1930-2009, a `SYN-` medical record number."""
    pick = secrets.SystemRandom()

    def name() -> str:
        return "".join(pick.choice(_SYLLABLES) for _ in range(3)).capitalize()

    return {
        "first_name": name(),
        "last_name": name(),
        "date_of_birth": f"{pick.randrange(1930, 2010)}-{pick.randrange(1, 13):02d}-{pick.randrange(1, 29):02d}",
        "medical_record_number": f"SYN-{pick.randrange(10**9, 10**10)}",
        "organisation_id": organisation,
    }


SESSION_LIFETIME = 600.0
SWEEP_INTERVAL = 60.0  # seconds of server time between sweeps of stale codes and login sessions
MAX_ISSUED_KEPT = 100_000
"""Seconds a login session (a pending authorization request) lives."""


@dataclass
class Grant:
    """One authorization grant and everything issued from it: a refresh-token family (RFC 9700 §4.14.2)."""

    id: str
    client_id: str
    identity: Identity
    scope: frozenset[str]
    created_at: float
    revoked: bool = False
    access_jtis: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    last_access_token: str | None = None


@dataclass
class RefreshToken:
    """A refresh token: bound to its client, its family and the scope of the original grant (RFC 6749 §6)."""

    token: str
    grant_id: str
    client_id: str
    scope: frozenset[str]
    used: bool = False


@dataclass
class AuthorizationCode:
    """An authorization code (RFC 6749 §4.1.2) with what it is bound to (§4.1.3, RFC 7636 §4.4)."""

    code: str
    client_id: str
    redirect_uri: str | None
    scope: frozenset[str]
    identity: Identity
    challenge: str | None
    method: str | None
    expires_at: float
    used: bool = False
    grant_ids: list[str] = field(default_factory=list)


@dataclass
class PendingAuthorization:
    """A validated authorization request waiting for login and consent."""

    client_id: str
    redirect_uri: str | None
    target: str
    response_type: str
    scope: frozenset[str]
    state: str | None
    challenge: str | None
    method: str | None


@dataclass
class LoginSession:
    """The browser session that carries a pending request through login and consent."""

    sid: str
    csrf: str
    pending: PendingAuthorization
    created_at: float
    username: str | None = None


class Store:
    """All mutable server state, in memory."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.codes: dict[str, AuthorizationCode] = {}
        self.grants: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.revoked_jtis: set[str] = set()
        #: The codes and tokens this server issued, newest last, for leak tests (never served over HTTP);
        #: bounded, so a long-running stand-in does not grow without end.
        self.issued: deque[str] = deque(maxlen=MAX_ISSUED_KEPT)
        self.sessions: dict[str, LoginSession] = {}
        self._next_sweep = {"codes": 0.0, "sessions": 0.0}
        self.patients: deque[dict[str, Any]] = deque(maxlen=MAX_PATIENTS)
        self._counter = 0
        self._patient_ids = itertools.count(1)

    def next_counter(self) -> int:
        """A process-wide sequence number (only the ``low-entropy-refresh`` fault uses it)."""
        with self.lock:
            self._counter += 1
            return self._counter

    def add_patient(self, patient: dict[str, Any]) -> dict[str, Any]:
        """Keep a created patient (the oldest are forgotten beyond :data:`MAX_PATIENTS`)."""
        with self.lock:
            record = {"id": next(self._patient_ids), **patient}
            self.patients.append(record)
        return record

    def seed_patients(self, count: int, organisations: list[int]) -> None:
        """`count` synthetic patients per organisation: made-up names, birth dates and record numbers."""
        for organisation in organisations:
            for _ in range(count):
                self.add_patient(synthetic_patient(organisation))

    # Grants and tokens.
    def new_grant(self, client_id: str, identity: Identity, scope: frozenset[str], now: float) -> Grant:
        """Record a new authorization grant (a new refresh-token family)."""
        grant = Grant(secrets.token_urlsafe(16), client_id, identity, scope, now)
        with self.lock:
            self.grants[grant.id] = grant
        return grant

    def add_refresh_token(self, grant: Grant, token: str, client_id: str, scope: frozenset[str]) -> None:
        """Record a refresh token of ``grant``'s family."""
        with self.lock:
            self.issued.append(token)
            self.refresh_tokens[token] = RefreshToken(token, grant.id, client_id, scope)
            grant.refresh_tokens.add(token)

    def record_access_token(self, grant: Grant | None, jti: str, token: str) -> None:
        """Remember which family an access token belongs to, so it can be revoked with it."""
        with self.lock:
            self.issued.append(token)
        if grant is None:
            return
        with self.lock:
            grant.access_jtis.add(jti)
            grant.last_access_token = token
            if grant.revoked:  # revoked while this token was being issued
                self.revoked_jtis.add(jti)

    def revoke_grant(self, grant_id: str) -> None:
        """Revoke a family: its refresh tokens die and its access tokens' jtis are revoked."""
        with self.lock:
            grant = self.grants.get(grant_id)
            if grant is not None:
                grant.revoked = True
                self.revoked_jtis.update(grant.access_jtis)

    def is_revoked(self, jti: str) -> bool:
        """Whether the access token with this jti was revoked."""
        with self.lock:
            return jti in self.revoked_jtis

    # Codes.
    def add_code(self, code: AuthorizationCode, now: float) -> None:
        """Store a new code, dropping expired unused ones."""
        with self.lock:
            if self._sweep_due("codes", now):
                for stale in [c for c, rec in self.codes.items() if rec.expires_at + 86400 < now]:
                    del self.codes[stale]
            self.codes[code.code] = code
            self.issued.append(code.code)

    # Login sessions.
    def new_session(self, pending: PendingAuthorization, now: float) -> LoginSession:
        """Open a login session for a validated authorization request."""
        session = LoginSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), pending, now)
        with self.lock:
            if self._sweep_due("sessions", now):
                for stale in [
                    s for s, rec in self.sessions.items() if rec.created_at + SESSION_LIFETIME < now
                ]:
                    del self.sessions[stale]
            self.sessions[session.sid] = session
        return session

    def _sweep_due(self, what: str, now: float) -> bool:
        """Whether to drop stale `what` now: at most once a minute of server time, so that adding one is O(1)
        amortised however many are stored (expiry is still checked on every use)."""
        if now < self._next_sweep[what]:
            return False
        self._next_sweep[what] = now + SWEEP_INTERVAL
        return True

    def session(self, sid: str | None, now: float) -> LoginSession | None:
        """The live session with id ``sid``, if any."""
        with self.lock:
            session = self.sessions.get(sid or "")
        if session is None or session.created_at + SESSION_LIFETIME < now:
            return None
        return session

    def replace_session(self, old: LoginSession, username: str) -> LoginSession:
        """Give a logged-in session a new id and CSRF token (session-fixation defence)."""
        new = LoginSession(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32), old.pending, old.created_at, username
        )
        with self.lock:
            self.sessions.pop(old.sid, None)
            self.sessions[new.sid] = new
        return new

    def drop_session(self, sid: str) -> None:
        """End a session (after consent is given or denied)."""
        with self.lock:
            self.sessions.pop(sid, None)

    def rotate_csrf(self, session: LoginSession) -> None:
        """Give the session a fresh CSRF token (after a failed login)."""
        with self.lock:
            session.csrf = secrets.token_urlsafe(32)
