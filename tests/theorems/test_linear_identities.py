"""Lemma 1.1 residuals and the balancedness identity (seed 003 Lemma 1.1; seed 000)."""

from __future__ import annotations

import numpy as np
import torch

from landscape.generators.data import regression_data
from landscape.oracles.certificates import run_check
from landscape.oracles.classify import Tolerances
from landscape.oracles.critical import subset_critical_point
from landscape.oracles.landscapes import DeepLinear
from landscape.theorems.linear_identities import balancedness_terms, gd_drift_order, lemma_residuals


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


def test_balancedness_rate_vanishes_at_random_points_and_drift_is_second_order():
    landscape = _landscape((2, 3, 2, 2))
    point = landscape.random_points(1, torch.Generator().manual_seed(0))[0].numpy()
    for layer in (0, 1):
        _, rate, scale = balancedness_terms(landscape, point, layer, swapped=False)
        assert np.linalg.norm(rate) <= 1e-12 * float(scale)
        order, error = gd_drift_order(landscape, point, layer)
        assert abs(order - 2.0) < 0.05 and error < 1e-4
    assert not run_check({"name": "balancedness", "args": {"layer": 0}}, landscape, point, Tolerances()).passed
