"""Lemma 1.1 residuals and the balancedness identity (seed 003 Lemma 1.1; seed 000)."""

from __future__ import annotations

import numpy as np
import torch

from landscape.generators.data import regression_data
from landscape.certificates.registry import run_check
from landscape.oracles.classify import Tolerances
from landscape.oracles.critical import subset_critical_point
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.linear_trajectories import autograd_gradient, gd_balancedness
from landscape.theorems.linear_identities import TRAJECTORY_STEPS, lemma_residuals, stable_trajectory


def _landscape(widths, x_rank="full"):
    data = regression_data(widths[0], widths[-1], max(widths[0], widths[-1]) + 2, 3, x_rank=x_rank)
    return DeepLinear(widths, data.x, data.y)


def test_lemma_residuals_vanish_at_critical_points_and_not_elsewhere():
    landscape = _landscape((3, 2, 3))
    point = subset_critical_point(landscape, (0, 2), np.random.default_rng(0))
    assert max(lemma_residuals(landscape, point).values()) < 1e-10
    random = np.random.default_rng(1).standard_normal(landscape.n_params)
    assert lemma_residuals(landscape, random)["1.15a"] > 1e-3
    assert not run_check({"name": "lemma-1-1", "args": {"identity": "ii"}}, landscape, point, Tolerances()).passed


def test_gd_keeps_imbalance_within_the_drift_bound_and_the_swapped_gram_matrices_leave_it():
    landscape = _landscape((2, 2, 2, 2))
    start = landscape.random_points(1, torch.Generator().manual_seed(0), scale=0.3)[0].numpy()
    run = stable_trajectory(landscape, start, swapped=False)
    eta = run.eta
    assert run.steps == TRAJECTORY_STEPS and run.violation is None and run.oracle_gap < 1e-8
    assert all(record.drift > 0 for record in run.worst)  # the bound is exercised, not vacuous
    swapped = gd_balancedness(landscape, start, eta, TRAJECTORY_STEPS, swapped=True)
    assert swapped.violation is not None and swapped.violation.step > 0
    args = {"layer": swapped.violation.layer, "eta": eta, "steps": TRAJECTORY_STEPS, "swapped": True}
    assert run_check({"name": "balancedness-trajectory", "args": args}, landscape, start, Tolerances()).passed
    args["swapped"] = False
    assert not run_check({"name": "balancedness-trajectory", "args": args}, landscape, start, Tolerances()).passed


def test_autograd_oracle_agrees_with_the_closed_form_gradient():
    landscape = _landscape((3, 2, 2))
    point = landscape.random_points(1, torch.Generator().manual_seed(1))[0]
    weights = [w[0].numpy() for w in landscape.layers(point[None])]
    value, grads = autograd_gradient(weights, torch.as_tensor(landscape.x), torch.as_tensor(landscape.y))
    closed = landscape.gradient(point[None])[0].numpy()
    assert np.allclose(np.concatenate([g.reshape(-1) for g in grads]), closed, rtol=1e-12, atol=1e-12)
    assert abs(value - float(landscape.loss(point[None])[0])) < 1e-12
