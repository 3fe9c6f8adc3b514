"""Hostile label folders: each is refused in one line naming the file (and the key), exit 2,
no traceback, the stored labels unchanged; only regular files inside the folder are read."""

from __future__ import annotations

import os

import pytest
from test_labels import LAYOUT, write
from test_robustness import error_lines, fingerprint

from ecometrics.jobs.cli import main

BAD = "companies/bad/index.yml"
BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
type: Company
data:
  labels: *i
"""
GITHUB_REPOS = "type: Company\ndata:\n  platforms:\n    - name: GitHub\n      repos:\n"

# (case, file -> text, what the one line says besides the file)
CASES = [
    ("name a list", {BAD: "name: [a, b]\ntype: Company\n"}, "$.name"),
    ("id 10^29", {BAD: GITHUB_REPOS + "        - id: 100000000000000000000000000000\n"}, "repos"),
    ("entity a list", {BAD: GITHUB_REPOS + "        - [1, 2]\n"}, "repos"),
    ("id a bool", {BAD: GITHUB_REPOS + "        - id: true\n"}, "repos"),
    ("include not a string", {BAD: "type: Company\ndata:\n  labels:\n    - {a: 1}\n"}, "$.data.labels"),
    ("billion laughs", {BAD: BILLION_LAUGHS}, "aliases expand to more than"),
    ("deep nesting", {BAD: "name: " + "[" * 5000 + "]" * 5000 + "\n"}, "nest"),
]


def _chain(count: int) -> dict[str, str]:
    files = {f"chain/c{n}.yml": f"type: Project\ndata:\n  labels:\n    - ':chain/c{n + 1}'\n" for n in range(count - 1)}
    files[f"chain/c{count - 1}.yml"] = "type: Project\n"
    return files


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "l.db"
    assert main(["--db", str(db), "import", "labels", str(write(tmp_path / "good", LAYOUT))]) == 0
    return db


def refused(db, folder, capsys, *fragments):
    before = fingerprint(db)
    assert main(["--db", str(db), "import", "labels", str(folder)]) == 2
    captured = capsys.readouterr()
    lines = error_lines(captured.err)
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert fingerprint(db) == before
    return lines[0]


@pytest.mark.parametrize("case, files, message", CASES, ids=[case for case, _, _ in CASES])
def test_a_hostile_label_file_is_one_line_naming_it_and_changes_nothing(
    database, tmp_path, capsys, case, files, message
):
    capsys.readouterr()
    refused(database, write(tmp_path / "bad", {**LAYOUT, **files}), capsys, BAD, message)


def test_a_long_include_chain_is_read(database, tmp_path, capsys):
    capsys.readouterr()
    folder = write(tmp_path / "chain", {**LAYOUT, **_chain(1500)})
    assert main(["--db", str(database), "import", "labels", str(folder)]) == 0, capsys.readouterr().err


def test_a_folder_named_yml_is_a_folder_and_a_fifo_is_refused_without_waiting(database, tmp_path, capsys):
    capsys.readouterr()
    folder = write(tmp_path / "odd", LAYOUT)
    (folder / "labeled_data" / "x.yml").mkdir()  # a folder, not a label
    assert main(["--db", str(database), "import", "labels", str(folder)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    os.mkfifo(folder / "labeled_data" / "pipe.yml")
    refused(database, folder, capsys, "pipe.yml", "not a regular file")


def test_a_link_to_a_file_outside_the_folder_is_refused(database, tmp_path, capsys):
    capsys.readouterr()
    secret = tmp_path / "secret.yml"
    secret.write_text("name: Outside\ntype: Company\n")
    folder = write(tmp_path / "linked", LAYOUT)
    (folder / "labeled_data" / "outside.yml").symlink_to(secret)
    refused(database, folder, capsys, "outside.yml", "outside")
    (folder / "labeled_data" / "outside.yml").unlink()
    (folder / "labeled_data" / "inside.yml").symlink_to(folder / "labeled_data" / "bot" / "index.yml")
    assert main(["--db", str(database), "import", "labels", str(folder)]) == 0  # a link within the folder is read
