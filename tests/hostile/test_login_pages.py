"""Login pages the suite cannot use: no form at all, or two login forms it cannot choose between.

The rule (conformance/login/): the suite fills the one login form a page has, as a browser
user would; a page with no form, or with two forms that both take the password, ends the walk with
a LoginError naming the page and what is wrong, and the password goes nowhere. The checks that
need the user's authorization then end `error` saying so; every other check keeps its result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import AUTHORIZE_PATH, Wrapped, requirements, run_against
from .middleware import on_route, rewrite_html

FORM = re.compile(r"<form\b.*?</form>", re.S)


def _without_form(page: str) -> str:
    return FORM.sub("<p>Sign-in is temporarily unavailable.</p>", page)


def _with_two_forms(page: str) -> str:
    return FORM.sub(lambda match: match.group(0) + "\n" + match.group(0), page)


#: name -> (how the login page is changed, what the login checks' message must say)
PAGES: dict[str, tuple[Callable[[str], str], str]] = {
    "no-form": (_without_form, "no form on the page (200, text/html); title 'Sign in - Spry'"),
    "two-forms": (_with_two_forms, "2 forms with a 'password' field: cannot tell the login form"),
}
LOGIN_CHECKS = ["AC-LOGIN-REDIRECT", "AC-PKCE-S256", "RT-DOCUMENTED-ENDPOINT"]
#: the login page is still served (its headers), and the checks that need no login keep passing
OTHERS = ["CC-SUCCESS", "AC-UNKNOWN-CLIENT-NO-REDIRECT", "SEC-ANTI-FRAMING", "BEARER-HEADER-ACCEPTED"]


def _login_page(change: Callable[[str], str]) -> Callable[..., object]:
    return on_route("GET", AUTHORIZE_PATH, rewrite_html(change))


@pytest.mark.parametrize("page", sorted(PAGES))
def test_unusable_login_page_errors_the_login_checks_naming_it(
    page: str, tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """The login checks end `error`, naming the page and what is wrong with it; the password is sent
    nowhere and shown nowhere; the checks that need no login pass."""
    change, named = PAGES[page]
    served = reference_target(_login_page(change))
    outcome = run_against(tmp_path, served.base_url, served.env, *requirements(*LOGIN_CHECKS, *OTHERS))
    statuses = outcome.statuses()
    assert {r: statuses[r] for r in LOGIN_CHECKS} == dict.fromkeys(LOGIN_CHECKS, "error"), outcome.explain()
    assert {r: statuses[r] for r in OTHERS} == dict.fromkeys(OTHERS, "passed"), outcome.explain()
    errors = outcome.messages("error")
    for check, message in errors.items():
        assert "could not get through the login pages" in message and named in message, (check, message)
    leaked = served.secrets["user"] in outcome.reports_text() + outcome.output
    assert not leaked, "the user's password reached a report or the output"  # the value is never printed
    assert outcome.code == 1
    assert outcome.seconds < 60, outcome.explain()


def test_login_page_without_form_keeps_every_other_result(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """A whole run against a server whose login page has no form: every check that cannot run
    says so ("no form on the page"); the checks that need no login keep passing.

    The checks that walk the login pages with an unusual request first try a plain one
    (`usable_login`): none of them is reported as failed because of the page.
    """
    served = reference_target(_login_page(_without_form))
    outcome = run_against(tmp_path, served.base_url, served.env)
    statuses = outcome.statuses()
    unusable = {**outcome.messages("error"), **outcome.messages("failed")}
    assert unusable, outcome.explain()
    unnamed = [check for check, message in unusable.items()
               if "no form on the page" not in message and not _lifecycle_check(check)]  # fmt: skip
    assert not unnamed, {check: unusable[check][-600:] for check in unnamed}
    assert statuses["AC-LOGIN-REDIRECT"] == "error", outcome.explain()
    assert not [r for r, s in statuses.items() if s == "warning"], outcome.explain()
    for untouched in ("CC-SUCCESS", "SCOPE-READ-ONLY-CANNOT-WRITE", "JWT-SIGNATURE-VERIFIED", "SEC-ANTI-FRAMING",
                      "AC-REDIRECT-MISMATCH-NO-REDIRECT", "FUZZ-TOKEN-NO-5XX"):  # fmt: skip
        assert statuses[untouched] == "passed", (untouched, statuses[untouched])
    assert len([s for s in statuses.values() if s == "passed"]) >= 70, outcome.explain()
    assert not outcome.messages("failed"), sorted(
        outcome.messages("failed")
    )  # no rule is blamed for the page
    assert outcome.code == 1
    assert outcome.seconds < 120, outcome.explain()


def _lifecycle_check(check: str) -> bool:
    return (
        "test_properties.py::test_grant_lifecycle" in check
        or "test_properties.py::test_replays_revoke" in check
    )


def test_lifecycle_properties_name_the_unusable_login_page(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    served = reference_target(_login_page(_without_form))
    outcome = run_against(tmp_path, served.base_url, served.env, *requirements("FUZZ-LIFECYCLE"))
    messages = {**outcome.messages("error"), **outcome.messages("failed"), **outcome.messages("skipped")}
    assert messages and all("no form on the page" in m for m in messages.values()), messages
