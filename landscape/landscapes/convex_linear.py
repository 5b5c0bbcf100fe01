r"""Deep linear networks with a convex loss of the product (Laurent-Brecht, ICML 2018; seed 003
§1.3.2 end), and their certified optimum.

.. math::  F(\theta) = l(W_L \cdots W_1), \qquad l(W) = \frac1n \sum_{ij} \psi_{ij}\big((W X - Y)_{ij}\big),

with psi one of the convex residual losses of :mod:`landscape.landscapes.residual_losses`.
Laurent and Brecht: when every hidden width is >= min(d_0, d_L) the products range over all
d_L x d_0 matrices, and every local minimum of F is a global one, for any convex differentiable l.

The optimum without a bottleneck is the convex program min_W l(W), whose rows separate:
row i minimises (1/n) sum_j psi_ij(w . x_j - y_ij).  Newton's method solves it in float64, and
weak duality certifies it: for any Lambda with Lambda X^T = 0,

.. math::  \min_W l(W) \;\ge\; D(\Lambda) = -\sum_{ij} \Big(\Lambda_{ij} Y_{ij} + \tfrac1n\, \psi_{ij}^*(n \Lambda_{ij})\Big)

(the Lagrangian of min l(Z) s.t. Z = W X).  Lambda is the projection of psi'(R)/n onto
{Lambda X^T = 0}; the projection, D and l(W~) are evaluated in Arb ball arithmetic from the
float64 data, so the optimum lies in [lower end of D, upper end of l(W~)] rigorously.

With a bottleneck (a hidden width k < min(d_0, d_L)) the products are the matrices of rank <= k,
a non-convex set; the family knows that optimum in one closed form only (:func:`rank_one_optimum`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from flint import arb, arb_mat, ctx
from torch import Tensor

from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.base import DTYPE, Landscape, Optimum, as_finite_matrix
from landscape.landscapes.deep_linear import factor_product, split_layers
from landscape.landscapes.products import (
    chain_product,
    equal_product_defects,
    equal_product_tangents,
    layer_matrices,
    orbit_tangents,
)
from landscape.landscapes.residual_losses import ResidualLoss

NEWTON_STEPS = 60
# Newton stops once the gradient of l is below this x its scale; refined rows reach ~1e-16.
NEWTON_GRADIENT_RTOL = 1e-15
ARMIJO_FRACTION = 1e-4  # sufficient decrease of a Newton step, the usual constant
MIN_STEP = 1e-10  # a step shortened below this finds no lower loss: the row is at its rounding floor
# Bits of the ball arithmetic of the duality gap: a saturated derivative (psi'(r) within 1e-8 of the
# edge of the conjugate's domain, log-cosh with small delta) amplifies an input radius by 1/(1 - s^2)
# ~ 1e8, which 53 bits cannot absorb and 212 can.  Arb is rigorous at every precision; this is tightness.
DUAL_PRECISION = 212
# The bracket [lower, upper] must be this narrow x the loss scale: far inside the classifier's loss
# tolerance (1e-9), so that "equals the optimum" means what it says.
OPTIMUM_GAP_RTOL = 1e-12


class ConvexLossLinear(Landscape):
    """A deep linear network ``widths = (d_0, ..., d_L)`` with the convex loss ``loss`` of the
    residual W X - Y (layers stored as in :class:`~landscape.landscapes.deep_linear.DeepLinear`)."""

    family = "deep-linear-convex-loss"
    exact_taylor = True

    def __init__(self, widths: tuple[int, ...] | list[int], x: Any, y: Any, loss: ResidualLoss) -> None:
        widths = tuple(int(w) for w in widths)
        if len(widths) < 2 or min(widths) < 1:
            raise InvalidArgument(f"widths={widths!r} must list at least two positive sizes (d_0, ..., d_L)")
        self.widths = widths
        self.x = as_finite_matrix("X", x, rows=widths[0])
        self.y = as_finite_matrix("Y", y, rows=widths[-1])
        if self.x.shape[1] != self.y.shape[1] or self.x.shape[1] == 0:
            raise DataError(f"X has {self.x.shape[1]} samples and Y {self.y.shape[1]}; pass one column per sample in both (at least one)")
        if loss.kind == "weighted" and loss.weights.shape != self.y.shape:
            raise DataError(f"weights have shape {loss.weights.shape}; the residual W X - Y has shape {self.y.shape}")
        self.loss_kind = loss
        self.n = self.x.shape[1]
        self.shapes = [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
        self.n_params = sum(a * b for a, b in self.shapes)
        self._cpu = (torch.as_tensor(self.x, dtype=DTYPE), torch.as_tensor(self.y, dtype=DTYPE))
        self._scale = float(self.loss_kind.value(-self.y).sum() / self.n)

    @property
    def depth(self) -> int:
        return len(self.shapes)

    @property
    def bottleneck(self) -> bool:
        """Some hidden width is below min(d_0, d_L): the products are not all matrices."""
        return min(self.widths[1:-1], default=self.widths[0]) < min(self.widths[0], self.widths[-1])

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "widths": list(self.widths), "X": self.x.tolist(), "Y": self.y.tolist(),
                "loss": self.loss_kind.spec()}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ConvexLossLinear:
        return cls(spec["widths"], spec["X"], spec["Y"], ResidualLoss.from_spec(spec["loss"]))

    def loss_scale(self) -> float:
        """l(0), the loss of the zero product."""
        return max(self._scale, float(np.finfo(np.float64).tiny))

    # -- evaluation --------------------------------------------------------------------------

    def layers(self, theta: Tensor) -> list[Tensor]:
        return split_layers(theta, self.shapes)

    def product(self, theta: Tensor) -> Tensor:
        return chain_product(self.layers(theta))

    def loss(self, theta: Tensor) -> Tensor:
        x, y = self._cpu
        if theta.device != x.device or theta.dtype != x.dtype:
            x, y = x.to(theta.device, theta.dtype), y.to(theta.device, theta.dtype)
        residual = self.product(theta) @ x - y
        return self.loss_kind.torch_value(residual).sum((-1, -2)) / self.n

    def taylor_coefficients(self, theta: Tensor, direction: Tensor, order: int) -> list[float]:
        """Coefficients of t -> F(theta + t d): the product is a polynomial of degree L in t, and
        psi of it a series composed exactly (up to rounding; :meth:`ResidualLoss.series`)."""
        points = layer_matrices(theta.detach().cpu().numpy(), self.shapes)
        steps = layer_matrices(direction.detach().cpu().numpy(), self.shapes)
        z = [points[0], steps[0]]
        for w, d in zip(points[1:], steps[1:]):
            nxt = [w @ z[0]] + [w @ z[k] + d @ z[k - 1] for k in range(1, len(z))] + [d @ z[-1]]
            z = nxt
        residual = [zk @ self.x for zk in z]
        residual[0] = residual[0] - self.y
        return [float(c.sum() / self.n) for c in self.loss_kind.series(residual, order)]

    # -- symmetry and the equal-product set ---------------------------------------------------

    def flat_directions(self, theta: np.ndarray) -> np.ndarray:
        """Tangents of the orbit W_l -> A_l W_l A_{l-1}^{-1} (:func:`~landscape.landscapes.products.orbit_tangents`)."""
        return orbit_tangents(layer_matrices(theta, self.shapes))

    def level_set_tangents(self, theta: np.ndarray) -> np.ndarray:
        """ker D pi(theta): the first-order tangent of {W_L ... W_1 = const}, on which the loss is
        constant; it contains :meth:`flat_directions` and is larger at rank-deficient layers."""
        return equal_product_tangents(theta, self.shapes)

    def level_set_defects(self, theta: np.ndarray, directions: np.ndarray, lengths: tuple[float, ...]) -> tuple[np.ndarray, float]:
        """dist(theta + t d, equal-product set) / t (:func:`~landscape.landscapes.products.equal_product_defects`)."""
        return equal_product_defects(theta, self.shapes, directions, lengths)

    def symmetry_invariant(self, theta: np.ndarray) -> np.ndarray:
        return chain_product(layer_matrices(theta, self.shapes)).reshape(-1)

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        """Xavier-scaled layers, each start multiplied by a random factor in [0.2, 2] x ``scale``."""
        layers = [torch.randn(count, rows * cols, generator=generator, dtype=DTYPE) / math.sqrt(cols) for rows, cols in self.shapes]
        factor = 0.2 + 1.8 * torch.rand(count, 1, generator=generator, dtype=DTYPE)
        return scale * factor * torch.cat(layers, dim=1)

    # -- the optimum ---------------------------------------------------------------------------

    def product_loss(self, product: np.ndarray) -> float:
        """l(W) in float64."""
        return float(self.loss_kind.value(product @ self.x - self.y).sum() / self.n)

    def optimum(self) -> Optimum | None:
        """The convex program's certified optimum without a bottleneck; with one, the closed form
        of :func:`rank_one_optimum` where it applies, else None."""
        if not self.bottleneck:
            product, lower, upper = convex_optimum(self)
            return Optimum(
                value=self.product_loss(product),
                point=factor_product(self, product),  # type: ignore[arg-type]
                method=(f"convex program in W = W_L...W_1 (Newton, float64); duality gap in ball arithmetic: "
                        f"optimum in [{lower:.17g}, {upper:.17g}]"),
            )
        closed = rank_one_optimum(self)
        if closed is None:
            return None
        value, product = closed
        return Optimum(value=value, point=factor_product(self, product),  # type: ignore[arg-type]
                       method="rank-one weighted approximation of a diagonal target (closed form proved in rank_one_optimum; value in float64)")


def convex_optimum(landscape: ConvexLossLinear) -> tuple[np.ndarray, float, float]:
    """(W~, lower, upper): Newton's minimiser of l and a rigorous enclosure of min l (module doc).
    Needs X of full row rank (then l is strictly convex and coercive for every residual loss)."""
    x, y, loss = landscape.x, landscape.y, landscape.loss_kind
    gram = x @ x.T
    if np.linalg.matrix_rank(gram) < gram.shape[0]:
        raise DataError("X must have full row rank for the convex optimum (X X^T is singular); add samples")
    product = np.linalg.solve(gram, x @ y.T).T  # least squares: the start
    scale = max(landscape.loss_scale(), 1e-300)
    for row in range(product.shape[0]):
        product[row] = _newton_row(product[row], x, y, loss, row, landscape.n, scale)
    lower, upper = duality_bounds(landscape, product)
    if not (lower <= upper and upper - lower <= OPTIMUM_GAP_RTOL * scale):
        raise DataError(f"the duality bounds [{lower:.17g}, {upper:.17g}] do not pin the convex optimum down to "
                        f"{OPTIMUM_GAP_RTOL:g} x its loss scale {scale:.3g}; Newton's method did not converge on these data")
    return product, lower, upper


def _row_derivatives(
    w: np.ndarray, x: np.ndarray, y: np.ndarray, loss: ResidualLoss, row: int, n: int
) -> tuple[float, np.ndarray, np.ndarray]:
    """Value, gradient and Hessian of row ``row``'s part of l at the row vector ``w``."""
    full = np.zeros_like(y)
    full[row] = w @ x - y[row]
    first, second = loss.derivatives(full)
    value = float(loss.value(full)[row].sum() / n)
    return value, x @ first[row] / n, (x * second[row]) @ x.T / n


