"""The GitHub collector: repositories, full star history, contributors and activity.

One pass (``collect_github``) over the configured ``[github]`` orgs and repos, written
so that it can run every night against the real API with one token:

1. **Targets.** Each org's public, non-fork repositories from REST
   ``/orgs/{org}/repos`` (``/users/{name}/repos`` when the owner is a user), asked for
   conditionally: an unchanged listing answers 304 and the stored list is used. Stored
   repos that left a listing are looked up once more in step 2 (deleted or moved).
2. **Metadata** through GraphQL, :data:`REPO_BATCH` aliased ``repository(owner:, name:)``
   fields per document (one request per 50 repositories, not one REST call each; halved,
   down to one, for the rest of the pass when GitHub times out on a whole document), into
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
   offset new stars). Since July 2026 GitHub lists a repository's stargazers only to its
   admins and collaborators (changelog 2026-06-30, "Upcoming access restrictions to public
   API endpoints and UI views"); a refused list (403, ``FORBIDDEN``, or an empty page while
   ``stargazerCount`` says there are stars) is recorded in ``star_access`` and not retried
   (:class:`StarsRefused`): the count stays from ``stargazerCount``, the newest star is no
   longer asked in the metadata, and the next run checks again with one request. Such a
   repository's stars per day are read instead from GitHub's privacy-safe star history
   (:meth:`GitHubCollector.collect_star_counts`, changelog 2026-09-04) into ``star_counts``;
   it is asked of no other repository.
4. **Contributors** ``/contributors?anon=1&per_page=100`` as a daily snapshot (a 304
   copies the previous snapshot to today), and ``/stats/contributors`` weekly commits:
   ``202 Accepted`` means GitHub is still computing, so the repository is polled again
   after the others, a bounded number of times; a 202 is never stored as zeros, and
   weeks without commits, additions or deletions are not stored. GitHub lists only the
   :data:`STATS_CONTRIBUTORS` contributors with the most commits, without pagination, so
   ``contributor_weeks`` of a larger repository covers those alone (counted in the run
   log); the daily ``/contributors`` snapshot is the complete list.
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

Items become rows in :mod:`ecometrics.collector.github_rows` (pure functions), GraphQL documents
live in :mod:`ecometrics.collector.github_queries`, and every REST listing is walked by
:mod:`ecometrics.collector.github_walk`; this module ties them to the store.

What the real API withholds or takes back, and how it is met:

- **Null items.** Stargazer connections have ``null`` items for accounts GitHub no
  longer shows; they are skipped, counted in the run log, and remembered with the
  cursor, so the stored count plus the hidden ones is compared with ``stargazerCount``.
- **Unstars.** When the stored stars plus the hidden ones are more than
  ``stargazerCount`` after the new stars are read, stars were removed: the repository's
  star history is walked again from the start (smallest repositories first, at most
  :data:`RECONCILE_PAGES` pages a run), and stored stars the walk no longer meets get
  ``removed_at`` = the API's day. The rest wait for the next run (a note says so).
- **Aliased errors.** In the metadata document, an alias that is null with a
  ``NOT_FOUND`` error is missing (REST then tells a rename, by comparing names, from a
  deletion); ``FORBIDDEN`` is asked of REST, whose 451 (or 403 with a ``block``) is a
  takedown, recorded as ``blocked``, and whose other 403 is an access policy, recorded as
  ``forbidden``; any other error (a
  partial timeout) is asked again, :data:`ALIAS_RETRIES` times, and then makes the run
  partial: never silently skipped.
- **A gone repository** (404 from any of its listings) raises
  :class:`ecometrics.collector.github_walk.RepoGone`; it is recorded as ``not_found``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ecometrics.collector.api_records import (
    ISSUE_DETAIL_RECORDS,
    Contributor,
    ContributorStats,
    GraphqlRepository,
    RestRepository,
    StarHistoryWeek,
    check,
    checked,
)
from ecometrics.collector.cancel import sleep as cancellable_sleep
from ecometrics.collector.github_client import (
    BudgetExhausted,
    CachedPage,
    GitHubClient,
    GitHubDown,
    GitHubError,
    GraphQLTimeout,
    raise_for_status,
)
from ecometrics.collector.github_queries import (
    ISSUES_QUERY,
    MORE_REVIEWS_QUERY,
    PROFILE_BATCH,
    PROFILES_QUERY,
    PULL_REQUESTS_QUERY,
    REPO_BATCH,
    STARGAZERS_NEWEST_FIRST_QUERY,
    STARGAZERS_QUERY,
    repository_batch_query,
)
from ecometrics.collector.github_rows import (
    activity_events,
    contributor_rows,
    contributor_week_rows,
    issue_detail_events,
    item_stamps,
    newest_star,
    newest_updates,
    profile_rows,
    repo_row_graphql,
    repo_row_rest,
    snapshot_row_graphql,
    snapshot_row_rest,
    star_page_graphql,
    star_page_rest,
    unresolved_nodes,
)
from ecometrics.collector.github_walk import (
    PAGE_SIZE,
    ListingWalker,
    NewestFirst,
    RepoBlocked,
    RepoGone,
    StaleCursor,
    is_blocked,
)
from ecometrics.collector.store import BUDGET_META, Store
from ecometrics.core.config import GithubConfig
from ecometrics.core.errors import InputError
from ecometrics.core.outcome import CollectResult
from ecometrics.core.progress import Progress

log = logging.getLogger(__name__)

ALIAS_RETRIES = 3  # times an alias that failed with a path-carrying error is asked again
RECONCILE_PAGES = 2_000  # star pages a run may spend re-walking histories that lost stars
NULL_STARS = "github: null stargazer items skipped"
STARS_RESTRICTED = "github: star histories GitHub restricts to admins and collaborators"
STAR_COUNTS_READ = "github: star histories read as daily counts (stargazers withheld)"
STAR_HISTORY_VERSION = "2026-03-10"  # the REST API version that serves /stargazers/history
STAR_HISTORY_WEEKS = 30  # weeks a page of /stargazers/history: its maximum


class StarsRefused(GitHubError):
    """GitHub refused the token a repository's stargazer list: since July 2026 only a repository's
    admins and collaborators may list its stargazers, others "may begin receiving empty responses
    or a 403 Forbidden status" (GitHub changelog 2026-06-30, "Upcoming access restrictions to
    public API endpoints and UI views",
    https://github.blog/changelog/2026-06-30-upcoming-access-restrictions-to-public-api-endpoints-and-ui-views).
    ``how`` is "forbidden" (REST 403, GraphQL ``FORBIDDEN``) or "empty" (an empty first page while
    the count says there are stars to read)."""

    def __init__(self, how: str):
        super().__init__(f"stargazer list refused ({how})")
        self.how = how


def stars_forbidden(error: dict[str, Any]) -> bool:
    """Whether a GraphQL error is GitHub refusing a ``stargazers`` connection: type ``FORBIDDEN``
    at a path through one (anuraghazra/github-readme-stats pull 4921: "GitHub GraphQL FORBIDDEN
    errors on stargazers connections"; pkgjs/statusboard pull 54). The path is the field's, the
    connection being non-null in GitHub's schema makes the enclosing ``repository`` null."""
    path = [str(step) for step in error.get("path") or ()]
    return error.get("type") == "FORBIDDEN" and any(step in ("stargazers", "newestStar") for step in path[1:])


def is_stars_refusal(response: Any) -> bool:
    """Whether a REST 403 on ``/stargazers`` is the access restriction, not a rate limit: the
    message GitHub gives ("You do not have permission to view the stargazers", hajisensai/Fushi
    pull 232), or any 403 that does not say it is a rate limit."""
    message = str((response.data or {}).get("message") if isinstance(response.data, dict) else "").lower()
    return "permission to view the stargazers" in message or "rate limit" not in message


INVALID_RECORDS = "github: invalid records skipped"  # per endpoint: see ecometrics.collector.api_records
# per API (REST, GraphQL): see ecometrics.collector.http.AnswerLimits
REFUSED_ANSWERS = "github: answers over their size bound refused"
PROFILE_DAYS = 30  # a profile read this many days ago is read again
PROFILES_READ = "github: profiles read"
PROFILES_GONE = "github: profiles no longer found"
PROFILES_LEFT = "github: profiles left for the next run"

# resource -> (path under /repos/{full_name}/, fixed query parameters, oldest-first by update?)
ACTIVITY: dict[str, tuple[str, dict[str, str], bool]] = {
    "issues": ("issues", {"state": "all", "sort": "updated", "direction": "asc"}, True),
    "issue_comments": ("issues/comments", {"sort": "updated", "direction": "asc"}, True),
    "review_comments": ("pulls/comments", {"sort": "updated", "direction": "asc"}, True),
    "commits": ("commits", {}, False),
    "issue_events": ("issues/events", {}, False),  # after /issues: it names who closed what
}

# resource -> (checkpoint source, GraphQL document, its connection field): the details walks
ISSUE_DETAILS: dict[str, tuple[str, str, str]] = {
    "pull_requests": ("github:pull_request_details", PULL_REQUESTS_QUERY, "pullRequests"),
    "issues": ("github:issue_details", ISSUES_QUERY, "issues"),
}

STATS_POLLS = 4  # rounds of re-asking /stats/contributors that answered 202
STATS_CONTRIBUTORS = 100  # /stats/contributors lists the contributors with the most commits, no more
STATS_CAPPED = (
    f"github: repositories whose weekly commits read this run cover only their top {STATS_CONTRIBUTORS} contributors"
)


@dataclass
class Repo:
    id: int
    full_name: str
    stars: int = 0
    newest_star: tuple[int, str] | None = None  # (user id, starred_at), from GraphQL metadata
    newest_updates: dict[str, str | None] | None = None  # ISSUE_DETAILS resource -> newest updatedAt, from metadata


def collect_github(
    store: Store,
    config: GithubConfig,
    *,
    progress: bool = True,
    client: GitHubClient | None = None,
    stats_polls: int = STATS_POLLS,
    stats_wait: float | None = None,
    result: CollectResult | None = None,
    page_size: int = PAGE_SIZE,
) -> CollectResult:
    """One incremental, resumable collection pass over the ``[github]`` settings.

    Returns rows written, requests by status, and ``partial`` with a one-line reason when
    the budget ran out or repositories could not be read. A ``result`` passed in is the
    one filled (its requests counted live), so a caller sees the counts of a pass that
    was stopped or failed. ``page_size`` is the REST ``per_page`` asked: GitHub's largest,
    100, except where a test wants deep walks of small listings. ``stats_wait`` overrides
    ``config.stats_wait``.
    """
    client = client or GitHubClient(max_rate_wait=config.max_rate_wait, sleep=cancellable_sleep)
    if stats_wait is None:
        stats_wait = config.stats_wait
    collector = GitHubCollector(store, config, client, stats_polls=stats_polls, stats_wait=stats_wait)
    collector.walker.page_size = page_size
    if result is not None:
        collector.result = result
    collector.result.requests = client.requests_by_status
    try:
        collector.run(progress=progress)
    except GitHubError as exc:  # budget spent, or the API unavailable: the next run resumes
        collector.result.mark_partial(str(exc))
    finally:
        collector.result.requests = dict(client.requests_by_status)
        for api, refused in client.refused_answers.items():
            collector.result.counters[f"{REFUSED_ANSWERS} ({api})"] = refused
        collector.save_budgets()
    result = collector.result
    log.info(
        "github: %s rows, %s requests (%s)%s%s",
        f"{result.rows_written:,}",
        f"{result.total_requests:,}",
        ", ".join(f"{k}: {v}" for k, v in sorted(result.requests.items())),
        "".join(f"; {what}: {n:,}" for what, n in sorted(result.counters.items())),
        f"; partial: {result.reason}" if result.partial else "",
    )
    return result


class ItemGone(GitHubError):
    """An item inside a repository (a pull request by number) no longer resolves: NOT_FOUND
    below ``repository``, the repository itself being there."""


class GitHubCollector:
    """Turns GitHub pages into rows; :class:`GitHubClient` does the HTTP, the store writes."""

    def __init__(
        self, store: Store, config: GithubConfig, client: GitHubClient, *, stats_polls: int, stats_wait: float
    ):
        self.store = store
        self.config = config
        self.client = client
        self.walker = ListingWalker(client, self.validators)
        self.stats_polls = stats_polls
        self.stats_wait = stats_wait
        self.bots = {b.lower() for b in config.bots}
        self.result = CollectResult("github")
        self.pending_stats: list[Repo] = []
        self.last_accepted = 0.0  # time.monotonic() of the last 202
        self.out_of_step: list[Repo] = []  # repos whose stored stars outnumber GitHub's count
        # repos whose stargazer list GitHub refused this run (id -> full name): asked no more
        self.stars_refused: dict[int, str] = {}
        self.progress = Progress(log, "pages", enabled=False)  # silent until run() starts it
        self.batch_size = REPO_BATCH  # aliased repositories per metadata document; halves on a timeout
        self.owners_not_found = 0  # [github] orgs that answered 404 as an org and as a user

    # -- the pass ---------------------------------------------------------------------

    def run(self, *, progress: bool = True) -> None:
        names = self.targets()
        repos = self.fetch_metadata(names)
        self.check_anything_found(repos)
        gone: set[int] = set()
        if self.config.contributors:
            # asked first so that GitHub computes the 202s while the rest of the pass runs
            gone = {repo.id for repo in repos if self.attempt(repo, self.collect_contributor_stats)}
        repos = [repo for repo in repos if repo.id not in gone]
        # Each repository's pages are estimated up front (its new stars over 100, a page per
        # listing): a saved page advances the bar, and a finished repository sets it to the
        # sum of the estimates so far, whatever it really took.
        estimates = {repo.id: self.pages_estimate(repo) for repo in repos}
        with Progress(log, "pages", enabled=progress) as pages:
            self.progress = pages
            pages.start("github pages", total=sum(estimates.values()))
            done = 0
            for index, repo in enumerate(repos, 1):
                before = self.result.rows_written
                self.collect_repo(repo)
                done += estimates[repo.id]
                pages.update(completed=done, description=f"github {repo.full_name}")
                if not pages.on_terminal:
                    log.info(
                        "github: %d/%d %s: %d rows",
                        index,
                        len(repos),
                        repo.full_name,
                        self.result.rows_written - before,
                    )
        self.poll_pending_stats()
        self.reconcile_stars()
        if self.config.star_history:
            for repo_id, name in list(self.stars_refused.items()):
                self.attempt(Repo(repo_id, name), self.collect_star_counts)
        self.say_stars_restricted()
        if self.config.profiles and self.client.authenticated:  # nodes(ids:) is GraphQL's alone
            self.collect_profiles()
        if self.config.star_history and self.config.account_facts > 0:
            self.collect_account_facts()

    def check_anything_found(self, repos: list[Repo]) -> None:
        """Refuse a pass where every configured org and repo answered 404: whatever the names,
        real GitHub has some of them, so GITHUB_API_URL most likely points at something else
        (a GitHub Enterprise host without ``/api/v3``, a proxy), or every name is misspelt.
        Without this the pass "succeeds" with 0 rows, the 404s only in its notes."""
        configured = len(self.config.orgs) + len(self.config.repos)
        everything_missing = not repos and self.owners_not_found == len(self.config.orgs)
        if configured and everything_missing and not self.result.partial:
            raise InputError(
                f"none of the {configured} orgs and repos in [github] was found at {self.client.base_url}; "
                "check their names, and GITHUB_API_URL (GitHub Enterprise: https://HOST/api/v3)"
            )

    def collect_account_facts(self) -> None:
        """The facts of stargazer accounts not yet known, bounded per run (:mod:`ecometrics.collector.account_facts`)."""
        from ecometrics.collector.account_facts import ACCOUNTS_COUNTER, QUERIES_COUNTER, fetch_account_facts

        invalid: list[str] = []
        unread: list[int] = []
        limit = self.config.account_facts
        queries, stored = fetch_account_facts(self.store, self.client, limit=limit, invalid=invalid, unread=unread)
        self.count_invalid("account facts (GraphQL)", "nodes(ids:)", invalid)
        if unread:
            self.result.mark_partial(f"github: {len(unread)} account facts could not be read; the next run asks again")
        self.result.counters[QUERIES_COUNTER] += queries
        self.result.counters[ACCOUNTS_COUNTER] += stored
        self.result.rows_written += stored

    def collect_repo(self, repo: Repo) -> None:
        steps: list[Callable[[Repo], None]] = []
        if self.config.star_history:
            steps.append(self.collect_stargazers)
        if self.config.contributors:
            steps.append(self.collect_contributors)
        if self.config.activity:
            steps.append(self.collect_activity)
        if self.details_wanted:
            steps.append(self.collect_issue_details)
        for step in steps:
            if self.attempt(repo, step):  # gone: nothing more to ask
                return

    def attempt(self, repo: Repo, step: Callable[[Repo], None]) -> bool:
        """Run one step for one repo; True when the repo turned out gone (recorded as such).
        An API failure of this repo marks the pass partial and the pass goes on."""
        try:
            step(repo)
        except (BudgetExhausted, GitHubDown):
            raise
        except RepoBlocked as exc:
            self.mark_status(repo.full_name, "blocked", message=str(exc))
            return True
        except RepoGone:
            self.mark_status(repo.full_name, "not_found")
            return True
        except GitHubError as exc:
            self.result.mark_partial(f"{repo.full_name}: {exc}")
            log.warning("github: %s: %s", repo.full_name, exc)
        return False

    def save(
        self, rows_by_table: dict[str, list[dict[str, Any]]], checkpoint: tuple[str, str, str | None] | None = None
    ) -> None:
        rows = {table: list(_dedupe(table, r)) for table, r in rows_by_table.items() if r}
        self.result.rows_written += self.store.save_page(rows, checkpoint=checkpoint)
        self.progress.advance()

    def pages_estimate(self, repo: Repo) -> int:
        """Pages this run will likely read for ``repo``: its new stars, and a page per listing."""
        pages = 0
        if self.config.star_history:
            pages += -(-max(0, repo.stars - self.counted_stars(repo)) // PAGE_SIZE)
        if self.config.contributors:
            pages += 1
        if self.config.activity:
            pages += len(ACTIVITY)
        if self.details_wanted:
            pages += len(ISSUE_DETAILS)
        return pages

    @property
    def details_wanted(self) -> bool:
        """Whether the pass reads issue and pull request details (GraphQL: only with a token)."""
        return self.config.activity and self.config.issue_details and self.client.authenticated

    # -- 1. targets -------------------------------------------------------------------

    def targets(self) -> list[str]:
        """Full names to collect: each org's public non-fork repos, then the listed repos."""
        names: dict[str, str] = {}
        for org in self.config.orgs:
            try:
                listed = self.org_repos(org)
            except (BudgetExhausted, GitHubDown):
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
        listing = self.walker.whole(f"/orgs/{owner}/repos", {"type": "public"})
        if listing.status == 404:
            listing = self.walker.whole(f"/users/{owner}/repos", {"type": "owner"})
        if listing.status == 404:
            self.owners_not_found += 1
            self.note(f"github owner {owner!r} not found; check [github] orgs")
            return []
        stored = self.store.query(
            "SELECT full_name FROM repos WHERE owner = ? COLLATE NOCASE AND fork = 0 "
            "AND status NOT IN ('not_found', 'blocked', 'forbidden') ORDER BY full_name",
            (owner,),
        )
        if listing.items is None:  # unchanged since the last run: the stored list holds
            return [row["full_name"] for row in stored]
        invalid: list[str] = []
        items = checked(listing.items, RestRepository, invalid)
        self.count_invalid("repositories (REST)", owner, invalid)
        public = [r for r in items if not r.get("fork") and not r.get("private")]
        listed = {r["full_name"].lower() for r in public}
        # repos stored under this owner that left the listing: deleted, private or moved;
        # the metadata step finds out which and records it
        vanished = [row["full_name"] for row in stored if row["full_name"].lower() not in listed]
        self.save({"repos": [repo_row_rest(r) for r in public], "http_cache": listing.cache_rows})
        return [r["full_name"] for r in public] + vanished

    # -- 2. metadata ------------------------------------------------------------------

    def fetch_metadata(self, names: Sequence[str]) -> list[Repo]:
        """Repository rows and today's snapshot for ``names``, 50 per GraphQL document."""
        repos: dict[int, Repo] = {}
        if not self.client.authenticated:  # GraphQL answers 401 without a token
            for name in names:
                self._metadata_rest(name, repos)
            return list(repos.values())
        pending, missing, renamed = list(names), [], []
        for round_ in range(ALIAS_RETRIES + 1):
            failed: dict[str, str] = {}
            missing += self._metadata_batches(pending, repos, failed)
            pending = list(failed)
            if not pending:
                break
            if round_ == ALIAS_RETRIES:
                for name, message in failed.items():
                    self.result.mark_partial(f"github repo {name}: {message} (asked {ALIAS_RETRIES + 1} times)")
        for name in missing:
            response = self.client.get(f"/repos/{name}")
            if response.status == 200 and isinstance(response.data, dict):
                current = response.data["full_name"]
                if current.lower() == name.lower():  # GraphQL missed it, REST has it: not a rename
                    self.result.mark_partial(f"github repo {name}: GraphQL said not found, REST found it")
                    continue
                self.note(f"github repo {name} is now {current}; update [github] repos")
                renamed.append(current)
            elif is_blocked(response):
                self.mark_status(name, "blocked", response)
            elif response.status == 403:  # an organisation's policy (SAML, app access), not a takedown
                self.mark_status(name, "forbidden", response)
            elif response.status == 404:
                self.mark_status(name, "not_found")
            else:
                self.result.mark_partial(f"github repo {name}: HTTP {response.status}")
        failed = {}
        for name in self._metadata_batches(renamed, repos, failed, status="renamed"):
            self.mark_status(name, "not_found")
        for name, message in failed.items():
            self.result.mark_partial(f"github repo {name}: {message}")
        return list(repos.values())

    def _metadata_batches(
        self, names: Sequence[str], repos: dict[int, Repo], failed: dict[str, str], status: str = "ok"
    ) -> list[str]:
        """:meth:`_metadata_batch` over ``names``, :attr:`batch_size` at a time; returns the
        missing names. A document GitHub timed out on as a whole would time out again: the
        batch halves (for the rest of the pass) and its names are asked in smaller
        documents; a repository that times out alone goes to ``failed``. A passing 502 has
        the same body, so it halves the batch too: a few more requests, never a lost row."""
        missing: list[str] = []
        pending = list(names)
        while pending:
            batch = pending[: self.batch_size]
            try:
                missing += self._metadata_batch(batch, repos, failed, status)
            except GraphQLTimeout:
                if len(batch) > 1:
                    self.batch_size = len(batch) // 2
                    self.note(
                        f"github: GitHub timed out on {len(batch)} repositories a document; asking {self.batch_size}"
                    )
                    continue
                failed[batch[0]] = "GitHub timed out on it even in a document of its own"
            del pending[: len(batch)]
        return missing

    def _metadata_rest(self, name: str, repos: dict[int, Repo]) -> None:
        """One repository from REST ``/repos/{name}``: the unauthenticated fallback."""
        response = self.client.get(f"/repos/{name}")
        if is_blocked(response) or response.status == 403:
            self.mark_status(name, "blocked" if is_blocked(response) else "forbidden", response)
            return
        if response.status != 200 or not isinstance(response.data, dict):
            self.mark_status(name, "not_found")
            return
        item = response.data
        reason = check(item, RestRepository)
        if reason:  # neither its row nor its snapshot is stored, and it is not collected this run
            self.count_invalid("repositories (REST)", name, [reason])
            return
        moved = item["full_name"].lower() != name.lower()
        if moved:
            self.note(f"github repo {name} is now {item['full_name']}; update [github] repos")
        self.save(
            {
                "repos": [repo_row_rest(item, "renamed" if moved else "ok")],
                "repo_snapshots": [snapshot_row_rest(item, self.client.today)],
            }
        )
        repos.setdefault(item["id"], Repo(item["id"], item["full_name"], item.get("stargazers_count") or 0))

    def _metadata_batch(
        self, batch: Sequence[str], repos: dict[int, Repo], failed: dict[str, str], status: str = "ok"
    ) -> list[str]:
        """Ask one document; returns the names GitHub says are missing, fills ``failed``
        with those whose alias failed otherwise (to ask again), and records blocked ones."""
        known = {name.lower() for name in self.known_restricted.values()}
        query, variables = repository_batch_query(batch, without_stars=known)
        data, errors = self.client.graphql(query, variables, can_ask_less=True)
        refused = {str(e["path"][0]) for e in errors if stars_forbidden(e)}
        if refused:
            # the newest star was refused, nulling the repository: asked again without it, and
            # that refusal is this run's check of the repository's stargazer list
            again = [name for index, name in enumerate(batch) if f"r{index}" in refused]
            query, variables = repository_batch_query(again, without_stars={name.lower() for name in again})
            more, more_errors = self.client.graphql(query, variables, can_ask_less=True)
            places = {f"r{index}": f"r{batch.index(name)}" for index, name in enumerate(again)}
            data = {**data, **{places[alias]: node for alias, node in more.items()}}
            # the other aliases' errors stand; the refused ones' are those of the second answer
            kept = [e for e in errors if not e.get("path") or str(e["path"][0]) not in refused]
            errors = kept + [
                {**e, "path": [places.get(str(e["path"][0]), e["path"][0]), *e["path"][1:]]} if e.get("path") else e
                for e in more_errors
            ]
        by_alias = {str(e["path"][0]): e for e in errors if e.get("path")}
        today = self.client.today
        repo_rows, snapshots, missing = [], [], []
        refused_repos: list[Repo] = []  # those whose newest star the metadata was refused
        for index, name in enumerate(batch):
            node = data.get(f"r{index}")
            if not node:
                error = by_alias.get(f"r{index}") or {}
                if error.get("type") == "FORBIDDEN":  # a takedown or an access policy: REST tells which
                    missing.append(name)
                elif error and error.get("type") != "NOT_FOUND":
                    failed[name] = error.get("message") or "failed"
                else:
                    missing.append(name)
                continue
            reason = check(node, GraphqlRepository)
            if reason:  # neither its row nor its snapshot is stored, and it is not collected this run
                self.count_invalid("repository metadata (GraphQL)", name, [reason])
                continue
            moved = status == "renamed" or node["nameWithOwner"].lower() != name.lower()
            if moved and status != "renamed":
                self.note(f"github repo {name} is now {node['nameWithOwner']}; update [github] repos")
            repo_rows.append(repo_row_graphql(node, "renamed" if moved else "ok"))
            snapshots.append(snapshot_row_graphql(node, today))
            repo = repos.setdefault(
                node["databaseId"],
                Repo(
                    node["databaseId"],
                    node["nameWithOwner"],
                    node["stargazerCount"],
                    newest_star(node),
                    newest_updates(node),
                ),
            )
            if f"r{index}" in refused:
                refused_repos.append(repo)
        self.save({"repos": repo_rows, "repo_snapshots": snapshots})
        for repo in refused_repos:
            if repo.id not in self.stars_refused:
                self.record_star_access(repo, "forbidden")
        return missing

    def mark_status(self, name: str, status: str, response: Any = None, message: str | None = None) -> None:
        """Record a repository as ``not_found``, ``blocked`` (a takedown) or ``forbidden``
        (an access policy) when it is stored, and say so in a note."""
        self.store.mark_repo_status(name, status)
        if status in ("blocked", "forbidden"):
            why = message or ((response.data or {}).get("message") if response is not None else None)
            what = "blocked" if status == "blocked" else "forbidden to this token"
            self.note(f"github repo {name} is {what} ({why or 'access blocked'}); skipped")
        else:
            self.note(f"github repo {name} not found (deleted, private or misspelt); skipped")

    # -- 6. profiles -------------------------------------------------------------------

    def collect_profiles(self) -> None:
        """``location`` and ``company`` of the stored developers and repository owners through
        GraphQL ``nodes(ids:)``, :data:`PROFILE_BATCH` ids a document (one point each). A profile
        is read again after :data:`PROFILE_DAYS` days, so a rerun within the month asks nothing;
        at most ``profiles_per_run`` are read a run, never-read ones first, and the count left
        over is in the run log."""
        today = self.client.today
        read_before = (dt.date.fromisoformat(today) - dt.timedelta(days=PROFILE_DAYS - 1)).isoformat()
        limit = max(0, self.config.profiles_per_run)
        due = self.store.profiles_due(read_before=read_before, limit=limit + 1)
        if len(due) > limit:
            left = len(self.store.profiles_due(read_before=read_before, limit=10**9)) - limit
            self.result.counters[PROFILES_LEFT] += left
            due = due[:limit]
        for start in range(0, len(due), PROFILE_BATCH):
            batch = due[start : start + PROFILE_BATCH]
            data, errors = self.client.graphql(PROFILES_QUERY, {"ids": batch})
            failed = {i for i, kind in unresolved_nodes(errors).items() if kind != "NOT_FOUND"}
            nodes = data.get("nodes") or [None] * len(batch)
            asked = [(i, node) for k, (i, node) in enumerate(zip(batch, nodes, strict=True)) if k not in failed]
            invalid: list[str] = []
            rows = profile_rows([i for i, _ in asked], [node for _, node in asked], today, invalid)
            self.count_invalid("profiles (GraphQL)", "nodes(ids:)", invalid)
            if failed:
                self.result.mark_partial(f"github: {len(failed)} profiles could not be read; the next run asks again")
            self.result.counters[PROFILES_READ] += sum(row["status"] == "ok" for row in rows)
            self.result.counters[PROFILES_GONE] += sum(row["status"] != "ok" for row in rows)
            self.save({"profiles": rows})

    # -- 3. star history --------------------------------------------------------------

    def collect_stargazers(self, repo: Repo) -> None:
        """Stars after the saved cursor, unless the newest star (from the metadata) is
        stored and the stored count agrees with GitHub's; a history that holds more stars
        than GitHub counts is queued for :meth:`reconcile_stars`."""
        if repo.id in self.stars_refused:  # refused this run already (the metadata's newest star)
            return
        in_step = self.counted_stars(repo) == repo.stars
        if self.client.authenticated and repo.newest_star is not None:
            query = "SELECT count(*) FROM stargazers WHERE repo_id = ? AND user_id = ? AND starred_at = ? AND removed_at IS NULL"
            newest_stored = self.store.conn.execute(query, (repo.id, *repo.newest_star)).fetchone()[0] == 1
            if newest_stored and in_step:
                return
        elif in_step:
            return
        try:
            if self.client.authenticated:
                try:
                    self.walk_stars(repo, self.star_state(repo).get("after"))
                except StaleCursor:
                    self.rewalk_stars(repo)
            else:
                self.collect_stargazers_rest(repo)
        except StarsRefused as refused:
            self.record_star_access(repo, refused.how)
            return
        if repo.id in self.known_restricted:
            self.record_star_access(repo, None)  # access was granted since: the history is read again
        if self.counted_stars(repo) > repo.stars:
            self.out_of_step.append(repo)

    @functools.cached_property
    def known_restricted(self) -> dict[int, str]:
        """The repositories whose stargazer list was refused at their last check (id -> name)."""
        return self.store.stars_restricted()

    def record_star_access(self, repo: Repo, how: str | None) -> None:
        """Record whether GitHub lists ``repo``'s stargazers to this token: ``how`` it refused
        ("forbidden" or "empty"), or None when the list was read. A refused repository is not
        asked again this run, and the next run checks it again with one request."""
        if how is not None:
            self.stars_refused[repo.id] = repo.full_name
        row = {"repo_id": repo.id, "restricted": int(how is not None), "refusal": how, "checked_on": self.client.today}
        self.save({"star_access": [row]})

    def collect_star_counts(self, repo: Repo) -> None:
        """``repo``'s stars per day from GitHub's privacy-safe star history, for a repository whose
        stargazer list GitHub withholds (only then: a listed repository's stars give the same days
        and who gave them). ``GET /repos/{owner}/{repo}/stargazers/history`` with API version
        :data:`STAR_HISTORY_VERSION` (GitHub changelog 2026-09-04, "New API endpoint provides
        privacy-safe star history data") answers weeks, newest first, :data:`STAR_HISTORY_WEEKS`
        a page, each ``{"week", "total", "days"}``; ``Link`` names the next page.

        Read whole each run (a star removed since lowers its day's count) and stored in one
        transaction (:meth:`Store.save_star_counts`): each day of each valid week
        (:class:`StarHistoryWeek`; an invalid one is skipped and counted, its days stay unknown),
        up to the API's day (the current week's later days are still to come). A week met twice
        (a new week began during the walk and shifted the pages) is kept once, as first met.
        A 404 (an API without the endpoint) is a note; the daily counts stay as they were."""
        weeks: dict[int, list[int]] = {}
        invalid: list[str] = []
        for response in self.client.pages(
            f"/repos/{repo.full_name}/stargazers/history",
            {"per_page": STAR_HISTORY_WEEKS},
            api_version=STAR_HISTORY_VERSION,
        ):
            if response.status == 404:
                self.note(f"github {repo.full_name}: GitHub answered 404 for its star history; daily counts not read")
                return
            if response.status != 200 or not isinstance(response.data, list):
                raise_for_status(response)
            for week in checked(response.data, StarHistoryWeek, invalid):
                weeks.setdefault(week["week"], week["days"])
            self.progress.advance()
        self.count_invalid("star history (REST)", repo, invalid)
        today = dt.date.fromisoformat(self.client.today)
        days = [
            (day.isoformat(), count)
            for start, counts in weeks.items()
            for offset, count in enumerate(counts)
            if (day := dt.datetime.fromtimestamp(start, dt.UTC).date() + dt.timedelta(days=offset)) <= today
        ]
        self.result.rows_written += self.store.save_star_counts(repo.id, days)
        self.result.counters[STAR_COUNTS_READ] += 1

    def say_stars_restricted(self) -> None:
        """One line a run for the repositories whose stargazer lists GitHub refused: a warning when
        the star history of some of them could not be read this run, else information."""
        if not self.stars_refused:
            return
        count = len(self.stars_refused)
        self.result.counters[STARS_RESTRICTED] += count
        # A standing condition, not a problem, while each one's stars per day were read: then it is
        # information (a quiet nightly run, `-q` from cron, prints nothing of it); a warning otherwise.
        level = logging.INFO if self.result.counters[STAR_COUNTS_READ] >= count else logging.WARNING
        log.log(
            level,
            "github: GitHub restricts stargazer lists to admins and collaborators (changelog 2026-06-30): "
            "the stargazers of %d repositories not collected; their stars per day come from GitHub's star "
            "history (changelog 2026-09-04), %d read this run",
            count,
            self.result.counters[STAR_COUNTS_READ],
        )

    def counted_stars(self, repo: Repo) -> int:
        """Standing stars stored plus the hidden ones the last walk met: what GitHub's count is compared with."""
        standing = self.store.conn.execute(
            "SELECT count(*) FROM stargazers WHERE repo_id = ? AND removed_at IS NULL", (repo.id,)
        ).fetchone()[0]
        return standing + int(self.star_state(repo).get("hidden", 0))

    def star_state(self, repo: Repo) -> dict[str, Any]:
        """The stargazer checkpoint: ``after`` (cursor) and ``hidden`` (null items met before it)."""
        raw = self.store.checkpoint("github:stargazers", str(repo.id))
        try:
            state = json.loads(raw) if raw else {}
        except ValueError:
            state = {"after": raw}  # a bare cursor, as earlier versions stored it
        return state if isinstance(state, dict) else {"after": raw}

    def walk_stars(self, repo: Repo, after: str | None, *, seen: set[int] | None = None) -> int:
        """GraphQL stargazer pages after ``after``, each committed with its cursor; returns pages read.

        ``seen`` (for a walk from the start) collects every user met, and the hidden
        count restarts; otherwise hidden items add to the stored count."""
        state = self.star_state(repo)
        whole = after is None  # a walk from the start: its date says when the history was last checked whole
        hidden = 0 if whole else int(state.get("hidden", 0))
        walked = self.client.today if whole else state.get("whole")
        pages = shown = 0
        while True:
            node = self.star_page(repo, after)
            pages += 1
            connection = node["stargazers"]
            if pages == 1 and not connection.get("edges") and node["stargazerCount"] > self.counted_stars(repo):
                raise StarsRefused("empty")  # "empty responses" (GitHub changelog 2026-06-30): a refusal
            page = star_page_graphql(repo.id, connection.get("edges") or [], self.bots)
            hidden += page.hidden
            shown += len(page.stargazers)
            self.result.counters[NULL_STARS] += page.hidden
            self.count_invalid("stargazers (GraphQL)", repo, page.invalid)
            if seen is not None:
                seen.update(row["user_id"] for row in page.stargazers)
            page_info = connection["pageInfo"]
            after = page_info.get("endCursor") or after
            if whole and not page_info.get("hasNextPage"):
                # whether GitHub counts the hidden accounts or not, count - shown is what it adds
                hidden = max(0, node["stargazerCount"] - shown)
            saved = json.dumps({"after": after, "hidden": hidden, "whole": walked}, sort_keys=True)
            self.save(
                {"developers": page.developers, "stargazers": page.stargazers},
                checkpoint=("github:stargazers", str(repo.id), saved),
            )
            if not page_info.get("hasNextPage"):
                return pages

    def rewalk_stars(self, repo: Repo) -> int:
        """After a refused star cursor: stars newest first down to the newest one stored (a
        bounded re-walk), then the newest star's cursor is kept for the next walk; returns pages.

        GitHub's star cursors name a star's place (base64 ``cursor:v2:`` and the star's keys),
        so the newest star's cursor continues an oldest-first walk behind it. Null items (hidden
        accounts) above the first stored star are new hidden stars. Until the re-walk meets a
        stored star the refused cursor stays in the checkpoint, so an interrupted re-walk is
        made again."""
        state = self.star_state(repo)
        hidden, newest_cursor, after, pages = int(state.get("hidden", 0)), None, None, 0
        query = "SELECT 1 FROM stargazers WHERE repo_id = ? AND user_id = ? AND starred_at = ?"
        while True:
            node = self.star_page(repo, after, newest_first=True)
            pages += 1
            connection = node["stargazers"]
            page_info = connection["pageInfo"]
            newest_cursor = newest_cursor or page_info.get("startCursor")
            reached = False
            for edge in connection.get("edges") or []:
                user = edge.get("node") if edge else None
                if user is None:
                    hidden += 0 if reached else 1
                elif self.store.conn.execute(query, (repo.id, user["databaseId"], edge["starredAt"])).fetchone():
                    reached = True
            page = star_page_graphql(repo.id, connection.get("edges") or [], self.bots)
            self.result.counters[NULL_STARS] += page.hidden
            done = reached or not page_info.get("hasNextPage")
            saved = json.dumps({"after": newest_cursor, "hidden": hidden, "whole": state.get("whole")}, sort_keys=True)
            self.save(
                {"developers": page.developers, "stargazers": page.stargazers},
                checkpoint=("github:stargazers", str(repo.id), saved) if done else None,
            )
            if done:
                self.note(
                    f"github {repo.full_name}: the saved star cursor was refused; read {pages} pages newest first"
                )
                return pages
            after = page_info.get("endCursor")

    def count_invalid(self, endpoint: str, repo: Repo | str, reasons: list[str]) -> None:
        """Count in the run log the records of ``endpoint`` skipped for not meeting their schema
        (:mod:`ecometrics.collector.api_records`), and log the first reason; ``repo`` or its name."""
        if reasons:
            name = repo if isinstance(repo, str) else repo.full_name
            self.result.counters[f"{INVALID_RECORDS} ({endpoint})"] += len(reasons)
            log.warning("github %s %s: %d invalid record(s) skipped (%s)", name, endpoint, len(reasons), reasons[0])

    def star_page(self, repo: Repo, after: str | None, *, newest_first: bool = False) -> dict[str, Any]:
        """One stargazer page's ``repository`` node (see :meth:`ask_repository`)."""
        document = STARGAZERS_NEWEST_FIRST_QUERY if newest_first else STARGAZERS_QUERY
        return self.ask_repository(repo, document, "stargazers", after=after)

    def reconcile_stars(self) -> None:
        """Walk again the star histories that hold more stars than GitHub counts (stars
        were removed): smallest first, within :data:`RECONCILE_PAGES` pages a run.

        A stored star the walk does not meet gets ``removed_at`` = the API's day (the
        day it was found gone: the removal happened since the last walk)."""
        budget = RECONCILE_PAGES
        for repo in sorted(self.out_of_step, key=lambda r: r.stars):
            needed = -(-repo.stars // PAGE_SIZE)
            if needed > budget:
                self.note(f"github {repo.full_name}: lost stars are reconciled on a later run ({needed:,} pages)")
                continue
            seen: set[int] = set()
            try:
                if self.client.authenticated:
                    budget -= self.walk_stars(repo, None, seen=seen)
                else:
                    budget -= self.collect_stargazers_rest(repo, seen=seen)
            except (BudgetExhausted, GitHubDown):
                raise
            except StarsRefused as refused:
                self.record_star_access(repo, refused.how)
                continue
            except GitHubError as exc:
                self.result.mark_partial(f"{repo.full_name}: {exc}")
                continue
            self.mark_removed_stars(repo, seen)

    def mark_removed_stars(self, repo: Repo, seen: set[int]) -> None:
        removed = self.store.mark_stars_removed(repo.id, seen, self.client.today)
        if removed > 0:
            self.result.rows_written += removed
            self.note(f"github {repo.full_name}: {removed:,} stars were removed since the last walk")

    def collect_stargazers_rest(self, repo: Repo, *, seen: set[int] | None = None) -> int:
        """Unauthenticated fallback: REST ``/stargazers`` with ``starred_at``, oldest first,
        following ``Link``; returns pages read.

        The checkpoint is the last page read (asked again: it may have grown). REST stops
        at page 400 (40,000 stars); beyond it a note asks for a token."""
        source, key = "github:stargazers-rest", str(repo.id)
        stored = None if seen is not None else self.store.checkpoint(source, key)
        url: str | None = (
            self.client.url(stored)
            if stored and not stored.isdigit()
            else self.client.url(f"/repos/{repo.full_name}/stargazers?per_page={PAGE_SIZE}")
        )
        pages = hidden = 0
        while url:
            response = self.client.get(url, accept="application/vnd.github.star+json")
            if response.status == 422:
                self.note(
                    f"github {repo.full_name}: REST lists only the first 40,000 stars; set GITHUB_TOKEN for the rest"
                )
                break
            if response.status == 404:
                raise RepoGone(url)
            if response.status == 403 and is_stars_refusal(response):
                raise StarsRefused("forbidden")
            if response.status != 200:
                raise_for_status(response)
            if not pages and not response.data and repo.stars > self.counted_stars(repo):
                raise StarsRefused("empty")  # "empty responses" (GitHub changelog 2026-06-30): a refusal
            pages += 1
            page = star_page_rest(repo.id, response.data or [], self.bots)
            hidden += page.hidden
            self.count_invalid("stargazers (REST)", repo, page.invalid)
            if seen is not None:
                seen.update(row["user_id"] for row in page.stargazers)
            self.save(
                {"developers": page.developers, "stargazers": page.stargazers},
                checkpoint=(source, key, self.client.relative(url)),
            )
            url = response.next_url
        return pages

    # -- 4. contributors --------------------------------------------------------------

    def collect_contributors(self, repo: Repo) -> None:
        """Today's ``/contributors?anon=1`` snapshot; a 304 carries the last one forward."""
        today = self.client.today
        try:
            listing = self.walker.whole(f"/repos/{repo.full_name}/contributors", {"anon": 1})
        except GitHubError as exc:
            if "too large" not in str(exc):
                raise
            self.note(f"github {repo.full_name}: GitHub does not list contributors of a history this large")
            return
        if listing.status == 404:
            raise RepoGone(f"/repos/{repo.full_name}/contributors: HTTP 404")
        if listing.items is None:
            self.result.rows_written += self.store.carry_contributors_forward(repo.id, today)
            return
        invalid: list[str] = []
        items = checked(listing.items, Contributor, invalid)
        self.count_invalid("contributors", repo, invalid)
        rows, developers, counts = contributor_rows(repo.id, today, items, self.bots)
        self.save(
            {
                "developers": developers,
                "contributors": rows,
                "repo_snapshots": [counts],
                "http_cache": listing.cache_rows,
            }
        )

    def collect_contributor_stats(self, repo: Repo, *, final: bool = False) -> None:
        """``/stats/contributors`` weekly commits; a 202 queues the repo for a later poll."""
        url = f"/repos/{repo.full_name}/stats/contributors"
        cached = self.validators(url)
        response = self.client.get(url, etag=cached.etag, last_modified=cached.last_modified)
        if response.status == 202:
            if final:
                self.note(f"github {repo.full_name}: /stats/contributors still being computed; the next run asks again")
            else:
                self.pending_stats.append(repo)
                self.last_accepted = time.monotonic()
            return
        if response.status == 404:
            raise RepoGone(f"{url}: HTTP 404")
        if response.status in (204, 304):
            return  # an empty repository, or unchanged
        if response.status != 200:
            raise_for_status(response)
        if not isinstance(response.data, list):
            return
        invalid: list[str] = []
        entries = checked(response.data, ContributorStats, invalid)
        self.count_invalid("stats/contributors", repo, invalid)
        if len(response.data) >= STATS_CONTRIBUTORS:  # GitHub lists no more: the weeks are theirs alone
            self.result.counters[STATS_CAPPED] += 1
        weeks, developers = contributor_week_rows(repo.id, entries, self.bots)
        cache = response.cache_row(self.client.relative)
        self.save({"developers": developers, "contributor_weeks": weeks, "http_cache": [cache] if cache else []})

    def poll_pending_stats(self) -> None:
        for round_ in range(1, self.stats_polls + 1):
            if not self.pending_stats:
                return
            # GitHub computes in the background: the rest of the pass usually took long enough
            self.client.sleep(max(0.0, self.last_accepted + self.stats_wait - time.monotonic()))
            pending, self.pending_stats = self.pending_stats, []
            for repo in pending:
                self.attempt(repo, functools.partial(self.collect_contributor_stats, final=round_ == self.stats_polls))

    # -- 5. activity ------------------------------------------------------------------

    def collect_activity(self, repo: Repo) -> None:
        since = _since_param(self.config.activity_since)
        for resource, (path, params, by_update) in ACTIVITY.items():
            source, key = f"github:{resource}", str(repo.id)
            checkpoint = self.store.checkpoint(source, key)
            listing = f"/repos/{repo.full_name}/{path}"

            stamps = functools.partial(item_stamps, resource)
            if by_update:
                steps = self.walker.by_update(listing, params, checkpoint, since, stamps)
            elif resource == "commits":
                steps = self.walker.newest_first(
                    listing,
                    {**params, "since": since},
                    checkpoint,
                    None,
                    stamps,
                    known=functools.partial(self.commits_stored, repo),
                )
            else:
                steps = self.walker.newest_first(listing, params, checkpoint, since, stamps)
            written: set[str] = set()  # newest first: the newer of two items with one event id wins
            for step in steps:
                page = activity_events(repo.id, repo.full_name, resource, step.items, self.bots)
                self.count_invalid(resource, repo, page.invalid)
                events = page.events
                if not by_update:
                    events = [e for e in events if e["id"] not in written]
                    written.update(e["id"] for e in events)
                self.save(
                    {
                        "developers": page.developers,
                        "events": events,
                        "http_cache": [step.cache_row] if step.cache_row else [],
                    },
                    checkpoint=(source, key, step.checkpoint),
                )

    def collect_issue_details(self, repo: Repo) -> None:
        """Issue and pull request details through GraphQL, for the events ``/issues`` wrote.

        GraphQL ``pullRequests`` and ``issues``, most recently updated first, give what the
        REST listing does not: merge times, a pull request's additions, deletions, changed
        files and commits, and its reviews (https://docs.github.com/graphql/reference/objects#pullrequest).
        Each page is one point, GitHub's minimum per document. Stored under the REST events'
        ids (:func:`ecometrics.collector.github_rows.issue_detail_events`), so nothing is duplicated.
        Resumable like :meth:`ListingWalker.newest_first`: each page is committed with the
        cursor of the next, and a walk ends at the first item not updated since the last
        one (on a first walk, at ``activity_since``)."""
        floor = _since_param(self.config.activity_since)
        for resource, (source, query, field) in ISSUE_DETAILS.items():
            key = str(repo.id)
            if self.details_unchanged(repo, resource, self.store.checkpoint(source, key)):
                continue
            for nodes, checkpoint in self.walk_updated(repo, query, field, self.store.checkpoint(source, key), floor):
                if resource == "pull_requests":
                    for node in nodes:
                        self.read_all_reviews(repo, node)
                page = issue_detail_events(repo.id, repo.full_name, resource, nodes, self.bots)
                self.count_invalid(f"{field} (GraphQL)", repo, page.invalid)
                self.save({"developers": page.developers, "events": page.events}, checkpoint=(source, key, checkpoint))

    @staticmethod
    def details_unchanged(repo: Repo, resource: str, checkpoint: str | None) -> bool:
        """Whether a finished walk already stored everything up to the newest update the
        metadata document saw (so the walk would read one page to learn nothing)."""
        if repo.newest_updates is None or not checkpoint or not checkpoint.startswith("{"):
            return False
        state = json.loads(checkpoint)
        if state.get("resume"):
            return False  # an unfinished walk
        top, stored = repo.newest_updates.get(resource), state.get("newest")
        return top is None or (stored is not None and top <= stored)

    def walk_updated(
        self, repo: Repo, query: str, field: str, checkpoint: str | None, floor: str | None
    ) -> Iterator[tuple[list[dict], str]]:
        """Pages of a GraphQL connection ordered by ``UPDATED_AT`` descending: (nodes, checkpoint).

        The checkpoint and the end of the walk are those of every newest-first walk
        (:class:`ecometrics.collector.github_walk.NewestFirst`; ``resume`` is the next page's cursor). Items
        updated while a walk goes on move above it and are read by the next one. A cursor GitHub
        no longer takes starts the walk again from the top. Items older than ``floor`` are dropped."""
        schema = ISSUE_DETAIL_RECORDS["pull_requests" if field == "pullRequests" else "issues"]
        walk = NewestFirst.load(checkpoint if checkpoint and checkpoint.startswith("{") else None)
        while True:
            try:
                connection = self.graphql_connection(repo, query, field, after=walk.resume)
            except StaleCursor:
                walk.resume = None
                continue
            invalid: list[str] = []
            nodes = checked([node for node in connection.get("nodes") or () if node], schema, invalid)
            self.count_invalid(f"{field} (GraphQL)", repo, invalid)
            page_info = connection.get("pageInfo") or {}
            following = page_info.get("endCursor") if page_info.get("hasNextPage") else None
            more, saved = walk.page([node["updatedAt"] for node in nodes], following, floor=floor)
            yield [node for node in nodes if floor is None or node["updatedAt"] >= floor], saved
            if not more:
                return
            walk.resume = following

    def graphql_connection(
        self, repo: Repo, query: str, field: str, *, after: str | None, **variables: Any
    ) -> dict[str, Any]:
        """One page of a connection of ``repository`` (``field``, or ``pullRequest.reviews``),
        :attr:`walker.page_size <ecometrics.collector.github_walk.ListingWalker.page_size>` items (see :meth:`ask_repository`)."""
        node: Any = self.ask_repository(repo, query, field, after=after, first=self.walker.page_size, **variables)
        for step in field.split("."):
            node = node[step]
        return node

    def ask_repository(
        self, repo: Repo, query: str, field: str, *, after: str | None, **variables: Any
    ) -> dict[str, Any]:
        """The ``repository`` node of one document about ``repo``, once ``field`` (a dotted path
        in it) resolves.

        A ``NOT_FOUND`` error for the repository raises :class:`RepoGone`; one deeper in it (a
        pull request whose number no longer resolves: "Could not resolve to a PullRequest with the
        number of N.", cli/cli issue 157) raises :class:`ItemGone`, the repository being there.
        A refused cursor (``INVALID_CURSOR_ARGUMENTS``) raises :class:`StaleCursor`; any other
        field error (a partial timeout) is asked again, :data:`ALIAS_RETRIES` times."""
        owner, name = repo.full_name.split("/", 1)
        asked = {"owner": owner, "name": name, "after": after, **variables}
        errors: list[dict] = []
        for _ in range(ALIAS_RETRIES + 1):
            data, errors = self.client.graphql(query, asked)
            node = data.get("repository")
            inner = node
            for step in field.split("."):
                inner = (inner or {}).get(step)
            if node is not None and inner is not None:
                return node
            not_found = [e for e in errors if e.get("type") == "NOT_FOUND"]
            if any(len(e.get("path") or ()) <= 1 for e in not_found):
                raise RepoGone(f"github repo {repo.full_name}: GraphQL no longer resolves it")
            if not_found:
                raise ItemGone(f"github repo {repo.full_name}: {not_found[0].get('message', 'NOT_FOUND')}")
            if after and any(e.get("type") == "INVALID_CURSOR_ARGUMENTS" for e in errors):
                raise StaleCursor(f"github repo {repo.full_name}: {field} after {after!r} refused")
            if field == "stargazers" and any(stars_forbidden(e) for e in errors):
                raise StarsRefused("forbidden")
        messages = "; ".join(e.get("message", "") for e in errors)[:200]
        raise GitHubError(f"{field} after {after!r}: {messages or 'no data'} (asked {ALIAS_RETRIES + 1} times)")

    def read_all_reviews(self, repo: Repo, node: dict[str, Any]) -> None:
        """Append to a pull request node the reviews past its first page (rare: more than
        :data:`ecometrics.collector.github_queries.REVIEWS_PAGE`), 100 a document."""
        reviews = node.get("reviews") or {}
        page_info = reviews.get("pageInfo") or {}
        while page_info.get("hasNextPage"):
            try:
                more = self.graphql_connection(
                    repo,
                    MORE_REVIEWS_QUERY,
                    "pullRequest.reviews",
                    after=page_info.get("endCursor"),
                    number=node["number"],
                )
            except ItemGone as exc:  # the pull request went away between the two documents: keep what was read
                self.note(f"github {repo.full_name} #{node['number']}: reviews past the first page not read ({exc})")
                return
            reviews["nodes"] = [*(reviews.get("nodes") or ()), *(more.get("nodes") or ())]
            page_info = more.get("pageInfo") or {}

    def commits_stored(self, repo: Repo, items: list[Any]) -> bool:
        """Whether every commit of a page is stored already (as its push event)."""
        ids = [f"rest:PushEvent:{repo.id}:{item['sha']}" for item in items]
        marks = ", ".join("?" * len(ids))
        stored = self.store.conn.execute(f"SELECT count(*) FROM events WHERE id IN ({marks})", ids).fetchone()[0]
        return stored == len(ids)

    # -- shared helpers ---------------------------------------------------------------

    def validators(self, url: str) -> CachedPage:
        """What ``http_cache`` stored of a page, by its URL relative to the API base."""
        key = self.client.relative(self.client.url(url))
        row = self.store.conn.execute(
            "SELECT etag, last_modified, next_url, items FROM http_cache WHERE url = ?", (key,)
        ).fetchone()
        return CachedPage(*row) if row else CachedPage()

    def note(self, message: str) -> None:
        log.info("%s", message)
        self.result.notes.append(message)

    def save_budgets(self) -> None:
        """The last budgets seen, for ``ecometrics status`` (meta ``budget:github:{resource}``)."""
        with self.store.transaction(page_boundary=False):  # also written while a stop unwinds the run
            for resource, budget in self.client.budgets.items():
                reset = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(budget.reset))
                left = f"{budget.remaining} of {budget.limit} left, reset {reset}"
                self.store.set_meta(f"{BUDGET_META}github:{resource}", left)


def _since_param(day: str | None) -> str | None:
    return f"{day}T00:00:00Z" if day and "T" not in day else day


def _dedupe(table: str, rows: list[dict]) -> Iterator[dict]:
    """Rows of one page keyed once (a developer seen twice on a page, the same event twice)."""
    keys = {"developers": ("id",), "http_cache": ("url",), "events": ("id",), "stargazers": ("repo_id", "user_id")}.get(
        table
    )
    if keys is None:
        yield from rows
        return
    seen = set()
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key not in seen:
            seen.add(key)
            yield row
