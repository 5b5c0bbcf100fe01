r"""The meta-algorithm of seed 003 §1.4.1 run to its end: escape, re-descend, repeat.

For (1.33), :math:`F(U, V) = \tfrac12\|Y - UV^\top\|_F^2 + \tfrac\lambda2(\|U\|_F^2 + \|V\|_F^2)`,
the meta-algorithm alternates

1. local descent to a first-order point (U, V) of width r;
2. the polar problem (1.42): sigma = sigma_max(Y - UV^T) with top singular pair (u, v); if
   sigma <= lambda, Cor 1.6 (ii) holds and (U, V) is global (Thm 1.5): stop;
3. otherwise append sqrt(eps) (u, v) as a new column (width r + 1), which changes F by exactly
   eps (lambda - sigma) + eps^2 / 2 < 0 for 0 < eps < 2 (sigma - lambda) (here eps = sigma - lambda,
   the best step), and go to 1 from there.

The property runs the whole loop from first-order points violating (ii) -- the ones the search
reaches, not only the theory's -- and demands at every round a strict decrease by the escape, a
re-descent to a first-order point with a lower F, and at the end a point satisfying (ii) whose F
equals the convex optimum (singular value thresholding, an independent closed form).

Every step is deterministic (fixed descent and refinement, no randomness), so the certificate of a
failing round replays from the width and point of that round.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import torch

from landscape.generators.matrices import FactorisationProblem
from landscape.oracles.classify import PointClass, Tolerances, classify
from landscape.landscapes.factorisation import MatrixFactorisation, appended, convex_optimum, polar_solution, residual_at
from landscape.landscapes.base import DTYPE, loss_at
from landscape.oracles.optimum import optimum_of
from landscape.searching.critical_points import descend, refine
from landscape.theorems.common import certified, certify, survey
from landscape.theorems.factorisation.checks import POLAR_RTOL
from landscape.theorems.model import Context, Evidence, Outcome

MAX_ROUNDS = 6  # escapes per run; the planted problems have at most 5 singular values above lambda
MAX_STARTS = 3  # first-order points violating (ii) the loop is started from, per instance
# A first-order point: |grad F| <= CRITICAL_RTOL x the loss scale after the refinement (which
# reaches ~1e-13); looser points are not handed to the next round.
CRITICAL_RTOL = 1e-8


@dataclass(slots=True)
class Round:
    """One round: the first-order point it starts from and what the escape did.

    Attributes:
        width: r of the point.
        loss: F at the point.
        sigma: sigma_max(Y - UV^T) there.
        escape_change: F after the append minus F before (None once (ii) holds).
        point: the point (flat, width r).
    """

    width: int
    loss: float
    sigma: float
    escape_change: float | None
    point: np.ndarray = field(repr=False)


@dataclass(slots=True)
class MetaRun:
    """A run of the meta-algorithm.

    Attributes:
        rounds: every first-order point visited, in order.
        outcome: ``global`` (ended at a point satisfying (ii)), ``no-escape`` (an escape did not
            decrease F), ``no-descent`` (the re-descent did not reach a lower first-order point),
            or ``rounds`` (MAX_ROUNDS used up).
        gap: final F minus the convex optimum.
    """

    rounds: list[Round]
    outcome: str
    gap: float


def descend_to_first_order(landscape: MatrixFactorisation, point: np.ndarray, steps: int, refine_steps: int) -> tuple[np.ndarray, bool]:
    """Armijo GD then Levenberg-Marquardt from ``point``: (the end point, whether it is first order)."""
    theta = torch.as_tensor(point, dtype=DTYPE)[None]
    theta = refine(landscape, descend(landscape, theta, steps), refine_steps)
    norm = float(landscape.gradient(theta).norm())
    return theta[0].numpy(), norm <= CRITICAL_RTOL * max(landscape.loss_scale(), 1.0)


def run_meta_algorithm(
    landscape: MatrixFactorisation, point: np.ndarray, steps: int, refine_steps: int, tol: Tolerances,
    source: str = "residual",
) -> MetaRun:
    """The loop of the module docstring from the first-order ``point``; ``source='data'`` takes
    the pair from Y instead of Y - UV^T (the falsified variant's escape)."""
    best = convex_optimum(landscape.y, landscape.lam)
    rounds: list[Round] = []
    for _ in range(MAX_ROUNDS + 1):
        _, _, residual = residual_at(landscape, point)
        polar = polar_solution(residual)
        loss = loss_at(landscape, point)
        if polar.value <= landscape.lam * (1.0 + POLAR_RTOL):
            rounds.append(Round(landscape.width, loss, polar.value, None, point))
            return MetaRun(rounds, "global", loss - best)
        pair = polar if source == "residual" else polar_solution(landscape.y)
        wider, trial = appended(landscape, point, pair.left, pair.right, polar.value - landscape.lam)
        change = loss_at(wider, trial) - loss
        rounds.append(Round(landscape.width, loss, polar.value, change, point))
        if not change < -_descent_margin(landscape, loss, tol):
            return MetaRun(rounds, "no-escape", loss - best)
        landscape, (point, first_order) = wider, descend_to_first_order(wider, trial, steps, refine_steps)
        if not first_order or loss_at(landscape, point) >= loss:
            rounds.append(Round(landscape.width, loss_at(landscape, point), float("nan"), None, point))
            return MetaRun(rounds, "no-descent", loss_at(landscape, point) - best)
    return MetaRun(rounds, "rounds", rounds[-1].loss - best)


def _descent_margin(landscape: MatrixFactorisation, loss: float, tol: Tolerances) -> float:
    """A decrease counts when it exceeds the classifier's descent tolerance at the loss's scale."""
    return tol.descent * max(landscape.loss_scale(), abs(loss))


def meta_algorithm_check(theorem_id: str, source: str = "residual"):
    """Property: from every first-order point violating Cor 1.6 (ii) among the candidates (theory
    points and MAX_STARTS of the searched ones), the meta-algorithm decreases F at every escape and
    ends at a point satisfying (ii) with the convex optimum's value.  Decided only where a searched
    point was a start.  The variant escapes along Y's top singular pair."""

    def check(problem: FactorisationProblem, context: Context) -> Evidence:
        landscape = problem.landscape()
        seed = context.seed_for(problem)
        found = survey(landscape, context, seed, [], restarts=min(context.budget.restarts, 8))
        counts = Counter(found.counts())
        starts = _violating_starts(landscape, found)
        steps, refine_steps = context.budget.descent_steps, context.budget.refine_steps
        escapes = 0
        for label, point in starts:
            run = run_meta_algorithm(landscape, point, steps, refine_steps, context.tolerances, source)
            escapes += sum(r.escape_change is not None for r in run.rounds)
            counts["meta-runs"] += 1
            if run.outcome == "global" and abs(run.gap) > context.tolerances.loss * max(landscape.loss_scale(), 1.0):
                return _certify_round(theorem_id, f"{label}: the meta-algorithm stopped at (ii) with F above the optimum by {run.gap:.3g}",
                                      run.rounds[-1], landscape, context, seed, counts, "gap", run.gap)
            if run.outcome == "no-escape":
                last = run.rounds[-1]
                claim = (f"{label}: round {len(run.rounds)} (width {last.width}, sigma_max = {last.sigma:.6g} > lambda = "
                         f"{landscape.lam:.6g}): appending the top pair of {'Y' if source == 'data' else 'Y - UV^T'} changes F by {last.escape_change:.3g}")
                return _certify_round(theorem_id, claim, last, landscape, context, seed, counts, source, 0.0)
            if run.outcome != "global":
                return Evidence(Outcome.INCONCLUSIVE, f"{label}: the meta-algorithm ended with {run.outcome!r}", None, counts, found.restarts)
        counts["escapes"] = escapes
        if not starts:
            return Evidence(Outcome.INCONCLUSIVE, "no searched first-order point violates (ii)", None, counts, found.restarts)
        message = (f"from {len(starts)} searched first-order points violating (ii): {escapes} escapes, each decreasing F, "
                   "then re-descent; every run ended at the convex optimum")
        return Evidence(Outcome.SUPPORTS, message, None, counts, found.restarts)

    return check


def _violating_starts(landscape: MatrixFactorisation, found) -> list[tuple[str, np.ndarray]]:
    """Up to MAX_STARTS searched first-order points with sigma_max(Y - UV^T) > lambda, distinct in F."""
    out: list[tuple[str, np.ndarray]] = []
    seen: list[float] = []
    for label, point, kind in found.items():
        if kind.kind is PointClass.NOT_CRITICAL:
            continue
        _, _, residual = residual_at(landscape, point)
        if polar_solution(residual).value <= landscape.lam * (1.0 + POLAR_RTOL):
            continue
        if any(abs(kind.loss - value) <= 1e-9 * max(1.0, abs(value)) for value in seen):
            continue
        seen.append(kind.loss)
        out.append((label, point))
        if len(out) == MAX_STARTS:
            break
    return out


def _certify_round(theorem_id, claim, last: Round, landscape: MatrixFactorisation, context, seed, counts, kind: str, gap: float) -> Evidence:
    """Certificate at the round's point, on the landscape of the round's width."""
    at = MatrixFactorisation(landscape.y, landscape.lam, last.width)
    if kind == "gap":
        checks = [{"name": "polar-condition", "args": {"holds": True}}, {"name": "convex-gap", "args": {"at_least": 0.5 * gap}}]
    else:
        eps = [last.sigma - landscape.lam]
        checks = [{"name": "polar-condition", "args": {"holds": False}},
                  {"name": "polar-escape", "args": {"eps": eps, "expect": "no-decrease", "source": kind}}]
    optimum = optimum_of(at)
    found = classify(at, last.point, None if optimum is None else optimum.value, context.tolerances, seed)
    cert = certify(theorem_id, "counterexample", claim, at, last.point, found, context, seed, checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
