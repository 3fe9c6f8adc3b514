"""Job records stay true however a run ends: stopped, interrupted or killed.

Real processes (``python -m ecometrics.jobs.cli``) against fakehub on loopback; each test signals a run
that fakehub holds inside a request (``hub.pause_after``) after it has committed rows, never
after a fixed time, and on a hub that answers at full speed.
"""

import json
import signal
import sqlite3
import subprocess
import sys

import pytest
from test_jobs_pipeline import (  # the pipeline tests' own helpers
    CONFIG,
    MID_RUN,
    ecometrics,
    environment,
    held_mid_run,
    wait_for,
)

from ecometrics.fakehub import FakeHub


def query(db, sql):
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        conn.close()


def records(db):
    """job -> (status, rows_written, api_requests, error) of each record, oldest first."""
    rows = query(db, "SELECT job, status, rows_written, api_requests, error FROM job_runs ORDER BY id")
    return [(job, status, rows, json.loads(requests or "{}"), error) for job, status, rows, requests, error in rows]


def stored_stargazers(db):
    found = query(db, "SELECT count(*) FROM stargazers")
    return found[0][0] if found else 0


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "ecometrics.toml").write_text(CONFIG)
    return tmp_path


def test_a_stopped_run_records_the_rows_and_requests_it_got_to(workdir):
    db = workdir / "ecometrics.db"
    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        run = held_mid_run(hub, workdir, "run")
        assert stored_stargazers(db) > 0, "the pages before the held request are committed"
        run.send_signal(signal.SIGTERM)
        hub.resume()
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == 3, stderr
    by_job = {job: (status, rows, requests) for job, status, rows, requests, _ in records(db)}
    status, rows, requests = by_job["collect:github"]
    assert status == "partial"
    assert rows >= stored_stargazers(db) > 0
    assert requests["total"] > 0
    status, run_rows, run_requests = by_job["run"]
    assert status == "partial" and run_rows >= rows and run_requests["github"] == requests["total"]


def test_a_killed_run_reads_interrupted_with_its_counts_and_the_next_run_records_it(workdir):
    db = workdir / "ecometrics.db"
    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        run = held_mid_run(hub, workdir, "run")
        assert stored_stargazers(db) > 0, "the pages before the held request are committed"
        run.send_signal(signal.SIGKILL)
        run.communicate(timeout=60)
        hub.resume()
        status = ecometrics(workdir, hub, "status")
    assert status.returncode == 0, status.stderr
    last_runs = status.stdout.split("last runs", 1)[1]
    assert "running" not in last_runs
    assert [line.split()[1:3] for line in last_runs.strip().splitlines()] == [
        ["collect:github", "interrupted"],
        ["run", "interrupted"],
    ]
    assert [status for _, status, *_ in records(db)] == ["running", "running"], "status must not write"

    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        again = ecometrics(workdir, hub, "run")
    assert again.returncode == 0, again.stderr
    (run_job, run_status, run_rows, run_requests, error), (job, status, rows, requests, _) = records(db)[:2]
    assert (run_job, run_status, job, status) == ("run", "interrupted", "collect:github", "interrupted")
    assert "process ended" in error
    assert rows > 0 and requests["total"] > 0  # as the last committed page left them
    assert run_rows >= rows and run_requests["github"] == requests["total"]
    assert "running" not in {status for _, status, *_ in records(db)}


def test_sigint_during_the_demo_stops_it_with_true_records(tmp_path):
    db = tmp_path / "demo" / "ecometrics.db"
    demo = subprocess.Popen(
        [sys.executable, "-m", "ecometrics.jobs.cli", "demo", "--dir", str(tmp_path / "demo"), "--days", "2"],
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert wait_for(lambda: stored_stargazers(db) > 0), "the demo never stored a stargazer"
        demo.send_signal(signal.SIGINT)
        _, stderr = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode == 3, stderr
    assert "Traceback" not in stderr and "demo partial" in stderr
    statuses = [(job, status) for job, status, *_ in records(db)]
    assert statuses == [("run", "partial"), ("collect:github", "partial")], "one day's run, stopped at a page"
    github = records(db)[1]
    assert github[2] >= stored_stargazers(db) > 0 and github[3]["total"] > 0


LIBRARY_RUN = """
import sys
from ecometrics.collector.store import Store
from ecometrics.core.config import load_config
from ecometrics.jobs.pipeline import run_pipeline

with Store(sys.argv[2]) as store:  # no signal handlers: SIGINT raises KeyboardInterrupt
    run_pipeline(store, load_config(sys.argv[1]))
"""


def test_a_keyboard_interrupt_records_the_step_and_the_run_interrupted(workdir):
    db = workdir / "ecometrics.db"
    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        held = hub.pause_after(MID_RUN)
        run = subprocess.Popen(
            [sys.executable, "-c", LIBRARY_RUN, str(workdir / "ecometrics.toml"), str(db)],
            cwd=workdir,
            env=environment(hub),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert held.wait(120), f"the run never made {MID_RUN + 1} API requests"
        assert stored_stargazers(db) > 0, "the pages before the held request are committed"
        run.send_signal(signal.SIGINT)
        hub.resume()
        _, stderr = run.communicate(timeout=60)
    assert "KeyboardInterrupt" in stderr
    (run_job, run_status, run_rows, run_requests, _), (job, status, rows, requests, error) = records(db)
    assert (run_job, run_status, job, status) == ("run", "interrupted", "collect:github", "interrupted")
    assert rows >= stored_stargazers(db) > 0 and requests["total"] > 0
    assert run_rows >= rows and run_requests["github"] == requests["total"]
