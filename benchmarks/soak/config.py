"""What a soak run is made of: the workstations, their mix of work, and the fault schedule."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Actions a person does at a workstation, and how often, by role (weights, not percentages).
MIX: dict[str, dict[str, int]] = {
    "inspector": {"browse": 28, "search": 24, "detail": 14, "trace": 10, "ingest": 14,
                  "hold": 10},
    "approver": {"browse": 22, "search": 20, "detail": 14, "trace": 10, "inbox": 8, "hold": 6,
                 "release": 20},
    "compliance": {"browse": 20, "search": 18, "detail": 10, "trace": 22, "inbox": 8, "hold": 4,
                   "release": 18},
}
ROLE_SHARES = (("inspector", 0.5), ("approver", 0.3), ("compliance", 0.2))
FAULT_KINDS = ("terminate", "restart", "kill_ingest", "kill_sign")


@dataclass(frozen=True)
class Fault:
    at: float  # seconds after the start of the load
    kind: str  # one of FAULT_KINDS


@dataclass
class WorkstationSpec:
    name: str  # the login role, e.g. ws3fa1.007
    role: str  # inspector | approver | compliance
    password: str


@dataclass
class SharedData:
    """What every workstation knows before it starts: lots to look for, items, sites."""

    lot_codes: list[str]
    supplier_lots: list[str]
    item_words: list[str]
    trace_lots: list[str]
    categories: dict[str, str]  # item id (as text) -> category, for generating COAs


@dataclass
class WorkerConfig:
    """Handed to a worker process as a JSON file."""

    url: str  # the server, without credentials
    run_dir: str
    started_at: float  # time.time() when the load started
    seconds: float
    think_seconds: float
    seed: int
    workstations: list[WorkstationSpec]
    shared: SharedData
    incarnation: str = "main"  # names this start of these workstations in their ledgers
    victim: bool = False

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @staticmethod
    def load(path: Path) -> WorkerConfig:
        raw: dict[str, Any] = json.loads(path.read_text())
        raw["workstations"] = [WorkstationSpec(**w) for w in raw["workstations"]]
        raw["shared"] = SharedData(**raw["shared"])
        return WorkerConfig(**raw)


@dataclass
class SoakConfig:
    workstations: int = 50
    minutes: float = 10.0
    processes: int = 4  # worker processes sharing the ordinary workstations
    think_seconds: float = 1.0  # mean pause between two actions of one person
    erp_interval: float = 0.5  # mean pause between two ERP transactions
    seed: int = 11
    data_dir: Path | None = None
    faults: list[Fault] = field(default_factory=list)
    settle_seconds: float = 4.0  # after a fault, before checking
    extra_sql: Path | None = None  # run as the owner after seeding: to try a proposed fix

    @property
    def seconds(self) -> float:
        return self.minutes * 60.0


def default_faults(seconds: float) -> list[Fault]:
    """Spread over the run: connections killed, a process killed mid-ingest, the server
    restarted, a process killed mid-signature, connections killed again."""
    plan = (("terminate", 0.15), ("kill_ingest", 0.30), ("restart", 0.45), ("kill_sign", 0.60),
            ("terminate", 0.75))
    return [Fault(round(seconds * share, 1), kind) for kind, share in plan]


def parse_faults(text: str) -> list[Fault]:
    """`terminate@90,restart@270` -> faults; an empty text means none."""
    faults = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, at = part.partition("@")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose from {', '.join(FAULT_KINDS)}")
        faults.append(Fault(float(at), kind))
    return sorted(faults, key=lambda f: f.at)


def role_plan(n: int) -> list[str]:
    """Roles for n workstations in the realistic shares, inspectors first."""
    roles: list[str] = []
    for role, share in ROLE_SHARES:
        roles += [role] * round(n * share)
    while len(roles) < n:
        roles.append("inspector")
    return roles[:n]
