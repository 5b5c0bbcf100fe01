r"""Positively homogeneous networks (seed 003 §1.4.2, Thm 1.9, Thm 1.10; seed 002, Haeffele-Vidal).

Theorems: ``homogeneous-zero-subnetwork-global`` and ``homogeneous-nonincreasing-path``, checked on the
nondegenerate pair of (1.43), phi = u v^T, theta = (||u||^2 + ||v||^2)/2, where every oracle is exact
(closed-form Hessian, quartic segment polynomials, SVT optimum).  Global optimality is certified by
weak duality for the convex problem (1.48), never by comparing with the best value found.

The one-hidden-layer ReLU pair phi = w2 ReLU(w1^T X) (:mod:`landscape.landscapes.relu`, with an exact
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

from landscape.certificates.registry import CheckResult, replayable
from landscape.generators.matrices import FactorisationProblem, factorisation_problem
from landscape.landscapes.base import DTYPE, Landscape, loss_at
from landscape.landscapes.factorisation import (
    MatrixFactorisation,
    convex_optimum,
    polar_solution,
    residual_at,
)
from landscape.landscapes.relu import (
    ChainWeightDecay,
    ReluWeightDecay,
    relu_polar,
    widened,
    with_unit,
)
from landscape.oracles.classify import PointClass, Tolerances, classify
from landscape.oracles.paths import polynomial_maximum
from landscape.searching.armijo import armijo_path
from landscape.searching.critical_points import descend, refine
from landscape.theorems.budget import BUDGETS
from landscape.theorems.common import certified, certify, survey
from landscape.theorems.factorisation import (
    certify_factorisation_point as certify_point,
)
from landscape.theorems.factorisation import snap_small_columns as snap_columns
from landscape.theorems.factorisation import theory_points as mf_theory_points
from landscape.theorems.factorisation import zero_column
from landscape.theorems.homogeneous.paths import expose_zero_columns, rescale_and_escape
from landscape.theorems.homogeneous.relu import relu_path_check, relu_zero_unit_check
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

POSITION = 120  # place in the catalogue (landscape.theorems.catalogue)

QUICK = BUDGETS["quick"]
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
def relu_instances(
    draw: st.DrawFn, min_width: int = 3, max_width: int = 4, extra_width_over_outputs: bool = False, max_samples: int = 3
) -> ReluInstance:
    """n in [2, max_samples] distinct inputs in [-2, 2] (gaps >= 0.5), one output, lambda = 0.2; the
    width is n_2 n + 1 (> |phi|, Thm 1.10) when ``extra_width_over_outputs``."""
    n = draw(st.integers(2, max_samples))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    inputs = tuple(float(v) for v in np.round(-2.0 + np.cumsum(rng.uniform(0.5, 4.0 / n, n)), 3))
    outputs = (tuple(float(v) for v in np.round(rng.uniform(-2.0, 2.0, n), 3)),)
    width = n + 1 if extra_width_over_outputs else draw(st.integers(min_width, max_width))
    return ReluInstance(inputs, outputs, 0.2, width)



@replayable("lower-point")
def check_lower_point(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Another point ``other`` of the same landscape has F lower by more than ``margin``."""
    other = np.asarray(args["other"], dtype=np.float64)
    here, there = loss_at(landscape, point), loss_at(landscape, other)
    passed = other.shape == point.shape and there < here - float(args["margin"])
    return CheckResult("lower-point", passed, f"F(point) = {here:.12g}, F(other) = {there:.12g}, margin {float(args['margin']):.3g}")


@replayable("relu-escape")
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
        if not (counts[PointClass.LOCAL_MINIMUM.value] or counts[PointClass.GLOBAL_MINIMUM.value]):
            # the claim is about local minima: an instance where the search reached none is undecided
            return Evidence(Outcome.INCONCLUSIVE, f"no minimum reached in {len(points)} starts", None, counts, len(points))
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


def zero_subnetwork_instances(max_size: int = 3) -> st.SearchStrategy[FactorisationProblem]:
    """Y up to max_size x max_size with 0-max_size singular values above lambda and width above + 1
    or + 2 (room for a zero pair)."""
    return st.builds(
        lambda n2, n0, above, extra, seed: factorisation_problem(n2, n0, min(above, n2, n0) + extra, min(above, n2, n0), seed),
        st.integers(1, max_size), st.integers(1, max_size), st.integers(0, max_size), st.integers(1, 2), st.integers(0, 2**16),
    )


