"""Tryton, the open-source ERP, in Lotproof's PostgreSQL server: creating a Tryton database and
filling it with a demo distributor through Tryton's own API (proteus).

Needs the optional extra `tryton` (`pip install -e '.[tryton]'`); trytond and proteus are imported
only inside functions, so the rest of Lotproof runs without them.
"""

from __future__ import annotations

import importlib.util


def tryton_installed() -> bool:
    """Whether trytond, its modules and proteus can be imported (the `tryton` extra)."""
    return all(importlib.util.find_spec(name) is not None
               for name in ("trytond", "proteus", "psycopg_pool"))
