"""Evidence: every exchange with the target, masked at capture, attached to the check that made it."""

from __future__ import annotations

import shlex
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from conformance.shape import redact_body, shape_of_body

MAX_BODY_CHARS = 2000  # per body in evidence; the rest is cut with a note
MAX_EXCHANGES = 40  # per check: the first ones and the last ones are kept


@dataclass(frozen=True)
class Exchange:
    """One request and its response (or transport error), already masked."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: str
    status: int | None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: str = ""
    elapsed_ms: float = 0.0
    error: str | None = None
    #: who reported an exchange the suite did not observe itself (a login command's, `login.reported`)
    reported_by: str | None = None

    def summary(self) -> str:
        """A few readable lines: what was sent, what came back."""
        lines = [f"({self.reported_by})"] if self.reported_by else []
        lines.append(f"> {self.method} {self.url}")
        lines += [f"> {name}: {value}" for name, value in self.request_headers if _shown(name)]
        if self.request_body:
            lines.append(f"> {self.request_body}")
        if self.error:
            lines.append(f"< (no response: {self.error})")
        else:
            lines.append(f"< {self.status}")
            lines += [f"< {name}: {value}" for name, value in self.response_headers if _shown(name)]
            if self.response_body:
                lines.append(f"< {self.response_body}")
        return "\n".join(lines)

    def as_curl(self) -> str:
        """The request as a curl command (masked values stay masked)."""
        parts = ["curl", "-i", "-X", self.method]
        for name, value in self.request_headers:
            if name.lower() not in {"host", "content-length", "user-agent", "accept-encoding", "connection"}:
                parts += ["-H", f"{name}: {value}"]
        if self.request_body:
            parts += ["--data-raw", self.request_body]
        parts.append(self.url)
        return " ".join(shlex.quote(p) for p in parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.reported_by is None:  # the suite's own exchanges (nearly all) keep their shape
            del data["reported_by"]
        data["curl"] = self.as_curl()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        data = {k: v for k, v in data.items() if k != "curl"}
        data["request_headers"] = [tuple(h) for h in data["request_headers"]]
        data["response_headers"] = [tuple(h) for h in data["response_headers"]]
        return cls(**data)


def clip(text: str, limit: int = MAX_BODY_CHARS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


def _shown(header: str) -> bool:
    return header.lower() in {
        "authorization",
        "content-type",
        "location",
        "www-authenticate",
        "cache-control",
        "pragma",
        "retry-after",
        "cookie",
        "set-cookie",
        "origin",
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "x-frame-options",
        "content-security-policy",
        "strict-transport-security",
    }


@dataclass(frozen=True)
class Deviation:
    """A format deviation a check saw while it judged another property.

    A refusal check decides its own requirement by what was issued; when the refusal itself is not in
    the RFC's form (an empty 403 instead of a §5.2 error), the deviation is recorded here for the format
    requirement that owns it (`TOKEN-ERROR-BODY`): one server trait becomes one finding, listing every
    occurrence, not twenty breaches.
    """

    requirement: str
    problem: str
    exchange: Exchange

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "problem": self.problem, "exchange": self.exchange.to_dict()}


@dataclass(frozen=True)
class BodyPolicy:
    """What of a response body the evidence keeps (data minimisation).

    Bodies from the OAuth endpoints (token, refresh, authorize, the metadata and key set) are kept, masked.
    Any other body (the resource endpoints: patient records) is kept as its shape only: the status, the
    Spry envelope's `code` and `message`, and the JSON structure with types and lengths but no values,
    unless `keep_bodies` (`--keep-bodies`). `redact` (the target file's `[evidence] redact`) names fields
    dropped from every JSON body, kept or not.
    """

    oauth_paths: tuple[str, ...] = ()
    keep_bodies: bool = False
    redact: tuple[str, ...] = ()

    def is_oauth(self, url: str) -> bool:
        path = urlsplit(url).path or "/"
        return path.startswith("/.well-known/") or any(
            path == p.rstrip("/") or path == p for p in self.oauth_paths
        )

    def kept(self, exchange: Exchange) -> Exchange:
        """The exchange as the evidence keeps it."""
        body = exchange.response_body
        if not body:
            return exchange
        if not self.keep_bodies and not self.is_oauth(exchange.url):
            body = shape_of_body(redact_body(body, self.redact))
        elif self.redact:
            body = redact_body(body, self.redact)
        return exchange if body == exchange.response_body else replace(exchange, response_body=body)


def trail(exchanges: Iterable[Exchange]) -> list[dict[str, Any]]:
    """What a passed check sent, one line each (`GET /v2/patients -> 200`): no header, body or query."""
    return [
        {
            "trail": f"{e.method} {urlsplit(e.url).path or '/'} -> {e.status if e.status is not None else 'no response'}"
            + (f" ({e.reported_by})" if e.reported_by else "")
        }
        for e in exchanges
    ]


class Recorder:
    """Collects the exchanges of the check that is running in this process."""

    #: what of each body the evidence keeps: a run sets its policy once the target is known
    #: (conformance.plugin.start.body_policy); a bare Recorder (the project's own tests) keeps bodies whole
    policy: BodyPolicy = BodyPolicy(keep_bodies=True)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []
        self._dropped = 0
        self._dropped_reported = 0  # of those left out, exchanges the suite did not send (`reported_by`)
        self._deviations: list[Deviation] = []
        self._notes: list[dict[str, Any]] = []

    def deviate(self, requirement: str, problem: str, exchange: Exchange) -> None:
        """Record a format deviation seen by a check that judges something else (see `Deviation`)."""
        with self._lock:
            self._deviations.append(Deviation(requirement, problem, exchange))

    def note(self, text: str, **fields: str) -> None:
        """A note for the running check's evidence (`{"note": text, **fields}`: a login's screenshot, a
        login command's report that could not be read); the caller masks it."""
        with self._lock:
            self._notes.append({"note": text, **fields})

    def take_notes(self) -> list[dict[str, Any]]:
        with self._lock:
            taken, self._notes = self._notes, []
            return taken

    def take_deviations(self) -> list[Deviation]:
        with self._lock:
            taken, self._deviations = self._deviations, []
            return taken

    def evidence(self, status: str, exchanges: list[Exchange]) -> list[dict[str, Any]]:
        """The evidence a check's result keeps: each exchange for a finding, a one-line trail for a pass."""
        if status in {"passed", "skipped"}:
            return trail(exchanges)
        return [e.to_dict() for e in exchanges]

    def kept(self, exchange: Exchange) -> Exchange:
        """The exchange minimised by this run's policy, once, where it is captured (conformance/http)."""
        return self.policy.kept(exchange)

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            if len(self._exchanges) >= MAX_EXCHANGES:
                # keep the first half and a sliding window of the last ones
                left_out = self._exchanges.pop(MAX_EXCHANGES // 2)
                self._dropped += 1
                self._dropped_reported += left_out.reported_by is not None
            self._exchanges.append(exchange)

    def take(self) -> tuple[list[Exchange], int]:
        """The exchanges since the last take, and how many were left out."""
        with self._lock:
            taken, dropped = self._exchanges, self._dropped
            self._exchanges, self._dropped, self._dropped_reported = [], 0, 0
            return taken, dropped

    def sent(self) -> int:
        """How many requests of the exchanges since the last take the suite sent itself (left out ones
        included): a login command's reported requests are evidence, not the suite's requests."""
        with self._lock:
            kept = sum(e.reported_by is None for e in self._exchanges)
            return kept + self._dropped - self._dropped_reported
