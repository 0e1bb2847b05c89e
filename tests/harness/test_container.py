"""The Containerfile: Debian slim, Debian's Chromium, a non-root user, the suite as its entry point.

No image builder runs on the machine these tests were written on (docker's client is there, its daemon
is not; no podman or buildah), so the image is not built here. What the image's RUN steps do (a venv,
the wheel installed with pip, the command run from another folder) is what test_packaging.py proves
in a fresh venv; this file checks the Containerfile says what the README promises.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "Containerfile").read_text()
INSTRUCTIONS = [
    line for line in re.sub(r"\\\n\s*", " ", TEXT).splitlines() if line and not line.startswith("#")
]


def test_every_stage_is_debian_slim() -> None:
    bases = [line.split()[1] for line in INSTRUCTIONS if line.startswith("FROM ")]
    assert bases and all(re.fullmatch(r"debian:[a-z]+-slim", base) for base in bases), bases


def test_the_final_image_has_chromium_and_runs_as_a_non_root_user() -> None:
    final = INSTRUCTIONS[max(i for i, line in enumerate(INSTRUCTIONS) if line.startswith("FROM ")) :]
    installs = " ".join(line for line in final if "apt-get install" in line)
    assert "chromium" in installs.split() and "--no-install-recommends" in installs
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert 'ENTRYPOINT ["spry-conformance"]' in final
    assert any(line.startswith("RUN ") and "pip install" in line and ".whl" in line for line in final)


def test_the_build_context_leaves_out_the_venv_and_reports() -> None:
    for name in (".containerignore", ".dockerignore"):
        ignored = (ROOT / name).read_text().split()
        assert {".venv", ".git", "reports"} <= set(ignored), name
