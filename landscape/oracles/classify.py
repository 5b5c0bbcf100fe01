"""Classification of a candidate point: what kind of point is it, and how sure are we?

Classes, tested in this order, all in float64:

0. ``non_finite`` — the loss, the gradient or the Hessian is NaN or infinite there.  No
   tolerance test means anything at such a point (``inf - f* <= tol * inf`` holds), so it is
   never a minimum nor any other class; runs count these candidates and report them.
1. ``not_critical`` — ||grad f|| > gradient tolerance.
2. ``global_minimum`` — f - f* <= loss tolerance, where f* is the global-optimum oracle's
   value.  Since f >= f* everywhere, no local test is needed.
3. ``local_maximum`` — every Hessian eigenvalue is below -eigenvalue tolerance (negative
   definite: a strict local maximum, a class of its own, not a saddle).
   ``strict_saddle`` — some Hessian eigenvalue is below -eigenvalue tolerance and another is
   not; the certificate is the lowest eigenvector, its curvature, and a verified decrease along
   it.  The *index* of a saddle (``negative_count``) is the number of negative eigenvalues.
4. ``local_minimum`` (strict) — every Hessian eigenvalue exceeds the eigenvalue tolerance.
5. ``local_minimum`` (non-strict) — the Hessian is positive semidefinite and its kernel is the
   tangent of a manifold of critical points at constant loss (Morse-Bott: positive curvature on
   the complement, flat directions shown flat).  Declared flat directions (a symmetry orbit, or
   a user's) are never trusted: the kernel must lie in their span *and* pass the critical-curve
   test of :func:`flat_kernel`.  A family whose loss is constant on a set larger than its orbit
   (a loss of the product W_L ... W_1: the equal-product set, larger at rank-deficient layers)
   declares that set's first-order tangent instead, and every probed kernel direction must then
   also be shown tangent to the set itself (its distance from x + t d of second order in t).  Without declared ones the same test can *discover* them, after
   the higher-order test below found no descent, where the Hessian is not zero altogether (a
   saturated plateau is numerically flat in every direction and proves nothing).
6. ``degenerate_saddle`` — second-order stationary, yet a higher-order test finds a direction d
   in the Hessian's kernel whose Taylor polynomial t -> f(x + t d) has a negative leading term
   of order >= 3 (so f decreases along the ray for all small t), confirmed by evaluating the
   loss on a geometric grid of step lengths; failing that, a perturbation test that finds lower
   loss at every one of several shrinking radii.  Second-order information alone cannot tell
   this class from a minimum.  Directions come from the kernel's complement to the declared
   symmetry tangents first, then, where the orbit is nearly degenerate (a tangent far shorter
   than another), from the whole kernel; with closed-form Taylor coefficients a later
   descending term is tried where the grid does not bear the leading one out (near, not at, a
   critical point the leading terms can be tiny).  Either way the grid's loss values decide.
7. ``second_order_stationary`` — none of the above could be shown: reported, never promoted.

Above :data:`~landscape.limits.MATRIX_FREE_PARAMS` parameters no P x P Hessian is formed: the
spectrum is replaced by the Ritz pairs of :data:`LANCZOS_STEPS` Lanczos iterations on
Hessian-vector products (:func:`~landscape.searching.spectrum.lanczos_ritz`).  A negative Ritz
value proves a negative eigenvalue (Ritz values lie inside the spectrum) and its Ritz vector is
the saddle's certified direction; a positive smallest Ritz value is an estimate, not a bound, and
the class ``local_minimum`` says so in its level (``Lanczos estimate``).  The index and kernel
dimension are counted among the Ritz values (lower bounds), the kernel used by the higher-order
test is spanned by the Ritz vectors of near-zero Ritz values, and the Morse-Bott test, which
needs the whole kernel, is not attempted.

Tolerances are relative (see :class:`Tolerances`); the scales are
``loss_scale = max(landscape.loss_scale(), |f|)``,
``gradient_scale = loss_scale / max(1, ||x||)`` and
``hessian_scale = max(||H||_2, loss_scale / max(1, ||x||^2))``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from landscape.limits import dense_hessian_fits, require_memory
from landscape.landscapes.base import DTYPE, Landscape
from landscape.searching.spectrum import lanczos_ritz
from landscape.oracles.flat_kernel import flat_kernel


class PointClass(str, enum.Enum):
    """What a candidate point was shown to be."""

    NON_FINITE = "non_finite"  # the loss or its derivatives are NaN or infinite at the point
    NOT_CRITICAL = "not_critical"
    STRICT_SADDLE = "strict_saddle"
    DEGENERATE_SADDLE = "degenerate_saddle"
    LOCAL_MINIMUM = "local_minimum"
    LOCAL_MAXIMUM = "local_maximum"
    GLOBAL_MINIMUM = "global_minimum"
    SECOND_ORDER_STATIONARY = "second_order_stationary"

    @property
    def is_saddle(self) -> bool:
        return self in (PointClass.STRICT_SADDLE, PointClass.DEGENERATE_SADDLE)

    @property
    def is_minimum(self) -> bool:
        return self in (PointClass.LOCAL_MINIMUM, PointClass.GLOBAL_MINIMUM)


@dataclass(frozen=True, slots=True)
class Tolerances:
    """Relative tolerances of the classifier (multiplied by the scales in the module doc).

    Attributes:
        gradient: ||grad|| <= gradient * gradient_scale counts as critical.  Refined candidates
            reach ~1e-15; 1e-8 leaves room for ill-conditioned instances.
        eigenvalue: |lambda| <= eigenvalue * hessian_scale counts as zero curvature.
        loss: f - f* <= loss * loss_scale counts as globally optimal (covariance-form losses
            lose ~1e-15 relative to cancellation).
        descent: a drop of descent * loss_scale counts as a decrease in higher-order and
            perturbation tests; it must exceed rounding (~1e-15) by a wide margin.
        subspace: kernel vectors whose residual after projection on the symmetry tangents is
            below this are counted as flat.
    """

    gradient: float = 1e-8
    eigenvalue: float = 1e-7
    loss: float = 1e-9
    descent: float = 1e-12
    subspace: float = 1e-6

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(slots=True)
class Classification:
    """Everything the classifier found at one point (the content of a certificate's checks).

    Attributes:
        kind: the class.
        level: what the class rests on (e.g. ``second-order``, ``higher-order (order 3)``,
            ``value equals closed-form optimum``).
        loss, gradient_norm: at the point.
        hessian_min, hessian_max: extreme Hessian eigenvalues (extreme Ritz values when
            matrix-free; NaN there for a point whose class needs no curvature, which is then
            not computed).
        negative_count: eigenvalues below -tolerance (the index of a saddle).
        kernel_dimension: eigenvalues within tolerance of zero.
        optimum: global optimum used, if any; ``gap`` = loss - optimum.
        direction: unit direction certifying a saddle (negative curvature or higher-order
            descent), as a list.
        order: leading Taylor order along ``direction`` for degenerate saddles (2 for strict).
        taylor: Taylor coefficients along ``direction``.
        descent_steps, descent_losses: step lengths t and f(x + t d) confirming the decrease.
        scales: the loss, gradient and Hessian scales the tolerances were multiplied by.
        flat: the critical-curve test of the Hessian kernel, when one ran (:func:`flat_kernel`):
            where the flat directions came from (``declared`` / ``discovered``), whether they
            passed, and its figures.
    """

    kind: PointClass
    level: str
    loss: float
    gradient_norm: float
    hessian_min: float
    hessian_max: float
    negative_count: int
    kernel_dimension: int
    optimum: float | None = None
    direction: list[float] | None = None
    order: int | None = None
    taylor: list[float] | None = None
    descent_steps: list[float] = field(default_factory=list)
    descent_losses: list[float] = field(default_factory=list)
    scales: dict[str, float] = field(default_factory=dict)
    flat: dict[str, Any] | None = None

    @property
    def index(self) -> int:
        """Number of negative Hessian eigenvalues (the Morse index)."""
        return self.negative_count

    @property
    def gap(self) -> float | None:
        return None if self.optimum is None else self.loss - self.optimum

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]
        data["kind"] = self.kind.value
        data["gap"] = self.gap
        return data

    def __repr__(self) -> str:
        gap = "" if self.gap is None else f", gap={self.gap:.3g}"
        return (
            f"Classification({self.kind.value}, loss={self.loss:.6g}{gap}, "
            f"grad={self.gradient_norm:.2g}, eig=[{self.hessian_min:.3g}, {self.hessian_max:.3g}], "
            f"level={self.level!r})"
        )


MAX_TAYLOR_ORDER = 8
# The higher-order test's cost bound, in loss-evaluation equivalents: without a closed form the
# k-th directional derivative is k nested forward-mode passes (about 2^k evaluations), so one
# direction taken to order 8 costs 511 (about 5 s of nested passes even for a one-line loss on a
# 2-core machine) and a direction of a closed-form family costs 1.  The bound lets 4 directions
# reach order 8, or 64 reach order 4 (the catalogue's degenerate saddles show at orders 3-4 in
# the first few), and stops the test deterministically, long before it becomes a hang.
HIGHER_ORDER_COST_BOUND = 4 * (2 ** (MAX_TAYLOR_ORDER + 1) - 1)
CLASSIFY_CHUNK_BYTES = 512 * 2**20  # Hessians + eigenvectors held at once by classify_batch
# The perturbation test counts a drop below f(x) - ROUNDING_MARGIN * eps * loss_scale: anything
# smaller could be rounding in the loss evaluation itself.  Lower loss at radius r only shows
# descent at that radius, so it must be found at every radius of the shrinking sequence.
ROUNDING_MARGIN = 100.0
# Confirmation grid: step lengths t at which the leading Taylor term predicts a decrease of
# these fractions of the loss scale, the smallest still 1e4 above the descent tolerance.
PREDICTED_DROPS = np.geomspace(1e-2, 1e-8, 7)
PERTURBATION_RADII = (1e-2, 3e-3, 1e-3)
# A symmetry orbit is nearly degenerate where one of its tangents is this much shorter than the
# longest (layers of very different sizes): the higher-order test then also probes the whole
# Hessian kernel, not only its complement to the tangents.
DEGENERATE_ORBIT_RTOL = 1e-3
# Matrix-free classification: Lanczos iterations per point (the Krylov basis is LANCZOS_STEPS x P
# float64 per point; 64 Ritz pairs resolve the extreme eigenvalues of the catalogue's spectra and
# of an MLP's Hessian far beyond what the tolerances need), and the memory of one chunk of points.
LANCZOS_STEPS = 64
LANCZOS_CHUNK_BYTES = 256 * 2**20


def classify(
    landscape: Landscape,
    point: np.ndarray,
    optimum: float | None = None,
    tolerances: Tolerances = Tolerances(),
    seed: int = 0,
    probe_directions: int = 64,
) -> Classification:
    """Classify one point (see the module docstring for the order of the tests)."""
    return classify_batch(landscape, point[None, :], optimum, tolerances, seed, probe_directions)[0]


def classify_batch(
    landscape: Landscape,
    points: np.ndarray,
    optimum: float | None = None,
    tolerances: Tolerances = Tolerances(),
    seed: int = 0,
    probe_directions: int = 64,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Classification]:
    """Classify every row of ``points``; gradients, Hessians and spectra are batched, in chunks
    whose Hessians and eigenvectors take at most :data:`CLASSIFY_CHUNK_BYTES` (matrix-free above
    the dense threshold: Lanczos bases within :data:`LANCZOS_CHUNK_BYTES`); ``progress`` hears
    ``("classification", done, total)``."""
    theta = torch.as_tensor(np.asarray(points, dtype=np.float64), dtype=DTYPE)
    size = max(1, landscape.n_params)
    dense = dense_hessian_fits(size)
    per_point = 2 * 8 * size**2 if dense else 3 * 8 * LANCZOS_STEPS * size
    require_memory(f"classifying one point of {size} parameters", per_point, "use a smaller model")
    chunk = max(1, (CLASSIFY_CHUNK_BYTES if dense else LANCZOS_CHUNK_BYTES) // per_point)
    results = []
    for first in range(0, theta.shape[0], chunk):
        part = theta[first : first + chunk]
        losses = landscape.loss(part).numpy()
        grads = landscape.gradient(part).norm(dim=1).numpy()
        if dense:
            spectrum = _dense_spectrum(landscape, part)
        else:
            spectrum = _lanczos_spectrum(landscape, part, seed + first, _needs_curvature(landscape, part, losses, grads, optimum, tolerances))
        for offset in range(part.shape[0]):
            if progress is not None:
                progress("classification", first + offset, theta.shape[0])
            values, vectors, note = spectrum[offset]
            results.append(
                _classify_one(
                    landscape, part[offset], float(losses[offset]), float(grads[offset]),
                    values, vectors, optimum, tolerances, seed + first + offset, probe_directions, note,
                )
            )
    return results


Spectrum = tuple[np.ndarray, np.ndarray, str]  # eigenvalues ascending, eigenvectors as columns, how
NOT_COMPUTED = "not computed"  # the matrix-free path's note for a point whose class needs no curvature


def _dense_spectrum(landscape: Landscape, part: torch.Tensor) -> list[Spectrum]:
    hessians = landscape.hessian(part)
    finite = torch.isfinite(hessians).flatten(1).all(dim=1)
    # LAPACK fails on a NaN matrix (for the whole batch): such points are non_finite anyway
    eigenvalues, eigenvectors = torch.linalg.eigh(torch.where(finite[:, None, None], hessians, torch.zeros_like(hessians)))
    eigenvalues = torch.where(finite[:, None], eigenvalues, torch.full_like(eigenvalues, float("nan")))
    return [(eigenvalues[i].numpy(), eigenvectors[i].numpy(), "") for i in range(part.shape[0])]


def _needs_curvature(
    landscape: Landscape, part: torch.Tensor, losses: np.ndarray, grads: np.ndarray, optimum: float | None, tol: Tolerances
) -> np.ndarray:
    """Which points reach the second-order tests: critical, and not already global minima by
    value (the first two tests of :func:`_classify_one` need no Hessian; the matrix-free path
    skips the Lanczos iterations of the others)."""
    loss_scale = np.maximum(landscape.loss_scale(), np.abs(losses))
    gradient_scale = loss_scale / np.maximum(1.0, part.norm(dim=1).numpy())
    critical = grads <= tol.gradient * gradient_scale
    if optimum is None:
        return critical
    return critical & ~(losses - optimum <= tol.loss * loss_scale)


def _lanczos_spectrum(landscape: Landscape, part: torch.Tensor, seed: int, needed: np.ndarray) -> list[Spectrum]:
    """Ritz pairs of the Hessians of the ``needed`` points from Hessian-vector products (see the
    module doc); the other points get NaN curvature (not computed: their class needs none)."""
    out: list[Spectrum] = [(np.full(1, np.nan), np.zeros((part.shape[1], 0)), NOT_COMPUTED) for _ in range(part.shape[0])]
    rows = np.flatnonzero(needed)
    if rows.size == 0:
        return out
    points = part[torch.as_tensor(rows)]

    def hvp(vectors: torch.Tensor) -> torch.Tensor:
        return landscape.hessian_vector_products(points, vectors)

    generator = torch.Generator().manual_seed(seed)
    values, vectors, residuals = lanczos_ritz(hvp, points.shape[0], points.shape[1], LANCZOS_STEPS, generator)
    for i, row in enumerate(rows):
        note = f"Lanczos estimate: {values.shape[1]} Ritz pairs, residual of the smallest {float(residuals[i, 0]):.2g}"
        out[row] = (values[i].numpy(), vectors[i].numpy(), note)
    return out


def _classify_one(
    landscape: Landscape,
    theta: torch.Tensor,
    loss: float,
    gradient_norm: float,
    eigenvalues: np.ndarray,
    eigenvectors: np.ndarray,
    optimum: float | None,
    tol: Tolerances,
    seed: int,
    probe_directions: int,
    estimate: str = "",
) -> Classification:
    """``estimate`` is empty for a full spectrum, else how the Ritz pairs standing in for it were
    found (matrix-free; see the module docstring)."""
    curvature_finite = estimate == NOT_COMPUTED or np.isfinite(eigenvalues).all()
    if not (math.isfinite(loss) and math.isfinite(gradient_norm) and curvature_finite):
        return _non_finite(loss, gradient_norm, eigenvalues, optimum)
    norm = float(theta.norm())
    loss_scale = max(landscape.loss_scale(), abs(loss))
    gradient_scale = loss_scale / max(1.0, norm)
    largest = float(np.abs(eigenvalues).max())
    hessian_scale = max(largest, loss_scale / max(1.0, norm**2)) if np.isfinite(largest) else float("nan")
    zero = tol.eigenvalue * hessian_scale
    base = Classification(
        kind=PointClass.NOT_CRITICAL,
        level="first-order",
        loss=loss,
        gradient_norm=gradient_norm,
        hessian_min=float(eigenvalues[0]),
        hessian_max=float(eigenvalues[-1]),
        negative_count=int((eigenvalues < -zero).sum()),
        kernel_dimension=int((np.abs(eigenvalues) <= zero).sum()),
        optimum=optimum,
        scales={"loss": loss_scale, "gradient": gradient_scale, "hessian": hessian_scale},
    )
    if gradient_norm > tol.gradient * gradient_scale:
        return base
    if optimum is not None and loss - optimum <= tol.loss * loss_scale:
        base.kind, base.level = PointClass.GLOBAL_MINIMUM, "value equals the global optimum"
        return base
    if eigenvalues[-1] < -zero:
        return _local_maximum(landscape, theta, base, eigenvectors[:, 0], tol)
    if eigenvalues[0] < -zero:
        return _strict_saddle(landscape, theta, base, eigenvectors[:, 0], tol)
    if eigenvalues[0] > zero:
        base.kind, base.level = PointClass.LOCAL_MINIMUM, "second-order (strict: Hessian positive definite)"
        if estimate:
            base.level = f"second-order (strict: smallest Ritz value positive; {estimate}, not a bound)"
        return base
    kernel = eigenvectors[:, np.abs(eigenvalues) <= zero]
    flat = landscape.flat_directions(theta.numpy())
    level_set = None if estimate else landscape.level_set_tangents(theta.numpy())
    declared = flat if level_set is None else level_set
    if not estimate and declared is not None and _inside(kernel, declared, tol.subspace):
        base.flat = flat_kernel(landscape, theta, kernel, tol.gradient, seed, "declared")
        if base.flat["passed"]:
            base.kind = PointClass.LOCAL_MINIMUM
            base.level = ("second-order + Hessian kernel in the declared flat (symmetry) directions, verified flat and critical (non-strict, Morse-Bott)"
                          if level_set is None else
                          "second-order + Hessian kernel tangent to the equal-product set (each probed direction within a "
                          "second-order distance of it) and verified critical (non-strict, Morse-Bott)")
            return base
        flat = None  # declared but not flat here: trusted for nothing
    found = _higher_order(landscape, theta, base, kernel, flat, tol, seed, probe_directions)
    # Discovery needs curvature somewhere: where the whole Hessian is numerically zero (a saturated
    # plateau, where the loss is constant only because its variation underflows) flatness is not evidence.
    if found.kind is PointClass.SECOND_ORDER_STATIONARY and base.flat is None and not estimate and 0 < kernel.shape[1] < kernel.shape[0]:
        found.flat = flat_kernel(landscape, theta, kernel, tol.gradient, seed, "discovered")
        if found.flat["passed"]:
            found.kind = PointClass.LOCAL_MINIMUM
            found.level = "second-order + Hessian kernel discovered flat and critical (non-strict, Morse-Bott)"
    return found


def _local_maximum(
    landscape: Landscape, theta: torch.Tensor, base: Classification, direction: np.ndarray, tol: Tolerances
) -> Classification:
    """Negative-definite Hessian: a strict local maximum, with the descent certificate of a saddle."""
    found = _strict_saddle(landscape, theta, base, direction, tol)
    found.kind, found.level = PointClass.LOCAL_MAXIMUM, f"second-order (Hessian negative definite, index {base.negative_count})"
    return found


def _non_finite(loss: float, gradient_norm: float, eigenvalues: np.ndarray, optimum: float | None) -> Classification:
    what = [name for name, ok in (("loss", math.isfinite(loss)), ("gradient", math.isfinite(gradient_norm)),
                                  ("Hessian", bool(np.isfinite(eigenvalues).all()))) if not ok]
    return Classification(
        kind=PointClass.NON_FINITE,
        level=f"not classified: the {', '.join(what)} is not finite (loss {loss})",
        loss=loss,
        gradient_norm=gradient_norm,
        hessian_min=float(eigenvalues[0]),
        hessian_max=float(eigenvalues[-1]),
        negative_count=0,
        kernel_dimension=0,
        optimum=optimum,
    )


def _inside(kernel: np.ndarray, flat: np.ndarray, tolerance: float) -> bool:
    if flat.shape[1] == 0:
        return kernel.shape[1] == 0
    basis, singular, _ = np.linalg.svd(flat, full_matrices=False)
    basis = basis[:, singular > singular.max() * 1e-10]
    residual = kernel - basis @ (basis.T @ kernel)
    return bool(np.linalg.norm(residual, axis=0).max(initial=0.0) <= tolerance)


def _strict_saddle(
    landscape: Landscape, theta: torch.Tensor, base: Classification, direction: np.ndarray, tol: Tolerances
) -> Classification:
    d = torch.as_tensor(direction, dtype=DTYPE)
    base.kind = PointClass.STRICT_SADDLE
    base.level = f"second-order (negative Hessian eigenvalue; index {base.negative_count})"
    base.direction, base.order = direction.tolist(), 2
    base.taylor = landscape.taylor_coefficients(theta, d, 3)
    steps, drops = _confirm_descent(landscape, theta, d, base, 2, base.taylor[2], tol)
    base.descent_steps, base.descent_losses = steps, drops
    return base


def _confirm_descent(
    landscape: Landscape,
    theta: torch.Tensor,
    d: torch.Tensor,
    base: Classification,
    order: int,
    coefficient: float,
    tol: Tolerances,
) -> tuple[list[float], list[float]]:
    """Step lengths t (with sign) and f(x + t d) on the confirmation grid, when all decrease."""
    loss_scale = base.scales["loss"]
    threshold = base.loss - tol.descent * loss_scale
    lengths = (PREDICTED_DROPS * loss_scale / max(abs(coefficient), 1e-300)) ** (1.0 / order)
    for sign in (1.0, -1.0):
        steps = sign * lengths
        trial = theta[None, :] + torch.as_tensor(steps, dtype=DTYPE)[:, None] * d[None, :]
        values = landscape.loss(trial).numpy()
        if (values < threshold).all():
            return steps.tolist(), values.tolist()
    return [], []


def _higher_order(
    landscape: Landscape,
    theta: torch.Tensor,
    base: Classification,
    kernel: np.ndarray,
    flat: np.ndarray | None,
    tol: Tolerances,
    seed: int,
    probe_directions: int,
) -> Classification:
    rng = np.random.default_rng(seed)
    raw_kernel, degenerate_orbit = kernel, False
    if flat is not None and flat.shape[1]:
        # Symmetry directions carry no descent to second order; probe the kernel's complement to
        # them first.
        basis, singular, _ = np.linalg.svd(flat, full_matrices=False)
        basis = basis[:, singular > singular.max() * 1e-10]
        kernel = kernel - basis @ (basis.T @ kernel)
        degenerate_orbit = bool(singular.min() < DEGENERATE_ORBIT_RTOL * singular.max())
    candidates = _probes(kernel, rng, probe_directions)
    if degenerate_orbit:
        # The orbit is curved: where it is nearly degenerate (layers of 1e-6 next to others of
        # 1e-150, whose tangents theta_i e_i - theta_j e_j are nearly coordinate axes) the
        # complement can miss every descending direction, so the whole kernel is probed next.
        candidates += _probes(raw_kernel, rng, probe_directions)
    coefficient_floor = tol.descent * base.scales["loss"]
    exact = landscape.exact_taylor_at(theta)  # closed-form coefficients at this point (the cost bound counts them as one)
    spent = 0
    for tried, raw in enumerate(candidates):
        length = np.linalg.norm(raw)
        if length < 1e-8:
            continue
        affordable = _affordable_order(exact, HIGHER_ORDER_COST_BOUND - spent)
        if affordable < 3:
            stopped = f"higher-order test stopped by its cost bound after {tried} of {len(candidates)} directions"
            return _perturbation(landscape, theta, base, tol, rng, stopped)
        d = torch.as_tensor(raw / length, dtype=DTYPE)
        if exact:  # every coefficient up to the affordable order comes at once, so later terms can be tried
            taylor = landscape.taylor_coefficients(theta, d, affordable)
            order = next((k for k in range(1, len(taylor)) if abs(taylor[k]) > coefficient_floor), None)
        else:  # nested derivatives, computed only up to the leading term
            order, taylor = landscape.leading_taylor_term(theta, d, coefficient_floor, affordable)
        spent += _taylor_cost(exact, len(taylor) - 1)
        if order is None or order < 3:
            continue
        for k, leading in _descending_orders(taylor, order, coefficient_floor):
            steps, values = _confirm_descent(landscape, theta, d, base, k, taylor[k], tol)
            if steps:
                base.kind = PointClass.DEGENERATE_SADDLE
                base.level = f"higher-order ({'leading ' if leading else ''}Taylor term of order {k}, loss decrease confirmed)"
                base.direction, base.order, base.taylor = d.tolist(), k, taylor[: k + 1]
                base.descent_steps, base.descent_losses = steps, values
                return base
    return _perturbation(landscape, theta, base, tol, rng)


def _probes(kernel: np.ndarray, rng: np.random.Generator, count: int) -> list[np.ndarray]:
    """The kernel's basis vectors, then ``count`` random combinations of them (none in a
    one-dimensional kernel, where the basis vector is the only direction)."""
    candidates = [kernel[:, i] for i in range(kernel.shape[1])]
    if kernel.shape[1] > 1:
        candidates += [kernel @ rng.standard_normal(kernel.shape[1]) for _ in range(count)]
    return candidates


def _descending_orders(taylor: list[float], order: int, floor: float) -> list[tuple[int, bool]]:
    """Orders k >= ``order`` (the leading one) whose term c_k t^k decreases the loss for t of
    some sign (c_k < 0, or k odd) and is above ``floor``, each with whether it is the leading one.
    Near, not at, a critical point of a product (a deep linear net with some layers of 1e-6) the
    leading terms are tiny but above the floor, and the term that decides the point's nature
    comes later: the confirmation grid, placed by that term's coefficient, shows which dominates
    on it (the descent check evaluates the loss itself, whatever the order named)."""
    return [
        (k, k == order) for k in range(order, len(taylor))
        if abs(taylor[k]) > floor and (taylor[k] < 0 or k % 2 == 1)
    ]


def _taylor_cost(exact: bool, order: int) -> int:
    """Loss-evaluation equivalents of the Taylor coefficients c_0..c_order along one direction:
    one when they come in closed form (``exact``), else the nested derivatives' 2^(order+1) - 1."""
    return 1 if exact else 2 ** (order + 1) - 1


