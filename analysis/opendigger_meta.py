"""OpenDigger's ``meta.json`` of each repository, developer and label folder.

OpenDigger's monthly export (X-lab2017/open-digger ``src/cron/tasks/monthlyExport.ts``, commit
9dbe621) builds one ``meta.json`` per folder in steps, each merging its keys into the file
(``updateMetaData``: ``{...original, ...data}``, so the keys keep the order they were first
written in):

- ``processMetric``, for the rows of ``getRepoActivity``, ``getUserActivity`` and
  ``repoStars``: ``{updatedAt, type, id}``, ``type`` being ``repo``, ``user`` or ``label``
  and ``id`` the GitHub id (a label's ``:companies/acme``);
- ``exportLabelData``: a repository's ``labels``, ``[{id, name, type}]`` of the labels of
  :data:`REPO_LABEL_TYPES` listing it or its organisation, each once, by
  :data:`LABEL_PRIORITY` highest first, for repositories with global OpenRank;
- ``exportUserInfo``: a developer's ``info``, ``{location, bio, name, company}`` of its
  profile (a key without a value left out, as ``JSON.stringify`` drops ``undefined``);
- ``exportLabelMeta``: a label's ``id, name, name_zh, description, description_zh,
  label_type``, its parents of the exported types (``labels``, ``[{id, name, name_zh,
  type}]``), its five repositories or organisations of most global OpenRank since the start of
  last year (``repos``, ``[{platform, name}]``) and its developers' countries
  (``contributions``).

Here, with its reasons:

- ``updatedAt`` (OpenDigger's ``new Date().getTime()``, the export's clock) is the newest event
  time of the exported range, in milliseconds, so an export of the same events writes the
  same files, on either engine; "last year" of ``repos`` is the year before that event's;
- a folder gets a ``meta.json`` when its activity or stars file has a value (OpenDigger's:
  when those queries return a row for it, which may hold only zeros);
- ``info`` holds the ``location`` and ``company`` the store's ``profiles`` hold (the collector
  reads no ``bio`` or ``name``); a developer without a profile has no ``info``;
- a label's ``name_zh``, ``description`` and ``description_zh`` are not written (``ecometrics
  import labels`` keeps a label's id, type, name and parents), nor its ``contributions``
  (OpenDigger's ``user_info.country`` of each developer, which the store does not hold);
- an organisation is matched by its repositories' owner login, not its id (events here keep
  no organisation id), as :mod:`ecometrics.analysis.labels` does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import polars as pl

from ecometrics.analysis import opendigger_sql as sql
from ecometrics.analysis.activity_sql import Schema
from ecometrics.analysis.labels import RANKED_TYPES, label_repos, listed_entities
from ecometrics.analysis.opendigger import PLATFORM_NAME, RepoMetrics, Rows, Window
from ecometrics.collector.store import Store

# monthlyExport.ts exportLabelData: the label types a repository's meta names, and their priority.
REPO_LABEL_TYPES = ("Project", "Community", "Foundation", "Company", "Tech-0", "University-0", "Institution-0", "Division-0")  # fmt: skip
LABEL_PRIORITY = {
    "Project": 1,
    "Tech-0": 2,
    "Community": 3,
    "University-0": 4,
    "Institution-0": 5,
    "Company": 6,
    "Foundation": 7,
    "Division-0": 8,
}
TOP_REPOS = 5  # exportLabelMeta: .slice(0, 5)
WITH_META = ("activity", "stars")  # processMetric: getRepoActivity, getUserActivity, repoStars


def newest_event(rows: Rows, schema: Schema, window: Window) -> str | None:
    """The newest event's time in ``window`` (``YYYY-MM-DDTHH:MM:SSZ``), None without events."""
    query = f"{sql.with_events(schema, since=window.since, until=window.until)} SELECT {sql.stamp(schema, 'max(created_at)')} FROM e"
    found = rows(query)
    return str(found[0][0]) if found and found[0][0] else None


def _milliseconds(stamp: str) -> int:
    return int(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()) * 1000


def meta_files(
    store: Store,
    rows: Rows,
    schema: Schema,
    window: Window,
    repos: Iterable[RepoMetrics],
    developers: Iterable[RepoMetrics],
    labels: Iterable[RepoMetrics],
) -> dict[str, dict[str, Any]]:
    """Each folder's ``meta.json`` content, by the entry's name (a repository's OWNER/NAME, a
    developer's login, a label's id), for the entries whose activity or stars have a value."""
    stamp = newest_event(rows, schema, window)
    if stamp is None:
        return {}
    updated = {"updatedAt": _milliseconds(stamp)}
    metas: dict[str, dict[str, Any]] = {}
    repos = [entry for entry in repos if any(entry.values.get(name) for name in WITH_META)]
    for entry in repos:
        metas[entry.name] = {**updated, "type": "repo", "id": entry.repo_id}
    described = _labels(store)
    for name, listed in _repo_labels(store, repos, described).items():
        metas[name]["labels"] = listed
    people = [entry for entry in developers if entry.values.get("activity")]
    info = _profiles(store, [entry.repo_id for entry in people])
    for entry in people:
        metas[entry.name] = {**updated, "type": "user", "id": entry.repo_id}
        if entry.repo_id in info:
            metas[entry.name]["info"] = info[entry.repo_id]
    kept = [entry for entry in labels if any(entry.values.get(name) for name in WITH_META)]
    # reads a year of names from the events: only when a label has a meta.json to write
    top = _top_repos(store, rows, schema, window, int(stamp[:4]) - 1) if kept else {}
    for entry in kept:
        metas[entry.name] = {**updated, "type": "label", "id": entry.name, **_label_meta(described, entry.name)}
        if top.get(entry.name):
            metas[entry.name]["repos"] = top[entry.name]
    return metas


