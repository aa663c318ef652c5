"""The embedded server: starts, demands passwords, keeps its data, stops cleanly."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import psycopg
import pytest

from app.db.errors import DatabaseUnavailable, LoginFailed
from app.db.server import check_server, connect, open_server


def _postmasters(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmd = proc.info.get("cmdline") or []
        if proc.info.get("name") == "postgres" and str(pgdata) in " ".join(cmd):
            found.append(proc)
    return found


def _all_stopped(pgdata: Path, within: float = 10.0) -> bool:
    """The server's processes are gone (they may take a moment to be reaped)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [p for p in _postmasters(pgdata)
                 if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_start_requires_password_keeps_data_and_stops(tmp_path: Path) -> None:
    root = tmp_path / "db"
    target = open_server(root)
    assert target.is_embedded
    socket_dir = target.admin_url.query["host"]
    # Trust authentication is gone: no password, no connection.
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(host=str(socket_dir), user="postgres", dbname="lotproof",
                        connect_timeout=5).close()
    with connect(target.admin_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.kept (n int)")
        conn.execute("INSERT INTO public.kept VALUES (42)")
    target.stop()
    assert _all_stopped(root / "pgdata")

    again = open_server(root)
    with connect(again.admin_url) as conn:
        assert conn.execute("SELECT n FROM public.kept").fetchone() == (42,)
    again.stop()
    assert _all_stopped(root / "pgdata")


def test_wrong_superuser_password_is_a_clear_login_error(tmp_path: Path) -> None:
    target = open_server(tmp_path / "db", delete_on_stop=True)
    try:
        with pytest.raises(LoginFailed, match="Wrong user name or password"):
            check_server(target.admin_url.set(password="not-it"))
    finally:
        target.stop()


def test_unreachable_server_names_the_url_and_what_to_do(tmp_path: Path) -> None:
    from sqlalchemy.engine import URL

    url = URL.create("postgresql+psycopg", username="someone", password="x",
                     host="127.0.0.1", port=1, database="lotproof")
    with pytest.raises(DatabaseUnavailable) as info:
        check_server(url)
    message = str(info.value)
    assert "127.0.0.1:1/lotproof" in message
    assert "LOTPROOF_DATABASE_URL" in message
    assert "x@" not in message  # the password is never shown


def test_a_pid_file_naming_another_live_process_is_not_taken_for_the_server(
        tmp_path: Path) -> None:
    """After a crash the pid in postmaster.pid may belong to some other process by now: the
    server starts afresh, and that process is left alone (pgserver alone would take it for the
    server, fail to reach it, then kill it)."""
    import subprocess

    root = tmp_path / "db"
    open_server(root).stop()
    assert _all_stopped(root / "pgdata")
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        pid_file = root / "pgdata" / "postmaster.pid"
        pid_file.write_text(f"{bystander.pid}\n{root / 'pgdata'}\n1700000000\n5432\n"
                            f"{root / 'pgdata'}\n\n  1 2\nready   \n")
        target = open_server(root)
        check_server(target.admin_url)
        target.stop()
        assert _all_stopped(root / "pgdata")
        assert bystander.poll() is None, "an unrelated process was killed"
    finally:
        bystander.kill()
        bystander.wait()
