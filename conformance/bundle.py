"""`evidence.zip`: a run's reports, catalogue, spec and effective configuration, hashed and signed.

The bundle holds every file of the report dir (summary.json, results.json, junit.xml, report.html,
allure-results/), the exact catalogue (`specs/`) and OpenAPI description the run used, `run.json`
(the tool version, the seed, the effective configuration: names of secrets, never values) and
`MANIFEST.json`: the SHA-256 of every file. `MANIFEST.sig` is the Ed25519 signature of the manifest's
bytes, `signer.pub` the public key (PEM). The key is the user's (`SPRY_SIGNING_KEY`, a PEM or a path
to one, or `[evidence] signing_key_file`), else one made for the run: its public key is printed and
stored beside the bundle (`evidence.pub`), so a reviewer who got it by another channel can pass it to
`spry-conformance verify evidence.zip --key evidence.pub`.

`verify` recomputes every hash, names each file changed, added or removed, and checks the signature
(against `--key` when given: a bundle re-signed by someone else then fails).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conformance.catalogue import specs_dir

BUNDLE_NAME = "evidence.zip"
PUBLIC_KEY_NAME = "evidence.pub"
MANIFEST, SIGNATURE, SIGNER = "MANIFEST.json", "MANIFEST.sig", "signer.pub"
SIGNING_KEY_ENV = "SPRY_SIGNING_KEY"


class BundleError(Exception):
    """Bad input: not a bundle, an unreadable key (exit 2)."""


@dataclass(frozen=True)
class Signer:
    key: Ed25519PrivateKey
    own: bool  # the user's key (True) or one made for this run

    @property
    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key.public_key())


def fingerprint(key: Ed25519PublicKey) -> str:
    """`SHA256:<base64>` of the raw public key, as ssh-keygen prints one."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def signer(key_file: str | None = None) -> Signer:
    """The user's key (SPRY_SIGNING_KEY: a PEM or a path; else `key_file`), or a fresh one for this run."""
    given = os.environ.get(SIGNING_KEY_ENV) or ""
    if given.strip().startswith("-----BEGIN"):
        return Signer(_private_key(given.encode(), SIGNING_KEY_ENV), own=True)
    path = given or key_file
    if path:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise BundleError(f"signing key {path}: {error.strerror or error}") from None
        return Signer(_private_key(data, str(path)), own=True)
    return Signer(Ed25519PrivateKey.generate(), own=False)


def _private_key(data: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise BundleError(f"{where}: not an unencrypted PEM private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError(f"{where}: an Ed25519 key is needed, not {type(key).__name__}")
    return key


def write_bundle(report_dir: Path, run: dict[str, Any], signing: Signer) -> Path:
    """Write REPORT_DIR/evidence.zip (and evidence.pub) and return the bundle's path."""
    files: dict[str, bytes] = {}
    for path in sorted(report_dir.rglob("*")):
        relative = path.relative_to(report_dir).as_posix()
        if path.is_file() and relative not in (BUNDLE_NAME, PUBLIC_KEY_NAME) and not relative.startswith("."):
            files[f"reports/{relative}"] = path.read_bytes()
    specs = specs_dir()
    for spec in sorted(p for p in specs.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml"}):
        files[f"specs/{spec.relative_to(specs).as_posix()}"] = spec.read_bytes()
    files["run.json"] = (json.dumps(run, indent=2, sort_keys=True, default=str) + "\n").encode()
    manifest = manifest_of(files, signing)
    target = report_dir / BUNDLE_NAME
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
        bundle.writestr(MANIFEST, manifest)
        bundle.writestr(SIGNATURE, base64.b64encode(signing.key.sign(manifest)) + b"\n")
        bundle.writestr(SIGNER, signing.public_pem)
    partial.replace(target)
    (report_dir / PUBLIC_KEY_NAME).write_bytes(signing.public_pem)
    return target


def manifest_of(files: dict[str, bytes], signing: Signer) -> bytes:
    entries = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)} for name, data in files.items()
    }
    body = {"format": "spry-conformance evidence 1", "signer": signing.fingerprint,
            "signer_is_run_key": not signing.own, "files": entries}  # fmt: skip
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()


