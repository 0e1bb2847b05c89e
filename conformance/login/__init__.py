"""The resource owner's login, on login pages the suite has never seen.

- `forms`: pages, forms, fields and buttons, as a browser reads and submits them (pure);
- `walk`: `login_with_form`, the walk from the authorization request to the redirect back to the client;
- `command`: `login_with_command`, an external program that does the login and prints the redirect.
"""
