"""How much of each month GH Archive's files in the store cover, and the months known to be lost.

The GH Archive importer records every hourly file it imports in ``archive_hours`` (its
hour, from the name ``YYYY-MM-DD-H.json.gz``; whether the file broke before its end).
From that:

- :func:`months_covered` gives, per month with any hour imported, ``(hours held whole,
  hours in the month)``; :func:`month_coverage` the same for any one month (``(0, n)``
  for a month of which nothing is held). A metric of a month with no hour held has no
  data: it is missing (NULL, or absent from a file keyed by month), never 0.
- :data:`KNOWN_LOSSES` names the months whose events GH Archive itself lost, so that a
  figure of such a month is read for what it is even when every hour was imported.
- :func:`coverage_table` is the ``coverage`` export and ``ecometrics status`` shows the
  same lines (:func:`coverage_lines`).

Only what came from GH Archive is counted: events the GitHub collector read from the
API for a tracked repository are not hours of the archive.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from typing import Any

import polars as pl

from ecometrics.analysis.fields import COUNT, FLAG, MONTH, TEXT, Schema
from ecometrics.collector.gharchive import hour_of_file
from ecometrics.core.dates import next_month

# Months whose GH Archive events are known to be incomplete, with the public source that says so.
KNOWN_LOSSES: dict[str, str] = {
    "2021-10": (
        "GH Archive lost about two weeks of October 2021 (hours from 2021-10-22-5 on; "
        "https://github.com/igrigorik/gharchive.org/issues/261); OpenDigger estimates the month's count metrics "
        "from 2021-08..2021-12 and keeps its own count as 2021-10-raw (X-lab2017/open-digger "
        "src/cron/tasks/monthlyExport.ts, processMetric)"
    ),
    "2025-05": (
        "GH Archive holds a fraction of the events from 2025-05-23 on "
        "(https://github.com/igrigorik/gharchive.org/issues/310); OpenDigger's maintainers count it as lost data "
        "for almost a year and publish their own hourly archive from 2026-09-06 "
        "(https://github.com/igrigorik/gharchive.org/issues/323)"
    ),
}
# The months after 2025-05 that GH Archive holds only in part, by the same sources.
_THIN_FROM, _THIN_UNTIL = "2025-06", "2026-08"
_THIN = (
    "GH Archive holds a fraction of the events since 2025-05-23 (https://github.com/igrigorik/gharchive.org/issues/310; "
    "OpenDigger's own hourly archive starts 2026-09-06: https://github.com/igrigorik/gharchive.org/issues/323)"
)

COLUMNS: Schema = {
    "month": MONTH,
    "hours_held": COUNT,
    "hours_in_month": COUNT,
    "hours_damaged": COUNT,
    "complete": FLAG,
    "known_loss": TEXT,
}


def hours_in_month(month: str) -> int:
    """The hours of a ``YYYY-MM`` month (UTC has no daylight saving): its days times 24."""
    year, number = (int(part) for part in month.split("-"))
    return calendar.monthrange(year, number)[1] * 24


def months_covered(store: Any) -> dict[str, tuple[int, int]]:
    """``{month: (hours held whole, hours in the month)}`` for every month with an hour imported.

    An hour whose file broke before its end counts as not held: part of its events are
    missing. A month absent here has no GH Archive data at all."""
    held: dict[str, tuple[int, int]] = {}
    sql = "SELECT substr(hour, 1, 7) AS month, sum(damaged = 0) FROM archive_hours GROUP BY month ORDER BY month"
    for month, whole in store.conn.execute(sql):
        held[month] = (int(whole), hours_in_month(month))
    return held


def engine_months_covered(engine: Any) -> dict[str, tuple[int, int]]:
    """:func:`months_covered` for the events a ClickHouse engine imported (``import gharchive
    --engine chdb``): the hours of the files its ``archive_files`` table marks done. The
    engine does not keep whether a file broke, so each of its hours counts as held."""
    # a done file is keyed by its name, then its size and hash: "NAME|SIZE|HASH"
    names = [row[0].split("|", 1)[0] for row in engine.rows("SELECT DISTINCT file FROM archive_files")]
    return _by_month(hour for hour in map(hour_of_file, names) if hour)


def _by_month(hours: Iterable[str]) -> dict[str, tuple[int, int]]:
    held: dict[str, int] = {}
    for hour in set(hours):
        held[hour[:7]] = held.get(hour[:7], 0) + 1
    return {month: (held[month], hours_in_month(month)) for month in sorted(held)}


def month_coverage(store: Any, month: str) -> tuple[int, int]:
    """``(hours held whole, hours in the month)`` of one month; ``(0, n)`` when nothing is held."""
    return months_covered(store).get(month, (0, hours_in_month(month)))


def known_loss(month: str) -> str | None:
    """Why GH Archive's events of ``month`` are known to be incomplete, with the source; None if not known."""
    if month in KNOWN_LOSSES:
        return KNOWN_LOSSES[month]
    return _THIN if _THIN_FROM <= month <= _THIN_UNTIL else None


