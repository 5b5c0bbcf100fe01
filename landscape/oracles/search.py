"""The counterexample hunter: many random starts advanced together, then refined to true
critical points in float64.

Stage 1, descent: B starts move as one ``(B, P)`` tensor on the chosen device, in chunks that
bound memory (:data:`CHUNK_BYTES`), with one of three optimisers:

* ``gd`` — gradient descent with a per-start step size (Armijo backtracking, batched: each
  start grows its step after an accepted step and halves it after a rejected one), so no step
  size has to be tuned per landscape;
* ``perturbed-gd`` — the same, plus an isotropic kick of radius :data:`KICK_RADIUS` (relative
  to the point's norm) whenever a start's gradient is small, so starts do not stall at strict
  saddles (Jin et al.);
* ``adam`` — Adam with the usual moments and bias correction.

The search may run in float32 on a GPU (``dtype``); certification never does.

Stage 2, refinement: Levenberg-Marquardt on the squared gradient norm,
delta = -(H^2 + mu I)^{-1} H g, in float64 on the CPU.  It converges to critical points of any
index (saddles included) and is quadratic near non-degenerate ones, so candidates are critical
points to rounding error rather than "gradient-flat" look-alikes.  Up to
:data:`~landscape.limits.MATRIX_FREE_PARAMS` parameters the system is solved with dense
Hessians, in chunks of starts whose Hessians fit :data:`REFINE_CHUNK_BYTES`; above it the
refinement is matrix-free: the same step from Hessian-vector products, the system solved by
conjugate gradients (it is symmetric positive definite) and the scale of H estimated by Lanczos,
so memory is O(B P).

Progress is reported through a callback ``progress(stage, done, total)``; the engine never
prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from landscape.errors import InvalidArgument
from landscape.limits import dense_hessian_fits, require_memory
from landscape.oracles.landscapes import DTYPE, Landscape
from landscape.threads import for_batch
from landscape.oracles.spectrum import lanczos_extremes

ARMIJO_FRACTION = 1e-4  # sufficient-decrease constant of the backtracking rule
INITIAL_STEP = 1e-2
KICK_RADIUS = 1e-2  # perturbed GD: kick radius relative to max(1, ||theta||)
KICK_THRESHOLD = 1e-6  # perturbed GD: kick when ||grad|| < threshold * loss scale
ADAM_RATE, ADAM_BETAS, ADAM_EPS = 1e-2, (0.9, 0.999), 1e-12
CHUNK_BYTES = 1 * 2**30  # memory for one chunk of starts (about 24 tensors of B x P each)
# Chunks of at most this many starts keep a step's working set in cache: on a 2-core CPU, chunks
# of 2048 ran the bench's linear net 1.7x and its sigmoid net 2.9x faster than one B = 16384 batch.
MAX_CHUNK_STARTS = 2048
OPTIMISERS = ("gd", "perturbed-gd", "adam")
# Dense refinement holds about four (P, P) float64 matrices per start (H, H^2, the system, the
# solver's copy); chunks of starts keep them under this.
REFINE_CHUNK_BYTES = 512 * 2**20
# Matrix-free refinement: conjugate-gradient iterations per step (each two Hessian-vector
# products), stopped early at a relative residual of CG_TOLERANCE; the Levenberg-Marquardt step
# needs a descent direction for ||grad||^2, not an exact solve, and a later step corrects it.
CG_STEPS = 20
CG_TOLERANCE = 1e-10
# Lanczos iterations that estimate ||H||_2 once per refinement, the scale of the damping (the dense
# path uses max |H_ij| at every step).
SCALE_LANCZOS_STEPS = 8
# Matrix-free refinement stops refining a start once ||grad|| <= MATRIX_FREE_STOP * loss_scale /
# max(1, ||theta||): four orders below the classifier's gradient tolerance (1e-8), so a start it
# stops is critical for the classifier with room to spare, and converged starts cost nothing.
MATRIX_FREE_STOP = 1e-12

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class SearchResult:
    """Outcome of one batched search.

    Attributes:
        points: refined candidates, ``(B, P)`` float64.
        losses: loss at each candidate.
        gradient_norms: Euclidean gradient norm at each candidate.
        starts: number of random starts (B).
        descent_steps: descent iterations run.
        refine_steps: refinement iterations run.
        optimiser: the descent optimiser.
        device: where the descent ran.
    """

    points: np.ndarray
    losses: np.ndarray
    gradient_norms: np.ndarray
    starts: int
    descent_steps: int
    refine_steps: int
    optimiser: str = "gd"
    device: str = "cpu"

    def __repr__(self) -> str:
        return (
            f"SearchResult(starts={self.starts}, optimiser={self.optimiser!r}, device={self.device!r}, "
            f"min_loss={self.losses.min():.6g}, max_gradient_norm={self.gradient_norms.max():.3g})"
        )


def chunk_size(parameters: int, element_bytes: int = 8, budget: int = CHUNK_BYTES) -> int:
    """Starts per chunk: at most :data:`MAX_CHUNK_STARTS`, and few enough that about 24
    ``(chunk, P)`` tensors fit in ``budget`` bytes."""
    return max(1, min(MAX_CHUNK_STARTS, budget // max(1, 24 * parameters * element_bytes)))


def refine_chunk_size(parameters: int) -> int:
    """Starts refined together: dense Hessians of the chunk within :data:`REFINE_CHUNK_BYTES`
    (matrix-free refinement holds O(P) per start, so any chunk of the descent fits)."""
    if not dense_hessian_fits(parameters):
        return MAX_CHUNK_STARTS
    return max(1, REFINE_CHUNK_BYTES // (4 * 8 * parameters**2))


def descend_in_chunks(
    landscape: Landscape,
    start: Tensor,
    steps: int,
    chunk: int,
    progress: Progress | None = None,
    optimiser: str = "gd",
    generator: torch.Generator | None = None,
) -> Tensor:
    """:func:`descend` applied to consecutive chunks of ``start`` (starts are independent, so
    the result does not depend on ``chunk``), each under the thread policy's count for its size."""
    total = start.shape[0]
    blocks = []
    for first in range(0, total, chunk):
        rows = start[first : first + chunk]
        with for_batch(rows.numel()):
            blocks.append(descend(landscape, rows, steps, progress, optimiser, generator))
        if progress is not None:
            progress("chunks", min(first + chunk, total), total)
    return torch.cat(blocks)