def _newton_row(w: np.ndarray, x: np.ndarray, y: np.ndarray, loss: ResidualLoss, row: int, n: int, scale: float) -> np.ndarray:
    """Damped Newton on one row, with Armijo backtracking; it stops where no step lowers the loss
    (the rounding floor) or the gradient is below :data:`NEWTON_GRADIENT_RTOL` x ``scale``."""
    value, grad, hess = _row_derivatives(w, x, y, loss, row, n)
    for _ in range(NEWTON_STEPS):
        if np.linalg.norm(grad) <= NEWTON_GRADIENT_RTOL * scale:
            break
        step = np.linalg.solve(hess, grad)
        decrease, length = float(grad @ step), 1.0
        while True:
            trial = w - length * step
            trial_value, trial_grad, trial_hess = _row_derivatives(trial, x, y, loss, row, n)
            if trial_value <= value - ARMIJO_FRACTION * length * decrease:
                break
            length *= 0.5
            if length < MIN_STEP:
                return w
        w, value, grad, hess = trial, trial_value, trial_grad, trial_hess
    return w


def duality_bounds(landscape: ConvexLossLinear, product: np.ndarray) -> tuple[float, float]:
    """[D(Lambda), l(product)] in ball arithmetic, Lambda the projection of psi'(R)/n onto
    {Lambda X^T = 0} (module doc), rounded outwards to float64."""
    with ctx.workprec(DUAL_PRECISION):
        return _duality_bounds(landscape, product)


