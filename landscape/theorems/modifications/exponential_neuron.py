r"""The exponential neuron (seed 001 §VI-B, Thm VI.1, Liang et al. [36]):
``exponential-neuron-no-bad-min`` (``holds``, see :func:`exponential_check`) and its falsified
variants at the end.

The setting is the one where the theorem has content: the *original* loss L_n has bad local
minima.  Liang et al.'s loss assumption, as we read it: l(z) of z = -y f is non-decreasing and twice
differentiable, and every critical point of l is a global minimum, at some z < 0 (the loss is
minimal beyond a margin); their polynomial hinge max(0, 1 - y f)^p with p = 3 is the loss here.
The seed transcribes the theorem with the logistic loss, which has no critical point at all.  Data are
bump labels on scalar inputs that a (1, 2, 1) ReLU net classifies with margin 1.5 (an explicit
teacher), so min L_n = min L~ = 0 exactly, attained; with two units the net also has searched,
certified sub-optimal minima (:mod:`landscape.theorems.modifications.relu_hinge`).

The proof's mechanism, at a point with a = 0: the loss does not depend on (w, b), and
d L~ / d a = S(w, b) = (1/n) sum_i l'_i e^{w.x_i + b}.  At a bad minimum of L_n some residual
l'_i is non-zero, so S is non-zero for some (w, b) (the e^{w x_i} are linearly independent for
distinct x_i): the lifted point is not critical, and since l is convex, a -> L~(theta, a, w, b) is
convex and falls strictly from a = 0 in the direction -sign S.  With the logistic loss l' never
vanishes, so the same argument shows that L~ has *no* local minimum at all on distinct inputs
(Thm VI.1(i) fails; its infimum 0 is approached along a decreasing path to infinity): a refuted
variant below.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.certificates.registry import CheckResult, replayable
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.mlp import MLP
from landscape.landscapes.modified_nets import ExponentialNeuronNet
from landscape.oracles.classify import Tolerances
from landscape.oracles.minimum_certificate import strict_minimum_radius
from landscape.searching.critical_points import search
from landscape.theorems.common import certified
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.modifications.common import (
    checks_certificate,
    rows,
    small_search,
)
from landscape.theorems.modifications.relu_hinge import (
    MARGIN_GAP,
    ROUNDING,
    BumpData,
    bump_data,
    local_minimum_figures,
    reduced,
)

POSITION = 141  # place in the catalogue (landscape.theorems.catalogue)

WIDTHS = (1, 2, 1)
ACTIVE_FLOOR = 1e-6  # |a| at least this at a certified minimum breaks (ii)
GRADIENT_FLOOR = 1e-6  # |grad L~| above this x loss scale: the end point is not critical (rounding is ~1e-15)
NEURON_SLOPES = (-2.0, -1.0, 0.0, 1.0, 2.0)  # the w tried for the lifted neuron (b = 0)
REACH_RTOL = 1e-2  # an end point within this x max(1, |point|) of a zero-loss point has reached that minimum
PATH_POINTS = 17  # grid of the a-segment shown decreasing at the lifted point


@dataclass(frozen=True, slots=True)
class ExponentialInstance:
    """Bump data, lambda and the loss (``hinge3``: the theorem's; ``logistic``: the seed's eq. (7))."""

    data: BumpData
    regulariser: float
    loss: str = "hinge3"

    def landscape(self) -> ExponentialNeuronNet:
        return ExponentialNeuronNet(WIDTHS, "relu", np.array([self.data.x]), self.data.labels()[None], self.regulariser, self.loss)

    def teacher_point(self) -> np.ndarray:
        """The teacher with the exponential neuron off (a = 0, w = 0, b = 0)."""
        return np.concatenate([self.data.teacher(), np.zeros(3)])


def exponential_instances(*, regularisers: tuple[float, ...] = (0.1, 1.0), loss: str = "hinge3") -> st.SearchStrategy[ExponentialInstance]:
    """Bump data (:func:`~landscape.theorems.modifications.relu_hinge.bump_data`), lambda drawn from ``regularisers``."""
    return st.builds(ExponentialInstance, bump_data(), st.sampled_from(regularisers), st.just(loss))


def _neuron_terms(landscape: ExponentialNeuronNet, point: np.ndarray) -> tuple[float, np.ndarray, float]:
    """(a, e^{w.x_i + b} (n,), b) at ``point``."""
    a = float(point[landscape.a_index])
    w = point[landscape.a_index + 1 : landscape.b_index]
    b = float(point[landscape.b_index])
    return a, np.exp(w @ landscape.x + b), b


def lift_figures(landscape: ExponentialNeuronNet, point: np.ndarray, minimum: dict[str, Any] | None = None) -> dict[str, Any]:
    r"""At ``point`` = (theta*, a = 0, w, b) with theta* certified near a local minimum theta° of L_n
    (:func:`~landscape.theorems.modifications.relu_hinge.local_minimum_figures`): S* = d L~/d a at
    theta*, and a bound on |S° - S*| (S° at theta°): each output moves by at most
    ||Phi_i|| x move, and l' = -3 y (1 - m)_+^2 is Lipschitz with constant 6 ((1 - m)_+ + move) there.
    |S*| above the bound makes S° != 0: (theta°, 0, w, b) is not critical for L~.  ``minimum`` is
    the certificate of theta* when the caller has it already."""
    base = landscape.base_network()
    theta = np.asarray(point[: landscape.base_params], dtype=np.float64)
    minimum = local_minimum_figures(base, theta) if minimum is None else minimum
    a, exponentials, _ = _neuron_terms(landscape, point)
    figures: dict[str, Any] = {"a": a, "minimum": minimum}
    if a != 0.0 or not minimum["certified"]:
        return {**figures, "certified": False}
    part = reduced(base, theta)
    moved = np.linalg.norm(part.design, axis=1) * minimum["move"]
    gap = np.maximum(0.0, 1.0 - part.margins)
    residuals = -3.0 * landscape.y[0] * gap**2
    slope = float(np.mean(residuals * exponentials))
    error = float(np.mean(exponentials * 6.0 * (gap + moved) * moved)) + ROUNDING * float(np.mean(np.abs(residuals) * exponentials))
    figures.update(slope=slope, slope_error=error, residual_max=float(np.abs(residuals).max()))
    return {**figures, "certified": abs(slope) > error}


def segment_losses(landscape: ExponentialNeuronNet, point: np.ndarray, slope: float) -> np.ndarray:
    """L~ on a grid of the a-segment from ``point`` towards -sign(slope), up to half the Newton step
    -S / g''(0) of the convex function g(a) = L~(theta, a, w, b)."""
    a, exponentials, _ = _neuron_terms(landscape, point)
    outputs = landscape.outputs(rows(point))[0, 0].numpy()
    curvature = float(np.mean(6.0 * np.maximum(0.0, 1.0 - landscape.y[0] * outputs) * exponentials**2)) + landscape.regulariser
    end = -0.5 * slope / max(curvature, 1e-300)
    points = np.repeat(point[None, :], PATH_POINTS, axis=0)
    points[:, landscape.a_index] = a + np.linspace(0.0, end, PATH_POINTS)
    return landscape.loss(torch.as_tensor(points, dtype=DTYPE)).numpy()


@replayable("exp-neuron-lift-not-minimum")
def _check_lift(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """A certified bad local minimum theta° of L_n near theta*, lifted with a = 0: d L~/d a != 0 there
    (:func:`lift_figures`), so the lift is not a local minimum of L~; a -> L~ is convex, so the
    segment towards -sign S falls strictly (its grid at theta* is re-evaluated)."""
    if not isinstance(landscape, ExponentialNeuronNet) or landscape.loss_name != "hinge3":
        return CheckResult("exp-neuron-lift-not-minimum", False, "needs an exponential-neuron net with the hinge3 loss")
    figures = lift_figures(landscape, np.asarray(point, dtype=np.float64))
    minimum = figures["minimum"]
    if not figures["certified"]:
        why = "a != 0" if figures["a"] != 0.0 else minimum.get("reason") or "|S*| not above its error bound"
        return CheckResult("exp-neuron-lift-not-minimum", False, f"not certified: {why}")
    losses = segment_losses(landscape, np.asarray(point, dtype=np.float64), figures["slope"])
    falling = bool((np.diff(losses) < 0).all())
    bad = minimum["value_at_least"] >= float(args["value_at_least"]) > 0.0
    return CheckResult(
        "exp-neuron-lift-not-minimum", falling and bad,
        f"theta: a local minimum of L_n with L_n >= {minimum['value_at_least']:.8g} > 0 = min L_n (bad: {bad}); lifted with "
        f"a = 0: dL~/da = {figures['slope']:.6g} (|error| <= {figures['slope_error']:.2g}), not critical; L~ along a falls "
        f"{losses[0]:.8g} -> {losses[-1]:.8g} (strictly on the grid: {falling})",
    )


@replayable("exp-neuron-active-minimum")
def _check_active_minimum(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """Every margin y_i f~(x_i) exceeds 1 + MARGIN_GAP (so the hinge3 data loss is exactly 0) and the
    penalty is 0: L~ = 0 = its global minimum (L~ >= 0), a local minimum at which |a| >= ``a_at_least``."""
    if not isinstance(landscape, ExponentialNeuronNet) or landscape.loss_name != "hinge3":
        return CheckResult("exp-neuron-active-minimum", False, "needs an exponential-neuron net with the hinge3 loss")
    theta = rows(point)
    margins = landscape.y[0] * landscape.outputs(theta)[0, 0].numpy()
    penalty = float(landscape.penalty(theta)[0])
    a = float(point[landscape.a_index])
    zero = bool(margins.min() > 1 + MARGIN_GAP) and penalty == 0.0
    passed = zero and abs(a) >= float(args["a_at_least"])
    return CheckResult(
        "exp-neuron-active-minimum", passed,
        f"min margin {margins.min():.6g} > 1 + {MARGIN_GAP:g} and penalty {penalty:.3g} (lambda = {landscape.regulariser}): "
        f"L~ = 0, a global minimum ({zero}); a = {a:.12g} (|a| >= {float(args['a_at_least']):.3g})",
    )


def _distinct_inputs(landscape: MLP) -> bool:
    return len({tuple(column) for column in landscape.x.T}) == landscape.n


@replayable("exp-neuron-logistic-no-minimum")
def _check_logistic(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    r"""The argument that L~ has no local minimum with the logistic loss, lambda > 0 and distinct inputs:
    a local minimum is critical, so a = 0 (lambda a^2 = a d_a L~ - d_b L~); at a = 0 the loss does not
    depend on (w, b), so every (theta, 0, w', b') nearby is a local minimum too and
    S(w', b') = (1/n) sum_i l'_i e^{w'.x_i + b'} = 0 on an open set, which for distinct x_i forces
    every l'_i = -y_i sigma(-y_i f_i) to vanish: impossible.  Checks the premises on the landscape
    and, at ``point`` (a = 0), that S is non-zero beyond rounding (the point is not critical)."""
    if not isinstance(landscape, ExponentialNeuronNet) or landscape.loss_name != "logistic":
        return CheckResult("exp-neuron-logistic-no-minimum", False, "needs an exponential-neuron net with the logistic loss")
    premises = landscape.regulariser > 0 and _distinct_inputs(landscape)
    a, exponentials, _ = _neuron_terms(landscape, point)
    outputs = landscape.outputs(rows(point))[0, 0].numpy()
    residuals = -landscape.y[0] / (1.0 + np.exp(landscape.y[0] * outputs))
    slope = float(np.mean(residuals * exponentials))
    error = 64 * float(np.finfo(np.float64).eps) * float(np.mean(np.abs(residuals) * exponentials))
    passed = premises and a == 0.0 and abs(slope) > error
    return CheckResult(
        "exp-neuron-logistic-no-minimum", passed,
        f"lambda = {landscape.regulariser} > 0 and {landscape.n} distinct inputs: {premises}; every l'_i != 0 (logistic), so "
        f"no local minimum exists; at the point a = {a:g} and dL~/da = {slope:.6g} (rounding <= {error:.2g})",
    )


# -- The property ---------------------------------------------------------------------------


def _bad_minima(instance: ExponentialInstance, context: Context, seed: int, counts: Counter[str]) -> list[tuple[np.ndarray, dict]]:
    """The end points of a search on L_n certified near a local minimum with L_n > 0, lowest first
    (half the starts, a quarter of the descent steps; a few refinement steps bring the reduced
    gradient within the radius argument's reach)."""
    base = instance.landscape().base_network()
    budget = context.budget
    found = search(base, max(8, budget.restarts // 2), max(50, budget.descent_steps // 4), max(5, budget.refine_steps // 8),
                   seed, context.device)
    counts["L_n end point"] += found.starts
    minima = []
    for point in found.points:
        figures = local_minimum_figures(base, point)
        if figures["certified"] and figures["value_at_least"] > 0:
            minima.append((point, figures))
    counts["certified bad minimum of L_n"] += len(minima)
    return sorted(minima, key=lambda item: item[1]["value_at_least"])


def _lifted(landscape: ExponentialNeuronNet, theta: np.ndarray, minimum: dict[str, Any]) -> tuple[np.ndarray, dict] | None:
    """(theta, a = 0, w, b = 0) with the w of :data:`NEURON_SLOPES` whose slope S is certified
    non-zero by the widest factor (and whose a-segment falls on its grid), or None."""
    best = None
    for w in NEURON_SLOPES:
        point = np.concatenate([theta, [0.0, w, 0.0]])
        figures = lift_figures(landscape, point, minimum)
        if figures["certified"] and (np.diff(segment_losses(landscape, point, figures["slope"])) < 0).all():
            ratio = abs(figures["slope"]) / max(figures["slope_error"], 1e-300)
            if best is None or ratio > best[2]:
                best = (point, figures, ratio)
    return None if best is None else best[:2]


@dataclass(slots=True)
class Judged:
    """What the end points of the search on L~ showed: counts, and a counterexample if one was certified."""

    counts: Counter[str]
    judged: int = 0
    reach: float = 0.0  # the largest distance from an end point to the minimum judged for it
    counterexample: tuple[np.ndarray, str, list[dict]] | None = None


def zero_loss_neighbour(landscape: ExponentialNeuronNet, point: np.ndarray) -> np.ndarray | None:
    """A point of L~ = 0 next to ``point``, or None.  With every margin m_i = y_i f~(x_i) > 0, the
    output layer and a times c = (1 + 2 MARGIN_GAP) / min m_i scale f~ by c (ReLU), so every margin
    exceeds 1 + MARGIN_GAP and the hinge3 data loss is 0; then a is set to 0 when lambda > 0 (the
    penalty must vanish too) and the base margins must still exceed 1 + MARGIN_GAP."""
    margins = landscape.y[0] * landscape.outputs(rows(point))[0, 0].numpy()
    if margins.min() <= 0:
        return None
    factor = (1 + 2 * MARGIN_GAP) / margins.min()
    scaled = np.array(point, dtype=np.float64)
    _, _, start, end = landscape.layers[-1]
    scaled[start:end] *= factor
    scaled[landscape.a_index] *= factor
    if landscape.regulariser > 0:
        scaled[landscape.a_index] = 0.0
    theta = rows(scaled)
    zero = (landscape.y[0] * landscape.outputs(theta)[0, 0].numpy()).min() > 1 + MARGIN_GAP and float(landscape.penalty(theta)[0]) == 0.0
    return scaled if zero else None


def _judge_modified(instance: ExponentialInstance, context: Context, seed: int) -> Judged:
    """Each end point of a search on L~ (half the starts, twice the budget's descent steps: the
    hinge's gradient fades as margins reach 1, so zero loss is approached slowly, never entered):
    within :data:`REACH_RTOL` of a point with L~ = 0 (:func:`zero_loss_neighbour`), the search has
    reached a certified global minimum, judged by (ii) (a = 0); otherwise it is not critical (|grad|
    above the floor) or, if a strict-minimum radius certificate holds, a bad local minimum (a
    counterexample to (iii)); else undecided."""
    landscape = instance.landscape()
    budget = context.budget
    found = search(landscape, max(8, budget.restarts // 2), 2 * budget.descent_steps, max(3, budget.refine_steps // 12), seed,
                   context.device)
    judged = Judged(Counter({"L~ end point": found.starts}))
    for point, gradient, loss in zip(found.points, found.gradient_norms, found.losses):
        neighbour = zero_loss_neighbour(landscape, point)
        distance = np.inf if neighbour is None else float(np.linalg.norm(neighbour - point))
        if distance <= REACH_RTOL * max(1.0, float(np.linalg.norm(point))):
            judged.judged += 1
            judged.reach = max(judged.reach, distance)
            a = float(neighbour[landscape.a_index])
            if abs(a) >= ACTIVE_FLOOR:
                claim = (f"{instance!r}: a global minimum of L~ (every margin > 1 + {MARGIN_GAP:g}, L~ = 0) at distance "
                         f"{distance:.2g} from a search end point, with a = {a:.6g} != 0")
                judged.counterexample = (neighbour, claim, [{"name": "exp-neuron-active-minimum", "args": {"a_at_least": 0.5 * abs(a)}}])
                return judged
            judged.counts["global minimum of L~ (a = 0) reached"] += 1
        elif gradient > GRADIENT_FLOOR * max(landscape.loss_scale(), float(loss)):
            judged.counts["L~ end point not critical"] += 1
        elif (strict := strict_minimum_radius(landscape, point, seed)) is not None:
            claim = f"{instance!r}: a certified strict local minimum of L~ with L~ = {loss:.6g} > 0 = min L~"
            judged.counterexample = (point, claim, [
                {"name": "strict-minimum-radius", "args": {"level": strict["level"], "ball_radius": strict["ball_radius"], "seed": seed}},
                {"name": "loss", "args": {"value": float(loss)}}])
            return judged
        else:
            judged.counts["L~ end point undecided"] += 1
    return judged


def exponential_check(instance: ExponentialInstance, context: Context) -> Evidence:
    r"""Thm VI.1 with the polynomial hinge: bad minima of L_n are searched and certified
    (relu_hinge), then lifted with a = 0 and shown not to be minima of L~ (d L~/d a != 0); the end
    points of a search on L~ are judged: every certified minimum must have a = 0 (ii) and L~ = 0 (iii).
    Decided where a certified bad minimum was lifted or a searched minimum of L~ judged."""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    counts: Counter[str] = Counter()
    lifts = []
    for theta, figures in _bad_minima(instance, context, seed, counts):
        lifted = _lifted(landscape, theta, figures)
        if lifted is not None:
            lifts.append((lifted[0], figures))
    counts["bad minimum of L_n lifted: not a minimum of L~"] += len(lifts)
    judged = _judge_modified(instance, context, seed)
    counts.update(judged.counts)
    restarts = counts["L_n end point"] + counts["L~ end point"]
    if judged.counterexample is not None:
        point, claim, checks = judged.counterexample
        cert = checks_certificate(context, claim, landscape, point, checks)
        return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, restarts)
    if not lifts and not judged.judged:
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: no bad minimum of L_n certified and lifted, no minimum of L~ "
                        f"reached ({dict(counts)})", None, counts, restarts)
    lowest = f" (lowest: L_n >= {lifts[0][1]['value_at_least']:.4g})" if lifts else ""
    minima = (f"{judged.judged} searched minima of L~ certified global with a = 0 (L~ = 0, within {judged.reach:.2g} of their "
              "end points)" if judged.judged else f"no end point of the {counts['L~ end point']} on L~ next to a minimum")
    return Evidence(
        Outcome.SUPPORTS,
        f"{instance!r}: {len(lifts)} of {counts['certified bad minimum of L_n']} certified bad minima of L_n lifted with "
        f"a = 0 to certified non-critical points of L~{lowest}; {minima}",
        None, counts, restarts,
    )


EXPONENTIAL_NEURON = Theorem(
    id="exponential-neuron-no-bad-min",
    title="An exponential neuron plus lambda a^2/2: bad minima of L_n stop being minima; every minimum has a = 0 and is global",
    source="001 Thm VI.1 (Liang et al. [36], Thm 1) with their loss assumption",
    statement=(
        "$\\tilde L = \\frac1n\\sum_i \\ell(y_i, f_\\theta(x_i) + a e^{w x_i + b}) + \\lambda a^2/2$ with the polynomial hinge "
        "$\\ell(y, z) = \\max(0, 1 - yz)^3$ (twice differentiable, zero beyond the margin) on data that $f_\\theta$ classifies: "
        "(ii) at every local minimum $a = 0$, (iii) every local minimum is global.  Here $L_n$ itself has bad local minima: "
        "searched and certified (reduced convex problem, float64 radius argument), each lifted with $a = 0$ to a point where "
        "$\\partial_a\\tilde L = \\frac1n\\sum_i \\ell'_i e^{w x_i + b} \\ne 0$ (certified), so not a minimum of $\\tilde L$; the "
        "minima a search on $\\tilde L$ reaches are certified global ($\\tilde L = 0$) with $a = 0$.  With the seed's logistic "
        "loss part (i) fails: $\\tilde L$ has no local minimum (variant)."
    ),
    expectation=Expectation.HOLDS,
    instances=exponential_instances,
    check=exponential_check,
    hypotheses=("loss max(0, 1 - yz)^3 (Liang et al.'s polynomial hinge, p = 3)", "(1, 2, 1) ReLU net with output bias",
                "bump labels on 4..6 distinct half-integer inputs in [-2, 2]: a teacher classifies them with margin 1.5",
                "lambda in {0.1, 1}"),
)


# -- Falsified variants -----------------------------------------------------------------------


def _original_loss_check(instance: ExponentialInstance, context: Context) -> Evidence:
    """Without the neuron, is every local minimum of L_n global?  The lowest certified bad minimum
    the search on L_n reaches, beside the teacher's L_n = 0."""
    seed = context.seed_for(instance)
    counts: Counter[str] = Counter()
    minima = _bad_minima(instance, context, seed, counts)
    if not minima:
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: no certified bad minimum of L_n ({dict(counts)})", None, counts,
                        counts["L_n end point"])
    point, figures = minima[0]
    base = instance.landscape().base_network()
    checks = [{"name": "relu-hinge-local-minimum", "args": {"value_at_least": 0.5 * figures["value_at_least"]}},
              {"name": "better-point", "args": {"point": [float(v) for v in instance.data.teacher()],
                                                "gap_at_least": 0.5 * figures["value_at_least"], "method": "bump teacher"}}]
    claim = (f"{instance!r}: a searched local minimum of L_n with L_n >= {figures['value_at_least']:.6g} "
             f"({figures['dead_units']} dead units) although the teacher has L_n = 0")
    return certified(Outcome.COUNTEREXAMPLE, claim, checks_certificate(context, claim, base, point, checks), counts,
                     counts["L_n end point"])


