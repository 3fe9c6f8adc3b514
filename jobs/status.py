"""What ``ecometrics status`` shows: schema, row counts, last runs and data freshness.

Tokens are reported only as set or not set; their values never reach the output.
"""

from __future__ import annotations

import json
import os

from ecometrics.collector.store import BUDGET_META, SCHEMA_VERSION, Store
from ecometrics.core.bots import NOT_PEOPLE
from ecometrics.core.config import Config

# (label, SQL giving the newest data point) for each source.
FRESHNESS = (
    ("github repos", "SELECT max(date) FROM repo_snapshots"),
    ("github stars", "SELECT max(starred_at) FROM stargazers"),
    ("github events", "SELECT max(created_at) FROM events"),
    ("hf models", "SELECT max(date) FROM model_snapshots"),
    ("openrank", "SELECT max(month) FROM openrank"),
)


def render_status(store: Store, config: Config) -> str:
    lines = [f"database  {store.path}  (schema version {store.version} of {SCHEMA_VERSION})"]
    lines.append(f"config    {config.path or '(defaults: no config file)'}")
    for name in ("GITHUB_TOKEN", "HF_TOKEN"):
        lines.append(f"{name:<13} {'set' if os.environ.get(name) else 'not set'}")

    lines.append("\nrows")
    for table in store.tables():
        lines.append(f"  {table:<22} {store.count(table):>12,}")
    # ghost holds deleted accounts' events: stored and counted for their repos, never ranked (ecometrics.core.bots)
    marks = ", ".join("?" * len(NOT_PEOPLE))
    ghost = store.conn.execute(f"SELECT count(*) FROM events WHERE lower(actor_login) IN ({marks})", sorted(NOT_PEOPLE))
    lines.append(f"  {'ghost (deleted accounts)':<26} {ghost.fetchone()[0]:>8,} events, never ranked")

    lines.append("\nfreshness")
    for label, sql in FRESHNESS:
        newest = store.conn.execute(sql).fetchone()[0]
        lines.append(f"  {label:<22} {newest or 'never'}")

    from ecometrics.analysis.coverage import coverage_lines

    covered = coverage_lines(store)
    if covered:
        lines.append("\ngharchive coverage (hours held whole / hours in the month)")
        lines.extend(covered)

    from ecometrics.analysis.crawl import crawl_completeness

    completeness = crawl_completeness(store)
    if completeness.height:
        known = completeness.filter(completeness["completeness"].is_not_null())
        complete = known.filter(known["completeness"] >= 1.0).height
        lines.append("\nhf crawl completeness (collected / Hub-reported children)")
        lines.append(f"  {'tracked roots':<22} {completeness.height:>12,}  complete {complete:,}")
        for row in known.sort("completeness").head(5).iter_rows(named=True):
            if row["completeness"] < 1.0:
                lines.append(f"  {row['root']:<40} {row['children_collected']:,} / {row['children_reported']:,}")

    restricted = store.stars_restricted()
    if restricted:
        # GitHub lists stargazers only to a repository's admins and collaborators (changelog 2026-06-30)
        lines.append(
            "\nstar history restricted by GitHub (admins and collaborators only): stars per day read from its "
            "star history instead (docs/stars.md)"
        )
        names = sorted(name or f"repo id {repo_id}" for repo_id, name in restricted.items())
        lines.append(f"  {len(names):,} repositories: {', '.join(names[:10])}" + (", ..." if len(names) > 10 else ""))

    from ecometrics.jobs.scheduler import next_fire_times

    lines.append("\nschedule (UTC)")
    for name, when in next_fire_times(config).items():
        lines.append(f"  {name:<22} next {when:%Y-%m-%d %H:%M}")

    budgets = store.meta_items(BUDGET_META)
    if budgets:
        lines.append("\nAPI budgets last seen")
        for budget in budgets:
            lines.append(f"  {budget['key']:<22} {budget['value']}  (at {budget['updated_at']})")

    lines.append("\nlast runs")
    runs = store.last_runs(10)
    if not runs:
        lines.append("  none yet")
    for run in runs:
        requests = json.loads(run["api_requests"] or "{}")
        spent = ", ".join(f"{k} {v}" for k, v in requests.items()) or "-"
        lines.append(
            f"  #{run['id']:<5} {run['job']:<18} {run['status']:<8} {run['started_at']}  "
            f"rows {run['rows_written'] or 0:,}  requests {spent}"
            + (f"  error: {run['error']}" if run["error"] else "")
        )
    return "\n".join(lines)
