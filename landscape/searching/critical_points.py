"""The counterexample hunter: many random starts advanced together, then refined to true
critical points in float64.

Stage 1, descent: B starts move as one ``(B, P)`` tensor on the chosen device, in chunks that
bound memory (:data:`CHUNK_BYTES`), with one of three optimisers:

* ``gd`` — gradient descent with a per-start step size (Armijo backtracking, batched: each
  start grows its step after an accepted step and halves it after a rejected one), so no step
  size has to be tuned per landscape;
* ``perturbed-gd`` — the same, plus an isotropic kick of radius :data:`KICK_RADIUS` (relative
  to the point's norm) whenever a start's gradient is small, so starts do not stall at strict
  saddles (Jin et al.);
* ``adam`` — Adam with the usual moments and bias correction.

The search may run in float32 on a GPU (``dtype``); certification never does.

Stage 2, refinement: Levenberg-Marquardt on the squared gradient norm,
delta = -(H^2 + mu I)^{-1} H g, in float64 on the CPU.  It converges to critical points of any
index (saddles included) and is quadratic near non-degenerate ones, so candidates are critical
points to rounding error rather than "gradient-flat" look-alikes.  Up to
:data:`~landscape.limits.MATRIX_FREE_PARAMS` parameters the system is solved with dense
Hessians, in chunks of starts whose Hessians fit :data:`REFINE_CHUNK_BYTES`; above it the
refinement is matrix-free: the same step from Hessian-vector products, the system solved by
conjugate gradients (it is symmetric positive definite) and the scale of H estimated by Lanczos,
so memory is O(B P).

Stage 1 is one of several *modes*, mixed in one run by the ``mix`` argument of :func:`search`
(a mapping from mode to the fraction of the starts it gets; the default is descent alone):

* ``descent`` — the optimiser above; it reaches minima (and, rarely, stalls at saddles);
* ``gradient-norm`` — Levenberg-Marquardt (a damped Newton-MR) on ||grad F||^2 straight from
  the raw random start, the critical-point finder of Frye et al. (2020), which converges to
  critical points of any index.  Their finding — such finders often stop at "gradient-flat"
  points, where H g = 0 but g != 0 — is why every candidate is refined and re-classified;
* ``eigenvector-following`` — index-targeted saddle search (Cerjan-Miller / Wales' hybrid
  eigenvector-following): each start draws a target index k and steps, in the Hessian's
  eigenbasis, *up* along the k lowest eigenvectors and *down* along the rest,
  h_i = s_i g_i / max(|lambda_i|, delta) with s_i = +1 for i < k and -1 otherwise, inside a
  trust radius; near a critical point of index k this is Newton's step;
* ``deflation`` — gradient-norm minimisation of the deflated residual M(x) grad F(x),
  M(x) = prod_j (1 / ||x - r_j||^2 + 1) (Farrell, Birkisson and Funke 2015), whose roots r_j
  are the critical points the other modes reached: repeated starts are pushed away from the
  critical sets already found instead of falling into them again.

:data:`CRITICAL_POINT_MIX` is the mix for claims about critical points of any index.

Progress is reported through a callback ``progress(stage, done, total)``; the engine never
prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from landscape.errors import InvalidArgument
from landscape.limits import dense_hessian_fits, require_memory
from landscape.landscapes.base import DTYPE, Landscape
from landscape.threads import for_batch
from landscape.searching.spectrum import lanczos_extremes

ARMIJO_FRACTION = 1e-4  # sufficient-decrease constant of the backtracking rule
INITIAL_STEP = 1e-2
KICK_RADIUS = 1e-2  # perturbed GD: kick radius relative to max(1, ||theta||)
KICK_THRESHOLD = 1e-6  # perturbed GD: kick when ||grad|| < threshold * loss scale
ADAM_RATE, ADAM_BETAS, ADAM_EPS = 1e-2, (0.9, 0.999), 1e-12
CHUNK_BYTES = 1 * 2**30  # memory for one chunk of starts (about 24 tensors of B x P each)
# Chunks of at most this many starts keep a step's working set in cache: on a 2-core CPU, chunks
# of 2048 ran the bench's linear net 1.7x and its sigmoid net 2.9x faster than one B = 16384 batch.
MAX_CHUNK_STARTS = 2048
OPTIMISERS = ("gd", "perturbed-gd", "adam")
# Dense refinement holds about four (P, P) float64 matrices per start (H, H^2, the system, the
# solver's copy); chunks of starts keep them under this.
REFINE_CHUNK_BYTES = 512 * 2**20
# Matrix-free refinement: conjugate-gradient iterations per step (each two Hessian-vector
# products), stopped early at a relative residual of CG_TOLERANCE; the Levenberg-Marquardt step
# needs a descent direction for ||grad||^2, not an exact solve, and a later step corrects it.
CG_STEPS = 20
CG_TOLERANCE = 1e-10
# Lanczos iterations that estimate ||H||_2 once per refinement, the scale of the damping (the dense
# path uses max |H_ij| at every step).
SCALE_LANCZOS_STEPS = 8
# Matrix-free refinement stops refining a start once ||grad|| <= MATRIX_FREE_STOP * loss_scale /
# max(1, ||theta||): four orders below the classifier's gradient tolerance (1e-8), so a start it
# stops is critical for the classifier with room to spare, and converged starts cost nothing.
MATRIX_FREE_STOP = 1e-12
MODES = ("descent", "gradient-norm", "eigenvector-following", "deflation")
DESCENT_ONLY: dict[str, float] = {"descent": 1.0}
# Claims about saddles (or any critical point): half the starts still descend (minima are
# critical points too, and the cheapest to reach), the rest look for critical points of any index.
CRITICAL_POINT_MIX: dict[str, float] = {
    "descent": 0.375, "gradient-norm": 0.25, "eigenvector-following": 0.25, "deflation": 0.125,
}
# Gradient-norm steps cost one Hessian-vector product (about three gradients); eigenvector-
# following steps a full Hessian (P products) and an eigendecomposition: fewer of each.
NEWTON_STEP_FRACTION = 0.25
MIN_NEWTON_STEPS = 20
EIGEN_STEP_FRACTION = 0.03
MIN_EIGEN_STEPS = 8
TRUST_RADIUS = 0.5  # eigenvector-following: largest step, relative to max(1, ||x||)
CURVATURE_FLOOR = 1e-3  # eigenvector-following: |lambda| floored at this x the Hessian's norm
MAX_TARGET_INDEX = 4  # eigenvector-following: target indices drawn from 1..min(P - 1, this)
MAX_DEFLATION_ROOTS = 16  # distinct critical points deflated at once
ROOT_TOLERANCE = 1e-6  # a start counts as a deflation root when ||grad|| < this x loss scale

Progress = Callable[[str, int, int], None]


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
        optimiser: the descent optimiser.
        device: where the descent ran.
        modes: the stage-1 mode of each candidate (see the module docstring).
    """

    points: np.ndarray
    losses: np.ndarray
    gradient_norms: np.ndarray
    starts: int
    descent_steps: int
    refine_steps: int
    optimiser: str = "gd"
    device: str = "cpu"
    modes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"SearchResult(starts={self.starts}, optimiser={self.optimiser!r}, device={self.device!r}, "
            f"min_loss={self.losses.min():.6g}, max_gradient_norm={self.gradient_norms.max():.3g})"
        )


