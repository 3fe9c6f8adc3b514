"""Untrusted input never poisons the store: configs, the environment, databases a reader opens,
the demo's folder, the report's destination and the text that goes into exports.

Each case runs the command line (in-process through ``ecometrics.jobs.cli.main``, or as a process where
a signal or the machine is involved) on a copy of the small database of test_robustness and
checks the exit code, one line of error, no traceback, and every table's content hash.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest
import test_robustness
from test_robustness import CONFIG, error_lines, fingerprint

from ecometrics.core.errors import InputError
from ecometrics.jobs.cli import main

# test_robustness's fixtures: its small database holding every kind of row, and a copy in a working folder.
template, workdir = test_robustness.template, test_robustness.workdir


def cli(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exit:  # argparse refuses arguments by exiting
        return int(exit.code or 0)


def assert_refused(capsys, returned: int, code: int, *fragments: str) -> str:
    """``returned`` is ``code`` and standard error holds one error line with every fragment, no traceback."""
    captured = capsys.readouterr()
    assert returned == code, captured.err
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    lines = error_lines(captured.err)
    assert len(lines) == 1, captured.err
    for fragment in fragments:
        assert fragment in lines[0], captured.err
    return lines[0]


# -- 9. the config file ------------------------------------------------------------------------

DEEP = "[" * 5000 + "]" * 5000
CONFIGS = [
    ("5k-deep array", f"[github]\norgs = {DEEP}\n", "nests arrays or tables too deeply"),
    ("5k-deep unknown key", f"[github]\nx = {DEEP}\n", "nests arrays or tables too deeply"),
    ("cron that never fires", "[schedule]\ncollect = '0 0 31 2 *'\n", "schedule.collect '0 0 31 2 *' never fires"),
    ("repo with a newline", '[github]\nrepos = ["o/r\\n"]\n', "github.repos[0] 'o/r\\n' is not OWNER/NAME"),
    ("org with a newline", '[github]\norgs = ["o\\n"]\n', "github.orgs[0] 'o\\n' is not a GitHub owner name"),
    ("model with a newline", '[huggingface]\nmodels = ["o/m\\n"]\n', "huggingface.models[0] 'o/m\\n'"),
    ("date then markup", "[github]\nactivity_since = '2025-01-01<script>'\n", "'2025-01-01<script>' is not a date"),
    ("NaN weight", "[activity]\nweights = {pushes = nan}\n", "activity.weights.pushes must be 0 or more"),
    ("inf weight", "[activity]\nweights = {pushes = inf}\n", "activity.weights.pushes must be 0 or more"),
    ("inf wait", "[github]\nmax_rate_wait = inf\n", "github.max_rate_wait must be 0 or more seconds"),
    ("family A+B", "[families.'A+B']\nauthors = ['a']\n", "[families.A+B] is not a family name"),
    ("family origin X+Y", "[families.A]\norigin = 'X+Y'\n", "families.A.origin 'X+Y' is not an origin"),
    ("family author list", "[families.A]\nauthors = ['a/b']\n", "families.A.authors[0] 'a/b' is not an owner name"),
]


@pytest.mark.parametrize("text, message", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_a_config_a_stranger_wrote_is_refused_in_one_line(workdir, capsys, text, message):
    (workdir / "bad.toml").write_text(text)
    before = fingerprint(workdir / "ecometrics.db")
    line = assert_refused(capsys, cli(["--config", "bad.toml", "status"]), 2, "bad.toml: ", message)
    assert len(line) < 400
    assert fingerprint(workdir / "ecometrics.db") == before


# -- 9. the environment: tokens and endpoints ----------------------------------------------------


@pytest.fixture
def closed_port():
    """An address where nothing listens: a client that got that far fails at once, in other words."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{probe.getsockname()[1]}"


