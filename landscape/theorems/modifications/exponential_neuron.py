r"""The exponential neuron (seed 001 §VI-B, Thm VI.1 and the remark after it):
``exponential-neuron-no-bad-min`` (``holds``, see :func:`exponential_check`) and its falsified
variants at the end."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.certificates.registry import CheckResult, replayable
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.mlp import MLP
from landscape.landscapes.modified_nets import (
    ExponentialNeuronNet,
)
from landscape.oracles.classify import Tolerances, classify
from landscape.oracles.minimum_certificate import (
    strict_minimum_radius,
)
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.modifications.common import (
    grid_inputs,
    rows,
    scaling_path_figures,
    small_search,
)

POSITION = 141  # place in the catalogue (landscape.theorems.catalogue)


@replayable("exp-neuron-active-critical")
def _check_active_neuron(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """A critical point of the exponential-neuron loss at which |a| >= ``a_at_least``."""
    if not isinstance(landscape, ExponentialNeuronNet):
        return CheckResult("exp-neuron-active-critical", False, "needs an exponential-neuron network")
    theta = rows(point)
    gradient = float(landscape.gradient(theta)[0].norm())
    loss = float(landscape.loss(theta)[0])
    critical = gradient <= tol.gradient * max(landscape.loss_scale(), loss) / max(1.0, float(np.linalg.norm(point)))
    a = float(point[landscape.a_index])
    passed = critical and abs(a) >= float(args["a_at_least"])
    return CheckResult(
        "exp-neuron-active-critical", bool(passed),
        f"|grad| = {gradient:.3g} (critical: {critical}), a = {a:.12g} (|a| >= {float(args['a_at_least']):.3g}), "
        f"lambda = {landscape.regulariser}",
    )


TEACHER_MARGIN = 0.05  # planted labels need |f_teacher(x_i)| >= this (a margin the path check sees)


@dataclass(frozen=True, slots=True)
class ExponentialInstance:
    """Logistic data labelled by a planted tanh teacher (so f_theta separates it: Thm VI.1's
    realizability hypothesis), one hidden layer of ``hidden`` units, output bias, lambda."""

    hidden: int
    x: tuple[tuple[float, ...], ...]
    teacher_seed: int
    regulariser: float

    def teacher(self) -> tuple[np.ndarray, np.ndarray]:
        """(teacher parameters of the unmodified net, its outputs at X)."""
        base = MLP((len(self.x), self.hidden, 1), "tanh", np.array(self.x), np.ones((1, len(self.x[0]))), "squared", True)
        point = base.random_points(1, torch.Generator().manual_seed(self.teacher_seed), scale=3.0)
        return point[0].numpy(), base.outputs(point)[0, 0].numpy()

    def landscape(self) -> ExponentialNeuronNet:
        _, outputs = self.teacher()
        labels = np.where(outputs >= 0, 1.0, -1.0)
        return ExponentialNeuronNet((len(self.x), self.hidden, 1), "tanh", np.array(self.x), labels[None], self.regulariser)

    def teacher_point(self) -> np.ndarray:
        """The teacher with the exponential neuron off (a = 0, w = 0, b = 0)."""
        point, _ = self.teacher()
        return np.concatenate([point, np.zeros(len(self.x) + 2)])


def _separated(instance: ExponentialInstance) -> bool:
    return bool(np.abs(instance.teacher()[1]).min() >= TEACHER_MARGIN)


def exponential_instances(regularisers: tuple[float, ...] = (0.1, 1.0)) -> st.SearchStrategy[ExponentialInstance]:
    def build(n: int, d: int) -> st.SearchStrategy[ExponentialInstance]:
        return st.builds(ExponentialInstance, st.integers(2, 3), grid_inputs(n, d), st.integers(0, 2**16),
                         st.sampled_from(regularisers)).filter(_separated)

    return st.tuples(st.integers(3, 5), st.integers(1, 2)).flatmap(lambda t: build(*t))


IDENTITY_SLACK = 1e-6  # relative slack on lambda a^2 <= (|a| + 1) ||grad|| (rounding in the gradient)


def output_layer(landscape: MLP) -> list[int]:
    """Indices of the output layer's weights and bias (the coordinates a scaling path scales)."""
    _, _, start, end = landscape.layers[-1]
    return list(range(start, end))


