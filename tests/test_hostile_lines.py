"""Both GH Archive importers refuse the same hostile lines: the SQLite path (msgspec, into the
declared :class:`ecometrics.collector.gharchive.Event`) and chDB, which reads lines through the same
reader (:func:`ecometrics.collector.gharchive.read_files`) and moves its staged rows into ClickHouse.

A file of nothing but hostile lines is refused in one line naming it (exit 2, no traceback)
and changes nothing stored; on generated hostile lines (Hypothesis: a good event with one
declared value replaced by any JSON value, a byte that is not UTF-8, ``NaN``, nesting either
side of the parsers' depth), both engines skip and report the same lines by ``FILE:LINE`` and
store the same values for the others. A repeated key is read last by both
(``test_a_repeated_key_is_read_the_same_by_both_engines``).
"""

from __future__ import annotations

import datetime
import itertools
import json
import re

import pytest
import test_robustness
from gharchive_fixtures import HOSTILE, RAW_HOSTILE, _changed, event, hostile_issue, hostile_push, write_hour
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_robustness import fingerprint
from test_untrusted_input import assert_refused, cli

from ecometrics.collector.gharchive import MAX_DEPTH, import_gharchive
from ecometrics.collector.store import Store

template, workdir = test_robustness.template, test_robustness.workdir

SHAPES = [name for name, _ in HOSTILE if "array" in name or name.endswith("[]") or name == "repo [1]"]
SHAPE_LINES = [line for name, line in HOSTILE if name in SHAPES] + [line for _, line in RAW_HOSTILE[:3]]


def _chdb_events(folder) -> list[tuple]:
    from ecometrics.collector.archive_engine import open_engine

    with Store(folder.parent / "probe.db") as store, open_engine(f"chdb://{folder}", store) as engine:
        return engine.rows("SELECT id FROM events")


@pytest.mark.parametrize("engine", ["sqlite", "chdb"])
def test_a_file_of_hostile_shapes_is_refused_in_one_line_and_changes_nothing(workdir, capsys, engine):
    """Records given as arrays, a byte that is not UTF-8, nesting past 1,024 levels."""
    assert len(SHAPE_LINES) == 10
    hour = write_hour(workdir / "2024-01-15-10.json.gz", SHAPE_LINES)
    db = workdir / "ecometrics.db"
    before = fingerprint(db)
    args = ["import", "gharchive", str(hour), "--all"]
    if engine == "chdb":
        pytest.importorskip("chdb")
        args += ["--engine", f"chdb://{workdir / 'engine'}"]
    assert_refused(capsys, cli(args), 2, f"{hour}: none of its 10 line(s) is a GH Archive event")
    assert fingerprint(db) == before
    if engine == "chdb":
        assert _chdb_events(workdir / "engine") == []


# -- generated hostile lines, both engines ------------------------------------------------------

