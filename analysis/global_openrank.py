"""Global OpenRank month by month: OpenDigger's monthly index over the ``events`` table.

For each month with events, in order: the month's activity pairs
(:func:`ecometrics.analysis.activity.activity_frame`), its network
(:func:`ecometrics.analysis.openrank.build_network`) with values inherited from earlier months
(:func:`inherited_values`), the plugin's solve (:func:`ecometrics.analysis.openrank.network_openrank`)
and one transaction writing the ``activity`` rows, the ``openrank`` rows and the month's
``openrank_months`` row. The tables for exports read that stored index back.

Deliberate differences from OpenDigger's ``src/cron/tasks/globalOpenrank.ts``
(X-lab2017/open-digger, commit cbb348b), with their reasons: values are stored only for
the month's network nodes (OpenDigger's table is the same; its export threshold of 5,
line 21, is a choice of what to publish, so every value is kept here and exports rank
them all); months are computed in order and a month is recomputed only when its
fingerprint (its events, the labelled bots, the parameters and the previous month's
fingerprint) changed, where OpenDigger computes each month once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any, Protocol

import numpy as np
import polars as pl

from ecometrics.analysis import activity as act
from ecometrics.analysis import frames
from ecometrics.analysis.fields import COUNT, FLAG, ID, MONTH, NAME, SCORE
from ecometrics.analysis.growth import last_complete_month, partial_month
from ecometrics.analysis.openrank import (
    ACTIVITY_SHARE,
    ATTENUATION,
    BACKGROUND_SHARE,
    GLOBAL_CONVERGENCE,
    GLOBAL_MAX_ITER,
    GLOBAL_TOLERANCE,
    MIN_INHERITED,
    RETENTION,
    SIGMOID_MIDPOINT,
    SIGMOID_SLOPE,
    Network,
    build_network,
    network_openrank,
)
from ecometrics.collector.store import Store
from ecometrics.core.dates import check_month, months_between, next_month, utc_now
from ecometrics.core.errors import InputError
from ecometrics.core.outcome import Completed

log = logging.getLogger(__name__)

# OpenRank inherits each entity's value from the month before (×0.85 a month, see
# :func:`inherited_values`), and the first computed month inherits nothing: values start
# low and climb for months while activity is flat. OpenDigger computes from 2015 on, so its
# published values have no such start. The months this long after the first computed one
# are flagged ``openrank_warm_up``: 0.85^6 ≈ 0.38, so by then most of an inherited value
# comes from computed months rather than from the empty start.
WARM_UP_MONTHS = 6


def inherited_values(store: Store, month: str, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Each entity's latest stored OpenRank before ``month``, × 0.85 per month elapsed, 0 unless above 0.01.

    As ``globalOpenrank.ts`` lines 62-72: ``argMax(openrank, created_at)`` × ``0.85^dateDiff``
    from the latest stored month, kept ``HAVING openrank > 0.01``.

    Returns sorted ``(entity ids, values)``.
    """
    # SQLite's bare-column rule: with max(month), value comes from that latest row.
    rows = store.conn.execute(
        "SELECT entity_id, max(month), value FROM openrank WHERE kind = ? AND month < ? "
        "GROUP BY entity_id ORDER BY entity_id",
        (kind, month),
    ).fetchall()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    gaps = np.fromiter((months_between(row[1], month) for row in rows), dtype=np.float64, count=len(rows))
    values = np.fromiter((row[2] for row in rows), dtype=np.float64, count=len(rows)) * ATTENUATION**gaps
    values[values <= MIN_INHERITED] = 0.0
    return ids, values


# -- the monthly series ------------------------------------------------------------------


@dataclass
class OpenRankSummary(Completed):
    """What :func:`compute_global_openrank` did."""

    computed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)
    iterations: dict[str, int] = field(default_factory=dict)
    not_converged: list[str] = field(default_factory=list)
    rows_written: int = 0

    def summary(self) -> str:
        text = f"openrank: {len(self.computed)} month(s) computed, {len(self.skipped)} unchanged"
        if self.computed:
            text += f" ({self.computed[0]}..{self.computed[-1]}, {self.rows_written:,} rows)"
        if self.not_converged:
            text += f"; not converged in {GLOBAL_MAX_ITER} iterations: {', '.join(self.not_converged)}"
        return text

    __str__ = summary


