r"""Safran and Shamir's experiment at its published size (ICML 2018, "Spurious local minima are
common in two-layer ReLU neural networks", §4).

The student x -> sum_{i <= n} [w_i^T x]_+ is fitted to the teacher sum_{j <= k} [e_j^T x]_+
(V = I_k, input dimension d = k) on the exact population loss under x ~ N(0, I_k),

.. math::
    F(W) = \tfrac12 \sum_{i,i'} f(w_i, w_{i'}) - \sum_{i,j} f(w_i, e_j) + \tfrac12 \sum_{j,j'} f(e_j, e_{j'}),
    \quad f(a, b) = \frac{|a||b|}{2\pi}(\sin t + (\pi - t)\cos t),

t the angle between a and b.  Every size runs all its starts as one batched computation (on CUDA
when asked), under one of two protocols:

* ``paper`` — Xavier initialisation, full-batch GD with step :data:`PAPER_STEP`, stopped per run
  when every neuron's gradient norm is below :data:`PAPER_NEURON_GRADIENT` (or after
  ``max_steps``: unconverged), a run counted spurious when its final objective is at least
  :data:`PAPER_SPURIOUS_OBJECTIVE`;
* ``harness`` — the same starts, batched L-BFGS (:mod:`landscape.searching.lbfgs`) to gradient
  tolerance :data:`HARNESS_GTOL` or SciPy's relative decrease (as L-BFGS-B), a run counted spurious
  when its loss exceeds :data:`HARNESS_SPURIOUS_GAP` times the loss at W = 0.

Under both, every run that ends above the protocol's threshold is refined (float64
Levenberg-Marquardt on |grad F|^2) and counted *certified spurious* only when the refined point
is classified a local minimum and carries the strict-minimum radius certificate with the
analytic third-derivative bound (:mod:`landscape.oracles.minimum_certificate`); its loss is
then > 0 = F(teacher).  Counts carry Clopper-Pearson 95% intervals.

The descent evaluates F and its gradient in a form accurate to rounding near the teacher: the
angle between w_i and e_j is atan2(sqrt(sum_{l != j} w_il^2), w_ij), with the sum leaving out a
row's largest coordinate added directly, and f(w_i, w_i) = |w_i|^2 / 2 exactly, where the
arccos of a clamped cosine leaves errors of ~1e-12 in F (the gradient agrees with
:class:`~landscape.landscapes.networks.ReluTeacher`'s to 1e-13; certification uses the latter).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.searching.lbfgs import SCIPY_FTOL, lbfgs
from landscape.oracles.minimum_certificate import hessian_lower_bounds, strict_minimum_radius
from landscape.landscapes.networks import ANGLE_GUARD, ReluTeacher
from landscape.searching.critical_points import refine
from landscape.threads import for_batch

PROTOCOLS = ("harness", "paper")
PAPER_STEP = 0.1  # Safran-Shamir's GD step on the population loss
PAPER_NEURON_GRADIENT = 1e-9  # their stopping rule: every neuron's gradient norm below it
PAPER_SPURIOUS_OBJECTIVE = 1e-3  # their rule: a run is spurious when its final objective is >= it
PAPER_MAX_STEPS = 200_000  # a run still above the stopping threshold after this is "unconverged"
HARNESS_GTOL = 1e-10  # max_i |g_i|, as SciPy's gtol: the peer of `landscape bench` uses the same rule
HARNESS_MAX_ITERATIONS = 15_000  # L-BFGS-B's default maxiter
# Relative decrease per iteration at which a run stops: L-BFGS-B's default.  Near the teacher
# the loss's rounding (~1e-16 absolute) ends every line search before |g| reaches 1e-10, so a
# smaller value turns global runs into failed line searches; runs that stop in the flat
# spurious basins (|g| ~ 1e-4) are refined by Levenberg-Marquardt before certification.
HARNESS_FTOL = SCIPY_FTOL
HARNESS_SPURIOUS_GAP = 1e-4  # relative to F(0): below it a run is (near) global (as the catalogue's)
REFINE_STEPS = 20  # Levenberg-Marquardt steps before certification
# Ends of either descent at or below this gradient norm are not refined further: the radius
# certificate needs |g| < modulus x radius / 2, about 1e-7 at these minima.
REFINE_TOLERANCE = 1e-10
HESSIAN_BATCH = 256  # end points whose Hessians are formed together (bounded memory at k = 20)
CHECK_EVERY = 50  # GD steps between convergence checks (finished runs leave the batch there)
LOSS_DIGITS = 6  # spurious losses agreeing to this many significant digits are one value
CONFIDENCE = 0.95
# Starts per chunk: the unit of work (a task on a cluster, and the same split in-process, so a row
# does not depend on where its chunks ran); 250 keeps a k = 20 chunk's batch within a few GB.
CHUNK_STARTS = 250
SAFRAN_SHAMIR_STARTS = 1000  # runs per size in the paper
EQUAL_SIZES = tuple((k, k) for k in range(6, 21))  # k = n = 6..20
WIDER_SIZES = tuple((k, k + 1) for k in range(13, 20))  # n = k + 1, k = 13..19


@dataclass(slots=True)
class _Terms:
    """What F and grad F share at a batch of points (2 pi times each kernel's pieces)."""

    w: Tensor  # rows w_i, (B, n, k)
    squares: Tensor  # |w_i|^2, (B, n)
    norms: Tensor  # |w_i|, (B, n)
    gram: Tensor  # w_i^T w_i', (B, n, n)
    pair_weight: Tensor  # sum_i' |w_i'| sin t_ii', (B, n)
    closeness: Tensor  # pi - t_ii' (pi on the diagonal), (B, n, n)
    off: Tensor  # |w_i| sin t_ij = sqrt(sum_{l != j} w_il^2), (B, n, k)
    teacher_closeness: Tensor  # pi - t_ij, (B, n, k)

    def gradient(self) -> Tensor:
        """grad F: (sum_i' |w_i'| sin t_ii' / |w_i| - sum_j |w_i| sin t_ij / |w_i|^2) w_i
        + sum_i' (pi - t_ii') w_i' - (pi - t_ij)_j, over 2 pi."""
        weight = self.pair_weight / self.norms - self.off.sum(-1) / self.squares
        return torch.addcmul(self.closeness @ self.w - self.teacher_closeness, weight[:, :, None], self.w) / (2 * math.pi)


def _terms(theta: Tensor, teachers: int, students: int) -> _Terms:
    """The pieces F and grad F share: rows, norms, student-pair and student-teacher angles."""
    w = theta.reshape(-1, students, teachers)
    squares_by_coordinate = w * w
    squares = squares_by_coordinate.sum(-1)
    norms = squares.sqrt()
    gram = w @ w.transpose(-1, -2)
    # student pairs: arccos of the clamped cosine (pairs are far from parallel near the minima);
    # on the diagonal t = 0 exactly, so that f(w, w) = |w|^2 / 2 and its gradient w / 2 are exact
    inverse = norms.reciprocal()
    cos = (gram * inverse[:, :, None] * inverse[:, None, :]).clamp_(-1.0 + ANGLE_GUARD, 1.0 - ANGLE_GUARD)
    sin = (1.0 - cos * cos).sqrt_()
    sin.diagonal(dim1=-2, dim2=-1).zero_()
    closeness = math.pi - cos.arccos_()
    closeness.diagonal(dim1=-2, dim2=-1).fill_(math.pi)
    # student-teacher pairs: |w_i| sin t_ij = sqrt(sum_{l != j} w_il^2), |w_i| cos t_ij = w_ij.  For a
    # row's largest coordinate (the row may be parallel to that teacher) the sum is taken directly;
    # leaving out any other coordinate subtracts at most half of the total.
    largest = squares_by_coordinate.amax(-1, keepdim=True)
    is_largest = squares_by_coordinate == largest
    ties = is_largest.sum(-1, keepdim=True) - 1  # a tied largest coordinate is at most half the total
    rest = squares_by_coordinate.masked_fill(is_largest, 0.0).sum(-1, keepdim=True) + ties * largest
    off = torch.where(is_largest, rest, squares[:, :, None] - squares_by_coordinate).clamp_min_(0.0).sqrt_()
    teacher_closeness = math.pi - torch.atan2(off, w)
    return _Terms(w, squares, norms, gram, (sin * norms[:, None, :]).sum(-1), closeness, off, teacher_closeness)


def gradient(theta: Tensor, teachers: int, students: int) -> Tensor:
    """grad F at every row of ``theta`` (``(B, n k)``), teacher V = I_k (module docstring)."""
    return _terms(theta, teachers, students).gradient().reshape(theta.shape)


def loss_and_gradient(theta: Tensor, teachers: int, students: int) -> tuple[Tensor, Tensor]:
    """F and grad F at every row of ``theta`` (``(B, n k)``), teacher V = I_k (module docstring).

    2 pi F = 1/2 sum_ii' (|w_i| |w_i'| sin t_ii' + (pi - t_ii') w_i^T w_i')
    - sum_ij (|w_i| sin t_ij + (pi - t_ij) w_ij) + k (pi + k - 1) / 2."""
    terms = _terms(theta, teachers, students)
    pair = (terms.norms * terms.pair_weight).sum(-1) + (terms.closeness * terms.gram).sum((1, 2))
    cross = terms.off.sum((1, 2)) + (terms.teacher_closeness * terms.w).sum((1, 2))
    teacher_term = teachers * (math.pi + teachers - 1)  # 2 pi sum_{j,j'} f(e_j, e_j')
    loss = (0.5 * pair - cross + 0.5 * teacher_term) / (2 * math.pi)
    return loss, terms.gradient().reshape(theta.shape)


@dataclass(slots=True)
class Descent:
    """End points of one size's runs, with what each run did."""

    points: Tensor
    losses: Tensor
    converged: Tensor
    steps: Tensor  # GD steps, or L-BFGS loss-and-gradient evaluations
    seconds: float

    @property
    def start_steps(self) -> int:
        return int(self.steps.sum())


def paper_descent(start: Tensor, teachers: int, students: int, max_steps: int = PAPER_MAX_STEPS) -> Descent:
    """Full-batch GD with step :data:`PAPER_STEP` until every neuron's gradient norm is below
    :data:`PAPER_NEURON_GRADIENT`; finished runs leave the batch every :data:`CHECK_EVERY` steps."""
    started = time.perf_counter()
    points, steps = start.clone(), torch.zeros(start.shape[0], dtype=torch.long)
    converged = torch.zeros(start.shape[0], dtype=torch.bool)
    rows, theta = torch.arange(start.shape[0]), start.clone()
    done = 0
    while rows.numel() and done < max_steps:
        with for_batch(theta.numel()):
            for _ in range(min(CHECK_EVERY, max_steps - done)):
                theta = theta.add(gradient(theta, teachers, students), alpha=-PAPER_STEP)
            last = gradient(theta, teachers, students)
        done += CHECK_EVERY
        neuron_norms = last.reshape(-1, students, teachers).norm(dim=-1)
        finished = (neuron_norms < PAPER_NEURON_GRADIENT).all(dim=1).cpu()
        steps[rows] = min(done, max_steps)
        if bool(finished.any()) or done >= max_steps:
            points[rows] = theta.cpu()
            converged[rows[finished]] = True
            rows, theta = rows[~finished], theta[~finished.to(theta.device)]
    losses, _ = loss_and_gradient(points, teachers, students)
    return Descent(points, losses, converged, steps, time.perf_counter() - started)


def harness_descent(start: Tensor, teachers: int, students: int, max_iterations: int = HARNESS_MAX_ITERATIONS) -> Descent:
    """Batched L-BFGS to SciPy's stopping rule with gradient tolerance :data:`HARNESS_GTOL`."""
    started = time.perf_counter()
    with for_batch(start.numel()):
        result = lbfgs(lambda theta: loss_and_gradient(theta, teachers, students), start, max_iterations, HARNESS_GTOL, HARNESS_FTOL)
    return Descent(result.points.cpu(), result.losses.cpu(), result.converged.cpu(), result.evaluations.cpu(), time.perf_counter() - started)


def clopper_pearson(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact (Clopper-Pearson) two-sided interval for a binomial proportion."""
    from scipy.stats import beta

    tail = (1.0 - confidence) / 2.0
    low = 0.0 if successes == 0 else float(beta.ppf(tail, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(beta.ppf(1.0 - tail, successes + 1, trials - successes))
    return low, high


@dataclass(slots=True)
class SizeResult:
    """One row of the table: where the runs at (k, n) ended, and what it cost."""

    teachers: int
    students: int
    protocol: str
    starts: int
    certified_spurious: int
    objective_spurious: int
    near_global: int
    unconverged: int
    minima: list[dict[str, Any]] = field(default_factory=list)
    descent_seconds: float = 0.0
    certification_seconds: float = 0.0
    start_steps: int = 0
    device: str = "cpu"

    @property
    def start_steps_per_second(self) -> float:
        return self.start_steps / max(self.descent_seconds, 1e-12)

    def as_dict(self) -> dict[str, Any]:
        counts = {name: getattr(self, name) for name in ("certified_spurious", "objective_spurious", "near_global", "unconverged")}
        return {
            "k": self.teachers, "n": self.students, "protocol": self.protocol, "starts": self.starts,
            **counts,
            "intervals": {name: clopper_pearson(value, self.starts) for name, value in counts.items()},
            "spurious_minima": self.minima,
            "descent_seconds": round(self.descent_seconds, 3), "certification_seconds": round(self.certification_seconds, 3),
            "start_steps": self.start_steps, "start_steps_per_second": round(self.start_steps_per_second, 1), "device": self.device,
        }


@dataclass(slots=True)
class ChunkResult:
    """Where the runs of one chunk of a size's starts ended: the unit of work of a sweep (one task
    on a cluster)."""

    first: int
    count: int
    certified_spurious: int
    objective_spurious: int
    near_global: int
    unconverged: int
    minima: list[dict[str, Any]]
    descent_seconds: float
    certification_seconds: float
    start_steps: int
    device: str

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChunkResult:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


def chunks_of(starts: int, chunk: int = CHUNK_STARTS) -> list[tuple[int, int]]:
    """(first start, count) of each chunk: fixed by ``starts`` and ``chunk`` alone, never by the
    number of workers, so a row does not depend on where its chunks ran."""
    if chunk < 1:
        raise ValueError(f"chunk={chunk} must be a positive number of starts")
    return [(first, min(chunk, starts - first)) for first in range(0, starts, chunk)]


def run_chunk(
    teachers: int, students: int, protocol: str, starts: int, seed: int, first: int, count: int, device: str = "cpu",
    max_steps: int | None = None,
) -> ChunkResult:
    """Starts ``first`` .. ``first + count - 1`` of the size's ``starts`` (all drawn from the seed
    and the size, then sliced) under ``protocol``, then certification of every run that ended
    above the protocol's threshold."""
    landscape = ReluTeacher(teachers, students)
    generator = torch.Generator().manual_seed(seed * 1_000_003 + 1000 * teachers + students)
    start = landscape.random_points(starts, generator)[first : first + count].to(device)
    if protocol == "paper":
        descent = paper_descent(start, teachers, students, max_steps or PAPER_MAX_STEPS)
        threshold = PAPER_SPURIOUS_OBJECTIVE
    else:
        descent = harness_descent(start, teachers, students, max_steps or HARNESS_MAX_ITERATIONS)
        threshold = HARNESS_SPURIOUS_GAP * landscape.loss_scale()
    above = (descent.losses >= threshold).numpy()
    converged = descent.converged.numpy()
    started = time.perf_counter()
    certified, minima = certify_spurious(landscape, descent.points[above].numpy(), seed)
    return ChunkResult(
        first, count, certified, int((above & converged).sum()), int((~above & converged).sum()), int((~converged).sum()),
        minima, descent.seconds, time.perf_counter() - started, descent.start_steps, str(device),
    )


