"""A hostile control: answers with one record's field corrupted (off by default).

GitHub, the Hub and ModelScope do not send a star time that is not a time, so this is not
a behaviour of theirs that fakehub models by default (the house rule for fidelity): it is
a control for the one thing the collectors promise about garbage, that an invalid record is
skipped, counted with its endpoint and never stored. With ``FakeHub(hostile_records=True)``
(or ``POST /_fakehub/hostile?on=1``) the first star of every stargazer page carries
``starred_at`` / ``starredAt`` = :data:`NOT_A_TIME`, in REST (``star+json``) and GraphQL alike;
the first repository of every GraphQL metadata answer (alias ``r0`` of the ``Repositories``
document) carries ``createdAt`` = :data:`NOT_A_TIME`; and the first contributor of every
``/contributors`` page carries ``contributions`` = :data:`NEGATIVE_COUNT`; and the first four
entries of every ``/stats/contributors`` answer are each spoilt one way (:data:`STATS_SPOILERS`):
the first week's ``c`` (commits) = :data:`NEGATIVE_COUNT`, then :data:`A_FRACTION`, then a
``total`` that is a string, then an ``author`` that is a list; and the first
repository of every owner's REST listing (``/orgs/{org}/repos``, ``/users/{user}/repos``)
carries ``created_at`` = :data:`NOT_A_TIME`; and the first account of every ``nodes(ids:)`` answer
(profiles, stargazer account facts) carries ``databaseId`` = :data:`NEGATIVE_COUNT`; and the first
model of every Hub ``/api/models`` page, and every ``/api/models/{id}`` answer, carries
``downloads`` = :data:`NEGATIVE_COUNT`, as does the first model of every ModelScope listing page
and every model page (``Downloads`` on the legacy one); and the first week of every star history
page (``/stargazers/history``) carries a first day of :data:`NEGATIVE_COUNT` stars.
"""

from __future__ import annotations

import json

from ecometrics.fakehub.exchange import Response

NOT_A_TIME = "yesterday"
NEGATIVE_COUNT = -1
A_FRACTION = 0.5


def _negative_commits(entry: dict) -> None:
    entry["weeks"][0]["c"] = NEGATIVE_COUNT


def _fractional_commits(entry: dict) -> None:
    entry["weeks"][0]["c"] = A_FRACTION


def _total_as_text(entry: dict) -> None:
    entry["total"] = str(entry.get("total", 0))


def _author_as_list(entry: dict) -> None:
    entry["author"] = [entry.get("author")]


# /stats/contributors: the k-th entry of an answer is spoilt by the k-th of these (its weeks,
# total and author are each declared in ecometrics.collector.api_records.ContributorStats)
STATS_SPOILERS = (_negative_commits, _fractional_commits, _total_as_text, _author_as_list)


def corrupted(endpoint: str, resp: Response) -> Response:
    """``resp`` with one record's field corrupted, for the answers the module docstring names;
    other answers as they are."""
    if resp.status != 200 or endpoint not in (
        "repos.stargazers",
        "repos.stargazers.history",
        "repos.contributors",
        "repos.stats.contributors",
        "orgs.repos",
        "users.repos",
        "graphql",
        "graphql.nodes",
        "hf.models",
        "hf.model_info",
        "ms.models",
        "ms.model",
        "ms.legacy_model",
    ):
        return resp
    try:
        body = json.loads(resp.body)
    except ValueError:
        return resp
    if endpoint == "repos.stargazers":
        if not (isinstance(body, list) and body and isinstance(body[0], dict) and "starred_at" in body[0]):
            return resp
        body[0]["starred_at"] = NOT_A_TIME
    elif endpoint == "repos.stargazers.history":
        days = body[0].get("days") if isinstance(body, list) and body and isinstance(body[0], dict) else None
        if not (isinstance(days, list) and days):
            return resp
        days[0] = NEGATIVE_COUNT
    elif endpoint == "repos.contributors":
        if not (isinstance(body, list) and body and isinstance(body[0], dict)):
            return resp
        body[0]["contributions"] = NEGATIVE_COUNT
    elif endpoint == "repos.stats.contributors":
        if not isinstance(body, list):
            return resp
        for spoil, entry in zip(STATS_SPOILERS, body, strict=False):
            weeks = entry.get("weeks") if isinstance(entry, dict) else None
            if isinstance(weeks, list) and weeks and isinstance(weeks[0], dict):
                spoil(entry)
    elif endpoint in ("hf.models", "hf.model_info"):
        record = body[0] if isinstance(body, list) and body else body
        if not isinstance(record, dict) or "id" not in record:
            return resp
        record["downloads"] = NEGATIVE_COUNT
    elif endpoint.startswith("ms."):  # {"success", "data": {"models": [...]} or a model}; legacy: {"Data": ...}
        data = body.get("data", body.get("Data")) if isinstance(body, dict) else None
        models = data.get("models") if isinstance(data, dict) else None
        record = models[0] if isinstance(models, list) and models else data
        if not isinstance(record, dict):
            return resp
        record["Downloads" if "Downloads" in record else "downloads"] = NEGATIVE_COUNT
    elif endpoint in ("orgs.repos", "users.repos"):
        if not (isinstance(body, list) and body and isinstance(body[0], dict)):
            return resp
        body[0]["created_at"] = NOT_A_TIME
    elif isinstance(((body or {}).get("data") or {}).get("r0"), dict):  # a metadata document
        body["data"]["r0"]["createdAt"] = NOT_A_TIME
    elif isinstance(((body or {}).get("data") or {}).get("nodes"), list):  # nodes(ids:): profiles, account facts
        first = body["data"]["nodes"][:1]
        if not first or not isinstance(first[0], dict) or "databaseId" not in first[0]:
            return resp
        first[0]["databaseId"] = NEGATIVE_COUNT
    else:
        repository = ((body or {}).get("data") or {}).get("repository") or {}
        edges = (repository.get("stargazers") or {}).get("edges") or []
        if not edges or not isinstance(edges[0], dict):
            return resp
        edges[0]["starredAt"] = NOT_A_TIME
    return Response(resp.status, json.dumps(body, separators=(",", ":")).encode(), dict(resp.headers))
