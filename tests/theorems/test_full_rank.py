"""Claims VI.1-VI.3 and VII.1: the closed-form gradients against autograd, the variants that bite
(t^2 neurons: rank <= 3 everywhere; searched critical points with positive loss), and GD runs
with the NTK Gram matrix recorded along them (a bad limit reached with lambda_min > 0 at every
step, but no uniform bound)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from landscape.certificates.replay import replay_data
from landscape.landscapes.mlp import MLP
from landscape.oracles.classify import Tolerances
from landscape.oracles.dynamics import gd_trajectory
from landscape.oracles.ntk_trajectories import (
    GAP,
    GramObserver,
    GramRun,
    gram_runs,
    starting_steps,
)
from landscape.theorems.budget import budget_named
from landscape.theorems.model import Context, Outcome
from landscape.theorems.modifications import ntk_trajectories
from landscape.theorems.modifications.full_rank import (
    NetInstance,
    gradient_disagreement,
    ntk_check,
    quadratic_residual,
    rank_figures,
    square_rank_check,
)
from landscape.theorems.modifications.ntk_trajectories import (
    UNIFORM_BOUND_RTOL,
    exercised,
    positive_gram_check,
    violates,
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


# -- Claim VII.1 along GD trajectories -------------------------------------------------------

NEURON = ((-1.5, 0.0, 1.0), (-1.5, 0.5, -1.0))  # a tilted-sine neuron's data with bad GD limits
QUICK = budget_named("quick")


def _neuron() -> MLP:
    return MLP((1, 1, 1), "tilted-sine", np.array([NEURON[0]]), np.array([NEURON[1]]))


def test_observed_run_takes_the_plain_runs_steps():
    landscape = MLP((2, 3, 1), "tanh", np.array([X[:4], Y[:4]]), np.array([Y[:4]]))
    starts = landscape.random_points(3, torch.Generator().manual_seed(2)).numpy()
    plain = gd_trajectory(landscape, starts, 0.05, 30)
    observed = gd_trajectory(landscape, starts, np.full(3, 0.05), 30, observe=GramObserver(landscape))
    assert np.array_equal(plain.losses, observed.losses) and np.array_equal(plain.final, observed.final)
    assert observed.observed.shape[:2] == (31, 3)
    assert observed.observed[:, :, GAP].max() < 1e-10  # autograd G against the closed form (2/n) G e


def test_gram_observer_sees_a_wrong_jacobian(monkeypatch):
    landscape = MLP((1, 3, 1), "tanh", np.array([X[:3]]), np.array([Y[:3]]))
    starts = landscape.random_points(2, torch.Generator().manual_seed(0))
    right = GramObserver(landscape)(starts, landscape.gradient(starts))[:, GAP]
    monkeypatch.setattr(landscape, "output_jacobian", lambda theta: 2.0 * MLP.output_jacobian(landscape, theta))
    wrong = GramObserver(landscape)(starts, landscape.gradient(starts))[:, GAP]
    assert float(right.max()) < 1e-12 and float(wrong.min()) > 0.1


def test_theorem_decides_an_instance_through_its_trajectories():
    instance = NetInstance((2,), "asinh", ((-1.0, 0.5),), (1.0, -0.5))
    evidence = ntk_check(instance, Context(budget=QUICK, seed=0, theorem_id="ntk-full-rank-critical-global"))
    assert evidence.outcome is Outcome.SUPPORTS
    assert evidence.candidates["exercised"] >= 1 and evidence.candidates["trajectories"] == 8
    assert "Claim VII.1" in evidence.message


def _bad_runs() -> list[GramRun]:
    landscape = _neuron()
    starts = landscape.random_points(32, torch.Generator().manual_seed(5))
    runs = gram_runs(landscape, starts.numpy(), starting_steps(landscape, starts), QUICK.descent_steps)
    return [run for run in runs if violates(run, landscape.n, landscape.loss_scale(), Tolerances(), False)]


def test_a_bad_gd_limit_has_positive_gram_matrices_but_no_uniform_bound():
    """A real GD run to a bad limit, with lambda_min > 0 at every iterate: the theorem does not
    count it (c is below the threshold, lambda_min falls towards 0 like |grad F|^2), the variant's
    judge flags it."""
    landscape, tol = _neuron(), Tolerances()
    bad = _bad_runs()
    assert bad, "no GD run reached a bad limit"
    run = bad[0]
    assert run.positive and run.relative_bound < UNIFORM_BOUND_RTOL and run.loss > 1e-3 * landscape.loss_scale()
    assert run.end_lambda_min <= (landscape.n / 2) ** 2 * run.gradient_norm**2 / run.loss / landscape.n * (1 + 1e-6)
    assert not exercised(run, True) and not violates(run, landscape.n, landscape.loss_scale(), tol, True)
    assert violates(run, landscape.n, landscape.loss_scale(), tol, False)


def test_the_theorem_judge_rejects_a_constructed_trajectory_with_a_uniform_bound():
    """A constructed record: the bound holds with a margin, the end is critical, the loss is not 0."""
    landscape, tol = _neuron(), Tolerances()
    run = GramRun(np.zeros(3), 0.1, 50, True, 0.5, 2.0, True, True, 1e-14, 0.2, 1e-8, np.ones(3), 1.0, 0.5)
    assert exercised(run, True) and violates(run, landscape.n, landscape.loss_scale(), tol, True)
    run.loss = 1e-20  # what the claim says: zero loss
    assert not violates(run, landscape.n, landscape.loss_scale(), tol, True)
    run.edge = 2.5  # the step above the edge at the end: the run does not count
    run.loss = 0.2
    assert not exercised(run, True)


def test_positive_gram_variant_is_refuted_by_a_trajectory_from_a_random_start():
    context = Context(budget=QUICK, seed=0, theorem_id="variant-positive-ntk-along-gd-global")
    evidence = positive_gram_check(NEURON, context)
    assert evidence.outcome is Outcome.COUNTEREXAMPLE and evidence.candidates["exercised"] >= 1
    data = evidence.certificate.to_json()
    args = data["checks"][-1]["args"]
    assert data["checks"][-1]["name"] == "ntk-trajectory" and args["steps"] > 10
    assert np.linalg.norm(data["point"]) > 0.5 and not np.allclose(data["point"], args["start"])
    assert replay_data(data).passed
    tampered = {**data, "checks": [data["checks"][0], {"name": "ntk-trajectory", "args": {**args, "uniform": True}}]}
    assert not replay_data(tampered).passed  # no uniform bound along it: the theorem is not contradicted
    shorter = {**data, "checks": [data["checks"][0], {"name": "ntk-trajectory", "args": {**args, "steps": args["steps"] // 2}}]}
    assert not replay_data(shorter).passed  # half-way the run is neither critical nor at the point


def test_the_property_does_not_support_a_constructed_bad_trajectory(monkeypatch):
    """The theorem's property fed a run whose recorded bound is uniform but whose end loss is
    positive: it reports the contradiction, and refuses to certify it because the replayed
    trajectory (the real one from that start) has no such bound."""
    real = _bad_runs()[0]
    forged = GramRun(real.start, real.step, real.end_step, True, 0.5 * real.scale, real.scale, True, True,
                     real.oracle_gap, real.loss, real.gradient_norm, real.end, real.edge, real.end_lambda_min)
    monkeypatch.setattr(ntk_trajectories, "gram_runs", lambda *args, **kwargs: [forged])
    context = Context(budget=QUICK, seed=0, theorem_id="ntk-full-rank-critical-global")
    evidence = ntk_trajectories.trajectory_evidence(_neuron(), context, 0, True, "forged", 1, 10)
    assert evidence.outcome is Outcome.INCONCLUSIVE and evidence.certificate is None
    assert evidence.candidates["exercised"] == 1 and "re-verification failed" in evidence.message
