r"""The toy loss of seed 001 §III (Fig. 1): f(v, w) = (y - v w x)^2, with (x, y) = (1, 1) first.

Its critical set is found exactly with sympy: the hyperbola v w x = y (global minima, f = 0)
and the origin, whose Hessian [[0, -2xy], [-2xy, 0]] has eigenvalues +-2|xy| (a strict saddle).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import sympy
from hypothesis import strategies as st

from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.classify import PointClass
from landscape.oracles.symbolic import SymbolicLandscape
from landscape.searching.critical_points import CRITICAL_POINT_MIX
from landscape.theorems.common import NAMED, certified, certify, survey, with_provenance
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.properties import unexercised

POSITION = 20  # place in the catalogue (landscape.theorems.catalogue)


@dataclass(frozen=True, slots=True)
class ToyInstance:
    """Scalars x, y != 0 of f(v, w) = (y - v w x)^2."""

    x: float
    y: float

    def landscape(self) -> DeepLinear:
        return DeepLinear((1, 1, 1), [[self.x]], [[self.y]])


def toy_instances() -> st.SearchStrategy[ToyInstance]:
    """(1, 1) — the toy of Fig. 1 — then small non-zero halves and integers."""
    scalar = st.integers(-8, 8).filter(bool).map(lambda k: k / 2)
    return st.one_of(st.just(ToyInstance(1.0, 1.0)), st.builds(ToyInstance, scalar, scalar))


def exact_critical_set(landscape: DeepLinear) -> tuple[list[dict], sympy.Expr]:
    """sympy's solution of grad f = 0, and f."""
    symbolic = SymbolicLandscape(landscape)
    f = symbolic.expression
    w, v = symbolic.symbols  # W_1 = w, W_2 = v
    return sympy.solve([sympy.diff(f, w), sympy.diff(f, v)], [w, v], dict=True), f


def toy_check(theorem_id: str, claim_every_critical_global: bool = False):
    """Every local minimum is global and the origin is a strict saddle (or, for the falsified
    variant, the wrong claim that every critical point is a global minimum)."""

    def check(instance: ToyInstance, context: Context) -> Evidence:
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        solutions, f = exact_critical_set(landscape)
        w, v = sorted(f.free_symbols, key=str)[::-1]  # w1_0_0 (=w), w2_0_0 (=v)
        components: Counter[str] = Counter()
        special: list[tuple[str, np.ndarray]] = []
        for solution in solutions:
            value = sympy.simplify(f.subs(solution))
            if value == 0:
                components["curve"] += 1
                free = [s for s in (w, v) if s not in solution]
                for t in (0.5, 1.0, -2.0):
                    point = {s: solution.get(s, sympy.Float(0)).subs({fs: t for fs in free}) for s in (w, v)}
                    point.update({fs: t for fs in free})
                    special.append((f"curve point t={t}", np.array([float(point[w]), float(point[v])])))
            elif all(solution.get(s) == 0 for s in (w, v)):
                components["origin"] += 1
                special.append(("origin", np.zeros(2)))
            else:
                components["unexpected"] += 1
        # Both claims are about saddles as well as minima (the origin; "every critical point"), so
        # the search seeks saddles too, and reaches the origin without being told of it.
        found = survey(landscape, context, seed, special, mix=CRITICAL_POINT_MIX)
        counts = found.counts()
        for (label, point, kind), origin in zip(found.items(), found.provenance):
            bad = kind.kind is PointClass.LOCAL_MINIMUM or (label == "origin" and kind.kind is not PointClass.STRICT_SADDLE)
            if claim_every_critical_global:
                bad = kind.kind not in (PointClass.GLOBAL_MINIMUM, PointClass.NOT_CRITICAL)
            if bad:
                claim = f"{label} of (y - v w x)^2 with (x, y) = ({instance.x}, {instance.y}): {kind.kind.value} [{kind.level}]"
                # a named point is exactly critical (sympy's solution): its checks are exact; a searched
                # one is critical to rounding, so its proof is the interval one (rigour_for)
                cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed, exact=origin == NAMED)
                return with_provenance(certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, found.restarts), found)
        if components["unexpected"] or components["origin"] != 1 or not components["curve"]:
            return Evidence(Outcome.INCONCLUSIVE, f"sympy's critical set is not the expected one: {solutions}", None, counts, found.restarts)
        message = f"exact critical set: origin + curve; {len(found.classes)} candidates classified"
        # Decided only where the claim was exercised: a minimum reached by the search ("every local
        # minimum is global"), or for "every critical point is a global minimum" a saddle or maximum.
        exercised = [PointClass.STRICT_SADDLE] if claim_every_critical_global else [PointClass.LOCAL_MINIMUM]
        reason = unexercised(found, exercised)
        outcome = Outcome.SUPPORTS if reason is None else Outcome.INCONCLUSIVE
        return with_provenance(Evidence(outcome, message + ("" if reason is None else f"; {reason}"), None, counts, found.restarts), found)

    return check


TOY_VW_NO_BAD_MIN = Theorem(
    id="toy-vw-no-bad-min",
    title="(vw - 1)^2: every local minimum is global; the origin is a strict saddle",
    source="001 §III toy (Fig. 1)",
    statement=(
        "$f(v, w) = (1 - vw)^2$: every local minimum is global and the origin is a strict saddle; the critical "
        "points are found exactly with sympy.  Generalised to $(y - vwx)^2$ with $x, y \\ne 0$."
    ),
    expectation=Expectation.HOLDS,
    instances=toy_instances,
    check=toy_check("toy-vw-no-bad-min"),
    hypotheses=("x != 0, y != 0", "(x, y) = (1, 1) first"),
)

VARIANTS = [
    Theorem(
        id="variant-toy-vw-every-critical-global",
        title="(false) Every critical point of (vw - 1)^2 is a global minimum",
        source="wrong conclusion from 001 §III toy",
        statement="Wrong conclusion: 'no bad local minima' read as 'no bad critical points'.  The origin refutes it.",
        expectation=Expectation.HOLDS,
        instances=toy_instances,
        check=toy_check("variant-toy-vw-every-critical-global", claim_every_critical_global=True),
        hypotheses=("x != 0, y != 0",),
        falsifies="toy-vw-no-bad-min",
    )
]

THEOREMS = [TOY_VW_NO_BAD_MIN]
