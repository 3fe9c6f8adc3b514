"""Shared pytest fixtures."""

import pytest

from ecometrics.fakehub import FakeHub
from ecometrics.jobs.demo import run_demo


@pytest.fixture
def fakehub():
    """A running small-scale fakehub (seed 0) on loopback; ``fakehub.url`` is its base URL."""
    with FakeHub(collaborator_of="*", seed=0, scale="small") as hub:
        yield hub


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A database (and its exports beside it) built by the demo pipeline: two simulated nights."""
    return run_demo(tmp_path_factory.mktemp("demo"), scale="small", days=2, echo=lambda *_: None)
