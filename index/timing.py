"""Per-stage wall time, the public hook through which bench/ and callers see where time went."""
from __future__ import annotations

import time


class Laps:
    """``laps.lap("search")`` ends the stage that ran since the previous lap (or since creation);
    ``laps.ms`` is milliseconds per stage name, summed where a name repeats."""

    def __init__(self):
        self.ms: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.ms[name] = self.ms.get(name, 0.0) + (now - self._last) * 1000
        self._last = now

    def skip(self) -> None:
        """Start the next stage now, leaving the time since the previous lap out of every stage."""
        self._last = time.perf_counter()
