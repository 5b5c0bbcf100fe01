r"""The single neuron of seed 001 §IV-A: F(w, v) = (y - v phi(wx))^2.

Theorems: ``single-neuron-bad-min-iff`` (Prop IV.1, both directions, over every activation of
:data:`~landscape.landscapes.activations.NEURON_ACTIVATIONS`) and ``nonstrict-bad-min-property-pt``
(Fig. 2 and Def IV.1: a sub-optimal non-strict minimum of a function with Property PT, the
cavity in the proof of Claim IV.1); falsified variants at the end.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from hypothesis import strategies as st

from landscape.certificates.registry import CheckResult, replayable
from landscape.certificates.replay import replay_data
from landscape.landscapes.activations import NEURON_ACTIVATIONS, T, activation_named
from landscape.landscapes.base import Landscape, loss_at
from landscape.landscapes.networks import SingleNeuron
from landscape.oracles.activation_zeros import (
    Zero,
    predicts_bad_minimum,
    side_sign,
    zeros,
)
from landscape.oracles.classify import PointClass, Tolerances, classify
from landscape.oracles.minimum_certificate import minimum_checks, sub_optimality_check
from landscape.oracles.symbolic import exact
from landscape.theorems.common import certified, certify, survey
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem

POSITION = 40  # place in the catalogue (landscape.theorems.catalogue)


@functools.lru_cache(maxsize=None)
def criterion(name: str) -> Zero | None:
    """Prop IV.1's criterion for the named activation, decided by the symbolic oracle (cached)."""
    return predicts_bad_minimum(activation_named(name, NEURON_ACTIVATIONS))


@functools.lru_cache(maxsize=None)
def maximum_criterion(name: str) -> Zero | None:
    """A wrong criterion (a falsified variant's): a zero of phi that is a local *maximum*
    (phi <= 0 on both sides); zeros that are minima, like t^2's, are dropped."""
    return next((z for z in zeros(activation_named(name, NEURON_ACTIVATIONS)) if z.left <= 0 and z.right <= 0), None)


LINE_SCALES = (0.5, 2.0)  # v = +-s|y| on a critical line {w = t0/x}: both signs, inside and beyond |y|


def analytic_critical_points(landscape: SingleNeuron) -> list[tuple[str, np.ndarray]]:
    r"""The non-global critical set of F, from the exact zeros of phi.

    dF/dv = -2(y - v phi) phi and dF/dw = -2(y - v phi) v phi'(wx) x, so a critical point with
    F != 0 has phi(wx) = 0 and v phi'(wx) = 0: the points (t_0/x, 0) for every zero t_0, the
    whole line {w = t_0/x} where also phi'(t_0) = 0 (sampled at v = +-s|y|, s in LINE_SCALES:
    both signs of v y, which decide minimum or saddle there), and the origin.  These are where a
    sub-optimal minimum would be, at loss y^2, and where descent from random starts rarely ends
    (the line minima are non-strict, and a search ends near them, not on them)."""
    lines: list[tuple[str, np.ndarray]] = []  # first: where a bad minimum would be, cheap to classify
    points: list[tuple[str, np.ndarray]] = []
    expression = landscape.activation.expression
    for zero in zeros(landscape.activation):
        w0 = float(zero.location) / landscape.x
        points.append((f"zero t0 = {zero.location}, v = 0", np.array([w0, 0.0])))
        if zero.interval or sympy.simplify(sympy.diff(expression, T).subs(T, zero.location)) == 0:
            for scale in LINE_SCALES:
                for sign in (1.0, -1.0):
                    v = sign * scale * abs(landscape.y)
                    lines.append((f"critical line t0 = {zero.location}, v = {v:g}", np.array([w0, v])))
    if not any(np.array_equal(point, np.zeros(2)) for _, point in points):
        points.append(("origin", np.zeros(2)))
    return lines + points


UNRESOLVED_LOSS_RTOL = 1e-9  # a candidate at loss >= y^2 (1 - this) is where a bad minimum would be
GRADIENT_DIGITS = 60  # digits of the gradient at a float point that the classifier left unresolved
GRADIENT_NONZERO = 1e-40  # |grad F| above this at GRADIENT_DIGITS digits: far above their rounding (1e-60 x scale)


