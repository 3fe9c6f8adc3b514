"""The options of ``ecometrics fakehub serve``, in a module light enough for the CLI to import."""

from __future__ import annotations

import argparse


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed: the same seed serves the same data (default 0)"
    )
    parser.add_argument(
        "--scale", choices=("small", "medium", "large"), default="small", help="ecosystem size (default small)"
    )
    parser.add_argument(
        "--faults", default=None, help='e.g. "429:0.05,5xx:0.02,timeout:0.01,truncate:0.01,secondary:0.01"'
    )
    parser.add_argument("--snapshot", default=None, help="serve this JSON snapshot instead")
