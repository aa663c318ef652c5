"""SQLAlchemy engines for the owner and for a logged-in person."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, exc
from sqlalchemy.engine import URL

from app.db.server import classify_connect_error


def make_engine(url: URL, *, application_name: str = "lotproof", pool_size: int = 4) -> Engine:
    """An engine whose first connection is made now, so a bad URL or password fails here."""
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=4,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "application_name": application_name},
    )
    try:
        with engine.connect():
            pass
    except exc.OperationalError as err:
        engine.dispose()
        raise classify_connect_error(url, err.orig or err) from err
    return engine
