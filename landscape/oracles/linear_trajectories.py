r"""Gradient descent on deep linear networks with gradients from an independent oracle.

The catalogue's :class:`~landscape.landscapes.deep_linear.DeepLinear` differentiates the loss in
closed form, in covariance form.  The trajectory oracle here does not use it: it writes the loss
from the raw data, :math:`\frac1n\|Y - W_L\cdots W_1X\|_F^2`, and differentiates it with
``torch.autograd``.  The two gradients are compared along every trajectory (their agreement is
itself checked), so a property built on these trajectories does not rest on the closed form.

Balancedness (seed 000, Arora, Cohen, Golowich, Hu 2018).  With
:math:`D_j = W_{j+1}^\top W_{j+1} - W_jW_j^\top` and :math:`G_j = \partial F/\partial W_j`, one GD
step :math:`W \leftarrow W - \eta G` changes :math:`D_j` by

.. math::
    -\eta\,(W_{j+1}^\top G_{j+1} + G_{j+1}^\top W_{j+1} - W_jG_j^\top - G_jW_j^\top)
    + \eta^2\,(G_{j+1}^\top G_{j+1} - G_jG_j^\top),

and the first-order term vanishes because :math:`W_{j+1}^\top G_{j+1} = G_jW_j^\top` for the
linear net.  Hence along a whole trajectory

.. math::
    \|D_j(t) - D_j(0)\|_F \le \eta^2\sum_{s<t}\big(\|G_{j+1}(s)\|_F^2 + \|G_j(s)\|_F^2\big),

and where every step satisfies the sufficient-decrease condition
:math:`F(s) - F(s+1) \ge \tfrac{\eta}{2}\|\nabla F(s)\|^2` the right side is at most
:math:`2\eta\,(F(0) - F(t))`: approximately balanced initialisations stay approximately balanced,
which is the trajectory characterisation of the seed.  Without linearity (or for the Gram
matrices on the wrong sides) the first-order term does not vanish and the drift is
:math:`O(\eta)` per step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from landscape.landscapes.base import DTYPE
from landscape.landscapes.deep_linear import DeepLinear
from landscape.searching.spectrum import lanczos_extremes

# The drift bound is an inequality between float64 sums of O(|W|^2) terms; rounding adds about
# 1e-16 |W|^2 per step, so DRIFT_RTOL x (sum of |W|^2 over the steps) leaves a 1e4 margin.
DRIFT_RTOL = 1e-12
# Autograd and the closed form agree to ~1e-14 relative; 1e-8 flags a wrong oracle, not rounding.
ORACLE_RTOL = 1e-8
# Near a minimum both gradients are rounding noise; the gap is measured against at least
# ORACLE_FLOOR x the loss scale so that noise against noise is not called a disagreement.
ORACLE_FLOOR = 1e-6


def autograd_loss(weights: list[Tensor], x: Tensor, y: Tensor) -> Tensor:
    r""":math:`\frac1n\|Y - W_L\cdots W_1X\|_F^2` from the raw data (no covariance form)."""
    out = x
    for w in weights:
        out = w @ out
    return ((y - out) ** 2).sum() / x.shape[1]


def autograd_gradient(weights: list[np.ndarray], x: Tensor, y: Tensor) -> tuple[float, list[np.ndarray]]:
    """(loss, [dF/dW_1, ..., dF/dW_L]) by reverse-mode autograd of :func:`autograd_loss`."""
    leaves = [torch.tensor(w, dtype=DTYPE, requires_grad=True) for w in weights]
    value = autograd_loss(leaves, x, y)
    grads = torch.autograd.grad(value, leaves)
    return float(value.detach()), [g.numpy() for g in grads]


def imbalance(weights: list[np.ndarray], layer: int, swapped: bool = False) -> np.ndarray:
    """D_j = W_{j+1}^T W_{j+1} - W_j W_j^T (swapped: W_{j+1} W_{j+1}^T - W_j^T W_j)."""
    low, high = weights[layer], weights[layer + 1]
    if swapped:
        return high @ high.T - low.T @ low
    return high.T @ high - low @ low.T


@dataclass(slots=True)
class DriftRecord:
    """The worst step of one trajectory against the drift bound, for one layer pair.

    Attributes:
        layer: j (0-based: the pair (W_{j+1}, W_{j+2}) in the seed's 1-based numbering).
        step: the step t where drift / bound is largest (0 if the imbalance never moved).
        drift: ||D_j(t) - D_j(0)||_F there.
        bound: eta^2 sum_{s<t} (||G_{j+1}||^2 + ||G_j||^2) there, plus the rounding slack.
        loss_bound: 2 eta (F(0) - F(t)) when every step up to t decreased sufficiently, else None.
    """

    layer: int
    step: int
    drift: float
    bound: float
    loss_bound: float | None

    @property
    def violated(self) -> bool:
        return self.drift > self.bound

    @property
    def ratio(self) -> float:
        return _ratio(self.drift, self.bound)


@dataclass(slots=True)
class Trajectory:
    """One GD trajectory on the autograd oracle.

    Attributes:
        eta: the step.
        steps: steps taken.
        losses: F(0), ..., F(steps).
        worst: per layer pair, the step closest to (or beyond) the drift bound.
        oracle_gap: largest relative difference between the autograd and closed-form gradients.
        sufficient_decrease: whether every step decreased F by at least eta/2 |grad|^2.
        finite: whether every iterate stayed finite.
    """

    eta: float
    steps: int
    losses: list[float]
    worst: list[DriftRecord]
    oracle_gap: float
    sufficient_decrease: bool
    finite: bool

    @property
    def violation(self) -> DriftRecord | None:
        return next((record for record in self.worst if record.violated), None)


def gd_balancedness(
    landscape: DeepLinear, start: np.ndarray, eta: float, steps: int, swapped: bool = False
) -> Trajectory:
    """Run ``steps`` GD steps from ``start`` on the autograd oracle and track every D_j."""
    x, y = torch.as_tensor(landscape.x, dtype=DTYPE), torch.as_tensor(landscape.y, dtype=DTYPE)
    weights = [w[0].numpy().copy() for w in landscape.layers(torch.as_tensor(start, dtype=DTYPE)[None])]
    pairs = range(landscape.depth - 1)
    initial = [imbalance(weights, j, swapped) for j in pairs]
    sums = [0.0 for _ in pairs]
    slack = [0.0 for _ in pairs]
    worst = [DriftRecord(j, 0, 0.0, 0.0, 0.0) for j in pairs]
    losses: list[float] = []
    oracle_gap, decreasing, finite = 0.0, True, True
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported as not finite
        return _run(landscape, x, y, weights, eta, steps, swapped, initial, sums, slack, worst, losses)


def _run(landscape, x, y, weights, eta, steps, swapped, initial, sums, slack, worst, losses) -> Trajectory:
    pairs = range(landscape.depth - 1)
    oracle_gap, decreasing, finite, last_norm2 = 0.0, True, True, 0.0
    for step in range(steps + 1):
        value, grads = autograd_gradient(weights, x, y)
        losses.append(value)
        if not (np.isfinite(value) and all(np.isfinite(g).all() for g in grads)):
            finite = False
            break
        oracle_gap = max(oracle_gap, _oracle_gap(landscape, weights, grads))
        if step and value > losses[-2] - 0.5 * eta * last_norm2:
            decreasing = False
        for j in pairs:
            drift = float(np.linalg.norm(imbalance(weights, j, swapped) - initial[j]))
            bound = eta**2 * sums[j] + DRIFT_RTOL * slack[j]
            loss_bound = 2.0 * eta * (losses[0] - value) if decreasing else None
            if _ratio(drift, bound) > _ratio(worst[j].drift, worst[j].bound):
                worst[j] = DriftRecord(j, step, drift, bound, loss_bound)
            sums[j] += float((grads[j + 1] ** 2).sum() + (grads[j] ** 2).sum())
            slack[j] += float((weights[j + 1] ** 2).sum() + (weights[j] ** 2).sum())
        if step == steps:
            break
        last_norm2 = float(sum((g**2).sum() for g in grads))
        weights = [w - eta * g for w, g in zip(weights, grads)]
    return Trajectory(eta, len(losses) - 1, losses, worst, oracle_gap, decreasing, finite)


def _ratio(drift: float, bound: float) -> float:
    if bound > 0:
        return drift / bound
    return float("inf") if drift > 0 else 0.0


def _oracle_gap(landscape: DeepLinear, weights: list[np.ndarray], grads: list[np.ndarray]) -> float:
    theta = landscape.flatten([torch.as_tensor(w, dtype=DTYPE)[None] for w in weights])
    closed = landscape.gradient(theta)[0].numpy()
    mine = np.concatenate([g.reshape(-1) for g in grads])
    floor = ORACLE_FLOOR * landscape.loss_scale()
    return float(np.linalg.norm(closed - mine) / max(np.linalg.norm(closed), np.linalg.norm(mine), floor))


FULL_HESSIAN_MAX_PARAMS = 200  # above this, Lanczos on Hessian-vector products
LANCZOS_STEPS = 60  # Krylov dimension: the top Ritz value is accurate to ~1e-6 relative at these sizes


def hessian_top_eigenvalue(landscape: DeepLinear, point: np.ndarray) -> float:
    """lambda_max of the Hessian at ``point``: the full Hessian for small nets, Lanczos (full
    reorthogonalisation, a fixed start, so deterministic) for large ones."""
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    if landscape.n_params <= FULL_HESSIAN_MAX_PARAMS:
        return float(torch.linalg.eigvalsh(landscape.hessian(theta)[0])[-1])
    _, top = lanczos_extremes(lambda v: landscape.hessian_vector_products(theta, v), 1, landscape.n_params,
                              LANCZOS_STEPS, torch.Generator().manual_seed(0))
    return float(top[0])
