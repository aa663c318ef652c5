"""The server seen from inside during the run: connections open and sessions waiting on a lock,
sampled every two seconds."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

_SAMPLE = text("""
    SELECT count(*) FILTER (WHERE backend_type = 'client backend'),
           count(*) FILTER (WHERE wait_event_type = 'Lock'),
           count(*) FILTER (WHERE state = 'active' AND backend_type = 'client backend')
    FROM pg_stat_activity""")


@dataclass
class ServerSamples:
    samples: list[tuple[float, int, int, int]] = field(default_factory=list)

    def peak(self, index: int) -> int:
        return max((s[index] for s in self.samples), default=0)

    def mean(self, index: int) -> float:
        return sum(s[index] for s in self.samples) / len(self.samples) if self.samples else 0.0


def sample_server(owner: Engine, stop: threading.Event, origin: float,
                  into: ServerSamples, every: float = 2.0) -> None:
    while not stop.wait(every):
        try:
            with owner.connect() as conn:
                connections, waiting, active = conn.execute(_SAMPLE).one()
            into.samples.append((round(time.time() - origin, 1), int(connections), int(waiting),
                                 int(active)))
        except Exception:  # the server is down for a fault: no sample
            continue