def _parameters(options: Mapping[str, Any]) -> str:
    return json.dumps(
        {
            "activity": {k: sorted(v) if isinstance(v, (set, frozenset)) else v for k, v in sorted(options.items())},
            "retention": RETENTION,
            "shares": [ACTIVITY_SHARE, BACKGROUND_SHARE],
            "inherit": [ATTENUATION, MIN_INHERITED],
            "sigmoid": [SIGMOID_SLOPE, SIGMOID_MIDPOINT],
            "solve": [GLOBAL_TOLERANCE, GLOBAL_MAX_ITER, GLOBAL_CONVERGENCE],
        },
        sort_keys=True,
        default=str,
    )


class MonthlyEvents(Protocol):
    """Where the months' events are: SQLite's ``events`` (:class:`SqliteEvents`) or an
    archive engine (:class:`ecometrics.analysis.archive_openrank.EngineEvents`)."""

    def months(self, to_month: str | None) -> list[str]:
        """The months (YYYY-MM, ascending) with events, up to ``to_month``."""
        ...

    def digest(self, month: str) -> tuple:
        """A cheap digest of a month's events: changes when events are added, removed or rewritten."""
        ...

    def activity(self, month: str, **activity_options: Any) -> pl.DataFrame:
        """The month's :func:`ecometrics.analysis.activity.activity_frame`."""
        ...


@dataclass
class SqliteEvents:
    """The ``events`` table of the SQLite file: tracked repos collected through the API or imported."""

    store: Store

    def months(self, to_month: str | None) -> list[str]:
        return act.event_months(self.store, None, to_month)

    def digest(self, month: str) -> tuple:
        return self.store.conn.execute(
            "SELECT count(*), total(actor_id), total(repo_id), total(issue_number), total(comment_id), "
            "total(is_bot), total(length(type) * 7 + length(coalesce(action, ''))), total(length(push_id)), "
            "total(length(title)), total(author_id), "
            "min(id), max(id), min(created_at), max(created_at) "
            "FROM events WHERE created_at >= ? AND created_at < ?",
            (month, next_month(month)),
        ).fetchone()

    def activity(self, month: str, **activity_options: Any) -> pl.DataFrame:
        return act.activity_frame(self.store, month, **activity_options)


def compute_month(
    store: Store, month: str, fingerprint: str, *, events: MonthlyEvents, **activity_options: Any
) -> tuple[Network | None, int]:
    """Compute activity and global OpenRank for ``month`` and store both.

    Earlier months must be stored already (their values are inherited). Everything is
    computed first and written in one transaction: the month's activity, its OpenRank
    values and its ``openrank_months`` row (with ``fingerprint``, last), so an
    interrupted write leaves the previous values and fingerprint as they were.
    Returns ``(network, rows written)``; the network is None for a month without an
    OpenRank network (e.g. only pushes). ``events`` says where the month's events are
    (the SQLite ``events`` table or an engine's).
    """
    frame = events.activity(month, **activity_options)
    pairs = frame.filter(~pl.col("push_only"))
    network = None
    if not pairs.is_empty():
        network = build_network(
            pairs["repo_id"].to_numpy(),
            pairs["developer_id"].to_numpy(),
            pairs["activity"].to_numpy(),
            inherited_repos=inherited_values(store, month, "repo"),
            inherited_developers=inherited_values(store, month, "developer"),
        )
        repo_values, developer_values = network_openrank(network)
    values: Iterable[tuple[str, int, str, float]] = ()
    if network is not None:
        values = chain(
            zip(repeat("repo"), network.repo_ids.tolist(), repeat(month), repo_values.tolist()),
            zip(repeat("developer"), network.developer_ids.tolist(), repeat(month), developer_values.tolist()),
        )
    with store.transaction():
        rows = act.write_activity(store, month, frame)
        rows += store.replace_rows("openrank", ("kind", "entity_id", "month", "value"), values, where={"month": month})
        store.upsert(
            "openrank_months",
            [
                {
                    "month": month,
                    "fingerprint": fingerprint,
                    "nodes": network.size if network else 0,
                    "pairs": network.pairs if network else 0,
                    "iterations": network.iterations if network else 0,
                    "converged": int(network.converged) if network else 1,
                    "background": network.background if network else None,
                    "computed_at": utc_now(),
                }
            ],
        )
    return network, rows


