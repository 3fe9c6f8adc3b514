"""Rate-limit budgets: a fixed window per key (token, or client address when anonymous).

Budgets run on a clock of epoch seconds, not the simulated day: a collector that exhausts
its budget must wait until ``reset``. The server's clock is the wall clock plus the seconds
its tests passed with ``FakeHub.sleep``, so an hour's window resets without an hour's wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Window:
    limit: int
    used: int
    reset: int  # epoch seconds, wall clock

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


class Budget:
    """``limit`` units per ``window`` seconds for each key; the window starts at first use."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.time):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._windows: dict[str, Window] = {}
        self._lock = threading.Lock()

    def _current(self, key: str, limit: int) -> Window:
        now = self.clock()
        w = self._windows.get(key)
        if w is None or now >= w.reset:
            w = self._windows[key] = Window(limit, 0, int(now + self.window + 0.999))
        return w

    def peek(self, key: str, limit: int | None = None) -> Window:
        with self._lock:
            w = self._current(key, self.limit if limit is None else limit)
            return Window(w.limit, w.used, w.reset)

    def spend(self, key: str, units: int = 1, limit: int | None = None) -> tuple[bool, Window]:
        """Charge ``units``; False (and nothing charged) when fewer remain."""
        with self._lock:
            w = self._current(key, self.limit if limit is None else limit)
            if units > w.remaining:
                return False, Window(w.limit, w.used, w.reset)
            w.used += units
            return True, Window(w.limit, w.used, w.reset)

    def refund(self, key: str, units: int = 1) -> Window:
        with self._lock:
            w = self._windows[key]
            w.used = max(w.used - units, 0)
            return Window(w.limit, w.used, w.reset)

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()
