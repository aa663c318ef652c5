"""The evidence bundle as a file: a ZIP of evidence files with `manifest.json` (SHA-256 and size
of every file, who made the bundle, when, from which schema) and `MANIFEST.sha256`, the same
hashes in the format `sha256sum -c` reads, so the bundle can be checked without Lotproof.

`verify_bundle` recomputes every hash. The manifest is not signed: it proves the files are the
ones it lists, and the database (where the documents' hashes were recorded when they were stored)
proves the manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

FORMAT = "lotproof-evidence-bundle/1"
MANIFEST = "manifest.json"
CHECKSUMS = "MANIFEST.sha256"
_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+,-]+")


@dataclass(frozen=True)
class BundleFile:
    path: str
    sha256: str
    size: int
    kind: str  # dossier, document or audit_trail
    document_id: int | None = None
    original_name: str | None = None
    recorded_sha256: str | None = None  # the hash the database recorded when it was stored

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def safe_name(name: str, limit: int = 100) -> str:
    """A file name that unpacks the same on every system and reads on one `sha256sum` line."""
    stem, dot, ext = name.strip().rpartition(".")
    if not dot:
        stem, ext = ext, ""
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "document"
    ext = _UNSAFE.sub("", ext)[:10]
    return stem[:limit] + (f".{ext}" if ext else "")


class BundleWriter:
    """Adds files to the ZIP as it goes (documents are not all held in memory), then writes the
    manifests over what was added."""

    def __init__(self, out: BinaryIO, created_at: dt.datetime) -> None:
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        stamp = created_at.astimezone(dt.UTC)
        self._date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour,
                           stamp.minute, stamp.second)
        self.files: list[BundleFile] = []

    def _write(self, path: str, data: bytes) -> None:
        info = zipfile.ZipInfo(path, self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, data)

    def add(self, path: str, data: bytes, kind: str, **extra: Any) -> BundleFile:
        if path in (MANIFEST, CHECKSUMS) or any(f.path == path for f in self.files):
            raise ValueError(f"{path} is already in the bundle")
        entry = BundleFile(path, hashlib.sha256(data).hexdigest(), len(data), kind, **extra)
        self._write(path, data)
        self.files.append(entry)
        return entry

    def finish(self, header: dict[str, Any]) -> bytes:
        """Write manifest.json and MANIFEST.sha256; returns the manifest's bytes."""
        manifest = json.dumps({"format": FORMAT, **header,
                               "files": [f.as_json() for f in self.files]},
                              indent=2, ensure_ascii=False).encode() + b"\n"
        self._write(MANIFEST, manifest)
        sums = [(f.sha256, f.path) for f in self.files]
        sums.append((hashlib.sha256(manifest).hexdigest(), MANIFEST))
        self._write(CHECKSUMS, "".join(f"{h}  {p}\n" for h, p in sums).encode())
        self.close()
        return manifest

    def close(self) -> None:
        """Close the ZIP (also after a failure, before the partial file is removed)."""
        self._zip.close()


def _read(zf: zipfile.ZipFile, name: str, problems: list[str]) -> bytes | None:
    try:
        return zf.read(name)
    except KeyError:
        problems.append(f"{name}: listed in the manifest but missing from the bundle")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        problems.append(f"{name}: cannot be read from the bundle ({exc})")
    return None


def _check_sums(zf: zipfile.ZipFile, listed: set[str], actual: dict[str, str],
                problems: list[str]) -> None:
    """MANIFEST.sha256 must list exactly the manifest's files and manifest.json, with the hash
    each file has."""
    raw = _read(zf, CHECKSUMS, problems)
    if raw is None:
        return
    seen: dict[str, str] = {}
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), start=1):
        match = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
        if not match:
            problems.append(f"{CHECKSUMS} line {number}: not a sha256sum line")
            continue
        seen[match.group(2)] = match.group(1)
    for path in sorted(set(seen) | set(listed)):
        if path not in seen:
            problems.append(f"{CHECKSUMS}: {path} is missing")
        elif path not in listed:
            problems.append(f"{CHECKSUMS}: lists {path}, which manifest.json does not")
        elif path in actual and seen[path] != actual[path]:
            problems.append(f"{CHECKSUMS}: the hash of {path} differs from the file's")


def verify_bundle(path: Path | str) -> list[str]:
    """Every problem found, in words; an empty list means every file matches its hash."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"{path}: not a readable ZIP file ({exc})"]
    problems: list[str] = []
    with zf:
        names = zf.namelist()
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"{name}: stored more than once in the bundle")
        raw = _read(zf, MANIFEST, problems)
        if raw is None:
            return problems
        try:
            manifest = json.loads(raw)
            files = [BundleFile(**f) for f in manifest["files"]]
        except (ValueError, KeyError, TypeError) as exc:
            return [*problems, f"{MANIFEST}: not a Lotproof evidence manifest ({exc})"]
        if manifest.get("format") != FORMAT:
            problems.append(f"{MANIFEST}: unknown format {manifest.get('format')!r}")
        actual: dict[str, str] = {MANIFEST: hashlib.sha256(raw).hexdigest()}
        for f in files:
            data = _read(zf, f.path, problems)
            if data is None:
                continue
            actual[f.path] = digest = hashlib.sha256(data).hexdigest()
            if len(data) != f.size:
                problems.append(f"{f.path}: {len(data):,} bytes, the manifest says {f.size:,}")
            if digest != f.sha256:
                problems.append(f"{f.path}: SHA-256 {digest} does not match the manifest's "
                                f"{f.sha256}")
            if f.recorded_sha256 and digest != f.recorded_sha256:
                problems.append(f"{f.path}: does not match the hash the database recorded when "
                                f"the document was stored ({f.recorded_sha256})")
        for name in sorted(set(names) - {f.path for f in files} - {MANIFEST, CHECKSUMS}):
            problems.append(f"{name}: in the bundle but not in the manifest")
        _check_sums(zf, {f.path for f in files} | {MANIFEST}, actual, problems)
    return problems
