r"""The loss along segments and quadratic Bezier curves, batched (seed 001 §V-A, §V-B).

For endpoints a, b (rows of ``(B, P)`` tensors) and a control point psi,

.. math:: \gamma_\psi(t) = (1-t)^2 a + 2t(1-t)\,\psi + t^2 b,\qquad t \in [0, 1],

the curve of Garipov et al. [18]; psi = (a + b)/2 is the straight segment.  Its coefficients
sum to one, so the curve lies in the affine plane through a, b and psi: the plane
M(theta_1^*, theta_2^*, theta_0) of Conjecture V.4.  :func:`fit_bezier` minimises
E_{t ~ U[0,1]} F(gamma_psi(t)) over psi by Adam, every pair and every sampled t in one batch
(stratified t: one uniform draw in each of ``samples`` equal slices of [0, 1]).

Figures of a path's loss values L(t_0), ..., L(t_G) on a grid from 0 to 1:

* :func:`largest_rise`: max over j of L(t_j) - min_{i <= j} L(t_i), the largest increase met
  walking from t = 0 (zero exactly when the values never increase);
* :func:`barrier`: max over j of L(t_j) - ((1 - t_j) L(0) + t_j L(1)), the height above the
  chord of the endpoint losses (Frankle et al.; for equal endpoint losses it is the maximum
  minus their mean, and it does not count a difference of the endpoints as a barrier).

Both look at grid points only: a bump narrower than the grid spacing can be missed.
"""

from __future__ import annotations

import torch
from torch import Tensor

from landscape.errors import InvalidArgument
from landscape.landscapes.base import Landscape

CURVE_RATE = 1e-2  # Adam step on the control point (parameters are O(1) after Xavier initialisation)
CURVE_BETAS, CURVE_EPS = (0.9, 0.999), 1e-12


def grid(points: int, dtype: torch.dtype = torch.float64, device: torch.device | str = "cpu") -> Tensor:
    """``points`` equally spaced values of t in [0, 1], ends included."""
    if points < 2:
        raise InvalidArgument(f"points={points} must be at least 2 (the two ends)")
    return torch.linspace(0.0, 1.0, points, dtype=dtype, device=device)


def bezier(a: Tensor, control: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """gamma_psi(t) for rows a, control, b ``(B, P)`` and times t ``(T,)`` or ``(B, T)``:
    ``(B, T, P)``."""
    t = t.expand(a.shape[0], -1) if t.dim() == 1 else t
    t = t.unsqueeze(-1)
    return (1 - t) ** 2 * a[:, None] + 2 * t * (1 - t) * control[:, None] + t**2 * b[:, None]


def losses_along(landscape: Landscape, a: Tensor, control: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """The loss at gamma_psi(t) for every row and every t: ``(B, T)``, one batched evaluation."""
    points = bezier(a, control, b, t)
    rows, count, size = points.shape
    return landscape.loss(points.reshape(rows * count, size)).reshape(rows, count)


def segment_losses(landscape: Landscape, a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """The loss on the segments from a to b (the curve with control (a + b)/2): ``(B, T)``."""
    return losses_along(landscape, a, 0.5 * (a + b), b, t)


def largest_rise(losses: Tensor) -> tuple[Tensor, Tensor]:
    """Per row: the largest rise (see the module docstring) and the grid index where the rise
    peaks (0 where there is none)."""
    rise = losses - torch.cummin(losses, dim=1).values
    height, where = rise.max(dim=1)
    return height, torch.where(height > 0, where, torch.zeros_like(where))


def barrier(losses: Tensor, t: Tensor) -> Tensor:
    """Per row: the height of the path above the chord of its endpoint losses (>= 0)."""
    chord = (1 - t) * losses[:, :1] + t * losses[:, -1:]
    return (losses - chord).amax(dim=1).clamp_min(0.0)


def fit_bezier(
    landscape: Landscape, a: Tensor, b: Tensor, steps: int, samples: int, generator: torch.Generator
) -> Tensor:
    """Control points minimising the mean loss over ``samples`` stratified t per step, by
    ``steps`` Adam steps from the straight segment's midpoint; ``(B, P)``.

    d gamma / d psi = 2t(1 - t), so the gradient in psi is the mean over t of
    2t(1 - t) grad F(gamma(t)), every (pair, t) one row of one batched gradient.
    """
    if steps < 1 or samples < 1:
        raise InvalidArgument(f"steps={steps} and samples={samples} must be positive integers")
    control = 0.5 * (a + b)
    first, second = torch.zeros_like(control), torch.zeros_like(control)
    beta1, beta2 = CURVE_BETAS
    rows, size = control.shape
    slices = torch.arange(samples, dtype=a.dtype)
    for step in range(1, steps + 1):
        jitter = torch.rand(rows, samples, generator=generator, dtype=a.dtype)
        t = ((slices + jitter) / samples).to(a.device)
        points = bezier(a, control, b, t).reshape(rows * samples, size)
        gradient = landscape.gradient(points).reshape(rows, samples, size)
        gradient = torch.where(torch.isfinite(gradient), gradient, torch.zeros_like(gradient))
        weight = (2 * t * (1 - t)).unsqueeze(-1)
        direction = (weight * gradient).mean(dim=1)
        first.mul_(beta1).add_(direction, alpha=1 - beta1)
        second.mul_(beta2).addcmul_(direction, direction, value=1 - beta2)
        corrected = first / (1 - beta1**step)
        scale = (second / (1 - beta2**step)).sqrt().add_(CURVE_EPS)
        control = control - CURVE_RATE * corrected / scale
    return control
