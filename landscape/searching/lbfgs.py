r"""Batched L-BFGS: B independent minimisations advanced as one tensor computation.

Each start keeps its own last m pairs s = x_{t+1} - x_t, y = g_{t+1} - g_t in a ring of slots (one
``(B, 2m + 1, P)`` tensor: s in slots [0, m), y in [m, 2m), slot 2m a scratch).  Its direction is -H g with H the
inverse-Hessian approximation of the two-loop recursion (Nocedal & Wright, Algorithm 7.4), taken in
the compact form of Byrd, Nocedal & Schnabel (1994, §2):

.. math::
    H = \gamma I + [S \;\; \gamma Y]
        \begin{bmatrix} R^{-T}(D + \gamma Y^T Y) R^{-1} & -R^{-T} \\ -R^{-1} & 0 \end{bmatrix}
        [S \;\; \gamma Y]^T,

R the upper triangle of S^T Y with the pairs oldest first, D its diagonal, gamma = s^T y / y^T y of
the newest pair.  In exact arithmetic it is the two-loop direction (tested to agree); it costs two
passes over the history per step ([S Y]^T g at the new gradient, whose difference with the product
at the previous one also gives the new column of S^T Y and of Y^T Y, then the combination [S Y] c)
and two m x m triangular solves, where the recursion makes 4m dependent passes.  The history is
what a step reads most (2m P numbers a start), so fewer passes is what makes it fast.  A pair with s^T y <= :data:`CURVATURE_FLOOR` y^T y is not stored (the
history stays as it was, as L-BFGS-B skips such an update); an empty slot is a zero pair with a unit
diagonal in R, which leaves the product untouched.  A direction that is not a descent direction is
replaced by -g.

The step length is Armijo backtracking from t = 1 (from min(1, 1/|d|) before any pair is stored, as
L-BFGS-B does), halving the step after each rejected trial.  Every step of the batch is one
evaluation of the loss and gradient at every start's current trial: a start whose trial is accepted
takes it and proposes its next direction, one whose trial is rejected halves its step for the next
evaluation.  So each start goes through the evaluations it would go through alone, and a rejected
trial costs one more row in the next evaluation, not one more evaluation of the batch.

Stopping, per start, is SciPy's L-BFGS-B rule, so that the harness and a per-start SciPy loop can be
compared on equal terms: stop when max_i |g_i| <= ``gtol`` or when the relative decrease
(f_t - f_{t+1}) / max(|f_t|, |f_{t+1}|, 1) <= ``ftol``; a start whose line search fails
:data:`MAX_BACKTRACKS` times stops unconverged (L-BFGS-B's abnormal termination).  A finished start
is frozen by a mask; every :data:`CHECK_EVERY` steps (the only host synchronisations) the batch drops
its finished rows once fewer than :data:`COMPACT_BELOW` of them still run, so late steps cost about
what is still running.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields

import torch
from torch import Tensor

from landscape.allocation import retain_freed_memory

LossAndGradient = Callable[[Tensor], tuple[Tensor, Tensor]]

MEMORY = 10  # pairs kept per start (L-BFGS-B's default maxcor)
SCIPY_FTOL = 2.220446049250313e-09  # L-BFGS-B's default: factr 1e7 times machine epsilon
ARMIJO = 1e-4  # sufficient-decrease constant of the backtracking rule
MAX_BACKTRACKS = 40  # rejected trials of one line search before it counts as failed
CURVATURE_FLOOR = 1e-12  # a pair with s^T y below this fraction of y^T y would spoil the metric
# Steps of the batch between looks at how many starts still run: the look is a host
# synchronisation, and a batch whose starts have all finished idles at most this many steps.
CHECK_EVERY = 8
# Finished rows are dropped from the batch's tensors when fewer than this fraction of the rows
# still run: a frozen row costs its share of every evaluation, dropping rows a copy of the state.
COMPACT_BELOW = 0.75


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


@dataclass(slots=True)
class _Batch:
    """The starts still in the batch, one row each (every field has the batch as its first axis).

    ``rows``: the start each row is; ``x, f, g``: its accepted point, loss and gradient;
    ``direction, slope, step, rejected``: its line search (the slope g^T d < 0, the trial step,
    trials rejected so far); ``pairs``: its slots, s in [0, m), y in [m, 2m), and at 2m a scratch
    slot that takes the writes of a row storing nothing; ``sy, yy``: s_i^T y_j and y_i^T y_j over
    its slots (row and column m: scratch), kept where the compact form reads them (S^T Y on and
    above the diagonal, oldest first, and Y^T Y); ``head``: the slot its next pair overwrites (its
    oldest); ``gamma``: s^T y / y^T y of its newest pair, 1 before any; ``stored``: pairs it
    stored; ``products``: [S Y]^T g at its accepted gradient; ``running``: not finished.
    """

    rows: Tensor
    x: Tensor
    f: Tensor
    g: Tensor
    direction: Tensor
    slope: Tensor
    step: Tensor
    rejected: Tensor
    pairs: Tensor
    sy: Tensor
    yy: Tensor
    head: Tensor
    gamma: Tensor
    stored: Tensor
    products: Tensor
    iterations: Tensor
    evaluations: Tensor
    running: Tensor
    converged: Tensor

    def take(self, keep: Tensor) -> _Batch:
        index = torch.nonzero(keep).flatten()
        return _Batch(*(getattr(self, field.name).index_select(0, index) for field in fields(self)))


def lbfgs(
    loss_and_gradient: LossAndGradient,
    start: Tensor,
    max_iterations: int,
    gtol: float,
    ftol: float = SCIPY_FTOL,
    memory: int = MEMORY,
) -> LbfgsResult:
    """Minimise from every row of ``start`` (see the module docstring)."""
    retain_freed_memory()
    x = start.clone()
    f, g = loss_and_gradient(x)
    count = x.shape[0]
    result = LbfgsResult(x.clone(), f.clone(), g.abs().amax(1), torch.zeros(count, dtype=torch.long, device=x.device),
                         torch.ones(count, dtype=torch.long, device=x.device), g.abs().amax(1) <= gtol)
    if max_iterations < 1:
        return result
    batch = _first_batch(torch.nonzero(~result.converged).flatten(), x, f, g, memory)
    steps = 0
    while batch.rows.numel():
        _advance(batch, loss_and_gradient, max_iterations, gtol, ftol)
        steps += 1
        if steps % CHECK_EVERY == 0 and int(batch.running.sum()) < COMPACT_BELOW * batch.rows.numel():
            _write(result, batch, ~batch.running)
            batch = batch.take(batch.running)
    return result


def _first_batch(rows: Tensor, x: Tensor, f: Tensor, g: Tensor, memory: int) -> _Batch:
    x, f, g = x[rows], f[rows], g[rows]
    count, size = x.shape
    longs = torch.zeros(count, dtype=torch.long, device=x.device)
    direction = -g
    unit_diagonal = torch.eye(memory + 1, dtype=x.dtype, device=x.device).repeat(count, 1, 1)  # empty slots
    return _Batch(
        rows, x, f, g, direction, -(g * g).sum(1), (1.0 / direction.norm(dim=1)).clamp(max=1.0), longs.clone(),
        x.new_zeros(count, 2 * memory + 1, size), unit_diagonal, x.new_zeros(count, memory + 1, memory + 1),
        longs.clone(), x.new_ones(count), longs.clone(), x.new_zeros(count, 2 * memory), longs.clone(), longs.clone(),
        torch.ones(count, dtype=torch.bool, device=x.device), torch.zeros(count, dtype=torch.bool, device=x.device),
    )


def _advance(batch: _Batch, loss_and_gradient: LossAndGradient, max_iterations: int, gtol: float, ftol: float) -> None:
    """One evaluation at every row's trial point, and what each row does with it."""
    b = batch
    trial = torch.addcmul(b.x, b.step[:, None], b.direction)
    trial_f, trial_g = loss_and_gradient(trial)
    b.evaluations += b.running
    accepted = b.running & torch.isfinite(trial_f) & (trial_f <= b.f + ARMIJO * b.step * b.slope)
    failed = b.running & ~accepted & (b.rejected >= MAX_BACKTRACKS - 1)
    products = _store(b, trial - b.x, trial_g - b.g, trial_g, accepted)
    scale = torch.maximum(b.f.abs(), trial_f.abs()).clamp_(min=1.0)
    converged = accepted & ((trial_g.abs().amax(1) <= gtol) | (b.f - trial_f <= ftol * scale))
    b.x = torch.where(accepted[:, None], trial, b.x)
    b.f, b.g = torch.where(accepted, trial_f, b.f), torch.where(accepted[:, None], trial_g, b.g)
    b.iterations += accepted | failed
    b.converged |= converged
    b.running &= ~(converged | failed | (b.iterations >= max_iterations))
    direction, slope, length = _direction(b, trial_g, products)
    first = torch.where(b.stored > 0, 1.0, length.reciprocal().clamp_(max=1.0))
    b.direction = torch.where(accepted[:, None], direction, b.direction)
    b.slope = torch.where(accepted, slope, b.slope)
    b.step = torch.where(accepted, first, 0.5 * b.step)
    b.rejected = torch.where(accepted, 0, b.rejected + 1)


