"""Regulatory exports: the FSMA 204 sortable spreadsheet and EPCIS 2.0 events."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import BinaryIO

from app.progress import Progress
from app.reports import epcis, fsma204
from app.reports.fsma204 import Format, FsmaExport
from app.workflows.session import UserSession

__all__ = ["FsmaExport", "epcis_export", "fsma204_item", "fsma204_xlsx"]

Out = Path | str | BinaryIO


def fsma204_xlsx(session: UserSession, *, lot_codes: list[str], out: Out,
                 fmt: Format | None = "xlsx", progress: Progress | None = None) -> FsmaExport:
    """Critical tracking events of these lots (a recall's scope, say)."""
    with session.reader.connect() as conn:
        return fsma204.export_fsma204_lots(conn, lot_codes, out, fmt=fmt, progress=progress)


def fsma204_item(session: UserSession, sku: str, date_from: dt.date, date_to: dt.date,
                 out: Out, fmt: Format | None = None,
                 progress: Progress | None = None) -> FsmaExport:
    with session.reader.connect() as conn:
        return fsma204.export_fsma204_item(conn, sku, date_from, date_to, out, fmt=fmt,
                                           progress=progress)


def epcis_export(session: UserSession, lot_code: str, out: Out, *,
                 genealogy: bool = False) -> int:
    with session.reader.connect() as conn:
        return epcis.export_epcis(conn, lot_code, out, genealogy=genealogy)
