r"""Positively homogeneous networks (seed 003 §1.4.2, Thm 1.9, Thm 1.10; seed 002, Haeffele-Vidal).

Theorems: ``homogeneous-zero-subnetwork-global`` and ``homogeneous-nonincreasing-path``, checked on the
nondegenerate pair of (1.43), phi = u v^T, theta = (||u||^2 + ||v||^2)/2, where every oracle is exact
(closed-form Hessian, quartic segment polynomials, SVT optimum).  Global optimality is certified by
weak duality for the convex problem (1.48), never by comparing with the best value found.

The one-hidden-layer ReLU pair phi = w2 ReLU(w1^T X) (:mod:`landscape.oracles.relu`, with an exact
polar for two inputs) carries the falsified variant of Thm 1.9.  It is not used for the theorems
themselves: with weight decay its local minima typically put a unit's hyperplane exactly on a data
point (a ReLU kink), where neither gradient descent converges to 1e-8 nor a Hessian classifies, so the
harness could not honestly certify its local minima on the quick budget.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.oracles.certificates import CheckResult, check
from landscape.oracles.classify import PointClass, Tolerances, classify
from landscape.oracles.landscapes import DTYPE, Landscape, loss_at
from landscape.generators.matrices import FactorisationProblem, factorisation_problem
from landscape.oracles.factorisation import MatrixFactorisation, convex_optimum, polar_solution, residual_at
from landscape.oracles.paths import polynomial_maximum
from landscape.oracles.relu import ChainWeightDecay, ReluWeightDecay, relu_polar, widened, with_unit
from landscape.oracles.search import descend, refine
from landscape.theorems.common import certified, certify, survey
from landscape.theorems.factorisation import certify_factorisation_point as certify_point
from landscape.theorems.factorisation import snap_small_columns as snap_columns
from landscape.theorems.factorisation import theory_points as mf_theory_points
from landscape.theorems.factorisation import zero_column
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

GAP_RTOL = 1e-8  # F - D(Q) below this x loss scale counts as a certified global minimum
PATH_GAP_RTOL = 1e-6  # the same at the end of a (finite) gradient-descent path
ESCAPE_EPS = (1e-2, 1e-3, 1e-4)


@dataclass(frozen=True, slots=True)
class ReluInstance:
    """Scalar inputs (with a bias feature, X = [x; 1]), outputs Y (n_2 x n), weight decay, width."""

    inputs: tuple[float, ...]
    outputs: tuple[tuple[float, ...], ...]
    lam: float
    width: int

    def landscape(self) -> ReluWeightDecay:
        x = np.stack([np.array(self.inputs), np.ones(len(self.inputs))])
        return ReluWeightDecay(x, np.array(self.outputs), self.lam, self.width)


@st.composite
def relu_instances(draw: st.DrawFn, min_width: int = 3, max_width: int = 4, extra_width_over_outputs: bool = False) -> ReluInstance:
    """n in [2, 3] distinct inputs in [-2, 2] (gaps >= 0.5), one output, lambda = 0.2; the width is
    n_2 n + 1 (> |phi|, Thm 1.10) when ``extra_width_over_outputs``."""
    n = draw(st.integers(2, 3))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    inputs = tuple(float(v) for v in np.round(-2.0 + np.cumsum(rng.uniform(0.5, 4.0 / n, n)), 3))
    outputs = (tuple(float(v) for v in np.round(rng.uniform(-2.0, 2.0, n), 3)),)
    width = n + 1 if extra_width_over_outputs else draw(st.integers(min_width, max_width))
    return ReluInstance(inputs, outputs, 0.2, width)



@check("lower-point")
def check_lower_point(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Another point ``other`` of the same landscape has F lower by more than ``margin``."""
    other = np.asarray(args["other"], dtype=np.float64)
    here, there = loss_at(landscape, point), loss_at(landscape, other)
    passed = other.shape == point.shape and there < here - float(args["margin"])
    return CheckResult("lower-point", passed, f"F(point) = {here:.12g}, F(other) = {there:.12g}, margin {float(args['margin']):.3g}")