def exponential_check(instance: ExponentialInstance, context: Context) -> Evidence:
    r"""Thm VI.1 with the logistic loss on realizable data: (ii) via the identity
    lambda a^2 = a d_a L - d_b L <= (|a| + 1) ||grad|| at every search end point (so a -> 0 as the
    gradient does); (i)/(iii): realizable data make inf L~ = 0 unattained (L~ > 0), so a local
    minimum cannot exist, and none may be certified (a strict one would be a counterexample);
    the remark: the teacher with a = 0 starts a path (output layer times c) along which L~
    decreases strictly to 0, unattained, while ||theta|| -> infinity."""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    found = small_search(landscape, context, seed)
    theta = torch.as_tensor(found.points, dtype=DTYPE)
    a = found.points[:, landscape.a_index]
    slack = (np.abs(a) + 1.0) * found.gradient_norms * (1 + IDENTITY_SLACK) + 1e-13 * np.maximum(1.0, landscape.regulariser * a**2)
    counts: Counter[str] = Counter({"end point": found.starts})
    if np.any(landscape.regulariser * a**2 > slack):
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: the gradient identity fails numerically (implementation fault?)",
                        None, counts, found.starts)
    eigenvalues = torch.linalg.eigvalsh(landscape.hessian(theta)).numpy()
    for point, lowest in zip(found.points, eigenvalues[:, 0]):
        if lowest > 0 and strict_minimum_radius(landscape, point, seed) is not None:
            return _exponential_minimum(instance, landscape, point, context, seed, counts)
    figures = scaling_path_figures(landscape, instance.teacher_point(), output_layer(landscape), 1)
    if not (figures["margins"] > 0).all() or not (np.diff(figures["losses"]) < 0).all():
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: the teacher path is not decreasing", None, counts, found.starts)
    small = found.gradient_norms <= 1e-6
    counts["decreasing path to infinity"] += 1
    return Evidence(
        Outcome.SUPPORTS,
        f"{instance!r}: lambda a^2 <= (|a|+1)|grad| at all {found.starts} end points (|a| <= {np.abs(a[small]).max(initial=0):.2g} "
        f"where |grad| <= 1e-6, {int(small.sum())} points); no certified local minimum (inf L~ = 0 unattained); min L~ found "
        f"{found.losses.min():.3g}; teacher path: L~ {figures['losses'][0]:.4g} -> {figures['losses'][-1]:.3g} strictly",
        None, counts, found.starts,
    )