@dataclass
class Verdict:
    """What `verify` found."""

    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    signature: str = ""  # "" when it holds, else what is wrong
    signer: str = ""
    run_key: bool = False
    files: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.added or self.removed or self.signature)

    def lines(self) -> list[str]:
        out = [f"changed: {name} (its SHA-256 differs from the manifest)" for name in self.changed]
        out += [f"added: {name} (not in the manifest)" for name in self.added]
        out += [f"removed: {name} (in the manifest, missing from the bundle)" for name in self.removed]
        if self.signature:
            out.append(f"signature: {self.signature}")
        return out


def verify(bundle_path: Path, key_path: Path | None = None) -> Verdict:
    """Check every hash and the signature; raise BundleError for input that is no bundle."""
    try:
        with zipfile.ZipFile(bundle_path) as bundle:
            contents = {info.filename: bundle.read(info) for info in bundle.infolist() if not info.is_dir()}
    except (OSError, zipfile.BadZipFile) as error:
        raise BundleError(f"{bundle_path}: not a readable zip ({error})") from None
    manifest = contents.pop(MANIFEST, None)
    signature = contents.pop(SIGNATURE, None)
    embedded = contents.pop(SIGNER, None)
    if manifest is None:
        raise BundleError(f"{bundle_path}: no {MANIFEST}: not an evidence bundle written by spry-conformance")
    try:
        listed: dict[str, Any] = json.loads(manifest)["files"]
    except (ValueError, KeyError, TypeError) as error:
        raise BundleError(f"{bundle_path}: {MANIFEST} is not a manifest ({error})") from None
    verdict = Verdict(files=len(listed))
    for name, data in sorted(contents.items()):
        if name not in listed:
            verdict.added.append(name)
        elif hashlib.sha256(data).hexdigest() != listed[name].get("sha256"):
            verdict.changed.append(name)
    verdict.removed = sorted(set(listed) - set(contents))
    key_pem = _read_key(key_path) if key_path else embedded
    if key_pem is None:
        verdict.signature = f"no {SIGNER} in the bundle and no --key given"
        return verdict
    try:
        public = serialization.load_pem_public_key(key_pem)
    except (ValueError, TypeError):
        if key_path:
            raise BundleError(f"--key {key_path}: not a PEM public key") from None
        verdict.signature = f"{SIGNER} is not a PEM public key"
        return verdict
    if not isinstance(public, Ed25519PublicKey):
        raise BundleError(f"--key {key_path}: an Ed25519 public key is needed")
    verdict.signer = fingerprint(public)
    verdict.run_key = key_path is None and bool(json.loads(manifest).get("signer_is_run_key"))
    try:
        public.verify(base64.b64decode(signature or b"", validate=False), manifest)
    except (InvalidSignature, ValueError):
        verdict.signature = (
            "does not verify with the given key (signed by another key, or the manifest was changed)"
            if key_path else "does not verify with the bundle's own signer.pub (the manifest was changed)"
        )  # fmt: skip
    return verdict


def _read_key(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BundleError(f"--key {path}: {error.strerror or error}") from None


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of `files` (tests build tampered bundles with it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def bundle_command(report_dir: Path, key_file: str | None = None) -> int:
    """`spry-conformance bundle DIR`: (re)write DIR/evidence.zip from an earlier run's reports."""
    results = report_dir / "results.json"
    if not results.is_file():
        raise BundleError(f"{results} not found: run 'spry-conformance run --report-dir {report_dir}' first")
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
        manifest = data["manifest"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BundleError(f"{results} is not a results.json written by spry-conformance ({error})") from None
    signing = signer(key_file)
    path = write_bundle(report_dir, {"manifest": manifest, "bundled_later": True}, signing)
    whose = (
        "your signing key" if signing.own else f"a key made now (public key: {report_dir / PUBLIC_KEY_NAME})"
    )
    print(f"wrote {path}, signed by {whose}, fingerprint {signing.fingerprint}")
    return 0


def verify_command(bundle_path: Path, key_path: Path | None) -> int:
    """`spry-conformance verify evidence.zip [--key PUBLIC]`: 0 intact, 1 tampered or wrongly signed."""
    verdict = verify(bundle_path, key_path)
    for line in verdict.lines():
        print(line)
    if not verdict.ok:
        print(f"FAILED: {bundle_path} is not the bundle that was signed")
        return 1
    note = (" (the run's own key, read from the bundle: pass --key with the public key you were given "
            "to know who signed it)" if verdict.run_key or key_path is None else " (the key you gave)")  # fmt: skip
    print(f"OK: {verdict.files} files match the manifest; signature by {verdict.signer}{note}")
    return 0
