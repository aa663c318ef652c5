"""Finding 4: the guard on the ERP's own tables trusts settings any session can set.

quality.guard_lot_status lets a status change through when `lotproof.status_change` is 'on',
and audit.log_change records the action, reason and signature named by `lotproof.action`,
`lotproof.reason` and `lotproof.signature_id`. All are plain custom settings: any session sets
them with set_config. The ERP's database account (which must write erp.lots for receipts) can
therefore release a lot itself, or receive it straight into `available`, and the audit trail
attributes the change to someone else's signature.

No Lotproof group role has write access to erp.lots or quality.lot_state (checked in tests/db);
the attacker here is a login standing in for the ERP's account, made for the test, with SELECT,
INSERT and UPDATE on erp.lots.
"""

from __future__ import annotations

import secrets

import psycopg

from app.db.server import ServerTarget, connect
from tests.security.support import (
    ErpAccount,
    as_user,
    make_lot,
    owner_one,
    owner_rows,
    status_of,
)

FORGE = """
SELECT set_config('lotproof.status_change', 'on', false),
       set_config('lotproof.action', 'lot.release', false),
       set_config('lotproof.reason', 'Released by QA', false),
       set_config('lotproof.signature_id', %s, false)
"""


def _someone_elses_signature(db: ServerTarget) -> int:
    return int(owner_one(db, "SELECT max(id) FROM quality.signatures WHERE username = "
                             "'cora.compliance'") or owner_one(db, "SELECT max(id) FROM "
                                                                   "quality.signatures"))


def test_the_erp_account_releases_a_held_lot_under_someone_elses_signature(
        db: ServerTarget, erp_account: ErpAccount) -> None:
    """Attack: the ERP's account sets lotproof.status_change = 'on' and lotproof.signature_id to
    a compliance officer's signature, then sets the lot's status to 'available' on a lot an
    inspector put on hold.
    Safe outcome: the update is refused (the lot stays on hold) and no audit row attributes a
    change by the ERP account to anyone's signature."""
    lot = make_lot(db)
    as_user(db, "ivy.inspector", "SELECT quality.hold_lot(%s, 'Foreign body found', "
                                 "'quarantine')", (lot.code,))
    signature = _someone_elses_signature(db)
    outcome = "updated"
    try:
        with connect(db.url_for(erp_account.username, erp_account.password)) as conn:
            conn.execute(FORGE, (str(signature),))
            conn.execute("UPDATE quality.lot_state SET status = 'available' WHERE lot_id = %s",
                         (lot.id,))
    except psycopg.Error as exc:
        outcome = f"refused: {str(exc).strip().splitlines()[0]}"
    attributed = owner_rows(db, "SELECT id, action, reason, signature_id FROM audit.trail "
                                "WHERE username = %s AND signature_id IS NOT NULL",
                            (erp_account.username,))
    signer = owner_rows(db, "SELECT username, meaning FROM quality.signatures WHERE id = %s",
                        (signature,))
    assert status_of(db, lot) == "hold" and not attributed, (
        f"the ERP account set {lot.code} {status_of(db, lot)} ({outcome}); audit rows by it "
        f"carrying a signature: {attributed} (signature {signature} is {signer})")


def test_the_erp_account_receives_a_lot_straight_into_available(
        db: ServerTarget, erp_account: ErpAccount) -> None:
    """Attack: the ERP's account sets lotproof.status_change = 'on' and inserts a new receipt
    with status 'available', skipping quarantine and every release check.
    Safe outcome: the lot lands in quarantine (or on hold), or the insert is refused."""
    template = make_lot(db)
    code = f"RT-ERP-{secrets.token_hex(4).upper()}"
    outcome = "inserted"
    try:
        with connect(db.url_for(erp_account.username, erp_account.password)) as conn:
            conn.execute(FORGE, (str(_someone_elses_signature(db)),))
            conn.execute("""
                INSERT INTO erp.lots (lot_code, item_id, supplier_id, supplier_lot_code,
                                      expiry_date, origin, site_id)
                SELECT %s, item_id, supplier_id, 'SUP-ERP-1', current_date + 300,
                       'receipt', site_id FROM erp.lots WHERE id = %s""", (code, template.id))
            conn.execute("""
                UPDATE quality.lot_state SET status = 'available'
                WHERE lot_id = (SELECT id FROM erp.lots WHERE lot_code = %s)""", (code,))
    except psycopg.Error as exc:
        outcome = f"refused: {str(exc).strip().splitlines()[0]}"
    with connect(db.url_for(erp_account.username, erp_account.password)) as conn:
        conn.execute("""
            INSERT INTO erp.lots (lot_code, item_id, supplier_id, supplier_lot_code,
                                  expiry_date, origin, site_id)
            SELECT %s, item_id, supplier_id, 'SUP-ERP-1', current_date + 300,
                   'receipt', site_id FROM erp.lots WHERE id = %s
              AND NOT EXISTS (SELECT 1 FROM erp.lots WHERE lot_code = %s)""",
            (code, template.id, code))
    status = owner_one(db, "SELECT status FROM quality.lots WHERE lot_code = %s", (code,))
    assert status == "quarantine", (
        f"the ERP account received {code} directly as {status!r} ({outcome})")
