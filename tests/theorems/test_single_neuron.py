"""The converse of Prop IV.1: the analytic critical set seeded into the survey, points the
classifier leaves unresolved resolved by the exact gradient, and the wrong-criterion variant
refuted on the analytic set with the exact sign argument."""

from __future__ import annotations

import numpy as np
import torch

from landscape.theorems.budget import budget_named
from landscape.landscapes.networks import SingleNeuron
from landscape.theorems.model import Context, Outcome
from landscape.theorems.neurons import (
    NeuronData,
    analytic_critical_points,
    exact_gradient_norm,
    iff_check,
    maximum_criterion,
)


def quick_context(theorem_id: str) -> Context:
    return Context(budget=budget_named("quick"), seed=0, theorem_id=theorem_id)


def test_analytic_critical_set_is_critical_and_covers_the_degenerate_line() -> None:
    landscape = SingleNeuron("cube", 1.5, -2.0)  # t^3: phi'(0) = 0, the line w = 0 is critical
    points = analytic_critical_points(landscape)
    lines = [p for label, p in points if label.startswith("critical line")]
    assert len(lines) == 4 and {np.sign(p[1]) for p in lines} == {-1.0, 1.0}
    gradients = landscape.gradient(torch.as_tensor(np.stack([p for _, p in points]))).norm(dim=1)
    assert float(gradients.max()) == 0.0


def test_tanh_has_only_the_origin_on_its_analytic_set() -> None:
    points = analytic_critical_points(SingleNeuron("tanh", 1.0, 1.0))
    assert [label for label, _ in points] == ["zero t0 = 0, v = 0"]  # phi(0) = 0: the origin itself


def test_an_asymptote_point_is_shown_non_critical_by_the_exact_gradient() -> None:
    landscape = SingleNeuron("sigmoid", 1.0, 1.0)
    point = np.array([-40.0, -1.0])  # sigma(-40) ~ 4e-18: float64 gradient below every tolerance
    assert float(landscape.gradient(torch.as_tensor(point)[None]).norm()) < 1e-15
    assert exact_gradient_norm(landscape, point) > 1e-20


def test_wrong_criterion_is_refuted_on_the_analytic_set_without_random_starts() -> None:
    check = iff_check("variant-single-neuron-maximum-zero-criterion", restarts=0, predicts=maximum_criterion)
    evidence = check(NeuronData(1.0, 2.0, ("square",)), quick_context("variant-single-neuron-maximum-zero-criterion"))
    assert evidence.outcome is Outcome.COUNTEREXAMPLE
    certificate = evidence.certificate
    assert certificate.point[0] == 0.0 and certificate.point[1] * 2.0 < 0  # on w = 0 with v y < 0
    assert "single-neuron-sign-argument" in {c["name"] for c in certificate.checks}


def test_the_true_criterion_supports_the_same_instance() -> None:
    check = iff_check("single-neuron-bad-min-iff", restarts=0)
    evidence = check(NeuronData(1.0, 2.0, ("square", "cube", "tanh")), quick_context("single-neuron-bad-min-iff"))
    assert evidence.outcome is Outcome.SUPPORTS
