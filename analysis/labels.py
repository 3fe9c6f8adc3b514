"""OpenDigger's label metrics: companies, foundations, divisions, ... ranked by their repositories.

After ``ecometrics import labels`` (:mod:`ecometrics.collector.labels`) each label has its
repositories, organisations and developers. OpenDigger's monthly export computes, per
label of the types in :data:`RANKED_TYPES` (``src/cron/tasks/monthlyExport.ts``
``exportLabelMetrics``, lines 267-291), the OpenRank and the activity of the
repositories that belong to it: a repository belongs to a label when the label lists it
or its organisation (``LabelUtil.get``'s ``repoWhereClause``, ``src/labelDataUtils.ts``),
and the label's value is the sum over them (``getRepoOpenrank`` ``SUM(openrank)`` and
``getRepoActivity`` ``ROUND(SUM(activity), 2)``, ``src/metrics/indices.ts`` lines 26-58 and
229-287), taken over the rows the label join gives (``getLabelJoinClause``,
``src/metrics/basic.ts``): a repository the label lists and whose organisation it lists too
is joined twice and counted twice, as in OpenDigger's. :func:`labels_table` does that for one month with the stored global OpenRank
(:mod:`ecometrics.analysis.openrank`) and OpenDigger's activity (:mod:`ecometrics.analysis.activity`).

One difference, with its reason: OpenDigger matches a labelled organisation by its
GitHub id (``org_id`` of the events); events here keep no organisation id, so a
repository belongs to a labelled organisation when its owner's login (OWNER of
OWNER/NAME, ignoring case) is the organisation's labelled name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from ecometrics.analysis.fields import COUNT, FLAG, MONTH, NAME, SCORE, TEXT
from ecometrics.analysis.global_openrank import openrank_table, openrank_warm_up
from ecometrics.analysis.growth import partial_month
from ecometrics.collector.store import Store

# The label types OpenDigger's monthly export ranks (monthlyExport.ts lines 270-272).
RANKED_TYPES = ("Project", "Company", "University-0", "Institution-0", "Foundation", "Agency-0", "Tech-0", "Division-0")

COLUMNS = {
    "rank": COUNT,
    "label": NAME,
    "name": TEXT,
    "type": TEXT,
    "openrank": SCORE,
    "activity": SCORE,
    "repos": COUNT,
    "month": MONTH,
    "partial_month": FLAG,
    "openrank_warm_up": FLAG,
}


def listed_entities(store: Store, types: tuple[str, ...] = RANKED_TYPES) -> list[tuple[str, str, int, str | None]]:
    """``(label, entity_type, entity_id, lower-case name)`` of every repository and organisation a
    label of ``types`` (the ranked ones) lists, by label, entity type and id."""
    marks = ", ".join("?" * len(types))
    return store.conn.execute(
        f"SELECT e.label_id, e.entity_type, e.entity_id, lower(e.name) FROM label_entities e "
        f"JOIN labels l ON l.id = e.label_id WHERE l.type IN ({marks}) AND e.entity_type IN ('repo', 'org') "
        "ORDER BY e.label_id, e.entity_type, e.entity_id",
        types,
    ).fetchall()


def label_repos(
    store: Store, repos: pl.DataFrame, by: str | None = None, types: tuple[str, ...] = RANKED_TYPES
) -> pl.DataFrame:
    """(label, repo) pairs for the ``repos`` (columns ``entity_id``, ``name``) that belong to a
    label of ``types`` (the ranked ones); with ``by="entity_type"``, (label, entity_type, repo)
    rows saying whether the label lists the repo (``repo``) or its organisation (``org``), both
    when it lists both."""
    listed = listed_entities(store, types)
    schema = {"label": pl.String, "entity_type": pl.String, "entity_id": pl.Int64, "entity_name": pl.String}
    entities = pl.DataFrame(listed, schema=schema, orient="row")
    owners = repos.select("entity_id", owner=pl.col("name").str.split("/").list.first().str.to_lowercase())
    by_repo = (
        entities.filter(pl.col("entity_type") == "repo")
        .select("label", "entity_type", "entity_id")
        .join(repos.select("entity_id"), on="entity_id")
    )
    by_org = (
        entities.filter(pl.col("entity_type") == "org")
        .select("label", "entity_type", owner="entity_name")
        .join(owners, on="owner")
        .select("label", "entity_type", "entity_id")
    )
    pairs = pl.concat([by_repo, by_org]).unique()
    return pairs if by == "entity_type" else pairs.select("label", "entity_id").unique()


@dataclass(frozen=True)
class LabelMembers:
    """What of the events one label joins (basic.ts ``getLabelJoinClause``: its ``flatten_labels``
    rows of entity type Repo, Org and User): the repositories it lists, the repositories whose
    owner is an organisation it lists, and the developers it lists. ``type`` is its label type."""

    label: str
    type: str
    repos: frozenset[int] = frozenset()
    org_repos: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()

    def rows(self, repo_id: int, actor_id: int | None) -> int:
        """How many of the label's rows an event of ``repo_id`` by ``actor_id`` joins (0 to 3)."""
        return (repo_id in self.repos) + (repo_id in self.org_repos) + (actor_id in self.users)


