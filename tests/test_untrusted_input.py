"""Untrusted input never poisons the store: configs, the environment, databases a reader opens,
the demo's folder, the report's destination and the text that goes into exports.

Each case runs the command line (in-process through ``jobs.cli.main``, or as a process where
a signal or the machine is involved) on a copy of the small database of test_robustness and
checks the exit code, one line of error, no traceback, and every table's content hash.
"""

from __future__ import annotations

import socket

import pytest
import test_robustness
from test_robustness import CONFIG, error_lines, fingerprint

from jobs.cli import main

# test_robustness's fixtures: its small database holding every kind of row, and a copy in a working folder.
template, workdir = test_robustness.template, test_robustness.workdir


def cli(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exit:  # argparse refuses arguments by exiting
        return int(exit.code or 0)


def assert_refused(capsys, returned: int, code: int, *fragments: str) -> str:
    """``returned`` is ``code`` and standard error holds one error line with every fragment, no traceback."""
    captured = capsys.readouterr()
    assert returned == code, captured.err
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    lines = error_lines(captured.err)
    assert len(lines) == 1, captured.err
    for fragment in fragments:
        assert fragment in lines[0], captured.err
    return lines[0]


# -- 9. the config file ------------------------------------------------------------------------

DEEP = "[" * 5000 + "]" * 5000
CONFIGS = [
    ("5k-deep array", f"[github]\norgs = {DEEP}\n", "nests arrays or tables too deeply"),
    ("5k-deep unknown key", f"[github]\nx = {DEEP}\n", "nests arrays or tables too deeply"),
    ("cron that never fires", "[schedule]\ncollect = '0 0 31 2 *'\n", "schedule.collect '0 0 31 2 *' never fires"),
    ("repo with a newline", '[github]\nrepos = ["o/r\\n"]\n', "github.repos[0] 'o/r\\n' is not OWNER/NAME"),
    ("org with a newline", '[github]\norgs = ["o\\n"]\n', "github.orgs[0] 'o\\n' is not a GitHub owner name"),
    ("model with a newline", '[huggingface]\nmodels = ["o/m\\n"]\n', "huggingface.models[0] 'o/m\\n'"),
    ("date then markup", "[github]\nactivity_since = '2025-01-01<script>'\n", "'2025-01-01<script>' is not a date"),
    ("NaN weight", "[activity]\nweights = {pushes = nan}\n", "activity.weights.pushes must be 0 or more"),
    ("inf weight", "[activity]\nweights = {pushes = inf}\n", "activity.weights.pushes must be 0 or more"),
    ("inf wait", "[github]\nmax_rate_wait = inf\n", "github.max_rate_wait must be 0 or more seconds"),
    ("family A+B", "[families.'A+B']\nauthors = ['a']\n", "[families.A+B] is not a family name"),
    ("family origin X+Y", "[families.A]\norigin = 'X+Y'\n", "families.A.origin 'X+Y' is not an origin"),
    ("family author list", "[families.A]\nauthors = ['a/b']\n", "families.A.authors[0] 'a/b' is not an owner name"),
]


@pytest.mark.parametrize("text, message", [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_a_config_a_stranger_wrote_is_refused_in_one_line(workdir, capsys, text, message):
    (workdir / "bad.toml").write_text(text)
    before = fingerprint(workdir / "ecometrics.db")
    line = assert_refused(capsys, cli(["--config", "bad.toml", "status"]), 2, "bad.toml: ", message)
    assert len(line) < 400
    assert fingerprint(workdir / "ecometrics.db") == before


# -- 9. the environment: tokens and endpoints ----------------------------------------------------


@pytest.fixture
def closed_port():
    """An address where nothing listens: a client that got that far fails at once, in other words."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{probe.getsockname()[1]}"


ENVIRONMENTS = [
    ("github", {"GITHUB_TOKEN": "ghp_abc\nX-Injected: 1"}, "GITHUB_TOKEN"),
    ("github", {"GITHUB_TOKEN": "ghp_\u0436\u0436"}, "GITHUB_TOKEN"),
    ("github", {"GITHUB_API_URL": "javascript:alert(1)"}, "GITHUB_API_URL"),
    ("hf", {"HF_TOKEN": "hf_abc\r\n"}, "HF_TOKEN"),
    ("hf", {"HF_TOKEN": "hf_\u2603"}, "HF_TOKEN"),
    ("hf", {"HF_ENDPOINT": "file:///etc/passwd"}, "HF_ENDPOINT"),
    ("modelscope", {"MODELSCOPE_ENDPOINT": "javascript:"}, "MODELSCOPE_ENDPOINT"),
    ("modelscope", {"MODELSCOPE_API_TOKEN": "ms\n"}, "MODELSCOPE_API_TOKEN"),
]
SOURCES_CONFIG = (
    CONFIG + '[huggingface]\nauthors = []\nmodels = ["org/base"]\n[modelscope]\nmodels = ["Qwen/Qwen3-8B"]\n'
)


@pytest.mark.parametrize(
    "source, environment, variable",
    ENVIRONMENTS,
    ids=[f"{s}-{next(iter(e))}-{i}" for i, (s, e, _) in enumerate(ENVIRONMENTS)],
)
def test_a_bad_token_or_endpoint_is_refused_at_once_naming_the_variable(
    workdir,
    capsys,
    monkeypatch,
    closed_port,
    source,
    environment,
    variable,
):
    (workdir / "ecometrics.toml").write_text(SOURCES_CONFIG)
    for name in ("GITHUB_API_URL", "HF_ENDPOINT", "MODELSCOPE_ENDPOINT"):  # anything let through fails fast
        monkeypatch.setenv(name, closed_port)
    for name in ("GITHUB_TOKEN", "HF_TOKEN", "MODELSCOPE_API_TOKEN"):
        monkeypatch.setenv(name, "t")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    before = fingerprint(workdir / "ecometrics.db")
    returned = cli(["collect", source])
    line = assert_refused(capsys, returned, 2, variable)
    assert "cannot reach" not in line and "\n" not in line
    assert environment[variable] not in line or variable.endswith(("URL", "ENDPOINT"))  # a token is never shown
    assert fingerprint(workdir / "ecometrics.db") == before  # refused before the run is recorded
