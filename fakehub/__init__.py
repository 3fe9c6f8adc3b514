"""fakehub: the offline GitHub + Hugging Face API double (the only API the code meets offline).

``from ecometrics.fakehub import FakeHub`` — see :mod:`ecometrics.fakehub.server` for the endpoints and knobs,
:mod:`ecometrics.fakehub.world` for the ground-truth shape, :mod:`ecometrics.fakehub.generator` and
:mod:`ecometrics.fakehub.model_forest` for what the synthetic ecosystem contains.
"""

__all__ = ["FakeHub"]


def __getattr__(name: str):
    # Lazy, so that `ecometrics --help` (which imports ecometrics.fakehub.options) stays fast.
    if name == "FakeHub":
        from ecometrics.fakehub.server import FakeHub

        return FakeHub
    raise AttributeError(name)
