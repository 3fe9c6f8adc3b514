"""Benchmark: GitHub requests spent by a first collection vs the minimum the data needs.

Runs ``collect_github`` against fakehub (default: medium scale, every org fakehub has
plus the tracked repos of ``ecometrics.core.ecosystem``) into a fresh SQLite file and compares
the requests fakehub counted with the least any collector could spend on that data:

- GraphQL: one document per 50 repositories for metadata, one per 100 stargazers;
- REST: one page per 100 items of each org listing, ``/contributors``, issues, issue
  comments, review comments, commits and issue events (``closed`` and ``merged``, which
  name who closed; at least one page each), ``/stats/contributors``
  twice (GitHub answers ``202`` to the first ask while it computes), one ask per name
  that turns out deleted.

Target: ratio <= 1.05 on the first run. A second run with nothing new is then measured
against the first (requests that count against a budget: 304s are free; target <= 10%).

fakehub models the real API's behaviours by default (Link cursors, hidden stargazers,
unstars, secondary limits...); waits pass on fakehub's rate-limit clock, and the wall time
GitHub's own limits would impose on the same requests is printed beside the measured one
(primary: 5,000 REST requests and 5,000 GraphQL points an hour; secondary: 900 REST and
2,000 GraphQL points a minute). ``--faults`` injects failures and ``--clock-step`` moves
fakehub's clock during the run; a catch-up run with the clock stopped then must leave the
stored rows equal to the ground truth.

    .venv/bin/python bench/bench_github.py [--scale medium] [--no-activity]
        [--faults "429:0.05,5xx:0.05,timeout:0.02,truncate:0.02"] [--clock-step 60]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from ecometrics.collector.github import REPO_BATCH, collect_github
from ecometrics.collector.github_client import GitHubClient
from ecometrics.collector.store import Store
from ecometrics.core.config import GithubConfig
from ecometrics.core.ecosystem import TRACKED_REPOS
from ecometrics.fakehub import FakeHub

TARGET_RATIO = 1.05
TARGET_RERUN = 0.10


def pages(n: int, at_least: int = 1) -> int:
    return max(at_least, math.ceil(n / 100))


def minimum_requests(truth: dict, config: GithubConfig) -> dict[str, int]:
    """The least number of requests per kind that collects ``config``'s data."""
    gh = truth["github"]
    names = {name for org in config.orgs for name in gh["orgs"].get(org, [])}
    resolved = {gh["renamed"].get(name, name) for name in config.repos}
    names |= {n for n in resolved if n in gh["repos"]}
    deleted = len(resolved - set(gh["repos"]))
    repos = [gh["repos"][n] for n in sorted(names)]
    need = {
        "graphql metadata": math.ceil(len(repos) / REPO_BATCH),
        "graphql stargazers": sum(pages(r["stargazers_count"], 0) for r in repos) if config.star_history else 0,
        "org listings": sum(pages(len(gh["orgs"].get(org, []))) for org in config.orgs),
        "deleted names": deleted,
    }
    if config.contributors:
        need["contributors"] = sum(pages(len(r["contributors"]) + len(r["anonymous_contributors"])) for r in repos)
        need["stats/contributors (202 + 200)"] = 2 * len(repos)
    if config.activity:
        need["issues"] = sum(pages(len(r["issues"])) for r in repos)
        need["issue comments"] = sum(pages(len(r["issue_comments"])) for r in repos)
        need["review comments"] = sum(pages(len(r["review_comments"])) for r in repos)
        need["commits"] = sum(pages(len(r["commits"])) for r in repos)
        need["issue events"] = sum(
            pages(sum(1 for i in r["issues"] if i["closed_at"]) + sum(1 for i in r["issues"] if i["merged"]))
            for r in repos
        )
    return need


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--no-activity", action="store_true", help="leave out issues, comments and commits")
    parser.add_argument("--db", help="SQLite file to write (default: a temporary one)")
    parser.add_argument("--faults", default=None, help="fakehub fault rates, e.g. 429:0.05,5xx:0.05")
    parser.add_argument("--clock-step", type=float, default=0.0, help="seconds fakehub's clock moves per request")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeHub(
            collaborator_of="*",  # reads star lists: a collaborator of every repository
            seed=0,
            scale=args.scale,
            rest_budget=10**7,
            graphql_budget=10**7,
            faults=args.faults,
            clock_step_seconds=args.clock_step,
            fault_delay_seconds=0.0,
        ) as hub,
    ):

        def client() -> GitHubClient:
            return GitHubClient(token="bench", base_url=hub.url, timeout=5.0, sleep=hub.sleep, clock=hub.rate_time)

        truth = hub.truth(include_models=False)
        config = GithubConfig(
            orgs=sorted(truth["github"]["orgs"]), repos=list(TRACKED_REPOS), activity=not args.no_activity
        )
        need = minimum_requests(truth, config)
        minimum = sum(need.values())
        store = Store(args.db or Path(tmp) / "bench.db")
        started = time.perf_counter()
        result = collect_github(store, config, progress=False, client=client(), stats_wait=0.0)
        seconds = time.perf_counter() - started
        first = hub.stats()
        # refusals of the pace (secondary limits) and injected faults are printed, not charged to the collector
        refused = {
            name: first["by_endpoint"].get(name, {}).get("requests", 0)
            for name in ("secondary_limited", "graphql.secondary_limited", "fault")
        }
        spent = (
            first["requests"]
            - first["by_status"].get("304", 0)
            - sum(refused.values())
            - first["faults"].get("timeout", 0)
            - first["faults"].get("truncate", 0)
        )
        first_graphql = first["by_endpoint"].get("graphql", {}).get("requests", 0)

        catch_up = 0
        if args.clock_step:  # time stops; the next runs catch up from the checkpoints
            hub.clock_step_seconds = 0
            while catch_up < 5:  # each run re-walks at most RECONCILE_PAGES of lost stars
                catch_up += 1
                later = collect_github(store, config, progress=False, client=client(), stats_wait=0.0)
                if not any("reconciled on a later run" in note for note in later.notes):
                    break
            truth = hub.truth(include_models=False)
        stored = {
            "stargazers": store.query("SELECT count(*) AS n FROM stargazers WHERE removed_at IS NULL")[0]["n"],
            "events": store.count("events"),
        }
        standing = set(store.conn.execute("SELECT repo_id, user_id FROM stargazers WHERE removed_at IS NULL"))
        true_stars = {(r["id"], user_id) for r in truth["github"]["repos"].values() for user_id, _, _ in r["stars"]}
        same_stars = standing == true_stars
        hub.reset_stats()
        collect_github(store, config, progress=False, client=client(), stats_wait=0)
        second = hub.stats()
        again = second["requests"] - second["by_status"].get("304", 0)
        again_by_endpoint = {
            name: sum(n for status, n in counts["by_status"].items() if status != "304")
            for name, counts in second["by_endpoint"].items()
        }

    stars = sum(r["stargazers_count"] for r in truth["github"]["repos"].values())
    tracked = [r for r in truth["github"]["repos"].values()]  # every org is configured: all of them
    expected = {
        "stargazers": sum(len(r["stars"]) for r in tracked),  # hidden accounts are not listed
        "events": sum(
            len(r["issues"])
            + sum(1 for i in r["issues"] if i["closed_at"])
            + len(r["issue_comments"])
            + len(r["review_comments"])
            + len(r["commits"])
            for r in tracked
        )
        if config.activity
        else 0,
    }
    print(
        f"fakehub {args.scale}: {len(config.orgs)} orgs + {len(config.repos)} listed repos, {stars:,} stars in the ecosystem"
    )
    print(f"first run: {result.rows_written:,} rows in {seconds:.1f}s, partial={result.partial}")
    for kind, n in need.items():
        print(f"  minimum {kind:<32} {n:>7,}")
    print(f"  minimum total {'':<26} {minimum:>7,}")
    print(
        f"requests spent (fakehub count; 304s, pace refusals and faults excluded): {spent:,}  by status {first['by_status']}"
    )
    print(f"  refused for pace or faulted: {refused}, faults {first['faults']}")
    ratio = spent / minimum
    print(
        f"ratio spent / minimum = {ratio:.3f}  (target <= {TARGET_RATIO})  {'OK' if ratio <= TARGET_RATIO else 'OVER'}"
    )
    caught_up = f" after {catch_up} catch-up run(s) with the clock stopped" if args.clock_step else ""
    print(
        f"stored vs ground truth{caught_up}: {', '.join(f'{t} {stored[t]:,} of {expected[t]:,}' for t in stored)}; "
        f"standing stargazers {'equal' if same_stars else 'DIFFER from'} the truth's set"
    )
    print(
        f"second run, nothing new: {again:,} requests spent, {second['by_status'].get('304', 0):,} answered 304 "
        f"({again / max(spent, 1):.1%} of the first run); spent by endpoint "
        + ", ".join(f"{name} {n}" for name, n in again_by_endpoint.items() if n)
    )
    graphql_spent = first_graphql
    rest_spent = spent - first_graphql
    primary_hours = max(rest_spent / 5000, graphql_spent / 5000)
    secondary_minutes = max(rest_spent / 900, graphql_spent / 2000)
    print(
        f"wall time GitHub's limits would impose on these requests (one token): primary "
        f"{primary_hours:.2f} h, secondary {secondary_minutes:.1f} min; measured here {seconds:.1f}s"
    )
    complete = stored == expected and same_stars
    rerun = again / max(spent, 1)
    good = ratio <= TARGET_RATIO and rerun <= TARGET_RERUN and not result.partial and complete
    return 0 if good else 1


if __name__ == "__main__":
    raise SystemExit(main())
