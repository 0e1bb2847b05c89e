"""report.html: the verdict, the findings, the matrix, what was not checked; self-contained and masked."""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import secrets
from pathlib import Path
from typing import Any

import pytest

from conformance.masking import mask_value, masker
from conformance.reporting.html import write_html
from tests.reporting.sample import check, exchange, requirement, sample_data
from tests.reporting.scan import Element, parse


def render(tmp_path: Path, data: dict[str, Any] | None = None) -> tuple[str, Element]:
    path = tmp_path / "report.html"
    write_html(path, data if data is not None else sample_data())
    html = path.read_text(encoding="utf-8")
    return html, parse(html)


@pytest.fixture
def report(tmp_path: Path) -> tuple[str, Element]:
    return render(tmp_path)


def test_verdict_and_counts_come_first(report: tuple[str, Element]) -> None:
    html, doc = report
    verdict = doc.by_id("verdict")
    assert "verdict-fail" in verdict.classes
    assert verdict.find_all(cls="word")[0].text == "FAIL"
    counts = {
        next(c for c in tile.classes if c.startswith("status-")).removeprefix("status-"): int(tile.find_all("dd")[0].text)
        for tile in doc.find_all("div", cls="count") if "total" not in tile.classes
    }  # fmt: skip
    assert counts == {"passed": 5, "failed": 1, "warning": 1, "skipped": 3, "error": 1, "waived": 1}
    assert doc.find_all("div", cls="total")[0].find_all("dd")[0].text == "12"
    # the verdict comes before the run's metadata, the findings and the matrix
    order = [
        html.index(f'id="{ident}"')
        for ident in ("verdict", "run", "findings", "matrix", "not-checked", "reproduce")
    ]
    assert order == sorted(order)


def test_a_passing_run_says_pass_and_has_no_findings(tmp_path: Path) -> None:
    data = sample_data()
    data["requirements"] = [r for r in data["requirements"] if r["status"] in {"passed", "skipped"}]
    data["verdict"] = "pass"
    data["counts"] = {"passed": 5, "failed": 0, "warning": 0, "skipped": 3, "error": 0, "waived": 0}
    html, doc = render(tmp_path, data)
    assert doc.by_id("verdict").find_all(cls="word")[0].text == "PASS"
    assert "No findings" in doc.by_id("findings").text
    assert not doc.find_all("article", cls="finding")


def test_metadata_of_the_run(report: tuple[str, Element]) -> None:
    _, doc = report
    meta = doc.by_id("run").find_all("dl")[0]
    labels = [e.text for e in meta.find_all("dt")]
    values = dict(zip(labels, (e.text for e in meta.find_all("dd")), strict=True))
    assert values["Target"] == "https://spry.example.test"
    assert values["Profile"] == "spry"
    assert values["Tool"] == "spry-conformance 0.1.0"
    assert values["Catalogue version"] == "2026.11.1"
    assert values["Configuration hash"].startswith("sha256:9f2c")
    assert values["Started"] == "2026-11-28T12:00:00Z" and values["Finished"] == "2026-11-28T12:00:12Z"
    assert values["Duration"] == "12.3 s" and values["Requests sent"] == "812" and values["Seed"] == "1234"
    assert values["Budget"] == "certification" and values["Strict"] == "no"
    assert "Faults switched on" not in values


def test_faults_appear_when_the_embedded_server_ran_with_them(tmp_path: Path) -> None:
    data = sample_data(manifest_extra={"target": {"base_url": "http://127.0.0.1:8711", "embedded": True,
                                                  "faults": ["alg-none-accepted"]}, "strict": True})  # fmt: skip
    _, doc = render(tmp_path, data)
    text = doc.by_id("run").text
    assert "Faults switched on alg-none-accepted" in text
    assert "embedded reference server" in text and "Strict yes" in text
    assert "--fault alg-none-accepted" in doc.by_id("reproduce").text


