"""fakehub: the offline GitHub + Hugging Face API double (SPEC section 8).

``from fakehub import FakeHub`` — see :mod:`fakehub.server` for the endpoints and knobs,
:mod:`fakehub.world` for the ground-truth shape, :mod:`fakehub.generator` and
:mod:`fakehub.model_forest` for what the synthetic ecosystem contains.
"""

from fakehub.server import FakeHub

__all__ = ["FakeHub"]
