"""The GraphQL documents the GitHub collector sends, in one place.

Fields follow GitHub's public schema (https://docs.github.com/graphql/reference/objects#repository);
connections hold at most 100 items a page. Items of ``edges``/``nodes`` may be ``null``
(``[StargazerEdge]``: an account GitHub no longer shows), so readers skip them.
"""

from __future__ import annotations

from collections.abc import Sequence

REPO_BATCH = 50  # aliased repositories per document: one request per 50 repositories

REPO_FIELDS = """
    databaseId nameWithOwner name owner { login id } description createdAt pushedAt
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
    stargazerCount
    stargazers(first: 100, after: $after, orderBy: {field: STARRED_AT, direction: ASC}) {
      pageInfo { endCursor hasNextPage }
      edges { starredAt node { databaseId login id } }
    }
  }
}
"""


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


PROFILE_BATCH = 100  # ids per nodes(ids:) document: GitHub refuses more ("You may not provide more
# than 100 node ids", type ARGUMENT_LIMIT: sourcecred/sourcecred pull 908)

# Where an account says it is. ``nodes`` is no connection: one document costs one point whatever
# it holds. An id that no longer resolves (a deleted or suspended account) is a null item with a
# NOT_FOUND error whose path is ["nodes", index].
PROFILES_QUERY = """
query Profiles($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename
    id
    ... on User { databaseId login location company }
    ... on Organization { databaseId login location }
  }
}
"""
