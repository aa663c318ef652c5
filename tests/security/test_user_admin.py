"""Finding 3: a Lotproof administrator (not a database superuser) signs as someone else.

21 CFR 11.100(a): an electronic signature is unique to one individual and not reused by or
reassigned to anyone else; 11.300: controls over identification codes and passwords. The user
administration functions let an administrator give itself a signing role, create a second person
with an existing person's printed name, take over a person's password, and re-enable any role
(even the superuser or a group role), some of it without an audit row.

Every victim and every administrator here is a login made for the test (roles are cluster-wide).
"""

from __future__ import annotations

import re

import pytest

from app.db.scram import scram_verifier
from app.db.server import ServerTarget
from tests.conftest import unique_username
from tests.security.support import (
    Login,
    Logins,
    attempt,
    cluster_rows,
    make_lot,
    owner_rows,
    signatures_by,
    status_of,
)


def _member(db: ServerTarget, username: str, role: str) -> bool:
    return bool(cluster_rows(db, "SELECT pg_has_role(%s, %s, 'MEMBER')", (username, role))[0][0])


def _can_login(db: ServerTarget, role: str) -> bool:
    return bool(cluster_rows(db, "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s",
                             (role,))[0][0])


def test_an_administrator_cannot_give_itself_another_role(db: ServerTarget,
                                                          logins: Logins) -> None:
    """Attack: an administrator calls quality.set_user_role on its own user name and becomes a
    compliance officer, able to sign releases, recalls and override approvals.
    Safe outcome: refused (nobody changes their own role); the login is still only an admin."""
    admin = logins.make("admin")
    ok, out = attempt(db, admin.username, "SELECT quality.set_user_role(%s, %s, %s)",
                      (admin.username, "lotproof_compliance", "covering for Cora"),
                      admin.password)
    role = owner_rows(db, "SELECT role FROM quality.users WHERE username = %s",
                      (admin.username,))[0][0]
    compliance = _member(db, admin.username, "lotproof_compliance")
    assert not ok and not compliance and role == "lotproof_admin", (
        f"administrator {admin.username} changed its own role: set_user_role answered "
        f"{'ok' if ok else out}; quality.users.role={role}, member of lotproof_compliance="
        f"{compliance}")


def _normal(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip()).casefold()


@pytest.mark.parametrize("printed_name", ["Cora Compliance (demo)", "  cora  COMPLIANCE (Demo) "])
def test_an_administrator_cannot_create_a_second_person_with_an_existing_printed_name(
        db: ServerTarget, logins: Logins, printed_name: str) -> None:
    """Attack: an administrator creates a new compliance login whose printed name is that of an
    existing person (exactly, or differing only in case and spacing), and can then sign as
    "Cora Compliance (demo)": every signature manifestation shows only the printed name.
    Safe outcome: refused; printed names stay unique among active people."""
    admin = logins.make("admin")
    impostor = unique_username("rt.impostor")
    password = "impostor-password"
    ok, out = attempt(db, admin.username, "SELECT quality.create_user(%s, %s, %s, %s)",
                      (impostor, printed_name, "lotproof_compliance", scram_verifier(password)),
                      admin.password)
    if ok:
        logins.made.append(Login(impostor, password, "lotproof_compliance", printed_name))
    same = [(u, n) for u, n in owner_rows(db, "SELECT username, printed_name FROM quality.users "
                                              "WHERE active")
            if _normal(n) == _normal("Cora Compliance (demo)")]
    assert len(same) == 1, (
        f"administrator {admin.username} created {impostor} with the printed name "
        f"{printed_name!r} ({'accepted' if ok else out}): active people with that name: {same}")


def test_an_administrator_signs_as_another_person_after_resetting_the_password(
        db: ServerTarget, logins: Logins) -> None:
    """Attack: an administrator resets an approver's password (quality.reset_password), logs in
    as the approver with the temporary password, makes the forced change
    (quality.change_password) to a password of its own choosing, and signs a hold as the
    approver.

    What a Part 11 auditor demands (11.100(a), 11.300(b),(d)): the database cannot tell the
    person from the administrator who knows the temporary password, so a reset alone must not
    restore signing. Until the reset is confirmed by someone other than the resetting
    administrator (e.g. a second administrator or a compliance officer confirming the person's
    identity), or the reset itself needs that second person, every signature on the account is
    refused, and the trail names the administrator and the person for the reset.
    Safe outcome: the signature is refused (nothing signed as the approver, lot unchanged), and
    if the reset went through, an audit row names the administrator and the approver."""
    admin = logins.make("admin")
    victim = logins.make("approver", "rt.victim")
    lot = make_lot(db)
    steps = []
    ok, out = attempt(db, admin.username, "SELECT quality.reset_password(%s, %s)",
                      (victim.username, scram_verifier("temporary-123")), admin.password)
    steps.append(f"reset: {'ok' if ok else out}")
    reset_done = ok
    if ok:
        ok, out = attempt(db, victim.username, "SELECT quality.change_password(%s)",
                          (scram_verifier("admin-knows-this-1"),), "temporary-123")
        steps.append(f"forced change by the admin: {'ok' if ok else out}")
    if ok:
        ok, out = attempt(db, victim.username,
                          "SELECT quality.hold_lot(%s, 'signed by the admin', 'quarantine')",
                          (lot.code,), "admin-knows-this-1")
        steps.append(f"signature as {victim.username}: {'ok' if ok else out}")
    if reset_done:
        trail = owner_rows(db, "SELECT username, action FROM audit.trail WHERE record_id = %s "
                               "AND action = 'user.reset_password'", (victim.username,))
        assert (admin.username, "user.reset_password") in trail, (
            f"no audit row names {admin.username} resetting {victim.username}: {trail}")
    signed = signatures_by(db, victim.username)
    assert not signed and status_of(db, lot) == "quarantine", (
        f"administrator {admin.username} signed as {victim.printed_name}: {signed}; "
        f"lot {lot.code} is {status_of(db, lot)}; {steps}")


