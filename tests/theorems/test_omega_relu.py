"""Omega of the one-hidden-layer ReLU pair: certified brackets from exact polars and explicit
factorisations (003 Def 1.7, Prop 1.8, eqs (1.45)-(1.47))."""

from __future__ import annotations

import math

import numpy as np
import pytest

from landscape.theorems.budget import budget_named
from landscape.errors import InvalidArgument
from landscape.certificates.registry import run_check
from landscape.certificates.replay import replay_data
from landscape.oracles.classify import Tolerances
from landscape.landscapes.relu import ReluWeightDecay, relu_polar
from landscape.oracles.relu_gauge import (
    atoms,
    certified_lower,
    factorisation,
    gauge_bracket,
    weights,
)
from landscape.theorems.catalogue import REGISTRY
from landscape.theorems.model import Context, Outcome
from landscape.theorems.factorisation.omega_relu import (
    ReluOmegaInstance,
    evidence_record,
    relu_omega_check,
)


def data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """X = [x; 1] with n distinct inputs, and the output of a random 2-unit ReLU net."""
    rng = np.random.default_rng(seed)
    x = np.stack([np.sort(rng.uniform(-2, 2, n)), np.ones(n)])
    w1, w2 = rng.standard_normal((2, 2)), rng.standard_normal((1, 2))
    return x, (w2 @ np.maximum(w1.T @ x, 0)).ravel()


def test_one_atom_at_the_polar_maximiser_has_omega_equal_to_its_coefficient():
    # Omega(c a(u*)) <= |c| (one balanced unit), and R / Omega°(R) with u* its polar maximiser gives
    # <R, c a(u*)> / Omega°(R) = |c|: Omega = |c| exactly.
    rng = np.random.default_rng(3)
    x = np.stack([np.array([-1.5, -0.2, 0.7, 1.9]), np.ones(4)])
    for _ in range(5):
        r = rng.standard_normal(4)
        polar = relu_polar(x, r[None, :])
        atom = np.maximum(x.T @ polar.inner, 0)
        c = float(rng.uniform(0.3, 3.0)) * math.copysign(1.0, float(r @ atom))
        b = gauge_bracket(x, c * atom)
        assert b.lower <= abs(c) * (1 + 1e-12) and abs(c) <= b.upper * (1 + 1e-12)
        assert b.upper - b.lower <= 1e-7 * abs(c)


def test_single_sample_gauge_is_the_output_over_the_sample_norm():
    # One sample x: the atoms are ReLU(u^T x) in [0, ||x||], so Omega(phi) = |phi| / ||x||.
    x = np.array([[0.6], [1.0]])
    for phi in (2.0, -0.7):
        b = gauge_bracket(x, np.array([phi]))
        exact = abs(phi) / math.hypot(0.6, 1.0)
        assert b.lower <= exact * (1 + 1e-12) and exact <= b.upper * (1 + 1e-12)
        assert b.width <= 1e-12 * exact


@pytest.mark.parametrize("seed", range(4))
def test_brackets_are_ordered_positive_and_replay_from_their_dual_and_factorisation(seed):
    x, phi = data(4, seed)
    b = gauge_bracket(x, phi)
    assert 0 < b.lower <= b.upper and b.relative_width() <= 1e-6
    assert abs(certified_lower(x, phi, b.dual) - b.lower) <= 1e-12 * b.upper
    w1, w2 = weights(b.units, b.coefficients)
    assert np.allclose((w2 @ np.maximum(w1.T @ x, 0)).ravel(), phi, rtol=0, atol=1e-12)
    assert 0.5 * ((w1**2).sum() + (w2**2).sum()) <= b.upper * (1 + 1e-12)


def test_cut_loop_raises_the_lower_bound_and_lowers_the_relaxation():
    x, phi = data(4, 1)
    b = gauge_bracket(x, phi, gap_rtol=1e-9)
    lowers, relaxed = np.array(b.lower_history), np.array(b.relaxation_history)
    assert len(lowers) >= 3
    assert np.all(np.diff(lowers) >= 0) and lowers[-1] > lowers[0]
    assert np.all(np.diff(relaxed) <= 1e-9 * relaxed[0])  # more cuts, smaller LP relaxation
    assert np.all(relaxed >= b.lower - 1e-9 * b.upper)  # every relaxation value bounds Omega above
    assert relaxed[-1] - lowers[-1] < relaxed[0] - lowers[0]