def _logistic_minimum_check(instance: ExponentialInstance, context: Context) -> Evidence:
    """Thm VI.1(i) with the logistic loss: does L~ have a local minimum?  No: the argument of
    :func:`_check_logistic`, whose premises hold here; the search's end points are all shown not
    critical, and from the teacher a strictly decreasing path (output layer times c) goes to inf = 0."""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    found = small_search(landscape, context, seed)
    floors = GRADIENT_FLOOR * np.maximum(landscape.loss_scale(), found.losses)
    counts = Counter({"L~ end point": found.starts, "L~ end point not critical": int((found.gradient_norms > floors).sum())})
    if counts["L~ end point not critical"] < found.starts:
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: an end point of the search is near-critical ({dict(counts)})",
                        None, counts, found.starts)
    point = instance.teacher_point()
    output = list(range(landscape.layers[-1][2], landscape.layers[-1][3]))
    checks = [{"name": "exp-neuron-logistic-no-minimum", "args": {}},
              {"name": "scaling-path-decrease", "args": {"coordinates": output, "degree": 1}}]
    claim = (f"{instance!r}, logistic loss: L~ has no local minimum (l' never vanishes, inputs distinct); all {found.starts} "
             f"search end points not critical (lowest L~ {found.losses.min():.4g}); from the teacher L~ falls strictly to "
             "inf 0, never attained")
    return certified(Outcome.COUNTEREXAMPLE, claim, checks_certificate(context, claim, landscape, point, checks), counts,
                     found.starts)