ENVIRONMENTS = [
    ("github", {"GITHUB_TOKEN": "ghp_abc\nX-Injected: 1"}, "GITHUB_TOKEN"),
    ("github", {"GITHUB_TOKEN": "ghp_\u0436\u0436"}, "GITHUB_TOKEN"),
    ("github", {"GITHUB_API_URL": "javascript:alert(1)"}, "GITHUB_API_URL"),
    ("hf", {"HF_TOKEN": "hf_abc\r\n"}, "HF_TOKEN"),
    ("hf", {"HF_TOKEN": "hf_\u2603"}, "HF_TOKEN"),
    ("hf", {"HF_ENDPOINT": "file:///etc/passwd"}, "HF_ENDPOINT"),
    ("modelscope", {"MODELSCOPE_ENDPOINT": "javascript:"}, "MODELSCOPE_ENDPOINT"),
    ("modelscope", {"MODELSCOPE_API_TOKEN": "ms\n"}, "MODELSCOPE_API_TOKEN"),
]
SOURCES_CONFIG = (
    CONFIG + '[huggingface]\nauthors = []\nmodels = ["org/base"]\n[modelscope]\nmodels = ["Qwen/Qwen3-8B"]\n'
)


@pytest.mark.parametrize(
    "source, environment, variable",
    ENVIRONMENTS,
    ids=[f"{s}-{next(iter(e))}-{i}" for i, (s, e, _) in enumerate(ENVIRONMENTS)],
)
def test_a_bad_token_or_endpoint_is_refused_at_once_naming_the_variable(
    workdir,
    capsys,
    monkeypatch,
    closed_port,
    source,
    environment,
    variable,
):
    (workdir / "ecometrics.toml").write_text(SOURCES_CONFIG)
    for name in ("GITHUB_API_URL", "HF_ENDPOINT", "MODELSCOPE_ENDPOINT"):  # anything let through fails fast
        monkeypatch.setenv(name, closed_port)
    for name in ("GITHUB_TOKEN", "HF_TOKEN", "MODELSCOPE_API_TOKEN"):
        monkeypatch.setenv(name, "t")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    before = fingerprint(workdir / "ecometrics.db")
    returned = cli(["collect", source])
    line = assert_refused(capsys, returned, 2, variable)
    assert "cannot reach" not in line and "\n" not in line
    assert environment[variable] not in line or variable.endswith(("URL", "ENDPOINT"))  # a token is never shown
    assert fingerprint(workdir / "ecometrics.db") == before  # refused before the run is recorded


# -- 7. readers change nothing ------------------------------------------------------------------

READERS = [
    ["status"],
    ["export", "repos"],
    ["export", "lineage", "--root", "org/base"],
    ["report", "--out", "site"],
    ["plot", "stars", "org0/repo3", "--out", "stars.svg"],
]


@pytest.mark.parametrize("command", READERS, ids=[" ".join(c[:2]) for c in READERS])
def test_a_reader_given_a_missing_database_exits_2_naming_it_and_creates_nothing(workdir, capsys, command):
    files = sorted(p.name for p in workdir.iterdir())
    returned = cli(["--db", "typo.db", *command])
    assert_refused(capsys, returned, 2, "typo.db: no such database")
    assert sorted(p.name for p in workdir.iterdir()) == files


def _older(path) -> None:
    """A database one schema version behind, with rows in it."""
    from ecometrics.collector.store import SCHEMA_VERSION, Store

    with Store(path, migrate=False) as store:
        store.migrate(to=SCHEMA_VERSION - 1)
        store.conn.execute("INSERT INTO developers (id, login) VALUES (1, 'octocat')")


@pytest.mark.parametrize("command", READERS, ids=[" ".join(c[:2]) for c in READERS])
def test_a_reader_never_migrates_an_older_database(workdir, capsys, command):
    from ecometrics.collector.store import SCHEMA_VERSION

    _older(workdir / "old.db")
    before, files = (workdir / "old.db").read_bytes(), sorted(p.name for p in workdir.iterdir())
    returned = cli(["--db", "old.db", *command])
    assert_refused(capsys, returned, 2, f"old.db: schema version {SCHEMA_VERSION - 1} is older", "ecometrics migrate")
    assert (workdir / "old.db").read_bytes() == before
    # A read-only connection to a WAL file leaves SQLite's -wal (empty) and -shm (an index) beside it.
    assert sorted(p.name for p in workdir.iterdir() if not p.name.endswith(("-wal", "-shm"))) == files


