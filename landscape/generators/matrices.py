r"""Strategies for matrix factorisation problems (seed 003 §1.4.1) with a planted spectrum.

Y = L diag(sigma) R^T with random orthonormal L, R and singular values sigma descending with gaps
>= 0.5 (so thresholding is well conditioned), and lambda placed half-way between two singular
values so that exactly ``above`` of them exceed it.  Built, not filtered, from a drawn seed: the
instances shrink to small sizes and few singular values above lambda.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from landscape.errors import InvalidArgument
from landscape.landscapes.factorisation import MatrixFactorisation


@dataclass(frozen=True, slots=True)
class FactorisationProblem:
    """Y (n2 x n0), weight decay lambda, width r of (U, V), and how many sigma_i(Y) exceed lambda."""

    y: np.ndarray
    lam: float
    width: int
    above: int
    seed: int

    def landscape(self) -> MatrixFactorisation:
        return MatrixFactorisation(self.y, self.lam, self.width)

    @property
    def singular_values(self) -> np.ndarray:
        return np.linalg.svd(self.y, compute_uv=False)

    def __repr__(self) -> str:
        n2, n0 = self.y.shape
        return f"FactorisationProblem(n2={n2}, n0={n0}, width={self.width}, above={self.above}, lam={self.lam:.4g}, seed={self.seed})"


def planted_matrix(n2: int, n0: int, singular_values: np.ndarray, seed: int) -> np.ndarray:
    """L diag(singular_values) R^T with Haar-random orthonormal L (n2 x k) and R (n0 x k)."""
    rng = np.random.default_rng(seed)
    k = len(singular_values)
    left, _ = np.linalg.qr(rng.standard_normal((n2, n2)))
    right, _ = np.linalg.qr(rng.standard_normal((n0, n0)))
    return left[:, :k] @ np.diag(singular_values) @ right[:, :k].T


def factorisation_problem(n2: int, n0: int, width: int, above: int, seed: int) -> FactorisationProblem:
    """One problem (deterministic in its arguments); see the module docstring."""
    rank = min(n2, n0)
    if not 0 <= above <= rank:
        raise InvalidArgument(f"above={above} must lie in [0, min(n2, n0)={rank}]")
    if width < 1:
        raise InvalidArgument(f"width={width} must be at least 1")
    rng = np.random.default_rng(seed)
    sigma = (1.0 + np.cumsum(0.5 + rng.random(rank)))[::-1]
    lam = 0.5 * (sigma[above - 1] + sigma[above]) if 0 < above < rank else (sigma[0] + 0.5 if above == 0 else 0.5 * sigma[-1])
    return FactorisationProblem(planted_matrix(n2, n0, sigma, seed + 1), float(lam), width, above, seed)


def factorisation_problems(
    *,
    min_size: int = 1,
    max_size: int = 3,
    min_above: int = 0,
    max_above: int = 3,
    min_width: int = 1,
    max_width: int = 4,
    width_below_above: bool = False,
) -> st.SearchStrategy[FactorisationProblem]:
    """Problems with n2, n0 in [min_size, max_size], ``above`` singular values over lambda in
    [min_above, max_above] (capped by min(n2, n0)), width in [min_width, max_width]; with
    ``width_below_above`` the width is forced below ``above`` (too narrow for the SVT solution)."""
    if min_size < 1 or max_size < min_size:
        raise InvalidArgument(f"need 1 <= min_size={min_size} <= max_size={max_size}")
    if min_above < 0 or max_above < min_above or min_above > max_size:
        raise InvalidArgument(f"need 0 <= min_above={min_above} <= max_above={max_above} and min_above <= max_size")
    if min_width < 1 or max_width < min_width:
        raise InvalidArgument(f"need 1 <= min_width={min_width} <= max_width={max_width}")

    @st.composite
    def draw(value: st.DrawFn) -> FactorisationProblem:
        n2 = value(st.integers(max(min_size, min_above), max_size))
        n0 = value(st.integers(max(min_size, min_above), max_size))
        above = value(st.integers(min_above, min(max_above, n2, n0)))
        if width_below_above:
            width = value(st.integers(1, max(1, above - 1)))
        else:
            width = value(st.integers(min_width, max_width))
        return factorisation_problem(n2, n0, width, above, value(st.integers(0, 2**16)))

    return draw()