def test_findings_grouped_by_risk_breaches_first(report: tuple[str, Element]) -> None:
    html, doc = report
    findings = doc.by_id("findings")
    ids = [a.attrs["id"].removeprefix("finding-") for a in findings.find_all("article", cls="finding")]
    # breaches, then what errored, warnings, waivers (the data lists them the other way round)
    assert ids == ["JWT-ALG-NONE", "JWT-KID-TRAVERSAL", "CC-NO-REFRESH-TOKEN", "JWT-ALG-PINNED"]
    headings = [h.attrs["id"] for h in findings.find_all("h3")]
    assert headings == ["group-breach", "group-error", "group-warning", "group-waived"]
    assert (
        html.index('id="group-breach"')
        < html.index('id="finding-JWT-ALG-NONE"')
        < html.index('id="group-error"')
    )
    # passed and skipped requirements are not findings
    assert "finding-CC-SUCCESS" not in html and "finding-AC-CODE-EXPIRES" not in html


def test_a_failed_finding_carries_everything_and_its_evidence_is_open(report: tuple[str, Element]) -> None:
    _, doc = report
    finding = doc.by_id("finding-JWT-ALG-NONE")
    text = finding.text
    for expected in ("JWT-ALG-NONE", "The resource refuses tokens with alg none", "MUST", "Critical", "Failed",
                     "Any caller can forge an access token", "Libraries MUST enable the caller",
                     "unsigned (alg none) token answered 200, expected 401"):  # fmt: skip
        assert expected in text, expected
    links = {a.attrs["href"] for a in finding.find_all("a")}
    assert {
        "https://www.rfc-editor.org/rfc/rfc8725#section-3.1",
        "https://www.rfc-editor.org/rfc/rfc7519#section-6.1",
    } <= links
    evidence = finding.find_all("details", cls="evidence")
    assert len(evidence) == 1 and "open" in evidence[0].attrs  # the passed check has no evidence block
    assert (
        "test_alg_none_refused" in evidence[0].text and "test_alg_none_case_variants" not in evidence[0].text
    )
    assert evidence[0].find_all("pre", cls="message")[0].text.startswith("GET /api/v1/patients")
    requests = [p.text for p in evidence[0].find_all("pre", cls="request")]
    responses = [p.text for p in evidence[0].find_all("pre", cls="response")]
    curls = [p.text for p in evidence[0].find_all("pre", cls="curl")]
    assert len(requests) == len(responses) == len(curls) == 2
    assert requests[0].startswith("POST https://spry.example.test/oauth/token")
    assert responses[1].startswith("HTTP 200") and '"patients"' in responses[1]
    assert curls[0].startswith("curl -i -X POST")
    # the masked credentials stay masked; the JWT is shown only as its mask
    assert "super-secret-value" not in text and "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0" not in text


def test_other_findings_keep_their_evidence_folded(report: tuple[str, Element]) -> None:
    _, doc = report
    for rid in ("JWT-KID-TRAVERSAL", "CC-NO-REFRESH-TOKEN", "JWT-ALG-PINNED"):
        details = doc.by_id(f"finding-{rid}").find_all("details", cls="evidence")
        assert details and all("open" not in d.attrs for d in details), rid
    warning = doc.by_id("finding-CC-NO-REFRESH-TOKEN")
    assert "Warning" in warning.text and "A long-lived credential" in warning.text
    assert "waived until 2027-01-31" in doc.by_id("finding-JWT-ALG-PINNED").text
    assert "503" in doc.by_id("finding-JWT-KID-TRAVERSAL").text


