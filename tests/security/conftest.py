"""Fixtures of the attack tests: logins made for one test, taken back afterwards, and a login
standing in for the ERP's own database account."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from app.db.server import ServerTarget
from tests.conftest import unique_username
from tests.security.support import ErpAccount, Logins, cluster_rows, owner_rows


@pytest.fixture
def logins(db: ServerTarget) -> Iterator[Logins]:
    made = Logins(db)
    yield made
    made.cleanup()


@pytest.fixture
def erp_account(db: ServerTarget) -> Iterator[ErpAccount]:
    """The ERP's database account: it must write receipts, allocations and shipments."""
    account = ErpAccount(unique_username("rt.erp"), "erp-" + secrets.token_hex(8))
    cluster_rows(db, f"CREATE ROLE \"{account.username}\" LOGIN PASSWORD '{account.password}'")
    for grant in ("USAGE ON SCHEMA erp, erp_builtin",
                  "SELECT, INSERT, UPDATE ON erp.lots, erp.allocations, erp.shipment_lines",
                  "SELECT ON erp.sales_order_lines, erp.shipments",
                  "USAGE ON SEQUENCE erp_builtin.lots_id_seq, erp_builtin.allocations_id_seq, "
                  "erp_builtin.shipment_lines_id_seq"):
        owner_rows(db, f'GRANT {grant} TO "{account.username}"')
    yield account
    owner_rows(db, f'DROP OWNED BY "{account.username}"')
    cluster_rows(db, f'DROP ROLE "{account.username}"')