def _lift_survives_check(instance: ExponentialInstance, context: Context) -> Evidence:
    """Does a bad minimum of L_n stay a local minimum of L~ with the neuron off?  The lowest
    certified bad minimum of the search on L_n, lifted (a = 0, w of :data:`NEURON_SLOPES`, b = 0)."""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    counts: Counter[str] = Counter()
    for theta, figures in _bad_minima(instance, context, seed, counts):
        lifted = _lifted(landscape, theta, figures)
        if lifted is not None:
            point, lift = lifted
            checks = [{"name": "exp-neuron-lift-not-minimum", "args": {"value_at_least": 0.5 * figures["value_at_least"]}}]
            claim = (f"{instance!r}: a searched local minimum of L_n with L_n >= {figures['value_at_least']:.6g} > 0, lifted with "
                     f"a = 0, w = {point[landscape.a_index + 1]:g}, b = 0, has dL~/da = {lift['slope']:.6g} != 0: not a local "
                     "minimum of L~ (L~ falls strictly along a)")
            return certified(Outcome.COUNTEREXAMPLE, claim, checks_certificate(context, claim, landscape, point, checks), counts,
                             counts["L_n end point"])
    return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: no certified bad minimum of L_n could be lifted ({dict(counts)})",
                    None, counts, counts["L_n end point"])


