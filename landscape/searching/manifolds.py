r"""Following a manifold of critical points to where its Hessian signature changes.

A degenerate saddle often lies where a Hessian eigenvalue crosses zero along a manifold of
critical points: in a deep linear network, the points with W_1 = W_L = 0 are critical for every
middle layer, strict saddles whose negative curvature shrinks with the middle product and
vanishes at the origin, a degenerate saddle.  A search that reaches such a manifold at a strict
saddle has not yet seen the degenerate one.

Continuation along the Hessian kernel, staying critical: at a critical point x with Hessian
eigenpair (lambda_min, v), lambda_min < 0, and kernel basis K, the rate of change of lambda_min
along kernel direction k_j is v^T (D^3 F[k_j]) v (first-order perturbation of a simple
eigenvalue), estimated by central differences of the Hessian.  The path moves along
d = K c / ||c||, c_j = that rate, by the Newton step h = -lambda_min / ||c|| towards
lambda_min = 0 (at most :data:`MAX_STEP` x max(1, ||x||)), and the moved point is refined back to a
critical point by Levenberg-Marquardt.  A step is kept only when the refined point is critical
at the same loss (:data:`SAME_LOSS`): the path stays on the critical set it started on.  It stops
where the index (number of negative eigenvalues) changes or lambda_min reaches zero; that point
is a new candidate, classified like any other (it is not assumed degenerate).
"""

from __future__ import annotations

import numpy as np
import torch

from landscape.landscapes.base import DTYPE, Landscape
from landscape.searching.critical_points import dense_hessian, refine

FOLLOW_STEPS = 4  # continuation steps per followed point
MAX_STEP = 1.0  # largest move per step, relative to max(1, ||x||)
KERNEL_RTOL = 1e-7  # |lambda| <= this x ||H|| is a kernel direction (the classifier's eigenvalue tolerance)
SAME_LOSS = 1e-10  # the refined point's loss may differ from the start's by this x the loss scale
GRADIENT_RTOL = 1e-8  # critical: ||grad|| <= this x loss scale / max(1, ||x||) (the classifier's)
DIFFERENCE_STEP = 1e-5  # central-difference step for the eigenvalue's rate, x max(1, ||x||)
REFINE_STEPS = 12
# Where the path ends the signature changed: the point is degenerate, where Levenberg-Marquardt
# converges only linearly (about halving the distance a step at a cubic critical point), so it
# gets this many more steps to come within rounding of the critical set.
FINAL_REFINE_STEPS = 60
HALVINGS = 2  # a rejected step is halved at most this many times


def _spectrum(landscape: Landscape, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray, float]:
    eigenvalues, vectors = torch.linalg.eigh(dense_hessian(landscape, x[None, :])[0])
    values = eigenvalues.numpy()
    return values, vectors.numpy(), max(float(np.abs(values).max()), 1e-300)


def _index(values: np.ndarray, norm: float) -> int:
    return int((values < -KERNEL_RTOL * norm).sum())


def _rate(landscape: Landscape, x: torch.Tensor, vector: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """d lambda_min / d k_j for each kernel column k_j: v^T (H(x + e k_j) - H(x - e k_j)) v / (2e)."""
    e = DIFFERENCE_STEP * max(1.0, float(x.norm()))
    k = torch.as_tensor(kernel.T, dtype=DTYPE)
    hessians = dense_hessian(landscape, torch.cat([x[None, :] + e * k, x[None, :] - e * k])).numpy()
    quadratic = np.einsum("i,bij,j->b", vector, hessians, vector)
    half = kernel.shape[1]
    return (quadratic[:half] - quadratic[half:]) / (2.0 * e)


def _critical_at(landscape: Landscape, x: torch.Tensor, loss: float, scale: float) -> bool:
    value = float(landscape.loss(x[None, :])[0])
    gradient = float(landscape.gradient(x[None, :]).norm())
    limit = GRADIENT_RTOL * scale / max(1.0, float(x.norm()))
    return np.isfinite(value) and abs(value - loss) <= SAME_LOSS * scale and gradient <= limit


def follow_critical_manifold(landscape: Landscape, point: np.ndarray) -> np.ndarray | None:
    """The point where the path of the module docstring changes signature (or reaches
    lambda_min = 0), or ``None`` when there is no path: no negative eigenvalue, no kernel, or
    every step left the critical set."""
    x = torch.as_tensor(np.asarray(point, dtype=np.float64), dtype=DTYPE)
    loss = float(landscape.loss(x[None, :])[0])
    scale = max(landscape.loss_scale(), abs(loss))
    values, vectors, norm = _spectrum(landscape, x)
    start_index = _index(values, norm)
    moved = False
    for _ in range(FOLLOW_STEPS):
        kernel = vectors[:, np.abs(values) <= KERNEL_RTOL * norm]
        if values[0] >= -KERNEL_RTOL * norm or kernel.shape[1] == 0:
            break
        rate = _rate(landscape, x, vectors[:, 0], kernel)
        speed = float(np.linalg.norm(rate))
        if not np.isfinite(speed) or speed <= 0.0:
            break
        direction = torch.as_tensor(kernel @ rate / speed, dtype=DTYPE)
        step = min(-float(values[0]) / speed, MAX_STEP * max(1.0, float(x.norm())))
        for _ in range(HALVINGS + 1):
            trial = refine(landscape, (x + step * direction)[None, :], REFINE_STEPS, hessian=lambda t: dense_hessian(landscape, t))[0]
            if _critical_at(landscape, trial, loss, scale):
                break
            step *= 0.5
        else:
            break
        x, moved = trial, True
        values, vectors, norm = _spectrum(landscape, x)
        if _index(values, norm) != start_index:
            break
    if not moved:
        return None
    final = refine(landscape, x[None, :], FINAL_REFINE_STEPS, hessian=lambda t: dense_hessian(landscape, t))[0]
    return (final if _critical_at(landscape, final, loss, scale) else x).numpy()