def api_repos(store: Any) -> set[int]:
    """The repositories whose events the GitHub collector read from the API (``events.source``
    ``rest``): it reads a repository's whole history (stargazers, issues, pull requests), so
    such a repository is covered in every month, GH Archive hours or not."""
    sql = "SELECT DISTINCT repo_id FROM events WHERE source <> 'gharchive' AND repo_id IS NOT NULL"
    return {int(row[0]) for row in store.conn.execute(sql)}


def range_coverage(
    held: dict[str, tuple[int, int]], with_data: set[str], first: str, last: str
) -> dict[str, dict[str, Any]]:
    """Every month of ``first`` to ``last``: its GH Archive hours held of the hours in it
    (``held`` as :func:`months_covered` gives it), whether it is whole, whether any data of it
    is held (an hour, or events: ``with_data``), and its known loss."""
    months: dict[str, dict[str, Any]] = {}
    month = first
    while month <= last:
        hours, total = held.get(month, (0, hours_in_month(month)))
        months[month] = {
            "hours_held": hours,
            "hours_in_month": total,
            "complete": hours == total,
            "data": hours > 0 or month in with_data,
            "known_loss": known_loss(month),
        }
        month = next_month(month)
    return months


def coverage_note(months: dict[str, dict[str, Any]]) -> str | None:
    """One line naming the partial, data-less and known-loss months of :func:`range_coverage`; None if none."""
    partial = [
        f"{month} ({row['hours_held']} of {row['hours_in_month']} hours)"
        for month, row in months.items()
        if 0 < row["hours_held"] < row["hours_in_month"]
    ]
    parts = [f"partial GH Archive months: {', '.join(partial)}"] if partial else []
    if without := [month for month, row in months.items() if not row["data"]]:
        parts.append(f"without data: {', '.join(without)}")
    if losses := [month for month, row in months.items() if row["known_loss"]]:
        parts.append(f"known loss: {', '.join(losses)}")
    return "; ".join(parts) or None


def coverage_table(store: Any, **_: Any) -> pl.DataFrame:
    """The ``coverage`` export: per month with an hour imported, the hours held of the hours in
    it, the hours whose file broke, whether the month is whole, and a known loss."""
    damaged = dict(
        store.conn.execute("SELECT substr(hour, 1, 7), sum(damaged) FROM archive_hours GROUP BY 1").fetchall()
    )
    rows = [
        {
            "month": month,
            "hours_held": held,
            "hours_in_month": total,
            "hours_damaged": int(damaged.get(month) or 0),
            "complete": held == total,
            "known_loss": known_loss(month),
        }
        for month, (held, total) in months_covered(store).items()
    ]
    return pl.DataFrame(rows, schema={name: field.dtype for name, field in COLUMNS.items()})


def coverage_lines(store: Any) -> list[str]:
    """``ecometrics status``'s lines: each month's hours held, the missing ones flagged."""
    lines = []
    for row in coverage_table(store).iter_rows(named=True):
        line = f"  {row['month']}  {row['hours_held']} of {row['hours_in_month']} hours"
        missing = row["hours_in_month"] - row["hours_held"]
        if missing:
            line += f"  {missing} missing"
        if row["hours_damaged"]:
            line += f" ({row['hours_damaged']} damaged)"
        if row["known_loss"]:
            line += f"  known loss: {row['known_loss']}"
        lines.append(line)
    return lines
