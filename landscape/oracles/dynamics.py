r"""Gradient-descent trajectories with recorded losses, fitted rates, and a replayable check.

``gd_trajectory`` runs plain gradient descent theta <- theta - eta grad F with a *fixed* step for a
batch of starts (no line search: the theorems of seed 000 are about that algorithm) and records
the loss at every step.  ``fitted_rate`` is the least-squares slope of log(F - F*) against t.
The ``gd-trajectory`` check replays such a run from a certificate: float64 GD is deterministic,
so the replay reproduces the recorded claim (converges / stalls / violates a claimed rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from landscape.landscapes.base import DTYPE, Landscape


@dataclass(slots=True)
class Trajectory:
    """A batched GD run.

    Attributes:
        losses: ``(T + 1, B)`` loss at every step (non-finite once a start diverged).
        final: ``(B, P)`` last iterate.
        step: the fixed step size eta.
    """

    losses: np.ndarray
    final: np.ndarray
    step: float

    @property
    def diverged(self) -> np.ndarray:
        return ~np.isfinite(self.losses).all(axis=0)


def gd_trajectory(landscape: Landscape, start: np.ndarray | Tensor, step: float, steps: int) -> Trajectory:
    """Fixed-step gradient descent from each row of ``start`` for ``steps`` steps (float64)."""
    theta = torch.as_tensor(np.asarray(start, dtype=np.float64), dtype=DTYPE)
    if theta.ndim == 1:
        theta = theta[None]
    losses = [landscape.loss(theta)]
    for _ in range(steps):
        theta = theta - step * landscape.gradient(theta)
        losses.append(landscape.loss(theta))
    with np.errstate(invalid="ignore"):
        out = torch.stack(losses).numpy()
    return Trajectory(np.where(np.isfinite(out), out, np.inf), theta.numpy(), step)


def fitted_rate(losses: np.ndarray, optimum: float = 0.0) -> float:
    """Least-squares slope of log(F_t - F*) over the steps where it is positive and finite
    (negative for convergence; -rate per step)."""
    gaps = np.asarray(losses, dtype=np.float64) - optimum
    keep = np.isfinite(gaps) & (gaps > 1e-300)
    if keep.sum() < 2:
        return float("nan")
    t = np.arange(gaps.size)[keep]
    return float(np.polyfit(t, np.log(gaps[keep]), 1)[0])


def rate_violation(losses: np.ndarray, rate: float, slack: float = 1e-9) -> int | None:
    """The first step t with F_t > F_0 exp(-rate t) (1 + slack) (or non-finite), else None."""
    bound = losses[0] * np.exp(-rate * np.arange(losses.size)) * (1.0 + slack) + 1e-300
    bad = ~np.isfinite(losses) | (losses > bound)
    return int(np.argmax(bad)) if bad.any() else None




def steps_for(reduction: float, rate: float, cap: int) -> int:
    """Steps for a factor ``reduction`` at ``rate`` per step, capped."""
    return int(min(cap, math.ceil(math.log(reduction) / max(rate, 1e-300))))
