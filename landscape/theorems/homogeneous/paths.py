r"""Zero subnetworks exposed by rotation, and the rescale-and-escape path of 003 Thm 1.10.

For the pair (1.43), phi = u v^T and theta = (||u||^2 + ||v||^2)/2, the objective of width r,

.. math:: F(U, V) = \tfrac12\|Y - UV^\top\|_F^2 + \tfrac\lambda2(\|U\|_F^2 + \|V\|_F^2),

is invariant under (U, V) -> (UQ, VQ) for every orthogonal Q: the product and both norms are
unchanged.  At a first-order point U^T U = V^T V, so rank [U; V] = rank UV^T <= min(n_2, n_0); when
that is below r, the SVD [U; V] = P S Q^T gives [U; V] Q = P S, whose last r - rank columns are zero
up to rounding.  Setting them to exactly zero *exposes* the all-zero subnetworks that 003 Thm 1.9
speaks of; descent only ever approaches them.  The rotation arc Q(t) (a path in SO(r), or through a
reflection of one column, which is a sign change of a column pair and leaves F unchanged too) is
the flat part of the path in the proof of Thm 1.10 ("traverse a flat surface ... until arriving at
a point which does satisfy the condition of Theorem 1.9").

From there, if sigma = sigma_max(Y - UV^T) > lambda, putting s (u, v) (top singular pair) into a zero
column changes F by -s^2 (sigma - lambda) + s^4 / 2, non-increasing on 0 <= s^2 <= sigma - lambda: a
straight segment whose monotonicity the exact quartic bound certifies.  Gradient descent then
continues.  That is the rescale-and-escape path; the property builds it from first-order points
where descent alone stays put.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from scipy.linalg import expm, logm

from landscape.certificates.registry import CheckResult, replayable
from landscape.oracles.classify import Tolerances
from landscape.landscapes.factorisation import MatrixFactorisation, polar_solution, residual_at
from landscape.landscapes.base import DTYPE, Landscape, loss_at
from landscape.oracles.paths import polynomial_maximum

# Singular values of [U; V] at most RANK_RTOL x max(its largest, sqrt ||Y||_F) count as zero (the
# factors scale as sqrt Y; the floor makes a point at the origin rank 0): refined first-order points
# reach ~1e-14; 1e-9 keeps well-separated ranks apart.
RANK_RTOL = 1e-9
ARC_POINTS = 16  # points of the rotation arc at which F is recomputed
# F along the rotation arc is constant up to rounding; ARC_RTOL x the loss scale is the allowance.
ARC_RTOL = 1e-12
# A segment counts as non-increasing when dF/dt <= DERIVATIVE_RTOL x scale on all of it.
DERIVATIVE_RTOL = 1e-10


def expose_zero_columns(landscape: MatrixFactorisation, point: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(the point (UQ, VQ) with its rank-deficient columns set to exactly zero, Q, how many).

    Q is orthogonal with det Q = +1 (a column sign is flipped otherwise), so the arc expm(t log Q)
    joins the point to the rotated one inside SO(r)."""
    u, v, _ = residual_at(landscape, point)
    stacked = np.concatenate([u, v])
    _, singular, qt = np.linalg.svd(stacked, full_matrices=True)
    q = qt.T
    if np.linalg.det(q) < 0:
        q[:, -1] *= -1.0
    top = singular[0] if singular.size else 0.0
    floor = math.sqrt(float(np.linalg.norm(landscape.y)))
    rank = int((singular > RANK_RTOL * max(top, floor, 1e-300)).sum())
    rotated = stacked @ q
    rotated[:, rank:] = 0.0
    n2 = landscape.n2
    return landscape.flatten(rotated[:n2], rotated[n2:]), q, landscape.width - rank


def rotation_arc(landscape: MatrixFactorisation, point: np.ndarray, q: np.ndarray, count: int = ARC_POINTS) -> list[np.ndarray]:
    """Points (U expm(t log Q), V expm(t log Q)) for t in [0, 1]: F is constant along the arc."""
    u, v, _ = residual_at(landscape, point)
    generator = np.real(logm(q))
    generator = 0.5 * (generator - generator.T)  # the exact skew part: expm of it is orthogonal
    out = []
    for t in np.linspace(0.0, 1.0, count):
        rotation = expm(t * generator)
        out.append(landscape.flatten(u @ rotation, v @ rotation))
    return out