def test_migrate_upgrades_an_older_database_for_the_readers(workdir, capsys):
    from ecometrics.collector.store import SCHEMA_VERSION

    _older(workdir / "old.db")
    assert cli(["--db", "old.db", "migrate"]) == 0
    assert f"schema version {SCHEMA_VERSION}" in capsys.readouterr().out
    assert cli(["--db", "old.db", "status"]) == 0


def _crashed_writer(db) -> None:
    """A process that commits rows in WAL mode and dies before any checkpoint: they live in ``-wal``."""
    script = (
        "import os, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "conn.execute(\"INSERT INTO repos (id, full_name, owner, name) VALUES (99, 'late/commit', 'late', 'commit')\")\n"
        "os._exit(0)\n"
    )
    import subprocess

    subprocess.run([sys.executable, "-c", script, str(db)], check=True)


def test_a_read_only_folder_with_a_crashed_writers_wal_is_read_whole_or_refused_saying_why(tmp_path, template):
    if not test_robustness._read_only_mounts_work(tmp_path):
        pytest.skip("needs root and unshare to bind-mount a folder read-only")
    data = tmp_path / "data"
    data.mkdir()
    db = data / "ecometrics.db"
    shutil.copy(template, db)
    repos = fingerprint(db)["repos"][0] + 1  # with the crashed writer's row
    _crashed_writer(db)
    assert (data / "ecometrics.db-wal").stat().st_size > 0
    for shm in (True, False):  # a -shm the reader may use, and none (it cannot create one)
        if not shm:
            (data / "ecometrics.db-shm").unlink()
        files = {p.name: p.read_bytes() for p in data.iterdir()}
        status = test_robustness.read_only(data, ["--db", str(db), "status"], tmp_path)
        if status.returncode == 0:
            counted = next(line.split()[1] for line in status.stdout.splitlines() if line.split()[:1] == ["repos"])
            assert int(counted) == repos, "a committed row in the WAL was silently missed"
        else:
            test_robustness.assert_one_line(status, 74, str(db), "-wal", "read-only folder")
        assert {p.name: p.read_bytes() for p in data.iterdir()} == files
    assert status.returncode == 74  # without a -shm SQLite cannot read the WAL in a read-only folder: refused


# -- 6. exports carry text, never formulas, markup or script ------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","x")'
HOSTILE = {  # a stranger's text in every text column a repository row shows
    "full_name": "org0/a<!--b$^$c|d\x00e",
    "owner": "org0",
    "name": "a<!--b$^$c|d\x00e",
    "language": FORMULA,
    "license": "@SUM(1+1)*cmd|' /C calc'!A0",
}


@pytest.fixture
def hostile(workdir):
    """The working copy with one more collected repository whose text is a stranger's."""
    from ecometrics.collector.store import Store

    with Store(workdir / "ecometrics.db") as store:
        store.upsert("repos", [{"id": 500, "created_at": "2024-01-01T00:00:00Z", "fork": 0, **HOSTILE}])
        store.upsert(
            "repo_snapshots",
            [{"repo_id": 500, "date": day, "stars": stars} for day, stars in (("2025-01-01", 9), ("2025-01-02", 7))],
        )
        store.upsert(
            "stargazers",
            [
                {"repo_id": 500, "user_id": i, "login": f"=cmd|{i}", "starred_at": f"2024-12-0{i}T00:00:00Z"}
                for i in (1, 2)
            ],
        )
    return workdir


def test_csv_cells_that_start_a_formula_are_neutralised_in_text_columns_only(tmp_path):
    import csv

    import polars as pl

    from ecometrics.analysis.export import write_table

    frame = pl.DataFrame(
        {
            "repo": ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "plain", None],
            "stars": [-1, 2, -3, 4, 5, 6, 7, 8],
            "score": [-0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    path = write_table(frame, "csv", tmp_path / "t.csv")
    rows = list(csv.DictReader(path.open(newline="")))
    assert [r["repo"] for r in rows] == ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "plain", ""]
    assert [r["stars"] for r in rows][:3] == ["-1", "2", "-3"] and rows[0]["score"] == "-0.5"  # numbers untouched


def test_exports_and_the_report_hold_a_strangers_text_as_text(hostile, capsys):
    import csv

    before = fingerprint(hostile / "ecometrics.db")
    assert cli(["export", "repos", "--out", "repos.csv"]) == 0
    row = next(r for r in csv.DictReader((hostile / "repos.csv").open(newline="")) if "a<!--b" in r["repo"])
    assert row["language"] == "'" + FORMULA and row["license"].startswith("'@")

    assert cli(["export", "repos", "--out", "repos.md"]) == 0
    markdown = (hostile / "repos.md").read_text()
    lines = [line for line in markdown.splitlines() if "a&lt;!--b" in line]
    header = markdown.splitlines()[0]
    assert len(lines) == 1, markdown  # one row, one line
    unescaped = lines[0].replace("\\|", "")
    assert unescaped.count("|") == header.count("|")  # no cell split in two
    assert "<!--" not in markdown and "\x00" not in markdown

    returned = cli(["report", "--out", "site"])
    captured = capsys.readouterr()
    assert returned == 0, captured.err
    assert "Traceback" not in captured.err
    pages = list((hostile / "site").rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text()
        assert "<!--" not in text and "\x00" not in text, page
        assert "<script>" not in text.replace('<script type="application/json"', "")
    data = {r["repo"]: r for r in csv.DictReader((hostile / "site" / "data" / "repos.csv").open(newline=""))}
    assert data[next(name for name in data if "a<!--b" in name)]["language"] == "'" + FORMULA
    assert fingerprint(hostile / "ecometrics.db") == before


def test_a_chart_label_with_dollars_is_drawn_as_plain_text(hostile):
    """matplotlib reads ``$...$`` as mathtext; a name like ``a$^$c`` is drawn as written, not parsed."""
    assert cli(["plot", "stars", HOSTILE["full_name"], "--out", "stars.svg"]) == 0
    svg = (hostile / "stars.svg").read_text()
    assert "$^$" in svg and "\x00" not in svg


# -- 4. the demo writes only into a demo database, under the job lock ----------------------------------


def test_demo_refuses_a_folder_holding_a_real_database(workdir, capsys):
    before = fingerprint(workdir / "ecometrics.db")
    sqlite_and_lock = ("-wal", "-shm", ".lock")  # SQLite's files, and the job lock's, which stays as for any writer
    files = sorted(p.name for p in workdir.iterdir() if not p.name.endswith(sqlite_and_lock))
    returned = cli(["demo", "--dir", ".", "--days", "1"])
    assert_refused(capsys, returned, 2, "ecometrics.db: holds collected data, not a demo database", "--dir")
    assert fingerprint(workdir / "ecometrics.db") == before
    assert sorted(p.name for p in workdir.iterdir() if not p.name.endswith(sqlite_and_lock)) == files


def test_demo_waits_for_no_one_it_exits_75_while_another_job_holds_the_lock(tmp_path, capsys):
    from ecometrics.jobs.lock import job_lock

    with job_lock(tmp_path / "ecometrics.db", "run"):
        returned = cli(["demo", "--dir", str(tmp_path), "--days", "1"])
    assert_refused(capsys, returned, 75, f"pid {os.getpid()}", "run started")
    assert not (tmp_path / "ecometrics.db").exists()


# -- 8. leftovers and paths ------------------------------------------------------------------------------


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".building", ".old")))


