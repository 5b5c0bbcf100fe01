"""The counterexample hunter: many random starts advanced together, then refined to true
critical points in float64.

Stage 1, descent: B starts move as one ``(B, P)`` tensor by gradient descent with a per-start
step size (Armijo backtracking, batched: each start grows its step after an accepted step and
halves it after a rejected one), so no step size has to be tuned per landscape.

Stage 2, refinement: Levenberg-Marquardt on the squared gradient norm,
delta = -(H^2 + mu I)^{-1} H g, in float64.  It converges to critical points of any index
(saddles included) and is quadratic near non-degenerate ones, so candidates are critical points
to rounding error rather than "gradient-flat" look-alikes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from landscape.oracles.landscapes import DTYPE, Landscape

ARMIJO_FRACTION = 1e-4  # sufficient-decrease constant of the backtracking rule
INITIAL_STEP = 1e-2


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
    """

    points: np.ndarray
    losses: np.ndarray
    gradient_norms: np.ndarray
    starts: int
    descent_steps: int
    refine_steps: int

    def __repr__(self) -> str:
        return (
            f"SearchResult(starts={self.starts}, min_loss={self.losses.min():.6g}, "
            f"max_gradient_norm={self.gradient_norms.max():.3g})"
        )


Progress = Callable[[str, int, int], None]


def descend(landscape: Landscape, start: Tensor, steps: int, progress: Progress | None = None) -> Tensor:
    """Batched gradient descent with per-start Armijo backtracking."""
    theta = start.clone()
    step = torch.full((theta.shape[0],), INITIAL_STEP, dtype=theta.dtype, device=theta.device)
    loss = landscape.loss(theta)
    for iteration in range(steps):
        grad = landscape.gradient(theta)
        trial = theta - step[:, None] * grad
        trial_loss = landscape.loss(trial)
        accepted = trial_loss <= loss - ARMIJO_FRACTION * step * (grad * grad).sum(1)
        accepted &= torch.isfinite(trial_loss)
        theta = torch.where(accepted[:, None], trial, theta)
        loss = torch.where(accepted, trial_loss, loss)
        step = torch.where(accepted, step * 1.5, step * 0.5).clamp(1e-12, 1e3)
        if progress is not None and iteration % 50 == 0:
            progress("descent", iteration, steps)
    return theta


def refine(landscape: Landscape, start: Tensor, steps: int, tolerance: float = 0.0) -> Tensor:
    """Batched float64 Levenberg-Marquardt on ||grad||^2; stops early below ``tolerance``."""
    theta = start.to(DTYPE).clone()
    batch, size = theta.shape
    damping = torch.full((batch,), 1e-3, dtype=DTYPE)
    eye = torch.eye(size, dtype=DTYPE)
    grad = landscape.gradient(theta)
    norm = grad.norm(dim=1)
    for _ in range(steps):
        if bool((norm <= tolerance).all()):
            break
        hess = landscape.hessian(theta)
        scale = hess.abs().amax((1, 2)).clamp_min(1e-12)
        system = hess @ hess + (damping * scale**2)[:, None, None] * eye
        delta = -torch.linalg.solve(system, (hess @ grad.unsqueeze(-1))).squeeze(-1)
        trial = theta + delta
        trial_grad = landscape.gradient(trial)
        trial_norm = trial_grad.norm(dim=1)
        better = torch.isfinite(trial_norm) & (trial_norm < norm)
        theta = torch.where(better[:, None], trial, theta)
        grad = torch.where(better[:, None], trial_grad, grad)
        norm = torch.where(better, trial_norm, norm)
        damping = torch.where(better, damping / 3.0, damping * 4.0).clamp(1e-15, 1e8)
    return theta


def search(
    landscape: Landscape,
    starts: int,
    descent_steps: int,
    refine_steps: int,
    seed: int,
    device: torch.device | str = "cpu",
    progress: Progress | None = None,
) -> SearchResult:
    """Random starts -> batched descent on ``device`` -> float64 refinement on the CPU."""
    generator = torch.Generator().manual_seed(seed)
    start = landscape.random_points(starts, generator).to(device)
    descended = descend(landscape, start, descent_steps, progress).to("cpu", DTYPE)
    refined = refine(landscape, descended, refine_steps)
    losses = landscape.loss(refined)
    norms = landscape.gradient(refined).norm(dim=1)
    return SearchResult(
        points=refined.numpy(),
        losses=losses.numpy(),
        gradient_norms=norms.numpy(),
        starts=starts,
        descent_steps=descent_steps,
        refine_steps=refine_steps,
    )
