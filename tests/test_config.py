"""Configuration: the default file loads; malformed ones fail with one line naming the key."""

import subprocess
import sys

import pytest

from ecometrics.core.config import ConfigError, default_config_text, load_config


def write(tmp_path, text):
    path = tmp_path / "ecometrics.toml"
    path.write_text(text)
    return path


def test_the_default_config_loads_with_the_ecosystem(tmp_path):
    config = load_config(write(tmp_path, default_config_text()))
    assert "QwenLM" in config.github.orgs
    assert "vllm-project/vllm" in config.github.repos
    assert "Qwen" in config.huggingface.authors
    assert config.huggingface.derivative_depth == 3
    assert config.schedule.collect == "0 2 * * *"
    assert config.resolve(config.storage.db) == tmp_path / "ecometrics.db"


def test_families_overrides_are_typed(tmp_path):
    config = load_config(write(tmp_path, '[families.Qwen]\nauthors = ["Qwen"]\norigin = "CN"\n'))
    assert config.families["Qwen"].authors == ["Qwen"]
    assert config.families["Qwen"].origin == "CN"


MALFORMED = [
    ("[github]\nrepo = ['a/b']\n", "unknown key github.repo"),
    ("[githb]\norgs = []\n", "unknown section [githb]"),
    ("[github]\norgs = 'QwenLM'\n", "github.orgs must be a list of strs, not a string"),
    ("[github]\nrepos = ['vllm']\n", "github.repos[0] 'vllm' is not OWNER/NAME"),
    ("[github]\nstar_history = 'yes'\n", "github.star_history must be true or false"),
    ("[huggingface]\nderivative_depth = -1\n", "huggingface.derivative_depth must be between 0 and 50, not -1"),
    (
        "[huggingface]\nderivative_depth = 99999999999999999999\n",
        "huggingface.derivative_depth must be between 0 and 50",
    ),
    ("[huggingface]\nhub_models = 0\n", "huggingface.hub_models must be at least 1"),
    ("[huggingface]\nmax_rate_wait = -1\n", "huggingface.max_rate_wait must be 0 or more seconds"),
    ("[github]\nprofiles_per_run = -1\n", "github.profiles_per_run must be 0 or more profiles a run"),
    ("[huggingface]\nderivative_depth = 2.5\n", "huggingface.derivative_depth must be an integer"),
    ("[huggingface]\nmodels = ['Mistral-7B']\n", "huggingface.models[0] 'Mistral-7B' is not AUTHOR/NAME"),
    ("[schedule]\ncollect = '0 2 * *'\n", "schedule.collect '0 2 * *' is not a 5-field cron"),
    ("[schedule]\nanalyze = '61 * * * *'\n", "schedule.analyze '61 * * * *' is not a 5-field cron"),
    ("[export]\nformats = ['xlsx']\n", "export.formats[0] 'xlsx' is not one of"),
    ("[github\norgs = []\n", "not valid TOML"),
    ("[families.Qwen]\ncountry = 'CN'\n", "unknown key families.Qwen.country"),
    ("[activity]\nweights = {push = 14.0}\n", "unknown key activity.weights.push; expected one of issues_opened"),
    ("[activity]\nweights = {pushes = 'high'}\n", "activity.weights.pushes must be a number"),
]


@pytest.mark.parametrize("text, message", MALFORMED)
def test_malformed_config_is_rejected_naming_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_prints_one_line_and_exits_2_without_traceback(tmp_path):
    path = write(tmp_path, "[huggingface]\nderivative_depth = -3\n")
    result = subprocess.run(
        [sys.executable, "-m", "ecometrics.jobs.cli", "--config", str(path), "status"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "derivative_depth" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "ecometrics.db").exists()


def test_github_bots_is_a_deprecated_alias_merged_into_activity_bots(tmp_path, caplog):
    text = '[github]\nbots = ["CI-Runner", "helper"]\n\n[activity]\nbots = ["ci-runner", "release-bot"]\n'
    config = load_config(write(tmp_path, text))
    assert config.activity.bots == ["ci-runner", "release-bot", "helper"]
    assert config.github.bots == config.activity.bots  # the collectors' is_bot hint follows the same list
    assert "github.bots is deprecated" in caplog.text
    assert load_config(write(tmp_path, '[activity]\nbots = ["x"]\n')).github.bots == ["x"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("[github]\nrepos = ['a/..']\n", "github.repos[0] 'a/..' is not OWNER/NAME"),
        ("[github]\nrepos = ['a/.']\n", "github.repos[0] 'a/.' is not OWNER/NAME"),
        ("[huggingface]\nmodels = ['org/name..v2']\n", "huggingface.models[0] 'org/name..v2' is not AUTHOR/NAME"),
        ("[huggingface]\nmodels = ['org/name-']\n", "huggingface.models[0] 'org/name-' is not AUTHOR/NAME"),
    ],
)
def test_names_github_and_the_hub_refuse_are_refused(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("[", r"\[").replace("]", r"\]")):
        load_config(write(tmp_path, text))


def test_a_config_path_that_is_a_folder_is_a_one_line_error(tmp_path):
    (tmp_path / "conf").mkdir()
    with pytest.raises(ConfigError, match=r"conf: cannot read the config file \(Is a directory\)"):
        load_config(tmp_path / "conf")
