"""Instances of deep linear networks with a convex loss of the product (Laurent-Brecht; seed 003
§1.3.2 end): the losses drawn, and the rank-one trap that a bottleneck opens.

The trap (:func:`rank_one_traps`): d_0 = d_L = n = 2, one hidden width 1, a weighted squared loss
of W X - Y with Y = diag(y_1, y_2) and heavy off-diagonal weights.  In V = W X the products are
the matrices of rank <= 1, and both diag(y_1, 0) and diag(0, y_2) are local minima over them:
near diag(y_1, 0), V = [[a, b], [c, bc/a]] and

    n l(V) = m_22 y_2^2 - 2 m_22 y_2 bc / y_1 + m_12 b^2 + m_21 c^2 + m_11 (a - y_1)^2 + O(3),

positive definite in (b, c) iff m_12 m_21 > (m_22 y_2 / y_1)^2 (symmetrically at the other), while
their values m_22 y_2^2 and m_11 y_1^2 differ: the larger is a bad local minimum of the product,
and of the network (the product map is a submersion onto the rank-1 matrices where its factors
are non-zero).  The optimum is the closed form of
:func:`~landscape.landscapes.convex_linear.rank_one_optimum`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from landscape.generators.data import Dataset, datasets
from landscape.landscapes.convex_linear import ConvexLossLinear
from landscape.landscapes.residual_losses import ResidualLoss
from landscape.oracles.critical import random_invertible

WEIGHT_RANGE = (0.25, 4.0)  # entrywise weights, log-uniform: far from the identity weighting
DELTAS = (0.3, 1.0, 3.0)  # pseudo-Huber and log-cosh scales: residuals at the origin are ~1-3, so all three regimes show
# The trap's off-diagonal weights exceed both local-minimum thresholds and m_11 m_22 by this factor.
TRAP_MARGINS = (2.0, 4.0)
TRAP_VALUE_RATIOS = (1.3, 2.0)  # the bad minimum's value over the global one's


@dataclass(frozen=True, slots=True)
class ConvexLossInstance:
    """A deep linear network, its data and a convex residual loss."""

    widths: tuple[int, ...]
    x: np.ndarray
    y: np.ndarray
    loss: ResidualLoss
    origin: str  # how the data were made (the dataset's repr, or the trap's parameters)

    def landscape(self) -> ConvexLossLinear:
        return ConvexLossLinear(self.widths, self.x, self.y, self.loss)

    def special_points(self, landscape: ConvexLossLinear, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
        """The origin and a factorisation of the optimal product (where the family knows it)."""
        points = [("origin", np.zeros(landscape.n_params))]
        optimum = landscape.optimum()
        if optimum is not None and optimum.point is not None:
            points.append(("optimal product, balanced factors", optimum.point))
        return points

    def __repr__(self) -> str:
        return f"ConvexLossInstance(widths={self.widths}, loss={self.loss.describe()}, {self.origin})"


def residual_losses(d_last: int, n: int) -> st.SearchStrategy[ResidualLoss]:
    """Weighted squares (log-uniform weights in :data:`WEIGHT_RANGE`), or pseudo-Huber or log-cosh
    (delta in :data:`DELTAS`)."""
    low, high = np.log(WEIGHT_RANGE[0]), np.log(WEIGHT_RANGE[1])
    weighted = st.integers(0, 2**16).map(
        lambda seed: ResidualLoss("weighted", weights=np.exp(np.random.default_rng(seed).uniform(low, high, (d_last, n)))))
    smooth = st.tuples(st.sampled_from(("pseudo-huber", "log-cosh")), st.sampled_from(DELTAS))
    return st.one_of(weighted, smooth.map(lambda pair: ResidualLoss(pair[0], delta=pair[1])))


def convex_loss_instances(shapes: st.SearchStrategy[tuple[int, ...]]) -> st.SearchStrategy[ConvexLossInstance]:
    """The architectures of ``shapes`` with planted-spectrum data (X of full row rank) and a drawn loss."""

    def build(widths: tuple[int, ...]) -> st.SearchStrategy[ConvexLossInstance]:
        return datasets(widths[0], widths[-1]).flatmap(
            lambda data: residual_losses(widths[-1], data.x.shape[1]).map(lambda loss: _instance(widths, data, loss)))

    return shapes.flatmap(build)


def _instance(widths: tuple[int, ...], data: Dataset, loss: ResidualLoss) -> ConvexLossInstance:
    return ConvexLossInstance(widths, data.x, data.y, loss, repr(data))


@st.composite
def rank_one_traps(draw: st.DrawFn) -> ConvexLossInstance:
    """The trap of the module docstring, behind the widths (2, 1, 2), (2, 1, 1, 2) or (2, 2, 1, 2)."""
    widths = draw(st.sampled_from([(2, 1, 2), (2, 1, 1, 2), (2, 2, 1, 2)]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    m11, m22 = rng.uniform(0.5, 2.0, 2)
    y1 = rng.uniform(1.0, 2.0)
    ratio = rng.uniform(*TRAP_VALUE_RATIOS)  # m_22 y_2^2 = ratio x m_11 y_1^2 (or the other way)
    y2 = float(np.sqrt(ratio * m11 * y1**2 / m22))
    if rng.random() < 0.5:
        y1, y2, m11, m22 = y2, y1, m22, m11
    threshold = max(m11 * m22, (m22 * y2 / y1) ** 2, (m11 * y1 / y2) ** 2)
    off = float(np.sqrt(rng.uniform(*TRAP_MARGINS) * threshold))
    weights = np.array([[m11, off], [off, m22]])
    x = random_invertible(2, rng)
    loss = ResidualLoss("weighted", weights=weights)
    return ConvexLossInstance(widths, x, np.diag([y1, y2]), loss, f"rank-one trap, seed {seed}")
