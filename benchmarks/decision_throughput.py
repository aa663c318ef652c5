"""How many signed decisions one server takes per second, and what bounds it (issue: shared
database; docs/scaling.md).

    python -m benchmarks.decision_throughput [--seconds 20] [--threads 1,2,4,8,16] [--rtt-ms 0,20]

Every quality write appends to the hash-chained audit trail, and appends are ordered by a lock
on the chain head that is held until the transaction commits. So decisions on different lots
still run one at a time through that lock, each holding it for the rest of its function plus
the commit's round trip from the client. Here N approvers, each on lots of their own (no two on
one lot), hold and release as fast as they can on a throwaway server; `--rtt-ms` adds a client
round trip before each commit, as a workstation at the far end of a WAN link would.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.db import migrate
from app.db.demo.load import seed_demo
from app.db.engine import make_engine
from app.db.server import ServerTarget, open_server
from app.db.users import create_user
from app.workflows import decisions, signing
from app.workflows.session import login
from app.workflows.signing import Credentials

_real_connect = signing.connect
_rtt = {"seconds": 0.0}


class _SlowCommit:
    """A signing connection whose commit waits one client round trip first."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def __enter__(self) -> _SlowCommit:
        self._conn.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None and _rtt["seconds"]:
            time.sleep(_rtt["seconds"])
        self._conn.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _connect(*args: Any, **kwargs: Any) -> Any:
    return _SlowCommit(_real_connect(*args, **kwargs))


def _worker(target: ServerTarget, user: str, password: str, lots: list[str], until: float,
            done: list[int], errors: list[str]) -> None:
    session = login(target, user, password)
    creds = Credentials(user, password)
    n = 0
    try:
        while time.monotonic() < until:
            lot = lots[n % len(lots)]
            try:
                decisions.hold(session, creds, lot, "throughput test", "available")
                decisions.release(session, creds, lot, "throughput test", "hold")
                n += 2
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:160])
    finally:
        session.close()
        done.append(n)


def measure(target: ServerTarget, lots: list[str], threads: int, seconds: float,
            rtt: float) -> tuple[float, int]:
    owner = make_engine(target.admin_url)
    users = []
    for _ in range(threads):
        name, password = f"tp{secrets.token_hex(3)}", f"tp-{secrets.token_hex(6)}"
        create_user(owner, name, f"Throughput {name}", "approver", password)
        users.append((name, password))
    owner.dispose()
    _rtt["seconds"] = rtt
    done: list[int] = []
    errors: list[str] = []
    until = time.monotonic() + seconds
    started = time.monotonic()
    workers = [threading.Thread(target=_worker, args=(
        target, u, p, lots[i::threads], until, done, errors)) for i, (u, p) in enumerate(users)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    return sum(done) / elapsed, len(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", default="1,2,4,8,16")
    parser.add_argument("--rtt-ms", default="0,20")
    args = parser.parse_args()
    signing.connect = _connect  # type: ignore[assignment]
    root = Path(tempfile.mkdtemp(prefix="lotproof-throughput-"))
    target = open_server(root / "db", delete_on_stop=True)
    try:
        engine = make_engine(target.admin_url)
        migrate.upgrade(engine)
        seed_demo(target.admin_url, engine, scale="small", seed=5)
        with engine.connect() as conn:
            # Lots a release may take back from hold: not from a supplier suspended since.
            lots = list(conn.execute(text("""
                SELECT l.lot_code FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
                WHERE l.status = 'available' AND coalesce(quality.supplier_status(
                    l.supplier_id, i.category), 'approved') NOT IN ('suspended', 'disqualified')
                ORDER BY l.id LIMIT 400""")).scalars())
        engine.dispose()
        print("round trip before commit | approvers | signed decisions per second | errors")
        for rtt in (float(v) / 1000 for v in args.rtt_ms.split(",")):
            for threads in (int(v) for v in args.threads.split(",")):
                rate, errors = measure(target, lots, threads, args.seconds, rtt)
                print(f"{rtt * 1000:4.0f} ms | {threads:3d} | {rate:6.1f} | {errors}", flush=True)
    finally:
        target.stop()


if __name__ == "__main__":
    main()
