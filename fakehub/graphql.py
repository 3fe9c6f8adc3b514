"""GitHub GraphQL (``POST /graphql``) on a subset of GitHub's schema, executed by
graphql-core: documents are parsed, validated and resolved for real, so aliases,
fragments, variables and cursors behave as on GitHub.

Schema subset (:data:`SDL`)::

    repository(owner, name, followRenames = true) {
      id databaseId name nameWithOwner url description owner { login }
      stargazerCount forkCount watchers { totalCount }
      issues(states) { totalCount }  pullRequests(states) { totalCount }
      createdAt updatedAt pushedAt isArchived isFork
      primaryLanguage { name }  licenseInfo { key name spdxId }
      repositoryTopics(first) { totalCount nodes { topic { name } } }
      stargazers(first <= 100, after, orderBy: {field: STARRED_AT, direction: ASC|DESC}) {
        totalCount pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
        edges { cursor starredAt node { login databaseId id } }  nodes { login databaseId id }
      }
    }
    rateLimit(dryRun) { cost limit remaining used resetAt nodeCount }
    nodes(ids: [ID!]!) { __typename id
      ... on User { login databaseId location company }  ... on Organization { login databaseId location } }

``nodes`` takes at most 100 ids: more is GitHub's ``ARGUMENT_LIMIT`` error ("You may not
provide more than 100 node ids; you provided 101.", null ``data``: sourcecred/sourcecred pull
908). An id that resolves to nothing is a null item with a ``NOT_FOUND`` error whose path is
``["nodes", index]`` ("Could not resolve to a node with the global id of '...'", GitHub's
wording for ``node(id:)``). ``location`` and ``company`` are the free text profiles hold,
null when empty (https://docs.github.com/graphql/reference/objects#user); organisations have
a ``location`` and no ``company``. Ids are the legacy global ids GitHub's REST ``node_id``
gives (``MDQ6VXNlcjI5NDEwMzU=`` is ``04:User2941035``, as in the recorded exchanges).

Cost follows GitHub's published rule: add up the requests each connection needs
(``first``/``last`` of enclosing connections multiplied), divide by 100, round, at
least 1. It is charged to the token's points budget before execution; ``rateLimit``
shows the state after the charge. Anonymous requests answer 401. When the budget
cannot pay, the answer is GitHub's: 200 with ``errors[0].type == "RATE_LIMITED"`` and
``x-ratelimit-remaining: 0``. A missing repository gives ``null`` for its alias and an
error with ``type: "NOT_FOUND"`` and its ``path``. A document asking for more than
``graphql_timeout_nodes`` nodes (:func:`requested_nodes`) times out as a whole, as GitHub's
do past their 10 seconds: 502 or 504, charged, and the same again when asked again (see
:data:`TIMEOUT_NODES`).
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

from fakehub.clock import iso
from fakehub.exchange import Request, Response
from fakehub.generator import BLOCKED, GitHubWorld, Repo, UserDirectory
from fakehub.limits import Window

SDL = """
scalar DateTime
scalar URI

enum OrderDirection { ASC DESC }
enum StarOrderField { STARRED_AT }
enum IssueState { OPEN CLOSED }
enum PullRequestState { OPEN CLOSED MERGED }
input StarOrder { field: StarOrderField!, direction: OrderDirection! }

type Query {
  repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
  rateLimit(dryRun: Boolean = false): RateLimit
  nodes(ids: [ID!]!): [Node]!
}

interface Node { id: ID! }

type RateLimit { cost: Int! limit: Int! remaining: Int! used: Int! resetAt: DateTime! nodeCount: Int! }

type RepositoryOwner { login: String! id: ID! url: URI! }
type Language { name: String! }
type License { key: String! name: String! spdxId: String }
type Topic { name: String! }
type RepositoryTopic { topic: Topic! }
type RepositoryTopicConnection { totalCount: Int! nodes: [RepositoryTopic] }
type CountConnection { totalCount: Int! }

type User implements Node { login: String! databaseId: Int id: ID! url: URI! location: String company: String }
type Organization implements Node { login: String! databaseId: Int id: ID! url: URI! location: String }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type StargazerEdge { cursor: String! starredAt: DateTime! node: User! }
type StargazerConnection { totalCount: Int! pageInfo: PageInfo! edges: [StargazerEdge] nodes: [User] }

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
  issues(states: [IssueState!], first: Int, after: String): CountConnection!
  pullRequests(states: [PullRequestState!], first: Int, after: String): CountConnection!
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


class GitHubGraphQLError(GraphQLError):
    """A resolver error carrying GitHub's top-level ``type`` (NOT_FOUND, ...)."""

    def __init__(self, message: str, gh_type: str | None):
        super().__init__(message)
        self.gh_type = gh_type


def _cursor(k: int) -> str:
    return base64.b64encode(f"cursor:v2:{k}".encode()).decode()


