"""Closed-form oracles of matrix factorisation with weight decay (seed 003 §1.4.1) and their checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from landscape.errors import InvalidArgument
from landscape.generators.matrices import factorisation_problem
from landscape.certificates.registry import run_check
from landscape.oracles.classify import Tolerances
from landscape.landscapes.factorisation import (
    MatrixFactorisation,
    convex_optimum,
    nuclear_norm,
    subset_point,
)
from landscape.landscapes.base import DTYPE, Landscape, landscape_from_spec
from landscape.theorems.factorisation.checks import balanced_point


def test_closed_form_derivatives_match_autodiff():
    landscape = MatrixFactorisation(np.random.default_rng(0).standard_normal((3, 2)), 0.7, 3)
    theta = torch.randn(4, landscape.n_params, generator=torch.Generator().manual_seed(1), dtype=DTYPE)
    assert torch.allclose(landscape.gradient(theta), Landscape.gradient(landscape, theta), atol=1e-12)
    assert torch.allclose(landscape.hessian(theta), Landscape.hessian(landscape, theta), atol=1e-12)


def test_svt_optimum_is_the_convex_value_when_wide_enough_and_above_it_when_narrow():
    problem = factorisation_problem(3, 3, 3, 2, seed=4)
    wide = MatrixFactorisation(problem.y, problem.lam, 3)
    narrow = MatrixFactorisation(problem.y, problem.lam, 1)
    best = convex_optimum(problem.y, problem.lam)
    assert wide.optimum().value == pytest.approx(best, rel=1e-12)
    assert narrow.optimum().value > best + 0.1


def test_no_random_point_beats_the_optimum():
    problem = factorisation_problem(2, 3, 2, 1, seed=2)
    landscape = problem.landscape()
    points = landscape.random_points(256, torch.Generator().manual_seed(0))
    assert float(landscape.loss(points).min()) >= landscape.optimum().value


def test_subset_points_are_first_order_points():
    problem = factorisation_problem(3, 2, 2, 2, seed=7)
    landscape = problem.landscape()
    for subset in [(), (0,), (1,), (0, 1)]:
        point = torch.as_tensor(subset_point(landscape, subset), dtype=DTYPE)[None]
        assert float(landscape.gradient(point).norm()) < 1e-12


def test_polar_escape_check_passes_at_the_origin_and_fails_at_the_optimum():
    problem = factorisation_problem(2, 2, 2, 2, seed=3)
    landscape = problem.landscape()
    origin = np.zeros(landscape.n_params)
    optimum = landscape.optimum().point
    entry = {"name": "polar-escape", "args": {"eps": [1e-2, 1e-3], "expect": "decrease"}}
    assert run_check(entry, landscape, origin, Tolerances()).passed
    assert not run_check(entry, landscape, optimum, Tolerances()).passed


def test_variational_check_rejects_the_balanced_factors_as_below_the_nuclear_norm():
    problem = factorisation_problem(2, 3, 3, 0, seed=5)
    landscape = problem.landscape()
    point = balanced_point(landscape)
    assert not run_check({"name": "variational-form", "args": {}}, landscape, point, Tolerances()).passed
    bound = nuclear_norm(problem.y) + 1.0
    assert run_check({"name": "variational-form", "args": {"bound": bound}}, landscape, point, Tolerances()).passed


def test_spec_round_trip_and_bad_arguments():
    landscape = MatrixFactorisation([[1.0, 2.0]], 0.5, 2)
    assert landscape_from_spec(landscape.spec()).spec() == landscape.spec()
    with pytest.raises(InvalidArgument, match="lam=-1"):
        MatrixFactorisation([[1.0]], -1, 1)
    with pytest.raises(InvalidArgument, match="width=0"):
        MatrixFactorisation([[1.0]], 1.0, 0)


def test_meta_algorithm_escapes_from_a_narrow_minimum_to_the_convex_optimum():
    from landscape.landscapes.factorisation import convex_optimum, subset_point
    from landscape.theorems.factorisation.polar_meta import run_meta_algorithm

    problem = factorisation_problem(3, 3, 1, 3, seed=4)
    landscape = problem.landscape()
    start = subset_point(landscape, (0,))  # the width-1 minimum: violates (ii)
    run = run_meta_algorithm(landscape, start, 400, 40, Tolerances())
    assert run.outcome == "global" and abs(run.gap) < 1e-9
    assert [r.width for r in run.rounds] == [1, 2, 3]
    assert all(r.escape_change < 0 for r in run.rounds[:-1])
    assert run.rounds[-1].loss == pytest.approx(convex_optimum(landscape.y, landscape.lam), abs=1e-9)
    wrong = run_meta_algorithm(landscape, start, 400, 40, Tolerances(), source="data")
    assert wrong.outcome == "no-escape" and wrong.rounds[0].escape_change > 0


def test_orbit_descent_keeps_a_factorisation_of_z_and_reaches_the_nuclear_norm():
    from landscape.theorems.factorisation import orbit_descent, random_factorisations

    problem = factorisation_problem(2, 2, 2, 0, seed=3)
    z = problem.y
    (u, v), = random_factorisations(z, problem.width, 1, np.random.default_rng(0))
    value, u_best, v_best = orbit_descent(u, v, 0)
    assert np.linalg.norm(u_best @ v_best.T - z) < 1e-10 * np.linalg.norm(z)
    assert value == pytest.approx(0.5 * ((u_best**2).sum() + (v_best**2).sum()), rel=1e-12)
    assert value < 0.5 * ((u**2).sum() + (v**2).sum())
    assert value == pytest.approx(nuclear_norm(z), rel=1e-6)
