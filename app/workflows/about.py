"""What Help > About shows: the client's version and build, and the database it works on."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from app import __version__, frozen
from app.db.settings import data_dir, log_dir
from app.workflows import schema
from app.workflows.session import UserSession


@dataclass(frozen=True)
class AboutInfo:
    version: str
    build: str
    python: str
    server_version: str
    schema: str
    database: str
    data_dir: Path
    log_dir: Path

    def rows(self) -> list[tuple[str, str]]:
        return [("Version", self.version), ("Build", self.build), ("Python", self.python),
                ("Database", self.database), ("Database server", self.server_version),
                ("Database schema", self.schema), ("Data folder", str(self.data_dir)),
                ("Log folder", str(self.log_dir))]


def client_info() -> tuple[str, str, str]:
    """Version, build (git commit baked in at build time, or `dev`) and Python."""
    return __version__, frozen.build_id(), f"{platform.python_version()} ({platform.machine()})"


def about_info(session: UserSession) -> AboutInfo:
    with session.engine.connect() as conn:
        server = str(conn.execute(text("SELECT current_setting('server_version')")).scalar_one())
    try:
        status = schema.status_for(session.target, session).describe()
    except Exception as exc:  # the About box still opens
        status = f"unknown ({exc})"
    version, build, python = client_info()
    return AboutInfo(version, build, python, f"PostgreSQL {server}", status,
                     session.target.display_name(), data_dir(), log_dir())
