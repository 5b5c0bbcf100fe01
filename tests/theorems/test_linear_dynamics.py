"""GD trajectories, rates and the replayable gd-trajectory check (seed 000)."""

from __future__ import annotations

import numpy as np

from landscape.certificates.registry import run_check
from landscape.oracles.classify import Tolerances
from landscape.oracles.dynamics import fitted_rate, gd_trajectory, rate_violation
from landscape.theorems.linear_dynamics import TargetInstance, _planted_target, balanced_layers
from landscape.oracles.linear_trajectories import imbalance


def _instance(widths=(2, 3, 2)) -> TargetInstance:
    return TargetInstance(widths, _planted_target(widths[-1], widths[0], np.random.default_rng(0)), 0)


def test_balanced_layers_are_balanced_and_reproduce_the_product():
    instance = _instance((3, 3, 3, 2))
    landscape = instance.landscape()
    point = balanced_layers(landscape, instance.target)
    assert landscape.loss(__import__("torch").as_tensor(point)[None]).item() < 1e-20
    for layer in (0, 1):
        weights = [w[0].numpy() for w in landscape.layers(__import__("torch").as_tensor(point)[None])]
        d = imbalance(weights, layer)
        assert np.linalg.norm(d) < 1e-12


def test_fitted_rate_and_rate_violation_on_a_geometric_sequence():
    losses = 3.0 * 0.9 ** np.arange(50)
    assert abs(fitted_rate(losses) - np.log(0.9)) < 1e-12
    assert rate_violation(losses, -np.log(0.9) * 0.99) is None
    assert rate_violation(losses, -np.log(0.9) * 1.5) == 1


def test_gd_trajectory_check_distinguishes_convergence_from_a_stall():
    instance = _instance()
    landscape = instance.landscape()
    start = balanced_layers(landscape, 0.8 * instance.target)
    run = gd_trajectory(landscape, start, 0.05, 400)
    assert run.losses[-1, 0] < 1e-8 * run.losses[0, 0]
    args = {"step": 0.05, "steps": 400, "expect": "converges", "threshold": 1e-8 * run.losses[0, 0]}
    assert run_check({"name": "gd-trajectory", "args": args}, landscape, start, Tolerances()).passed
    args["expect"], args["threshold"] = "stalls", 0.5 * run.losses[0, 0]
    assert not run_check({"name": "gd-trajectory", "args": args}, landscape, start, Tolerances()).passed


def test_slow_mode_start_keeps_the_margin_and_breaks_the_rate_at_the_theorems_step():
    from landscape.oracles.linear_trajectories import hessian_top_eigenvalue
    from landscape.theorems.linear_dynamics import _start, theorem_setup

    instance = _instance((3, 3, 3, 2))
    landscape = instance.landscape()
    setup = theorem_setup(instance)
    balanced = _start(instance, landscape, np.random.default_rng(0), "none")
    unbalanced = _start(instance, landscape, np.random.default_rng(0), "balance")
    product = landscape.product(__import__("torch").as_tensor(unbalanced)[None])[0].numpy()
    sigma_min = np.linalg.svd(instance.target, compute_uv=False)[-1]
    assert np.linalg.norm(product - instance.target) <= sigma_min - setup.margin  # deficiency margin kept
    assert setup.eta * hessian_top_eigenvalue(landscape, unbalanced) < 2.0  # not a step-size artefact
    holds = gd_trajectory(landscape, balanced, setup.eta, 50).losses[:, 0]
    fails = gd_trajectory(landscape, unbalanced, setup.eta, 50).losses[:, 0]
    assert rate_violation(holds, setup.rate) is None
    assert rate_violation(fails, setup.rate) is not None
