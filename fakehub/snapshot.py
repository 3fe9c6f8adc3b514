"""Serving a JSON snapshot instead of a generated world (``fakehub serve --snapshot FILE``).

A snapshot has the shape of the ground truth (:mod:`ecometrics.fakehub.world`), so any world can be
frozen with ``curl $URL/_fakehub/truth > snapshot.json`` (or ``json.dump(hub.truth())``),
edited by hand, and served again: the APIs answer from its repos, stars, activity and
models, and ``/_fakehub/truth`` gives it back. Missing optional keys take defaults; the
clock starts at its ``now`` and advancing it reveals nothing new (a snapshot has no
future). Facts the truth does not carry are filled in plainly: licenses are "Other",
topics empty, a user seen only in activity gets a made-up id.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ecometrics.core.errors import InputError
from ecometrics.fakehub.clock import Clock, parse_iso
from ecometrics.fakehub.generator import (
    ORG_ID_BASE,
    SCALES,
    Activity,
    GitHubWorld,
    Issue,
    PullDetails,
    Repo,
    UserDirectory,
)
from ecometrics.fakehub.model_forest import RELATIONS, ModelForest

GENERATED_USER_ID_BASE = 500_000_000  # ids for users the snapshot names without one


def load_snapshot(path: str | Path) -> dict:
    try:
        data = json.loads(Path(path).read_text())
        parse_iso(data["now"])
        data["github"]["repos"], data["hf"]
    except FileNotFoundError:
        raise InputError(f"--snapshot {path}: no such file") from None
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(
            f"--snapshot {path}: not a fakehub snapshot ({e!r}); write one from GET /_fakehub/truth"
        ) from None
    return data


class SnapshotGitHub(GitHubWorld):
    """The GitHub side of a snapshot: repos with explicit stars and activity."""

    def __init__(self, data: dict, clock: Clock):
        self.seed = 0
        self.scale = SCALES["small"]
        self.clock = clock
        self.renamed = dict(data.get("renamed", {}))
        self.deleted_names = tuple(data.get("deleted", ()))
        self.snapshot_campaigns = list(data.get("star_campaigns", ()))
        repos = data["repos"]

        ids: dict[str, int | None] = dict(data.get("users", {}))  # login -> GitHub id
        for r in repos.values():
            for uid, login, _ in r.get("stars", ()):
                ids.setdefault(login, uid)
        logins_in_activity = [
            login
            for r in repos.values()
            for login in (
                [i["user"] for i in r.get("issues", ())]
                + [i["closed_by"] for i in r.get("issues", ()) if i.get("closed_by")]
                + [c["user"] for c in r.get("issue_comments", ()) + r.get("review_comments", ())]
                + [c["author"] for c in r.get("commits", ()) if c.get("author")]
                + [review["user"] for i in r.get("issues", ()) for review in i.get("reviews", ())]
                + list(r.get("contributors", {}))
            )
        ] + list(data.get("bots", ()))
        for login in logins_in_activity:
            ids.setdefault(login, None)
        logins = list(ids)
        user_ids = [uid if uid is not None else GENERATED_USER_ID_BASE + k for k, uid in enumerate(ids.values())]
        self.users = UserDirectory(len(logins), logins, user_ids)
        index = {login: k for k, login in enumerate(logins)}

        owners = {name.split("/", 1)[0] for name in repos} | set(data.get("orgs", {}))
        self.orgs = dict(data.get("org_ids", {}))  # the generated world's ids, so owners answer as before
        for org in sorted(owners - set(self.orgs)):
            self.orgs[org] = ORG_ID_BASE + len(self.orgs) * 11
        self._counts: dict[int, tuple[int, int]] = {}
        self.repos = []
        for k, (full, r) in enumerate(repos.items()):
            owner, name = full.split("/", 1)
            # shown stars and the hidden accounts' stars, merged in time order
            merged = sorted(
                [(parse_iso(at), False, index[login]) for _, login, at in r.get("stars", [])]
                + [(parse_iso(at), True, 0) for at in r.get("hidden_stars", [])],
                key=lambda star: star[0],
            )
            repo = Repo(
                index=k,
                owner=owner,
                name=name,
                created=parse_iso(r["created_at"]),
                stars_at_start=len(merged),
                description=f"{name} (fakehub snapshot)",
                language=r.get("language"),
                license=("other", "Other", "NOASSERTION"),
                topics=tuple(r.get("topics", ())),
                fork_ratio=0.0,
                former_name=r.get("former_name"),
                archived=bool(r.get("archived")),
                database_id=r["id"],
                star_users=[user for _, _, user in merged],
            )
            repo.__dict__["star_times"] = np.array([at for at, _, _ in merged], dtype=np.int64)
            repo.__dict__["star_hidden"] = np.array([hidden for _, hidden, _ in merged], dtype=bool)
            repo.__dict__["_activity"] = self._activity(r, index)
            self._counts[repo.id] = (r.get("forks_count", 0), r.get("subscribers_count", 0))
            self.repos.append(repo)
        self._by_lower = {r.full_name.lower(): r for r in self.repos}
        self._by_id = {r.id: r for r in self.repos}

    @staticmethod
    def _activity(r: dict, index: dict[str, int]) -> Activity:
        comment_times: dict[int, list[int]] = {}
        comments = []
        for c in r.get("issue_comments", ()):
            at = parse_iso(c["created_at"])
            comments.append((c["id"], c["issue_number"], index[c["user"]], at))
            comment_times.setdefault(c["issue_number"], []).append(at)
        issues = []
        for i in r.get("issues", ()):
            closed = parse_iso(i["closed_at"]) if i.get("closed_at") else None
            issues.append(
                Issue(
                    i["number"],
                    i["id"],
                    index[i["user"]],
                    parse_iso(i["created_at"]),
                    closed,
                    bool(i.get("is_pull_request")),
                    bool(i.get("merged")),
                    i.get("title", f"#{i['number']}"),
                    sorted(comment_times.get(i["number"], [])),
                    index[i["closed_by"]] if i.get("closed_by") in index else None,
                    _pull_details(i, index),
                )
            )
        reviews = [
            (c["id"], c["pull_number"], index[c["user"]], parse_iso(c["created_at"]))
            for c in r.get("review_comments", ())
        ]
        # anonymous commits: hand the anonymous contributors' names out by their counts
        anonymous = [name for name, n in r.get("anonymous_contributors", {}).items() for _ in range(n)]
        commits, landed = [], []
        for c in sorted(r.get("commits", ()), key=lambda c: c["date"]):
            author = c.get("author")
            name = author if author else (anonymous.pop(0) if anonymous else "anonymous")
            commits.append((c["sha"], index[author] if author else None, parse_iso(c["date"]), name))
            landed.append(parse_iso(c.get("landed_at") or c["date"]))
        issues.sort(key=lambda i: i.number)
        comments.sort(key=lambda c: (c[3], c[1]))
        reviews.sort(key=lambda c: (c[3], c[1]))
        return Activity(issues, comments, reviews, commits, landed)

    def forks(self, repo: Repo) -> int:
        return self._counts[repo.id][0]

    def subscribers(self, repo: Repo) -> int:
        return self._counts[repo.id][1]


class SnapshotForest(ModelForest):
    """The Hub side of a snapshot: its models and lineage, with static statistics."""

    def __init__(self, models: dict):
        rows = sorted(models.values(), key=lambda m: (parse_iso(m["created_at"]), m["id"]))
        N = self.n_total = len(rows)
        self.seed = 0
        self.n_curated = 0
        self._ids = [m["id"] for m in rows]
        self._index = {mid: k for k, mid in enumerate(self._ids)}
        self.created = np.array([parse_iso(m["created_at"]) for m in rows], dtype=np.int64)
        self.gen_created = self.created
        self.authors = sorted({m.get("author") or m["id"].split("/", 1)[0] for m in rows})
        self.author_codes = {a: k for k, a in enumerate(self.authors)}
        self.author = np.array(
            [self.author_codes[m.get("author") or m["id"].split("/", 1)[0]] for m in rows], dtype=np.int32
        )
        self.rel = np.array(
            [RELATIONS.index(m["relation"]) + 1 if m.get("relation") else 0 for m in rows], dtype=np.int8
        )
        parents = [[self._index[p] for p in m.get("parents", ()) if p in self._index] for m in rows]
        self.parent = np.array([ps[0] if ps else -1 for ps in parents], dtype=np.int64)
        self.rel[self.parent < 0] = 0
        # grouped by child, each model's parents in the order the snapshot lists them
        extra = sorted(((child, p) for child, ps in enumerate(parents) for p in ps[1:]), key=lambda edge: edge[0])
        self.extra_child = np.array([c for c, _ in extra], dtype=np.int64)
        self.extra_parent = np.array([p for _, p in extra], dtype=np.int64)
        self._index_edges()
        self._static = {
            key: np.array([m.get(key, 0) for m in rows], dtype=np.int64)
            for key in ("downloads", "downloadsAllTime", "likes")
        }
        # a small trending score keeps its decimal (0.2), as the Hub sends it: see ModelForest.stats
        self._static["trendingScore"] = np.array([m.get("trendingScore", 0) for m in rows], dtype=np.float64)
        self._gated = [m.get("gated", False) for m in rows]
        self._library = [m.get("library_name") or "transformers" for m in rows]
        self._pipeline = [m.get("pipeline_tag") or "text-generation" for m in rows]
        self.modify_days = np.zeros(N, dtype=np.int64)
        self.gated_generated = np.array([bool(g) for g in self._gated], dtype=bool)
        self._count_cache = None

    def model_id(self, i: int) -> str:
        return self._ids[i]

    def index_of(self, model_id: str) -> int | None:
        return self._index.get(model_id)

    def stats(self, idx: np.ndarray, now: int) -> dict[str, np.ndarray]:
        out = {key: values[idx] for key, values in self._static.items()}
        out["age"] = np.maximum((now - self.created[idx]) // 86_400, 0)
        return out

    def gated(self, i: int) -> str | bool:
        return self._gated[i]

    def library(self, i: int) -> str:
        return self._library[i]

    def pipeline_tag(self, i: int) -> str:
        return self._pipeline[i]

    def params(self, i: int) -> int | None:
        return None


def _pull_details(issue: dict, index: dict[str, int]) -> PullDetails | None:
    """A pull request's size and reviews from its truth entry; None for an issue or a
    truth written before they were part of it."""
    if not issue.get("is_pull_request") or "additions" not in issue:
        return None
    reviews = tuple(
        (r["id"], index[r["user"]], r["state"], parse_iso(r["submitted_at"])) for r in issue.get("reviews", ())
    )
    return PullDetails(issue["additions"], issue["deletions"], issue["changed_files"], issue["commits_count"], reviews)