def merged(teachers: int, students: int, protocol: str, starts: int, parts: Iterable[ChunkResult]) -> SizeResult:
    """The row of a size from its chunks: counts and costs added, the distinct spurious losses
    pooled (counts added, the smallest Hessian lower bound kept), in order of loss."""
    parts = sorted(parts, key=lambda part: part.first)
    covered = 0
    for part in parts:
        if part.first != covered:
            break
        covered += part.count
    if not parts or covered != starts:
        raise ValueError(f"the chunks of k={teachers} n={students} do not cover its {starts} starts exactly once")
    values: dict[float, dict[str, Any]] = {}
    for part in parts:
        for entry in part.minima:
            pooled = values.setdefault(entry["loss"], {"loss": entry["loss"], "count": 0, "hessian_min": entry["hessian_min"]})
            pooled["count"] += entry["count"]
            pooled["hessian_min"] = min(pooled["hessian_min"], entry["hessian_min"])
    total = {name: sum(getattr(p, name) for p in parts) for name in ("certified_spurious", "objective_spurious", "near_global", "unconverged")}
    return SizeResult(
        teachers, students, protocol, starts, total["certified_spurious"], total["objective_spurious"], total["near_global"],
        total["unconverged"], [values[key] for key in sorted(values)], sum(p.descent_seconds for p in parts),
        sum(p.certification_seconds for p in parts), sum(p.start_steps for p in parts), parts[0].device,
    )


