"""The grant-lifecycle model (conformance.generated.lifecycle_model.Lifecycle), without a server.

Each test tells the model what a target answered and checks what it judged: the rule held, the rule
was broken, or nothing was judged (the model never accuses what it cannot know).
"""

from __future__ import annotations

from conformance.config import Client
from conformance.generated.lifecycle_model import MUST, SHOULD, Answer, Code, Judgement, Lifecycle, Token

OWNER = Client(
    "primary", "app", "s1", ("read", "write"), ("authorization_code", "refresh_token"), "https://c/cb"
)
OTHER = Client("secondary", "other", "s2", ("read",), ("authorization_code", "refresh_token"), "https://o/cb")

REFUSED = Answer(ok=False, outcome="HTTP 400 invalid_grant")


def issued(access: str = "at", refresh: str | None = "rt", scope: frozenset[str] | None = None,
           expires_in: int | None = 60) -> Answer:  # fmt: skip
    return Answer(ok=True, outcome="HTTP 200", access_token=access, refresh_token=refresh, expires_in=expires_in,
                  stated_scope=scope)  # fmt: skip


def model() -> Lifecycle:
    return Lifecycle(OWNER.scopes, lifetime=3600, skew=0)


def redeemed(m: Lifecycle, scope: frozenset[str] = frozenset({"read", "write"})) -> tuple[Code, Token, Token]:
    code = m.authorized(scope, OWNER, "the-code")
    assert code is not None
    assert m.redeemed_code(code, OWNER, issued()) == []  # a first redemption judges nothing
    return code, m.access[-1], m.refresh_tokens[-1]


def problems(judgements: list[Judgement]) -> list[tuple[str, bool]]:
    return [(j.level, j.problem is not None) for j in judgements]


def test_code_is_single_use() -> None:
    m = model()
    code, _, _ = redeemed(m)
    assert problems(m.redeemed_code(code, OWNER, issued("at2", "rt2"))) == [(MUST, True)]
    assert "redeemed a second time" in (m.redeemed_code(code, OWNER, issued("at3", "rt3"))[0].problem or "")


def test_refused_replay_holds_and_marks_the_codes_tokens_for_revocation() -> None:
    m = model()
    code, access, refresh = redeemed(m)
    assert problems(m.redeemed_code(code, OWNER, REFUSED)) == [(MUST, False)]
    assert access.revoked_because == refresh.revoked_because == f"code {code.name} was replayed"
    assert problems(m.used(access, works=True, status=200)) == [(SHOULD, True)]
    assert problems(m.used(access, works=False, status=401)) == [(SHOULD, False)]


def test_code_works_only_for_its_client() -> None:
    m = model()
    code, access, _ = redeemed(m)
    assert problems(m.redeemed_code(code, OTHER, REFUSED)) == [(MUST, False)]
    assert access.family.uncertain, "a refused theft may revoke the grant: SHOULD rules no longer judged"
    fresh = m.authorized(frozenset({"read"}), OWNER, "code-2")
    assert fresh is not None and problems(m.redeemed_code(fresh, OTHER, issued("x", None))) == [(MUST, True)]


def test_refresh_token_works_only_for_its_client() -> None:
    m = model()
    _, _, refresh = redeemed(m)
    assert problems(m.refreshed(refresh, OTHER, None, issued("at2", "rt2"))) == [(MUST, True)]
    assert refresh.family.uncertain


def test_refresh_never_grants_beyond_the_original_grant() -> None:
    m = model()
    _, _, refresh = redeemed(m, frozenset({"read"}))
    wider = m.refreshed(
        refresh, OWNER, frozenset({"read", "write"}), issued("at2", "rt2", frozenset({"read", "write"}))
    )
    assert problems(wider) == [(MUST, True)]
    assert "beyond the original grant ['read']" in (wider[0].problem or "")


def test_a_refresh_within_the_grant_holds_and_rotates() -> None:
    m = model()
    _, _, refresh = redeemed(m)
    assert problems(m.refreshed(refresh, OWNER, frozenset({"read"}), issued("at2", "rt2"))) == [(MUST, False)]
    assert refresh.rotated and m.live() == [m.refresh_tokens[-1]]
    assert m.access[-1].scope == {"read"}, "no scope in the response: the requested scope was granted (§5.1)"


def test_the_same_refresh_token_again_is_no_rotation() -> None:
    m = model()
    _, _, refresh = redeemed(m)
    m.refreshed(refresh, OWNER, None, issued("at2", refresh.value))
    assert not refresh.rotated and m.live() == [refresh]


def test_a_replayed_rotated_token_revokes_the_active_one() -> None:
    m = model()
    _, _, first = redeemed(m)
    m.refreshed(first, OWNER, None, issued("at2", "rt2"))
    active = m.live()[-1]
    assert problems(m.refreshed(first, OWNER, None, REFUSED)) == [(SHOULD, False)]
    assert active.revoked_because == f"the rotated {first.name} was replayed"
    assert active.partner is not None and active.partner.revoked_because == active.revoked_because
    assert problems(m.refreshed(active, OWNER, None, issued("at3", "rt3"))) == [(MUST, False), (SHOULD, True)]


def test_a_rotated_token_that_still_works_is_a_should_finding() -> None:
    m = model()
    _, _, first = redeemed(m)
    m.refreshed(first, OWNER, None, issued("at2", "rt2"))
    assert problems(m.refreshed(first, OWNER, None, issued("at3", "rt3"))) == [(MUST, False), (SHOULD, True)]


def test_an_expired_token_is_refused() -> None:
    m = model()
    _, access, _ = redeemed(m)
    assert m.used(access, works=True, status=200) == [], "a live token that works judges nothing"
    seconds = m.expiry_wait()
    assert seconds == 3600 + 1, "the longest lifetime left (the expected 3600 s), and one second more"
    m.time_passed(seconds)
    assert problems(m.used(access, works=True, status=200)) == [(MUST, True)]
    assert problems(m.used(access, works=False, status=401)) == [(MUST, False)]


def test_an_unexpected_refusal_makes_the_family_uncertain_and_silences_should_rules() -> None:
    m = model()
    code, access, refresh = redeemed(m)
    assert m.refreshed(refresh, OWNER, None, REFUSED) == []
    assert refresh.family.uncertain and m.live() == []
    m.redeemed_code(code, OWNER, REFUSED)  # marks the tokens revoked, but the family is uncertain
    assert m.used(access, works=True, status=200) == []


def test_steps_read_as_the_evidence_shows_them() -> None:
    m = model()
    assert (
        m.authorized(frozenset({"write", "read"}), OWNER, None, failure="no code (error 'access_denied')")
        is None
    )
    code, _, _ = redeemed(m)
    assert m.steps == [
        "authorize (scope 'read write') -> no code (error 'access_denied')",
        "authorize (scope 'read write') -> code C1",
        "redeem C1 -> HTTP 200: A3 and R4 (scope ['read', 'write'])",
    ]