def test_matrix_has_every_requirement_grouped_by_family(report: tuple[str, Element]) -> None:
    _, doc = report
    data = sample_data()
    table = doc.by_id("matrix-table")
    rows = table.find_all("tr", cls="req")
    assert [r.attrs["id"].removeprefix("req-") for r in rows] == _by_family(data["requirements"])
    for row, req in zip(rows, (r for f in _families(data) for r in f), strict=True):
        cells = [td.text for td in row.find_all("td")]
        assert cells[0] == req["id"] and cells[1] == req["title"] and cells[2] == req["level"]
        assert cells[3] == req["severity"].capitalize()
        assert req["status"].capitalize() in cells[5] and cells[6] == req["reason"]
        assert row.attrs["data-status"] == req["status"] and row.attrs["data-severity"] == req["severity"]
        assert "hidden" not in row.attrs  # without scripts, everything shows
        hrefs = [a.attrs["href"] for a in row.find_all("a") if a.attrs["href"].startswith("https://")]
        assert hrefs == [link["url"] for link in req["links"]]
    groups = table.find_all("tbody", cls="family")
    assert all(g.find_all("th", scope="colgroup") for g in groups)
    assert len(groups) == len(_families(data))
    assert {th.text for th in table.find_all("thead")[0].find_all("th")} >= {"ID", "Requirement", "Level", "Severity",
                                                                           "Source", "Status", "Reason"}  # fmt: skip


def test_matrix_filters_are_hidden_until_the_script_shows_them(report: tuple[str, Element]) -> None:
    _, doc = report
    filters = doc.by_id("matrix-filters")
    assert "hidden" in filters.attrs
    statuses = {i.attrs["value"] for i in filters.find_all("input", name="status")}
    severities = {i.attrs["value"] for i in filters.find_all("input", name="severity")}
    assert statuses == {"passed", "failed", "warning", "skipped", "error", "waived"}
    assert severities == {"critical", "high", "medium", "low", "info"}


def test_what_could_not_be_checked(report: tuple[str, Element]) -> None:
    _, doc = report
    section = doc.by_id("not-checked")
    groups = section.find_all("div", cls="gap")
    assert len(groups) == 2
    login, aggressive = groups
    assert "no user login configured" in login.text
    assert "Set [login] username_env/password_env" in login.text
    assert "AC-CODE-SINGLE-USE" in login.text and "AC-CODE-EXPIRES" in login.text
    assert "--aggressive" in aggressive.text and "BRUTE-FORCE-THROTTLED" in aggressive.text
    assert "CC-SUCCESS" not in section.text


def test_a_skipped_requirement_without_enable_shows_its_reason(tmp_path: Path) -> None:
    data = sample_data()
    data["requirements"].append(requirement("PKCE-S256", "S256 is supported", family="pkce", status="skipped",
                                            reason="no authorization-code client configured", checks=[]))  # fmt: skip
    data["requirements"].append(requirement("PKCE-PLAIN", "plain is refused", family="pkce", status="skipped",
                                            reason="no authorization-code client configured",
                                            enable="Set [authorization_code] client_id_env.", checks=[]))  # fmt: skip
    _, doc = render(tmp_path, data)
    group = next(
        g for g in doc.by_id("not-checked").find_all("div", cls="gap") if "authorization-code" in g.text
    )
    subgroups = {
        body.find_all("th")[0].text: [
            tr.find_all("td")[0].text for tr in body.find_all("tr") if tr.find_all("td")
        ]
        for body in group.find_all("tbody")
    }
    assert subgroups == {"To check these: Set [authorization_code] client_id_env.": ["PKCE-PLAIN"],
                         "To check these: no authorization-code client configured": ["PKCE-S256"]}  # fmt: skip


def test_footer_tells_how_to_reproduce(tmp_path: Path) -> None:
    _, doc = render(tmp_path)
    footer = doc.by_id("reproduce")
    command = footer.find_all("pre")[0].text
    assert command.startswith("spry-conformance run --target https://spry.example.test")
    assert "--seed 1234" in command and "--budget certification" in command
    recorded = sample_data(
        manifest_extra={"command": ["spry-conformance", "run", "--config", "t.toml", "--seed", "7"]}
    )
    _, doc = render(tmp_path, recorded)
    footer = doc.by_id("reproduce")
    assert footer.find_all("pre")[0].text == "spry-conformance run --config t.toml --seed 7"
    assert "1234" in footer.text  # the seed


