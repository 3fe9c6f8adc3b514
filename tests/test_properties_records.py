"""Property tests (Hypothesis): arbitrary values where outside records enter never raise past the
boundary and never store an invalid row. GH Archive lines, label files and GitHub API records.

Examples are few (max_examples) and drawn the same way every run (derandomize): CI is deterministic.
"""

from __future__ import annotations

import copy
import datetime
import gzip
import json
import re
from pathlib import Path

import yaml
from gharchive_fixtures import event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecometrics.collector.gharchive import EVENT_TYPES, ImportResult, _row, import_gharchive
from ecometrics.collector.github_rows import activity_events, star_page_graphql, star_page_rest
from ecometrics.collector.labels import import_labels
from ecometrics.collector.store import EVENT_ROW_COLUMNS, Store
from ecometrics.core.errors import InputError

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(SETTINGS, max_examples=15)  # each writes a file and a database

# Any JSON value: what a stranger's line, file or answer may hold anywhere.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
UTC = re.compile(r"^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
AT = "2024-01-15T10:00:00Z"


def _valid_id(value) -> bool:
    return value is None or (type(value) is int and 0 < value < 2**63)


def _valid_event_row(row: tuple) -> None:
    event = dict(zip(EVENT_ROW_COLUMNS, row, strict=True))
    assert isinstance(event["id"], str) and event["id"].isdigit()
    assert event["type"] in EVENT_TYPES
    for column in ("actor_id", "repo_id", "issue_number", "comment_id", "author_id"):
        assert _valid_id(event[column]), event
    for column in ("action", "actor_login", "repo_name", "title", "author_login"):
        assert event[column] is None or isinstance(event[column], str), event
    assert UTC.match(event["created_at"]) and datetime.date.fromisoformat(event["created_at"][:10])
    assert event["push_id"] is None or (isinstance(event["push_id"], str) and event["push_id"].isdigit())
    assert event["merged"] in (None, 0, 1) and event["is_bot"] in (0, 1)


# -- GH Archive lines ----------------------------------------------------------------------

BASES = [
    event(1, "PushEvent", actor=(1, "a"), repo=(2, "o/r"), created_at=AT, push_id=3),
    event(2, "IssuesEvent", actor=(1, "a"), repo=(2, "o/r"), created_at=AT, action="opened", number=4),
    event(3, "IssueCommentEvent", actor=(1, "a"), repo=(2, "o/r"), created_at=AT, number=4, comment_id=5),
    event(
        4, "PullRequestEvent", actor=(1, "a"), repo=(2, "o/r"), created_at=AT, action="closed", number=6, merged=True
    ),
    event(5, "PullRequestReviewCommentEvent", actor=(1, "a"), repo=(2, "o/r"), created_at=AT, number=6, comment_id=7),
]
PATHS = [
    ("id",),
    ("type",),
    ("actor",),
    ("actor", "id"),
    ("actor", "login"),
    ("repo",),
    ("repo", "id"),
    ("repo", "name"),
    ("created_at",),
    ("payload",),
    ("payload", "action"),
    ("payload", "push_id"),
    ("payload", "number"),
    ("payload", "issue"),
    ("payload", "issue", "number"),
    ("payload", "issue", "title"),
    ("payload", "issue", "user"),
    ("payload", "comment", "id"),
    ("payload", "pull_request", "merged"),
    ("payload", "pull_request", "user", "id"),
]


def _with(base: dict, path: tuple[str, ...], value) -> dict:
    item = copy.deepcopy(base)
    target = item
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[path[-1]] = value
    return item


@SETTINGS
@given(value=JSON)
def test_any_json_value_as_a_line_is_counted_or_a_valid_row(value):
    counts = ImportResult()
    row = _row(json.dumps(value).encode(), Path("h.json.gz"), 1, counts)
    if row is None:
        assert counts.corrupt_count + sum(counts.skipped_types.values()) + counts.blank == 1
    else:
        _valid_event_row(row)


@SETTINGS
@given(base=st.sampled_from(BASES), path=st.sampled_from(PATHS), value=JSON)
def test_any_value_anywhere_in_an_event_is_counted_or_a_valid_row(base, path, value):
    counts = ImportResult()
    row = _row(json.dumps(_with(base, path, value)).encode(), Path("h.json.gz"), 7, counts)
    if row is None:
        assert counts.corrupt_count + sum(counts.skipped_types.values()) + counts.blank == 1
        assert not counts.corrupt or counts.corrupt[0].startswith("h.json.gz:7: ")
    else:
        _valid_event_row(row)


@FEW
@given(lines=st.lists(st.tuples(st.sampled_from(BASES), st.sampled_from(PATHS), JSON), min_size=1, max_size=6))
def test_an_import_of_arbitrary_lines_stores_only_valid_rows(tmp_path_factory, lines):
    folder = tmp_path_factory.mktemp("lines")
    path = folder / "2024-01-15-10.json.gz"
    with gzip.open(path, "wb") as out:
        for number, (base, where, value) in enumerate(lines):
            out.write(json.dumps(_with({**base, "id": str(100 + number)}, where, value)).encode() + b"\n")
    with Store(folder / "gh.db") as store:
        try:
            import_gharchive(store, [path], all_repos=True)
        except InputError as exc:  # every line refused: the file is named, in one line
            assert str(path) in str(exc) and "\n" not in str(exc)
        for row in store.conn.execute(f"SELECT {', '.join(EVENT_ROW_COLUMNS)} FROM events"):
            _valid_event_row(tuple(row))


# -- label files ---------------------------------------------------------------------------

YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**100), max_value=2**100) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
LABEL = """\
name: Acme
type: Company
data:
  platforms:
    - name: GitHub
      repos:
        - id: 10
          name: acme/rocket
"""
LABEL_KEYS = [("name",), ("type",), ("data",), ("data", "labels"), ("data", "platforms"), ("data", "platforms", 0)]


