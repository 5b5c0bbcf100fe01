r"""The cubic-regularised ReQU network (seed 001 §VI-C, Thm VI.2):
``requ-cubic-regulariser-coercive`` (``holds``, see :func:`requ_check`) and its falsified
variants at the end.  Local minima sit at ReQU kinks (dead neurons, samples on a neuron's
boundary); the certificate that proves them minima, and its inequality, is
:mod:`landscape.oracles.requ_minimum`, replayed by the check ``requ-piecewise-minimum`` here."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.certificates.certificate import Certificate
from landscape.certificates.registry import CheckResult, replayable
from landscape.landscapes.base import DTYPE, Landscape, loss_at
from landscape.landscapes.modified_nets import (
    CubicReQUNet,
    cubic_bound_minimiser,
    sphere_infimum,
)
from landscape.oracles.classify import Tolerances, classify
from landscape.oracles.requ_minimum import (
    RequMinimum,
    certify_requ_minimum,
    revival_direction,
    split_neurons,
)
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.modifications.common import (
    BOUND_SLACK,
    checks_certificate,
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


def requ_instances(scales: tuple[float, ...] = (1e-3, 3e-4), max_samples: int = 3, max_dimension: int = 2,
                   max_extra: int = 1) -> st.SearchStrategy[RequInstance]:
    def build(n: int, d: int) -> st.SearchStrategy[RequInstance]:
        labels = st.tuples(*[st.sampled_from((1.0, -1.0))] * n)
        return st.builds(RequInstance, grid_inputs(n, d), labels, st.integers(0, max_extra), st.sampled_from(scales))

    return st.tuples(st.integers(2, max_samples), st.integers(1, max_dimension)).flatmap(lambda t: build(*t))


def smallest_requ_instances() -> st.SearchStrategy[RequInstance]:
    """n = 2 scalar inputs, m = n + 1: the size the variant's counterexamples shrink to anyway."""
    return requ_instances(max_samples=2, max_dimension=1, max_extra=0)


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


NEWTON_STEPS = 8  # Newton steps on the live parameters: quadratic convergence where the live Hessian is definite
LBFGS_ITERATIONS = 100  # L-BFGS iterations from each search end point (strong Wolfe line search)
DEAD_SNAP = 0.1  # a neuron whose (a_j, w_j, b_j) has norm below this x the largest is set to zero (a candidate; the certificate judges it)
SNAP_SETTLED = 1e-6  # a snap that moves no coordinate further than this leaves the live neurons converged (Newton finishes)
ESCAPES = 3  # rounds of leaving a saddle (a dead neuron revived, or negative curvature) and converging again
NEGATIVE_CURVATURE = 1e-8  # a Hessian eigenvalue below -this x max(1, ||H||) is a direction to leave a saddle by
REVIVAL_STEP = 0.5  # largest step tried from a saddle (norm of a revived (a_j, v_j), or along negative curvature)
REVIVAL_HALVINGS = 12  # step halvings tried before a revival is given up


def _lbfgs(landscape: CubicReQUNet, point: np.ndarray) -> np.ndarray:
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
    return current if np.all(np.isfinite(current)) else np.asarray(point, dtype=np.float64)


def neuron_indices(landscape: CubicReQUNet, j: int) -> list[int]:
    """The coordinates of neuron j in theta: w_j, b_j, a_j."""
    m, d = landscape.width, landscape.widths[0]
    return [j * d + k for k in range(d)] + [m * d + j, m * d + m + j]


def _snap_dead(landscape: CubicReQUNet, point: np.ndarray) -> np.ndarray:
    """``point`` with every dying neuron set to zero: min(|a_j|, |v_j|) below DEAD_SNAP x the
    largest neuron's size (a neuron is dead as soon as either part is zero; at a critical point
    |a_j| = |v_j| for every live one)."""
    split = split_neurons(landscape, point)
    sizes = np.minimum(np.abs(split.a), np.linalg.norm(split.v, axis=1))
    largest = float(np.maximum(np.abs(split.a), np.linalg.norm(split.v, axis=1)).max())
    snapped = point.copy()
    for j in np.flatnonzero(sizes <= DEAD_SNAP * largest):
        snapped[neuron_indices(landscape, int(j))] = 0.0
    return snapped


