"""The simulated clock of the synthetic ecosystem.

The ecosystem starts at :data:`START` (so the same seed always gives the same responses)
and moves only when told to: ``advance(days)``. Everything fakehub generates is laid out
on a fixed timeline from years before ``START`` to :data:`FUTURE_DAYS` after it, and the
clock decides what is visible: a star, a comment or a model exists once its time is
``<= now``. Advancing therefore reveals growth that was fixed by the seed, which keeps
``advance(2)`` identical to ``advance(1); advance(1)``. Past ``START + FUTURE_DAYS``
nothing new appears.
"""

from __future__ import annotations

import datetime as dt
import email.utils

DAY = 86_400
START = dt.datetime(2025, 9, 1, 12, 0, 0, tzinfo=dt.UTC)
START_TS = int(START.timestamp())
FUTURE_DAYS = 180


def iso(ts: float) -> str:
    """GitHub's and the Hub's timestamp format: ``2025-09-01T12:00:00Z``."""
    return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(ts: float) -> str:
    """The Hub's timestamp format with milliseconds: ``2025-09-01T12:00:00.000Z``."""
    return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def http_date(ts: float) -> str:
    """RFC 7231 date for the ``Date`` and ``Last-Modified`` headers."""
    return email.utils.formatdate(int(ts), usegmt=True)


def parse_iso(text: str) -> int:
    """Epoch seconds of an ISO-8601 timestamp as the APIs accept them (``Z`` or offset)."""
    text = text.strip().replace("Z", "+00:00")
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


class Clock:
    """Simulated time: the start (``START`` unless a snapshot says otherwise) plus the
    days advanced so far."""

    def __init__(self, days: int = 0, start: int = START_TS):
        self.days = days
        self.start = start
        self.seconds = 0.0  # moved by tick(): time passing while clients walk their pages

    @property
    def now(self) -> int:
        return self.start + self.days * DAY + int(self.seconds)

    @property
    def today(self) -> int:
        """Whole days since the start (0 on the first day)."""
        return (self.now - self.start) // DAY

    def tick(self, seconds: float) -> None:
        """Move the clock by some seconds (fakehub's ``clock_step_seconds`` per request)."""
        self.seconds += seconds

    def advance(self, days: int) -> None:
        if days < 0:
            raise ValueError(f"advance: days must be >= 0, got {days}")
        self.days += days