def _uncursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor).decode()
        return int(text.rsplit(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        raise GitHubGraphQLError(
            f"`{cursor}` does not appear to be a valid cursor.", "INVALID_CURSOR_ARGUMENTS"
        ) from None  # GitHub's message is the whole story, not the decoding error


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
        if world is not None:
            self.location, self.company, _ = world.user_profile(index)


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

    def issues(self, info, states=None, **_):
        return {"totalCount": self._count(False, states)}

    def pullRequests(self, info, states=None, **_):
        return {"totalCount": self._count(True, states)}

    def _count(self, prs: bool, states) -> int:
        now = self._world.clock.now
        total = 0
        for issue in self._world.visible_issues(self._repo):
            if issue.is_pr != prs:
                continue
            closed = issue.closed is not None and issue.closed <= now
            state = ("MERGED" if issue.merged else "CLOSED") if closed else "OPEN"
            if not prs and state == "MERGED":
                state = "CLOSED"
            if states is None or state in states:
                total += 1
        return total

    def repositoryTopics(self, info, first=None, **_):
        topics = [{"topic": {"name": t}} for t in self._repo.topics]
        return {"totalCount": len(topics), "nodes": topics[:first] if first else topics}

    def stargazers(self, info, first=None, after=None, last=None, before=None, orderBy=None):
        if last is not None or before is not None:
            raise GitHubGraphQLError("fakehub supports `first`/`after` on stargazers only", "INVALID_ARGUMENTS")
        if first is None:
            first = 0
        if first > 100 or first < 0:
            raise GitHubGraphQLError(
                f"Requesting {first} records on the `stargazers` connection exceeds the `first` limit of 100 records.",
                "EXCESSIVE_PAGINATION",
            )
        repo = self._repo
        standing = repo.standing_stars(self._world.clock.now)  # cursors name star indices
        n = len(standing)
        descending = bool(orderBy) and orderBy.get("direction") == "DESC"
        if descending:
            end = int(np.searchsorted(standing, _uncursor(after), side="left")) if after else n
            positions = range(end - 1, max(end - 1 - first, -1), -1)
            has_next, has_prev = bool(positions) and positions[-1] > 0, end < n
        else:
            start = int(np.searchsorted(standing, _uncursor(after), side="right")) if after else 0
            positions = range(start, min(start + first, n))
            has_next, has_prev = (positions[-1] + 1 < n) if positions else False, start > 0
        ks = [int(standing[p]) for p in positions]
        times = repo.star_times
        hidden = repo.star_hidden
        # a hidden account's item is null in both lists (see fakehub.generator)
        users = [None if hidden[k] else UserNode(repo.stargazer(k), self._world.users, self._world) for k in ks]
        edges = [
            None if u is None else {"cursor": _cursor(k), "starredAt": iso(int(times[k])), "node": u}
            for k, u in zip(ks, users, strict=True)
        ]
        return {
            "totalCount": n,
            "pageInfo": {
                "hasNextPage": has_next,
                "hasPreviousPage": has_prev,
                "startCursor": _cursor(ks[0]) if ks else None,
                "endCursor": _cursor(ks[-1]) if ks else None,
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
    def __init__(self, world: GitHubWorld, base: str, rate: Window, cost: int, partial_fault=lambda full: False):
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
        if len(ids) > 100:
            raise GitHubGraphQLError(
                f"You may not provide more than 100 node ids; you provided {len(ids)}.", "ARGUMENT_LIMIT"
            )
        return [self._node(value) for value in ids]

    def _node(self, value: str):
        world = self._world
        parsed = parse_node_id(value)
        found = None
        if parsed is not None and parsed[0] == "User":
            index = world.users.index_of_id(parsed[1])
            if index is not None:
                user = UserNode(index, world.users, world)
                found = {"__typename": "User", **vars(user)}
        elif parsed is not None and parsed[0] == "Organization":
            org = next((login for login, number in world.orgs.items() if number == parsed[1]), None)
            if org is not None:
                location, _ = world.org_profile(org)
                found = {
                    "__typename": "Organization",
                    "login": org,
                    "databaseId": parsed[1],
                    "id": value,
                    "url": f"https://github.com/{org}",
                    "location": location or None,
                }
        if found is None:
            # graphql-core puts the error at ["nodes", index] and leaves the item null
            return GitHubGraphQLError(f"Could not resolve to a node with the global id of '{value}'.", "NOT_FOUND")
        if "location" in found and not found["location"]:
            found["location"] = None  # GitHub gives null, not "", for an empty profile field
        if found.get("company") == "":
            found["company"] = None
        return found

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

    def execute(self, req: Request, prepared, rate: Window, partial_fault=lambda full: False) -> Response:
        """Run a prepared document; ``partial_fault(full_name)`` says whether one aliased
        repository times out (the ``partial`` fault kind of :mod:`fakehub.faults`)."""
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
