r"""Wide and narrow fully connected networks (seed 001 §IV-D, §IV-E).

Theorems: ``narrow-net-bad-strict-min`` (Prop IV.3, witnessed), ``wide-net-no-bad-basin``
(Thm IV.2, holds) and ``wide-net-no-spurious-valley`` (Thm IV.1, holds); falsified variants at
the end.  The constructions and path finders live in :mod:`landscape.oracles.wide`.

**Which activations satisfy Thm IV.1.**  The no-shift-combination condition fails for the
identity ((x - 1)/2 + (x + 1)/2 = x) and for t^3 (any cubic is a combination of four shifted
cubes: a 4 x 4 Vandermonde system), so neither is drawn.  Leaky ReLU satisfies it (the kinks of
sum_i lambda_i sigma(x - a_i) at a_i != 0 cannot cancel), and so does asinh (expanding
asinh(x - a) at infinity, sum_i lambda_i a_i^k = 0 for every k >= 1 would force the distinct
a_i to vanish); both are strictly increasing onto R.

**What a "holds" check can and cannot show.**  From every point examined (search end points for
Thm IV.2, random and rank-deficient points for Thm IV.1) the check builds a path that stays at
or below the start's loss and ends at a global minimum (squared loss: zero, an interpolant) or
strictly lower (logistic loss, whose infimum 0 is not attained).  A certified strict local
minimum that is sub-optimal would be a counterexample (a strict minimum is a setwise strict
minimum, a basin; and it lies in a spurious valley: :func:`~landscape.oracles.wide.valley_figures`).
A point from which no path is found is ``inconclusive``: failing to find a path proves nothing.
Search end points are nearly always interpolants, so Thm IV.2 is also judged where it bites:
at ReLU dead-unit plateaus and at the certified sigmoid duplicate-neuron minimum (p >= n),
each left by a certified flat path (:mod:`landscape.theorems.wide_nets.plateaus`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from landscape.oracles.classify import PointClass, classify
from landscape.landscapes.base import losses_at
from landscape.oracles.minimum_certificate import minimum_checks, sub_optimality_check
from landscape.landscapes.mlp import MLP
from landscape.searching.critical_points import search
from landscape.oracles.wide import (
    narrow_construction,
    narrow_interpolant,
    output_layer_end,
    path_to_lower,
    valley_figures,
)
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.wide_nets.plateaus import (
    DuplicateInstance,
    dead_plateau_point,
    duplicate_basin_check,
    duplicate_instances,
    flat_path_drop,
    redundant_minimum_check,
)

POSITION = 130  # place in the catalogue (landscape.theorems.catalogue)

QUICK_STARTS = 4  # search starts per instance at most (the property's cost is the classification)
NEAR_GLOBAL = 1e-9  # loss <= this x loss scale counts as a global minimum (squared loss: optimum 0)
LOWER_FRACTION = 0.5  # a logistic path must end below this fraction of the start's loss
NON_TRIVIAL_PATH = "path to lower loss through a hidden-weight move"  # the output layer alone did not get there


# -- instances ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScalarInputs:
    """Distinct scalar inputs x_1, ..., x_n (the narrow construction picks the outputs)."""

    x: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class NetInstance:
    """A fully connected network and its data: widths (d_0, ..., d_L, 1), X (d_0 x n), labels."""

    widths: tuple[int, ...]
    activation: str
    loss: str
    x: tuple[tuple[float, ...], ...]
    y: tuple[float, ...]

    def landscape(self) -> MLP:
        return MLP(self.widths, self.activation, np.array(self.x), np.array([self.y]), self.loss)


def scalar_inputs(min_n: int = 2, max_n: int = 4) -> st.SearchStrategy[ScalarInputs]:
    """n in [min_n, max_n] distinct inputs, multiples of 1/4 in [-3, 3]."""
    values = st.lists(st.integers(-12, 12), min_size=min_n, max_size=max_n, unique=True)
    return values.map(lambda v: ScalarInputs(tuple(k / 4 for k in v)))


@st.composite
def wide_instances(
    draw: st.DrawFn, activations: tuple[str, ...], losses: tuple[str, ...], max_n: int = 4, min_inner_width: int = 1
) -> NetInstance:
    """Last hidden width d_L in n..n+1, 1 or 2 hidden layers (an earlier one of width
    ``min_inner_width``..3), d_0 in 1..2 with the first input coordinate distinct across samples
    (Thm IV.2's hypothesis; it makes the samples distinct too)."""
    n = draw(st.integers(2, max_n))
    d0 = draw(st.integers(1, 2))
    first = draw(st.lists(st.integers(-8, 8), min_size=n, max_size=n, unique=True))
    rows = [tuple(k / 4 for k in first)] + [tuple(draw(st.lists(st.integers(-8, 8), min_size=n, max_size=n))) for _ in range(d0 - 1)]
    hidden = draw(st.lists(st.integers(min_inner_width, 3), min_size=0, max_size=1)) + [draw(st.integers(n, n + 1))]
    loss = draw(st.sampled_from(losses))
    if loss == "logistic":
        labels = draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n))
    else:
        labels = [k / 4 for k in draw(st.lists(st.integers(-8, 8), min_size=n, max_size=n))]
    return NetInstance((d0, *hidden, 1), draw(st.sampled_from(activations)), loss, tuple(rows), tuple(labels))


