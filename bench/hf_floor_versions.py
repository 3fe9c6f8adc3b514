"""The Hugging Face tests under the oldest huggingface_hub releases pyproject.toml accepts.

pyproject.toml says ``huggingface_hub>=1.2,<3``: 1.2 added ``parse_ratelimit_headers``
(collector/hf_client.py paces on it), 1.x builds its session on ``httpx`` (its METADATA:
``httpx<1,>=0.23.0``) and 2.0 on ``httpx2`` (``httpx2<3,>=2.0.0``). For each floor this script
makes a scratch virtualenv, installs that huggingface_hub release and the lowest release of its
HTTP library into it, and runs the Hub's tests (tests/test_hf_collector.py,
tests/test_fakehub_hf.py) with this checkout first on the path. The rest of the project's
dependencies are borrowed from the environment running the script (a ``.pth`` line placed after
the scratch packages), so only the Hub client and its HTTP library differ from that environment.

Not run in CI (it installs packages): run it by hand after changing the Hub client or its
version range, and read the last lines of each run.

    .venv/bin/python bench/hf_floor_versions.py [--keep] [-- extra pytest arguments]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = ("tests/test_hf_collector.py", "tests/test_fakehub_hf.py")
# (name, the packages at their floors): the oldest huggingface_hub of each major release line
# pyproject.toml accepts, with the oldest HTTP library that release accepts.
FLOORS = (
    ("huggingface_hub 1.x on httpx", ("huggingface_hub==1.2.0", "httpx==0.23.0")),
    ("huggingface_hub 2.x on httpx2", ("huggingface_hub==2.0.0", "httpx2==2.0.0")),
)
REPORT = (
    "import huggingface_hub, importlib.metadata as m; from ecometrics.collector.hf_client import session_transport as t; "
    "n = t().__name__; print(f'huggingface_hub {huggingface_hub.__version__}, session on {n} {m.version(n)}')"
)


def run_floor(name: str, packages: tuple[str, ...], scratch: Path, pytest_args: list[str]) -> int:
    venv = scratch / name.split()[1]
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages], check=True)
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # After the scratch packages on sys.path: the floors win, everything else is borrowed.
    (site / "zz_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(scratch)}
    print(f"== {name}: {' '.join(packages)}", flush=True)
    subprocess.run([str(python), "-c", REPORT], cwd=REPO, env=env, check=False)
    started = time.monotonic()
    done = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS, *pytest_args], cwd=REPO, env=env
    )
    print(f"== {name}: pytest exit {done.returncode} in {time.monotonic() - started:.0f} s", flush=True)
    return done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch virtualenvs and print where")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="hf-floors-"))
    codes = {}
    try:
        for name, packages in FLOORS:
            codes[name] = run_floor(name, packages, scratch, args.pytest_args)
    finally:
        if args.keep:
            print(f"scratch virtualenvs in {scratch}")
        else:
            subprocess.run(["rm", "-rf", str(scratch)], check=False)
    for name, code in codes.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (pytest exit {code})'}")
    return max(codes.values(), default=0)


if __name__ == "__main__":
    raise SystemExit(main())
