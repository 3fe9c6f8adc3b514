"""What one collection pass reports back to the job that ran it.

Every collector (GitHub, Hugging Face, importers) returns a :class:`CollectResult`; the
job writes it to ``job_runs`` (API calls, rows written, status ``partial`` with the
reason) and the command line prints it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class CollectResult:
    """The outcome of one collection pass over one source.

    ``requests`` counts HTTP responses by status code as a string (``"200"``,
    ``"304"``, ``"429"``, ...) plus ``"error"`` for requests that got no response
    (timeouts, dropped connections). ``partial`` is true when the pass stopped before
    collecting everything it was asked for (budget exhausted, cap reached, source
    unavailable); ``reason`` then says why in one line. ``notes`` are one-line remarks
    worth showing the operator (a capped tree, a renamed repo, a deleted model).
    ``counters`` count things the run passed over on purpose, by what they are (e.g.
    ``"github: null stargazer items skipped"``), for the run log.
    """

    source: str
    rows_written: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    partial: bool = False
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def mark_partial(self, reason: str) -> None:
        """Record that the pass is incomplete; the first reason is kept, later ones become notes."""
        if self.partial and self.reason:
            self.notes.append(reason)
            return
        self.partial = True
        self.reason = reason
