"""After log-in: a database schema newer than this Lotproof is refused; an older one is
upgraded if the person is an administrator and agrees, else they are told to ask one."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.db.errors import DatabaseUnavailable
from app.db.schema_version import SchemaState, SchemaStatus
from app.db.server import ServerTarget
from app.views.blocking import wait_for
from app.views.tasks import TaskRunner
from app.workflows import schema
from app.workflows.session import UserSession

TITLE = "Lotproof — database schema"


def ensure_schema(runner: TaskRunner, target: ServerTarget, session: UserSession, *,
                  interactive: bool = True, parent: QWidget | None = None) -> bool:
    """True when the main window may open; False after telling the person why not."""
    try:
        status: SchemaStatus = wait_for(runner, schema.check_after_login, target, session)
        if status.state not in schema.NEEDS_UPGRADE:
            return True
        admin = wait_for(runner, schema.may_upgrade, session)
        if admin and interactive and not _agree(status, parent):
            return False
        wait_for(runner, schema.upgrade_for, target, session)
        return True
    except DatabaseUnavailable as exc:  # too new, not permitted, or the upgrade failed
        if interactive:
            QMessageBox.critical(parent, TITLE, _sentence(str(exc)))
        else:
            raise
        return False


def _agree(status: SchemaStatus, parent: QWidget | None) -> bool:
    what = ("create Lotproof's schema" if status.state is SchemaState.EMPTY else
            f"upgrade it from {status.revision} to {status.head}")
    answer = QMessageBox.question(
        parent, TITLE,
        f"The database schema is {status.describe()}.\n\nAs an administrator you may {what} "
        "now. Everyone else must wait until it is done; make sure the database is backed up.\n\n"
        "Upgrade now?")
    return answer == QMessageBox.StandardButton.Yes


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