def test_nothing_is_loaded_from_anywhere(report: tuple[str, Element]) -> None:
    html, doc = report
    lowered = html.lower()
    for forbidden in ("<script src", '<link rel="stylesheet" href', "@import", "url(http", 'src="http', "url(",
                      "@font-face", "<iframe", "<object", "<embed", "<img"):  # fmt: skip
        assert forbidden not in lowered, forbidden
    assert not [e for e in doc.iter() if "src" in e.attrs]
    for link in doc.find_all("link"):
        assert link.attrs.get("href", "").startswith("data:"), link.attrs
    for anchor in doc.find_all("a"):
        href = anchor.attrs["href"]
        assert href.startswith("#") or href.startswith("https://www.rfc-editor.org/rfc/"), href
    csp = doc.find_all("meta", http_equiv="Content-Security-Policy")[0].attrs["content"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp


def test_the_policy_allows_exactly_the_inline_style_and_script(report: tuple[str, Element]) -> None:
    _, doc = report
    csp = doc.find_all("meta", http_equiv="Content-Security-Policy")[0].attrs["content"]
    (style,) = doc.find_all("style")
    (script,) = doc.find_all("script")

    def digest(element: Element) -> str:
        body = "".join(p for p in element.parts if isinstance(p, str))
        return "sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()

    assert f"style-src '{digest(style)}'" in csp
    assert f"script-src '{digest(script)}'" in csp
    assert not [
        e for e in doc.iter() if "style" in e.attrs
    ]  # no inline style attributes (the policy forbids them)
    assert not [e for e in doc.iter() if any(a.startswith("on") for a in e.attrs)]  # nor inline handlers


def test_print_styles(report: tuple[str, Element]) -> None:
    _, doc = report
    css = doc.find_all("style")[0].parts[0]
    assert isinstance(css, str)
    start = css.index("@media print")
    printed = css[start:]
    for rule in (".filters", "details::details-content", "break-inside: avoid", "display: none"):
        assert rule in printed, rule
    # every status is written out, not only coloured
    for status in ("Failed", "Error", "Warning", "Waived", "Passed", "Skipped"):
        assert f"</span>{status}</span>" in parse_html_badges(report[0])


def parse_html_badges(html: str) -> str:
    return "".join(re.findall(r'<span class="badge status-\w+">.*?</span>\w+</span>', html))


def test_markup_in_data_is_escaped(tmp_path: Path) -> None:
    data = sample_data()
    data["requirements"][2]["reason"] = "<script>alert(1)</script>"
    data["requirements"][2]["check_results"][0]["evidence"][1]["response_body"] = (
        "<img src=x onerror=alert(2)>"
    )
    html, doc = render(tmp_path, data)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html
    assert len(doc.find_all("script")) == 1


def test_secrets_that_escaped_masking_upstream_are_masked(tmp_path: Path) -> None:
    secret = "leak-" + secrets.token_hex(12)
    masker.register(secret)
    data = sample_data(manifest_extra={"command": f"spry-conformance run --seed 1 # {secret}"})
    data = copy.deepcopy(data)
    # raw values placed after masking, where they never should be
    data["requirements"][0]["reason"] = f"client secret was {secret}"
    data["manifest"]["target"]["base_url"] = f"https://spry.example.test/?x={secret}"
    evidence = data["requirements"][2]["check_results"][0]["evidence"][0]
    evidence["response_body"] = f'{{"refresh_token": "unregistered-refresh-value", "note": "{secret}"}}'
    evidence["curl"] += f" --user client:{secret}"
    data["requirements"][2]["check_results"][0]["message"] = (
        "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    )
    html, _ = render(tmp_path, data)
    assert secret not in html
    assert mask_value(secret) in html
    assert "unregistered-refresh-value" not in html  # a credential's shape is masked too
    assert "eyJzdWIiOiJ4In0.c2lnbmF0dXJl" not in html


def test_catalogue_text_is_printed_as_written(tmp_path: Path) -> None:
    data = sample_data()
    title = "The resource does not accept an access token in the URI query (?access_token=)"
    rule = "A token sent only as ?access_token=abc123 is not served; nor is code=xyz in a form."
    data["requirements"].append(requirement("BEARER-NO-QUERY-TOKEN", title, family="bearer", status="failed",
                                            rule=rule, reason="served GET /r?access_token=abc123"))  # fmt: skip
    _, doc = render(tmp_path, data)
    finding = doc.by_id("finding-BEARER-NO-QUERY-TOKEN")
    assert title in finding.text and rule in finding.text
    assert "access_token=abc123" not in finding.find_all(cls="reason")[0].text  # the run's own text is masked
    assert title in doc.by_id("req-BEARER-NO-QUERY-TOKEN").text


def test_renders_from_minimal_data(tmp_path: Path) -> None:
    data = {"requirements": [{"id": "X-1", "title": "t", "status": "failed", "severity": "high"},
                             {"id": "X-2", "status": "skipped"}]}  # fmt: skip
    _, doc = render(tmp_path, data)
    assert doc.by_id("verdict").find_all(cls="word")[0].text == "FAIL"
    assert doc.has("finding-X-1") and doc.has("req-X-2")


def test_evidence_notes_and_transport_errors(tmp_path: Path) -> None:
    data = sample_data()
    failing = data["requirements"][2]["check_results"][0]
    failing["evidence"] = [exchange("POST", "/oauth/token", None, error="ConnectError: connection refused"),
                           {"note": "12 more exchanges left out"}]  # fmt: skip
    _, doc = render(tmp_path, data)
    evidence = doc.by_id("finding-JWT-ALG-NONE").find_all("details")[0]
    assert "(no response: ConnectError: connection refused)" in evidence.text
    assert "→ no response" in evidence.text
    assert "12 more exchanges left out" in evidence.text


def test_size_stays_sensible(tmp_path: Path) -> None:
    data = sample_data()
    body = "x" * 2000
    data["requirements"][2]["check_results"] = [
        check(f"conformance/checks/test_jwt.py::test_{i}", "failed", "broken",
              [exchange("GET", f"/r/{j}", 200, response_body=body) for j in range(40)])
        for i in range(5)
    ]  # fmt: skip
    html, _ = render(tmp_path, data)
    assert len(html.encode()) < 1_500_000  # 200 clipped exchanges, a little over their own size


def _families(data: dict[str, Any]) -> list[list[dict[str, Any]]]:
    from conformance.reporting.view import _family_titles

    _, order = _family_titles()
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in data["requirements"]:
        groups.setdefault(r["family"], []).append(r)
    names = [n for n in order if n in groups] + [n for n in groups if n not in order]
    return [groups[n] for n in names]


def _by_family(requirements: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for f in _families({"requirements": requirements}) for r in f]


def test_a_comparison_with_a_baseline_shows_regressions_and_fixes(tmp_path: Path) -> None:
    """The place --baseline fills: results.json's "comparison" (regressions and fixes) above the findings."""
    data = sample_data()
    data["comparison"] = {"baseline": "reports-before/summary.json",
                          "regressions": [{"id": "JWT-ALG-NONE", "was": "passed", "now": "failed"}],
                          "fixes": [{"id": "CC-SUCCESS", "was": "failed", "now": "passed"}]}  # fmt: skip
    _, doc = render(tmp_path, data)
    text = doc.by_id("comparison").text
    assert (
        "Regressions (1): JWT-ALG-NONE passed → failed" in text
        and "Fixes (1): CC-SUCCESS failed → passed" in text
    )
    assert not render(tmp_path, sample_data())[1].has("comparison")