@pytest.mark.parametrize("target", ["postgres", "lotproof_admin", "lotproof_compliance"])
def test_an_administrator_cannot_unlock_roles_that_are_not_people(
        db: ServerTarget, logins: Logins, target: str) -> None:
    """Attack: quality.unlock_user runs ALTER ROLE ... LOGIN on any name it is given: the
    administrator re-enables the database superuser 'postgres' (if a DBA had disabled it) or
    turns a group role into a login role.
    Safe outcome: refused for anything but an existing Lotproof person; the role's LOGIN flag is
    unchanged."""
    admin = logins.make("admin")
    logins.extra_roles.append(target)  # a group role made LOGIN is set back afterwards
    before = _can_login(db, target)
    ok, out = attempt(db, admin.username, "SELECT quality.unlock_user(%s, %s)",
                      (target, "needed for the migration"), admin.password)
    after = _can_login(db, target)
    audit = owner_rows(db, "SELECT count(*) FROM audit.trail WHERE action = 'user.unlock' "
                           "AND record_id = %s", (target,))[0][0]
    assert not ok and after == before, (
        f"administrator {admin.username} ran unlock_user({target!r}): "
        f"{'accepted' if ok else out}; rolcanlogin {before} -> {after}; audit rows naming it: "
        f"{audit}")


def test_every_user_administration_action_leaves_an_audit_row_naming_the_person(
        db: ServerTarget, logins: Logins) -> None:
    """Attack: a login disabled at the database (NOLOGIN by a DBA, not "locked" in Lotproof) is
    re-enabled by an administrator with quality.unlock_user; the role changes but the function's
    UPDATE of quality.users changes no column, so no audit row is written. Same for the other
    user-administration functions, each checked here.
    Safe outcome: every action that went through has an audit row by the administrator naming
    the person acted on (or the action was refused)."""
    admin = logins.make("admin")
    victim = logins.make("inspector", "rt.victim")
    actions = [
        ("user.reset_password", "SELECT quality.reset_password(%s, %s)",
         (victim.username, scram_verifier("temporary-456"))),
        ("user.role", "SELECT quality.set_user_role(%s, %s, %s)",
         (victim.username, "lotproof_approver", "promoted")),
        ("user.unlock", "SELECT quality.unlock_user(%s, %s)",
         (victim.username, "back from leave")),
    ]
    missing = []
    for action, sql, params in actions:
        if action == "user.unlock":  # disabled outside Lotproof, as a DBA would
            cluster_rows(db, f'ALTER ROLE "{victim.username}" NOLOGIN')
        last = owner_rows(db, "SELECT coalesce(max(id), 0) FROM audit.trail")[0][0]
        ok, _out = attempt(db, admin.username, sql, params, admin.password)
        if not ok:
            continue
        rows = owner_rows(db, """
            SELECT action FROM audit.trail WHERE id > %s AND username = %s
              AND (record_id = %s OR new_values ->> 'username' = %s)""",
            (last, admin.username, victim.username, victim.username))
        if not rows:
            missing.append(f"{action} (rolcanlogin now {_can_login(db, victim.username)})")
    assert not missing, (f"administrator {admin.username} acted on {victim.username} with no "
                         f"audit row naming them: {missing}")


def test_signature_by_an_impostor_shows_the_real_persons_name(db: ServerTarget,
                                                             logins: Logins) -> None:
    """Attack (the consequence of a duplicate printed name): the impostor compliance login made
    by an administrator signs a hold, and the signature record carries the printed name
    "Cora Compliance (demo)" with role compliance, indistinguishable from Cora's own.
    Safe outcome: the impostor cannot be created, or cannot sign under that printed name."""
    admin = logins.make("admin")
    impostor = unique_username("rt.impostor")
    password = "impostor-password"
    lot = make_lot(db)
    ok, out = attempt(db, admin.username, "SELECT quality.create_user(%s, %s, %s, %s)",
                      (impostor, "Cora Compliance (demo)", "lotproof_compliance",
                       scram_verifier(password)), admin.password)
    if ok:
        logins.made.append(Login(impostor, password, "lotproof_compliance", "Cora"))
        ok, out = attempt(db, impostor, "SELECT quality.hold_lot(%s, %s, 'quarantine')",
                          (lot.code, "Looks off"), password)
    forged = owner_rows(db, "SELECT id, username, printed_name, role FROM quality.signatures "
                            "WHERE printed_name = 'Cora Compliance (demo)' AND username <> "
                            "'cora.compliance'")
    assert not forged, (f"signatures showing Cora's printed name by another login: {forged} "
                        f"(last step: {'ok' if ok else out})")