def exact_gradient_norm(landscape: SingleNeuron, point: np.ndarray) -> float:
    """|grad F| at the float point, evaluated from the exact loss in GRADIENT_DIGITS digits.

    A search end point heading for an asymptote (sigmoid, softplus: phi(wx) -> 0 as w -> -inf)
    has a float64 gradient below every tolerance, so the classifier calls it second-order
    stationary, yet it is not critical: dF/dv = -2(y - v phi)phi != 0 whenever phi(wx) != 0 and
    F != 0.  Evaluated this precisely the gradient shows it."""

    symbols, expression = landscape.symbolic()
    at = dict(zip(symbols, (exact(float(v)) for v in point)))
    parts = [sympy.diff(expression, symbol).subs(at).evalf(GRADIENT_DIGITS) for symbol in symbols]
    return float(sympy.sqrt(sum(p**2 for p in parts)).evalf(GRADIENT_DIGITS))


ACTIVATIONS_PER_INSTANCE = 3


@dataclass(frozen=True, slots=True)
class NeuronData:
    """One sample (x, y), both non-zero (Prop IV.1's hypothesis), and the activations to check."""

    x: float
    y: float
    activations: tuple[str, ...] = tuple(NEURON_ACTIVATIONS)


def neuron_data(per_instance: int = ACTIVATIONS_PER_INSTANCE) -> st.SearchStrategy[NeuronData]:
    """(x, y) non-zero halves and ``per_instance`` activations from a random permutation of the
    family (a search per activation costs ~1 s: the quick budget's 6 instances cover most of the
    family, ``standard``'s 25 all of it with near certainty; the criterion for every activation is
    also checked by tests/test_nonlinear.py)."""
    scalar = st.integers(-8, 8).filter(bool).map(lambda k: k / 2)
    names = st.permutations(list(NEURON_ACTIVATIONS)).map(lambda order: tuple(order[:per_instance]))
    return st.builds(NeuronData, scalar, scalar, names)


def predicted_point(landscape: SingleNeuron, zero: Zero) -> np.ndarray:
    """(w_0, v_0) = (t_0/x, v_0) with sign(v_0) * s = -sign(y) (see activation_zeros)."""
    sign = zero.side_sign or 1
    v0 = -float(np.sign(landscape.y)) * sign
    return np.array([float(zero.location) / landscape.x, v0])


