"""Replayable certificate checks for matrix factorisation with weight decay (seed 003 §1.4.1).

Each check rebuilds everything from the certificate's landscape (Y, lambda, width) and point; see
:mod:`landscape.certificates.certificate` for the protocol.  Relative tolerances are named below.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from landscape.certificates.registry import CheckResult, replayable
from landscape.landscapes.base import Landscape, loss_at
from landscape.landscapes.factorisation import (
    MatrixFactorisation,
    appended,
    balanced_factors,
    convex_optimum,
    nuclear_norm,
    polar_solution,
    residual_at,
)
from landscape.oracles.classify import Tolerances
from landscape.oracles.symbolic import exact_matrix

# A product UV^T counts as equal to Y when ||UV^T - Y||_F <= FACTOR_RTOL ||Y||_F (rounding of a
# few matrix products is ~1e-15 relative).
FACTOR_RTOL = 1e-10
# sigma_max(Y - UV^T) <= lambda (1 + POLAR_RTOL) counts as condition (ii) of 003 Cor 1.6: at a
# refined first-order point the residual is exact to ~1e-13 relative.
POLAR_RTOL = 1e-7


def _needs_factorisation(landscape: Landscape, name: str) -> CheckResult | None:
    if isinstance(getattr(landscape, "base", landscape), MatrixFactorisation):  # a planted one too: its factors are the base's
        return None
    return CheckResult(name, False, f"landscape family {landscape.family!r} is not matrix-factorisation")



@replayable("variational-form")
def check_variational_form(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The point's (U, V) factor Y, and (||U||^2 + ||V||^2)/2 < ``bound`` (default ||Y||_*): a
    factorisation beating the claimed minimum of (1.34); with ``expect='above'``, > ``bound``."""
    problem = _needs_factorisation(landscape, "variational-form")
    if problem:
        return problem
    u, v, residual = residual_at(landscape, point)
    scale = max(float(np.linalg.norm(landscape.y)), 1e-300)
    factors = float(np.linalg.norm(residual)) <= FACTOR_RTOL * scale
    value = 0.5 * float((u**2).sum() + (v**2).sum())
    bound = float(args["bound"]) if "bound" in args else nuclear_norm(landscape.y)
    margin = tol.loss * max(abs(bound), 1.0)
    above = args.get("expect", "below") == "above"
    passed = factors and (value > bound + margin if above else value < bound - margin)
    return CheckResult(
        "variational-form", passed,
        f"||UV^T - Y|| = {np.linalg.norm(residual):.3g} (factorises: {factors}); (||U||^2+||V||^2)/2 = {value:.12g} "
        f"vs bound {bound:.12g} (||Y||_* = {nuclear_norm(landscape.y):.12g}); must be {'above' if above else 'below'} by {margin:.2g}",
    )


