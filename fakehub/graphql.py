"""GitHub GraphQL (``POST /graphql``) on a subset of GitHub's schema, executed by
graphql-core: documents are parsed, validated and resolved for real, so aliases,
fragments, variables and cursors behave as on GitHub.

Schema subset (:data:`SDL`)::

    repository(owner, name, followRenames = true) {
      id databaseId name nameWithOwner url description owner { login }
      stargazerCount forkCount watchers { totalCount }
      issues(states, first, after, orderBy: {field: CREATED_AT|UPDATED_AT|COMMENTS, direction}) {
        totalCount pageInfo { ... }
        nodes { databaseId number title author createdAt updatedAt closedAt closed state comments { totalCount } }
      }
      pullRequests(states, first, after, orderBy) {
        ... nodes { the issue's fields, merged mergedAt additions deletions changedFiles
                    commits { totalCount } reviews(first, after, states) { nodes { databaseId author state
                    submittedAt } } }
      }
      issue(number) { ... }  pullRequest(number) { ... }  issueOrPullRequest(number) { ... on Issue/PullRequest }
      createdAt updatedAt pushedAt isArchived isFork
      primaryLanguage { name }  licenseInfo { key name spdxId }
      repositoryTopics(first) { totalCount nodes { topic { name } } }
      stargazers(first <= 100, after, orderBy: {field: STARRED_AT, direction: ASC|DESC}) {
        totalCount pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
        edges { cursor starredAt node { login databaseId id } }  nodes { login databaseId id }
      }
    }
    rateLimit(dryRun) { cost limit remaining used resetAt nodeCount }
    nodes(ids: [ID!]! <= 100) { __typename
      ... on User { login databaseId id location company createdAt followers { totalCount }
        repositories { totalCount } contributionsCollection { contributionCalendar { totalContributions } } }
      ... on Organization { login databaseId id location } }

``author`` is an ``Actor``: a ``User`` or a ``Bot`` (see :func:`actor`). ``issue(number:)`` of a
pull request's number (and ``pullRequest(number:)`` of an issue's) is null with a ``NOT_FOUND``
error at its path (:meth:`RepositoryNode._find`). Every connection refuses items asked without
``first``/``last`` and more than 100 of them (:func:`page_size`). Issue and pull
request connections page by keyset cursors (:func:`keyset_cursor`): ordered by
``UPDATED_AT``, an item updated during a walk moves ahead of it instead of shifting the
pages after the cursor.

Cost follows GitHub's published rule: add up the requests each connection needs
(``first``/``last`` of enclosing connections multiplied), divide by 100, round, at
least 1. It is charged to the token's points budget before execution; ``rateLimit``
shows the state after the charge. Anonymous requests answer 401. When the budget
cannot pay, the answer is GitHub's: 200 with ``errors[0].type == "RATE_LIMITED"`` and
``x-ratelimit-remaining: 0``. A missing repository gives ``null`` for its alias and an
error with ``type: "NOT_FOUND"`` and its ``path``. A document asking for more than
``graphql_timeout_nodes`` nodes (:func:`requested_nodes`) times out as a whole, as GitHub's
do past their 10 seconds: 502 or 504, charged, and the same again when asked again (see
:data:`TIMEOUT_NODES`). A stargazer cursor names a star's place and when it was issued; one
older than the cursor lifetime (:data:`ecometrics.fakehub.generator.CURSOR_LIFETIME_SECONDS`) is refused
with ``INVALID_CURSOR_ARGUMENTS`` ("`...` does not appear to be a valid cursor."), its
``repository`` null.

``nodes(ids:)`` resolves global node ids ("Query.nodes",
https://docs.github.com/graphql/reference/queries#nodes); users answer to their legacy ids,
``base64("04:User<databaseId>")``, which GitHub still resolves ("Migrating GraphQL global node
IDs", https://docs.github.com/graphql/guides/migrating-graphql-global-node-ids; a legacy
user id such as ``MDQ6VXNlcjM0MDczMDM=`` still answers, with a deprecation warning:
pwntester/octo.nvim issue 1373). An id that resolves to nothing is ``null`` in the list with a
``NOT_FOUND`` error whose ``path`` is its index, in GitHub's words ("Could not resolve to a node
with the global id of '...'", as reported in actions/add-to-project issue 168 and
WordPress/openverse pull 1031). More than 100 ids is refused, the whole document with a null
``data``: "You may not provide more than 100 node ids; you provided 101.", type
``ARGUMENT_LIMIT`` (the exchange recorded in sourcecred/sourcecred pull 908). Organisations
answer to ``base64("012:Organization<databaseId>")``. ``location`` and ``company`` are the free
text a profile holds, null when empty (https://docs.github.com/graphql/reference/objects#user);
an organisation has a ``location`` and no ``company`` (:meth:`GitHubWorld.user_profile`,
:meth:`GitHubWorld.org_profile`). ``User`` carries the public facts the suspected-fake-star detectors read (``createdAt``,
``followers``, ``repositories``, ``contributionsCollection.contributionCalendar``), from
:meth:`ecometrics.fakehub.generator.GitHubWorld.account_facts`.
"""

