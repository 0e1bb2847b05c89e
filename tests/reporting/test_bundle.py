"""evidence.zip: `verify` accepts an untouched bundle and names the file in each tampering case."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance import cli
from conformance.bundle import MANIFEST, SIGNATURE, SIGNER, Signer, write_bundle, zip_bytes


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    (reports / "allure-results").mkdir(parents=True)
    (reports / "summary.json").write_text('{"verdict": "pass"}\n')
    (reports / "report.html").write_text("<html>report</html>\n")
    (reports / "allure-results" / "a-result.json").write_text("{}\n")
    path = write_bundle(reports, {"manifest": {"seed": 7}}, Signer(Ed25519PrivateKey.generate(), own=False))
    assert (reports / "evidence.pub").is_file()
    return path


def _rewrite(path: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(path) as original:
        files = {name: original.read(name) for name in original.namelist()}
    for name, data in change.items():
        if data is None:
            files.pop(name)
        else:
            files[name] = data
    tampered = path.with_name("tampered.zip")
    tampered.write_bytes(zip_bytes(files))
    return tampered


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["verify", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_an_untouched_bundle_verifies(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with zipfile.ZipFile(bundle) as opened:
        names = set(opened.namelist())
    assert {"reports/summary.json", "reports/report.html", "run.json", MANIFEST, SIGNATURE, SIGNER} <= names
    assert any(n.startswith("specs/requirements/") for n in names) and "specs/spry-auth.openapi.yaml" in names
    code, out = _verify(capsys, str(bundle), "--key", str(bundle.parent / "evidence.pub"))
    assert code == 0 and out.startswith("OK:"), out


def test_one_changed_byte_is_named(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tampered = _rewrite(bundle, {"reports/summary.json": b'{"verdict": "paSs"}\n'})
    code, out = _verify(capsys, str(tampered))
    assert code == 1 and "changed: reports/summary.json" in out, out


def test_an_added_file_is_named(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _verify(capsys, str(_rewrite(bundle, {"reports/waivers.toml": b"x"})))
    assert code == 1 and "added: reports/waivers.toml" in out, out


def test_a_removed_file_is_named(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _verify(capsys, str(_rewrite(bundle, {"reports/allure-results/a-result.json": None})))
    assert code == 1 and "removed: reports/allure-results/a-result.json" in out, out


def test_a_wrong_key_fails(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.pub"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    code, out = _verify(capsys, str(bundle), "--key", str(other))
    assert code == 1 and "signature: does not verify with the given key" in out, out


def test_a_re_signed_manifest_fails_against_the_given_key(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A forger who edits a file, rewrites the manifest and signs it with a key of their own."""
    import base64
    import hashlib
    import json

    with zipfile.ZipFile(bundle) as opened:
        manifest = json.loads(opened.read(MANIFEST))
    manifest["files"]["reports/summary.json"]["sha256"] = hashlib.sha256(b"forged").hexdigest()
    body = json.dumps(manifest).encode()
    forger = Ed25519PrivateKey.generate()
    pem = forger.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = _rewrite(bundle, {"reports/summary.json": b"forged", MANIFEST: body,
                               SIGNATURE: base64.b64encode(forger.sign(body)), SIGNER: pem})  # fmt: skip
    assert (
        _verify(capsys, str(forged))[0] == 0
    )  # consistent in itself: only the key a reviewer was given tells
    code, out = _verify(capsys, str(forged), "--key", str(bundle.parent / "evidence.pub"))
    assert code == 1 and "does not verify with the given key" in out, out


def test_bad_input_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_text("not a zip")
    code, out = _verify(capsys, str(junk))
    assert code == 2 and "not a readable zip" in out and "Traceback" not in out
    code, out = _verify(capsys, str(tmp_path / "missing.zip"))
    assert code == 2


def test_a_configured_key_signs_and_a_bad_one_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = tmp_path / "mine.pub"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "results.json").write_text('{"manifest": {"seed": 1}, "requirements": []}\n')
    monkeypatch.setenv("SPRY_SIGNING_KEY", pem.decode())
    assert cli.main(["bundle", str(reports)]) == 0
    assert "signed by your signing key" in capsys.readouterr().out
    code, out = _verify(capsys, str(reports / "evidence.zip"), "--key", str(public))
    assert code == 0, out
    monkeypatch.setenv("SPRY_SIGNING_KEY", str(tmp_path / "no-such-key.pem"))
    assert cli.main(["run", "--report-dir", str(tmp_path / "r")]) == 2
    assert "no-such-key.pem" in capsys.readouterr().err
