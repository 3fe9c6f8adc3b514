"""The nightly job as a cron user runs it: real processes, fakehub on loopback, real SQLite."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from ecometrics.fakehub import FakeHub

CONFIG = """
[github]
repos = ["QwenLM/Qwen3", "zai-org/GLM-4.5", "MoonshotAI/Kimi-VL"]
max_rate_wait = 0
stats_wait = 0.5

[huggingface]
models = ["mistralai/Mistral-7B-v0.1"]
derivative_depth = 1

[export]
formats = ["csv", "json"]
"""


def environment(hub):
    return {
        **os.environ,
        "GITHUB_API_URL": hub.url,
        "HF_ENDPOINT": hub.url,
        "GITHUB_TOKEN": "test-token",
        "HF_TOKEN": "test-token",
    }


def ecometrics(tmp_path, hub, *args, **popen):
    command = [sys.executable, "-m", "ecometrics.jobs.cli", "--config", str(tmp_path / "ecometrics.toml"), *args]
    if popen.pop("background", False):
        return subprocess.Popen(
            command,
            cwd=tmp_path,
            env=environment(hub),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **popen,
        )
    return subprocess.run(command, cwd=tmp_path, env=environment(hub), capture_output=True, text=True, timeout=240)


def runs(tmp_path, job=None):
    conn = sqlite3.connect(tmp_path / "ecometrics.db")
    try:
        sql = "SELECT job, status, error FROM job_runs" + (" WHERE job = ?" if job else "") + " ORDER BY id"
        return conn.execute(sql, (job,) if job else ()).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        conn.close()


def stored(tmp_path, table):
    """Rows the running job has committed to ``table`` so far (0 before it exists)."""
    if not (tmp_path / "ecometrics.db").exists():
        return 0
    conn = sqlite3.connect(tmp_path / "ecometrics.db")
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


# API requests fakehub answers before it holds a run (hub.pause_after): past the first stargazer
# pages, so the run has committed rows and is blocked inside a request, sure to be still running.
MID_RUN = 10


def held_mid_run(hub, workdir, *args):
    """A background ``ecometrics`` process held by fakehub after MID_RUN requests, once it is held."""
    held = hub.pause_after(MID_RUN)
    process = ecometrics(workdir, hub, *args, background=True)
    if not held.wait(120):
        process.kill()
        raise AssertionError(f"ecometrics {' '.join(args)} never made {MID_RUN + 1} API requests")
    return process


def wait_for(predicate, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def integrity(tmp_path):
    conn = sqlite3.connect(tmp_path / "ecometrics.db")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "ecometrics.toml").write_text(CONFIG)
    return tmp_path


def test_a_good_run_exits_0_records_each_step_and_writes_exports(workdir):
    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        result = ecometrics(workdir, hub, "run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("run ok in ")
    steps = runs(workdir)
    assert [job for job, _, _ in steps] == [
        "run",
        "collect:github",
        "collect:hf",
        "analyze:openrank",
        "analyze:lineage",
        "export",
    ]
    assert {status for _, status, _ in steps} == {"ok"}
    assert (workdir / "exports" / "repos.csv").exists() and (workdir / "exports" / "models.json").exists()


def test_quiet_run_prints_nothing_when_all_is_well(workdir):
    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        result = ecometrics(workdir, hub, "run", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_a_bad_config_exits_2_with_one_line(workdir):
    (workdir / "ecometrics.toml").write_text(CONFIG.replace("derivative_depth = 1", "derivative_depth = -1"))
    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        result = ecometrics(workdir, hub, "run")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "derivative_depth" in result.stderr


def test_a_budget_too_small_exits_3_and_the_next_run_completes(workdir):
    with FakeHub(collaborator_of="*", seed=3, scale="small", rest_budget=15, graphql_budget=15) as hub:
        first = ecometrics(workdir, hub, "run")
    assert first.returncode == 3, first.stderr
    assert "collect:github partial" in first.stderr
    assert runs(workdir, "run")[-1][1] == "partial"

    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:  # the budget has reset
        second = ecometrics(workdir, hub, "run")
        truth = hub.truth(include_models=False)["github"]["repos"]
        stars = sum(len(truth[name]["stars"]) for name in ("QwenLM/Qwen3", "zai-org/GLM-4.5", "MoonshotAI/Kimi-VL"))
    assert second.returncode == 0, second.stderr
    conn = sqlite3.connect(workdir / "ecometrics.db")
    assert conn.execute("SELECT count(*) FROM stargazers").fetchone()[0] == stars


def test_a_second_run_is_refused_with_75_and_a_killed_runs_lock_is_taken_over(workdir):
    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        first = held_mid_run(hub, workdir, "run")
        assert runs(workdir, "collect:github"), "the first run is collecting"
        second = ecometrics(workdir, hub, "run")
        assert second.returncode == 75
        assert f"pid {first.pid}" in second.stderr
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert integrity(workdir) == "ok"

    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        third = ecometrics(workdir, hub, "run")
    assert third.returncode == 0, third.stderr
    assert integrity(workdir) == "ok"


def test_sigterm_stops_a_run_at_a_page_boundary_as_partial(workdir):
    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        run = held_mid_run(hub, workdir, "run")
        assert stored(workdir, "stargazers"), "the pages before the held request are committed"
        run.send_signal(signal.SIGTERM)
        hub.resume()  # the held page is answered; the run stops at its boundary
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == 3, stderr
    assert integrity(workdir) == "ok"
    steps = dict((job, status) for job, status, _ in runs(workdir))
    assert steps["run"] == "partial" and steps["collect:github"] == "partial"


def test_the_daemon_fires_the_pipeline_and_sigterm_leaves_a_consistent_database(workdir):
    with FakeHub(collaborator_of="*", seed=3, scale="small") as hub:
        daemon = ecometrics(workdir, hub, "schedule", "--every", "1", background=True)
        try:
            assert wait_for(lambda: [r for r in runs(workdir, "run") if r[1] == "ok"]), "no scheduled run finished"
            assert wait_for(lambda: len(runs(workdir, "run")) >= 2), "the trigger did not fire again"
            daemon.send_signal(signal.SIGTERM)
            _, stderr = daemon.communicate(timeout=120)
        finally:
            if daemon.poll() is None:
                daemon.kill()
    assert daemon.returncode == 0, stderr
    assert "scheduler stopped" in stderr
    assert integrity(workdir) == "ok"
    statuses = [status for _, status, _ in runs(workdir, "run")]
    assert "running" not in statuses and set(statuses) <= {"ok", "partial"}


def test_a_run_on_an_empty_config_and_database_ends_ok(tmp_path):
    from ecometrics.collector.store import Store
    from ecometrics.core.config import Config
    from ecometrics.jobs.pipeline import run_pipeline

    config = Config(path=tmp_path / "ecometrics.toml")
    with Store(tmp_path / "ecometrics.db") as store:
        result = run_pipeline(store, config)
    assert result.status == "ok", result.problems
    assert [step.job for step in result.steps] == ["analyze:openrank", "analyze:lineage", "export"]
    assert (tmp_path / "exports").is_dir()


def test_analyze_activity_writes_activity_only_and_each_step_records_its_rows(tmp_path):
    from ecometrics.collector.store import Store
    from ecometrics.core.config import parse_config
    from ecometrics.jobs.pipeline import analyze

    config = parse_config({"activity": {"bots": ["helper"]}})
    event = {
        "type": "IssueCommentEvent",
        "action": "created",
        "repo_name": "o/r",
        "issue_number": 1,
        "created_at": "2025-01-05T00:00:00Z",
        "source": "rest",
    }
    with Store(tmp_path / "ecometrics.db") as store:
        store.upsert(
            "events",
            [
                {**event, "id": "1", "actor_id": 1, "actor_login": "ada", "repo_id": 10, "comment_id": 1},
                {**event, "id": "2", "actor_id": 2, "actor_login": "Helper", "repo_id": 10, "comment_id": 2},
                {**event, "id": "3", "actor_id": 1, "actor_login": "ada", "repo_id": 11, "comment_id": 3},
            ],
        )
        store.upsert("model_edges", [{"parent": "o/a", "child": "o/b", "relation": "finetune", "source": "hub"}])
        (activity,) = analyze(store, config, ["activity"])
        assert (activity.status, activity.rows_written) == ("ok", 2)  # ada in two repos; the configured bot left out
        assert not store.query("SELECT * FROM openrank")
        openrank, lineage = analyze(store, config, ["openrank", "lineage"])
        assert openrank.rows_written == 2 + 3  # activity rows + ada and two repos
        assert lineage.rows_written == 2 + 2  # two models, each with an influence value
        recorded = store.query("SELECT job, rows_written FROM job_runs ORDER BY id")
    assert recorded == [
        {"job": "analyze:activity", "rows_written": 2},
        {"job": "analyze:openrank", "rows_written": 5},
        {"job": "analyze:lineage", "rows_written": 4},
    ]


def test_from_later_than_to_is_bad_input_and_records_nothing(tmp_path, capsys):
    from ecometrics.jobs.cli import main

    db = tmp_path / "ecometrics.db"
    assert main(["--db", str(db), "analyze", "openrank", "--from", "2025-05", "--to", "2025-01"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "ecometrics: --from 2025-05 is later than --to 2025-01; swap them"
    assert not runs(tmp_path)


@pytest.mark.parametrize("job", ["analyze", "openrank"])
def test_the_scheduled_jobs_that_export_also_rewrite_an_enabled_report(tmp_path, job):
    """``[report] enabled``: the site follows the exports, in the daemon as in ``ecometrics run``."""
    from ecometrics.collector.store import Store
    from ecometrics.core.config import load_config
    from ecometrics.jobs.scheduler import scheduled_jobs

    (tmp_path / "ecometrics.toml").write_text('[report]\nenabled = true\ndir = "site"\n')
    config = load_config(tmp_path / "ecometrics.toml")
    with Store(tmp_path / "ecometrics.db") as store:
        _, work = scheduled_jobs(config)[job]
        work(store, config)
        recorded = [row[0] for row in store.conn.execute("SELECT job FROM job_runs ORDER BY id")]
    assert recorded[-2:] == ["export", "report"], recorded
    assert (tmp_path / "site" / "index.html").is_file()


def test_a_report_not_enabled_is_left_to_ecometrics_report(tmp_path):
    from ecometrics.collector.store import Store
    from ecometrics.core.config import load_config
    from ecometrics.jobs.scheduler import scheduled_jobs

    (tmp_path / "ecometrics.toml").write_text("")
    config = load_config(tmp_path / "ecometrics.toml")
    with Store(tmp_path / "ecometrics.db") as store:
        scheduled_jobs(config)["analyze"][1](store, config)
        recorded = [row[0] for row in store.conn.execute("SELECT job FROM job_runs ORDER BY id")]
    assert "report" not in recorded and not (tmp_path / "report").exists()