def _repo_labels(
    store: Store, repos: list[RepoMetrics], described: dict[str, tuple[str, str, str | None]]
) -> dict[str, list[dict[str, str]]]:
    """exportLabelData: each repository's labels, for those with a stored global OpenRank
    (``described``: :func:`_labels`)."""
    ranked = {row[0] for row in store.conn.execute("SELECT DISTINCT entity_id FROM openrank WHERE kind = 'repo'")}
    frame = pl.DataFrame(
        [(entry.repo_id, entry.name) for entry in repos if entry.repo_id in ranked],
        schema={"entity_id": pl.Int64, "name": pl.String},
        orient="row",
    )
    pairs = label_repos(store, frame, types=REPO_LABEL_TYPES)
    names = dict(frame.iter_rows())
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    for label, repo_id in sorted(pairs.iter_rows()):
        name, kind, _parents = described[label]
        found[names[repo_id]].append({"id": label, "name": name, "type": kind})
    # a stable sort by priority, highest first (JavaScript's sort is stable; ties by id here)
    return {repo: sorted(listed, key=lambda item: -LABEL_PRIORITY[item["type"]]) for repo, listed in found.items()}


def _profiles(store: Store, ids: list[int]) -> dict[int, dict[str, str]]:
    """exportUserInfo's ``info``: ``{location, bio, name, company}`` without the unknown ones."""
    info: dict[int, dict[str, str]] = {}
    # the developers' ids as one JSON parameter (json_each), however many there are; the latest read wins
    for account, location, company in store.conn.execute(
        "SELECT account_id, location, company FROM profiles WHERE status = 'ok' "
        "AND account_id IN (SELECT value FROM json_each(?)) ORDER BY fetched_at, node_id",
        (json.dumps(sorted(set(ids))),),
    ):
        fields = {"location": location, "company": company}
        info[account] = {key: value for key, value in fields.items() if value is not None}
    return info


def _labels(store: Store) -> dict[str, tuple[str, str, str | None]]:
    """Every stored label's ``(name, type, parents)`` by id, read once for all the labels' meta."""
    return {
        label: (name, kind, parents)
        for label, name, kind, parents in store.conn.execute("SELECT id, name, type, parents FROM labels")
    }


def _label_meta(described: dict[str, tuple[str, str, str | None]], label: str) -> dict[str, Any]:
    """exportLabelMeta: the label's name and type, then its parents of the exported types
    (``described``: :func:`_labels`)."""
    if label not in described:
        return {}
    name, kind, parents = described[label]
    meta: dict[str, Any] = {"name": name, "label_type": kind}
    listed = []
    for parent in json.loads(parents or "[]"):
        found = described.get(parent)
        if found is not None and found[1] in RANKED_TYPES:  # parent_type IN (the exported types)
            listed.append({"id": parent, "name": found[0], "type": found[1]})
    if listed:
        meta["labels"] = listed
    return meta


def _top_repos(store: Store, rows: Rows, schema: Schema, window: Window, since_year: int) -> dict[str, list[dict]]:
    """exportLabelMeta ``repos``: per label the repositories it lists and the organisations it
    lists (their repositories' global OpenRank summed), by global OpenRank from ``since_year``
    on, highest first (ties by name), a repository under an organisation listed before it
    left out, the first :data:`TOP_REPOS`."""
    totals: dict[int, float] = defaultdict(float)
    for repo_id, value in store.conn.execute(
        "SELECT entity_id, value FROM openrank WHERE kind = 'repo' AND month BETWEEN ? AND ? ORDER BY entity_id, month",
        (f"{since_year}-01", window.last),
    ):
        totals[repo_id] += value
    named = rows(sql.names_sql(schema, since=f"{since_year}-01-01", until=window.until, repo_ids=window.repo_ids))
    names = {repo_id: (name, str(last)) for repo_id, name, last in named if name and repo_id in totals}
    by_owner: dict[str, list[int]] = defaultdict(list)
    for repo_id, (name, _last) in names.items():
        by_owner[name.split("/")[0].lower()].append(repo_id)
    candidates: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for label, kind, entity_id, entity_name in listed_entities(store):
        if kind == "repo" and entity_id in names:
            candidates[label].append((totals[entity_id], names[entity_id][0]))
        elif kind == "org" and (owned := by_owner.get(entity_name or "")):
            # argMax(org_login, created_at): the owner as its latest-named repository spells it
            login = max((names[r][1], names[r][0]) for r in owned)[1].split("/")[0]
            candidates[label].append((sum(totals[r] for r in owned), login))
    top: dict[str, list[dict]] = {}
    for label, found in candidates.items():
        kept: list[str] = []
        for _value, name in sorted(found, key=lambda item: (-item[0], item[1])):
            if not any("/" not in earlier and name.startswith(earlier + "/") for earlier in kept):
                kept.append(name)
        top[label] = [{"platform": PLATFORM_NAME, "name": name} for name in kept[:TOP_REPOS]]
    return top
