r"""Gradient descent on a scalar-output, squared-loss net with its NTK Gram matrix recorded at
every iterate (seed 001 Claim VII.1).

With G(theta) = (df(x_1)/dtheta, ..., df(x_n)/dtheta) (P x n, eq. (5)) the Gram matrix is
K(theta) = G^T G (n x n, eq. (6)); lambda_min(K) = sigma_n(G)^2 and lambda_max(K) = sigma_1(G)^2.
G comes from autograd of the outputs (:meth:`~landscape.landscapes.mlp.MLP.output_jacobian`);
GD steps with the autograd gradient of the loss, and at every iterate the closed form
grad F = (2/n) G e (e = f(X) - Y) is compared with it: a wrong G shows as a gap, so the recorded
spectrum does not rest on one oracle.

The runs use :func:`~landscape.oracles.dynamics.gd_trajectory` with one fixed step per start,
eta_b = STEP_EDGE_FRACTION / lambda_max(H(theta_b(0))): half the stability edge 2/L for the
curvature L seen at the start.  The edge at the end point, eta lambda_max(H(theta_b(T))), and the
decrease of F at every step are recorded.  A start *ends* at its first iterate that is critical to within
TRAJECTORY_GRADIENT_RTOL; the batch goes on until a given fraction of its starts has ended (or
the horizon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from landscape.landscapes.base import DTYPE
from landscape.landscapes.mlp import MLP
from landscape.oracles.dynamics import gd_trajectory
from landscape.oracles.linear_trajectories import ORACLE_FLOOR

# sigma_n(G) > RANK_RTOL x sigma_1(G) x max(P, n) certifies rank n: float64 singular values carry
# an absolute error of about eps x sigma_1, so this leaves seven orders of magnitude of margin.
RANK_RTOL = 1e-8
# A trajectory's end: |grad F| <= TRAJECTORY_GRADIENT_RTOL x max(loss scale, F) / max(1, |theta|).
# GD converges linearly at best, so this is looser than the refined points' 1e-8; it keeps
# sigma_n(G) at a bad limit (which shrinks like |grad F|) above the rank floor on the way.
TRAJECTORY_GRADIENT_RTOL = 1e-6
STEP_EDGE_FRACTION = 1.0  # eta lambda_max(H(theta(0))) = 1: half the stability edge at the start
# F(k + 1) <= F(k) + MONOTONE_RTOL x loss scale at every step (rounding in F is ~1e-16 relative).
MONOTONE_RTOL = 1e-12

# Columns of an observation: lambda_min(K), lambda_max(K), rank n certified, closed-form gap,
# loss, |grad F|, critical (to TRAJECTORY_GRADIENT_RTOL), then the iterate itself (P values), so
# that each start's end point, its first critical iterate, is at hand without a second run.
LAMBDA_MIN, LAMBDA_MAX, FULL_RANK, GAP, LOSS, GRADIENT, CRITICAL, ITERATE = range(8)


def critical_rows(landscape: MLP, theta: Tensor, gradient: Tensor, loss: Tensor) -> Tensor:
    scale = torch.clamp(loss, min=landscape.loss_scale()) / torch.clamp(theta.norm(dim=1), min=1.0)
    return gradient.norm(dim=1) <= TRAJECTORY_GRADIENT_RTOL * scale


class GramObserver:
    """The observation of the module docstring at every row of ``theta``; ``until`` reads the
    last one (which starts have ended: been critical, or diverged) instead of evaluating the
    loss again."""

    def __init__(self, landscape: MLP) -> None:
        self.landscape = landscape
        self.targets = torch.as_tensor(landscape.y[0], dtype=DTYPE)
        self.floor = ORACLE_FLOOR * landscape.loss_scale()
        self.last: Tensor | None = None
        self.positive: Tensor | None = None  # rank n certified at every iterate so far, per row
        self.ended: Tensor | None = None  # critical (or diverged) at some iterate so far, per row

    def __call__(self, theta: Tensor, gradient: Tensor) -> Tensor:
        landscape = self.landscape
        jacobian = landscape.output_jacobian(theta)  # (B, P, n)
        singular = torch.linalg.svdvals(torch.nan_to_num(jacobian))
        residual = landscape.outputs(theta)[:, 0, :] - self.targets
        loss = (residual**2).mean(-1)
        closed = (2.0 / landscape.n) * (jacobian @ residual.unsqueeze(-1))[..., 0]
        size = torch.clamp(torch.maximum(closed.norm(dim=1), gradient.norm(dim=1)), min=self.floor)
        gap = (closed - gradient).norm(dim=1) / size
        full = singular[:, -1] > RANK_RTOL * singular[:, 0] * max(jacobian.shape[1:])
        critical = critical_rows(landscape, theta, gradient, loss)
        columns = [singular[:, -1] ** 2, singular[:, 0] ** 2, full.to(DTYPE), gap, loss, gradient.norm(dim=1), critical.to(DTYPE)]
        self.last = torch.cat([torch.stack(columns, dim=1), theta], dim=1)
        self.positive = full if self.positive is None else self.positive & full
        return self.last

    def until(self, theta: Tensor, gradient: Tensor) -> Tensor:
        """Rows that have ended (been critical, or diverged) at some iterate so far."""
        assert self.last is not None
        now = (self.last[:, CRITICAL] > 0.5) | ~torch.isfinite(self.last[:, LOSS])
        self.ended = now if self.ended is None else self.ended | now
        return self.ended

    def bad_limit(self, loss_floor: float) -> Tensor:
        """Rows ending now with loss >= ``loss_floor`` and rank n certified at every iterate."""
        assert self.last is not None and self.positive is not None
        return (self.last[:, CRITICAL] > 0.5) & (self.last[:, LOSS] >= loss_floor) & self.positive


@dataclass(slots=True)
class GramRun:
    """One start's GD run up to its end (its first critical iterate, else the horizon).

    Attributes:
        start, step: theta(0) and the fixed step eta.
        end_step: T, the iterate judged; ``converged``: whether theta(T) is critical.
        bound: c = min_{k <= T} lambda_min(K(theta(k))); ``scale``: max_{k <= T} lambda_max(K).
        positive: whether G(theta(k)) has certified rank n at every k <= T.
        monotone: whether F decreased (within MONOTONE_RTOL) at every step up to T.
        oracle_gap: largest closed-form vs autograd gradient gap up to T (relative).
        loss, gradient_norm, end: F, |grad F| and theta at T; ``edge``: eta lambda_max(H(theta(T))).
        end_lambda_min: lambda_min(K(theta(T))).
    """

    start: np.ndarray
    step: float
    end_step: int
    converged: bool
    bound: float
    scale: float
    positive: bool
    monotone: bool
    oracle_gap: float
    loss: float
    gradient_norm: float
    end: np.ndarray
    edge: float
    end_lambda_min: float

    @property
    def relative_bound(self) -> float:
        """c / max_k lambda_max(K): the uniform bound on the scale of G along the run."""
        return self.bound / self.scale if self.scale > 0 else 0.0


def starting_steps(landscape: MLP, starts: Tensor) -> np.ndarray:
    """eta_b = STEP_EDGE_FRACTION / lambda_max(H(theta_b(0))) (the largest |eigenvalue| if none is positive)."""
    spectrum = torch.linalg.eigvalsh(landscape.hessian(starts))
    top = torch.maximum(spectrum[:, -1], spectrum.abs().max(dim=1).values * 1e-3)
    return (STEP_EDGE_FRACTION / top).numpy()


def top_curvature(landscape: MLP, points: np.ndarray) -> np.ndarray:
    """lambda_max(H) at each row of ``points``; NaN where the point or its Hessian is not finite
    or the eigensolver fails (a run that far out is not judged)."""
    top = np.full(len(points), np.nan)
    finite = np.flatnonzero(np.isfinite(points).all(axis=1))
    if finite.size == 0:
        return top
    hessians = landscape.hessian(torch.as_tensor(points[finite], dtype=DTYPE))
    for row, hessian in zip(finite, hessians):
        if bool(torch.isfinite(hessian).all()):
            try:
                top[row] = float(torch.linalg.eigvalsh(hessian)[-1])
            except torch.linalg.LinAlgError:
                pass
    return top


def gram_runs(landscape: MLP, starts: np.ndarray, steps: np.ndarray | float, horizon: int,
              bad_limit_floor: float | None = None, ended_fraction: float = 1.0) -> list[GramRun]:
    """GD from every row of ``starts`` (step per row) until ``ended_fraction`` of the starts
    have ended, or ``horizon``; with ``bad_limit_floor``, also as soon as one start ends with a
    loss at least that high and G of rank n at every iterate.  Starts still running when the
    batch stops are reported as not converged."""
    observer = GramObserver(landscape)

    def until(theta: Tensor, gradient: Tensor) -> Tensor:
        ended = observer.until(theta, gradient)
        if bad_limit_floor is not None and bool(observer.bad_limit(bad_limit_floor).any()):
            return torch.ones_like(ended)
        return torch.full_like(ended, float(ended.to(DTYPE).mean()) >= ended_fraction)

    run = gd_trajectory(landscape, starts, steps, horizon, observe=observer, until=until)
    observed = run.observed
    assert observed is not None
    steps_per_row = np.broadcast_to(np.asarray(steps, dtype=np.float64), (len(starts),))
    ends = [int(np.argmax(column)) if column.any() else observed.shape[0] - 1 for column in (observed[:, :, CRITICAL] > 0.5).T]
    points = np.stack([observed[end, row, ITERATE:] for row, end in enumerate(ends)])
    edges = steps_per_row * top_curvature(landscape, points)
    scale = landscape.loss_scale()
    return [_summary(observed[: end + 1, row], np.asarray(starts[row], dtype=np.float64), float(steps_per_row[row]), end,
                     float(edges[row]), scale) for row, end in enumerate(ends)]


def _summary(rows: np.ndarray, start: np.ndarray, step: float, end: int, edge: float, scale: float) -> GramRun:
    losses = rows[:, LOSS]
    with np.errstate(invalid="ignore"):
        monotone = bool(np.isfinite(losses).all() and (np.diff(losses) <= MONOTONE_RTOL * scale).all())
    last = rows[-1]
    return GramRun(start, step, end, bool(last[CRITICAL] > 0.5 and np.isfinite(last[LOSS])), float(np.nanmin(rows[:, LAMBDA_MIN])),
                   float(np.nanmax(rows[:, LAMBDA_MAX])), bool((rows[:, FULL_RANK] > 0.5).all()), monotone,
                   float(np.nanmax(rows[:, GAP])), float(last[LOSS]), float(last[GRADIENT]), last[ITERATE:].copy(), edge,
                   float(last[LAMBDA_MIN]))


def replay_run(landscape: MLP, start: np.ndarray, step: float, end_step: int) -> GramRun:
    """The run of one start re-done from the start for exactly ``end_step`` steps (no early stop)."""
    run = gd_trajectory(landscape, start[None], step, end_step, observe=GramObserver(landscape))
    assert run.observed is not None
    edge = step * float(top_curvature(landscape, run.observed[-1:, 0, ITERATE:])[0])
    return _summary(run.observed[:, 0], start, step, end_step, edge, landscape.loss_scale())
