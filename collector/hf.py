"""The Hugging Face Hub collector: model metrics, derivative trees, the full-Hub crawl.

What it stores, all from the Hub's model API (``/api/models``, the listing
``HfApi.list_models`` pages through, and ``/api/models/{id}``, which ``HfApi.model_info``
reads):

- ``models``: author, ``createdAt`` (NULL for the Hub's placeholder
  ``2022-03-02T23:29:04.000Z``, which repos older than its creation-date records report:
  not a real date), ``lastModified``, ``library_name``, ``pipeline_tag``, the license
  (the Hub's ``license:*`` tag), parameters (``safetensors.total``), ``gated``
  (``false``/``auto``/``manual``: gated models' metadata is public) and the children per
  relation (``childrenModelCount`` from ``/api/models/{id}``, or counted from a complete
  listing of the model's children); ``status`` is ``ok``, ``unavailable`` for a 401/403
  (private, missing or disabled: the Hub does not say which), ``not_found`` for a 404,
  ``renamed`` for an id that now redirects (``model_aliases`` maps it to the new id) and
  ``deleted`` for a model a complete full-Hub crawl no longer saw.
  A private model is never stored: a listing asked with a token also lists the private
  repos the token can read (huggingface_hub issue #634, PR #638), so ``private`` is asked
  for (as huggingface.js ``list-models.ts`` always does) and such records are dropped as
  each listing page arrives (``_Crawl._listing``), before anything reads them; a configured private model is recorded as
  ``unavailable``, as a run without the token sees it. A run stores what an anonymous run stores.
- ``model_snapshots``, one row per model per day: ``downloads`` (the last 30 days),
  ``downloadsAllTime``, ``likes``, ``trendingScore``. "Today" is the day of the
  API response's ``Date`` header (fakehub's clock is simulated), else the UTC day.
- ``model_edges`` (parent -> child, with the relation), from a record's ``baseModels``
  when it has one (``/api/models/{id}``), else from its ``base_model:{relation}:{parent}``
  tags (listings: the Hub refuses ``baseModels``, ``childrenModelCount`` and
  ``usedStorage`` there, huggingface_hub PR #3182). A record's hub edges are replaced as a
  whole, so an edited model card does not leave stale parents behind.

Every listing is ordered by ``createdAt`` (descending, the only direction the Hub has):
the default order, trending score, changes while a crawl runs and its keyset cursor then
skips models or repeats them (huggingface_hub issue #2741); a creation date never changes.

Two modes:

- Tracked (default): every model of the configured authors plus the configured models
  (the *roots*, flagged ``models.tracked``; a renamed root is followed to its new id and
  stays tracked), then every model within ``derivative_depth`` levels below them
  (breadth-first from all roots at once, each model expanded once). Each root costs one
  ``/api/models/{id}`` call for its ``childrenModelCount``; from those counts the crawl
  chooses the cheaper way to find the trees and says which in its notes: *node by node*
  (a ``filter=base_model:{id}`` listing per expanded model, leaves included, since a listing
  cannot say which models have children) or *one full listing* of the Hub (``hub_models``
  / 1,000 pages, whose tags give every edge; the rows go to a scratch database beside the
  store and only the trees' models are kept). A node-by-node crawl whose next level would
  cost more than the full listing switches to it. A root stops growing at
  ``max_children_per_root`` descendants and the run says so. Progress is checkpointed (each
  expanded model, each full-listing page), so an interrupted crawl resumes where it stopped.
- Full Hub (``full_hub = true`` or ``--full-hub``): every model, 1,000 per page, each
  page committed with the next page's target (relative to ``HF_ENDPOINT``) as the
  checkpoint, so memory stays bounded and a killed crawl resumes from its last committed
  page (see ecometrics.collector.hf_client for why the library's own ``paginate`` cannot resume). The
  crawl sees every model that existed when it started exactly once; models created since
  are the next crawl's; models stored as ``ok`` that a complete crawl did not see are
  marked ``deleted``.

The page-to-rows path is plain tuples and one ``executemany`` per table per page in
one transaction: the full Hub is ~2 million records.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecometrics.collector import cancel
from ecometrics.collector.api_records import HubModel, checked
from ecometrics.collector.hf_client import HfClient, HubResponse, HubUnavailable, RateLimitTooLong, read_ahead
from ecometrics.collector.store import BUDGET_META, MODEL_COLUMNS, MODEL_SNAPSHOT_COLUMNS, Store
from ecometrics.core.config import HuggingFaceConfig
from ecometrics.core.dates import utc_now, utc_today
from ecometrics.core.ecosystem import RELATIONS
from ecometrics.core.outcome import CollectResult
from ecometrics.core.progress import Progress

log = logging.getLogger(__name__)
INVALID_RECORDS = "hf: invalid model records skipped"  # per endpoint: see ecometrics.collector.api_records
REFUSED_ANSWERS = (
    "hf: answers over their size bound refused"  # per endpoint: see ecometrics.collector.http.AnswerLimits
)

# The Hub's default when a card names a base model without base_model_relation.
DEFAULT_RELATION = "finetune"
PAGE_SIZE = 1000  # the Hub's largest page
# What /api/models/{id} is asked for.
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
    "private",
    "safetensors",
    "tags",
    "trendingScore",
)
# Listings answer 400 to these ("only accepted when using the /api/models/repo_id
# endpoint", huggingface_hub PR #3182), so they are asked for EXPAND without them.
DETAIL_ONLY_EXPAND = ("baseModels", "childrenModelCount", "usedStorage")
LIST_EXPAND = tuple(p for p in EXPAND if p not in DETAIL_ONLY_EXPAND)
LISTING_ORDER = ("sort", "createdAt")  # a key that never changes under a running crawl
# What the Hub reports as createdAt for repos older than its creation-date records.
CREATED_AT_SENTINEL = "2022-03-02T23:29:04.000Z"
FULL_HUB_CACHE_KIB = 256 * 1024  # SQLite page cache during the full-Hub crawl
FULL_HUB_CHECKPOINT = ("hf:full_hub", "models")  # cursor = the next page's target; None when no crawl is in progress
FULL_HUB_STARTED = ("hf:full_hub", "started")  # when the crawl in progress began (models older are deleted)
TRACKED_CHECKPOINTS = "hf:tracked"  # keys info:{root}, children:{model}: done in the crawl in progress
LINEAGE_SCRATCH_SUFFIX = ".hf-lineage"  # the full listing's rows, beside the database, while a crawl needs them
SCRATCH_MAX_AGE_HOURS = 20  # an older interrupted full listing is started over (a nightly run's is fresh)

# 401/403: private, missing or disabled (without a token the Hub says 401 for a missing
# repo too and will not say whether a private one exists); 404: not there.
_UNAVAILABLE = {401: "unavailable", 403: "unavailable", 404: "not_found"}


# -- entry point ------------------------------------------------------------------------


def collect_hf(
    store: Store,
    config: HuggingFaceConfig,
    *,
    full_hub: bool | None = None,
    progress: bool = True,
    client: HfClient | None = None,
    result: CollectResult | None = None,
) -> CollectResult:
    """One collection pass over the Hub for the ``[huggingface]`` settings.

    ``config.hub_models`` (the Hub's size) prices the full listing; ``full_hub``
    overrides ``config.full_hub``. A refused ``HF_TOKEN`` or an
    unreachable endpoint raises an :class:`~ecometrics.core.errors.InputError` naming the fix. ``client``
    defaults to an :class:`HfClient` on ``HF_ENDPOINT`` with ``HF_TOKEN``. Failures of
    single models or listings are recorded and the run goes on; the result is then
    ``partial`` with the first reason. A ``result`` passed in is the one filled (its
    requests counted live), so a caller sees the counts of a pass that was stopped.
    """
    client = client or HfClient(max_rate_wait=config.max_rate_wait)
    result = result or CollectResult(source="hf")
    result.requests = client.requests
    crawl = _Crawl(store, client, result, Progress(log, "models", enabled=progress))
    try:
        if config.full_hub if full_hub is None else full_hub:
            crawl.full_hub(config.authors, config.models, hub_models=config.hub_models)
        else:
            crawl.tracked(
                config.authors, config.models, config.derivative_depth, config.max_children_per_root, config.hub_models
            )
    except RateLimitTooLong as exc:  # what was committed stays; the next run goes on from its checkpoints
        result.mark_partial(f"hf: {exc}")
        log.warning("hf: %s", exc)
    finally:
        crawl.progress.close()
        for endpoint, refused in client.refused_answers.items():
            result.counters[f"{REFUSED_ANSWERS} ({endpoint})"] = refused
        if client.budget is not None and client.requests.get("200"):
            store.set_meta(BUDGET_META + "hf", client.budget.describe())  # shown by `ecometrics status`
    return result


# -- records -> rows ------------------------------------------------------------------------


@dataclass
class Rows:
    """The rows one page of model records becomes, ready for ``executemany``."""

    models: list[tuple] = field(default_factory=list)
    snapshots: list[tuple] = field(default_factory=list)
    edges: list[tuple] = field(default_factory=list)  # (child, parent, relation)
    invalid: list[str] = field(default_factory=list)  # why each record not meeting HubModel was skipped

    def __len__(self) -> int:
        return len(self.models) + len(self.snapshots) + len(self.edges)


def page_rows(records: Iterable[dict[str, Any]], date: str, updated_at: str) -> Rows:
    """Turn Hub model records (the JSON ``ModelInfo`` parses) into table rows; a record not
    meeting its declared schema (:class:`ecometrics.collector.api_records.HubModel`) is skipped, its reason kept."""
    rows = Rows()
    models, snapshots, edges = rows.models, rows.snapshots, rows.edges
    for record in checked(records, HubModel, rows.invalid):
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
            _created_at(record.get("createdAt")),
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


def _created_at(value: str | None) -> str | None:
    """``createdAt`` as stored: NULL (unknown) for the Hub's placeholder of old repos."""
    return None if value in (CREATED_AT_SENTINEL, CREATED_AT_SENTINEL[:19] + "Z") else _utc(value)


def _utc(value: str | None) -> str | None:
    """The Hub's ``2024-09-16T11:55:07.000Z`` as the store's ``2024-09-16T11:55:07Z``."""
    if value and len(value) > 20 and value[19] == "." and value[-1] == "Z":
        return value[:19] + "Z"
    return value


# -- the crawls -------------------------------------------------------------------------------


@dataclass
class _Node:
    """A model in the tracked crawl's frontier: the root whose tree it grows."""

    model: str
    root: str


class _Crawl:
    def __init__(self, store: Store, client: HfClient, result: CollectResult, progress: Progress):
        self.store, self.client, self.result, self.progress = store, client, result, progress

    def _write(self, response: HubResponse, records: list[dict[str, Any]], extra_edges: Sequence[tuple] = (),
               checkpoint: tuple[str, str, str | None] | None = None) -> None:  # fmt: skip
        rows = page_rows(records, response.date or utc_today(), utc_now())
        self.count_invalid(response, rows.invalid)
        rows.edges.extend(extra_edges)
        self.result.rows_written += self.store.save_model_page(
            models=rows.models, snapshots=rows.snapshots, edges=rows.edges, checkpoint=checkpoint
        )
        self.progress.advance(len(records))

    def count_invalid(self, response: HubResponse, reasons: list[str]) -> None:
        """Count in the run log the records skipped for not meeting :class:`HubModel`, by endpoint."""
        if reasons:
            endpoint = "/api/models" if isinstance(response.data, list) else "/api/models/{id}"
            self.result.counters[f"{INVALID_RECORDS} ({endpoint})"] += len(reasons)
            log.warning("hf %s: %d invalid model record(s) skipped (%s)", endpoint, len(reasons), reasons[0])

    def _listing(self, what: str, params: list[tuple[str, Any]], resume_from: str | None = None, ahead: int = 0):
        """Yield ``(response, records)`` per page, newest models first; a failing listing
        makes the run partial. With ``ahead`` the next pages are fetched while the caller
        writes this one."""
        query = [*params, LISTING_ORDER, ("limit", PAGE_SIZE), *(("expand", p) for p in LIST_EXPAND)]
        pages = 0
        responses = self.client.pages("/api/models", query, resume_from=resume_from)
        try:
            for response in read_ahead(responses, ahead) if ahead else responses:
                if not isinstance(response.data, list):
                    raise HubUnavailable(
                        f"{what}: expected a list of models, got HTTP {response.status}", response.status
                    )
                pages += 1
                # private repos the token can read: never stored, never a root or a child
                yield response, [record for record in response.data if not record.get("private")]
        except RateLimitTooLong:
            raise
        except HubUnavailable as exc:
            if exc.status == 400 and pages == 0 and resume_from:
                # A cursor can expire between runs; the crawl is idempotent, so start it over.
                self.result.notes.append(f"hf {what}: the Hub refused the saved cursor; crawled again from page 1")
                yield from self._listing(what, params, ahead=ahead)
                return
            self.result.mark_partial(f"hf {what}: {exc}")
            log.warning("hf %s: %s", what, exc)

    def _model(self, model_id: str) -> tuple[str, dict[str, Any] | None]:
        """``(status, record)`` of one model; 401/403 (``unavailable``) and 404 (``not_found``)
        are recorded, a redirect to a new id (a rename) is stored under the new id."""
        try:
            response = self.client.get(f"/api/models/{model_id}", [("expand", p) for p in EXPAND])
        except RateLimitTooLong:
            raise
        except HubUnavailable as exc:
            self.result.mark_partial(f"hf model {model_id}: {exc}")
            return "unavailable", None
        if response.status == 200 and response.data.get("private"):  # as the Hub answers without the token
            self.store.mark_model_unavailable(model_id, "unavailable")
            self.result.rows_written += 1
            self.result.notes.append(f"hf model {model_id}: private; not stored")
            return "unavailable", None
        if response.status == 200:
            self._write(response, [response.data])
            if response.data["id"] != model_id:  # the Hub redirects a renamed repo to its new name
                self._record_rename(model_id, response.data["id"])
            return "ok", response.data
        status = _UNAVAILABLE[response.status]
        self.store.mark_model_unavailable(model_id, status)
        self.result.rows_written += 1
        self.result.notes.append(f"hf model {model_id}: {status} (HTTP {response.status})")
        return status, None

    def _record_rename(self, old: str, new: str) -> None:
        self.store.record_model_rename(old, new)
        self.result.notes.append(f"hf model {old}: renamed to {new}; stored and tracked as {new} (update the config)")

    # -- tracked models and their trees ---------------------------------------------------

    def tracked(self, authors: Sequence[str], models: Sequence[str], depth: int, cap: int, hub_models: int) -> None:
        self.progress.start("hf tracked models")
        done = self.store.checkpoints(TRACKED_CHECKPOINTS)
        if done:
            self.result.notes.append(f"hf: resumed the interrupted tracked crawl ({len(done):,} steps already done)")
        roots, counts = self._roots(authors, models, depth, done)
        self.store.mark_tracked_models(roots)
        if depth > 0 and roots:
            _Trees(self, roots, counts, depth, cap, hub_models, done).grow()
        if not self.result.partial:  # complete: the next run starts afresh
            self.store.clear_checkpoints(TRACKED_CHECKPOINTS)

    def _roots(self, authors: Sequence[str], models: Sequence[str], depth: int,
               done: dict[str, str | None]) -> tuple[list[str], dict[str, dict[str, int] | None]]:  # fmt: skip
        """The roots (the authors' and the listed models, renames followed) and, when the
        trees are wanted, each root's ``childrenModelCount`` (one ``/api/models/{id}`` each)."""
        roots: dict[str, None] = {}
        for author in authors:
            found = 0
            for response, records in self._listing(f"author {author}", [("author", author)]):
                self._write(response, records)
                roots.update(dict.fromkeys(r["id"] for r in records))
                found += len(records)
            if not found:
                self.result.notes.append(f"hf author {author}: no models on the Hub")
        counts: dict[str, dict[str, int] | None] = {}
        for model_id in models:
            key = f"info:{model_id}"
            if key in done:
                resolved = done[key]
                if resolved:
                    roots[resolved] = None
                    counts[resolved] = self._stored_counts(resolved)
                continue
            status, record = self._model(model_id)
            resolved = record["id"] if record is not None else (model_id if status == "unavailable" else None)
            if resolved:  # an unavailable model's public derivatives are still listed
                roots[resolved] = None
                counts[resolved] = record.get("childrenModelCount") if record is not None else None
            self.store.set_checkpoint(TRACKED_CHECKPOINTS, key, resolved)
        if depth > 0:
            for root in roots:
                key = f"info:{root}"
                if root in counts:
                    continue
                if key in done:
                    counts[root] = self._stored_counts(root)
                    continue
                status, record = self._model(root)
                counts[root] = record.get("childrenModelCount") if record is not None else None
                self.store.set_checkpoint(TRACKED_CHECKPOINTS, key, root)
        return list(roots), counts

    def _stored_counts(self, model_id: str) -> dict[str, int] | None:
        row = self.store.conn.execute(
            "SELECT children_count FROM models WHERE platform = 'huggingface' AND id = ?", (model_id,)
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    # -- the whole Hub ---------------------------------------------------------------------

    def full_hub(self, authors: Sequence[str], models: Sequence[str], hub_models: int | None = None) -> None:
        cursor = self.store.checkpoint(*FULL_HUB_CHECKPOINT)
        # A crawl resumed from a checkpoint that predates the start time cannot tell deleted models.
        started = self.store.checkpoint(*FULL_HUB_STARTED) if cursor else self._start_time()
        if cursor:
            log.info("hf full Hub: resuming from the checkpointed page %s", cursor)
        self.progress.start("hf full Hub", total=hub_models)  # the Hub's size, as the config estimates it
        finished = False
        # Each record lands at a random place in five B-trees (model ids, authors, snapshot
        # and edge keys); SQLite's default 2 MB page cache re-reads their pages for every
        # insert once the Hub outgrows it.
        with self.store.page_cache(kib=FULL_HUB_CACHE_KIB):
            for response, records in self._listing("full Hub", [], resume_from=cursor, ahead=1):
                finished = response.next_url is None
                target = None if finished else self.client.relative(response.next_url)
                with self.store.transaction():
                    self.store.set_checkpoint(*FULL_HUB_STARTED, None if finished else started)
                    self._write(response, records, checkpoint=(*FULL_HUB_CHECKPOINT, target))
        if not finished:
            return
        if started:
            self._mark_deleted(started)
        for model_id in models:  # a few requests that record a deleted, unavailable or renamed listed model
            self._model(model_id)
        self.store.mark_tracked_models(models, authors)  # in full-Hub mode the authors' models are roots too

    def _start_time(self) -> str | None:
        """A start time later than every stored model's ``updated_at`` (whole seconds): a
        model this crawl does not rewrite is then older than it. None if the clock disagrees."""
        latest = self.store.conn.execute(
            "SELECT max(updated_at) FROM models WHERE platform = 'huggingface'"
        ).fetchone()[0]
        started = utc_now()
        if latest is not None and latest >= started:
            cancel.sleep(1.0 - time.time() % 1.0)  # the previous crawl ended this very second
            started = utc_now()
        return started if latest is None or latest < started else None

    def _mark_deleted(self, started: str) -> None:
        """Models stored as ``ok`` that the complete crawl begun at ``started`` did not see."""
        gone = self.store.mark_models_deleted(before=started)
        if gone:
            self.result.rows_written += gone
            self.result.notes.append(f"hf full Hub: {gone:,} stored models are no longer on the Hub; marked deleted")


class _Trees:
    """The tracked roots' derivative trees: breadth-first from every root at once.

    Node by node, each expanded model costs at least one listing (a listing cannot say
    which models have children); the full listing costs ``hub_models / 1,000`` pages for
    every tree at once. The roots' ``childrenModelCount`` give a lower bound of the first:
    their direct children, each of which must be expanded when ``depth`` > 1.
    """

    def __init__(self, crawl: _Crawl, roots: list[str], counts: dict[str, Any], depth: int, cap: int,
                 hub_models: int, done: dict[str, str | None]):  # fmt: skip
        self.crawl, self.store = crawl, crawl.store
        self.roots, self.counts, self.depth, self.cap, self.done = roots, counts, depth, cap, done
        self.full_listing_pages = max(1, math.ceil(hub_models / PAGE_SIZE))
        self.seen: set[str] = set(roots)
        self.descendants = dict.fromkeys(roots, 0)
        self.capped: set[str] = set()
        self.listing: _FullListing | None = None

    def node_by_node_estimate(self) -> int:
        """Fewest listings node by node: a page per 1,000 children of each root, plus one per child below depth 1."""
        total = 0
        for root in self.roots:
            children = _children_total(self.counts.get(root))
            if self.counts.get(root) is None:
                total += 1
                continue
            total += math.ceil(children / PAGE_SIZE) + (children if self.depth > 1 else 0)
        return total

    def grow(self) -> None:
        estimate = self.node_by_node_estimate()
        biggest = sorted(self.roots, key=lambda r: -_children_total(self.counts.get(r)))[:3]
        trees = ", ".join(f"{r} ({_children_total(self.counts.get(r)):,} children)" for r in biggest)
        if estimate > self.full_listing_pages:
            self.crawl.result.notes.append(
                f"hf trees: read from one full listing ({self.full_listing_pages:,} pages) instead of at least "
                f"{estimate:,} listings node by node; largest: {trees}"
            )
            self.listing = _FullListing(self.crawl)
        else:
            self.crawl.result.notes.append(
                f"hf trees: crawled node by node (at least {estimate:,} listings, fewer than the full listing's "
                f"{self.full_listing_pages:,} pages)"
            )
        frontier = [_Node(root, root) for root in self.roots]
        for _level in range(self.depth):
            if not frontier:
                break  # every tree ended above the depth limit
            cancel.raise_if_stopped()
            if self.listing is None and len(frontier) > self.full_listing_pages:
                self.crawl.result.notes.append(
                    f"hf trees: {len(frontier):,} models to expand at the next level; switched to the full listing"
                )
                self.listing = _FullListing(self.crawl)
            if self.listing is not None and not self.listing.ready:
                self.listing.fetch()
                if not self.listing.ready:
                    return  # the listing failed or stopped: the run is partial, the next one resumes it
            next_frontier: list[_Node] = []
            for node in frontier:
                if node.root in self.capped:
                    continue
                cancel.raise_if_stopped()
                for child in self._expand(node):
                    next_frontier.append(_Node(child, node.root))
            frontier = next_frontier
        if self.listing is not None and self.listing.ready:
            self.listing.keep(self.seen, self.roots)
        for root in sorted(self.capped):
            self.crawl.result.notes.append(
                f"hf tree of {root}: capped at max_children_per_root = {self.cap} descendants; "
                "raise it in [huggingface] to collect the rest"
            )

    def _admit(self, node: _Node, children: list[str]) -> list[str]:
        """The children not seen before, within the root's allowance; the rest of the tree is capped."""
        new = [c for c in dict.fromkeys(children) if c not in self.seen]
        allowance = self.cap - self.descendants[node.root]
        if len(new) > allowance:
            new = new[:allowance]
            self.capped.add(node.root)
        self.seen.update(new)
        self.descendants[node.root] += len(new)
        return new

    def _expand(self, node: _Node) -> list[str]:
        """The new children of one model, from the full listing, the store (expanded before an
        interruption) or its own ``filter=base_model:{id}`` listing."""
        if self.listing is not None:
            return self._admit(node, self.listing.children(node.model))
        key = f"children:{node.model}"
        if key in self.done:
            rows = self.store.conn.execute(
                "SELECT e.child FROM model_edges e "
                "LEFT JOIN models m ON m.platform = 'huggingface' AND m.id = e.child "
                "WHERE e.parent = ? AND e.source = 'hub' ORDER BY m.created_at DESC, e.child DESC",
                (node.model,),
            ).fetchall()
            return self._admit(node, [child for (child,) in rows])
        crawl = self.crawl
        new: list[str] = []
        per_relation = dict.fromkeys(RELATIONS, 0)
        complete = False
        for response, records in crawl._listing(f"children of {node.model}", [("filter", f"base_model:{node.model}")]):
            children = []
            for record in records:
                relation = dict(record_parents(record)).get(node.model)
                if relation is not None:
                    per_relation[relation] += 1
                    children.append(record)
            new += self._admit(node, [r["id"] for r in children])
            crawl._write(response, [r for r in children if r["id"] in self.seen])
            complete = response.next_url is None
            if node.root in self.capped:
                complete = False
                break
        if complete:
            with self.store.transaction():
                self.store.set_checkpoint(TRACKED_CHECKPOINTS, key, "done")
                if node.model not in self.descendants:  # a root keeps the count its model_info gave
                    self.store.set_children_counts({node.model: per_relation})
        return new


class _FullListing:
    """Every model of the Hub, listed once into a scratch SQLite file beside the store.

    The listing's tags give every edge, so the trees are read from it without a request
    per model; only the trees' models are then copied into the store, and the file is
    removed. Each page is committed with the next page's target, so an interrupted listing
    resumes; a listing older than :data:`SCRATCH_MAX_AGE_HOURS` is started over.
    """

    SCHEMA = f"""
        CREATE TABLE IF NOT EXISTS models ({", ".join(MODEL_COLUMNS)}, PRIMARY KEY (id));
        CREATE TABLE IF NOT EXISTS snapshots ({", ".join(MODEL_SNAPSHOT_COLUMNS)}, PRIMARY KEY (model_id));
        CREATE TABLE IF NOT EXISTS edges (child TEXT NOT NULL, parent TEXT NOT NULL, relation TEXT NOT NULL,
                                          PRIMARY KEY (child, parent));
        CREATE INDEX IF NOT EXISTS edges_parent ON edges(parent);
        CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
    """

    def __init__(self, crawl: _Crawl):
        self.crawl = crawl
        self.path = Path(str(crawl.store.path) + LINEAGE_SCRATCH_SUFFIX)
        self.conn = self._open()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(self.SCHEMA)
        started = self._state(conn, "started")
        if started and time.time() - float(started) > SCRATCH_MAX_AGE_HOURS * 3600:
            conn.close()
            self._remove()
            return self._open()
        if started is None:
            conn.execute("INSERT OR REPLACE INTO state VALUES ('started', ?)", (str(time.time()),))
        return conn

    @staticmethod
    def _state(conn: sqlite3.Connection, key: str) -> str | None:
        row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def ready(self) -> bool:
        return self._state(self.conn, "finished") == "1"

    def fetch(self) -> None:
        """List the whole Hub into the scratch file, from where an interrupted listing stopped."""
        crawl, conn = self.crawl, self.conn
        cursor = self._state(conn, "cursor")
        for response, records in crawl._listing("full listing for the trees", [], resume_from=cursor, ahead=1):
            rows = page_rows(records, response.date or utc_today(), utc_now())
            crawl.count_invalid(response, rows.invalid)
            finished = response.next_url is None
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    f"INSERT OR REPLACE INTO models VALUES ({', '.join('?' * len(MODEL_COLUMNS))})", rows.models
                )
                conn.executemany("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?, ?, ?)", rows.snapshots)
                conn.executemany("DELETE FROM edges WHERE child = ?", ((model[0],) for model in rows.models))
                conn.executemany("INSERT OR REPLACE INTO edges VALUES (?, ?, ?)", rows.edges)
                conn.execute(
                    "INSERT OR REPLACE INTO state VALUES ('cursor', ?)",
                    (None if finished else crawl.client.relative(response.next_url),),
                )
                if finished:
                    conn.execute("INSERT OR REPLACE INTO state VALUES ('finished', '1')")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            crawl.progress.advance(len(records))
            cancel.raise_if_stopped()

    def children(self, model_id: str) -> list[str]:
        """The model's children in listing order (newest first)."""
        return [c for (c,) in self.conn.execute("SELECT child FROM edges WHERE parent = ? ORDER BY rowid", (model_id,))]

    def keep(self, tree: set[str], roots: Sequence[str]) -> None:
        """Copy the trees' models, snapshots and edges into the store, with every non-root's
        children per relation as the listing counted them; then remove the scratch file."""
        counts: dict[str, dict[str, int]] = {}
        ids = sorted(tree)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for parent, relation, n in self.conn.execute(
                f"SELECT parent, relation, count(*) FROM edges WHERE parent IN ({marks}) GROUP BY parent, relation",
                chunk,
            ):
                counts.setdefault(parent, dict.fromkeys(RELATIONS, 0))[relation] = n
        self.conn.close()
        root_set = set(roots)
        non_roots = {m: counts.get(m, dict.fromkeys(RELATIONS, 0)) for m in ids if m not in root_set}
        written = self.crawl.store.merge_model_trees(self.path, ids, non_roots)
        self.crawl.result.rows_written += written
        self._remove()

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)


def _children_total(counts: Any) -> int:
    """The Hub's ``childrenModelCount`` as one number: per-relation counts summed."""
    if isinstance(counts, dict):
        return sum(int(n or 0) for n in counts.values())
    return int(counts or 0)