def _newton_live(landscape: CubicReQUNet, point: np.ndarray) -> np.ndarray:
    """Newton steps on the live neurons' coordinates while they lower |grad F| (the dead ones
    stay exactly zero, where their gradient vanishes)."""
    live = sorted(k for j in split_neurons(landscape, point).live for k in neuron_indices(landscape, j))
    current = point
    for _ in range(NEWTON_STEPS if live else 0):
        at = torch.as_tensor(current, dtype=DTYPE)[None]
        gradient, hessian = landscape.gradient(at)[0].numpy(), landscape.hessian(at)[0].numpy()
        candidate = current.copy()
        try:
            candidate[live] -= np.linalg.solve(hessian[np.ix_(live, live)], gradient[live])
        except np.linalg.LinAlgError:
            break
        if not float(landscape.gradient(torch.as_tensor(candidate, dtype=DTYPE)[None]).norm()) < np.linalg.norm(gradient):
            break
        current = candidate
    return current


def converge(landscape: CubicReQUNet, point: np.ndarray) -> np.ndarray:
    """Drive a search end point to a critical point the certificate can judge: L-BFGS (float64,
    strong Wolfe); dying neurons (:func:`_snap_dead`: their cubic decay is too slow for any
    descent) set exactly to zero; Newton steps on the live ones.  At a degenerate saddle (a dead
    neuron whose cubic form is indefinite, ``revival_direction``) the neuron is revived along its
    descent direction, at a strict saddle the point steps along the Hessian's lowest eigenvector,
    and the point is converged again, at most ESCAPES times."""
    current = _lbfgs(landscape, np.asarray(point, dtype=np.float64))
    for round_ in range(ESCAPES + 1):
        snapped = _snap_dead(landscape, current)
        if np.abs(snapped - current).max() > SNAP_SETTLED:  # dead neurons stay exactly zero under L-BFGS (zero gradient)
            snapped = _lbfgs(landscape, snapped)
        current = _newton_live(landscape, snapped)
        if round_ == ESCAPES:
            break
        if not np.array_equal(_snap_dead(landscape, current), current):
            continue  # a neuron died during the Newton steps: snap it and converge again
        escaped = _escape(landscape, current)
        if escaped is None:
            break
        current = _lbfgs(landscape, escaped)
    return current


def _escape(landscape: CubicReQUNet, point: np.ndarray) -> np.ndarray | None:
    """A lower point next to a saddle: a dead neuron revived, else a step along negative
    curvature; ``None`` when there is neither (or no step lowers F)."""
    revival = revival_direction(landscape, point)
    if revival is not None:
        return _revive(landscape, point, *revival)
    values, vectors = np.linalg.eigh(landscape.hessian(torch.as_tensor(point, dtype=DTYPE)[None])[0].numpy())
    if not values[0] < -NEGATIVE_CURVATURE * max(1.0, float(np.abs(values).max())):
        return None
    base = loss_at(landscape, point)
    for halving in range(REVIVAL_HALVINGS):
        for sign in (1.0, -1.0):
            trial = point + sign * REVIVAL_STEP * 0.5**halving * vectors[:, 0]
            if loss_at(landscape, trial) < base:
                return trial
    return None


def _revive(landscape: CubicReQUNet, point: np.ndarray, neuron: int, direction: np.ndarray) -> np.ndarray | None:
    """The dead ``neuron`` set to s x ``direction`` for the largest s = REVIVAL_STEP / 2^k that
    lowers F (the cubic form's descent holds for small s), or ``None`` when none does."""
    base = loss_at(landscape, point)
    for halving in range(REVIVAL_HALVINGS):
        trial = point.copy()
        trial[neuron_indices(landscape, neuron)] = REVIVAL_STEP * 0.5**halving * np.concatenate([direction[1:], direction[:1]])
        if loss_at(landscape, trial) < base:
            return trial
    return None