def _affordable_order(exact: bool, remaining: int) -> int:
    """The highest order (at most :data:`MAX_TAYLOR_ORDER`) whose coefficients fit ``remaining``."""
    order = MAX_TAYLOR_ORDER
    while order > 0 and _taylor_cost(exact, order) > remaining:
        order -= 1
    return order


PERTURBATION_STEPS = 200


def _projected_descent(landscape: Landscape, centre: torch.Tensor, point: torch.Tensor, radius: float, steps: int) -> torch.Tensor:
    """Batched gradient descent projected onto the ball of ``radius`` around ``centre``, with a
    per-start Armijo step (grown after success, halved after failure)."""

    def project(p: torch.Tensor) -> torch.Tensor:
        offset = p - centre[None, :]
        return centre[None, :] + offset * (radius / offset.norm(dim=1, keepdim=True).clamp_min(radius))

    step = torch.full((point.shape[0],), radius, dtype=DTYPE)
    loss = landscape.loss(point)
    for _ in range(steps):
        grad = landscape.gradient(point)
        trial = project(point - step[:, None] * grad)
        trial_loss = landscape.loss(trial)
        accepted = trial_loss < loss
        point = torch.where(accepted[:, None], trial, point)
        loss = torch.where(accepted, trial_loss, loss)
        step = torch.where(accepted, step * 1.5, step * 0.5).clamp_min(1e-300)
    return point


