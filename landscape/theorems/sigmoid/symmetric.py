r"""Prop IV.2 (seed 001 §IV-C) as transcribed is false on the inputs {-a, 0, a}.

**Lemma.**  For the bias-free sigmoid network f(x) = sum_j v_j sigma(w_j x) with p >= 2 neurons
and the three inputs {-a, 0, a} (a != 0), every local minimum of
F(v, w) = sum_i (y_i - f(x_i))^2 is a global minimum, for every y.

*Proof.*  sigma(-t) = 1 - sigma(t) gives f(0) = c and f(+-a) = c +- b with c = V/2,
V = sum_j v_j, b = sum_j v_j s(w_j), s(w) = sigma(w a) - 1/2 (strictly monotone).  So
F = q(Phi(theta)) with Phi = (c, b) and q(c, b) = (y_- - c + b)^2 + (y_0 - c)^2 + (y_+ - c - b)^2,
a strictly convex quadratic whose minimiser m is reached (p >= 2: take w_1 != w_2, then
(v_1, v_2) -> (c, b) is linear and invertible); hence min F = q(m).  Phi is open at every theta:
where its Jacobian has rank 2 by the submersion theorem; where it does not, v_j s'(w_j) a = 0
forces v = 0 and all s(w_j) equal, and then moving w_1, w_2 apart by a fixed small delta and
solving the invertible 2 x 2 system for (v_1, v_2) = O(|(c, b)|/delta) reaches every (c, b)
near (0, 0) from points near theta.  A local minimum theta* of F = q o Phi with Phi open makes
Phi(theta*) a local minimum of q, which is convex: Phi(theta*) = m and F(theta*) = min F.  QED

So no outputs y give a sub-optimal local minimum: the existence claim fails for these inputs.
The check verifies the lemma's hypotheses exactly (sympy: the identity, the inputs, p >= 2) and,
in float64, that the recorded point (the best of a search) attains q(m), the value the lemma
says every local minimum has.  The property first runs the witness procedure of Prop IV.2 on the
instance; a certified sub-optimal minimum there would contradict the lemma and be reported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from hypothesis import strategies as st

from landscape.landscapes.builders import spec_of
from landscape.certificates.certificate import Certificate
from landscape.certificates.registry import CheckResult, replayable
from landscape.certificates.replay import replay_data
from landscape.oracles.classify import Tolerances
from landscape.landscapes.base import Landscape, loss_at
from landscape.landscapes.networks import SigmoidNet
from landscape.searching.critical_points import search
from landscape.oracles.symbolic import exact
from landscape.theorems.common import certified
from landscape.theorems.model import Context, Evidence, Outcome

SEARCH_STARTS = 8  # starts of the corroborating search (its best point must attain q(m))
VALUE_RTOL = 1e-8  # |F(point) - q(m)| <= this x loss scale: the point attains the lemma's minimum


@dataclass(frozen=True, slots=True)
class SymmetricInstance:
    """The inputs {-a, 0, a}, the width p >= 2 and outputs y (any: the lemma covers every y)."""

    a: float
    width: int
    y: tuple[float, float, float]

    @property
    def x(self) -> np.ndarray:
        return np.array([[-self.a, 0.0, self.a]])


def symmetric_instances() -> st.SearchStrategy[SymmetricInstance]:
    """a in {1/2, 1, ..., 3}, p in 3..5 (as Prop IV.2's generator), y multiples of 1/2 in [-2, 2]."""
    half = st.integers(-4, 4).map(lambda k: k / 2)
    return st.builds(SymmetricInstance, st.integers(1, 6).map(lambda k: k / 2), st.integers(3, 5), st.tuples(half, half, half))


def reduced_minimum(y: np.ndarray) -> float:
    """min over (c, b) of q(c, b): the least-squares residual of y on span{(1,1,1), (-1,0,1)}."""
    design = np.array([[1.0, -1.0], [1.0, 0.0], [1.0, 1.0]])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return float(((y - fitted) ** 2).sum())


def lemma_hypotheses(landscape: Landscape) -> tuple[bool, str]:
    """Exact: a bias-free sigmoid net, p >= 2, scalar inputs exactly {-a, 0, a}, a != 0, and
    sigma(t) + sigma(-t) = 1 for the network's own activation."""
    if not isinstance(landscape, SigmoidNet) or landscape.d != 1 or landscape.n != 3:
        return False, "needs a bias-free sigmoid network with three scalar inputs"
    inputs = sorted(exact(v) for v in landscape.x[0])
    t = sympy.Symbol("t", real=True)
    sigma = 1 / (1 + sympy.exp(-t))
    identity = sympy.simplify(sigma + sigma.subs(t, -t) - 1) == 0
    symmetric = inputs[1] == 0 and inputs[0] == -inputs[2] and inputs[2] != 0
    detail = f"inputs {[str(v) for v in inputs]} symmetric about 0 with 0 among them: {symmetric}; sigma(t) + sigma(-t) = 1: {identity}; p = {landscape.width}"
    return bool(identity and symmetric and landscape.width >= 2), detail


@replayable("symmetric-sigmoid-reduction")
def _check_reduction(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The lemma's hypotheses (exact), and F(point) = q(m) (float64): every local minimum is global."""
    holds, detail = lemma_hypotheses(landscape)
    if not holds:
        return CheckResult("symmetric-sigmoid-reduction", False, detail)
    value, floor = loss_at(landscape, point), reduced_minimum(landscape.y)
    attained = abs(value - floor) <= VALUE_RTOL * max(landscape.loss_scale(), 1.0)
    return CheckResult("symmetric-sigmoid-reduction", attained,
                       f"{detail}; F(point) = {value:.12g}, min q = {floor:.12g}: by the lemma every local minimum has this value")


def lemma_evidence(instance: SymmetricInstance, context: Context, counts: Counter[str]) -> Evidence:
    """The refutation once the witness procedure has found nothing: the lemma's certificate at
    the best point of a search (which must attain min q)."""
    seed = context.seed_for(instance)
    landscape = SigmoidNet(instance.width, instance.x, np.array(instance.y))
    found = search(landscape, SEARCH_STARTS, context.budget.descent_steps, 10, seed, context.device)
    best = found.points[int(np.argmin(found.losses))]
    floor = reduced_minimum(landscape.y)
    counts["search end points at min q"] += int((np.abs(found.losses - floor) <= VALUE_RTOL * max(landscape.loss_scale(), 1.0)).sum())
    claim = (f"inputs {{-{instance.a}, 0, {instance.a}}}, p = {instance.width}: sigma(-t) = 1 - sigma(t) reduces F to a strictly "
             f"convex quadratic of (c, b) with Phi open, so every local minimum is global for every y (here y = {instance.y}, "
             f"min F = {floor:.6g}, attained by the search); no sub-optimal local minimum exists")
    checks = [{"name": "loss", "args": {"value": float(loss_at(landscape, best))}}, {"name": "symmetric-sigmoid-reduction", "args": {}}]
    certificate = Certificate(theorem_id=context.theorem_id, role="counterexample", claim=claim, landscape=spec_of(landscape),
                              point=[float(v) for v in best], checks=checks, tolerances=context.tolerances.as_dict(), seed=context.seed)
    replayed = certificate if replay_data(certificate.to_json()).passed else None
    return certified(Outcome.COUNTEREXAMPLE, claim, replayed, counts, found.starts)
