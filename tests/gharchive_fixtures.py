"""Synthetic GH Archive hours: events in the GitHub Events API shape, written as gzip JSON lines.

The shape follows the Events API (see Repository.testGetEvents in the PyGithub
samples): ``id, type, actor, repo, payload, public, created_at, org`` in GH Archive's
key order, with payloads carrying the nested issue, comment and pull request objects
(the pull request's ``head``/``base`` hold repo objects of their own). Used by the
tests and by bench/bench_gharchive.py; nothing here is read from outside the project.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

API = "https://api.github.com"


def user(actor_id: int, login: str) -> dict:
    return {
        "id": actor_id,
        "login": login,
        "display_login": login,
        "gravatar_id": "",
        "url": f"{API}/users/{login}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{actor_id}?",
    }


def repo_object(repo_id: int, name: str) -> dict:
    return {"id": repo_id, "name": name, "url": f"{API}/repos/{name}"}


def _issue(repo: str, number: int, author: dict) -> dict:
    return {
        "url": f"{API}/repos/{repo}/issues/{number}",
        "id": 1_000_000 + number,
        "number": number,
        "title": f"Issue {number}: something does not work",
        "user": {"login": author["login"], "id": author["id"], "type": "User"},
        "labels": [],
        "state": "open",
        "comments": 1,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "body": "Steps to reproduce: run it. Expected: it works. Actual: it does not.",
    }


def _pull_request(repo_id: int, repo: str, number: int, author: dict, merged: bool | None) -> dict:
    fork = {"id": repo_id + 7, "name": "fork-of-" + repo.split("/")[1], "full_name": "someone/" + repo.split("/")[1]}
    return {
        "url": f"{API}/repos/{repo}/pulls/{number}",
        "id": 2_000_000 + number,
        "number": number,
        "state": "closed" if merged is not None else "open",
        "title": f"Fix {number}",
        "user": {"login": author["login"], "id": author["id"], "type": "User"},
        "body": "This fixes the issue.",
        "head": {"label": "someone:fix", "ref": "fix", "sha": "a" * 40, "repo": fork},
        "base": {"label": "main", "ref": "main", "sha": "b" * 40, "repo": {"id": repo_id, "name": repo.split("/")[1]}},
        "merged": bool(merged),
        "commits": 1,
        "additions": 10,
        "deletions": 2,
        "changed_files": 1,
    }


def event(
    event_id: int,
    kind: str,
    *,
    actor: tuple[int, str],
    repo: tuple[int, str],
    created_at: str,
    action: str | None = None,
    number: int | None = None,
    comment_id: int | None = None,
    push_id: int | None = None,
    merged: bool | None = None,
    item: dict | None = None,
    review: dict | None = None,
) -> dict:
    """One event in GH Archive's layout; ``item`` overrides fields of its issue or pull request,
    ``review`` is a PullRequestReviewEvent's review."""
    who = user(*actor)
    repo_id, name = repo
    payload: dict = {}
    if kind == "IssuesEvent":
        payload = {"action": action, "issue": _issue(name, number, who)}
    elif kind == "IssueCommentEvent":
        payload = {
            "action": action or "created",
            "issue": _issue(name, number, who),
            "comment": {"id": comment_id, "user": who, "body": "Thanks, confirmed.", "created_at": created_at},
        }
    elif kind == "PullRequestEvent":
        payload = {
            "action": action,
            "number": number,
            "pull_request": _pull_request(repo_id, name, number, who, merged),
        }
    elif kind == "PullRequestReviewCommentEvent":
        payload = {
            "action": action or "created",
            "comment": {"id": comment_id, "user": who, "body": "nit: rename this", "path": "src/x.py"},
            "pull_request": _pull_request(repo_id, name, number, who, None),
        }
    elif kind == "PushEvent":
        payload = {
            "repository_id": repo_id,
            "push_id": push_id,
            "size": 1,
            "distinct_size": 1,
            "ref": "refs/heads/main",
            "head": "c" * 40,
            "before": "d" * 40,
            "commits": [{"sha": "c" * 40, "author": {"name": who["login"]}, "message": "Update", "distinct": True}],
        }
    elif kind == "PullRequestReviewEvent":
        payload = {
            "action": action or "created",
            "review": {"id": 3_000_000 + number, "user": who, "state": "commented", **(review or {})},
            "pull_request": _pull_request(repo_id, name, number, who, None),
        }
    elif kind == "WatchEvent":
        payload = {"action": "started"}
    elif kind == "CreateEvent":
        payload = {"ref": "v1.0", "ref_type": "tag", "master_branch": "main", "pusher_type": "user"}
    else:
        payload = {"action": action} if action else {}
    if item:
        for key in ("issue", "pull_request"):
            if key in payload:
                payload[key].update(item)
    org_login = name.split("/")[0]
    return {
        "id": str(event_id),
        "type": kind,
        "actor": who,
        "repo": repo_object(repo_id, name),
        "payload": payload,
        "public": True,
        "created_at": created_at,
        "org": {"id": repo_id * 10, "login": org_login, "url": f"{API}/orgs/{org_login}"},
    }