def descend(
    landscape: Landscape,
    start: Tensor,
    steps: int,
    progress: Progress | None = None,
    optimiser: str = "gd",
    generator: torch.Generator | None = None,
) -> Tensor:
    """Advance every row of ``start`` by ``steps`` iterations of ``optimiser`` (one batch)."""
    if optimiser not in OPTIMISERS:
        raise InvalidArgument(f"optimiser={optimiser!r} must be one of {OPTIMISERS}")
    if optimiser == "adam":
        return _adam(landscape, start, steps, progress)
    return _armijo(landscape, start, steps, progress, perturbed=optimiser == "perturbed-gd", generator=generator)


def _armijo(
    landscape: Landscape, start: Tensor, steps: int, progress: Progress | None, perturbed: bool,
    generator: torch.Generator | None,
) -> Tensor:
    theta = start.clone()
    step = torch.full((theta.shape[0],), INITIAL_STEP, dtype=theta.dtype, device=theta.device)
    loss = landscape.loss(theta)
    scale = max(landscape.loss_scale(), 1e-300)
    for iteration in range(steps):
        grad = landscape.gradient(theta)
        if perturbed:
            small = grad.norm(dim=1) < KICK_THRESHOLD * scale
            if bool(small.any()):
                noise = torch.randn(theta.shape, generator=generator, dtype=theta.dtype).to(theta.device)
                radius = KICK_RADIUS * theta.norm(dim=1, keepdim=True).clamp_min(1.0)
                kicked = theta + radius * noise / noise.norm(dim=1, keepdim=True)
                theta = torch.where(small[:, None], kicked, theta)
                loss = torch.where(small, landscape.loss(theta), loss)
                grad = torch.where(small[:, None], landscape.gradient(theta), grad)
        trial = theta - step[:, None] * grad
        trial_loss = landscape.loss(trial)
        accepted = trial_loss <= loss - ARMIJO_FRACTION * step * (grad * grad).sum(1)
        accepted &= torch.isfinite(trial_loss)
        theta = torch.where(accepted[:, None], trial, theta)
        loss = torch.where(accepted, trial_loss, loss)
        step = torch.where(accepted, step * 1.5, step * 0.5).clamp(1e-12, 1e3)
        if progress is not None and iteration % 25 == 0:
            progress("descent", iteration, steps)
    return theta