from __future__ import annotations

import base64
import json

import numpy as np
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    VariableNode,
    build_schema,
    execute_sync,
    parse,
    validate,
    value_from_ast_untyped,
)

from ecometrics.fakehub.clock import iso
from ecometrics.fakehub.exchange import Request, Response
from ecometrics.fakehub.generator import BLOCKED, STARGAZERS_REFUSED, GitHubWorld, Issue, Repo, UserDirectory
from ecometrics.fakehub.limits import Window

SDL = """
scalar DateTime
scalar URI
scalar BigInt

enum OrderDirection { ASC DESC }
enum StarOrderField { STARRED_AT }
enum IssueState { OPEN CLOSED }
enum PullRequestState { OPEN CLOSED MERGED }
enum IssueOrderField { CREATED_AT UPDATED_AT COMMENTS }
enum PullRequestReviewState { PENDING COMMENTED APPROVED CHANGES_REQUESTED DISMISSED }
input StarOrder { field: StarOrderField!, direction: OrderDirection! }
input IssueOrder { field: IssueOrderField!, direction: OrderDirection! }

type Query {
  repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
  rateLimit(dryRun: Boolean = false): RateLimit
  nodes(ids: [ID!]!): [Node]!
}

interface Node { id: ID! }
type ContributionCalendar { totalContributions: Int! }
type ContributionsCollection { contributionCalendar: ContributionCalendar! }

type RateLimit { cost: Int! limit: Int! remaining: Int! used: Int! resetAt: DateTime! nodeCount: Int! }

type RepositoryOwner { login: String! id: ID! url: URI! }
type Language { name: String! }
type License { key: String! name: String! spdxId: String }
type Topic { name: String! }
type RepositoryTopic { topic: Topic! }
type RepositoryTopicConnection { totalCount: Int! nodes: [RepositoryTopic] }
type CountConnection { totalCount: Int! }

interface Actor { login: String! url: URI! }
type User implements Actor & Node {
  login: String!
  databaseId: Int
  id: ID!
  url: URI!
  location: String
  company: String
  createdAt: DateTime!
  followers(first: Int, after: String): CountConnection!
  repositories(first: Int, after: String): CountConnection!
  contributionsCollection(from: DateTime, to: DateTime): ContributionsCollection!
}
type Organization implements Node { login: String! databaseId: Int id: ID! url: URI! location: String }
type Bot implements Actor { login: String! databaseId: Int id: ID! url: URI! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type StargazerEdge { cursor: String! starredAt: DateTime! node: User! }
type StargazerConnection { totalCount: Int! pageInfo: PageInfo! edges: [StargazerEdge] nodes: [User] }

type Issue {
  id: ID!
  databaseId: Int
  number: Int!
  title: String!
  author: Actor
  createdAt: DateTime!
  updatedAt: DateTime!
  closedAt: DateTime
  closed: Boolean!
  state: IssueState!
  comments(first: Int, after: String): CountConnection!
}
type IssueEdge { cursor: String! node: Issue }
type IssueConnection { totalCount: Int! pageInfo: PageInfo! edges: [IssueEdge] nodes: [Issue] }

type PullRequestReview {
  id: ID!
  databaseId: Int
  fullDatabaseId: BigInt
  author: Actor
  state: PullRequestReviewState!
  submittedAt: DateTime
  createdAt: DateTime!
}
type PullRequestReviewEdge { cursor: String! node: PullRequestReview }
type PullRequestReviewConnection {
  totalCount: Int! pageInfo: PageInfo! edges: [PullRequestReviewEdge] nodes: [PullRequestReview]
}

type PullRequest {
  id: ID!
  databaseId: Int
  number: Int!
  title: String!
  author: Actor
  createdAt: DateTime!
  updatedAt: DateTime!
  closedAt: DateTime
  closed: Boolean!
  merged: Boolean!
  mergedAt: DateTime
  state: PullRequestState!
  additions: Int!
  deletions: Int!
  changedFiles: Int!
  commits(first: Int, after: String): CountConnection!
  comments(first: Int, after: String): CountConnection!
  reviews(first: Int, after: String, states: [PullRequestReviewState!]): PullRequestReviewConnection
}
type PullRequestEdge { cursor: String! node: PullRequest }
union IssueOrPullRequest = Issue | PullRequest
type PullRequestConnection { totalCount: Int! pageInfo: PageInfo! edges: [PullRequestEdge] nodes: [PullRequest] }

type Repository {
  id: ID!
  databaseId: Int
  name: String!
  nameWithOwner: String!
  url: URI!
  description: String
  owner: RepositoryOwner!
  stargazerCount: Int!
  forkCount: Int!
  watchers(first: Int, after: String): CountConnection!
  issues(states: [IssueState!], first: Int, after: String, orderBy: IssueOrder): IssueConnection!
  pullRequests(states: [PullRequestState!], first: Int, after: String, orderBy: IssueOrder): PullRequestConnection!
  issue(number: Int!): Issue
  pullRequest(number: Int!): PullRequest
  issueOrPullRequest(number: Int!): IssueOrPullRequest
  createdAt: DateTime!
  updatedAt: DateTime!
  pushedAt: DateTime
  isArchived: Boolean!
  isFork: Boolean!
  primaryLanguage: Language
  licenseInfo: License
  repositoryTopics(first: Int, after: String): RepositoryTopicConnection!
  stargazers(first: Int, after: String, last: Int, before: String, orderBy: StarOrder): StargazerConnection!
}
"""