# Every value the schema declares, by dotted path, in the lines that carry it.
PUSH_PATHS = ["id", "type", "created_at", "actor", "actor.id", "actor.login", "repo", "repo.id", "repo.name"]
PUSH_PATHS += ["payload", "payload.push_id", "payload.action"]
ISSUE_PATHS = ["payload.issue", "payload.issue.number", "payload.issue.user", "payload.issue.user.id"]
ISSUE_PATHS += ["payload.issue.title", "payload.issue.created_at", "payload.issue.comments", "payload.comment.id"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["1", "007", "2024-01-15T10:00:00Z", "2024-02-30T10:00:00Z", "acme/engine", "", "FooEvent"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["id", "name", "login", "number", "user", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)


def _replaced(item: dict, path: str, value) -> dict:
    target = item
    *parents, key = path.split(".")
    for parent in parents:
        if not isinstance(target.get(parent), dict):
            target[parent] = {}
        target = target[parent]
    target[key] = value
    return item


@st.composite
def hostile_lines(draw) -> bytes:
    """A good push or issue event with one declared value replaced, then perhaps spoilt as bytes."""
    issue = draw(st.booleans())
    item = hostile_issue() if issue else hostile_push()
    path = draw(st.sampled_from(PUSH_PATHS + ISSUE_PATHS if issue else PUSH_PATHS))
    text = json.dumps(_replaced(item, path, draw(values)), separators=(",", ":"))
    spoil = draw(st.sampled_from(["none", "none", "latin-1", "deep", "NaN"]))
    if spoil == "deep":  # nesting within the bound (deeper than Python's recursion limit) and past it
        depth = draw(st.sampled_from([MAX_DEPTH - 100, MAX_DEPTH, 2 * MAX_DEPTH]))
        text = text.replace('"public":true', f'"x":{"[" * depth}{"]" * depth}', 1)
    elif spoil == "NaN":
        text = text.replace('"public":true', '"public":NaN', 1)
    if spoil == "latin-1":
        return text.replace('"public":true', '"public":"\u00e9"', 1).encode("latin-1", "replace")
    return text.encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """One SQLite store and one chDB session for every example."""
    pytest.importorskip("chdb")
    from ecometrics.collector.archive_engine import open_engine

    folder = tmp_path_factory.mktemp("both")
    with Store(folder / "sqlite.db") as sqlite, Store(folder / "engine.db") as store:
        with open_engine("chdb", store) as engine:
            yield folder, sqlite, engine


_files = itertools.count(1)


# No shrinking: each example costs a chDB import, and the assertion names the lines that differ.
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(hostile=st.lists(hostile_lines(), min_size=8, max_size=16))
def test_both_engines_refuse_the_same_generated_hostile_lines(engines, hostile):
    _assert_refused_alike(engines, hostile)


def _compact(item: dict) -> str:
    return json.dumps(item, separators=(",", ":"))


def _pull(**changes) -> dict:
    at = "2024-01-15T10:00:00Z"
    item = event(903, "PullRequestEvent", actor=(1, "alice"), repo=(11, "acme/engine"), created_at=at, number=4)
    return _changed(item, {"payload.action": "closed", **changes})


def _review(**changes) -> dict:
    at = "2024-01-15T10:00:00Z"
    item = event(904, "PullRequestReviewEvent", actor=(1, "alice"), repo=(11, "acme/engine"), created_at=at, number=4)
    return _changed(item, changes)


# Values at the edges of the declared types, each good or bad, as text a parser may read either way.
EDGES: list[dict | str] = [
    hostile_push(**{"actor.login": ""}),
    hostile_push(**{"actor.login": "al\u00e9"}),
    _compact(hostile_push()).replace('"actor":{"id"', '"actor":{"\\u0069d"'),
    _compact(hostile_push()).replace(
        '"created_at":"2024-01-15T10:00:00Z"', '"created_at":"2024-01-15T10:00:00\\u005a"'
    ),
    hostile_push(created_at="2024-02-29T10:00:00Z"),
    hostile_push(created_at="2023-02-29T10:00:00Z"),
    hostile_push(**{"repo.id": 1.0}),
    _compact(hostile_push()).replace('"repo":{"id":11', '"repo":{"id":1e1'),
    hostile_push(**{"repo.id": 2**63 - 1}),
    hostile_push(**{"repo.id": 2**63}),
    hostile_push(**{"repo.id": 0}),
    hostile_push(**{"repo.id": None}),
    hostile_push(repo=None),
    hostile_push(actor=None),
    hostile_push(payload=None),
    hostile_push(payload={}),
    hostile_push(type=None),
    hostile_push(type=5),
    hostile_push(type=""),
    hostile_push(id=905),
    hostile_push(id="0905"),
    hostile_push(id=""),
    hostile_push(id=True),
    hostile_push(id=9.5),
    hostile_push(id="12345678901234567890"),
    hostile_push(**{"payload.push_id": "12"}),
    hostile_push(**{"payload.push_id": "012"}),
    hostile_push(**{"payload.push_id": 12.5}),
    hostile_push(**{"payload.push_id": True}),
    hostile_push(**{"payload.action": 5}),
    hostile_push(**{"payload.commits": None}),
    hostile_push(**{"payload.commits": []}),
    hostile_push(**{"payload.commits": [None]}),
    hostile_push(**{"payload.commits": [{"author": None}, {}]}),
    hostile_push(**{"payload.commits": [{"author": {"name": None, "email": "a@b"}}]}),
    hostile_push(**{"payload.commits": [{"author": {"name": "a", "email": "b"}}, 5]}),
    hostile_issue(**{"payload.issue.comments": 0}),
    _compact(hostile_issue(**{"payload.issue.comments": 7})).replace('"comments":7', '"comments":-0'),
    hostile_issue(**{"payload.issue.comments": 0.0}),
    hostile_issue(**{"payload.issue.comments": 2**31}),
    hostile_issue(**{"payload.issue.closed_at": None}),
    hostile_issue(**{"payload.issue.closed_at": "2024-01-15 10:00:00"}),
    hostile_issue(**{"payload.issue.user": None}),
    hostile_issue(**{"payload.issue.user": {}}),
    hostile_issue(**{"payload.issue.title": 5}),
    _pull(**{"payload.pull_request.merged": None}),
    _pull(**{"payload.pull_request.merged": 1}),
    _pull(**{"payload.pull_request.merged_at": "2024-01-15T10:00:00Z", "payload.number": None}),
    _pull(**{"payload.number": "4"}),
    _pull(**{"payload.pull_request.additions": -1}),
    _review(**{"payload.review.state": 5}),
    _review(**{"payload.review.id": None}),
    _review(**{"payload.review": [1, "approved"]}),
]


def test_both_engines_refuse_the_same_lines_at_the_edges_of_the_declared_types(engines):
    """Escaped keys and values, integral floats, the bounds of an id, nulls and empty records."""
    for start in range(0, len(EDGES), 30):  # a file's reported lines are kept up to MAX_REPORTED
        _assert_refused_alike(
            engines,
            [(line if isinstance(line, str) else _compact(line)).encode() for line in EDGES[start : start + 30]],
        )


def _assert_refused_alike(engines, hostile: list[bytes]) -> list[str]:
    """Both engines skip the same lines of a file of ``hostile`` lines and store the same others;
    the event ids given to the file's lines (a good push, ``hostile``, a good issue)."""
    from ecometrics.collector.archive_engine import import_files

    folder, sqlite, engine = engines
    number = next(_files)
    # A good line first and last (so the file is GH Archive), and every event id unique: the line's number.
    lines = [_compact(hostile_push()).encode(), *hostile, _compact(hostile_issue()).encode()]
    ids = [str(number * 1000 + n) for n in range(len(lines))]
    lines = [
        re.sub(rb'"id":"90[0-9]*"', f'"id":"{ident}"'.encode(), line, count=1)
        for ident, line in zip(ids, lines, strict=True)
    ]
    (folder / str(number)).mkdir()
    hour = write_hour(folder / str(number) / "2024-01-15-10.json.gz", lines)
    expected = import_gharchive(sqlite, [hour], all_repos=True)
    result = import_files(engine, [hour])

    def refused(found) -> dict[int, str]:
        return {int(where.split(":")[1]): where.split(":", 2)[2] for where in found.corrupt}

    chdb, sqlite_path = refused(result), refused(expected)
    differ = {n: (chdb.get(n), sqlite_path.get(n), lines[n - 1][:600]) for n in set(chdb) ^ set(sqlite_path)}
    assert not differ, differ
    assert (result.imported, dict(result.skipped_types)) == (expected.imported, dict(expected.skipped_types))
    stored = {row[0] for row in engine.rows("SELECT id FROM events")} & set(ids)
    kept = {row["id"] for row in sqlite.query("SELECT id FROM events")} & set(ids)
    assert stored == kept
    assert _engine_rows(engine, ids) == _sqlite_rows(sqlite, ids)
    return ids


def _engine_rows(engine, ids: list[str]) -> dict[str, dict]:
    """chDB's stored columns of the events ``ids``, as the SQLite store writes them."""
    from ecometrics.collector.archive_engine import STAGED_COLUMNS

    columns = list(STAGED_COLUMNS)
    found = {}
    for row in engine.rows(f"SELECT {', '.join(columns)} FROM events"):
        if row[0] in ids:
            values = dict(zip(columns, row, strict=True))
            for name, value in values.items():
                if isinstance(value, datetime.datetime):
                    values[name] = value.strftime("%Y-%m-%dT%H:%M:%SZ")
            found[row[0]] = values
    return found


def _sqlite_rows(sqlite, ids: list[str]) -> dict[str, dict]:
    """The SQLite store's columns of the events ``ids``, in chDB's types: a push id's digits as a
    number; an unknown login or name as '' and an unknown list of commit authors as [] (ClickHouse's
    String and Array are never NULL)."""
    from ecometrics.collector.archive_engine import STAGED_COLUMNS

    found = {}
    for row in sqlite.query(f"SELECT {', '.join(STAGED_COLUMNS)} FROM events"):
        if row["id"] in ids:
            values = {name: row[name] for name in STAGED_COLUMNS}
            values["push_id"] = None if values["push_id"] is None else int(values["push_id"])
            values["actor_login"], values["repo_name"] = values["actor_login"] or "", values["repo_name"] or ""
            for name in ("push_commit_names", "push_commit_emails"):
                values[name] = json.loads(values[name] or "[]")
            found[row["id"]] = values
    return found


def test_a_repeated_key_is_read_the_same_by_both_engines(engines):
    # RFC 8259 leaves a repeated key's meaning open; msgspec checks each and keeps the last, and
    # both engines read lines with it (ClickHouse's own JSON reader took the first).
    from ecometrics.collector.archive_engine import import_files

    folder, sqlite, engine = engines
    line = json.dumps(hostile_push(id="77001"), separators=(",", ":")).replace(
        '"repo":{"id":11', '"repo":{"id":11,"id":12'
    )
    (folder / "repeated").mkdir()
    hour = write_hour(folder / "repeated" / "2024-01-15-10.json.gz", [line.encode()])
    import_gharchive(sqlite, [hour], all_repos=True)
    import_files(engine, [hour])
    kept = [row["repo_id"] for row in sqlite.query("SELECT repo_id FROM events WHERE id = '77001'")]
    assert kept == [12]
    assert [row[0] for row in engine.rows("SELECT repo_id FROM events WHERE id = '77001'")] == kept


def _stored_numbers(engines, ids: list[str]) -> tuple[dict, dict]:
    """(chDB's, SQLite's) issue number and repository id of each stored event of ``ids``."""
    _, sqlite, engine = engines
    chdb = {row[0]: row[1:] for row in engine.rows("SELECT id, issue_number, repo_id FROM events") if row[0] in ids}
    kept = {
        row["id"]: (row["issue_number"], row["repo_id"])
        for row in sqlite.query("SELECT id, issue_number, repo_id FROM events")
        if row["id"] in ids
    }
    return chdb, kept


def test_a_float_or_a_large_integer_where_an_integer_is_declared_refuses_no_later_good_line(engines):
    """A Dynamic takes a later line's integer into a Float64 or UInt64 it already holds at that
    place in the block: the good lines after a refused float (or integer past 2^63) are kept, with
    their exact values (2^53 + 1 is no Float64)."""
    numbers = [4.28e16, 5, 2**53 + 1, 2**64 - 1, 7, 2**63 - 1, 2**63, 4.0]
    lines = [_compact(hostile_issue(**{"payload.issue.number": number})).encode() for number in numbers]
    ids = _assert_refused_alike(engines, lines)[1:-1]  # after the file's first line, a good push
    chdb, kept = _stored_numbers(engines, ids)
    good = {
        ident: (number, 11)
        for ident, number in zip(ids, numbers, strict=True)
        if number in (5, 2**53 + 1, 7, 2**63 - 1)
    }
    assert chdb == kept == good


def test_an_integer_past_64_bits_where_a_string_is_declared_is_refused_by_both_engines(engines):
    """ClickHouse's parser hands on an integer past 64 bits as a string; msgspec refuses a number
    where a string is declared. The same digits as a JSON string are a string."""
    ids = _assert_refused_alike(
        engines,
        [
            line.encode()
            for line in [
                _compact(hostile_push(**{"repo.name": -18446744073709551615})),
                _compact(hostile_push(**{"repo.name": 18446744073709551616})),
                _compact(hostile_push(**{"actor.login": 123456789012345678901234567890})),
                _compact(hostile_push(**{"repo.name": "18446744073709551616"})),
                _compact(hostile_issue(**{"payload.issue.title": -99999999999999999999})),
                _compact(hostile_push(**{"payload.push_id": 99999999999999999999})),
            ]
        ],
    )
    # Kept: the file's first and last lines (good) and the digits written as a JSON string (its
    # line 5); the bare integers are refused (push_id's integer is past Id's bound, so it too).
    chdb, kept = _stored_numbers(engines, ids)
    assert set(chdb) == set(kept) == {ids[0], ids[4], ids[-1]}
