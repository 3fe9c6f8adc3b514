"""``import opendigger`` on hostile files: each is skipped and named in one line, nothing of it
is stored, and the import ends with exit 3 (some files skipped), never a traceback.

OpenDigger's files are JSON objects keyed by period (X-lab2017/open-digger
``src/cron/tasks/monthlyExport.ts``); a stranger's folder can hold anything in their place.
"""

from __future__ import annotations

import os
import subprocess

import pytest
import test_robustness
from test_robustness import fingerprint
from test_untrusted_input import assert_refused, cli

from ecometrics.analysis.opendigger_files import MAX_FILE_BYTES

template, workdir = test_robustness.template, test_robustness.workdir

HOSTILE_FILES = [
    ("a count past 64 bits", '{"2024-01": 1180591620717411303424}', "Expected `int` <= 9223372036854775807"),
    ("a count past a double", '{"2024-01": 1e400}', "Number out of range"),
    ("NaN", '{"2024-01": NaN}', "malformed"),
    ("a count as text", '{"2024-01": "3"}', "got `str`"),
    ("a key that is not a period", '{"yesterday": 3}', "matching regex"),
    ("nested 5,000 deep", '{"2024-01": ' + "[" * 5000 + "]" * 5000 + "}", "got `array`"),
    ("an array, not an object", "[[[[1]]]]", "Expected `object`"),
]


@pytest.mark.parametrize("text, reason", [case[1:] for case in HOSTILE_FILES], ids=[c[0] for c in HOSTILE_FILES])
def test_a_hostile_metric_file_is_skipped_in_one_line_and_nothing_is_stored(workdir, capsys, text, reason):
    folder = workdir / "od" / "github" / "acme" / "rocket"
    folder.mkdir(parents=True)
    (folder / "activity.json").write_text(text)
    before = fingerprint(workdir / "ecometrics.db")
    line = assert_refused(capsys, cli(["import", "opendigger", str(workdir / "od")]), 3, "activity.json", reason)
    assert line.startswith(f"ecometrics: {folder / 'activity.json'}: not OpenDigger's activity file"), line
    assert fingerprint(workdir / "ecometrics.db") == before


def test_a_metric_file_that_is_not_a_regular_file_is_refused_without_reading_it(workdir):
    """A FIFO (whose read would wait for ever) and a link to /dev/zero (whose read never ends) in
    the place of metric files: each is named and skipped at once."""
    folder = workdir / "od" / "github" / "acme" / "rocket"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "stars.json")
    (folder / "activity.json").symlink_to("/dev/zero")
    before = fingerprint(workdir / "ecometrics.db")
    result = subprocess.run(
        [*test_robustness.ECOMETRICS, "--db", str(workdir / "ecometrics.db"), "import", "opendigger", "od"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    errors = test_robustness.error_lines(result.stderr)
    assert len(errors) == 2, result.stderr
    assert all("not a regular file" in line for line in errors), errors
    assert fingerprint(workdir / "ecometrics.db") == before


def test_an_oversized_metric_file_is_refused_by_its_size(workdir, capsys):
    folder = workdir / "od" / "github" / "acme" / "rocket"
    folder.mkdir(parents=True)
    with (folder / "activity.json").open("wb") as sparse:
        sparse.truncate(MAX_FILE_BYTES + 1)  # a hole: no disk used
    before = fingerprint(workdir / "ecometrics.db")
    assert_refused(capsys, cli(["import", "opendigger", str(workdir / "od")]), 3, "a metric file may hold")
    assert fingerprint(workdir / "ecometrics.db") == before


def test_a_hostile_label_file_is_skipped_and_a_folder_linked_to_itself_is_not_followed(workdir, capsys):
    """A label's files (DIR/companies/acme/) are checked as a repository's are; a link to a folder
    below a label type's folder (which could lead back up the tree) is not followed."""
    folder = workdir / "od" / "companies" / "acme"
    folder.mkdir(parents=True)
    (folder / "stars.json").write_text('{"2024-01": "3"}')
    (folder / "again").symlink_to(folder)
    (workdir / "od" / ".hidden").mkdir()  # not a label type's name: not read
    (workdir / "od" / ".hidden" / "stars.json").write_text("not json")
    before = fingerprint(workdir / "ecometrics.db")
    line = assert_refused(capsys, cli(["import", "opendigger", str(workdir / "od")]), 3, "got `str`")
    assert line.startswith(f"ecometrics: {folder / 'stars.json'}: not OpenDigger's stars file"), line
    assert fingerprint(workdir / "ecometrics.db") == before


def test_a_link_to_a_metric_file_outside_the_folder_is_skipped_in_one_line(workdir, capsys):
    """A link out of the folder is not read, however good the file it names (the label import's rule,
    ecometrics.core.files.regular_file_inside); a link to a file inside the folder is read."""
    elsewhere = workdir / "elsewhere.json"
    elsewhere.write_text('{"2024-01": 3}')  # a good activity file, outside the folder
    folder = workdir / "od" / "github" / "acme" / "rocket"
    folder.mkdir(parents=True)
    (folder / "activity.json").symlink_to(elsewhere)
    before = fingerprint(workdir / "ecometrics.db")
    line = assert_refused(capsys, cli(["import", "opendigger", str(workdir / "od")]), 3, "activity.json", "outside")
    assert line.startswith(f"ecometrics: {folder / 'activity.json'}: links to {elsewhere}"), line
    assert fingerprint(workdir / "ecometrics.db") == before
    inside = workdir / "od" / "kept.json"
    inside.write_text('{"2024-01": 3}')
    (folder / "activity.json").unlink()
    (folder / "activity.json").symlink_to(inside)
    assert cli(["import", "opendigger", str(workdir / "od")]) == 0, capsys.readouterr().err
    assert fingerprint(workdir / "ecometrics.db") != before


@pytest.mark.parametrize(
    "command, code, words",
    [("import", 3, ("b'c", "not a repository")), ("compare", 2, ("none of its 0 repo(s)",))],
)
def test_a_folder_name_that_is_no_repository_or_login_is_not_read(workdir, capsys, command, code, words):
    """A folder is a repository's (``github/OWNER/REPO``) or a developer's (``github/LOGIN``) only
    when its name is one GitHub allows: ``b'c`` is neither, and reached the SQL of ``compare``
    (a traceback). ``import`` skips it in one line; ``compare`` then has nothing to compare."""
    folder = workdir / "od" / "github" / "acme" / "b'c"
    folder.mkdir(parents=True)
    (folder / "activity.json").write_text('{"2024-01": 3}')
    before = fingerprint(workdir / "ecometrics.db")
    assert_refused(capsys, cli([command, "opendigger", str(workdir / "od")]), code, *words)
    assert fingerprint(workdir / "ecometrics.db") == before
