r"""Matrix factorisation with weight decay and the nuclear norm (seed 003 §1.4.1, Prop 1.8; seed 002).

Theorems: ``nuclear-norm-variational-form`` (eq. (1.34)), ``mf-weight-decay-global-certificate``
(Thm 1.5, Cor 1.6), ``mf-polar-escape`` (the meta-algorithm after Cor 1.6), ``omega-properties``
(Prop 1.8 in the matrix case, where Omega is the nuclear norm); falsified variants at the end.
"""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.theorems.budget import BUDGETS
from landscape.generators.matrices import FactorisationProblem, factorisation_problem, factorisation_problems
from landscape.oracles.classify import PointClass, classify
from landscape.landscapes.factorisation import (
    MatrixFactorisation,
    balanced_factors,
    convex_optimum,
    nuclear_norm,
    polar_solution,
    residual_at,
    subset_point,
)
from landscape.landscapes.base import DTYPE
from landscape.oracles.optimum import optimum_of
from landscape.searching.critical_points import CRITICAL_POINT_MIX
from landscape.theorems.common import certified, certify, survey, with_provenance
from landscape.theorems.factorisation.checks import POLAR_RTOL, balanced_point
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.factorisation.polar_meta import meta_algorithm_check
from landscape.theorems.properties import CRITICAL, unexercised
from landscape.theorems.factorisation.omega_relu import ReluOmegaInstance, relu_omega_check, relu_omega_instances

POSITION = 70  # place in the catalogue (landscape.theorems.catalogue)

# Relative tolerance on identities that hold exactly in exact arithmetic (rounding is ~1e-15).
IDENTITY_RTOL = 1e-9
ORBIT_STARTS = 8  # random A per orbit descent, advanced together
ORBIT_STEPS = 150
ORBIT_RATE = 0.05
ORBIT_SEEDS = 3  # factorisations the orbit descent starts from
# The best descent must come within ORBIT_REACH (relative) of ||Z||_* to count as having reached
# the minimum it tests.  From factorisations on the orbit of the balanced factors Adam gets within
# ~1e-9; components invisible in the product (width > rank) are off the orbit and leave ~1e-2.
ORBIT_REACH = 2e-2


