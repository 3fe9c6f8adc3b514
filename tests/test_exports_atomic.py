"""Exports are written atomically: a failed write keeps the old file and names the path and the OS error.

The failing disk is a real one made small for one process: ``RLIMIT_FSIZE`` caps the
size of any file the command writes (EFBIG, "File too large"), the way a full disk
stops a write half-way.
"""

import contextlib
import ctypes
import os
import select
import sqlite3
import stat
import struct
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


def _inotify_counter(path):
    """A Linux inotify watch on ``path``; calling the result returns how often a writer closed it.

    Opens are watched too, because inotify merges an event identical to the unread one before it:
    two writers in a row would otherwise read as one.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    in_close_write, in_open = 0x08, 0x20  # <sys/inotify.h>
    watch = libc.inotify_init1(os.O_NONBLOCK)
    if watch < 0 or libc.inotify_add_watch(watch, os.fsencode(path), in_close_write | in_open) < 0:
        pytest.skip("inotify is not available here")

    def closed_by_writers() -> int:
        events = b""
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(watch, 65536):
                events += chunk
        os.close(watch)
        count, offset = 0, 0
        while offset < len(events):
            _, mask, _, name_length = struct.unpack_from("iIII", events, offset)
            count += bool(mask & in_close_write)
            offset += 16 + name_length
        return count

    return closed_by_writers


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "md"])
def test_a_pipe_is_opened_once(tmp_path, database, fmt):
    """A reader of a named pipe reads until the first writer closes it: a writer that opened
    the pipe twice (truncate, close, then write) made ``cat pipe`` end empty and the export hang."""
    pipe = tmp_path / f"pipe.{fmt}"
    os.mkfifo(pipe)
    writers_closed = _inotify_counter(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there: no open by the export waits
    received = bytearray()
    done = threading.Event()

    def drain() -> None:  # keeps the pipe's buffer from filling while the export writes
        while not done.is_set():
            if select.select([reader], [], [], 0.05)[0]:
                with contextlib.suppress(BlockingIOError):
                    received.extend(os.read(reader, 65536))

    draining = threading.Thread(target=drain, daemon=True)
    draining.start()
    result = run(["--db", str(database), "export", "repos", "--out", str(pipe)], tmp_path)
    done.set()
    draining.join(timeout=10)
    with contextlib.suppress(BlockingIOError):
        received.extend(os.read(reader, 1 << 20))
    os.close(reader)
    assert result.returncode == 0, result.stderr
    assert writers_closed() == 1
    assert len(received) > 100
