r"""Smooth pieces of the one-hidden-layer ReLU objective with weight decay (seed 003 §1.4.2).

On a region where every unit's activation pattern is fixed, F of
:class:`~landscape.landscapes.relu.ReluWeightDecay` is a polynomial: unit i contributes
w^{[2]}_i (w^{[1]}_i)^T X_{S_i}, with S_i the samples where it is active.  Two tools follow.

* :func:`polish`: the minima of F typically put a unit's hyperplane exactly on a sample (a kink,
  w_i^T x_j = 0), where gradient descent zig-zags instead of converging.  ``polish`` snaps units that
  are dead (inactive on every sample) or tiny to exactly zero, reads each live unit's pattern, keeps
  the kinks as linear constraints w_i^T x_j = 0 (the input weights move in the orthogonal complement
  of those samples) and minimises the resulting polynomial by damped Newton steps in float64.  The
  result is accepted only if it still has the pattern it was solved for (so F equals the polynomial
  there).  Nothing is certified by ``polish`` itself: global optimality is certified afterwards by
  weak duality (:func:`~landscape.landscapes.relu.dual_bound`), which evaluates the true, kinked F.
* :func:`segment_pieces`: along a segment a + t(b - a), each pre-activation is affine in t, so t -> F
  is a quartic polynomial between consecutive zero crossings; the coefficients are exact (products of
  affine functions), which certifies monotonicity of a segment exactly up to rounding.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch

from landscape.landscapes.base import DTYPE, loss_at
from landscape.oracles.paths import polynomial_maximum
from landscape.landscapes.relu import ReluWeightDecay

SNAP_RTOL = 1e-3  # a unit with norm below this x the largest unit's norm is snapped to zero
KINK_RTOL = 1e-3  # |w_i^T x_j| <= this x ||w_i|| ||x_j|| is read as a kink (held at exactly 0)
NEWTON_STEPS = 30
GRADIENT_RTOL = 1e-13
ROUNDING = 8 * float(np.finfo(np.float64).eps)  # Newton stops at ||grad|| <= this x loss scale


@dataclass(frozen=True, slots=True)
class Pattern:
    """Per live unit: the samples where it is active and those held on its kink."""

    live: tuple[int, ...]
    active: tuple[tuple[int, ...], ...]
    kinks: tuple[tuple[int, ...], ...]


def unit_matrices(landscape: ReluWeightDecay, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W1 (n0 x r), W2 (n2 x r)) of ``point``."""
    w1, w2 = (m[0].numpy().copy() for m in landscape.units(torch.as_tensor(point, dtype=DTYPE)[None]))
    return w1, w2


