"""One synthetic world: the clock, the GitHub side and the Hugging Face side, and the
ground truth that tests compare collected rows against.

Ground truth (:meth:`World.truth`, also ``GET /_fakehub/truth``), everything as seen at
the simulated clock::

    {
      "seed": 0, "scale": "small", "now": "2025-09-01T12:00:00Z", "day": 0,
      "github": {
        "repos": {FULL_NAME: {
            "id", "full_name", "owner", "created_at", "former_name" (or null),
            "stargazers_count", "forks_count", "subscribers_count",
            "open_issues", "open_pull_requests", "language", "archived",
            "stars": [[user_id, login, starred_at], ...]        # oldest first, as listed
            "hidden_stars": [starred_at, ...],   # counted, but accounts the API no longer shows
            "contributors": {login: commits}, "anonymous_contributors": {name: commits},
            "issues": [{"number", "id", "user", "title", "is_pull_request", "created_at",
                        "closed_at", "merged", "updated_at", "comments"}],  # issues and PRs
            "issue_comments": [{"id", "issue_number", "user", "created_at"}],
            "review_comments": [{"id", "pull_number", "user", "created_at"}],
            "commits": [{"sha", "author" (login or null), "date", "landed_at"}]}},  # landed on the branch
        "users": {LOGIN: user_id},                            # everyone in the activity
        "orgs": {ORG: [FULL_NAME, ...]}, "org_ids": {ORG: ID},
        "renamed": {OLD_FULL_NAME: NEW_FULL_NAME},
        "deleted": [FULL_NAME, ...],                          # answer 404
        "bots": [LOGIN, ...]},
      "hf": {
        "models": {MODEL_ID: {
            "id", "author", "created_at" (the true date; the API reports CREATED_AT_SENTINEL
            for models older than it), "downloads" (30 days), "downloadsAllTime",
            "likes", "trendingScore", "gated", "library_name", "pipeline_tag",
            "relation" (of its parents, or null), "parents": [MODEL_ID, ...],
            "childrenModelCount": {"finetune", "quantized", "merge", "adapter"},
            "depth"}},                                         # omitted with models=False
        "model_count": N, "relation_counts": {relation: N}, "gated": [MODEL_ID, ...],
        "deleted": [MODEL_ID, ...],                            # created, then deleted by now
        "disabled": [MODEL_ID, ...],                           # listed; /api/models/{id} answers 403 (401 without a token)
        "renamed": {OLD_ID: NEW_ID}, "trending_epoch": N},     # see ecometrics.fakehub.model_forest
      "modelscope": {
        "models": {MODEL_ID: {"id", "downloads", "likes", "created_at", "last_modified", "license",
            "tags", "tasks", ..., "hf_id" (the Hugging Face twin, or null)}},
        "owners": [OWNER, ...], "private": [MODEL_ID, ...]}    # see ecometrics.fakehub.modelscope
    }

Lists are sorted (stars by time, activity by time, ``gated``/``bots``/``deleted`` by
name), so two truths compare equal exactly when the worlds are the same. Treat the
returned structure as read-only: parts of it are cached between calls. The same shape,
written to a file, is a snapshot fakehub can serve (:mod:`ecometrics.fakehub.snapshot`).
"""

from __future__ import annotations

import threading

import numpy as np

from ecometrics.core.ecosystem import hf_authors
from ecometrics.core.errors import InputError
from ecometrics.fakehub.clock import Clock, iso
from ecometrics.fakehub.generator import SCALES, GitHubWorld
from ecometrics.fakehub.model_forest import RELATIONS, ModelForest, hub_score
from ecometrics.fakehub.modelscope import ModelScopeCatalog


