"""A killed GH Archive import leaves no parser holding the lock and no scratch folder for good.

The import runs as the user runs it (``python -m ecometrics.jobs.cli import gharchive``) on a file
large enough for the parser processes. The test holds a write transaction on the
database, so the import parses, stages its first batch and waits to write it: a fixed
state in which to SIGKILL it, found by polling, not by waiting a fixed time.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from gharchive_fixtures import synthetic_hour
from test_jobs_pipeline import wait_for

from ecometrics.collector.gharchive import PARALLEL_MIN_BYTES
from ecometrics.collector.store import Store


def children(pid):
    """The pids whose parent is ``pid`` (from /proc/PID/stat, field 4)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def import_command(db, path):
    return [sys.executable, "-m", "ecometrics.jobs.cli", "--db", str(db), "import", "gharchive", "--all", str(path)]


def test_sigkill_of_a_parallel_import_ends_its_parsers_frees_the_lock_and_the_next_run_cleans_up(tmp_path):
    hour = tmp_path / "2024-01-15-10.json"  # plain JSON lines: its size on disk is its text
    hour.write_bytes(
        b"".join(
            json.dumps(e, separators=(",", ":")).encode() + b"\n" for e in synthetic_hour(12_000, repos=30, seed=3)
        )
    )
    assert hour.stat().st_size > PARALLEL_MIN_BYTES
    db = tmp_path / "ecometrics.db"
    Store(db).close()

    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the import parses, then waits to write
    importer = subprocess.Popen(
        import_command(db, hour), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        scratch = lambda: [p for p in tmp_path.glob(".gharchive-*") if list(p.glob("*.db"))]  # noqa: E731
        assert wait_for(lambda: len(children(importer.pid)) == 2 and scratch(), seconds=60), (
            "the parsers never staged a chunk"
        )
        parsers = children(importer.pid)
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=30)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        if importer.poll() is None:
            importer.kill()
    try:
        assert wait_for(lambda: not any(alive(pid) for pid in parsers), seconds=10), "a parser outlived the import"
    finally:
        for pid in parsers:  # never leave them behind, even when the test fails
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    left = scratch()
    assert left, "the killed import's scratch folder should still be there for the next run to remove"

    again = subprocess.run(import_command(db, hour), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert not any(path.exists() for path in left)
    assert list(tmp_path.glob(".gharchive-*")) == []
    with Store(db) as store:
        assert store.count("events") > 0
    assert os.path.exists(f"{db}.lock")
