"""One outcome for every step: collectors, importers and analyses all report status, rows,
requests, message and notes, so the pipeline records each the same way."""

from __future__ import annotations

import pytest
from gharchive_fixtures import event, write_hour

from ecometrics.analysis.activity import compute_activity
from ecometrics.analysis.global_openrank import compute_global_openrank
from ecometrics.analysis.lineage import analyze_lineage
from ecometrics.collector.edges import import_edges
from ecometrics.collector.gharchive import import_gharchive
from ecometrics.collector.store import Store
from ecometrics.core.outcome import STATUSES, CollectResult
from ecometrics.jobs.pipeline import record_step

AT = "2024-05-02T12:00:00Z"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "steps.db") as store:
        yield store


def outcomes(store, tmp_path):
    edges = tmp_path / "edges.csv"
    edges.write_text("parent,child,relation\nQwen/Qwen3-8B,a/ft,finetune\n")
    hour = write_hour(
        tmp_path / "2024-05-02-12.json.gz",
        [
            event(
                1, "IssuesEvent", actor=(7, "alice"), repo=(10, "acme/engine"), created_at=AT, action="opened", number=1
            )
        ],
    )
    partial = CollectResult("github", rows_written=3, requests={"200": 2})
    partial.mark_partial("github: the budget ran out")
    return {
        "import edges": import_edges(store, edges),
        "import gharchive": import_gharchive(store, [hour], all_repos=True),
        "analyze activity": compute_activity(store),
        "analyze openrank": compute_global_openrank(store),
        "analyze lineage": analyze_lineage(store, influence=False),
        "collect (partial)": partial,
    }


def test_every_step_reports_the_same_outcome(store, tmp_path):
    for step, outcome in outcomes(store, tmp_path).items():
        assert outcome.status in STATUSES, step
        assert isinstance(outcome.rows_written, int), step
        assert all(isinstance(n, int) for n in dict(outcome.requests).values()), step
        assert outcome.message is None or isinstance(outcome.message, str), step
        assert all(isinstance(note, str) for note in outcome.notes), step


def test_the_pipeline_records_any_outcome_as_it_reports_it(store, tmp_path):
    for step, outcome in outcomes(store, tmp_path).items():
        recorded = record_step(store, step, lambda outcome=outcome: outcome)
        assert (recorded.status, recorded.rows_written, recorded.message) == (
            outcome.status,
            outcome.rows_written,
            outcome.message,
        ), step
        assert recorded.requests == dict(outcome.requests), step
    partial = store.query("SELECT status, rows_written, error FROM job_runs WHERE job = 'collect (partial)'")
    assert partial == [{"status": "partial", "rows_written": 3, "error": "github: the budget ran out"}]