@replayable("single-neuron-sign-argument")
def _check_sign_argument(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Exact: phi(w_0 x) = 0 and v * phi(wx) * y <= 0 near (w_0, v_0), so F >= y^2 = F(point)."""
    if not isinstance(landscape, SingleNeuron) or point[1] == 0.0:
        return CheckResult("single-neuron-sign-argument", False, "needs a single-neuron landscape and v_0 != 0")
    expression = landscape.activation.expression
    # t0/x is rarely a float64: the exact argument runs at the rational w0 = t0/x recorded in
    # ``args``, which must lie within a few ulps of the certificate's float point.
    w0 = sympy.Rational(str(args["w0"])) if "w0" in args else exact(point[0])
    if abs(float(w0) - point[0]) > 4.0 * np.finfo(np.float64).eps * max(1.0, abs(point[0])):
        return CheckResult("single-neuron-sign-argument", False, f"the exact point w0 = {w0} is not within rounding of {point[0]!r}")
    t0 = w0 * exact(landscape.x)
    if sympy.simplify(expression.subs(T, t0)) != 0:
        return CheckResult("single-neuron-sign-argument", False, f"phi(w_0 x) = phi({t0}) is not exactly 0")
    # Inside an interval of zeros phi vanishes on both sides; otherwise read the one-sided signs.
    signs = [0, 0] if _interval_zero(expression, t0) else [side_sign(expression, t0, side) for side in (-1, 1)]
    products = [s * float(np.sign(point[1])) * float(np.sign(landscape.y)) for s in signs]
    passed = all(p <= 0 for p in products)
    return CheckResult(
        "single-neuron-sign-argument", passed,
        f"phi({t0}) = 0 exactly; sign of phi left/right of it: {signs}; sign(v_0) = {int(np.sign(point[1]))}, "
        f"sign(y) = {int(np.sign(landscape.y))}: v phi y <= 0 nearby, so F >= y^2 = F(point) on a neighbourhood",
    )


def _interval_zero(expression: sympy.Expr, t0: sympy.Expr) -> bool:
    """Whether t0 is interior to an interval on which phi vanishes."""
    solutions = sympy.solveset(expression, T, sympy.S.Reals)
    parts = solutions.args if isinstance(solutions, sympy.Union) else (solutions,)
    return any(isinstance(p, sympy.Interval) and p.start < t0 < p.end for p in parts)


def _exact_zero_weight(landscape: SingleNeuron, point: np.ndarray) -> sympy.Rational:
    """The rational w0 = t0/x nearest the float point, t0 an exact zero of phi (else the point)."""
    x = exact(landscape.x)
    for zero in zeros(landscape.activation):
        candidate = sympy.nsimplify(zero.location) / x
        if candidate.is_Rational and abs(float(candidate) - point[0]) <= 4.0 * np.finfo(np.float64).eps * max(1.0, abs(point[0])):
            return candidate
    return exact(point[0])


def certify_bad_minimum(theorem_id: str, role: str, landscape: SingleNeuron, point: np.ndarray, context: Context, seed: int):  # type: ignore[no-untyped-def]
    """Classify ``point`` against the optimum 0 and certify it as a sub-optimal local minimum
    (Morse-Bott or locally constant, plus the exact sign argument and the interpolating point)."""
    optimum = landscape.optimum()
    found = classify(landscape, point, optimum.value, context.tolerances, seed, context.budget.probe_directions)
    if found.kind is not PointClass.LOCAL_MINIMUM:
        return found, None, "not a local minimum"
    reached = minimum_checks(landscape, point, seed)
    if reached is None:
        return found, None, "no minimum certificate"
    level, checks = reached
    level = "exact sign argument + " + level
    better_value = loss_at(landscape, optimum.point)
    w0 = _exact_zero_weight(landscape, point)
    checks += [{"name": "single-neuron-sign-argument", "args": {"w0": str(w0)}},
               sub_optimality_check(landscape, point, found.loss, optimum.point, better_value, optimum.method, checks)]
    claim = (f"(y - v phi(wx))^2, phi = {landscape.activation.formula}, (x, y) = ({landscape.x}, {landscape.y}): "
             f"(w, v) = ({point[0]:.6g}, {point[1]:.6g}) is a sub-optimal local minimum, loss {found.loss:.6g} > 0; {level}")
    cert = certify(theorem_id, role, claim, landscape, point, found, context, seed, extra_checks=checks)
    if cert is not None:
        cert.facts["certification_level"] = level
    return found, cert, claim


def iff_check(theorem_id: str, restarts: int | None = None, predicts=criterion):  # type: ignore[no-untyped-def]
    """Both directions of Prop IV.1 for the instance's activations.  Where no bad minimum is
    predicted, the survey classifies the analytic critical set (:func:`analytic_critical_points`)
    and the search's end points; a sub-optimal local minimum among them is a counterexample (the
    exact sign argument certifies it when it lies on the analytic set), and a candidate at loss
    >= y^2 that the classifier cannot resolve makes the instance inconclusive.  ``predicts`` is
    the criterion (a variant passes a wrong one)."""

    def check_instance(data: NeuronData, context: Context) -> Evidence:
        seed = context.seed_for(data)
        counts: Counter[str] = Counter()
        witnessed, searched = [], []
        starts = max(8, context.budget.restarts // 4) if restarts is None else restarts
        for name in data.activations:
            landscape = SingleNeuron(name, data.x, data.y)
            zero = predicts(name)
            if zero is not None:
                found, cert, claim = certify_bad_minimum(theorem_id, "witness", landscape, predicted_point(landscape, zero), context, seed)
                counts[found.kind.value] += 1
                if cert is None:
                    return Evidence(Outcome.INCONCLUSIVE, f"{name}: predicted bad minimum not certified ({claim})", None, counts)
                witnessed.append(name)
                continue
            analytic = analytic_critical_points(landscape)
            counts["analytic critical-set point"] += len(analytic)
            optimum = landscape.optimum().value
            unresolved = []
            for label, point, kind, on_set in _converse_candidates(landscape, analytic, optimum, starts, context, seed):
                counts[kind.kind.value] += 1
                if kind.kind is PointClass.LOCAL_MINIMUM:
                    return _converse_counterexample(theorem_id, name, landscape, label, point, kind, on_set,
                                                    context, seed, counts, starts * (len(searched) + 1))
                if kind.kind is PointClass.SECOND_ORDER_STATIONARY and kind.loss >= landscape.y**2 * (1 - UNRESOLVED_LOSS_RTOL):
                    if exact_gradient_norm(landscape, point) > GRADIENT_NONZERO:
                        counts["not critical (exact gradient, 60 digits)"] += 1
                    else:
                        unresolved.append(label)
            if unresolved:
                counts["unresolved at loss >= y^2"] += len(unresolved)
                return Evidence(Outcome.INCONCLUSIVE, f"{name}: {len(unresolved)} candidates at loss >= y^2 left unresolved "
                                f"({', '.join(unresolved[:3])})", None, counts, starts * (len(searched) + 1))
            searched.append(f"{name} ({len(analytic)} analytic points)")
        message = (f"(x, y) = ({data.x}, {data.y}): bad minimum predicted and certified for {', '.join(witnessed) or 'none'}; "
                   f"none predicted and none found (the analytic critical set and {starts} starts each) for "
                   f"{', '.join(searched) or 'none'}")
        return Evidence(Outcome.SUPPORTS, message, None, counts, starts * len(searched))

    return check_instance


def _converse_candidates(landscape, analytic, optimum, starts, context, seed):  # type: ignore[no-untyped-def]
    """(label, point, classification, on the analytic set), classified lazily: the analytic set
    first (a counterexample there ends the survey before the random search), then the search's
    end points."""
    for label, point in analytic:
        yield label, point, classify(landscape, point, optimum, context.tolerances, seed, context.budget.probe_directions), True
    if starts > 0:
        for label, point, kind in survey(landscape, context, seed, restarts=starts).items():
            yield label, point, kind, False


def _converse_counterexample(theorem_id, name, landscape, label, point, kind, analytic, context, seed, counts, restarts) -> Evidence:  # type: ignore[no-untyped-def]
    """A sub-optimal local minimum where none was predicted: on the analytic critical set the
    exact sign argument and the minimum certificate prove it; elsewhere the classification."""
    claim = f"{name}: no bad minimum predicted, yet {label} is a local minimum [{kind.level}], loss {kind.loss:.6g} > 0"
    cert = None
    if analytic:
        _, cert, proved = certify_bad_minimum(theorem_id, "counterexample", landscape, point, context, seed)
        claim = f"{name}: no bad minimum predicted, yet {label}: {proved}" if cert is not None else claim
    if cert is None:
        cert = certify(theorem_id, "counterexample", claim, landscape, point, kind, context, seed)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, restarts)


SINGLE_NEURON_IFF = Theorem(
    id="single-neuron-bad-min-iff",
    title="Single neuron: a sub-optimal local minimum exists iff some zero of phi is a local extremum",
    source="001 Prop IV.1",
    statement=(
        "$F(w, v) = (y - v\\,\\phi(wx))^2$ with $x, y \\ne 0$ has no sub-optimal local minimum iff no zero of "
        "$\\phi$ is a local extremum of $\\phi$.  Checked in both directions over eleven activations (ReLU, $t^2$, "
        "$t^2 + 1$, $-(t-1)^2/8$, sigmoid, tanh, softplus, leaky ReLU, $t^3$, swish, $1 - e^{-t^2}$); the criterion "
        "is decided by the symbolic oracle."
    ),
    expectation=Expectation.HOLDS,
    instances=neuron_data,
    check=iff_check("single-neuron-bad-min-iff"),
    hypotheses=("x != 0, y != 0", f"{ACTIVATIONS_PER_INSTANCE} activations per instance from a permutation of the family"),
)


# -- Fig. 2: the non-strict sub-optimal minimum and Property PT ------------------------------

FIG2 = "negative-shifted-square"


@dataclass(frozen=True, slots=True)
class PTInstance:
    """The point (w, v) = (1, v_0) of (1 - v phi(w))^2, phi = -(z-1)^2/8, and a perturbation eps."""

    v0: float
    eps: float


def pt_instances() -> st.SearchStrategy[PTInstance]:
    return st.builds(PTInstance, st.sampled_from([1.0, 0.5, 2.0, 3.0]), st.sampled_from([0.25, 0.5, 0.125, 1.0 / 16]))


@replayable("property-pt-path")
def _check_property_pt(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Exact: for each eps, from (w_0 + eps, v_0) the segment v: v_0 -> -y/phi(w_0 + eps) (w fixed)
    has F strictly decreasing (dF/ds < 0 on [0, 1)) and F = 0 = inf F at its end."""
    if not isinstance(landscape, SingleNeuron):
        return CheckResult("property-pt-path", False, "needs a single-neuron landscape")
    s = sympy.Symbol("s", real=True)
    x, y = exact(landscape.x), exact(landscape.y)
    details = []
    for eps_value in args["eps"]:
        eps = exact(eps_value)
        w = exact(point[0]) + eps
        phi = landscape.activation.expression.subs(T, w * x)
        if phi == 0:
            return CheckResult("property-pt-path", False, f"phi vanishes at the perturbed point (eps = {eps})")
        v_end = y / phi
        v = exact(point[1]) + s * (v_end - exact(point[1]))
        loss = sympy.expand((y - v * phi) ** 2)
        slope = sympy.Poly(sympy.diff(loss, s), s)
        roots_before_end = [r for r in sympy.real_roots(slope) if 0 <= r < 1]
        decreasing = not roots_before_end and slope.eval(0) < 0
        reaches = sympy.simplify(loss.subs(s, 1)) == 0
        if not (decreasing and reaches):
            return CheckResult("property-pt-path", False, f"eps = {eps}: path not strictly decreasing to 0")
        details.append(f"{float(eps):.3g}")
    return CheckResult(
        "property-pt-path", True,
        f"for perturbations eps in {{{', '.join(details)}}} of w: F strictly decreasing along v -> y/phi(w + eps), "
        "ending at F = 0 (exact, sympy)",
    )


