"""Bad input, as a user types it: one line naming the input and the fix, its exit code, no traceback,
and not a stored row changed.

Each case runs the command line in-process (``ecometrics.jobs.cli.main``) on a copy of one small
database holding every kind of row, and compares every table's row count and content
hash before and after. A few cases at the end run real processes, where the machine
itself says no: a read-only folder (a read-only bind mount in a private mount
namespace) and a full disk (``RLIMIT_FSIZE``).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from gharchive_fixtures import synthetic_hour, write_hour

from ecometrics.collector.edges import import_edges
from ecometrics.collector.gharchive import import_gharchive
from ecometrics.collector.store import MIGRATIONS, Store
from ecometrics.jobs.cli import main

CONFIG = """
[github]
repos = ["org0/repo1"]

[export]
formats = ["csv"]
"""

# -- the database every case starts from -------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("template")
    db = folder / "ecometrics.db"
    with Store(db) as store:
        add_repos(store, 19)
        store.upsert("models", [{"id": "org/base", "author": "org", "tracked": 1}])
        edges = folder / "edges.csv"
        edges.write_text("source,target,edge\n" + "".join(f"org/base,org/child{i},finetune\n" for i in range(10)))
        import_edges(store, edges)
        hour = write_hour(folder / "2024-01-15-10.json.gz", synthetic_hour(200, repos=5, seed=1))
        import_gharchive(store, [hour], all_repos=True)
        run = store.start_run("collect:github")
        store.finish_run(run, "ok", rows_written=3)
    return db


def add_repos(store: Store, count: int) -> None:
    """Repositories 1..``count`` (``org{i % 3}/repo{i}``), each with one day's snapshot of ``10 * i`` stars."""
    store.upsert(
        "repos",
        [
            {
                "id": i,
                "full_name": f"org{i % 3}/repo{i}",
                "owner": f"org{i % 3}",
                "name": f"repo{i}",
                "created_at": "2024-01-01T00:00:00Z",
                "fork": 0,
            }
            for i in range(1, count + 1)
        ],
    )
    store.upsert("repo_snapshots", [{"repo_id": i, "date": "2025-01-01", "stars": i * 10} for i in range(1, count + 1)])


def fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of its rows in key order, read without writing."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        found = {}
        for table in tables:
            rows = conn.execute(f"SELECT * FROM [{table}] ORDER BY 1, 2").fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return found
    finally:
        conn.close()


