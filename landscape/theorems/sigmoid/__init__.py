r"""Sub-optimal local minima of one-hidden-layer sigmoid networks (seed 001 §IV-C).

Theorems: ``sigmoid-wide-no-bad-min-claim`` (Claim IV.1, refuted) and
``sigmoid-suboptimal-local-min`` (Prop IV.2, witnessed); falsified variants at the end.

**The construction** (in the spirit of Ding-Li-Sun [14]): put every hidden neuron at the same
incoming weight w_0, with output weights v_j > 0 summing to V.  Write z_i = w_0 . x_i,
g = sigma(z), H = [sigma'(z_i) x_i^T] (n x d) and pick a residual r != 0 with r orthogonal to g
and to the columns of H (possible when n >= d + 2), signed so that
K = sum_i r_i sigma''(z_i) x_i x_i^T is negative definite.  With y = V g + r the point is
critical (dF/dv_j = -2<r, g>, dF/dw_j = -2 v_j H^T r) and the Hessian quadratic form is

.. math:: Q(\delta v, \delta W) = 2\|g \textstyle\sum_j \delta v_j + H \sum_j v_j \delta w_j\|^2
          - 2\sum_j v_j\, \delta w_j^\top K\, \delta w_j,

positive except on {delta W = 0, sum_j delta v_j = 0}: exactly the tangent of the manifold of
duplicate-neuron points with the same V, along which the output, hence the loss, is constant.
So the point is a non-strict (Morse-Bott) local minimum for p >= 2 and a strict one for p = 1,
with loss |r|^2 > 0, while for p >= n the network interpolates (loss 0).  Width does not help.

Note on the seed: with no biases and the symmetric inputs {-a, 0, a}, sigma(-t) = 1 - sigma(t)
confines the outputs to the affine plane {(c - b, c, c + b)}, on which the loss is a convex
quadratic; every local minimum is then global (``theorems/sigmoid/symmetric`` proves it).
Prop IV.2 as transcribed is false there: a refuted variant, and its generator excludes those
three-point sets only (larger symmetric sets, e.g. {-2, -1, 1, 2}, have witnesses).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from landscape.oracles.classify import PointClass, classify
from landscape.oracles.duplicate_neurons import Construction, duplicate_neuron_point, logistic_sigmoid
from landscape.landscapes.base import loss_at
from landscape.oracles.minimum_certificate import minimum_checks, sub_optimality_check
from landscape.landscapes.networks import SigmoidNet, sigmoid_interpolant
from landscape.searching.critical_points import search
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.sigmoid.symmetric import SymmetricInstance, lemma_evidence, symmetric_instances

POSITION = 30  # place in the catalogue (landscape.theorems.catalogue)

@dataclass(frozen=True, slots=True)
class SigmoidInstance:
    """Inputs X (d x n, as nested tuples) and the hidden width p."""

    x: tuple[tuple[float, ...], ...]
    width: int

    @property
    def array(self) -> np.ndarray:
        return np.array(self.x, dtype=np.float64)

    def __repr__(self) -> str:
        return f"SigmoidInstance(n={len(self.x[0])}, d={len(self.x)}, p={self.width}, x={self.x})"


def certify_construction(theorem_id: str, instance: SigmoidInstance, context: Context, signs: str = "positive",
                         minimum_claimed_sub_optimal: bool = True) -> Evidence:
    """Classify the constructed point against the interpolating optimum and certify it.

    For the claim "every local minimum is global" a certified sub-optimal minimum is a
    counterexample; for Prop IV.2 it is a witness (``role`` follows the theorem)."""
    seed = context.seed_for(instance)
    x = instance.array
    built = duplicate_neuron_point(x, instance.width, seed, signs)
    if built is None:
        return Evidence(Outcome.SUPPORTS if theorem_id.endswith("claim") else Outcome.INCONCLUSIVE,
                        f"{instance!r}: no w_0 gives a negative-definite K (construction unavailable)")
    landscape = SigmoidNet(instance.width, x, built.y)
    better, method = _better_point(landscape, context, seed)
    better_value = loss_at(landscape, better)
    optimum = 0.0 if instance.width >= landscape.n else None
    found = classify(landscape, built.point, optimum, context.tolerances, seed, context.budget.probe_directions)
    counts = Counter({found.kind.value: 1})
    where = f"sigmoid net p={instance.width}, n={landscape.n}, d={landscape.d}, x={instance.x}"
    return _judge(theorem_id, landscape, built, found, counts, where, better, better_value, context, seed,
                  minimum_claimed_sub_optimal, method)


def _better_point(landscape: SigmoidNet, context: Context, seed: int) -> tuple[np.ndarray, str]:
    """The interpolant when p >= n (loss 0 up to rounding); else the best point of a search."""
    if landscape.width >= landscape.n:
        point, condition = sigmoid_interpolant(landscape, seed)
        return point, f"interpolant, feature matrix cond {condition:.3g}"
    found = search(landscape, context.budget.restarts, context.budget.descent_steps, 10, seed, context.device)
    best = int(np.argmin(found.losses))
    return found.points[best], f"best of {found.starts} searched starts (p < n: no interpolant)"


def _judge(theorem_id, landscape, built, found, counts, where, better, better_value, context, seed,
           minimum_claimed_sub_optimal, method) -> Evidence:  # type: ignore[no-untyped-def]
    is_claim = theorem_id == "sigmoid-wide-no-bad-min-claim"
    if found.kind is PointClass.LOCAL_MINIMUM and better_value < found.loss - 1e-6 * landscape.loss_scale():
        reached = minimum_checks(landscape, built.point, seed)
        if reached is None:
            return Evidence(Outcome.INCONCLUSIVE, f"{where}: classified a minimum but no radius/Morse-Bott certificate", None, counts)
        level, checks = reached
        checks.append(sub_optimality_check(landscape, built.point, found.loss, better, better_value, method, checks))
        role = "counterexample" if is_claim else "witness"
        claim = (f"{where}: duplicate-neuron point (w_0 = {np.round(built.w0, 4).tolist()}) is a sub-optimal local "
                 f"minimum, loss {found.loss:.6g} > {better_value:.3g}; certification: {level}")
        cert = certify(theorem_id, role, claim, landscape, built.point, found, context, seed, extra_checks=checks)
        if cert is not None:
            cert.facts["certification_level"] = level
        return certified(Outcome.COUNTEREXAMPLE if is_claim else Outcome.WITNESS, claim, cert, counts, 0)
    if not minimum_claimed_sub_optimal or theorem_id.startswith("variant-"):
        claim = f"{where}: the claimed sub-optimal minimum is a {found.kind.value} [{found.level}], loss {found.loss:.6g}"
        cert = certify(theorem_id, "counterexample", claim, landscape, built.point, found, context, seed)
        return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
    message = f"{where}: constructed point is a {found.kind.value} [{found.level}]"
    return Evidence(Outcome.SUPPORTS if is_claim else Outcome.INCONCLUSIVE, message, None, counts)


def _distinct_first_coordinate(n: int, d: int) -> st.SearchStrategy[tuple[tuple[float, ...], ...]]:
    first = st.lists(st.integers(-6, 6), min_size=n, max_size=n, unique=True).map(lambda v: tuple(k / 2 for k in v))
    others = st.lists(st.tuples(*[st.integers(-4, 4).map(lambda k: k / 2)] * n), min_size=d - 1, max_size=d - 1)
    return st.tuples(first, others).map(lambda pair: (pair[0], *pair[1]))


def wide_instances() -> st.SearchStrategy[SigmoidInstance]:
    """Claim IV.1's hypotheses: p >= n, one input coordinate distinct across samples; n in 3..6,
    d in 1..2, p in n..n+2."""
    def build(n: int, d: int) -> st.SearchStrategy[SigmoidInstance]:
        return st.builds(SigmoidInstance, _distinct_first_coordinate(n, d), st.integers(n, n + 2))

    return st.tuples(st.integers(3, 6), st.integers(1, 2)).flatmap(lambda nd: build(*nd))


def _not_symmetric(x: tuple[tuple[float, ...], ...]) -> bool:
    """Excludes exactly the inputs of the lemma in ``theorems/sigmoid/symmetric`` ({-a, 0, a}:
    no outputs give a sub-optimal minimum there); larger symmetric sets have witnesses."""
    values = set(x[0])
    return not (len(values) == 3 and 0.0 in values and values == {-v for v in values})


def scalar_instances(min_n: int = 3, max_n: int = 6, symmetric_allowed: bool = False) -> st.SearchStrategy[SigmoidInstance]:
    """Distinct scalar inputs (d = 1), n in [min_n, max_n], width p in n..n+2 (so that the
    interpolant is the better point the certificate carries)."""
    def build(n: int) -> st.SearchStrategy[SigmoidInstance]:
        inputs = _distinct_first_coordinate(n, 1)
        if not symmetric_allowed:
            inputs = inputs.filter(_not_symmetric)
        return st.builds(SigmoidInstance, inputs, st.integers(n, n + 2))

    return st.integers(min_n, max_n).flatmap(build)


def claim_check(instance: SigmoidInstance, context: Context) -> Evidence:
    return certify_construction("sigmoid-wide-no-bad-min-claim", instance, context)


def witness_check(instance: SigmoidInstance, context: Context) -> Evidence:
    return certify_construction("sigmoid-suboptimal-local-min", instance, context)


SIGMOID_WIDE_CLAIM = Theorem(
    id="sigmoid-wide-no-bad-min-claim",
    title="(published claim) Wide sigmoid nets, p >= n: every local minimum is global",
    source="001 Claim IV.1 (as cited from [48]) and Prop IV.2 (Ding, Li, Sun)",
    statement=(
        "Claim: for $\\min_{v, W} \\sum_i (y_i - v\\,\\sigma(Wx_i))^2$ with sigmoid $\\sigma$, width $p \\ge n$ and one "
        "input coordinate distinct across samples, every local minimum is global.  False: the harness constructs "
        "outputs $y$ and a certified sub-optimal (non-strict, Morse-Bott) local minimum."
    ),
    expectation=Expectation.REFUTED,
    instances=wide_instances,
    check=claim_check,
    hypotheses=("p >= n", "first input coordinate distinct across samples", "n in 3..6, d in 1..2"),
)

SIGMOID_SUBOPTIMAL = Theorem(
    id="sigmoid-suboptimal-local-min",
    title="Sigmoid nets: for n >= 3 distinct scalar inputs some outputs give a sub-optimal local minimum",
    source="001 Prop IV.2",
    statement=(
        "For $n \\ge 3$ distinct scalar inputs there exist outputs $y$ such that the sigmoid network's loss has a "
        "sub-optimal local minimum.  The harness constructs $y$ and the minimum and certifies it "
        "(Morse-Bott: duplicate neurons give flat directions), sub-optimal against the interpolant."
    ),
    expectation=Expectation.WITNESSED,
    instances=scalar_instances,
    check=witness_check,
    hypotheses=("n >= 3 distinct scalar inputs", "inputs not {-a, 0, a} (see the module note)", "p in n..n+2"),
)


def _mixed_sign_check(instance: SigmoidInstance, context: Context) -> Evidence:
    return certify_construction("variant-sigmoid-duplicate-neurons-any-sign", instance, context, signs="mixed",
                                minimum_claimed_sub_optimal=False)


def _symmetric_check(instance: SymmetricInstance, context: Context) -> Evidence:
    """Prop IV.2 on {-a, 0, a}: the witness procedure first (a certified witness would stand),
    then the lemma's certificate: no outputs give a sub-optimal local minimum."""
    attempt = certify_construction(context.theorem_id, SigmoidInstance(tuple(map(tuple, instance.x)), instance.width), context)
    if attempt.outcome is Outcome.WITNESS:
        return attempt
    return lemma_evidence(instance, context, Counter({f"witness procedure: {attempt.outcome.value}": 1}))