@replayable("requ-piecewise-minimum")
def _check_requ_minimum(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Recompute the certificate of ``oracles/requ_minimum`` (dead neurons: cubic bound; live
    kinks: every extension G_s on the ball): a strict local minimum lies within the location
    radius.  Optional claims about that minimum: ``training_error`` (some y_i f_i <= 0 there)
    and ``better_point`` (a point whose loss is below the minimum's value by ``gap_at_least``,
    the gap measured from the lower bound F(x*) - |g|^2/(2m))."""
    if not isinstance(landscape, CubicReQUNet):
        return CheckResult("requ-piecewise-minimum", False, "needs the cubic-regularised ReQU network")
    found = certify_requ_minimum(landscape, np.asarray(point, dtype=np.float64))
    if not found.certified:
        return CheckResult("requ-piecewise-minimum", False, f"not certified: {found.reason}")
    passed = list(found.dead) == list(args["dead"]) and found.ball_radius >= 0.5 * float(args["ball_radius"])
    detail = (f"{len(found.dead)} dead neurons (kappa <= {found.kappa:.6g} < lambda = {found.dead_lambda:.6g}), "
              f"{len(found.ambiguous)} ambiguous live pairs ({found.patterns} extensions): lambda_min >= "
              f"{found.hessian_min_lower_bound:.4g}, M = {found.third_derivative_bound:.4g} on a ball of radius "
              f"{found.ball_radius:.3g}; a strict local minimum lies within {found.location_radius:.3g} of the point")
    if args.get("training_error"):
        passed = passed and found.margin_upper_bound <= 0.0
        detail += f"; there min_i y_i f_i <= {found.margin_upper_bound:.3g}"
    if args.get("better_point") is not None:
        better = np.asarray(args["better_point"], dtype=np.float64)
        if better.shape != point.shape:
            return CheckResult("requ-piecewise-minimum", False, "the better point has the wrong number of coordinates")
        values = landscape.loss(torch.as_tensor(np.stack([point, better]), dtype=DTYPE)).numpy()
        gap = float(values[0] - found.value_lower_bound_drop - values[1])
        passed = passed and gap >= float(args["gap_at_least"]) > 0.0
        detail += f"; the better point's loss {values[1]:.8g} is below the minimum's (>= {values[0] - found.value_lower_bound_drop:.8g}) by {gap:.3g}"
    return CheckResult("requ-piecewise-minimum", passed, detail)


@dataclass(slots=True)
class Judged:
    """The converged end points of one instance, each with its certificate figures."""

    points: np.ndarray
    losses: np.ndarray
    results: list[RequMinimum]

    @property
    def minima(self) -> list[int]:
        return [k for k, result in enumerate(self.results) if result.certified]

    @property
    def best(self) -> int:
        return int(np.argmin(self.losses))

    def value_floor(self, index: int) -> float:
        """A lower bound on the value of the certified minimum near end point ``index``."""
        return float(self.losses[index] - self.results[index].value_lower_bound_drop)


def judge_end_points(landscape: CubicReQUNet, context: Context, seed: int) -> tuple[Judged, int]:
    """(the search's end points converged and certified, the number of starts)."""
    found = small_search(landscape, context, seed)
    points = np.stack([converge(landscape, point) for point in found.points])
    losses = landscape.loss(torch.as_tensor(points, dtype=DTYPE)).numpy()
    return Judged(points, losses, [certify_requ_minimum(landscape, point) for point in points]), found.starts


def minimum_certificate(context: Context, claim: str, landscape: CubicReQUNet, point: np.ndarray, result: RequMinimum,
                        extra: dict[str, Any]) -> Certificate | None:
    """A counterexample certificate resting on ``requ-piecewise-minimum`` (no classification:
    its higher-order probes at the dead neurons' zero Hessian blocks cost minutes), replayed first."""
    args = {"dead": list(result.dead), "ball_radius": result.ball_radius, **extra}
    checks = [{"name": "loss", "args": {"value": loss_at(landscape, point)}},
              {"name": "requ-piecewise-minimum", "args": args}]
    return checks_certificate(context, claim, landscape, point, checks, RIGOUR_NOTE)


RIGOUR_NOTE = ("float64 with an analytic third-derivative bound: the minimum is proved by the dead-neuron cubic bound "
               "and the piecewise radius argument of landscape.oracles.requ_minimum, with float64 eigenvalues")


def requ_check(instance: RequInstance, context: Context) -> Evidence:
    r"""Thm VI.2 (1): F >= c ||theta||^3 (Hoelder, ``landscapes/modified_nets``) against the numerical
    inf over spheres (a point below the bound is a certified counterexample) and the bound's
    tightness.  (2): the search's end points are converged (:func:`converge`) and certified
    (``oracles/requ_minimum``: dead neurons by a cubic bound, live ReQU kinks by the radius
    argument on every smooth extension); every certified strict local minimum must have zero
    training error (all y_i f_i > 0 there), else a certified counterexample.  Certified minima
    above the best end point are counted: at the drawn lambda they exist (neurons with unequal
    lambda_j serving the samples in another assignment), so "global" is not asserted here; the
    falsified variant ``variant-requ-every-local-minimum-global`` certifies one.  An instance
    with no certified minimum is inconclusive: (2) was not exercised there."""
    return _judge_instance(instance, context, global_claim=False)


def _judge_instance(instance: RequInstance, context: Context, global_claim: bool, coercivity: bool = True) -> Evidence:
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    counts: Counter[str] = Counter()
    rows = coercivity_figures(landscape, seed) if coercivity else []  # the variants are about (2) alone
    for row in rows:
        if row["infimum"] < row["bound"] * (1 - BOUND_SLACK):
            return _below_bound(instance, landscape, row, context, seed)
        if abs(row["tight"] - landscape.coercivity_constant() * row["radius"] ** 3) > 1e-9 * row["tight"]:
            return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: the cubic bound is not attained by its minimiser", None, counts)
    counts["sphere"] += len(rows)
    judged, starts = judge_end_points(landscape, context, seed)
    minima = judged.minima
    counts["certified strict local minimum"] += len(minima)
    counts["converged end point not certified"] += len(judged.results) - len(minima)
    scale = landscape.loss_scale()
    above = [k for k in minima if judged.value_floor(k) - judged.losses[judged.best] > GLOBAL_RTOL * scale]
    counts["certified minimum above the best end point"] += len(above)
    for index in minima:
        if judged.results[index].margin_upper_bound <= 0.0:
            return _requ_bad_minimum(instance, landscape, judged, index, context, counts, starts, "training error")
    if global_claim and above:
        return _requ_bad_minimum(instance, landscape, judged, above[0], context, counts, starts, "not global")
    values = ", ".join(f"R={r['radius']:g}: {r['infimum']:.4g} >= {r['bound']:.4g}" for r in rows)
    message = f"{instance!r}: inf F on spheres vs c R^3 ({values}); {len(minima)} certified strict minima of {starts} converged end points"
    if not minima:
        reasons = Counter(result.reason.split(":")[0] for result in judged.results)
        return Evidence(Outcome.INCONCLUSIVE, f"{message}: (2) not exercised ({dict(reasons)})", None, counts, starts)
    undecided = [k for k in minima if not judged.results[k].margin_lower_bound > 0.0]
    if undecided:
        return Evidence(Outcome.INCONCLUSIVE, f"{message}: the sign of a margin at {len(undecided)} of them is not resolved",
                        None, counts, starts)
    margins = min(judged.results[k].margin_lower_bound for k in minima)
    return Evidence(Outcome.SUPPORTS, f"{message}, all with margins > {margins:.3g} ({len(above)} above the best end point "
                    f"{judged.losses[judged.best]:.6g})", None, counts, starts)


def _below_bound(instance, landscape, row, context, seed) -> Evidence:  # type: ignore[no-untyped-def]
    point = row["point"]
    found = classify(landscape, point, None, context.tolerances, seed)
    claim = f"{instance!r}: F = {row['infimum']:.6g} < c |theta|^3 = {row['bound']:.6g} on the sphere of radius {row['radius']:g}"
    checks = [{"name": "sphere-below-cubic-bound", "args": {}}]
    cert = certify("requ-cubic-regulariser-coercive", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({"sphere": 1}), 0)


def _requ_bad_minimum(instance: Any, landscape: CubicReQUNet, judged: Judged, index: int, context: Context,
                      counts: Counter[str], starts: int, failure: str) -> Evidence:
    """A certified strict local minimum with a training error, or one above the best end point."""
    point, result = judged.points[index], judged.results[index]
    where = f"{len(result.dead)} dead neurons, within {result.location_radius:.2g} of the point"
    if failure == "training error":
        claim = (f"{instance!r}: certified strict local minimum ({where}) with F = {judged.losses[index]:.6g} misclassifies "
                 f"a sample (min y_i f_i <= {result.margin_upper_bound:.3g})")
        extra: dict[str, Any] = {"training_error": True}
    else:
        better = judged.points[judged.best]
        gap = judged.value_floor(index) - judged.losses[judged.best]
        claim = (f"{instance!r}: certified strict local minimum ({where}) with F >= {judged.value_floor(index):.8g} above the "
                 f"search's best end point {judged.losses[judged.best]:.8g}")
        extra = {"better_point": [float(v) for v in better], "gap_at_least": 0.5 * gap}
    cert = minimum_certificate(context, claim, landscape, point, result, extra)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, starts)


REQU_CUBIC = Theorem(
    id="requ-cubic-regulariser-coercive",
    title="ReQU, m >= n + 1, cubic regulariser: F is coercive and every local minimum has zero training error",
    source="001 Thm VI.2",
    statement=(
        "$F = \\frac1n\\sum_i \\log(1 + e^{-y_i f(x_i)}) + \\frac13\\sum_j\\lambda_j(|a_j|^3 + 2(\\|w_j\\|^2 + b_j^2)^{3/2})$, "
        "$f = \\sum_j a_j \\max(w_j^\\top x + b_j, 0)^2$.  Coercive: $F \\ge \\|\\theta\\|^3/\\sqrt{11.25\\sum_j\\lambda_j^{-2}}$ "
        "(Hoelder), compared with the numerical infimum over spheres.  Every strict local minimum a search reaches and "
        "certifies (dead neurons by a cubic bound, ReQU kinks by the radius argument on every smooth extension) "
        "classifies all samples correctly.  'Global minimum of F' is not asserted: at the drawn $\\lambda$ certified "
        "minima of different values exist (the falsified variant)."
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


@dataclass(frozen=True, slots=True)
class NarrowRequInstance(RequInstance):
    """One ReQU neuron (m = 1 < n + 1) on samples of both labels: sum_j a_j max(t, 0)^2 has one
    sign, so every point misclassifies a sample of the other label."""

    @property
    def width(self) -> int:
        return 1


def narrow_requ_instances(scales: tuple[float, ...] = (1e-3, 3e-4)) -> st.SearchStrategy[NarrowRequInstance]:
    def build(n: int) -> st.SearchStrategy[NarrowRequInstance]:
        labels = st.tuples(*[st.sampled_from((1.0, -1.0))] * n).filter(lambda y: len(set(y)) == 2)
        return st.builds(NarrowRequInstance, grid_inputs(n, 1), labels, st.just(0), st.sampled_from(scales))

    return st.integers(2, 3).flatmap(build)


def _requ_narrow_check(instance: NarrowRequInstance, context: Context) -> Evidence:
    """(2) with m >= n + 1 dropped: a certified strict local minimum with a training error."""
    return _judge_instance(instance, context, global_claim=False, coercivity=False)


def _requ_global_check(instance: RequInstance, context: Context) -> Evidence:
    """The "global" half of (2) as transcribed: every certified strict local minimum has the
    value of the best end point (within GLOBAL_RTOL)."""
    return _judge_instance(instance, context, global_claim=True, coercivity=False)


VARIANTS = [
    Theorem(
        id="variant-requ-every-local-minimum-global",
        title="(false at the drawn lambda) Every local minimum of the cubic-regularised ReQU loss is a global minimum of F",
        source="001 Thm VI.2 (2), its 'global minimum of F' half, at lambda_j in [s, 2s), s in {1e-3, 3e-4}",
        statement=("Wrong conclusion at these $\\lambda$: the search reaches certified strict local minima (dead neurons "
                   "by the cubic bound, live kinks by the piecewise radius argument) whose value lies above a point the "
                   "search also reached; neurons with unequal $\\lambda_j$ serve the samples in another assignment."),
        expectation=Expectation.HOLDS,
        instances=smallest_requ_instances,
        check=_requ_global_check,
        hypotheses=("m = n + 1 = 3", "distinct scalar inputs, labels +-1", REQU_CUBIC.hypotheses[2]),
        falsifies="requ-cubic-regulariser-coercive",
    ),
    Theorem(
        id="variant-requ-narrow-zero-training-error",
        title="(false) With m < n + 1 ReQU neurons every local minimum still has zero training error",
        source="001 Thm VI.2 with m >= n + 1 dropped (m = 1)",
        statement=("Dropped hypothesis ($m \\ge n + 1$): with one neuron and both labels present the search reaches a "
                   "certified strict local minimum (next to a ReQU kink) that misclassifies a sample."),
        expectation=Expectation.HOLDS,
        instances=narrow_requ_instances,
        check=_requ_narrow_check,
        hypotheses=("m = 1", "distinct scalar inputs, n in 2..3, both labels", REQU_CUBIC.hypotheses[2]),
        falsifies="requ-cubic-regulariser-coercive",
    ),
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
