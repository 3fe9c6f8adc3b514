"""What every step reports back to the job that ran it: one outcome, whatever the step.

A collection pass, an import, an analysis, an export: each returns an :class:`Outcome`
(its status, the rows it wrote, the API requests it made, a one-line message when it is
not ok, and remarks for the operator). The pipeline records any of them in ``job_runs``
the same way and the command line prints their summaries; no step is special-cased.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

STATUSES = ("ok", "partial", "failed", "interrupted")


class Outcome(Protocol):
    """The outcome of one step.

    ``status`` is one of :data:`STATUSES`; ``requests`` counts HTTP responses by status
    code as a string (``"200"``, ``"304"``, ...) plus ``"error"`` for requests that got
    none; ``message`` says in one line why the step is not ok; ``notes`` are one-line
    remarks worth showing the operator.
    """

    @property
    def status(self) -> str: ...

    @property
    def rows_written(self) -> int: ...

    @property
    def requests(self) -> Mapping[str, int]: ...

    @property
    def message(self) -> str | None: ...

    @property
    def notes(self) -> Sequence[str]: ...


class Completed:
    """The outcome of a step that talks to no API and either completes or raises:
    ``ok``, no requests, no message, no notes. Its class adds ``rows_written``."""

    status = "ok"
    requests: Mapping[str, int] = MappingProxyType({})
    message: str | None = None
    notes: Sequence[str] = ()


@dataclass
class CollectResult:
    """The outcome of one collection pass over one source (an :class:`Outcome`).

    ``partial`` is true when the pass stopped before collecting everything it was asked
    for (budget exhausted, cap reached, source unavailable); ``reason`` then says why in
    one line, and is the outcome's ``message``. ``notes`` are one-line remarks worth
    showing the operator (a capped tree, a renamed repo, a deleted model). ``counters``
    count things the run passed over on purpose, by what they are (e.g. ``"github: null
    stargazer items skipped"``), for the run log.
    """

    source: str
    rows_written: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    partial: bool = False
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)

    @property
    def status(self) -> str:
        return "partial" if self.partial else "ok"

    @property
    def message(self) -> str | None:
        return self.reason

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
