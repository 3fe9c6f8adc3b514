"""Exports are written atomically: a failed write keeps the old file and names the path and the OS error.

The failing disk is a real one made small for one process: ``RLIMIT_FSIZE`` caps the
size of any file the command writes (EFBIG, "File too large"), the way a full disk
stops a write half-way.
"""

import os
import sqlite3
import stat
import subprocess
import threading

import pytest
from test_robustness import ECOMETRICS, add_repos, run, small_disk  # the real-process helpers of the bad-input tests

from ecometrics.collector.store import Store


@pytest.fixture
def database(tmp_path):
    db = tmp_path / "e.db"
    with Store(db) as store:
        add_repos(store, 59)
        store.upsert(
            "model_edges",
            [
                {"child": f"org/child{i}", "parent": "org/base", "relation": "finetune", "source": "hub"}
                for i in range(40)
            ],
        )
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")  # a reader then needs no -shm file, which the cap would stop
    conn.close()
    return db


@pytest.mark.parametrize(
    "kind, out, extra",
    [
        ("repos", "repos.csv", []),
        ("repos", "repos.parquet", []),
        ("repos", "repos.md", []),
        ("lineage", "tree.graphml", ["--root", "org/base"]),
    ],
)
def test_a_write_that_fails_half_way_keeps_the_old_file(tmp_path, database, kind, out, extra):
    path = tmp_path / out
    good = run(["--db", str(database), "export", kind, *extra, "--out", str(path)], tmp_path)
    assert good.returncode == 0, good.stderr
    before = path.read_bytes()
    assert len(before) > 1024

    failed = run(
        ["--db", str(database), "export", kind, *extra, "--out", str(path)], tmp_path, preexec_fn=small_disk(1024)
    )
    assert failed.returncode == 74, failed.stderr
    message = failed.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"ecometrics: {path}: cannot write (") and "File too large" in message
    assert "the previous file is kept" in message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["e.db", out])  # no temporary left behind


def test_an_export_replaces_the_file_whole_and_keeps_its_permissions(tmp_path, database):
    path = tmp_path / "repos.csv"
    path.write_text("old\n")
    os.chmod(path, 0o640)
    result = run(["--db", str(database), "export", "repos", "--out", str(path)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_text().startswith("repo,") and (path.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.db", "repos.csv"]


def test_a_link_is_followed_and_a_pipe_is_written_in_place(tmp_path, database):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    result = run(["--db", str(database), "export", "repos", "--out", str(link)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and real.read_text().startswith("repo,")

    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    export = subprocess.Popen(
        [*ECOMETRICS, "--db", str(database), "export", "repos", "--out", str(pipe)],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    received: list[str] = []

    def read_pipe() -> None:
        with open(pipe) as reader:  # blocks until a writer opens the pipe
            received.append(reader.read())

    reader = threading.Thread(target=read_pipe, daemon=True)
    reader.start()
    _, errors = export.communicate(timeout=120)  # stderr is drained while the export runs
    if reader.is_alive():  # the export ended without opening the pipe: release the reader
        with open(pipe, "w"):
            pass
    reader.join(timeout=10)
    assert export.returncode == 0, errors
    assert received and received[0].startswith("repo,") and stat.S_ISFIFO(os.lstat(pipe).st_mode)
