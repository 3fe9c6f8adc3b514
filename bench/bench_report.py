"""Benchmark: ``ecometrics report`` on the demo database, against ``export`` of the same tables.

Builds the small demo (two simulated nights, as the test suite does) unless ``--db``
names a database, then times, in the same process and on the same store:

- the baseline: every export table built and written as CSV, Parquet and JSON (what
  ``ecometrics export KIND --out FILE`` does for each, and what the site's ``data/`` holds);
- the report: the same tables, plus every page and SVG chart of the site.

Prints wall and CPU seconds of both and their ratio, the site's pages, files and bytes,
the largest page, peak RSS and the load average (other work on the machine inflates the
wall times; the CPU seconds are the comparable figures). Limit: the report of the small
demo within 60 s of CPU.

    .venv/bin/python bench/bench_report.py [--db FILE] [--models N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecometrics.analysis import export  # noqa: E402
from ecometrics.analysis.output import data_note  # noqa: E402
from ecometrics.analysis.report import DEFAULT_MODEL_PAGES, DOWNLOAD_FORMATS, write_report  # noqa: E402
from ecometrics.collector.store import Store  # noqa: E402

LIMIT_CPU_SECONDS = 60.0


def timed(work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def export_all(store: Store, out: Path) -> int:
    """The baseline: each export table built and written in each download format; files written."""
    note, written = data_note(store), 0
    for kind in sorted(export.TABLES):
        frame = export.build_table(store, kind)
        for fmt in DOWNLOAD_FORMATS:
            export.write_table(frame, fmt, out / f"{kind}.{fmt}", kind=kind, note=note)
            written += 1
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing database (default: build the small demo, ~1 min)")
    parser.add_argument("--models", type=int, default=DEFAULT_MODEL_PAGES, help="model pages (default %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.db:
            db = Path(args.db)
        else:
            from ecometrics.jobs.demo import run_demo

            _, seconds, _ = timed(lambda: run_demo(tmp / "demo", scale="small", days=2, echo=lambda *_: None))
            db = tmp / "demo" / "ecometrics.db"
            print(f"demo database built in {seconds:.1f}s")
        (tmp / "exports").mkdir()
        with Store(db, readonly=True) as store:
            files, export_wall, export_cpu = timed(lambda: export_all(store, tmp / "exports"))
            site, report_wall, report_cpu = timed(lambda: write_report(store, tmp / "site", model_pages=args.models))
        pages = sorted((tmp / "site").rglob("*.html"), key=lambda p: p.stat().st_size)
        charts = list((tmp / "site").rglob("*.svg"))
        print(f"export of {len(export.TABLES)} tables ({files} files): {export_wall:.1f}s wall, {export_cpu:.1f}s CPU")
        print(
            f"report: {report_wall:.1f}s wall, {report_cpu:.1f}s CPU "
            f"({report_cpu / export_cpu:.1f}x the export's CPU; limit {LIMIT_CPU_SECONDS:.0f}s CPU: "
            f"{'within' if report_cpu <= LIMIT_CPU_SECONDS else 'OVER'})"
        )
        print(
            f"site: {site.pages} pages, {len(charts)} SVG charts, {site.files} files, {site.bytes / 1e6:.1f} MB "
            f"(pages {sum(p.stat().st_size for p in pages) / 1e6:.1f} MB, largest {pages[-1].relative_to(tmp / 'site')} "
            f"{pages[-1].stat().st_size / 1e6:.2f} MB)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS {peak:.0f} MB; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