def _store(b: _Batch, s: Tensor, y: Tensor, trial_g: Tensor, accepted: Tensor) -> Tensor:
    """Write (s, y) over the oldest slot of every accepted row whose pair passes the curvature
    test, extend S^T Y (a column) and Y^T Y (a row and a column), and return [S Y]^T g at
    ``trial_g`` over the history as it is after the write.

    That product is the step's one pass over the history.  [S Y]^T y is its difference with the
    product at the accepted gradient, kept from the step that accepted it: both are products with
    a whole gradient, not accumulated, so the difference loses about eps |g| / |y| relative
    accuracy; the new pair's own s^T y and y^T y, which its curvature rests on, are taken
    directly."""
    memory = b.sy.shape[1] - 1
    sy, yy = (s * y).sum(1), (y * y).sum(1)
    store = accepted & (sy > CURVATURE_FLOOR * yy)
    first_slot, slot_numbers, columns, rows = _layout(s.shape[0], memory, s.device)
    flat = b.pairs.view(s.shape[0] * (2 * memory + 1), -1)
    flat.index_copy_(0, first_slot + torch.where(store, b.head, 2 * memory), s)  # slot 2m: scratch
    flat.index_copy_(0, first_slot + torch.where(store, b.head + memory, 2 * memory), y)
    products = torch.bmm(trial_g[:, None, :], b.pairs[:, : 2 * memory].transpose(1, 2))[:, 0]
    new = (slot_numbers == b.head[:, None]) & store[:, None]
    y_products = torch.where(torch.cat((new, new), 1), _pair_of(sy, yy, memory), products - b.products)  # s_i^T y, y_i^T y
    slot = torch.where(store, b.head, memory)  # row and column m: scratch
    column, row = (columns + slot[:, None]).view(-1), (rows + (memory + 1) * slot[:, None]).view(-1)
    y_y = y_products[:, memory:].reshape(-1)
    b.sy.view(-1).index_copy_(0, column, y_products[:, :memory].reshape(-1))
    b.yy.view(-1).index_copy_(0, column, y_y)
    b.yy.view(-1).index_copy_(0, row, y_y)
    b.gamma = torch.where(store, sy / torch.where(store, yy, 1.0), b.gamma)
    b.head = torch.where(store, (b.head + 1) % memory, b.head)
    b.stored += store
    b.products = torch.where(accepted[:, None], products, b.products)
    return products


