"""Polars loaders: the store's tables as DataFrames, for analysis modules and notebooks.

>>> from ecometrics.analysis import frames
>>> db = frames.connect()                 # $ECOMETRICS_DB, else ./ecometrics.db; read-only
>>> frames.stargazers(db).group_by("repo_id").len()

Every loader takes ``db``: an :class:`ecometrics.collector.store.Store`, an open ``sqlite3``
connection, or the path of a database file (opened read-only for that one call). Column
types follow the declared SQLite types, so an empty table still has its columns and
types. Times are parsed once, here: columns named ``*_at`` and ``last_modified`` become
``Datetime`` (time zone UTC, as in the Parquet exports), ``date`` and
``week`` become ``Date``; ``month`` stays ``YYYY-MM`` text (it is the key OpenRank and
activity use) and :func:`openrank` adds ``month_start`` as a ``Date``. JSON columns
(``repos.topics``, ``models.children_count``, ``lineage_families.authors``) stay text.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import polars as pl

from ecometrics.collector.store import DEMO_MARKER, Store
from ecometrics.core.ecosystem import RELATIONS
from ecometrics.core.errors import InputError

Database = Store | sqlite3.Connection | str | os.PathLike

DEFAULT_DB = "ecometrics.db"
# Timestamps as GitHub, the Hub, GH Archive and SQLite write them, tried in this order.
_TIME_FORMATS_WITH_ZONE = ("%Y-%m-%dT%H:%M:%S%.f%#z",)
_TIME_FORMATS_NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d")
_SQLITE_TYPES = {"INTEGER": pl.Int64, "REAL": pl.Float64, "TEXT": pl.String}
FAMILY_SEPARATOR = "+"  # model_lineage.family of a merge of several families, e.g. "Llama+Qwen"


def default_path() -> Path:
    """``$ECOMETRICS_DB`` when set, else ``./ecometrics.db`` (the CLI's default)."""
    return Path(os.environ.get("ECOMETRICS_DB") or DEFAULT_DB)


def connect(db_path: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """A read-only connection to the database (default: :func:`default_path`)."""
    path = Path(db_path) if db_path is not None else default_path()
    if not path.is_file():
        raise InputError(
            f"{path}: no such database; set ECOMETRICS_DB or pass its path (run 'ecometrics demo' for a synthetic one)"
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: not a readable SQLite database ({exc}); pass another path") from exc
    return conn


def read_sql(db: Database, sql: str, params: Any = (), *, schema: dict[str, Any] | None = None) -> pl.DataFrame:
    """The rows of ``sql`` as a frame; ``schema`` fixes column types (else polars infers them).

    The one place rows leave SQLite for polars: time columns are parsed here.
    """
    conn, owned = _connection(db)
    try:
        frame = pl.read_database(sql, conn, execute_options={"parameters": params}, schema_overrides=schema)
    finally:
        if owned:
            conn.close()
    return parse_times(frame)


def table(db: Database, name: str, *, where: str = "", params: Any = ()) -> pl.DataFrame:
    """A whole table (optionally ``WHERE ...``), typed from its declared column types."""
    return read_sql(db, f"SELECT * FROM [{name}] {f'WHERE {where}' if where else ''}", params, schema=_schema(db, name))


def parse_times(frame: pl.DataFrame) -> pl.DataFrame:
    """Parse the text time columns of ``frame`` by name (see the module docstring)."""
    changes = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String:
            continue
        if name.endswith("_at") or name == "last_modified":
            changes.append(parse_datetime(pl.col(name)).alias(name))
        elif name in ("date", "week"):
            changes.append(pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias(name))
    return frame.with_columns(changes) if changes else frame


def parse_datetime(text: pl.Expr) -> pl.Expr:
    """Text times in any of the stored forms as UTC ``Datetime`` (time zone "UTC", as the
    Parquet exports are, so the two join; null when no form fits)."""
    zoned = [text.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False) for fmt in _TIME_FORMATS_WITH_ZONE]
    naive = [
        text.str.strptime(pl.Datetime("us"), fmt, strict=False).dt.replace_time_zone("UTC")
        for fmt in _TIME_FORMATS_NAIVE
    ]
    return pl.coalesce(zoned + naive)


def _connection(db: Database) -> tuple[sqlite3.Connection, bool]:
    if isinstance(db, Store):
        return db.conn, False
    if isinstance(db, sqlite3.Connection):
        return db, False
    return connect(db), True


def _schema(db: Database, name: str) -> dict[str, Any]:
    conn, owned = _connection(db)
    try:
        columns = conn.execute(f"PRAGMA table_info([{name}])").fetchall()
    finally:
        if owned:
            conn.close()
    if not columns:
        raise InputError(f"database has no table {name!r}; open it once with a current ecometrics to migrate it")
    return {column[1]: _SQLITE_TYPES.get((column[2] or "").upper(), pl.String) for column in columns}


# -- the tables ---------------------------------------------------------------------------


def repos(db: Database) -> pl.DataFrame:
    """``repos``: GitHub id, full_name, owner, name, created_at, language, license, topics, ..."""
    return table(db, "repos")


def repo_snapshots(db: Database) -> pl.DataFrame:
    """``repo_snapshots`` with the repo's ``full_name``: one row per repo per day."""
    return read_sql(
        db,
        "SELECT s.*, r.full_name FROM repo_snapshots s LEFT JOIN repos r ON r.id = s.repo_id "
        "ORDER BY s.repo_id, s.date",
        schema={**_schema(db, "repo_snapshots"), "full_name": pl.String},
    )


def stargazers(db: Database) -> pl.DataFrame:
    """``stargazers``: the star history, one row per (repo, user), oldest first.

    Only the stars that still stand: a star found gone keeps its row with ``removed_at``
    but is no longer a star, in any count or series."""
    return read_sql(
        db,
        "SELECT * FROM stargazers WHERE removed_at IS NULL ORDER BY repo_id, starred_at",
        schema=_schema(db, "stargazers"),
    )


# The repositories whose stars come from GitHub's daily counts: it withholds their stargazers.
COUNTED_REPOS = (
    "SELECT DISTINCT c.repo_id FROM star_counts c JOIN star_access a ON a.repo_id = c.repo_id AND a.restricted = 1"
)


def star_counts(db: Database) -> pl.DataFrame:
    """``repo_id, day, stars, created``: GitHub's stars per day (``star_counts``, from its
    privacy-safe star history) of each repository whose stargazer list it withholds
    (``star_access``), from the day the repository was created (``created``, a ``Date``) on.

    Only the days stored: a day without a row is unknown, never zero (a week that failed its
    schema, the days before the history or after its last read). A figure over a span of days
    is known only when every day of it is here: :func:`counted_days` keeps those."""
    return read_sql(
        db,
        "SELECT c.repo_id, c.day, c.stars, substr(r.created_at, 1, 10) AS created FROM star_counts c"
        " JOIN star_access a ON a.repo_id = c.repo_id AND a.restricted = 1"
        " JOIN repos r ON r.id = c.repo_id WHERE c.day >= substr(r.created_at, 1, 10) ORDER BY c.repo_id, c.day",
        schema={"repo_id": pl.Int64, "day": pl.String, "stars": pl.Int64, "created": pl.String},
    ).with_columns(pl.col("day", "created").str.to_date())


def counted_days(counts: pl.DataFrame) -> pl.DataFrame:
    """The rows of :func:`star_counts` that follow one another without a gap from the
    repository's creation day: the days whose running total is known (the count given so far
    is the sum of every day up to it). A repository whose counts start later has none."""
    since = (pl.col("day") - pl.col("created")).dt.total_days()
    return counts.filter((since == pl.int_range(pl.len()).over("repo_id")).cum_min().over("repo_id"))


def monthly_stars(db: Database) -> pl.DataFrame:
    """``repo_id, month, stars``: the stars given in each month (YYYY-MM, UTC) that still stand.

    The one place stars per month are read: from the collected stargazers, or for a repository
    whose stargazer list GitHub withholds, from its stars per day (:func:`star_counts`), a month
    only when every day of it is counted: from the month's first day (or the repository's
    creation) to its last (or the last day read). Its other months are left out (unknown), as
    are the months before the counts begin; its stale stargazers are not read."""
    listed = read_sql(
        db,
        "SELECT repo_id, substr(starred_at, 1, 7) AS month, count(*) AS stars FROM stargazers"
        f" WHERE removed_at IS NULL AND repo_id NOT IN ({COUNTED_REPOS})"
        " GROUP BY 1, 2",
        schema={"repo_id": pl.Int64, "month": pl.String, "stars": pl.Int64},
    )
    counts = star_counts(db)
    counted = (
        counts.with_columns(last_read=pl.col("day").max().over("repo_id"))
        .group_by("repo_id", pl.col("day").dt.month_start().alias("start"))
        .agg(
            stars=pl.col("stars").sum(),
            days=pl.len(),
            expected=(
                pl.min_horizontal(pl.col("day").first().dt.month_end(), pl.col("last_read").first())
                - pl.max_horizontal(pl.col("day").first().dt.month_start(), pl.col("created").first())
            ).dt.total_days()
            + 1,
        )
        .filter(pl.col("days") == pl.col("expected"))
        .select("repo_id", month=pl.col("start").dt.strftime("%Y-%m"), stars="stars")
    )
    return pl.concat([listed, counted]).sort("repo_id", "month")


def events(db: Database, *, types: tuple[str, ...] | None = None) -> pl.DataFrame:
    """``events`` (GH Archive event model), optionally only the given event ``types``."""
    if types:
        return table(db, "events", where=f"type IN ({', '.join('?' for _ in types)})", params=list(types))
    return table(db, "events")


def developers(db: Database) -> pl.DataFrame:
    return table(db, "developers")


def contributors(db: Database) -> pl.DataFrame:
    return table(db, "contributors")


def activity(db: Database) -> pl.DataFrame:
    """``activity``: OpenDigger activity per (month, repo, developer) (see :mod:`ecometrics.analysis.activity`)."""
    return table(db, "activity")


def models(db: Database) -> pl.DataFrame:
    """``models`` of Hugging Face: Hub id, author, created_at, library, pipeline_tag, ..., children_count (JSON)."""
    return table(db, "models", where="platform = 'huggingface'")


def model_snapshots(db: Database, platform: str = "huggingface") -> pl.DataFrame:
    """``model_snapshots`` of one hub (Hugging Face unless ``platform`` names ModelScope): downloads
    (30 days and all time), likes, trending score per model per day."""
    return read_sql(
        db,
        "SELECT * FROM model_snapshots WHERE platform = ? ORDER BY model_id, date",
        (platform,),
        schema=_schema(db, "model_snapshots"),
    )


def model_edges(db: Database) -> pl.DataFrame:
    """``model_edges``: parent -> child with the relation (finetune | adapter | quantized | merge)."""
    return table(db, "model_edges")


def model_lineage(db: Database) -> pl.DataFrame:
    """``model_lineage``: per model its derivative counts, family and origin (see :mod:`ecometrics.analysis.lineage`)."""
    return table(db, "model_lineage")


def model_influence(db: Database) -> pl.DataFrame:
    return table(db, "model_influence")


def openrank(db: Database, kind: str | None = None) -> pl.DataFrame:
    """Monthly OpenRank values with names: kind, entity_id, name, month, month_start, value.

    ``kind`` is ``repo`` or ``developer`` (None: both). Names come from ``repos`` and
    ``developers``, else from the names the activity table saw.
    """
    if kind not in (None, "repo", "developer"):
        raise InputError(f"openrank kind {kind!r} is unknown; choose repo or developer")
    frame = read_sql(
        db,
        """
        WITH seen(kind, id, name) AS (
            SELECT 'repo', repo_id, max(repo_name) FROM activity GROUP BY repo_id
            UNION ALL SELECT 'developer', developer_id, max(login) FROM activity GROUP BY developer_id
        )
        SELECT o.kind, o.entity_id,
               coalesce(CASE o.kind WHEN 'repo' THEN r.full_name ELSE d.login END, s.name) AS name,
               o.month, o.value
        FROM openrank o
        LEFT JOIN repos r ON o.kind = 'repo' AND r.id = o.entity_id
        LEFT JOIN developers d ON o.kind = 'developer' AND d.id = o.entity_id
        LEFT JOIN seen s ON s.kind = o.kind AND s.id = o.entity_id
        WHERE ? IS NULL OR o.kind = ?
        ORDER BY o.month, o.value DESC
        """,
        (kind, kind),
        schema={"kind": pl.String, "entity_id": pl.Int64, "name": pl.String, "month": pl.String, "value": pl.Float64},
    )
    return frame.with_columns(month_start=(pl.col("month") + "-01").str.to_date("%Y-%m-%d", strict=False))


def synthetic(db: Database) -> str | None:
    """The demo's marker when the database was built from fakehub (``ecometrics demo``), else None."""
    _schema(db, "meta")  # a file from before the meta table: the error says to migrate it
    rows = read_sql(db, "SELECT value FROM meta WHERE key = ?", (DEMO_MARKER,), schema={"value": pl.String})
    return rows["value"][0] if rows.height else None


# -- frames several analyses share ----------------------------------------------------------


def latest_snapshots(db: Database) -> pl.DataFrame:
    """Each model's most recent snapshot: model_id, downloads_30d, downloads_all_time, likes."""
    return read_sql(
        db,
        "SELECT s.model_id, s.downloads_30d, s.downloads_all_time, s.likes FROM model_snapshots s "
        "JOIN (SELECT platform, model_id, MAX(date) AS date FROM model_snapshots "
        "WHERE platform = 'huggingface' GROUP BY model_id) latest USING (platform, model_id, date)",
        schema={"model_id": pl.String, "downloads_30d": pl.Int64, "downloads_all_time": pl.Int64, "likes": pl.Int64},
    )


def family_members(db: Database) -> pl.DataFrame:
    """model_id, family, parents: one row per model of the last lineage analysis and family it
    belongs to (a merge of several families, ``Llama+Qwen``, once in each)."""
    return (
        read_sql(
            db,
            "SELECT model_id, family, parents FROM model_lineage WHERE family IS NOT NULL",
            schema={"model_id": pl.String, "family": pl.String, "parents": pl.Int64},
        )
        .with_columns(pl.col("family").str.split(FAMILY_SEPARATOR))
        .explode("family")
    )


def models_frame(db: Database) -> pl.DataFrame:
    """Every model in ``models`` or in the lineage, with its latest snapshot and lineage figures
    (``model_lineage`` and ``model_influence``, see :mod:`ecometrics.analysis.lineage`).

    ``collected`` is false for a model only seen as a parent (never fetched from the Hub):
    its downloads and likes are null (unknown), not zero. Lineage figures are null for a
    model collected after the last ``analyze lineage``.
    """
    relation_counts = ", ".join(f"l.{relation}" for relation in RELATIONS)
    lineage = read_sql(
        db,
        "SELECT ids.model_id, m.author, m.id IS NOT NULL AS collected, m.created_at, l.family, l.origin, l.parents, l.relations, "
        f"l.direct_derivatives, {relation_counts}, l.all_derivatives, l.max_depth, "
        "l.descendant_downloads_30d, l.descendant_downloads_all_time, i.value AS influence "
        "FROM (SELECT id AS model_id FROM models WHERE platform = 'huggingface' "
        "UNION SELECT model_id FROM model_lineage) ids "
        "LEFT JOIN model_lineage l ON l.model_id = ids.model_id "
        "LEFT JOIN models m ON m.platform = 'huggingface' AND m.id = ids.model_id "
        "LEFT JOIN model_influence i ON i.model_id = ids.model_id",
        schema={
            "model_id": pl.String,
            "author": pl.String,
            "collected": pl.Boolean,
            "created_at": pl.String,
            "family": pl.String,
            "origin": pl.String,
            "parents": pl.Int64,
            "relations": pl.String,
            "direct_derivatives": pl.Int64,
            **{r: pl.Int64 for r in RELATIONS},
            "all_derivatives": pl.Int64,
            "max_depth": pl.Int64,
            "descendant_downloads_30d": pl.Int64,
            "descendant_downloads_all_time": pl.Int64,
            "influence": pl.Float64,
        },
    )
    snapshots = latest_snapshots(db)
    return (
        lineage.join(snapshots, on="model_id", how="left")
        .with_columns(
            pl.col("author").fill_null(pl.col("model_id").str.split("/").list.first()),
        )
        .select(
            "model_id",
            "author",
            "collected",
            "family",
            "origin",
            "created_at",
            "downloads_30d",
            "downloads_all_time",
            "likes",
            "parents",
            "relations",
            "direct_derivatives",
            *RELATIONS,
            "all_derivatives",
            "max_depth",
            "descendant_downloads_30d",
            "descendant_downloads_all_time",
            "influence",
        )
    )
