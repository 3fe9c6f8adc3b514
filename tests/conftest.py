"""Shared pytest fixtures."""

import pytest

from fakehub import FakeHub


@pytest.fixture
def fakehub():
    """A running small-scale fakehub (seed 0) on loopback; ``fakehub.url`` is its base URL."""
    with FakeHub(seed=0, scale="small") as hub:
        yield hub
