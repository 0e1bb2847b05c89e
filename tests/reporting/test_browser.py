"""report.html in a real browser (headless Chromium): the script runs, the page is whole, nothing is fetched.

How "nothing is fetched" is established, without DevTools:
- Chromium writes a NetLog (`--log-net-log`): every request its network stack starts, with its
  URL (whole, even for https), its initiator and its network isolation key. A request the page
  makes has the page's origin as initiator (`null` for a file) and a `file://` isolation key;
  Chromium's own background requests (sign-in, network time, component and Lens fetches, which
  come and go with the version and the machine's load) have no initiator ("not an origin").
  The report must cause no request of the first kind.
- With `--enable-logging=stderr --v=1` Chromium also logs each file it reads
  (`FileURLLoader::Start: URL`) and the page's console (`CONSOLE ... "message"`). The report
  may read exactly one file, itself.
- The page has a Content-Security-Policy, so a stray reference would be blocked before it
  reached the network: the console would then say that loading it "violates the following
  Content Security Policy directive"; the test fails on any console message naming the policy
  (which also catches an inline script or style whose hash no longer matches), and on any
  uncaught script error.
- All traffic goes to a proxy address where nothing listens (`--proxy-server`, with
  `--proxy-bypass-list=<-loopback>` so loopback is proxied too): no request can leave the machine.
- A canary proves the method: a page with an http image, an https fetch and a sibling file image
  shows all three in the log, and its iframe, an image behind a policy, shows the refusal.

(Without scripts the page is checked as rendered HTML in test_html.py: `--dump-dom` itself needs
scripting, so a script-disabled Chromium prints nothing.) The report and the canary load at once;
the test takes about 4 s on an idle two-core machine (each Chromium about 1.5-3 s).
Set SPRY_REPORT_SCREENSHOT=path to keep the screenshot.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.reporting.html import write_html
from tests.reporting.sample import sample_data
from tests.reporting.scan import parse


def _chromium() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (/usr/bin/chromium: apt-get install chromium)",
)

WINDOW = (1280, 1800)
_FILE = re.compile(r"FileURLLoader::Start: (\S+)")
_CONSOLE = re.compile(r":CONSOLE[^\]]*\] (.*)")


@dataclass
class Load:
    url: str
    dom: str
    requests: list[dict[str, str]]  # every request the network stack started: url, initiator, isolation key
    files: list[str]
    console: list[str]
    seconds: float

    def page_requests(self) -> list[str]:
        """The URLs of the requests the page made (Chromium's own have no initiator)."""
        return [
            r["url"] for r in self.requests
            if r["initiator"] != "not an origin" or r["network_isolation_key"].startswith("file://")
        ]  # fmt: skip


def _net_log(path: Path) -> list[dict[str, str]]:
    """The started URL requests of a NetLog file (completed if Chromium did not close it)."""
    if not path.is_file():
        return []
    raw = path.read_text(encoding="utf-8", errors="replace").rstrip()
    try:
        log = json.loads(raw)
    except ValueError:
        log = json.loads(raw.rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        {"url": p["url"], "initiator": str(p.get("initiator", "not an origin")),
         "network_isolation_key": str(p.get("network_isolation_key", ""))}
        for event in log.get("events", []) if event.get("type") == start_job
        for p in [event.get("params") or {}] if "url" in p
    ]  # fmt: skip


class Browser:
    """Starts headless Chromium runs in parallel; `wait()` collects them."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        # a port reserved and never listened on: the proxy refuses every connection
        self._hole = socket.socket()
        self._hole.bind(("127.0.0.1", 0))
        self.proxy = f"http://127.0.0.1:{self._hole.getsockname()[1]}"
        self._runs: list[tuple[str, subprocess.Popen[str], float]] = []

    def start(self, url: str, *extra: str) -> int:
        index = len(self._runs)
        profile = self.workdir / f"profile-{index}"
        command = [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
            "--enable-logging=stderr", "--v=1", f"--log-net-log={self.workdir / f'netlog-{index}.json'}",
            f"--proxy-server={self.proxy}", "--proxy-bypass-list=<-loopback>",
            "--hide-scrollbars", f"--window-size={WINDOW[0]},{WINDOW[1]}", *extra, "--dump-dom", url,
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   errors="replace", cwd=self.workdir)  # fmt: skip
        self._runs.append((url, process, time.monotonic()))
        return index

    def wait(self) -> list[Load]:
        loads = []
        try:
            for index, (url, process, started) in enumerate(self._runs):
                out, err = process.communicate(timeout=60)
                requests = _net_log(self.workdir / f"netlog-{index}.json")
                loads.append(Load(url, out, requests, _FILE.findall(err), _CONSOLE.findall(err),
                                  time.monotonic() - started))  # fmt: skip
        finally:
            for _, process, _ in self._runs:
                if process.poll() is None:
                    process.kill()
            self._hole.close()
        return loads


CANARY = """<!DOCTYPE html><html><body><p>canary</p>
<img src="http://canary.invalid/pixel.png"><img src="sibling.png"><iframe src="canary-policy.html"></iframe>
<script>fetch("https://canary-fetch.invalid/data").catch(function () {});</script></body></html>"""
CANARY_BEHIND_POLICY = """<!DOCTYPE html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head>
<body><img src="http://canary.invalid/blocked.png"></body></html>"""


def test_report_in_headless_chromium(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    write_html(report, sample_data())
    (tmp_path / "canary.html").write_text(CANARY)
    (tmp_path / "canary-policy.html").write_text(CANARY_BEHIND_POLICY)
    screenshot = tmp_path / "report.png"
    started = time.monotonic()

    browser = Browser(tmp_path)
    browser.start(report.as_uri(), f"--screenshot={screenshot}")
    browser.start((tmp_path / "canary.html").as_uri())
    page, canary = browser.wait()
    elapsed = time.monotonic() - started

    # The method sees what a page fetches (and what a policy refuses).
    assert "http://canary.invalid/pixel.png" in canary.page_requests(), canary.requests
    assert any(u.startswith("https://canary-fetch.invalid/") for u in canary.page_requests()), canary.requests
    assert (tmp_path / "sibling.png").as_uri() in canary.files, canary.files
    assert any("Content Security Policy" in m for m in canary.console), canary.console  # from its iframe

    # The report loads itself and nothing else.
    assert page.dom, "Chromium printed no DOM"
    assert page.files == [report.as_uri()], page.files
    assert page.page_requests() == [], page.page_requests()
    assert not [m for m in page.console if "Content Security Policy" in m or "Refused" in m], page.console
    assert not [m for m in page.console if "Uncaught" in m or "Error" in m], page.console

    # After the script ran: the verdict, a finding with its evidence open, the matrix and its filters.
    doc = parse(page.dom)
    html = doc.find_all("html")[0]
    assert "js" in html.classes
    assert doc.by_id("verdict").find_all(cls="word")[0].text == "FAIL"
    finding = doc.by_id("finding-JWT-ALG-NONE")
    assert "open" in finding.find_all("details")[0].attrs and "curl -i -X POST" in finding.text
    assert "hidden" not in doc.by_id("matrix-filters").attrs
    assert "hidden" not in doc.by_id("evidence-tools").attrs
    assert doc.by_id("matrix-count").text == "12 of 12 requirements shown"
    rows = doc.by_id("matrix-table").find_all("tr", cls="req")
    assert len(rows) == 12 and not [r for r in rows if "hidden" in r.attrs]
    # It opens on the risk view, breaches first; the requirement matrix is the second tab.
    assert "hidden" not in doc.by_id("view-tabs").attrs
    assert "hidden" in doc.by_id("matrix").attrs and "hidden" not in doc.by_id("findings").attrs
    groups = [h.attrs["id"] for h in doc.by_id("findings").find_all("h3")]
    assert groups[0] == "group-breach", groups
    assert "What an attacker gains" in doc.by_id("finding-JWT-ALG-NONE").text

    # The screenshot: a PNG of the window's size.
    png = screenshot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == WINDOW
    assert len(png) > 50_000  # a rendered page, not a blank one
    keep = os.environ.get("SPRY_REPORT_SCREENSHOT")
    if keep:
        shutil.copyfile(screenshot, keep)

    assert elapsed < 30, f"the browser runs took {elapsed:.1f} s"


def test_save_as_pdf_gives_a_document(tmp_path: Path) -> None:
    """The print stylesheet: Chromium's "Save as PDF" of the report is a document of several pages."""
    report = tmp_path / "report.html"
    write_html(report, sample_data())
    pdf = tmp_path / "report.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    report.as_uri()], capture_output=True, timeout=60, cwd=tmp_path)  # fmt: skip
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    assert len(data) > 20_000
