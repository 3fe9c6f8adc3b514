"""The GitHub collector: repositories, full star history, contributors and activity.

One pass (``collect_github``) over the configured ``[github]`` orgs and repos, as SPEC
section 5.1 describes, written so that it can run every night against the real API with
one token:

1. **Targets.** Each org's public, non-fork repositories from REST
   ``/orgs/{org}/repos`` (``/users/{name}/repos`` when the owner is a user), asked for
   conditionally: an unchanged listing answers 304 and the stored list is used. Stored
   repos that left a listing are looked up once more in step 2 (deleted or moved).
2. **Metadata** through GraphQL, :data:`REPO_BATCH` aliased ``repository(owner:, name:)``
   fields per document (one request per 50 repositories, not one REST call each), into
   ``repos`` and a ``repo_snapshots`` row for the API's current day (its ``Date``). A
   renamed repository is followed (GraphQL and REST ``301`` both lead to it) and kept
   under its database id with ``status = 'renamed'``; a name neither resolves (``404``)
   is recorded as ``not_found`` (or as a note when it was never seen) and skipped.
3. **Star history** through GraphQL ``stargazers(first: 100, after:, orderBy:
   {field: STARRED_AT, direction: ASC})``, which has no 40,000-star cap (REST stops at
   page 400). Each page is committed with its cursor, so a rerun continues after the
   last stored page and a nightly run fetches only new stars. The metadata document
   also asks for each repository's newest star; a repository whose newest star is
   already stored is not asked at all (a count comparison would be fooled when unstars
   offset new stars).
4. **Contributors** ``/contributors?anon=1&per_page=100`` as a daily snapshot (a 304
   copies the previous snapshot to today), and ``/stats/contributors`` weekly commits:
   ``202 Accepted`` means GitHub is still computing, so the repository is polled again
   after the others, a bounded number of times; a 202 is never stored as zeros, and
   weeks without commits, additions or deletions are not stored.
5. **Activity** from ``/issues?state=all``, ``/issues/comments`` and ``/pulls/comments``
   (sorted by update, oldest first; the first run starts at ``activity_since``),
   ``/commits`` and ``/issues/events`` (newest first), mapped to the GH Archive event
   model in ``events``. Each
   listing resumes where the last run stopped (see :meth:`GitHubCollector.collect_activity_resource`):
   the page it ended on is asked again conditionally, so a quiet repository costs 304s.

Without ``GITHUB_TOKEN`` (GraphQL needs one) metadata comes from REST ``/repos/{name}``
and star history from REST ``/stargazers`` (first 40,000 stars), at 60 requests an hour;
there a repository is skipped when its ``stargazers_count`` equals the stored count,
because REST has no cheap way to ask for the newest star: unstars that offset as many
new stars hide those stars until the count moves again.

Every page goes to the store with its checkpoint and its ``http_cache`` validator in one
transaction (:meth:`Store.save_page`), so a killed run loses at most the page in flight
and the rerun yields the same rows. All HTTP goes through :class:`GitHubClient`; when its
budget is spent for longer than ``max_rate_wait`` the pass ends as *partial* and the
next one resumes.

Events follow GH Archive's types (https://www.gharchive.org/, GitHub's event types
reference). REST-derived ids are stable so reruns upsert instead of duplicating:

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
(``GET /repos/{owner}/{repo}/issues/events``, https://docs.github.com/rest/issues/events):
its ``closed`` events upsert the same ``closed`` event ids with ``actor``, and a closing
the issue listing writes again later keeps the stored actor. When an issue was closed
more than once, the newest closing wins. Bots are flagged: logins ending in ``[bot]``,
user type ``Bot``, and the configured ``bots``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from collector.cancel import sleep as cancellable_sleep
from collector.github_client import (
    BudgetExhausted,
    GitHubClient,
    GitHubError,
    Response,
    canonical_url,
    next_page_url,
    raise_for_status,
)
from collector.results import CollectResult
from collector.store import Store, utc_now

log = logging.getLogger(__name__)

REPO_BATCH = 50  # aliased repositories per GraphQL document
PAGE_SIZE = 100  # the APIs' maximum page size
REST_STARGAZER_PAGES = 400  # REST /stargazers answers 422 past this page

REPO_FIELDS = """
    databaseId nameWithOwner name owner { login } description createdAt pushedAt
    primaryLanguage { name } licenseInfo { spdxId } isArchived isFork
    repositoryTopics(first: 20) { nodes { topic { name } } }
    stargazerCount forkCount watchers { totalCount }
    newestStar: stargazers(first: 1, orderBy: {field: STARRED_AT, direction: DESC}) {
      edges { starredAt node { databaseId } }
    }
    issues(states: OPEN) { totalCount } pullRequests(states: OPEN) { totalCount }