def compute_global_openrank(
    store: Store,
    from_month: str | None = None,
    to_month: str | None = None,
    *,
    force: bool = False,
    events: MonthlyEvents | None = None,
    **activity_options: Any,
) -> OpenRankSummary:
    """Compute activity and global OpenRank month by month, in order, for months with events.

    A month is skipped when its fingerprint (a digest of its events, the parameters and
    the previous month's fingerprint) equals the stored one, unless ``force``; so a new
    or changed month recomputes itself and every month after it. ``activity_options``
    are those of :func:`ecometrics.analysis.activity.activity_frame` (weights, bots, ...). Months
    before ``from_month`` are taken as stored. ``events`` says where the events are
    (default: the SQLite ``events`` table); the values are written to ``store`` either way.
    """
    low = check_month(from_month, "--from") if from_month else ""
    if to_month:  # here, for every source of events
        check_month(to_month, "--to")
    events = events or SqliteEvents(store)
    summary = OpenRankSummary()
    months = events.months(to_month)
    parameters = _parameters(activity_options)
    bots = act.labelled_bot_ids(store)
    stored = {row[0]: row[1] for row in store.conn.execute("SELECT month, fingerprint FROM openrank_months")}
    previous = ""
    for month in months:
        fingerprint = hashlib.sha256(
            json.dumps([previous, parameters, bots, events.digest(month)], default=str).encode()
        ).hexdigest()
        previous = fingerprint
        if month < low:
            continue
        if not force and stored.get(month) == fingerprint:
            summary.skipped.append(month)
            continue
        network, rows = compute_month(store, month, fingerprint, events=events, **activity_options)
        nodes, iterations = (network.size, network.iterations) if network else (0, 0)
        converged = network.converged if network else True
        summary.computed.append(month)
        summary.nodes[month] = nodes
        summary.iterations[month] = iterations
        summary.rows_written += rows
        if not converged:
            summary.not_converged.append(month)
        log.info("openrank %s: %d nodes, %d iterations", month, nodes, iterations)
    return summary


# -- tables for exports ------------------------------------------------------------------


def first_openrank_month(db: Any) -> str | None:
    """The earliest month global OpenRank was computed for (YYYY-MM), or None."""
    return frames.read_sql(db, "SELECT min(month) AS month FROM openrank_months", schema={"month": pl.String})["month"][
        0
    ]


def warm_up_until(db: Any) -> str | None:
    """The first month past OpenRank's warm-up (YYYY-MM): :data:`WARM_UP_MONTHS` after the
    first computed month; None before any month is computed."""
    first = first_openrank_month(db)
    if first is None:
        return None
    year, number = int(first[:4]), int(first[5:7]) - 1 + WARM_UP_MONTHS
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def openrank_warm_up(month: pl.Expr, db: Any) -> pl.Expr:
    """True for a month (YYYY-MM text) within :data:`WARM_UP_MONTHS` of the first computed
    month, whose OpenRank still climbs from the empty start; null for a null month."""
    settled = warm_up_until(db)
    return pl.when(month.is_not_null()).then(month < settled if settled else pl.lit(False))


def default_month(store: Store, kind: str | None = None) -> str | None:
    """The month tables show when none is asked for: the newest month with OpenRank values
    that the data covers to its end (:func:`ecometrics.analysis.growth.last_complete_month`), else the
    newest month with values (then flagged ``partial_month``)."""
    complete = last_complete_month(store)
    if complete:
        row = store.conn.execute(
            "SELECT max(month) FROM openrank WHERE month <= ? AND (? IS NULL OR kind = ?)", (complete, kind, kind)
        ).fetchone()
        if row[0]:
            return row[0]
    return latest_month(store, kind)


def latest_month(store: Store, kind: str | None = None) -> str | None:
    """The newest month with OpenRank values (of ``kind``), complete or not."""
    if kind:
        row = store.conn.execute("SELECT max(month) FROM openrank WHERE kind = ?", (kind,)).fetchone()
    else:
        row = store.conn.execute("SELECT max(month) FROM openrank").fetchone()
    return row[0]


