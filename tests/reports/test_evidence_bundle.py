"""Audit preparation as the auditor (read-only): the lot dossier renders every section, the
evidence bundle verifies by recomputing every hash and any changed byte is found, the supplier
dossier, and `lotproof evidence` / `lotproof dossier` from the command line."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine, text

from app.db import migrate
from app.db.engine import make_engine
from app.db.queries.lot_detail import LotNotFound
from app.db.server import ServerTarget, libpq_url
from app.progress import Cancelled, Progress
from app.reports import lot_dossier as lot_report
from app.reports import supplier_dossier as supplier_report
from app.reports.evidence_bundle import CHECKSUMS, MANIFEST
from app.workflows import compliance, evidence
from app.workflows.audit import CSV_COLUMNS
from app.workflows.session import UserSession, login
from tests.conftest import DEMO_BY_ROLE, DEMO_PASSWORDS
from tests.support import pdf_text

AUDITOR = DEMO_BY_ROLE["auditor"]


def _login(target: ServerTarget, username: str) -> UserSession:
    return login(target, username, DEMO_PASSWORDS[username])


@pytest.fixture(scope="module")
def owner(shared_db: ServerTarget) -> Iterator[Engine]:
    engine = make_engine(shared_db.admin_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def auditor(shared_db: ServerTarget) -> Iterator[UserSession]:
    session = _login(shared_db, AUDITOR)
    yield session
    session.close()


@pytest.fixture(scope="module")
def lot_code(owner: Engine) -> str:
    """A demo lot with a verified COA of its own and the most signed decisions."""
    with owner.connect() as conn:
        return str(conn.execute(text("""
            SELECT l.lot_code FROM quality.lots l
            WHERE EXISTS (SELECT 1 FROM quality.document_links k
                          JOIN quality.documents d ON d.id = k.document_id
                          WHERE k.lot_id = l.id AND d.kind = 'coa' AND d.status = 'verified')
            ORDER BY (SELECT count(*) FROM quality.lot_decisions x
                      JOIN quality.signatures s
                        ON s.record_type = 'lot_decision' AND s.record_id = x.id
                      WHERE x.lot_id = l.id) DESC, l.lot_code
            LIMIT 1""")).scalar_one())


@pytest.fixture(scope="module")
def bundle(auditor: UserSession, lot_code: str,
           tmp_path_factory: pytest.TempPathFactory) -> evidence.EvidenceBundle:
    out = tmp_path_factory.mktemp("bundle") / f"evidence-{lot_code}.zip"
    steps: list[tuple[int, int, str]] = []
    made = evidence.evidence_bundle(auditor, lot_code, out,
                                    progress=Progress(lambda d, t, w: steps.append((d, t, w))))
    assert steps[-1][0] == steps[-1][1] == len(made.files) + 1  # every file, then the manifest
    return made


def _pages(pdf: Path, tmp: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp / "page")], check=True,
                   timeout=120)
    return sorted(tmp.glob("page-*.png"))


def _text(pdf: Path, page: int | None = None) -> str:
    """The text layer (PDFium from the wheel, not the system's pdftotext, whose version varies)."""
    return pdf_text.words(pdf, page)


def _read_pages(pdf: Path, tmp: Path) -> int:
    """Render every page and read it back; returns the page count, checked against pdfinfo."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    count = int(next(line.split()[-1] for line in info.splitlines()
                     if line.startswith("Pages:")))
    pages = _pages(pdf, tmp)
    assert len(pages) == count >= 1
    for png in pages:
        with Image.open(png) as image:
            assert image.size[0] > 400 and image.size[1] > 600  # A4 at 60 dpi
            lo, _hi = image.convert("L").getextrema()
            assert lo < 100, f"{png.name} is blank"
    return count


# ----------------------------------------------------------------------------- the bundle
def test_bundle_verifies_by_recomputing_every_hash(bundle: evidence.EvidenceBundle,
                                                   owner: Engine, lot_code: str,
                                                   tmp_path: Path) -> None:
    assert evidence.verify_bundle(bundle.path) == []
    assert bundle.altered_documents == []
    with zipfile.ZipFile(bundle.path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        names = set(zf.namelist())
        for entry in manifest["files"]:  # recomputed here, not by the code under test
            data = zf.read(entry["path"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["size"]
        sums = dict(reversed(line.split("  ", 1)) for line in
                    zf.read(CHECKSUMS).decode().splitlines())
        assert names == {f["path"] for f in manifest["files"]} | {MANIFEST, CHECKSUMS}
        assert sums[MANIFEST] == hashlib.sha256(zf.read(MANIFEST)).hexdigest()
        assert {p: h for p, h in sums.items() if p != MANIFEST} == {
            f["path"]: f["sha256"] for f in manifest["files"]}
        trail = list(csv.reader(io.StringIO(zf.read(
            f"audit-trail-{lot_code}.csv").decode())))

    assert manifest["lot_code"] == lot_code
    assert manifest["created_by"]["username"] == AUDITOR
    assert manifest["created_by"]["printed_name"].startswith("Aude Auditor")
    assert manifest["schema_version"] == migrate.head_revision()
    assert manifest["created_at"].endswith("+00:00")
    kinds = [f["kind"] for f in manifest["files"]]
    assert kinds[0] == "dossier" and kinds[-1] == "audit_trail" and "document" in kinds

    # The documents are the stored originals: same bytes as the database holds, same hash as
    # recorded when they were stored, and the lot's own COA among them.
    with owner.connect() as conn:
        stored = {int(r[0]): (str(r[1]), bytes(r[2])) for r in conn.execute(text("""
            SELECT d.id, d.sha256, d.content FROM quality.documents d
            WHERE d.id = ANY(:ids)"""), {"ids": [f["document_id"] for f in manifest["files"]
                                                  if f["kind"] == "document"]})}
        own_coa = set(conn.execute(text("""
            SELECT k.document_id FROM quality.document_links k JOIN quality.lots l ON l.id = k.lot_id
            WHERE l.lot_code = :c"""), {"c": lot_code}).scalars())
        decisions_signed = conn.execute(text("""
            SELECT count(*) FROM quality.signatures s JOIN quality.lot_decisions d
              ON s.record_type = 'lot_decision' AND s.record_id = d.id
            JOIN quality.lots l ON l.id = d.lot_id WHERE l.lot_code = :c"""),
            {"c": lot_code}).scalar_one()
    assert own_coa <= set(stored)
    with zipfile.ZipFile(bundle.path) as zf:
        for f in manifest["files"]:
            if f["kind"] == "document":
                sha, content = stored[f["document_id"]]
                assert zf.read(f["path"]) == content and f["recorded_sha256"] == sha

    assert tuple(trail[0]) == CSV_COLUMNS and len(trail) - 1 == manifest["audit_entries"] > 0
    actions = [row[CSV_COLUMNS.index("action")] for row in trail[1:]]
    assert actions.count("signature.sign") == decisions_signed >= 2
    assert "document.verify" in actions and any(a.startswith("lot.") for a in actions)
    ids = [int(row[0]) for row in trail[1:]]
    assert ids == sorted(ids)

    if shutil.which("sha256sum"):  # the bundle checks without Lotproof too
        with zipfile.ZipFile(bundle.path) as zf:
            zf.extractall(tmp_path)
        check = subprocess.run(["sha256sum", "-c", CHECKSUMS], cwd=tmp_path,
                               capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr


def _rewrite(src: Path, dst: Path, change: dict[str, bytes | None],
             add: dict[str, bytes] | None = None) -> None:
    """A valid ZIP with some members changed (None: removed) or added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change.get(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def test_one_changed_byte_is_detected(bundle: evidence.EvidenceBundle, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle.path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        doc = next(f for f in manifest["files"] if f["kind"] == "document")
        original = zf.read(doc["path"])
        info = zf.getinfo(doc["path"])

    # One byte of a document, in an otherwise valid ZIP.
    changed = tmp_path / "changed.zip"
    _rewrite(bundle.path, changed, {doc["path"]: _flip(original, len(original) // 2)})
    problems = evidence.verify_bundle(changed)
    assert any(p.startswith(f"{doc['path']}: SHA-256") for p in problems), problems
    assert any("recorded when the document was stored" in p for p in problems)
    assert any(p.startswith(f"{CHECKSUMS}: the hash of {doc['path']}") for p in problems)

    # ... and the manifest edited to match: MANIFEST.sha256 and the recorded hash still differ.
    forged = tmp_path / "forged.zip"
    tampered = _flip(original, 10)
    for f in manifest["files"]:
        if f["path"] == doc["path"]:
            f["sha256"] = hashlib.sha256(tampered).hexdigest()
    _rewrite(bundle.path, forged, {doc["path"]: tampered,
                                   MANIFEST: json.dumps(manifest).encode()})
    problems = evidence.verify_bundle(forged)
    assert f"{CHECKSUMS}: the hash of {MANIFEST} differs from the file's" in problems
    assert any("recorded when the document was stored" in p for p in problems)

    # One byte of the ZIP file itself, inside the document's compressed data.
    raw = bytearray(bundle.path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0x01
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(raw))
    problems = evidence.verify_bundle(flipped)
    assert problems and problems[0].startswith(doc["path"]), problems

    # A file slipped in, a file removed, and something that is not a bundle at all.
    extra = tmp_path / "extra.zip"
    _rewrite(bundle.path, extra, {}, add={"documents/readme.txt": b"trust me"})
    assert evidence.verify_bundle(extra) == [
        "documents/readme.txt: in the bundle but not in the manifest"]
    removed = tmp_path / "removed.zip"
    _rewrite(bundle.path, removed, {doc["path"]: None})
    assert f"{doc['path']}: listed in the manifest but missing from the bundle" in \
        evidence.verify_bundle(removed)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert evidence.verify_bundle(junk)[0].endswith("not a readable ZIP file (File is not a "
                                                    "zip file)")


def test_cancel_and_unknown_lot_leave_no_file(auditor: UserSession, lot_code: str,
                                              tmp_path: Path) -> None:
    out = tmp_path / "cancelled.zip"
    asked: list[int] = []

    def step(_done: int, _total: int, _what: str) -> None:
        asked.append(1)
        if len(asked) >= 2:
            progress.cancel()

    progress = Progress(step)
    with pytest.raises(Cancelled, match=f"evidence bundle of {lot_code} cancelled"):
        evidence.evidence_bundle(auditor, lot_code, out, progress=progress)
    with pytest.raises(LotNotFound, match="no lot 'NO-SUCH-LOT'"):
        evidence.evidence_bundle(auditor, "NO-SUCH-LOT", out)
    with pytest.raises(LotNotFound):
        evidence.lot_dossier(auditor, "NO-SUCH-LOT")
    with pytest.raises(evidence.SupplierNotFound):
        evidence.supplier_dossier(auditor, "NO-SUCH-SUPPLIER")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- the dossiers
def test_lot_dossier_renders_every_section(bundle: evidence.EvidenceBundle, lot_code: str,
                                           owner: Engine, tmp_path: Path) -> None:
    pdf = tmp_path / "dossier.pdf"
    with zipfile.ZipFile(bundle.path) as zf:
        pdf.write_bytes(zf.read(f"dossier-{lot_code}.pdf"))
    count = _read_pages(pdf, tmp_path)
    assert count >= 2
    for page in range(1, count + 1):
        words = " ".join(_text(pdf, page).split())
        assert f"Page {page} of {count}" in words
        assert f"Lotproof — Lot dossier {lot_code}" in words
        assert "by Aude Auditor (demo) (aude.auditor)" in words and "UTC" in words
    words = " ".join(_text(pdf).split())
    for heading in lot_report.SECTIONS:
        assert heading in words, heading
    with owner.connect() as conn:
        sha = conn.execute(text("""
            SELECT d.sha256 FROM quality.document_links k JOIN quality.documents d
              ON d.id = k.document_id JOIN quality.lots l ON l.id = k.lot_id
            WHERE l.lot_code = :c AND d.kind = 'coa' LIMIT 1"""), {"c": lot_code}).scalar_one()
        signers = set(conn.execute(text("""
            SELECT s.printed_name FROM quality.signatures s JOIN quality.lot_decisions d
              ON s.record_type = 'lot_decision' AND s.record_id = d.id
            JOIN quality.lots l ON l.id = d.lot_id WHERE l.lot_code = :c"""),
            {"c": lot_code}).scalars())
    assert sha[:32] in words and sha[32:] in words  # the full hash, on two lines
    assert signers and all(name in words for name in signers)
    assert "valid" in words and ("PASS" in words or "FAIL" in words)
    assert "COA trend of" in words  # the lot's item has numeric verified results


def test_supplier_dossier_with_an_approval_history(db: ServerTarget, tmp_path: Path) -> None:
    engine = make_engine(db.admin_url)
    try:
        with engine.connect() as conn:
            supplier_id, code, category = conn.execute(text("""
                SELECT s.id, s.code, i.category FROM erp.suppliers s
                JOIN quality.lots l ON l.supplier_id = s.id JOIN erp.items i ON i.id = l.item_id
                WHERE EXISTS (SELECT 1 FROM quality.document_links k
                              WHERE k.supplier_id = s.id)
                GROUP BY s.id, s.code, i.category ORDER BY count(*) DESC LIMIT 1""")).one()
            file_name = conn.execute(text("""
                SELECT d.file_name FROM quality.document_links k
                JOIN quality.documents d ON d.id = k.document_id
                WHERE k.supplier_id = :s ORDER BY d.id LIMIT 1"""),
                {"s": supplier_id}).scalar_one()
    finally:
        engine.dispose()
    cora = _login(db, "cora.compliance")
    try:
        compliance.set_supplier_approval(cora, supplier_id, category, "conditional",
                                         "Audit finding 2026-07: pest control records late")
    finally:
        cora.close()
    auditor = _login(db, AUDITOR)
    try:
        pdf = tmp_path / "supplier.pdf"
        pdf.write_bytes(evidence.supplier_dossier(auditor, code))
    finally:
        auditor.close()
    count = _read_pages(pdf, tmp_path)
    words = " ".join(_text(pdf).split())
    for heading in supplier_report.SECTIONS:
        assert heading in words, heading
    assert "pest control records" in words and "conditional" in words
    assert "Cora Compliance" in words and "approval version 1" in words
    assert " ".join(file_name.split())[:20] in words
    assert "Risk score" in words and f"Page {count} of {count}" in words


# ----------------------------------------------------------------------------- command line
def _lotproof(target: ServerTarget, *args: str,
              stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["LOTPROOF_DATABASE_URL"] = libpq_url(target.admin_url, show_password=True)
    return subprocess.run([sys.executable, "-m", "app", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def test_evidence_and_dossier_commands(shared_db: ServerTarget, lot_code: str,
                                       owner: Engine, tmp_path: Path) -> None:
    as_auditor = ("--user", AUDITOR, "--password-stdin")
    password = DEMO_PASSWORDS[AUDITOR] + "\n"
    out = tmp_path / "bundle.zip"
    made = _lotproof(shared_db, "evidence", lot_code, "--out", str(out), *as_auditor,
                     stdin=password)
    assert made.returncode == 0, made.stderr
    assert f"wrote {out}" in made.stdout
    checked = _lotproof(shared_db, "evidence", "--verify", str(out))
    assert checked.returncode == 0 and "every file matches" in checked.stdout

    with zipfile.ZipFile(out) as zf:
        dossier = f"dossier-{lot_code}.pdf"
        changed = tmp_path / "changed.zip"
        data = zf.read(dossier)
        _rewrite(out, changed, {dossier: _flip(data, len(data) - 100)})
    bad = _lotproof(shared_db, "evidence", "--verify", str(changed))
    assert bad.returncode == 1 and f"{dossier}: SHA-256" in bad.stderr

    missing = _lotproof(shared_db, "evidence", "NO-SUCH-LOT", "--out", str(tmp_path / "x.zip"))
    assert missing.returncode == 2 and "no lot 'NO-SUCH-LOT'" in missing.stderr
    assert not (tmp_path / "x.zip").exists()

    with owner.connect() as conn:
        supplier = conn.execute(text(
            "SELECT s.code FROM erp.suppliers s JOIN quality.lots l ON l.supplier_id = s.id "
            "WHERE l.lot_code = :c"), {"c": lot_code}).scalar_one()
    pdf = tmp_path / "supplier.pdf"
    sup = _lotproof(shared_db, "dossier", "supplier", supplier, "--out", str(pdf), *as_auditor,
                    stdin=password)
    assert sup.returncode == 0, sup.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and supplier in _text(pdf)
    unknown = _lotproof(shared_db, "dossier", "supplier", "NOPE", "--out", str(pdf))
    assert unknown.returncode == 2 and "no supplier 'NOPE'" in unknown.stderr
