r"""Batched L-BFGS: B independent minimisations advanced as one tensor computation.

Each start keeps its own history of the last m pairs s = x_{t+1} - x_t, y = g_{t+1} - g_t as rows
of ``(B, m, P)`` tensors; the direction is the two-loop recursion (Nocedal & Wright, Algorithm
7.4) with the initial scaling gamma = s^T y / y^T y of the newest pair, and the step length is
found by per-start Armijo backtracking from t = 1 (from min(1, 1/|g|) before any pair is
stored, as L-BFGS-B does).  A pair with s^T y <= :data:`CURVATURE_FLOOR` y^T y is not stored
(its weight rho is 0, so the recursion skips it), and a direction that is not a descent
direction is replaced by -g.

Stopping, per start, is SciPy's L-BFGS-B rule, so that the harness and a per-start SciPy loop
can be compared on equal terms: stop when max_i |g_i| <= ``gtol`` or when the relative decrease
(f_t - f_{t+1}) / max(|f_t|, |f_{t+1}|, 1) <= ``ftol``; a start whose line search fails
:data:`MAX_BACKTRACKS` times stops unconverged (L-BFGS-B's abnormal termination).  Finished
starts leave the batch, so late iterations cost only what is still running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

LossAndGradient = Callable[[Tensor], tuple[Tensor, Tensor]]

MEMORY = 10  # pairs kept per start (L-BFGS-B's default maxcor)
SCIPY_FTOL = 2.220446049250313e-09  # L-BFGS-B's default: factr 1e7 times machine epsilon
ARMIJO = 1e-4  # sufficient-decrease constant of the backtracking rule
MAX_BACKTRACKS = 40  # halvings of the step before a start's line search counts as failed
CURVATURE_FLOOR = 1e-12  # a pair with s^T y below this fraction of y^T y would spoil the metric


@dataclass(slots=True)
class LbfgsResult:
    """Where each start ended.

    Attributes:
        points: end points, ``(B, P)``.
        losses: loss at each end point.
        gradient_max: max_i |g_i| at each end point.
        iterations: iterations each start ran.
        evaluations: loss-and-gradient evaluations each start used.
        converged: the start met the stopping rule (gradient or relative decrease).
    """

    points: Tensor
    losses: Tensor
    gradient_max: Tensor
    iterations: Tensor
    evaluations: Tensor
    converged: Tensor


def lbfgs(
    loss_and_gradient: LossAndGradient,
    start: Tensor,
    max_iterations: int,
    gtol: float,
    ftol: float = SCIPY_FTOL,
    memory: int = MEMORY,
) -> LbfgsResult:
    """Minimise from every row of ``start`` (see the module docstring)."""
    x = start.clone()
    f, g = loss_and_gradient(x)
    count = x.shape[0]
    result = LbfgsResult(x.clone(), f.clone(), g.abs().amax(1), _zeros(count, x), torch.ones(count, dtype=torch.long, device=x.device),
                         g.abs().amax(1) <= gtol)
    rows = torch.nonzero(~result.converged).flatten()
    x, f, g = x[rows], f[rows], g[rows]
    history_s = x.new_zeros(memory, rows.numel(), x.shape[1])  # slot-major: each slot's (B, P) block is contiguous
    history_y = torch.zeros_like(history_s)
    rho = x.new_zeros(memory, rows.numel())
    gamma = x.new_zeros(rows.numel())  # 0: no pair stored yet
    for iteration in range(max_iterations):
        if rows.numel() == 0:
            break
        direction = _two_loop(g, history_s, history_y, rho, gamma, iteration, memory)
        slope = (g * direction).sum(1)
        downhill = slope < 0
        direction = torch.where(downhill[:, None], direction, -g)
        slope = torch.where(downhill, slope, -(g * g).sum(1))
        first = torch.where(gamma > 0, torch.ones_like(gamma), (1.0 / direction.norm(dim=1)).clamp(max=1.0))
        new_x, new_f, new_g, found, used = _backtrack(loss_and_gradient, x, f, g, direction, slope, first)
        s, y = new_x - x, new_g - g
        sy, yy = (s * y).sum(1), (y * y).sum(1)
        stored = found & (sy > CURVATURE_FLOOR * yy)
        slot = iteration % memory
        history_s[slot], history_y[slot] = s, y
        rho[slot] = torch.where(stored, 1.0 / torch.where(stored, sy, torch.ones_like(sy)), torch.zeros_like(sy))
        gamma = torch.where(stored, sy / torch.where(stored, yy, torch.ones_like(yy)), gamma)
        decrease = (f - new_f) <= ftol * torch.maximum(torch.maximum(f.abs(), new_f.abs()), torch.ones_like(f))
        converged = found & ((new_g.abs().amax(1) <= gtol) | decrease)
        finished = converged | ~found
        result.iterations[rows] += 1
        result.evaluations[rows] += used
        x, f, g = new_x, new_f, new_g
        if bool(finished.any()) or iteration == max_iterations - 1:
            done = rows[finished]
            _write(result, done, x[finished], f[finished], g[finished], converged[finished])
            keep = ~finished
            rows, x, f, g = rows[keep], x[keep], f[keep], g[keep]
            history_s, history_y, rho, gamma = history_s[:, keep], history_y[:, keep], rho[:, keep], gamma[keep]
    if rows.numel():
        _write(result, rows, x, f, g, torch.zeros(rows.numel(), dtype=torch.bool, device=x.device))
    return result


def _zeros(count: int, like: Tensor) -> Tensor:
    return torch.zeros(count, dtype=torch.long, device=like.device)


def _write(result: LbfgsResult, rows: Tensor, x: Tensor, f: Tensor, g: Tensor, converged: Tensor) -> None:
    result.points[rows], result.losses[rows] = x, f
    result.gradient_max[rows], result.converged[rows] = g.abs().amax(1), converged


def _two_loop(g: Tensor, history_s: Tensor, history_y: Tensor, rho: Tensor, gamma: Tensor, iteration: int, memory: int) -> Tensor:
    """-H g by the two-loop recursion over the stored pairs, newest first."""
    order = [(iteration - 1 - i) % memory for i in range(min(iteration, memory))]
    q = g.clone()
    alphas = []
    for slot in order:
        alpha = rho[slot] * _dot(history_s[slot], q)
        q.addcmul_(alpha[:, None], history_y[slot], value=-1.0)
        alphas.append(alpha)
    r = q.mul_(torch.where(gamma > 0, gamma, torch.ones_like(gamma))[:, None])
    for slot, alpha in zip(reversed(order), reversed(alphas)):
        beta = rho[slot] * _dot(history_y[slot], r)
        r.addcmul_((alpha - beta)[:, None], history_s[slot])
    return r.neg_()


def _dot(a: Tensor, b: Tensor) -> Tensor:
    """Row-wise dot products of two ``(B, P)`` tensors, one fused kernel."""
    return torch.bmm(a.unsqueeze(1), b.unsqueeze(2)).flatten()


def _backtrack(
    loss_and_gradient: LossAndGradient, x: Tensor, f: Tensor, g: Tensor, direction: Tensor, slope: Tensor, step: Tensor,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Per-start Armijo backtracking; only the starts still searching are evaluated again."""
    new_x, new_f, new_g = x.clone(), f.clone(), g.clone()
    found = torch.zeros(x.shape[0], dtype=torch.bool, device=x.device)
    used = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    pending = torch.arange(x.shape[0], device=x.device)
    step = step.clone()
    for _ in range(MAX_BACKTRACKS):
        trial = x[pending] + step[pending, None] * direction[pending]
        trial_f, trial_g = loss_and_gradient(trial)
        used[pending] += 1
        good = torch.isfinite(trial_f) & (trial_f <= f[pending] + ARMIJO * step[pending] * slope[pending])
        accepted = pending[good]
        new_x[accepted], new_f[accepted], new_g[accepted] = trial[good], trial_f[good], trial_g[good]
        found[accepted] = True
        pending = pending[~good]
        if pending.numel() == 0:
            break
        step[pending] *= 0.5
    return new_x, new_f, new_g, found, used