def certify_factorisation_point(theorem_id: str, claim: str, landscape: MatrixFactorisation, point: np.ndarray,
                   context: Context, seed: int, checks: list[dict]) -> Evidence:
    optimum = optimum_of(landscape)
    found = classify(landscape, point, None if optimum is None else optimum.value, context.tolerances, seed)
    cert = certify(theorem_id, "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({found.kind.value: 1}), 0)


# -- nuclear-norm-variational-form ---------------------------------------------------------


def nuclear_instances(max_size: int = 3) -> st.SearchStrategy[FactorisationProblem]:
    """Z (as Y) of size n2 x n0 in [1, max_size], full rank, planted singular values >= 1.5 with gaps
    >= 0.5; width = rank + [0, 2]."""
    return st.builds(
        lambda n2, n0, extra, seed: factorisation_problem(n2, n0, min(n2, n0) + extra, 0, seed),
        st.integers(1, max_size), st.integers(1, max_size), st.integers(0, 2), st.integers(0, 2**16),
    )


def random_factorisations(z: np.ndarray, width: int, count: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Factorisations Z = UV^T of width r: the balanced factors moved along the orbit (UA, VA^{-T}),
    plus components invisible in the product (rows of U orthogonal to the rows of V, and back)."""
    u0, v0 = balanced_factors(z, width)
    out = []
    for _ in range(count):
        a = rng.standard_normal((width, width)) + 2.0 * np.eye(width)
        u, v = u0 @ a, v0 @ np.linalg.inv(a).T
        u = u + rng.standard_normal(u.shape) @ (np.eye(width) - np.linalg.pinv(v) @ v)
        v = v + rng.standard_normal(v.shape) @ (np.eye(width) - np.linalg.pinv(u) @ u)
        out.append((u, v))
    return out


def orbit_descent(u: np.ndarray, v: np.ndarray, seed: int) -> tuple[float, np.ndarray, np.ndarray]:
    """min over invertible A of (||UA||^2 + ||VA^{-T}||^2)/2 by batched Adam from ORBIT_STARTS
    random A near the identity: (best value, and the factorisation (UA, VA^{-T}) attaining it).
    Every iterate factorises the same product, so the best one is kept and can be certified."""
    generator = torch.Generator().manual_seed(seed)
    width = u.shape[1]
    a = (torch.eye(width, dtype=DTYPE) + 0.3 * torch.randn(ORBIT_STARTS, width, width, generator=generator, dtype=DTYPE)).requires_grad_()
    uu, vv = torch.as_tensor(u, dtype=DTYPE), torch.as_tensor(v, dtype=DTYPE)
    optimiser = torch.optim.Adam([a], lr=ORBIT_RATE)
    best, best_a = float("inf"), torch.eye(width, dtype=DTYPE)
    for _ in range(ORBIT_STEPS):
        value = 0.5 * ((uu @ a) ** 2).sum((-1, -2)) + 0.5 * ((vv @ torch.linalg.inv(a).transpose(-1, -2)) ** 2).sum((-1, -2))
        finite = torch.where(torch.isfinite(value), value, torch.full_like(value, float("inf"))).detach()
        index = int(finite.argmin())
        if float(finite[index]) < best:
            best, best_a = float(finite[index]), a[index].detach().clone()
        optimiser.zero_grad()
        value.sum().backward()
        optimiser.step()
    a_best = best_a.numpy()
    return best, u @ a_best, v @ np.linalg.inv(a_best).T


def _unbalanced_value(z: np.ndarray) -> float:
    """(||U_Z S||^2 + ||V_Z||^2)/2: the value of the unbalanced SVD factors (U_Z S, V_Z)."""
    singular = np.linalg.svd(z, compute_uv=False)
    return 0.5 * float((singular**2).sum() + len(singular))


def _value(u: np.ndarray, v: np.ndarray) -> float:
    return 0.5 * float((u**2).sum() + (v**2).sum())


def variational_check(theorem_id: str, minimiser: str = "balanced"):
    r"""Property of 003 eq. (1.34): ||Z||_* = min_{UV^T = Z} (||U||^2 + ||V||^2)/2.

    The balanced SVD factors must attain ||Z||_*, and no factorisation found may go below it:
    random factorisations, and an orbit descent along (UA, VA^{-T}) from ORBIT_SEEDS of them
    whose best point is kept, re-checked to factorise Z, and certified when it goes below.  The
    descent is exercised when it lowers the value from its start; it must come down to ||Z||_*
    (within ORBIT_REACH relative), showing it reaches the minimum it tests.  The variant claims
    the minimum is attained by the unbalanced factors (U_Z S, V_Z); it names no point and keeps
    no random factorisation below its bound: only the descent, started above the bound, can refute it.
    """

    def check(problem: FactorisationProblem, context: Context) -> Evidence:
        landscape = problem.landscape()
        seed = context.seed_for(problem)
        rng = np.random.default_rng(seed)
        z = landscape.y
        nuclear = nuclear_norm(z)
        bound = nuclear if minimiser == "balanced" else _unbalanced_value(z)
        margin = IDENTITY_RTOL * max(bound, 1.0)
        candidates: list[np.ndarray] = []
        if minimiser == "balanced":
            point = balanced_point(landscape)
            u, v, residual = residual_at(landscape, point)
            if abs(_value(u, v) - nuclear) > margin or np.linalg.norm(residual) > IDENTITY_RTOL * np.linalg.norm(z):
                claim = f"the balanced SVD factors give {_value(u, v):.12g} != ||Z||_* = {nuclear:.12g}"
                return certify_factorisation_point(theorem_id, claim, landscape, point, context, seed,
                                      [{"name": "variational-form", "args": {"bound": nuclear, "expect": "above"}}])
            candidates = [point] + [landscape.flatten(a, b) for a, b in random_factorisations(z, landscape.width, 32, rng)]
        for candidate in candidates:
            a, b, _ = residual_at(landscape, candidate)
            if _value(a, b) < bound - margin:
                claim = f"a factorisation of Z with (||U||^2+||V||^2)/2 = {_value(a, b):.12g} below the claimed minimum {bound:.12g}"
                return certify_factorisation_point(theorem_id, claim, landscape, candidate, context, seed,
                                      [{"name": "variational-form", "args": {"bound": bound}}])
        return _orbit_search(theorem_id, landscape, z, bound, nuclear, margin, len(candidates), rng, context, seed)

    return check


def _orbit_search(theorem_id, landscape, z, bound, nuclear, margin, tried, rng, context, seed) -> Evidence:
    """Orbit descent from ORBIT_SEEDS random factorisations above ``bound``; certify a point below it."""
    reached, exercised = float("inf"), 0
    for index, (a, b) in enumerate(random_factorisations(z, landscape.width, ORBIT_SEEDS, rng)):
        start = _value(a, b)
        if start < bound - margin:
            continue  # a random start already below: the descent would not be what refutes
        value, u, v = orbit_descent(a, b, seed + index)
        exercised += value < start - margin
        reached = min(reached, value)
        if value < bound - margin:
            point = landscape.flatten(u, v)
            claim = (f"orbit descent from a factorisation at {start:.10g} reached (||U||^2+||V||^2)/2 = {value:.12g} below the "
                     f"claimed minimum {bound:.12g}")
            return certify_factorisation_point(theorem_id, claim, landscape, point, context, seed,
                                  [{"name": "variational-form", "args": {"bound": bound}}])
    counts = Counter(factorisations=tried, orbit_descents=exercised)
    if not exercised:
        return Evidence(Outcome.INCONCLUSIVE, "the orbit descent never lowered its start", None, counts, 0)
    if reached > nuclear * (1.0 + ORBIT_REACH):
        return Evidence(Outcome.INCONCLUSIVE, f"orbit descent stopped at {reached:.10g}, short of ||Z||_* = {nuclear:.10g}", None, counts, 0)
    message = (f"||Z||_* = {nuclear:.6g} attained by the balanced factors; {tried} factorisations and {exercised} orbit "
               f"descents (down to {reached:.10g}) never below it")
    return Evidence(Outcome.SUPPORTS, message, None, counts, 0)


NUCLEAR_NORM_VARIATIONAL_FORM = Theorem(
    id="nuclear-norm-variational-form",
    title="Variational form of the nuclear norm, attained by the balanced SVD factors",
    source="003 eq. (1.34) (Srebro et al. 2004); 002 (matrix factorisation slides)",
    statement=(
        "$\\|Z\\|_* = \\min_{UV^\\top = Z} \\tfrac12(\\|U\\|_F^2 + \\|V\\|_F^2)$, attained by $U = U_Z S^{1/2}$, "
        "$V = V_Z S^{1/2}$."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=BUDGETS["quick"]: nuclear_instances(max_size=budget.sized(3, 8)),
    check=variational_check("nuclear-norm-variational-form"),
    hypotheses=("width >= rank Z", "quick: Z up to 3 x 3; standard: up to 8 x 8"),
)


# -- mf-weight-decay-global-certificate ------------------------------------------------------


def theory_points(landscape: MatrixFactorisation, above: int) -> list[tuple[str, np.ndarray]]:
    """First-order points keeping any subset S of the singular components above lambda, |S| <= r
    (the empty set is the origin), and the same points with a column zeroed when one is free."""
    points = []
    for size in range(0, min(above, landscape.width) + 1):
        for subset in itertools.combinations(range(above), size):
            label = "S={" + ",".join(str(i + 1) for i in subset) + "}"
            points.append((label, subset_point(landscape, subset)))
    return points


def zero_column(landscape: MatrixFactorisation, point: np.ndarray) -> int | None:
    """Index of a column pair (u_i, v_i) that is exactly zero, if any."""
    u, v, _ = residual_at(landscape, point)
    for column in range(landscape.width):
        if not np.any(u[:, column]) and not np.any(v[:, column]):
            return column
    return None


def snap_small_columns(landscape: MatrixFactorisation, point: np.ndarray) -> np.ndarray:
    """Set column pairs of norm below 1e-10 x scale to exactly zero (descent only approaches 0)."""
    u, v, _ = residual_at(landscape, point)
    size = np.sqrt((u**2).sum(0) + (v**2).sum(0))
    small = size <= 1e-10 * max(1.0, float(np.linalg.norm(landscape.y)))
    u[:, small], v[:, small] = 0.0, 0.0
    return landscape.flatten(u, v)


def global_certificate_check(
    theorem_id: str, claim_first_order_global: bool = False, drop_zero_column: bool = False, restarts: int = 8
):
    r"""Property of 003 Thm 1.5 / Cor 1.6 for (1.33) at width r.

    Candidates: the first-order points of :func:`theory_points` and a batched search.  At each
    critical point: Cor 1.6 (i) <Y - UV^T, UV^T> = lambda/2 (||U||^2 + ||V||^2) holds; condition
    (ii) sigma_max(Y - UV^T) <= lambda holds iff F equals the convex optimum (SVT value); a local
    minimum with a zero column pair has the convex optimum's value.  Variants: every first-order
    point is global (drops (ii)); every local minimum is global for (1.33) (drops the zero column).
    The search mixes descent with the saddle-seeking modes; an instance where it reached no
    critical point is undecided (the theory's points alone do not exercise the claim).
    """

    def check(problem: FactorisationProblem, context: Context) -> Evidence:
        landscape = problem.landscape()
        seed = context.seed_for(problem)
        best = convex_optimum(landscape.y, landscape.lam)
        scale = landscape.loss_scale()
        gap_tol = context.tolerances.loss * max(scale, abs(best))
        special = theory_points(landscape, problem.above)
        found = survey(landscape, context, seed, special, restarts=min(context.budget.restarts, restarts), mix=CRITICAL_POINT_MIX)
        counts = found.counts()
        for label, point, kind in found.items():
            if kind.kind is PointClass.NOT_CRITICAL:
                continue
            point = snap_small_columns(landscape, point)
            u, v, residual = residual_at(landscape, point)
            gap = kind.loss - best
            polar = polar_solution(residual).value
            condition_ii = polar <= landscape.lam * (1.0 + POLAR_RTOL)
            lhs, rhs = float((residual * (u @ v.T)).sum()), 0.5 * landscape.lam * float((u**2).sum() + (v**2).sum())
            is_global = gap <= gap_tol
            if claim_first_order_global and not is_global:
                claim = f"{label}: a first-order point with sigma_max(Y - UV^T) = {polar:.6g} > lambda = {landscape.lam:.6g}, F above the optimum by {gap:.6g}"
                checks = [{"name": "polar-condition", "args": {"holds": False}}, {"name": "convex-gap", "args": {"at_least": 0.5 * gap}}]
                return with_provenance(certify_factorisation_point(theorem_id, claim, landscape, point, context, seed, checks), found)
            if drop_zero_column and kind.kind.is_minimum and not is_global:
                claim = f"{label}: a {kind.kind.value} of width {landscape.width} with F above the optimum over all widths by {gap:.6g}"
                return with_provenance(certify_factorisation_point(theorem_id, claim, landscape, point, context, seed, [{"name": "convex-gap", "args": {"at_least": 0.5 * gap}}]), found)
            if abs(lhs - rhs) > IDENTITY_RTOL * max(scale, abs(rhs)) * 1e2:
                return Evidence(Outcome.INCONCLUSIVE,
                                f"{label}: Cor 1.6 (i) off by {lhs - rhs:.3g} at a critical point (numerical trouble?)", None, counts, found.restarts)
            if condition_ii != is_global:
                claim = f"{label}: condition (ii) {'holds' if condition_ii else 'fails'} but F - optimum = {gap:.6g}"
                gap_check = {"at_least": 0.5 * gap} if condition_ii else {"at_most": gap_tol}
                checks = [{"name": "polar-condition", "args": {"holds": condition_ii}}, {"name": "convex-gap", "args": gap_check}]
                return with_provenance(certify_factorisation_point(theorem_id, claim, landscape, point, context, seed, checks), found)
            column = zero_column(landscape, point)
            if column is not None and kind.kind.is_minimum and not is_global:
                claim = f"{label}: a local minimum with zero column {column} but F above the optimum by {gap:.6g}"
                checks = [{"name": "zero-column", "args": {"column": column}}, {"name": "convex-gap", "args": {"at_least": 0.5 * gap}}]
                return with_provenance(certify_factorisation_point(theorem_id, claim, landscape, point, context, seed, checks), found)
        message = f"{len(found.classes)} candidates: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        reason = unexercised(found, list(CRITICAL))
        if reason is not None:
            return with_provenance(Evidence(Outcome.INCONCLUSIVE, f"{message}; {reason}", None, counts, found.restarts), found)
        return with_provenance(
            Evidence(Outcome.SUPPORTS, message + "; Cor 1.6 consistent at every critical point", None, counts, found.restarts), found)

    return check


MF_WEIGHT_DECAY_GLOBAL_CERTIFICATE = Theorem(
    id="mf-weight-decay-global-certificate",
    title="Weight-decayed factorisation: zero-column local minima are global; Cor 1.6 certifies optimality",
    source="003 Thm 1.5, Cor 1.6 (§1.4.1)",
    statement=(
        "For (1.33), a local minimum with a zero column pair is global; $(U, V)$ is global iff Cor 1.6 (i) and (ii), "
        "and (ii) $\\iff \\sigma_{\\max}(Y - UV^\\top) \\le \\lambda$; the global solution is singular value "
        "thresholding of $Y$."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=BUDGETS["quick"]: factorisation_problems(max_size=budget.sized(3, 6), max_width=budget.sized(3, 6)),
    check=global_certificate_check("mf-weight-decay-global-certificate"),
    hypotheses=("lambda > 0 strictly between singular values of Y", "any width r",
                "Y up to 3 x 3 and r <= 3 (quick), up to 6 x 6 and r <= 6 (standard)"),
)


# -- mf-polar-escape -------------------------------------------------------------------------

MF_POLAR_ESCAPE = Theorem(
    id="mf-polar-escape",
    title="Polar escape: the meta-algorithm escapes, re-descends and ends at the global minimum of (1.33)",
    source="003 §1.4.1 meta-algorithm, eq. (1.42) and footnote 10",
    statement=(
        "At a first-order point violating Cor 1.6 (ii), appending $\\epsilon^{1/2}(u, v)$ from the top singular pair "
        "of $Y - UV^\\top$ strictly decreases the objective for small $\\epsilon$; alternating this escape with local "
        "descent reaches lower first-order points and ends at one satisfying (ii), a global minimum.  Run to its end from "
        "the first-order points the search reaches."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda budget=BUDGETS["quick"]: factorisation_problems(min_above=2, max_above=budget.sized(3, 5), max_size=budget.sized(3, 6), width_below_above=True),
    check=meta_algorithm_check("mf-polar-escape"),
    hypotheses=("at least two singular values of Y above lambda, width below their number (so the search's minima "
                "violate (ii))",),
)


# -- omega-properties ------------------------------------------------------------------------


def omega(z: np.ndarray) -> float:
    """Omega_{phi,theta}(Z) for phi = u v^T, theta = (||u||^2 + ||v||^2)/2 (003 eq. (1.47)): the
    variational value at the balanced factors, which also certify the factorisation."""
    u, v = balanced_factors(z)
    if np.linalg.norm(u @ v.T - z) > 1e-10 * max(np.linalg.norm(z), 1e-300):
        raise AssertionError("balanced factors do not reproduce Z")
    return 0.5 * float((u**2).sum() + (v**2).sum())


def omega_check(theorem_id: str):
    r"""Property of 003 Prop 1.8 (i)-(iv) in the matrix case: on random pairs (Q, Z) and scalars,
    Omega(0) = 0 < Omega(Z), Omega(aZ) = a Omega(Z), Omega(Q + Z) <= Omega(Q) + Omega(Z), and
    Omega(tQ + (1-t)Z) <= t Omega(Q) + (1-t) Omega(Z); cross-checked against ||Z||_*."""

    def check(problem: FactorisationProblem, context: Context) -> Evidence:
        rng = np.random.default_rng(context.seed_for(problem))
        shape = problem.y.shape
        failures = []
        for _ in range(16):
            q, z = problem.y @ rng.standard_normal((shape[1], shape[1])), rng.standard_normal(shape)
            a, t = float(rng.uniform(0, 3)), float(rng.uniform(0, 1))
            oq, oz = omega(q), omega(z)
            slack = IDENTITY_RTOL * (oq + oz + 1.0)
            if omega(np.zeros(shape)) != 0.0 or oz <= 0.0:
                failures.append("positive definiteness")
            if abs(omega(a * z) - a * oz) > slack * (1 + a):
                failures.append("homogeneity")
            if omega(q + z) > oq + oz + slack:
                failures.append("triangle inequality")
            if omega(t * q + (1 - t) * z) > t * oq + (1 - t) * oz + slack:
                failures.append("convexity")
            if abs(oz - nuclear_norm(z)) > slack:
                failures.append("Omega != nuclear norm")
        counts = Counter(matrices=16 * 7)
        if failures:
            return Evidence(Outcome.INCONCLUSIVE, f"numerical violations of {sorted(set(failures))} (no exact certificate)", None, counts, 0)
        return Evidence(Outcome.SUPPORTS, "Prop 1.8 (i)-(iv) hold on 16 random (Q, Z, a, t)", None, counts, 0)

    return check


def degenerate_omega_check(theorem_id: str):
    """Variant: theta' = ||w1||^2/2 (nondegeneracy (iii) dropped) claimed to give a positive definite
    Omega; refuted exactly by the family (tU, V/t) whose theta' tends to 0 while the product is Z."""

    def check(problem: FactorisationProblem, context: Context) -> Evidence:
        landscape = problem.landscape()
        seed = context.seed_for(problem)
        point = balanced_point(landscape)
        claim = "Omega' (theta' = ||w1||^2/2) vanishes at Z = Y != 0: (tU, V/t) factorises Z with theta' -> 0"
        return certify_factorisation_point(theorem_id, claim, landscape, point, context, seed, [{"name": "degenerate-regulariser", "args": {}}])

    return check


def omega_properties_check(theorem_id: str):
    """Dispatch: the matrix pair (nuclear norm, exact) or the ReLU pair (certified brackets,
    :mod:`landscape.theorems.factorisation.omega_relu`)."""
    matrix = omega_check(theorem_id)
    relu = relu_omega_check(theorem_id)

    def check(instance: FactorisationProblem | ReluOmegaInstance, context: Context) -> Evidence:
        return relu(instance, context) if isinstance(instance, ReluOmegaInstance) else matrix(instance, context)

    return check


OMEGA_PROPERTIES = Theorem(
    id="omega-properties",
    title="Omega_{phi,theta} is positive definite, 1-homogeneous, subadditive and convex (matrix and ReLU pairs)",
    source="003 Prop 1.8 (Haeffele-Vidal 2015, 2017); Def 1.7",
    statement=(
        "For a nondegenerate pair $(\\phi, \\theta)$, $\\Omega_{\\phi,\\theta}$ of (1.47) is positive definite, positively "
        "homogeneous of degree 1, satisfies the triangle inequality and is convex; checked for $\\phi = uv^\\top$, "
        "$\\theta = (\\|u\\|^2 + \\|v\\|^2)/2$, where $\\Omega$ is the nuclear norm, and for the ReLU pair "
        "$\\phi = w^{[2]}\\operatorname{ReLU}((w^{[1]})^\\top X)$ (scalar output, $n_0 = 2$ with a bias row, $n \\le 4$) "
        "against certified brackets: lower bounds $\\langle R, \\Phi\\rangle$ with exact polar $\\Omega^\\circ(R) \\le 1$, "
        "upper bounds $\\Theta$ of explicit factorisations."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: st.one_of(nuclear_instances(), relu_omega_instances()),
    check=omega_properties_check("omega-properties"),
    hypotheses=("(phi, theta) nondegenerate (Def 1.7): same degree 2, theta >= 0, compact unit set",
                "ReLU instances: distinct samples with a bias row (so every output is representable)"),
)


# -- falsified variants ----------------------------------------------------------------------

VARIANTS = [
    Theorem(
        id="variant-nuclear-norm-unbalanced-factors",
        title="(false) The minimum in (1.34) is attained by the unbalanced factors (U_Z S, V_Z)",
        source="003 eq. (1.34) with 'balanced' dropped",
        statement="Wrong conclusion: the unbalanced SVD factors minimise $(\\|U\\|^2 + \\|V\\|^2)/2$ over $UV^\\top = Z$.",
        expectation=Expectation.HOLDS,
        instances=nuclear_instances,
        check=variational_check("variant-nuclear-norm-unbalanced-factors", minimiser="unbalanced"),
        hypotheses=("singular values of Z >= 1.5, so not all equal to 1",),
        falsifies="nuclear-norm-variational-form",
    ),
    Theorem(
        id="variant-mf-first-order-global",
        title="(false) Every first-order point of (1.33) is a global minimum",
        source="003 Cor 1.6 with condition (ii) dropped",
        statement="Dropped condition: first-order points (which satisfy Cor 1.6 (i)) are claimed global; a point with "
        "$\\sigma_{\\max}(Y - UV^\\top) > \\lambda$ refutes it.",
        expectation=Expectation.HOLDS,
        instances=lambda: factorisation_problems(min_above=1, max_size=3, max_width=3),
        check=global_certificate_check("variant-mf-first-order-global", claim_first_order_global=True, restarts=8),
        hypotheses=("at least one singular value above lambda",),
        falsifies="mf-weight-decay-global-certificate",
    ),
    Theorem(
        id="variant-mf-local-min-without-zero-column",
        title="(false) Every local minimum of (1.33) at a fixed width is global over all widths",
        source="003 Thm 1.5 with the zero-column hypothesis dropped",
        statement="Dropped hypothesis: with width $r$ below the number of singular values above $\\lambda$, the width-$r$ "
        "minimum (no zero column) is claimed to reach the convex optimum.",
        expectation=Expectation.HOLDS,
        instances=lambda: factorisation_problems(min_above=2, max_size=3, width_below_above=True),
        check=global_certificate_check("variant-mf-local-min-without-zero-column", drop_zero_column=True, restarts=8),
        hypotheses=("width < number of singular values above lambda",),
        falsifies="mf-weight-decay-global-certificate",
    ),
    Theorem(
        id="variant-mf-escape-along-data",
        title="(false) Appending the top singular pair of Y (not of Y - UV^T) escapes",
        source="003 §1.4.1 meta-algorithm with the polar problem's matrix replaced",
        statement="Wrong direction: the meta-algorithm appends $\\epsilon^{1/2}$ times the top singular pair of $Y$; at a "
        "searched first-order point violating (ii) that escape does not decrease the objective.",
        expectation=Expectation.HOLDS,
        instances=lambda: factorisation_problems(min_above=2, max_size=3, width_below_above=True),
        check=meta_algorithm_check("variant-mf-escape-along-data", source="data"),
        hypotheses=("two singular values above lambda",),
        falsifies="mf-polar-escape",
    ),
    Theorem(
        id="variant-omega-degenerate-pair",
        title="(false) Omega is positive definite without nondegeneracy (iii)",
        source="003 Def 1.7 (iii) dropped in Prop 1.8 (i)",
        statement="Dropped hypothesis: with $\\theta' = \\|w^{[1]}\\|^2/2$ the set $\\{\\phi : \\theta' \\le 1\\}$ is not "
        "compact, and $\\Omega'(Z) = 0$ for every $Z$.",
        expectation=Expectation.HOLDS,
        instances=nuclear_instances,
        check=degenerate_omega_check("variant-omega-degenerate-pair"),
        hypotheses=("Z != 0",),
        falsifies="omega-properties",
    ),
    Theorem(
        id="variant-omega-relu-degree-two",
        title="(false) Omega of the ReLU pair is positively homogeneous of degree 2, like phi and theta",
        source="003 Prop 1.8 (ii) with the degree of (phi, theta) (Def 1.7 (i)) in place of 1",
        statement="Wrong conclusion: $\\Omega(a\\Phi) = a^2\\,\\Omega(\\Phi)$ for the ReLU pair; refuted when the certified "
        "brackets of $\\Omega(a\\Phi)$ and $a^2\\Omega(\\Phi)$ do not overlap.",
        expectation=Expectation.HOLDS,
        instances=relu_omega_instances,
        check=relu_omega_check("variant-omega-relu-degree-two", relations=("homogeneous",), degree=2.0, tighten=False),
        hypotheses=("Phi != 0 output of a small ReLU net, a != 1",),
        falsifies="omega-properties",
    ),
    Theorem(
        id="variant-omega-relu-additive",
        title="(false) Omega of the ReLU pair is additive: the triangle inequality is an equality",
        source="003 Prop 1.8 (iii) with <= replaced by =",
        statement="Wrong conclusion: $\\Omega(P + Q) = \\Omega(P) + \\Omega(Q)$ for outputs of ReLU nets; refuted by "
        "certified brackets with upper$(P+Q)$ < lower$(P)$ + lower$(Q)$.",
        expectation=Expectation.HOLDS,
        instances=lambda: relu_omega_instances(nonzero_sum=True),
        check=relu_omega_check("variant-omega-relu-additive", relations=("additive",), tighten=False),
        hypotheses=("P, Q outputs of small ReLU nets, P + Q != 0 (not the trivial cancellation)",),
        falsifies="omega-properties",
    ),
]

THEOREMS = [NUCLEAR_NORM_VARIATIONAL_FORM, MF_WEIGHT_DECAY_GLOBAL_CERTIFICATE, MF_POLAR_ESCAPE, OMEGA_PROPERTIES]
