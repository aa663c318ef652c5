"""Help > About: version, build, Python and Qt, the database server and schema, and where the
data and the log are."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.logs import current_log_file
from app.views.style import ICON_PATH, apply_message_role
from app.views.tasks import TaskRunner
from app.workflows.about import AboutInfo, about_info, client_info
from app.workflows.session import UserSession


def qt_versions() -> str:
    return f"Qt {qVersion()}, PySide6 {PySide6.__version__}"


class AboutDialog(QDialog):
    def __init__(self, session: UserSession, runner: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Lotproof")
        self.setWindowIcon(QIcon(str(ICON_PATH)))
        version, build, python = client_info()
        heading = QLabel(f"<h2>Lotproof {version}</h2>Quality and compliance workstation")
        self.form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for name, value in [("Version", version), ("Build", build), ("Python", python),
                            ("Qt", qt_versions()), ("Database", "…"), ("Database server", "…"),
                            ("Database schema", "…"), ("Data folder", "…"), ("Log folder", "…"),
                            ("Log file", str(current_log_file() or "not written"))]:
            label = QLabel(value)
            label.setObjectName(f"about_{name.lower().replace(' ', '_')}")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.values[name] = label
            self.form.addRow(f"{name}:", label)
        self.error = QLabel("")
        apply_message_role(self.error, "error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        # Wide enough for folder paths, in characters of the dialog's font (not pixels).
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        runner.submit(about_info, session, on_result=self._loaded,
                      on_error=lambda exc: self.error.setText(f"Could not ask the database: {exc}"))

    def _loaded(self, info: AboutInfo) -> None:
        for name, value in info.rows():
            if name in self.values:
                self.values[name].setText(value)
        self.adjustSize()
