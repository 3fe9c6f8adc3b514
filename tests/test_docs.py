"""The documentation (the README and ``docs/*.md``) and the program agree, in the manner of
sqlite-utils' own documentation tests (https://github.com/simonw/sqlite-utils/blob/main/tests/test_docs.py:
every command parametrized, each looked up in the docs): every command line and export KIND the
docs name exists, every command and subcommand of the CLI has a row in docs/commands.md's table,
and every KIND a row in one of the KIND tables of docs/tables.md. The commands come from the
argparse parser, the KINDs from the export registry, so a new command or table without its row
fails here. The README opens with its two commands, and its offline recipe works as written."""

import argparse
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from test_help import parsers  # every (command path, parser) of the CLI

from ecometrics.analysis.export import export_kinds
from ecometrics.collector.store import Store
from ecometrics.jobs.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
COMMANDS = (ROOT / "docs" / "commands.md").read_text()  # the command table
PAGES = [README] + [page.read_text() for page in sorted((ROOT / "docs").glob("*.md"))]
COMMAND_WORD = re.compile(r"[a-z][a-z0-9_-]*(?:\|[a-z][a-z0-9_-]*)*")  # a name, or names in a|b|c


def code_texts(markdown: str) -> list[str]:
    """The code of a Markdown text: each line of a fenced block, and each inline `span` (spans may wrap)."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.M | re.S)
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", markdown, flags=re.M | re.S)
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]
    return [line for block in fenced for line in block.splitlines()] + spans


def command_lines(markdown: str) -> list[str]:
    """Every ``ecometrics ...`` command line in the code of a Markdown text, as written (table pipes unescaped)."""
    lines = []
    for text in code_texts(markdown):
        # The program, not ecometrics.toml, 'ecometrics[plots]', Description=ecometrics or /srv/ecometrics.
        for match in re.finditer(r"(?:^|(?<=\s)|(?<=/bin/))ecometrics +(\S.*)", text.replace("\\|", "|")):
            lines.append("ecometrics " + match.group(1).split(" #")[0].strip())
    return sorted(set(lines))


def positional_values(parser: argparse.ArgumentParser) -> tuple[str, list[str]] | None:
    """What the first positional word after a command may be: a subcommand, a choice, or an export KIND."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return "subcommand", list(action.choices)
        if not action.option_strings:
            if parser.prog.endswith(" export"):
                return "export KIND", export_kinds()
            return ("choice", list(action.choices)) if action.choices else None
    return None


def unknown_words(line: str) -> list[str]:
    """The words of a command line that name no command, subcommand, choice or KIND: the walk
    follows subcommands and stops at the first option, placeholder (KIND, FILE) or free value."""
    parser = build_parser()
    unknown = []
    for word in line.split()[1:]:
        word = word.strip("[]")
        if word.startswith("-") or not COMMAND_WORD.fullmatch(word):
            break
        expected = positional_values(parser)
        if expected is None:
            break  # a free value such as a file name
        what, values = expected
        names = word.split("|")
        unknown += [f"{name} (no such {what}; one of {', '.join(values)})" for name in names if name not in values]
        if what != "subcommand" or len(names) > 1 or unknown:
            break
        parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[word]
    return unknown


def command_table(markdown: str) -> list[str]:
    """The first cell of each row of the command table (``docs/commands.md``)."""
    return [cell.replace("\\|", "|") for cell in re.findall(r"^\| `(ecometrics [^`]+)` \|", markdown, flags=re.M)]


def kind_table_rows(markdown: str) -> list[str]:
    """The KINDs in the first cell of each row of the tables headed ``| KIND |``."""
    kinds = []
    for table in re.findall(r"^\| KIND \|.*\n\|[-| ]+\|\n((?:\|.*\n)+)", markdown, flags=re.M):
        for first_cell in re.findall(r"^\| ([^|]*(?:\\\|[^|]*)*) \|", table, flags=re.M):
            spans = re.findall(r"`([^`]+)`", first_cell)
            kinds += [span.split()[0] for span in spans if not span.startswith("-")]
    return kinds


def doc_command_lines() -> list[str]:
    """The command lines of every page (each page parsed alone: a stray backtick stays in its page)."""
    return sorted({line for page in PAGES for line in command_lines(page)})


def doc_kinds() -> list[str]:
    return [kind for page in PAGES for kind in kind_table_rows(page)]


@pytest.mark.parametrize("line", doc_command_lines(), ids=str)
def test_every_command_line_in_the_docs_names_real_commands(line):
    assert unknown_words(line) == []


@pytest.mark.parametrize("command", [path for path, _ in parsers(build_parser())][1:])
def test_every_command_has_a_row_in_the_command_table(command):
    assert any(row == command or row.startswith(command + " ") for row in command_table(COMMANDS)), (
        f"`{command}` has no row in docs/commands.md's table"
    )