def _import_one(folder: Path, text: str) -> None:
    path = folder / "labeled_data" / "companies" / "acme" / "index.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    with Store(folder / "l.db") as store:
        try:
            import_labels(store, folder)
        except InputError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc), str(exc)
        for entity_id, name in store.conn.execute("SELECT entity_id, name FROM label_entities"):
            assert type(entity_id) is int and 0 < entity_id < 2**63
            assert name is None or isinstance(name, str)
        for label_type, name in store.conn.execute("SELECT type, name FROM labels"):
            assert label_type is None or isinstance(label_type, str)
            assert name is None or isinstance(name, str)


@FEW
@given(document=YAML_VALUES)
def test_any_yaml_document_as_a_label_file_is_imported_or_refused_in_one_line(tmp_path_factory, document):
    _import_one(tmp_path_factory.mktemp("labels"), yaml.safe_dump(document))


@settings(SETTINGS, max_examples=40)
@given(where=st.sampled_from(LABEL_KEYS), value=YAML_VALUES)
def test_any_value_in_a_label_file_is_imported_or_refused_in_one_line(tmp_path_factory, where, value):
    content = yaml.safe_load(LABEL)
    target = content
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    _import_one(tmp_path_factory.mktemp("labels"), yaml.safe_dump(content))


@FEW
@given(text=st.text(max_size=200))
def test_any_text_as_a_label_file_is_imported_or_refused_in_one_line(tmp_path_factory, text):
    _import_one(tmp_path_factory.mktemp("labels"), text)


# -- GitHub API records ----------------------------------------------------------------------

REST_STAR = {"starred_at": AT, "user": {"id": 5, "login": "u", "type": "User"}}
GRAPHQL_STAR = {"starredAt": AT, "node": {"databaseId": 5, "login": "u"}}
ISSUE = {
    "number": 3,
    "title": "t",
    "user": {"id": 5, "login": "u"},
    "created_at": AT,
    "updated_at": AT,
    "closed_at": AT,
    "pull_request": {"merged_at": AT},
}
COMMENT = {
    "id": 9,
    "created_at": AT,
    "updated_at": AT,
    "user": {"id": 5, "login": "u"},
    "issue_url": "https://x/issues/3",
}
ISSUE_EVENT = {"event": "closed", "created_at": AT, "actor": {"id": 5, "login": "u"}, "issue": ISSUE}
COMMIT = {"sha": "a" * 40, "commit": {"committer": {"date": AT}}, "author": {"id": 5, "login": "u"}}
RECORDS = {"issues": ISSUE, "issue_comments": COMMENT, "issue_events": ISSUE_EVENT, "commits": COMMIT}


def _mutations(base: dict) -> st.SearchStrategy:
    keys = sorted(base)
    return st.one_of(JSON, st.builds(lambda key, value: {**base, key: value}, st.sampled_from(keys), JSON))


