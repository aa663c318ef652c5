"""The command line, run as a user runs it: a separate process against the shared database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.db.server import ServerTarget, libpq_url
from tests.conftest import DEMO_PASSWORDS, unique_username


def lotproof(target: ServerTarget, *args: str, stdin: str | None = None,
             url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["LOTPROOF_DATABASE_URL"] = url or libpq_url(target.admin_url, show_password=True)
    return subprocess.run([sys.executable, "-m", "app", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


def test_lot_list_json_and_table(shared_db: ServerTarget) -> None:
    out = lotproof(shared_db, "lot", "list", "--limit", "5", "--format", "json")
    assert out.returncode == 0, out.stderr
    lots = json.loads(out.stdout)
    assert len(lots) == 5
    assert {"lot_code", "supplier_lot_code", "item", "status", "expiry_date"} <= set(lots[0])
    held = json.loads(lotproof(shared_db, "lot", "list", "--status", "hold", "--format", "json",
                               "--limit", "1000").stdout)
    assert held and {lot["status"] for lot in held} == {"hold"}
    table = lotproof(shared_db, "lot", "list", "--search", lots[0]["lot_code"])
    assert table.returncode == 0
    assert lots[0]["lot_code"] in table.stdout and "supplier lot" in table.stdout


def test_lot_show_as_a_logged_in_person(shared_db: ServerTarget) -> None:
    code = json.loads(lotproof(shared_db, "lot", "list", "--limit", "1", "--format",
                               "json").stdout)[0]["lot_code"]
    out = lotproof(shared_db, "lot", "show", code, "--format", "json", "--user", "aude.auditor",
                   "--password-stdin", stdin=DEMO_PASSWORDS["aude.auditor"] + "\n")
    assert out.returncode == 0, out.stderr
    lot = json.loads(out.stdout)
    assert lot["lot_code"] == code
    assert lot["movements"] and lot["movements"][0]["kind"] == "receipt"
    assert {"stock", "status", "expiry_date", "item"} <= set(lot)
    text = lotproof(shared_db, "lot", "show", code)
    assert "Movements" in text.stdout and code in text.stdout
    missing = lotproof(shared_db, "lot", "show", "NO-SUCH-LOT")
    assert missing.returncode == 2 and "no lot 'NO-SUCH-LOT'" in missing.stderr


def test_wrong_password_and_unreachable_server_are_clear_messages(shared_db: ServerTarget) -> None:
    out = lotproof(shared_db, "lot", "list", "--user", "ivy.inspector", "--password-stdin",
                   stdin="nope\n")
    assert out.returncode == 2
    assert "Wrong user name or password for ivy.inspector" in out.stderr
    assert "Traceback" not in out.stderr
    down = lotproof(shared_db, "lot", "list",
                    url="postgresql://someone:secret@127.0.0.1:1/lotproof")
    assert down.returncode == 2
    assert "Cannot reach the Lotproof database at postgresql://someone@127.0.0.1:1/lotproof" \
        in down.stderr
    assert "secret" not in down.stderr and "Traceback" not in down.stderr


def test_user_add_with_password_from_stdin_then_log_in(db: ServerTarget) -> None:
    name = unique_username("cli")
    out = lotproof(db, "user", "add", name, "--role", "approver", "--printed-name",
                   "Cli Person", "--password-stdin", stdin="cli-password-1\n")
    assert out.returncode == 0, out.stderr
    assert f"created {name} (Cli Person, Approver)" in out.stdout
    again = lotproof(db, "lot", "list", "--limit", "1", "--user", name, "--password-stdin",
                     stdin="cli-password-1\n")
    assert again.returncode == 0, again.stderr
    users = lotproof(db, "user", "list")
    assert name in users.stdout


def test_db_url_and_upgrade(shared_db: ServerTarget) -> None:
    url = lotproof(shared_db, "db", "url")
    assert url.returncode == 0
    assert url.stdout.startswith("postgresql://postgres@")
    assert shared_db.admin_url.database in url.stdout
    up = lotproof(shared_db, "db", "upgrade")
    assert up.returncode == 0 and "schema at" in up.stdout


def test_signed_decisions_from_the_command_line(db: ServerTarget) -> None:
    lots = json.loads(lotproof(db, "lot", "list", "--status", "quarantine", "--format", "json",
                               "--limit", "1").stdout)
    code = lots[0]["lot_code"]

    def as_user(user: str, *args: str) -> subprocess.CompletedProcess[str]:
        return lotproof(db, "lot", *args, "--user", user, "--password-stdin",
                        stdin=DEMO_PASSWORDS[user] + "\n")

    blocked = as_user("arlo.approver", "release", code)
    assert blocked.returncode == 2 and "cannot be released: no verified COA" in blocked.stderr
    pending = as_user("arlo.approver", "release", code, "--override", "Paper COA in the binder")
    assert pending.returncode == 0, pending.stderr
    assert "waiting for a second signature" in pending.stdout
    decision = pending.stdout.split()[1]
    approved = as_user("cora.compliance", "approve", decision)
    assert approved.returncode == 0, approved.stderr
    held = as_user("ivy.inspector", "hold", code, "--reason", "Pallet damaged in the yard")
    assert held.returncode == 0 and f"lot {code} is now hold" in held.stdout
    bad = lotproof(db, "lot", "hold", code, "--reason", "x", "--user", "ivy.inspector",
                   "--password-stdin", stdin="wrong\n")
    assert bad.returncode == 2 and "Wrong user name or password" in bad.stderr

    shown = json.loads(lotproof(db, "lot", "show", code, "--format", "json").stdout)
    assert shown["status"] == "hold"
    meanings = [s["meaning"] for h in shown["history"] for s in h["signatures"]]
    assert meanings == ["Released", "Override approved", "Placed on hold"]
    assert all(s["valid"] for h in shown["history"] for s in h["signatures"])
    text_out = lotproof(db, "lot", "show", code).stdout
    assert "signed: Placed on hold — Ivy Inspector (demo) (Inspector)" in text_out
    audit_csv = lotproof(db, "audit", "list", "--lot", code, "--format", "csv")
    assert audit_csv.returncode == 0
    assert "lot.hold" in audit_csv.stdout and "Pallet damaged in the yard" in audit_csv.stdout


def test_extract_prints_fields_with_provenance_and_ingest_links(db: ServerTarget,
                                                               tmp_path: Path) -> None:
    from app.db.engine import make_engine
    from tests.support.coa_files import coa_for_a_quarantine_lot

    owner = make_engine(db.admin_url)
    path, lot, supplier_lot = coa_for_a_quarantine_lot(owner, tmp_path)
    owner.dispose()
    out = lotproof(db, "extract", str(path), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"kind", "fields", "results"} and data["kind"] == "coa"
    lot_number = data["fields"]["lot_number"]
    assert lot_number["value"] == supplier_lot
    assert {"value", "page", "bbox", "confidence", "method"} <= set(lot_number)
    assert data["fields"]["expiry_date"]["value"].count("-") == 2  # ISO 8601
    assert {"test", "method", "specification", "result", "unit", "pass"} <= set(data["results"][0])
    stored = lotproof(db, "ingest", str(path), "--user", "ivy.inspector", "--password-stdin",
                      stdin=DEMO_PASSWORDS["ivy.inspector"] + "\n")
    assert stored.returncode == 0, stored.stderr
    assert "COA stored as document" in stored.stdout and f"linked to {lot}" in stored.stdout
    bad = tmp_path / "empty.pdf"
    bad.write_bytes(b"")
    refused = lotproof(db, "ingest", str(bad), "--lot", lot)
    assert refused.returncode == 1 and "empty.pdf: NOT STORED" in refused.stderr


def test_trace_recall_and_exports_from_the_command_line(db: ServerTarget, tmp_path: Path) -> None:
    from app.db.engine import make_engine
    from tests.db.test_recalls import hero_lot

    owner = make_engine(db.admin_url)
    source = hero_lot(owner)
    owner.dispose()
    traced = json.loads(lotproof(db, "trace", source, "--format", "json").stdout)
    assert traced["direction"] == "forward" and traced["max_depth"] >= 1
    assert len(traced["shipments"]) > 50 and traced["lots"][0]["lot_code"] == source
    csv_out = lotproof(db, "trace", traced["lots"][-1]["lot_code"], "--backward", "--format",
                       "csv").stdout
    assert csv_out.startswith("record,lot_code,depth") and f"source,{source}" in csv_out
    opened = lotproof(db, "recall", "open", source, "--reason", "Mock exercise", "--mock",
                      "--class", "II", "--user", "cora.compliance", "--password-stdin",
                      stdin=DEMO_PASSWORDS["cora.compliance"] + "\n")
    assert opened.returncode == 0, opened.stderr
    assert "mock recall MOCK-" in opened.stdout and "unexplained 0.000" in opened.stdout
    recall_id = opened.stdout.split("(id ")[1].split(")")[0]
    report = tmp_path / "recall.pdf"
    assert lotproof(db, "recall", "report", recall_id, "--out", str(report)).returncode == 0
    assert report.read_bytes().startswith(b"%PDF")
    sheet = tmp_path / "fsma.xlsx"
    out = lotproof(db, "export", "fsma204", "--lots", source, "--out", str(sheet))
    assert out.returncode == 0 and sheet.read_bytes()[:2] == b"PK"
    events = tmp_path / "lot.jsonld"
    out = lotproof(db, "export", "epcis", source, "--out", str(events))
    assert out.returncode == 0 and json.loads(events.read_text())["type"] == "EPCISDocument"
    listed = lotproof(db, "recall", "list")
    assert "MOCK-" in listed.stdout


def test_a_customer_certificate_from_the_command_line(db: ServerTarget, tmp_path: Path) -> None:
    from app.db.engine import make_engine
    from tests.db.test_customer_certificates import a_customer, released_lot, ship
    from tests.support.pdf_text import words

    owner = make_engine(db.admin_url)
    with owner.connect() as conn:
        lot_id, code, _ = released_lot(conn)
        customer = a_customer(conn)
    ship(owner, customer, lot_id, "SH-CLI-1")
    owner.dispose()
    out = tmp_path / "coa.pdf"
    as_ivy = ("--user", "ivy.inspector", "--password-stdin")
    issued = lotproof(db, "certificate", "SH-CLI-1", "--line", "1", "--out", str(out), *as_ivy,
                      stdin=DEMO_PASSWORDS["ivy.inspector"] + "\n")
    assert issued.returncode == 0, issued.stderr
    assert "COA-" in issued.stdout and f"lot {code}" in issued.stdout
    assert code in words(out) and "Certificate of Analysis" in words(out)
    number = int(issued.stdout.split("COA-")[1].split(":")[0])
    again = tmp_path / "again.pdf"
    assert lotproof(db, "certificate", "--reprint", str(number), "--out",
                    str(again)).returncode == 0
    assert code in words(again)
    nobody = lotproof(db, "certificate", "SH-CLI-1", "--out", str(out))
    assert nobody.returncode == 2 and "issued by a person" in nobody.stderr
    wrong = lotproof(db, "certificate", "SH-CLI-1", "--line", "3", "--out", str(out), *as_ivy,
                     stdin=DEMO_PASSWORDS["ivy.inspector"] + "\n")
    assert wrong.returncode == 2 and "has 1 line(s), not a line 3" in wrong.stderr


def test_labels_from_the_command_line(db: ServerTarget, tmp_path: Path) -> None:
    from app.db.engine import make_engine
    from tests.db.test_labels import decoded, lot_with_gtin

    owner = make_engine(db.admin_url)
    with owner.connect() as conn:
        code = lot_with_gtin(conn, "nutraceutical")
    owner.dispose()
    as_ivy = ("--user", "ivy.inspector", "--password-stdin")
    out = tmp_path / "pallets.pdf"
    printed = lotproof(db, "label", code, "--kind", "pallet", "--units", "24", "--copies", "2",
                       "--size", "100x150", "--out", str(out), *as_ivy,
                       stdin=DEMO_PASSWORDS["ivy.inspector"] + "\n")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.count("(00)") == 2 and len(decoded(out.read_bytes())) == 2
    listed = lotproof(db, "label", code, "--list")
    assert listed.returncode == 0 and listed.stdout.count("pallet") == 2
    refused = lotproof(db, "label", code, "--kind", "status", "--out", str(out), *as_ivy,
                       stdin=DEMO_PASSWORDS["ivy.inspector"] + "\n")
    assert refused.returncode != 0 and "status label marks stock" in refused.stderr
