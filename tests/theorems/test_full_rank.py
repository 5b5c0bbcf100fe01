"""Claims VI.1-VI.3: the closed-form gradients against autograd, and the variants that bite
(t^2 neurons: rank <= 3 everywhere; searched critical points with positive loss)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from landscape.certificates.replay import replay_data
from landscape.landscapes.mlp import MLP
from landscape.theorems.budget import budget_named
from landscape.theorems.model import Context, Outcome
from landscape.theorems.modifications.full_rank import (
    gradient_disagreement,
    quadratic_residual,
    rank_figures,
    square_rank_check,
)

X = (-1.0, 0.0, 0.5, 1.5, 2.0)
Y = (1.0, -1.0, 1.0, 0.5, -0.5)


@pytest.mark.parametrize("which", ["features", "jacobian"])
@pytest.mark.parametrize("activation", ["tanh", "square", "sigmoid"])
def test_closed_form_gradient_agrees_with_autograd(which, activation):
    landscape = MLP((2, 3, 4, 1), activation, np.array([X, Y]), np.array([Y]))
    for point in landscape.random_points(3, torch.Generator().manual_seed(1)).numpy():
        assert gradient_disagreement(landscape, point, which) < 1e-12


def test_square_features_have_rank_at_most_three_everywhere():
    landscape = MLP((1, 7, 1), "square", np.array([X]), np.array([Y]))
    points = landscape.random_points(5, torch.Generator().manual_seed(0))
    for features, jacobian in zip(landscape.features(points).numpy(), landscape.output_jacobian(points).numpy()):
        assert rank_figures(features)["rank"] <= 3 and rank_figures(jacobian)["rank"] <= 3
    assert quadratic_residual(X, Y) > 0.1


@pytest.mark.parametrize("which", ["features", "jacobian"])
def test_square_variant_is_refuted_at_a_searched_critical_point(which):
    context = Context(budget=budget_named("quick"), seed=0, theorem_id=f"variant-{which}")
    evidence = square_rank_check(which)((X, Y, 5), context)
    assert evidence.outcome is Outcome.COUNTEREXAMPLE and evidence.restarts > 0
    data = evidence.certificate.to_json()
    assert np.linalg.norm(data["point"]) > 0.5  # not the origin
    assert replay_data(data).passed
    data["checks"][-1]["args"]["loss_at_least"] = 10.0  # tampered: more loss than there is
    assert not replay_data(data).passed
