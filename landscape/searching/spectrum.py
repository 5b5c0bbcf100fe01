"""Extreme Hessian eigenvalues without forming the Hessian: batched Lanczos on Hessian-vector
products, and the power iteration that PyHessian uses (kept as the benchmark's baseline).

Lanczos builds a k-dimensional Krylov basis per batch row (full reorthogonalisation, so the Ritz
values are reliable at these small k) and returns the extreme Ritz values; its convergence
depends on the spectral gap far less than power iteration's, whose error decays like
(lambda_2 / lambda_1)^t.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

HVP = Callable[[Tensor], Tensor]  # (B, P) -> (B, P): v_b -> H_b v_b
BREAKDOWN = 1e-12  # a Lanczos coupling below this times the largest |alpha| is an invariant subspace


def lanczos_extremes(hvp: HVP, batch: int, size: int, steps: int, generator: torch.Generator, dtype=torch.float64) -> tuple[Tensor, Tensor]:
    """(smallest, largest) Ritz values per row after ``steps`` Lanczos iterations; ``(B,)`` each
    (the extreme pairs of :func:`lanczos_ritz`)."""
    values, _, _ = lanczos_ritz(hvp, batch, size, steps, generator, dtype)
    return values[:, 0], values[:, -1]


def power_iteration_top(hvp: HVP, size: int, generator: torch.Generator, max_iterations: int = 100, tolerance: float = 1e-3, dtype=torch.float64) -> tuple[float, int]:
    """PyHessian's route to the top eigenvalue of one model: power iteration on Hessian-vector
    products, stopped when the Rayleigh quotient changes by less than ``tolerance`` (relative)
    or after ``max_iterations``; returns (eigenvalue, iterations)."""
    v = torch.randn(1, size, generator=generator, dtype=dtype)
    v = v / v.norm()
    value = None
    for iteration in range(1, max_iterations + 1):
        w = hvp(v)
        new = float((w * v).sum())
        v = w / w.norm().clamp_min(1e-300)
        if value is not None and abs(new - value) <= tolerance * (abs(value) + 1e-6):
            return new, iteration
        value = new
    return float(value), max_iterations


def lanczos_ritz(hvp: HVP, batch: int, size: int, steps: int, generator: torch.Generator, dtype=torch.float64) -> tuple[Tensor, Tensor, Tensor]:
    """Every Ritz pair after ``steps`` Lanczos iterations (full reorthogonalisation), per row.

    Returns ``(values (B, k), vectors (B, P, k), residuals (B, k))``, values ascending; the
    residual of a pair is ||H y - theta y|| = |beta_k| |s_k| (s the tridiagonal's eigenvector),
    so each Ritz value lies within its residual of a true eigenvalue of H (for a symmetric H;
    nothing says it is the smallest or largest one: Ritz values lie inside the spectrum).
    Memory: the ``(B, k, P)`` basis, nothing of size P x P.
    """
    steps = min(steps, size)
    basis = torch.zeros(batch, steps, size, dtype=dtype)
    alphas = torch.zeros(batch, steps, dtype=dtype)
    betas = torch.zeros(batch, steps, dtype=dtype)
    v = torch.randn(batch, size, generator=generator, dtype=dtype)
    v = v / v.norm(dim=1, keepdim=True)
    last_beta = torch.zeros(batch, dtype=dtype)
    for j in range(steps):
        basis[:, j] = v
        w = hvp(v)
        alphas[:, j] = (w * v).sum(1)
        for _ in range(2):
            w = w - torch.einsum("bk,bkp->bp", torch.einsum("bkp,bp->bk", basis[:, : j + 1], w), basis[:, : j + 1])
        beta = w.norm(dim=1)
        if j + 1 < steps:
            # An invariant Krylov subspace (beta ~ 0) is continued from a fresh random vector
            # orthogonal to the basis, with a zero coupling, as in a restarted Lanczos.
            broken = beta <= BREAKDOWN * alphas[:, : j + 1].abs().amax(1).clamp_min(1e-300)
            if bool(broken.any()):
                fresh = torch.randn(batch, size, generator=generator, dtype=dtype)
                for _ in range(2):
                    fresh = fresh - torch.einsum("bk,bkp->bp", torch.einsum("bkp,bp->bk", basis[:, : j + 1], fresh), basis[:, : j + 1])
                w = torch.where(broken[:, None], fresh, w)
                beta = torch.where(broken, torch.zeros_like(beta), beta)
            betas[:, j] = beta
            v = w / w.norm(dim=1, keepdim=True).clamp_min(1e-300)
        else:
            last_beta = beta
    tridiagonal = torch.diag_embed(alphas) + torch.diag_embed(betas[:, :-1], 1) + torch.diag_embed(betas[:, :-1], -1)
    values, small_vectors = torch.linalg.eigh(tridiagonal)
    vectors = torch.einsum("bkp,bkj->bpj", basis, small_vectors)
    residuals = last_beta[:, None].abs() * small_vectors[:, -1, :].abs()
    return values, vectors, residuals
