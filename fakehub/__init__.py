"""fakehub: the offline GitHub + Hugging Face API double (the only API the code meets offline).

``from fakehub import FakeHub`` — see :mod:`fakehub.server` for the endpoints and knobs,
:mod:`fakehub.world` for the ground-truth shape, :mod:`fakehub.generator` and
:mod:`fakehub.model_forest` for what the synthetic ecosystem contains.
"""

__all__ = ["FakeHub"]


def __getattr__(name: str):
    # Lazy, so that `ecometrics --help` (which imports fakehub.options) stays fast.
    if name == "FakeHub":
        from fakehub.server import FakeHub

        return FakeHub
    raise AttributeError(name)
