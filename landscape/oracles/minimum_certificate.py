r"""Certification of local minima beyond "the Hessian looks positive": a radius for strict
minima, flatness plus normal curvature for non-strict ones, and a better point for sub-optimality.

**Strict minimum with a radius.**  At a refined point x* with gradient g, let mu be a lower bound
on the smallest Hessian eigenvalue (the float64 eigenvalue minus a Weyl rounding allowance) and
M a bound on the third derivative over the ball B(x*, rho), so that
:math:`\nabla^2 F(x) \succeq (\mu - M\|x - x^*\|) I` there.  With rho = mu / (2M) the loss is
m-strongly convex on the ball, m = mu/2.  If :math:`\|g\| < m\rho/2` then on the sphere
:math:`F(x) \ge F(x^*) - \|g\|\rho + m\rho^2/2 > F(x^*)`, so the minimum of F over the closed
ball is interior: a true local minimum x_min, strict (strong convexity), unique in the ball,
with :math:`\|x_{min} - x^*\| \le \|g\|/m` and :math:`F(x_{min}) \ge F(x^*) - \|g\|^2/(2m)`.
M comes from the landscape's analytic ``third_derivative_bound`` when it has one that covers
the point's configuration (it returns ``None`` otherwise) (level
``strict (analytic third-derivative bound)``), else from a sampled estimate of the Hessian's
Lipschitz constant times :data:`SAMPLED_SAFETY` (level ``strict (sampled third-derivative
estimate)``, weaker: the certificate says so).

**Non-strict minimum (Morse-Bott).**  The Hessian kernel must equal the tangent of a manifold of
critical points along which the loss is constant (the landscape's ``flat_directions``).  The
check re-evaluates loss and gradient at points moved along the flat directions (they must stay
at the same value, critical, to rounding), and bounds the Hessian's smallest eigenvalue on the
orthogonal complement of the flat directions away from zero at each of those points.  A
critical manifold with positive-definite normal Hessian is a set of local minima (Morse-Bott
lemma).

**Sub-optimality.**  ``better-point`` re-evaluates, in float64, the loss of a recorded better
point (a constructed interpolant, a teacher copy) and requires it to be below the certified
minimum's value by a recorded margin.  Under the radius certificate the minimum is x_min, not
x*, and only F(x_min) >= F(x*) - |g|^2/(2m) is known: the gap is measured from that bound.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from landscape.landscapes.base import DTYPE, Landscape

ROUNDING = 64.0 * float(np.finfo(np.float64).eps)
SAMPLED_SAFETY = 4.0  # multiplies a sampled Hessian-Lipschitz estimate (it is not a bound)
SAMPLED_POINTS = 48
FLAT_STEPS = (1e-3, 1e-2, 5e-2)  # moves along flat directions, relative to max(1, |x|)
NORMAL_MARGIN = 1e-6  # the normal Hessian's smallest eigenvalue must exceed this x Hessian scale


def _tensor(point: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(point, dtype=np.float64), dtype=DTYPE)[None]


def hessian_lower_bound(landscape: Landscape, point: np.ndarray) -> tuple[float, float]:
    """(lower bound on lambda_min, ||H||_2): Weyl's inequality with a backward-error allowance
    of ROUNDING x P x ||H||_F for float64 symmetric eigensolvers."""
    hessian = landscape.hessian(_tensor(point))[0]
    eigenvalues = torch.linalg.eigvalsh(hessian)
    allowance = ROUNDING * hessian.shape[0] * float(hessian.norm())
    return float(eigenvalues[0]) - allowance, float(eigenvalues.abs().max())


def hessian_lower_bounds(landscape: Landscape, points: np.ndarray) -> list[tuple[float, float]]:
    """:func:`hessian_lower_bound` at every row of ``points``, the Hessians and spectra batched."""
    hessians = landscape.hessian(torch.as_tensor(np.asarray(points, dtype=np.float64), dtype=DTYPE))
    eigenvalues = torch.linalg.eigvalsh(hessians)
    allowances = ROUNDING * hessians.shape[-1] * torch.linalg.matrix_norm(hessians)
    return [(float(low - allowance), float(values.abs().max())) for low, allowance, values in zip(eigenvalues[:, 0], allowances, eigenvalues)]


def sampled_third_derivative(landscape: Landscape, point: np.ndarray, radius: float, seed: int = 0) -> float:
    """max ||H(a) - H(x*)||_2 / ||a - x*|| over random a in the ball (an estimate, not a bound)."""
    rng = np.random.default_rng(seed)
    centre = _tensor(point)
    directions = rng.standard_normal((SAMPLED_POINTS, point.size))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    lengths = radius * rng.uniform(0.05, 1.0, SAMPLED_POINTS)
    trial = centre + torch.as_tensor(directions * lengths[:, None], dtype=DTYPE)
    difference = landscape.hessian(trial) - landscape.hessian(centre)
    norms = torch.linalg.matrix_norm(difference, ord=2).numpy()
    return float((norms / lengths).max())


def strict_minimum_radius(
    landscape: Landscape, point: np.ndarray, seed: int = 0, hessian_bounds: tuple[float, float] | None = None,
) -> dict[str, Any] | None:
    """The figures of the module docstring, or ``None`` when the Hessian is not positive definite
    or the gradient is too large for the radius argument.  The ball radius rho depends on M and
    M on rho: two rounds of the fixed point suffice in practice.  ``hessian_bounds`` is
    :func:`hessian_lower_bound` at ``point`` when the caller computed it (batched) already."""
    mu, hessian_norm = hessian_bounds if hessian_bounds is not None else hessian_lower_bound(landscape, point)
    if not mu > 0.0:  # also rejects NaN
        return None
    gradient = float(landscape.gradient(_tensor(point))[0].norm())
    analytic = getattr(landscape, "third_derivative_bound", None)
    if analytic is not None and analytic(point, 0.0) is None:
        analytic = None  # the landscape's bound does not cover this configuration

    def bound_at(radius: float) -> float:
        if analytic is not None:
            return float(analytic(point, radius))
        return SAMPLED_SAFETY * sampled_third_derivative(landscape, point, radius, seed)

    # A landscape smooth only piecewise (ReQU kinks) names the radius of the ball around the
    # point on which it is smooth; the third-derivative bound is taken inside that ball only.
    smooth = getattr(landscape, "smooth_radius", None)
    limit = 1.0 if smooth is None else min(1.0, float(smooth(point)))
    if not limit > 0.0:  # at a kink: no smooth ball, no radius certificate
        return None
    rho = limit
    for _ in range(3):
        rho = min(limit, mu / (2.0 * max(bound_at(rho), 1e-300)))
    bound = bound_at(rho)
    modulus = mu - bound * rho
    # Written as "not (... > ...)": an infinite bound gives rho = 0 and modulus = mu - inf * 0 =
    # NaN, which every ordered comparison rejects; "modulus <= 0" would let it through.
    if not modulus > 0.0 or not gradient < modulus * rho / 2.0:
        return None
    return {
        "level": "strict (analytic third-derivative bound)" if analytic is not None else "strict (sampled third-derivative estimate)",
        "hessian_min_lower_bound": mu,
        "hessian_norm": hessian_norm,
        "third_derivative_bound": bound,
        "ball_radius": rho,
        "convexity_modulus": modulus,
        "gradient_norm": gradient,
        "location_radius": gradient / modulus,
        "value_lower_bound_drop": gradient**2 / (2.0 * modulus),
    }




def normal_hessian_minimum(landscape: Landscape, point: np.ndarray, flat: np.ndarray) -> tuple[float, float]:
    """(smallest eigenvalue of the Hessian on the orthogonal complement of ``flat``, ||H||)."""
    hessian = landscape.hessian(_tensor(point))[0].numpy()
    basis = np.linalg.svd(flat, full_matrices=True)[0] if flat.shape[1] else np.eye(point.size)
    complement = basis[:, flat.shape[1]:] if flat.shape[1] else basis
    if complement.shape[1] == 0:
        return float("inf"), float(np.abs(hessian).max())
    reduced = complement.T @ hessian @ complement
    return float(np.linalg.eigvalsh(0.5 * (reduced + reduced.T))[0]), float(np.linalg.norm(hessian, 2))


def morse_bott_figures(landscape: Landscape, point: np.ndarray) -> dict[str, Any] | None:
    """Flatness, criticality and normal curvature along the landscape's flat directions, or
    ``None`` when the landscape names none at ``point``."""
    flat = landscape.flat_directions(point)
    if flat is None or flat.shape[1] == 0:
        return None
    base = float(landscape.loss(_tensor(point))[0])
    size = max(1.0, float(np.linalg.norm(point)))
    moved = [point]
    for column in range(flat.shape[1]):
        direction = flat[:, column] / np.linalg.norm(flat[:, column])
        moved += [point + sign * step * size * direction for step in FLAT_STEPS for sign in (1.0, -1.0)]
    moved_array = np.stack(moved)
    losses = landscape.loss(torch.as_tensor(moved_array, dtype=DTYPE)).numpy()
    gradients = landscape.gradient(torch.as_tensor(moved_array, dtype=DTYPE)).norm(dim=1).numpy()
    normals = [normal_hessian_minimum(landscape, p, flat) for p in moved]
    return {
        "flat_dimension": int(flat.shape[1]),
        "loss_variation": float(np.abs(losses - base).max()),
        "gradient_max": float(gradients.max()),
        "normal_min": float(min(n[0] for n in normals)),
        "hessian_norm": float(max(n[1] for n in normals)),
        "loss": base,
    }






def minimum_checks(landscape: Landscape, point: np.ndarray, seed: int = 0) -> tuple[str, list[dict[str, Any]]] | None:
    """The strongest certification reachable at ``point``: (level, checks), or ``None``."""
    strict = strict_minimum_radius(landscape, point, seed)
    if strict is not None:
        args = {"level": strict["level"], "ball_radius": strict["ball_radius"], "seed": seed}
        return strict["level"], [{"name": "strict-minimum-radius", "args": args}]
    figures = morse_bott_figures(landscape, point)
    if figures is None:
        return None
    level = "non-strict (Morse-Bott: flat directions shown flat and critical, normal Hessian positive definite)"
    return level, [{"name": "morse-bott-minimum", "args": {"flat_dimension": figures["flat_dimension"]}}]


def better_point_check(value_at_point: float, better: np.ndarray, better_value: float, method: str,
                       strict_seed: int | None = None, drop: float = 0.0) -> dict[str, Any]:
    """A ``better-point`` check entry requiring half the observed gap.  For a point certified by
    the radius certificate pass its seed and ``value_lower_bound_drop`` as ``drop``: the gap is
    then measured from F(x*) - |g|^2/(2m), the lower bound on the true minimum's value."""
    args: dict[str, Any] = {"point": [float(v) for v in better], "gap_at_least": 0.5 * (value_at_point - drop - better_value),
                            "method": method}
    if strict_seed is not None:
        args["strict_seed"] = int(strict_seed)
    return {"name": "better-point", "args": args}


def sub_optimality_check(landscape: Landscape, point: np.ndarray, value_at_point: float, better: np.ndarray,
                         better_value: float, method: str, checks: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``better-point`` entry matching ``checks`` (from :func:`minimum_checks`): with a
    strict-minimum radius certificate among them the gap subtracts |g|^2/(2m)."""
    for entry in checks:
        if entry["name"] == "strict-minimum-radius":
            seed = int(entry["args"].get("seed", 0))
            strict = strict_minimum_radius(landscape, point, seed)
            drop = math.inf if strict is None else float(strict["value_lower_bound_drop"])
            return better_point_check(value_at_point, better, better_value, method, seed, drop)
    return better_point_check(value_at_point, better, better_value, method)
