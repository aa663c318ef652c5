"""The workstation's log: a rotating file in the user's log directory (or `logs` under
LOTPROOF_DATA_DIR). Nothing here imports Qt."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from app.db.settings import log_dir

LOG_NAME = "lotproof.log"
MAX_BYTES = 2_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"

_current: Path | None = None


def setup_file_log(level: int = logging.INFO) -> Path:
    """Add the rotating file handler to the root logger (once) and return the file's path."""
    global _current
    path = log_dir() / LOG_NAME
    if _current == path:
        return path
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                  encoding="utf-8", delay=False)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
        for other in root.handlers:  # the console keeps the level it was given
            if other is not handler and other.level == logging.NOTSET:
                other.setLevel(logging.WARNING)
    _current = path
    return path


def current_log_file() -> Path | None:
    return _current