def _duality_bounds(landscape: ConvexLossLinear, product: np.ndarray) -> tuple[float, float]:
    x, y, loss, n = landscape.x, landscape.y, landscape.loss_kind, landscape.n
    xb = arb_mat(x.tolist())
    residual = arb_mat(product.tolist()) * xb - arb_mat(y.tolist())
    upper = sum((loss.ball_value(residual[i, j], i, j) for i in range(y.shape[0]) for j in range(n)), arb(0)) / n
    first, _ = loss.derivatives(product @ x - y)
    g = arb_mat((first / n).tolist())
    gram = xb * xb.transpose()
    projected = g - (gram.solve(xb * g.transpose())).transpose() * xb  # G - G X^T (X X^T)^{-1} X
    dual = arb(0)
    for i in range(y.shape[0]):
        for j in range(n):
            mu = projected[i, j]
            dual -= mu * arb(float(y[i, j])) + loss.ball_conjugate(n * mu, i, j) / n
    if not (dual.is_finite() and upper.is_finite()):
        return math.inf, -math.inf
    return float(np.nextafter(float(dual.lower()), -np.inf)), float(np.nextafter(float(upper.upper()), np.inf))


def rank_one_optimum(landscape: ConvexLossLinear) -> tuple[float, np.ndarray] | None:
    r"""min over rank-1 products of the weighted loss, where d_0 = d_L = n = 2, X is invertible, Y
    is diagonal with positive diagonal and the weights satisfy m_12 m_21 >= m_11 m_22.

    With V = W X (rank V = rank W), V = [[a, b], [c, d]] of rank <= 1 has ad = bc, so
    m_12 b^2 + m_21 c^2 >= 2 sqrt(m_12 m_21) |bc| >= 2 sqrt(m_11 m_22) |a||d|, and with
    p = sqrt(m_11)|a|, q = sqrt(m_22)|d|, alpha = sqrt(m_11) y_1, beta = sqrt(m_22) y_2,

        n l >= (p + q)^2 - 2 p alpha - 2 q beta + alpha^2 + beta^2 >= min(alpha^2, beta^2)

    (linear in p for fixed s = p + q, so at p = s or p = 0: (s - alpha)^2 + beta^2 or
    (s - beta)^2 + alpha^2).  V = diag(y_1, 0) and diag(0, y_2) attain beta^2 and alpha^2.
    Returns (the value, a minimising product W = V X^{-1}), or None where the form does not apply.
    """
    loss, x, y = landscape.loss_kind, landscape.x, landscape.y
    if loss.kind != "weighted" or landscape.widths[0] != 2 or landscape.widths[-1] != 2 or landscape.n != 2:
        return None
    if min(landscape.widths[1:-1]) != 1 or y[0, 1] != 0 or y[1, 0] != 0 or min(y[0, 0], y[1, 1]) <= 0:
        return None
    m = loss.weights
    if m[0, 1] * m[1, 0] < m[0, 0] * m[1, 1] or abs(np.linalg.det(x)) <= 1e-8 * np.linalg.norm(x) ** 2:
        return None
    alpha, beta = m[0, 0] * y[0, 0] ** 2, m[1, 1] * y[1, 1] ** 2
    target = np.diag([0.0, y[1, 1]]) if alpha <= beta else np.diag([y[0, 0], 0.0])
    return min(alpha, beta) / 2.0, target @ np.linalg.inv(x)
