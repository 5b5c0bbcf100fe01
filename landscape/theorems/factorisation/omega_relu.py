r"""003 Prop 1.8 for the one-hidden-layer ReLU pair phi = w2 ReLU(w1^T X), theta = (||w1||^2 + w2^2)/2
(scalar output, inputs x_j with a bias feature): the ReLU instances of ``omega-properties``.

Omega has no closed form here; every property is checked against certified brackets
lower <= Omega <= upper (:mod:`landscape.oracles.relu_gauge`: lower bounds from duals R with exact
polar Omega°(R) <= 1, upper bounds from explicit factorisations re-evaluated in float64), never a
point estimate.  A relation is violated only when the brackets themselves contradict it by more than
COMPARE_RTOL x the sizes involved; a certificate records every dual R and factorisation used, and its
replay re-derives the bounds from them alone (exact polar, float64 phi), trusting no LP.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from landscape.landscapes.builders import spec_of
from landscape.certificates.certificate import Certificate
from landscape.certificates.registry import CheckResult, replayable
from landscape.certificates.replay import replay_data
from landscape.oracles.classify import Tolerances
from landscape.landscapes.base import Landscape
from landscape.landscapes.relu import ReluWeightDecay
from landscape.oracles.relu_gauge import (
    GAP_RTOL,
    GaugeBracket,
    certified_lower,
    gauge_bracket,
    initial_units,
    upper_bound,
    weights,
)
from landscape.theorems.model import Context, Evidence, Outcome

COMPARE_RTOL = 1e-6  # a relation counts as violated only beyond this x (sum of the Omega's involved)
WIDTH_RTOL = 1e-6  # SUPPORTS needs every bracket narrower than this x its upper bound (else inconclusive)
LOOSE_GAP_RTOL = 1e-3  # first pass: brackets this wide already refute a relation off by O(1)
REPRESENT_RTOL = 1e-9  # a recorded factorisation must reproduce its output to this x max(||Phi||, 1)


@dataclass(frozen=True, slots=True)
class ReluOmegaInstance:
    """Samples x_j (X = [x; 1]), two small ReLU nets given by their units (w1_a, w1_b, w2), whose
    outputs on X are P and Q, a scale a > 0 and a mixing weight t in [0, 1]."""

    inputs: tuple[float, ...]
    first: tuple[tuple[float, float, float], ...]
    second: tuple[tuple[float, float, float], ...]
    scale: float
    mix: float

    def x(self) -> np.ndarray:
        return np.stack([np.array(self.inputs, dtype=np.float64), np.ones(len(self.inputs))])

    def output(self, units: tuple[tuple[float, float, float], ...]) -> np.ndarray:
        w = np.array(units, dtype=np.float64).reshape(-1, 3)
        return w[:, 2] @ np.maximum(w[:, :2] @ self.x(), 0.0)

    def outputs(self) -> dict[str, np.ndarray]:
        p, q, a, t = self.output(self.first), self.output(self.second), self.scale, self.mix
        return {"P": p, "Q": q, "P+Q": p + q, "aP": a * p, "tP+(1-t)Q": t * p + (1 - t) * q}


_UNIT = st.tuples(*[st.integers(-4, 4).map(lambda v: v / 2)] * 3)


def relu_omega_instances(nonzero_sum: bool = False) -> st.SearchStrategy[ReluOmegaInstance]:
    """2-4 distinct inputs in {-2, -1.5, ..., 2}, nets of 1-3 units with weights in {-2, -1.5, ..., 2}
    (they shrink to small integers and to one unit), a in {2, 1/2, 3, 1/4}, t in {1/2, 1/4, 3/4}; P != 0
    (Omega(0) = 0 is the empty factorisation, exact by definition), Q may vanish; ``nonzero_sum``: P + Q != 0."""
    return st.builds(
        ReluOmegaInstance,
        st.lists(st.integers(-4, 4), min_size=2, max_size=4, unique=True).map(lambda v: tuple(sorted(i / 2 for i in v))),
        st.lists(_UNIT, min_size=1, max_size=3).map(tuple),
        st.lists(_UNIT, min_size=1, max_size=3).map(tuple),
        st.sampled_from([2.0, 0.5, 3.0, 0.25]),
        st.sampled_from([0.5, 0.25, 0.75]),
    ).filter(lambda instance: bool(np.any(instance.output(instance.first)))
             and not (nonzero_sum and not np.any(instance.output(instance.first) + instance.output(instance.second))))


# -- relations between brackets ------------------------------------------------------------

Bounds = dict[str, tuple[float, float]]  # output name -> (lower, upper)


def relation_margin(relation: str, b: Bounds, a: float, t: float, degree: float = 1.0) -> tuple[float, str]:
    """(margin, text): margin > 0 iff the certified brackets contradict the relation by that much.

    ``homogeneous``: Omega(aP) = a^degree Omega(P);
    ``triangle``: Omega(P+Q) <= Omega(P) + Omega(Q); ``convex``: Omega(tP+(1-t)Q) <= t Omega(P) + (1-t) Omega(Q);
    ``additive``: Omega(P+Q) = Omega(P) + Omega(Q)."""
    (pl, pu) = b["P"]
    if relation == "homogeneous":
        (sl, su), f = b["aP"], a**degree
        margin = max(sl - f * pu, f * pl - su)
        return margin, f"Omega(aP) in [{sl:.12g}, {su:.12g}] vs a^{degree:g} Omega(P) in [{f * pl:.12g}, {f * pu:.12g}], a = {a:g}"
    (ql, qu) = b["Q"]
    if relation == "triangle":
        (sl, su) = b["P+Q"]
        return sl - (pu + qu), f"Omega(P+Q) >= {sl:.12g} vs Omega(P) + Omega(Q) <= {pu + qu:.12g}"
    if relation == "convex":
        ml = b["tP+(1-t)Q"][0]
        right = t * pu + (1 - t) * qu
        return ml - right, f"Omega(tP+(1-t)Q) >= {ml:.12g} vs t Omega(P) + (1-t) Omega(Q) <= {right:.12g}, t = {t:g}"
    if relation == "additive":
        (sl, su) = b["P+Q"]
        margin = max(sl - (pu + qu), (pl + ql) - su)
        return margin, f"Omega(P+Q) in [{sl:.12g}, {su:.12g}] vs Omega(P) + Omega(Q) in [{pl + ql:.12g}, {pu + qu:.12g}]"
    raise ValueError(f"unknown relation {relation!r}")


NEEDS = {"positive": ("P",), "homogeneous": ("P", "aP"), "triangle": ("P", "Q", "P+Q"),
         "convex": ("P", "Q", "tP+(1-t)Q"), "additive": ("P", "Q", "P+Q")}


def allowed(relation: str, b: Bounds, a: float, t: float, degree: float = 1.0) -> float:
    """COMPARE_RTOL x the size of the Omega values a relation compares."""
    size = sum(abs(u) for name, (_, u) in b.items() if name in NEEDS[relation])
    return COMPARE_RTOL * max(size * max(1.0, a**degree), 1e-300)


def evidence_record(x: np.ndarray, outputs: dict[str, np.ndarray], brackets: dict[str, GaugeBracket]) -> dict[str, Any]:
    """What a certificate needs to re-derive each bracket: output, dual R, factorisation."""
    return {
        name: {"phi": outputs[name].tolist(), "dual": b.dual.tolist(), "units": b.units.tolist(), "coefficients": b.coefficients.tolist()}
        for name, b in brackets.items()
    }


def replayed_bounds(x: np.ndarray, record: dict[str, Any]) -> Bounds:
    """Brackets re-derived from a record: lower = <R, Phi>/Omega°(R), upper = Theta(W) + residual cost."""
    bounds = {}
    for name, entry in record.items():
        phi = np.asarray(entry["phi"], dtype=np.float64)
        units = np.asarray(entry["units"], dtype=np.float64).reshape(-1, x.shape[0])
        coefficients = np.asarray(entry["coefficients"], dtype=np.float64)
        if units.shape[0] != coefficients.shape[0]:
            raise ValueError(f"{name}: {units.shape[0]} units but {coefficients.shape[0]} coefficients")
        w1, w2 = weights(units, coefficients)
        output = (w2 @ np.maximum(w1.T @ x, 0.0)).reshape(-1)
        if np.linalg.norm(output - phi) > REPRESENT_RTOL * max(np.linalg.norm(phi), 1.0):
            raise ValueError(f"{name}: the recorded factorisation does not reproduce Phi")
        upper = upper_bound(x, phi, w1, w2, initial_units(x)) if np.any(phi) else 0.0
        lower = certified_lower(x, phi, np.asarray(entry["dual"], dtype=np.float64)) if np.any(phi) else 0.0
        bounds[name] = (lower, upper)
    return bounds


@replayable("omega-relu-relation")
def check_omega_relu_relation(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The brackets re-derived from the recorded duals and factorisations contradict ``relation``
    (``expect`` = "violated") or are consistent with it ("consistent")."""
    if not isinstance(landscape, ReluWeightDecay):
        return CheckResult("omega-relu-relation", False, "needs a relu-weight-decay landscape (its X)")
    relation, a, t, degree = args["relation"], float(args["a"]), float(args["t"]), float(args.get("degree", 1.0))
    bounds = replayed_bounds(landscape.x, args["record"])
    if any(lo > up + allowed(relation, bounds, a, t, degree) for lo, up in bounds.values()):
        return CheckResult("omega-relu-relation", False, "a re-derived bracket is inverted (lower > upper)")
    margin, text = relation_margin(relation, bounds, a, t, degree)
    limit = allowed(relation, bounds, a, t, degree)
    violated = margin > limit
    passed = violated == (args["expect"] == "violated")
    return CheckResult("omega-relu-relation", passed, f"{relation}: {text}; margin {margin:.3g} vs allowed {limit:.2g}")