def _valid_time(value) -> None:
    assert isinstance(value, str) and datetime.datetime.fromisoformat(value).tzinfo is not None


@SETTINGS
@given(items=st.lists(_mutations(REST_STAR) | _mutations(GRAPHQL_STAR), max_size=4))
def test_any_star_item_is_skipped_or_a_valid_row(items):
    for page in (star_page_rest(1, items, ()), star_page_graphql(1, items, ())):
        for star in page.stargazers:
            _valid_time(star["starred_at"])
            assert _valid_id(star["user_id"]) and star["user_id"] is not None and isinstance(star["login"], str)
        assert len(page.stargazers) + page.hidden + len(page.invalid) == len(items)


@SETTINGS
@given(resource=st.sampled_from(sorted(RECORDS)), data=st.data())
def test_any_activity_item_is_skipped_or_valid_events(resource, data):
    items = data.draw(st.lists(_mutations(RECORDS[resource]), max_size=3))
    page = activity_events(1, "o/r", resource, items, ())
    for row in page.events:
        _valid_time(row["created_at"])
        for column in ("actor_id", "issue_number", "comment_id"):
            assert _valid_id(row.get(column)), row
        assert row.get("actor_login") is None or isinstance(row["actor_login"], str)
    for stamp in page.stamps:
        _valid_time(stamp)


# -- Hugging Face model records ---------------------------------------------------------------

HUB_MODEL = {
    "id": "org/model",
    "author": "org",
    "createdAt": "2024-09-16T11:55:07.000Z",
    "lastModified": "2024-09-17T11:55:07.000Z",
    "tags": ["license:mit", "base_model:finetune:org/base"],
    "safetensors": {"total": 7},
    "gated": False,
    "downloads": 5,
    "likes": 2,
    "trendingScore": 1.5,
    "baseModels": {"relation": "finetune", "models": [{"id": "org/base"}]},
}


@SETTINGS
@given(records=st.lists(_mutations(HUB_MODEL), max_size=3))
def test_any_hub_model_record_is_skipped_or_valid_rows(records):
    from ecometrics.collector.hf import page_rows

    rows = page_rows(records, "2024-09-18", "2024-09-18T00:00:00Z")
    assert len(rows.models) + len(rows.invalid) == len(records)
    for model in rows.models:
        assert isinstance(model[0], str) and model[0]
        assert model[7] is None or (type(model[7]) is int and model[7] >= 0)
    for snapshot in rows.snapshots:
        for count in snapshot[2:5]:
            assert count is None or (type(count) is int and count >= 0)
    for child, parent, relation in rows.edges:
        assert isinstance(child, str) and isinstance(parent, str) and isinstance(relation, str)


# -- ModelScope model records (the client library's RepoInfo objects) -------------------------

MS_MODEL = {
    "repo_id": "org/model",
    "owner": "org",
    "created_at": datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC),
    "last_modified": None,
    "tasks": ["text-generation"],
    "license": "apache-2.0",
    "gated": False,
    "downloads": 3,
    "likes": 1,
}


@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(sorted(MS_MODEL)), JSON, max_size=3))
def test_any_modelscope_record_is_skipped_or_kept_with_valid_values(changes):
    from types import SimpleNamespace

    from ecometrics.collector.api_records import ModelScopeModel, checked

    info = SimpleNamespace(**{**MS_MODEL, **changes})
    skipped: list[str] = []
    kept = checked([info], ModelScopeModel, skipped, from_attributes=True)
    assert len(kept) + len(skipped) == 1
    for model in kept:
        assert isinstance(model.repo_id, str) and model.repo_id
        assert model.created_at is None or isinstance(model.created_at, datetime.datetime)
        for count in (model.downloads, model.likes):
            assert count is None or (type(count) is int and count >= 0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(exclude_categories=())), max_size=4))
def test_push_authors_are_stored_as_json_dumps_writes_them(texts):
    """The push authors' lists (ecometrics.collector.gharchive._json_list) are the text json.dumps writes,
    control characters, line separators and lone surrogates included: ClickHouse's side and
    earlier stores hold exactly that text."""
    from ecometrics.collector.gharchive import _json_list

    assert _json_list(texts) == json.dumps(texts, ensure_ascii=False, separators=(",", ":"))
