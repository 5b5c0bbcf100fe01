"""Interval proofs: existence (Krawczyk), class, sub-optimality; tampering and refusals."""

from __future__ import annotations

import numpy as np
import pytest

from landscape.certificates.interval import rigour_for
from landscape.oracles.interval.proofs import NotCritical, prove
from landscape.landscapes.builders import spec_of
from landscape.certificates.certificate import Certificate
from landscape.certificates.replay import replay_data
from landscape.oracles.classify import PointClass
from landscape.landscapes.deep_linear import DeepLinear
from landscape.landscapes.mlp import MLP
from landscape.landscapes.networks import SigmoidNet, SingleNeuron

# seed 001 Prop IV.3: the tilted-sine net's bad strict local minimum and a zero-loss interpolant.
NARROW = MLP((1, 1, 1), "tilted-sine", [[0.0, 0.25]], [[-0.5707963267948966, 2.5707963267948966]])
NARROW_MIN = np.array([-25.132741228718345, 4.188790204786391, -1.0])
NARROW_BETTER = np.array([3.959960071373886, -0.4105315064716528, 2.179145472646392])
# seed 001 Prop IV.2: three identical sigmoid neurons with output weights 1/3 (a Morse-Bott minimum).
SIGMOID = SigmoidNet(3, [[0.0, 0.5, 1.0]], [0.7037835935850543, -0.15132531284751627, 1.3382028436600266])
SIGMOID_MIN = np.array([1.3238135928330654] * 3 + [1 / 3] * 3)


def _certificate(landscape, point: np.ndarray, kind: PointClass, checks: list[dict], direction=None) -> Certificate:
    rigour, note, extra = rigour_for(landscape, point, kind, checks, direction)
    return Certificate("interval-test", "witness", "test", spec_of(landscape), [float(v) for v in point],
                       checks + extra, rigour=rigour, rigour_note=note)


def _better(point: np.ndarray) -> list[dict]:
    return [{"name": "better-point", "args": {"point": point.tolist(), "gap_at_least": 0.5}}]


def test_strict_minimum_is_proved_with_existence_class_and_suboptimality() -> None:
    proof = prove(NARROW, NARROW_MIN, "strict-minimum", better=NARROW_BETTER)
    assert proof.proved, proof.reason
    assert set(proof.parts) == {"existence", "class", "suboptimal"}
    assert 0.0 < proof.radius < 1e-6


def test_tampered_point_just_outside_the_box_fails_existence_on_replay() -> None:
    certificate = _certificate(NARROW, NARROW_MIN, PointClass.LOCAL_MINIMUM, _better(NARROW_BETTER))
    assert certificate.rigour == "interval", certificate.rigour_note
    assert replay_data(certificate.to_json()).passed
    radius = next(c["args"]["radius"] for c in certificate.checks if c["name"] == "interval-existence")
    for factor, survives in ((0.5, True), (1.5, False)):
        data = certificate.to_json()
        data["point"][1] += factor * radius
        results = {r.name: r for r in replay_data(data).results}
        assert results["interval-existence"].passed is survives, results["interval-existence"].detail
    assert "Krawczyk failed" in results["interval-existence"].detail


def test_a_proof_at_a_non_critical_point_is_refused() -> None:
    with pytest.raises(NotCritical, match="not a critical point"):
        prove(NARROW, NARROW_MIN + np.array([0.0, 0.05, 0.0]), "strict-minimum")
    rigour, note, extra = rigour_for(NARROW, NARROW_MIN + 0.05, PointClass.LOCAL_MINIMUM, [])
    assert (rigour, extra) == ("float64", []) and "refused: not a critical point" in note


def test_morse_bott_minimum_by_duplicate_neuron_reduction() -> None:
    proof = prove(SIGMOID, SIGMOID_MIN, "morse-bott-minimum")
    assert proof.proved, proof.reason
    assert proof.args["reduction"] == "duplicate-neurons"
    assert "normal Hessian (4 of 6" in proof.parts["class"][1]


def test_morse_bott_point_is_not_a_strict_minimum() -> None:
    """The Hessian is singular along the flat directions: Krawczyk cannot isolate the point."""
    proof = prove(SIGMOID, SIGMOID_MIN, "strict-minimum")
    assert not proof.proved
    assert "Krawczyk failed" in proof.reason or "not definite" in proof.reason


def test_split_neurons_are_refused_not_proved() -> None:
    """Moving one neuron's weight by 1e-3 breaks both the duplicate group and criticality: refused."""
    split = SIGMOID_MIN.copy()
    split[0] += 1e-3
    with pytest.raises(NotCritical, match="Newton step"):
        prove(SIGMOID, split, "morse-bott-minimum")