def run_size(
    teachers: int, students: int, protocol: str, starts: int = SAFRAN_SHAMIR_STARTS, seed: int = 0, device: str = "cpu",
    max_steps: int | None = None, chunk: int = CHUNK_STARTS,
) -> SizeResult:
    """All ``starts`` runs at (k, n) = (``teachers``, ``students``) under ``protocol``, chunk by
    chunk (:func:`run_chunk`), merged into one row (:func:`merged`)."""
    parts = [run_chunk(teachers, students, protocol, starts, seed, first, count, device, max_steps)
             for first, count in chunks_of(starts, chunk)]
    return merged(teachers, students, protocol, starts, parts)


def certify_spurious(landscape: ReluTeacher, points: np.ndarray, seed: int) -> tuple[int, list[dict[str, Any]]]:
    """How many of ``points`` refine to certified strict local minima with loss > 0, and the
    distinct spurious losses (to :data:`LOSS_DIGITS` digits) with their counts and the smallest
    Hessian eigenvalue among their points (a rigorous lower bound: Weyl with a rounding allowance).

    The radius certificate is itself the second-order check: a positive definite Hessian
    (certified lower bound mu > 0) and a gradient small enough for the analytic Hessian-Lipschitz
    bound to trap a strict minimum in the ball; its loss is then below F(x) and above
    F(x) - |g|^2 / (2 mu') > 0, so it is spurious (the teacher's loss is 0)."""
    if points.shape[0] == 0:
        return 0, []
    refined = torch.as_tensor(points).clone()
    rough = landscape.gradient(refined).norm(dim=1) > REFINE_TOLERANCE
    if bool(rough.any()):
        refined[rough] = refine(landscape, refined[rough], REFINE_STEPS, REFINE_TOLERANCE)
    losses = landscape.loss(refined).numpy()
    bounds = [bound for first in range(0, len(refined), HESSIAN_BATCH) for bound in hessian_lower_bounds(landscape, refined[first : first + HESSIAN_BATCH].numpy())]
    certified, values = 0, {}
    for point, loss, hessian_bounds in zip(refined.numpy(), losses, bounds):
        radius = strict_minimum_radius(landscape, point, seed, hessian_bounds)
        if radius is None or not loss - radius["value_lower_bound_drop"] > 0.0:
            continue
        certified += 1
        key = float(f"{loss:.{LOSS_DIGITS}g}")
        entry = values.setdefault(key, {"loss": key, "count": 0, "hessian_min": radius["hessian_min_lower_bound"]})
        entry["count"] += 1
        entry["hessian_min"] = min(entry["hessian_min"], radius["hessian_min_lower_bound"])
    return certified, [values[key] for key in sorted(values)]


