r"""The cubic-regularised ReQU network (seed 001 §VI-C, Thm VI.2):
``requ-cubic-regulariser-coercive`` (``holds``, see :func:`requ_check`) and its falsified
variant at the end."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.certificates.registry import CheckResult, replayable
from landscape.landscapes.base import DTYPE, Landscape, loss_at
from landscape.landscapes.modified_nets import (
    CubicReQUNet,
    cubic_bound_minimiser,
    sphere_infimum,
)
from landscape.oracles.classify import Tolerances, classify
from landscape.oracles.minimum_certificate import (
    better_point_check,
    strict_minimum_radius,
)
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.modifications.common import (
    BOUND_SLACK,
    grid_inputs,
    rows,
    small_search,
)

POSITION = 142  # place in the catalogue (landscape.theorems.catalogue)


@replayable("sphere-below-cubic-bound")
def _check_sphere_bound(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """F(point) < c |point|^3, contradicting the coercivity bound of the cubic regulariser."""
    if not isinstance(landscape, CubicReQUNet):
        return CheckResult("sphere-below-cubic-bound", False, "needs the cubic-regularised ReQU network")
    value = float(landscape.loss(rows(point))[0])
    bound = landscape.coercivity_constant() * float(np.linalg.norm(point)) ** 3
    passed = value < bound * (1.0 - BOUND_SLACK)
    return CheckResult("sphere-below-cubic-bound", passed, f"F = {value:.12g} vs c |theta|^3 = {bound:.12g}")


SPHERE_RADII = (1.0, 4.0, 16.0, 64.0)
SPHERE_STARTS = 16
GLOBAL_RTOL = 1e-6  # a certified minimum counts as global when F - F_best <= this x loss scale
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True, slots=True)
class RequInstance:
    """Distinct inputs (first coordinate), labels +-1, width m >= n + 1, lambda_j = scale x
    (1 + frac(j x golden ratio)): small, and off any fixed rational pattern."""

    x: tuple[tuple[float, ...], ...]
    y: tuple[float, ...]
    extra: int
    scale: float

    @property
    def width(self) -> int:
        return len(self.y) + 1 + self.extra

    def lambdas(self) -> np.ndarray:
        return self.scale * (1.0 + (np.arange(1, self.width + 1) * GOLDEN) % 1.0)

    def landscape(self, regularised: bool = True) -> CubicReQUNet:
        lambdas = self.lambdas() if regularised else np.zeros(self.width)
        return CubicReQUNet(np.array(self.x), np.array([self.y]), self.width, lambdas)


def requ_instances(scales: tuple[float, ...] = (1e-3, 3e-4)) -> st.SearchStrategy[RequInstance]:
    def build(n: int, d: int) -> st.SearchStrategy[RequInstance]:
        labels = st.tuples(*[st.sampled_from((1.0, -1.0))] * n)
        return st.builds(RequInstance, grid_inputs(n, d), labels, st.integers(0, 1), st.sampled_from(scales))

    return st.tuples(st.integers(2, 3), st.integers(1, 2)).flatmap(lambda t: build(*t))


def coercivity_figures(landscape: CubicReQUNet, seed: int) -> list[dict[str, float]]:
    """Per radius: the numerical inf of F on the sphere, the analytic bound c |theta|^3 there,
    and the penalty at the bound's minimiser (it must equal c R^3: the bound is tight)."""
    constant = landscape.coercivity_constant()
    rows = []
    for index, radius in enumerate(SPHERE_RADII):
        value, point = sphere_infimum(landscape, radius, SPHERE_STARTS, seed + index, steps=150)
        tight = float(landscape.penalty(torch.as_tensor(cubic_bound_minimiser(landscape, radius))[None])[0])
        rows.append({"radius": radius, "infimum": value, "bound": constant * float(np.linalg.norm(point)) ** 3,
                     "tight": tight, "point": point})
    return rows


NEWTON_STEPS = 8  # Newton steps after L-BFGS: quadratic convergence where the Hessian is definite
LBFGS_ITERATIONS = 100  # L-BFGS iterations from each search end point (strong Wolfe line search)


