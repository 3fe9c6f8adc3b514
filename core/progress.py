"""Progress of a long pass, shown one way for every collector and importer.

On a terminal it is a rich bar: with a total (pages estimated, the Hub's size) a bar with
its time remaining, without one a count and a spinner. Without a terminal (cron, a pipe)
it is plain log lines instead: one when the phase starts, one every ``every`` seconds
while it runs, and one when it ends, so a cron mail shows a run's course without a
line per page.
"""

from __future__ import annotations

import logging
import sys
import time
from types import TracebackType
from typing import Any


class Progress:
    """One phase of work counted in ``unit`` (``"pages"``, ``"models"``).

    >>> with Progress(log, "pages", enabled=True) as progress:
    ...     progress.start("github pages", total=120)
    ...     progress.advance()                      # one page saved
    ...     progress.update(completed=12, description="QwenLM/Qwen3")

    ``enabled`` false shows nothing. ``terminal`` defaults to whether stderr is one.
    """

    def __init__(
        self,
        log: logging.Logger,
        unit: str,
        *,
        enabled: bool = True,
        every: float = 10.0,
        terminal: bool | None = None,
    ):
        self.log, self.unit, self.enabled, self.every = log, unit, enabled, every
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self.bar: Any = None  # a rich Progress while a phase runs on a terminal
        self.task: Any = None
        self.description = ""
        self.count = 0
        self.started = self.last = time.monotonic()

    @property
    def on_terminal(self) -> bool:
        """Whether a bar speaks (so a caller's own per-item log lines can stay quiet)."""
        return self.enabled and self.terminal

    def start(self, description: str, total: int | None = None) -> None:
        """Begin a phase (ending the one before); ``total`` makes a bar with a time remaining."""
        self.close()
        self.description, self.count = description, 0
        self.started = self.last = time.monotonic()
        if not self.enabled:
            return
        if not self.terminal:
            self.log.info("%s: started%s", description, f" (about {total:,} {self.unit})" if total else "")
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import (
            Progress as Bar,
        )

        columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
        if total:
            columns += [BarColumn(), MofNCompleteColumn(), TextColumn(self.unit), TimeRemainingColumn()]
        else:
            columns += [TextColumn("{task.completed:,.0f} " + self.unit)]
        self.bar = Bar(*columns, TimeElapsedColumn())
        self.bar.start()
        self.task = self.bar.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        self.count += amount
        if self.bar is not None:
            self.bar.advance(self.task, amount)
        elif self.enabled and self.description and time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            rate = self.count / max(self.last - self.started, 1e-9)
            self.log.info("%s: %s %s, %.0f %s/s", self.description, f"{self.count:,}", self.unit, rate, self.unit)

    def update(self, *, completed: int | None = None, description: str | None = None) -> None:
        """Set the bar where the work is (an estimate met, the item under way)."""
        if completed is not None:
            self.count = completed
        if self.bar is not None:
            self.bar.update(self.task, completed=completed, description=description)

    def close(self) -> None:
        """End the phase: the bar stops, or the last log line says what it did."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = self.task = None
        elif self.enabled and self.description and not self.terminal:
            self.log.info(
                "%s: %s %s in %.0fs", self.description, f"{self.count:,}", self.unit, time.monotonic() - self.started
            )
        self.description = ""

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
