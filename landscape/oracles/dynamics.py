r"""Gradient-descent trajectories with recorded losses, fitted rates, and a replayable check.

``gd_trajectory`` runs plain gradient descent theta <- theta - eta grad F with a *fixed* step for a
batch of starts (no line search: the theorems of seed 000 are about that algorithm) and records
the loss at every step.  ``fitted_rate`` is the least-squares slope of log(F - F*) against t.
The ``gd-trajectory`` check replays such a run from a certificate: float64 GD is deterministic,
so the replay reproduces the recorded claim (converges / stalls / violates a claimed rate).
A run may record more than the loss at every iterate (``observe``: e.g. the spectrum of a
kernel along the way), give each start its own step, and stop once every start satisfies a
criterion (``until``); without them it is the plain fixed-horizon run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
        step: the fixed step size eta (a float, or one per start).
        observed: ``(T + 1, B, m)`` what ``observe`` recorded at every iterate, or None.
    """

    losses: np.ndarray
    final: np.ndarray
    step: float | np.ndarray
    observed: np.ndarray | None = None

    @property
    def diverged(self) -> np.ndarray:
        return ~np.isfinite(self.losses).all(axis=0)


Observer = Callable[[Tensor, Tensor], Tensor]  # (iterates (B, P), gradients (B, P)) -> (B, m)


def gd_trajectory(landscape: Landscape, start: np.ndarray | Tensor, step: float | np.ndarray, steps: int,
                  observe: Observer | None = None, until: Observer | None = None) -> Trajectory:
    """Fixed-step gradient descent from each row of ``start`` for ``steps`` steps (float64).

    ``step`` is one step for every start or one per start.  ``observe(theta, gradient)`` is
    recorded at every iterate (the gradient is the one the step uses); the run stops early,
    after recording, at the first iterate where ``until(theta, gradient)`` holds for every row.
    """
    theta = torch.as_tensor(np.asarray(start, dtype=np.float64), dtype=DTYPE)
    if theta.ndim == 1:
        theta = theta[None]
    eta = step if np.ndim(step) == 0 else torch.as_tensor(np.asarray(step, dtype=np.float64), dtype=DTYPE)[:, None]
    losses, observed = [], []
    for t in range(steps + 1):
        losses.append(landscape.loss(theta))
        if t == steps and observe is None:
            break
        gradient = landscape.gradient(theta)
        if observe is not None:
            observed.append(observe(theta, gradient))
        if t == steps or (until is not None and bool(until(theta, gradient).all())):
            break
        theta = theta - eta * gradient
    with np.errstate(invalid="ignore"):
        out = torch.stack(losses).numpy()
    record = torch.stack(observed).numpy() if observed else None
    return Trajectory(np.where(np.isfinite(out), out, np.inf), theta.numpy(), step, record)


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
