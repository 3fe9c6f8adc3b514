"""Holding a client mid-walk: answer N more API requests, then hold every later one until released.

A test that signals or kills a running collector must do so while the collector is still at
work. Waiting for its first rows and hoping it has not finished races a fast machine, and a
slowed hub (delays, dropped answers) ties the test to the wall clock. With the gate the moment
is certain: once a request is held, the client is blocked inside its next request, every page
before it answered, and it stays there until :meth:`RequestGate.resume`. Control endpoints
(``/_fakehub/...``) never wait at the gate.
"""

from __future__ import annotations

import threading


class RequestGate:
    """Open until :meth:`pause_after`; then ``requests`` more pass and the rest wait for :meth:`resume`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left: int | None = None  # requests still answered before holding; None while open
        self._opened = threading.Event()
        self._opened.set()
        self._holding = threading.Event()

    def pause_after(self, requests: int) -> threading.Event:
        """Hold every API request after the next ``requests``; the event is set once one is held."""
        with self._lock:
            self._left = requests
            self._opened = threading.Event()  # a new pair: a request released earlier is not held again
            self._holding = threading.Event()
            return self._holding

    def resume(self) -> None:
        """Answer the held requests and every later one."""
        with self._lock:
            self._left = None
            self._opened.set()

    def enter(self) -> None:
        """Called by each API request before it is answered; blocks while the gate holds."""
        with self._lock:
            if self._left is None:
                return
            if self._left > 0:
                self._left -= 1
                return
            opened, holding = self._opened, self._holding
        holding.set()
        opened.wait()