def label_members(store: Store, repos: pl.DataFrame) -> dict[str, LabelMembers]:
    """Each ranked label's :class:`LabelMembers` among the ``repos`` (columns ``entity_id``,
    ``name``), by label id; a label with none of them and no developer is left out."""
    types = ", ".join("?" * len(RANKED_TYPES))
    kinds = dict(store.conn.execute(f"SELECT id, type FROM labels WHERE type IN ({types})", RANKED_TYPES).fetchall())
    pairs = label_repos(store, repos, by="entity_type")
    found: dict[str, dict[str, set[int]]] = {label: {"repo": set(), "org": set(), "user": set()} for label in kinds}
    for label, entity_type, repo_id in pairs.iter_rows():
        found[label][entity_type].add(repo_id)
    users = store.conn.execute(
        f"SELECT e.label_id, e.entity_id FROM label_entities e JOIN labels l ON l.id = e.label_id "
        f"WHERE l.type IN ({types}) AND e.entity_type = 'user'",
        RANKED_TYPES,
    )
    for label, user_id in users:
        found[label]["user"].add(user_id)
    return {
        label: LabelMembers(label, kinds[label], frozenset(m["repo"]), frozenset(m["org"]), frozenset(m["user"]))
        for label, m in sorted(found.items())
        if any(m.values())
    }


def labels_table(store: Store, *, month: str | None = None, **_: Any) -> pl.DataFrame:
    """Each ranked label (company, foundation, division, ...) with the OpenRank and activity of its repositories.

    One month (default: the last complete one with OpenRank). ``label`` is OpenDigger's id
    (``:companies/alibaba``), ``openrank`` the sum of its repositories' global OpenRank,
    ``activity`` the sum of their OpenDigger activity (2 decimals), ``repos`` how many of
    them have either in the month. Labels without any are left out; best OpenRank first.
    ``partial_month`` and ``openrank_warm_up`` flag the month as every monthly table does.
    """
    repos = openrank_table(store, "repo", month)
    shown = repos["month"][0] if len(repos) else month
    # one row per label row a repository joins: listed, and through its organisation (counted twice)
    pairs = label_repos(store, repos.select("entity_id", pl.col("name").fill_null("")), by="entity_type")
    names = pl.DataFrame(
        store.conn.execute("SELECT id, name, type FROM labels").fetchall(),
        schema={"label": pl.String, "name": pl.String, "type": pl.String},
        orient="row",
    )
    frame = (
        pairs.join(repos.select("entity_id", "openrank", "activity"), on="entity_id")
        .group_by("label")
        .agg(
            pl.col("openrank").sum(),
            pl.col("activity").sum().round(2),
            repos=pl.col("entity_id").n_unique().cast(pl.Int64),
        )
        .join(names, on="label", how="left")
        .with_columns(month=pl.lit(shown, dtype=pl.String))
        .with_columns(
            partial_month=partial_month(pl.col("month"), store),
            openrank_warm_up=openrank_warm_up(pl.col("month"), store),
        )
        .sort(["openrank", "activity", "label"], descending=[True, True, False], nulls_last=True)
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    return frame.select(*COLUMNS)
