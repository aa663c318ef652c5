"""Where Lotproof's database and data live, from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATABASE_URL_ENV = "LOTPROOF_DATABASE_URL"
DATA_DIR_ENV = "LOTPROOF_DATA_DIR"
DATABASE_NAME = "lotproof"


def data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_ENV)
    path = Path(configured) if configured else Path(platformdirs.user_data_dir("lotproof", False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Where the workstation remembers its connection: the data directory when one is named
    (tests, portable installs), else the user's configuration directory."""
    configured = os.environ.get(DATA_DIR_ENV)
    path = Path(configured) if configured else Path(platformdirs.user_config_dir("lotproof", False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    """Where the workstation writes its log: `logs` in a named data directory, else the user's
    log directory."""
    configured = os.environ.get(DATA_DIR_ENV)
    path = Path(configured) / "logs" if configured else Path(
        platformdirs.user_log_dir("lotproof", False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def external_database_url() -> str | None:
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    return url or None