def chunk_size(parameters: int, element_bytes: int = 8, budget: int = CHUNK_BYTES) -> int:
    """Starts per chunk: at most :data:`MAX_CHUNK_STARTS`, and few enough that about 24
    ``(chunk, P)`` tensors fit in ``budget`` bytes."""
    return max(1, min(MAX_CHUNK_STARTS, budget // max(1, 24 * parameters * element_bytes)))


def refine_chunk_size(parameters: int) -> int:
    """Starts refined together: dense Hessians of the chunk within :data:`REFINE_CHUNK_BYTES`
    (matrix-free refinement holds O(P) per start, so any chunk of the descent fits)."""
    if not dense_hessian_fits(parameters):
        return MAX_CHUNK_STARTS
    return max(1, REFINE_CHUNK_BYTES // (4 * 8 * parameters**2))


def descend_in_chunks(
    landscape: Landscape,
    start: Tensor,
    steps: int,
    chunk: int,
    progress: Progress | None = None,
    optimiser: str = "gd",
    generator: torch.Generator | None = None,
) -> Tensor:
    """:func:`descend` applied to consecutive chunks of ``start`` (starts are independent, so
    the result does not depend on ``chunk``), each under the thread policy's count for its size."""
    total = start.shape[0]
    blocks = []
    for first in range(0, total, chunk):
        rows = start[first : first + chunk]
        with for_batch(rows.numel()):
            blocks.append(descend(landscape, rows, steps, progress, optimiser, generator))
        if progress is not None:
            progress("chunks", min(first + chunk, total), total)
    return torch.cat(blocks)


def descend(
    landscape: Landscape,
    start: Tensor,
    steps: int,
    progress: Progress | None = None,
    optimiser: str = "gd",
    generator: torch.Generator | None = None,
) -> Tensor:
    """Advance every row of ``start`` by ``steps`` iterations of ``optimiser`` (one batch)."""
    if optimiser not in OPTIMISERS:
        raise InvalidArgument(f"optimiser={optimiser!r} must be one of {OPTIMISERS}")
    if optimiser == "adam":
        return _adam(landscape, start, steps, progress)
    return _armijo(landscape, start, steps, progress, perturbed=optimiser == "perturbed-gd", generator=generator)


def _armijo(
    landscape: Landscape, start: Tensor, steps: int, progress: Progress | None, perturbed: bool,
    generator: torch.Generator | None,
) -> Tensor:
    theta = start.clone()
    step = torch.full((theta.shape[0],), INITIAL_STEP, dtype=theta.dtype, device=theta.device)
    loss = landscape.loss(theta)
    scale = max(landscape.loss_scale(), 1e-300)
    for iteration in range(steps):
        grad = landscape.gradient(theta)
        if perturbed:
            small = grad.norm(dim=1) < KICK_THRESHOLD * scale
            if bool(small.any()):
                noise = torch.randn(theta.shape, generator=generator, dtype=theta.dtype).to(theta.device)
                radius = KICK_RADIUS * theta.norm(dim=1, keepdim=True).clamp_min(1.0)
                kicked = theta + radius * noise / noise.norm(dim=1, keepdim=True)
                theta = torch.where(small[:, None], kicked, theta)
                loss = torch.where(small, landscape.loss(theta), loss)
                grad = torch.where(small[:, None], landscape.gradient(theta), grad)
        trial = theta - step[:, None] * grad
        trial_loss = landscape.loss(trial)
        accepted = trial_loss <= loss - ARMIJO_FRACTION * step * (grad * grad).sum(1)
        accepted &= torch.isfinite(trial_loss)
        theta = torch.where(accepted[:, None], trial, theta)
        loss = torch.where(accepted, trial_loss, loss)
        step = torch.where(accepted, step * 1.5, step * 0.5).clamp(1e-12, 1e3)
        if progress is not None and iteration % 25 == 0:
            progress("descent", iteration, steps)
    return theta


def _adam(landscape: Landscape, start: Tensor, steps: int, progress: Progress | None) -> Tensor:
    theta = start.clone()
    first = torch.zeros_like(theta)
    second = torch.zeros_like(theta)
    beta1, beta2 = ADAM_BETAS
    for iteration in range(1, steps + 1):
        grad = landscape.gradient(theta)
        grad = torch.where(torch.isfinite(grad), grad, torch.zeros_like(grad))
        first.mul_(beta1).add_(grad, alpha=1 - beta1)
        second.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        corrected = first / (1 - beta1**iteration)
        scale = (second / (1 - beta2**iteration)).sqrt().add_(ADAM_EPS)
        theta = theta - ADAM_RATE * corrected / scale
        if progress is not None and iteration % 25 == 0:
            progress("descent", iteration, steps)
    return theta


def refine(
    landscape: Landscape, start: Tensor, steps: int, tolerance: float = 0.0, progress: Progress | None = None,
    hessian: Callable[[Tensor], Tensor] | None = None,
) -> Tensor:
    """Batched float64 Levenberg-Marquardt on ||grad||^2; stops early below ``tolerance``.
    Dense Hessians up to :data:`~landscape.limits.MATRIX_FREE_PARAMS` parameters, matrix-free above;
    ``hessian`` computes the batch's dense Hessians (default: the landscape's own)."""
    hessian = landscape.hessian if hessian is None else hessian
    theta = start.to(DTYPE).clone()
    batch, size = theta.shape
    damping = torch.full((batch,), 1e-3, dtype=DTYPE)
    dense = dense_hessian_fits(size)
    eye = torch.eye(size, dtype=DTYPE) if dense else None
    grad = landscape.gradient(theta)
    norm = grad.norm(dim=1)
    scale = None if dense else _hessian_norm_estimate(landscape, theta)
    for iteration in range(steps):
        if progress is not None:
            progress("refinement", iteration, steps)
        if bool((norm <= tolerance).all()):
            break
        if eye is not None:
            hess = hessian(theta)
            scale = hess.abs().amax((1, 2)).clamp_min(1e-12)
            system = hess @ hess + (damping * scale**2)[:, None, None] * eye
            delta = -torch.linalg.solve(system, (hess @ grad.unsqueeze(-1))).squeeze(-1)
        else:
            floor = MATRIX_FREE_STOP * landscape.loss_scale() / theta.norm(dim=1).clamp_min(1.0)
            active = norm > torch.maximum(floor, torch.full_like(floor, tolerance))
            if not bool(active.any()):
                break
            delta = torch.zeros_like(theta)
            rows = active.nonzero().squeeze(1)
            delta[rows] = _matrix_free_step(landscape, theta[rows], grad[rows], damping[rows] * scale[rows] ** 2)
        trial = theta + delta
        trial_grad = landscape.gradient(trial)
        trial_norm = trial_grad.norm(dim=1)
        better = torch.isfinite(trial_norm) & (trial_norm < norm)
        theta = torch.where(better[:, None], trial, theta)
        grad = torch.where(better[:, None], trial_grad, grad)
        norm = torch.where(better, trial_norm, norm)
        damping = torch.where(better, damping / 3.0, damping * 4.0).clamp(1e-15, 1e8)
    return theta


def _hessian_norm_estimate(landscape: Landscape, theta: Tensor) -> Tensor:
    """||H||_2 at each row, estimated by a few Lanczos iterations (a lower bound; the damping's scale)."""

    def hvp(vectors: Tensor) -> Tensor:
        return landscape.hessian_vector_products(theta, vectors)

    generator = torch.Generator().manual_seed(0)
    low, high = lanczos_extremes(hvp, theta.shape[0], theta.shape[1], SCALE_LANCZOS_STEPS, generator)
    return torch.maximum(low.abs(), high.abs()).clamp_min(1e-12)


def _matrix_free_step(landscape: Landscape, theta: Tensor, grad: Tensor, shift: Tensor) -> Tensor:
    """The Levenberg-Marquardt step -(H^2 + shift I)^{-1} H g from Hessian-vector products, the
    system solved by batched conjugate gradients."""

    def hvp(vectors: Tensor) -> Tensor:
        return landscape.hessian_vector_products(theta, vectors)

    def system(vectors: Tensor) -> Tensor:
        return hvp(hvp(vectors)) + shift[:, None] * vectors

    return -conjugate_gradients(system, hvp(grad), CG_STEPS, CG_TOLERANCE)


def conjugate_gradients(operator: Callable[[Tensor], Tensor], rhs: Tensor, steps: int, tolerance: float) -> Tensor:
    """Batched conjugate gradients for A_b x_b = rhs_b, A_b symmetric positive definite, given
    ``operator(X) = (A_b x_b)_b``; at most ``steps`` iterations, each row frozen once its
    residual is below ``tolerance`` times its right-hand side."""
    x = torch.zeros_like(rhs)
    residual = rhs.clone()
    direction = residual.clone()
    squared = (residual * residual).sum(1)
    target = tolerance**2 * squared
    for _ in range(steps):
        active = squared > target
        if not bool(active.any()):
            break
        product = operator(direction)
        curvature = (direction * product).sum(1)
        alpha = torch.where(active & (curvature > 0), squared / curvature.clamp_min(1e-300), torch.zeros_like(squared))
        x = x + alpha[:, None] * direction
        residual = residual - alpha[:, None] * product
        new_squared = (residual * residual).sum(1)
        beta = torch.where(active, new_squared / squared.clamp_min(1e-300), torch.zeros_like(squared))
        direction = residual + beta[:, None] * direction
        squared = torch.where(active, new_squared, squared)
    return x


def split_starts(starts: int, mix: Mapping[str, float]) -> list[tuple[str, int]]:
    """Starts per mode: each mode gets ``round(fraction x starts)`` in :data:`MODES` order (at
    least one when its fraction is positive and starts remain), the first mode the remainder."""
    _check_mix(mix)
    total = sum(mix.values())
    plan = []
    for mode in MODES:
        if mix.get(mode, 0.0) > 0.0:
            plan.append([mode, max(1, round(starts * mix[mode] / total))])
    while sum(n for _, n in plan) > starts:
        largest = max(range(len(plan)), key=lambda i: plan[i][1])
        plan[largest][1] -= 1
    plan[0][1] += starts - sum(n for _, n in plan)
    return [(mode, n) for mode, n in plan if n > 0]


def _check_mix(mix: Mapping[str, float]) -> None:
    unknown = set(mix) - set(MODES)
    if unknown or not mix or any(not (v >= 0.0) for v in mix.values()) or sum(mix.values()) <= 0.0:
        raise InvalidArgument(
            f"mix={dict(mix)!r} must map search modes {MODES} to non-negative fractions, not all zero, "
            "e.g. {'descent': 0.5, 'gradient-norm': 0.5}"
        )


def newton_steps(descent_steps: int) -> int:
    """Iterations of gradient-norm minimisation (one Hessian-vector product each) for a budget
    of ``descent_steps`` first-order steps."""
    return max(MIN_NEWTON_STEPS, round(NEWTON_STEP_FRACTION * descent_steps))


def eigen_steps(descent_steps: int) -> int:
    """Iterations of eigenvector-following (one full Hessian and eigendecomposition each)."""
    return max(MIN_EIGEN_STEPS, round(EIGEN_STEP_FRACTION * descent_steps))


def follow_eigenvectors(landscape: Landscape, start: Tensor, steps: int, targets: Tensor) -> Tensor:
    """Eigenvector-following (module docstring): ascend along the ``targets[b]`` lowest Hessian
    eigenvectors of start b, descend along the rest, with the step bounded by :data:`TRUST_RADIUS`."""
    theta = start.clone()
    order = torch.arange(theta.shape[1], device=theta.device)[None, :]
    signs = torch.where(order < targets[:, None], 1.0, -1.0).to(theta.dtype)
    for _ in range(steps):
        grad = landscape.gradient(theta)
        hessians = dense_hessian(landscape, theta)
        # A start that ran off to where the loss overflows has a NaN Hessian, on which LAPACK fails
        # for the whole batch: it is decomposed as zero and stays where it is.
        usable = torch.isfinite(hessians).flatten(1).all(1, keepdim=True) & torch.isfinite(grad).all(1, keepdim=True)
        eigenvalues, vectors = torch.linalg.eigh(torch.where(usable[:, :, None], hessians, torch.zeros_like(hessians)))
        floor = CURVATURE_FLOOR * eigenvalues.abs().amax(1, keepdim=True).clamp_min(1e-12)
        components = (vectors.transpose(1, 2) @ grad.unsqueeze(-1)).squeeze(-1)
        step = (vectors @ (signs * components / eigenvalues.abs().clamp_min(floor)).unsqueeze(-1)).squeeze(-1)
        radius = TRUST_RADIUS * theta.norm(dim=1, keepdim=True).clamp_min(1.0)
        step = step * (radius / step.norm(dim=1, keepdim=True).clamp_min(1e-300)).clamp(max=1.0)
        trial = theta + step
        finite = torch.isfinite(trial).all(1, keepdim=True) & usable
        theta = torch.where(finite, trial, theta)
    return theta


def _hessian_times(landscape: Landscape, theta: Tensor, vectors: Tensor) -> Tensor:
    """H(theta_b) v_b for every row, by reverse-over-reverse on the summed loss (two backward
    passes: a few gradients' cost, where a batched ``jvp`` costs tens)."""
    with torch.enable_grad():
        point = theta.detach().requires_grad_(True)
        grad = torch.autograd.grad(landscape.loss(point).sum(), point, create_graph=True)[0]
        return torch.autograd.grad((grad * vectors).sum(), point)[0].detach()


def dense_hessian(landscape: Landscape, theta: Tensor) -> Tensor:
    """Full Hessians ``(B, P, P)`` as one reverse-over-reverse product: each point repeated P
    times against the identity (about 3x faster than vmapped ``jvp`` columns on small nets, and
    the same to rounding); symmetrised.  Memory B P^2, like the landscape's own Hessian."""
    batch, size = theta.shape
    eye = torch.eye(size, dtype=theta.dtype, device=theta.device).repeat(batch, 1)
    h = _hessian_times(landscape, theta.repeat_interleave(size, 0), eye).reshape(batch, size, size)
    return 0.5 * (h + h.transpose(-1, -2))


def _deflation(points: Tensor, roots: Tensor) -> tuple[Tensor, Tensor]:
    """M(x) and grad M(x) of the module docstring at every row (M = 1, grad M = 0 without roots)."""
    if roots.shape[0] == 0:
        return points.new_ones(points.shape[0]), torch.zeros_like(points)
    offsets = points[:, None, :] - roots[None, :, :]
    squared = (offsets * offsets).sum(-1).clamp_min(1e-300)
    factors = 1.0 / squared + 1.0
    m = factors.prod(1)
    grad_m = m[:, None] * ((-2.0 * offsets / squared[..., None] ** 2) / factors[..., None]).sum(1)
    return m, grad_m


def minimise_gradient_norm(landscape: Landscape, start: Tensor, steps: int, roots: Tensor | None = None) -> Tensor:
    """Gradient descent with batched Armijo steps on phi(x) = ||M(x) g(x)||^2 / 2 (M = 1 without
    deflation ``roots``): grad phi = M^2 H g + M ||g||^2 grad M, one Hessian-vector product a step.
    Its minima with phi = 0 are the critical points of F of every index; the float64
    Levenberg-Marquardt refinement that follows makes them critical to rounding."""
    roots = start[:0] if roots is None else roots

    def objective(x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        m, grad_m = _deflation(x, roots)
        g = landscape.gradient(x)
        return 0.5 * (m * m) * (g * g).sum(1), g, m, grad_m

    theta = start.clone()
    step = torch.full((theta.shape[0],), INITIAL_STEP, dtype=theta.dtype, device=theta.device)
    phi, g, m, grad_m = objective(theta)
    for _ in range(steps):
        direction = (m * m)[:, None] * _hessian_times(landscape, theta, g) + (m * (g * g).sum(1))[:, None] * grad_m
        trial = theta - step[:, None] * direction
        trial_phi, trial_g, trial_m, trial_grad_m = objective(trial)
        accepted = torch.isfinite(trial_phi) & (trial_phi <= phi - ARMIJO_FRACTION * step * (direction * direction).sum(1))
        theta = torch.where(accepted[:, None], trial, theta)
        phi, g = torch.where(accepted, trial_phi, phi), torch.where(accepted[:, None], trial_g, g)
        m, grad_m = torch.where(accepted, trial_m, m), torch.where(accepted[:, None], trial_grad_m, grad_m)
        step = torch.where(accepted, step * 1.5, step * 0.5).clamp(1e-12, 1e3)
    return theta


def deflation_roots(landscape: Landscape, points: Tensor) -> Tensor:
    """Distinct critical points among ``points`` (at most :data:`MAX_DEFLATION_ROOTS`): rows whose
    gradient is below :data:`ROOT_TOLERANCE` x the loss scale, merged when within 1e-6 x max(1, |x|)."""
    if points.shape[0] == 0:
        return points
    norms = landscape.gradient(points).norm(dim=1)
    critical = points[torch.isfinite(norms) & (norms < ROOT_TOLERANCE * max(landscape.loss_scale(), 1e-300))]
    roots: list[Tensor] = []
    for row in critical:
        if all(float((row - r).norm()) > 1e-6 * max(1.0, float(row.norm())) for r in roots):
            roots.append(row)
        if len(roots) == MAX_DEFLATION_ROOTS:
            break
    return torch.stack(roots) if roots else points[:0]


def _run_mode(
    landscape: Landscape, mode: str, start: Tensor, descent_steps: int, per_chunk: int, progress: Progress | None,
    optimiser: str, generator: torch.Generator, found: Tensor,
) -> Tensor:
    """Stage 1 of one mode on ``start`` (chunked); ``found``: earlier modes' points (deflation roots)."""
    if mode == "descent":
        return descend_in_chunks(landscape, start, descent_steps, per_chunk, progress, optimiser, generator)
    steps = newton_steps(descent_steps)
    roots = deflation_roots(landscape, found.to(start)) if mode == "deflation" else None
    targets = torch.randint(1, max(2, min(landscape.n_params - 1, MAX_TARGET_INDEX) + 1), (start.shape[0],), generator=generator)
    blocks = []
    for first in range(0, start.shape[0], per_chunk):
        part = start[first : first + per_chunk]
        if mode == "eigenvector-following":
            blocks.append(follow_eigenvectors(landscape, part, eigen_steps(descent_steps), targets[first : first + per_chunk].to(part.device)))
        else:
            blocks.append(minimise_gradient_norm(landscape, part, steps, roots))
        if progress is not None:
            progress(mode, min(first + per_chunk, start.shape[0]), start.shape[0])
    return torch.cat(blocks)


def search(
    landscape: Landscape,
    starts: int,
    descent_steps: int,
    refine_steps: int,
    seed: int,
    device: torch.device | str = "cpu",
    progress: Progress | None = None,
    optimiser: str = "gd",
    dtype: torch.dtype = DTYPE,
    chunk: int | None = None,
    mix: Mapping[str, float] | None = None,
) -> SearchResult:
    """Random starts -> stage 1 on ``device`` (in chunks) -> float64 refinement on the CPU.

    ``mix`` maps search modes (:data:`MODES`) to fractions of the starts (default
    :data:`DESCENT_ONLY`; :data:`CRITICAL_POINT_MIX` for saddles); the result's ``modes`` says
    which mode produced each candidate.  The starts are drawn on the CPU from ``seed`` whatever
    the device, so the same seed gives the same starts everywhere; chunks do not change the
    result (each start is independent).
    """
    if starts < 1:
        raise InvalidArgument(f"starts={starts} must be a positive integer")
    plan = split_starts(starts, DESCENT_ONLY if mix is None else mix)
    generator = torch.Generator().manual_seed(seed)
    initial = landscape.random_points(starts, generator)
    require_memory(
        f"the search over {landscape.n_params} parameters", 24 * 8 * landscape.n_params,
        "a landscape this large does not fit even one start; use a smaller model",
    )
    per_chunk = chunk or chunk_size(landscape.n_params, torch.tensor([], dtype=dtype).element_size())
    per_refine = min(per_chunk, refine_chunk_size(landscape.n_params))
    start = initial.to(device=device, dtype=dtype)
    stage_one: list[Tensor] = []
    labels: list[str] = []
    first = 0
    for mode, count in plan:
        done = torch.cat(stage_one) if stage_one else start[:0]
        stage_one.append(_run_mode(landscape, mode, start[first : first + count], descent_steps, per_chunk, progress,
                                   optimiser, generator, done))
        labels += [mode] * count
        first += count
    points = torch.cat(stage_one).to("cpu", DTYPE)
    # Descent alone refines with the landscape's own Hessian, as it always has (same points);
    # a mix with the Hessian-based modes refines with the cheaper reverse-over-reverse one.
    hessian = None if mix is None or dict(mix) == DESCENT_ONLY else (lambda t: dense_hessian(landscape, t))
    refined = torch.cat([
        refine(landscape, points[i : i + per_refine], refine_steps, progress=progress, hessian=hessian)
        for i in range(0, starts, per_refine)
    ])
    losses = landscape.loss(refined)
    norms = landscape.gradient(refined).norm(dim=1)
    return SearchResult(
        points=refined.numpy(),
        losses=losses.numpy(),
        gradient_norms=norms.numpy(),
        starts=starts,
        descent_steps=descent_steps,
        refine_steps=refine_steps,
        optimiser=optimiser,
        device=str(device),
        modes=tuple(labels),
    )