@functools.lru_cache(maxsize=256)
def _layout(count: int, memory: int, device: torch.device) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Index tensors of a batch of ``count`` rows: each row's first slot in the flattened pairs,
    the slot numbers 0..m-1, and, in the flattened ``(m + 1) x (m + 1)`` matrices, each row's
    column 0 (entries (i, 0)) and row 0 (entries (0, j))."""
    side = memory + 1
    rows, slots = torch.arange(count, device=device), torch.arange(memory, device=device)
    corner = rows[:, None] * side * side
    return rows * (2 * memory + 1), slots, corner + side * slots, corner + slots


def _pair_of(first: Tensor, second: Tensor, memory: int) -> Tensor:
    """``(B, 2m)``: ``first`` in every S slot and ``second`` in every Y slot."""
    return torch.cat((first[:, None].expand(-1, memory), second[:, None].expand(-1, memory)), 1)


def _direction(b: _Batch, g: Tensor, products: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """d = -H g at every row by the compact form of the module docstring (``products``: [S Y]^T g),
    or -g where that is not a descent direction; with the slope g^T d and |g|.

    The slope is g^T d = -(gamma |g|^2 + ([S Y]^T g)^T c) for d = -(gamma g + [S Y] c), so that the
    descent test and the fallback are settled on the m x m side, before the one pass that forms d."""
    memory = b.sy.shape[1] - 1
    order = (b.head[:, None] + _layout(g.shape[0], memory, g.device)[1]) % memory  # slots, oldest first
    both = torch.cat((order, order + memory), 1)
    chronological = products.gather(1, both)
    s_g, y_g = chronological[:, :memory, None], chronological[:, memory:, None]
    square = (order[:, :, None] * (memory + 1) + order[:, None, :]).flatten(1)
    sy = b.sy.flatten(1).gather(1, square).view(-1, memory, memory)
    yy = b.yy.flatten(1).gather(1, square).view(-1, memory, memory)
    upper = sy.triu()
    gamma = b.gamma[:, None, None]
    inner = torch.linalg.solve_triangular(upper, s_g, upper=True)  # R^{-1} S^T g
    middle = sy.diagonal(dim1=1, dim2=2)[:, :, None] * inner + gamma * (yy @ inner - y_g)
    outer = torch.linalg.solve_triangular(upper.transpose(1, 2), middle, upper=False)  # R^{-T} (...)
    coefficients = torch.cat((outer, -gamma * inner), 1)[:, :, 0]
    squared = (g * g).sum(1)
    slope = -(b.gamma * squared + (chronological * coefficients).sum(1))
    downhill = slope < 0
    in_slots = torch.zeros_like(coefficients).scatter_(1, both, coefficients.neg_().mul_(downhill[:, None]))
    direction = torch.bmm(in_slots[:, None, :], b.pairs[:, : 2 * memory])[:, 0]
    direction.addcmul_(torch.where(downhill, b.gamma, 1.0).neg_()[:, None], g)
    return direction, torch.where(downhill, slope, -squared), squared.sqrt()


def _write(result: LbfgsResult, batch: _Batch, finished: Tensor) -> None:
    index = torch.nonzero(finished).flatten()
    rows = batch.rows[index]
    result.points[rows], result.losses[rows] = batch.x[index], batch.f[index]
    result.gradient_max[rows], result.converged[rows] = batch.g[index].abs().amax(1), batch.converged[index]
    result.iterations[rows], result.evaluations[rows] = batch.iterations[index], batch.evaluations[index]
