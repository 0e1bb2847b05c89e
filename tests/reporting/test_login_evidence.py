"""A login's evidence in the reports: the screenshot of the page where a browser login stopped (report.html
thumbnail linked to its PNG, summary.json, evidence.zip) and a login command's reported requests (marked)."""

from __future__ import annotations

import base64
import copy
import struct
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from conformance.catalogue import load_catalogue
from conformance.evidence import Exchange
from conformance.login.reported import REPORTED_BY
from conformance.reporting.html import write_html
from conformance.results import CheckResult, roll_up
from tests.reporting.sample import check, exchange, requirement, sample_data

SHOT = "login/login-112306-4242-00001.png"


def png() -> bytes:
    """A 1x1 PNG, as small as a real one is valid."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + chunk(b"IEND", b"")
    )


def stopped_login(evidence: list[dict[str, Any]]) -> dict[str, Any]:
    data = copy.deepcopy(sample_data())
    data["requirements"].append(
        requirement("AC-LOGIN-REDIRECT", "Login and consent end in a redirect with a code", status="error",
                    family="authorization_code", checks=[check(
                        "conformance/checks/test_authorization_code.py::test_login_and_consent_redirect_with_a_code",
                        "error", "could not get through the login pages: ... (browser); screenshot ...", evidence)])
    )  # fmt: skip
    return data


def test_the_screenshot_is_a_linked_thumbnail_in_report_html(tmp_path: Path) -> None:
    (tmp_path / "login").mkdir()
    (tmp_path / "login" / Path(SHOT).name).write_bytes(png())
    evidence = [
        exchange("GET", "/oauth/authorize?x=1", 200),
        {"note": "the browser login stopped on this page", "screenshot": SHOT},
    ]
    write_html(tmp_path / "report.html", stopped_login(evidence))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    thumbnail = f'<img src="data:image/png;base64,{base64.b64encode(png()).decode()}"'
    assert f'<a href="{SHOT}">' in html and thumbnail in html  # embedded: the page loads nothing
    assert "the browser login stopped on this page" in html


def test_a_missing_png_is_still_named_and_a_foreign_path_is_not_linked(tmp_path: Path) -> None:
    evidence = [
        {"note": "the browser login stopped on this page", "screenshot": SHOT},  # not in the report dir
        {"note": "elsewhere", "screenshot": "../../etc/x.png"},
        {"note": "a link", "screenshot": "javascript:alert(1)//.png"},
    ]
    write_html(tmp_path / "report.html", stopped_login(evidence))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f'<a href="{SHOT}">{SHOT}</a>' in html and "data:image/png" not in html
    assert 'href="../../etc/x.png"' not in html and 'href="javascript:' not in html


def test_a_reported_request_is_marked_in_report_html(tmp_path: Path) -> None:
    reported = {**exchange("POST", "/oauth/login", 302), "reported_by": REPORTED_BY}
    write_html(tmp_path / "report.html", stopped_login([reported]))
    assert f"({REPORTED_BY})" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_summary_names_the_screenshots_and_exchanges_keep_their_shape() -> None:
    catalogue = load_catalogue()
    result = CheckResult(nodeid="x::y", requirement="AC-LOGIN-REDIRECT", status="error", message="m",
                         evidence=[{"note": "stopped", "screenshot": SHOT}])  # fmt: skip
    entry = roll_up(catalogue.requirements["AC-LOGIN-REDIRECT"], [result]).summary_entry()
    assert entry["screenshots"] == [SHOT]
    assert (
        "screenshots"
        not in roll_up(
            catalogue.requirements["AC-LOGIN-REDIRECT"], [replace(result, evidence=[])]
        ).summary_entry()
    )
    own = Exchange("GET", "https://as.example/", [], "", 200)
    assert "reported_by" not in own.to_dict()
    assert Exchange.from_dict(replace(own, reported_by=REPORTED_BY).to_dict()).reported_by == REPORTED_BY
