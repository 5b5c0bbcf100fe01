"""The generic replayable checks: each re-verifies one fact about a point with a judge any claim
may use (the point's class, its loss, a descent direction, the exact Taylor expansion, a path, a
minimum's radius, a trajectory).  A check that encodes one family's argument lives with that
family's theorems instead (see :mod:`landscape.certificates.registry`).
"""

from __future__ import annotations

from typing import Any

import math

import numpy as np
import sympy
import torch

from landscape.certificates.registry import CheckResult, replayable
from landscape.landscapes.base import DTYPE, Landscape, landscape_from_spec, loss_at, losses_at
from landscape.oracles.dynamics import gd_trajectory, rate_violation
from landscape.oracles.flat_paths import check_flat_path
from landscape.oracles.infinity import GRID, exact_path_proof, is_decreasing_escape, path_values
from landscape.oracles.minimum_certificate import FLAT_STEPS, NORMAL_MARGIN, ROUNDING, morse_bott_figures, strict_minimum_radius
from landscape.oracles.paths import segment_maximum
from landscape.oracles.wide import valley_figures
from landscape.oracles.classify import Tolerances, classify
from landscape.oracles.optimum import optimum_of
from landscape.oracles.symbolic import SymbolicLandscape, decreases_along_ray, exact, leading_term

