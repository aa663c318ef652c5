"""A lot's quality status and the dispositions of a rejected lot: the one Python definition.

The database enforces them (the CHECK constraint on `quality.lot_state.status`, the status machine in
`quality.lot_status_transitions`, `quality.propose_disposition`); the models, queries, workflows
and the views' colours read them from here. `tests/db/test_lot_status.py` keeps this module
equal to the live database.
"""

from __future__ import annotations

QUARANTINE = "quarantine"  # received, pending inspection or documents
AVAILABLE = "available"  # released
HOLD = "hold"
REJECTED = "rejected"
EXPIRED = "expired"  # set by the system when the expiry date passes

#: What a rejected lot may become, each decided with two signatures. `use_as_is` moves the lot
#: back to `available` (the decision records the disposition); the others are statuses of their
#: own.
DISPOSITIONS = ("use_as_is", "rework", "repack", "return_to_vendor", "scrap")
USE_AS_IS = DISPOSITIONS[0]

#: Every value `quality.lot_state.status` may hold (the CHECK constraint), in the order screens list them.
STATUSES = (QUARANTINE, AVAILABLE, HOLD, REJECTED, EXPIRED, *DISPOSITIONS)

#: Lots whose stock can still be sold (or may be, once released). Expired, rejected and
#: dispositioned lots are already out of saleable stock.
SALEABLE = (AVAILABLE, QUARANTINE, HOLD, USE_AS_IS)

#: Statuses that only follow a rejection (the rejection itself and the disposition after it).
AFTER_REJECTION = (REJECTED, *DISPOSITIONS)


def disposition_target(disposition: str) -> str:
    """The status a disposition moves the lot to (as `quality.propose_disposition` does)."""
    if disposition not in DISPOSITIONS:
        raise ValueError(f"unknown disposition {disposition!r}")
    return AVAILABLE if disposition == USE_AS_IS else disposition


def label(status: str) -> str:
    """`return_to_vendor` -> `Return to vendor`: how screens and documents name a status."""
    return status.replace("_", " ").capitalize()