def _exponential_minimum(instance, landscape, point, context, seed, counts) -> Evidence:  # type: ignore[no-untyped-def]
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    strict = strict_minimum_radius(landscape, point, seed)
    checks = [{"name": "strict-minimum-radius", "args": {"level": strict["level"], "ball_radius": strict["ball_radius"], "seed": seed}}]
    claim = (f"{instance!r}: a certified strict local minimum of L~ (a = {point[landscape.a_index]:.3g}, L~ = {found.loss:.6g}) "
             "although realizable data leave inf L~ = 0 unattained")
    cert = certify("exponential-neuron-no-bad-min", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


EXPONENTIAL_NEURON = Theorem(
    id="exponential-neuron-no-bad-min",
    title="An exponential neuron plus lambda a^2/2: a = 0 at critical points, no bad minimum; yet a decreasing path to infinity",
    source="001 Thm VI.1 (Liang et al. [36]) and the remark after it",
    statement=(
        "$\\tilde L = \\frac1n\\sum_i \\log(1 + e^{-y_i(f_\\theta(x_i) + a e^{w^\\top x_i + b})}) + \\lambda a^2/2$ on data that "
        "$f_\\theta$ separates.  Every critical point has $a = 0$ ($\\lambda a^2 = a\\partial_a\\tilde L - \\partial_b\\tilde L$, checked "
        "as $\\lambda a^2 \\le (|a|+1)\\|\\nabla\\tilde L\\|$ at every end point).  With the logistic loss the infimum 0 is not "
        "attained, so the local minima of (iii) cannot exist and none may be certified; and along the teacher's output "
        "layer scaled by $c \\to \\infty$ (with $a = 0$) $\\tilde L$ decreases strictly to 0: a decreasing path to infinity."
    ),
    expectation=Expectation.HOLDS,
    instances=exponential_instances,
    check=exponential_check,
    hypotheses=("labels planted by a tanh teacher of the same architecture (realizability)", "logistic loss (seed's eq. (7))",
                "lambda in {0.1, 1}", "n in 3..5, d_0 in 1..2, 2..3 hidden units"),
)


# -- Falsified variants -----------------------------------------------------------------------

def _coercive_claim_check(instance: ExponentialInstance, context: Context) -> Evidence:
    """The modified loss is coercive?  The teacher (a = 0) with its output layer scaled by c."""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    point = instance.teacher_point()
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    checks = [{"name": "scaling-path-decrease", "args": {"coordinates": output_layer(landscape), "degree": 1}}]
    claim = (f"{instance!r}: along the teacher's output layer times c (a = 0) L~ decreases strictly from {found.loss:.6g} "
             "towards 0 while ||theta|| -> infinity: not coercive")
    cert = certify("variant-exponential-neuron-coercive", "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({"decreasing path to infinity": 1}), 0)


@dataclass(frozen=True, slots=True)
class BalancedMeans:
    """Positives at +-s_k (k = 1..K), one negative at 0: equal class means, class sizes 2K and 1."""

    spreads: tuple[float, ...]

    def landscape(self) -> ExponentialNeuronNet:
        x = [0.0] + [s for s in self.spreads] + [-s for s in self.spreads]
        y = [-1.0] + [1.0] * (2 * len(self.spreads))
        return ExponentialNeuronNet((1, 2, 1), "tanh", np.array([x]), np.array([y]), 0.0)


def _no_regulariser_check(instance: BalancedMeans, context: Context) -> Evidence:
    r"""lambda = 0: at theta = 0 (tanh: Z = 0), w = 0, b = 0 and a = log(n_+/n_-), the a- and
    b-derivatives vanish (n_+ sigma(-a) = n_- sigma(a)) and so does the w-derivative (equal class
    means): a critical point with a != 0.  (The data stay separable by f_theta: a tanh bump.)"""
    seed = context.seed_for(instance)
    landscape = instance.landscape()
    point = np.zeros(landscape.n_params)
    a = math.log(2 * len(instance.spreads))
    point[landscape.a_index] = a
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    checks = [{"name": "exp-neuron-active-critical", "args": {"a_at_least": 0.5 * a}}]
    claim = f"{instance!r}, lambda = 0: a critical point ({found.kind.value}) with a = log(n+/n-) = {a:.6g} != 0"
    cert = certify("variant-exponential-neuron-no-regulariser", "counterexample", claim, landscape, point, found, context, seed,
                   extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, Counter({found.kind.value: 1}), 0)


VARIANTS = [
    Theorem(
        id="variant-exponential-neuron-no-regulariser",
        title="(false) Without lambda a^2/2 the exponential neuron is still inactive at every critical point",
        source="001 Thm VI.1 with the regulariser dropped",
        statement="Dropped hypothesis ($\\lambda = 0$): with equal class means and unequal class sizes there is a critical point with $a = \\log(n_+/n_-) \\ne 0$.",
        expectation=Expectation.HOLDS,
        instances=lambda: st.builds(BalancedMeans, st.lists(st.integers(1, 6).map(lambda k: k / 2), min_size=1, max_size=2,
                                                            unique=True).map(tuple)),
        check=_no_regulariser_check,
        hypotheses=("positives at +-s_k, one negative at 0",),
        falsifies="exponential-neuron-no-bad-min",
    ),
    Theorem(
        id="variant-exponential-neuron-coercive",
        title="(false) The exponential-neuron modification also makes the loss coercive",
        source="001 §VI-B remark after Thm VI.1 (wrong conclusion)",
        statement="Wrong conclusion: the modified loss has a strictly decreasing path to infinity (the teacher's output layer scaled up).",
        expectation=Expectation.HOLDS,
        instances=exponential_instances,
        check=_coercive_claim_check,
        hypotheses=("realizable data (planted teacher)",),
        falsifies="exponential-neuron-no-bad-min",
    ),
]

THEOREMS = [EXPONENTIAL_NEURON]
