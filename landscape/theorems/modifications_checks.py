r"""Replayable checks and figures for the §VI results (``theorems/modifications.py``).

**Numerical rank.**  A matrix M (features Z_L(X), or the output Jacobian G) has *certified full
rank* r = min(rows, cols) when sigma_r(M) > RANK_RTOL x sigma_1(M) x max(rows, cols); it is
*rank-deficient* when sigma_r(M) <= that tolerance.  float64 singular values carry an absolute
error of about eps x sigma_1, so RANK_RTOL = 1e-8 leaves seven orders of magnitude of margin.

**Residual bounds at near-critical points** (squared loss, F = (1/n) ||e||^2, e = f(X) - Y):
the gradient in the last layer is (2/n) e Z^T and the full gradient is (2/n) G e, so

.. math:: \|e\| \le \frac{n}{2}\,\frac{\|\nabla F\|}{\sigma_{\min}(Z)},\qquad
          \|e\| \le \frac{n}{2}\,\frac{\|\nabla F\|}{\sigma_{\min}(G)},

when Z (d_L x n, d_L >= n) or G (P x n) has full column rank n: a critical point there has
zero loss (Claims VI.1, VI.3).  These are the bounds the checks recompute, with the gradient
taken from the closed forms (2/n) e Z^T and (2/n) G e; the properties also compare those with
the autograd gradient of the loss (an independent oracle) at every point they judge.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from landscape.certificates.registry import CheckResult, replayable
from landscape.oracles.classify import Tolerances
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.mlp import MLP

RANK_RTOL = 1e-8  # sigma_r > RANK_RTOL x sigma_1 x max(shape) certifies full rank
GRADIENT_AGREEMENT = 1e-8  # closed-form vs autograd gradient, relative (rounding is ~1e-15)
BOUND_SLACK = 1e-6  # relative slack on the residual bounds (rounding in the gradient and SVD)
MARGIN_FLOOR = 1e-9  # margins y_i f(x_i) must exceed this x max(1, |f|) to count as positive
PATH_GRID = np.geomspace(1.0, 1e3, 40)  # scale factors c of the scaling paths (default grid)
PATH_MARGIN_END = 30.0  # the scaling-path grid stops where c^k min_i m_i reaches this


def _rows(point: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(point, dtype=np.float64), dtype=DTYPE)[None]


def singular_values(matrix: np.ndarray) -> np.ndarray:
    return np.linalg.svd(np.asarray(matrix, dtype=np.float64), compute_uv=False)


def rank_figures(matrix: np.ndarray) -> dict[str, float]:
    """sigma_1, sigma_r (r = min shape), the rank tolerance and the numerical rank."""
    values = singular_values(matrix)
    top = float(values[0]) if values.size else 0.0
    tolerance = RANK_RTOL * top * max(matrix.shape)
    return {"sigma_max": top, "sigma_min": float(values[-1]) if values.size else 0.0, "tolerance": tolerance,
            "rank": int((values > tolerance).sum()) if top > 0 else 0, "full": min(matrix.shape)}


def closed_form_gradient(landscape: MLP, point: np.ndarray, which: str) -> np.ndarray:
    """The gradient from the closed forms of the module docstring, without differentiating the
    loss: (2/n) e Z_L^T (the output layer's block, ``features``) or (2/n) G e (all of it,
    ``jacobian``; G from the outputs' derivatives), e = f(X) - Y."""
    theta = _rows(point)
    residual = (landscape.outputs(theta) - torch.as_tensor(landscape.y, dtype=DTYPE))[0]  # (1, n)
    scale = 2.0 / landscape.n
    if which == "features":
        return (scale * residual @ landscape.features(theta)[0].T).numpy().reshape(-1)
    return (scale * landscape.output_jacobian(theta)[0] @ residual[0]).numpy()


def gradient_disagreement(landscape: MLP, point: np.ndarray, which: str) -> float:
    """|closed form - autograd| / max(|autograd|, loss scale x 1e-300) on the closed form's block."""
    autograd = landscape.gradient(_rows(point))[0].numpy()
    if which == "features":
        _, _, start, end = landscape.layers[-1]
        autograd = autograd[start:end]
    closed = closed_form_gradient(landscape, point, which)
    return float(np.linalg.norm(closed - autograd) / max(float(np.linalg.norm(autograd)), 1e-300))


def residual_bound(landscape: MLP, point: np.ndarray, sigma_min: float, which: str) -> dict[str, float]:
    """Loss, closed-form gradient norm and the loss bound (n/4) ||g||^2 / sigma_min^2 (module docstring)."""
    theta = _rows(point)
    loss = float(landscape.loss(theta)[0])
    gradient = float(np.linalg.norm(closed_form_gradient(landscape, point, which)))
    n = landscape.n
    bound = (n / 4.0) * gradient**2 / sigma_min**2 if sigma_min > 0 else math.inf
    return {"loss": loss, "gradient_norm": gradient, "loss_bound": bound}


def _matrix(landscape: MLP, point: np.ndarray, which: str) -> np.ndarray:
    theta = _rows(point)
    if which == "features":
        return landscape.features(theta)[0].numpy()
    return landscape.output_jacobian(theta)[0].numpy()


@replayable("full-rank-residual-bound")
def _check_rank_bound(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """``which`` (features Z or Jacobian G) has certified full column rank n, yet the loss exceeds
    (n/4) ||grad||^2 / sigma_min^2: the recorded point contradicts the bound."""
    if not isinstance(landscape, MLP):
        return CheckResult("full-rank-residual-bound", False, "needs a fully connected network")
    which = args["which"]
    figures = rank_figures(_matrix(landscape, point, which))
    full = figures["rank"] == landscape.n
    bound = residual_bound(landscape, point, figures["sigma_min"], which)
    violated = bound["loss"] > bound["loss_bound"] * (1 + BOUND_SLACK) + tol.loss * landscape.loss_scale()
    return CheckResult(
        "full-rank-residual-bound", bool(full and violated),
        f"{which}: sigma_min = {figures['sigma_min']:.4g} (rank {figures['rank']}, n = {landscape.n}); loss "
        f"{bound['loss']:.6g} vs bound (n/4)|grad|^2/sigma_min^2 = {bound['loss_bound']:.3g}",
    )


@replayable("rank-deficient-critical")
def _check_rank_deficient(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """A critical point (|grad| <= tolerance) with loss >= ``loss_at_least`` whose ``which``
    matrix has rank < n (its recorded rank or less)."""
    if not isinstance(landscape, MLP):
        return CheckResult("rank-deficient-critical", False, "needs a fully connected network")
    which = args["which"]
    figures = rank_figures(_matrix(landscape, point, which))
    theta = _rows(point)
    loss = float(landscape.loss(theta)[0])
    gradient = float(landscape.gradient(theta)[0].norm())
    scale = max(landscape.loss_scale(), loss)
    critical = gradient <= tol.gradient * scale / max(1.0, float(np.linalg.norm(point)))
    passed = critical and loss >= float(args["loss_at_least"]) and figures["rank"] <= int(args["rank"]) < landscape.n
    return CheckResult(
        "rank-deficient-critical", bool(passed),
        f"|grad| = {gradient:.3g} (critical: {critical}); loss {loss:.6g} >= {float(args['loss_at_least']):.3g}; "
        f"{which} rank {figures['rank']} < n = {landscape.n} (sigma_min {figures['sigma_min']:.3g}, "
        f"tolerance {figures['tolerance']:.3g})",
    )


@replayable("exp-neuron-active-critical")
def _check_active_neuron(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """A critical point of the exponential-neuron loss at which |a| >= ``a_at_least``."""
    from landscape.landscapes.modified_nets import ExponentialNeuronNet

    if not isinstance(landscape, ExponentialNeuronNet):
        return CheckResult("exp-neuron-active-critical", False, "needs an exponential-neuron network")
    theta = _rows(point)
    gradient = float(landscape.gradient(theta)[0].norm())
    loss = float(landscape.loss(theta)[0])
    critical = gradient <= tol.gradient * max(landscape.loss_scale(), loss) / max(1.0, float(np.linalg.norm(point)))
    a = float(point[landscape.a_index])
    passed = critical and abs(a) >= float(args["a_at_least"])
    return CheckResult(
        "exp-neuron-active-critical", bool(passed),
        f"|grad| = {gradient:.3g} (critical: {critical}), a = {a:.12g} (|a| >= {float(args['a_at_least']):.3g}), "
        f"lambda = {landscape.regulariser}",
    )


def scaled_points(point: np.ndarray, coordinates: list[int] | None, grid: np.ndarray = PATH_GRID) -> np.ndarray:
    """theta(c): the chosen coordinates (all when None) multiplied by c, for c in ``grid``."""
    mask = np.ones(point.size) if coordinates is None else np.isin(np.arange(point.size), coordinates).astype(float)
    factors = 1.0 + (grid[:, None] - 1.0) * mask[None, :]
    return point[None, :] * factors


def scaling_path_figures(landscape: MLP, point: np.ndarray, coordinates: list[int] | None, degree: int) -> dict[str, Any]:
    """Margins at c = 1, outputs (must be c^degree times), penalty (must stay put), losses, norms."""
    start = landscape.outputs(_rows(point))[0, 0].numpy()
    smallest = float((landscape.y[0] * start).min())
    # c up to where the smallest margin reaches PATH_MARGIN_END: beyond it softplus(-c^k m)
    # underflows to 0 in float64 and the grid could not show the (still strict) decrease.
    top = max(2.0, PATH_MARGIN_END / smallest) ** (1.0 / degree) if smallest > 0 else 2.0
    grid = np.geomspace(1.0, top, PATH_GRID.size)
    points = scaled_points(point, coordinates, grid)
    theta = torch.as_tensor(points, dtype=DTYPE)
    outputs = landscape.outputs(theta)[:, 0, :].numpy()
    margins = (landscape.y[0] * outputs[0])
    predicted = grid[:, None] ** degree * outputs[0][None, :]
    homogeneity = float(np.abs(outputs - predicted).max() / max(1e-300, float(np.abs(predicted).max())))
    penalties = landscape.penalty(theta).numpy()
    losses = landscape.loss(theta).numpy()
    return {"margins": margins, "homogeneity_error": homogeneity, "penalty_change": float(np.abs(penalties - penalties[0]).max()),
            "losses": losses, "norms": np.linalg.norm(points, axis=1), "outputs_scale": float(np.abs(outputs[0]).max())}


@replayable("scaling-path-decrease")
def _check_scaling_path(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    r"""Along theta(c) (``coordinates`` times c, c >= 1) the outputs are c^k f_i and the penalty is
    constant, so with margins m_i = y_i f_i > 0 the logistic loss has
    dF/dc = -(1/n) sum_i k c^{k-1} m_i sigma(-c^k m_i) < 0 for every c >= 1 (exact argument; the
    float64 part checks the margins, the homogeneity and the penalty, and evaluates F on a grid):
    a strictly decreasing path to infinity whose values tend to inf = 0, never attained."""
    if not isinstance(landscape, MLP) or landscape.loss_name != "logistic":
        return CheckResult("scaling-path-decrease", False, "needs a logistic-loss fully connected network")
    coordinates = args.get("coordinates")
    figures = scaling_path_figures(landscape, point, coordinates, int(args["degree"]))
    floor = MARGIN_FLOOR * max(1.0, figures["outputs_scale"])
    margins_ok = bool((figures["margins"] > floor).all())
    homogeneous = figures["homogeneity_error"] <= 1e-10
    flat_penalty = figures["penalty_change"] <= 1e-12 * max(1.0, float(figures["losses"][0]))
    losses = figures["losses"]
    decreasing = bool((np.diff(losses) < 0).all()) and bool((np.diff(figures["norms"]) > 0).all())
    passed = margins_ok and homogeneous and flat_penalty and decreasing and losses[-1] > 0
    return CheckResult(
        "scaling-path-decrease", passed,
        f"min margin y_i f(x_i) = {figures['margins'].min():.6g} > 0; outputs scale as c^{args['degree']} (rel. error "
        f"{figures['homogeneity_error']:.2g}), penalty constant (change {figures['penalty_change']:.2g}); F falls from "
        f"{losses[0]:.6g} to {losses[-1]:.6g} > 0 as |theta| grows from {figures['norms'][0]:.3g} to {figures['norms'][-1]:.3g}",
    )


@replayable("sphere-below-cubic-bound")
def _check_sphere_bound(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """F(point) < c |point|^3, contradicting the coercivity bound of the cubic regulariser."""
    from landscape.landscapes.modified_nets import CubicReQUNet

    if not isinstance(landscape, CubicReQUNet):
        return CheckResult("sphere-below-cubic-bound", False, "needs the cubic-regularised ReQU network")
    value = float(landscape.loss(_rows(point))[0])
    bound = landscape.coercivity_constant() * float(np.linalg.norm(point)) ** 3
    passed = value < bound * (1.0 - BOUND_SLACK)
    return CheckResult("sphere-below-cubic-bound", passed, f"F = {value:.12g} vs c |theta|^3 = {bound:.12g}")