def _two_inputs_check(instance: SigmoidInstance, context: Context) -> Evidence:
    """With n = 2 (d = 1) no residual is orthogonal to g and H: the best the construction can do
    is r = 0, which makes the duplicate-neuron point an interpolating (global) minimum."""
    seed = context.seed_for(instance)
    x = instance.array
    w0 = np.ones(1)
    y = logistic_sigmoid(w0 @ x)
    point = np.concatenate([np.tile(w0, instance.width), np.full(instance.width, 1.0 / instance.width)])
    built = Construction(y=y, point=point, w0=w0, curvature=0.0)
    landscape = SigmoidNet(instance.width, x, y)
    found = classify(landscape, point, 0.0, context.tolerances, seed, context.budget.probe_directions)
    where = f"sigmoid net p={instance.width}, n=2, x={instance.x}"
    better, _ = sigmoid_interpolant(landscape, seed) if instance.width >= 2 else (point, 0.0)
    return _judge("variant-sigmoid-two-inputs", landscape, built, found, Counter({found.kind.value: 1}), where,
                  better, 0.0, context, seed, False, "interpolant")


VARIANTS = [
    Theorem(
        id="variant-sigmoid-symmetric-inputs",
        title="(false) Prop IV.2 as transcribed: also on the inputs {-a, 0, a}",
        source="001 Prop IV.2 with 'inputs not symmetric about 0' dropped",
        statement=("Dropped hypothesis: on $\\{-a, 0, a\\}$, $\\sigma(-t) = 1 - \\sigma(t)$ makes the loss a strictly convex "
                   "quadratic of two output coordinates through an open map, so every local minimum is global for every $y$ "
                   "(the lemma of `theorems/sigmoid/symmetric`, its hypotheses checked exactly)."),
        expectation=Expectation.WITNESSED,
        instances=symmetric_instances,
        check=_symmetric_check,
        hypotheses=("inputs {-a, 0, a}", "bias-free sigmoid net, p in 3..5", "any outputs"),
        falsifies="sigmoid-suboptimal-local-min",
    ),
    Theorem(
        id="variant-sigmoid-duplicate-neurons-any-sign",
        title="(false) The duplicate-neuron point is a local minimum whatever the signs of v_j",
        source="001 Prop IV.2 construction with the sign condition on v dropped",
        statement="Dropped hypothesis: with output weights of mixed signs the construction's point is claimed a minimum.",
        expectation=Expectation.HOLDS,
        instances=lambda: st.builds(SigmoidInstance, st.integers(3, 5).flatmap(lambda n: _distinct_first_coordinate(n, 1)),
                                    st.integers(2, 4)),
        check=_mixed_sign_check,
        hypotheses=("p >= 2", "v = (2V, -V, 0, ...)"),
        falsifies="sigmoid-wide-no-bad-min-claim",
    ),
    Theorem(
        id="variant-sigmoid-two-inputs",
        title="(false) Two distinct inputs already give a sigmoid net a sub-optimal local minimum",
        source="001 Prop IV.2 with n >= 3 dropped",
        statement="Dropped hypothesis: with $n = 2$ the construction's point is claimed a sub-optimal minimum; it is global.",
        expectation=Expectation.WITNESSED,
        instances=lambda: st.builds(SigmoidInstance, _distinct_first_coordinate(2, 1), st.integers(2, 3)),
        check=_two_inputs_check,
        hypotheses=("n = 2",),
        falsifies="sigmoid-suboptimal-local-min",
    ),
]

THEOREMS = [SIGMOID_WIDE_CLAIM, SIGMOID_SUBOPTIMAL]
