r"""Spurious local minima of two-layer ReLU networks (seed 001 §IV-B; Safran-Shamir 2018).

``relu-spurious-local-min``: the realisable student-teacher network x -> sum_j [w_j x]_+ with
k = n neurons, teacher rows e_1..e_k, standard Gaussian input, trained on the closed-form
population loss (``landscapes/networks.py``) by multi-start descent from Xavier initialisation.  A
start ends at a *spurious* minimum when its refined end point is certified a strict local
minimum (Hessian positive definite with a radius: ``oracles/minimum_certificate.py``, third
derivative bounded by a sampled estimate, so the certificate says so) whose loss exceeds the
teacher's 0 (a better point re-evaluated in float64).

Speed: the closed-form gradient and the analytic third-derivative bound of
:class:`~landscape.landscapes.networks.ReluTeacher` make a k = n = 8 run of 96 starts x 1500 GD steps,
with refinement and certification of every run that ends above the gap, take a few seconds.

Budgets: ``quick`` runs k = n = 8 (96 starts); ``standard`` and ``thorough`` sweep k = n = 6..10
(2 x restarts starts each: 256 and 1024) and report, per size, the fraction of starts that end at a
certified spurious minimum, with the starts that ended near-global and those that ended above the
gap but could not be certified (not converged, or not provably a strict minimum).

The published experiment at its full size (k = n = 6..20 and n = k + 1, 1000 runs per size, under
the paper's protocol or the harness's) is the named sweep ``landscape sweep``
(:mod:`landscape.engine.sweep`), not a budget: it takes hours on a 2-core machine.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.oracles.classify import PointClass, classify_batch
from landscape.landscapes.base import loss_at
from landscape.oracles.minimum_certificate import (
    better_point_check,
    strict_minimum_radius,
)
from landscape.landscapes.networks import ReluTeacher
from landscape.searching.critical_points import MAX_CHUNK_STARTS, descend_in_chunks, refine
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

POSITION = 60  # place in the catalogue (landscape.theorems.catalogue)

SPURIOUS_GAP = 1e-4  # relative to the loss at W = 0: below it a run counts as (near) global
RESTART_FACTOR = {"quick": 3}  # starts per size = factor x budget.restarts (96 on quick, 256 on standard)
MIN_STEPS = 1500  # GD steps at least (Safran-Shamir's runs need ~10^3 steps to settle)
REFINE_STEPS = 20  # Levenberg-Marquardt steps on the runs that end above the gap
SWEEP_SIZES = (6, 7, 8, 9, 10)  # k = n on every budget but quick (which runs the instance's size)


@dataclass(frozen=True, slots=True)
class ReluInstance:
    """k = n teacher and student neurons (the sizes swept depend on the budget)."""

    size: int


@dataclass(slots=True)
class Sweep:
    """Where the starts at one size ended: near-global, certified spurious, or neither."""

    size: int
    starts: int
    steps: int
    near_global: int
    spurious: int
    uncertified: int
    spurious_losses: list[float]
    best: tuple[np.ndarray, float, dict] | None

    @property
    def fraction(self) -> float:
        return self.spurious / self.starts

    def as_dict(self) -> dict:
        return {"starts": self.starts, "steps": self.steps, "near_global": self.near_global, "spurious": self.spurious,
                "uncertified": self.uncertified, "fraction": round(self.fraction, 4),
                "spurious_losses": sorted({round(v, 6) for v in self.spurious_losses})}


def sweep(size: int, context: Context, seed: int) -> Sweep:
    """GD from Xavier initialisation at k = n = ``size`` (batched, per-start Armijo steps), then
    LM refinement and certification of every run that ends above the gap: a run counts as
    spurious only when its end point is classified a local minimum *and* carries the analytic
    strict-minimum radius certificate."""
    landscape = ReluTeacher(size, size)
    starts = RESTART_FACTOR.get(context.budget.name, 2) * context.budget.restarts
    steps = max(MIN_STEPS, context.budget.descent_steps)
    generator = torch.Generator().manual_seed(seed + size)
    initial = landscape.random_points(starts, generator)
    ended = descend_in_chunks(landscape, initial, steps, MAX_CHUNK_STARTS, None, "gd", generator)
    losses = landscape.loss(ended).numpy()
    suspects = np.where(losses > SPURIOUS_GAP * landscape.loss_scale())[0]
    spurious, values, best = 0, [], None
    if suspects.size:
        refined = refine(landscape, ended[suspects], REFINE_STEPS).numpy()
        classes = classify_batch(landscape, refined, 0.0, context.tolerances, seed, 4)
        for point, kind in zip(refined, classes):
            if kind.kind is not PointClass.LOCAL_MINIMUM:
                continue
            radius = strict_minimum_radius(landscape, point, seed)
            if radius is None:
                continue
            spurious += 1
            values.append(kind.loss)
            if best is None or kind.loss < best[1]:
                best = (point, kind.loss, radius)
    return Sweep(size, starts, steps, starts - suspects.size, spurious, suspects.size - spurious, values, best)


def spurious_check(theorem_id: str, claim_no_spurious: bool = False):  # type: ignore[no-untyped-def]
    """Witness (or, for the variant "every descent run reaches a global minimum", counterexample)."""

    def check_instance(instance: ReluInstance, context: Context) -> Evidence:
        seed = context.seed_for(instance)
        sizes = (instance.size,) if context.budget.name == "quick" else SWEEP_SIZES
        results = []
        for size in sizes:
            if context.progress is not None:
                context.progress(f"k = n = {size}", len(results), len(sizes))
            results.append(sweep(size, context, seed))
        table = ", ".join(f"k=n={r.size}: {r.spurious}/{r.starts}" for r in results)
        witness = next((r for r in results if r.best is not None), None)
        counts = Counter({"spurious_minimum": sum(r.spurious for r in results)})
        restarts = sum(r.starts for r in results)
        if witness is None:
            return Evidence(Outcome.SUPPORTS if claim_no_spurious else Outcome.INCONCLUSIVE,
                            f"no certified spurious minimum ({table})", None, counts, restarts)
        point, loss, radius = witness.best  # type: ignore[misc]
        landscape = ReluTeacher(witness.size, witness.size)
        kind = classify_batch(landscape, point[None], 0.0, context.tolerances, seed, 4)[0]
        teacher = landscape.optimum()
        teacher_loss = loss_at(landscape, teacher.point)
        checks = [{"name": "strict-minimum-radius", "args": {"level": radius["level"], "ball_radius": radius["ball_radius"], "seed": seed}},
                  better_point_check(loss, teacher.point, teacher_loss, teacher.method, seed, radius["value_lower_bound_drop"])]
        claim = (f"k = n = {witness.size}: descent from Xavier initialisation ends at a spurious strict local minimum, "
                 f"loss {loss:.6g} > 0; {radius['level']}, ball radius {radius['ball_radius']:.3g}; "
                 f"fraction of starts at certified spurious minima: {table}")
        role = "counterexample" if claim_no_spurious else "witness"
        cert = certify(theorem_id, role, claim, landscape, point, kind, context, seed, extra_checks=checks)
        if cert is not None:
            cert.facts.update({"certification_level": radius["level"], "radius": radius,
                               "fractions": {str(r.size): r.as_dict() for r in results}})
        return certified(Outcome.COUNTEREXAMPLE if claim_no_spurious else Outcome.WITNESS, claim, cert, counts, restarts)

    return check_instance


RELU_SPURIOUS = Theorem(
    id="relu-spurious-local-min",
    title="Two-layer ReLU student-teacher networks have spurious local minima",
    source="001 §IV-B ([37], [45] Safran-Shamir)",
    statement=(
        "The realisable student-teacher network $x \\mapsto \\sum_{j \\le n} [w_j^\\top x]_+$ fitted to "
        "$\\sum_{i \\le k} [e_i^\\top x]_+$ under $x \\sim N(0, I_k)$ has spurious (sub-optimal) local minima, and "
        "descent from Xavier initialisation reaches them for a fraction of starts growing with $k = n$."
    ),
    expectation=Expectation.WITNESSED,
    instances=lambda: st.just(ReluInstance(8)),
    check=spurious_check("relu-spurious-local-min"),
    hypotheses=("k = n (8 on quick; 6..10 on standard and thorough)", "Gaussian input, closed-form population loss", "Xavier normal initialisation"),
)

VARIANTS = [
    Theorem(
        id="variant-relu-realisable-no-spurious",
        title="(false) In the realisable ReLU student-teacher setting every local minimum is global",
        source="negation of 001 §IV-B ([45] Safran-Shamir)",
        statement="Wrong conclusion: realisability (zero loss attainable) is claimed to rule out spurious minima.",
        expectation=Expectation.HOLDS,
        instances=lambda: st.just(ReluInstance(8)),
        check=spurious_check("variant-relu-realisable-no-spurious", claim_no_spurious=True),
        hypotheses=("k = n (8 on quick; 6..10 on standard and thorough)",),
        falsifies="relu-spurious-local-min",
    )
]

THEOREMS = [RELU_SPURIOUS]
