"""The ``ecometrics`` command line: a thin layer over the documented Python API.

Each subcommand is a ``cmd_*`` function that loads the config, opens the store and calls
one function of collector/, analysis/ or jobs/. Bad input (:class:`InputError`) is
printed as one line and exits 2; nothing stored is lost.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from collector.errors import InputError
from collector.store import Store
from jobs.config import DEFAULT_CONFIG_PATH, DEFAULT_DB_PATH, Config, default_config_text
from jobs.config import load_config as _load_config_file

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_LOCKED = 0, 1, 2, 3, 75

log = logging.getLogger("ecometrics")


# -- shared plumbing ------------------------------------------------------------------


def config_path(args: argparse.Namespace) -> Path:
    return Path(args.config or os.environ.get("ECOMETRICS_CONFIG") or DEFAULT_CONFIG_PATH)


def load_config(args: argparse.Namespace, *, missing_ok: bool = True) -> Config:
    """The config named by --config / ECOMETRICS_CONFIG; defaults when the default file is absent."""
    explicit = bool(args.config or os.environ.get("ECOMETRICS_CONFIG"))
    return _load_config_file(config_path(args), missing_ok=missing_ok and not explicit)


def db_path(args: argparse.Namespace, config: Config | None = None) -> Path:
    """--db, then ECOMETRICS_DB, then [storage].db (relative to the config), then ./ecometrics.db."""
    if args.db:
        return Path(args.db)
    if os.environ.get("ECOMETRICS_DB"):
        return Path(os.environ["ECOMETRICS_DB"])
    config = config or load_config(args)
    if config.path is not None:
        return config.resolve(config.storage.db)
    return Path(config.storage.db or DEFAULT_DB_PATH)


def open_store(args: argparse.Namespace, config: Config | None = None) -> Store:
    return Store(db_path(args, config))


# -- commands -------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    path = config_path(args)
    if path.exists() and not args.force:
        raise InputError(f"{path}: already exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(default_config_text(), encoding="utf-8")
    config = _load_config_file(path)  # what we wrote must load
    with open_store(args, config) as store:
        print(f"wrote {path}")
        print(f"database {store.path} (schema version {store.version})")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from jobs.status import render_status

    config = load_config(args)
    with open_store(args, config) as store:
        print(render_status(store, config))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from analysis.export import build_table, write_table

    config = load_config(args)
    with open_store(args, config) as store:
        options = {"month": args.month} if args.month else {}
        frame = build_table(store, args.kind, top=args.top, **options)
    if args.out in (None, "-"):
        if args.format in ("csv", "md", "json"):
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                path = write_table(frame, args.format, Path(tmp) / f"{args.kind}.{args.format}")
                sys.stdout.write(path.read_text(encoding="utf-8"))
            return EXIT_OK
        raise InputError(f"--format {args.format} is binary; pass --out FILE")
    path = write_table(frame, args.format, args.out)
    print(f"wrote {len(frame)} rows to {path}", file=sys.stderr)
    return EXIT_OK


# -- the parser -----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecometrics",
        description="Open-source AI ecosystem metrics: collect, analyze, export.",
    )
    parser.add_argument("--config", help=f"config file (default ./{DEFAULT_CONFIG_PATH}, env ECOMETRICS_CONFIG)")
    parser.add_argument("--db", help=f"database file (default from config, else ./{DEFAULT_DB_PATH}, env ECOMETRICS_DB)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = sub.add_parser("init", help="write the default config and create the database")
    init.add_argument("--force", action="store_true", help="overwrite an existing config file")
    init.set_defaults(handler=cmd_init)

    status = sub.add_parser("status", help="schema version, row counts, last runs, freshness")
    status.set_defaults(handler=cmd_status)

    export = sub.add_parser("export", help="write a ranking table")
    export.add_argument("kind", help="repos, developers, models, families, lineage, ...")
    export.add_argument("--format", default="csv", help="csv, parquet, json or md (lineage: graphml, gexf, json)")
    export.add_argument("--out", help="output file (default: standard output)")
    export.add_argument("--top", type=int, help="only the first N rows")
    export.add_argument("--month", help="YYYY-MM (OpenRank and activity columns)")
    export.set_defaults(handler=cmd_export)

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.handler(args) or EXIT_OK
    except InputError as exc:
        print(f"ecometrics: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("ecometrics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
