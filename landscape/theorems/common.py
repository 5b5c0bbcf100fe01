"""Building blocks for writing theorems: survey a landscape, certify a point.

The catalogue is written with these, and so is a user's own theorem file.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from landscape.errors import OptimumError
from landscape.certificates.interval import rigour_for
from landscape.oracles.interval.snapping import snap_to_exact_critical
from landscape.landscapes.builders import spec_of
from landscape.certificates.certificate import Certificate
from landscape.certificates.replay import replay_data
from landscape.oracles.classify import Classification, PointClass, classify, classify_batch
from landscape.landscapes.base import Landscape
from landscape.searching.manifolds import follow_critical_manifold
from landscape.oracles.optimum import optimum_of
from landscape.searching.critical_points import DESCENT_ONLY, search
from landscape.theorems.model import Context, Evidence, Outcome

EXACT_CHECK_MAX_PARAMS = 20  # sympy certificates are attempted up to this many parameters
SEARCHED, NAMED = "searched", "named"
# Two critical points of one class are the same when their symmetry invariants (or, without
# one, the points) differ by at most this x max(1, size): refined points agree to ~1e-12.
DISTINCT_RTOL = 1e-6
# Strict saddles with a Hessian kernel that the search reached and whose critical manifold is
# followed (one per distinct loss value): continuation costs a few refinements per step.
MAX_FOLLOWED = 2


@dataclass(slots=True)
class Survey:
    """Candidates of one landscape, classified.

    Attributes:
        labels: where each candidate came from (``start 3``, ``origin``, ``J={1,3}``).
        points: ``(N, P)`` float64.
        classes: one :class:`Classification` per point.
        optimum: the global optimum used (None if the family has no oracle).
        restarts: random starts searched.
        provenance: ``searched`` (found from a random start, or by following the critical
            manifold of such a point) or ``named`` (a special point of the theory or the user),
            one per candidate.
    """

    labels: list[str]
    points: np.ndarray
    classes: list[Classification]
    optimum: float | None
    restarts: int
    provenance: list[str] = field(default_factory=list)
    landscape: Landscape | None = None

    def counts(self) -> Counter[str]:
        return Counter(c.kind.value for c in self.classes)

    def distinct(self, provenance: str) -> Counter[str]:
        """Distinct critical points of each class among the candidates of ``provenance``
        (:func:`distinct_counts`)."""
        rows = [i for i, origin in enumerate(self.provenance) if origin == provenance]
        return distinct_counts(self.landscape, self.points[rows], [self.classes[i] for i in rows])

    def reached(self, kinds: set[PointClass]) -> bool:
        """Whether the search (not a named point) reached a critical point of one of ``kinds``."""
        return any(c.kind in kinds for c, origin in zip(self.classes, self.provenance) if origin == SEARCHED)

    def items(self) -> list[tuple[str, np.ndarray, Classification]]:
        return list(zip(self.labels, self.points, self.classes))


def survey(
    landscape: Landscape,
    context: Context,
    seed: int,
    special: list[tuple[str, np.ndarray]] = (),  # type: ignore[assignment]
    restarts: int | None = None,
    mix: Mapping[str, float] | None = None,
) -> Survey:
    """Search ``restarts`` random starts (default: the budget's) with the search modes of
    ``mix`` (default descent alone; see :mod:`landscape.searching.critical_points`), add ``special``
    points from the theory, and classify every candidate against the global optimum.

    With a mix that seeks saddles, the critical manifolds of up to :data:`MAX_FOLLOWED` searched
    strict saddles with a Hessian kernel are followed to where the signature changes
    (:mod:`landscape.searching.manifolds`) and the points reached are candidates too.  A candidate
    with loss below the stated optimum is an :class:`~landscape.errors.OptimumError`.
    """
    starts = context.budget.restarts if restarts is None else restarts
    special = special if context.named_points else []
    optimum = optimum_of(landscape)
    value = None if optimum is None else optimum.value
    labels: list[str] = [label for label, _ in special]
    rows = [np.asarray(point, dtype=np.float64) for _, point in special]
    provenance = [NAMED] * len(rows)
    if starts > 0:
        found = search(
            landscape, starts, context.budget.descent_steps, context.budget.refine_steps, seed, context.device,
            progress=context.progress, mix=mix,
        )
        kept = range(starts) if mix is None or dict(mix) == DESCENT_ONLY else representatives(found.points)
        labels += [f"start {i} ({found.modes[i]})" if mix else f"start {i}" for i in kept]
        rows += [found.points[i] for i in kept]
        provenance += [SEARCHED] * len(kept)
    points = np.stack(rows) if rows else np.zeros((0, landscape.n_params))
    classes = classify_batch(
        landscape, points, value, context.tolerances, seed=seed, probe_directions=context.budget.probe_directions,
        progress=context.progress,
    )
    if starts > 0 and mix is not None and dict(mix) != DESCENT_ONLY:
        followed = _follow(landscape, labels, points, classes, provenance)
        if followed:
            extra = np.stack([point for _, point in followed])
            labels += [label for label, _ in followed]
            points = np.concatenate([points, extra])
            provenance += [SEARCHED] * len(followed)
            classes += classify_batch(landscape, extra, value, context.tolerances, seed=seed + len(classes),
                                      probe_directions=context.budget.probe_directions)
    check_optimum(landscape, labels, classes, value, context)
    if context.samples is not None:
        for label, found_class in zip(labels, classes):
            context.samples.add(candidate_sample(label, found_class))
    return Survey(labels, points, classes, value, starts, provenance, landscape)


def representatives(points: np.ndarray) -> list[int]:
    """Indices of the first of each cluster of ``points`` within :data:`DISTINCT_RTOL` x
    max(1, ||x||) of each other.  The saddle-seeking modes send many starts to one critical
    point (a degenerate one above all, where the higher-order test is costly): it is classified once."""
    kept: list[int] = []
    for i, point in enumerate(points):
        size = max(1.0, float(np.linalg.norm(point)))
        if not np.all(np.isfinite(point)) or all(np.linalg.norm(point - points[j]) > DISTINCT_RTOL * size for j in kept):
            kept.append(i)
    return kept


def _follow(
    landscape: Landscape, labels: list[str], points: np.ndarray, classes: list[Classification], provenance: list[str]
) -> list[tuple[str, np.ndarray]]:
    """Points where the critical manifolds of searched strict saddles change signature."""
    followed: list[tuple[str, np.ndarray]] = []
    levels: list[float] = []
    # Widest kernels first: a saddle whose critical set has many more dimensions than its
    # symmetry orbit (W_1 = W_L = 0 in a deep linear net) is where the signature can change.
    order = sorted(range(len(classes)), key=lambda i: (-classes[i].kernel_dimension, i))
    for label, point, found, origin in ((labels[i], points[i], classes[i], provenance[i]) for i in order):
        if len(followed) == MAX_FOLLOWED:
            break
        if origin != SEARCHED or found.kind is not PointClass.STRICT_SADDLE or found.kernel_dimension <= _orbit_dimension(landscape, point):
            continue
        scale = found.scales.get("loss", 1.0)
        if any(abs(found.loss - level) <= DISTINCT_RTOL * scale for level in levels):
            continue
        levels.append(found.loss)
        reached = follow_critical_manifold(landscape, point)
        if reached is not None:
            followed.append((f"{label}, its critical manifold followed to a signature change", reached))
    return followed


def _orbit_dimension(landscape: Landscape, point: np.ndarray) -> int:
    """Dimension of the declared symmetry orbit through ``point`` (0 without one).  Along an orbit
    the loss is invariant, so the Hessians are congruent and the signature cannot change
    (Sylvester's law of inertia): a kernel no larger than the orbit's tangent is not followed."""
    flat = landscape.flat_directions(point)
    if flat is None or flat.size == 0:
        return 0
    singular = np.linalg.svd(flat, compute_uv=False)
    return int((singular > singular.max() * 1e-10).sum()) if singular.size and singular.max() > 0 else 0


def check_optimum(
    landscape: Landscape, labels: list[str], classes: list[Classification], optimum: float | None, context: Context
) -> None:
    """A loss below the stated optimum (beyond the loss tolerance) refutes the optimum, not the
    claim: one :class:`~landscape.errors.OptimumError` naming the point and the two values."""
    if optimum is None:
        return
    for label, found in zip(labels, classes):
        allowed = context.tolerances.loss * max(landscape.loss_scale(), abs(optimum), abs(found.loss))
        if math.isfinite(found.loss) and found.loss < optimum - allowed:
            raise OptimumError(
                f"{label}: the loss {found.loss:.12g} is below the stated global optimum {optimum:.12g} "
                f"(by {optimum - found.loss:.3g}, allowed {allowed:.2g}); the optimum given with the landscape is "
                "wrong: fix optimum=... (or drop it: claims about minima need a correct one)"
            )


def distinct_counts(landscape: Landscape | None, points: np.ndarray, classes: list[Classification]) -> Counter[str]:
    """Number of distinct critical points of each class: two points of one class are one when
    their symmetry invariants (``landscape.symmetry_invariant``, where the family declares one),
    else the points, agree to :data:`DISTINCT_RTOL`.  Non-critical candidates are not counted."""
    invariant = getattr(landscape, "symmetry_invariant", None)
    kept: dict[str, list[np.ndarray]] = {}
    for point, found in zip(points, classes):
        if found.kind is PointClass.NOT_CRITICAL:
            continue
        key = np.asarray(invariant(point) if invariant is not None else point, dtype=np.float64)
        key = np.append(key, found.loss)
        size = max(1.0, float(np.linalg.norm(key)))
        same = kept.setdefault(found.kind.value, [])
        if not any(np.linalg.norm(key - other) <= DISTINCT_RTOL * size for other in same):
            same.append(key)
    return Counter({kind: len(keys) for kind, keys in kept.items()})


def candidate_sample(label: str, found: Classification) -> dict[str, str | float | None]:
    """The figures of one classified candidate that reports plot (6 significant digits)."""
    scale = found.scales.get("loss") or 1.0
    gap = None if found.gap is None else _short(found.gap / scale)
    return {
        "label": label,
        "kind": found.kind.value,
        "loss": _short(found.loss),
        "gap": gap,
        "gradient_norm": _short(found.gradient_norm),
        "hessian_min": _short(found.hessian_min),
        "hessian_max": _short(found.hessian_max),
    }


def _short(value: float) -> float | None:
    return float(f"{value:.6g}") if math.isfinite(value) else None


# The failed checks of the last certificate that did not replay in this thread, for the message
# of :func:`certified` (certify keeps its return type: None when re-verification failed).
_REPLAY_FAILURES = threading.local()


def last_replay_failure() -> str:
    """What failed in the last certificate this thread could not re-verify ('' if none)."""
    return getattr(_REPLAY_FAILURES, "reason", "")


def certify(
    theorem_id: str,
    role: str,
    claim: str,
    landscape: Landscape,
    point: np.ndarray,
    found: Classification,
    context: Context,
    seed: int,
    extra_checks: list[dict] = (),  # type: ignore[assignment]
    exact: bool = False,
) -> Certificate | None:
    """A certificate that ``point`` is what ``found`` says, re-verified from its JSON form.

    Returns ``None`` when the replay of the freshly written certificate fails: such a finding
    is never reported.  With ``exact``, a degenerate saddle within rounding of an exactly critical
    point with zero blocks is certified at that point (:mod:`landscape.oracles.interval.snapping`; the
    distance is a fact).  The certificate states its rigour (:func:`rigour_for`): exact, interval
    (a ball-arithmetic proof appended as checks) or float64, with the reason.
    """
    if context.progress is not None:
        context.progress("certification", 0, 1)
    snapped_by = None
    if exact and found.kind is PointClass.DEGENERATE_SADDLE and landscape.n_params <= EXACT_CHECK_MAX_PARAMS:
        snapped = snap_to_exact_critical(landscape, point)
        if snapped is not None:
            reclassified = classify(landscape, snapped[0], found.optimum, context.tolerances, seed=seed)
            if reclassified.kind is PointClass.DEGENERATE_SADDLE:
                (point, snapped_by), found = snapped, reclassified
    checks: list[dict] = [{"name": "classification", "args": {"expected": found.kind.value, "seed": seed}}]
    checks.append({"name": "loss", "args": {"value": found.loss}})
    if found.optimum is not None:
        args: dict = {"value": found.optimum}
        if found.kind is not PointClass.GLOBAL_MINIMUM and found.gap is not None and found.gap > 0:
            args["gap_at_least"] = 0.5 * found.gap
        checks.append({"name": "optimum", "args": args})
    descends = found.kind.is_saddle or found.kind is PointClass.LOCAL_MAXIMUM
    if descends and found.direction is not None and found.descent_steps and found.order:
        checks.append({"name": "descent", "args": {"direction": found.direction, "steps": found.descent_steps}})
    if exact and landscape.n_params <= EXACT_CHECK_MAX_PARAMS and found.direction is not None:
        if found.kind is PointClass.DEGENERATE_SADDLE:
            if found.hessian_min == 0.0 and found.hessian_max == 0.0:
                checks.append({"name": "exact-hessian", "args": {"expect": "zero"}})
            checks.append({"name": "exact-descent", "args": {"direction": found.direction, "order": found.order}})
        elif found.kind is PointClass.STRICT_SADDLE:
            checks.append({"name": "exact-hessian", "args": {"expect": "indefinite", "direction": found.direction}})
            checks.append({"name": "exact-descent", "args": {"direction": found.direction, "order": 2}})
    checks += list(extra_checks)
    rigour, note, interval_checks = rigour_for(landscape, point, found.kind, checks, found.direction)
    checks += interval_checks
    facts = found.as_dict()
    facts.pop("direction", None)
    if snapped_by is not None:
        facts["snapped_to_exact_zeros_by"] = snapped_by  # sup-norm move from the search's float point
    certificate = Certificate(
        theorem_id=theorem_id,
        role=role,
        claim=claim,
        landscape=spec_of(landscape),
        point=[float(v) for v in point],
        checks=checks,
        tolerances=context.tolerances.as_dict(),
        facts=facts,
        seed=context.seed,
        rigour=rigour,
        rigour_note=note,
    )
    replayed = replay_data(certificate.to_json())
    _REPLAY_FAILURES.reason = ""
    if not replayed.passed:
        failed = [result for result in replayed.results if not result.passed]
        _REPLAY_FAILURES.reason = "; ".join(f"check {r.name} failed: {r.detail}" for r in failed) or "replay failed"
        return None
    if context.progress is not None:
        context.progress("certification", 1, 1)
    return certificate


def certified(
    outcome: Outcome, message: str, certificate: Certificate | None, candidates: Counter[str], restarts: int,
    found: Survey | None = None,
) -> Evidence:
    """Evidence carrying ``certificate`` (and the provenance counts of ``found``); inconclusive
    when re-verification failed, naming the check that failed and its figures."""
    if certificate is None:
        reason = last_replay_failure()
        message = f"{message} — but re-verification failed ({reason}), not reported" if reason else (
            f"{message} — but re-verification failed, not reported")
        return with_provenance(Evidence(Outcome.INCONCLUSIVE, message, None, candidates, restarts), found)
    return with_provenance(Evidence(outcome, message, certificate, candidates, restarts), found)


def with_provenance(evidence: Evidence, found: Survey | None) -> Evidence:
    """``evidence`` with ``searched`` / ``named`` distinct counts from ``found`` (if given)."""
    if found is not None:
        evidence.searched.update(found.distinct(SEARCHED))
        evidence.named.update(found.distinct(NAMED))
    return evidence
