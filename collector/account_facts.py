"""The public facts of stargazer accounts, one GraphQL ``nodes`` query per 100 accounts.

StarScout's low-activity heuristic (hehao98/StarScout ``scripts/dagster/simple_detector.py``,
``_validate_star``) judges a star by its account: when it was created, its followers, its
repositories and its activity. These facts come from one document per 100 accounts::

    query AccountFacts($ids: [ID!]!) {
      nodes(ids: $ids) {
        ... on User { databaseId login createdAt followers { totalCount } repositories { totalCount }
                      contributionsCollection { contributionCalendar { totalContributions } } }
      }
    }

GitHub's ``nodes`` takes at most 100 ids ("Query.nodes", https://docs.github.com/graphql/reference/queries#nodes,
and the node limit of "Rate limits and query limits for the GraphQL API"); a document without
connections costs 1 point. The ids are the accounts' legacy global node ids, ``base64("04:User" +
databaseId)``, which GitHub still resolves ("Migrating GraphQL global node IDs",
https://docs.github.com/graphql/guides/migrating-graphql-global-node-ids), so stored stargazers
need no second walk for their node ids (a legacy user id still answers, with a deprecation
warning: pwntester/octo.nvim issue 1373). An account GitHub no longer resolves (deleted,
suspended) is ``null`` with a ``NOT_FOUND`` error for its index ("Could not resolve to a node
with the global id of '...'": actions/add-to-project issue 168), and is stored as ``not_found``.
Only that error is final: an item null for any other reason (its resolution timed out, an error
with its path and no type) is not stored and is asked again on the next run.

Facts are cached in ``star_account_facts`` and never asked again; a run asks for at most
``[github] account_facts`` accounts (those of the most recent stars first), so the cost of a
run is bounded: ``ceil(accounts / 100)`` documents. The documents sent are counted in the run
log under ``github: account facts queries``.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from typing import Any

from ecometrics.collector.api_records import AccountFacts, check
from ecometrics.collector.github_client import GitHubClient
from ecometrics.collector.github_queries import PROFILE_BATCH
from ecometrics.collector.github_rows import unresolved_nodes
from ecometrics.collector.store import Store
from ecometrics.core.dates import utc_now

log = logging.getLogger(__name__)

ACCOUNT_FACTS_QUERY = """
query AccountFacts($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on User {
      databaseId login createdAt
      followers { totalCount }
      repositories { totalCount }
      contributionsCollection { contributionCalendar { totalContributions } }
    }
  }
}
"""
QUERIES_COUNTER = "github: account facts queries"
ACCOUNTS_COUNTER = "github: account facts fetched"


def legacy_node_id(user_id: int) -> str:
    """The legacy global node id of a GitHub user: base64 of ``04:User<databaseId>``."""
    return base64.b64encode(f"04:User{user_id}".encode()).decode()


def facts_row(user_id: int, login: str | None, node: Any, fetched_at: str) -> dict[str, Any]:
    """The ``star_account_facts`` row of one ``nodes`` item (``None``: not found)."""
    if not isinstance(node, dict) or node.get("databaseId") != user_id:
        return {"user_id": user_id, "login": login, "status": "not_found", "fetched_at": fetched_at}

    def total(key: str) -> int | None:
        value = (node.get(key) or {}).get("totalCount")
        return value if isinstance(value, int) else None

    calendar = ((node.get("contributionsCollection") or {}).get("contributionCalendar")) or {}
    contributions = calendar.get("totalContributions")
    return {
        "user_id": user_id,
        "login": node.get("login") or login,
        "created_at": node.get("createdAt"),
        "followers": total("followers"),
        "repositories": total("repositories"),
        "contributions": contributions if isinstance(contributions, int) else None,
        "status": "ok",
        "fetched_at": fetched_at,
    }


def fetch_account_facts(
    store: Store,
    client: GitHubClient,
    *,
    limit: int,
    invalid: list[str] | None = None,
    unread: list[int] | None = None,
) -> tuple[int, int]:
    """Fetch and store the facts of up to ``limit`` stargazer accounts not yet known, ``PROFILE_BATCH``
    (GitHub's 100) ids a ``nodes`` document; returns ``(queries sent, accounts stored)``. An
    account's node not meeting :class:`ecometrics.collector.api_records.AccountFacts` is not stored (asked
    again next run), its reason added to ``invalid`` for the caller's run log; an account whose
    item is null without GitHub's ``NOT_FOUND`` for it is not stored either, its id added to ``unread``."""
    invalid = [] if invalid is None else invalid
    unread = [] if unread is None else unread
    accounts = store.accounts_without_facts(limit) if limit > 0 else []
    queries = stored = 0
    for start in range(0, len(accounts), PROFILE_BATCH):
        batch: Sequence[tuple[int, str | None]] = accounts[start : start + PROFILE_BATCH]
        data, errors = client.graphql(ACCOUNT_FACTS_QUERY, {"ids": [legacy_node_id(uid) for uid, _ in batch]})
        queries += 1
        nodes = data.get("nodes") or []
        not_found = {i for i, kind in unresolved_nodes(errors).items() if kind == "NOT_FOUND"}
        fetched_at = utc_now()
        rows = []
        for i, (uid, login) in enumerate(batch):
            node = nodes[i] if i < len(nodes) else None
            if node is None and i not in not_found:  # not read (a timeout): says nothing of the account
                unread.append(uid)
                continue
            reason = check(node, AccountFacts) if isinstance(node, dict) and node else None
            if reason:
                invalid.append(reason)
                continue
            rows.append(facts_row(uid, login, node, fetched_at))
        stored += store.save_account_facts(rows)
    if queries:
        log.info("github: account facts of %d accounts in %d queries", stored, queries)
    return queries, stored