SCHEMA = build_schema(SDL)
SCHEMA.type_map["Node"].resolve_type = (  # type: ignore[attr-defined]
    lambda value, info, abstract: "Organization" if isinstance(value, OrganizationNode) else "User"
)
SCHEMA.type_map["IssueOrPullRequest"].resolve_type = (  # type: ignore[attr-defined]
    lambda value, info, abstract: "PullRequest" if value.is_pull_request else "Issue"
)
MAX_NODE_IDS = 100


class GitHubGraphQLError(GraphQLError):
    """A resolver error carrying GitHub's top-level ``type`` (NOT_FOUND, ...)."""

    def __init__(self, message: str, gh_type: str | None):
        super().__init__(message)
        self.gh_type = gh_type


def _cursor(k: int, issued: int) -> str:
    """A stargazer cursor: the star's index and when (the simulated clock) it was issued."""
    return base64.b64encode(f"cursor:v2:{k}:{issued}".encode()).decode()


def _uncursor(cursor: str, world: GitHubWorld) -> int:
    """The star index of a cursor; one malformed or older than the cursor lifetime
    (:data:`ecometrics.fakehub.generator.CURSOR_LIFETIME_SECONDS`) is refused as GitHub refuses one."""
    try:
        text = base64.b64decode(cursor).decode()
        _, k, issued = text.rsplit(":", 2)
        index, expired = int(k), world.cursor_expired(int(issued))
    except (ValueError, IndexError, UnicodeDecodeError):
        expired = True
    if expired:
        raise GitHubGraphQLError(
            f"`{cursor}` does not appear to be a valid cursor.", "INVALID_CURSOR_ARGUMENTS"
        ) from None  # GitHub's message is the whole story, not the decoding error
    return index