@replayable("classification")
def _check_classification(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    optimum = optimum_of(landscape)
    value = None if optimum is None else optimum.value
    found = classify(landscape, point, value, tol, seed=int(args.get("seed", 0)))
    expected = args["expected"]
    passed = found.kind.value == expected
    return CheckResult(
        "classification",
        passed,
        f"expected {expected}, found {found.kind.value} [{found.level}]; loss={found.loss:.12g}, "
        f"|grad|={found.gradient_norm:.3g}, Hessian eigenvalues in [{found.hessian_min:.4g}, {found.hessian_max:.4g}]",
    )


@replayable("loss")
def _check_loss(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    recorded = float(args["value"])
    value = loss_at(landscape, point)
    allowed = tol.loss * max(landscape.loss_scale(), abs(value))
    passed = abs(value - recorded) <= allowed
    return CheckResult("loss", passed, f"recorded {recorded:.15g}, recomputed {value:.15g} (allowed difference {allowed:.2g})")


@replayable("optimum")
def _check_optimum(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    optimum = optimum_of(landscape)
    if optimum is None:
        return CheckResult("optimum", False, "no global-optimum oracle for this landscape")
    recorded = float(args["value"])
    allowed = tol.loss * max(landscape.loss_scale(), abs(recorded))
    passed = abs(optimum.value - recorded) <= allowed
    detail = f"recorded optimum {recorded:.15g}, recomputed {optimum.value:.15g} ({optimum.method})"
    if "gap_at_least" in args:
        gap = loss_at(landscape, point) - optimum.value
        passed = passed and gap >= float(args["gap_at_least"])
        detail += f"; loss - optimum = {gap:.6g} >= {float(args['gap_at_least']):.3g}"
    return CheckResult("optimum", passed, detail)


@replayable("descent")
def _check_descent(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    direction = np.asarray(args["direction"], dtype=np.float64)
    steps = np.asarray(args["steps"], dtype=np.float64)
    if direction.shape != point.shape or steps.size == 0:
        return CheckResult("descent", False, "direction has the wrong length or no step lengths recorded")
    base = loss_at(landscape, point)
    trial = torch.as_tensor(point[None, :] + steps[:, None] * direction[None, :], dtype=DTYPE)
    values = landscape.loss(trial).numpy()
    threshold = base - tol.descent * max(landscape.loss_scale(), abs(base))
    passed = bool((values < threshold).all())
    return CheckResult(
        "descent", passed,
        f"f(x) = {base:.12g}; f(x + t d) for {steps.size} step lengths t in "
        f"[{np.abs(steps).min():.3g}, {np.abs(steps).max():.3g}]: max {values.max():.12g} (must be < {threshold:.12g})",
    )


@replayable("curvature")
def _check_curvature(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """d^T H d against an expected value (e.g. 2(lambda_J - lambda_k) from 003 Thm 1.2)."""
    direction = torch.as_tensor(np.asarray(args["direction"], dtype=np.float64), dtype=DTYPE)
    hessian = landscape.hessian(torch.as_tensor(point, dtype=DTYPE)[None])[0]
    value = float(direction @ hessian @ direction)
    expected = float(args["expected"])
    allowed = float(args.get("rtol", 1e-8)) * max(abs(expected), float(hessian.abs().max()) * float(direction @ direction))
    passed = abs(value - expected) <= allowed and (value < 0) == (expected < 0)
    return CheckResult("curvature", passed, f"d^T H d = {value:.12g}, expected {expected:.12g} (allowed {allowed:.2g})")


@replayable("exact-descent")
def _check_exact_descent(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Exact (sympy): x is exactly critical and f(x + t d) < f(x) for all small t of one sign."""
    symbolic = SymbolicLandscape(landscape)
    gradient = symbolic.gradient(point.tolist())
    if any(g != 0 for g in gradient):
        return CheckResult("exact-descent", False, "the exact gradient at the point is not zero")
    coefficients = symbolic.taylor(point.tolist(), list(args["direction"]))
    sign = decreases_along_ray(coefficients)
    lead = leading_term(coefficients)
    order = None if lead is None else lead[0]
    expected_order = args.get("order")
    passed = sign is not None and (expected_order is None or order == int(expected_order))
    what = "none" if lead is None else f"order {lead[0]}, exact rational coefficient ~ {float(lead[1]):.6g}"
    return CheckResult(
        "exact-descent", passed,
        f"exact gradient = 0; leading term of f(x + t d) - f(x): {what}; "
        + ("decreases for small t" + (" > 0" if sign == 1 else " < 0") if sign else "no decrease shown"),
    )


@replayable("exact-hessian")
def _check_exact_hessian(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Exact (sympy) Hessian: ``zero`` (every entry is 0) or ``indefinite``."""
    hessian = SymbolicLandscape(landscape).hessian(point.tolist())
    expect = args["expect"]
    if expect == "zero":
        passed = all(entry == 0 for entry in hessian)
        return CheckResult("exact-hessian", passed, "every exact Hessian entry is 0" if passed else "the exact Hessian is not zero")
    direction = [exact(v) for v in args["direction"]]
    d = sympy.Matrix(direction)
    value = (d.T * hessian * d)[0]
    passed = bool(value < 0)  # a sympy Boolean is not a bool (sum() over results fails)
    return CheckResult("exact-hessian", passed, f"exact d^T H d = {float(value):.12g} (must be < 0)")


@replayable("separating-coordinate")
def check_separating_coordinate(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The point and ``other`` lie in {F <= level}, coordinate i has opposite signs at them, and F > level
    on {theta_i = 0}: the two points lie in different components of the sublevel set."""
    other = np.asarray(args["other"], dtype=np.float64)
    i, level = int(args["coordinate"]), float(args["level"])
    values = losses_at(landscape, np.stack([point, other]))
    bound = landscape.zero_set_bound(i)
    passed = bool(values.max() <= level and point[i] * other[i] < 0 and bound is not None and bound > level)
    return CheckResult(
        "separating-coordinate", passed,
        f"F = {values[0]:.12g}, {values[1]:.12g} <= u = {level:.12g}; theta_{i} = {point[i]:.6g} vs {other[i]:.6g}; "
        f"F on {{theta_{i} = 0}} >= {bound if bound is not None else 'unknown'} (must exceed u)",
    )


@replayable("path-below-level")
def check_path_below_level(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The polygonal path ``nodes`` starts at the point and every segment stays <= ``level``."""
    nodes = np.asarray(args["nodes"], dtype=np.float64)
    level = float(args["level"])
    starts_here = nodes.ndim == 2 and nodes.shape[1] == point.size and np.array_equal(nodes[0], point)
    bounds = [segment_maximum(landscape, nodes[i], nodes[i + 1]) for i in range(len(nodes) - 1)] if starts_here else []
    passed = bool(starts_here and bounds and max(m for m, _ in bounds) <= level)
    how = "exact polynomial bound" if bounds and all(e for _, e in bounds) else "sampled"
    worst = max((m for m, _ in bounds), default=float("nan"))
    return CheckResult("path-below-level", passed, f"{len(nodes)} nodes; max over segments {worst:.12g} <= u = {level:.12g} ({how})")


@replayable("gd-trajectory")
def check_gd_trajectory(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Replay fixed-step GD (``step``, ``steps``) from ``start`` (default: the point) on ``landscape``
    (default: the certificate's) and check ``expect``:

    * ``converges``: F_T <= ``threshold``;
    * ``stalls``: F_t >= ``threshold`` for every t <= T (finite horizon; never a proof of no convergence);
    * ``rate-violated``: some F_t > F_0 exp(-``rate`` t) (or diverges);
    * ``rate-holds``: F_t <= F_0 exp(-``rate`` t) for every t.
    """
    target = landscape_from_spec(args["landscape"]) if "landscape" in args else landscape
    start = np.asarray(args.get("start", point), dtype=np.float64)
    if start.shape != (target.n_params,):
        return CheckResult("gd-trajectory", False, "start has the wrong number of coordinates")
    run = gd_trajectory(target, start, float(args["step"]), int(args["steps"]))
    losses = run.losses[:, 0]
    expect = args["expect"]
    if expect == "converges":
        passed = bool(np.isfinite(losses[-1]) and losses[-1] <= float(args["threshold"]))
    elif expect == "stalls":
        passed = bool(np.all(np.isfinite(losses)) and losses.min() >= float(args["threshold"]))
    elif expect in ("rate-violated", "rate-holds"):
        violated = rate_violation(losses, float(args["rate"])) is not None
        passed = violated == (expect == "rate-violated")
    else:
        return CheckResult("gd-trajectory", False, f"unknown expectation {expect!r}")
    final = losses[-1]
    return CheckResult(
        "gd-trajectory", passed,
        f"GD eta={float(args['step']):.4g}, {int(args['steps'])} steps on {target.family}: F_0 = {losses[0]:.6g}, "
        f"min F = {np.min(losses):.6g}, F_T = {final:.6g} (expected {expect}"
        + (f", threshold {float(args['threshold']):.3g}" if "threshold" in args else "")
        + (f", rate {float(args['rate']):.3g}" if "rate" in args else "") + ")",
    )


@replayable("power-law-path")
def _check_power_law(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """float64: F strictly decreasing on the grid, norm growing, final value above the better
    point's loss (``better_loss``) by at least ``gap_at_least``."""
    signs = np.asarray(args["signs"], dtype=np.float64)
    exponents = np.asarray(args["exponents"], dtype=np.float64)
    values = path_values(landscape, signs[None], exponents[None])
    ok = bool(is_decreasing_escape(values, exponents[None], float(args["better_loss"]), landscape.loss_scale())[0])
    gap = float(values[0, -1]) - float(args["better_loss"])
    ok = ok and gap >= float(args["gap_at_least"])
    norms = np.linalg.norm(signs[None, :] * GRID[:, None] ** exponents[None, :], axis=1)
    return CheckResult(
        "power-law-path", ok,
        f"theta_i(k) = s_i k^b_i, s = {signs.tolist()}, b = {exponents.tolist()}: F from {values[0, 0]:.6g} "
        f"strictly down to {values[0, -1]:.12g} on {GRID.size} points k in [1, 1e6], |theta| up to {norms[-1]:.3g}; "
        f"level - better loss = {gap:.6g}",
    )


@replayable("exact-path-decrease")
def _check_exact_path(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """sympy: F(theta(u^2)) strictly decreasing on [1, oo), ||theta|| -> oo, limit > ``better_loss``."""
    proof = exact_path_proof(landscape, list(args["signs"]), list(args["exponents"]))
    if proof is None:
        return CheckResult("exact-path-decrease", False, f"no symbolic form for family {landscape.family!r}")
    limit = proof["limit"]
    above = bool(limit.is_finite) and limit > sympy.Rational(str(args["better_loss"])) if limit.is_finite else False
    passed = proof["strictly_decreasing"] and proof["norm_limit"] == sympy.oo and above
    return CheckResult(
        "exact-path-decrease", bool(passed),
        f"exact: F along the path falls from {proof['start']} and dF/du has no root on [1, oo) (Sturm count, "
        f"numerator degree {proof['numerator_degree']}), negative at u = 1; lim F = {limit} > {args['better_loss']}; "
        f"lim |theta|^2 = {proof['norm_limit']}",
    )


@replayable("flat-path")
def _check_flat_path(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The recorded path starts at the point, never rises (segment arguments of the module
    docstring) and ends at least ``drop_at_least`` lower."""
    nodes = [np.asarray(node, dtype=np.float64) for node in args["nodes"]]
    if not nodes or nodes[0].shape != point.shape or not np.array_equal(nodes[0], point):
        return CheckResult("flat-path", False, "the path does not start at the certified point")
    passed, detail, first, last = check_flat_path(landscape, nodes, list(args["kinds"]))
    drop = first - last
    passed = passed and drop >= float(args["drop_at_least"]) > 0.0
    return CheckResult("flat-path", passed, f"{detail}; F {first:.12g} -> {last:.6g} (drop {drop:.6g} >= "
                                            f"{float(args['drop_at_least']):.3g}), never above the start")


@replayable("spurious-valley")
def _check_spurious_valley(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The component of {F <= level} through the point lies in a ball on whose sphere F > level,
    and F inside the ball stays above the loss of a recorded better point: a spurious valley."""
    figures = valley_figures(landscape, point, int(args.get("seed", 0)))
    if figures is None:
        return CheckResult("spurious-valley", False, "no strict-minimum radius certificate at the point")
    level = float(args["level"])
    better = np.asarray(args["better"], dtype=np.float64)
    better_value = float(losses_at(landscape, better[None])[0]) if better.shape == point.shape else math.inf
    passed = figures["value"] <= level < figures["sphere_bound"] and better_value < figures["floor"]
    return CheckResult(
        "spurious-valley", passed,
        f"F(x*) = {figures['value']:.12g} <= u = {level:.12g} < {figures['sphere_bound']:.12g} <= F on the sphere of radius "
        f"{figures['ball_radius']:.3g} ({figures['level_name']}); F >= {figures['floor']:.12g} inside, better point at "
        f"{better_value:.6g}: the component of {{F <= u}} through x* holds no global minimum",
    )


@replayable("strict-minimum-radius")
def _check_strict_radius(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Recompute the radius certificate; it must exist and be at least as strong as recorded."""
    found = strict_minimum_radius(landscape, point, int(args.get("seed", 0)))
    if found is None:
        return CheckResult("strict-minimum-radius", False, "Hessian not provably positive definite, or gradient too large for the radius")
    passed = found["level"] == args["level"] and found["ball_radius"] >= 0.5 * float(args["ball_radius"])
    return CheckResult(
        "strict-minimum-radius", passed,
        f"{found['level']}: lambda_min >= {found['hessian_min_lower_bound']:.4g}, M = {found['third_derivative_bound']:.4g} "
        f"on a ball of radius {found['ball_radius']:.3g}; a strict local minimum lies within "
        f"{found['location_radius']:.3g} of the point (|grad| = {found['gradient_norm']:.2g})",
    )


@replayable("morse-bott-minimum")
def _check_morse_bott(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    figures = morse_bott_figures(landscape, point)
    if figures is None:
        return CheckResult("morse-bott-minimum", False, "the landscape names no flat directions at this point")
    scale = max(landscape.loss_scale(), abs(figures["loss"]))
    flat_ok = figures["loss_variation"] <= 1e3 * ROUNDING * scale
    critical_ok = figures["gradient_max"] <= tol.gradient * scale
    normal_ok = figures["normal_min"] > NORMAL_MARGIN * max(figures["hessian_norm"], 1e-300)
    dimension_ok = figures["flat_dimension"] == int(args["flat_dimension"])
    return CheckResult(
        "morse-bott-minimum", flat_ok and critical_ok and normal_ok and dimension_ok,
        f"{figures['flat_dimension']} flat directions: loss varies by {figures['loss_variation']:.2g} and |grad| <= "
        f"{figures['gradient_max']:.2g} along them (steps up to {FLAT_STEPS[-1]} x max(1, |x|)); normal Hessian "
        f"eigenvalue >= {figures['normal_min']:.4g} at every such point",
    )


@replayable("better-point")
def _check_better_point(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The recorded better point's float64 loss is below the certified minimum's by ``gap_at_least``.

    With ``strict_seed`` the certified minimum is the one the radius certificate locates near the
    point, whose value is only known to be >= F(x*) - |g|^2/(2m): that drop is recomputed and
    subtracted, so the gap is one between the better point and the true minimum, not x*."""
    better = np.asarray(args["point"], dtype=np.float64)
    if better.shape != point.shape:
        return CheckResult("better-point", False, "the better point has the wrong number of coordinates")
    values = landscape.loss(torch.as_tensor(np.stack([point, better]), dtype=DTYPE)).numpy()
    drop, where = 0.0, ""
    if args.get("strict_seed") is not None:
        strict = strict_minimum_radius(landscape, point, int(args["strict_seed"]))
        if strict is None:
            return CheckResult("better-point", False, "no strict-minimum radius certificate to bound the minimum's value")
        drop, where = float(strict["value_lower_bound_drop"]), f" minus |g|^2/(2m) = {float(strict['value_lower_bound_drop']):.3g}"
    gap = float(values[0] - drop - values[1])
    passed = gap >= float(args["gap_at_least"]) > 0.0
    return CheckResult(
        "better-point", passed,
        f"loss at the point {values[0]:.12g}{where}, at the better point {values[1]:.6g} ({args.get('method', '')}); "
        f"gap {gap:.6g} >= {float(args['gap_at_least']):.3g}",
    )