def api_order(item: dict) -> dict:
    """The Events API's own key order (payload before repo), as in the PyGithub sample."""
    return {k: item[k] for k in ("type", "payload", "public", "repo", "created_at", "id", "actor") if k in item}


def write_hour(path: Path, events: Iterable[dict | bytes], *, compresslevel: int = 6) -> Path:
    """Write events (dicts, or raw lines as bytes) as a gzip JSON-lines file."""
    with gzip.open(path, "wb", compresslevel=compresslevel) as out:
        for item in events:
            line = item if isinstance(item, bytes) else json.dumps(item, separators=(",", ":")).encode()
            out.write(line + b"\n")
    return path


# Roughly the type mix of a GH Archive hour.
MIX = (
    ("PushEvent", 45),
    ("CreateEvent", 10),
    ("WatchEvent", 9),
    ("PullRequestEvent", 9),
    ("IssueCommentEvent", 8),
    ("IssuesEvent", 4),
    ("PullRequestReviewCommentEvent", 4),
    ("DeleteEvent", 3),
    ("ForkEvent", 3),
    ("PullRequestReviewEvent", 3),
    ("ReleaseEvent", 1),
    ("GollumEvent", 1),
)


def synthetic_hour(
    count: int, *, repos: int = 5_000, developers: int = 50_000, seed: int = 7, hour: str = "2024-01-15T10"
) -> Iterator[dict]:
    """``count`` events spread over ``repos`` repos and ``developers`` developers, in time order.

    Event ids are distinct per ``seed`` (as GH Archive's are per hour).
    """
    first_id = 40_000_000_000 + seed * 100_000_000
    rng = random.Random(seed)
    kinds = [kind for kind, _ in MIX]
    weights = [w for _, w in MIX]
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        repo_id = 10_000 + rng.randrange(repos)
        actor_id = 500_000 + rng.randrange(developers)
        second = n * 3600 // count
        yield event(
            first_id + n,
            kind,
            actor=(actor_id, f"dev{actor_id}"),
            repo=(repo_id, f"org{repo_id % 97}/repo{repo_id}"),
            created_at=f"{hour}:{second // 60:02d}:{second % 60:02d}Z",
            action={"IssuesEvent": "opened", "PullRequestEvent": "opened"}.get(kind),
            number=rng.randrange(1, 5_000),
            comment_id=rng.randrange(1, 10**9),
            push_id=rng.randrange(1, 10**10),
        )


def _changed(item: dict, changes: dict) -> dict:
    """``item`` with the values at dotted paths (``"repo.id"``) replaced."""
    for path, value in changes.items():
        target = item
        *parents, key = path.split(".")
        for parent in parents:
            target = target[parent]
        target[key] = value
    return item


def hostile_push(**changes) -> dict:
    """A good PushEvent (id 900) with the values at dotted paths replaced."""
    at = "2024-01-15T10:00:00Z"
    return _changed(
        event(900, "PushEvent", actor=(1, "alice"), repo=(11, "acme/engine"), created_at=at, push_id=5), changes
    )


def hostile_issue(**changes) -> dict:
    """A good IssuesEvent (id 901) with the values at dotted paths replaced."""
    at = "2024-01-15T10:00:00Z"
    item = event(
        901, "IssuesEvent", actor=(1, "alice"), repo=(11, "acme/engine"), created_at=at, action="opened", number=3
    )
    return _changed(item, changes)