def zero_subnetwork_check(theorem_id: str):
    """Dispatch: the matrix pair (1.43) or the ReLU pair (:mod:`landscape.theorems.homogeneous.relu`)."""
    matrix = matrix_zero_subnetwork_check(theorem_id)

    def check(instance: FactorisationProblem | ReluInstance, context: Context) -> Evidence:
        if isinstance(instance, ReluInstance):
            return relu_zero_unit_check(instance, context)
        return matrix(instance, context)

    return check


def frobenius_convex_optimum(y: np.ndarray, lam: float) -> float:
    """min_Z 1/2 ||Y - Z||^2 + lambda ||Z||_F (the wrong gauge: Frobenius for the nuclear norm),
    attained at Z = (1 - lambda / ||Y||_F)_+ Y."""
    norm = float(np.linalg.norm(y))
    return 0.5 * norm**2 if norm <= lam else lam * norm - 0.5 * lam**2


@replayable("frobenius-gap")
def check_frobenius_gap(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """F at the point exceeds min_Z 1/2||Y - Z||^2 + lambda ||Z||_F by at least ``at_least``."""
    if not isinstance(landscape, MatrixFactorisation):
        return CheckResult("frobenius-gap", False, "needs a matrix-factorisation landscape")
    gap = loss_at(landscape, point) - frobenius_convex_optimum(landscape.y, landscape.lam)
    return CheckResult("frobenius-gap", gap >= float(args["at_least"]), f"F - (Frobenius-gauge optimum) = {gap:.6g} (at least {float(args['at_least']):.3g})")


def matrix_zero_subnetwork_check(theorem_id: str, gauge: str = "nuclear"):
    r"""Property of 003 Thm 1.9 for the pair phi = u v^T, theta = (||u||^2 + ||v||^2)/2 of (1.43).

    At every critical point the search reaches (and the theory's), the zero subnetworks are exposed by
    an orthogonal rotation (F unchanged; :func:`expose_zero_columns`), the rotated point is classified
    again, and where it is a local minimum with an exactly zero column pair, F must equal the value of
    the convex problem (1.48) (closed form by SVT), with weak duality (Q = Y - Phi) certifying the same
    optimum independently.  Decided only where a *searched* minimum had a zero pair exposed.  The
    variant puts the Frobenius norm in place of the gauge Omega (the nuclear norm); it names no point."""

    def check(problem: FactorisationProblem, context: Context) -> Evidence:
        landscape = problem.landscape()
        seed = context.seed_for(problem)
        special = mf_theory_points(landscape, problem.above) if gauge == "nuclear" else []
        found = survey(landscape, context, seed, special, restarts=min(context.budget.restarts, 8))
        counts = found.counts()
        scale = landscape.loss_scale()
        best = convex_optimum(landscape.y, landscape.lam) if gauge == "nuclear" else frobenius_convex_optimum(landscape.y, landscape.lam)
        exposed_minima: Counter[str] = Counter()
        for label, point, kind in found.items():
            if kind.kind is PointClass.NOT_CRITICAL:
                continue
            exposed, _, zeros = expose_zero_columns(landscape, point)
            column = zero_column(landscape, exposed)
            if column is None:
                continue
            again = classify(landscape, exposed, found.optimum, context.tolerances, seed)
            if not again.kind.is_minimum:
                continue
            exposed_minima["searched" if label.startswith("start") else "named"] += 1
            gap = loss_at(landscape, exposed) - best
            if gap > context.tolerances.loss * max(scale, abs(best)):
                what = "the convex optimum" if gauge == "nuclear" else "the Frobenius-gauge optimum"
                claim = f"{label}: rotated to expose {zeros} zero pair(s), a {again.kind.value} with zero pair {column} above {what} by {gap:.6g}"
                gap_check = {"name": "convex-gap" if gauge == "nuclear" else "frobenius-gap", "args": {"at_least": 0.5 * gap}}
                return certify_point(theorem_id, claim, landscape, exposed, context, seed, [{"name": "zero-column", "args": {"column": column}}, gap_check])
            if mf_dual_gap(landscape, exposed) > GAP_RTOL * scale:
                return Evidence(Outcome.INCONCLUSIVE, f"{label}: duality gap {mf_dual_gap(landscape, exposed):.3g} not certified", None, counts, found.restarts)
        counts = Counter(counts)
        counts.update({f"exposed-zero-pair minima ({k})": v for k, v in exposed_minima.items()})
        outcome = Outcome.SUPPORTS if exposed_minima["searched"] else Outcome.INCONCLUSIVE
        message = (f"{exposed_minima['searched']} searched and {exposed_minima['named']} named local minima with a zero pair exposed by "
                   "rotation, each at the convex optimum with a vanishing duality gap")
        return Evidence(outcome, message, None, counts, found.restarts)

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
    instances=lambda budget=QUICK: st.one_of(
        zero_subnetwork_instances(max_size=budget.sized(3, 6)), relu_instances(min_width=3, max_width=4, max_samples=2)
    ),
    check=zero_subnetwork_check("homogeneous-zero-subnetwork-global"),
    hypotheses=("width > number of singular values above lambda (a zero pair is possible)",
                "ReLU: X = [x; 1], n = 2 samples, width 3-4 (with 3 samples descent ends at points with no zero unit: undecided)"),
)


