"""The options of ``ecometrics fakehub serve`` and the environment that points ecometrics at a
fakehub, in a module light enough for the CLI to import."""

from __future__ import annotations

import argparse
import os
import shlex
import time
import urllib.error
import urllib.request

# fakehub's budgets are per token, so a client with a token gets the authenticated budgets
# (5,000 GitHub requests an hour, 1,000 Hub requests a window) rather than the anonymous 60.
# No real token is involved: fakehub accepts any token not beginning with "invalid".
FAKEHUB_TOKEN = "fakehub-token"
DEMO_HF_WINDOW_SECONDS = 10.0  # the Hub's 1,000 requests, but a spent budget costs seconds, not 5 minutes
DEMO_SECONDARY_WINDOW_SECONDS = 1.0  # GitHub's secondary-limit points, over a second rather than a minute


def client_environment(url: str) -> dict[str, str]:
    """The environment that points ecometrics' three clients at the fakehub at ``url``, tokens included."""
    return {
        "GITHUB_API_URL": url,
        "HF_ENDPOINT": url,
        "MODELSCOPE_ENDPOINT": url,
        "GITHUB_TOKEN": FAKEHUB_TOKEN,
        "HF_TOKEN": FAKEHUB_TOKEN,
        "MODELSCOPE_API_TOKEN": FAKEHUB_TOKEN,
    }


def export_line(url: str) -> str:
    """``export NAME=VALUE ...`` of :func:`client_environment`, for a POSIX shell's ``eval``."""
    return "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in client_environment(url).items())


def wait_until_serving(url: str, *, seconds: float) -> bool:
    """Whether a fakehub answers ``url/_fakehub/stats`` within ``seconds`` (it builds its
    world before it listens, so a shell that starts it in the background asks first)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_fakehub/stats", timeout=5):
                return True
        except (urllib.error.URLError, OSError):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


def port(text: str) -> int:
    """A TCP port, 0 to 65535 (0: the system picks a free one); else refused as the argument it is."""
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is no port; pass 1 to 65535 (serve: 0 picks a free one)")
    return value


def seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value < float("inf"):  # also nan
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more seconds")
    return value


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=port, default=0, help="0 picks a free port")
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
    parser.add_argument(
        "--collaborator-of",
        default=os.environ.get("FAKEHUB_COLLABORATOR_OF", ""),
        metavar="REPOS",
        help=(
            "comma-separated owner/name of the repositories whose stargazer lists the token may read "
            "(owner/* for all of an owner's), or '*' for all (default $FAKEHUB_COLLABORATOR_OF, else none: GitHub lists a repository's "
            "stargazers only to its admins and collaborators since July 2026)"
        ),
    )
    parser.add_argument(
        "--stargazer-refusal",
        choices=("forbidden", "empty"),
        default="forbidden",
        help="how a refused stargazer list answers: 403 / GraphQL FORBIDDEN (default) or an empty page",
    )
    parser.add_argument(
        "--demo-windows",
        action="store_true",
        help=(
            f"the real budgets over short windows, as the demo serves them: the Hub's 1,000 requests per "
            f"{DEMO_HF_WINDOW_SECONDS:g} s instead of 300 s, GitHub's secondary limits per "
            f"{DEMO_SECONDARY_WINDOW_SECONDS:g} s instead of 60 s (a first run then waits seconds, not minutes)"
        ),
    )


def add_env_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="the address fakehub listens on (default 127.0.0.1)")
    parser.add_argument("--port", type=port, required=True, help="the port fakehub serve listens on")
    parser.add_argument(
        "--wait", type=seconds, default=60.0, help="seconds to wait for that fakehub to answer (default 60)"
    )
