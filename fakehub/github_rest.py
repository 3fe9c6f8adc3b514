"""GitHub REST v3 over the synthetic world, shaped like the recorded exchanges in
``../shared/api-samples/github`` so that PyGithub and plain requests parse it unchanged.

Endpoints (``{repo}`` is ``/repos/{owner}/{name}`` or ``/repositories/{id}``):

- ``GET /rate_limit`` (free of charge)
- ``GET /orgs/{org}``, ``GET /orgs/{org}/repos`` (``type``, ``sort``, ``direction``),
  ``GET /users/{login}``, ``GET /users/{login}/repos``
- ``GET {repo}``; a renamed repo's old name answers 301 with ``Location:
  /repositories/{id}...``; missing or deleted repos 404
- ``GET {repo}/stargazers``: users, or ``{"starred_at", "user"}`` with ``Accept:
  application/vnd.github.star+json``; oldest first; 422 past page 400
- ``GET {repo}/stargazers/history``: stars per day, in weeks, newest first, to anyone
  (see :meth:`GitHubRest.star_history`)
- ``GET {repo}/contributors`` (``anon=1`` adds ``type: "Anonymous"`` entries),
  ``GET {repo}/stats/contributors`` (202 with ``{}`` on the first call of each simulated
  day, then 200; weeks start Sundays 00:00 UTC, as the docs' example ``"w": 1367712000`` does)
- ``GET {repo}/issues`` (``state`` open|closed|all, ``since`` on updated_at, ``sort``
  created|updated|comments, ``direction``; PRs carry ``pull_request``),
  ``GET {repo}/pulls`` (``state``), ``GET {repo}/issues/comments`` (``since``, ``sort``,
  ``direction``), ``GET {repo}/pulls/comments`` (same), ``GET {repo}/commits``
  (``since``, ``until``; newest first)
- ``GET {repo}/issues/events``: ``closed`` (and ``merged``) issue events with their
  ``actor`` and the ``issue``, newest first, no ``since`` (as GitHub's); a single
  ``GET {repo}/issues/{number}`` names its ``closed_by``

Lists take ``per_page`` (default 30, max 100) and ``page`` and answer with a ``Link``
header (next, last, first, prev). The activity listings (issues, pulls, issue and review
comments, issue events, commits) page as GitHub's large listings do: their ``Link``
names pages by number (``page=``, with ``last``) up to :data:`PAGE_NUMBER_LIMIT`, then by
an opaque keyset ``after=`` cursor (no ``last``); a ``page`` past the limit answers 422
"Pagination with the page parameter is not supported for large datasets, please use
cursor based pagination (after/before)" (GitHub's "Using pagination in the REST API":
the ``link`` header's URLs may use ``page``, ``before`` or ``after``, follow them as
given, https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api;
``after=`` cursors on large listings, e.g. MeltanoLabs/tap-github pull request 415;
reports of the 422 range from page 11 to page 100, so the stricter end is modelled).
A cursor older than :data:`ecometrics.fakehub.generator.CURSOR_LIFETIME_SECONDS` (a week, assumed) answers
that same 422 "Invalid cursor value": a stored continuation can be refused later.
Page numbers are offsets: an item updated during a walk moves to the end and shifts
later items onto pages already read. A keyset cursor names the sort key of the last
item served, so an updated item moves behind it instead.

``/contributors`` links only the first ``GitHubWorld.contributor_email_limit`` (500) author emails
to users; the others' commits are listed as anonymous contributors, with ``anon=1``
(GitHub's "List repository contributors": "only the first 500 author email addresses
in the repository link to GitHub users. The rest will appear as anonymous contributors
without associated GitHub user information",
https://docs.github.com/rest/repos/repos#list-repository-contributors).
For a history of more than :data:`CONTRIBUTORS_HISTORY_LIMIT` commits ``/contributors``
answers 403 "The history or contributor list is too large to list contributors for this
repository via the API." (PyGithub issue 2454, ossf/scorecard issue 2372 for
``torvalds/linux``, jekyll/github-metadata issue 283 for a fork of it; forks of
``NixOS/nixpkgs`` too). GitHub publishes no threshold (github/docs issue 24480 asked for
one): the histories reported run to hundreds of thousands of commits and more, while
histories of tens of thousands list; 200,000 is the strict end of that gap. No generated
repository has such a history; ``contributors_history_limit`` lowers it.
``/stats/contributors`` reports 0 additions and deletions for repositories with
:data:`STATS_COMMIT_LIMIT` or more commits ("This endpoint will return 0 values for all
addition and deletion counts in repositories with 10,000 or more commits",
https://docs.github.com/rest/metrics/statistics#get-all-contributor-commit-activity),
and it lists only the :data:`STATS_CONTRIBUTOR_LIMIT` (100) contributors with the most
commits, in one answer without pagination (the statistics "match the statistics shown by
different repository graphs", same page, and the contributors graph shows the top 100;
ghuser-io/ghuser.io issue 23: "they just return the 100 biggest contributors").

Budgets, ETags/304, ``Date`` and the rate-limit headers are added by :mod:`ecometrics.fakehub.server`.
"""

from __future__ import annotations

import base64
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import numpy as np

from ecometrics.fakehub.clock import DAY, http_date, iso, parse_iso
from ecometrics.fakehub.exchange import Request, Response, link_header
from ecometrics.fakehub.generator import BLOCKED, STARGAZERS_REFUSED, GitHubWorld, Issue, Repo, stable_hash

