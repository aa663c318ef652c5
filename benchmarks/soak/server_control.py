"""Faults done to the server: restart it (as a crash: immediate stop, then start), and kill the
workstations' connections from inside it."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, text

from app.db.server import ServerTarget


def terminate_connections(owner: Engine, role_prefix: str) -> int:
    """`pg_terminate_backend` on every connection of the workstations' login roles."""
    with owner.connect() as conn:
        killed = conn.execute(text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE usename LIKE :prefix AND pid <> pg_backend_pid()"),
            {"prefix": role_prefix + "%"}).scalar_one()
        conn.commit()
    return int(killed)


def restart_server(target: ServerTarget, down_seconds: float) -> float:
    """Stop the embedded server the hard way (`pg_ctl stop -m immediate`: no checkpoint, crash
    recovery at the next start), leave it down, start it again; returns seconds it was down."""
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]
    from pgserver.utils import PostmasterInfo  # type: ignore[attr-defined]

    if target.embedded is None:
        raise RuntimeError("the restart fault needs the harness's own embedded server")
    server: Any = target.embedded._server
    info = server.get_postmaster_info()
    started = time.monotonic()
    pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user)
    time.sleep(down_seconds)
    pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {info.socket_dir}", "-l", str(server.log), "start"],
           pgdata=server.pgdata, user=server.system_user, timeout=60)
    while True:  # pgserver stops the server at exit through this record: keep it current
        fresh = PostmasterInfo.read_from_pgdata(server.pgdata)
        if fresh is not None and fresh.is_running() and fresh.status == "ready":
            server._postmaster_info = fresh
            break
        time.sleep(0.1)
    return time.monotonic() - started
