r"""Certified local minima of a one-hidden-layer ReLU net under the polynomial hinge
l(y, z) = max(0, 1 - yz)^3 (the loss class of Liang et al.'s Thm 1, seed 001 §VI-B), and the
bump data such a net with two units classifies.

**The reduced problem.**  Near a point theta* where no pre-activation w_k.x_i + c_k is zero, each
hidden unit's activation pattern is fixed; units active on no sample are *dead* (their weights
and output weight do not enter f).  For the live units write u_k = v_k (w_k, c_k) and
x~_i = (x_i, 1): then f(x_i) = Phi_i z with z = (u_k)_k plus the output bias and Phi_i =
(1[i active in k] x~_i)_k, 1) -- Phi holds data values and zeros, so its rank is decided exactly.
Split the samples by margin m_i = y_i f(x_i): Z (m_i > 1, zero loss, locally free) and K
(m_i < 1).  On a neighbourhood where the pattern and Z keep their sides,

.. math:: L_n(\theta) = h_K(f_K(\theta)),\qquad h_K(s) = \frac1n\sum_{i \in K} (1 - y_i s_i)^3,
          \qquad f_K(\theta) \in R = \operatorname{range}\Phi_K,

and every s of R near s* = f_K(theta*) is reached by moving the live units' (w_k, c_k) and the
output bias (v_k != 0 fixed).  h_K restricted to R is smooth and convex; in an orthonormal basis U
of R its Hessian U^T diag(6(1 - m_i)/n) U is positive definite and its third derivative is
bounded by M = 6/n (|l'''| = 6, ||U t||_3 <= ||U t||_2).  The radius argument of
:mod:`landscape.oracles.minimum_certificate` (mu, rho = mu/(2M), ||g|| < mu rho / 4) then gives a
true minimiser s° of h_K on R within ||g|| / (mu/2) of s*, with h_K(s°) >= h_K(s*) - ||g||^2/mu.
Lifting s° (a move of at most ||s° - s*|| / sigma_min(Phi_K) in z) keeps the pattern and Z's side
when the recorded margins exceed the move: L_n has a local minimum theta° there, non-strict (dead
units, the rescaling v -> v/alpha, (w, c) -> alpha (w, c), the kernel of Phi_K are flat), with
value at least that bound.  A sample with margin within :data:`MARGIN_GAP` of 1 (its curvature
vanishes) or a unit on a kink leaves the point undecided, never certified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
import torch
from hypothesis import strategies as st

from landscape.certificates.registry import CheckResult, replayable
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.exact import exact
from landscape.landscapes.mlp import MLP
from landscape.oracles.classify import Tolerances

MARGIN_GAP = 1e-3  # margins within this of 1 are on the hinge's edge, where l'' vanishes: undecided
ROUNDING = 1e-10  # relative slack on every float64 inequality of the certificate (rounding in f, SVD, eigh)
PATTERN_FLOOR = 1e-8  # |pre-activation| / ||x~_i|| below this is a kink: undecided
OUTPUT_WEIGHT_FLOOR = 1e-8  # a live unit needs |v_k| above this x max(1, |v|) to move its u_k
TEACHER_SLOPE, TEACHER_OFFSET = 12.0, 1.5  # bump teacher: margins >= 12 x 0.25 - 1.5 = 1.5 > 1


def is_relu_hinge(landscape: Landscape) -> bool:
    return (type(landscape) is MLP and landscape.activation.name == "relu" and landscape.loss_name == "hinge3"
            and len(landscape.widths) == 3 and landscape.widths[-1] == 1 and landscape.output_bias)


@dataclass(frozen=True, slots=True)
class Reduced:
    """The reduced problem at a point (module docstring): pattern, design Phi, margins, split."""

    pre: np.ndarray  # (h, n) pre-activations
    live: tuple[int, ...]
    design: np.ndarray  # Phi, (n, D)
    exact_design: sympy.Matrix
    margins: np.ndarray
    positive: np.ndarray  # K: indices with margin < 1 - MARGIN_GAP
    free: np.ndarray  # Z: indices with margin > 1 + MARGIN_GAP
    output_weights: np.ndarray


def reduced(landscape: MLP, point: np.ndarray) -> Reduced:
    theta = torch.as_tensor(np.asarray(point, dtype=np.float64), dtype=DTYPE)[None]
    (w1, b1), (w2, _) = landscape.unpack(theta)
    pre = w1[0].numpy() @ landscape.x + b1[0].numpy()[:, None]
    active = pre > 0
    live = tuple(int(k) for k in range(pre.shape[0]) if active[k].any())
    x_tilde = np.vstack([landscape.x, np.ones((1, landscape.n))]).T  # (n, d+1)
    blocks = [active[k][:, None] * x_tilde for k in live]
    design = np.hstack(blocks + [np.ones((landscape.n, 1))])
    exact_rows = [[exact(v) for v in x_tilde[i]] for i in range(landscape.n)]
    exact_design = sympy.Matrix([[*(c for k in live for c in (exact_rows[i] if active[k, i] else [0] * x_tilde.shape[1])), 1]
                                 for i in range(landscape.n)])
    margins = landscape.y[0] * landscape.outputs(theta)[0, 0].numpy()
    return Reduced(pre, live, design, exact_design, margins, np.flatnonzero(margins < 1 - MARGIN_GAP),
                   np.flatnonzero(margins > 1 + MARGIN_GAP), w2[0, 0].numpy())


def local_minimum_figures(landscape: MLP, point: np.ndarray) -> dict[str, Any]:
    """The certificate's figures at ``point``; ``certified`` says whether every condition holds and
    ``reason`` names the first that fails."""
    part = reduced(landscape, point)
    n = landscape.n
    x_lengths = np.sqrt(1.0 + (landscape.x**2).sum(0))
    figures: dict[str, Any] = {"certified": False, "loss": float(landscape.loss(torch.as_tensor(point)[None])[0]),
                               "live_units": len(part.live), "dead_units": part.pre.shape[0] - len(part.live),
                               "positive_loss_samples": int(part.positive.size)}
    on_edge = np.setdiff1d(np.arange(n), np.concatenate([part.positive, part.free]))
    if on_edge.size:
        return {**figures, "reason": f"samples {on_edge.tolist()} have margin within {MARGIN_GAP:g} of 1"}
    kink = float((np.abs(part.pre) / x_lengths[None, :]).min())
    if kink <= PATTERN_FLOOR:
        return {**figures, "reason": f"a unit sits on a kink (|pre| / |x~| = {kink:.2g})"}
    weights = np.abs(part.output_weights[list(part.live)])
    if weights.size and weights.min() <= OUTPUT_WEIGHT_FLOOR * max(1.0, float(np.abs(part.output_weights).max())):
        return {**figures, "reason": "a live unit has output weight 0"}
    if part.positive.size == 0:
        return {**figures, "reason": "no sample has positive loss (a zero-loss point, not a bad minimum)"}
    exact_rows = part.exact_design.extract(part.positive.tolist(), list(range(part.exact_design.cols)))
    rank = exact_rows.rank()
    basis = np.array(sympy.Matrix.hstack(*exact_rows.columnspace()).evalf(20).tolist(), dtype=np.float64)
    u, _ = np.linalg.qr(basis)
    y_k = landscape.y[0, part.positive]
    gap = 1.0 - part.margins[part.positive]
    gradient = u.T @ (-(3.0 / n) * y_k * gap**2)
    hessian = u.T @ np.diag((6.0 / n) * gap) @ u
    eigenvalues = np.linalg.eigvalsh(hessian)
    mu = float(eigenvalues[0]) * (1 - ROUNDING) - ROUNDING * float(np.abs(eigenvalues).max())
    third = 6.0 / n * (1 + ROUNDING)
    g = float(np.linalg.norm(gradient)) * (1 + ROUNDING)
    singular = np.linalg.svd(part.design[part.positive], compute_uv=False)
    sigma = float(singular[rank - 1]) * (1 - ROUNDING)
    figures.update(rank=int(rank), hessian_lower=mu, gradient=g, sigma_min=sigma)
    if mu <= 0 or g >= 0.25 * mu * mu / (2 * third):
        return {**figures, "reason": f"the reduced gradient {g:.3g} is not below mu rho / 4 = {mu * mu / (8 * third):.3g}"}
    s_move = 2 * g / mu
    z_move = s_move / sigma
    free_room = float((part.margins[part.free] - 1).min()) if part.free.size else np.inf
    free_need = float((np.linalg.norm(part.design[part.free], axis=1) * z_move).max()) if part.free.size else 0.0
    pattern_room = np.abs(part.pre[list(part.live)]) if part.live else np.zeros((0, n))
    pattern_need = (x_lengths[None, :] * z_move / weights[:, None]) if part.live else np.zeros((0, n))
    lower = figures["loss"] - g * g / mu
    figures.update(move=z_move, free_room=free_room, free_need=free_need, value_at_least=lower * (1 - ROUNDING))
    if free_need * (1 + ROUNDING) >= free_room or (pattern_need * (1 + ROUNDING) >= pattern_room).any():
        return {**figures, "reason": "the minimiser's lift may cross a kink or the margin of a zero-loss sample"}
    return {**figures, "certified": True, "reason": ""}


@replayable("relu-hinge-local-minimum")
def _check_local_minimum(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """L_n has a local minimum near ``point`` with value >= ``value_at_least`` (module docstring)."""
    if not (isinstance(landscape, MLP) and is_relu_hinge(landscape)):
        return CheckResult("relu-hinge-local-minimum", False, "needs a one-hidden-layer ReLU net with the hinge3 loss")
    figures = local_minimum_figures(landscape, np.asarray(point, dtype=np.float64))
    passed = figures["certified"] and figures["value_at_least"] >= float(args["value_at_least"])
    detail = (f"reduced problem: {figures['live_units']} live / {figures['dead_units']} dead units, "
              f"{figures['positive_loss_samples']} positive-loss samples, rank {figures.get('rank')}; ")
    if figures["certified"]:
        detail += (f"|g| = {figures['gradient']:.3g} < mu^2 / (8M) with mu = {figures['hessian_lower']:.4g}; a local minimum "
                   f"within {figures['move']:.3g} (in z) with L_n >= {figures['value_at_least']:.8g} "
                   f"(>= {float(args['value_at_least']):.8g}: {passed})")
    else:
        detail += f"not certified: {figures['reason']}"
    return CheckResult("relu-hinge-local-minimum", passed, detail)


# -- Bump data and its teacher -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BumpData:
    """Distinct sorted scalar inputs; labels ``-sign`` on the samples ``inside[0] .. inside[1] - 1``
    and ``sign`` on both sides of them (each side non-empty): two ReLU units are needed."""

    x: tuple[float, ...]
    inside: tuple[int, int]
    sign: int

    def labels(self) -> np.ndarray:
        lo, hi = self.inside
        return np.array([-self.sign if lo <= i < hi else self.sign for i in range(len(self.x))], dtype=np.float64)

    def teacher(self) -> np.ndarray:
        """A (1, 2, 1) ReLU net with margins >= 1.5 on every sample (so L_n = 0 exactly):
        sign (A relu(l - x) + A relu(x - r) - B), kinks l, r half-way between the groups."""
        lo, hi = self.inside
        left, right = 0.5 * (self.x[lo - 1] + self.x[lo]), 0.5 * (self.x[hi - 1] + self.x[hi])
        slope, offset = TEACHER_SLOPE * self.sign, TEACHER_OFFSET * self.sign
        return np.array([-1.0, 1.0, left, -right, slope, slope, -offset])


def bump_data(*, min_size: int = 4, max_size: int = 6) -> st.SearchStrategy[BumpData]:
    """Inputs on the half-integer grid of [-2, 2]; the inside block and the outer sign drawn."""
    def build(n: int) -> st.SearchStrategy[BumpData]:
        inputs = st.lists(st.integers(-4, 4), min_size=n, max_size=n, unique=True).map(lambda v: tuple(sorted(k / 2 for k in v)))
        block = st.integers(1, n - 2).flatmap(lambda lo: st.tuples(st.just(lo), st.integers(lo + 1, n - 1)))
        return st.builds(BumpData, inputs, block, st.sampled_from((-1, 1)))

    return st.integers(min_size, max_size).flatmap(build)