DOCS = "https://docs.github.com/rest"
MAX_STARGAZER_PAGE = 400
STAR_HISTORY_VERSION = "2026-03-10"  # the API version the star history endpoint is served in
STAR_HISTORY_WEEKS_PER_PAGE = 30  # per_page's default and its maximum there
STAR_HISTORY_MAX_PAGE = 100  # its last page number
SUNDAY = 3 * DAY  # 1970-01-04, a Sunday: weeks start at SUNDAY + k * 7 days
PAGE_NUMBER_LIMIT = 10  # the activity listings answer 422 past this page
BLOCKED_CREATED, BLOCKED_PUSHED = (
    parse_iso("2025-01-20T00:00:00Z"),
    parse_iso("2025-02-28T00:00:00Z"),
)  # a taken-down repo's listed times
STATS_COMMIT_LIMIT = 10_000  # from here on /stats/contributors reports 0 additions/deletions
CONTRIBUTORS_HISTORY_LIMIT = 200_000  # commits past which /contributors answers 403 "too large"
TOO_LARGE_TO_LIST = "The history or contributor list is too large to list contributors for this repository via the API."
STATS_CONTRIBUTOR_LIMIT = 100  # /stats/contributors lists the contributors with the most commits, no more
CURSOR_ONLY = (
    "Pagination with the page parameter is not supported for large datasets, "
    "please use cursor based pagination (after/before)"
)