def pt_check(theorem_id: str, with_perturbation: bool = True):  # type: ignore[no-untyped-def]
    """Witness (Fig. 2): (w, v) = (1, v_0) is a sub-optimal non-strict minimum and Property PT
    holds there.  Variant: no perturbation is needed (the minimum itself refutes it)."""

    def check_instance(instance: PTInstance, context: Context) -> Evidence:
        seed = context.seed_for(instance)
        landscape = SingleNeuron(FIG2, 1.0, 1.0)
        point = np.array([1.0, instance.v0])
        role = "witness" if with_perturbation else "counterexample"
        found, cert, claim = certify_bad_minimum(theorem_id, role, landscape, point, context, seed)
        counts = Counter({found.kind.value: 1})
        if cert is None:
            return Evidence(Outcome.INCONCLUSIVE, f"(w, v) = (1, {instance.v0}): {claim}", None, counts)
        if not with_perturbation:
            claim = f"(w, v) = (1, {instance.v0}) is itself a local minimum: no strictly decreasing path leaves it; " + claim
            cert.claim = claim
            return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
        eps = [instance.eps / 2**k for k in range(4)]
        cert.checks.append({"name": "property-pt-path", "args": {"eps": eps}})
        cert.claim = claim + f"; Property PT: perturbations eps = {eps[0]:.3g} .. {eps[-1]:.3g} start strictly decreasing paths to F = 0"

        if not replay_data(cert.to_json()).passed:
            return Evidence(Outcome.INCONCLUSIVE, "Property PT path check failed", None, counts)
        return certified(Outcome.WITNESS, cert.claim, cert, counts, 0)

    return check_instance


