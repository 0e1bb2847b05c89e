"""`REPORT_DIR/report.html`: one self-contained file for reviewers and certification bodies.

The file loads nothing: no script, style sheet, font or image comes from anywhere but the
file itself (a Content-Security-Policy meta tag says so to the browser too): the screenshot of a
page where a browser login stopped is embedded as a thumbnail (data:), linking to its PNG in `login/`. It reads well
offline, with JavaScript disabled (the filters are then hidden and everything shows) and on
paper (`@media print`: evidence expanded, no controls, status written as text).

Everything in `data` is masked already; every string the template prints passes through
`conformance.masking.masker.mask` once more (the environment's `finalize`), so a value that
escaped masking upstream, or one computed here, cannot leak a registered secret. The one
exception is the catalogue's own text (ids, titles, rules, sources, `gain`, `enable`), which is
printed as written.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from conformance import masking
from conformance.reporting.view import Catalogue, screenshot_path, view

_TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_THUMBNAIL = 1024 * 1024  # bytes of one embedded screenshot
MAX_THUMBNAILS_TOTAL = 8 * 1024 * 1024  # bytes of all embedded screenshots of one report


def write_html(path: Path, data: dict[str, Any]) -> None:
    """Render `data` (as `summary.full_results` builds it) to one self-contained HTML file."""
    html = render_html(data, report_dir=Path(path).parent)
    Path(path).write_text(html, encoding="utf-8")


def render_html(data: dict[str, Any], *, report_dir: Path | None = None) -> str:
    """The report as a string; the screenshots found in `report_dir` are embedded as thumbnails."""
    template, assets = _template()
    thumbnails = _thumbnails(data, report_dir) if report_dir is not None else {}
    return template.render(**view(data), thumbnails=thumbnails, **assets)


def _thumbnails(data: dict[str, Any], report_dir: Path) -> dict[str, Markup]:
    """Each screenshot of the evidence (a PNG under the report dir) as a data: URI, so the file stays
    self-contained (its Content-Security-Policy allows images from data: only); each links to its file.
    Bounded: a PNG of at most MAX_THUMBNAIL bytes, MAX_THUMBNAILS_TOTAL in all; beyond, the link alone."""
    found: dict[str, Markup] = {}
    budget = MAX_THUMBNAILS_TOTAL
    root = report_dir.resolve()
    for requirement in data.get("requirements") or []:
        for check in requirement.get("check_results") or []:
            for item in check.get("evidence") or []:
                path = screenshot_path(item.get("screenshot")) if isinstance(item, dict) else None
                if path is None or path in found:
                    continue
                try:
                    file = (root / path).resolve()
                    png = (
                        file.read_bytes()
                        if file.is_relative_to(root) and file.stat().st_size <= MAX_THUMBNAIL
                        else b""
                    )
                except OSError:
                    continue
                if png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) <= budget:
                    budget -= len(png)  # base64 of a PNG: only [A-Za-z0-9+/=], safe as markup
                    found[path] = Markup("data:image/png;base64," + base64.b64encode(png).decode("ascii"))
    return found


def prepare() -> None:
    """Compile the template ahead of time (the plugin does so in the background while the checks run)."""
    _template()


@functools.cache
def _template() -> tuple[jinja2.Template, dict[str, str]]:
    """The compiled template and its inline assets, once per process."""
    env = _environment()
    css = env.loader.get_source(env, "report.css")[0]  # type: ignore[union-attr]
    js = env.loader.get_source(env, "report.js")[0]  # type: ignore[union-attr]
    assets = {
        # inline, and allowed by the page's Content-Security-Policy by their hashes only
        "css": Markup(css.replace("</", "<\\/")),
        "js": Markup(js.replace("</", "<\\/")),
    }
    assets["css_hash"] = _csp_hash(assets["css"])
    assets["js_hash"] = _csp_hash(assets["js"])
    return env.get_template("report.html.j2"), assets


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _environment() -> jinja2.Environment:
    try:
        loader: jinja2.BaseLoader = jinja2.PackageLoader("conformance.reporting", "templates")
    except ValueError:  # pragma: no cover - a zipped or unusual install: read the directory itself
        loader = jinja2.FileSystemLoader(str(_TEMPLATES))
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def _finalize(value: Any) -> Any:
    """Every printed value: None prints as nothing, every other string is masked (again)."""
    if value is None or isinstance(value, jinja2.Undefined):
        return ""
    if isinstance(value, Catalogue):
        return str(value)
    if isinstance(value, str) and not isinstance(value, Markup):
        return masking.masker.mask(value)
    return value