@pytest.fixture
def workdir(tmp_path, template, monkeypatch):
    shutil.copy(template, tmp_path / "ecometrics.db")
    (tmp_path / "ecometrics.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    for name in ("ECOMETRICS_CONFIG", "ECOMETRICS_DB", "GITHUB_API_URL", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield tmp_path
    for sig, handler in handlers.items():  # collect and run install their own
        signal.signal(sig, handler)


# -- the inputs ------------------------------------------------------------------------------

NEWER = len(MIGRATIONS) + 1


def newer_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE kept (x)")
    conn.execute(f"PRAGMA user_version = {NEWER}")
    conn.commit()
    conn.close()


FILES = {  # name -> bytes, or a function writing the file at a path
    "folder.toml": lambda path: path.mkdir(),
    "bad.toml": b"[github\norgs = []\n",
    "latin1.toml": "[github]\norgs = ['Caf\xe9']\n".encode("latin-1"),
    "section.toml": b"[githb]\norgs = []\n",
    "key.toml": b"[github]\nrepo = ['a/b']\n",
    "dotdot.toml": b"[github]\nrepos = ['a/..']\n",
    "nul.toml": b"[huggingface]\nmodels = ['org/a\\u0000b']\n",
    "cron.toml": b"[schedule]\ncollect = '0 2 * *'\n",
    "format.toml": b"[export]\nformats = ['xlsx']\n",
    "type.toml": b"[github]\nstar_history = 'yes'\n",
    "children.toml": b"[huggingface]\nmax_children_per_root = 0\n",
    "weights.toml": b"[activity]\nweights = {pushes = -1.0}\n",
    "notes.db": b"these are notes, not a database\n" * 200,
    "future.db": newer_database,
    "truncated.db": lambda path: path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00" + b"\x00" * 80),
    "half.db": lambda path: path.write_bytes((data := (path.parent / "ecometrics.db").read_bytes())[: len(data) // 2]),
    "dbfolder": lambda path: path.mkdir(),
    "pipe.db": os.mkfifo,
    "pipe.toml": os.mkfifo,  # a read of a FIFO waits for a writer for ever
    "pipe.csv": os.mkfifo,
    "empty.csv": b"",
    "nochild.csv": b"source,edge\no/a,finetuned\n",
    "relation.csv": b"source,target,edge\no/a,o/b,distilled\n",
    "edges.csv": b"source,target,edge\no/a,o/b,finetune\n",  # a good one: the database is what is wrong
    "nul.csv": b"source,target,edge\no/a,o/\x00b,finetune\n",
    "dotdot.csv": b"source,target,edge\no/a,o/..,finetune\n",
    "quote.csv": b'source,target,edge\no/a,"o/b,finetune\no/c,o/d,merge\n',
    "short.csv": b"source,target,edge\no/a,o/b\n",
    "binary.csv": b"source,target,edge\n\xff\xfe\x00\x81\x82\n",
    "csvfolder": lambda path: path.mkdir(),
    "notes.json.gz": gzip.compress(b"these are meeting notes\nnot events\n"),
    "notes.json": b"these are meeting notes\nnot events\n",
    "garbage.json.gz": bytes(range(256)) * 64,
    "typeless.json": b'{"id": "1", "created_at": "2024-01-15T10:00:00Z"}\n{"id": "2"}\n',
    "jsonfolder.json.gz": lambda path: path.mkdir(),
}

CONFIG_CASES = [
    ("config is a folder", ["--config", "folder.toml", "status"], 2, "folder.toml: cannot read the config file"),
    ("config missing", ["--config", "nope.toml", "status"], 2, "nope.toml: no such config file"),
    ("config is a pipe", ["--config", "pipe.toml", "status"], 2, "pipe.toml: not a regular file"),
    ("config not TOML", ["--config", "bad.toml", "status"], 2, "bad.toml: not valid TOML"),
    ("config not UTF-8", ["--config", "latin1.toml", "status"], 2, "latin1.toml: not UTF-8 text"),
    ("config unknown section", ["--config", "section.toml", "run"], 2, "unknown section [githb]"),
    ("config unknown key", ["--config", "key.toml", "collect"], 2, "unknown key github.repo;"),
    ("config repo a/..", ["--config", "dotdot.toml", "collect"], 2, "github.repos[0] 'a/..' is not OWNER/NAME"),
    ("config model with NUL", ["--config", "nul.toml", "collect"], 2, "huggingface.models[0]"),
    ("config bad cron", ["--config", "cron.toml", "schedule"], 2, "schedule.collect '0 2 * *' is not a 5-field cron"),
    ("config bad format", ["--config", "format.toml", "run"], 2, "export.formats[0] 'xlsx' is not one of"),
    ("config wrong type", ["--config", "type.toml", "collect"], 2, "github.star_history must be true or false"),
    (
        "config cap 0",
        ["--config", "children.toml", "collect"],
        2,
        "huggingface.max_children_per_root must be at least 1",
    ),
    ("config negative weight", ["--config", "weights.toml", "analyze"], 2, "activity.weights.pushes must be 0 or more"),
]

DATABASE_CASES = [
    ("db not SQLite, reader", ["--db", "notes.db", "status"], 2, "notes.db: not a SQLite database"),
    (
        "db not SQLite, writer",
        ["--db", "notes.db", "import", "edges", "edges.csv"],
        2,
        "notes.db: not a SQLite database",
    ),
    ("db newer, reader", ["--db", "future.db", "export", "repos"], 2, f"future.db: schema version {NEWER} is newer"),
    ("db newer, writer", ["--db", "future.db", "analyze"], 2, f"future.db: schema version {NEWER} is newer"),
    ("db header only", ["--db", "truncated.db", "status"], 2, "truncated.db: not a SQLite database"),
    ("db cut in half, reader", ["--db", "half.db", "export", "repos"], 2, "half.db: not a usable SQLite database"),
    ("db cut in half, writer", ["--db", "half.db", "analyze"], 2, "half.db: not a usable SQLite database"),
    ("db is a folder", ["--db", "dbfolder", "status"], 2, "dbfolder: is a folder, not a database file"),
    ("db is a pipe, reader", ["--db", "pipe.db", "status"], 2, "pipe.db: is not a regular file"),
    ("db is a pipe, writer", ["--db", "pipe.db", "import", "edges", "edges.csv"], 2, "pipe.db: is not a regular file"),
    ("db folder missing: collect", ["--db", "missing/e.db", "collect"], 2, "folder missing does not exist"),
    ("db folder missing: run", ["--db", "missing/e.db", "run"], 2, "folder missing does not exist"),
    (
        "db folder missing: import edges",
        ["--db", "missing/e.db", "import", "edges", "edges.csv"],
        2,
        "folder missing does not exist",
    ),
    (
        "db folder missing: import gharchive",
        ["--db", "missing/e.db", "import", "gharchive", "notes.json.gz"],
        2,
        "folder missing does not exist",
    ),
    ("db folder missing: status", ["--db", "missing/e.db", "status"], 2, "folder missing does not exist"),
]

CSV_CASES = [
    ("csv missing", ["import", "edges", "nope.csv"], 2, "nope.csv: cannot read the edge list"),
    ("csv is a folder", ["import", "edges", "csvfolder"], 2, "csvfolder: cannot read the edge list"),
    ("csv is a pipe", ["import", "edges", "pipe.csv"], 2, "pipe.csv: not a regular file"),
    ("csv empty", ["import", "edges", "empty.csv"], 2, "empty.csv: line 1: empty file"),
    ("csv no child column", ["import", "edges", "nochild.csv"], 2, "nochild.csv: line 1: no child column"),
    ("csv unknown relation", ["import", "edges", "relation.csv"], 2, "line 2: unknown relation 'distilled'"),
    ("csv NUL in a model id", ["import", "edges", "nul.csv"], 2, "line 2: model id 'o/\\x00b' is not a Hugging Face"),
    ("csv model id ..", ["import", "edges", "dotdot.csv"], 2, "line 2: model id 'o/..' is not a Hugging Face"),
    (
        "csv open quote",
        ["import", "edges", "quote.csv"],
        2,
        "line 2: a quoted field opened on this line is never closed",
    ),
    ("csv short row", ["import", "edges", "short.csv"], 2, "short.csv: line 2: 2 fields, expected 3"),
    (
        "csv not UTF-8",
        ["import", "edges", "binary.csv"],
        2,
        "binary.csv: not UTF-8 text (invalid start byte); save the edge list as UTF-8",
    ),
]

GHARCHIVE_CASES = [
    ("gharchive missing", ["import", "gharchive", "nope.json.gz"], 2, "nope.json.gz: no such GH Archive file"),
    (
        "gharchive a folder",
        ["import", "gharchive", "jsonfolder.json.gz"],
        2,
        "jsonfolder.json.gz: no such GH Archive file",
    ),
    (
        "gharchive notes gzip",
        ["import", "gharchive", "notes.json.gz"],
        2,
        "notes.json.gz: none of its 2 line(s) is a GH Archive event",
    ),
    ("gharchive notes plain", ["import", "gharchive", "notes.json"], 2, "notes.json: none of its 2 line(s)"),
    ("gharchive binary", ["import", "gharchive", "garbage.json.gz"], 2, "garbage.json.gz: none of its"),
    (
        "gharchive no types",
        ["import", "gharchive", "typeless.json"],
        2,
        "typeless.json:1: not a GH Archive event: no type",
    ),
]

ARGUMENT_CASES = [
    (
        "--top huge",
        ["export", "repos", "--top", "99999999999999999999"],
        2,
        "argument --top: 99999999999999999999 is too large; pass at most",
    ),
    ("--top 0", ["export", "repos", "--top", "0"], 2, "argument --top: 0 must be 1 or more"),
    ("--top text", ["export", "repos", "--top", "ten"], 2, "argument --top: invalid"),
    ("--month 13", ["export", "repos", "--month", "2025-13"], 2, "'2025-13' is not YYYY-MM"),
    ("--month year 0", ["export", "repos", "--month", "0000-01"], 2, "'0000-01' is out of range"),
    ("--to year 9999", ["analyze", "--to", "9999-12"], 2, "'9999-12' is out of range"),
    ("unknown kind", ["export", "nonsense"], 2, "export kind 'nonsense' is unknown"),
    ("unknown format", ["export", "repos", "--format", "xlsx"], 2, "xlsx"),
    ("--out folder missing", ["export", "repos", "--out", "missing/r.csv"], 2, "folder missing does not exist"),
    ("--out a folder", ["export", "repos", "--out", "csvfolder"], 2, "cannot write"),
    ("lineage without --root", ["export", "lineage"], 2, "pass --root MODEL"),
    ("--repo on a table without one", ["export", "repos", "--repo", "org0/repo1"], 2, "export repos has no --repo"),
    ("--month after the data", ["export", "repos", "--month", "2099-01"], 2, "--month 2099-01 is after the data"),
    ("report --month after the data", ["report", "--out", "site", "--month", "2099-01"], 2, "--month 2099-01 is after"),
    ("opendigger --out below a file", ["export", "opendigger", "--out", "nul.csv/od"], 2, "od: nul.csv is a file"),
    ("analyze --from after the data", ["analyze", "--from", "2099-01"], 2, "--from 2099-01 is after the data"),
    ("--top on lineage", ["export", "lineage", "--root", "org/base", "--top", "3"], 2, "export lineage has no --top"),
    (
        "--format on opendigger",
        ["export", "opendigger", "--out", "od", "--format", "csv"],
        2,
        "opendigger has no --format",
    ),
    ("--root on a table", ["export", "repos", "--root", "org/base"], 2, "export repos has no --root"),
    ("--engine not an engine", ["analyze", "openrank", "--engine", "bogus"], 2, "--engine bogus: not an engine"),
    (
        "--from after --to",
        ["analyze", "--from", "2025-05", "--to", "2025-01"],
        2,
        "--from 2025-05 is later than --to 2025-01; swap them",
    ),
    ("--from 99", ["analyze", "--from", "2025-99"], 2, "'2025-99' is not YYYY-MM"),
    ("--every -1", ["schedule", "--every", "-1"], 2, "argument --every: -1 must be more than 0 seconds"),
    ("--every inf", ["schedule", "--every", "inf"], 2, "argument --every: inf is too long"),
    ("--every 1e999", ["schedule", "--every", "1e999"], 2, "argument --every: 1e999 is too long"),
    ("--days 0", ["demo", "--days", "0"], 2, "argument --days: 0 must be 1 or more"),
    (
        "--days huge",
        ["demo", "--days", "99999999999999999999"],
        2,
        "argument --days: 99999999999999999999 is too large",
    ),
    ("unknown source", ["collect", "gitlab"], 2, "argument source: invalid choice: 'gitlab'"),
    ("unknown command", ["frobnicate"], 2, "invalid choice: 'frobnicate'"),
    ("init --config a folder", ["--config", "csvfolder", "init"], 2, "csvfolder: is a folder; pass the config file"),
    ("init --force a folder", ["--config", "csvfolder", "init", "--force"], 2, "csvfolder: is a folder; pass"),
    ("init --config below a file", ["--config", "nul.csv/e.toml", "init"], 2, "nul.csv/e.toml: nul.csv is a file, not"),
    ("hub-stats missing", ["import", "hub-stats", "nope.parquet"], 2, "nope.parquet: no such file; check the path"),
    ("demo --dir a file", ["demo", "--dir", "nul.csv"], 2, "nul.csv: a file, not a folder; pass a folder for the demo"),
    ("demo --dir below a file", ["demo", "--dir", "nul.csv/demo"], 2, "nul.csv/demo: a file, not a folder"),
    ("fakehub serve --port huge", ["fakehub", "serve", "--port", "99999"], 2, "argument --port: 99999 is no port"),
    ("fakehub env --port huge", ["fakehub", "env", "--port", "99999"], 2, "argument --port: 99999 is no port"),
    ("fakehub env --wait -1", ["fakehub", "env", "--port", "9", "--wait", "-1"], 2, "argument --wait: -1 must be 0"),
]

CASES = CONFIG_CASES + DATABASE_CASES + CSV_CASES + GHARCHIVE_CASES + ARGUMENT_CASES


def test_the_table_has_every_kind_of_input():
    assert len(CASES) >= 40
    assert min(len(CONFIG_CASES), len(DATABASE_CASES), len(CSV_CASES), len(GHARCHIVE_CASES), len(ARGUMENT_CASES)) >= 5


def make_files(folder: Path) -> dict[Path, bytes | None]:
    """Write the inputs; returns each file's bytes (None for folders) to check they are untouched."""
    made = {}
    for name, content in FILES.items():
        path = folder / name
        if callable(content):
            content(path)
        else:
            path.write_bytes(content)
        made[path] = path.read_bytes() if path.is_file() else None
    return made


def unchanged(path: Path, content: bytes | None) -> bool:
    return (path.read_bytes() if path.is_file() else None) == content and (content is not None or path.exists())


def error_lines(stderr: str) -> list[str]:
    """The lines that report the error: ours ("ecometrics: ...") or argparse's ("...: error: ...")."""
    return [line for line in stderr.splitlines() if line.startswith("ecometrics: ") or ": error: " in line]


@pytest.mark.parametrize("args, code, message", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_with_its_exit_code_and_changes_nothing(workdir, capsys, args, code, message):
    inputs = make_files(workdir)
    before = fingerprint(workdir / "ecometrics.db")
    try:
        returned = main(args)
    except SystemExit as exit:  # argparse refuses arguments by exiting
        returned = exit.code
    assert returned == code
    captured = capsys.readouterr()
    lines = error_lines(captured.err)
    assert len(lines) == 1, captured.err
    assert message in lines[0], captured.err
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert fingerprint(workdir / "ecometrics.db") == before
    for path, content in inputs.items():
        assert unchanged(path, content), f"{path.name} changed"
    assert not (workdir / "missing").exists() and not (workdir / "pipe.db.lock").exists()


def test_fakehub_serve_on_a_port_in_use_is_one_line_naming_the_port(workdir, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        returned = main(["fakehub", "serve", "--port", str(port)])
    assert returned == 2
    captured = capsys.readouterr()
    lines = error_lines(captured.err)
    assert lines == [
        f"ecometrics: --port {port}: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "pass another --port, or 0 for a free one"
    ], captured.err


# -- the machine says no: real processes ----------------------------------------------------------------

ECOMETRICS = [sys.executable, "-m", "ecometrics.jobs.cli"]


def run(args, cwd, **popen):
    return subprocess.run([*ECOMETRICS, *args], cwd=cwd, capture_output=True, text=True, timeout=120, **popen)


def read_only(folder: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ecometrics with ``folder`` bind-mounted read-only in a private mount namespace (root only)."""
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(folder), *ECOMETRICS, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _read_only_mounts_work(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && ! touch "$0/x"',
            str(tmp_path),
        ],
        capture_output=True,
    )
    return probe.returncode == 0


def assert_one_line(result, code, *fragments):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], result.stderr


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_read_only_folder_is_read_by_readers_and_refused_in_one_line_by_writers(tmp_path, template, journal):
    if not _read_only_mounts_work(tmp_path):
        pytest.skip("needs root and unshare to bind-mount a folder read-only")
    data = tmp_path / "data"
    data.mkdir()
    db = data / "ecometrics.db"
    shutil.copy(template, db)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.close()
    (tmp_path / "edges.csv").write_text("source,target,edge\norg/x,org/y,finetune\n")
    before, files = fingerprint(db), sorted(p.name for p in data.iterdir())

    status = read_only(data, ["--db", str(db), "status"], tmp_path)
    assert status.returncode == 0, status.stderr
    assert "interrupted" not in status.stdout and "repos" in status.stdout
    export = read_only(data, ["--db", str(db), "export", "repos", "--out", str(tmp_path / "repos.csv")], tmp_path)
    assert export.returncode == 0, export.stderr
    assert (tmp_path / "repos.csv").read_text().startswith("repo,")

    writer = read_only(data, ["--db", str(db), "import", "edges", str(tmp_path / "edges.csv")], tmp_path)
    assert_one_line(writer, 74, f"{db}", "Read-only file system")
    into = read_only(data, ["--db", str(db), "export", "repos", "--out", str(data / "repos.csv")], tmp_path)
    assert_one_line(into, 74, str(data / "repos.csv"), "cannot write", "Read-only file system")
    assert fingerprint(db) == before and sorted(p.name for p in data.iterdir()) == files


def test_a_read_only_database_file_in_a_writable_folder_is_refused_by_writers_in_one_line(tmp_path, template):
    if not _read_only_mounts_work(tmp_path):
        pytest.skip("needs root and unshare to bind-mount a file read-only")
    db = tmp_path / "ecometrics.db"
    shutil.copy(template, db)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")  # a rollback-journal file, as copied from elsewhere
    conn.close()
    (tmp_path / "edges.csv").write_text("source,target,edge\norg/x,org/y,finetune\n")
    before = db.read_bytes()
    status = read_only(db, ["--db", str(db), "status"], tmp_path)
    assert status.returncode == 0, status.stderr
    writer = read_only(db, ["--db", str(db), "import", "edges", str(tmp_path / "edges.csv")], tmp_path)
    assert_one_line(writer, 74, f"{db}: the file or its folder is read-only", "make both writable")
    assert db.read_bytes() == before


def small_disk(limit_bytes):
    """A preexec_fn: files this process writes cannot grow past ``limit_bytes`` (EFBIG, as on a full disk)."""

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, resource.RLIM_INFINITY))

    return apply


def test_a_full_disk_is_one_line_with_exit_74_and_keeps_what_was_stored(tmp_path, template):
    db = tmp_path / "ecometrics.db"
    shutil.copy(template, db)
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target,edge\n" + "".join(f"org/base,org/more{i},merge\n" for i in range(2000)))
    before = fingerprint(db)
    imported = run(["--db", str(db), "import", "edges", str(edges)], tmp_path, preexec_fn=small_disk(4096))
    assert_one_line(imported, 74, str(db), "cannot write", "free disk space")
    assert fingerprint(db) == before


@pytest.mark.parametrize("limit", [4096, 40_000, 70_000], ids=["at opening", "in a step", "in the run record"])
def test_a_nightly_run_on_a_full_disk_ends_in_one_line_naming_the_database(tmp_path, template, limit):
    """Where the disk fills up depends on ``limit``: opening (-shm), a step's writes, the records after them."""
    db = tmp_path / "ecometrics.db"
    shutil.copy(template, db)
    (tmp_path / "ecometrics.toml").write_text("[export]\nformats = ['csv', 'md']\n")
    before = fingerprint(db)
    nightly = run(["--config", "ecometrics.toml", "--db", str(db), "run"], tmp_path, preexec_fn=small_disk(limit))
    assert nightly.returncode in (1, 74), nightly.stderr  # a step failed, or the run itself could not be stored
    assert "Traceback" not in nightly.stderr
    lines = error_lines(nightly.stderr)
    assert lines and f"{db}: cannot write" in lines[0] and "free disk space" in lines[0], nightly.stderr
    after = fingerprint(db)  # the collected rows are as they were; a step that finished may have derived its tables
    derived = {
        "job_runs",
        "activity",
        "openrank",
        "openrank_months",
        "model_lineage",
        "model_influence",
        "lineage_families",
    }
    assert {t: v for t, v in after.items() if t not in derived} == {t: v for t, v in before.items() if t not in derived}


def test_a_second_writer_exits_75_naming_the_holder_and_changes_nothing(workdir):
    from ecometrics.jobs.lock import job_lock

    before = fingerprint(workdir / "ecometrics.db")
    (workdir / "edges.csv").write_text("source,target,edge\norg/x,org/y,finetune\n")
    with job_lock(workdir / "ecometrics.db", "run"):
        result = run(["--db", "ecometrics.db", "import", "edges", "edges.csv"], workdir)
    assert_one_line(result, 75, f"pid {os.getpid()}", "run started")
    assert fingerprint(workdir / "ecometrics.db") == before


def test_a_reader_that_goes_away_ends_the_export_quietly(tmp_path):
    """``ecometrics export ... | head``: a closed standard output is no traceback."""
    db = tmp_path / "e.db"
    with Store(db) as store:
        store.upsert(
            "model_edges",
            [
                {"child": f"org/child{i}", "parent": "org/base", "relation": "finetune", "source": "hub"}
                for i in range(5000)
            ],
        )
    export = subprocess.Popen(
        [*ECOMETRICS, "--db", str(db), "export", "lineage", "--root", "org/base", "--format", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    export.stdout.close()  # the reader is gone before the table is written (more than a pipe holds)
    stderr = export.stderr.read().decode()
    assert export.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert error_lines(stderr) == []  # silent, as a tool killed by SIGPIPE is


# -- an API that cannot be reached ----------------------------------------------------------


def _first_request(client: str, endpoint: str) -> None:
    """The first request of a run through one API client, at ``endpoint``; none of them may wait."""
    from ecometrics.collector.github_client import GitHubClient
    from ecometrics.collector.hf_client import HfClient
    from ecometrics.collector.modelscope_client import ModelScopeClient

    def never(seconds: float) -> None:
        pytest.fail(f"waited {seconds}s before a failure no retry can mend")

    if client == "github":
        GitHubClient(token="t", base_url=endpoint, sleep=never).get("/repos/vllm-project/vllm")
    elif client == "huggingface":
        HfClient(endpoint=endpoint, token=False, sleep=never).get("/api/models/Qwen/Qwen3-8B")
    else:
        ModelScopeClient(endpoint=endpoint, sleep=never).model("Qwen/Qwen3-8B")


def test_an_unreachable_endpoint_keeps_the_words_a_user_acts_on():
    """A certificate the client refuses, or an address the OS will not connect from, says which."""
    import ssl

    import requests
    import urllib3

    from ecometrics.collector.http import connection_failure

    url = "https://api.example/x"
    untrusted = ssl.SSLCertVerificationError(
        1,
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in "
        "certificate chain (_ssl.c:1006)",
    )
    refused_by_the_os = urllib3.exceptions.NewConnectionError(
        None, "Failed to establish a new connection: [Errno 99] Cannot assign requested address"
    )
    tls = requests.exceptions.SSLError(
        urllib3.exceptions.MaxRetryError(None, url, urllib3.exceptions.SSLError(untrusted))
    )
    no_connection = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, url, refused_by_the_os))
    assert (
        connection_failure(tls) == "TLS failed: certificate verify failed: self-signed certificate in certificate chain"
    )
    assert connection_failure(no_connection) == "no connection: [Errno 99] Cannot assign requested address"


@pytest.mark.parametrize("client", ["github", "huggingface", "modelscope"])
def test_each_client_names_why_it_cannot_connect_in_the_same_words(client):
    """A refused connection and a failed TLS handshake read alike from every client, in one line."""
    from ecometrics.collector.github_client import GitHubUnreachable
    from ecometrics.collector.hf_client import HubUnreachable
    from ecometrics.collector.modelscope_client import ModelScopeUnreachable
    from ecometrics.fakehub import FakeHub

    with socket.socket() as probe, FakeHub(collaborator_of="*", seed=0, scale="small") as plain_http:
        probe.bind(("127.0.0.1", 0))  # held, never listening, for the whole test: a connection is refused
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
        tls_to_plain = plain_http.url.replace("http://", "https://")  # the TLS handshake fails
        for endpoint, reason in ((closed, "connection refused"), (tls_to_plain, "TLS failed")):
            own = {"github": GitHubUnreachable, "huggingface": HubUnreachable, "modelscope": ModelScopeUnreachable}
            with pytest.raises(own[client]) as info:
                _first_request(client, endpoint)
            message = str(info.value)
            assert f"({reason}" in message and "\n" not in message and endpoint.split("//")[1] in message, message