NONSTRICT_PT = Theorem(
    id="nonstrict-bad-min-property-pt",
    title="Fig. 2: a sub-optimal non-strict local minimum of a function with Property PT",
    source="001 Fig. 2 and Def IV.1",
    statement=(
        "$\\phi(z) = -(z-1)^2/8$, $(x, y) = (1, 1)$: $(w, v) = (1, 1)$ is a sub-optimal, non-strict local minimum of "
        "$(1 - v\\phi(w))^2$, yet an arbitrarily small perturbation starts a strictly decreasing path to the global "
        "minimum (Property PT): Property PT does not exclude sub-optimal minima."
    ),
    expectation=Expectation.WITNESSED,
    instances=pt_instances,
    check=pt_check("nonstrict-bad-min-property-pt"),
    hypotheses=("v_0 > 0 (v_0 = 1 is the seed's point)", "perturbation of w by eps, halved three times"),
)


def _zero_point_check(data: NeuronData, context: Context) -> Evidence:
    """Variant: every zero of phi gives a bad minimum (extremum hypothesis dropped)."""
    seed = context.seed_for(data)
    counts: Counter[str] = Counter()
    for name in ("tanh", "cube", "swish"):
        landscape = SingleNeuron(name, data.x, data.y)
        zero = zeros(activation_named(name, NEURON_ACTIVATIONS))[0]
        point = predicted_point(landscape, zero)
        found = classify(landscape, point, 0.0, context.tolerances, seed, context.budget.probe_directions)
        counts[found.kind.value] += 1
        if found.kind is not PointClass.LOCAL_MINIMUM:
            claim = f"{name}: the zero t0 = {zero.location} is not an extremum; (w, v) = ({point[0]:.3g}, {point[1]:.3g}) is a {found.kind.value} [{found.level}]"
            cert = certify("variant-single-neuron-any-zero-bad-min", "counterexample", claim, landscape, point, found, context, seed, exact=False)
            return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
    return Evidence(Outcome.SUPPORTS, "every zero point was a local minimum", None, counts)


