"""Relabel and repack under control: the attacks first (approving one's own request, an
inspector or administrator approving, the ERP doing it before the approval), then the flow —
the new lot takes the parent's documents, status, release and inspections, the genealogy edge
is written, the stock moves, its label reads back — and a relabel done in the ERP without an
approval lands in the exception queue."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from app.db.errors import DecisionRefused
from app.db.server import ServerTarget
from app.documents.gs1 import parse_gs1
from app.workflows import relabels
from app.workflows.session import UserSession
from app.workflows.signing import Credentials
from tests.conftest import DEMO_PASSWORDS
from tests.db.test_customer_certificates import released_lot
from tests.db.test_labels import decoded
from tests.support.inspections import as_user

ARLO = Credentials("arlo.approver", DEMO_PASSWORDS["arlo.approver"])


@pytest.fixture
def people(db: ServerTarget) -> Iterator[dict[str, UserSession]]:
    sessions = {name: as_user(db, name) for name in
                ("ivy.inspector", "arlo.approver", "cora.compliance", "adam.admin")}
    yield sessions
    for session in sessions.values():
        session.close()


def on_hand(owner: Engine, code: str) -> Decimal:
    with owner.connect() as conn:
        return Decimal(conn.execute(text(
            "SELECT coalesce(sum(s.qty), 0) FROM erp.stock s JOIN quality.lots l "
            "ON l.id = s.lot_id WHERE l.lot_code = :c"), {"c": code}).scalar_one())


def test_nobody_approves_their_own_and_nothing_happens_unapproved(
        people: dict[str, UserSession], owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        _lot, code, _item = released_lot(conn)
    arlo = people["arlo.approver"]
    own = relabels.request(arlo, code, "relabel", "Supplier label misprinted the lot",
                           Decimal("1"), new_lot_code=f"{code}-RL")
    assert own.state == "requested" and own.new_lot_code == f"{code}-RL"
    with pytest.raises(DecisionRefused, match="you asked for this relabel"):
        relabels.approve(arlo, ARLO, own.id)
    for name in ("ivy.inspector", "adam.admin"):
        with pytest.raises(DecisionRefused, match=r"permission denied|may not"):
            relabels.approve(people[name], Credentials(name, DEMO_PASSWORDS[name]), own.id)
    with pytest.raises(DecisionRefused, match="only once another person has approved"):
        relabels.carry_out(people["ivy.inspector"], own.id)
    assert on_hand(owner_engine, f"{code}-RL") == 0
    relabels.refuse(people["cora.compliance"], own.id, "Use the supplier's corrected labels")
    with pytest.raises(DecisionRefused, match="is refused"):
        relabels.approve(people["cora.compliance"],
                         Credentials("cora.compliance", DEMO_PASSWORDS["cora.compliance"]),
                         own.id)
    with pytest.raises(DecisionRefused, match="no more than that"):
        relabels.request(arlo, code, "relabel", "Too much", Decimal("1e9"), new_lot_code="X1")
    with pytest.raises(DecisionRefused, match="names the new lot code"):
        relabels.request(arlo, code, "relabel", "No code", Decimal("1"))


def test_an_approved_relabel_inherits_and_is_traced(people: dict[str, UserSession],
                                                    owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        lot_id, code, _item = released_lot(conn)
        docs_before = conn.execute(text(
            "SELECT count(*) FROM quality.document_links WHERE lot_id = :l"),
            {"l": lot_id}).scalar_one()
        results_before = conn.execute(text(
            "SELECT count(*) FROM quality.certificate_results(:l, NULL) WHERE passed"),
            {"l": lot_id}).scalar_one()
    before = on_hand(owner_engine, code)
    ivy = people["ivy.inspector"]
    asked = relabels.request(ivy, code, "relabel", "Outer labels torn in transit",
                             Decimal("2"), new_lot_code=f"{code}-RL1")
    signature = relabels.approve(people["arlo.approver"], ARLO, asked.id)
    done, pdf, problem = relabels.carry_out(ivy, asked.id)
    child = f"{code}-RL1"
    assert done.state == "done" and done.child_lot_code == child and done.signature_valid
    assert problem is None and pdf is not None
    assert [parse_gs1(b.text).lot for b in decoded(pdf)[0]
            if parse_gs1(b.text).lot] == [child, child]  # the bar and the matrix
    assert on_hand(owner_engine, child) == 2 and on_hand(owner_engine, code) == before - 2
    with owner_engine.connect() as conn:
        child_id, status = conn.execute(text(
            "SELECT id, status FROM quality.lots WHERE lot_code = :c"), {"c": child}).one()
        assert status == "available"  # released with its parent's release
        edge = conn.execute(text(
            "SELECT p.lot_code, g.transformation, g.qty FROM erp.lot_genealogy g "
            "JOIN quality.lots p ON p.id = g.parent_lot_id WHERE g.child_lot_id = :c"),
            {"c": child_id}).one()
        assert tuple(edge) == (code, "relabel", Decimal("2.000"))
        assert conn.execute(text("SELECT count(*) FROM quality.document_links WHERE lot_id = :l"),
                            {"l": child_id}).scalar_one() == docs_before
        assert conn.execute(text(
            "SELECT count(*) FROM quality.certificate_results(:l, NULL) WHERE passed"),
            {"l": child_id}).scalar_one() == results_before
        assert conn.execute(text("SELECT count(*) FROM quality.release_signatures(:l)"),
                            {"l": child_id}).scalar_one() >= 1
        assert conn.execute(text("SELECT quality.signature_valid(:s)"),
                            {"s": signature}).scalar_one()
        assert not conn.execute(text(
            "SELECT count(*) FROM quality.exceptions WHERE type = 'unapproved_relabel' "
            "AND lot_id = :l AND closed_at IS NULL"), {"l": child_id}).scalar_one()
        trail = {a for (a,) in conn.execute(text(
            "SELECT action FROM audit.trail WHERE record_type = 'quality.relabel_requests' "
            "AND record_id = :i"), {"i": str(asked.id)})}
    assert {"relabel.request", "relabel.approve", "relabel.done"} <= trail


def test_a_repack_into_another_pack_size(people: dict[str, UserSession],
                                         owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        _lot, code, item = released_lot(conn)
        sku, pack = conn.execute(text(
            "SELECT i.sku, o.sku FROM erp.items i JOIN erp.items o ON o.id <> i.id "
            "AND split_part(o.sku, '-', 1) = split_part(i.sku, '-', 1) AND o.uom = i.uom "
            "WHERE i.id = :i ORDER BY o.id LIMIT 1"), {"i": item}).one()
    ivy = people["ivy.inspector"]
    asked = relabels.request(ivy, code, "repack", f"Customer orders 1 kg units of {sku}",
                             Decimal("1"), new_sku=pack)
    relabels.approve(people["arlo.approver"], ARLO, asked.id)
    done, pdf, _problem = relabels.carry_out(ivy, asked.id)
    assert done.new_sku == pack and done.child_lot_code == f"{code}-P1"
    assert pdf is not None  # the new lot's label, as asked by default
    with owner_engine.connect() as conn:
        assert conn.execute(text(
            "SELECT i.sku FROM quality.lots l JOIN erp.items i ON i.id = l.item_id "
            "WHERE l.lot_code = :c"), {"c": done.child_lot_code}).scalar_one() == pack


def test_a_relabel_the_erp_did_unapproved_is_an_exception(
        people: dict[str, UserSession], owner_engine: Engine) -> None:
    with owner_engine.begin() as conn:
        lot_id, code, _item = released_lot(conn)
        parent = conn.execute(text("SELECT * FROM erp_builtin.lots WHERE id = :l"),
                              {"l": lot_id}).mappings().one()
        transformation = conn.execute(text(
            "INSERT INTO erp_builtin.transformations (number, kind, site_id, performed_at) "
            "VALUES ('RL-ROGUE', 'relabel', :s, now()) RETURNING id"),
            {"s": parent["site_id"]}).scalar_one()
        child = conn.execute(text(
            "INSERT INTO erp_builtin.lots (lot_code, item_id, supplier_id, supplier_lot_code, "
            "manufacture_date, expiry_date, origin, site_id, created_at) VALUES ('ROGUE-1', "
            ":i, :sup, :sl, :m, :e, 'relabel', :s, now()) RETURNING id"),
            {"i": parent["item_id"], "sup": parent["supplier_id"],
             "sl": parent["supplier_lot_code"], "m": parent["manufacture_date"],
             "e": parent["expiry_date"], "s": parent["site_id"]}).scalar_one()
        conn.execute(text(
            "INSERT INTO erp_builtin.lot_genealogy (parent_lot_id, child_lot_id, qty, "
            "transformation, transformation_id, created_at) VALUES (:p, :c, 1, 'relabel', :t, "
            "now())"), {"p": lot_id, "c": child, "t": transformation})
    with people["cora.compliance"].engine.begin() as conn:
        conn.execute(text("SELECT quality.refresh_exceptions()"))
    with owner_engine.connect() as conn:
        found = conn.execute(text(
            "SELECT title, owner_role FROM quality.exceptions WHERE type = 'unapproved_relabel' "
            "AND lot_id = :c AND closed_at IS NULL"), {"c": child}).one()
        # the demo's own history of relabels is not flagged
        assert conn.execute(text(
            "SELECT count(*) FROM quality.exceptions WHERE type = 'unapproved_relabel'"
        )).scalar_one() == 1
    assert f"ROGUE-1 was made from {code}" in found.title
    assert found.owner_role == "lotproof_compliance"
