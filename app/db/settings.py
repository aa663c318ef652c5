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


def external_database_url() -> str | None:
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    return url or None