def test_exact_critical_line_of_the_single_neuron() -> None:
    """Seed 001 Fig. 2: phi(t) = -(t-1)^2/8, (w, v) = (1, 1): critical along the whole v-line, F >= 1 near it."""
    landscape = SingleNeuron("negative-shifted-square", 1.0, 1.0)
    proof = prove(landscape, np.array([1.0, 1.0]), "morse-bott-minimum", better=np.array([2.0, -8.0]))
    assert proof.proved, proof.reason
    assert proof.args["reduction"] == "exact-line"
    # v < 0 makes F decrease in w: the normal Hessian is negative there and the proof must fail.
    assert not prove(landscape, np.array([1.0, -1.0]), "morse-bott-minimum").proved


def test_strict_saddle_by_negative_rayleigh_quotient() -> None:
    landscape = DeepLinear((1, 1, 1), [[1.0, 2.0]], [[1.0, 1.5]])
    origin = np.zeros(2)
    assert prove(landscape, origin, "strict-saddle", direction=np.array([1.0, 1.0]) / np.sqrt(2)).proved
    flat = prove(landscape, origin, "strict-saddle", direction=np.array([1.0, -1.0]) / np.sqrt(2))
    assert not flat.proved and "not certified negative" in flat.reason


def test_claimed_interval_rigour_without_its_checks_fails_replay() -> None:
    certificate = _certificate(NARROW, NARROW_MIN, PointClass.LOCAL_MINIMUM, _better(NARROW_BETTER))
    data = certificate.to_json()
    data["checks"] = [c for c in data["checks"] if not c["name"].startswith("interval-")]
    results = {r.name: r for r in replay_data(data).results}
    assert not results["rigour"].passed


def test_user_landscape_without_a_form_stays_float64() -> None:
    class Plain(DeepLinear):
        family = "plain-test"

    rigour, note, _ = rigour_for(Plain((1, 1, 1), [[1.0]], [[1.0]]), np.zeros(2), PointClass.STRICT_SADDLE, [], [1.0, 1.0])
    assert rigour == "float64" and "no interval form" in note


def test_user_landscape_with_its_own_interval_form_is_proved() -> None:
    """A user landscape that supplies interval_jet (written with landscape.oracles.interval.jets) reaches interval."""
    from flint import arb

    from landscape.oracles.interval import jets

    class Bowl(DeepLinear):
        family = "bowl-test"

        def interval_jet(self, balls, second_order):
            x, y = jets.variables(balls, second_order)
            return (x - 1).square() + (y + arb(1) / 2).square() * 2 + jets.sin(x - 1).square()

    import torch

    bowl = Bowl((1, 1, 1), [[1.0]], [[1.0]])
    bowl.loss = lambda theta: (theta[:, 0] - 1) ** 2 + 2 * (theta[:, 1] + 0.5) ** 2 + torch.sin(theta[:, 0] - 1) ** 2
    bowl.gradient = lambda theta: torch.stack([2 * (theta[:, 0] - 1) + torch.sin(2 * (theta[:, 0] - 1)), 4 * (theta[:, 1] + 0.5)], 1)
    bowl.hessian = lambda theta: torch.diag(torch.tensor([2.0 + 2.0 * float(torch.cos(2 * (theta[0, 0] - 1))), 4.0]))[None]
    rigour, note, extra = rigour_for(bowl, np.array([1.0, -0.5]), PointClass.LOCAL_MINIMUM, [])
    assert rigour == "interval" and [c["name"] for c in extra] == ["interval-existence", "interval-class"], note


def test_strict_saddle_with_duplicate_neurons_is_proved_on_the_merged_net() -> None:
    """Output weights 2 and -1 on two identical neurons: the Hessian is singular along v_1 - v_2, so only
    the reduction isolates the critical point; the negative curvature is then certified over the box."""
    landscape = SigmoidNet(2, [[0.0, 0.5, 1.0]], [0.36455674749133005, 0.007812708366917831, 1.5579754418505496])
    point = np.array([2.0, 2.0, 2.0, -1.0])
    direction = np.array([-0.057181777799549305, -0.9962478891900869, -0.045936845625162426, -0.045936845625162204])
    proof = prove(landscape, point, "strict-saddle", direction=direction)
    assert proof.proved and proof.args["reduction"] == "duplicate-neurons", proof.reason
    assert not prove(landscape, point, "strict-saddle", direction=np.array([0.0, 0.0, 1.0, -1.0]) / np.sqrt(2)).proved
