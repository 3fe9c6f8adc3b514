"""What installing ecometrics puts into site-packages: one package, ``ecometrics``, holding the
project's packages (``ecometrics.core``, ``ecometrics.collector``, ...) and the report's assets,
and the ``ecometrics`` command. Top-level ``core``, ``jobs`` or ``analysis`` would collide with
any other distribution that ships a package so named.

The wheel is built from a copy of the source tree by the build backend pyproject.toml names
(setuptools, already in the environment: no build isolation, nothing downloaded), as
``pip wheel`` builds it, and the command is run from the unpacked wheel alone."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("analysis", "collector", "core", "fakehub", "jobs")  # the source folders, each ecometrics.<folder>
# The entry point as pip's generated script runs it, loaded from the wheel's own metadata.
RUN_COMMAND = (
    "import sys, importlib.metadata as metadata; "
    "[script] = metadata.distribution('ecometrics').entry_points.select(group='console_scripts'); "
    "print(script.name, script.value, sys.modules.get('ecometrics') is None); "
    "main = script.load(); "
    "import ecometrics; print(ecometrics.__file__); "
    "sys.argv[0] = script.name; sys.exit(main())"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built from a copy of the tree (so the build writes nothing into it)."""
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in (*PACKAGES, "ecometrics"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, source / folder, symlinks=True, ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    done = subprocess.run([*build, "-w", str(out), str(source)], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    [built] = out.glob("ecometrics-*.whl")
    return built


def test_the_wheel_installs_only_the_ecometrics_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert top_level == {"ecometrics", next(name for name in top_level if name.endswith(".dist-info"))}
    dist_info = next(name for name in top_level if name.endswith(".dist-info"))
    assert zipfile.ZipFile(wheel).read(f"{dist_info}/top_level.txt").decode().split() == ["ecometrics"]


def test_every_module_and_report_asset_is_in_the_wheel(wheel):
    """Each source folder lands whole under ecometrics/: every module, the report's templates and assets."""
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"ecometrics/{path.relative_to(ROOT).as_posix()}"
        for folder in PACKAGES
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".html", ".css", ".js"} and "__pycache__" not in path.parts
    }
    assert "ecometrics/__init__.py" in names
    assert "ecometrics/analysis/report_templates/base.html" in expected
    assert "ecometrics/analysis/report_static/report.css" in expected
    assert sorted(expected - names) == []


def test_the_console_script_runs_from_the_wheel_alone(wheel, tmp_path):
    """``ecometrics --help`` through the wheel's console_scripts entry point, with only the unpacked
    wheel (and the installed dependencies) to import from: nothing of the source tree."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", RUN_COMMAND, "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    entry, module_file, *help_text = done.stdout.splitlines()
    assert entry == "ecometrics ecometrics.jobs.cli:main True"
    assert Path(module_file).is_relative_to(site)
    assert help_text[0].startswith("usage: ecometrics ")
