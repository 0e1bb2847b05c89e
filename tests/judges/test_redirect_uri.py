"""The redirect URI judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.flows.redirect_lookalikes import ATTACKER_HOST, Lookalike
from conformance.flows.redirect_probe import Probe
from conformance.judges import redirect_uri as judge
from tests.judges.recorded import AUTHORIZE_URL, REDIRECT_URI, response

ATTACKER = f"https://{ATTACKER_HOST}/callback?code=x"


def _probe(location: str | None) -> Probe:
    first = response(400, "<html>invalid redirect_uri</html>", url=AUTHORIZE_URL, method="GET")
    last = (
        response(302, "", headers=[("location", location)], url=AUTHORIZE_URL, method="GET")
        if location
        else first
    )
    variant = Lookalike("path.suffix", (REDIRECT_URI + "-evil",), "a path the attacker controls")
    return Probe(variant, REDIRECT_URI, first, last, location=location)


def test_no_lookalike_is_redirected_to() -> None:
    assert judge.ensure_no_lookalike_is_redirected_to([_probe(None), _probe(REDIRECT_URI + "?code=c")]).held
    diverted = judge.ensure_no_lookalike_is_redirected_to(
        [_probe(None), _probe(REDIRECT_URI + "-evil?code=c")]
    )
    assert not diverted.held and diverted.observed.startswith("1 of 2 look-alikes accepted: path.suffix")
    assert len(diverted.exchanges) == 2 and "code=c" not in diverted.observed


def test_no_open_redirect() -> None:
    error_page = response(400, "<html>unknown client</html>", headers=[("content-type", "text/html")])
    assert judge.ensure_no_open_redirect([error_page]).held
    located = response(302, "", headers=[("location", ATTACKER)])
    found = judge.ensure_no_open_redirect([located])
    assert (
        not found.held
        and found.observed == f"HTTP 302 sends the user agent to https://{ATTACKER_HOST}/callback?…"
    )


def test_automatic_redirects_by_refresh() -> None:
    meta = '<meta http-equiv="refresh" content="0; url=https://attacker.example/x">'
    assert judge.automatic_redirect(response(200, meta, headers=[("content-type", "text/html")])) == (
        "https://attacker.example/x"
    )
    assert judge.automatic_redirect(response(200, "", headers=[("refresh", "0;url=https://a.example/")])) == (
        "https://a.example/"
    )
    assert judge.is_attacker(f"https://sub.{ATTACKER_HOST}/") and not judge.is_attacker(
        "https://client.test/"
    )
