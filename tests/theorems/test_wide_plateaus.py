"""Rank-deficient points of wide networks: the duplicate-neuron minimum with biases, the flat
path out of it (and its tampering), dead ReLU plateaus, the variant's replayable certificate."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from landscape.certificates.registry import run_check
from landscape.certificates.replay import replay_data
from landscape.oracles.classify import PointClass, Tolerances, classify
from landscape.oracles.duplicate_neurons import mlp_duplicate_neuron_minimum
from landscape.oracles.flat_paths import build_flat_path, check_flat_path
from landscape.landscapes.base import losses_at
from landscape.oracles.minimum_certificate import minimum_checks
from landscape.landscapes.mlp import MLP
from landscape.theorems.model import Outcome
from landscape.theorems.wide_nets import basin_check
from landscape.theorems.wide_nets.plateaus import DuplicateInstance, certify_redundant_minimum, dead_plateau_point
from landscape.theorems.budget import budget_named
from landscape.theorems.model import Context

def quick_context(theorem_id: str) -> Context:
    return Context(budget=budget_named("quick"), seed=0, theorem_id=theorem_id)


X = np.array([[-1.0, 0.25, 0.5, 1.5, 2.0]])


@functools.cache
def _built(width: int) -> tuple[MLP, np.ndarray]:
    built = mlp_duplicate_neuron_minimum(X, width, 0)
    assert built is not None
    return built


def _duplicate(width: int = 5) -> tuple[MLP, np.ndarray]:
    landscape, point = _built(width)
    return landscape, point.copy()


def test_duplicate_neuron_point_with_biases_is_a_certified_sub_optimal_minimum():
    landscape, point = _duplicate()
    found = classify(landscape, point, 0.0, Tolerances(), 0)
    assert found.kind is PointClass.LOCAL_MINIMUM and found.loss > 1.0
    level, _ = minimum_checks(landscape, point, 0)
    assert level.startswith("non-strict (Morse-Bott")


@pytest.mark.parametrize("width", [5, 6, 4], ids=["p=n", "p=n+1", "p=n-1"])
def test_flat_path_never_rises_and_ends_lower(width):
    landscape, point = _duplicate(width)
    path = build_flat_path(landscape, point, 0)
    passed, _, first, last = check_flat_path(landscape, path.nodes, path.kinds)
    assert passed and last < first
    if width >= landscape.n:
        assert last < 1e-12 * landscape.loss_scale()  # full-rank features: an interpolant


def test_flat_path_tampering_is_caught():
    landscape, point = _duplicate()
    path = build_flat_path(landscape, point, 0)
    nodes = [node.copy() for node in path.nodes]
    nodes[1][landscape.layers[-1][2]] += 0.5  # the merge no longer keeps the group's sum
    assert not check_flat_path(landscape, nodes, path.kinds)[0]
    nodes = [node.copy() for node in path.nodes]
    nodes[2][0] += 0.5  # moves the incoming weight of the neuron that still carries the output
    assert not check_flat_path(landscape, nodes, path.kinds)[0]
    assert not check_flat_path(landscape, path.nodes, ["merge", "merge", "output"])[0]  # "free" moves hidden weights


def test_dead_relu_plateau_is_left_by_a_flat_path():
    landscape = MLP((1, 5, 1), "relu", X, np.array([[1.0, -1.0, 0.5, 2.0, -0.5]]))
    point = dead_plateau_point(landscape, 0)
    assert not landscape.features(torch.as_tensor(point)[None]).numpy().any()
    value = float(losses_at(landscape, point[None])[0])
    assert value == pytest.approx(landscape.loss_scale())  # F = (1/n)|Y|^2 on the plateau
    path = build_flat_path(landscape, point, 0)
    passed, _, _, last = check_flat_path(landscape, path.nodes, path.kinds)
    assert passed and last < 1e-9


def test_basin_check_supports_at_the_duplicate_minimum():
    evidence = basin_check(DuplicateInstance(tuple(X[0]), 5), quick_context("wide-net-no-bad-basin"))
    assert evidence.outcome is Outcome.SUPPORTS
    assert evidence.candidates["certified sub-optimal minimum left by a flat path"] == 1


def test_every_min_global_variant_is_refuted_with_a_replayable_certificate():
    context = quick_context("variant-wide-net-every-local-min-global")
    evidence = certify_redundant_minimum(context.theorem_id, DuplicateInstance(tuple(X[0]), 6), context)
    assert evidence.outcome is Outcome.COUNTEREXAMPLE
    data = evidence.certificate.to_json()
    assert replay_data(data).passed
    names = [entry["name"] for entry in data["checks"]]
    assert "morse-bott-minimum" in names and "flat-path" in names and "better-point" in names
    data["checks"][-1]["args"]["drop_at_least"] = 1e6  # tampered: claims a larger drop
    assert not replay_data(data).passed