def test_a_killed_report_leaves_no_building_folder_after_the_next_run(workdir, capsys):
    import signal
    import subprocess
    import time

    before = fingerprint(workdir / "ecometrics.db")
    report = subprocess.Popen(
        [*test_robustness.ECOMETRICS, "report", "--out", "site"], cwd=workdir, stderr=subprocess.DEVNULL
    )
    while report.poll() is None and not _leftovers(workdir):  # until the site is being written
        time.sleep(0.01)
    report.send_signal(signal.SIGKILL)
    report.wait()
    assert _leftovers(workdir), "the report finished before it could be killed"
    assert cli(["report", "--out", "site"]) == 0, capsys.readouterr().err
    assert _leftovers(workdir) == []  # the killed run's folder is gone with the next run
    assert (workdir / "site" / "index.html").exists()
    assert fingerprint(workdir / "ecometrics.db") == before


def test_report_out_dot_inside_a_report_rewrites_it(workdir, capsys, monkeypatch):
    assert cli(["report", "--out", "site"]) == 0
    monkeypatch.chdir(workdir / "site")
    returned = cli(["--db", str(workdir / "ecometrics.db"), "report", "--out", "."])
    captured = capsys.readouterr()
    assert returned == 0 and "Traceback" not in captured.err, captured.err
    assert (workdir / "site" / "index.html").exists() and _leftovers(workdir) == []
    assert not captured.err.startswith("ecometrics: ")