# -- the narrow construction, certified --------------------------------------------------------


def certify_bad_strict_minimum(theorem_id: str, role: str, inputs: ScalarInputs, context: Context, valley: bool = False) -> Evidence:
    """Build the narrow construction on ``inputs`` and certify its point: strict local minimum
    (radius certificate), sub-optimal (interpolant re-evaluated in float64); with ``valley``, also
    the spurious-valley certificate at a level between F(x*) and the sphere bound."""
    seed = context.seed_for(inputs)
    landscape, point = narrow_construction(np.array(inputs.x))
    where = f"(1, {landscape.n - 1}, 1) tilted-sine net, x={inputs.x}"
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    counts = Counter({found.kind.value: 1})
    better = narrow_interpolant(landscape, seed)
    reached = minimum_checks(landscape, point, seed) if found.kind is PointClass.LOCAL_MINIMUM else None
    if better is None or reached is None or not reached[0].startswith("strict"):
        return Evidence(Outcome.INCONCLUSIVE, f"{where}: constructed point is a {found.kind.value}, no strict certificate or interpolant", None, counts)
    level, checks = reached
    better_value = float(losses_at(landscape, better[None])[0])
    checks.append(sub_optimality_check(landscape, point, found.loss, better, better_value,
                                       "interpolant of the same width (det[S | y] = 0 by bisection)", checks))
    claim = f"{where}: a strict local minimum with loss {found.loss:.6g} > {better_value:.3g} (an interpolant); {level}"
    if valley:
        figures = valley_figures(landscape, point, seed)
        if figures is None or not better_value < figures["floor"]:
            return Evidence(Outcome.INCONCLUSIVE, f"{where}: no spurious-valley certificate", None, counts)
        checks.append({"name": "spurious-valley", "args": {"level": figures["level"], "better": [float(v) for v in better], "seed": seed}})
        claim += f"; the component of {{F <= {figures['level']:.12g}}} through it is a spurious valley"
    cert = certify(theorem_id, role, claim, landscape, point, found, context, seed, extra_checks=checks)
    if cert is not None:
        cert.facts["certification_level"] = level
    return certified(Outcome.WITNESS if role == "witness" else Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


def narrow_witness(inputs: ScalarInputs, context: Context) -> Evidence:
    return certify_bad_strict_minimum("narrow-net-bad-strict-min", "witness", inputs, context)


# -- Thm IV.2: no sub-optimal basin ------------------------------------------------------------


def _goal(landscape: MLP, value: float) -> float:
    """Squared loss: a global minimum (zero up to rounding); logistic: half the start's loss."""
    if landscape.loss_name == "squared":
        return NEAR_GLOBAL * landscape.loss_scale()
    return LOWER_FRACTION * value


def judge_points(theorem_id: str, landscape: MLP, points: np.ndarray, labels: list[str], context: Context, seed: int,
                 better: np.ndarray | None = None) -> Evidence:
    """For each point: near-global, or a path at or below its loss to lower loss (supports), or a
    certified sub-optimal strict minimum (counterexample), else undecided (inconclusive)."""
    values = losses_at(landscape, points)
    counts: Counter[str] = Counter()
    undecided = []
    for label, point, value in zip(labels, points, values):
        if landscape.loss_name == "squared" and value <= NEAR_GLOBAL * landscape.loss_scale():
            counts["near-global"] += 1
            continue
        path = path_to_lower(landscape, point, float(value), _goal(landscape, float(value)), seed)
        if path is not None:
            counts["path to lower loss" if len(path[0]) <= 2 else NON_TRIVIAL_PATH] += 1
            continue
        if flat_path_drop(landscape, point, seed) is not None:
            counts["flat path (redundant neurons) to lower loss"] += 1
            continue
        evidence = _strict_bad_minimum(theorem_id, landscape, point, float(value), better, context, seed, counts)
        if evidence is not None:
            return evidence
        counts["undecided"] += 1
        undecided.append(label)
    where = f"{landscape.widths} {landscape.activation.name} net, {landscape.loss_name} loss, n={landscape.n}"
    if undecided:
        return Evidence(Outcome.INCONCLUSIVE, f"{where}: no path found from {', '.join(undecided)} (proves nothing)", None, counts, len(points))
    return Evidence(Outcome.SUPPORTS, f"{where}: {dict(counts)}", None, counts, len(points))


def _strict_bad_minimum(theorem_id, landscape, point, value, better, context, seed, counts):  # type: ignore[no-untyped-def]
    if better is None:
        return None
    better_value = float(losses_at(landscape, better[None])[0])
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    reached = minimum_checks(landscape, point, seed) if found.kind is PointClass.LOCAL_MINIMUM else None
    if reached is None or not reached[0].startswith("strict") or not better_value < value:
        return None
    level, checks = reached
    checks.append(sub_optimality_check(landscape, point, value, better, better_value, "interpolant", checks))
    claim = (f"{landscape.widths} {landscape.activation.name} net: a strict local minimum (a setwise strict minimum, "
             f"a basin) with loss {value:.6g} > {better_value:.3g}; {level}")
    cert = certify(theorem_id, "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    counts[found.kind.value] += 1
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


def interpolant(landscape: MLP, seed: int) -> np.ndarray | None:
    """Squared loss, d_L >= n: the output-layer least-squares fit at a random point (loss ~ 0),
    the better point a certified strict sub-optimal minimum is compared with."""
    import torch

    if landscape.loss_name != "squared":
        return None
    start = landscape.random_points(1, torch.Generator().manual_seed(seed + 1))[0].numpy()
    end = output_layer_end(landscape, start)
    if end is None or losses_at(landscape, end[None])[0] > NEAR_GLOBAL * landscape.loss_scale():
        return None
    return end


def basin_check(instance: NetInstance | DuplicateInstance, context: Context) -> Evidence:
    """Search end points (and, for ReLU, a dead-unit plateau), judged against an interpolant;
    for a :class:`DuplicateInstance`, the certified duplicate-neuron minimum."""
    if isinstance(instance, DuplicateInstance):
        return duplicate_basin_check(instance, context)
    landscape = instance.landscape()
    seed = context.seed_for(instance)
    starts = min(context.budget.restarts, QUICK_STARTS if context.budget.name.startswith("quick") else context.budget.restarts)
    found = search(landscape, starts, context.budget.descent_steps // 4, 3, seed, context.device)
    points, labels = found.points, [f"start {i}" for i in range(starts)]
    if instance.activation == "relu":
        points, labels = np.vstack([points, dead_plateau_point(landscape, seed)[None]]), labels + ["dead-unit plateau"]
    return judge_points(context.theorem_id, landscape, points, labels, context, seed, interpolant(landscape, seed))


def narrow_basin_check(inputs: ScalarInputs, context: Context) -> Evidence:
    """Thm IV.2's check on a width n - 1 net: the construction's point joins the search's."""
    seed = context.seed_for(inputs)
    landscape, point = narrow_construction(np.array(inputs.x))
    found = search(landscape, 2, context.budget.descent_steps // 4, 3, seed, context.device)
    points = np.vstack([point[None], found.points])
    labels = ["construction"] + [f"start {i}" for i in range(2)]
    return judge_points(context.theorem_id, landscape, points, labels, context, seed, narrow_interpolant(landscape, seed))


# -- Thm IV.1: no spurious valley --------------------------------------------------------------


def _valley_points(landscape: MLP, count: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Random points (scale 1 and 2) and points whose last hidden layer repeats its first neuron
    d_L - n + 2 times, so rank Z_L(X) <= n - 1: no output layer fits Y there, and a path must move
    hidden weights (the points where Thm IV.1 is not trivial)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    generic = landscape.random_points(count, generator).numpy()
    wide = 2.0 * landscape.random_points(count, generator).numpy()
    duplicated = landscape.random_points(count, generator).numpy()
    rows, cols, start, _ = landscape.layers[-2]
    copies = rows - landscape.n + 2  # neurons 1 .. copies-1 copy neuron 0: at most n - 1 distinct
    weights = duplicated[:, start : start + rows * cols].reshape(count, rows, cols)
    weights[:, 1:copies] = weights[:, :1]
    duplicated[:, start : start + rows * cols] = weights.reshape(count, -1)
    biases = slice(start + rows * cols, start + rows * cols + rows)
    block = duplicated[:, biases]
    block[:, 1:copies] = block[:, :1]
    duplicated[:, biases] = block
    labels = [f"random {i}" for i in range(count)] + [f"random x2 {i}" for i in range(count)] + [f"equal neurons {i}" for i in range(count)]
    return np.vstack([generic, wide, duplicated]), labels


def valley_check(instance: NetInstance, context: Context) -> Evidence:
    """From points at level c = F(point), a path staying <= c to a global minimum (loss 0):
    random points and rank-deficient points (repeated neurons), judged against an interpolant (a certified sub-optimal strict minimum lies in a spurious valley, so
    refutes).  Decided only when some judged point needed a hidden-weight move."""
    landscape = instance.landscape()
    seed = context.seed_for(instance)
    quick = context.budget.name.startswith("quick")
    points, labels = _valley_points(landscape, 2 if quick else 8, seed)
    evidence = judge_points(context.theorem_id, landscape, points, labels, context, seed, interpolant(landscape, seed))
    exercised = evidence.candidates[NON_TRIVIAL_PATH]
    if evidence.outcome is Outcome.SUPPORTS and not exercised:
        return Evidence(Outcome.INCONCLUSIVE, f"{evidence.message}: every path was a single output-layer segment "
                        "(trivial: the claim was not exercised)", None, evidence.candidates, evidence.restarts)
    if evidence.outcome is Outcome.INCONCLUSIVE and exercised:
        # Points with no path found prove nothing either way, but they do not undo the points whose
        # paths moved hidden weights: the claim was exercised there, and no spurious valley certified.
        undecided = evidence.candidates["undecided"]
        return Evidence(Outcome.SUPPORTS, f"{evidence.message}; {exercised} path(s) moved hidden weights, "
                        f"{undecided} of {len(points)} points undecided", None, evidence.candidates, evidence.restarts)
    return evidence


def narrow_valley_check(inputs: ScalarInputs, context: Context) -> Evidence:
    return certify_bad_strict_minimum(context.theorem_id, "counterexample", inputs, context, valley=True)


def narrow_every_min_global(inputs: ScalarInputs, context: Context) -> Evidence:
    return certify_bad_strict_minimum(context.theorem_id, "counterexample", inputs, context)


# -- the catalogue -----------------------------------------------------------------------------

NARROW = Theorem(
    id="narrow-net-bad-strict-min",
    title="Narrow nets: n - 1 neurons can have a bad strict local minimum",
    source="001 Prop IV.3 (Li, Ding, Sun)",
    statement=(
        "For $n$ distinct scalar inputs there are outputs $y$ and a one-hidden-layer network with $n - 1$ neurons "
        "whose loss has a sub-optimal strict local minimum.  The harness builds it with the neuron "
        "$\\sigma(t) = t/2 + \\sin t + \\sqrt3/2 - \\pi/6$ (see `landscape.oracles.wide`), certifies strictness with "
        "the radius certificate and sub-optimality against an interpolant of the same width."
    ),
    expectation=Expectation.WITNESSED,
    instances=scalar_inputs,
    check=narrow_witness,
    hypotheses=("n in 2..4 distinct scalar inputs", "width n - 1, no output bias", "activation: the tilted sine"),
)

SIGMOID_LIKE = ("leaky-relu", "swish", "sigmoid", "tanh")

NO_BAD_BASIN = Theorem(
    id="wide-net-no-bad-basin",
    title="Wide nets (d_L >= n), any continuous activation: no sub-optimal basin",
    source="001 Thm IV.2",
    statement=(
        "Last hidden width $d_{L} \\ge n$, continuous activations, one input coordinate distinct across samples, "
        "loss convex in the output $\\Rightarrow$ no sub-optimal basin.  From every end point of a multi-start descent "
        "that is not globally optimal the harness builds a path at or below its loss to lower loss (output-layer "
        "segments are exact: convex along them); a certified sub-optimal strict minimum (against an interpolant) "
        "would refute.  Rank-deficient points are judged too: ReLU dead-unit plateaus and the certified sigmoid "
        "duplicate-neuron minimum with $p \\ge n$, left by a certified non-increasing path (merge the duplicates' output "
        "weights, move the freed neurons at constant loss, then an exact output-layer segment)."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: st.one_of(wide_instances(SIGMOID_LIKE + ("relu",), ("squared", "logistic")), duplicate_instances()),
    check=basin_check,
    hypotheses=("d_L in n..n+1, depth 1-2", "first input coordinate distinct", "leaky-relu, swish, sigmoid, tanh, relu",
                "squared or logistic loss", "or: scalar inputs, n in 5..6, outputs of the duplicate-neuron minimum (p in n..n+1)"),
)

NO_SPURIOUS_VALLEY = Theorem(
    id="wide-net-no-spurious-valley",
    title="Wide nets (d_L >= n), strictly monotone activation onto R: no spurious valley",
    source="001 Thm IV.1",
    statement=(
        "Strictly monotone $\\sigma$ with $\\sigma(\\mathbb R) = \\mathbb R$ and no shift combination, $d_{L} \\ge n$, "
        "distinct samples $\\Rightarrow$ every component of every sublevel set holds a global minimum.  From random "
        "points and points with rank-deficient features (the first last-hidden neuron repeated until rank $Z_L(X) \\le "
        "n - 1$, where no output layer fits) at level $c = F(\\theta)$ the harness builds a path staying $\\le c$ to an "
        "interpolant (loss 0); a certified sub-optimal strict minimum (a spurious valley) would refute.  An instance "
        "is decided when some path had to move hidden weights (the claim exercised); points from which no path was "
        "found are counted as undecided, and an instance where every path was a single output-layer segment is undecided."
    ),
    expectation=Expectation.HOLDS,
    # An earlier hidden layer of width 1 is left out: from random points of such nets the path
    # search rarely finds the hidden-weight move the path needs, so those instances were undecided.
    instances=lambda: wide_instances(("asinh", "leaky-relu"), ("squared",), min_inner_width=2).filter(lambda instance: any(instance.y)),
    check=valley_check,
    hypotheses=("d_L in n..n+1, depth 1-2 (an earlier hidden layer of width 2-3)", "asinh or leaky-relu (identity and t^3 violate the shift condition)",
                "squared loss", "distinct samples"),
)

VARIANTS = [
    Theorem(
        id="variant-wide-net-every-local-min-global",
        title="(false) d_L >= n: every local minimum is global (no basin weakened to no bad minimum)",
        source="001 Thm IV.2 with 'no sub-optimal basin' strengthened to 'no sub-optimal local minimum'",
        statement=("Wrong conclusion: the sigmoid duplicate-neuron point with $p \\ge n$ is a certified non-strict local "
                   "minimum whose features are rank-deficient, and the flat path out of it ends lower."),
        expectation=Expectation.HOLDS,
        instances=duplicate_instances,
        check=redundant_minimum_check,
        hypotheses=("p in n..n+1", "scalar inputs, n in 5..6"),
        falsifies="wide-net-no-bad-basin",
    ),
    Theorem(
        id="variant-narrow-net-every-local-min-global",
        title="(false) With n - 1 neurons every local minimum is global",
        source="001 Prop IV.3, the negation",
        statement="Wrong conclusion: for width $n - 1$ every local minimum is claimed global; the narrow construction refutes it.",
        expectation=Expectation.HOLDS,
        instances=scalar_inputs,
        check=narrow_every_min_global,
        hypotheses=("width n - 1",),
        falsifies="narrow-net-bad-strict-min",
    ),
    Theorem(
        id="variant-wide-net-no-bad-basin-narrow",
        title="(false) No sub-optimal basin without the width condition (d_L = n - 1)",
        source="001 Thm IV.2 with d_L >= n dropped (Prop IV.3)",
        statement="Dropped hypothesis: $d_L = n - 1$.  The same check finds a certified sub-optimal strict minimum (a basin).",
        expectation=Expectation.HOLDS,
        instances=scalar_inputs,
        check=narrow_basin_check,
        hypotheses=("d_L = n - 1", "tilted-sine activation (continuous)"),
        falsifies="wide-net-no-bad-basin",
    ),
    Theorem(
        id="variant-wide-net-no-spurious-valley-narrow",
        title="(false) No spurious valley for a non-monotone activation and d_L = n - 1",
        source="001 Thm IV.1 with monotonicity and d_L >= n dropped",
        statement="Dropped hypotheses: the tilted sine is not monotone and $d_L = n - 1$; a spurious valley is certified.",
        expectation=Expectation.HOLDS,
        instances=scalar_inputs,
        check=narrow_valley_check,
        hypotheses=("d_L = n - 1", "tilted-sine activation"),
        falsifies="wide-net-no-spurious-valley",
    ),
]

THEOREMS = [NARROW, NO_BAD_BASIN, NO_SPURIOUS_VALLEY]
