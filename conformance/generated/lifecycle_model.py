"""The grant-lifecycle model: what was issued from what, and what each step allows.

`Lifecycle` is pure bookkeeping (tested without a server, `tests/generated/test_lifecycle.py`): told
what the target answered to each step, it returns the judgements that step allows, at two levels:

- MUST (`FUZZ-LIFECYCLE`): a code is redeemed at most once (RFC 6749 §4.1.2: "MUST NOT use the
  authorization code more than once"), a code or refresh token works only for the client it was issued
  to (§4.1.3, §6), a refresh grants nothing beyond the original grant (§6), and no access token works
  past its expiry (§5.1 `expires_in`, RFC 6750 §3.1 `invalid_token`).
- SHOULD (`FUZZ-LIFECYCLE-REVOCATION`): what a replay revokes stops working (§4.1.2: the server
  "SHOULD revoke (when possible) all tokens previously issued based on that authorization code";
  RFC 9700 §4.14.2: a replayed rotated refresh token revokes the active one).

Where the target does something the model cannot follow (it refused a step the model expected to
work, or may have revoked a grant on a stolen attempt), the family is marked uncertain and its SHOULD
rules are no longer judged: the model never accuses a server of what it cannot know.

The state machine that walks the model on a target is `conformance.generated.lifecycle`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from conformance.config import Client
from conformance.flows.token import TokenResponse
from conformance.http import Response

MUST = "FUZZ-LIFECYCLE"
SHOULD = "FUZZ-LIFECYCLE-REVOCATION"


@dataclass
class Family:
    """Everything issued from one redeemed code."""

    name: str
    client: Client
    granted: frozenset[str]
    uncertain: bool = False  # the server did something the model cannot follow: SHOULD rules not judged


@dataclass
class Code:
    name: str
    value: str
    client: Client
    requested: frozenset[str]
    redemptions: int = 0
    families: list[Family] = field(default_factory=list)


@dataclass
class Token:
    name: str
    value: str
    family: Family
    scope: frozenset[str]
    expires_at: float = float("inf")  # model seconds
    rotated: bool = False  # refresh tokens: a newer one was issued for it
    partner: Token | None = None  # refresh tokens: the access token issued with it
    revoked_because: str | None = None  # the server SHOULD have revoked it, and why


@dataclass(frozen=True)
class Answer:
    """What the target answered to one token request, as the model needs it."""

    ok: bool
    outcome: str  # "HTTP 200", "HTTP 400 invalid_grant"
    access_token: str = ""
    refresh_token: str | None = None
    expires_in: int | None = None
    stated_scope: frozenset[str] | None = None  # the response's `scope` member, when it has one

    @classmethod
    def of(cls, answer: TokenResponse) -> Answer:
        return cls(
            ok=answer.ok,
            outcome=outcome(answer),
            access_token=answer.access_token or "",
            refresh_token=answer.refresh_token,
            expires_in=answer.expires_in if isinstance(answer.expires_in, int) else None,
            stated_scope=frozenset(answer.scopes) if answer.scope is not None else None,
        )


@dataclass(frozen=True)
class Judgement:
    """One rule judged on one step: `problem` is None when it held."""

    level: str
    problem: str | None = None


def outcome(answer: TokenResponse | Response) -> str:
    error = getattr(answer, "error", None)
    return f"HTTP {answer.status}" + (f" {error}" if error else "")


class Lifecycle:
    """One walk through the grant lifecycle: the codes, families and tokens, and the steps so far."""

    def __init__(
        self, scopes: Sequence[str], *, lifetime: int, skew: int, names: Iterator[int] | None = None
    ) -> None:
        self.scopes = list(scopes)  # the client's registered scopes, in their configured order
        self.lifetime = lifetime  # the expected access-token lifetime, when a response states none
        self.skew = skew
        self._names = names if names is not None else itertools.count(1)
        self.codes: list[Code] = []
        self.access: list[Token] = []
        self.refresh_tokens: list[Token] = []
        self.now = 0.0  # model seconds
        self.steps: list[str] = []
        self.authorizations = 0
        self.moves = 0

    def spell(self, scope: frozenset[str] | None) -> str | None:
        return None if scope is None else " ".join(name for name in self.scopes if name in scope)

    def live(self) -> list[Token]:
        return [t for t in self.refresh_tokens if not t.rotated and not t.family.uncertain]

    def rotated(self) -> list[Token]:
        return [t for t in self.refresh_tokens if t.rotated]

    def unredeemed(self) -> list[Code]:
        return [c for c in self.codes if not c.redemptions]

    def redeemed(self) -> list[Code]:
        return [c for c in self.codes if c.redemptions]

    # Steps: each records what happened and returns what it judged ---------------------------------

    def authorized(
        self, scope: frozenset[str], client: Client, code: str | None, *, failure: str = ""
    ) -> Code | None:
        """An authorization request came back with a code, with an error (`failure`), or not at all."""
        self.authorizations += 1
        spelled = self.spell(scope)
        if code is None:
            self.steps.append(f"authorize (scope {spelled!r}) -> {failure}")
            return None
        issued = Code(self._name("C"), code, client, scope)
        self.codes.append(issued)
        self.steps.append(f"authorize (scope {spelled!r}) -> code {issued.name}")
        return issued

    def redeemed_code(self, code: Code, by: Client, answer: Answer) -> list[Judgement]:
        """RFC 6749 §4.1.2, §4.1.3: a code is redeemed once, by the client it was issued to."""
        if by.client_id != code.client.client_id:
            self.steps.append(f"redeem {code.name} as the {by.name} client -> {answer.outcome}")
            for family in code.families:  # a server may revoke on a refused attempt: not judged after
                family.uncertain = True
            problem = f"code {code.name}, issued to the {code.client.name} client, was redeemed by the {by.name} client"
            return [Judgement(MUST, problem if answer.ok else None)]
        verb = "replay" if code.redemptions else "redeem"
        if not answer.ok:
            self.steps.append(f"{verb} {code.name} -> {answer.outcome}")
            if not code.redemptions:
                return []
            for token in self.access + self.refresh_tokens:  # a refused replay: its tokens should be revoked
                if any(token.family is f for f in code.families) and token.revoked_because is None:
                    token.revoked_because = f"code {code.name} was replayed"
            return [Judgement(MUST)]
        family = Family(self._name("F"), by, answer.stated_scope or code.requested)
        access, fresh = self._issue(answer, family, self.spell(code.requested))
        self.steps.append(
            f"{verb} {code.name} -> {answer.outcome}: {access.name}"
            + (f" and {fresh.name}" if fresh else "")
            + f" (scope {sorted(access.scope)})"
        )
        judged = [Judgement(MUST, f"code {code.name} was redeemed a second time")] if code.redemptions else []
        code.redemptions += 1
        code.families.append(family)
        return judged

    def refreshed(
        self, token: Token, by: Client, scope: frozenset[str] | None, answer: Answer
    ) -> list[Judgement]:
        """RFC 6749 §6: a refresh token works for its client only, and grants nothing beyond the original grant."""
        spelled = self.spell(scope)
        asked = f"scope {spelled!r}" if spelled else "no scope"
        family = token.family
        if by.client_id != family.client.client_id:
            self.steps.append(f"refresh {token.name} as the {by.name} client ({asked}) -> {answer.outcome}")
            family.uncertain = True
            problem = (
                f"refresh token {token.name}, issued to the {family.client.name} client, "
                f"was used by the {by.name} client"
            )
            return [Judgement(MUST, problem if answer.ok else None)]
        if not answer.ok:
            self.steps.append(f"refresh {token.name} ({asked}) -> {answer.outcome}")
            if token.rotated and not family.uncertain:  # a replayed rotated token: the active ones should die
                why = f"the rotated {token.name} was replayed"
                for active in self.refresh_tokens:
                    if active.family is family and not active.rotated:
                        active.revoked_because = active.revoked_because or why
                        if active.partner is not None:
                            active.partner.revoked_because = active.partner.revoked_because or why
                return [Judgement(SHOULD)]
            if token.revoked_because and not family.uncertain:
                return [Judgement(SHOULD)]
            if scope is None or scope <= family.granted:
                family.uncertain = True  # a refresh the model expected to work was refused
            return []
        access, fresh = self._issue(answer, family, spelled)
        granted = access.scope
        if fresh is not None and fresh.value == token.value:  # the same refresh token again: no rotation
            self.refresh_tokens.remove(fresh)
            fresh = None
        self.steps.append(
            f"refresh {token.name} ({asked}) -> {answer.outcome}: {access.name}"
            + (f" and {fresh.name}" if fresh else "")
            + f" (scope {sorted(granted)})"
        )
        beyond = (
            f"the refresh of {token.name} ({asked}) granted {sorted(granted)}, beyond the original grant "
            f"{sorted(family.granted)}"
        )
        judged = [Judgement(MUST, None if granted <= family.granted else beyond)]
        if not family.uncertain and (token.rotated or token.revoked_because):
            why = "it was rotated" if token.rotated else str(token.revoked_because)
            judged.append(Judgement(SHOULD, f"refresh token {token.name} still works, although {why}"))
        if fresh is not None:
            token.rotated = True
        return judged

    def used(self, token: Token, works: bool, status: int) -> list[Judgement]:
        """RFC 6750 §3.1: an expired token is refused; and what a replay revoked should be refused."""
        self.steps.append(f"use {token.name} -> HTTP {status}")
        if self.now >= token.expires_at + self.skew:
            late = self.now - token.expires_at
            return [
                Judgement(
                    MUST, f"access token {token.name} worked {late:.0f} s after it expired" if works else None
                )
            ]
        if token.revoked_because and not token.family.uncertain:
            problem = f"access token {token.name} still works, although {token.revoked_because}"
            return [Judgement(SHOULD, problem if works else None)]
        return []

    def expiry_wait(self) -> float:
        """Seconds after which every access token issued so far has expired (with the clock skew allowed)."""
        left = [t.expires_at - self.now for t in self.access if t.expires_at != float("inf")]
        return max(1.0, max([self.lifetime, *left])) + self.skew + 1

    def time_passed(self, seconds: float) -> None:
        self.now += seconds
        self.moves += 1
        self.steps.append(f"let {seconds:.0f} s pass")

    # Bookkeeping ----------------------------------------------------------------------------------

    def _name(self, kind: str) -> str:
        return f"{kind}{next(self._names)}"

    def _issue(self, answer: Answer, family: Family, requested: str | None) -> tuple[Token, Token | None]:
        """RFC 6749 §5.1: the granted scope is the response's `scope`, else the scope requested."""
        stated = answer.stated_scope
        if stated is None and requested is not None:
            stated = frozenset(requested.split())
        granted = stated or family.granted
        lifetime = answer.expires_in if answer.expires_in is not None else self.lifetime
        access = Token(self._name("A"), answer.access_token, family, granted, self.now + lifetime)
        self.access.append(access)
        fresh = None
        if answer.refresh_token:
            fresh = Token(self._name("R"), answer.refresh_token, family, family.granted, partner=access)
            self.refresh_tokens.append(fresh)
        return access, fresh