MINIMUM_ZERO_ACTIVATIONS = ("square",)  # a zero that is a minimum of phi, not a maximum


def minimum_zero_data() -> st.SearchStrategy[NeuronData]:
    """(x, y) non-zero halves; the activations whose zeros are minima of phi."""
    scalar = st.integers(-8, 8).filter(bool).map(lambda k: k / 2)
    return st.builds(NeuronData, scalar, scalar, st.just(MINIMUM_ZERO_ACTIVATIONS))


VARIANTS = [
    Theorem(
        id="variant-single-neuron-maximum-zero-criterion",
        title="(false) A single neuron has a bad local minimum iff some zero of phi is a local maximum",
        source="001 Prop IV.1 with 'local extremum' narrowed to 'local maximum'",
        statement=("Wrong criterion: zeros that are minima of $\\phi$ ($t^2$, $1 - e^{-t^2}$) are dropped, so no bad minimum "
                   "is predicted there; the converse survey of the analytic critical set finds the non-strict minima on the "
                   "line $w = 0$, $v y < 0$, certified by the exact sign argument."),
        expectation=Expectation.HOLDS,
        instances=minimum_zero_data,
        check=iff_check("variant-single-neuron-maximum-zero-criterion", restarts=0, predicts=maximum_criterion),
        hypotheses=("x != 0, y != 0", "no random starts: the analytic critical set alone"),
        falsifies="single-neuron-bad-min-iff",
    ),
    Theorem(
        id="variant-single-neuron-any-zero-bad-min",
        title="(false) Any zero of phi gives the single neuron a bad local minimum",
        source="001 Prop IV.1 with 'the zero is a local extremum' dropped",
        statement="Dropped hypothesis: for tanh, t^3 and swish (zeros that are not extrema) the zero point is claimed a bad minimum.",
        expectation=Expectation.HOLDS,
        instances=lambda: neuron_data(1),
        check=_zero_point_check,
        hypotheses=("x != 0, y != 0",),
        falsifies="single-neuron-bad-min-iff",
    ),
    Theorem(
        id="variant-property-pt-without-perturbation",
        title="(false) From the Fig. 2 point itself a strictly decreasing path reaches the global minimum",
        source="001 Def IV.1 with the perturbation dropped (the cavity of the proof of Claim IV.1)",
        statement="Dropped hypothesis: Property PT read without its perturbation.  The point is a local minimum.",
        expectation=Expectation.HOLDS,
        instances=pt_instances,
        check=pt_check("variant-property-pt-without-perturbation", with_perturbation=False),
        hypotheses=("v_0 > 0",),
        falsifies="nonstrict-bad-min-property-pt",
    ),
]

THEOREMS = [SINGLE_NEURON_IFF, NONSTRICT_PT]
