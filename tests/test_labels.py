"""OpenDigger's labeled_data: the YAML layout read as open-digger's labelDataUtils.ts reads it,
the bot label joining the bot rule, and labels ranked by their repositories' OpenRank and activity.

Every fixture is a small folder in the same layout, written by the test.
"""

from __future__ import annotations

import math
import textwrap

import pytest

from ecometrics.analysis.activity import activity_frame
from ecometrics.analysis.export import build_table
from ecometrics.analysis.global_openrank import compute_global_openrank
from ecometrics.collector.labels import import_labels
from ecometrics.collector.store import Store
from ecometrics.core.errors import InputError
from ecometrics.jobs.cli import main

AT = "2024-05-02T12:00:00Z"


def write(folder, files: dict[str, str]):
    for name, text in files.items():
        path = folder / "labeled_data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


LAYOUT = {
    "bot/index.yml": """
        name: Bot Accounts
        type: Bot
        data:
          platforms:
            - name: GitHub
              type: Code Hosting
              users:
                - id: 66
                  name: ci-helper
        """,
    "companies/acme/index.yml": """
        name: Acme
        type: Company
        data:
          labels:
            - rocket
          platforms:
            - name: GitHub
              type: Code Hosting
              orgs:
                - id: 500
                  name: AcmeLabs
        """,
    "companies/acme/rocket.yml": """
        name: Rocket
        type: Project
        data:
          platforms:
            - name: GitHub
              type: Code Hosting
              repos:
                - id: 10
                  name: someone/rocket
            - name: Gitee
              type: Code Hosting
              repos:
                - id: 99
                  name: elsewhere/rocket
        """,
    "foundations/openfound/index.yml": """
        name: Open Foundation
        type: Foundation
        data:
          labels:
            - ':companies/acme/rocket'
          platforms:
            - name: GitHub
              type: Code Hosting
              repos:
                - id: 12
                  name: other/thing
        """,
    "divisions/XX/index.yml": """
        name: Somewhere
        type: Division-0
        meta:
          alpha2: XX
        data:
          labels:
            - ':foundations/openfound'
        """,
}


def ev(n, kind, action, actor, repo, *, issue=None, comment=None, login=None):
    return {
        "id": f"e{n}",
        "type": kind,
        "action": action,
        "actor_id": actor,
        "actor_login": login or f"dev{actor}",
        "repo_id": repo,
        "repo_name": {10: "someone/rocket", 11: "acmelabs/engine", 12: "other/thing", 13: "x/y"}[repo],
        "created_at": AT,
        "issue_number": issue,
        "comment_id": comment,
        "push_id": None,
        "merged": None,
        "is_bot": 0,
        "source": "gharchive",
    }


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "l.db") as store:
        yield store


def test_the_layout_is_read_with_includes_flattened(store, tmp_path):
    result = import_labels(store, write(tmp_path, LAYOUT))  # a clone's root: labeled_data inside
    assert (result.labels, result.bots) == (5, 1)
    labels = {row["id"]: row for row in store.query("SELECT id, type, name, parents FROM labels")}
    assert set(labels) == {
        ":bot",
        ":companies/acme",
        ":companies/acme/rocket",
        ":foundations/openfound",
        ":divisions/XX",
    }
    assert labels[":companies/acme/rocket"]["parents"] == '[":companies/acme", ":foundations/openfound"]'

    def entities(label):
        rows = store.query("SELECT entity_type, entity_id FROM label_entities WHERE label_id = ?", [label])
        return {(row["entity_type"], row["entity_id"]) for row in rows}

    assert entities(":companies/acme/rocket") == {("repo", 10)}  # Gitee's repo is not GitHub's
    assert entities(":companies/acme") == {("repo", 10), ("org", 500)}
    assert entities(":divisions/XX") == {("repo", 10), ("repo", 12)}  # through the foundation, transitively
    # A second import replaces the first.
    assert import_labels(store, tmp_path / "labeled_data").labels == 5 and store.count("labels") == 5


def test_a_label_named_by_a_number_is_read_as_its_text(store, tmp_path):
    # OpenDigger's companies/360/index.yml is "name: 360": YAML reads an integer, which
    # labelDataUtils.ts (JavaScript) keeps and the labels table's name String column stores as "360"
    folder = write(tmp_path, {**LAYOUT, "companies/360/index.yml": "name: 360\ntype: Company\n"})
    import_labels(store, folder)
    assert store.query("SELECT name, type FROM labels WHERE id = ':companies/360'") == [
        {"name": "360", "type": "Company"}
    ]


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("companies/bad/index.yml", "name: Bad\ntype: Corporation\n", "type 'Corporation' is not one of"),
        (
            "companies/bad/index.yml",
            "name: Bad\ntype: Company\ndata:\n  labels:\n    - missing\n",
            "includes :companies/bad/missing, which has no file",
        ),
        ("companies/bad/index.yml", "name: Bad\ntype: Company\ndata:\n  members: []\n", "data has members"),
        ("companies/bad/index.yml", "name: [unclosed\n", "line 2 is not valid YAML"),
        (
            "companies/bad/index.yml",
            "type: Company\ndata:\n  platforms:\n    - name: GitHub\n      repos:\n        - name: a/b\n",
            r"missing required field `id` - at `\$\.data\.platforms\[0\]\.repos\[0\]`",
        ),
    ],
)
def test_a_bad_label_file_is_named_and_nothing_changes(store, tmp_path, name, text, message):
    import_labels(store, write(tmp_path / "good", LAYOUT))
    before = store.query("SELECT * FROM label_entities ORDER BY label_id, entity_type, entity_id")
    folder = write(tmp_path / "bad", {**LAYOUT, name: text})
    with pytest.raises(InputError, match=message) as caught:
        import_labels(store, folder)
    assert name in str(caught.value)
    assert store.query("SELECT * FROM label_entities ORDER BY label_id, entity_type, entity_id") == before