def sizes_between(low: int, high: int, wider: bool = False) -> list[tuple[int, int]]:
    """k = n = low..high, and with ``wider`` the n = k + 1 sizes of the paper within that range."""
    chosen = [(k, n) for k, n in EQUAL_SIZES if low <= k <= high]
    if wider:
        chosen += [(k, n) for k, n in WIDER_SIZES if low <= k <= high]
    return chosen


def run_sweep(
    sizes: Iterable[tuple[int, int]], protocol: str, starts: int, seed: int, device: str,
    on_row: Callable[[SizeResult], None] = lambda row: None, max_steps: int | None = None, chunk: int = CHUNK_STARTS,
) -> list[SizeResult]:
    """:func:`run_size` for every size, each row handed to ``on_row`` as soon as it is done."""
    rows = []
    for teachers, students in sizes:
        row = run_size(teachers, students, protocol, starts, seed, device, max_steps, chunk)
        on_row(row)
        rows.append(row)
    return rows


def format_row(row: SizeResult) -> str:
    """One line of the printed table: counts with 95% intervals (in percent), losses, times."""
    def cell(value: int) -> str:
        low, high = clopper_pearson(value, row.starts)
        return f"{value} [{100 * low:.1f}, {100 * high:.1f}]%"

    minima = "; ".join(f"{m['loss']:.6g} (x{m['count']}, lambda_min {m['hessian_min']:.2g})" for m in row.minima) or "-"
    return (f"k={row.teachers} n={row.students}  starts {row.starts}  certified spurious {cell(row.certified_spurious)}  "
            f"objective-spurious {cell(row.objective_spurious)}  near-global {cell(row.near_global)}  "
            f"unconverged {cell(row.unconverged)}  descent {row.descent_seconds:.1f}s ({row.start_steps_per_second:,.0f} start-steps/s)  "
            f"certification {row.certification_seconds:.1f}s\n    spurious losses: {minima}")