def openrank_table(store: Store, kind: str, month: str | None = None) -> pl.DataFrame:
    """Per-entity OpenRank and activity of one month (None: :func:`default_month`).

    ``kind`` is ``"repo"`` or ``"developer"``. Every entity with a network weight or an
    OpenRank value in the month has a row. Columns: ``entity_id, name, month, openrank``,
    ``activity`` (OpenDigger's published metric,
    :func:`ecometrics.analysis.activity.opendigger_activity_by`; null without one) and
    ``openrank_weight`` (its total OpenRank network weight, the ``activity`` table);
    push-only entities have a null openrank. Sorted by OpenRank, highest first.
    """
    if kind not in ("repo", "developer"):
        raise InputError(f"OpenRank kind {kind!r} is unknown; use repo or developer")
    month = check_month(month) if month else default_month(store, kind)
    schema = {
        "entity_id": pl.Int64,
        "name": pl.String,
        "month": pl.String,
        "openrank": pl.Float64,
        "openrank_weight": pl.Float64,
    }
    if month is None:
        return pl.DataFrame(schema={**schema, "activity": pl.Float64}).select(*TABLE_COLUMNS)
    id_column, name_column = ("repo_id", "repo_name") if kind == "repo" else ("developer_id", "login")
    rows = store.conn.execute(
        f"""
        WITH a AS (
            SELECT {id_column} AS entity_id, max({name_column}) AS name, total(activity) AS weight
            FROM activity WHERE month = :month GROUP BY {id_column}
        ), o AS (
            SELECT entity_id, value FROM openrank WHERE month = :month AND kind = :kind
        )
        SELECT a.entity_id, a.name, :month, o.value, a.weight FROM a LEFT JOIN o USING (entity_id)
        UNION ALL
        SELECT o.entity_id, NULL, :month, o.value, NULL FROM o WHERE o.entity_id NOT IN (SELECT entity_id FROM a)
        """,
        {"month": month, "kind": kind},
    ).fetchall()
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    frame = frame.join(act.opendigger_activity_by(store, month, kind), on="entity_id", how="left")
    return frame.select(*TABLE_COLUMNS).sort(["openrank", "openrank_weight"], descending=True, nulls_last=True)


TABLE_COLUMNS = ("entity_id", "name", "month", "openrank", "activity", "openrank_weight")


DEVELOPER_COUNTS = act.COUNTS


DEVELOPER_COLUMNS = {
    "rank": COUNT,
    "developer": NAME,
    "openrank": SCORE,
    "activity": SCORE,
    "openrank_weight": SCORE,
    "month": MONTH,
    "partial_month": FLAG,
    "openrank_warm_up": FLAG,
    "repos": COUNT,
    **dict.fromkeys(DEVELOPER_COUNTS, COUNT),
    "developer_id": ID,
}


def developers_table(store: Store, *, month: str | None = None, **_: Any) -> pl.DataFrame:
    """The developers ranking: ``developer`` (login), ``openrank``, ``activity`` (OpenDigger's
    published metric), ``openrank_weight`` (the OpenRank network weight), ``month``, ``repos`` and counts.

    One month (default: :func:`default_month`, the last complete one), best OpenRank first;
    ``partial_month`` says the data does not cover that month to its end, ``openrank_warm_up``
    that the month is within :data:`WARM_UP_MONTHS` of the first computed one.
    """
    table = openrank_table(store, "developer", month)
    month = table["month"][0] if len(table) else month
    counts = store.conn.execute(
        f"SELECT developer_id, count(*), {', '.join(f'sum({c})' for c in DEVELOPER_COUNTS)} "
        "FROM activity WHERE month = ? GROUP BY developer_id",
        (month,),
    ).fetchall()
    count_frame = pl.DataFrame(
        counts,
        schema={"entity_id": pl.Int64, "repos": pl.Int64, **{c: pl.Int64 for c in DEVELOPER_COUNTS}},
        orient="row",
    )
    frame = table.join(count_frame, on="entity_id", how="left").with_columns(
        pl.col("name").fill_null(pl.col("entity_id").cast(pl.String))
    )
    frame = frame.rename({"name": "developer", "entity_id": "developer_id"})
    frame = frame.with_row_index("rank", offset=1)
    frame = frame.with_columns(
        partial_month=partial_month(pl.col("month"), store), openrank_warm_up=openrank_warm_up(pl.col("month"), store)
    )
    return frame.select(
        "rank",
        "developer",
        "openrank",
        "activity",
        "openrank_weight",
        "month",
        "partial_month",
        "openrank_warm_up",
        "repos",
        *DEVELOPER_COUNTS,
        "developer_id",
    )


def _ranking_columns(kind: str) -> dict:
    entity = "repo" if kind == "repo" else "developer"
    return {
        "rank": COUNT,
        entity: NAME,
        "openrank": SCORE,
        "months": COUNT,
        "partial_month": FLAG,
        "openrank_warm_up": FLAG,
        "openrank_*": SCORE,
        f"{entity}_id": ID,
    }