def test_brackets_agree_with_a_dense_factorisation_lp():
    # min sum |c_i| over 4001 units on the circle: an upper bound that a fine grid brings close to Omega.
    x, phi = data(3, 5)
    b = gauge_bracket(x, phi)
    angles = np.linspace(0, 2 * math.pi, 4001)[:-1]
    units = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    support, c = factorisation(x, phi, units)
    dense = float(np.abs(c).sum())
    assert np.allclose(atoms(x, support).T @ c, phi, atol=1e-10)
    assert b.lower <= dense * (1 + 1e-10) and dense - b.upper <= 1e-4 * b.upper


def test_zero_output_has_omega_zero_and_scaling_scales_the_bracket():
    x, phi = data(4, 2)
    zero = gauge_bracket(x, np.zeros(4))
    assert zero.lower == 0.0 and zero.upper == 0.0
    b, b3 = gauge_bracket(x, phi), gauge_bracket(x, 3.0 * phi)
    assert b3.lower <= 3 * b.upper * (1 + 1e-6) and 3 * b.lower <= b3.upper * (1 + 1e-6)


def test_bad_input_is_refused_in_one_line():
    x, phi = data(3, 0)
    with pytest.raises(InvalidArgument, match="samples"):
        gauge_bracket(x, phi[:2])
    with pytest.raises(InvalidArgument, match="n_0 <= 2"):
        gauge_bracket(np.ones((3, 3)), phi)
    with pytest.raises(InvalidArgument, match="span"):
        gauge_bracket(np.array([[0.5, 0.5, 1.0], [1.0, 1.0, 1.0]]), phi)


def instance(**changes) -> ReluOmegaInstance:
    base = {"inputs": (-1.0, 0.0, 1.5), "first": ((1.0, 0.5, 1.5), (-1.0, 0.5, -1.0)), "second": ((0.5, -1.0, 2.0),),
            "scale": 2.0, "mix": 0.25}
    base.update(changes)
    return ReluOmegaInstance(**base)


def test_prop_1_8_is_supported_and_false_claims_are_refuted_with_replayable_certificates():
    context = Context(budget=budget_named("quick"), seed=0)
    held = relu_omega_check("omega-properties")(instance(), context)
    assert held.outcome is Outcome.SUPPORTS, held.message
    # Q cancels the first unit of P: Omega(P + Q) < Omega(P) + Omega(Q).
    cancelling = instance(second=((1.0, 0.5, -1.5),))
    for relations, degree in ((("homogeneous",), 2.0), (("additive",), 1.0)):
        refuted = relu_omega_check("v", relations=relations, degree=degree)(cancelling, context)
        assert refuted.outcome is Outcome.COUNTEREXAMPLE, refuted.message
        assert refuted.certificate is not None and refuted.certificate.role == "counterexample"
        assert replay_data(refuted.certificate.to_json()).passed


def test_omega_properties_dispatches_relu_instances_to_the_bracket_check():
    context = Context(budget=budget_named("quick"), seed=0)
    evidence = REGISTRY.get("omega-properties").check(instance(), context)
    assert evidence.outcome is Outcome.SUPPORTS and "ReLU pair" in evidence.message
    assert evidence.candidates["brackets"] == 5


def test_relation_check_fails_when_it_claims_a_true_relation_is_violated():
    inst = instance()
    x, outputs = inst.x(), inst.outputs()
    record = evidence_record(x, outputs, {name: gauge_bracket(x, outputs[name]) for name in ("P", "Q", "P+Q", "tP+(1-t)Q")})
    landscape = ReluWeightDecay(x, outputs["P"][None, :], 1.0, 1)
    for relation in ("triangle", "convex"):
        entry = {"name": "omega-relu-relation", "args": {"relation": relation, "a": 2.0, "t": 0.25, "expect": "violated", "record": record}}
        assert not run_check(entry, landscape, np.zeros(3), Tolerances()).passed
        entry["args"]["expect"] = "consistent"
        assert run_check(entry, landscape, np.zeros(3), Tolerances()).passed
    forged = dict(record, P=dict(record["P"], coefficients=[2 * c for c in record["P"]["coefficients"]]))
    entry = {"name": "omega-relu-relation", "args": {"relation": "triangle", "a": 2.0, "t": 0.25, "expect": "consistent", "record": forged}}
    assert not run_check(entry, landscape, np.zeros(3), Tolerances()).passed
