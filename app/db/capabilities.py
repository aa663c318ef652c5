"""What a person may do, read from the database that enforces it.

Every change is a `quality.*` function, executable only by the group roles that may make it
(the GRANT EXECUTE lines beside each function in `app/db/sql/`), and the lot status machine
(`quality.lot_status_transitions`) names the roles that may make each move. `CAPABILITIES` maps
each action a screen offers to the function that does it; `read` asks PostgreSQL's own checks
(`has_function_privilege`, `pg_has_role`) once, at login, and `Person.may(action)` answers from
what it found. The database stays the enforcer: the workstation only stops offering what it
would refuse.

Role names are spelled here, and only for what a function checks by role inside itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.db.models.quality import GROUP_ROLES


@dataclass(frozen=True)
class Executes:
    """The person may execute `signature` (a `regprocedure`); with `machine`, the status machine
    must also name one of their roles for that action (the function checks it)."""

    signature: str
    machine: str | None = None


@dataclass(frozen=True)
class MemberOf:
    """A check the function makes by role inside itself, with no function of its own."""

    role: str


#: The auditor's group: reads everything, executes no changing function (so may nothing).
READ_ONLY_ROLE = "lotproof_auditor"

CAPABILITIES: dict[str, Executes | MemberOf] = {
    # lot_status.sql: the decisions, each also a move of the status machine
    "hold": Executes("quality.hold_lot(text,text,text,text)", machine="hold"),
    "release": Executes("quality.release_lot(text,text,text,text,text)", machine="release"),
    "reject": Executes("quality.reject_lot(text,text,text,text)", machine="reject"),
    "disposition": Executes("quality.propose_disposition(text,text,text,text,text)",
                            machine="disposition"),
    "approve_decision": Executes("quality.approve_decision(bigint,text)"),
    # quality.approve_decision lets only a compliance officer co-sign a release override
    "approve_override": MemberOf("lotproof_compliance"),
    # documents.sql
    "store_document": Executes("quality.store_document(text,text,bytea,integer,jsonb)"),
    "link_document": Executes("quality.link_document(bigint,text,integer,integer,text)"),
    "review_document": Executes("quality.verify_document(bigint)"),
    # exceptions.sql
    "close_exception": Executes("quality.close_exception(bigint,text)"),
    "route_exceptions": Executes(
        "quality.set_exception_route(text,text,integer,text,boolean,text)"),
    # quality_events.sql
    "record_quality_event": Executes(
        "quality.record_quality_event(text,text,text,integer,timestamp with time zone,"
        "timestamp with time zone,numeric,numeric,numeric,numeric,text,text)"),
    "inspect_return": Executes("quality.inspect_return(bigint,text,text,text)"),
    # recalls.sql
    "open_recall": Executes("quality.open_recall(text[],text,text,text,boolean)"),
    "recall_hold": Executes("quality.recall_hold(bigint,text)"),
    "complete_recall_report": Executes("quality.complete_recall_report(bigint,jsonb)"),
    # rules.sql
    "set_item_specs": Executes("quality.set_item_specs(integer,jsonb,text)"),
    "set_supplier_approval": Executes("quality.set_supplier_approval(integer,text,text,text)"),
    "set_customer_requirements": Executes(
        "quality.set_customer_requirements(integer,integer,integer,integer[],text[],text[],text)"),
    "set_document_requirements": Executes(
        "quality.set_document_requirements(integer,integer,text[],text)"),
    # shipment_documents.sql
    "issue_certificate": Executes("quality.issue_certificate(bigint,text)"),
    "print_label": Executes("quality.print_label(text,text,text,integer,text)"),
    "request_relabel": Executes(
        "quality.request_relabel(text,text,text,text,numeric,text,text)"),
    "approve_relabel": Executes("quality.approve_relabel(bigint,text)"),
    "carry_out_relabel": Executes("quality.carry_out_relabel(bigint)"),
    "set_item_equivalent": Executes("quality.set_item_equivalent(integer,integer,boolean,text)"),
    "set_customer_spec": Executes(
        "quality.set_customer_spec(integer,integer,text,numeric,numeric,text,text,text)"),
    # people.sql
    "add_user": Executes("quality.create_user(text,text,text,text)"),
    "verify_identity": Executes("quality.verify_identity(text,text)"),
}

#: The roles an exception type may be routed to: every group but the one that only reads
#: (`quality.set_exception_route` refuses any other).
EXCEPTION_OWNERS = tuple(r for r in GROUP_ROLES if r != READ_ONLY_ROLE)

_READ = text("""
    SELECT c.name
    FROM unnest(CAST(:names AS text[]), CAST(:signatures AS text[]), CAST(:machine AS text[]),
                CAST(:roles AS text[])) AS c(name, signature, machine, role)
    WHERE coalesce(CASE WHEN c.signature IS NOT NULL
                        THEN has_function_privilege(session_user, to_regprocedure(c.signature),
                                                    'EXECUTE')
                        ELSE pg_has_role(session_user,
                                         (SELECT oid FROM pg_roles WHERE rolname = c.role),
                                         'MEMBER') END, false)
      AND (c.machine IS NULL OR EXISTS (
            SELECT 1 FROM quality.lot_status_transitions t
            CROSS JOIN LATERAL unnest(t.roles) AS r(role)
            JOIN pg_roles g ON g.rolname = r.role
            WHERE t.action = c.machine AND pg_has_role(session_user, g.oid, 'MEMBER')))
""")


def read(conn: Connection) -> frozenset[str]:
    """The actions of `CAPABILITIES` the connection's login may take (one query)."""
    names = list(CAPABILITIES)
    rows = conn.execute(_READ, {
        "names": names,
        "signatures": [c.signature if isinstance(c, Executes) else None
                       for c in CAPABILITIES.values()],
        "machine": [c.machine if isinstance(c, Executes) else None
                    for c in CAPABILITIES.values()],
        "roles": [c.role if isinstance(c, MemberOf) else None for c in CAPABILITIES.values()],
    })
    return frozenset(row[0] for row in rows)


def check_action(action: str) -> None:
    """A screen asked about an action that is not in the map: a typo, never a refusal."""
    if action not in CAPABILITIES:
        raise KeyError(f"unknown capability {action!r}; see app/db/capabilities.py")