# -- homogeneous-nonincreasing-path ------------------------------------------------------------

PATH_STEPS = 400
# A segment counts as non-increasing when dF/dt <= DERIVATIVE_RTOL x scale on all of it (exact
# polynomial bound; the allowance absorbs the rounding of nearly flat segments near the end).
DERIVATIVE_RTOL = 1e-10


def increasing_segment(landscape: MatrixFactorisation, nodes: list[np.ndarray]) -> int | None:
    """The first segment on which dF/dt exceeds the allowance (exact quartic bound), else None."""
    allowance = DERIVATIVE_RTOL * landscape.loss_scale()
    for index in range(len(nodes) - 1):
        a, b = (torch.as_tensor(n, dtype=DTYPE) for n in nodes[index : index + 2])
        c = landscape.taylor_coefficients(a, b - a, 4)
        if polynomial_maximum([k * c[k] for k in range(1, 5)]) > allowance:
            return index
    return None


def path_instances(min_above: int = 0, max_size: int = 2) -> st.SearchStrategy[FactorisationProblem]:
    """Y of size n2 x n0 <= max_size x max_size and r = n2 n0 + 1 > |phi| columns, at least
    ``min_above`` singular values above lambda."""
    return st.builds(
        lambda n2, n0, above, seed: factorisation_problem(n2, n0, n2 * n0 + 1, min(above, n2, n0), seed),
        st.integers(max(1, min_above), max_size), st.integers(max(1, min_above), max_size), st.integers(min_above, max_size),
        st.integers(0, 2**16),
    )


def nonincreasing_path_check(theorem_id: str):
    """Dispatch: the matrix pair (1.43) or the ReLU pair with r = n + 1 units."""
    matrix = matrix_nonincreasing_path_check(theorem_id)

    def check(instance: FactorisationProblem | ReluInstance, context: Context) -> Evidence:
        if isinstance(instance, ReluInstance):
            return relu_path_check(instance, context)
        return matrix(instance, context)

    return check


ESCAPE_ROUNDS = 3  # rescale-and-escape rounds per path (one per missing singular component suffices)


