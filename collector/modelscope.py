"""The ModelScope collector: the configured owners' models and the configured models, with
their downloads and likes of the day.

What it stores, from ModelScope's model API through its official client
(:mod:`ecometrics.collector.modelscope_client`), in the tables Hugging Face's models share, with
``platform = 'modelscope'``:

- ``models``: ``author`` (the owner), ``created_at``, ``last_modified``, ``pipeline_tag``
  (the first of ``tasks``), ``license``, ``gated`` (``true``/``false``), ``status`` (``ok``, or
  ``not_found`` for a configured model ModelScope does not know) and ``same_as``: the Hugging
  Face model it is the same as (the same id, or the config's ``same_as`` mapping; see
  :meth:`ecometrics.collector.store.Store.link_modelscope_models`), refreshed at every pass so a twin
  collected later is linked then. Rollups count a linked model once.
- ``model_snapshots``, one row per model per day: ``downloads_all_time`` (ModelScope shows one
  cumulative count; ``downloads_30d`` and ``trending_score`` stay NULL) and ``likes``. "Today"
  is the day of the API's ``Date`` header (fakehub's clock is simulated), else the UTC day.

An owner's listing is read whole (at most 3,000 models, the API's bound) and written a page of
50 at a time; a rerun rewrites the same rows, so a killed pass loses nothing a rerun does not
redo. An owner that lists no models (a misspelt name) and a configured model that is not there
(or is private to its owner: ModelScope shows it to nobody else, and a run with the owner's
token stores what an anonymous run stores) end the pass ``partial`` with a one-line reason; the
other owners are still collected.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from modelscope_hub.types import RepoInfo

from ecometrics.collector.api_records import ModelScopeModel, checked
from ecometrics.collector.modelscope_client import PAGE_SIZE, ModelScopeClient, ModelScopeUnavailable
from ecometrics.collector.store import Store
from ecometrics.core.config import ModelScopeConfig
from ecometrics.core.dates import utc_now, utc_today
from ecometrics.core.outcome import CollectResult

log = logging.getLogger(__name__)
INVALID_RECORDS = "modelscope: invalid model records skipped"  # see ecometrics.collector.api_records
REFUSED_ANSWERS = "modelscope: answers over their size bound refused"  # see ecometrics.collector.http.AnswerLimits


def collect_modelscope(
    store: Store,
    config: ModelScopeConfig,
    *,
    client: ModelScopeClient | None = None,
    result: CollectResult | None = None,
) -> CollectResult:
    """One pass over ``[modelscope] owners`` and ``models``; see the module docstring."""
    result = result if result is not None else CollectResult("modelscope")
    client = client if client is not None else ModelScopeClient()
    try:
        for owner in config.owners:
            models = client.owner_models(owner)
            if not models:
                result.mark_partial(
                    f"modelscope owner {owner!r} lists no models at {client.endpoint}; "
                    "check the name in [modelscope] owners (the part before '/' in a model id)"
                )
                continue
            for start in range(0, len(models), PAGE_SIZE):
                result.rows_written += _write(store, models[start : start + PAGE_SIZE], client, result)
            log.info("modelscope %s: %d models", owner, len(models))
        for model_id in config.models:
            info = client.model(model_id)
            if info is None:
                store.mark_modelscope_model_missing(model_id)
                result.mark_partial(
                    f"modelscope model {model_id!r} is not on {client.endpoint} or is private; "
                    "check it in [modelscope] models"
                )
                continue
            result.rows_written += _write(store, [info], client, result)
        linked = store.link_modelscope_models(config.same_as)
        result.notes.append(f"modelscope: {linked} models also on Hugging Face (counted once)")
    except ModelScopeUnavailable as exc:
        result.mark_partial(str(exc))
    finally:
        result.requests = dict(client.requests)
        for endpoint, refused in client.refused_answers.items():
            result.counters[f"{REFUSED_ANSWERS} ({endpoint})"] = refused
    return result


def _write(store: Store, infos: Sequence[RepoInfo], client: ModelScopeClient, result: CollectResult) -> int:
    """Store the models that meet their declared schema (:class:`ecometrics.collector.api_records.ModelScopeModel`);
    the others are counted in the run log and skipped."""
    day = client.server_date or utc_today()
    now = utc_now()
    models: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    invalid: list[str] = []
    for info in checked(infos, ModelScopeModel, invalid, from_attributes=True):
        if not info.repo_id:
            continue
        models.append(
            {
                "id": info.repo_id,
                "author": info.owner,
                "created_at": _utc(info.created_at),
                "last_modified": _utc(info.last_modified),
                "pipeline_tag": info.tasks[0] if info.tasks else None,
                "license": info.license,
                "gated": "true" if info.gated else "false",
                "status": "ok",
                "updated_at": now,
            }
        )
        snapshots.append(
            {"model_id": info.repo_id, "date": day, "downloads_all_time": info.downloads, "likes": info.likes}
        )
    if invalid:
        result.counters[f"{INVALID_RECORDS} (models)"] += len(invalid)
        log.warning("modelscope: %d invalid model record(s) skipped (%s)", len(invalid), invalid[0])
    return store.save_modelscope_models(models, snapshots)


def _utc(value: Any) -> str | None:
    """``RepoInfo``'s times (datetimes once parsed, else as sent) as ``2025-09-01T12:00:00Z``."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value) if value else None