def _perturbation(
    landscape: Landscape, theta: torch.Tensor, base: Classification, tol: Tolerances, rng: np.random.Generator,
    note: str = "",
) -> Classification:
    """Lower loss at every radius of a shrinking sequence, by projected descent in a ball."""
    threshold = base.loss - ROUNDING_MARGIN * float(np.finfo(np.float64).eps) * base.scales["loss"]
    size = max(1.0, float(theta.norm()))
    found: list[float] = []
    best_losses: list[float] = []
    for radius in PERTURBATION_RADII:
        r = radius * size
        start = torch.as_tensor(rng.standard_normal((64, theta.numel())), dtype=DTYPE)
        point = theta[None, :] + r * start / start.norm(dim=1, keepdim=True)
        point = _projected_descent(landscape, theta, point, r, PERTURBATION_STEPS)
        values = landscape.loss(point)
        if float(values.min()) >= threshold:
            break
        found.append(r)
        best_losses.append(float(values.min()))
    if len(found) == len(PERTURBATION_RADII):
        base.kind = PointClass.DEGENERATE_SADDLE
        base.level = "perturbation (lower loss found within every radius of a shrinking sequence)"
        base.descent_steps, base.descent_losses = found, best_losses
    else:
        base.kind = PointClass.SECOND_ORDER_STATIONARY
        base.level = "second-order stationary; neither descent nor flatness shown" + (f" ({note})" if note else "")
    return base
