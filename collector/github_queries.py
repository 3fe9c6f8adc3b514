"""The GraphQL documents the GitHub collector sends, in one place.

Fields follow GitHub's public schema (https://docs.github.com/graphql/reference/objects#repository);
connections hold at most 100 items a page. Items of ``edges``/``nodes`` may be ``null``
(``[StargazerEdge]``: an account GitHub no longer shows), so readers skip them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

REPO_BATCH = 50  # aliased repositories per document: one request per 50 repositories

REPO_FIELDS = """
    databaseId nameWithOwner name owner { login id } description createdAt pushedAt
    primaryLanguage { name } licenseInfo { spdxId } isArchived isFork
    repositoryTopics(first: 20) { nodes { topic { name } } }
    stargazerCount forkCount watchers { totalCount }
    issues(states: OPEN) { totalCount } pullRequests(states: OPEN) { totalCount }
    newestPullRequest: pullRequests(first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { updatedAt } }
    newestIssue: issues(first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { updatedAt } }
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


# The same connection newest first: the re-walk after a refused cursor (ecometrics.collector.github,
# GitHubCollector.rewalk_stars) reads down from the newest star to the stored ones.
STARGAZERS_NEWEST_FIRST_QUERY = """
query StargazersNewestFirst($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    stargazerCount
    stargazers(first: 100, after: $after, orderBy: {field: STARRED_AT, direction: DESC}) {
      pageInfo { startCursor endCursor hasNextPage }
      edges { starredAt node { databaseId login id } }
    }
  }
}
"""


# The newest star, asked apart from REPO_FIELDS: GitHub lists stargazers only to a repository's
# admins and collaborators (changelog 2026-06-30), and a refused ``stargazers`` connection, being
# non-null, nulls the whole repository; so it is asked only of repositories not known refused.
NEWEST_STAR_FIELDS = """
    newestStar: stargazers(first: 1, orderBy: {field: STARRED_AT, direction: DESC}) {
      edges { starredAt node { databaseId } }
    }
"""


def repository_batch_query(names: Sequence[str], without_stars: Collection[str] = ()) -> tuple[str, dict[str, str]]:
    """One document asking for every repository in ``names`` under aliases ``r0``, ``r1``, ...,
    each with its newest star unless named (lower case) in ``without_stars``."""
    declarations, fields, variables = [], [], {}
    with_stars = False
    for index, full_name in enumerate(names):
        owner, name = full_name.split("/", 1)
        declarations.append(f"$o{index}: String!, $n{index}: String!")
        stars = full_name.lower() not in without_stars
        with_stars = with_stars or stars
        spread = "...Repo ...NewestStar" if stars else "...Repo"
        fields.append(f"  r{index}: repository(owner: $o{index}, name: $n{index}) {{ {spread} }}")
        variables[f"o{index}"], variables[f"n{index}"] = owner, name
    query = (
        f"query Repositories({', '.join(declarations)}) {{\n"
        + "\n".join(fields)
        + f"\n}}\nfragment Repo on Repository {{{REPO_FIELDS}}}\n"
        + (f"fragment NewestStar on Repository {{{NEWEST_STAR_FIELDS}}}\n" if with_stars else "")
    )
    return query, variables


# Who did something: a User or a Bot (``Actor`` declares only ``login``; the id is on each type).
ACTOR = "{ __typename login ... on User { databaseId id } ... on Bot { databaseId } }"
REVIEWS_PAGE = 20  # reviews asked with each pull request: 100 of them add 100 requests, still 1 point a page
REVIEW_FIELDS = f"fullDatabaseId state submittedAt author {ACTOR}"  # review ids outgrew Int: BigInt

# The issue and pull request walks, most recently updated first (``orderBy: {field:
# UPDATED_AT, direction: DESC}``): a nightly walk stops where the stored items begin. Each
# page costs GitHub's minimum, 1 point (pullRequests: 1 request + 1 per pull request's
# reviews = 101, / 100, rounded: "Rate limits and query limits for the GraphQL API",
# https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api).
# Fields: https://docs.github.com/graphql/reference/objects#pullrequest and #issue.
PULL_REQUESTS_QUERY = f"""
query PullRequests($owner: String!, $name: String!, $first: Int!, $after: String) {{
  repository(owner: $owner, name: $name) {{
    pullRequests(first: $first, after: $after, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
      pageInfo {{ endCursor hasNextPage }}
      nodes {{
        number title createdAt updatedAt closedAt merged mergedAt
        additions deletions changedFiles commits {{ totalCount }}
        author {ACTOR}
        reviews(first: {REVIEWS_PAGE}) {{ pageInfo {{ endCursor hasNextPage }} nodes {{ {REVIEW_FIELDS} }} }}
      }}
    }}
  }}
}}
"""

ISSUES_QUERY = f"""
query Issues($owner: String!, $name: String!, $first: Int!, $after: String) {{
  repository(owner: $owner, name: $name) {{
    issues(first: $first, after: $after, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
      pageInfo {{ endCursor hasNextPage }}
      nodes {{ number title createdAt updatedAt closedAt author {ACTOR} }}
    }}
  }}
}}
"""

# The reviews of one pull request past the first REVIEWS_PAGE.
MORE_REVIEWS_QUERY = f"""
query Reviews($owner: String!, $name: String!, $number: Int!, $after: String) {{
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{
      reviews(first: 100, after: $after) {{ pageInfo {{ endCursor hasNextPage }} nodes {{ {REVIEW_FIELDS} }} }}
    }}
  }}
}}
"""

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