@pytest.mark.parametrize("kind", doc_kinds())
def test_every_kind_in_the_docs_tables_is_an_export_kind(kind):
    assert kind in export_kinds()


@pytest.mark.parametrize("kind", export_kinds())
def test_every_export_kind_has_a_row_in_a_kind_table(kind):
    assert kind in doc_kinds(), f"export KIND {kind} has no row in the KIND tables of docs/tables.md"


def test_the_docs_name_commands_and_kinds_at_all():
    """The parsing above finds what it should, so an empty parametrization cannot pass silently."""
    lines = doc_command_lines()
    assert "ecometrics export lineage --root MODEL [--format graphml|gexf|json|csv] [--out PATH]" in lines
    assert len(command_table(COMMANDS)) >= 10 and len(doc_kinds()) >= 10
    assert unknown_words("ecometrics import gharchiv FILE") == [
        "gharchiv (no such subcommand; one of gharchive, edges, hub-stats, labels, opendigger)"
    ]
    assert unknown_words("ecometrics export repos|stars_weekly --month 2025-01") == [
        f"stars_weekly (no such export KIND; one of {', '.join(export_kinds())})"
    ]


OPENDIGGER_DOC = (Path(__file__).resolve().parent.parent / "docs" / "opendigger.md").read_text()


@pytest.mark.parametrize("line", command_lines(OPENDIGGER_DOC), ids=str)
def test_every_command_line_in_the_opendigger_doc_names_real_commands(line):
    assert unknown_words(line) == []


def test_the_opendigger_doc_has_a_row_with_its_source_for_every_metric_file():
    from ecometrics.analysis.opendigger import DEVELOPER_FILES, FILES, LABEL_FILES

    rows = [line for line in OPENDIGGER_DOC.splitlines() if line.startswith("| `")]
    for metric in dict.fromkeys([*FILES, *DEVELOPER_FILES, *LABEL_FILES]):
        row = next((row for row in rows if re.search(rf"`{metric}`|`{metric.rsplit('_', 1)[0]}_add`", row)), None)
        assert row is not None and re.search(r"`(chaoss|metrics|indices)\.ts`", row), metric
    assert len(command_lines(OPENDIGGER_DOC)) >= 5


def test_the_readme_opens_with_the_two_commands():
    first_block = re.search(r"^```sh\n(.*?)^```", README, flags=re.M | re.S).group(1)
    assert [line.split("#")[0].strip() for line in first_block.splitlines()] == ["scripts/demo", "scripts/test"]
    assert README.index("```sh") < README.index("\n## ")  # before any section


def test_the_readmes_offline_recipe_runs_as_written(tmp_path):
    """The "Try it offline" block, run by bash as written (only the port is a free one), ends
    ``ecometrics run`` with exit 0, waiting on no rate budget longer than the demo's short windows."""
    section = README.split("\n## Try it offline\n", 1)[1].split("\n## ", 1)[0]
    recipe = re.search(r"^```sh\n(.*?)^```", section, flags=re.M | re.S).group(1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    script = recipe.replace("8765", port)
    # the installed console script of this interpreter; a stray fakehub never outlives the test
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for name in ("GITHUB_TOKEN", "HF_TOKEN", "MODELSCOPE_API_TOKEN", "ECOMETRICS_CONFIG", "ECOMETRICS_DB"):
        environment.pop(name, None)
    done = subprocess.run(
        ["bash", "-e", "-c", "trap 'kill %1 2>/dev/null || true' EXIT\nset -m\n" + script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "run ok" in done.stderr + done.stdout
    waits = [float(s) for s in re.findall(r"waiting (\d+(?:\.\d+)?) s", done.stderr)]
    assert all(wait <= 10 for wait in waits), waits
    assert (tmp_path / "offline" / "exports").is_dir() and "| repo |" in done.stdout


def test_every_table_of_the_schema_is_documented_with_its_key(tmp_path):
    """docs/schema.md has a ``### `TABLE` `` section for every table a new database holds,
    naming each column of its primary key, so people querying the file find every table."""
    schema = (ROOT / "docs" / "schema.md").read_text()
    sections = dict(re.findall(r"^### `([a-z_]+)`\n(.*?)(?=^### |\Z)", schema, flags=re.M | re.S))
    with Store(tmp_path / "e.db") as store:
        tables = [row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        keys = {
            table: [row[1] for row in store.conn.execute(f'PRAGMA table_info("{table}")') if row[5]] for table in tables
        }
    missing = sorted(table for table in tables if not table.startswith("sqlite_") and table not in sections)
    assert missing == [], f"docs/schema.md has no ### `TABLE` section for {', '.join(missing)}"
    undocumented_keys = {
        table: [column for column in key if f"`{column}`" not in sections[table]]
        for table, key in keys.items()
        if table in sections
    }
    assert {table: key for table, key in undocumented_keys.items() if key} == {}
