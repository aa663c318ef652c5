"""Electronic signatures through a connection pooler (PgBouncer), measured (issue: shared database).

    python -m benchmarks.pooler_signatures [--pgbouncer /usr/sbin/pgbouncer]

The signing function accepts a connection only if its server backend was authenticated moments
ago and has not signed before (`pg_stat_activity.backend_start`, `pg_backend_pid()`). A pooler
hands a "fresh" client connection an old server backend, so this checks what happens: a
throwaway embedded server with the small demo data, PgBouncer in front of it (session, then
transaction pooling, SCRAM passed through), and the same person signing holds directly and
through the pooler. Needs the `pgbouncer` program (`apt-get install pgbouncer`).
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL

from app.db import migrate
from app.db.demo.load import seed_demo
from app.db.engine import make_engine
from app.db.errors import DecisionRefused
from app.db.server import DRIVER, ServerTarget, connect, open_server
from app.workflows import decisions
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials

USER, PASSWORD = "ivy.inspector", "demo-inspector"
PORT = 6432


def _bouncer(folder: Path, target: ServerTarget, mode: str, program: str) -> subprocess.Popen[bytes]:
    url = target.admin_url
    with connect(url, autocommit=True) as conn:
        secret = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s",
                              (USER,)).fetchone()
    assert secret is not None
    (folder / "users.txt").write_text(f'"{USER}" "{secret[0]}"\n')
    (folder / "pgbouncer.ini").write_text(f"""[databases]
lotproof = host={url.query['host']} port={url.query['port']} dbname={url.database}
[pgbouncer]
listen_addr =
unix_socket_dir = {folder}
listen_port = {PORT}
auth_type = scram-sha-256
auth_file = {folder}/users.txt
pool_mode = {mode}
server_lifetime = 3600
server_idle_timeout = 600
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
""")
    owner = "pgserver" if os.geteuid() == 0 else None
    if owner:
        info = pwd.getpwnam(owner)
        for path in (folder, *folder.iterdir()):
            os.chown(path, info.pw_uid, info.pw_gid)
    args = [program, *(["-u", owner] if owner else []), str(folder / "pgbouncer.ini")]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        if (folder / f".s.PGSQL.{PORT}").exists():
            return proc
        time.sleep(0.1)
    raise RuntimeError(f"pgbouncer did not start; see {folder / 'pgbouncer.log'}")


def _via(folder: Path, target: ServerTarget) -> ServerTarget:
    return ServerTarget(URL.create(DRIVER, database=target.admin_url.database,
                                   query={"host": str(folder), "port": str(PORT)}))


def run(program: str) -> list[tuple[str, str]]:
    root = Path(tempfile.mkdtemp(prefix="lotproof-pooler-"))
    target = open_server(root / "db", delete_on_stop=True)
    results: list[tuple[str, str]] = []
    try:
        engine = make_engine(target.admin_url)
        migrate.upgrade(engine)
        seed_demo(target.admin_url, engine, scale="small", seed=3)
        with engine.connect() as conn:
            lots = list(conn.execute(text(
                "SELECT lot_code FROM quality.lots WHERE status = 'available' ORDER BY id LIMIT 12"))
                .scalars())
        engine.dispose()
        step = _stepper(results, lots)
        direct = login(target, USER, PASSWORD)
        step("direct to PostgreSQL: a signature", direct)
        time.sleep(12)
        step("direct, 12 s later: a signature (its own fresh connection)", direct)
        direct.close()
        for mode in ("session", "transaction"):
            folder = root / f"bouncer-{mode}"
            folder.mkdir()
            bouncer = _bouncer(folder, target, mode, program)
            try:
                pooled = login(_via(folder, target), USER, PASSWORD)
                step(f"PgBouncer {mode} pooling: first signature", pooled)
                step(f"PgBouncer {mode} pooling: a second signature at once", pooled)
                time.sleep(12)
                step(f"PgBouncer {mode} pooling: a signature 12 s later", pooled)
                pooled.close()
            finally:
                bouncer.terminate()
                bouncer.wait(10)
    finally:
        target.stop()
        shutil.rmtree(root, ignore_errors=True)
    return results


def _stepper(results: list[tuple[str, str]],
             lots: list[str]) -> Callable[[str, UserSession], None]:
    def step(label: str, session: UserSession) -> None:
        lot = lots.pop(0)
        try:
            decisions.hold(session, Credentials(USER, PASSWORD), lot, f"pooler test: {label}",
                           "available")
            outcome = "accepted"
        except DecisionRefused as exc:
            outcome = f"refused: {exc}"
        results.append((label, outcome))
        print(f"{label}: {outcome}", flush=True)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pgbouncer", default=shutil.which("pgbouncer") or "/usr/sbin/pgbouncer")
    args = parser.parse_args()
    if not Path(args.pgbouncer).exists():
        raise SystemExit("pgbouncer is not installed (apt-get install pgbouncer)")
    run(args.pgbouncer)


if __name__ == "__main__":
    main()
