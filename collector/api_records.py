"""The declared schema of each API record a collector stores something of, checked where it enters.

One msgspec Struct per record (GitHub's REST and GraphQL answers; see the docs.github.com page
of each endpoint for the fields): ids positive and within a signed 64-bit integer, times
RFC 3339 with a zone and of a real calendar day, strings strings. Only the fields a row is
built from are declared (msgspec leaves the others unread). A record that does not meet its
schema is skipped and counted with its endpoint (:func:`checked`); the caller's row builder
then reads only records that do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec

Id = Annotated[int, msgspec.Meta(gt=0, le=2**63 - 1)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Time = Annotated[datetime, msgspec.Meta(tz=True)]  # GitHub: "2024-01-15T10:00:00Z"


class User(msgspec.Struct):
    """A user object (REST ``user``, ``actor``, ``closed_by``; GraphQL ``User`` by ``databaseId``)."""

    id: Id
    login: str
    type: str | None = None


class RestStar(msgspec.Struct):
    """``GET /repos/{owner}/{repo}/stargazers`` with ``Accept: application/vnd.github.star+json``."""

    starred_at: Time
    user: User | None = None  # null: an account GitHub no longer shows


class StarNode(msgspec.Struct):
    databaseId: Id
    login: str


class GraphqlStar(msgspec.Struct):
    """A ``StargazerEdge`` of ``repository.stargazers``."""

    starredAt: Time
    node: StarNode | None = None


class MaybeUser(msgspec.Struct):
    """A user object that may be empty (a commit's ``author`` without a GitHub account)."""

    id: Id | None = None
    login: str | None = None
    type: str | None = None


class PullRef(msgspec.Struct):
    merged_at: Time | None = None


class Issue(msgspec.Struct, kw_only=True):
    """``GET /repos/{owner}/{repo}/issues`` items, and the ``issue`` of an issue event."""

    number: Id
    title: str | None = None
    user: User | None = None
    pull_request: PullRef | None = None
    created_at: Time | None = None
    updated_at: Time | None = None
    closed_at: Time | None = None
    closed_by: User | None = None


class ListedIssue(Issue, kw_only=True):
    """An ``/issues`` listing's item: it always has both times."""

    created_at: Time
    updated_at: Time


class Comment(msgspec.Struct):
    """``/issues/comments`` and ``/pulls/comments`` items."""

    id: Id
    created_at: Time
    updated_at: Time
    user: User | None = None
    issue_url: str | None = None
    pull_request_url: str | None = None


class IssueEvent(msgspec.Struct):
    """``GET /repos/{owner}/{repo}/issues/events`` items."""

    created_at: Time
    event: str | None = None
    actor: User | None = None
    issue: Issue | None = None


class CommitDate(msgspec.Struct):
    date: Time | None = None


class CommitDetail(msgspec.Struct):
    author: CommitDate | None = None
    committer: CommitDate | None = None


class Commit(msgspec.Struct):
    """``GET /repos/{owner}/{repo}/commits`` items."""

    sha: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{40}\Z")]
    commit: CommitDetail | None = None
    author: MaybeUser | None = None


ACTIVITY_RECORDS: dict[str, type[msgspec.Struct]] = {
    "issues": ListedIssue,
    "issue_comments": Comment,
    "review_comments": Comment,
    "issue_events": IssueEvent,
    "commits": Commit,
}

Record = TypeVar("Record")


def checked(
    items: Iterable[Record],
    schema: type[msgspec.Struct],
    skipped: list[str],
    *,
    nulls: bool = False,
    from_attributes: bool = False,
) -> list[Record]:
    """The ``items`` that meet ``schema`` (JSON values as the client decoded them), unchanged;
    each other one adds its reason (``Expected `str`, got `int` - at `$.login```) to ``skipped``.
    With ``nulls``, a null item is passed on (GraphQL's null edges: accounts GitHub hides); with
    ``from_attributes`` the items are objects a client library parsed (ModelScope's ``RepoInfo``)."""
    kept: list[Record] = []
    for item in items:
        if item is None and nulls:
            kept.append(item)
            continue
        try:
            msgspec.convert(item, schema, strict=True, from_attributes=from_attributes)
        except msgspec.ValidationError as exc:
            skipped.append(str(exc))
            continue
        kept.append(item)
    return kept


def check(item: Any, schema: type[msgspec.Struct]) -> str | None:
    """Why ``item`` does not meet ``schema``, or None when it does."""
    try:
        msgspec.convert(item, schema, strict=True)
    except msgspec.ValidationError as exc:
        return str(exc)
    return None


# -- Hugging Face Hub: /api/models and /api/models/{id} (huggingface_hub's ModelInfo) ----------


class Safetensors(msgspec.Struct):
    total: Count | None = None


class ModelRef(msgspec.Struct):
    id: str


class BaseModels(msgspec.Struct):
    """``baseModels``: ``{"relation", "models": [{"id"}, ...]}``."""

    relation: str | None = None
    models: list[ModelRef | str] | None = None


class HubModel(msgspec.Struct):
    """A model record of the Hub's listing or model API: what ``ecometrics.collector.hf.page_rows`` reads."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    author: str | None = None
    createdAt: Time | None = None
    lastModified: Time | None = None
    library_name: str | None = None
    pipeline_tag: str | None = None
    tags: list[str] | None = None
    safetensors: Safetensors | None = None
    gated: bool | str | None = None
    childrenModelCount: dict[str, Count] | Count | None = None
    downloads: Count | None = None
    downloadsAllTime: Count | None = None
    likes: Count | None = None
    trendingScore: int | float | None = None
    baseModels: BaseModels | list[BaseModels | str] | None = None


# -- ModelScope: modelscope_hub's RepoInfo (HubApi.list_models / model_info) --------------------


class ModelScopeModel(msgspec.Struct):
    """A ``RepoInfo`` as ``ecometrics.collector.modelscope._write`` reads it (the client library parsed the JSON)."""

    repo_id: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    owner: str | None = None
    created_at: datetime | None = None  # the library parses the API's times; anything else is not one
    last_modified: datetime | None = None
    tasks: list[str] | None = None
    license: str | None = None
    gated: bool | None = None
    downloads: Count | None = None
    likes: Count | None = None


# -- GitHub repositories: the metadata document's ``repository`` and the day's snapshot ---------


class RepositoryOwner(msgspec.Struct):
    login: str
    id: str | None = None  # the owner's node id


class TotalCount(msgspec.Struct):
    totalCount: Count


class NewestStarNode(msgspec.Struct):
    databaseId: Id


class NewestStarEdge(msgspec.Struct):
    starredAt: Time
    node: NewestStarNode | None = None


class NewestStars(msgspec.Struct):
    edges: list[NewestStarEdge | None] | None = None


class UpdatedNode(msgspec.Struct):
    updatedAt: Time


class NewestUpdated(msgspec.Struct):
    nodes: list[UpdatedNode | None] | None = None


class GraphqlRepository(msgspec.Struct):
    """A ``Repository`` of the metadata document (``ecometrics.collector.github_queries.REPO_FIELDS``):
    what its repository row, its day's snapshot and its newest star and updates are built from
    (https://docs.github.com/graphql/reference/objects#repository)."""

    databaseId: Id
    nameWithOwner: Annotated[str, msgspec.Meta(pattern=r"^[^/\s]+/[^/\s]+\Z")]
    name: Annotated[str, msgspec.Meta(min_length=1)]
    owner: RepositoryOwner
    stargazerCount: Count
    forkCount: Count
    description: str | None = None
    createdAt: Time | None = None
    pushedAt: Time | None = None
    isArchived: bool | None = None
    isFork: bool | None = None
    watchers: TotalCount | None = None
    issues: TotalCount | None = None
    pullRequests: TotalCount | None = None
    newestStar: NewestStars | None = None
    newestPullRequest: NewestUpdated | None = None
    newestIssue: NewestUpdated | None = None


class RestOwner(msgspec.Struct):
    login: str
    node_id: str | None = None


class License(msgspec.Struct):
    spdx_id: str | None = None


class RestRepository(msgspec.Struct):
    """``GET /repos/{owner}/{repo}`` and the items of ``/orgs/{org}/repos`` / ``/users/{user}/repos``:
    what ``ecometrics.collector.github_rows.repo_row_rest`` and ``snapshot_row_rest`` read
    (https://docs.github.com/rest/repos/repos#get-a-repository)."""

    id: Id
    full_name: Annotated[str, msgspec.Meta(pattern=r"^[^/\s]+/[^/\s]+\Z")]
    name: Annotated[str, msgspec.Meta(min_length=1)]
    owner: RestOwner
    description: str | None = None
    created_at: Time | None = None
    pushed_at: Time | None = None
    language: str | None = None
    license: License | None = None
    topics: list[str] | None = None
    archived: bool | None = None
    fork: bool | None = None
    private: bool | None = None
    stargazers_count: Count | None = None
    forks_count: Count | None = None
    subscribers_count: Count | None = None


# -- GitHub contributors: /contributors?anon=1 and /stats/contributors ---------------------------


class Contributor(msgspec.Struct):
    """``GET /repos/{owner}/{repo}/contributors?anon=1`` items: a user (``id``, ``login``) or an
    anonymous author (``type: "Anonymous"``, ``email``, ``name``), with its commit count
    (https://docs.github.com/rest/repos/repos#list-repository-contributors)."""

    contributions: Count
    id: Id | None = None
    login: str | None = None
    type: str | None = None
    email: str | None = None
    name: str | None = None


class ContributorWeek(msgspec.Struct):
    """A week of ``/stats/contributors``: its start (Unix seconds), additions, deletions, commits."""

    w: Count
    a: Count = 0
    d: Count = 0
    c: Count = 0


# The last week start whose seven days Python's dates hold: 9999-12-25 23:59:59 UTC, six days before
# the last second of year 9999 (the collector makes a date of each day).
LAST_WEEK = 253402300799 - 6 * 86400


class StarHistoryWeek(msgspec.Struct):
    """``GET /repos/{owner}/{repo}/stargazers/history`` items (API version 2026-03-10; GitHub
    changelog 2026-09-04, "New API endpoint provides privacy-safe star history data"): a week's
    start (Unix seconds), its stars, and its 7 days' stars, the total their sum (as the public
    clients of the endpoint check it)."""

    week: Annotated[int, msgspec.Meta(gt=0, le=LAST_WEEK)]  # Unix seconds
    total: Count
    days: Annotated[list[Count], msgspec.Meta(min_length=7, max_length=7)]

    def __post_init__(self) -> None:
        if self.total != sum(self.days):
            raise ValueError(f"total {self.total} is not the sum of its days ({sum(self.days)})")


class ContributorStats(msgspec.Struct):
    """``GET /repos/{owner}/{repo}/stats/contributors`` items
    (https://docs.github.com/rest/metrics/statistics#get-all-contributor-commit-activity)."""

    author: User | None = None
    total: Count = 0
    weeks: list[ContributorWeek] = []


# -- GitHub accounts: nodes(ids:) of profiles and of stargazer account facts -------------------


class Profile(msgspec.Struct):
    """A ``User`` or ``Organization`` of ``ecometrics.collector.github_queries.PROFILES_QUERY``'s ``nodes(ids:)``
    (https://docs.github.com/graphql/reference/objects#user): what ``profile_row`` stores. A node
    of another type (a ``Bot``) has only ``__typename`` and ``id``."""

    typename: str = msgspec.field(name="__typename")
    databaseId: Id | None = None
    login: str | None = None
    location: str | None = None
    company: str | None = None


class ContributionCalendar(msgspec.Struct):
    totalContributions: Count | None = None


class ContributionsCollection(msgspec.Struct):
    contributionCalendar: ContributionCalendar | None = None


class AccountFacts(msgspec.Struct):
    """A ``User`` of ``ecometrics.collector.account_facts.ACCOUNT_FACTS_QUERY``'s ``nodes(ids:)``: what
    ``facts_row`` stores (https://docs.github.com/graphql/reference/objects#user)."""

    databaseId: Id
    login: str | None = None
    createdAt: Time | None = None
    followers: TotalCount | None = None
    repositories: TotalCount | None = None
    contributionsCollection: ContributionsCollection | None = None


# -- GitHub issue and pull request details: GraphQL ``issues`` / ``pullRequests`` nodes ---------


class GraphqlActor(msgspec.Struct):
    """An ``Actor`` (``author``): ``graphql_actor`` reads its login when it has a ``databaseId``."""

    login: str
    databaseId: Id | None = None
    typename: str | None = msgspec.field(default=None, name="__typename")
    id: str | None = None


class Review(msgspec.Struct):
    """A ``PullRequestReview``; ``fullDatabaseId`` is a BigInt, sent as a string of digits."""

    fullDatabaseId: Annotated[str, msgspec.Meta(pattern=r"^[1-9][0-9]{0,18}\Z")] | None = None
    submittedAt: Time | None = None
    state: str | None = None
    author: GraphqlActor | None = None


class Reviews(msgspec.Struct):
    nodes: list[Review | None] | None = None


class IssueNode(msgspec.Struct, kw_only=True):
    """An ``Issue`` of ``repository.issues`` (https://docs.github.com/graphql/reference/objects#issue):
    what ``ecometrics.collector.github_rows.issue_detail_events`` builds its events from."""

    number: Id
    createdAt: Time
    updatedAt: Time
    closedAt: Time | None = None
    title: str | None = None
    author: GraphqlActor | None = None


class PullRequestNode(IssueNode, kw_only=True):
    """A ``PullRequest`` of ``repository.pullRequests`` (https://docs.github.com/graphql/reference/objects#pullrequest)."""

    merged: bool | None = None
    mergedAt: Time | None = None
    additions: Count | None = None
    deletions: Count | None = None
    changedFiles: Count | None = None
    commits: TotalCount | None = None
    reviews: Reviews | None = None


ISSUE_DETAIL_RECORDS: dict[str, type[msgspec.Struct]] = {"pull_requests": PullRequestNode, "issues": IssueNode}
