"""Tokens are sent to the APIs and nowhere else: not the database, logs or exports."""

import os
import subprocess
import sys

from ecometrics.fakehub import FakeHub

GITHUB_SECRET = "ghp_SENTINEL0github0token0must0not0leak"
HF_SECRET = "hf_SENTINEL0hub0token0must0not0leak"

CONFIG = """
[github]
repos = ["QwenLM/Qwen3", "MoonshotAI/Kimi-VL"]
stats_wait = 0.5

[huggingface]
models = ["mistralai/Mistral-7B-v0.1", "meta-llama/Llama-3.1-8B"]
derivative_depth = 1

[export]
formats = ["csv", "parquet", "json", "md"]
"""


def test_a_verbose_nightly_run_writes_its_tokens_nowhere(tmp_path):
    (tmp_path / "ecometrics.toml").write_text(CONFIG)
    with FakeHub(collaborator_of="*", seed=5, scale="small", faults="429:0.05,5xx:0.05") as hub:
        env = {
            **os.environ,
            "GITHUB_API_URL": hub.url,
            "HF_ENDPOINT": hub.url,
            "GITHUB_TOKEN": GITHUB_SECRET,
            "HF_TOKEN": HF_SECRET,
        }
        run = subprocess.run(
            [sys.executable, "-m", "ecometrics.jobs.cli", "--verbose", "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        status = subprocess.run(
            [sys.executable, "-m", "ecometrics.jobs.cli", "status"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        served = hub.stats()["requests"]
    assert run.returncode == 0, run.stderr
    assert served > 0 and "DEBUG" in run.stderr  # it really talked to the APIs, verbosely

    written = {"run output": (run.stdout + run.stderr).encode(), "status": status.stdout.encode()}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            written[str(path.relative_to(tmp_path))] = path.read_bytes()
    assert any(name.startswith("ecometrics.db") for name in written)
    assert any(name.startswith("exports/") for name in written)
    for name, content in written.items():
        for secret in (GITHUB_SECRET, HF_SECRET):
            assert secret.encode() not in content, f"{secret[:6]}... leaked into {name}"