class World:
    def __init__(self, seed: int = 0, scale: str = "small"):
        if scale not in SCALES:
            raise InputError(f"fakehub: unknown scale {scale!r}; use one of {', '.join(SCALES)}")
        self.seed = seed
        self.scale = SCALES[scale]
        self.clock = Clock()
        self.lock = threading.RLock()  # generation caches and the clock
        self.github = GitHubWorld(seed, self.scale, self.clock)
        self.models = ModelForest(seed, self.scale.models, self.scale.hf_authors, hf_authors())
        self.modelscope = ModelScopeCatalog(self.models, seed)

    @classmethod
    def from_snapshot(cls, path) -> World:
        """A world that serves a JSON snapshot (see :mod:`ecometrics.fakehub.snapshot`)."""
        from ecometrics.fakehub.clock import parse_iso
        from ecometrics.fakehub.snapshot import SnapshotForest, SnapshotGitHub, load_snapshot

        data = load_snapshot(path)
        world = cls.__new__(cls)
        world.seed = data.get("seed", 0)
        world.scale = SCALES[data.get("scale", "small")] if data.get("scale") in SCALES else SCALES["small"]
        day = int(data.get("day", 0))
        world.clock = Clock(days=day, start=parse_iso(data["now"]) - day * 86_400)
        world.lock = threading.RLock()
        world.github = SnapshotGitHub(data["github"], world.clock)
        world.models = forest = SnapshotForest(data["hf"].get("models", {}))
        world.modelscope = ModelScopeCatalog(forest, world.seed)
        disabled = set(data["hf"].get("disabled", ()))
        forest.disabled = np.array([forest.model_id(i) in disabled for i in range(forest.n_total)], dtype=bool)
        forest.recorded_deleted = tuple(data["hf"].get("deleted", ()))
        forest.renamed = dict(data["hf"].get("renamed", {}))
        forest.trending_epoch = int(data["hf"].get("trending_epoch", 0))
        return world

    def advance(self, days: int) -> None:
        with self.lock:
            self.clock.advance(days)

    def truth(self, include_models: bool = True) -> dict:
        with self.lock:
            now = self.clock.now
            forest = self.models
            existing = forest.existing(now)
            rel = forest.rel[existing]
            hf: dict = {
                "model_count": len(existing),
                "relation_counts": {r: int(np.count_nonzero(rel == k + 1)) for k, r in enumerate(RELATIONS)},
                "gated": sorted(forest.gated_ids(now)),
                "deleted": forest.deleted_ids(now),
                "disabled": sorted(forest.model_id(int(i)) for i in existing[forest.disabled[existing]])
                if forest.disabled is not None
                else [],
                "renamed": {old: new for old, new in forest.renamed.items() if forest.index_of(new) is not None},
                "trending_epoch": forest.trending_epoch,
            }
            if include_models:
                idx = existing
                stats = forest.stats(idx, now)
                counts = forest.children_counts(now)
                models = {}
                for k, i in enumerate(idx.tolist()):
                    mid = forest.model_id(i)
                    r = int(forest.rel[i])
                    models[mid] = {
                        "id": mid,
                        "author": mid.split("/", 1)[0],
                        "created_at": iso(int(forest.created[i])),
                        "downloads": int(stats["downloads"][k]),
                        "downloadsAllTime": int(stats["downloadsAllTime"][k]),
                        "likes": int(stats["likes"][k]),
                        "trendingScore": hub_score(stats["trendingScore"][k]),
                        "gated": forest.gated(i),
                        "library_name": forest.library(i),
                        "pipeline_tag": forest.pipeline_tag(i),
                        "relation": RELATIONS[r - 1] if r else None,
                        "parents": [forest.model_id(p) for p in forest.parents(i)],
                        "childrenModelCount": dict(zip(RELATIONS, map(int, counts[i]), strict=True)),
                        "depth": int(forest.depth[i]),
                    }
                hf["models"] = models
            return {
                "seed": self.seed,
                "scale": self.scale.name,
                "now": iso(now),
                "day": self.clock.today,
                "github": self.github.truth(),
                "hf": hf,
                "modelscope": self.modelscope.truth(now),
            }