def _adam(landscape: Landscape, start: Tensor, steps: int, progress: Progress | None) -> Tensor:
    theta = start.clone()
    first = torch.zeros_like(theta)
    second = torch.zeros_like(theta)
    beta1, beta2 = ADAM_BETAS
    for iteration in range(1, steps + 1):
        grad = landscape.gradient(theta)
        grad = torch.where(torch.isfinite(grad), grad, torch.zeros_like(grad))
        first.mul_(beta1).add_(grad, alpha=1 - beta1)
        second.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        corrected = first / (1 - beta1**iteration)
        scale = (second / (1 - beta2**iteration)).sqrt().add_(ADAM_EPS)
        theta = theta - ADAM_RATE * corrected / scale
        if progress is not None and iteration % 25 == 0:
            progress("descent", iteration, steps)
    return theta


def refine(
    landscape: Landscape, start: Tensor, steps: int, tolerance: float = 0.0, progress: Progress | None = None
) -> Tensor:
    """Batched float64 Levenberg-Marquardt on ||grad||^2; stops early below ``tolerance``.
    Dense Hessians up to :data:`~landscape.limits.MATRIX_FREE_PARAMS` parameters, matrix-free above."""
    theta = start.to(DTYPE).clone()
    batch, size = theta.shape
    damping = torch.full((batch,), 1e-3, dtype=DTYPE)
    dense = dense_hessian_fits(size)
    eye = torch.eye(size, dtype=DTYPE) if dense else None
    grad = landscape.gradient(theta)
    norm = grad.norm(dim=1)
    scale = None if dense else _hessian_norm_estimate(landscape, theta)
    for iteration in range(steps):
        if progress is not None:
            progress("refinement", iteration, steps)
        if bool((norm <= tolerance).all()):
            break
        if eye is not None:
            hess = landscape.hessian(theta)
            scale = hess.abs().amax((1, 2)).clamp_min(1e-12)
            system = hess @ hess + (damping * scale**2)[:, None, None] * eye
            delta = -torch.linalg.solve(system, (hess @ grad.unsqueeze(-1))).squeeze(-1)
        else:
            floor = MATRIX_FREE_STOP * landscape.loss_scale() / theta.norm(dim=1).clamp_min(1.0)
            active = norm > torch.maximum(floor, torch.full_like(floor, tolerance))
            if not bool(active.any()):
                break
            delta = torch.zeros_like(theta)
            rows = active.nonzero().squeeze(1)
            delta[rows] = _matrix_free_step(landscape, theta[rows], grad[rows], damping[rows] * scale[rows] ** 2)
        trial = theta + delta
        trial_grad = landscape.gradient(trial)
        trial_norm = trial_grad.norm(dim=1)
        better = torch.isfinite(trial_norm) & (trial_norm < norm)
        theta = torch.where(better[:, None], trial, theta)
        grad = torch.where(better[:, None], trial_grad, grad)
        norm = torch.where(better, trial_norm, norm)
        damping = torch.where(better, damping / 3.0, damping * 4.0).clamp(1e-15, 1e8)
    return theta