@check("relu-escape")
def check_relu_escape(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Adding one unit sqrt(eps)(w*, u*) from the exact polar solution lowers F for every eps: the point
    is not a global minimum of (1.46) over all widths r."""
    if not isinstance(landscape, ReluWeightDecay):
        return CheckResult("relu-escape", False, "needs a relu-weight-decay landscape")
    polar = relu_polar(landscape.x, landscape.residual(point))
    wider, start = widened(landscape, point)
    base = loss_at(landscape, point)
    changes = [loss_at(wider, with_unit(wider, start, wider.width - 1, polar.inner, polar.outer, math.sqrt(eps))) - base for eps in args["eps"]]
    passed = all(c < -tol.descent * landscape.loss_scale() for c in changes)
    return CheckResult("relu-escape", passed, f"Omega°(R) = {polar.value:.6g}, lambda = {landscape.lam:.6g}; F change: " + ", ".join(f"{c:.3g}" for c in changes))


def searched_points(landscape: ReluWeightDecay, count: int, seed: int, steps: int) -> np.ndarray:
    start = landscape.random_points(count, torch.Generator().manual_seed(seed))
    return refine(landscape, descend(landscape, start, steps), 6).numpy()


def relu_without_zero_unit_check(theorem_id: str):
    """Variant of 003 Thm 1.9 on one-unit ReLU networks: every local minimum is claimed global over all
    widths; refuted by a smooth local minimum with Omega°(R) > lambda and the exact polar escape."""

    def check(instance: ReluInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        points = searched_points(landscape, 3, seed, 150)
        counts: Counter[str] = Counter()
        for index, point in enumerate(points):
            found = classify(landscape, point, None, context.tolerances, seed)
            counts[found.kind.value] += 1
            polar = relu_polar(landscape.x, landscape.residual(point)).value
            if found.kind is PointClass.LOCAL_MINIMUM and polar > landscape.lam * (1 + 1e-6):
                claim = f"start {index}: a local minimum of width {landscape.width} with Omega°(R) = {polar:.6g} > lambda: adding a unit lowers F"
                entry = {"name": "relu-escape", "args": {"eps": list(ESCAPE_EPS)}}
                cert = certify(theorem_id, "counterexample", claim, landscape, point, found, context, seed, [entry])
                return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, len(points))
        return Evidence(Outcome.SUPPORTS, "every local minimum found has Omega°(R) <= lambda", None, counts, len(points))

    return check


def mf_dual_gap(landscape: MatrixFactorisation, point: np.ndarray) -> float:
    r"""F(U, V) - D(Q) with Q = R min(1, lambda / sigma_max(R)), R = Y - UV^T: weak duality for (1.35)
    (the convex problem (1.48) of this pair, Omega = nuclear norm, Omega° = sigma_max) bounds F - min F."""
    _, _, residual = residual_at(landscape, point)
    polar = polar_solution(residual).value
    q = residual * min(1.0, landscape.lam / polar) if polar > 0 else residual
    value = loss_at(landscape, point)
    return value - (float((landscape.y * q).sum()) - 0.5 * float((q**2).sum()))


def zero_subnetwork_instances() -> st.SearchStrategy[FactorisationProblem]:
    """Y up to 3 x 3 with 0-3 singular values above lambda and width above + 1 or + 2 (room for a zero pair)."""
    return st.builds(
        lambda n2, n0, above, extra, seed: factorisation_problem(n2, n0, min(above, n2, n0) + extra, min(above, n2, n0), seed),
        st.integers(1, 3), st.integers(1, 3), st.integers(0, 3), st.integers(1, 2), st.integers(0, 2**16),
    )


def zero_subnetwork_check(theorem_id: str):
    """Dispatch: the matrix pair (1.43) or the ReLU pair (:mod:`landscape.theorems.homogeneous_relu`)."""
    matrix = matrix_zero_subnetwork_check(theorem_id)

    def check(instance: FactorisationProblem | ReluInstance, context: Context) -> Evidence:
        if isinstance(instance, ReluInstance):
            from landscape.theorems.homogeneous_relu import relu_zero_unit_check

            return relu_zero_unit_check(instance, context)
        return matrix(instance, context)

    return check


def matrix_zero_subnetwork_check(theorem_id: str):
    r"""Property of 003 Thm 1.9 for the pair phi = u v^T, theta = (||u||^2 + ||v||^2)/2 of (1.43): at every
    certified local minimum (classifier) with an all-zero subnetwork, F equals the value of the convex
    problem (1.48) (closed form by SVT), and weak duality with Q = Y - Phi certifies the same optimum
    independently (gap F - D(Q) <= GAP_RTOL x scale)."""

    def check(problem: FactorisationProblem, context: Context) -> Evidence:
        landscape = problem.landscape()
        seed = context.seed_for(problem)
        found = survey(landscape, context, seed, mf_theory_points(landscape, problem.above), restarts=min(context.budget.restarts, 8))
        counts = found.counts()
        scale = landscape.loss_scale()
        best = convex_optimum(landscape.y, landscape.lam)
        certified_points = 0
        for label, point, kind in found.items():
            point = snap_columns(landscape, point)
            column = zero_column(landscape, point)
            if column is None or not kind.kind.is_minimum:
                continue
            gap = loss_at(landscape, point) - best
            if gap > context.tolerances.loss * max(scale, abs(best)):
                claim = f"{label}: a local minimum with zero pair {column} above the convex optimum by {gap:.6g}"
                checks = [{"name": "zero-column", "args": {"column": column}}, {"name": "convex-gap", "args": {"at_least": 0.5 * gap}}]
                return certify_point(theorem_id, claim, landscape, point, context, seed, checks)
            if mf_dual_gap(landscape, point) > GAP_RTOL * scale:
                return Evidence(Outcome.INCONCLUSIVE, f"{label}: duality gap {mf_dual_gap(landscape, point):.3g} not certified", None, counts, found.restarts)
            certified_points += 1
        outcome = Outcome.SUPPORTS if certified_points else Outcome.INCONCLUSIVE
        return Evidence(outcome, f"{certified_points} zero-pair local minima, each at the convex optimum with a vanishing duality gap", None, counts, found.restarts)

    return check


HOMOGENEOUS_ZERO_SUBNETWORK_GLOBAL = Theorem(
    id="homogeneous-zero-subnetwork-global",
    title="Positively homogeneous networks: a local minimum with an all-zero subnetwork is global",
    source="003 Thm 1.9 (Haeffele-Vidal 2015, 2017) on the pair (1.43); 002 (Haeffele-Vidal slides)",
    statement=(
        "For a nondegenerate pair $(\\phi, \\theta)$, a local minimum of (1.46) with $W_i^{[1]} = \\dots = W_i^{[L]} = 0$ for "
        "some $i$ is a global minimum of (1.46) and $\\Phi_r$ of (1.48).  Checked on $\\phi = uv^\\top$, "
        "$\\theta = (\\|u\\|^2 + \\|v\\|^2)/2$ (the matrix instance (1.43)); the one-unit ReLU variant shows the zero unit matters."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: st.one_of(zero_subnetwork_instances(), relu_instances(min_width=3, max_width=4)),
    check=zero_subnetwork_check("homogeneous-zero-subnetwork-global"),
    hypotheses=("width > number of singular values above lambda (a zero pair is possible)", "ReLU: X = [x; 1], n <= 3 samples, width 3-4"),
)


# -- homogeneous-nonincreasing-path ------------------------------------------------------------

PATH_STEPS = 400
# A segment counts as non-increasing when dF/dt <= DERIVATIVE_RTOL x scale on all of it (exact
# polynomial bound; the allowance absorbs the rounding of nearly flat segments near the end).
DERIVATIVE_RTOL = 1e-10


def armijo_path(landscape: Landscape, start: np.ndarray, steps: int) -> list[np.ndarray]:
    """Iterates of gradient descent with Armijo backtracking (each accepted step lowers F)."""
    theta = torch.as_tensor(start, dtype=DTYPE)[None]
    loss, step, path = landscape.loss(theta), 0.05, [np.asarray(start)]
    floor = 1e-11 * landscape.loss_scale()
    for _ in range(steps):
        grad = landscape.gradient(theta)
        if float(grad.norm()) <= floor:  # converged: further steps would be rounding noise
            break
        for _ in range(30):
            trial = theta - step * grad
            trial_loss = landscape.loss(trial)
            # Armijo decrease, and no overshoot of the minimum along the line (dF/dt <= 0 at the end)
            # so that the straight segment stays non-increasing.
            overshoot = float((landscape.gradient(trial) * grad).sum()) < 0
            if float(trial_loss) <= float(loss) - 1e-4 * step * float((grad**2).sum()) and not overshoot:
                theta, loss, step = trial, trial_loss, step * 1.5
                path.append(theta[0].numpy())
                break
            step *= 0.5
    return path


def increasing_segment(landscape: MatrixFactorisation, nodes: list[np.ndarray]) -> int | None:
    """The first segment on which dF/dt exceeds the allowance (exact quartic bound), else None."""
    allowance = DERIVATIVE_RTOL * landscape.loss_scale()
    for index in range(len(nodes) - 1):
        a, b = (torch.as_tensor(n, dtype=DTYPE) for n in nodes[index : index + 2])
        c = landscape.taylor_coefficients(a, b - a, 4)
        if polynomial_maximum([k * c[k] for k in range(1, 5)]) > allowance:
            return index
    return None


def path_instances() -> st.SearchStrategy[FactorisationProblem]:
    """Y of size n2 x n0 <= 2 x 2 and r = n2 n0 + 1 > |phi| columns."""
    return st.builds(
        lambda n2, n0, above, seed: factorisation_problem(n2, n0, n2 * n0 + 1, min(above, n2, n0), seed),
        st.integers(1, 2), st.integers(1, 2), st.integers(0, 2), st.integers(0, 2**16),
    )


def nonincreasing_path_check(theorem_id: str):
    """Dispatch: the matrix pair (1.43) or the ReLU pair with r = n + 1 units."""
    matrix = matrix_nonincreasing_path_check(theorem_id)

    def check(instance: FactorisationProblem | ReluInstance, context: Context) -> Evidence:
        if isinstance(instance, ReluInstance):
            from landscape.theorems.homogeneous_relu import relu_path_check

            return relu_path_check(instance, context)
        return matrix(instance, context)

    return check


def matrix_nonincreasing_path_check(theorem_id: str):
    r"""Property of 003 Thm 1.10 for the pair (1.43) with r = n_2 n_0 + 1 > |phi| columns: from random
    initialisations, Armijo gradient descent traces a polygonal path whose every segment is certified
    non-increasing (exact quartic bound on dF/dt) and ends at a point certified globally optimal by
    weak duality (gap <= PATH_GAP_RTOL x scale).  Finding none is inconclusive, never a refutation."""

    def check(problem: FactorisationProblem, context: Context) -> Evidence:
        landscape = problem.landscape()
        seed = context.seed_for(problem)
        counts: Counter[str] = Counter()
        for start in landscape.random_points(2, torch.Generator().manual_seed(seed)).numpy():
            nodes = armijo_path(landscape, start, PATH_STEPS)
            bad = increasing_segment(landscape, nodes)
            gap = mf_dual_gap(landscape, nodes[-1])
            if bad is not None or gap > PATH_GAP_RTOL * landscape.loss_scale():
                counts["unresolved-starts"] += 1
                return Evidence(Outcome.INCONCLUSIVE, f"no certified path (rising segment {bad}, duality gap {gap:.3g})", None, counts, 2)
            counts["paths-to-certified-global"] += 1
        return Evidence(Outcome.SUPPORTS, f"{counts['paths-to-certified-global']} certified non-increasing paths to certified global minima", None, counts, 2)

    return check


HOMOGENEOUS_NONINCREASING_PATH = Theorem(
    id="homogeneous-nonincreasing-path",
    title="Positively homogeneous networks with r > |phi| subnetworks: a non-increasing path to a global minimiser",
    source="003 Thm 1.10 (Haeffele-Vidal 2015, 2017) on the pair (1.43)",
    statement=(
        "For a nondegenerate pair $(\\phi, \\theta)$ and $r > |\\phi|$ parallel subnetworks, a non-increasing path to a global "
        "minimiser of (1.50) exists from any initialisation.  Checked on $\\phi = uv^\\top$ with $r = n_2 n_0 + 1$: "
        "gradient-descent paths, every segment certified non-increasing, ending at duality-certified global minima."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: st.one_of(path_instances(), relu_instances(extra_width_over_outputs=True)),
    check=nonincreasing_path_check("homogeneous-nonincreasing-path"),
    hypotheses=("r = n_2 n_0 + 1 > |phi|", "ReLU: X = [x; 1], n <= 3 samples, r = n + 1 > |phi| = n"),
)


def unequal_degree_check(theorem_id: str):
    """Variant: phi = x w_L...w_1 (degree L >= 3) with theta of degree 2.  The origin is a strict local
    minimum (Hessian lambda I) above the point (c, ..., c), c = |y|^{1/L} sign: no non-increasing path
    from the origin reaches the global minimum."""

    def check(instance: tuple[int, float], context: Context) -> Evidence:
        depth, y = instance
        landscape = ChainWeightDecay(depth, 1.0, y, 0.5)
        seed = context.seed_for(instance)
        origin = np.zeros(depth)
        found = classify(landscape, origin, None, context.tolerances, seed)
        lower = np.full(depth, abs(y) ** (1.0 / depth))
        lower[0] *= math.copysign(1.0, y)
        drop = loss_at(landscape, origin) - loss_at(landscape, lower)
        if found.kind is not PointClass.LOCAL_MINIMUM or drop <= 0:
            return Evidence(Outcome.INCONCLUSIVE, f"origin is a {found.kind.value}; drop {drop:.3g}", None, Counter({found.kind.value: 1}), 0)
        claim = f"depth {depth}, y = {y}: the origin is a strict local minimum with F = {found.loss:.6g} while F = {found.loss - drop:.6g} elsewhere"
        entry = {"name": "lower-point", "args": {"other": lower.tolist(), "margin": 0.5 * drop}}
        cert = certify(theorem_id, "counterexample", claim, landscape, origin, found, context, seed, [entry])
        return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({found.kind.value: 1}), 0)

    return check


VARIANTS = [
    Theorem(
        id="variant-homogeneous-min-without-zero-unit",
        title="(false) Every local minimum of a one-unit ReLU network with weight decay is global over all widths",
        source="003 Thm 1.9 with the all-zero subnetwork dropped",
        statement="Dropped hypothesis: with $r = 1$ there is no zero unit to spare; a local minimum with "
        "$\\Omega^\\circ(Y - \\Phi) > \\lambda$ is lowered by adding a unit.",
        expectation=Expectation.HOLDS,
        instances=lambda: relu_instances(min_width=1, max_width=1),
        check=relu_without_zero_unit_check("variant-homogeneous-min-without-zero-unit"),
        hypotheses=("width 1",),
        falsifies="homogeneous-zero-subnetwork-global",
    ),
    Theorem(
        id="variant-nonincreasing-path-unequal-degrees",
        title="(false) Thm 1.10 when phi and theta have different degrees",
        source="003 Thm 1.10 with Def 1.7 (i) (equal degrees) dropped",
        statement="Dropped hypothesis: $\\phi = x w_L\\cdots w_1$ (degree $L \\ge 3$), $\\theta = \\sum w_l^2/2$ (degree 2); the "
        "origin is then a strict sub-optimal local minimum, so no non-increasing path leaves it.",
        expectation=Expectation.HOLDS,
        instances=lambda: st.tuples(st.integers(3, 4), st.sampled_from([2.0, 3.0, -2.5])),
        check=unequal_degree_check("variant-nonincreasing-path-unequal-degrees"),
        hypotheses=("depth 3-4, lambda = 0.5",),
        falsifies="homogeneous-nonincreasing-path",
    ),
]

THEOREMS = [HOMOGENEOUS_ZERO_SUBNETWORK_GLOBAL, HOMOGENEOUS_NONINCREASING_PATH]
