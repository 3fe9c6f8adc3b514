"""Pure functions from GitHub API items to ecometrics rows: no HTTP, no store.

Each takes the items of one page (REST JSON or GraphQL nodes) and returns rows for the
store's tables, so the mapping can be read and tested on its own. Events follow GH
Archive's types (https://www.gharchive.org/, GitHub's event types reference); ids built
from REST items are stable, so reruns upsert instead of duplicating:

========================  ========  ==================================================
type                      action    id
========================  ========  ==================================================
IssuesEvent               opened    ``rest:IssuesEvent:opened:{repo_id}:{number}``
IssuesEvent               closed    ``rest:IssuesEvent:closed:{repo_id}:{number}``
PullRequestEvent          opened    ``rest:PullRequestEvent:opened:{repo_id}:{number}``
PullRequestEvent          closed    ``rest:PullRequestEvent:closed:{repo_id}:{number}`` (``merged``)
IssueCommentEvent         created   ``rest:IssueCommentEvent:created:{repo_id}:{comment_id}``
PullRequestReviewComm...  created   ``rest:PullRequestReviewCommentEvent:created:{repo_id}:{comment_id}``
PushEvent                 (none)    ``rest:PushEvent:{repo_id}:{sha}``, ``push_id`` = the commit sha
========================  ========  ==================================================

The issue listing gives ``closed_at`` but not who closed (``closed_by`` is only on a
single issue), so a closing's actor comes from the repository's issue events
(https://docs.github.com/rest/issues/events): their ``closed`` events carry the same
event ids with ``actor``; a closing the issue listing writes again keeps the stored actor.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from ecometrics.collector.api_records import (
    ACTIVITY_RECORDS,
    ISSUE_DETAIL_RECORDS,
    GraphqlStar,
    Profile,
    RestStar,
    checked,
)
from ecometrics.core.bots import is_bot_login
from ecometrics.core.dates import utc_now

# /stats/contributors reports 0 additions and deletions from this many commits on
# (https://docs.github.com/rest/metrics/statistics#get-all-contributor-commit-activity)
STATS_LINES_COMMIT_LIMIT = 10_000


def developer_row(user: dict, bots: Collection[str]) -> dict[str, Any]:
    row = {
        "id": user["id"],
        "login": user["login"],
        "type": user.get("type"),
        "is_bot": is_bot_login(user["login"], bots, user.get("type")),
        "updated_at": utc_now(),
    }
    if user.get("node_id"):  # the id nodes(ids:) asks by; a source without it keeps the stored one
        row["node_id"] = user["node_id"]
    return row


def repo_row_graphql(node: dict, status: str) -> dict[str, Any]:
    topics = [t["topic"]["name"] for t in ((node.get("repositoryTopics") or {}).get("nodes") or []) if t]
    return {
        "id": node["databaseId"],
        "full_name": node["nameWithOwner"],
        "owner": node["owner"]["login"],
        "owner_node_id": node["owner"].get("id"),
        "name": node["name"],
        "description": node.get("description"),
        "created_at": node.get("createdAt"),
        "pushed_at": node.get("pushedAt"),
        "language": (node.get("primaryLanguage") or {}).get("name"),
        "license": (node.get("licenseInfo") or {}).get("spdxId"),
        "topics": topics,
        "archived": node.get("isArchived"),
        "fork": node.get("isFork"),
        "status": status,
        "updated_at": utc_now(),
    }


def repo_row_rest(item: dict, status: str = "ok") -> dict[str, Any]:
    return {
        "id": item["id"],
        "full_name": item["full_name"],
        "owner": item["owner"]["login"],
        "owner_node_id": item["owner"].get("node_id"),
        "name": item["name"],
        "description": item.get("description"),
        "created_at": item.get("created_at"),
        "pushed_at": item.get("pushed_at"),
        "language": item.get("language"),
        "license": (item.get("license") or {}).get("spdx_id"),
        "topics": item.get("topics") or [],
        "archived": item.get("archived"),
        "fork": item.get("fork"),
        "status": status,
        "updated_at": utc_now(),
    }


def snapshot_row_graphql(node: dict, date: str) -> dict[str, Any]:
    return {
        "repo_id": node["databaseId"],
        "date": date,
        "stars": node["stargazerCount"],
        "forks": node["forkCount"],
        "watchers": _total(node.get("watchers")),
        "open_issues": _total(node.get("issues")),
        "open_pull_requests": _total(node.get("pullRequests")),
    }


def snapshot_row_rest(item: dict, date: str) -> dict[str, Any]:
    """REST counts open issues and pull requests together, so both stay null."""
    return {
        "repo_id": item["id"],
        "date": date,
        "stars": item.get("stargazers_count"),
        "forks": item.get("forks_count"),
        "watchers": item.get("subscribers_count"),
    }


def newest_star(node: dict) -> tuple[int, str] | None:
    """(user id, starred_at) of the newest star the metadata document asked for; None when hidden."""
    edges = [e for e in (node.get("newestStar") or {}).get("edges") or () if e and e.get("node")]
    return (edges[0]["node"]["databaseId"], edges[0]["starredAt"]) if edges else None


def newest_updates(node: dict) -> dict[str, str | None]:
    """The newest update of the repository's pull requests and of its issues, as the metadata
    document asked (``newestPullRequest``, ``newestIssue``): None where there are none."""
    newest: dict[str, str | None] = {}
    for resource, alias in (("pull_requests", "newestPullRequest"), ("issues", "newestIssue")):
        nodes = [n for n in (node.get(alias) or {}).get("nodes") or () if n]
        newest[resource] = nodes[0]["updatedAt"] if nodes else None
    return newest


@dataclass
class StarPage:
    stargazers: list[dict[str, Any]] = field(default_factory=list)
    developers: list[dict[str, Any]] = field(default_factory=list)
    hidden: int = 0  # null items: accounts GitHub no longer shows
    invalid: list[str] = field(default_factory=list)  # why each item not meeting its schema was skipped


def star_page_graphql(repo_id: int, edges: Iterable[dict | None], bots: Collection[str]) -> StarPage:
    page = StarPage()
    for edge in checked(edges, GraphqlStar, page.invalid, nulls=True):
        if not edge or not edge.get("node"):
            page.hidden += 1
            continue
        user = edge["node"]
        page.stargazers.append(_star(repo_id, user["databaseId"], user["login"], edge["starredAt"]))
        account = {"id": user["databaseId"], "login": user["login"], "node_id": user.get("id")}
        page.developers.append(developer_row(account, bots))
    return page


def star_page_rest(repo_id: int, items: Iterable[dict], bots: Collection[str]) -> StarPage:
    page = StarPage()
    for item in checked(items, RestStar, page.invalid):
        user = item.get("user") if item else None
        if not user:
            page.hidden += 1
            continue
        page.stargazers.append(_star(repo_id, user["id"], user["login"], item["starred_at"]))
        page.developers.append(developer_row(user, bots))
    return page


def _star(repo_id: int, user_id: int, login: str, starred_at: str) -> dict[str, Any]:
    return {"repo_id": repo_id, "user_id": user_id, "login": login, "starred_at": starred_at, "removed_at": None}


def contributor_rows(repo_id: int, date: str, items: Iterable[dict], bots: Collection[str]):
    """``/contributors?anon=1`` -> (contributor rows, developer rows, the day's snapshot counts).

    Only the first 500 author emails of a repository are linked to users; the others come
    as anonymous entries (https://docs.github.com/rest/repos/repos#list-repository-contributors),
    so both are counted and the snapshot says how many of each."""
    rows, developers = [], []
    for item in items:
        if item.get("type") == "Anonymous" or item.get("id") is None:
            contributor, developer_id, login = f"anon:{item.get('email') or item.get('name')}", None, None
        else:
            contributor, developer_id, login = str(item["id"]), item["id"], item["login"]
            developers.append(developer_row(item, bots))
        rows.append(
            {
                "repo_id": repo_id,
                "date": date,
                "contributor": contributor,
                "developer_id": developer_id,
                "login": login,
                "contributions": item.get("contributions", 0),
            }
        )
    linked = sum(1 for r in rows if r["developer_id"] is not None)
    counts = {"repo_id": repo_id, "date": date, "contributors": linked, "anonymous_contributors": len(rows) - linked}
    return rows, developers, counts


def contributor_week_rows(repo_id: int, entries: Iterable[dict], bots: Collection[str]):
    """``/stats/contributors`` -> (week rows, developer rows). Weeks without commits or
    lines are left out; for a history of 10,000+ commits GitHub reports 0 lines, which
    is stored as unknown (NULL), not as zero: so are line counts that are all 0 while
    commits are not (the same zeroing, whatever the threshold)."""
    entries = [e for e in entries if isinstance(e, dict)]
    weeks_in = [w for e in entries for w in e.get("weeks", [])]
    # GitHub zeroes every line count of a big history; all zeros under commits is that, not a fact
    lines_known = sum(e.get("total", 0) for e in entries) < STATS_LINES_COMMIT_LIMIT and (
        any(w.get("a") or w.get("d") for w in weeks_in) or not any(w.get("c") for w in weeks_in)
    )
    weeks, developers = [], []
    for entry in entries:
        author = entry.get("author")
        if not author:
            continue
        developers.append(developer_row(author, bots))
        for week in entry.get("weeks", []):
            if week.get("c") or week.get("a") or week.get("d"):
                weeks.append(
                    {
                        "repo_id": repo_id,
                        "developer_id": author["id"],
                        "week": time.strftime("%Y-%m-%d", time.gmtime(int(week["w"]))),
                        "commits": week.get("c", 0),
                        "additions": week.get("a") if lines_known else None,
                        "deletions": week.get("d") if lines_known else None,
                    }
                )
    return weeks, developers


@dataclass
class EventPage:
    events: list[dict[str, Any]] = field(default_factory=list)
    developers: list[dict[str, Any]] = field(default_factory=list)
    stamps: list[str] = field(default_factory=list)  # each item's update (or creation) time
    invalid: list[str] = field(default_factory=list)  # why each item not meeting its schema was skipped


def activity_events(
    repo_id: int, repo_name: str, resource: str, items: Iterable[dict], bots: Collection[str]
) -> EventPage:
    """One page of an activity listing (``issues``, ``issue_comments``, ``review_comments``,
    ``issue_events``, ``commits``) as GH Archive events, their actors and update stamps; an item
    not meeting its record's schema (:data:`ecometrics.collector.api_records.ACTIVITY_RECORDS`) is skipped."""
    page = EventPage()
    items = checked(items, ACTIVITY_RECORDS[resource], page.invalid)

    def event(kind: str, action: str | None, ident: Any, actor: dict | None, created_at: str, **extra: Any) -> dict:
        if actor:
            page.developers.append(developer_row(actor, bots))
        row = {
            "id": f"rest:{kind}:{action}:{repo_id}:{ident}" if action else f"rest:{kind}:{repo_id}:{ident}",
            "type": kind,
            "action": action,
            "actor_id": actor.get("id") if actor else None,
            "actor_login": actor.get("login") if actor else None,
            "repo_id": repo_id,
            "repo_name": repo_name,
            "created_at": created_at,
            "issue_number": extra.get("issue_number"),
            "comment_id": extra.get("comment_id"),
            "push_id": extra.get("push_id"),
            "merged": extra.get("merged"),
            "is_bot": is_bot_login(actor.get("login"), bots, actor.get("type")) if actor else False,
            "source": "rest",
        }
        # The issue's title and author where the item carries them; absent, a stored one stays.
        author = extra.get("author") or {}
        about = {"title": extra.get("title"), "author_id": author.get("id"), "author_login": author.get("login")}
        row.update({key: value for key, value in about.items() if value is not None})
        page.events.append(row)
        return row

    def closed(issue: dict, actor: dict | None, closed_at: str) -> dict:
        # An /issues item, or the issue an /issues/events item carries: the same fields either way.
        pull = issue.get("pull_request")
        kind = "PullRequestEvent" if pull is not None else "IssuesEvent"
        merged = bool(pull.get("merged_at")) if pull is not None else None
        number = issue["number"]
        about = {"title": issue.get("title"), "author": issue.get("user")}
        return event(kind, "closed", number, actor, closed_at, issue_number=number, merged=merged, **about)

    for item in items:
        if resource == "issues":
            page.stamps.append(item["updated_at"])
            pull = item.get("pull_request")
            kind = "PullRequestEvent" if pull is not None else "IssuesEvent"
            number = item["number"]
            about = {"title": item.get("title"), "author": item.get("user")}
            event(kind, "opened", number, item.get("user"), item["created_at"], issue_number=number, **about)
            if item.get("closed_at"):
                row = closed(item, item.get("closed_by"), item["closed_at"])
                if not item.get("closed_by"):  # the closer comes from /issues/events: keep a stored one
                    for column in ("actor_id", "actor_login", "is_bot"):
                        del row[column]
        elif resource in ("issue_comments", "review_comments"):
            page.stamps.append(item["updated_at"])
            kind = "IssueCommentEvent" if resource == "issue_comments" else "PullRequestReviewCommentEvent"
            parent = item.get("issue_url") or item.get("pull_request_url") or ""
            number = int(parent.rstrip("/").rsplit("/", 1)[-1]) if parent else None
            event(
                kind,
                "created",
                item["id"],
                item.get("user"),
                item["created_at"],
                issue_number=number,
                comment_id=item["id"],
            )
        elif resource == "issue_events":
            page.stamps.append(item["created_at"])
            issue = item.get("issue")
            if item.get("event") != "closed" or not issue:
                continue
            row = closed(issue, item.get("actor"), item["created_at"])
            pull = issue.get("pull_request")
            if pull is not None and "merged_at" not in pull:  # unknown here: keep what /issues stored
                del row["merged"]
        elif resource == "commits":
            commit = item.get("commit") or {}
            committed = (commit.get("committer") or {}).get("date") or (commit.get("author") or {}).get("date")
            if not committed:  # GitHub dates every commit; an undated one makes no event (created_at is NOT NULL)
                continue
            page.stamps.append(committed)
            author = item.get("author") or {}
            actor = author if author.get("id") is not None and author.get("login") is not None else None
            event("PushEvent", None, item["sha"], actor, committed, push_id=item["sha"])
    page.stamps = [s for s in page.stamps if s]
    return page


def item_stamps(resource: str, items: Iterable[dict]) -> list[str]:
    """Each item's update time (creation for issue events, commit date for commits): what walks resume by."""
    if resource == "issue_events":
        stamps = [item.get("created_at") for item in items]
    elif resource == "commits":
        stamps = []
        for item in items:
            commit = item.get("commit") or {}
            stamps.append((commit.get("committer") or {}).get("date") or (commit.get("author") or {}).get("date"))
    else:
        stamps = [item.get("updated_at") for item in items]
    return [s for s in stamps if s]


def _total(connection: dict | None) -> int | None:
    return connection.get("totalCount") if connection else None


def graphql_actor(author: dict | None) -> dict | None:
    """A GraphQL ``Actor`` as the REST user it is: GraphQL spells a bot's login without
    REST's ``[bot]`` suffix (``dependabot`` for ``dependabot[bot]``), so the suffix is put
    back and the same account keeps one login. None for a deleted account (``author: null``)
    or one whose id the document could not see."""
    if not author or author.get("databaseId") is None:
        return None
    bot = author.get("__typename") == "Bot"
    login = author["login"] + ("[bot]" if bot and not author["login"].endswith("[bot]") else "")
    return {"id": author["databaseId"], "login": login, "type": "Bot" if bot else "User", "node_id": author.get("id")}


def issue_detail_events(
    repo_id: int, repo_name: str, resource: str, nodes: Iterable[dict | None], bots: Collection[str]
) -> EventPage:
    """One page of GraphQL ``pullRequests`` or ``issues`` nodes (``resource`` ``pull_requests``
    or ``issues``) as the opened and closed events the REST listings write, under the same
    ids, now with OpenDigger's payload fields, and each submitted review of a pull request
    as a ``PullRequestReviewEvent`` (``created``, as GH Archive's).

    Only what the node says of the event's moment is filled: the opened event gets the
    creation time; the closed one the creation, closing and merge times and a pull
    request's lines, files and commits (fixed once it is closed). What the item was like
    when it was opened, and comment counts at a closing, are not what GitHub shows now:
    they stay NULL. A closing's actor is not in the node; the stored one is kept. A node not
    meeting its schema (:data:`ecometrics.collector.api_records.ISSUE_DETAIL_RECORDS`) is skipped, its
    reason in ``page.invalid``."""
    page = EventPage()
    kind = "PullRequestEvent" if resource == "pull_requests" else "IssuesEvent"
    for node in checked(nodes, ISSUE_DETAIL_RECORDS[resource], page.invalid, nulls=True):
        if not node:
            continue
        page.stamps.append(node["updatedAt"])
        number, created = node["number"], node["createdAt"]
        author = graphql_actor(node.get("author"))
        about = {"repo_id": repo_id, "repo_name": repo_name, "issue_number": number, "title": node.get("title")}
        if author:
            about.update({"author_id": author["id"], "author_login": author["login"]})
            page.developers.append(developer_row(author, bots))
        opened = {
            "id": f"rest:{kind}:opened:{repo_id}:{number}",
            "type": kind,
            "action": "opened",
            "actor_id": author["id"] if author else None,
            "actor_login": author["login"] if author else None,
            "is_bot": is_bot_login(author["login"], bots, author["type"]) if author else False,
            "created_at": created,
            "source": "rest",
            "issue_created_at": created,
            **about,
        }
        page.events.append(opened)
        if node.get("closedAt"):
            closed = {
                "id": f"rest:{kind}:closed:{repo_id}:{number}",
                "type": kind,
                "action": "closed",
                "created_at": node["closedAt"],
                "source": "rest",
                "issue_created_at": created,
                "issue_closed_at": node["closedAt"],
                **about,
            }
            if kind == "PullRequestEvent":
                closed.update(
                    {
                        "merged": bool(node.get("merged")),
                        "pull_merged_at": node.get("mergedAt"),
                        "pull_additions": node.get("additions"),
                        "pull_deletions": node.get("deletions"),
                        "pull_changed_files": node.get("changedFiles"),
                        "pull_commits": (node.get("commits") or {}).get("totalCount"),
                    }
                )
            page.events.append(closed)
        for review in (node.get("reviews") or {}).get("nodes") or ():
            if not review or review.get("fullDatabaseId") is None or not review.get("submittedAt"):
                continue  # a pending review is its author's alone: not an event yet
            review_id = int(review["fullDatabaseId"])  # a BigInt, sent as a string
            reviewer = graphql_actor(review.get("author"))
            if reviewer:
                page.developers.append(developer_row(reviewer, bots))
            page.events.append(
                {
                    "id": f"rest:PullRequestReviewEvent:created:{repo_id}:{review_id}",
                    "type": "PullRequestReviewEvent",
                    "action": "created",
                    "actor_id": reviewer["id"] if reviewer else None,
                    "actor_login": reviewer["login"] if reviewer else None,
                    "is_bot": is_bot_login(reviewer["login"], bots, reviewer["type"]) if reviewer else False,
                    "created_at": review["submittedAt"],
                    "source": "rest",
                    "issue_created_at": created,
                    "pull_review_id": review_id,
                    "pull_review_state": (review.get("state") or "").lower() or None,
                    **about,
                }
            )
    return page


PROFILE_TEXT_LIMIT = 255  # characters kept of a profile field (GitHub's profile form takes fewer)


def unresolved_nodes(errors: Iterable[dict]) -> dict[int, str | None]:
    """The items of a ``nodes(ids:)`` answer that an error names (its ``path`` is ``["nodes",
    index]``): index -> the error's ``type``. ``NOT_FOUND`` is GitHub's word that the id
    resolves to nothing ("Could not resolve to a node with the global id of '...'",
    actions/add-to-project issue 168); any other (a type-less partial timeout) says only that
    the item was not read."""
    named: dict[int, str | None] = {}
    for error in errors:
        path: list[Any] = error.get("path") or []
        if len(path) == 2 and path[0] == "nodes" and isinstance(path[1], int):
            named[path[1]] = error.get("type")
    return named


def profile_rows(
    ids: Iterable[str], nodes: Iterable[dict | None], day: str, invalid: list[str]
) -> list[dict[str, Any]]:
    """The ``profiles`` rows of one ``nodes(ids:)`` answer (``ids`` in the order asked); a node
    not meeting :class:`ecometrics.collector.api_records.Profile` is skipped, its reason in ``invalid``."""
    rows = []
    for node_id, node in zip(ids, nodes, strict=True):
        if node is not None and not checked([node], Profile, invalid):
            continue
        rows.append(profile_row(node_id, node, day))
    return rows


def profile_row(node_id: str, node: dict | None, day: str) -> dict[str, Any]:
    """One ``nodes(ids:)`` item -> a ``profiles`` row; a null item (NOT_FOUND) is a gone account."""
    if node is None:
        return {"node_id": node_id, "account_id": None, "login": None, "type": None, "location": None,
                "company": None, "status": "not_found", "fetched_at": day}  # fmt: skip

    def text(value: Any) -> str | None:
        return value.strip()[:PROFILE_TEXT_LIMIT] or None if isinstance(value, str) else None

    return {
        "node_id": node_id,
        "account_id": node.get("databaseId"),
        "login": node.get("login"),
        "type": node.get("__typename"),
        "location": text(node.get("location")),
        "company": text(node.get("company")),
        "status": "ok",
        "fetched_at": day,
    }
