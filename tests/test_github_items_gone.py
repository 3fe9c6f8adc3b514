"""What the GitHub collector does when something inside a repository no longer resolves, against
fakehub on loopback: the repository is not taken for gone."""

from __future__ import annotations

from test_github_issue_details import client, config, tracked

from ecometrics.collector.store import Store


def test_a_pull_request_that_no_longer_resolves_costs_its_reviews_not_its_repository(fakehub, tmp_path):
    """``pullRequest(number:)`` that resolves nothing is a NOT_FOUND error at ``repository.pullRequest``
    (cli/cli issue 157); the repository itself still resolves, so it is not recorded as gone: the
    reviews already read are kept and the rest of the pass goes on."""
    from ecometrics.collector.github import GitHubCollector, Repo

    truth = tracked(fakehub.truth())["zai-org/GLM-4"]
    issue = next(i for i in truth["issues"] if not i["is_pull_request"])  # a number no pull request holds
    with Store(tmp_path / "gh.db") as store:
        collector = GitHubCollector(store, config(), client(fakehub, 30.0), stats_polls=0, stats_wait=0.0)
        repo = Repo(truth["id"], "zai-org/GLM-4")
        kept = {"fullDatabaseId": "1", "state": "APPROVED", "submittedAt": "2025-01-01T00:00:00Z", "author": None}
        node = {"number": issue["number"], "reviews": {"nodes": [kept], "pageInfo": {"hasNextPage": True}}}
        assert collector.attempt(repo, lambda repo: collector.read_all_reviews(repo, node)) is False  # not gone
        assert node["reviews"]["nodes"] == [kept]
        assert not collector.result.partial, collector.result.reason
        assert any(f"#{issue['number']}" in note for note in collector.result.notes)
