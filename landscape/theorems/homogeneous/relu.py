r"""The one-hidden-layer ReLU network with weight decay as an instance of 003 Thm 1.9 and Thm 1.10.

phi(X, w1, w2) = w2 ReLU(w1^T X), theta = (||w1||^2 + ||w2||^2)/2 is the nondegenerate pair named
in 003 §1.4.2.  Its minima typically sit on kinks (a unit's hyperplane through a sample), so the
properties here never rely on a Hessian at the end point:

* candidates are polished on their smooth piece (:func:`~landscape.oracles.relu_pieces.polish`:
  dead or tiny units snapped to exactly zero, kinks held as constraints, damped Newton);
* global optimality is certified by weak duality for the convex problem (1.48) with the exact polar
  of :func:`~landscape.landscapes.relu.relu_polar` (gap F - D(Q) <= GAP_RTOL x scale), i.e. exactly the
  conclusion of Thm 1.9, which also evidences the local-minimum hypothesis (a global minimum is local);
* a candidate with a zero unit and Omega°(Y - Phi) > lambda is shown *not* to be a local minimum by
  the polar escape (adding sqrt(eps)(w*, u*) lowers F for every eps tried), so it is outside the
  theorem's hypothesis;
* monotonicity of a path is certified exactly: along a segment F is a piecewise quartic with
  breakpoints where pre-activations cross zero (:func:`~landscape.oracles.relu_pieces.segment_slope`).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch

from landscape.landscapes.base import loss_at, losses_at
from landscape.landscapes.relu import (
    ReluWeightDecay,
    dual_bound,
    relu_polar,
    widened,
    with_unit,
)
from landscape.oracles.relu_pieces import flatten, polish, segment_slope, unit_matrices
from landscape.searching.armijo import armijo_path
from landscape.searching.critical_points import descend
from landscape.theorems.model import Context, Evidence, Outcome

GAP_RTOL = 1e-8  # F - D(Q) below this x loss scale: a certified global minimum
SLOPE_RTOL = 1e-10  # a path piece is non-increasing when dF/dt <= this x scale on all of it
ESCAPE_EPS = (1e-2, 1e-3, 1e-4)
POLAR_RTOL = 1e-9  # Omega°(R) > lambda (1 + this) counts as a violated polar condition
RELU_STARTS = 3
PATH_STARTS = 1
PATH_PHASES = 4
PATH_STEPS = 150


def escape_changes(landscape: ReluWeightDecay, point: np.ndarray, unit: int) -> list[float]:
    """F(point with zero unit ``unit`` set to sqrt(eps)(w*, u*)) - F(point) for each eps."""
    polar = relu_polar(landscape.x, landscape.residual(point))
    base = loss_at(landscape, point)
    return [loss_at(landscape, with_unit(landscape, point, unit, polar.inner, polar.outer, math.sqrt(eps))) - base for eps in ESCAPE_EPS]


def polished_points(landscape: ReluWeightDecay, count: int, seed: int, steps: int) -> np.ndarray:
    start = landscape.random_points(count, torch.Generator().manual_seed(seed))
    descended = descend(landscape, start, steps).numpy()
    return np.stack([polish(landscape, point) for point in descended])


def judge_zero_unit_point(landscape: ReluWeightDecay, point: np.ndarray, tolerance: float) -> str:
    """The class of one polished candidate for Thm 1.9 (see the module docstring)."""
    zero = landscape.zero_units(point)
    if not zero:
        return "no-zero-unit"
    gap, polar = dual_bound(landscape, point)
    if gap <= GAP_RTOL * landscape.loss_scale():
        return "certified-global-with-zero-unit"
    if polar > landscape.lam * (1 + POLAR_RTOL) and all(c < -tolerance for c in escape_changes(landscape, point, zero[0])):
        return "zero-unit-not-local-min(polar-escape)"
    return "zero-unit-unresolved"


def relu_zero_unit_check(instance, context: Context) -> Evidence:
    r"""003 Thm 1.9 on the ReLU pair: every polished descent candidate with a zero unit is either
    certified global by duality or certified not a local minimum by the polar escape; a point that
    is neither is counted unresolved (no claim either way)."""
    landscape = instance.landscape()
    seed = context.seed_for(instance)
    points = polished_points(landscape, RELU_STARTS, seed, context.budget.descent_steps)
    tolerance = context.tolerances.descent * landscape.loss_scale()
    counts: Counter[str] = Counter(judge_zero_unit_point(landscape, p, tolerance) for p in points)
    certified = counts["certified-global-with-zero-unit"]
    message = f"ReLU width {landscape.width}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    return Evidence(Outcome.SUPPORTS if certified else Outcome.INCONCLUSIVE, message, None, counts, len(points))


# -- Thm 1.10 -----------------------------------------------------------------------------------


@dataclass(slots=True)
class PathPiece:
    """One piece of a path: a straight segment, or the rescaling curve of the proof of Thm 1.10
    (w_i -> sqrt(1 + t beta_i) w_i, on which F is a quadratic in t by homogeneity)."""

    kind: str
    start: np.ndarray
    end: np.ndarray
    slope: float  # certified max of dF/dt on the piece


def rescaling(landscape: ReluWeightDecay, point: np.ndarray) -> PathPiece | None:
    r"""The proof's reduction when no unit is zero and r > |phi|: the unit outputs phi_i (n_2 x n each)
    are linearly dependent, sum beta_i phi_i = 0; along w_i -> sqrt(1 + t beta_i) w_i, Phi(t) = Phi +
    t sum beta_i phi_i and Theta(t) = Theta + t sum beta_i theta_i (both degree 2), so F(t) is an exact
    quadratic; with the sign making sum beta_i theta_i <= 0 it is non-increasing up to t_max, where a unit
    reaches zero."""
    w1, w2 = unit_matrices(landscape, point)
    activations = np.maximum(w1.T @ landscape.x, 0.0)
    outputs = np.stack([np.outer(w2[:, i], activations[i]).ravel() for i in range(landscape.width)], axis=1)
    _, _, vt = np.linalg.svd(outputs)
    beta = vt[-1]
    thetas = 0.5 * ((w1**2).sum(0) + (w2**2).sum(0))
    if beta @ thetas > 0 or (beta @ thetas == 0 and beta.min() >= 0):
        beta = -beta
    if beta.min() >= 0:
        return None
    t_max = float(np.min(-1.0 / beta[beta < 0]))
    scale = np.sqrt(np.maximum(1.0 + t_max * beta, 0.0))
    scale[int(np.argmin(beta))] = 0.0
    end = flatten(w1 * scale, w2 * scale)
    residual, drift = landscape.residual(point).ravel(), outputs @ beta
    # F(t) = 1/2 ||R - t drift||^2 + lambda (Theta + t beta.theta): dF/dt = -R.drift + lambda beta.theta + t ||drift||^2
    slope = max(-residual @ drift + landscape.lam * beta @ thetas + t * float(drift @ drift) for t in (0.0, t_max))
    return PathPiece("rescaling", point, end, float(slope))


def escape_piece(landscape: ReluWeightDecay, point: np.ndarray, unit: int, allowance: float) -> PathPiece | None:
    """The polar escape as a certified non-increasing segment (the largest eps that gives one)."""
    polar = relu_polar(landscape.x, landscape.residual(point))
    for eps in ESCAPE_EPS:
        end = with_unit(landscape, point, unit, polar.inner, polar.outer, math.sqrt(eps))
        slope = segment_slope(landscape, point, end)
        if slope <= allowance and loss_at(landscape, end) < loss_at(landscape, point):
            return PathPiece("escape", point, end, slope)
    return None


def descent_pieces(landscape: ReluWeightDecay, start: np.ndarray) -> list[PathPiece]:
    """Armijo descent, then the jump to the polished point when it is lower."""

    nodes = armijo_path(landscape, start, PATH_STEPS)
    polished = polish(landscape, nodes[-1])
    if loss_at(landscape, polished) < loss_at(landscape, nodes[-1]):
        nodes.append(polished)
    return [PathPiece("segment", a, b, segment_slope(landscape, a, b)) for a, b in itertools.pairwise(nodes)]


def relu_path(landscape: ReluWeightDecay, start: np.ndarray) -> tuple[list[PathPiece], float, str]:
    """Pieces of the path of the proof of Thm 1.10 from ``start``, the final duality gap, a note."""
    allowance = SLOPE_RTOL * landscape.loss_scale()
    pieces: list[PathPiece] = []
    current = start
    for _ in range(PATH_PHASES):
        pieces += descent_pieces(landscape, current)
        current = pieces[-1].end if pieces else current
        gap, polar = dual_bound(landscape, current)
        if gap <= GAP_RTOL * landscape.loss_scale():
            return pieces, gap, "certified global"
        zero = landscape.zero_units(current)
        if not zero:
            piece = rescaling(landscape, current)
            if piece is None:
                return pieces, gap, "no rescaling direction"
            pieces.append(piece)
            current = piece.end
            zero = landscape.zero_units(current)
        if polar > landscape.lam * (1 + POLAR_RTOL) and zero:
            piece = escape_piece(landscape, current, zero[0], allowance)
            if piece is None:
                return pieces, gap, "no certified escape"
            pieces.append(piece)
            current = piece.end
    return pieces, dual_bound(landscape, current)[0], f"not certified after {PATH_PHASES} phases"


def relu_path_check(instance, context: Context) -> Evidence:
    r"""003 Thm 1.10 on the ReLU pair with r = n + 1 > |phi| units: from random initialisations the
    proof's path (descent, polish, rescaling to make a zero unit, polar escape; repeated) has every
    piece certified non-increasing and ends at a duality-certified global minimum.  A path not
    found within the phases is inconclusive, never a refutation."""
    landscape = instance.landscape()
    seed = context.seed_for(instance)
    allowance = SLOPE_RTOL * landscape.loss_scale()
    counts: Counter[str] = Counter()
    for start in landscape.random_points(PATH_STARTS, torch.Generator().manual_seed(seed)).numpy():
        pieces, gap, note = relu_path(landscape, start)
        rising = [i for i, piece in enumerate(pieces) if piece.slope > allowance]
        if rising or gap > GAP_RTOL * landscape.loss_scale():
            counts["unresolved-starts"] += 1
            return Evidence(Outcome.INCONCLUSIVE, f"ReLU: no certified path ({note}; rising pieces {rising[:3]}, gap {gap:.3g})", None, counts, PATH_STARTS)
        counts["paths-to-certified-global"] += 1
        counts.update(piece.kind for piece in pieces if piece.kind != "segment")
    ends = losses_at(landscape, np.stack([pieces[-1].end]))
    return Evidence(Outcome.SUPPORTS, f"ReLU width {landscape.width}: {counts['paths-to-certified-global']} certified non-increasing paths to "
                    f"duality-certified global minima (last F = {ends[0]:.6g}; pieces: {dict(counts)})", None, counts, PATH_STARTS)


__all__ = ["relu_path_check", "relu_zero_unit_check", "widened"]