def test_report_out_a_symlink_loop_is_one_line(workdir, capsys):
    os.symlink("loop", workdir / "loop")
    before = fingerprint(workdir / "ecometrics.db")
    assert_refused(capsys, cli(["report", "--out", "loop"]), 2, "--out loop", "symbolic link")
    assert os.readlink(workdir / "loop") == "loop" and _leftovers(workdir) == []
    assert fingerprint(workdir / "ecometrics.db") == before


def test_report_out_a_link_to_a_report_rewrites_the_report_and_keeps_the_link(workdir, capsys):
    assert cli(["report", "--out", "site"]) == 0
    os.symlink("site", workdir / "link")
    (workdir / "site" / "stale.html").write_text("from before")
    returned = cli(["report", "--out", "link"])
    captured = capsys.readouterr()
    assert returned == 0 and "Traceback" not in captured.err, captured.err
    assert os.readlink(workdir / "link") == "site"
    assert (workdir / "site" / "index.html").exists() and not (workdir / "site" / "stale.html").exists()
    assert _leftovers(workdir) == []


def test_chdb_on_a_full_disk_is_one_line_and_exit_74(tmp_path, template):
    """chDB's folder on a 600 KB tmpfs (a private mount namespace: gone when the process ends)."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare to mount a small tmpfs")
    pytest.importorskip("chdb")
    from gharchive_fixtures import synthetic_hour, write_hour

    db = tmp_path / "ecometrics.db"
    shutil.copy(template, db)
    (tmp_path / "chdb").mkdir()
    hour = write_hour(tmp_path / "2024-01-15-10.json.gz", synthetic_hour(3000, repos=5, seed=1))
    before = fingerprint(db)
    script = 'mount -t tmpfs -o size=600k tmpfs "$0" && exec "$@"'
    command = ["--db", str(db), "import", "gharchive", "--engine", f"chdb://{tmp_path / 'chdb'}", str(hour)]
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(tmp_path / "chdb")]
        + [*test_robustness.ECOMETRICS, *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    test_robustness.assert_one_line(result, 74, f"chdb:{tmp_path / 'chdb'}", "not enough space", "free disk space")
    assert fingerprint(db) == before


def test_a_bare_modelscope_domain_is_read_as_https_as_modelscope_hub_reads_it():
    from ecometrics.collector.http import check_environment

    check_environment({"MODELSCOPE_ENDPOINT": "modelscope.cn"})  # HubConfig.normalize_endpoint: https://modelscope.cn
    check_environment({"MODELSCOPE_ENDPOINT": "localhost:8080/api"})
    with pytest.raises(InputError, match="MODELSCOPE_ENDPOINT 'javascript:' is not an http"):
        check_environment({"MODELSCOPE_ENDPOINT": "javascript:"})
    with pytest.raises(InputError, match="HF_ENDPOINT 'hf.co' is not an http"):  # huggingface_hub needs the scheme
        check_environment({"HF_ENDPOINT": "hf.co"})


def test_a_terminal_table_shows_a_name_holding_rich_markup_as_written():
    import polars as pl
    from rich.console import Console

    from ecometrics.jobs.demo import ranking_table

    frame = pl.DataFrame({"repo": ["[bold red]o/r[/]", "[link=javascript:x]o/s"], "stars": [2, 1]})
    console = Console(record=True, width=100)
    console.print(ranking_table(frame, "repos", ["repo", "stars"], title="t", note=None, width=100))
    shown = console.export_text()
    assert "[bold red]o/r[/]" in shown and "[link=javascript:x]o/s" in shown
