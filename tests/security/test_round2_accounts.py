"""Round 2, people and accounts: what one administrator (or one guesser) still does alone.

- The identity check after a password reset (quality.verify_identity) accepts any compliance
  officer or administrator other than the one who set the password, including a puppet that
  same administrator enrolled a minute earlier and whose own identity nobody ever confirmed. So
  one administrator resets a real person's password, sets it to one of its own choosing, has the
  puppet "confirm" the person and signs as them (21 CFR 11.100(b), 11.300).
- Printed names are unique only up to case and ASCII-ish spacing: a no-break space, a zero-width
  space, a Cyrillic "о" or a full-width "Ｃ" gives a second active "Cora Compliance (demo)".
- The lock-out counts only failures the client reports (quality.record_signature_failure); a
  guesser that connects directly with wrong passwords is never counted or locked out.
- A withdrawn person's open session still runs functions that write (expire_lots,
  refresh_exceptions): "every function refuses their open sessions" is not so.

Every victim and administrator is a login made for the test (roles are cluster-wide).
"""

from __future__ import annotations

import psycopg
import pytest

from app.db.scram import scram_verifier
from app.db.server import ServerTarget, connect
from tests.security.support import (
    Logins,
    as_user,
    attempt,
    create_user_as,
    make_lot,
    owner_rows,
    signatures_by,
    status_of,
)


@pytest.mark.parametrize("puppet_role", ["compliance", "admin"])
def test_an_administrator_takes_over_a_person_with_a_puppet_identity_checker(
        db: ServerTarget, logins: Logins, puppet_role: str) -> None:
    """Attack: an administrator enrols a puppet (compliance officer or administrator) and sets
    its password through the forced change, resets a real approver's password, sets the
    approver's new password itself, has the puppet "confirm the identity" of the approver, and
    signs a hold as the approver.
    Safe outcome: the identity check by a puppet whose own password the same administrator set
    (and whose identity nobody confirmed) is refused, so nothing is signed as the approver."""
    admin = logins.make("admin")
    victim = logins.make("approver", "rt.victim")  # enrolled by the installer: signs today
    lot = make_lot(db)
    steps: list[str] = []

    def step(name: str, result: tuple[bool, object]) -> bool:
        steps.append(f"{name}: {'ok' if result[0] else result[1]}")
        return result[0]

    ok, out, puppet = create_user_as(db, logins, admin, puppet_role, "rt.puppet")
    ok = step(f"admin enrols puppet {puppet_role} {puppet.username}", (ok, out))
    ok = ok and step("admin sets the puppet's own password", attempt(
        db, puppet.username, "SELECT quality.change_password(%s)",
        (scram_verifier("puppet-own-1"),), puppet.password))
    ok = ok and step("admin resets the approver", attempt(
        db, admin.username, "SELECT quality.reset_password(%s, %s)",
        (victim.username, scram_verifier("temporary-789")), admin.password))
    ok = ok and step("admin makes the approver's forced change", attempt(
        db, victim.username, "SELECT quality.change_password(%s)",
        (scram_verifier("admin-knows-2"),), "temporary-789"))
    ok = ok and step("puppet confirms the approver's identity", attempt(
        db, puppet.username, "SELECT quality.verify_identity(%s, %s)",
        (victim.username, "Checked the badge in person"), "puppet-own-1"))
    ok = ok and step("admin signs as the approver", attempt(
        db, victim.username, "SELECT quality.hold_lot(%s, %s, 'quarantine')",
        (lot.code, "signed by the administrator"), "admin-knows-2"))
    checker = owner_rows(db, "SELECT identity_verified_by, password_set_by FROM quality.users "
                             "WHERE username = %s", (victim.username,))
    puppet_row = owner_rows(db, "SELECT created_by, password_set_by, identity_verified_by "
                                "FROM quality.users WHERE username = %s", (puppet.username,))
    signed = [s for s in signatures_by(db, victim.username) if s[3] == "Placed on hold"]
    assert not signed and status_of(db, lot) == "quarantine", (
        f"administrator {admin.username} signed as {victim.printed_name}: {signed}; lot "
        f"{lot.code} is {status_of(db, lot)}; approver's (identity_verified_by, "
        f"password_set_by) = {checker}; puppet's (created_by, password_set_by, "
        f"identity_verified_by) = {puppet_row}; steps: {steps}")


LOOKALIKES = {
    "no_break_space": "Cora\u00a0Compliance (demo)",
    "zero_width_space": "Cora Compliance (demo)\u200b",
    "cyrillic_o": "C\u043era Compliance (demo)",
    "fullwidth_c": "\uff23ora Compliance (demo)",
}


@pytest.mark.parametrize("case", list(LOOKALIKES))
def test_an_administrator_cannot_enrol_a_lookalike_printed_name(db: ServerTarget,
                                                               logins: Logins,
                                                               case: str) -> None:
    """Attack: an administrator enrols a compliance login whose printed name differs from
    "Cora Compliance (demo)" only by a no-break space, a zero-width space, a Cyrillic "о" or a
    full-width "Ｃ": on screen and on paper the signature manifestation names Cora.
    Safe outcome: refused, like an exact duplicate (names compared after Unicode
    normalisation, without invisible characters and confusable letters)."""
    admin = logins.make("admin")
    name = LOOKALIKES[case]
    ok, _out, impostor = create_user_as(db, logins, admin, "compliance", "rt.lookalike", name)
    twins = owner_rows(db, "SELECT username, printed_name FROM quality.users WHERE active "
                           "AND username <> 'cora.compliance' AND printed_name = %s", (name,))
    assert not ok, (
        f"administrator {admin.username} enrolled {impostor.username} as {name!r} "
        f"({name.encode('unicode_escape').decode()}), which reads 'Cora Compliance (demo)': "
        f"active twins {twins}")


@pytest.mark.parametrize("call", ["SELECT quality.expire_lots()",
                                  "SELECT quality.refresh_exceptions()"])
def test_a_withdrawn_persons_open_session_still_writes(db: ServerTarget, logins: Logins,
                                                       call: str) -> None:
    """Attack (low): an inspector keeps a session open; an administrator withdraws the account
    (quality.deactivate_user); the withdrawn person's session still runs functions that write
    decisions and exceptions under their name (expire_lots writes an expiry decision, here for a
    lot past its date).
    Safe outcome: refused, as docs/security.md claims ("every function refuses their open
    sessions from now on")."""
    inspector = logins.make("inspector", "rt.leaver")
    lot = make_lot(db, required_documents=())
    owner_rows(db, "UPDATE erp.lots SET expiry_date = current_date - 1 WHERE id = %s",
               (lot.id,))
    with connect(inspector.url(db), autocommit=True) as session:
        as_user(db, "adam.admin", "SELECT quality.deactivate_user(%s, %s)",
                (inspector.username, "left the company"))
        try:
            answer: object = session.execute(call).fetchall()
        except psycopg.Error as exc:
            answer = f"refused: {str(exc).strip().splitlines()[0]}"
    written = owner_rows(db, "SELECT id, action, record_type FROM audit.trail WHERE username = %s "
                             "AND action <> 'user.deactivate' ORDER BY id", (inspector.username,))
    assert isinstance(answer, str) and answer.startswith("refused"), (
        f"withdrawn {inspector.username} ran {call!r} from an open session: {answer}; lot "
        f"{lot.code} is now {status_of(db, lot)}; audit rows by the withdrawn person: "
        f"{written[:5]}")
