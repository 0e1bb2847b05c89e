"""The `command` login method: an external program (a headless browser script, say) does the login and
prints the final redirect URL (`CommandLogin`, `login_with_command`)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from conformance.errors import LoginError
from conformance.http import Session
from conformance.login.outcome import LoginOutcome
from conformance.login.reported import Reported, read_har, read_lines
from conformance.masking import Masker, masker

_URL_LINE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/\S*")


@dataclass(frozen=True)
class CommandLogin:
    """`[user.login] method = "command"`: the user's program logs in and prints the redirect URL."""

    command: str
    timeout: float = 120.0
    method = "command"

    def login(
        self, session: Session, authorize_url: str, *, redirect_uri: str, approve: bool = True
    ) -> LoginOutcome:
        """The command's redirect URL; the requests it reports go into the running check's evidence,
        marked as reported (the suite saw no response of the target: the program did)."""
        reported = Reported()
        try:
            location = login_with_command(
                self.command, authorize_url, timeout=self.timeout, approve=approve, reported=reported,
                masker=session.masker,
            )  # fmt: skip
        finally:  # a command that failed may still say what it saw
            # minimised like the suite's own exchanges (a resource body kept as its shape)
            for exchange in reported.exchanges:
                session.recorder.record(session.recorder.kept(exchange))
            for note in reported.summary_notes():
                session.recorder.note(session.masker.mask(note))
        return LoginOutcome(location, None, (), tuple(reported.exchanges))


def login_with_command(
    command: str,
    authorize_url: str,
    *,
    timeout: float = 120.0,
    approve: bool = True,
    reported: Reported | None = None,
    masker: Masker = masker,
) -> str:
    """Run the user's login program and return the final redirect URL it prints.

    `{authorize_url}` in the command is replaced by the URL (appended when absent); the command is
    split like a shell would (no shell runs it), stdin is closed, and the URL is the last
    non-empty line of its output. `{decision}` is replaced by `approve` or `deny` (what the user answers
    on the consent screen); a command without it can only approve. `{har}` is replaced by a fresh
    temporary file path for a HAR 1.2 file of the requests the program made; that file and the stdout lines
    before the URL that are JSON objects go into `reported` (conformance/login/reported.py). Raises
    LoginError on failure, quoting the end of its stderr.
    """
    argv = shlex.split(command)
    if not argv:
        raise LoginError("the login command is empty")
    if not approve and not any("{decision}" in part for part in argv):
        raise LoginError(
            "the login command cannot deny consent: add {decision} (approve or deny) to [user.login] command"
        )
    argv = [part.replace("{decision}", "approve" if approve else "deny") for part in argv]
    if any("{authorize_url}" in part for part in argv):
        argv = [part.replace("{authorize_url}", authorize_url) for part in argv]
    else:
        argv.append(authorize_url)
    program = masker.mask(argv[0])
    with tempfile.TemporaryDirectory(prefix="spry-login-") as folder:
        har = Path(folder) / "login.har"
        wants_har = any("{har}" in part for part in argv)
        argv = [part.replace("{har}", str(har)) for part in argv]
        code, out, err = _run(argv, timeout, program)
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        url = lines[-1] if lines and _URL_LINE.fullmatch(lines[-1]) else None
        if url is not None:  # its code, masked wherever the reported requests carry it
            masker.register_from(dict(parse_qsl(urlsplit(url).query) + parse_qsl(urlsplit(url).fragment)))
        if reported is not None:
            read_lines(lines[:-1] if url is not None else lines, masker, reported)
            if wants_har:
                read_har(har, masker, reported)
    if code != 0:
        raise LoginError(f"login command {program} exited with status {code}{_tail(err)}")
    if url is None:
        raise LoginError(f"login command {program} printed no redirect URL as its last line{_tail(err)}")
    return url


def _run(argv: list[str], timeout: float, program: str) -> tuple[int, str, str]:
    """Run the program in its own process group, killed with its children when time is up."""
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",
        )
    except OSError as error:
        raise LoginError(f"login command {program} could not start: {masker.mask(str(error))}") from error
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        try:
            _, err = process.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a grandchild that left the group still holds the pipes
            err = b""
        raise LoginError(
            f"login command {program} timed out after {timeout:g} s{_tail(_text(err))}"
        ) from None
    return process.returncode, _text(out), _text(err)


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        pass


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def _tail(stderr: str, lines: int = 5) -> str:
    last = [line.rstrip() for line in stderr.splitlines() if line.strip()][-lines:]
    return ("; stderr: " + masker.mask(" | ".join(last))[-800:]) if last else ""
