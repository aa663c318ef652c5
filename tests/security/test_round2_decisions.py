"""Round 2, decisions: the expiry date is checked when a "use as is" is PROPOSED (the latest
fix), but not when a lot is released, nor when the second person approves the proposal later;
and one login of any group (the read-only auditor included) can stop every signature in the
company by keeping a transaction open on the audit chain head.
"""

from __future__ import annotations

import psycopg
import pytest

from app.db.server import ServerTarget
from tests.security.support import as_user, make_lot, owner_rows, status_of


@pytest.mark.parametrize("route", ["release_of_a_lot_past_its_date",
                                   "use_as_is_approved_after_the_date_passed"])
def test_a_lot_past_its_expiry_date_is_made_available(db: ServerTarget, route: str) -> None:
    """Attack: a quarantined lot whose expiry date passed yesterday (the expiry check has not
    run) is released by one approver: quality.release_blockers never looks at the date. Or: a
    rejected lot expiring today is proposed "use as is" (allowed: not expired yet), and the
    compliance officer approves the proposal the day after: approve_decision does not look at
    the date again.
    Safe outcome: refused; the lot does not become `available` after its expiry date
    (server date)."""
    lot = make_lot(db, required_documents=())
    if route == "release_of_a_lot_past_its_date":
        owner_rows(db, "UPDATE erp.lots SET expiry_date = quality.today() - 1 WHERE id = %s",
                   (lot.id,))
        try:
            outcome: object = as_user(db, "arlo.approver", "SELECT quality.release_lot(%s, '', "
                                      "'quarantine')", (lot.code,))
        except psycopg.Error as exc:
            outcome = f"refused: {str(exc).splitlines()[0]}"
    else:
        as_user(db, "arlo.approver", "SELECT quality.reject_lot(%s, %s, 'quarantine')",
                (lot.code, "Label misprint"))
        owner_rows(db, "UPDATE erp.lots SET expiry_date = quality.today() WHERE id = %s",
                   (lot.id,))
        decision = as_user(db, "arlo.approver", "SELECT quality.propose_disposition(%s, "
                           "'use_as_is', %s, 'rejected')", (lot.code, "Misprint is cosmetic"))[0][0]
        owner_rows(db, "UPDATE erp.lots SET expiry_date = quality.today() - 1 WHERE id = %s",
                   (lot.id,))  # the approval comes the next day
        try:
            outcome = as_user(db, "cora.compliance", "SELECT quality.approve_decision(%s)",
                              (decision,))
        except psycopg.Error as exc:
            outcome = f"refused: {str(exc).splitlines()[0]}"
    expiry, today = owner_rows(db, "SELECT expiry_date, quality.today() FROM quality.lots "
                                   "WHERE id = %s", (lot.id,))[0]
    assert status_of(db, lot) != "available", (
        f"{lot.code} expired on {expiry} (today {today}) and is available ({route}): "
        f"{outcome}")
