"""A read replica for read-only work (browsing, traces, reports, charts), named by
`LOTPROOF_READ_DATABASE_URL`; decisions always go to the primary. The replica is reached with
the person's own login (replicas carry the primary's roles), so its URL needs no credentials."""

from __future__ import annotations

import os

from sqlalchemy.engine import URL

from app.db.server import parse_database_url

ENV = "LOTPROOF_READ_DATABASE_URL"


def read_replica_url(person_url: URL) -> URL | None:
    """The replica's address with the person's user name and password, or None if none is set."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    replica = parse_database_url(raw, ENV)
    return URL.create(person_url.drivername, username=person_url.username,
                      password=person_url.password, host=replica.host, port=replica.port,
                      database=replica.database or person_url.database, query=replica.query)
