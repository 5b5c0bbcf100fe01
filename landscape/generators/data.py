r"""Strategies for regression data (X, Y) with a controlled spectrum.

Data are built, not filtered: X is made with S_xx = T T^T for a random well-conditioned T, and
Y = A X + E with the rows of E orthogonal to those of X, so that
S_yx S_xx^{-1} S_xy = A A^T exactly.  Choosing A = U diag(sqrt(lambda)) V^T plants the
eigenvalues lambda of Sigma: distinct and well separated (the hypotheses of seed 003
Thm 1.2/1.4), or deliberately degenerate for falsified variants (a repeated eigenvalue,
S_yx = 0, rank-deficient X).  Hypothesis draws sizes and a seed, so instances shrink to few
samples and small widths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from landscape.errors import InvalidArgument

SPECTRA = ("distinct", "repeated", "zero")
X_RANKS = ("full", "deficient")


@dataclass(frozen=True, slots=True)
class Dataset:
    """Regression data: X (d_0 x n), Y (d_L x n), and how they were made."""

    x: np.ndarray
    y: np.ndarray
    spectrum: str
    x_rank: str
    seed: int
    condition: float = 1.0

    def __repr__(self) -> str:
        stretched = f", condition={self.condition:g}" if self.condition != 1.0 else ""
        return (
            f"Dataset(d0={self.x.shape[0]}, dL={self.y.shape[0]}, n={self.x.shape[1]}, "
            f"spectrum={self.spectrum!r}, x_rank={self.x_rank!r}, seed={self.seed}{stretched})"
        )


def regression_data(
    d0: int, d_last: int, samples: int, seed: int, spectrum: str = "distinct", x_rank: str = "full",
    condition: float = 1.0,
) -> Dataset:
    """Build one dataset (deterministic in its arguments); see the module docstring.

    ``condition`` > 1 stretches the input directions geometrically from 1 to 1/condition before the
    mixing, so S_xx is ill conditioned (about condition^2) while Sigma = A A^T is unchanged."""
    if not condition >= 1.0:
        raise InvalidArgument(f"condition={condition!r} must be >= 1 (1 keeps S_xx well conditioned)")
    if spectrum not in SPECTRA:
        raise InvalidArgument(f"spectrum={spectrum!r} must be one of {SPECTRA}")
    if x_rank not in X_RANKS:
        raise InvalidArgument(f"x_rank={x_rank!r} must be one of {X_RANKS}")
    if samples <= max(d0, d_last):
        raise InvalidArgument(f"samples={samples} must exceed max(d0, dL)={max(d0, d_last)} for full row rank")
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((samples, samples)))
    white = np.sqrt(samples) * basis[:, :d0].T  # X0 X0^T / n = I
    rank = min(d0, d_last)
    if spectrum == "zero":
        lam = np.zeros(rank)
    else:
        lam = (1.0 + np.cumsum(0.5 + rng.random(rank)))[::-1]  # gaps >= 0.5
        if spectrum == "repeated":
            if rank < 2:
                raise InvalidArgument("spectrum='repeated' needs min(d0, dL) >= 2")
            lam[1] = lam[0]
    left, _ = np.linalg.qr(rng.standard_normal((d_last, d_last)))
    right, _ = np.linalg.qr(rng.standard_normal((d0, d0)))
    a = left[:, :rank] @ np.diag(np.sqrt(lam)) @ right[:, :rank].T
    noise = 0.5 * rng.standard_normal((d_last, samples - d0)) @ (np.sqrt(samples) * basis[:, d0:].T)
    noise /= np.sqrt(samples)
    mixing = np.eye(d0) + 0.3 * rng.standard_normal((d0, d0)) / np.sqrt(d0)
    if x_rank == "deficient":
        mixing[-1] = 0.0 if d0 == 1 else mixing[0]
    stretch = np.geomspace(1.0, 1.0 / condition, d0) if d0 > 1 else np.ones(1)
    x = mixing @ (stretch[:, None] * white)
    y = a @ white + noise
    return Dataset(x=x, y=y, spectrum=spectrum, x_rank=x_rank, seed=seed, condition=float(condition))


def datasets(
    d0: int,
    d_last: int,
    *,
    min_extra_samples: int = 1,
    max_extra_samples: int = 4,
    spectrum: str = "distinct",
    x_rank: str = "full",
    max_condition: float = 1.0,
) -> st.SearchStrategy[Dataset]:
    """Datasets for fixed widths: n = max(d0, dL) + extra samples, extra in the given range; with
    ``max_condition`` > 1 the input stretch is drawn from 1, 10, 100, ... up to it (ill-conditioned
    S_xx, Hypothesis shrinking towards the well-conditioned 1)."""
    if not max_condition >= 1.0:
        raise InvalidArgument(f"max_condition={max_condition!r} must be >= 1")
    decades = int(np.floor(np.log10(max_condition) + 1e-9))
    if min_extra_samples < 1 or max_extra_samples < min_extra_samples:
        raise InvalidArgument(
            f"need 1 <= min_extra_samples={min_extra_samples} <= max_extra_samples={max_extra_samples}"
        )
    return st.builds(
        regression_data,
        st.just(d0),
        st.just(d_last),
        st.integers(min_extra_samples, max_extra_samples).map(lambda extra: max(d0, d_last) + extra),
        st.integers(0, 2**16),
        st.just(spectrum),
        st.just(x_rank),
        st.integers(0, decades).map(lambda k: 10.0**k),
    )