# (what is wrong, line): lines a stranger's file can hold, each to be skipped and reported by file and line.
HOSTILE = [
    ("repo id a string", hostile_push(**{"repo.id": "abc"})),
    ("actor id 2^70", hostile_push(**{"actor.id": 2**70})),
    ("created_at a number", hostile_push(created_at=1705312800)),
    ("created_at not a calendar date", hostile_push(created_at="2024-13-45T10:00:00Z")),
    ("created_at February 30", hostile_push(created_at="2024-02-30T10:00:00Z")),
    ("created_at without a zone", hostile_push(created_at="2024-01-15T10:00:00")),
    ("login a list", hostile_push(**{"actor.login": ["a", "b"]})),
    ("action an object", hostile_issue(**{"payload.action": {"x": 1}})),
    ("repo id a float", hostile_push(**{"repo.id": 1.5})),
    ("actor id a bool", hostile_push(**{"actor.id": True})),
    ("repo id negative", hostile_push(**{"repo.id": -4})),
    ("push_id an object", hostile_push(**{"payload.push_id": {"a": 1}})),
    ("issue number a string", hostile_issue(**{"payload.issue.number": "three"})),
    ("event id an object", hostile_push(id={"n": 1})),
    ("actor a number", hostile_push(actor=5)),
    (
        "pull request merged a string",
        _changed(
            event(
                902,
                "PullRequestEvent",
                actor=(1, "alice"),
                repo=(11, "acme/engine"),
                created_at="2024-01-15T10:00:00Z",
                action="closed",
                number=4,
                merged=True,
            ),
            {"payload.pull_request.merged": "yes"},
        ),
    ),
    ("created_at with a final newline", hostile_push(created_at="2024-01-15T10:00:00Z\n")),
    ("an issue created on February 30", hostile_issue(**{"payload.issue.created_at": "2024-02-30T10:00:00Z"})),
    ("an issue closed on February 29 of 2023", hostile_issue(**{"payload.issue.closed_at": "2023-02-29T10:00:00Z"})),
    ("push_id digits past 2^63", hostile_push(**{"payload.push_id": "9223372036854775808"})),
    ("commits a string", hostile_push(**{"payload.commits": "many"})),
    ("a commit a string", hostile_push(**{"payload.commits": ["c0ffee"]})),
    ("a commit author a list", hostile_push(**{"payload.commits": [{"author": ["alice"]}]})),
    ("a commit e-mail a number", hostile_push(**{"payload.commits": [{"author": {"name": "a", "email": 5}}]})),
    ("a commit name too long", hostile_push(**{"payload.commits": [{"author": {"name": "a" * 5000}}]})),
    # An array where a record is declared: ClickHouse would read a Tuple from it by position.
    ("repo an array of its values", hostile_push(repo=[11, "acme/engine"])),
    ("repo [1]", hostile_push(repo=[1])),
    ("actor an array of its values", hostile_push(actor=[1, "alice"])),
    ("actor []", hostile_push(actor=[])),
    ("payload an array", hostile_push(payload=[5])),
    ("issue an array", hostile_issue(**{"payload.issue": [3, "a title"]})),
    ("issue author an array", hostile_issue(**{"payload.issue.user": [1, "alice"]})),
]
_GOOD_PUSH = json.dumps(hostile_push(), separators=(",", ":"))
RAW_HOSTILE = [  # lines a dict cannot express through json.dumps's defaults
    # Not UTF-8 (RFC 8259 section 8.1), in a field the importers do not read.
    ("a Latin-1 byte in an unread field", _GOOD_PUSH.replace('"public":true', '"public":"caf\xe9"').encode("latin-1")),
    # Nested deeper than either engine's parser goes (ClickHouse's simdjson stops at 1024 levels).
    (
        "2,000 arrays deep in an unread field",
        _GOOD_PUSH.replace('"public":true', f'"x":{"[" * 2000}{"]" * 2000}').encode(),
    ),
    (
        "1,100 arrays deep in the payload",
        _GOOD_PUSH.replace('"payload":{', f'"payload":{{"x":{"[" * 1100}{"]" * 1100},').encode(),
    ),
    (
        "repo id 1e+30",
        json.dumps(hostile_push(), separators=(",", ":")).replace('"repo":{"id":11', '"repo":{"id":1e+30').encode(),
    ),
]
