"""Global-optimum oracles: the true infimum, so that "sub-optimal" is judged against it.

Each family states its own optimum, as :meth:`~landscape.landscapes.base.Landscape.optimum` of
its class (the deep linear network's reduced-rank regression is
:meth:`~landscape.landscapes.deep_linear.DeepLinear.optimum`); :func:`optimum_of` asks for it.
"""

from __future__ import annotations

from landscape.landscapes.base import Landscape, Optimum

__all__ = ["Optimum", "optimum_of"]


def optimum_of(landscape: Landscape) -> Optimum | None:
    """The global optimum of ``landscape`` if its family has an oracle, else ``None``."""
    return landscape.optimum()
