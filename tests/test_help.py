"""The command line explains itself: --version, every option's help, one list of export kinds, no outside documents."""

import argparse
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from ecometrics.jobs.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def ecometrics(*args, cwd):
    return subprocess.run([sys.executable, "-m", "ecometrics.jobs.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_version_prints_the_installed_version(tmp_path):
    result = ecometrics("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"ecometrics {version('ecometrics')}"


def parsers(parser, path=("ecometrics",)):
    yield " ".join(path), parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from parsers(child, (*path, name))


def test_every_option_of_every_command_says_what_it_does():
    undocumented = [
        f"{where} {action.option_strings or action.dest}"
        for where, parser in parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert undocumented == []


def test_export_help_and_the_unknown_kind_error_list_the_same_kinds(tmp_path):
    from ecometrics.analysis.export import export_kinds

    helped = re.search(r"one of ([a-z_,\s]+?)\n\s*\n", ecometrics("export", "--help", cwd=tmp_path).stdout).group(1)
    refused = ecometrics("--db", str(tmp_path / "e.db"), "export", "nonsense", cwd=tmp_path)
    assert refused.returncode == 2
    listed = refused.stderr.split("choose one of ", 1)[1].strip()
    assert [k.strip() for k in helped.split(",")] == [k.strip() for k in listed.split(",")] == export_kinds()


def test_the_readme_and_docstrings_stand_on_their_own():
    texts = [
        ROOT / "README.md",
        *ROOT.glob("docs/*.md"),
        *ROOT.glob("analysis/*.py"),
        *ROOT.glob("jobs/*.py"),
        *ROOT.glob("notebooks/*.ipynb"),
    ]
    citing = [str(path.relative_to(ROOT)) for path in texts if re.search(r"\bSPEC\b(?! *\])", path.read_text())]
    assert citing == []


def test_the_commands_page_names_every_command_and_option():
    """docs/commands.md is the reference: a command or option missing from it is one a reader never learns of."""
    page = (ROOT / "docs" / "commands.md").read_text()
    missing = []
    for where, parser in parsers(build_parser()):
        command = where.removeprefix("ecometrics").strip()
        if command and f"`ecometrics {command}" not in page:
            missing.append(where)
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help" and not re.search(re.escape(option) + r"\b", page):
                    missing.append(f"{where} {option}")
    assert missing == []
