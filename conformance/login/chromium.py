"""Which browser `method = "browser"` drives, and whether it can (no request is sent, nothing launched).

The system's Chromium or Chrome, found on PATH or set with `[user.login] browser = "/path"`;
Playwright's own download only where it is already installed (it is never downloaded here).
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil

from conformance.errors import ConfigError

#: Program names tried on PATH, in order.
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL = (
    'install one (Debian/Ubuntu: apt-get install chromium) or set [user.login] browser = "/path/to/chrome"'
)


def find_browser(configured: str | None = None) -> str:
    """The browser's executable; raises ConfigError (exit 2) saying how to get one."""
    if importlib.util.find_spec("playwright") is None:
        raise ConfigError(
            "user.login.method = 'browser' needs Playwright for Python: pip install 'spry-conformance[browser]'"
        )
    if configured:
        path = shutil.which(configured) or configured
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise ConfigError(f"user.login.browser: {configured!r} is not an executable file; {INSTALL}")
        return path
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    cache = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or os.path.expanduser("~/.cache/ms-playwright")
    downloaded = sorted(glob.glob(os.path.join(cache, "chromium-*", "chrome-linux*", "chrome")))
    if downloaded:
        return downloaded[-1]
    raise ConfigError(f"user.login.method = 'browser': no Chromium or Chrome on PATH; {INSTALL}")
