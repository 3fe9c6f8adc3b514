"""``ecometrics schedule``: the long-running daemon with the config's cron triggers.

APScheduler's BlockingScheduler fires, in UTC:

- ``[schedule].collect``  -> collect every configured source (default ``0 2 * * *``)
- ``[schedule].analyze``  -> lineage analysis and the exports (default ``30 4 * * *``)
- ``[schedule].openrank`` -> monthly OpenRank and the exports (default ``0 5 1 * *``)

after the exports, both rewrite the report when ``[report] enabled`` is true, as
``ecometrics run`` does (:func:`ecometrics.jobs.pipeline.publish`).

Each job takes the database's job lock (a job that finds it held is skipped and logged),
runs with ``max_instances=1`` and coalescing, and tolerates a misfire of up to an hour.
SIGTERM/SIGINT let the running job finish its page, store its checkpoint and mark its
run partial; then the daemon exits 0.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
from collections.abc import Callable

from ecometrics.collector.cancel import StopRequested, clear_stop, request_stop
from ecometrics.collector.store import Store
from ecometrics.core.config import Config
from ecometrics.jobs import pipeline
from ecometrics.jobs.lock import Locked, job_lock

log = logging.getLogger("ecometrics.schedule")

MISFIRE_GRACE_SECONDS = 3600


def scheduled_jobs(config: Config) -> dict[str, tuple[str, Callable[[Store, Config], object]]]:
    """Job name -> (cron expression, work)."""

    def collect(store: Store, config: Config) -> object:
        return pipeline.collect(store, config)

    def analyze(store: Store, config: Config) -> object:
        return pipeline.analyze(store, config, ["lineage"]), pipeline.publish(store, config)

    def openrank(store: Store, config: Config) -> object:
        return pipeline.analyze(store, config, ["openrank"]), pipeline.publish(store, config)

    return {
        "collect": (config.schedule.collect, collect),
        "analyze": (config.schedule.analyze, analyze),
        "openrank": (config.schedule.openrank, openrank),
    }


def next_fire_times(config: Config, now: dt.datetime | None = None) -> dict[str, dt.datetime | None]:
    from apscheduler.triggers.cron import CronTrigger

    now = now or dt.datetime.now(dt.UTC)
    return {
        name: CronTrigger.from_crontab(expression, timezone="UTC").get_next_fire_time(None, now)
        for name, (expression, _) in scheduled_jobs(config).items()
    }


def run_daemon(config: Config, db_path: str, *, every_seconds: float | None = None) -> int:
    """Serve the schedule until SIGTERM/SIGINT; returns the exit code (0).

    ``every_seconds`` replaces the cron triggers by one interval trigger running the
    whole nightly pipeline (for trying the daemon out, and for tests).
    """
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )

    def fire(name: str, work: Callable[[Store, Config], object]) -> None:
        log.info("%s fired", name)
        try:
            with job_lock(db_path, name), Store(db_path) as store:
                work(store, config)
        except Locked as exc:
            log.warning("%s skipped: %s", name, exc)
            return
        except StopRequested:
            log.info("%s stopped at a page boundary; the next run resumes", name)
            return
        log.info("%s finished", name)

    if every_seconds:
        scheduler.add_job(
            fire,
            IntervalTrigger(seconds=every_seconds, timezone="UTC"),
            args=("run", _whole_pipeline),
            id="run",
            next_run_time=dt.datetime.now(dt.UTC),
        )
    else:
        for name, (expression, work) in scheduled_jobs(config).items():
            scheduler.add_job(fire, CronTrigger.from_crontab(expression, timezone="UTC"), args=(name, work), id=name)

    def stop(signum: int, _frame: object) -> None:
        log.info("received %s: finishing the current page, then exiting", signal.Signals(signum).name)
        request_stop()
        scheduler.shutdown(wait=True)  # returns once the running job reached its page boundary

    clear_stop()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for job in scheduler.get_jobs():
            log.info("scheduled %s: %s", job.id, job.trigger)
        scheduler.start()  # blocks until stop() shuts it down
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped")
    return 0


def _whole_pipeline(store: Store, config: Config) -> object:
    return pipeline.run_pipeline(store, config)