"""

STARGAZERS_QUERY = """
query Stargazers($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    stargazers(first: 100, after: $after, orderBy: {field: STARRED_AT, direction: ASC}) {
      pageInfo { endCursor hasNextPage }
      edges { starredAt node { databaseId login } }
    }
  }
}
"""

# resource -> (path under /repos/{full_name}/, fixed query parameters).
# Updated-ascending order lets each page checkpoint `since`; /commits and /issues/events
# have no sort option (newest first), so their checkpoint moves only when the whole
# listing is stored. /issues/events comes after /issues: it names who closed what.
ACTIVITY: dict[str, tuple[str, dict[str, str]]] = {
    "issues": ("issues", {"state": "all", "sort": "updated", "direction": "asc"}),
    "issue_comments": ("issues/comments", {"sort": "updated", "direction": "asc"}),
    "review_comments": ("pulls/comments", {"sort": "updated", "direction": "asc"}),
    "commits": ("commits", {}),
    "issue_events": ("issues/events", {}),
}
NO_SINCE = {"issue_events"}  # listings without a `since` parameter: the walk stops at it instead

STATS_POLLS = 4  # rounds of re-asking /stats/contributors that answered 202
STATS_WAIT = 15.0  # seconds between those rounds


@dataclass
class Repo:
    id: int
    full_name: str
    stars: int = 0
    newest_star: tuple[int, str] | None = None  # (user id, starred_at), from GraphQL metadata


@dataclass
class Listing:
    """A REST listing read conditionally: ``items`` is None when every page answered 304."""

    items: list[Any] | None
    cache_rows: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200  # the first non-200/304 status met (404, 409, ...)


def collect_github(
    store: Store,
    config: Any,
    *,
    progress: bool = True,
    client: GitHubClient | None = None,
    stats_polls: int = STATS_POLLS,
    stats_wait: float | None = None,
    result: CollectResult | None = None,
) -> CollectResult:
    """One incremental, resumable collection pass over ``config`` (a ``GithubConfig``).

    Returns rows written, requests by status, and ``partial`` with a one-line reason when
    the budget ran out or repositories could not be read. A ``result`` passed in is the
    one filled (its requests counted live), so a caller sees the counts of a pass that
    was stopped or failed.
    """
    client = client or GitHubClient(max_rate_wait=config.max_rate_wait, sleep=cancellable_sleep)
    if stats_wait is None:
        stats_wait = getattr(config, "stats_wait", STATS_WAIT)
    collector = GitHubCollector(store, config, client, stats_polls=stats_polls, stats_wait=stats_wait)
    if result is not None:
        collector.result = result
    collector.result.requests = client.requests_by_status
    try:
        collector.run(progress=progress)
    except GitHubError as exc:  # budget spent, or the API unavailable: the next run resumes
        collector.result.mark_partial(str(exc))
    finally:
        collector.result.requests = dict(client.requests_by_status)
        collector.save_budgets()
    result = collector.result
    log.info(
        "github: %s rows, %s requests (%s)%s",
        f"{result.rows_written:,}",
        f"{result.total_requests:,}",
        ", ".join(f"{k}: {v}" for k, v in sorted(result.requests.items())),
        f"; partial: {result.reason}" if result.partial else "",
    )
    return result


class GitHubCollector:
    """Turns GitHub pages into rows; :class:`GitHubClient` does the HTTP, the store writes."""

    def __init__(self, store: Store, config: Any, client: GitHubClient, *, stats_polls: int, stats_wait: float):
        self.store = store
        self.config = config
        self.client = client
        self.stats_polls = stats_polls
        self.stats_wait = stats_wait
        self.bots = {b.lower() for b in getattr(config, "bots", [])}
        self.result = CollectResult("github")
        self.pending_stats: list[Repo] = []
        self.last_accepted = 0.0  # time.monotonic() of the last 202

    # -- the pass ---------------------------------------------------------------------

    def run(self, *, progress: bool = True) -> None:
        names = self.targets()
        repos = self.fetch_metadata(names)
        gone: set[int] = set()
        if self.config.contributors:
            # asked first so that GitHub computes the 202s while the rest of the pass runs
            gone = {repo.id for repo in repos if self.attempt(repo, self.collect_contributor_stats) is False}
        repos = [repo for repo in repos if repo.id not in gone]
        with _progress_bar(progress and sys.stderr.isatty(), len(repos)) as advance:
            for index, repo in enumerate(repos, 1):
                before = self.result.rows_written
                self.collect_repo(repo)
                advance(repo.full_name)
                if not progress or not sys.stderr.isatty():
                    log.info(
                        "github: %d/%d %s: %d rows", index, len(repos), repo.full_name, self.result.rows_written - before
                    )
        self.poll_pending_stats()

    def collect_repo(self, repo: Repo) -> None:
        steps = []
        if self.config.star_history:
            steps.append(self.collect_stargazers)
        if self.config.contributors:
            steps.append(self.collect_contributors)
        if self.config.activity:
            steps.append(self.collect_activity)
        for step in steps:
            if self.attempt(repo, step) is False:  # the repository is gone; nothing more to ask
                return

    def attempt(self, repo: Repo, step: Any) -> bool | None:
        """Run one step for one repo; an API failure marks the pass partial and moves on."""
        try:
            return step(repo)
        except BudgetExhausted:
            raise
        except GitHubError as exc:
            self.result.mark_partial(f"{repo.full_name}: {exc}")
            log.warning("github: %s: %s", repo.full_name, exc)
            return None

    def save(self, rows_by_table: dict[str, list[dict[str, Any]]], checkpoint: tuple[str, str, str | None] | None = None) -> None:
        rows = {table: list(_dedupe(table, r)) for table, r in rows_by_table.items() if r}
        self.result.rows_written += self.store.save_page(rows, checkpoint=checkpoint)

    # -- 1. targets -------------------------------------------------------------------

    def targets(self) -> list[str]:
        """Full names to collect: each org's public non-fork repos, then the listed repos."""
        names: dict[str, str] = {}
        for org in self.config.orgs:
            try:
                listed = self.org_repos(org)
            except BudgetExhausted:
                raise
            except GitHubError as exc:  # this owner's repos wait for the next run; the others go on
                self.result.mark_partial(f"github owner {org}: {exc}")
                continue
            for name in listed:
                names.setdefault(name.lower(), name)
        for name in self.config.repos:
            names.setdefault(name.lower(), name)
        return list(names.values())

    def org_repos(self, owner: str) -> list[str]:
        listing = self.listing(f"/orgs/{owner}/repos", {"type": "public"})
        if listing.status == 404:
            listing = self.listing(f"/users/{owner}/repos", {"type": "owner"})
        if listing.status == 404:
            self.note(f"github owner {owner!r} not found; check [github] orgs")
            return []
        if listing.items is None:  # unchanged since the last run: the stored list holds
            rows = self.store.query(
                "SELECT full_name FROM repos WHERE owner = ? COLLATE NOCASE AND fork = 0 AND status != 'not_found' "
                "ORDER BY full_name",
                (owner,),
            )
            return [row["full_name"] for row in rows]
        public = [r for r in listing.items if not r.get("fork") and not r.get("private")]
        listed = {r["full_name"].lower() for r in public}
        # repos stored under this owner that left the listing: deleted, private or moved;
        # the metadata step finds out which and records it
        vanished = [
            row["full_name"]
            for row in self.store.query(
                "SELECT full_name FROM repos WHERE owner = ? COLLATE NOCASE AND fork = 0 AND status != 'not_found'",
                (owner,),
            )
            if row["full_name"].lower() not in listed
        ]
        self.save({"repos": [_repo_row_rest(r) for r in public], "http_cache": listing.cache_rows})
        return [r["full_name"] for r in public] + vanished

    # -- 2. metadata ------------------------------------------------------------------

    def fetch_metadata(self, names: Sequence[str]) -> list[Repo]:
        """Repository rows and today's snapshot for ``names``, 50 per GraphQL document."""
        repos: dict[int, Repo] = {}
        if not self.client.authenticated:  # GraphQL answers 401 without a token
            for name in names:
                self._metadata_rest(name, repos)
            return list(repos.values())
        missing: list[str] = []
        renamed: list[str] = []
        for batch in _chunks(list(names), REPO_BATCH):
            missing += self._metadata_batch(batch, repos)
        for name in missing:
            response = self.client.get(f"/repos/{name}")
            if response.status == 200 and isinstance(response.data, dict):
                current = response.data["full_name"]
                self.note(f"github repo {name} is now {current}; update [github] repos")
                renamed.append(current)
            else:
                self.mark_not_found(name)
        for batch in _chunks(renamed, REPO_BATCH):
            for name in self._metadata_batch(batch, repos, status="renamed"):
                self.mark_not_found(name)
        return list(repos.values())

    def _metadata_rest(self, name: str, repos: dict[int, Repo]) -> None:
        """One repository from REST ``/repos/{name}``: the unauthenticated fallback.

        REST counts open issues and pull requests together, so both stay null here.
        """
        response = self.client.get(f"/repos/{name}")
        if response.status != 200 or not isinstance(response.data, dict):
            self.mark_not_found(name)
            return
        item = response.data
        moved = item["full_name"].lower() != name.lower()
        if moved:
            self.note(f"github repo {name} is now {item['full_name']}; update [github] repos")
        snapshot = {
            "repo_id": item["id"],
            "date": self.client.today,
            "stars": item.get("stargazers_count"),
            "forks": item.get("forks_count"),
            "watchers": item.get("subscribers_count"),
        }
        self.save({"repos": [{**_repo_row_rest(item), "status": "renamed" if moved else "ok"}], "repo_snapshots": [snapshot]})
        repos.setdefault(item["id"], Repo(item["id"], item["full_name"], item.get("stargazers_count") or 0))

    def _metadata_batch(self, batch: Sequence[str], repos: dict[int, Repo], status: str = "ok") -> list[str]:
        query, variables = repository_batch_query(batch)
        data, _errors = self.client.graphql(query, variables)
        today = self.client.today
        repo_rows, snapshots, missing = [], [], []
        for index, name in enumerate(batch):
            node = data.get(f"r{index}")
            if not node:
                missing.append(name)
                continue
            moved = status == "renamed" or node["nameWithOwner"].lower() != name.lower()
            if moved and status != "renamed":
                self.note(f"github repo {name} is now {node['nameWithOwner']}; update [github] repos")
            repo_rows.append(_repo_row_graphql(node, "renamed" if moved else "ok"))
            snapshots.append(
                {
                    "repo_id": node["databaseId"],
                    "date": today,
                    "stars": node["stargazerCount"],
                    "forks": node["forkCount"],
                    "watchers": _total(node.get("watchers")),
                    "open_issues": _total(node.get("issues")),
                    "open_pull_requests": _total(node.get("pullRequests")),
                }
            )
            newest = [e for e in (node.get("newestStar") or {}).get("edges") or () if e.get("node")]
            repos.setdefault(
                node["databaseId"],
                Repo(
                    node["databaseId"],
                    node["nameWithOwner"],
                    node["stargazerCount"],
                    (newest[0]["node"]["databaseId"], newest[0]["starredAt"]) if newest else None,
                ),
            )
        self.save({"repos": repo_rows, "repo_snapshots": snapshots})
        return missing

    def mark_not_found(self, name: str) -> None:
        known = self.store.query("SELECT id FROM repos WHERE full_name = ? COLLATE NOCASE", (name,))
        if known:
            with self.store.transaction():
                self.store.conn.execute(
                    "UPDATE repos SET status = 'not_found', updated_at = ? WHERE id = ?", (utc_now(), known[0]["id"])
                )
        self.note(f"github repo {name} not found (deleted, private or misspelt); skipped")

    # -- 3. star history --------------------------------------------------------------

    def collect_stargazers(self, repo: Repo) -> None:
        """Stars after the saved cursor, unless the newest star (from the metadata) is stored.

        Without a newest star (REST metadata, a deleted stargazer account) the stored
        count is compared with ``stargazers_count`` instead; see the module docstring for
        what that misses.
        """
        source, key = "github:stargazers", str(repo.id)
        conn = self.store.conn
        if self.client.authenticated and repo.newest_star is not None:
            query = "SELECT count(*) FROM stargazers WHERE repo_id = ? AND user_id = ? AND starred_at = ?"
            up_to_date = conn.execute(query, (repo.id, *repo.newest_star)).fetchone()[0] == 1
        else:  # REST metadata names no newest star; nor does GraphQL when that account is gone
            up_to_date = conn.execute("SELECT count(*) FROM stargazers WHERE repo_id = ?", (repo.id,)).fetchone()[0] == repo.stars
        if up_to_date:
            return
        if not self.client.authenticated:
            return self.collect_stargazers_rest(repo)
        owner, name = repo.full_name.split("/", 1)
        cursor = self.store.checkpoint(source, key)
        while True:
            data, _errors = self.client.graphql(STARGAZERS_QUERY, {"owner": owner, "name": name, "after": cursor})
            node = data.get("repository")
            if node is None:
                return
            connection = node["stargazers"]
            edges = [e for e in connection["edges"] if e.get("node")]
            page_info = connection["pageInfo"]
            if edges:
                stars = [(e["node"]["databaseId"], e["node"]["login"], e["starredAt"]) for e in edges]
                self.save(
                    {
                        "developers": [{"id": user_id, "login": login} for user_id, login, _ in stars],
                        "stargazers": _stargazer_rows(repo, stars),
                    },
                    checkpoint=(source, key, page_info.get("endCursor") or cursor),
                )
            cursor = page_info.get("endCursor") or cursor
            if not page_info.get("hasNextPage") or not edges:
                return

    def collect_stargazers_rest(self, repo: Repo) -> None:
        """Unauthenticated fallback: REST ``/stargazers`` with ``starred_at``, oldest first.

        The checkpoint is the page to ask next (the last one read while it is not full).
        REST stops at page 400 (40,000 stars); beyond it a note asks for a token.
        """
        source, key = "github:stargazers-rest", str(repo.id)
        page = int(self.store.checkpoint(source, key) or 1)
        while page <= REST_STARGAZER_PAGES:
            response = self.client.get(
                f"/repos/{repo.full_name}/stargazers",
                {"per_page": PAGE_SIZE, "page": page},
                accept="application/vnd.github.star+json",
            )
            if response.status != 200:
                return
            items = [item for item in response.data or [] if item.get("user")]
            full = len(response.data or []) >= PAGE_SIZE
            self.save(
                {
                    "developers": [self.developer_row(item["user"]) for item in items],
                    "stargazers": _stargazer_rows(
                        repo, [(item["user"]["id"], item["user"]["login"], item["starred_at"]) for item in items]
                    ),
                },
                checkpoint=(source, key, str(page + 1 if full else page)),
            )
            if not full:
                return
            page += 1
        self.note(f"github {repo.full_name}: REST lists only the first 40,000 stars; set GITHUB_TOKEN for the rest")

    # -- 4. contributors --------------------------------------------------------------

    def collect_contributors(self, repo: Repo) -> bool | None:
        """Today's ``/contributors?anon=1`` snapshot; a 304 carries the last one forward."""
        today = self.client.today
        try:
            listing = self.listing(f"/repos/{repo.full_name}/contributors", {"anon": 1})
        except GitHubError as exc:
            if "too large" not in str(exc):
                raise
            self.note(f"github {repo.full_name}: GitHub does not list contributors of a history this large")
            return None
        if listing.status == 404:
            self.mark_not_found(repo.full_name)
            return False
        if listing.items is None:
            with self.store.transaction():
                cursor = self.store.conn.execute(
                    "INSERT OR IGNORE INTO contributors (repo_id, date, contributor, developer_id, login, contributions) "
                    "SELECT repo_id, ?, contributor, developer_id, login, contributions FROM contributors "
                    "WHERE repo_id = ? AND date = (SELECT max(date) FROM contributors WHERE repo_id = ?) AND date < ?",
                    (today, repo.id, repo.id, today),
                )
                self.store.conn.execute(
                    "UPDATE repo_snapshots SET contributors = (SELECT count(*) FROM contributors "
                    "WHERE repo_id = ? AND date = ? AND developer_id IS NOT NULL) WHERE repo_id = ? AND date = ?",
                    (repo.id, today, repo.id, today),
                )
            self.result.rows_written += max(cursor.rowcount, 0)
            return None
        rows, developers = [], []
        for item in listing.items:
            if item.get("type") == "Anonymous" or item.get("id") is None:
                contributor, developer_id, login = f"anon:{item.get('email') or item.get('name')}", None, None
            else:
                contributor, developer_id, login = str(item["id"]), item["id"], item["login"]
                developers.append(self.developer_row(item))
            rows.append(
                {
                    "repo_id": repo.id,
                    "date": today,
                    "contributor": contributor,
                    "developer_id": developer_id,
                    "login": login,
                    "contributions": item.get("contributions", 0),
                }
            )
        counted = sum(1 for r in rows if r["developer_id"] is not None)
        self.save(
            {
                "developers": developers,
                "contributors": rows,
                "repo_snapshots": [{"repo_id": repo.id, "date": today, "contributors": counted}],
                "http_cache": listing.cache_rows,
            }
        )
        return None

    def collect_contributor_stats(self, repo: Repo, *, final: bool = False) -> bool | None:
        """``/stats/contributors`` weekly commits; a 202 queues the repo for a later poll."""
        url = f"/repos/{repo.full_name}/stats/contributors"
        etag, last_modified = self.validators(self.client.url(url))
        response = self.client.get(url, etag=etag, last_modified=last_modified)
        if response.status == 202:
            if final:
                self.note(f"github {repo.full_name}: /stats/contributors still being computed; the next run asks again")
            else:
                self.pending_stats.append(repo)
                self.last_accepted = time.monotonic()
            return None
        if response.status == 404:
            self.mark_not_found(repo.full_name)
            return False
        if response.status in (204, 304):
            return None  # an empty repository, or unchanged
        if response.status != 200:
            raise_for_status(response)
        if not isinstance(response.data, list):
            return None
        weeks, developers = [], []
        for entry in response.data:
            author = entry.get("author")
            if not author:
                continue
            developers.append(self.developer_row(author))
            for week in entry.get("weeks", []):
                if week.get("c") or week.get("a") or week.get("d"):
                    weeks.append(
                        {
                            "repo_id": repo.id,
                            "developer_id": author["id"],
                            "week": time.strftime("%Y-%m-%d", time.gmtime(int(week["w"]))),
                            "commits": week.get("c", 0),
                            "additions": week.get("a"),
                            "deletions": week.get("d"),
                        }
                    )
        cache = response.cache_row()
        self.save({"developers": developers, "contributor_weeks": weeks, "http_cache": [cache] if cache else []})
        return None

    def poll_pending_stats(self) -> None:
        for round_ in range(1, self.stats_polls + 1):
            if not self.pending_stats:
                return
            # GitHub computes in the background: the rest of the pass usually took long enough
            self.client.sleep(max(0.0, self.last_accepted + self.stats_wait - time.monotonic()))
            pending, self.pending_stats = self.pending_stats, []
            for repo in pending:
                self.attempt(repo, lambda r: self.collect_contributor_stats(r, final=round_ == self.stats_polls))

    # -- 5. activity ------------------------------------------------------------------

    def collect_activity(self, repo: Repo) -> bool | None:
        for resource, (path, params) in ACTIVITY.items():
            if self.collect_activity_resource(repo, resource, path, params) is False:
                return False
        return None

    def collect_activity_resource(self, repo: Repo, resource: str, path: str, params: dict[str, str]) -> bool | None:
        """Read one activity listing from where the last run stopped.

        Listings sorted by update, oldest first (issues, comments): the checkpoint is the
        URL of the page to ask next (the last page read, or the one after it when it was
        full), asked conditionally: 304 means nothing changed, 200 continues the walk.
        If its first item is newer than anything stored, updates may sit on earlier
        pages, so the walk restarts from ``since`` = the newest stored update.

        ``/commits`` and ``/issues/events`` (newest first): page 1 of the listing is asked
        conditionally; on a change the walk goes down until it meets an item not newer
        than the newest stored one (or, on a first run of ``/issues/events``, which has no
        ``since``, one older than ``activity_since``). ``resume`` holds the next page while
        such a walk is unfinished; within a walk the newer of two items with one event id
        (an issue closed twice) is kept. A
        commit that reaches the default branch later than newer-dated ones (a long-lived
        branch merged) is missed, as it would be by ``since``: commit dates are the
        author's, not the push's.
        """
        source, key = f"github:{resource}", str(repo.id)
        state = json.loads(self.store.checkpoint(source, key) or "{}")
        base = {**params, "per_page": PAGE_SIZE}
        since = _since_param(self.config.activity_since)
        head = canonical_url(
            self.client.url(f"/repos/{repo.full_name}/{path}"), base if resource in NO_SINCE else {**base, "since": since}
        )
        floor = since if resource in NO_SINCE else None  # where a first walk without `since` stops
        written: set[str] = set()  # event ids stored by this walk: newer than what follows
        ascending = params.get("direction") == "asc"
        newest = state.get("newest")
        url = state.get("resume") or state.get("url") or head
        conditional = not state.get("resume")
        first = True
        while url:
            etag, last_modified = self.validators(url) if conditional else (None, None)
            response = self.client.get(url, etag=etag, last_modified=last_modified)
            if response.status == 404:
                self.mark_not_found(repo.full_name)
                return False
            if response.status in (304, 409, 410):  # unchanged; an empty repository; issues disabled
                return None
            if response.status != 200:
                raise_for_status(response)
            items = response.data or []
            events, developers, stamps = self.to_events(repo, resource, items)
            if not ascending:
                events = [e for e in events if e["id"] not in written]
                written.update(e["id"] for e in events)
            if ascending and first and newest and stamps and stamps[0] > newest and url != head:
                url = canonical_url(head, {"since": newest})  # updates may precede this page
                conditional = first = False
                continue
            first = conditional = False
            following = next_page_url(url) if response.next_url else None
            if ascending:
                newest = max([newest or "", *stamps]) or None
                ask_next = following or (next_page_url(url) if len(items) >= PAGE_SIZE else url)
                checkpoint = {"url": ask_next, "newest": newest}
            else:
                seen = max([state.get("seen") or newest or "", *stamps]) or None
                if (newest and any(s <= newest for s in stamps)) or (floor and any(s < floor for s in stamps)):
                    following = None  # reached items already stored, or older than activity_since
                checkpoint = {"newest": newest, "resume": following, "seen": seen} if following else {"newest": seen}
                state["seen"] = seen
            cache = response.cache_row()
            self.save(
                {"developers": developers, "events": events, "http_cache": [cache] if cache else []},
                checkpoint=(source, key, json.dumps(checkpoint, sort_keys=True)),
            )
            url = following
        return None

    def to_events(self, repo: Repo, resource: str, items: Iterable[dict]) -> tuple[list[dict], list[dict], list[str]]:
        """Map one page of a REST listing to GH Archive events, their actors, and update stamps."""
        events, developers, stamps = [], [], []

        def event(kind: str, action: str | None, ident: Any, actor: dict | None, created_at: str, **extra: Any) -> None:
            if actor:
                developers.append(self.developer_row(actor))
            events.append(
                {
                    "id": f"rest:{kind}:{action}:{repo.id}:{ident}" if action else f"rest:{kind}:{repo.id}:{ident}",
                    "type": kind,
                    "action": action,
                    "actor_id": actor.get("id") if actor else None,
                    "actor_login": actor.get("login") if actor else None,
                    "repo_id": repo.id,
                    "repo_name": repo.full_name,
                    "created_at": created_at,
                    "issue_number": extra.get("issue_number"),
                    "comment_id": extra.get("comment_id"),
                    "push_id": extra.get("push_id"),
                    "merged": extra.get("merged"),
                    "is_bot": self.is_bot(actor.get("login"), actor.get("type")) if actor else False,
                    "source": "rest",
                }
            )

        for item in items:
            if resource == "issues":
                stamps.append(item["updated_at"])
                pull = item.get("pull_request")
                kind = "PullRequestEvent" if pull is not None else "IssuesEvent"
                number = item["number"]
                event(kind, "opened", number, item.get("user"), item["created_at"], issue_number=number)
                if item.get("closed_at"):
                    merged = bool(pull.get("merged_at")) if pull is not None else None
                    event(kind, "closed", number, item.get("closed_by"), item["closed_at"], issue_number=number, merged=merged)
                    if not item.get("closed_by"):  # the closer comes from /issues/events: keep a stored one
                        for column in ("actor_id", "actor_login", "is_bot"):
                            del events[-1][column]
            elif resource in ("issue_comments", "review_comments"):
                stamps.append(item["updated_at"])
                kind = "IssueCommentEvent" if resource == "issue_comments" else "PullRequestReviewCommentEvent"
                parent = item.get("issue_url") or item.get("pull_request_url") or ""
                number = int(parent.rstrip("/").rsplit("/", 1)[-1]) if parent else None
                event(kind, "created", item["id"], item.get("user"), item["created_at"], issue_number=number, comment_id=item["id"])
            elif resource == "issue_events":
                stamps.append(item["created_at"])
                issue = item.get("issue")
                if item.get("event") != "closed" or not issue:
                    continue
                pull = issue.get("pull_request")
                kind = "PullRequestEvent" if pull is not None else "IssuesEvent"
                number = issue["number"]
                merged = bool(pull.get("merged_at")) if pull is not None else None
                event(kind, "closed", number, item.get("actor"), item["created_at"], issue_number=number, merged=merged)
                if pull is not None and "merged_at" not in pull:  # unknown here: keep what /issues stored
                    del events[-1]["merged"]
            elif resource == "commits":
                commit = item.get("commit") or {}
                committed = (commit.get("committer") or {}).get("date") or (commit.get("author") or {}).get("date")
                stamps.append(committed)
                event("PushEvent", None, item["sha"], item.get("author") or None, committed, push_id=item["sha"])
        return events, developers, [s for s in stamps if s]

    # -- shared helpers ---------------------------------------------------------------

    def listing(self, path: str, params: dict[str, Any]) -> Listing:
        """All pages of a REST listing, conditionally; ``items`` None when all were 304.

        A listing that changed is returned whole: pages that answered 304 among changed
        ones are fetched again unconditionally (their old content is not stored).
        """
        responses: list[Response] = []
        for response in self.client.pages(path, {**params, "per_page": PAGE_SIZE}, validators=self.validators):
            if response.status == 404:
                return Listing(items=None, status=404)
            if response.status not in (200, 204, 304):
                raise_for_status(response)
            responses.append(response)
        if responses and all(r.not_modified for r in responses):
            return Listing(items=None)
        items, cache_rows = [], []
        for response in responses:
            if response.not_modified:
                response = self.client.get(response.url)
            if response.status not in (200, 204):
                raise_for_status(response)
            items.extend(response.data or [])
            if response.cache_row():
                cache_rows.append(response.cache_row())
        return Listing(items=items, cache_rows=cache_rows)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.store.conn.execute("SELECT etag, last_modified FROM http_cache WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def developer_row(self, user: dict) -> dict[str, Any]:
        return {
            "id": user["id"],
            "login": user["login"],
            "type": user.get("type"),
            "is_bot": self.is_bot(user["login"], user.get("type")),
            "updated_at": utc_now(),
        }

    def is_bot(self, login: str | None, user_type: str | None = None) -> bool:
        if not login:
            return False
        return login.endswith("[bot]") or user_type == "Bot" or login.lower() in self.bots

    def note(self, message: str) -> None:
        log.info("%s", message)
        self.result.notes.append(message)

    def save_budgets(self) -> None:
        """The last budgets seen, for ``ecometrics status`` (checkpoints ``budget``, ``github:{resource}``)."""
        with self.store.transaction(page_boundary=False):  # also written while a stop unwinds the run
            for resource, budget in self.client.budgets.items():
                reset = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(budget.reset))
                left = f"{budget.remaining} of {budget.limit} left, reset {reset}"
                self.store.set_checkpoint("budget", f"github:{resource}", left)


