"""Gradient descent with Armijo backtracking, kept as a path: every accepted step lowers the loss
and ends before the minimum along its line, so that the straight segments between iterates are
candidates for a non-increasing path (the path theorems certify each segment separately)."""

from __future__ import annotations

import numpy as np
import torch

from landscape.landscapes.base import DTYPE, Landscape


def armijo_path(landscape: Landscape, start: np.ndarray, steps: int) -> list[np.ndarray]:
    """Iterates of gradient descent with Armijo backtracking (each accepted step lowers F)."""
    theta = torch.as_tensor(start, dtype=DTYPE)[None]
    loss, step, path = landscape.loss(theta), 0.05, [np.asarray(start)]
    floor = 1e-11 * landscape.loss_scale()
    for _ in range(steps):
        grad = landscape.gradient(theta)
        if float(grad.norm()) <= floor:  # converged: further steps would be rounding noise
            break
        for _ in range(30):
            trial = theta - step * grad
            trial_loss = landscape.loss(trial)
            # Armijo decrease, and no overshoot of the minimum along the line (dF/dt <= 0 at the end)
            # so that the straight segment stays non-increasing.
            overshoot = float((landscape.gradient(trial) * grad).sum()) < 0
            if float(trial_loss) <= float(loss) - 1e-4 * step * float((grad**2).sum()) and not overshoot:
                theta, loss, step = trial, trial_loss, step * 1.5
                path.append(theta[0].numpy())
                break
            step *= 0.5
    return path
