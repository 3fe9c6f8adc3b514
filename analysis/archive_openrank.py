"""Global OpenRank from events on a ClickHouse engine: activity there, the solve here.

``ecometrics analyze openrank --engine ...`` runs :func:`compute_archive_openrank`: month
by month, the engine runs the activity query of :mod:`ecometrics.analysis.activity_sql` (the text
the SQLite path runs, rendered for ClickHouse and the engine's events layout) and sends
back one row per (repo, developer): ids, latest names, six distinct counts and the valid
count. Everything after that is the SQLite path's own code: the weights, the bot rule and
the limits (:func:`ecometrics.analysis.activity.activity_from_counts`), the network and the solve
(:mod:`ecometrics.analysis.openrank`), the stored ``activity``, ``openrank`` and ``openrank_months``
rows and the month fingerprints (:func:`ecometrics.analysis.global_openrank.compute_global_openrank`),
so both paths give the same values on the same events. On ClickHouse's ``github_events``
(ids derived from names, :func:`ecometrics.analysis.activity_sql.name_id`) the bot label OpenDigger
keeps by GitHub id cannot match; the login rule still applies.

What crosses the network to a ClickHouse server: the SQL text, then per month the pairs
(about 60 bytes each in Arrow) and a one-row digest; no event leaves the server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import polars as pl

from ecometrics.analysis import activity as act
from ecometrics.analysis import activity_sql
from ecometrics.analysis.global_openrank import OpenRankSummary, compute_global_openrank
from ecometrics.collector.archive_engine import Engine
from ecometrics.collector.store import Store
from ecometrics.core.dates import next_month

log = logging.getLogger(__name__)


@dataclass
class EngineEvents:
    """The events on an engine, read through its schema (:data:`ecometrics.analysis.activity_sql.SCHEMAS`)."""

    engine: Engine
    store: Store  # for the labelled bots the bot rule removes
    progress: bool = False

    @property
    def schema(self) -> activity_sql.Schema:
        return activity_sql.SCHEMAS[self.engine.schema]

    def months(self, to_month: str | None) -> list[str]:
        months = [row[0] for row in self.engine.rows(activity_sql.months_sql(self.schema))]
        return [month for month in months if to_month is None or month <= to_month]

    def digest(self, month: str) -> tuple:
        row = self.engine.rows(activity_sql.month_digest_sql(self.schema, month, next_month(month)))[0]
        return (self.schema.name, *row)

    def activity(self, month: str, **activity_options: Any) -> pl.DataFrame:
        sql = activity_sql.activity_counts_sql(self.schema, month, next_month(month))
        counts = pl.from_arrow(self.engine.arrow(sql))
        assert isinstance(counts, pl.DataFrame)
        counts = counts.rename({"latest_repo_name": "repo_name", "latest_login": "login"})
        if self.progress:
            log.info("openrank %s: %s pairs from %s", month, f"{len(counts):,}", self.engine.label)
        return act.activity_from_counts(self.store, counts, **activity_options)


def compute_archive_openrank(
    store: Store,
    engine: Engine,
    from_month: str | None = None,
    to_month: str | None = None,
    *,
    force: bool = False,
    progress: bool = False,
    **activity_options: Any,
) -> OpenRankSummary:
    """:func:`ecometrics.analysis.global_openrank.compute_global_openrank` over the events on ``engine``,
    storing activity and OpenRank in ``store``; resumable per month by the same fingerprints."""
    events = EngineEvents(engine, store, progress=progress)
    return compute_global_openrank(store, from_month, to_month, force=force, events=events, **activity_options)
