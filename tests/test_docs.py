"""The README and the program agree, in the manner of sqlite-utils' own documentation tests
(https://github.com/simonw/sqlite-utils/blob/main/tests/test_docs.py: every command parametrized,
each looked up in the docs): every command line and export KIND the README names exists, every
command and subcommand of the CLI has a row in the README's command table, and every KIND a row
in one of its KIND tables. The commands come from the argparse parser, the KINDs from the export
registry, so a new command or table without its README row fails here."""

import argparse
import re
from pathlib import Path

import pytest
from test_help import parsers  # every (command path, parser) of the CLI

from analysis.export import export_kinds
from jobs.cli import build_parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
COMMAND_WORD = re.compile(r"[a-z][a-z0-9_-]*(?:\|[a-z][a-z0-9_-]*)*")  # a name, or names in a|b|c


def code_texts(markdown: str) -> list[str]:
    """The README's code: each line of a fenced block, and each inline `span` (spans may wrap)."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.M | re.S)
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", markdown, flags=re.M | re.S)
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]
    return [line for block in fenced for line in block.splitlines()] + spans


def command_lines(markdown: str) -> list[str]:
    """Every ``ecometrics ...`` command line in the README's code, as written (table pipes unescaped)."""
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
    """The first cell of each row of the README's command table (the ``## Commands`` section)."""
    section = markdown.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return [cell.replace("\\|", "|") for cell in re.findall(r"^\| `(ecometrics [^`]+)` \|", section, flags=re.M)]


def kind_table_rows(markdown: str) -> list[str]:
    """The KINDs in the first cell of each row of the README's tables headed ``| KIND |``."""
    kinds = []
    for table in re.findall(r"^\| KIND \|.*\n\|[-| ]+\|\n((?:\|.*\n)+)", markdown, flags=re.M):
        for first_cell in re.findall(r"^\| ([^|]*(?:\\\|[^|]*)*) \|", table, flags=re.M):
            spans = re.findall(r"`([^`]+)`", first_cell)
            kinds += [span.split()[0] for span in spans if not span.startswith("-")]
    return kinds


@pytest.mark.parametrize("line", command_lines(README), ids=str)
def test_every_command_line_in_the_readme_names_real_commands(line):
    assert unknown_words(line) == []


@pytest.mark.parametrize("command", [path for path, _ in parsers(build_parser())][1:])
def test_every_command_has_a_row_in_the_readme_command_table(command):
    assert any(row == command or row.startswith(command + " ") for row in command_table(README)), (
        f"`{command}` has no row in the README's ## Commands table"
    )


@pytest.mark.parametrize("kind", kind_table_rows(README))
def test_every_kind_in_the_readme_tables_is_an_export_kind(kind):
    assert kind in export_kinds()


@pytest.mark.parametrize("kind", export_kinds())
def test_every_export_kind_has_a_row_in_a_readme_kind_table(kind):
    assert kind in kind_table_rows(README), f"export KIND {kind} has no row in the README's KIND tables"


def test_the_readme_names_commands_and_kinds_at_all():
    """The parsing above finds what it should, so an empty parametrization cannot pass silently."""
    lines = command_lines(README)
    assert "ecometrics export lineage --root MODEL [--format graphml|gexf|json|csv] [--out PATH]" in lines
    assert len(command_table(README)) >= 10 and len(kind_table_rows(README)) >= 10
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
    from analysis.opendigger import FILES

    rows = [line for line in OPENDIGGER_DOC.splitlines() if line.startswith("| `")]
    for metric in FILES:
        row = next((row for row in rows if re.search(rf"`{metric}`|`{metric.rsplit('_', 1)[0]}_add`", row)), None)
        assert row is not None and re.search(r"`(chaoss|metrics|indices)\.ts`", row), metric
    assert len(command_lines(OPENDIGGER_DOC)) >= 5