@replayable("polar-condition")
def check_polar_condition(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Whether sigma_max(Y - UV^T) <= lambda (003 Cor 1.6 (ii)) matches ``holds``."""
    problem = _needs_factorisation(landscape, "polar-condition")
    if problem:
        return problem
    _, _, residual = residual_at(landscape, point)
    polar = polar_solution(residual).value
    holds = polar <= landscape.lam * (1.0 + POLAR_RTOL)
    expected = bool(args["holds"])
    return CheckResult(
        "polar-condition", holds == expected,
        f"sigma_max(Y - UV^T) = {polar:.12g}, lambda = {landscape.lam:.12g}: condition (ii) {'holds' if holds else 'fails'} "
        f"(expected {'holds' if expected else 'fails'})",
    )


@replayable("convex-gap")
def check_convex_gap(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """F(U, V) minus the value of the convex problem (1.35) at D_lambda(Y) (the infimum of (1.33)
    over every width) is at least ``at_least`` or at most ``at_most``."""
    problem = _needs_factorisation(landscape, "convex-gap")
    if problem:
        return problem
    gap = loss_at(landscape, point) - convex_optimum(landscape.y, landscape.lam)
    passed = True
    if "at_least" in args:
        passed &= gap >= float(args["at_least"])
    if "at_most" in args:
        passed &= gap <= float(args["at_most"])
    bounds = ", ".join(f"{k} {float(v):.3g}" for k, v in args.items() if k in ("at_least", "at_most"))
    return CheckResult("convex-gap", passed, f"F - (convex optimum by SVT) = {gap:.6g} ({bounds})")


@replayable("zero-column")
def check_zero_column(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Column ``column`` of U and of V is exactly zero (the hypothesis of 003 Thm 1.5)."""
    problem = _needs_factorisation(landscape, "zero-column")
    if problem:
        return problem
    u, v, _ = residual_at(landscape, point)
    column = int(args["column"])
    size = float(np.abs(u[:, column]).max(initial=0.0) + np.abs(v[:, column]).max(initial=0.0))
    return CheckResult("zero-column", size == 0.0, f"max |entry| of column {column} of U and V: {size:.3g}")


@replayable("polar-escape")
def check_polar_escape(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Appending sqrt(eps) (u, v) as a new column (u, v: the top singular pair of Y - UV^T, or of Y
    with ``source='data'``) lowers F below F(U, V) for every eps in ``eps`` (``expect='decrease'``)
    or for none of them (``expect='no-decrease'``)."""
    problem = _needs_factorisation(landscape, "polar-escape")
    if problem:
        return problem
    _, _, residual = residual_at(landscape, point)
    target = landscape.y if args.get("source", "residual") == "data" else residual
    polar = polar_solution(target)
    base = loss_at(landscape, point)
    threshold = base - tol.descent * max(landscape.loss_scale(), abs(base))
    changes = []
    for eps in args["eps"]:
        wider, trial = appended(landscape, point, polar.left, polar.right, float(eps))
        changes.append(loss_at(wider, trial) - base)
    decreased = [base + c < threshold for c in changes]
    expect = args["expect"]
    passed = all(decreased) if expect == "decrease" else not any(decreased)
    return CheckResult(
        "polar-escape", passed,
        f"sigma_max = {polar.value:.6g}, lambda = {landscape.lam:.6g}; F change for eps in {list(args['eps'])}: "
        + ", ".join(f"{c:.3g}" for c in changes) + f" (expected: {expect})",
    )


@replayable("degenerate-regulariser")
def check_degenerate_regulariser(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Exact (sympy): for the point's (U, V) with UV^T = Y != 0, the family (tU, V/t) keeps the product
    and theta'(tU, V/t) = ||tU||^2/2 -> 0 as t -> 0, so Omega'(Y) = 0 for the degenerate pair
    theta' = ||w1||^2 / 2 (nondegeneracy (iii) of 003 Def 1.7 dropped)."""
    import sympy


    problem = _needs_factorisation(landscape, "degenerate-regulariser")
    if problem:
        return problem
    u, v, _ = residual_at(landscape, point)
    t = sympy.Symbol("t", positive=True)
    uu, vv, yy = exact_matrix(u), exact_matrix(v), exact_matrix(landscape.y)
    product_constant = sympy.simplify((t * uu) * (vv / t).T - uu * vv.T) == sympy.zeros(*yy.shape)
    regulariser = sympy.expand(sum(e**2 for e in t * uu) / 2)
    vanishes = sympy.limit(regulariser, t, 0) == 0
    factors = float(np.linalg.norm(landscape.y - u @ v.T)) <= FACTOR_RTOL * max(float(np.linalg.norm(landscape.y)), 1e-300)
    nonzero = bool(np.any(landscape.y != 0))
    passed = bool(product_constant and vanishes and factors and nonzero)
    return CheckResult(
        "degenerate-regulariser", passed,
        f"Y != 0: {nonzero}; UV^T = Y: {factors}; (tU)(V/t)^T = UV^T exactly: {product_constant}; "
        f"theta'(tU, V/t) = {regulariser} -> 0 as t -> 0: {vanishes}",
    )


def balanced_point(landscape: MatrixFactorisation) -> np.ndarray:
    """The balanced SVD factors of Y padded to the landscape's width (needs width >= rank Y)."""
    u, v = balanced_factors(landscape.y, landscape.width)
    return landscape.flatten(u, v)