def encode_cursor(key: tuple, issued: int) -> str:
    """An opaque keyset cursor: the last key served and when (the simulated clock) it was issued."""
    body = json.dumps({"key": list(key), "issued": issued}).encode()
    return base64.urlsafe_b64encode(b"cursor:v2:" + body).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[tuple, int] | None:
    """(key, issued) of a cursor :func:`encode_cursor` made, or None."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if not raw.startswith(b"cursor:v2:"):
            return None
        body = json.loads(raw[len(b"cursor:v2:") :])
        return tuple(body["key"]), int(body["issued"])
    except (ValueError, TypeError, KeyError):
        return None


def not_found(doc: str = f"{DOCS}") -> Response:
    return Response.json({"message": "Not Found", "documentation_url": doc, "status": "404"}, 404)


def commit_lines(sha: str) -> tuple[int, int]:
    """(additions, deletions) of a commit: a fixed function of its sha."""
    h = int(sha[:12], 16)
    return 1 + h % 300, (h >> 20) % 120


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


class GitHubRest:
    def __init__(
        self,
        world: GitHubWorld,
        *,
        stats_commit_limit: int = STATS_COMMIT_LIMIT,
        page_number_limit: int = PAGE_NUMBER_LIMIT,
        contributors_history_limit: int = CONTRIBUTORS_HISTORY_LIMIT,
    ):
        self.world = world
        self.contributors_history_limit = contributors_history_limit
        self.page_number_limit = page_number_limit
        self.stats_commit_limit = stats_commit_limit
        self._stats_ready: set[tuple[int, int]] = set()
        self._routes: list[tuple[re.Pattern, str, Callable]] = [
            (re.compile(r"^/rate_limit$"), "rate_limit", self.rate_limit),
            (re.compile(r"^/orgs/(?P<org>[^/]+)$"), "orgs", self.org),
            (re.compile(r"^/orgs/(?P<org>[^/]+)/repos$"), "orgs.repos", self.org_repos),
            (re.compile(r"^/users/(?P<login>[^/]+)$"), "users", self.user),
            (re.compile(r"^/users/(?P<login>[^/]+)/repos$"), "users.repos", self.org_repos),
        ]
        repo_routes: list[tuple[str, str, Callable[..., Response]]] = [
            ("", "repos", self.repo),
            ("/stargazers", "repos.stargazers", self.stargazers),
            ("/stargazers/history", "repos.stargazers.history", self.star_history),
            ("/contributors", "repos.contributors", self.contributors),
            ("/stats/contributors", "repos.stats.contributors", self.stats_contributors),
            ("/issues", "repos.issues", self.issues),
            ("/pulls", "repos.pulls", self.pulls),
            ("/issues/comments", "repos.issues.comments", self.issue_comments),
            ("/issues/events", "repos.issues.events", self.issue_events),
            ("/issues/{number}", "repos.issue", self.issue),
            ("/pulls/{number}", "repos.pull", self.pull),
            ("/pulls/comments", "repos.pulls.comments", self.review_comments),
            ("/commits", "repos.commits", self.commits),
        ]
        for suffix, name, fn in repo_routes:
            pattern = (
                r"^(?:/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)|/repositories/(?P<id>\d+))"
                + re.escape(suffix).replace(r"\{number\}", r"(?P<number>\d+)")
                + "$"
            )
            self._routes.append((re.compile(pattern), name, self._with_repo(fn)))

    # -- routing -------------------------------------------------------------------------
    def route(self, req: Request) -> tuple[str, Response]:
        if req.method not in ("GET", "HEAD"):
            return "unsupported", Response.json(
                {"message": "fakehub serves only GET on the REST API", "documentation_url": DOCS}, 404
            )
        for pattern, name, fn in self._routes:
            match = pattern.match(req.path)
            if match:
                return name, fn(req, **match.groupdict())
        return "unknown", not_found()

    def _with_repo(self, fn: Callable) -> Callable:
        def handler(req: Request, owner=None, name=None, id=None, **more) -> Response:
            world = self.world
            if id is None and f"{owner}/{name}".lower() in {b.lower() for b in BLOCKED}:
                return Response.json(
                    {
                        "message": "Repository access blocked",
                        "block": {
                            "reason": "dmca",
                            "created_at": "2025-03-01T00:00:00Z",
                            "html_url": "https://github.com/github/dmca",
                        },
                    },
                    451,
                )
            repo = world.by_id(int(id)) if id else world.by_name(f"{owner}/{name}")
            if repo is not None and id is None and repo.full_name.lower() != f"{owner}/{name}".lower():
                repo = None
            if repo is None and id is None:
                moved = world.renamed_to(f"{owner}/{name}")
                if moved is not None and world.visible(moved):
                    rest = req.path.split("/", 4)[4] if req.path.count("/") >= 4 else ""
                    location = f"{req.base_url}/repositories/{moved.id}" + (f"/{rest}" if rest else "")
                    if req.query:
                        location += "?" + urlencode(req.query)
                    return Response.json(
                        {"message": "Moved Permanently", "url": location, "documentation_url": DOCS},
                        301,
                        {"Location": location},
                    )
            if repo is None or not world.visible(repo):
                return not_found(f"{DOCS}/repos/repos#get-a-repository")
            return fn(req, repo, **more)

        return handler

    # -- JSON shapes ---------------------------------------------------------------------
    @staticmethod
    def account_json(base: str, login: str, account_id: int, kind: str) -> dict:
        """The short account object GitHub embeds for users, bots and organisations."""
        u = f"{base}/users/{login}"
        return {
            "login": login,
            "id": account_id,
            "node_id": _node_id("Organization" if kind == "Organization" else "User", account_id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{account_id}?v=4",
            "gravatar_id": "",
            "url": u,
            "html_url": f"https://github.com/{login}",
            "followers_url": f"{u}/followers",
            "following_url": f"{u}/following{{/other_user}}",
            "gists_url": f"{u}/gists{{/gist_id}}",
            "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{u}/subscriptions",
            "organizations_url": f"{u}/orgs",
            "repos_url": f"{u}/repos",
            "events_url": f"{u}/events{{/privacy}}",
            "received_events_url": f"{u}/received_events",
            "type": kind,
            "user_view_type": "public",
            "site_admin": False,
        }

    def user_json(self, base: str, index: int) -> dict:
        users = self.world.users
        return self.account_json(
            base, users.login(index), users.user_id(index), "Bot" if users.is_bot(index) else "User"
        )

    def org_json(self, base: str, org: str, full: bool = False) -> dict:
        d = self.account_json(base, org, self.world.orgs[org], "Organization")
        if full:
            repos = self.world.org_repos(org)
            d.update(
                {
                    "url": f"{base}/orgs/{org}",
                    "repos_url": f"{base}/orgs/{org}/repos",
                    "name": org,
                    "company": None,
                    "blog": "",
                    "location": None,
                    "email": None,
                    "description": f"{org} (synthetic fakehub organisation)",
                    "is_verified": True,
                    "has_organization_projects": True,
                    "has_repository_projects": True,
                    "public_repos": len(repos),
                    "public_gists": 0,
                    "followers": sum(self.world.stars(r) for r in repos) // 50,
                    "following": 0,
                    "created_at": iso(min((r.created for r in repos), default=self.world.clock.now) - 30 * DAY),
                    "updated_at": iso(self.world.clock.now - DAY),
                    "archived_at": None,
                }
            )
        return d

    def owner_json(self, base: str, owner: str) -> dict:
        return self.org_json(base, owner)

    def repo_json(self, base: str, repo: Repo) -> dict:
        world = self.world
        full = repo.full_name
        r = f"{base}/repos/{full}"
        stars = world.stars(repo)
        forks = world.forks(repo)
        open_issues, open_prs = world.open_counts(repo)
        pushed = world.pushed_at(repo)
        key, lic_name, spdx = repo.license
        return {
            "id": repo.id,
            "node_id": _node_id("Repository", repo.id),
            "name": repo.name,
            "full_name": full,
            "private": False,
            "owner": self.owner_json(base, repo.owner),
            "html_url": f"https://github.com/{full}",
            "description": repo.description,
            "fork": False,
            "url": r,
            "forks_url": f"{r}/forks",
            "keys_url": f"{r}/keys{{/key_id}}",
            "collaborators_url": f"{r}/collaborators{{/collaborator}}",
            "teams_url": f"{r}/teams",
            "hooks_url": f"{r}/hooks",
            "issue_events_url": f"{r}/issues/events{{/number}}",
            "events_url": f"{r}/events",
            "assignees_url": f"{r}/assignees{{/user}}",
            "branches_url": f"{r}/branches{{/branch}}",
            "tags_url": f"{r}/tags",
            "blobs_url": f"{r}/git/blobs{{/sha}}",
            "git_tags_url": f"{r}/git/tags{{/sha}}",
            "git_refs_url": f"{r}/git/refs{{/sha}}",
            "trees_url": f"{r}/git/trees{{/sha}}",
            "statuses_url": f"{r}/statuses/{{sha}}",
            "languages_url": f"{r}/languages",
            "stargazers_url": f"{r}/stargazers",
            "contributors_url": f"{r}/contributors",
            "subscribers_url": f"{r}/subscribers",
            "subscription_url": f"{r}/subscription",
            "commits_url": f"{r}/commits{{/sha}}",
            "git_commits_url": f"{r}/git/commits{{/sha}}",
            "comments_url": f"{r}/comments{{/number}}",
            "issue_comment_url": f"{r}/issues/comments{{/number}}",
            "contents_url": f"{r}/contents/{{+path}}",
            "compare_url": f"{r}/compare/{{base}}...{{head}}",
            "merges_url": f"{r}/merges",
            "archive_url": f"{r}/{{archive_format}}{{/ref}}",
            "downloads_url": f"{r}/downloads",
            "issues_url": f"{r}/issues{{/number}}",
            "pulls_url": f"{r}/pulls{{/number}}",
            "milestones_url": f"{r}/milestones{{/number}}",
            "notifications_url": f"{r}/notifications{{?since,all,participating}}",
            "labels_url": f"{r}/labels{{/name}}",
            "releases_url": f"{r}/releases{{/id}}",
            "deployments_url": f"{r}/deployments",
            "created_at": iso(repo.created),
            "updated_at": iso(max(pushed, repo.created)),
            "pushed_at": iso(pushed),
            "git_url": f"git://github.com/{full}.git",
            "ssh_url": f"git@github.com:{full}.git",
            "clone_url": f"https://github.com/{full}.git",
            "svn_url": f"https://github.com/{full}",
            "homepage": None,
            "size": 1000 + repo.index * 17 % 90_000,
            "stargazers_count": stars,
            "watchers_count": stars,
            "language": repo.language,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": forks,
            "mirror_url": None,
            "archived": repo.archived,
            "disabled": False,
            "open_issues_count": open_issues + open_prs,
            "license": {
                "key": key,
                "name": lic_name,
                "spdx_id": spdx,
                "url": f"{base}/licenses/{key}",
                "node_id": _node_id("License", len(key)),
            },
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": list(repo.topics),
            "visibility": "public",
            "forks": forks,
            "open_issues": open_issues + open_prs,
            "watchers": stars,
            "default_branch": "main",
            "permissions": {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
            "network_count": forks,
            "subscribers_count": world.subscribers(repo),
        }

    def repo_full_json(self, base: str, repo: Repo) -> dict:
        d = self.repo_json(base, repo)
        d["organization"] = self.owner_json(base, repo.owner)
        return d

    # -- pagination ----------------------------------------------------------------------
    def page(
        self,
        req: Request,
        items: Sequence[Any] | np.ndarray,
        render: Callable,
        max_page: int | None = None,
        default_per_page: int = 30,
        max_per_page: int = 100,
    ) -> Response:
        per_page = req.int_arg("per_page", default_per_page, 1, max_per_page)
        page = req.int_arg("page", 1)
        total = len(items)
        last = max(1, -(-total // per_page))
        if max_page is not None:
            last = min(last, max_page)
        chunk = items[(page - 1) * per_page : page * per_page]
        links: dict[str, str] = {}
        if page < last:
            links["next"] = req.url_with(page=page + 1)
            links["last"] = req.url_with(page=last)
        if page > 1:
            links["first"] = req.url_with(page=1)
            links["prev"] = req.url_with(page=min(page - 1, last))
        headers = {"Link": link_header(links)} if links else {}
        return Response.json([render(item) for item in chunk], 200, headers)

    def keyset_page(self, req: Request, items: Sequence, key: Callable, render: Callable) -> Response:
        """A page of an activity listing: ``items`` in the order served, ``key(item)`` a
        tuple that grows along that order. ``page`` is an offset, refused past the page-number
        limit, and ``Link`` names the next pages by number (with ``last`` when the listing
        ends within the limit); from the limit on ``Link`` names ``next`` by a keyset
        ``after`` cursor, which resumes behind a key."""
        per_page = req.int_arg("per_page", 30, 1, 100)
        after = req.arg("after")
        keys = [key(item) for item in items]
        if after is not None:
            decoded = decode_cursor(after)
            if decoded is None or self.world.cursor_expired(decoded[1]):  # see CURSOR_LIFETIME_SECONDS
                return Response.json(
                    {
                        "message": f"Invalid cursor value: {after!r}",
                        "documentation_url": f"{DOCS}/using-the-rest-api/using-pagination-in-the-rest-api",
                        "status": "422",
                    },
                    422,
                )
            start = bisect_right(keys, decoded[0])
        else:
            page = req.int_arg("page", 1)
            if page > self.page_number_limit:
                return Response.json(
                    {
                        "message": CURSOR_ONLY,
                        "documentation_url": f"{DOCS}/using-the-rest-api/using-pagination-in-the-rest-api",
                        "status": "422",
                    },
                    422,
                )
            start = (page - 1) * per_page
        chunk = items[start : start + per_page]
        headers = {}
        if start + per_page < len(items):
            page_number = None if after is not None else req.int_arg("page", 1)
            last = -(-len(items) // per_page)
            if page_number is not None and page_number < self.page_number_limit:  # page numbers while served
                links = {"next": req.url_with(page=page_number + 1)}
                if last <= self.page_number_limit:
                    links["last"] = req.url_with(page=last)
            else:  # from the limit on, the next page is named by a keyset cursor
                links = {
                    "next": req.url_with(
                        page=None, after=encode_cursor(keys[start + per_page - 1], self.world.clock.now)
                    )
                }
            headers["Link"] = link_header(links)
        return Response.json([render(item) for item in chunk], 200, headers)

    # -- handlers ------------------------------------------------------------------------
    def rate_limit(self, req: Request) -> Response:
        # filled in by the server, which owns the budgets
        return Response.json({})

    def org(self, req: Request, org: str) -> Response:
        name = self._org_name(org)
        if name is None:
            return not_found(f"{DOCS}/orgs/orgs#get-an-organization")
        return Response.json(self.org_json(req.base_url, name, full=True))

    def _org_name(self, org: str) -> str | None:
        return next((o for o in self.world.orgs if o.lower() == org.lower()), None)

    def user(self, req: Request, login: str) -> Response:
        org = self._org_name(login)
        if org is not None:
            return Response.json(self.org_json(req.base_url, org, full=True))
        index = self.world.user_index(login)
        if index is None:
            return not_found(f"{DOCS}/users/users#get-a-user")
        d = self.user_json(req.base_url, index)
        h = stable_hash("user", index)
        d.update(
            {
                "name": None if self.world.users.is_bot(index) else login.rstrip("0123456789").capitalize(),
                "company": None,
                "blog": "",
                "location": None,
                "email": None,
                "hireable": None,
                "bio": None,
                "twitter_username": None,
                "public_repos": h % 40,
                "public_gists": h % 7,
                "followers": (h >> 8) % 500,
                "following": (h >> 16) % 100,
                "created_at": iso(1_262_304_000 + (h >> 24) % 470_000_000),
                "updated_at": iso(self.world.clock.now - (h % 300) * DAY),
            }
        )
        return Response.json(d)

    def org_repos(self, req: Request, org: str = "", login: str = "") -> Response:
        name = self._org_name(org or login)
        if name is None:
            if login and self.world.user_index(login) is not None:
                return self.page(req, [], lambda r: r)  # a user without public repos
            return not_found(f"{DOCS}/repos/repos#list-organization-repositories")
        repos = self.world.org_repos(name)
        sort = req.arg("sort", "created")
        direction = req.arg("direction", "asc" if sort == "full_name" else "desc")
        # a taken-down repository is still listed, in its place by the same keys
        blocked = [full for full in BLOCKED if full.split("/")[0].lower() == name.lower()]

        def pushed(r: Repo | str) -> int:
            return BLOCKED_PUSHED if isinstance(r, str) else self.world.pushed_at(r)

        keys: dict[str, Callable[[Repo | str], Any]] = {
            "full_name": lambda r: (r if isinstance(r, str) else r.full_name).lower(),
            "created": lambda r: BLOCKED_CREATED if isinstance(r, str) else r.created,
            "updated": pushed,  # the listing's updated_at is its pushed_at
            "pushed": pushed,
        }
        listed: list[Repo | str] = [*repos, *blocked]
        listed.sort(key=keys.get(sort, keys["created"]), reverse=direction == "desc")
        return self.page(
            req,
            listed,
            lambda r: (
                self.blocked_repo_json(req.base_url, r) if isinstance(r, str) else self.repo_json(req.base_url, r)
            ),
        )

    def blocked_repo_json(self, base: str, full: str) -> dict:
        """A taken-down repository as its owner's listing shows it: an ordinary public item
        (its own URL answers 451; see :data:`ecometrics.fakehub.generator.BLOCKED`)."""
        owner, name = full.split("/")
        repo_id = 900_000_000 + stable_hash("blocked", full) % 10**6
        r = f"{base}/repos/{full}"
        return {
            "id": repo_id,
            "node_id": _node_id("Repository", repo_id),
            "name": name,
            "full_name": full,
            "private": False,
            "owner": self.owner_json(base, owner),
            "html_url": f"https://github.com/{full}",
            "description": None,
            "fork": False,
            "url": r,
            "created_at": iso(BLOCKED_CREATED),
            "updated_at": iso(BLOCKED_PUSHED),
            "pushed_at": iso(BLOCKED_PUSHED),
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "forks_count": 0,
            "archived": False,
            "disabled": False,
            "open_issues_count": 0,
            "license": None,
            "topics": [],
            "visibility": "public",
            "default_branch": "main",
        }

    def repo(self, req: Request, repo: Repo) -> Response:
        resp = Response.json(self.repo_full_json(req.base_url, repo))
        resp.headers["Last-Modified"] = http_date(self.world.pushed_at(repo))
        return resp

    def stargazers(self, req: Request, repo: Repo) -> Response:
        """A page of ``repo``'s stargazers, to its admins and collaborators only (see
        :meth:`ecometrics.fakehub.generator.GitHubWorld.may_list_stargazers`): since July 2026 anyone else
        gets "empty responses or a 403 Forbidden status" (GitHub changelog 2026-06-30, "Upcoming
        access restrictions to public API endpoints and UI views"). The 403's message is the one
        clients record ("You do not have permission to view the stargazers", hajisensai/Fushi
        pull 232); its ``documentation_url`` is fakehub's assumption. ``stargazer_refusal="empty"``
        answers an empty 200 page instead, no ``Link``, while ``stargazers_count`` stays."""
        if not self.world.may_list_stargazers(repo):
            if self.world.stargazer_refusal == "empty":
                return Response.json([])
            body = {
                "message": STARGAZERS_REFUSED,
                "documentation_url": f"{DOCS}/activity/starring#list-stargazers",
                "status": "403",
            }
            return Response.json(body, 403)
        page = req.int_arg("page", 1)
        if page > MAX_STARGAZER_PAGE:
            return Response.json(
                {
                    "message": "In order to keep the API fast for everyone, pagination is limited "
                    "for this resource. Check the rel=last link relation in the Link "
                    "response header to see how far back you can jump.",
                    "documentation_url": f"{DOCS}/guides/using-pagination-in-the-rest-api",
                    "status": "422",
                },
                422,
            )
        shown = repo.shown_stars(self.world.clock.now)  # hidden accounts are left out
        times = repo.star_times
        with_dates = "star+json" in req.headers.get("accept", "")
        base = req.base_url

        def render(k: int) -> dict:
            user = self.user_json(base, repo.stargazer(int(k)))
            return {"starred_at": iso(int(times[k])), "user": user} if with_dates else user

        # pages are offsets into every standing star; a hidden one leaves its page short
        standing = repo.standing_stars(self.world.clock.now)
        resp = self.page(req, standing, render, max_page=MAX_STARGAZER_PAGE)
        if len(shown) != len(standing):
            hidden = set(standing[repo.star_hidden[standing]].tolist())
            per_page = req.int_arg("per_page", 30, 1, 100)
            page = req.int_arg("page", 1)
            chunk = standing[(page - 1) * per_page : page * per_page].tolist()
            body = json.loads(resp.body)
            resp.body = json.dumps(
                [item for k, item in zip(chunk, body, strict=True) if k not in hidden], separators=(",", ":")
            ).encode()
        if with_dates:
            resp.headers["X-GitHub-Media-Type"] = "github.v3; param=star; format=json"
        return resp

    def star_history(self, req: Request, repo: Repo) -> Response:
        """``repo``'s stars per day, in weeks, newest first, without the stargazers: the
        privacy-safe star history GitHub added for every public repository (changelog 2026-09-04,
        "New API endpoint provides privacy-safe star history data",
        https://github.blog/changelog/2026-09-04-new-api-endpoint-provides-privacy-safe-star-history-data;
        docs.github.com/rest/activity/starring?apiVersion=2026-03-10, "Get repository star history").

        What is modelled, and from where (the stored docs page gives the endpoint, not its
        details; these come from public clients written against the live API):

        - ``GET /repos/{owner}/{repo}/stargazers/history`` with ``X-GitHub-Api-Version:
          2026-03-10`` (every client sends it). Asked without that version it answers 404 here:
          no source says what an older version answers, and refusing is the stricter case.
          No token and no collaborator needed: the 2026-06-30 restriction does not apply.
        - An item a week: ``week`` (Unix seconds of its start), ``total`` (the week's stars) and
          ``days`` (7 counts, ``total`` their sum), as GitHub's announcement describes it ("data
          organized by week with the total stars added and a day-by-day breakdown",
          https://github.com/orgs/community/discussions/206104); newest week first; a client flattens them by
          ``week + i * 86400``. The newest week holds days still to come, as zeros. Weeks start
          on Sundays 00:00 UTC here, as the ``/stats`` weeks do; a public client's handover notes
          (docs/api-fidelity.md) say GitHub does not guarantee its week and day boundaries are
          UTC's, so a day may sit one off.
        - The weeks run from the one the repository was created in to the current one (a
          nine-year-old repository costs 17 requests of 30 weeks, one of them empty).
        - ``per_page`` (default and maximum 30 weeks), ``page`` (1 to 100; past 100 answers
          422, the stricter reading of "page max 100"); ``Link`` names ``next``/``last``; a page
          past the weeks is empty.
        - The counts are the stars that still stand, by the day each was given: a star removed
          later leaves its day's count (the same handover notes report starring and unstarring
          one repository against the live API: the bucket went back to 0), so the weeks add up to
          ``stargazers_count`` (hidden accounts included), never negative.
        - One request from the ``core`` budget, like any REST GET (the server charges it).

        Not modelled, for want of any source: a 202 while GitHub computes (as ``/stats`` does)."""
        if req.headers.get("x-github-api-version") != STAR_HISTORY_VERSION:
            return not_found(f"{DOCS}/activity/starring#get-repository-star-history")
        if req.int_arg("page", 1) > STAR_HISTORY_MAX_PAGE:
            return Response.json(
                {
                    "message": f"Pagination is limited to {STAR_HISTORY_MAX_PAGE} pages for this resource.",
                    "documentation_url": f"{DOCS}/activity/starring#get-repository-star-history",
                    "status": "422",
                },
                422,
            )
        now = self.world.clock.now
        first_week = repo.created - (repo.created - SUNDAY) % (7 * DAY)  # its Sunday 00:00 UTC
        this_week = now - (now - SUNDAY) % (7 * DAY)
        n_weeks = (this_week - first_week) // (7 * DAY) + 1
        given = repo.star_times[repo.standing_stars(now)]
        given = given[given >= first_week]  # none is older than its repository; kept safe for bincount
        days = np.bincount((given - first_week) // DAY, minlength=n_weeks * 7)[: n_weeks * 7].reshape(n_weeks, 7)
        weeks = [
            {"week": int(first_week + w * 7 * DAY), "total": int(days[w].sum()), "days": days[w].tolist()}
            for w in range(n_weeks - 1, -1, -1)
        ]
        resp = self.page(
            req,
            weeks,
            lambda week: week,
            max_page=STAR_HISTORY_MAX_PAGE,
            default_per_page=STAR_HISTORY_WEEKS_PER_PAGE,
            max_per_page=STAR_HISTORY_WEEKS_PER_PAGE,
        )
        resp.headers["X-GitHub-Api-Version-Selected"] = STAR_HISTORY_VERSION
        return resp

    def contributors(self, req: Request, repo: Repo) -> Response:
        if len(self.world.activity(repo).landed_commits(self.world.clock.now)) > self.contributors_history_limit:
            doc = f"{DOCS}/repos/repos#list-repository-contributors"
            return Response.json({"message": TOO_LARGE_TO_LIST, "documentation_url": doc, "status": "403"}, 403)
        users, anon = self.world.listed_contributors(repo)
        rows: list[tuple[int, int | str]] = [(n, u) for u, n in users.items()]  # (commits, user index or name)
        if req.arg("anon") in ("1", "true"):
            rows += [(n, name) for name, n in anon.items()]
        # ties by name: the same order whichever world (generated or snapshot) numbers the users
        rows.sort(key=lambda row: (-row[0], row[1] if isinstance(row[1], str) else self.world.users.login(row[1])))
        base = req.base_url

        def render(row: tuple[int, int | str]) -> dict:
            n, who = row
            if isinstance(who, str):
                return {"email": f"{who}@users.noreply.example", "name": who, "type": "Anonymous", "contributions": n}
            return {**self.user_json(base, who), "contributions": n}

        return self.page(req, rows, render)

    def stats_contributors(self, req: Request, repo: Repo) -> Response:
        key = (repo.id, self.world.clock.today)
        if key not in self._stats_ready:
            self._stats_ready.add(key)
            return Response.json({}, 202)
        now = self.world.clock.now
        weeks: dict[int, dict[int, list[int]]] = {}
        commits = 0
        for _, (sha, user, at, _) in self.world.activity(repo).landed_commits(now):
            commits += 1
            if user is not None:
                week = at - (at - SUNDAY) % (7 * DAY)  # Sundays 00:00 UTC (the docs' "w": 1367712000)
                tally = weeks.setdefault(user, {}).setdefault(week, [0, 0, 0])
                added, deleted = commit_lines(sha)
                tally[0] += added
                tally[1] += deleted
                tally[2] += 1
        counted = commits < self.stats_commit_limit  # else GitHub reports 0 lines
        all_weeks = sorted({w for per in weeks.values() for w in per})
        out: list[dict[str, Any]] = []
        for user, per in weeks.items():
            out.append(
                {
                    "total": sum(t[2] for t in per.values()),
                    "weeks": [
                        {
                            "w": w,
                            "a": per[w][0] if counted and w in per else 0,
                            "d": per[w][1] if counted and w in per else 0,
                            "c": per[w][2] if w in per else 0,
                        }
                        for w in all_weeks
                    ],
                    "author": self.user_json(req.base_url, user),
                }
            )
        out.sort(key=lambda e: (e["total"], e["author"]["id"]))
        return Response.json(out[-STATS_CONTRIBUTOR_LIMIT:])  # the most commits; no page 2

    # issues and pull requests
    def issue_json(self, base: str, repo: Repo, issue: Issue, now: int) -> dict:
        r = f"{base}/repos/{repo.full_name}"
        state, closed, updated = self.world.issue_state(issue)
        n_comments = sum(1 for at in issue.comments if at <= now)
        d = {
            "url": f"{r}/issues/{issue.number}",
            "repository_url": r,
            "labels_url": f"{r}/issues/{issue.number}/labels{{/name}}",
            "comments_url": f"{r}/issues/{issue.number}/comments",
            "events_url": f"{r}/issues/{issue.number}/events",
            "html_url": f"https://github.com/{repo.full_name}/{'pull' if issue.is_pr else 'issues'}/{issue.number}",
            "id": issue.id,
            "node_id": _node_id("Issue", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user_json(base, issue.user),
            "labels": [],
            "state": state,
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": n_comments,
            "created_at": iso(issue.created),
            "updated_at": iso(updated),
            "closed_at": iso(closed) if closed else None,
            "author_association": "CONTRIBUTOR",
            "active_lock_reason": None,
            "body": f"Synthetic fakehub {'pull request' if issue.is_pr else 'issue'} body.",
            "closed_by": None,
            "state_reason": ("completed" if closed and not issue.is_pr else None),
        }
        if issue.is_pr:
            merged_at = iso(closed) if closed and issue.merged else None
            d["draft"] = False
            d["pull_request"] = {
                "url": f"{r}/pulls/{issue.number}",
                "html_url": f"https://github.com/{repo.full_name}/pull/{issue.number}",
                "diff_url": f"https://github.com/{repo.full_name}/pull/{issue.number}.diff",
                "patch_url": f"https://github.com/{repo.full_name}/pull/{issue.number}.patch",
                "merged_at": merged_at,
            }
        return d

    def _issue_list(self, req: Request, repo: Repo, only_prs: bool) -> list[tuple[Issue, int]]:
        state = req.arg("state", "open")
        since = req.arg("since")
        since_ts = parse_iso(since) if since else None
        rows = []
        for issue in self.world.visible_issues(repo):
            if only_prs and not issue.is_pr:
                continue
            st, _, updated = self.world.issue_state(issue)
            if state in ("open", "closed") and st != state:
                continue
            if since_ts is not None and updated < since_ts:
                continue
            rows.append((issue, updated))
        rows.sort(key=self._issue_key(req))
        return rows

    @staticmethod
    def _issue_key(req: Request) -> Callable:
        """The keyset order of an issue listing: ``sort`` then number, negated when descending."""
        sort = req.arg("sort", "created")
        sign = 1 if req.arg("direction", "desc") == "asc" else -1
        if sort == "updated":
            return lambda row: (sign * row[1], sign * row[0].number)
        if sort == "comments":
            return lambda row: (sign * len(row[0].comments), sign * row[0].number)
        return lambda row: (sign * row[0].created, sign * row[0].number)

    def issues(self, req: Request, repo: Repo) -> Response:
        now = self.world.clock.now
        rows = self._issue_list(req, repo, only_prs=False)
        return self.keyset_page(
            req, rows, self._issue_key(req), lambda row: self.issue_json(req.base_url, repo, row[0], now)
        )

    def _find_issue(self, repo: Repo, number: str) -> Issue | None:
        n = int(number)
        return next((i for i in self.world.visible_issues(repo) if i.number == n), None)

    def issue(self, req: Request, repo: Repo, number: str) -> Response:
        issue = self._find_issue(repo, number)
        if issue is None:
            return not_found(f"{DOCS}/issues/issues#get-an-issue")
        d = self.issue_json(req.base_url, repo, issue, self.world.clock.now)
        if d["closed_at"]:  # GitHub names the closer on a single issue, not in listings
            d["closed_by"] = self.user_json(req.base_url, issue.closed_by)
        return Response.json(d)

    def pull(self, req: Request, repo: Repo, number: str) -> Response:
        """One pull request; unlike the listing it carries ``merged``, ``additions``,
        ``deletions``, ``changed_files`` and ``commits``
        (https://docs.github.com/rest/pulls/pulls#get-a-pull-request)."""
        issue = self._find_issue(repo, number)
        if issue is None or not issue.is_pr:
            return not_found(f"{DOCS}/pulls/pulls#get-a-pull-request")
        d = self._pull_json(req.base_url, repo, issue)
        if issue.pull is not None:
            d["merged"] = d["merged_at"] is not None
            d["additions"], d["deletions"] = issue.pull.additions, issue.pull.deletions
            d["changed_files"], d["commits"] = issue.pull.changed_files, issue.pull.commits
        return Response.json(d)

    def pulls(self, req: Request, repo: Repo) -> Response:
        rows = self._issue_list(req, repo, only_prs=True)
        return self.keyset_page(
            req, rows, self._issue_key(req), lambda row: self._pull_json(req.base_url, repo, row[0])
        )

    def _pull_json(self, base: str, repo: Repo, issue: Issue) -> dict:
        d = self.issue_json(base, repo, issue, self.world.clock.now)
        pr = d.pop("pull_request")
        d.update(
            {
                "url": pr["url"],
                "html_url": pr["html_url"],
                "diff_url": pr["diff_url"],
                "patch_url": pr["patch_url"],
                "issue_url": f"{base}/repos/{repo.full_name}/issues/{issue.number}",
                "merged_at": pr["merged_at"],
                "merge_commit_sha": None,
                "draft": False,
                "head": {
                    "label": f"{repo.owner}:branch-{issue.number}",
                    "ref": f"branch-{issue.number}",
                    "sha": "0" * 40,
                    "user": d["user"],
                    "repo": None,
                },
                "base": {
                    "label": f"{repo.owner}:main",
                    "ref": "main",
                    "sha": "0" * 40,
                    "user": d["user"],
                    "repo": None,
                },
                "merged": bool(pr["merged_at"]),
            }
        )
        return d

    def _comment_list(self, req: Request, comments: list[tuple[int, int, int, int]]) -> list:
        now = self.world.clock.now
        since = req.arg("since")
        since_ts = parse_iso(since) if since else None
        rows = [c for c in comments if c[3] <= now and (since_ts is None or c[3] >= since_ts)]
        if req.arg("direction") == "desc":
            rows.reverse()
        return rows

    @staticmethod
    def _comment_key(req: Request) -> Callable:
        sign = -1 if req.arg("direction") == "desc" else 1
        return lambda c: (sign * c[3], sign * c[0])

    def issue_comments(self, req: Request, repo: Repo) -> Response:
        rows = self._comment_list(req, self.world.activity(repo).comments)
        base = req.base_url
        r = f"{base}/repos/{repo.full_name}"

        def render(c: tuple[int, int, int, int]) -> dict:
            cid, number, user, at = c
            return {
                "url": f"{r}/issues/comments/{cid}",
                "html_url": f"https://github.com/{repo.full_name}/issues/{number}#issuecomment-{cid}",
                "issue_url": f"{r}/issues/{number}",
                "id": cid,
                "node_id": _node_id("IssueComment", cid),
                "user": self.user_json(base, user),
                "created_at": iso(at),
                "updated_at": iso(at),
                "author_association": "CONTRIBUTOR",
                "body": "Synthetic fakehub comment.",
                "performed_via_github_app": None,
            }

        return self.keyset_page(req, rows, self._comment_key(req), render)

    def issue_events(self, req: Request, repo: Repo) -> Response:
        now = self.world.clock.now
        activity = self.world.activity(repo)
        events = activity.issue_events
        rows = events[: bisect_right(events, now, key=lambda e: e[4])][::-1]  # newest first
        by_number = {issue.number: issue for issue in activity.issues}
        base = req.base_url
        r = f"{base}/repos/{repo.full_name}"

        def render(e: tuple[int, str, int, int, int]) -> dict:
            eid, event, number, actor, at = e
            return {
                "id": eid,
                "node_id": _node_id("ClosedEvent" if event == "closed" else "MergedEvent", eid),
                "url": f"{r}/issues/events/{eid}",
                "actor": self.user_json(base, actor),
                "event": event,
                "commit_id": None,
                "commit_url": None,
                "created_at": iso(at),
                "performed_via_github_app": None,
                "issue": self.issue_json(base, repo, by_number[number], now),
            }

        return self.keyset_page(req, rows, lambda e: (-e[4], -e[0]), render)

    def review_comments(self, req: Request, repo: Repo) -> Response:
        rows = self._comment_list(req, self.world.activity(repo).review_comments)
        base = req.base_url
        r = f"{base}/repos/{repo.full_name}"

        def render(c: tuple[int, int, int, int]) -> dict:
            cid, number, user, at = c
            sha = f"{stable_hash('rc', cid):016x}" * 2 + "00000000"
            return {
                "url": f"{r}/pulls/comments/{cid}",
                "pull_request_review_id": cid + 7,
                "id": cid,
                "node_id": _node_id("PullRequestReviewComment", cid),
                "diff_hunk": "@@ -1,3 +1,4 @@",
                "path": "src/main.py",
                "position": 1,
                "original_position": 1,
                "commit_id": sha,
                "original_commit_id": sha,
                "user": self.user_json(base, user),
                "body": "Synthetic fakehub review comment.",
                "created_at": iso(at),
                "updated_at": iso(at),
                "html_url": f"https://github.com/{repo.full_name}/pull/{number}#discussion_r{cid}",
                "pull_request_url": f"{r}/pulls/{number}",
                "author_association": "CONTRIBUTOR",
                "_links": {
                    "self": {"href": f"{r}/pulls/comments/{cid}"},
                    "html": {"href": f"https://github.com/{repo.full_name}/pull/{number}#discussion_r{cid}"},
                    "pull_request": {"href": f"{r}/pulls/{number}"},
                },
                "line": 1,
                "side": "RIGHT",
                "subject_type": "line",
            }

        return self.keyset_page(req, rows, self._comment_key(req), render)

    def commits(self, req: Request, repo: Repo) -> Response:
        now = self.world.clock.now
        since, until = req.arg("since"), req.arg("until")
        lo = parse_iso(since) if since else None
        hi = min(parse_iso(until), now) if until else now
        activity = self.world.activity(repo)
        # the history as it landed, newest first: a merged branch brings older dates to the top
        rows = [(k, c) for k, c in activity.landed_commits(now) if c[2] <= hi and (lo is None or c[2] >= lo)]
        rows.sort(key=lambda row: (-activity.landed(row[0]), -row[0]))
        base = req.base_url
        r = f"{base}/repos/{repo.full_name}"

        def render(row: tuple[int, tuple[str, int | None, int, str]]) -> dict:
            sha, user, at, name = row[1]
            person = {"name": name, "email": f"{name}@users.noreply.example", "date": iso(at)}
            account = self.user_json(base, user) if user is not None else None
            return {
                "sha": sha,
                "node_id": _node_id("Commit", int(sha[:8], 16)),
                "commit": {
                    "author": person,
                    "committer": person,
                    "message": f"Synthetic fakehub commit {sha[:7]}",
                    "tree": {"sha": sha[::-1], "url": f"{r}/git/trees/{sha[::-1]}"},
                    "url": f"{r}/git/commits/{sha}",
                    "comment_count": 0,
                },
                "url": f"{r}/commits/{sha}",
                "html_url": f"https://github.com/{repo.full_name}/commit/{sha}",
                "comments_url": f"{r}/commits/{sha}/comments",
                "author": account,
                "committer": account,
                "parents": [],
            }

        return self.keyset_page(req, rows, lambda row: (-activity.landed(row[0]), -row[0]), render)