@replayable("relu-factorisation")
def check_relu_factorisation(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """phi(point) reproduces Y (the landscape's outputs) and Theta(point) is at most ``theta``."""
    if not isinstance(landscape, ReluWeightDecay):
        return CheckResult("relu-factorisation", False, "needs a relu-weight-decay landscape")
    error = float(np.linalg.norm(landscape.residual(point)))
    theta = landscape.regulariser(point)
    limit = REPRESENT_RTOL * max(float(np.linalg.norm(landscape.y)), 1.0)
    passed = error <= limit and theta <= float(args["theta"]) * (1 + 1e-12)
    return CheckResult("relu-factorisation", passed, f"||Y - phi(W)|| = {error:.3g} (allowed {limit:.2g}), Theta(W) = {theta:.15g}")


def counterexample(theorem_id: str, instance: ReluOmegaInstance, relation: str, degree: float, claim: str,
                   brackets: dict[str, GaugeBracket], outputs: dict[str, np.ndarray], context: Context) -> Evidence:
    """A certificate: the landscape carries X and Y = P with P's factorisation as the point; the
    relation check replays every bracket involved from its recorded dual and factorisation."""
    x = instance.x()
    used = {name: brackets[name] for name in NEEDS[relation]}
    p = brackets["P"]
    w1, w2 = weights(p.units, p.coefficients) if len(p.units) else (np.zeros((2, 1)), np.zeros((1, 1)))
    landscape = ReluWeightDecay(x, outputs["P"][None, :], 1.0, w1.shape[1])
    point = np.concatenate([w1.reshape(-1), w2.reshape(-1)])
    args = {"relation": relation, "a": instance.scale, "t": instance.mix, "degree": degree, "expect": "violated",
            "record": evidence_record(x, outputs, used)}
    checks = [{"name": "relu-factorisation", "args": {"theta": p.upper}}, {"name": "omega-relu-relation", "args": args}]
    facts = {name: {"lower": b.lower, "upper": b.upper, "width": b.width, "cuts": len(b.lower_history)} for name, b in used.items()}
    certificate = Certificate(theorem_id=theorem_id, role="counterexample", claim=claim, landscape=spec_of(landscape),
                              point=[float(v) for v in point], checks=checks, tolerances=context.tolerances.as_dict(),
                              facts=facts, seed=context.seed)
    counts = Counter(brackets=len(brackets))
    if not replay_data(certificate.to_json()).passed:
        return Evidence(Outcome.INCONCLUSIVE, f"{claim} — but re-verification failed, not reported", None, counts, 0)
    return Evidence(Outcome.COUNTEREXAMPLE, claim, certificate, counts, 0)


CACHE_SIZE = 512  # brackets kept per check (Hypothesis' shrinking revisits the same outputs)


def relu_omega_check(theorem_id: str, relations: tuple[str, ...] = ("positive", "homogeneous", "triangle", "convex"),
                     degree: float = 1.0, tighten: bool = True):
    r"""Prop 1.8 (i)-(iv) on the ReLU pair against certified brackets: Omega(0) = 0 (empty factorisation)
    and lower(P) > 0 for P != 0; brackets of Omega(aP) and a Omega(P) overlap; lower(P+Q) <= upper(P) +
    upper(Q); lower(tP+(1-t)Q) <= t upper(P) + (1-t) upper(Q).  With ``degree`` != 1 or ``additive`` the
    same machinery checks a false claim, refuted by non-overlapping brackets; ``tighten=False`` stops at
    the loose brackets (a variant's claim off by O(1) needs no more) and calls an uncontradicted instance
    inconclusive."""
    cache: dict[tuple[bytes, bytes, float], GaugeBracket] = {}

    def bracket(x: np.ndarray, phi: np.ndarray, gap: float, start: GaugeBracket | None) -> GaugeBracket:
        key = (x.tobytes(), phi.tobytes(), gap)
        if key not in cache:
            if len(cache) >= CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = gauge_bracket(x, phi, gap, start=None if start is None else start.cuts)
        return cache[key]

    def check_instance(instance: ReluOmegaInstance, context: Context) -> Evidence:
        x = instance.x()
        outputs = instance.outputs()
        names = sorted({n for r in relations for n in NEEDS[r]}, key=list(outputs).index)
        zero = not np.any(outputs["P"])
        brackets: dict[str, GaugeBracket] = {}
        counts = Counter(brackets=len(names))
        for gap in (LOOSE_GAP_RTOL, GAP_RTOL) if tighten else (LOOSE_GAP_RTOL,):  # a loose bracket may already refute
            brackets = {name: bracket(x, outputs[name], gap, brackets.get(name)) for name in names}
            bounds = {name: (b.lower, b.upper) for name, b in brackets.items()}
            for name, b in brackets.items():
                if b.lower > b.upper + COMPARE_RTOL * max(b.upper, 1e-300):
                    return Evidence(Outcome.INCONCLUSIVE, f"bracket of Omega({name}) inverted: [{b.lower:.12g}, {b.upper:.12g}]", None, counts, 0)
            for relation in relations:
                if relation == "positive" or (zero and relation in ("homogeneous", "additive")):
                    continue  # Omega(0) = 0 = Omega(a 0): the empty factorisation, nothing to bracket
                margin, text = relation_margin(relation, bounds, instance.scale, instance.mix, degree)
                if margin > allowed(relation, bounds, instance.scale, instance.mix, degree):
                    claim = f"certified brackets contradict '{relation}'" + (f" (degree {degree:g})" if relation == "homogeneous" else "") + f": {text}"
                    return counterexample(theorem_id, instance, relation, degree, claim, brackets, outputs, context)
        if "positive" in relations and not zero and not brackets["P"].lower > 0:
            # a finite factorisation of P != 0 has Theta > 0, so only a positive lower bound is evidence here
            return Evidence(Outcome.INCONCLUSIVE, f"no positive lower bound on Omega(P): {brackets['P'].lower:.3g}", None, counts, 0)
        widest = max(b.relative_width() for b in brackets.values())
        if not tighten:
            return Evidence(Outcome.INCONCLUSIVE, f"no contradiction at relative bracket width <= {widest:.1e} (not tightened)", None, counts, 0)
        if widest > WIDTH_RTOL:
            return Evidence(Outcome.INCONCLUSIVE, f"brackets too wide to support Prop 1.8 (relative width {widest:.2g})", None, counts, 0)
        omega_p = "Omega(P) = 0 (P = 0)" if zero else f"Omega(P) in [{brackets['P'].lower:.10g}, {brackets['P'].upper:.10g}]"
        return Evidence(Outcome.SUPPORTS, f"ReLU pair, n = {x.shape[1]}: {omega_p}; {', '.join(relations)} consistent with "
                        f"{len(brackets)} certified brackets (relative width <= {widest:.1e})", None, counts, 0)

    return check_instance