def stuck_starts(landscape: MatrixFactorisation, above: int, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """First-order points violating Cor 1.6 (ii) (the theory's subsets missing a component above
    lambda), each turned by a random rotation so that no zero column shows: gradient descent from
    them does not move, and the rotation must be found again."""
    out = []
    for label, point in mf_theory_points(landscape, above):
        _, _, residual = residual_at(landscape, point)
        if polar_solution(residual).value <= landscape.lam * (1.0 + 1e-7):
            continue
        q, _ = np.linalg.qr(rng.standard_normal((landscape.width, landscape.width)))
        u, v, _ = residual_at(landscape, point)
        out.append((f"{label} rotated", landscape.flatten(u @ q, v @ q)))
    return out


def certified_path(landscape: MatrixFactorisation, start: np.ndarray, source: str = "residual") -> tuple[str, int, np.ndarray | None]:
    """Descend (Armijo, segments certified); while the end is not duality-certified global, rescale
    and escape, then descend again.  Returns (outcome, escapes, the stuck point where an escape rose):
    outcome ``global``, ``rises`` (a descent segment rose: undecided), ``escape-rises`` or ``stuck``."""
    point, escapes = start, 0
    for _ in range(ESCAPE_ROUNDS + 1):
        nodes = armijo_path(landscape, point, PATH_STEPS)
        if increasing_segment(landscape, nodes) is not None:
            return "rises", escapes, None
        point = nodes[-1]
        if mf_dual_gap(landscape, point) <= PATH_GAP_RTOL * landscape.loss_scale():
            return "global", escapes, None
        path = rescale_and_escape(landscape, point, source)
        if path.rises is not None:
            return "escape-rises", escapes, point
        if path.end is None or len(path.pieces) < 2:
            return "stuck", escapes, None
        point, escapes = path.end, escapes + 1
    return "stuck", escapes, None


def matrix_nonincreasing_path_check(theorem_id: str, source: str = "residual"):
    r"""Property of 003 Thm 1.10 for the pair (1.43) with r = n_2 n_0 + 1 > |phi| columns.

    From random initialisations and from *stuck* starts (first-order points violating (ii), rotated
    so that no zero column shows; gradient descent alone does not leave them), the harness builds the
    proof's path: Armijo descent (each segment certified non-increasing by the exact quartic bound),
    and where it ends above the optimum, a flat rotation arc exposing a zero pair, the escape segment
    along the top singular pair of Y - UV^T (certified non-increasing), and descent again -- until a
    point certified globally optimal by weak duality.  Decided only when every start got such a path
    and at least one stuck start needed an escape.  The variant escapes along Y's top pair; its escape
    segment rises at a searched-for stuck point (certified by the exact quartic bound)."""

    def check(problem: FactorisationProblem, context: Context) -> Evidence:
        landscape = problem.landscape()
        seed = context.seed_for(problem)
        rng = np.random.default_rng(seed)
        counts: Counter[str] = Counter()
        randoms = [(f"start {i}", p) for i, p in enumerate(landscape.random_points(2, torch.Generator().manual_seed(seed)).numpy())]
        starts = ([] if source != "residual" else randoms) + stuck_starts(landscape, problem.above, rng)
        for label, start in starts:
            outcome, escapes, stuck = certified_path(landscape, start, source)
            counts["escapes"] += escapes
            if outcome == "escape-rises":
                claim = (f"{label}: at the first-order point reached after {escapes} escape(s) and descent, the escape along the top "
                         f"pair of {'Y' if source == 'data' else 'Y - UV^T'} into the zero pair the rotation exposes rises")
                return certify_point(theorem_id, claim, landscape, stuck, context, seed,
                                     [{"name": "escape-segment-rises", "args": {"source": source}}])
            if outcome != "global":
                counts["unresolved-starts"] += 1
                return Evidence(Outcome.INCONCLUSIVE, f"{label}: no certified path ({outcome})", None, counts, len(randoms))
            counts["paths-to-certified-global" + (" (stuck start)" if "rotated" in label else "")] += 1
        stuck_paths = counts["paths-to-certified-global (stuck start)"]
        outcome = Outcome.SUPPORTS if stuck_paths or problem.above == 0 else Outcome.INCONCLUSIVE
        message = (f"{counts['paths-to-certified-global']} random and {stuck_paths} stuck starts: certified non-increasing paths "
                   f"({counts['escapes']} rescale-and-escape steps) to duality-certified global minima")
        return Evidence(outcome, message, None, counts, len(randoms))

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
    instances=lambda budget=QUICK: st.one_of(path_instances(max_size=budget.sized(2, 3)), relu_instances(extra_width_over_outputs=True, max_samples=2)),
    check=nonincreasing_path_check("homogeneous-nonincreasing-path"),
    hypotheses=("r = n_2 n_0 + 1 > |phi|; quick: Y up to 2 x 2, standard: up to 3 x 3",
                "ReLU: X = [x; 1], n = 2 samples, r = n + 1 > |phi| = n (with 3 samples the path often stays above the optimum "
                "after its phases: undecided, so left out)"),
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
        id="variant-homogeneous-frobenius-gauge",
        title="(false) Thm 1.9 with the Frobenius norm in place of the gauge Omega",
        source="003 Thm 1.9 (i) with (1.48)'s Omega (the nuclear norm for this pair) replaced by ||.||_F",
        statement="Wrong conclusion: a local minimum of (1.43) with an all-zero column pair attains "
        "$\\min_Z \\tfrac12\\|Y - Z\\|_F^2 + \\lambda\\|Z\\|_F$.  Judged only at searched minima whose zero pair the "
        "rotation exposes.",
        expectation=Expectation.HOLDS,
        instances=zero_subnetwork_instances,
        check=matrix_zero_subnetwork_check("variant-homogeneous-frobenius-gauge", gauge="frobenius"),
        hypotheses=("width > number of singular values above lambda",),
        falsifies="homogeneous-zero-subnetwork-global",
    ),
    Theorem(
        id="variant-nonincreasing-path-escape-along-data",
        title="(false) Thm 1.10's escape works along the top singular pair of Y",
        source="003 Thm 1.10's path (flat rotation, escape, descent) with the polar problem's matrix replaced by Y",
        statement="Wrong construction: from a stuck first-order point, after the flat rotation exposes a zero pair, the "
        "segment putting the top singular pair of $Y$ (not of $Y - UV^\\top$) into it is claimed non-increasing; "
        "the exact quartic bound shows it rises.",
        expectation=Expectation.HOLDS,
        instances=lambda: path_instances(min_above=2),
        check=matrix_nonincreasing_path_check("variant-nonincreasing-path-escape-along-data", source="data"),
        hypotheses=("2 x 2, two singular values above lambda, r = 5",),
        falsifies="homogeneous-nonincreasing-path",
    ),
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
