"""What the attack tests share: logins of their own, fresh connections, lots built for a test.

Every attack runs as a hostile insider holding a valid login, over a raw psycopg connection (the
way any client could talk to the shared database), never through the workstation's own checks.
Set-up runs as the database superuser (`db.admin_url`).

Login roles are cluster-wide and shared by every test database of the session, so an attack that
changes a role (superuser, password, membership, LOGIN) always targets a login made by the test
itself (`Logins.make`), never a demo person; `Logins.cleanup` takes away whatever such a login
gained.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy.engine import URL

from app.db.scram import scram_verifier
from app.db.server import ServerTarget, connect
from tests.conftest import DEMO_PASSWORDS, unique_username

GROUP_ROLES = ("lotproof_inspector", "lotproof_approver", "lotproof_compliance",
               "lotproof_admin", "lotproof_auditor")
Row = tuple[Any, ...]


# ----------------------------------------------------------------------------- connections
def owner_rows(db: ServerTarget, sql: str, params: Sequence[Any] | dict[str, Any] | None = None,
               ) -> list[Row]:
    """Run one statement as the superuser (set-up and checking only) and commit."""
    with connect(db.admin_url) as conn:
        cur = conn.execute(sql, params)  # type: ignore[arg-type]
        return list(cur.fetchall()) if cur.description else []


def owner_one(db: ServerTarget, sql: str, params: Sequence[Any] | dict[str, Any] | None = None,
              ) -> Any:
    rows = owner_rows(db, sql, params)
    return rows[0][0] if rows else None


def cluster_rows(db: ServerTarget, sql: str, params: Sequence[Any] | None = None) -> list[Row]:
    """A statement about roles (cluster-wide), run as the superuser in the `postgres` database."""
    with connect(db.admin_url.set(database="postgres"), autocommit=True) as conn:
        cur = conn.execute(sql, params)  # type: ignore[arg-type]
        return list(cur.fetchall()) if cur.description else []


def is_superuser(db: ServerTarget, username: str) -> bool:
    return bool(cluster_rows(db, "SELECT rolsuper FROM pg_roles WHERE rolname = %s",
                             (username,))[0][0])


def url_of(db: ServerTarget, username: str, password: str | None = None) -> URL:
    return db.url_for(username, password or DEMO_PASSWORDS[username])


def as_user(db: ServerTarget, username: str, sql: str,
            params: Sequence[Any] | dict[str, Any] | None = None,
            password: str | None = None) -> list[Row]:
    """One statement on a FRESH connection of `username` (so it may sign), committed."""
    with connect(url_of(db, username, password)) as conn:
        cur = conn.execute(sql, params)  # type: ignore[arg-type]
        return list(cur.fetchall()) if cur.description else []


def attempt(db: ServerTarget, username: str, sql: str,
            params: Sequence[Any] | dict[str, Any] | None = None,
            password: str | None = None) -> tuple[bool, Any]:
    """`as_user`, reporting (True, rows) or (False, the refusal) instead of raising."""
    try:
        return True, as_user(db, username, sql, params, password)
    except psycopg.Error as exc:
        return False, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"


# ----------------------------------------------------------------------------- logins
@dataclass
class Login:
    username: str
    password: str
    role: str
    printed_name: str

    def url(self, db: ServerTarget) -> URL:
        return db.url_for(self.username, self.password)


@dataclass
class Logins:
    """Logins made for one test through the product's own `quality.create_user` (as the owner)."""

    db: ServerTarget
    made: list[Login] = field(default_factory=list)
    extra_roles: list[str] = field(default_factory=list)  # group roles a test may have altered

    def make(self, role: str, stem: str = "rt", printed_name: str | None = None) -> Login:
        role = role if role.startswith("lotproof_") else f"lotproof_{role}"
        username = unique_username(stem)
        password = "pw-" + secrets.token_hex(8)
        printed = printed_name or f"Red Team {username}"
        owner_rows(self.db, "SELECT quality.create_user(%s, %s, %s, %s)",
                   (username, printed, role, scram_verifier(password)))
        login = Login(username, password, role, printed)
        self.made.append(login)
        return login

    def cleanup(self) -> None:
        """Whatever an attack gave these logins (or the group roles) is taken back."""
        for login in self.made:
            cluster_rows(self.db, f'ALTER ROLE "{login.username}" NOSUPERUSER NOLOGIN')
        for role in self.extra_roles:
            if role.startswith("lotproof_") and cluster_rows(self.db, "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)):
                cluster_rows(self.db, f'ALTER ROLE "{role}" NOSUPERUSER NOLOGIN')


@dataclass(frozen=True)
class ErpAccount:
    username: str
    password: str

    def url(self, db: ServerTarget) -> URL:
        return db.url_for(self.username, self.password)


# ----------------------------------------------------------------------------- lots
@dataclass(frozen=True)
class RedLot:
    id: int
    code: str
    supplier_lot: str
    item_id: int
    item_name: str
    supplier_id: int
    supplier_name: str


def make_lot(db: ServerTarget, *, required_documents: Sequence[str] = ("COA",),
             specs: list[dict[str, Any]] | None = None, stock: float = 100.0,
             expiry_days: int = 400) -> RedLot:
    """A receipt lot of an item and an approved supplier of its own, in quarantine, with stock.
    With `specs`, the item's specification (set by the compliance officer, the normal way)."""
    tag = secrets.token_hex(4).upper()
    supplier_id = owner_one(db, """
        INSERT INTO erp.suppliers (code, name, country, approval_status)
        VALUES (%s, %s, 'DE', 'approved') RETURNING id""", (f"RTS-{tag}", f"Redteam Supplier {tag}"))
    item_name = f"Redteam Powder {tag}, 25 kg bag"
    item_id = owner_one(db, """
        INSERT INTO erp.items (sku, name, category, uom, shelf_life_days, required_documents)
        VALUES (%s, %s, 'food_ingredient', 'kg', 720, %s) RETURNING id""",
        (f"RT-{tag}", item_name, list(required_documents)))
    site_id, location_id = owner_rows(db, "SELECT site_id, id FROM erp.locations "
                                          "WHERE kind = 'warehouse' ORDER BY id LIMIT 1")[0]
    code, supplier_lot = f"RT-LOT-{tag}", f"SUP{tag}"
    lot_id = owner_one(db, """
        INSERT INTO erp.lots (lot_code, item_id, supplier_id, supplier_lot_code, manufacture_date,
                              expiry_date, origin, site_id)
        VALUES (%s, %s, %s, %s, current_date - 10, current_date + %s, 'receipt', %s)
        RETURNING id""", (code, item_id, supplier_id, supplier_lot, expiry_days, site_id))
    owner_rows(db, "INSERT INTO erp.stock (lot_id, location_id, qty) VALUES (%s, %s, %s)",
               (lot_id, location_id, stock))
    lot = RedLot(int(lot_id), code, supplier_lot, int(item_id), item_name, int(supplier_id),
                  f"Redteam Supplier {tag}")
    if specs is not None:
        set_specs(db, lot, specs, "Specification for the red-team item")
    return lot


def set_specs(db: ServerTarget, lot: RedLot, specs: list[dict[str, Any]], reason: str) -> None:
    as_user(db, "cora.compliance", "SELECT quality.set_item_specs(%s, %s::jsonb, %s)",
            (lot.item_id, json.dumps(specs), reason))


def status_of(db: ServerTarget, lot: RedLot) -> str:
    return str(owner_one(db, "SELECT status FROM quality.lots WHERE id = %s", (lot.id,)))


def blockers_of(db: ServerTarget, lot: RedLot) -> list[str]:
    return list(owner_one(db, "SELECT quality.release_blockers(%s)", (lot.id,)) or [])


def store_coa(db: ServerTarget, username: str, lot: RedLot, results: list[dict[str, Any]], *,
              lot_number: str | None = None, product: str | None = None,
              supplier: str | None = None, link_to: RedLot | None = None) -> int:
    """The inspector's part: store a COA (what the reader extracted), link it to a lot and
    confirm every value. Returns the document id. Raises when a step is refused."""
    extraction = {
        "kind": "coa", "kind_confidence": 0.99,
        "fields": {
            "lot_number": {"value": lot_number or lot.supplier_lot, "page": 1, "confidence": 0.99,
                           "method": "text", "source_text": lot_number or lot.supplier_lot},
            "product_name": {"value": product or lot.item_name, "page": 1, "confidence": 0.99,
                             "method": "text", "source_text": product or lot.item_name},
            "supplier": {"value": supplier or lot.supplier_name, "page": 1, "confidence": 0.99,
                         "method": "text", "source_text": supplier or lot.supplier_name},
        },
        "results": [{"page": 1, "confidence": 0.99, **r} for r in results],
    }
    content = b"%PDF-1.4\n% red-team COA " + secrets.token_hex(16).encode() + b"\n%%EOF\n"
    with connect(url_of(db, username)) as conn:
        doc = conn.execute("SELECT document_id FROM quality.store_document(%s, %s, %s, 1, %s)",
                           (f"COA {lot.supplier_lot}.pdf", "application/pdf", content,
                            json.dumps(extraction))).fetchone()
        assert doc is not None
        document_id: int = int(str(doc[0]))
        conn.execute("SELECT quality.link_document(%s, %s)",
                     (document_id, (link_to or lot).code))
        for (fid,) in conn.execute("SELECT id FROM quality.extracted_fields WHERE document_id = %s",
                                   (document_id,)).fetchall():
            conn.execute("SELECT quality.confirm_field(%s)", (fid,))
        for (rid,) in conn.execute("SELECT id FROM quality.coa_results WHERE document_id = %s",
                                   (document_id,)).fetchall():
            conn.execute("SELECT quality.confirm_result(%s)", (rid,))
    return document_id


def verify_document(db: ServerTarget, username: str, document_id: int) -> None:
    as_user(db, username, "SELECT quality.verify_document(%s)", (document_id,))


def release(db: ServerTarget, username: str, lot: RedLot, reason: str = "",
            password: str | None = None) -> tuple[bool, Any]:
    """An approver's release without any override, from whatever status the lot is in now."""
    return attempt(db, username, "SELECT quality.release_lot(%s, %s, %s)",
                   (lot.code, reason, status_of(db, lot)), password)


def signatures_by(db: ServerTarget, username: str) -> list[Row]:
    return owner_rows(db, "SELECT id, record_type, record_id, meaning FROM quality.signatures "
                          "WHERE username = %s ORDER BY id", (username,))


# ----------------------------------------------------------------------------- round 2
def audit_verify(db: ServerTarget, folder: Any) -> Any:
    """`lotproof audit verify` as the read-only auditor, as its own process, with its data and
    witness folders under `folder` (as tests/security/test_audit_superuser.py runs it)."""
    import os
    import subprocess
    import sys

    from app.db.server import libpq_url

    env = dict(os.environ)
    env["LOTPROOF_DATABASE_URL"] = libpq_url(db.admin_url, show_password=True)
    env["LOTPROOF_DATA_DIR"] = str(folder / "data")
    env["LOTPROOF_AUDIT_WITNESS_DIR"] = str(folder / "witness")
    return subprocess.run(
        [sys.executable, "-m", "app", "audit", "verify", "--user", "aude.auditor",
         "--password-stdin"], input=DEMO_PASSWORDS["aude.auditor"] + "\n", env=env,
        capture_output=True, text=True, timeout=60)


def verify_said(run: Any) -> str:
    return f"exit {run.returncode}: {(run.stdout + run.stderr).strip()[-400:]}"


def create_user_as(db: ServerTarget, logins: Logins, admin: Login, role: str, stem: str,
                   printed_name: str | None = None,
                   password: str = "temporary-" + "0" * 4) -> tuple[bool, Any, Login]:
    """An administrator (not the installer) enrols a person; whatever it made is cleaned up."""
    role = role if role.startswith("lotproof_") else f"lotproof_{role}"
    username = unique_username(stem)
    printed = printed_name or f"Red Team {username}"
    ok, out = attempt(db, admin.username, "SELECT quality.create_user(%s, %s, %s, %s)",
                      (username, printed, role, scram_verifier(password)), admin.password)
    login = Login(username, password, role, printed)
    if ok:
        logins.made.append(login)
    return ok, out, login