def node_id(kind: str, number: int) -> str:
    """GitHub's legacy global id: base64 of ``0<len(kind)>:<kind><database id>``."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def parse_node_id(value: str) -> tuple[str, int] | None:
    """(kind, database id) of a legacy global id, or None when it is not one."""
    try:
        text = base64.b64decode(value, validate=True).decode()
        prefix, rest = text.split(":", 1)
        kind = rest[: int(prefix)]
        return kind, int(rest[int(prefix) :])
    except (ValueError, UnicodeDecodeError):
        return None


class UserNode:
    def __init__(self, index: int, users: UserDirectory, world: GitHubWorld | None = None):
        self.login = users.login(index)
        self.databaseId = users.user_id(index)
        self.id = node_id("User", self.databaseId)
        self.url = f"https://github.com/{self.login}"
        self._index, self._world = index, world

    def _facts(self) -> dict[str, int]:
        assert self._world is not None, "facts are served on nodes(ids:) users"
        return self._world.account_facts(self._index)

    def createdAt(self, info, **_):
        return iso(self._facts()["created"])

    def followers(self, info, **_):
        return {"totalCount": self._facts()["followers"]}

    def repositories(self, info, **_):
        return {"totalCount": self._facts()["repositories"]}

    def contributionsCollection(self, info, **_):
        return {"contributionCalendar": {"totalContributions": self._facts()["contributions"]}}

    def location(self, info, **_):
        return self._profile()[0]

    def company(self, info, **_):
        return self._profile()[1]

    def _profile(self) -> tuple[str | None, str | None]:
        """(location, company) as GitHub gives them: null, not "", when empty."""
        assert self._world is not None, "profiles are served on nodes(ids:) and stargazer users"
        location, company, _ = self._world.user_profile(self._index)
        return location or None, company or None


class OrganizationNode:
    def __init__(self, login: str, database_id: int, location: str | None):
        self.login, self.databaseId, self.location = login, database_id, location or None
        self.id = node_id("Organization", database_id)
        self.url = f"https://github.com/{login}"


class RepositoryNode:
    def __init__(self, world: GitHubWorld, repo: Repo, base: str):
        self._world, self._repo, self._base = world, repo, base
        self.databaseId = repo.id
        self.id = base64.b64encode(f"010:Repository{repo.id}".encode()).decode()
        self.name = repo.name
        self.nameWithOwner = repo.full_name
        self.url = f"https://github.com/{repo.full_name}"
        self.description = repo.description
        self.owner = {
            "login": repo.owner,
            "id": node_id("Organization", world.orgs.get(repo.owner, 0)),
            "url": f"https://github.com/{repo.owner}",
        }
        self.stargazerCount = world.stars(repo)
        self.forkCount = world.forks(repo)
        self.createdAt = iso(repo.created)
        self.pushedAt = iso(world.pushed_at(repo))
        self.updatedAt = self.pushedAt
        self.isArchived = repo.archived
        self.isFork = False
        self.primaryLanguage = {"name": repo.language}
        key, name, spdx = repo.license
        self.licenseInfo = {"key": key, "name": name, "spdxId": spdx}

    def watchers(self, info, **_):
        return {"totalCount": self._world.subscribers(self._repo)}

    def issues(self, info, states=None, first=None, after=None, orderBy=None, **_):
        return self._items(info, "issues", False, states, first, after, orderBy)

    def pullRequests(self, info, states=None, first=None, after=None, orderBy=None, **_):
        return self._items(info, "pullRequests", True, states, first, after, orderBy)

    def issue(self, info, number: int):
        return IssueNode(self._world, self._find(number, "Issue"))

    def pullRequest(self, info, number: int):
        return IssueNode(self._world, self._find(number, "PullRequest"))

    def issueOrPullRequest(self, info, number: int):
        return IssueNode(self._world, self._find(number, None))

    def _find(self, number: int, kind: str | None) -> Issue:
        """The issue (``kind`` "Issue"), pull request ("PullRequest") or either (None) ``number``.

        GitHub's types are separate: ``issue(number:)`` of a pull request's number resolves
        nothing, and says so with a ``NOT_FOUND`` error at the field's path, its value null
        (cli/cli issue 157: "Could not resolve to an Issue with the number of 1.", "Could not
        resolve to a PullRequest with the number of 4444."; cli/cli
        ``pkg/cmd/issue/shared/lookup.go``, ``findIssueOrPR``, asks ``issueOrPullRequest`` and
        matches ``NOT_FOUND`` at ``repository.issue``; neomjs/neo issue 13262 meets the
        PullRequest one for an issue's number). ``issueOrPullRequest`` of a number that is
        neither answers "Could not resolve to an issue or pull request with the number of N."
        (the text ``gh issue view`` prints for it)."""
        found = next((i for i in self._world.visible_issues(self._repo) if i.number == number), None)
        if found is None or (kind is not None and found.is_pr != (kind == "PullRequest")):
            what = {"Issue": "an Issue", "PullRequest": "a PullRequest", None: "an issue or pull request"}[kind]
            raise GitHubGraphQLError(f"Could not resolve to {what} with the number of {number}.", "NOT_FOUND")
        return found

    def _items(self, info, name: str, prs: bool, states, first, after, order) -> dict:
        """A page of the repository's issues or pull requests, in ``orderBy``, after a keyset
        cursor (see :func:`keyset_cursor`). GitHub documents no order for a connection asked
        without ``orderBy`` (https://docs.github.com/graphql/reference/input-objects#issueorder);
        creation, oldest first, is fakehub's assumption, and the collector always asks one."""
        now = self._world.clock.now
        rows = []
        for issue in self._world.visible_issues(self._repo):
            if issue.is_pr != prs:
                continue
            if states is None or _state(issue, now) in states:
                rows.append(IssueNode(self._world, issue))
        return keyset_page(info, name, rows, first, after, order)

    def repositoryTopics(self, info, first=None, **_):
        first = page_size(info, "repositoryTopics", first)
        topics = [{"topic": {"name": t}} for t in self._repo.topics]
        return {"totalCount": len(topics), "nodes": topics[:first]}

    def stargazers(self, info, first=None, after=None, last=None, before=None, orderBy=None):
        """A page of the repository's stars, to its admins and collaborators only.

        Since July 2026 GitHub lists a repository's stargazers only to its admins and
        collaborators ("Upcoming access restrictions to public API endpoints and UI views",
        https://github.blog/changelog/2026-06-30-upcoming-access-restrictions-to-public-api-endpoints-and-ui-views:
        "Some users may begin receiving empty responses or a 403 Forbidden status"), and GraphQL's
        ``stargazers`` connection with it, ``totalCount`` included: ``stargazers { totalCount }``
        answers ``FORBIDDEN`` errors where the scalar ``stargazerCount`` works
        (anuraghazra/github-readme-stats pull 4921; pkgjs/statusboard pull 54, where ``watchers {
        totalCount }`` still works; star-history/star-history issue 539: "GraphQL
        ``repository.stargazers`` fails with the same 403"). To anyone else (see
        :meth:`ecometrics.fakehub.generator.GitHubWorld.may_list_stargazers`) the field is refused with type
        ``FORBIDDEN`` at its path; the connection is non-null in GitHub's schema, so the null
        reaches the enclosing ``repository`` (https://spec.graphql.org/October2021/#sec-Handling-Field-Errors).
        No public page records GitHub's GraphQL message for it: the REST text is fakehub's
        assumption. ``stargazer_refusal="empty"`` models the changelog's other answer, an empty
        connection (``totalCount`` 0, no items) while ``stargazerCount`` stays."""
        if last is not None or before is not None:
            raise GitHubGraphQLError("fakehub supports `first`/`after` on stargazers only", "INVALID_ARGUMENTS")
        first = page_size(info, "stargazers", first)
        repo = self._repo
        if not self._world.may_list_stargazers(repo):
            if self._world.stargazer_refusal == "forbidden":
                raise GitHubGraphQLError(STARGAZERS_REFUSED, "FORBIDDEN")
            empty = {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}
            return {"totalCount": 0, "pageInfo": empty, "edges": [], "nodes": []}
        now = self._world.clock.now
        standing = repo.standing_stars(now)  # cursors name star indices
        n = len(standing)
        descending = bool(orderBy) and orderBy.get("direction") == "DESC"
        if descending:
            end = int(np.searchsorted(standing, _uncursor(after, self._world), side="left")) if after else n
            positions = range(end - 1, max(end - 1 - first, -1), -1)
            has_next, has_prev = bool(positions) and positions[-1] > 0, end < n
        else:
            start = int(np.searchsorted(standing, _uncursor(after, self._world), side="right")) if after else 0
            positions = range(start, min(start + first, n))
            has_next, has_prev = (positions[-1] + 1 < n) if positions else False, start > 0
        ks = [int(standing[p]) for p in positions]
        times = repo.star_times
        hidden = repo.star_hidden
        # a hidden account's item is null in both lists (see ecometrics.fakehub.generator)
        users = [None if hidden[k] else UserNode(repo.stargazer(k), self._world.users, self._world) for k in ks]
        edges = [
            None if u is None else {"cursor": _cursor(k, now), "starredAt": iso(int(times[k])), "node": u}
            for k, u in zip(ks, users, strict=True)
        ]
        return {
            "totalCount": n,
            "pageInfo": {
                "hasNextPage": has_next,
                "hasPreviousPage": has_prev,
                "startCursor": _cursor(ks[0], now) if ks else None,
                "endCursor": _cursor(ks[-1], now) if ks else None,
            },
            "edges": edges,
            "nodes": users,
        }


# GitHub's answer when resolving one field failed (a timeout on part of a document, an
# internal error): the field is null and the error has its path but no type, the shape of
# GraphQL's field errors (https://spec.graphql.org/October2021/#sec-Errors.Field-errors);
# the message is the one GitHub gives for such failures.
PARTIAL_TIMEOUT = (
    "Something went wrong while executing your query. This may be the result of a timeout, "
    "or it could be a GitHub bug. Please include `0000:0000:0000000:0000000:00000000` when "
    "reporting this issue."
)


# GitHub stops working on a request after 10 seconds ("Timeouts", https://docs.github.com/
# graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#timeouts) and answers
# the whole document with 502 and a null ``data`` (cli/cli issue 6247, sorenlouv/backport
# issue 479: "Something went wrong while executing your query. This may be the result of a
# timeout ...") or with 504 (magit/forge issue 630: a repository with its issues, pull
# requests and labels in one document) saying "We couldn't respond to your request in time"
# (the docs' words; the rest of the real body is not recorded). Asking again is no cure: the
# same document takes as long (cli/cli issue 12715: a repository list with many nested
# ``first: 100`` connections fails every time; dtolnay/star-history pull 30 cured it by
# asking for smaller pages). Since 2025-07-21 a timeout counts against the points budget
# (https://github.blog/changelog/2025-07-21-including-timeouts-in-primary-rate-limits).
# No source publishes the size at which a document times out: 10,000 requested nodes is
# fakehub's assumption, a fiftieth of GitHub's 500,000-node limit and far above the
# collector's own documents (about 1,100 nodes for 50 repositories).
TIMEOUT_NODES = 10_000
WHOLE_TIMEOUT_504 = "We couldn't respond to your request in time."


def timeout_response(trip: int) -> Response:
    """GitHub's answer to a document too heavy to finish in time; the two shapes alternate."""
    if trip % 2:
        return Response.json({"data": None, "errors": [{"message": PARTIAL_TIMEOUT}]}, 502)
    return Response.json({"message": WHOLE_TIMEOUT_504}, 504)


class Root:
    def __init__(
        self, world: GitHubWorld, base: str, rate: Window, cost: int, partial_fault=lambda field, kind="partial": False
    ):
        self._world, self._base, self._rate, self._cost = world, base, rate, cost
        self._partial_fault = partial_fault

    def repository(self, info, owner: str, name: str, followRenames: bool = True):
        world = self._world
        full = f"{owner}/{name}"
        if full.lower() in {b.lower() for b in BLOCKED}:
            raise GitHubGraphQLError(f"Repository access blocked: '{full}'.", "FORBIDDEN")
        if self._partial_fault(full):
            raise GitHubGraphQLError(PARTIAL_TIMEOUT, None)
        repo = world.by_name(full)
        if repo is not None and repo.full_name.lower() != full.lower():
            repo = None
        if repo is None and followRenames:
            repo = world.renamed_to(full)
        if repo is None or not world.visible(repo):
            raise GitHubGraphQLError(f"Could not resolve to a Repository with the name '{full}'.", "NOT_FOUND")
        return RepositoryNode(world, repo, self._base)

    def nodes(self, info, ids: list[str]):
        if len(ids) > MAX_NODE_IDS:
            raise GitHubGraphQLError(
                f"You may not provide more than {MAX_NODE_IDS} node ids; you provided {len(ids)}.", "ARGUMENT_LIMIT"
            )
        return [self._node(value) for value in ids]

    def _node(self, value: str):
        if self._partial_fault(value, "node"):  # timed out: null, the error at its index without a type
            return GitHubGraphQLError(PARTIAL_TIMEOUT, None)
        world = self._world
        parsed = parse_node_id(value)
        if parsed is not None and parsed[0] == "User":
            index = world.users.index_of_id(parsed[1])
            if index is not None:
                return UserNode(index, world.users, world)
        elif parsed is not None and parsed[0] == "Organization":
            org = next((login for login, number in world.orgs.items() if number == parsed[1]), None)
            if org is not None:
                return OrganizationNode(org, parsed[1], world.org_profile(org)[0])
        # graphql-core puts the error at ["nodes", index] and leaves the item null
        return GitHubGraphQLError(f"Could not resolve to a node with the global id of '{value}'", "NOT_FOUND")

    def rateLimit(self, info, dryRun: bool = False):
        w = self._rate
        return {
            "cost": self._cost,
            "limit": w.limit,
            "remaining": w.remaining,
            "used": w.used,
            "resetAt": iso(w.reset),
            "nodeCount": 0,
        }


def _state(issue: Issue, now: int) -> str:
    """GitHub's ``state`` of an issue or pull request at ``now``: OPEN, CLOSED or (pull requests) MERGED."""
    if issue.closed is None or issue.closed > now:
        return "OPEN"
    return "MERGED" if issue.is_pr and issue.merged else "CLOSED"


def actor(world: GitHubWorld, index: int | None, base: str = "https://github.com") -> dict | None:
    """An ``Actor``: a ``Bot`` for a bot account, else a ``User``. GraphQL spells a bot's
    login without REST's ``[bot]`` suffix (REST ``dependabot[bot]``, GraphQL ``dependabot``:
    marcusquinn/aidevops issue 29778; lhpaul/ai-dev-framework-template pull 739), and its
    ``databaseId`` is only reachable through ``... on Bot`` (``Actor`` declares ``login``
    and ``url`` alone: apache/devlake issue 9085)."""
    if index is None:
        return None
    login = world.users.login(index)
    bot = world.users.is_bot(index)
    if bot:
        login = login.removesuffix("[bot]")
    database_id = world.users.user_id(index)
    kind = "Bot" if bot else "User"
    return {
        "__typename": kind,
        "login": login,
        "databaseId": database_id,
        "id": node_id(kind, database_id),
        "url": f"{base}/{login}",
    }


class IssueNode:
    """An ``Issue`` or a ``PullRequest`` at the clock (one class: they share their fields)."""

    def __init__(self, world: GitHubWorld, issue: Issue):
        now = world.clock.now
        self._world, self._issue, self._now = world, issue, now
        _, closed, updated = world.issue_state(issue)
        self.databaseId = issue.id
        # fakehub's own opaque ids (GitHub's are opaque too; no client here decodes them)
        self.id = base64.b64encode(f"0{'PR' if issue.is_pr else 'I'}:{issue.id}".encode()).decode()
        self.number = issue.number
        self.is_pull_request = issue.is_pr
        self.title = issue.title
        self.author = actor(world, issue.user)
        self.createdAt = iso(issue.created)
        self.updated = updated
        self.updatedAt = iso(updated)
        self.closedAt = iso(closed) if closed else None
        self.closed = closed is not None
        self.state = _state(issue, now)
        self.merged = self.state == "MERGED"
        self.mergedAt = self.closedAt if self.merged else None
        pull = issue.pull
        self.additions = pull.additions if pull else 0
        self.deletions = pull.deletions if pull else 0
        self.changedFiles = pull.changed_files if pull else 0

    def order_value(self, field: str) -> int:
        if field == "UPDATED_AT":
            return self.updated
        if field == "COMMENTS":
            return sum(1 for at in self._issue.comments if at <= self._now)
        return self._issue.created

    def comments(self, info, **_):
        return {"totalCount": sum(1 for at in self._issue.comments if at <= self._now)}

    def commits(self, info, **_):
        return {"totalCount": self._issue.pull.commits if self._issue.pull else 0}

    def reviews(self, info, first=None, after=None, states=None, **_):
        """Submitted reviews, oldest first; a PENDING review is its author's alone and never
        listed (:data:`ecometrics.fakehub.generator.REVIEW_STATES`)."""
        pull = self._issue.pull
        rows = [
            ReviewNode(self._world, review)
            for review in (pull.reviews if pull else ())
            if review[3] <= self._now and (states is None or review[2] in states)
        ]
        return keyset_page(info, "reviews", rows, first, after, None)


class ReviewNode:
    def __init__(self, world: GitHubWorld, review: tuple[int, int, str, int]):
        review_id, reviewer, state, submitted = review
        # review ids have outgrown GraphQL's 32-bit Int: ``databaseId`` fails for them and
        # ``fullDatabaseId`` (a BigInt, sent as a string) carries them
        # (https://docs.github.com/graphql/reference/objects#pullrequestreview)
        self.databaseId = review_id
        self.fullDatabaseId = str(review_id)
        self.id = base64.b64encode(f"0PRR:{review_id}".encode()).decode()
        self.author = actor(world, reviewer)
        self.state = state
        self.submittedAt = self.createdAt = iso(submitted)
        self._submitted = submitted

    def order_value(self, field: str) -> int:
        return self._submitted


def keyset_cursor(value: int, ident: int) -> str:
    """A cursor naming an item by its sort value and id, as GitHub's ordered connections'
    cursors do: base64 of ``cursor:v2:`` and the pair, msgpack-encoded on GitHub (the recorded
    exchange of PyGithub's ``tests/ReplayData/PaginatedList.testGraphQlPagination.txt``: a
    ``discussions`` cursor decodes to ``cursor:v2:`` + [its ``updatedAt``, its database id];
    lotharschulz.info, "How to break GitHub GraphQL pagination", shows one ordered by
    ``CREATED_AT``), JSON here. A page after it starts after that pair, so it does not shift
    when items before it change; that follows from the cursor's content and is fakehub's
    reading of it, not a documented promise."""
    return base64.b64encode(f"cursor:v2:{json.dumps([value, ident])}".encode()).decode()


def _keyset(cursor: str) -> tuple[int, int]:
    try:
        value, ident = json.loads(base64.b64decode(cursor).decode().split(":", 2)[2])
        return int(value), int(ident)
    except (ValueError, IndexError, TypeError, UnicodeDecodeError):
        raise GitHubGraphQLError(
            f"`{cursor}` does not appear to be a valid cursor.", "INVALID_CURSOR_ARGUMENTS"
        ) from None


def _asks_for_items(info) -> bool:
    """Whether the field's selection asks for ``nodes`` or ``edges`` (not only ``totalCount``
    or ``pageInfo``), through fragments too."""

    def asks(selection_set) -> bool:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode) and selection.name.value in ("nodes", "edges"):
                return True
            if isinstance(selection, InlineFragmentNode) and asks(selection.selection_set):
                return True
            if isinstance(selection, FragmentSpreadNode):
                fragment = info.fragments.get(selection.name.value)
                if fragment is not None and asks(fragment.selection_set):
                    return True
        return False

    return any(asks(node.selection_set) for node in info.field_nodes)


def page_size(info, name: str, first: int | None, last: int | None = None) -> int:
    """How many items connection ``name`` is asked for, refused as GitHub refuses it.

    "You must supply a first or last argument on any connection. The value of these arguments
    must be between 1 and 100" ("Using pagination in the GraphQL API",
    https://docs.github.com/graphql/guides/using-pagination-in-the-graphql-api). A connection
    whose items (``nodes``/``edges``) are asked without either is refused, its path that of the
    connection, with "You must provide a `first` or `last` value to properly paginate the `X`
    connection." and type MISSING_PAGINATION_BOUNDARIES; more than 100 with "Requesting N
    records on the `X` connection exceeds the `first` limit of 100 records." and type
    EXCESSIVE_PAGINATION. The two texts are those Relay servers give (graphene-django's
    ``DjangoConnectionField.connection_resolver``, graphql-python/graphene-django pull 563) and
    users of GitHub quote; no public page records GitHub's whole answer, so the exact wording is
    fakehub's assumption. A connection asked for its ``totalCount`` alone is answered, as GitHub
    answers ``stargazers { totalCount }`` (anuraghazra/github-readme-stats
    ``src/fetchers/repo-fetcher.js``) and ``watchers { totalCount }`` (pkgjs/statusboard pull 54).
    """
    bound, size = ("first", first) if first is not None else ("last", last)
    if size is None:
        if _asks_for_items(info):
            raise GitHubGraphQLError(
                f"You must provide a `first` or `last` value to properly paginate the `{name}` connection.",
                "MISSING_PAGINATION_BOUNDARIES",
            )
        return 0
    if size > 100 or size < 0:
        raise GitHubGraphQLError(
            f"Requesting {size} records on the `{name}` connection exceeds the `{bound}` limit of 100 records.",
            "EXCESSIVE_PAGINATION",
        )
    return size


def keyset_page(info, name: str, rows: list, first, after, order) -> dict:
    """One page of ``rows`` (objects with ``databaseId`` and ``order_value(field)``) in
    ``order`` (default: creation, ascending), after ``after``; its size is checked by :func:`page_size`."""
    first = page_size(info, name, first)
    field = (order or {}).get("field", "CREATED_AT")
    sign = -1 if (order or {}).get("direction") == "DESC" else 1
    keyed = sorted(((sign * row.order_value(field), sign * row.databaseId), row) for row in rows)
    start = 0
    if after:
        value, ident = _keyset(after)
        mark = (sign * value, sign * ident)
        start = next((k for k, (key, _) in enumerate(keyed) if key > mark), len(keyed))
    page = keyed[start : start + first]
    cursors = [keyset_cursor(sign * key[0], sign * key[1]) for key, _ in page]
    nodes = [row for _, row in page]
    return {
        "totalCount": len(rows),
        "pageInfo": {
            "hasNextPage": start + len(page) < len(keyed),
            "hasPreviousPage": start > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "nodes": nodes,
    }


def _connections(document, variables: dict | None, operation_name: str | None) -> list[tuple[int, int]]:
    """``(multiplier, size)`` of every connection a document asks for: its ``first``/``last``
    and the product of those of the connections around it (one per top-level field)."""
    variables = variables or {}
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    if not operations:
        return []

    def arg(field: FieldNode, name: str):
        for a in field.arguments or ():
            if a.name.value == name:
                if isinstance(a.value, VariableNode):
                    return variables.get(a.value.name.value)
                return value_from_ast_untyped(a.value, variables)
        return None

    found: list[tuple[int, int]] = []

    def walk(selection_set, multiplier: int, seen: frozenset) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                size = arg(sel, "first") or arg(sel, "last")
                inner = multiplier
                if isinstance(size, int) and size > 0:
                    found.append((multiplier, size))
                    inner = multiplier * size
                if sel.selection_set:
                    walk(sel.selection_set, inner, seen)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set, multiplier, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    walk(frag.selection_set, multiplier, seen | {sel.name.value})

    walk(operations[0].selection_set, 1, frozenset())
    return found


def top_level_fields(document, operation_name: str | None = None) -> set[str]:
    """The names of the fields an operation asks for at its top (``repository``, ``nodes``, ...)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    return (
        {sel.name.value for sel in operations[0].selection_set.selections if isinstance(sel, FieldNode)}
        if operations
        else set()
    )


def query_cost(document, variables: dict | None, operation_name: str | None = None) -> int:
    """GitHub's rate-limit score of a document (see the module docstring)."""
    requests = sum(multiplier for multiplier, _ in _connections(document, variables, operation_name))
    return max(1, round(requests / 100))


def requested_nodes(document, variables: dict | None, operation_name: str | None = None) -> int:
    """The nodes a document asks for, by GitHub's published count (each connection's
    ``first`` times those of the connections around it: 50 repositories with
    ``issues(first: 10)`` are 50 + 500, "Rate limits and query limits for the GraphQL API",
    https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#node-limit),
    plus one for each top-level field (each aliased ``repository`` is an object to load)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    top_level = len(operations[0].selection_set.selections) if operations else 0
    return top_level + sum(m * size for m, size in _connections(document, variables, operation_name))


class GraphQLApi:
    def __init__(self, world: GitHubWorld):
        self.world = world

    def prepare(self, req: Request):
        """Parse and validate; returns (document, variables, operation, cost, requested nodes)
        or an error Response."""
        try:
            payload = json.loads(req.body or b"{}")
            query = payload["query"]
        except (ValueError, KeyError, TypeError):
            return Response.json(
                {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/graphql"}, 400
            )
        variables = payload.get("variables") or {}
        operation = payload.get("operationName")
        try:
            document = parse(query)
        except GraphQLError as e:
            return Response.json({"errors": [e.formatted]})
        errors = validate(SCHEMA, document)
        if errors:
            return Response.json({"errors": [e.formatted for e in errors]})
        cost, nodes = query_cost(document, variables, operation), requested_nodes(document, variables, operation)
        return document, variables, operation, cost, nodes

    def execute(
        self, req: Request, prepared, rate: Window, partial_fault=lambda field, kind="partial": False
    ) -> Response:
        """Run a prepared document; ``partial_fault(full_name)`` says whether one aliased
        repository times out, ``partial_fault(node_id, "node")`` whether one ``nodes(ids:)`` item
        does (the ``partial`` and ``node`` fault kinds of :mod:`ecometrics.fakehub.faults`)."""
        document, variables, operation, cost, _nodes = prepared
        root = Root(self.world, req.base_url, rate, cost, partial_fault)
        result = execute_sync(SCHEMA, document, root_value=root, variable_values=variables, operation_name=operation)
        out: dict = {}
        if result.errors:
            errors = []
            for e in result.errors:
                d = dict(e.formatted)
                original = e.original_error if isinstance(e.original_error, GitHubGraphQLError) else e
                if isinstance(original, GitHubGraphQLError) and original.gh_type:
                    d["type"] = original.gh_type
                errors.append(d)
            out["errors"] = errors
        out["data"] = result.data
        return Response.json(out)