def test_the_cli_imports_a_folder_and_refuses_a_missing_one(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--db", str(tmp_path / "c.db"), "import", "labels", str(write(tmp_path, LAYOUT))]) == 0
    assert "5 label(s)" in capsys.readouterr().out
    assert main(["--db", str(tmp_path / "c.db"), "import", "labels", str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["--db", str(tmp_path / "c.db"), "import", "labels", str(tmp_path / "empty")]) == 2
    assert "no .yml label files" in capsys.readouterr().err


def test_labelled_bots_are_bots_by_id(store, tmp_path):
    store.upsert(
        "events",
        [
            ev(1, "IssueCommentEvent", "created", 66, 10, issue=1, comment=1, login="ci-helper"),
            ev(2, "IssueCommentEvent", "created", 7, 10, issue=1, comment=2),
        ],
    )
    assert set(activity_frame(store, "2024-05")["developer_id"]) == {66, 7}
    assert compute_global_openrank(store).computed == ["2024-05"]
    import_labels(store, write(tmp_path, LAYOUT))
    assert set(activity_frame(store, "2024-05")["developer_id"]) == {7}
    # importing the bot list changes what OpenRank's months are computed from: recomputed
    assert compute_global_openrank(store).computed == ["2024-05"]
    assert compute_global_openrank(store).skipped == ["2024-05"]
    assert {row["entity_id"] for row in store.query("SELECT entity_id FROM openrank WHERE kind = 'developer'")} == {7}


def test_labels_are_ranked_by_their_repositories(store, tmp_path):
    import_labels(store, write(tmp_path, LAYOUT))
    store.upsert(
        "events",
        [
            ev(1, "IssuesEvent", "opened", 1, 10, issue=1),  # someone/rocket: listed repo
            ev(2, "PullRequestEvent", "opened", 2, 11, issue=2),  # acmelabs/engine: through the org, by login
            ev(3, "IssueCommentEvent", "created", 3, 12, issue=3, comment=3),  # other/thing: the foundation's own
            ev(4, "IssueCommentEvent", "created", 3, 13, issue=4, comment=4),  # x/y: in no label
        ],
    )
    compute_global_openrank(store)
    repos = {
        row["entity_id"]: row["value"]
        for row in store.query("SELECT entity_id, value FROM openrank WHERE kind = 'repo'")
    }
    table = build_table(store, "labels", month="2024-05")
    rows = {row["label"]: row for row in table.iter_rows(named=True)}
    assert set(rows) == {":companies/acme", ":companies/acme/rocket", ":foundations/openfound", ":divisions/XX"}
    assert rows[":companies/acme"]["openrank"] == round(repos[10] + repos[11], 3)
    assert rows[":companies/acme"]["repos"] == 2 and rows[":companies/acme"]["type"] == "Company"
    assert rows[":divisions/XX"]["openrank"] == round(repos[10] + repos[12], 3)
    activity = {10: math.sqrt(2.2235), 11: math.sqrt(4.0679), 12: math.sqrt(0.5252)}
    assert rows[":companies/acme"]["activity"] == round(round(activity[10], 2) + round(activity[11], 2), 2)
    assert table["rank"].to_list() == list(range(1, 5))
    assert table["openrank"].to_list() == sorted(table["openrank"].to_list(), reverse=True)
    assert ":bot" not in rows  # bots are not a ranked type


def test_a_repository_listed_with_its_organisation_counts_twice_in_the_ranking(store, tmp_path):
    # indices.ts getRepoOpenrank / getRepoActivity grouped by a label: SUM over the events joined to
    # the label's flatten_labels rows (basic.ts getLabelJoinClause), one per row they match; a
    # label listing acmelabs/engine and its organisation AcmeLabs joins the repository's rows twice
    both = {
        "companies/acme/index.yml": """
            name: Acme
            type: Company
            data:
              platforms:
                - name: GitHub
                  type: Code Hosting
                  orgs:
                    - id: 500
                      name: AcmeLabs
                  repos:
                    - id: 11
                      name: acmelabs/engine
            """
    }
    import_labels(store, write(tmp_path, both))
    store.upsert("events", [ev(2, "PullRequestEvent", "opened", 2, 11, issue=2)])
    compute_global_openrank(store)
    (engine,) = [row["value"] for row in store.query("SELECT value FROM openrank WHERE kind = 'repo'")]
    (row,) = build_table(store, "labels", month="2024-05").iter_rows(named=True)
    assert row["openrank"] == round(2 * engine, 3)
    assert row["activity"] == round(2 * round(math.sqrt(4.0679), 2), 2)  # 2 * 2.02 = 4.04
    assert row["repos"] == 1  # one repository, however often it is joined