VARIANTS = [
    Theorem(
        id="variant-exponential-neuron-bad-minimum-survives",
        title="(false) A bad local minimum of L_n, lifted with the neuron off (a = 0), stays a local minimum of L~",
        source="001 Thm VI.1 (wrong conclusion: the mechanism of its proof denied)",
        statement=("Wrong conclusion: a searched, certified bad minimum $\\theta^\\circ$ of $L_n$ lifted to "
                   "$(\\theta^\\circ, 0, w, 0)$ has $\\partial_a\\tilde L \\ne 0$ (certified), and $\\tilde L$ falls strictly along $a$."),
        expectation=Expectation.HOLDS,
        instances=exponential_instances,
        check=_lift_survives_check,
        hypotheses=("the theorem's setting",),
        falsifies="exponential-neuron-no-bad-min",
    ),
    Theorem(
        id="variant-exponential-neuron-no-regulariser",
        title="(false) Without lambda a^2/2 the exponential neuron is still inactive at every local minimum",
        source="001 Thm VI.1 with the regulariser dropped",
        statement=("Dropped hypothesis ($\\lambda = 0$): the search on $\\tilde L$ reaches zero-loss points, certified global "
                   "minima, at which $a \\ne 0$."),
        expectation=Expectation.HOLDS,
        instances=lambda: exponential_instances(regularisers=(0.0,)),
        check=exponential_check,
        hypotheses=("lambda = 0", "otherwise the theorem's setting"),
        falsifies="exponential-neuron-no-bad-min",
    ),
    Theorem(
        id="variant-exponential-neuron-original-loss",
        title="(false) Without the exponential neuron every local minimum of L_n is already global",
        source="001 Thm VI.1 with the modification dropped",
        statement=("Dropped modification: the search on $L_n$ reaches certified local minima with $L_n > 0$ while the teacher "
                   "has $L_n = 0$."),
        expectation=Expectation.HOLDS,
        instances=exponential_instances,
        check=_original_loss_check,
        hypotheses=("the theorem's setting, the neuron removed",),
        falsifies="exponential-neuron-no-bad-min",
    ),
    Theorem(
        id="variant-exponential-neuron-logistic-minimum",
        title="(false) Thm VI.1(i) with the logistic loss: the modified loss has a local minimum",
        source="001 Thm VI.1(i) with the seed's eq. (7) logistic loss",
        statement=("With $\\ell(y, z) = \\log(1 + e^{-yz})$, $\\lambda > 0$ and distinct inputs no local minimum exists: one would "
                   "have $a = 0$ and $\\sum_i \\ell'_i e^{w x_i} = 0$ for all $w$ near some $w^*$, forcing $\\ell'_i = 0$, which the "
                   "logistic loss never attains; the infimum 0 is approached along a strictly decreasing path to infinity."),
        expectation=Expectation.HOLDS,
        instances=lambda: exponential_instances(loss="logistic"),
        check=_logistic_minimum_check,
        hypotheses=("logistic loss", "otherwise the theorem's setting"),
        falsifies="exponential-neuron-no-bad-min",
    ),
]

THEOREMS = [EXPONENTIAL_NEURON]
