"""Building blocks for writing theorems: survey a landscape, certify a point.

The catalogue is written with these, and so is a user's own theorem file.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from landscape.interval.checks import rigour_for
from landscape.interval.snapping import snap_to_exact_critical
from landscape.oracles.builders import spec_of
from landscape.oracles.certificates import Certificate, replay_data
from landscape.oracles.classify import Classification, PointClass, classify, classify_batch
from landscape.oracles.landscapes import Landscape
from landscape.oracles.optimum import optimum_of
from landscape.oracles.search import search
from landscape.theorems.model import Context, Evidence, Outcome

EXACT_CHECK_MAX_PARAMS = 20  # sympy certificates are attempted up to this many parameters


@dataclass(slots=True)
class Survey:
    """Candidates of one landscape, classified.

    Attributes:
        labels: where each candidate came from (``start 3``, ``origin``, ``J={1,3}``).
        points: ``(N, P)`` float64.
        classes: one :class:`Classification` per point.
        optimum: the global optimum used (None if the family has no oracle).
        restarts: random starts searched.
    """

    labels: list[str]
    points: np.ndarray
    classes: list[Classification]
    optimum: float | None
    restarts: int

    def counts(self) -> Counter[str]:
        return Counter(c.kind.value for c in self.classes)

    def items(self) -> list[tuple[str, np.ndarray, Classification]]:
        return list(zip(self.labels, self.points, self.classes))


def survey(
    landscape: Landscape,
    context: Context,
    seed: int,
    special: list[tuple[str, np.ndarray]] = (),  # type: ignore[assignment]
    restarts: int | None = None,
) -> Survey:
    """Search ``restarts`` random starts (default: the budget's), add ``special`` points from
    the theory, and classify every candidate against the global optimum."""
    starts = context.budget.restarts if restarts is None else restarts
    optimum = optimum_of(landscape)
    value = None if optimum is None else optimum.value
    labels: list[str] = [label for label, _ in special]
    rows = [np.asarray(point, dtype=np.float64) for _, point in special]
    if starts > 0:
        found = search(
            landscape, starts, context.budget.descent_steps, context.budget.refine_steps, seed, context.device,
            progress=context.progress,
        )
        labels += [f"start {i}" for i in range(starts)]
        rows += list(found.points)
    points = np.stack(rows) if rows else np.zeros((0, landscape.n_params))
    classes = classify_batch(
        landscape, points, value, context.tolerances, seed=seed, probe_directions=context.budget.probe_directions,
        progress=context.progress,
    )
    if context.samples is not None:
        for label, found in zip(labels, classes):
            context.samples.add(candidate_sample(label, found))
    return Survey(labels, points, classes, value, starts)


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
    point with zero blocks is certified at that point (:mod:`landscape.interval.snapping`; the
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
    if found.kind.is_saddle and found.direction is not None and found.descent_steps and found.order:
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
    replayed = replay_data(certificate.to_json()).passed
    if context.progress is not None:
        context.progress("certification", 1, 1)
    return certificate if replayed else None


def certified(
    outcome: Outcome, message: str, certificate: Certificate | None, candidates: Counter[str], restarts: int
) -> Evidence:
    """Evidence carrying ``certificate``; inconclusive when re-verification failed."""
    if certificate is None:
        return Evidence(Outcome.INCONCLUSIVE, f"{message} — but re-verification failed, not reported", None, candidates, restarts)
    return Evidence(outcome, message, certificate, candidates, restarts)
