"""The database's job lock across real processes."""

import os
import signal
import subprocess
import sys

from ecometrics.jobs.lock import Locked, job_lock, lock_path

# Holds the lock until its standard input closes or it is killed: however slow the test, never
# for a fixed time that could run out first.
HOLD = """
import sys
from ecometrics.jobs.lock import job_lock
with job_lock(sys.argv[1], "run"):
    print("held", flush=True)
    sys.stdin.read()
"""


def hold_lock(db):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_job_is_refused_naming_the_holder(tmp_path):
    db = tmp_path / "e.db"
    holder = hold_lock(db)
    try:
        try:
            with job_lock(db, "collect"):
                raise AssertionError("the lock was taken twice")
        except Locked as exc:
            assert f"pid {holder.pid}" in str(exc) and "run started" in str(exc)
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    db = tmp_path / "e.db"
    holder = hold_lock(db)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert lock_path(db).exists()  # the file stays behind; the kernel released the lock
    with job_lock(db, "run"):
        assert str(os.getpid()) in lock_path(db).read_text()


def test_cli_exits_75_while_another_run_holds_the_lock(tmp_path):
    db = tmp_path / "e.db"
    holder = hold_lock(db)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ecometrics.jobs.cli", "--db", str(db), "run"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert result.returncode == 75, result.stderr
        assert f"pid {holder.pid}" in result.stderr
    finally:
        holder.kill()
        holder.wait()