def flatten(w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    return np.concatenate([w1.reshape(-1), w2.reshape(-1)])


def snapped(landscape: ReluWeightDecay, point: np.ndarray, snap_rtol: float = SNAP_RTOL) -> np.ndarray:
    """The point with dead units (no active sample) and units below ``snap_rtol`` x the largest unit
    set to exactly zero."""
    w1, w2 = unit_matrices(landscape, point)
    norms = np.sqrt((w1**2).sum(0) + (w2**2).sum(0))
    dead = ~np.any(w1.T @ landscape.x > 0, axis=1)
    zero = dead | (norms <= snap_rtol * norms.max())
    w1[:, zero], w2[:, zero] = 0.0, 0.0
    return flatten(w1, w2)


def pattern_of(landscape: ReluWeightDecay, point: np.ndarray, kink_rtol: float = KINK_RTOL) -> Pattern:
    """The activation pattern of the non-zero units, near-zero pre-activations read as kinks."""
    w1, w2 = unit_matrices(landscape, point)
    live, active, kinks = [], [], []
    sample_norms = np.linalg.norm(landscape.x, axis=0)
    for i in range(landscape.width):
        if not (np.any(w1[:, i]) or np.any(w2[:, i])):
            continue
        pre = w1[:, i] @ landscape.x
        tolerance = kink_rtol * np.linalg.norm(w1[:, i]) * sample_norms
        live.append(i)
        active.append(tuple(int(j) for j in np.flatnonzero(pre > tolerance)))
        kinks.append(tuple(int(j) for j in np.flatnonzero(np.abs(pre) <= tolerance)))
    return Pattern(tuple(live), tuple(active), tuple(kinks))


def _bases(landscape: ReluWeightDecay, pattern: Pattern) -> list[np.ndarray]:
    """Orthonormal bases of {w : w^T x_j = 0 for the unit's kinks}."""
    bases = []
    for kinks in pattern.kinks:
        if not kinks:
            bases.append(np.eye(landscape.n0))
            continue
        _, s, vt = np.linalg.svd(landscape.x[:, list(kinks)].T)
        rank = int(np.sum(s > 1e-12 * s.max()))
        bases.append(vt[rank:].T)
    return bases


def _piece_loss(landscape: ReluWeightDecay, pattern: Pattern, bases: list[np.ndarray]):
    """The polynomial F on ``pattern`` as a function of (z_i, w2_i) per live unit, w1_i = B_i z_i."""
    x = torch.as_tensor(landscape.x, dtype=DTYPE)
    y = torch.as_tensor(landscape.y, dtype=DTYPE)
    sizes = [(b.shape[1], landscape.n2) for b in bases]
    masks = []
    for active in pattern.active:
        mask = torch.zeros(landscape.x.shape[1], dtype=DTYPE)
        mask[list(active)] = 1.0
        masks.append(mask)
    tensors = [torch.as_tensor(b, dtype=DTYPE) for b in bases]

    def loss(flat: torch.Tensor) -> torch.Tensor:
        out, offset, penalty = torch.zeros_like(y), 0, flat.pow(2).sum()
        for (k, n2), basis, mask in zip(sizes, tensors, masks):
            z, w2 = flat[offset : offset + k], flat[offset + k : offset + k + n2]
            offset += k + n2
            out = out + torch.outer(w2, ((basis @ z) @ x) * mask)
        return 0.5 * (y - out).pow(2).sum() + 0.5 * landscape.lam * penalty

    return loss


def _to_piece(landscape: ReluWeightDecay, point: np.ndarray, pattern: Pattern, bases: list[np.ndarray]) -> np.ndarray:
    w1, w2 = unit_matrices(landscape, point)
    return np.concatenate([np.concatenate([b.T @ w1[:, i], w2[:, i]]) for i, b in zip(pattern.live, bases)] or [np.zeros(0)])


def _from_piece(landscape: ReluWeightDecay, flat: np.ndarray, pattern: Pattern, bases: list[np.ndarray]) -> np.ndarray:
    w1, w2 = np.zeros((landscape.n0, landscape.width)), np.zeros((landscape.n2, landscape.width))
    offset = 0
    for i, b in zip(pattern.live, bases):
        k = b.shape[1]
        w1[:, i], w2[:, i] = b @ flat[offset : offset + k], flat[offset + k : offset + k + landscape.n2]
        offset += k + landscape.n2
    return flatten(w1, w2)


def _newton(loss, start: np.ndarray, floor: float) -> np.ndarray:
    """Damped Newton (Levenberg) on a small smooth function; every accepted step lowers it."""
    theta = torch.as_tensor(start, dtype=DTYPE)
    if theta.numel() == 0:
        return start
    value, damping = float(loss(theta)), 1e-6
    for _ in range(NEWTON_STEPS):
        grad = torch.autograd.functional.jacobian(loss, theta)
        if float(grad.norm()) <= floor:
            break
        hess = torch.autograd.functional.hessian(loss, theta)
        for _ in range(30):
            step = torch.linalg.solve(hess + damping * torch.eye(theta.numel(), dtype=DTYPE), grad)
            trial = theta - step
            trial_value = float(loss(trial))
            if trial_value <= value + ROUNDING * abs(value):  # near the minimum F changes below its rounding
                theta, value, damping = trial, trial_value, max(damping / 10, 1e-12)
                break
            damping *= 10
        else:
            break
    return theta.numpy()


def consistent(landscape: ReluWeightDecay, point: np.ndarray, pattern: Pattern) -> bool:
    """Every live unit is active exactly on its pattern's samples (kinks at 0 count as inactive)."""
    w1, _ = unit_matrices(landscape, point)
    for i, active in zip(pattern.live, pattern.active):
        if tuple(int(j) for j in np.flatnonzero(w1[:, i] @ landscape.x > 0)) != active:
            return False
    return True


def polish(landscape: ReluWeightDecay, point: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Snap, read the pattern, minimise the piece's polynomial with the kinks held; repeat while the
    pattern changes.  Returns the best point found (never one with higher F than the snapped start)."""
    current = snapped(landscape, point)
    best, best_value = current, loss_at(landscape, current)
    floor = GRADIENT_RTOL * landscape.loss_scale()
    for _ in range(rounds):
        pattern = pattern_of(landscape, current)
        bases = _bases(landscape, pattern)
        start = _to_piece(landscape, current, pattern, bases)
        held = _from_piece(landscape, start, pattern, bases)  # the kinks set to exactly zero
        solved = _from_piece(landscape, _newton(_piece_loss(landscape, pattern, bases), start, floor), pattern, bases)
        # When the piece's minimiser leaves the pattern, go part of the way (the next round reads
        # the samples it came close to as kinks).
        candidates = [solved] + [held + 0.5**k * (solved - held) for k in range(1, 12)] + [held]
        for candidate in candidates:
            if consistent(landscape, candidate, pattern) and loss_at(landscape, candidate) <= best_value:
                best, best_value = candidate, loss_at(landscape, candidate)
                break
        current = snapped(landscape, best)
        if np.array_equal(current, best):
            break
    return best


# -- exact piecewise polynomials along segments ----------------------------------------------------


def segment_pieces(landscape: ReluWeightDecay, a: np.ndarray, b: np.ndarray) -> list[tuple[float, float, np.ndarray]]:
    """[(t0, t1, c)]: on [t0, t1] subset of [0, 1], F(a + t(b - a)) = sum_k c_k t^k exactly (degree 4)."""
    w1a, w2a = unit_matrices(landscape, a)
    w1d, w2d = (m - n for m, n in zip(unit_matrices(landscape, b), (w1a, w2a)))
    x, y = landscape.x, landscape.y
    pre0, pre1 = w1a.T @ x, w1d.T @ x  # (r, n): pre-activation = pre0 + t pre1
    with np.errstate(divide="ignore", invalid="ignore"):
        crossings = np.where(pre1 != 0, -pre0 / pre1, np.nan).ravel()
    breaks = sorted({0.0, 1.0, *(float(t) for t in crossings if 0.0 < t < 1.0)})
    regulariser = 0.5 * landscape.lam * np.array([
        (w1a**2).sum() + (w2a**2).sum(), 2 * ((w1a * w1d).sum() + (w2a * w2d).sum()), (w1d**2).sum() + (w2d**2).sum(),
    ])
    pieces = []
    for t0, t1 in itertools.pairwise(breaks):
        middle = 0.5 * (t0 + t1)
        on = (pre0 + middle * pre1) > 0  # (r, n)
        # output_kj(t) = sum_i (w2a_ki + t w2d_ki)(pre0_ij + t pre1_ij) on_ij: a quadratic per entry
        c0 = w2a @ (pre0 * on)
        c1 = w2a @ (pre1 * on) + w2d @ (pre0 * on)
        c2 = w2d @ (pre1 * on)
        r0, r1, r2 = y - c0, -c1, -c2
        data = 0.5 * np.array([
            (r0 * r0).sum(), 2 * (r0 * r1).sum(), (r1 * r1).sum() + 2 * (r0 * r2).sum(), 2 * (r1 * r2).sum(), (r2 * r2).sum(),
        ])
        data[:3] += regulariser
        pieces.append((t0, t1, data))
    return pieces


def shifted(coefficients: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """Coefficients in s of p(t0 + s (t1 - t0)), s in [0, 1]."""
    h = t1 - t0
    out = np.zeros(len(coefficients))
    for k, c in enumerate(coefficients):
        for m in range(k + 1):
            out[m] += c * math.comb(k, m) * t0 ** (k - m) * h**m
    return out


def segment_slope(landscape: ReluWeightDecay, a: np.ndarray, b: np.ndarray) -> float:
    """max over t in [0, 1] of dF(a + t(b - a))/dt, exact up to rounding (piecewise quartic)."""
    worst = -np.inf
    for t0, t1, c in segment_pieces(landscape, a, b):
        s = shifted(c, t0, t1)
        derivative = [k * s[k] / (t1 - t0) for k in range(1, len(s))]
        worst = max(worst, polynomial_maximum(derivative))
    return float(worst)
