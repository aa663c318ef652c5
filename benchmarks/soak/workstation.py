"""One simulated person at one workstation: logs in with their own role, works through the day's
mix until told to stop, keeps a ledger of every signed decision and stored document, and comes
back by itself after the connection or the server goes away."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.db.queries.lot_browser import LotRow
from app.db.server import ServerTarget
from app.workflows import decisions, documents
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials
from benchmarks.soak import reads
from benchmarks.soak.coa import write_coa
from benchmarks.soak.config import MIX, SharedData, WorkstationSpec
from benchmarks.soak.ledger import COMMITTED, LedgerWriter
from benchmarks.soak.outcomes import CONNECTION_KINDS, classify
from benchmarks.soak.pause import PauseControl
from benchmarks.soak.stats import Recorder

HOLD_REASONS = ("Damaged packaging at receipt", "Temperature logger alarm",
                "Label does not match the order", "Customer complaint on a sister lot")
RELEASE_REASONS = ("Investigation closed, no impact", "Packaging replaced and checked",
                   "Logger data reviewed: within limits")


WRITES = ("hold", "release", "ingest")


class Workstation:
    def __init__(self, spec: WorkstationSpec, target: ServerTarget, shared: SharedData,
                 recorder: Recorder, ledger: LedgerWriter, stop: threading.Event, *,
                 origin: float, think_seconds: float, seed: int, files: Path,
                 pause: PauseControl | None = None) -> None:
        self.spec = spec
        self.target = target
        self.shared = shared
        self.recorder = recorder
        self.ledger = ledger
        self.stop = stop
        self.origin = origin
        self.think = think_seconds
        self.rng = random.Random(seed)
        self.files = files
        self.pause = pause
        self.session: UserSession | None = None
        self.site_ids: list[int] = []
        self._failures = 0
        actions = MIX[spec.role]
        self._names = list(actions)
        self._weights = list(actions.values())

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if self.session is None:
                    self._timed("login", self._login)
                    continue
                action = self._forced() or self.rng.choices(self._names, self._weights)[0]
                work = getattr(self, f"_do_{action}")
                if action in WRITES:
                    work()  # times its own call, apart from picking the lot
                else:
                    self._timed(action, work)
                pause = min(self.rng.expovariate(1 / self.think), 4 * self.think) if self.think else 0
                self.stop.wait(pause)
        finally:
            if self.session is not None:
                self.session.close()

    def _forced(self) -> str | None:
        if self.pause is None or self.pause.armed is None:
            return None
        return "ingest" if self.pause.armed == "ingest" else "hold"

    def _timed(self, action: str, work: Callable[[], object]) -> None:
        started = time.time()
        t0 = time.perf_counter()
        try:
            work()
            kind = "ok"
            self._failures = 0
        except Exception as exc:
            kind = classify(exc)[1]
        self.recorder.add((round(started - self.origin, 3), self.spec.name, action,
                           round(time.perf_counter() - t0, 5), kind))
        if kind in CONNECTION_KINDS:  # back off, with jitter, up to 4 s
            self._failures += 1
            self.stop.wait(min(0.2 * 2 ** self._failures, 4.0) * self.rng.uniform(0.5, 1.0))

    def _login(self) -> None:
        self.session = login(self.target, self.spec.name, self.spec.password)
        if self.pause is not None:
            self.pause.watch_engine(self.session.engine)
        if not self.site_ids:
            from app.workflows import lots

            self.site_ids = [s[0] for s in lots.sites(self.session)]

    @property
    def _s(self) -> UserSession:
        assert self.session is not None
        return self.session

    # ------------------------------------------------------------------ reads
    def _do_browse(self) -> None:
        reads.browse(self._s, self.rng, self.site_ids)

    def _do_search(self) -> None:
        reads.search(self._s, self.rng, self.shared)

    def _do_detail(self) -> None:
        reads.detail(self._s, self.rng, self.shared)

    def _do_trace(self) -> None:
        reads.trace_lot(self._s, self.rng, self.shared)

    def _do_inbox(self) -> None:
        reads.inbox(self._s)

    # ------------------------------------------------------------------ writes, in the ledger
    def _pick(self, statuses: tuple[str, ...], receipts_only: bool = False) -> LotRow | None:
        found: list[LotRow | None] = []
        self._timed("pick", lambda: found.append(
            reads.pick_lot(self._s, self.rng, self.site_ids, statuses, receipts_only=receipts_only)))
        return found[0] if found else None

    def _ledgered(self, kind: str, action: str, lot: str, call: Callable[[str], object],
                  sha256: str | None = None, token: str | None = None) -> None:
        """Write the start to the ledger, make the call, write what came back."""
        token = token or self.ledger.new_token()
        if self.pause is not None:
            self.pause.token = token
        self.ledger.begin(token, kind, action, lot, sha256)

        def work() -> None:
            try:
                call(token)
            except Exception as exc:
                outcome, error = classify(exc)
                self.ledger.end(token, outcome, error, str(exc))
                raise
            self.ledger.end(token, COMMITTED)

        self._timed(action, work)

    def _credentials(self) -> Credentials:
        return Credentials(self.spec.name, self.spec.password)

    def _do_hold(self) -> None:
        lot = self._pick(("available",) if self.rng.random() < 0.85 else ("quarantine",))
        if lot is None:
            return
        reason = self.rng.choice(HOLD_REASONS)
        self._ledgered("decision", "hold", lot.lot_code, lambda token: decisions.hold(
            self._s, self._credentials(), lot.lot_code, f"{reason} [soak:{token}]", lot.status))

    def _do_release(self) -> None:
        lot = self._pick(("hold",))
        if lot is None:
            return
        blockers: list[list[str]] = []
        self._timed("blockers", lambda: blockers.append(
            decisions.release_blockers(self._s, lot.lot_code)))
        if (not blockers or blockers[0]) and self.rng.random() < 0.9:
            return  # the screen shows why it cannot be released; mostly people do not try
        reason = self.rng.choice(RELEASE_REASONS)
        self._ledgered("decision", "release", lot.lot_code, lambda token: decisions.release(
            self._s, self._credentials(), lot.lot_code, f"{reason} [soak:{token}]", lot.status))

    def _do_ingest(self) -> None:
        lot = self._pick(("quarantine",), receipts_only=True)
        if lot is None:
            return
        token = self.ledger.new_token()
        category = self.shared.categories.get(str(lot.item_id), "food_ingredient")
        path, sha256 = write_coa(self.files, lot, category, token, self.rng)
        try:
            self._ledgered("document", "ingest", lot.lot_code,
                           lambda _t: documents.ingest(self._s, path, lot_code=lot.lot_code),
                           sha256=sha256, token=token)
        finally:
            path.unlink(missing_ok=True)
