"""fakehub's GitHub GraphQL endpoint: real documents, aliases, cursors and the points budget."""

import requests

from ecometrics.fakehub import FakeHub

AUTH = {"Authorization": "bearer t"}


def post(hub, query, variables=None, headers=AUTH):
    r = requests.post(f"{hub.url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return r


def repo_fields(alias, owner, name):
    return f"""{alias}: repository(owner: "{owner}", name: "{name}") {{
      databaseId nameWithOwner stargazerCount forkCount watchers {{ totalCount }}
      issues(states: OPEN) {{ totalCount }} pullRequests {{ totalCount }}
      createdAt pushedAt primaryLanguage {{ name }} licenseInfo {{ key spdxId }}
      repositoryTopics(first: 10) {{ nodes {{ topic {{ name }} }} }} isArchived
    }}"""


def test_fifty_aliased_repositories_and_a_stargazer_page_in_one_document(fakehub):
    truth = fakehub.truth(include_models=False)["github"]
    names = sorted(truth["repos"])[:50]
    assert len(names) == 50
    body = "\n".join(repo_fields(f"r{k}", *name.split("/")) for k, name in enumerate(names))
    query = f"""query($after: String) {{
      {body}
      stars: repository(owner: "vllm-project", name: "vllm") {{
        stargazers(first: 100, after: $after, orderBy: {{field: STARRED_AT, direction: ASC}}) {{
          totalCount pageInfo {{ hasNextPage endCursor }}
          edges {{ starredAt cursor node {{ login databaseId }} }}
        }}
      }}
      missing: repository(owner: "nobody", name: "nothing") {{ databaseId }}
      rateLimit {{ cost remaining resetAt limit used }}
    }}"""
    r = post(fakehub, query)
    assert r.status_code == 200
    out = r.json()
    data = out["data"]
    for k, name in enumerate(names):
        repo = truth["repos"][name]
        got = data[f"r{k}"]
        assert (got["databaseId"], got["nameWithOwner"], got["stargazerCount"], got["forkCount"]) == (
            repo["id"],
            name,
            repo["stargazers_count"],
            repo["forks_count"],
        )
        assert got["issues"]["totalCount"] == repo["open_issues"]
        assert got["pullRequests"]["totalCount"] == sum(i["is_pull_request"] for i in repo["issues"])
    vllm = truth["repos"]["vllm-project/vllm"]
    page = data["stars"]["stargazers"]
    assert page["totalCount"] == vllm["stargazers_count"]
    # hidden accounts are null items; the others are the first stars of the truth
    shown = [[e["node"]["databaseId"], e["node"]["login"], e["starredAt"]] for e in page["edges"] if e]
    assert shown == vllm["stars"][: len(shown)] and len(page["edges"]) == 100
    # the missing alias is null with a NOT_FOUND error naming its path
    assert data["missing"] is None
    assert [(e["type"], e["path"]) for e in out["errors"]] == [("NOT_FOUND", ["missing"])]
    # cost is charged: 51 connections of up to 100 -> round(51/100) = 1 point
    rate = data["rateLimit"]
    assert rate["cost"] == 1 and rate["used"] == 1 and rate["remaining"] == rate["limit"] - 1
    assert r.headers["X-RateLimit-Resource"] == "graphql" and r.headers["X-RateLimit-Remaining"] == str(
        rate["remaining"]
    )
    # the next page continues from the cursor
    nxt = post(fakehub, query, {"after": page["pageInfo"]["endCursor"]}).json()["data"]["stars"]["stargazers"]
    following = [e["node"]["databaseId"] for e in nxt["edges"] if e]
    assert following == [s[0] for s in vllm["stars"][len(shown) : len(shown) + len(following)]]


def test_points_budget_runs_out_until_reset():
    with FakeHub(
        collaborator_of="*", seed=0, scale="small", graphql_budget=5
    ) as hub:  # GitHub's hour, passed on the rate clock
        query = """{ a: repository(owner: "vllm-project", name: "vllm") {
                       stargazers(first: 100) { totalCount } }
                     rateLimit { cost remaining } }"""
        costs = []
        for _ in range(5):
            r = post(hub, query).json()
            costs.append(r["data"]["rateLimit"]["cost"])
        assert costs == [1] * 5
        refused = post(hub, query)
        assert refused.status_code == 200
        assert refused.json()["errors"][0]["type"] == "RATE_LIMITED"
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        reset = int(refused.headers["X-RateLimit-Reset"])
        hub.sleep(reset - hub.rate_time() - 1)
        # a second before the reset: still refused (GitHub's other shape of the same refusal)
        assert post(hub, query).json()["errors"][0]["type"] == "RATE_LIMIT"
        hub.sleep(1)
        assert post(hub, query).json()["data"]["rateLimit"]["remaining"] == 4


def test_cost_follows_githubs_rule(fakehub):
    # one request per connection: 150 aliased stargazer pages -> round(150 / 100) points
    body = "\n".join(
        f'r{k}: repository(owner: "vllm-project", name: "vllm") {{ stargazers(first: 10) {{ totalCount }} }}'
        for k in range(150)
    )
    out = post(fakehub, f"{{ {body} rateLimit {{ cost }} }}").json()
    assert out["data"]["rateLimit"]["cost"] == 2


def test_anonymous_and_invalid_documents(fakehub):
    assert post(fakehub, "{ rateLimit { cost } }", headers={}).status_code == 401
    out = post(fakehub, '{ repository(owner: "a", name: "b") { noSuchField } }').json()
    assert "noSuchField" in out["errors"][0]["message"]
    too_many = post(
        fakehub, '{ repository(owner: "vllm-project", name: "vllm") { stargazers(first: 101) { totalCount } } }'
    ).json()
    assert too_many["errors"][0]["type"] == "EXCESSIVE_PAGINATION"


def test_renamed_repository_resolves_to_its_new_name(fakehub):
    out = post(fakehub, '{ repository(owner: "THUDM", name: "GLM-4") { nameWithOwner } }').json()
    assert out["data"]["repository"]["nameWithOwner"] == "zai-org/GLM-4"


def test_a_document_asking_for_too_many_nodes_times_out_whole_every_time_and_is_charged():
    """GitHub's 10-second limit: 502 with a null ``data``, or 504; asking again fails again."""

    def document(names):  # each repository asks for five connections of 100: 501 nodes
        fields = " ".join(f"s{j}: stargazers(first: 100) {{ totalCount }}" for j in range(5))
        aliased = (f'r{k}: repository(owner: "{o}", name: "{n}") {{ {fields} }}' for k, (o, n) in enumerate(names))
        return f"query {{ {' '.join(aliased)} }}"

    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub:
        names = [name.split("/") for name in sorted(hub.truth(include_models=False)["github"]["repos"])]
        assert len(names) >= 20
        assert post(hub, document(names[:10])).status_code == 200  # 5,010 nodes
        before = post(hub, "query { rateLimit { remaining } }").json()["data"]["rateLimit"]["remaining"]
        first, second = post(hub, document(names[:20])), post(hub, document(names[:20]))  # 10,020 nodes
        assert first.status_code == 502
        assert first.json()["data"] is None
        assert first.json()["errors"][0]["message"].startswith("Something went wrong while executing your query.")
        assert second.status_code == 504
        assert second.json()["message"].startswith("We couldn't respond to your request in time.")
        assert int(second.headers["x-ratelimit-remaining"]) < before - 1  # both timeouts were charged
        assert hub.stats()["by_endpoint"]["graphql.timeout"]["requests"] == 2


def test_an_actors_global_id_names_its_own_type():
    """A Bot's legacy global id is ``03:Bot<id>`` and a User's ``04:User<id>``: the length
    prefix is the type name's (ecometrics.fakehub.graphql.node_id), so nodes(ids:) reads each back."""
    from ecometrics.fakehub.generator import N_BOTS
    from ecometrics.fakehub.graphql import actor, parse_node_id
    from ecometrics.fakehub.world import World

    world = World(0, "small").github
    bot, user = actor(world, 0), actor(world, N_BOTS)
    assert bot is not None and user is not None
    assert parse_node_id(bot["id"]) == ("Bot", bot["databaseId"])
    assert parse_node_id(user["id"]) == ("User", user["databaseId"])


def _issue_and_pull_numbers(hub, name="vllm-project/vllm") -> tuple[int, int]:
    issues = hub.truth(include_models=False)["github"]["repos"][name]["issues"]
    issue = next(i["number"] for i in issues if not i["is_pull_request"])
    pull = next(i["number"] for i in issues if i["is_pull_request"])
    return issue, pull


def test_issue_and_pull_request_by_number_refuse_the_other_kinds_number(fakehub):
    """``issue(number:)`` of a pull request's number is null with GitHub's NOT_FOUND error at its
    path (cli/cli issue 157: "Could not resolve to an Issue with the number of 1."; cli/cli
    ``pkg/cmd/issue/shared/lookup.go`` matches ``NOT_FOUND`` at ``repository.issue``), and
    ``pullRequest(number:)`` of an issue's number likewise ("Could not resolve to a PullRequest
    with the number of 4444."); ``issueOrPullRequest`` answers either."""
    issue, pull = _issue_and_pull_numbers(fakehub)
    out = post(
        fakehub,
        f"""{{ repository(owner: "vllm-project", name: "vllm") {{
              pr: issue(number: {pull}) {{ number }}
              issue: pullRequest(number: {issue}) {{ number }}
              own: issue(number: {issue}) {{ number }}
              either: issueOrPullRequest(number: {pull}) {{ __typename ... on PullRequest {{ number merged }} }}
              neither: issueOrPullRequest(number: 999999) {{ __typename }}
            }} }}""",
    ).json()
    repository = out["data"]["repository"]
    assert repository["pr"] is None and repository["issue"] is None and repository["neither"] is None
    assert repository["own"] == {"number": issue}
    assert repository["either"]["__typename"] == "PullRequest" and repository["either"]["number"] == pull
    errors = sorted((e["path"], e["type"], e["message"]) for e in out["errors"])
    assert errors == [
        (["repository", "issue"], "NOT_FOUND", f"Could not resolve to a PullRequest with the number of {issue}."),
        (["repository", "neither"], "NOT_FOUND", "Could not resolve to an issue or pull request with the number of 999999."),
        (["repository", "pr"], "NOT_FOUND", f"Could not resolve to an Issue with the number of {pull}."),
    ]  # fmt: skip


def test_every_connection_refuses_items_asked_without_first_or_last(fakehub):
    """GitHub: "you must supply a first or last argument on any connection" ("Using pagination in
    the GraphQL API"); a connection whose items are asked without either is refused with
    MISSING_PAGINATION_BOUNDARIES, its path that of the connection. A count alone is answered."""
    _, pull = _issue_and_pull_numbers(fakehub)
    fields = {
        "stargazers": "stargazers { edges { starredAt } }",
        "stargazerNodes": "stargazerNodes: stargazers { nodes { login } }",
        "issues": "issues { nodes { number } }",
        "pullRequests": "pullRequests { edges { node { number } } }",
        "repositoryTopics": "repositoryTopics { nodes { topic { name } } }",
        "reviews": f"pullRequest(number: {pull}) {{ reviews {{ nodes {{ state }} }} }}",
    }
    for name, field in fields.items():
        out = post(fakehub, f'{{ repository(owner: "vllm-project", name: "vllm") {{ {field} }} }}').json()
        connection = "stargazers" if name == "stargazerNodes" else name
        [error] = out["errors"]
        assert error["type"] == "MISSING_PAGINATION_BOUNDARIES", name
        assert error["message"] == (
            f"You must provide a `first` or `last` value to properly paginate the `{connection}` connection."
        )
        assert error["path"][-1] == name, name
        # null where the refused connection was, or above it when the connection is non-null
        value = out["data"]
        for step in error["path"]:
            if value is None:
                break
            value = value[step]
        assert value is None, name
    counts = post(
        fakehub,
        """{ repository(owner: "vllm-project", name: "vllm") {
             stargazers { totalCount } issues { totalCount } repositoryTopics { totalCount } } }""",
    ).json()
    assert "errors" not in counts and counts["data"]["repository"]["stargazers"]["totalCount"] > 0
