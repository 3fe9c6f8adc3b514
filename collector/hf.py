"""The Hugging Face Hub collector: model metrics, derivative trees, the full-Hub crawl.

What it stores (SPEC section 5.2), all from the Hub's model API (``/api/models``, the
listing ``HfApi.list_models`` pages through, and ``/api/models/{id}``, which
``HfApi.model_info`` reads), with the ``expand`` properties in :data:`EXPAND`:

- ``models``: author, ``createdAt``, ``lastModified``, ``library_name``, ``pipeline_tag``,
  the license (the Hub's ``license:*`` tag), parameters (``safetensors.total``),
  ``gated`` (``false``/``auto``/``manual``) and ``childrenModelCount`` as the Hub
  reports it; ``status`` is ``gated`` for a 401/403 and ``not_found`` for a 404 (the
  Hub's ``X-Error-Code`` decides when it names one).
- ``model_snapshots``, one row per model per day: ``downloads`` (the last 30 days),
  ``downloadsAllTime``, ``likes``, ``trendingScore``. "Today" is the day of the
  API response's ``Date`` header (fakehub's clock is simulated), else the UTC day.
- ``model_edges`` (parent -> child, with the relation): a record's parents come from
  ``baseModels`` (``{"relation": "quantized", "models": [{"id": ...}]}``; a merge lists
  several parents and keeps every edge), or, when that is absent, from its
  ``base_model:{relation}:{parent}`` tags. A record's hub edges are replaced as a
  whole, so an edited model card does not leave stale parents behind.

Two modes:

- Tracked (default): every model of the configured authors plus the configured
  models (the *roots*, flagged ``models.tracked``), then their children level by level
  (breadth-first, each model expanded once, at its shallowest level) to
  ``derivative_depth``, listing ``filter=base_model:{relation}:{id}`` for each relation
  the parent's ``childrenModelCount`` reports (``base_model:{id}`` when it gives no
  breakdown). A root stops growing at ``max_children_per_root`` descendants; the run
  says so in its notes. :func:`analysis.crawl.crawl_completeness` compares what was
  collected with what the Hub reports.
- Full Hub (``full_hub = true`` or ``--full-hub``): every model, 1,000 per page, each
  page committed with the next page's URL as the checkpoint, so memory stays bounded
  and a killed crawl resumes from its last committed page (see collector.hf_client
  for why the library's own ``paginate`` cannot resume).

The page-to-rows path is plain tuples and one ``executemany`` per table per page in
one transaction: the full Hub is ~2 million records.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from collector.edges import RELATIONS
from collector.hf_client import HfClient, HubResponse, HubUnavailable, read_ahead
from collector.results import CollectResult
from collector.store import Store, utc_now, utc_today

log = logging.getLogger(__name__)

# The Hub's default when a card names a base model without base_model_relation.
DEFAULT_RELATION = "finetune"
PAGE_SIZE = 1000  # the Hub's largest page
EXPAND = (
    "author",
    "baseModels",
    "childrenModelCount",
    "createdAt",
    "downloads",
    "downloadsAllTime",
    "gated",
    "lastModified",
    "library_name",
    "likes",
    "pipeline_tag",
    "safetensors",
    "tags",
    "trendingScore",
)
# The real Hub has answered listings that ask for these with 400 (huggingface_hub PR #3182,
# 2025: "only accepted when using the /api/models/repo_id endpoint"); a listing refused
# with 400 is retried without them, and parents then come from the base_model: tags.
DETAIL_ONLY_EXPAND = ("baseModels", "childrenModelCount")
FULL_HUB_CACHE_KIB = 256 * 1024  # SQLite page cache during the full-Hub crawl
FULL_HUB_CHECKPOINT = ("hf:full_hub", "models")  # cursor = the next page's URL; None when no crawl is in progress

_MODEL_COLUMNS = (
    "id", "author", "created_at", "last_modified", "library", "pipeline_tag", "license",
    "parameters", "gated", "children_count", "status", "updated_at",
)  # fmt: skip
# What a record leaves out keeps its stored value: a listing that may not expand
# childrenModelCount (see DETAIL_ONLY_EXPAND) must not erase the count a model_info
# gave. The cost: a value the Hub stops reporting stays as last seen.
_MODEL_FACTS = _MODEL_COLUMNS[1:-2]
_UPSERT_MODEL = (
    f"INSERT INTO models ({', '.join(_MODEL_COLUMNS)}) VALUES ({', '.join('?' * len(_MODEL_COLUMNS))}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = coalesce(excluded.{c}, models.{c})' for c in _MODEL_FACTS)}, "
    "status = excluded.status, updated_at = excluded.updated_at"
)
_UPSERT_SNAPSHOT = (
    "INSERT INTO model_snapshots (model_id, date, downloads_30d, downloads_all_time, likes, trending_score) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (model_id, date) DO UPDATE SET "
    "downloads_30d = excluded.downloads_30d, downloads_all_time = excluded.downloads_all_time, "
    "likes = excluded.likes, trending_score = excluded.trending_score"
)
_DELETE_HUB_PARENTS = "DELETE FROM model_edges WHERE child = ? AND source = 'hub'"
_UPSERT_EDGE = (
    "INSERT INTO model_edges (child, parent, relation, source) VALUES (?, ?, ?, 'hub') "
    "ON CONFLICT (child, parent) DO UPDATE SET relation = excluded.relation, source = 'hub'"
)
_MARK_UNAVAILABLE = (
    "INSERT INTO models (id, author, status, updated_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at"
)
# The Hub answers 401 for a missing repo too when no token is sent (it will not say
# whether a private repo exists); its X-Error-Code tells the two apart when present.
_UNAVAILABLE = {401: "gated", 403: "gated", 404: "not_found"}
_UNAVAILABLE_BY_CODE = {"RepoNotFound": "not_found", "GatedRepo": "gated"}


# -- entry point ------------------------------------------------------------------------


def collect_hf(
    store: Store,
    config: Any,
    *,
    full_hub: bool | None = None,
    progress: bool = True,
    client: HfClient | None = None,
    result: CollectResult | None = None,
) -> CollectResult:
    """One collection pass over the Hub for ``config`` (a ``[huggingface]`` section).

    ``config`` has ``authors``, ``models``, ``derivative_depth``, ``full_hub`` and
    ``max_children_per_root``; ``full_hub`` overrides ``config.full_hub``. ``client``
    defaults to an :class:`HfClient` on ``HF_ENDPOINT`` with ``HF_TOKEN``. Failures of
    single models or listings are recorded and the run goes on; the result is then
    ``partial`` with the first reason. A ``result`` passed in is the one filled (its
    requests counted live), so a caller sees the counts of a pass that was stopped.
    """
    client = client or HfClient()
    result = result or CollectResult(source="hf")
    result.requests = client.requests
    crawl = _Crawl(store, client, result, _Progress(progress))
    try:
        if config.full_hub if full_hub is None else full_hub:
            crawl.full_hub(config.authors, config.models)
        else:
            crawl.tracked(config.authors, config.models, config.derivative_depth, config.max_children_per_root)
    finally:
        crawl.progress.close()
    return result


# -- records -> rows ------------------------------------------------------------------------


@dataclass
class Rows:
    """The rows one page of model records becomes, ready for ``executemany``."""

    models: list[tuple] = field(default_factory=list)
    snapshots: list[tuple] = field(default_factory=list)
    children: list[tuple] = field(default_factory=list)  # (id,) of records whose hub parents are replaced
    edges: list[tuple] = field(default_factory=list)  # (child, parent, relation)

    def __len__(self) -> int:
        return len(self.models) + len(self.snapshots) + len(self.edges)


def page_rows(records: Iterable[dict[str, Any]], date: str, updated_at: str) -> Rows:
    """Turn Hub model records (the JSON ``ModelInfo`` parses) into table rows."""
    rows = Rows()
    models, snapshots, children, edges = rows.models, rows.snapshots, rows.children, rows.edges
    for record in records:
        model_id = record["id"]
        tags = record.get("tags") or ()
        license_ = None
        for tag in tags:
            if tag.startswith("license:"):
                license_ = tag[8:]
                break
        safetensors = record.get("safetensors")
        gated = record.get("gated")
        counts = record.get("childrenModelCount")
        models.append((
            model_id,
            record.get("author") or model_id.partition("/")[0],
            _utc(record.get("createdAt")),
            _utc(record.get("lastModified")),
            record.get("library_name"),
            record.get("pipeline_tag"),
            license_,
            safetensors.get("total") if safetensors else None,
            "false" if gated is False else gated,
            None if counts is None else json.dumps(counts, sort_keys=True),
            "ok",
            updated_at,
        ))  # fmt: skip
        snapshots.append((
            model_id, date, record.get("downloads"), record.get("downloadsAllTime"),
            record.get("likes"), record.get("trendingScore"),
        ))  # fmt: skip
        children.append((model_id,))
        for parent, relation in record_parents(record):
            if parent != model_id:
                edges.append((model_id, parent, relation))
    return rows


def record_parents(record: dict[str, Any]) -> list[tuple[str, str]]:
    """``(parent id, relation)`` for each base model of a Hub model record.

    From ``baseModels`` when the record has it — ``{"relation": r, "models": [{"id":
    p}, ...]}`` (a list of such objects is accepted too) — else from the tags the Hub
    derives from the card's ``base_model``: ``base_model:{relation}:{parent}``, or
    ``base_model:{parent}`` alone, which counts as a finetune.
    """
    if "baseModels" in record:
        base = record["baseModels"]
        if not base:
            return []
        parents = []
        for entry in base if isinstance(base, list) else (base,):
            if isinstance(entry, str):
                parents.append((entry, DEFAULT_RELATION))
                continue
            relation = entry.get("relation")
            relation = relation if relation in RELATIONS else DEFAULT_RELATION
            for model in entry.get("models") or ():
                parents.append((model["id"] if isinstance(model, dict) else model, relation))
        return parents
    with_relation, bare = {}, []
    for tag in record.get("tags") or ():
        if not tag.startswith("base_model:"):
            continue
        relation, _, parent = tag[11:].partition(":")
        if parent and relation in RELATIONS:
            with_relation[parent] = relation
        else:
            bare.append(tag[11:])
    return [*with_relation.items(), *((p, DEFAULT_RELATION) for p in bare if p not in with_relation)]


def _utc(value: str | None) -> str | None:
    """The Hub's ``2024-09-16T11:55:07.000Z`` as the store's ``2024-09-16T11:55:07Z``."""
    if value and len(value) > 20 and value[19] == "." and value[-1] == "Z":
        return value[:19] + "Z"
    return value


def write_rows(store: Store, rows: Rows, checkpoint: tuple[str, str, str | None] | None = None) -> int:
    """Write one page of rows (and its checkpoint) in one transaction; returns rows written."""
    conn = store.conn
    with store.transaction():
        conn.executemany(_UPSERT_MODEL, rows.models)
        conn.executemany(_UPSERT_SNAPSHOT, rows.snapshots)
        conn.executemany(_DELETE_HUB_PARENTS, rows.children)
        conn.executemany(_UPSERT_EDGE, rows.edges)
        if checkpoint is not None:
            store.set_checkpoint(*checkpoint)
    return len(rows)


# -- the crawls -------------------------------------------------------------------------------


class _Crawl:
    def __init__(self, store: Store, client: HfClient, result: CollectResult, progress: _Progress):
        self.store, self.client, self.result, self.progress = store, client, result, progress
        self.list_expand = EXPAND

    def _write(self, response: HubResponse, records: list[dict[str, Any]], extra_edges: Sequence[tuple] = (),
               checkpoint: tuple[str, str, str | None] | None = None) -> None:  # fmt: skip
        rows = page_rows(records, response.date or utc_today(), utc_now())
        rows.edges.extend(extra_edges)
        self.result.rows_written += write_rows(self.store, rows, checkpoint)
        self.progress.advance(len(records))

    def _listing(self, what: str, params: list[tuple[str, Any]], resume_from: str | None = None, ahead: int = 0):
        """Yield ``(response, records)`` per page; a failing listing makes the run partial.

        With ``ahead`` the next pages are fetched while the caller writes this one.
        """
        query = [*params, ("limit", PAGE_SIZE), *(("expand", p) for p in self.list_expand)]
        pages = 0
        responses = self.client.pages("/api/models", query, resume_from=resume_from)
        try:
            for response in read_ahead(responses, ahead) if ahead else responses:
                if not isinstance(response.data, list):
                    raise HubUnavailable(f"{what}: expected a list of models, got {type(response.data).__name__}")
                pages += 1
                yield response, response.data
        except HubUnavailable as exc:
            if exc.status == 400 and pages == 0 and resume_from:
                # A cursor can expire between runs; the crawl is idempotent, so start it over.
                self.result.notes.append(f"hf {what}: the Hub refused the saved cursor; crawled again from page 1")
                yield from self._listing(what, params, ahead=ahead)
                return
            if exc.status == 400 and pages == 0 and resume_from is None and self.list_expand is EXPAND:
                self.list_expand = tuple(p for p in EXPAND if p not in DETAIL_ONLY_EXPAND)
                self.result.notes.append(
                    "hf: the Hub refuses baseModels/childrenModelCount in listings; parents come from "
                    "base_model: tags and crawl completeness is unknown for listed models"
                )
                yield from self._listing(what, params, ahead=ahead)
                return
            self.result.mark_partial(f"hf {what}: {exc}")
            log.warning("hf %s: %s", what, exc)

    def _model(self, model_id: str) -> tuple[str, dict[str, Any] | None]:
        """``(status, record)`` of one model; 401/403 (``gated``) and 404 (``not_found``) are recorded."""
        try:
            response = self.client.get(f"/api/models/{model_id}", [("expand", p) for p in EXPAND])
        except HubUnavailable as exc:
            self.result.mark_partial(f"hf model {model_id}: {exc}")
            return "unavailable", None
        if response.status == 200:
            self._write(response, [response.data])
            if response.data["id"] != model_id:  # the Hub redirects a renamed repo to its new name
                self.result.notes.append(f"hf model {model_id}: renamed to {response.data['id']}; update the config")
            return "ok", response.data
        status = _UNAVAILABLE_BY_CODE.get(response.error_code or "", _UNAVAILABLE[response.status])
        with self.store.transaction():
            self.store.conn.execute(_MARK_UNAVAILABLE, (model_id, model_id.partition("/")[0], status, utc_now()))
        self.result.rows_written += 1
        self.result.notes.append(f"hf model {model_id}: {status} (HTTP {response.status})")
        return status, None

    def _mark_tracked(self, model_ids: Iterable[str], authors: Iterable[str] = ()) -> None:
        """Flag exactly these models (and, in full-Hub mode, these authors' models) as roots."""
        ids, authors = json.dumps(sorted(set(model_ids))), json.dumps(sorted({a.lower() for a in authors}))
        with self.store.transaction():
            self.store.conn.execute(
                "UPDATE models SET tracked = (id IN (SELECT value FROM json_each(?1)) "
                "OR lower(author) IN (SELECT value FROM json_each(?2))) "
                "WHERE tracked != (id IN (SELECT value FROM json_each(?1)) "
                "OR lower(author) IN (SELECT value FROM json_each(?2)))",
                (ids, authors),
            )

    # -- tracked models and their trees ---------------------------------------------------

    def tracked(self, authors: Sequence[str], models: Sequence[str], depth: int, cap: int) -> None:
        self.progress.start("hf tracked models")
        seen: set[str] = set()
        roots = self._roots(authors, models, seen)
        self._mark_tracked(seen)
        self._derivatives(roots, seen, depth, cap)

    def _roots(self, authors: Sequence[str], models: Sequence[str], seen: set[str]) -> list[tuple[str, str, Any]]:
        """Collect the authors' and the listed models: ``(model, model, childrenModelCount)`` each."""
        frontier: list[tuple[str, str, Any]] = []
        for author in authors:
            found = 0
            for response, records in self._listing(f"author {author}", [("author", author)]):
                self._write(response, records)
                for record in records:
                    if record["id"] not in seen:
                        seen.add(record["id"])
                        frontier.append((record["id"], record["id"], record.get("childrenModelCount")))
                found += len(records)
            if not found:
                self.result.notes.append(f"hf author {author}: no models on the Hub")
        for model_id in models:
            if model_id in seen:
                continue
            status, record = self._model(model_id)
            seen.add(model_id)
            if record is not None and (record["id"] == model_id or record["id"] not in seen):
                seen.add(record["id"])
                frontier.append((record["id"], record["id"], record.get("childrenModelCount")))
            elif status == "gated":  # its card is closed to us, its public derivatives are not
                frontier.append((model_id, model_id, None))
        return frontier

    def _derivatives(self, frontier: list[tuple[str, str, Any]], seen: set[str], depth: int, cap: int) -> None:
        """Breadth-first below ``frontier`` ``(model, its root, childrenModelCount)``, ``depth`` levels.

        Each model is expanded once, at its shallowest level; a root stops growing at
        ``cap`` new descendants and the run says so.
        """
        descendants = dict.fromkeys((root for _, root, _ in frontier), 0)
        capped: set[str] = set()
        for _level in range(depth):
            next_frontier = []
            for parent, root, counts in frontier:
                for relation, tag in _children_filters(parent, counts):
                    if root in capped:
                        break
                    for response, records in self._listing(f"children of {parent}", [("filter", tag)]):
                        allowance = cap - descendants[root]
                        new = [r for r in records if r["id"] not in seen]
                        if len(new) > allowance:
                            kept = {r["id"] for r in new[:allowance]}
                            records = [r for r in records if r["id"] in seen or r["id"] in kept]
                            new = new[:allowance]
                            capped.add(root)
                        edges = [(r["id"], parent, relation) for r in records] if relation else ()
                        self._write(response, records, edges)
                        for record in new:
                            seen.add(record["id"])
                            next_frontier.append((record["id"], root, record.get("childrenModelCount")))
                        descendants[root] += len(new)
                        if root in capped:
                            break
            frontier = next_frontier
        for root in sorted(capped):
            self.result.notes.append(
                f"hf tree of {root}: capped at max_children_per_root = {cap} descendants; "
                "raise it in [huggingface] to collect the rest"
            )

    # -- the whole Hub ---------------------------------------------------------------------

    def full_hub(self, authors: Sequence[str], models: Sequence[str]) -> None:
        cursor = self.store.checkpoint(*FULL_HUB_CHECKPOINT)
        if cursor:
            log.info("hf full Hub: resuming from the checkpointed page %s", cursor)
        self.progress.start("hf full Hub")
        finished = False
        # Each record lands at a random place in five B-trees (model ids, authors, snapshot
        # and edge keys); SQLite's default 2 MB page cache re-reads their pages for every
        # insert once the Hub outgrows it.
        cache_size = self.store.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.store.conn.execute(f"PRAGMA cache_size = {-FULL_HUB_CACHE_KIB}")
        try:
            for response, records in self._listing("full Hub", [], resume_from=cursor, ahead=1):
                finished = response.next_url is None
                self._write(response, records, checkpoint=(*FULL_HUB_CHECKPOINT, response.next_url))
        finally:
            self.store.conn.execute(f"PRAGMA cache_size = {cache_size}")
        if not finished:
            return
        for model_id in models:  # a few requests that record a deleted or gated listed model
            self._model(model_id)
        self._mark_tracked(models, authors)


def _children_filters(model_id: str, counts: Any) -> list[tuple[str | None, str]]:
    """The ``filter`` tags listing a model's children: per relation where the Hub gives counts.

    Returns ``(relation, tag)`` pairs; relation is None for the catch-all ``base_model:{id}``,
    whose records carry their own relation in ``baseModels``.
    """
    if isinstance(counts, dict):
        return [(r, f"base_model:{r}:{model_id}") for r in RELATIONS if int(counts.get(r) or 0) > 0]
    if counts is not None and int(counts) == 0:
        return []
    return [(None, f"base_model:{model_id}")]


# -- progress -------------------------------------------------------------------------------


class _Progress:
    """A rich progress display on a terminal; a log line every ``every`` seconds otherwise."""

    def __init__(self, enabled: bool, every: float = 10.0):
        self.enabled, self.every = enabled, every
        self.bar = None
        self.task = None
        self.count = 0
        self.description = ""
        self.started = self.last = time.monotonic()

    def start(self, description: str) -> None:
        self.description, self.count = description, 0
        self.started = self.last = time.monotonic()
        if self.enabled and sys.stderr.isatty():
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                SpinnerColumn(), TextColumn("{task.description}"),
                TextColumn("{task.completed:,.0f} models"), TimeElapsedColumn(), transient=False,
            )  # fmt: skip
            self.bar.start()
            self.task = self.bar.add_task(description, total=None)

    def advance(self, models: int) -> None:
        self.count += models
        if self.bar is not None:
            self.bar.advance(self.task, models)
        elif self.enabled and time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            elapsed = self.last - self.started
            log.info("%s: %d models, %.0f models/s", self.description, self.count, self.count / max(elapsed, 1e-9))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