def _hessian_norm_estimate(landscape: Landscape, theta: Tensor) -> Tensor:
    """||H||_2 at each row, estimated by a few Lanczos iterations (a lower bound; the damping's scale)."""

    def hvp(vectors: Tensor) -> Tensor:
        return landscape.hessian_vector_products(theta, vectors)

    generator = torch.Generator().manual_seed(0)
    low, high = lanczos_extremes(hvp, theta.shape[0], theta.shape[1], SCALE_LANCZOS_STEPS, generator)
    return torch.maximum(low.abs(), high.abs()).clamp_min(1e-12)


def _matrix_free_step(landscape: Landscape, theta: Tensor, grad: Tensor, shift: Tensor) -> Tensor:
    """The Levenberg-Marquardt step -(H^2 + shift I)^{-1} H g from Hessian-vector products, the
    system solved by batched conjugate gradients."""

    def hvp(vectors: Tensor) -> Tensor:
        return landscape.hessian_vector_products(theta, vectors)

    def system(vectors: Tensor) -> Tensor:
        return hvp(hvp(vectors)) + shift[:, None] * vectors

    return -conjugate_gradients(system, hvp(grad), CG_STEPS, CG_TOLERANCE)


def conjugate_gradients(operator: Callable[[Tensor], Tensor], rhs: Tensor, steps: int, tolerance: float) -> Tensor:
    """Batched conjugate gradients for A_b x_b = rhs_b, A_b symmetric positive definite, given
    ``operator(X) = (A_b x_b)_b``; at most ``steps`` iterations, each row frozen once its
    residual is below ``tolerance`` times its right-hand side."""
    x = torch.zeros_like(rhs)
    residual = rhs.clone()
    direction = residual.clone()
    squared = (residual * residual).sum(1)
    target = tolerance**2 * squared
    for _ in range(steps):
        active = squared > target
        if not bool(active.any()):
            break
        product = operator(direction)
        curvature = (direction * product).sum(1)
        alpha = torch.where(active & (curvature > 0), squared / curvature.clamp_min(1e-300), torch.zeros_like(squared))
        x = x + alpha[:, None] * direction
        residual = residual - alpha[:, None] * product
        new_squared = (residual * residual).sum(1)
        beta = torch.where(active, new_squared / squared.clamp_min(1e-300), torch.zeros_like(squared))
        direction = residual + beta[:, None] * direction
        squared = torch.where(active, new_squared, squared)
    return x


def search(
    landscape: Landscape,
    starts: int,
    descent_steps: int,
    refine_steps: int,
    seed: int,
    device: torch.device | str = "cpu",
    progress: Progress | None = None,
    optimiser: str = "gd",
    dtype: torch.dtype = DTYPE,
    chunk: int | None = None,
) -> SearchResult:
    """Random starts -> batched descent on ``device`` (in chunks) -> float64 refinement on the CPU.

    The starts are drawn on the CPU from ``seed`` whatever the device, so the same seed gives the
    same starts everywhere; chunks do not change the result (each start is independent).
    """
    if starts < 1:
        raise InvalidArgument(f"starts={starts} must be a positive integer")
    generator = torch.Generator().manual_seed(seed)
    initial = landscape.random_points(starts, generator)
    require_memory(
        f"the search over {landscape.n_params} parameters", 24 * 8 * landscape.n_params,
        "a landscape this large does not fit even one start; use a smaller model",
    )
    per_chunk = chunk or chunk_size(landscape.n_params, torch.tensor([], dtype=dtype).element_size())
    per_refine = min(per_chunk, refine_chunk_size(landscape.n_params))
    start = initial.to(device=device, dtype=dtype)
    points = descend_in_chunks(landscape, start, descent_steps, per_chunk, progress, optimiser, generator).to("cpu", DTYPE)
    refined = torch.cat([
        refine(landscape, points[i : i + per_refine], refine_steps, progress=progress)
        for i in range(0, starts, per_refine)
    ])
    losses = landscape.loss(refined)
    norms = landscape.gradient(refined).norm(dim=1)
    return SearchResult(
        points=refined.numpy(),
        losses=losses.numpy(),
        gradient_norms=norms.numpy(),
        starts=starts,
        descent_steps=descent_steps,
        refine_steps=refine_steps,
        optimiser=optimiser,
        device=str(device),
    )
