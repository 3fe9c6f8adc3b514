"""The command line over real files: init, status, global options, no tokens in output."""

import os
import subprocess
import sys

import pytest


def ecometrics(*args, cwd, env=None, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "ecometrics.jobs.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_init_writes_config_and_database_and_refuses_to_overwrite(tmp_path):
    ecometrics("init", cwd=tmp_path)
    config = (tmp_path / "ecometrics.toml").read_text()
    assert "QwenLM" in config and "deepseek-ai" in config and "meta-llama" in config
    assert (tmp_path / "ecometrics.db").exists()

    (tmp_path / "ecometrics.toml").write_text(config + "# edited by hand\n")
    again = ecometrics("init", cwd=tmp_path, check=False)
    assert again.returncode == 2 and "--force" in again.stderr
    assert (tmp_path / "ecometrics.toml").read_text().endswith("# edited by hand\n")

    ecometrics("init", "--force", cwd=tmp_path)
    assert not (tmp_path / "ecometrics.toml").read_text().endswith("# edited by hand\n")


def test_global_options_and_environment_choose_files(tmp_path):
    ecometrics("--config", "conf/e.toml", "--db", "data.db", "init", cwd=tmp_path)
    assert (tmp_path / "conf/e.toml").exists() and (tmp_path / "data.db").exists()
    env = {"ECOMETRICS_CONFIG": "conf/e.toml", "ECOMETRICS_DB": "env.db"}
    missing = ecometrics("status", cwd=tmp_path, env=env, check=False)  # a reader creates nothing
    assert missing.returncode == 2 and "env.db: no such database" in missing.stderr
    assert not (tmp_path / "env.db").exists()
    ecometrics("init", "--force", cwd=tmp_path, env=env)
    status = ecometrics("status", cwd=tmp_path, env=env)
    assert "env.db" in status.stdout


@pytest.mark.parametrize("args", [["analyze"], ["analyze", "openrank", "--from", "2025-01"], ["migrate"]])
def test_a_command_that_only_recomputes_refuses_a_missing_database_and_creates_none(tmp_path, args):
    # run in the wrong folder or with a mistyped --db, it would otherwise "succeed" on a new, empty file
    result = ecometrics("--db", "typo.db", *args, cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("ecometrics: typo.db: no such database; check --db"), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["import", "edges", "nope.csv"], "nope.csv: cannot read the edge list"),
        (["import", "labels", "nodir"], "nodir: not a folder"),
        (["import", "gharchive", "2024-01-15-1.json.gz"], "2024-01-15-1.json.gz: no such GH Archive file"),
        (["import", "gharchive", "nope.json.gz", "--engine", "chdb"], "nope.json.gz: no such GH Archive file"),
    ],
)
def test_an_import_of_a_missing_input_creates_no_database(tmp_path, args, message):
    # the input is read before the database is opened: a typo leaves no empty ecometrics.db behind
    result = ecometrics(*args, cwd=tmp_path, check=False)
    assert result.returncode == 2 and result.stderr.startswith(f"ecometrics: {message}"), result.stderr
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "source, section",
    [("github", "[github] orgs or repos"), ("hf", "[huggingface] authors or models"), ("all", "[github] orgs")],
)
def test_a_collect_with_nothing_to_collect_says_so_instead_of_a_silent_success(tmp_path, source, section):
    # no config file: the defaults track nothing, unlike the file 'ecometrics init' writes
    result = ecometrics("collect", source, cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ecometrics: collect {source}: nothing to collect"), result.stderr
    assert section in result.stderr and "ecometrics init" in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert sorted(tmp_path.iterdir()) == []


def test_status_shows_schema_counts_and_never_a_token(tmp_path):
    ecometrics("init", cwd=tmp_path)
    secrets = {"GITHUB_TOKEN": "ghp_FAKE0123456789abcdef", "HF_TOKEN": "hf_FAKEabcdef0123456789"}
    status = ecometrics("status", cwd=tmp_path, env=secrets)
    assert "schema version" in status.stdout and "stargazers" in status.stdout
    assert "GITHUB_TOKEN  set" in status.stdout
    for secret in secrets.values():
        assert secret not in status.stdout and secret not in status.stderr


def test_missing_explicit_config_is_a_one_line_error(tmp_path):
    result = ecometrics("--config", "nope.toml", "status", cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "ecometrics: nope.toml: no such config file; run 'ecometrics init' or pass --config"


@pytest.mark.parametrize("kind", ["nonsense"])
def test_unknown_export_kind_names_the_choices(tmp_path, kind):
    result = ecometrics("export", kind, cwd=tmp_path, check=False)
    assert result.returncode == 2 and kind in result.stderr
    assert "repos" in result.stderr and "growth" in result.stderr


BAD_INPUT = [
    (["export", "repos", "--top", "-3"], "argument --top: -3 must be 1 or more", None),
    (["export", "repos", "--month", "2025-13"], "'2025-13' is not YYYY-MM", None),
    (["export", "growth", "--month", "2025-07"], "export growth has no --month; monthly tables are", None),
    (["export", "repos", "--format", "xlsx"], "export format 'xlsx' is unknown", None),
    (["export", "repos", "--out", "{tmp}"], "cannot write", None),
    (["export", "repos", "--out", "{tmp}/missing/repos.csv"], "folder {tmp}/missing does not exist", "missing"),
    (["analyze", "openrank", "--from", "2025-99"], "'2025-99' is not YYYY-MM", None),
    (["schedule", "--every", "-1"], "argument --every: -1 must be more than 0 seconds", None),
    (["demo", "--days", "0"], "argument --days: 0 must be 1 or more", None),
]


@pytest.mark.parametrize(
    "args, message, not_created", BAD_INPUT, ids=lambda v: " ".join(v) if isinstance(v, list) else None
)
def test_bad_arguments_exit_2_naming_the_input_and_change_nothing(tmp_path, args, message, not_created):
    ecometrics("init", cwd=tmp_path)
    before = (tmp_path / "ecometrics.db").read_bytes()
    result = ecometrics(*(a.format(tmp=tmp_path) for a in args), cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert message.format(tmp=tmp_path) in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "ecometrics.db").read_bytes() == before
    if not_created:
        assert not (tmp_path / not_created).exists()


@pytest.mark.parametrize("source, phase", [("github", "github pages"), ("hf", "hf tracked models")])
def test_without_a_terminal_a_collect_logs_its_course_and_quiet_silences_it(tmp_path, source, phase):
    """Cron mail shows a pass's course: a line when it starts and one when it ends, not silence."""
    import re

    from ecometrics.fakehub import FakeHub

    config = tmp_path / "ecometrics.toml"
    config.write_text(
        '[github]\nrepos = ["MoonshotAI/Kimi-VL"]\ncontributors = false\n'
        '[huggingface]\nmodels = ["Qwen/Qwen3-8B"]\nderivative_depth = 1\n'
    )
    runs = {}
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub:
        env = {**os.environ, "GITHUB_API_URL": hub.url, "GITHUB_TOKEN": "cli-token", "HF_ENDPOINT": hub.url}
        env.pop("HF_TOKEN", None)
        for name, quiet in (("loud", []), ("quiet", ["--quiet"])):
            command = ["--config", str(config), "--db", str(tmp_path / f"{name}.db"), "collect", source, *quiet]
            runs[name] = subprocess.run(
                [sys.executable, "-m", "ecometrics.jobs.cli", *command],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env=env,
            )
            assert runs[name].returncode == 0, runs[name].stderr
    loud, quiet = runs["loud"], runs["quiet"]
    assert f"INFO ecometrics.collector.{source}: {phase}: started" in loud.stderr, loud.stderr
    assert re.search(rf"{phase}: [\d,]+ (pages|models) in \d+s$", loud.stderr, re.MULTILINE), loud.stderr
    assert len(loud.stderr.splitlines()) < 10, loud.stderr  # the course, not a line a page
    assert phase not in quiet.stderr, quiet.stderr
    assert " INFO " not in quiet.stderr, quiet.stderr  # --quiet: "print only problems", for cron mail
    assert loud.stdout.startswith(f"collect:{source}: ") and quiet.stdout == ""


@pytest.mark.parametrize(
    "kind, command",
    [
        ("community", "ecometrics analyze community-openrank"),
        ("labels", "ecometrics import labels DIR"),
        ("developers", "ecometrics analyze openrank"),
        ("models", "ecometrics analyze lineage"),
    ],
)
def test_an_empty_export_says_which_command_fills_it(tmp_path, kind, command):
    ecometrics("init", cwd=tmp_path)
    done = ecometrics("export", kind, "--out", f"{kind}.csv", cwd=tmp_path)
    assert f"note: export {kind} has no rows; `{command}` fills it" in done.stderr