def converge(landscape: CubicReQUNet, point: np.ndarray) -> np.ndarray:
    """Drive a search end point to a critical point: L-BFGS (float64, strong Wolfe), then
    Newton steps while they lower |grad F| (the radius certificate needs |grad| < m rho / 2,
    with m ~ lambda |a| tiny: first-order descent alone stalls far above that)."""
    theta = torch.tensor(point, dtype=DTYPE, requires_grad=True)
    optimiser = torch.optim.LBFGS([theta], lr=1.0, max_iter=LBFGS_ITERATIONS, tolerance_grad=1e-15,
                                  tolerance_change=1e-20, history_size=50, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        value = landscape.loss(theta[None])[0]
        value.backward()
        return value

    optimiser.step(closure)
    current = theta.detach().numpy().copy()
    if not np.all(np.isfinite(current)):
        return np.asarray(point, dtype=np.float64)
    for _ in range(NEWTON_STEPS):
        at = torch.as_tensor(current, dtype=DTYPE)[None]
        gradient, hessian = landscape.gradient(at)[0].numpy(), landscape.hessian(at)[0].numpy()
        try:
            candidate = current - np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        if not float(landscape.gradient(torch.as_tensor(candidate, dtype=DTYPE)[None]).norm()) < np.linalg.norm(gradient):
            break
        current = candidate
    return current


def requ_check(instance: RequInstance, context: Context) -> Evidence:
    r"""Thm VI.2 (1): F >= c ||theta||^3 (Hoelder, ``landscapes/modified_nets``) against the numerical
    inf over spheres (a point below the bound is a certified counterexample) and the bound's
    tightness.  (2): the search's end points are converged (:func:`converge`) and every certified
    strict local minimum (radius certificate on a ball free of ReQU kinks:
    ``CubicReQUNet.smooth_radius``) must have zero training error (all y_i f(x_i) > 0) and F within
    GLOBAL_RTOL of the best point found; else a certified counterexample (better point recorded).
    theta = 0 is a kink of every neuron: no ball there is smooth, so it is never certified (its
    higher-order classification costs minutes at ten parameters).  With no certified minimum only (1) was tested, and the
    evidence says so (counted as "(2) not exercised")."""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    counts: Counter[str] = Counter()
    rows = coercivity_figures(landscape, seed)
    for row in rows:
        if row["infimum"] < row["bound"] * (1 - BOUND_SLACK):
            return _below_bound(instance, landscape, row, context, seed)
        if abs(row["tight"] - landscape.coercivity_constant() * row["radius"] ** 3) > 1e-9 * row["tight"]:
            return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: the cubic bound is not attained by its minimiser", None, counts)
    counts["sphere"] += len(rows)
    found = small_search(landscape, context, seed)
    points = np.stack([converge(landscape, point) for point in found.points])
    theta = torch.as_tensor(points, dtype=DTYPE)
    losses = landscape.loss(theta).numpy()
    margins = (landscape.y[0][None, :] * landscape.outputs(theta)[:, 0, :].numpy()).min(axis=1)
    best = int(np.argmin(losses))
    eigenvalues = torch.linalg.eigvalsh(landscape.hessian(theta)).numpy()
    minima, others = [], []
    for index, (point, lowest) in enumerate(zip(points, eigenvalues[:, 0])):
        if lowest > 0 and strict_minimum_radius(landscape, point, seed) is not None:
            minima.append(index)
        else:
            others.append(index)
    counts["certified strict local minimum"] += len(minima)
    for index in minima:
        gap = losses[index] - losses[best]
        if margins[index] <= 0 or gap > GLOBAL_RTOL * landscape.loss_scale():
            return _requ_bad_minimum(instance, landscape, points[index], points[best], context, seed, counts, margins[index])
    counts["converged end point not certified"] += len(others)
    values = ", ".join(f"R={r['radius']:g}: {r['infimum']:.4g} >= {r['bound']:.4g}" for r in rows)
    message = (f"{instance!r}: inf F on spheres vs c R^3 ({values}); {len(minima)} certified strict minima of {found.starts} "
               f"converged end points (smooth radius >= {min((landscape.smooth_radius(points[i]) for i in minima), default=0.0):.2g})")
    if not minima:  # (1) was tested; (2) was not: say so, and count it
        counts["(2) not exercised: no certified minimum"] += 1
        return Evidence(Outcome.SUPPORTS, f"{message}; (1) only: no certified minimum, so (2) was not exercised "
                        f"(smooth radius at the converged end points {min(landscape.smooth_radius(points[i]) for i in others):.2g})",
                        None, counts, found.starts)
    return Evidence(
        Outcome.SUPPORTS,
        f"{message}; all with margins > 0 (min {margins[minima].min():.3g}) and F = best found {losses[best]:.6g}",
        None, counts, found.starts,
    )


def _below_bound(instance, landscape, row, context, seed) -> Evidence:  # type: ignore[no-untyped-def]
    point = row["point"]
    found = classify(landscape, point, None, context.tolerances, seed)
    claim = f"{instance!r}: F = {row['infimum']:.6g} < c |theta|^3 = {row['bound']:.6g} on the sphere of radius {row['radius']:g}"
    checks = [{"name": "sphere-below-cubic-bound", "args": {}}]
    cert = certify("requ-cubic-regulariser-coercive", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({"sphere": 1}), 0)


def _requ_bad_minimum(instance, landscape, point, better, context, seed, counts, margin) -> Evidence:  # type: ignore[no-untyped-def]
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    strict = strict_minimum_radius(landscape, point, seed)
    checks = [{"name": "strict-minimum-radius", "args": {"level": strict["level"], "ball_radius": strict["ball_radius"], "seed": seed}}]
    better_value = loss_at(landscape, better)
    if found.loss - better_value > 0:
        checks.append(better_point_check(found.loss, better, better_value, "best end point of the search", seed,
                                         strict["value_lower_bound_drop"]))
    claim = (f"{instance!r}: certified strict local minimum with F = {found.loss:.6g} (best found {better_value:.6g}), "
             f"min margin {margin:.3g}")
    cert = certify("requ-cubic-regulariser-coercive", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


REQU_CUBIC = Theorem(
    id="requ-cubic-regulariser-coercive",
    title="ReQU, m >= n + 1, cubic regulariser: F is coercive and every local minimum is global with zero training error",
    source="001 Thm VI.2",
    statement=(
        "$F = \\frac1n\\sum_i \\log(1 + e^{-y_i f(x_i)}) + \\frac13\\sum_j\\lambda_j(|a_j|^3 + 2(\\|w_j\\|^2 + b_j^2)^{3/2})$, "
        "$f = \\sum_j a_j \\max(w_j^\\top x + b_j, 0)^2$.  Coercive: $F \\ge \\|\\theta\\|^3/\\sqrt{11.25\\sum_j\\lambda_j^{-2}}$ "
        "(Hoelder), compared with the numerical infimum over spheres.  Every certified strict local minimum of a search "
        "classifies all samples correctly and has the lowest value found."
    ),
    expectation=Expectation.HOLDS,
    instances=requ_instances,
    check=requ_check,
    hypotheses=("m in {n+1, n+2}", "distinct inputs, labels +-1, n in 2..3", ("lambda_j in [s, 2s), s in {1e-3, 3e-4}, "
                 "golden-ratio spread (the threshold lambda_0(D) is not computable: 'small' is an assumption)")),
)


# -- Falsified variants -----------------------------------------------------------------------

def interpolating_requ_point(landscape: CubicReQUNet) -> np.ndarray:
    """ReQU bumps max(x_1 - t_j, 0)^2 with thresholds between the sorted first coordinates: a
    triangular feature matrix, solved for a so that f(x_i) = y_i; extra neurons dead, a = 0."""
    first = landscape.x[0]
    order = np.argsort(first)
    sorted_x = first[order]
    n, width, d = landscape.n, landscape.width, landscape.widths[0]
    thresholds = np.concatenate([[sorted_x[0] - 1.0], 0.5 * (sorted_x[1:] + sorted_x[:-1])])
    features = np.maximum(first[:, None] - thresholds[None, :], 0.0) ** 2
    a = np.linalg.solve(features, landscape.y[0])
    weights = np.zeros((width, d))
    weights[:, 0] = 1.0
    biases = np.full(width, -(first.max() + 1.0))
    biases[:n] = -thresholds
    outputs = np.zeros(width)
    outputs[:n] = a
    return np.concatenate([weights.reshape(-1), biases, outputs])


def _requ_unregularised_check(instance: RequInstance, context: Context) -> Evidence:
    """Without the regulariser F(c theta) (outputs times c^3) decreases strictly to 0 from an
    interpolating point: a decreasing path to infinity, so F is not coercive."""
    seed = context.seed_for(instance)
    landscape = instance.landscape(regularised=False)
    point = interpolating_requ_point(landscape)
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    checks = [{"name": "scaling-path-decrease", "args": {"coordinates": None, "degree": 3}}]
    claim = f"{instance!r}, lambda = 0: from an interpolating point F(c theta) falls strictly from {found.loss:.6g} towards 0 as c -> infinity"
    cert = certify("variant-requ-no-regulariser-coercive", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({"decreasing path to infinity": 1}), 0)


VARIANTS = [
    Theorem(
        id="variant-requ-no-regulariser-coercive",
        title="(false) Without the cubic regulariser the ReQU loss is still coercive",
        source="001 Thm VI.2 with the regulariser dropped",
        statement="Dropped hypothesis ($\\lambda = 0$): from an interpolating point $F(c\\theta)$ decreases strictly to 0 as $c \\to \\infty$.",
        expectation=Expectation.HOLDS,
        instances=requ_instances,
        check=_requ_unregularised_check,
        hypotheses=("m >= n + 1, distinct first coordinates",),
        falsifies="requ-cubic-regulariser-coercive",
    ),
]

THEOREMS = [REQU_CUBIC]
