"""The critical-curve test of a Hessian kernel: is a semidefinite critical point's kernel the
tangent of a manifold of critical points at constant loss (the Morse-Bott condition that
:mod:`landscape.oracles.classify` needs before it calls such a point a non-strict minimum)?"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from landscape.landscapes.base import DTYPE, Landscape
from landscape.searching.critical_points import dense_hessian, refine

# The critical-curve test of a Hessian kernel K at a critical point x: for each direction d (an
# orthonormal basis of K and FLAT_PROBES random unit vectors in K), both signs and each step
# t = s x max(1, ||x||), s in FLAT_STEPS, the point x + t d is refined back to a critical point y
# by Levenberg-Marquardt.  d is tangent to a critical set at constant loss when y is critical,
# |F(y) - F(x)| <= FLAT_LOSS x loss scale, and y stays near the line, ||y - (x + t d)|| <=
# FLAT_TANGENT x t (on a smooth critical manifold the distance is O(t^2); where the kernel is not
# flat the loss changes or the refinement falls back towards x, a distance of order t).  The
# random probes rule out critical sets that are unions of lines (f = -x^2 y^2), where only the
# basis is flat.  The test resolves a loss change of FLAT_LOSS at distance FLAT_STEPS[-1]: a
# kernel direction of order >= 12 (|F| ~ t^12) is below that resolution and passes as flat.
FLAT_STEPS = (1e-2, 1e-1)
FLAT_PROBES = 4
FLAT_REFINE_STEPS = 12
FLAT_LOSS = 1e-12  # constant loss: far above rounding (~1e-15), far below what a quartic shows at 0.1
FLAT_TANGENT = 0.25  # refined point within a quarter of the step length from the line
# Where the family declares a level set larger than its orbit (level_set_tangents), every probed
# kernel direction d must also be tangent to that set: the distance from x + t d to it, over t,
# at the steps LEVEL_STEPS x max(1, ||x||), is of order t for a tangent and does not shrink for a
# direction that leaves the set at second order (a kernel vector between two of its pieces).  A
# direction passes when the ratio at the smaller step is below LEVEL_STRAIGHT (the set is straight
# along it, to rounding), or below LEVEL_DEFECT and at least LEVEL_SLOPE times smaller than at the
# larger step (a tenth of it: 10x for a tangent, about 1x otherwise); the projections onto the set
# must solve its equations to LEVEL_RESIDUAL.
LEVEL_STEPS = (1e-4, 1e-3)
LEVEL_STRAIGHT = 1e-9  # a straight set: Gauss-Newton lands within rounding (~1e-16 / 1e-4)
LEVEL_DEFECT = 1e-2  # a tangent's ratio is ~ curvature x t ~ 1e-4 at the smaller step
LEVEL_SLOPE = 3.0
LEVEL_RESIDUAL = 1e-12


def flat_kernel(
    landscape: Landscape, theta: torch.Tensor, kernel: np.ndarray, gradient_rtol: float, seed: int, source: str
) -> dict[str, Any]:
    """The critical-curve test above, on ``kernel`` ``(P, k)``: a dict with ``source``,
    ``passed``, ``directions`` tested, and the worst ``gradient``, ``loss_change`` and
    ``distance_ratio`` (distance from the line over t) among the refined points."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(kernel)[0] if kernel.shape[1] else kernel
    probes = [basis[:, i] for i in range(basis.shape[1])]
    if basis.shape[1] > 1:
        probes += [v / np.linalg.norm(v) for v in (basis @ rng.standard_normal((basis.shape[1], FLAT_PROBES))).T]
    if not probes:
        return {"source": source, "passed": False, "directions": 0}
    size = max(1.0, float(theta.norm()))
    lengths = torch.as_tensor([s * size for s in FLAT_STEPS for _ in probes for _ in (1.0, -1.0)], dtype=DTYPE)
    directions = torch.as_tensor(np.stack([sign * d for d in probes for sign in (1.0, -1.0)] * len(FLAT_STEPS)), dtype=DTYPE)
    moved = theta[None, :] + lengths[:, None] * directions
    refined = refine(landscape, moved, FLAT_REFINE_STEPS, hessian=lambda t: dense_hessian(landscape, t))
    base_loss = float(landscape.loss(theta[None, :])[0])
    loss_scale = max(landscape.loss_scale(), abs(base_loss))
    gradient = float(landscape.gradient(refined).norm(dim=1).max())
    loss_change = float((landscape.loss(refined) - base_loss).abs().max())
    ratio = float(((refined - moved).norm(dim=1) / lengths).max())
    gradient_limit = gradient_rtol * loss_scale / size
    passed = gradient <= gradient_limit and loss_change <= FLAT_LOSS * loss_scale and ratio <= FLAT_TANGENT
    result: dict[str, Any] = {
        "source": source, "passed": bool(passed), "directions": len(probes), "steps": [s * size for s in FLAT_STEPS],
        "gradient": gradient, "loss_change": loss_change, "distance_ratio": ratio,
    }
    level = _level_set_test(landscape, theta, np.stack(probes), size)
    if level is not None:
        result["level_set"] = level
        result["passed"] = bool(passed and level["passed"])
    return result


def _level_set_test(landscape: Landscape, theta: torch.Tensor, probes: np.ndarray, size: float) -> dict[str, Any] | None:
    """The level-set condition above on every probe, or None where the family declares no level set."""
    defects = landscape.level_set_defects(theta.numpy(), probes, tuple(s * size for s in LEVEL_STEPS))
    if defects is None:
        return None
    ratios, residual = defects
    small, large = ratios[:, 0], ratios[:, 1]
    tangent = (small <= LEVEL_STRAIGHT) | ((small <= LEVEL_DEFECT) & (large >= LEVEL_SLOPE * small))
    return {
        "passed": bool(tangent.all() and residual <= LEVEL_RESIDUAL), "tangent": int(tangent.sum()), "probed": len(tangent),
        "worst_ratio": float(small.max()), "residual": float(residual),
    }
