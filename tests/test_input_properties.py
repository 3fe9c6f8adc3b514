"""Property-based tests (Hypothesis) of two boundaries where a stranger's text enters: the config
file and the lineage edge list.

Whatever values a config holds, loading it returns a config whose every value passed its check
or raises :class:`ecometrics.core.config.ConfigError` in one line naming the file; whatever rows an edge list
holds, importing it stores only valid edges or raises :class:`ecometrics.core.errors.InputError` in one line
and stores nothing. Examples are derandomized (the same on every run), few, and without deadline.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import math
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ecometrics.collector.edges import import_edges
from ecometrics.collector.store import Store
from ecometrics.core import config as config_module
from ecometrics.core.config import ConfigError, load_config
from ecometrics.core.ecosystem import RELATIONS
from ecometrics.core.errors import InputError

PROPERTIES = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- the config file -------------------------------------------------------------------------------

SECTIONS = {
    f.name: [key.name for key in dataclasses.fields(config_module._SECTION_CLASSES[f.type])]
    for f in dataclasses.fields(config_module.Config)
    if f.name not in ("path", "families")
}
FAMILY_KEYS = [f.name for f in dataclasses.fields(config_module.FamilyConfig)]
# Values a user (or a hostile file) plausibly writes, beside arbitrary ones.
PLAUSIBLE = [
    "o/r",
    "o/r\n",
    "a/..",
    "Qwen",
    "Qwen/Qwen3-8B",
    "A+B",
    "0 2 * * *",
    "0 0 31 2 *",
    "61 * * * *",
    "2025-01-01",
    "2025-01-01T00:00:00Z",
    "2025-01-01<script>",
    "csv",
    "md",
    "=HYPERLINK(1)",
    "\x00",
    "",
]

scalars = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
    st.sampled_from(PLAUSIBLE),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),  # TOML integers are 64-bit
    st.floats(),  # NaN and both infinities included
    st.booleans(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(["pushes", "Qwen", "x"]), st.text(max_size=6)), inner, max_size=3),
    ),
    max_leaves=8,
)


@st.composite
def configs(draw) -> dict:
    """A config as parsed TOML: real sections and keys mostly, arbitrary ones sometimes."""
    data: dict = {}
    for section in draw(st.lists(st.one_of(st.sampled_from([*SECTIONS, "families"]), st.text(max_size=6)), max_size=4)):
        if section == "families":
            names = draw(
                st.lists(st.one_of(st.sampled_from(["Qwen", "A+B", "Llama"]), st.text(max_size=8)), max_size=2)
            )
            data[section] = {
                name: draw(st.dictionaries(st.sampled_from(FAMILY_KEYS), values, max_size=3)) for name in names
            }
        else:
            keys = st.one_of(st.sampled_from(SECTIONS.get(section) or ["x"]), st.text(max_size=6))
            data[section] = draw(st.one_of(st.dictionaries(keys, values, max_size=4), values))
    return data


def toml_value(value) -> str:
    """``value`` written as TOML (a test-side writer: the standard library reads TOML, never writes it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        escaped = "".join(
            f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else "\\\\" if c == "\\" else '\\"' if c == '"' else c
            for c in value
        )
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{toml_value(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_text(data: dict) -> str:
    lines = []
    for section, table in data.items():
        if section == "families" and isinstance(table, dict):
            for name, family in table.items():
                lines.append(f"[families.{toml_value(name)}]")
                lines += [f"{toml_value(k)} = {toml_value(v)}" for k, v in family.items()]
        elif isinstance(table, dict):
            lines.append(f"[{toml_value(section)}]")
            lines += [f"{toml_value(k)} = {toml_value(v)}" for k, v in table.items()]
        else:
            lines.insert(0, f"{toml_value(section)} = {toml_value(table)}")  # a top-level key, not a table
    return "\n".join(lines) + "\n"


def assert_one_line(error: Exception, source: str) -> None:
    message = str(error)
    assert message.startswith(source + ": "), message
    assert "\n" not in message and "\r" not in message and len(message) < 1000, message


@PROPERTIES
@given(data=configs())
@example(data={"families": {"\r": {"authors": {}}}})  # a line break in a key
def test_any_config_loads_valid_or_is_refused_in_one_line(tmp_path, data):
    path = tmp_path / "ecometrics.toml"
    path.write_text(toml_text(data), encoding="utf-8")
    try:
        loaded = load_config(path)
    except ConfigError as error:
        assert_one_line(error, str(path))
        return
    for name in loaded.github.repos:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+", name)
    for name in loaded.huggingface.models + loaded.modelscope.models:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*", name)
    for weight in loaded.activity.weights.values():
        assert math.isfinite(weight) and weight >= 0
    for name, family in loaded.families.items():
        assert "+" not in name and (family.origin is None or "+" not in family.origin)
    if loaded.github.activity_since is not None:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?", loaded.github.activity_since)
    from apscheduler.triggers.cron import CronTrigger

    for expression in (loaded.schedule.collect, loaded.schedule.analyze, loaded.schedule.openrank):
        assert CronTrigger.from_crontab(expression, timezone="UTC").get_next_fire_time(None, dt.datetime.now(dt.UTC))


@PROPERTIES
@given(text=st.text(max_size=200))
def test_any_text_as_a_config_loads_or_is_refused_in_one_line(tmp_path, text):
    path = tmp_path / "ecometrics.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(path)
    except ConfigError as error:
        assert_one_line(error, str(path))


# -- the edge list ---------------------------------------------------------------------------------

MODEL_ID = re.compile(r"[A-Za-z0-9_.-]{1,96}(/[A-Za-z0-9_.-]{1,96})?")
cells = st.one_of(
    st.sampled_from(
        [
            "o/a",
            "o/b",
            "org/base",
            "finetune",
            "merged",
            "adapters",
            "o/..",
            "o--x/a",
            "o/\u043c\u0435",
            "=1+1",
            "",
            " ",
        ]
    ),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
)
headers = st.one_of(
    st.just(["source", "target", "edge"]),
    st.permutations(["parent", "child", "relation"]),
    st.lists(
        st.one_of(st.sampled_from(["source", "target", "edge", "model", "type"]), st.text(max_size=6)), max_size=4
    ),
)


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("edges") / "template.db"
    Store(path).close()
    return path


def stored_edges(db: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT child, parent, relation, source FROM model_edges ORDER BY 1, 2").fetchall()
    finally:
        conn.close()


@PROPERTIES
@given(header=headers, rows=st.lists(st.lists(cells, max_size=4), max_size=6))
@example(header=["x\ny", "target", "edge"], rows=[["o/a", "o/b", "finetune"]])  # a line break in the header
def test_any_edge_list_stores_only_valid_edges_or_is_refused_in_one_line(empty_store, header, rows):
    with tempfile.TemporaryDirectory() as folder:
        db, edges = Path(folder) / "e.db", Path(folder) / "edges.csv"
        shutil.copy(empty_store, db)
        text = io.StringIO()
        csv.writer(text).writerows([header, *rows])
        edges.write_text(text.getvalue(), encoding="utf-8", errors="surrogatepass")
        with Store(db) as store:
            try:
                import_edges(store, edges)
            except InputError as error:
                assert_one_line(error, str(edges))
                assert stored_edges(db) == []  # the whole file is checked before anything is written
                return
        for child, parent, relation, source in stored_edges(db):
            assert MODEL_ID.fullmatch(child) and MODEL_ID.fullmatch(parent), (child, parent)
            assert "--" not in child + parent and ".." not in child + parent
            assert relation in RELATIONS and source == "import"