def openrank_ranking(
    store: Store, kind: str, *, month: str | None = None, from_month: str | None = None, to_month: str | None = None
) -> pl.DataFrame:
    """Every repo or developer (``kind``) with OpenRank in a month or a range of months, ranked.

    One month (``month``, default :func:`default_month`) or every stored month from
    ``from_month`` to ``to_month`` (either bound open). Columns: ``rank``, the name (the
    latest one its events carried, else its id), ``openrank`` (the sum over the months, as
    OpenDigger sums a year's months), ``months`` (how many of them have a value), one
    ``openrank_YYYY-MM`` column a month (null: no value that month) and the id. Best first.
    ``partial_month`` and ``openrank_warm_up`` say whether any month of the sum is partial or
    within the warm-up.
    """
    entity = "repo" if kind == "repo" else "developer"
    if from_month or to_month:
        if month:
            raise InputError("pass --month or --from/--to, not both")
        low = check_month(from_month, "--from") if from_month else "0000-00"
        high = check_month(to_month, "--to") if to_month else "9999-99"
        if low > high:
            raise InputError(f"--from {from_month} is later than --to {to_month}; swap them")
    else:
        month = check_month(month, "--month") if month else default_month(store, kind)
        low = high = month or ""
    months = [
        row[0]
        for row in store.conn.execute(
            "SELECT DISTINCT month FROM openrank WHERE kind = ? AND month BETWEEN ? AND ? ORDER BY month",
            (kind, low, high),
        )
    ]
    id_column, name_column = ("repo_id", "repo_name") if kind == "repo" else ("developer_id", "login")
    values = pl.DataFrame(
        store.conn.execute(
            "SELECT entity_id, month, value FROM openrank WHERE kind = ? AND month BETWEEN ? AND ?", (kind, low, high)
        ).fetchall(),
        schema={"entity_id": pl.Int64, "month": pl.String, "value": pl.Float64},
        orient="row",
    )
    names = pl.DataFrame(
        store.conn.execute(  # the bare name comes from the row of max(month): the latest
            f"SELECT {id_column}, {name_column}, max(month) FROM activity WHERE month BETWEEN ? AND ? "
            f"GROUP BY {id_column}",
            (low, high),
        ).fetchall(),
        schema={"entity_id": pl.Int64, "name": pl.String, "latest": pl.String},
        orient="row",
    ).drop("latest")
    columns = [f"openrank_{m}" for m in months]
    wide = (
        values.pivot(on="month", index="entity_id", values="value").rename({m: f"openrank_{m}" for m in months})
        if len(values)
        else pl.DataFrame(schema={"entity_id": pl.Int64, **dict.fromkeys(columns, pl.Float64)})
    )
    # a sum is flagged when any month it holds is partial or within the warm-up (as views.py's rows are)
    flagged = values.with_columns(
        partial_month=partial_month(pl.col("month"), store), openrank_warm_up=openrank_warm_up(pl.col("month"), store)
    )
    totals = flagged.group_by("entity_id").agg(
        openrank=pl.col("value").sum(),
        months=pl.len().cast(pl.Int64),
        partial_month=pl.col("partial_month").any(),
        openrank_warm_up=pl.col("openrank_warm_up").any(),
    )
    frame = (
        totals.join(wide, on="entity_id", how="left")
        .join(names, on="entity_id", how="left")
        .with_columns(pl.col("name").fill_null(pl.col("entity_id").cast(pl.String)))
        .sort(["openrank", "entity_id"], descending=[True, False])
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    return frame.select(
        "rank",
        pl.col("name").alias(entity),
        "openrank",
        "months",
        "partial_month",
        "openrank_warm_up",
        *columns,
        pl.col("entity_id").alias(f"{entity}_id"),
    )


REPO_OPENRANK_COLUMNS = _ranking_columns("repo")


def repo_openrank_table(
    store: Store, *, month: str | None = None, from_month: str | None = None, to_month: str | None = None, **_: Any
) -> pl.DataFrame:
    """Every repository with global OpenRank in the month (or each month from --from to --to), ranked."""
    return openrank_ranking(store, "repo", month=month, from_month=from_month, to_month=to_month)


DEVELOPER_OPENRANK_COLUMNS = _ranking_columns("developer")


def developer_openrank_table(
    store: Store, *, month: str | None = None, from_month: str | None = None, to_month: str | None = None, **_: Any
) -> pl.DataFrame:
    """Every developer with global OpenRank in the month (or each month from --from to --to), ranked."""
    return openrank_ranking(store, "developer", month=month, from_month=from_month, to_month=to_month)
