"""The resource owner's login, on login pages the suite has never seen.

One interface (`outcome`: `LoginDriver.login(session, authorize_url, *, redirect_uri, approve)` returns a
`LoginOutcome`), three drivers, and `drivers.driver_for(target)`, which picks the one `[user.login]` names:

- `form`: `FormLogin`, the walk from the authorization request to the redirect back to the client;
- `browser`: `BrowserLogin`, a real headless Chromium (Playwright, the `browser` extra; `chromium` finds it);
- `command`: `CommandLogin`, an external program that does the login and prints the redirect.

`pages` reads pages, forms, fields and buttons as a browser does (pure).
"""