# -- GraphQL documents --------------------------------------------------------------------


def repository_batch_query(names: Sequence[str]) -> tuple[str, dict[str, str]]:
    """One document asking for every repository in ``names`` under aliases ``r0``, ``r1``, ..."""
    declarations, fields, variables = [], [], {}
    for index, full_name in enumerate(names):
        owner, name = full_name.split("/", 1)
        declarations.append(f"$o{index}: String!, $n{index}: String!")
        fields.append(f"  r{index}: repository(owner: $o{index}, name: $n{index}) {{ ...Repo }}")
        variables[f"o{index}"], variables[f"n{index}"] = owner, name
    query = (
        f"query Repositories({', '.join(declarations)}) {{\n"
        + "\n".join(fields)
        + f"\n}}\nfragment Repo on Repository {{{REPO_FIELDS}}}\n"
    )
    return query, variables


# -- row mapping ----------------------------------------------------------------------------


def _repo_row_graphql(node: dict, status: str) -> dict[str, Any]:
    topics = [t["topic"]["name"] for t in ((node.get("repositoryTopics") or {}).get("nodes") or [])]
    return {
        "id": node["databaseId"],
        "full_name": node["nameWithOwner"],
        "owner": node["owner"]["login"],
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


def _repo_row_rest(item: dict) -> dict[str, Any]:
    return {
        "id": item["id"],
        "full_name": item["full_name"],
        "owner": item["owner"]["login"],
        "name": item["name"],
        "description": item.get("description"),
        "created_at": item.get("created_at"),
        "pushed_at": item.get("pushed_at"),
        "language": item.get("language"),
        "license": (item.get("license") or {}).get("spdx_id"),
        "topics": item.get("topics") or [],
        "archived": item.get("archived"),
        "fork": item.get("fork"),
        "status": "ok",
        "updated_at": utc_now(),
    }


def _stargazer_rows(repo: Repo, stars: Iterable[tuple[int, str, str]]) -> list[dict[str, Any]]:
    return [
        {"repo_id": repo.id, "user_id": user_id, "login": login, "starred_at": starred_at}
        for user_id, login, starred_at in stars
    ]


def _total(connection: dict | None) -> int | None:
    return connection.get("totalCount") if connection else None


def _since_param(day: str | None) -> str | None:
    return f"{day}T00:00:00Z" if day and "T" not in day else day


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _dedupe(table: str, rows: list[dict]) -> Iterator[dict]:
    """Rows of one page keyed once (a developer seen twice on a page, the same event twice)."""
    keys = {"developers": ("id",), "http_cache": ("url",), "events": ("id",)}.get(table)
    if keys is None:
        yield from rows
        return
    seen = set()
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key not in seen:
            seen.add(key)
            yield row


@contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Any]:
    """A rich progress bar on a terminal; a no-op otherwise (the log lines speak instead)."""
    if not enabled:
        yield lambda _name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("github"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), TextColumn("{task.description}"),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=total)
        yield lambda name: bar.update(task, advance=1, description=name)