def arc_is_flat(landscape: MatrixFactorisation, arc: list[np.ndarray]) -> tuple[bool, float]:
    """(whether F varies by at most ARC_RTOL x scale along the arc, the variation)."""
    values = [loss_at(landscape, p) for p in arc]
    spread = max(values) - min(values)
    return spread <= ARC_RTOL * max(landscape.loss_scale(), 1.0), spread


def escape_direction(landscape: MatrixFactorisation, exposed: np.ndarray, column: int, source: str = "residual") -> tuple[np.ndarray, float]:
    """(direction d putting sqrt(sigma - lambda) (u, v) into ``column``, sigma - lambda); the pair is
    the top singular pair of Y - UV^T (or of Y with ``source='data'``)."""
    u, v, residual = residual_at(landscape, exposed)
    polar = polar_solution(residual)
    pair = polar if source == "residual" else polar_solution(landscape.y)
    excess = polar.value - landscape.lam
    du, dv = np.zeros_like(u), np.zeros_like(v)
    size = math.sqrt(max(excess, 0.0))
    du[:, column], dv[:, column] = size * pair.left, size * pair.right
    return landscape.flatten(du, dv), excess


def segment_rises(landscape: MatrixFactorisation, start: np.ndarray, end: np.ndarray) -> float:
    """max over [0, 1] of dF/dt on the segment (exact quartic), minus the allowance: > 0 means it rises."""
    a, b = (torch.as_tensor(p, dtype=DTYPE) for p in (start, end))
    c = landscape.taylor_coefficients(a, b - a, 4)
    return polynomial_maximum([k * c[k] for k in range(1, 5)]) - DERIVATIVE_RTOL * landscape.loss_scale()


@dataclass(slots=True)
class EscapePath:
    """A rescale-and-escape path from a stuck first-order point.

    Attributes:
        pieces: ``(kind, start, end)`` with kind ``arc`` (rotation, flat) or ``segment``.
        rises: the first piece that rises (its index), else None.
        end: the last point.
        note: what happened, in words.
    """

    pieces: list[tuple[str, np.ndarray, np.ndarray]] = field(default_factory=list)
    rises: int | None = None
    end: np.ndarray | None = None
    note: str = ""


def rescale_and_escape(landscape: MatrixFactorisation, point: np.ndarray, source: str = "residual") -> EscapePath:
    """Rotate to expose a zero column (flat arc), then the escape segment; the caller descends on."""
    path = EscapePath()
    exposed, q, zeros = expose_zero_columns(landscape, point)
    arc = rotation_arc(landscape, point, q)
    flat, spread = arc_is_flat(landscape, arc + [exposed])
    path.pieces.append(("arc", point, exposed))
    if not flat:
        path.rises, path.note = 0, f"rotation arc not flat (F varies by {spread:.3g})"
        return path
    if zeros == 0:
        path.end, path.note = exposed, "no zero column to expose"
        return path
    direction, excess = escape_direction(landscape, exposed, landscape.width - 1, source)
    if excess <= 0:
        path.end, path.note = exposed, "condition (ii) holds: nothing to escape"
        return path
    end = exposed + direction
    path.pieces.append(("segment", exposed, end))
    if segment_rises(landscape, exposed, end) > 0:
        path.rises, path.note = 1, "the escape segment rises"
    path.end = end
    return path


@replayable("escape-segment-rises")
def check_escape_segment_rises(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """At ``point`` (a first-order point of matrix factorisation), exposing the zero columns by
    rotation and putting the top pair of Y (``source='data'``) or of Y - UV^T into one of them gives
    a segment on which F rises (exact quartic bound)."""
    if not isinstance(landscape, MatrixFactorisation):
        return CheckResult("escape-segment-rises", False, "needs a matrix-factorisation landscape")
    exposed, _, zeros = expose_zero_columns(landscape, point)
    if zeros == 0:
        return CheckResult("escape-segment-rises", False, "no zero column can be exposed at this point")
    direction, excess = escape_direction(landscape, exposed, landscape.width - 1, str(args.get("source", "residual")))
    rise = segment_rises(landscape, exposed, exposed + direction)
    return CheckResult(
        "escape-segment-rises", rise > 0 and excess > 0,
        f"{zeros} zero column(s) exposed; sigma_max(Y - UV^T) - lambda = {excess:.6g}; max dF/dt on the escape segment "
        f"beyond the allowance: {rise:.3g}",
    )

