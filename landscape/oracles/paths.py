r"""Paths inside sublevel sets, and certificates that no such path exists.

Connectivity (seed 002, "finding connected components"): theta_1 and theta_2 with F <= u lie in the
same component of the sublevel set Omega_u = {F <= u} iff a path joins them with F <= u along it.
:func:`find_path` implements the seed's dynamic-programming scheme, batched: a polygonal path is
refined by bisection, each uncertified segment's midpoint theta_m being replaced by a point of
{F <= u - margin} near it (descent from theta_m stands in for argmin ||theta - theta_m||), until
every segment is certified below u.  It is generic over :class:`Landscape`.

Certifying a segment: for polynomial families (those whose class states a
:meth:`~landscape.landscapes.base.Landscape.polynomial_degree`) t -> F(a + t(b - a))
is a polynomial of known degree whose coefficients the landscape computes; its maximum on [0, 1] is
taken over the end points and the real roots of its derivative, plus a rounding allowance, so the
bound is exact up to rounding.  Other families are sampled densely and the result says so.

Failure to find a path within budget proves nothing and is reported as such.  Disconnection needs
a certificate: :func:`separating_coordinate` finds a coordinate g(theta) = theta_i that takes both
signs on the two points of Omega_u while F > u on all of {theta_i = 0} (a bound the family's class
states, :meth:`~landscape.landscapes.base.Landscape.zero_set_bound`); by the intermediate value
theorem every path between them leaves Omega_u.  Example: (vw - 1)^2 at u < 1 with g = v, since v = 0 forces F = 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from landscape.landscapes.base import DTYPE, Landscape, losses_at

SAMPLES_PER_SEGMENT = 65
ROUNDING_ALLOWANCE = 1e-12  # times sum |c_k| of a segment polynomial: float64 coefficient error
PROJECTION_STEPS = 300
NUDGE = 0.05  # random step inside the bisecting hyperplane, times the segment's length

def polynomial_maximum(coefficients: list[float]) -> float:
    """max over t in [0, 1] of sum_k c_k t^k, plus the rounding allowance."""
    c = np.asarray(coefficients, dtype=np.float64)
    highest_first = c[::-1]
    candidates = [0.0, 1.0, *np.linspace(0.0, 1.0, 17)]
    if c.size > 2:
        roots = np.roots(np.polyder(highest_first)) if np.any(c[1:] != 0) else []
        candidates += [float(r.real) for r in roots if abs(r.imag) < 1e-7 and -1e-9 <= r.real <= 1 + 1e-9]
    t = np.clip(np.asarray(candidates), 0.0, 1.0)
    return float(np.polyval(highest_first, t).max() + ROUNDING_ALLOWANCE * np.abs(c).sum())


def segment_maximum(landscape: Landscape, a: np.ndarray, b: np.ndarray) -> tuple[float, bool]:
    """(max of F on the segment [a, b], whether the bound is exact up to rounding)."""
    degree = landscape.polynomial_degree()
    if degree is not None:
        start = torch.as_tensor(a, dtype=DTYPE)
        direction = torch.as_tensor(b - a, dtype=DTYPE)
        return polynomial_maximum(landscape.taylor_coefficients(start, direction, degree)), True
    t = np.linspace(0.0, 1.0, SAMPLES_PER_SEGMENT)[:, None]
    values = landscape.loss(torch.as_tensor(a[None] + t * (b - a)[None], dtype=DTYPE)).numpy()
    return float(values.max()), False



def project_below(
    landscape: Landscape, points: np.ndarray, target: float, steps: int = PROJECTION_STEPS, normals: np.ndarray | None = None
) -> np.ndarray:
    """Batched Armijo gradient descent from each row, stopping each one once F <= target; with
    ``normals``, row i moves only in the hyperplane orthogonal to ``normals[i]`` (the bisecting
    hyperplane H of seed 002's scheme, so the new node stays between its neighbours)."""
    theta = torch.as_tensor(points, dtype=DTYPE).clone()
    unit = None
    if normals is not None:
        unit = torch.as_tensor(normals, dtype=DTYPE)
        unit = unit / unit.norm(dim=1, keepdim=True).clamp_min(1e-300)
    loss = landscape.loss(theta)
    step = torch.full((theta.shape[0],), 1e-2, dtype=DTYPE)
    for _ in range(steps):
        active = loss > target
        if not bool(active.any()):
            break
        grad = landscape.gradient(theta)
        if unit is not None:
            grad = grad - (grad * unit).sum(1, keepdim=True) * unit
        trial = theta - step[:, None] * grad
        trial_loss = landscape.loss(trial)
        accepted = active & torch.isfinite(trial_loss) & (trial_loss <= loss - 1e-4 * step * (grad * grad).sum(1))
        theta = torch.where(accepted[:, None], trial, theta)
        loss = torch.where(accepted, trial_loss, loss)
        step = torch.where(accepted, step * 1.5, step * 0.5).clamp(1e-12, 1e3)
    return theta.numpy()


@dataclass(slots=True)
class PathResult:
    """Outcome of a path search.

    Attributes:
        nodes: ``(K, P)`` polygonal path from start to end.
        level: the level u.
        certified: every segment's maximum is <= u.
        exact: the segment bounds are exact up to rounding (polynomial family), not sampled.
        maximum: the largest segment bound.
        rounds: bisection rounds used; ``message``: one line.
    """

    nodes: np.ndarray
    level: float
    certified: bool
    exact: bool
    maximum: float
    rounds: int
    message: str = ""
    segment_maxima: list[float] = field(default_factory=list)


def find_path(
    landscape: Landscape, start: np.ndarray, end: np.ndarray, level: float,
    max_nodes: int = 256, max_rounds: int = 14, margin_fraction: float = 0.25, seed: int = 0,
) -> PathResult:
    """Join ``start`` and ``end`` (both with F <= level) by a polygonal path certified below ``level``.

    Midpoints of failing segments, nudged by a small random step inside the bisecting hyperplane
    (a midpoint can sit exactly on a critical point, e.g. W_1 = W_2 = 0), are pushed within that
    hyperplane to F <= level - margin, margin = ``margin_fraction`` x (level - max(F(start), F(end))),
    so that shrinking segments certify by continuity."""
    rng = np.random.default_rng(seed)
    ends = losses_at(landscape, np.stack([start, end]))
    if ends.max() > level:
        return PathResult(np.stack([start, end]), level, False, False, float(ends.max()), 0, "an end point is above the level")
    if np.array_equal(start, end):
        return PathResult(np.stack([start]), level, True, True, float(ends.max()), 0, "start = end", [])
    target = level - margin_fraction * (level - float(ends.max()))
    nodes = [np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)]
    exact = True
    for rounds in range(max_rounds + 1):
        bounds = [segment_maximum(landscape, nodes[i], nodes[i + 1]) for i in range(len(nodes) - 1)]
        exact = all(e for _, e in bounds)
        maxima = [m for m, _ in bounds]
        bad = [i for i, m in enumerate(maxima) if m > level]
        if not bad:
            return PathResult(np.stack(nodes), level, True, exact, max(maxima), rounds, f"{len(nodes)} nodes", maxima)
        if rounds == max_rounds or len(nodes) + len(bad) > max_nodes:
            break
        normals = np.stack([nodes[i + 1] - nodes[i] for i in bad])
        noise = rng.standard_normal(normals.shape)
        noise -= (noise * normals).sum(1, keepdims=True) * normals / np.maximum((normals * normals).sum(1, keepdims=True), 1e-300)
        noise *= NUDGE * np.linalg.norm(normals, axis=1, keepdims=True) / np.maximum(np.linalg.norm(noise, axis=1, keepdims=True), 1e-300)
        midpoints = np.stack([0.5 * (nodes[i] + nodes[i + 1]) for i in bad]) + noise
        projected = project_below(landscape, midpoints, target, normals=normals)
        for offset, (i, point) in enumerate(zip(bad, projected)):
            nodes.insert(i + 1 + offset, point)
    return PathResult(np.stack(nodes), level, False, exact, max(maxima), rounds,
                      f"no certified path within {max_rounds} rounds / {max_nodes} nodes (proves nothing)", maxima)


def separating_coordinate(landscape: Landscape, a: np.ndarray, b: np.ndarray, level: float) -> int | None:
    """A coordinate i with a_i, b_i of opposite signs and F > level on all of {theta_i = 0}."""
    for i in np.flatnonzero(a * b < 0):
        bound = landscape.zero_set_bound(int(i))
        if bound is not None and bound > level:
            return int(i)
    return None
