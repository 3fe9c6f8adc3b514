"""ecometrics: the project's packages under one import name.

``ecometrics.core``, ``ecometrics.collector``, ``ecometrics.analysis``, ``ecometrics.jobs`` and
``ecometrics.fakehub`` are the folders ``core/``, ``collector/``, ``analysis/``, ``jobs/`` and
``fakehub/`` at the top of the source tree. An installed wheel holds them here, under
``ecometrics/`` (pyproject.toml's ``package-dir``); in a source tree this folder holds a link to
each of them, so a checkout on ``sys.path`` (``PYTHONPATH=$PWD``, ``python -m pytest``, mypy)
imports the same modules under the same names without an install.
"""
