"""`driver_for`: the login driver `[user.login]` configures (`form`, `browser` or `command`)."""

from __future__ import annotations

from collections.abc import Callable

from conformance.config import Target
from conformance.login.browser import BrowserLogin, Selectors
from conformance.login.command import CommandLogin
from conformance.login.form import FormLogin
from conformance.login.outcome import LoginDriver


def driver_for(
    target: Target, *, drop_hidden: bool = False, ends: Callable[[str], bool] | None = None
) -> LoginDriver:
    """The driver of the target's `[user.login] method`.

    `drop_hidden` (form) leaves the hidden inputs out of every submitted form; `ends` (browser) decides
    which URLs end the login instead of the redirect URI (the look-alike probes stop at any URL towards
    the client's side).
    """
    user, login = target.user, target.user.login
    if login.method == "command":
        assert login.command is not None  # the configuration requires it (config.schema)
        return CommandLogin(login.command)
    if login.method == "browser":
        selectors = Selectors(
            login.username_field, login.password_field, login.username_selector, login.password_selector,
            login.consent_approve, login.consent_deny,
        )  # fmt: skip
        return BrowserLogin(user.username, user.password, user.password_env, selectors,
                            login.allowed_origins, login.browser, ends)  # fmt: skip
    return FormLogin(user.username, user.password, user.password_env, login.username_field,
                     login.password_field, drop_hidden)  # fmt: skip
