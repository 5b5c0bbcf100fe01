"""The §VI landscapes against sympy and finite differences, the coercivity bound against the
numerical infimum over spheres, rank tolerances, the path/critical-point constructions, and the
exponential neuron's certificates (bad minima of L_n, their lifts, zero-loss minima of L~)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from landscape.certificates.registry import run_check
from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.base import DTYPE, landscape_from_spec, loss_at
from landscape.landscapes.mlp import MLP
from landscape.landscapes.modified_nets import (
    CubicReQUNet,
    ExponentialNeuronNet,
    cubic_bound_minimiser,
    sphere_infimum,
)
from landscape.oracles.classify import Tolerances
from landscape.oracles.requ_minimum import (
    certify_requ_minimum,
    extended_inputs,
    extension_hessians,
    live_network,
    revival_direction,
    split_neurons,
)
from landscape.theorems.modifications.exponential_neuron import (
    ExponentialInstance,
    lift_figures,
    segment_losses,
    zero_loss_neighbour,
)
from landscape.theorems.modifications.full_rank import (
    RANK_RTOL,
    derivatives_nonzero_at_zero,
    rank_figures,
)
from landscape.theorems.modifications.relu_hinge import BumpData, local_minimum_figures
from landscape.theorems.modifications.requ_cubic import (
    RequInstance,
    _newton_live,
    _revive,
    interpolating_requ_point,
)

X = np.array([[-1.0, 0.0, 1.5]])
Y = np.array([[1.0, -1.0, 1.0]])


def _exp_net(regulariser=0.5, loss="logistic"):
    return ExponentialNeuronNet((1, 2, 1), "tanh", X, Y, regulariser, loss)


def _hinge_exp_net():
    return _exp_net(0.5, "hinge3")


def _requ_net():
    return CubicReQUNet(X, Y, 4, [1e-2, 1.3e-2, 0.8e-2, 1.1e-2])


def _by_hand_exp(net, theta):
    (w1, b1), (w2, b2) = [(w.numpy()[0], b.numpy()[0]) for w, b in net.unpack(theta)]
    a, w, b = theta[0, net.a_index].item(), theta[0, net.a_index + 1 : net.b_index].numpy(), theta[0, net.b_index].item()
    f = w2 @ np.tanh(w1 @ X + b1[:, None]) + b2[:, None] + a * np.exp(w @ X + b)
    data = np.maximum(0.0, 1.0 - Y * f) ** 3 if net.loss_name == "hinge3" else np.log1p(np.exp(-Y * f))
    return np.mean(data) + 0.5 * net.regulariser * a**2


def _by_hand_requ(net, theta):
    (w1, b1), (w2, _) = [(w.numpy()[0], None if b is None else b.numpy()[0]) for w, b in net.unpack(theta)]
    f = w2 @ np.maximum(w1 @ X + b1[:, None], 0.0) ** 2
    r = np.sqrt((w1**2).sum(1) + b1**2)
    penalty = (net.lambdas * (np.abs(w2[0]) ** 3 + 2 * r**3)).sum() / 3
    return np.mean(np.log1p(np.exp(-Y * f))) + penalty


@pytest.mark.parametrize("make,by_hand", [(_exp_net, _by_hand_exp), (_hinge_exp_net, _by_hand_exp), (_requ_net, _by_hand_requ)],
                         ids=["exp-neuron", "exp-neuron-hinge3", "requ-cubic"])
def test_loss_matches_a_hand_written_formula_and_gradient_matches_finite_differences(make, by_hand):
    net = make()
    theta = net.random_points(1, torch.Generator().manual_seed(0))
    assert float(net.loss(theta)[0]) == pytest.approx(by_hand(net, theta), rel=1e-13)
    gradient = net.gradient(theta)[0].numpy()
    step = 1e-6
    for i in range(net.n_params):
        e = torch.zeros_like(theta)
        e[0, i] = step
        numeric = (float(net.loss(theta + e)[0]) - float(net.loss(theta - e)[0])) / (2 * step)
        assert numeric == pytest.approx(gradient[i], rel=1e-6, abs=1e-8)
    assert torch.equal(landscape_from_spec(net.spec()).loss(theta), net.loss(theta))


def test_exponential_neuron_gradient_matches_sympy_on_its_extra_parameters():
    import sympy

    net = _exp_net()
    theta = net.random_points(1, torch.Generator().manual_seed(1))
    extra = theta[0, net.base_params :].tolist()
    a, w, b = sympy.symbols("a w b", real=True)
    outputs = net.base_outputs(theta)[0, 0].tolist()
    expression = sum(sympy.log(1 + sympy.exp(-yi * (fi + a * sympy.exp(w * xi + b))))
                     for xi, yi, fi in zip(X[0], Y[0], outputs)) / 3 + sympy.Rational(1, 4) * a**2
    at = dict(zip((a, w, b), extra))
    exact = [float(sympy.diff(expression, s).evalf(30, subs=at)) for s in (a, w, b)]
    np.testing.assert_allclose(net.gradient(theta)[0, net.base_params :].numpy(), exact, rtol=1e-10)



@pytest.mark.parametrize("loss", ["logistic", "hinge3"])
def test_gradient_identity_forces_a_to_zero_at_critical_points(loss):
    net = _exp_net(0.7, loss)
    theta = net.random_points(16, torch.Generator().manual_seed(2))
    g = net.gradient(theta)
    a = theta[:, net.a_index]
    identity = a * g[:, net.a_index] - g[:, net.b_index]
    np.testing.assert_allclose(identity.numpy(), 0.7 * (a**2).numpy(), rtol=1e-12, atol=1e-15)


def test_cubic_penalty_has_zero_derivatives_at_a_dead_neuron():
    net = _requ_net()
    theta = torch.zeros(1, net.n_params, dtype=DTYPE)
    assert torch.isfinite(net.hessian(theta)).all()
    assert float(net.gradient(theta).abs().max()) == 0.0


def test_coercivity_bound_is_tight_for_the_penalty_and_below_the_sphere_infimum():
    net = _requ_net()
    constant = net.coercivity_constant()
    for radius in (1.0, 5.0, 20.0):
        point = cubic_bound_minimiser(net, radius)
        assert np.linalg.norm(point) == pytest.approx(radius, rel=1e-14)
        assert float(net.penalty(torch.as_tensor(point)[None])[0]) == pytest.approx(constant * radius**3, rel=1e-12)
        value, found = sphere_infimum(net, radius, 8, 0, steps=60)
        assert np.linalg.norm(found) == pytest.approx(radius, rel=1e-12)
        assert value >= constant * radius**3 * (1 - 1e-9)
    rng = np.random.default_rng(3)
    for _ in range(20):  # random points: F >= c |theta|^3 too
        point = rng.standard_normal(net.n_params) * rng.uniform(0.1, 30)
        assert float(net.loss(torch.as_tensor(point)[None])[0]) >= constant * np.linalg.norm(point) ** 3


def test_rank_tolerance_separates_full_from_deficient():
    full = np.diag([1.0, 1e-3, 1e-6])
    assert rank_figures(full)["rank"] == 3
    deficient = np.diag([1.0, 1e-3, 0.5 * RANK_RTOL * 3])
    assert rank_figures(deficient)["rank"] == 2
    assert rank_figures(np.zeros((2, 3)))["rank"] == 0


def test_claim_vi2_hypothesis_decided_exactly():
    assert derivatives_nonzero_at_zero("exp", 5)
    assert not derivatives_nonzero_at_zero("tanh", 1)  # tanh(0) = 0
    assert not derivatives_nonzero_at_zero("sigmoid", 3)  # sigmoid''(0) = 0


def test_constructions_are_what_they_claim():
    instance = RequInstance(((0.0, 1.0, -1.5),), (1.0, -1.0, 1.0), 1, 1e-3)
    net = instance.landscape(regularised=False)
    outputs = net.outputs(torch.as_tensor(interpolating_requ_point(net))[None])[0, 0].numpy()
    np.testing.assert_allclose(outputs, net.y[0], atol=1e-12)
    bump = BumpData((-1.5, -0.5, 0.0, 1.0, 2.0), (1, 3), -1)
    base = MLP((1, 2, 1), "relu", [bump.x], [bump.labels()], "hinge3", True)
    margins = bump.labels() * base.outputs(torch.as_tensor(bump.teacher())[None])[0, 0].numpy()
    assert margins.min() >= 1.5 and float(base.loss(torch.as_tensor(bump.teacher())[None])[0]) == 0.0


@pytest.mark.parametrize("build,message", [
    (lambda: ExponentialNeuronNet((1, 2, 1), "tanh", X, Y, -1.0), "regulariser"),
    (lambda: CubicReQUNet(X, Y, 3, [1e-2, 1e-2]), "lambdas"),
    (lambda: CubicReQUNet(X, Y, 0, []), "width"),
    (lambda: ExponentialNeuronNet((1, 2, 1), "relu", X, 2 * Y, 0.1, "hinge3"), "labels"),
], ids=["negative-lambda", "lambda-count", "zero-width", "hinge3-labels"])
def test_bad_input_is_one_clear_error(build, message):
    with pytest.raises((InvalidArgument, DataError), match=message):
        build()


def test_smooth_radius_is_the_distance_to_the_nearest_requ_kink() -> None:
    from landscape.oracles.minimum_certificate import strict_minimum_radius

    net = _requ_net()
    assert net.smooth_radius(np.zeros(net.n_params)) == 0.0  # theta = 0: every neuron at its kink
    assert strict_minimum_radius(net, np.zeros(net.n_params)) is None  # no ball free of kinks
    point = np.random.default_rng(0).standard_normal(net.n_params)
    (w1, b1), _ = net.unpack(torch.as_tensor(point, dtype=DTYPE)[None])
    pre = (w1[0].numpy() @ net.x + b1[0].numpy()[:, None])
    expected = np.min(np.abs(pre) / np.sqrt(1.0 + (net.x**2).sum(0))[None, :])
    assert net.smooth_radius(point) == pytest.approx(expected, rel=1e-12)


# -- The exponential neuron under the polynomial hinge ----------------------------------------

BUMP = BumpData((-1.5, -0.5, 0.0, 1.0, 2.0), (1, 3), 1)  # labels + - - + +


def _bump_base():
    return MLP((1, 2, 1), "relu", [BUMP.x], [BUMP.labels()], "hinge3", True)


def _constant_classifier(base):
    """Both units dead, output bias at the exact minimiser of 3 (1 - b)^3 + 2 (1 + b)^3 over b:
    (1 + b) / (1 - b) = sqrt(3/2)."""
    ratio = np.sqrt(1.5)
    bias = (ratio - 1) / (ratio + 1)
    point = np.array([1.0, -1.0, -5.0, -5.0, 0.7, -0.3, bias])
    value = (3 * (1 - bias) ** 3 + 2 * (1 + bias) ** 3) / 5
    return point, value


def test_hinge3_symbolic_loss_matches_the_numerical_one():
    from landscape.oracles.interval.forms import interval_form

    base = _bump_base()
    assert interval_form(base) is None  # no ball arithmetic for max(0, .)^3: certificates say float64
    point = torch.as_tensor([[0.8, -1.1, 0.3, 0.2, 0.9, -0.4, 0.1]], dtype=DTYPE)
    symbols, expression = base.symbolic()
    exact = float(expression.subs(dict(zip(symbols, point[0].tolist()))))
    assert float(base.loss(point)[0]) == pytest.approx(exact, rel=1e-12)


def test_bad_minimum_certificate_at_a_known_minimum_and_its_refusals():
    base = _bump_base()
    point, value = _constant_classifier(base)
    figures = local_minimum_figures(base, point)
    assert figures["certified"], figures["reason"]
    assert figures["dead_units"] == 2 and value - 1e-12 <= figures["loss"] and figures["value_at_least"] <= value + 1e-12
    assert figures["value_at_least"] == pytest.approx(value, rel=1e-9)
    near = point.copy()
    near[-1] += 0.05  # near the minimiser: certified, with a bound below the true value
    near_figures = local_minimum_figures(base, near)
    assert near_figures["certified"] and near_figures["value_at_least"] <= value and near_figures["loss"] > value
    far = point.copy()
    far[-1] += 1.5  # the positives pass the margin; the negatives' pull is too large for the radius argument
    assert "reduced gradient" in local_minimum_figures(base, far)["reason"]
    kink = point.copy()
    kink[2] = 1.5  # unit 1 (w = 1) has pre-activation 0 at x = -1.5
    assert "kink" in local_minimum_figures(base, kink)["reason"]
    teacher = local_minimum_figures(base, BUMP.teacher())
    assert not teacher["certified"] and "no sample has positive loss" in teacher["reason"]


def test_certified_bad_minimum_is_not_beaten_nearby():
    """The certificate says L_n >= value_at_least near the point: sampled points around it agree."""
    from landscape.searching.critical_points import search

    base = _bump_base()
    found = search(base, 16, 100, 5, 3)
    certified = [(p, f) for p in found.points if (f := local_minimum_figures(base, p))["certified"] and f["value_at_least"] > 0]
    assert certified, "the search reached no certified bad minimum of L_n"
    rng = np.random.default_rng(0)
    for point, figures in certified:
        moves = rng.standard_normal((200, point.size)) * 10.0 ** rng.uniform(-8, -3, (200, 1))
        values = base.loss(torch.as_tensor(point[None] + moves)).numpy()
        assert values.min() >= figures["value_at_least"] - 1e-12


def test_lift_of_a_bad_minimum_is_not_critical_and_falls_along_a():
    instance = ExponentialInstance(BUMP, 0.3)
    net = instance.landscape()
    theta, _ = _constant_classifier(net.base_network())
    point = np.concatenate([theta, [0.0, 1.0, 0.0]])
    figures = lift_figures(net, point)
    assert figures["certified"]
    gradient = net.gradient(torch.as_tensor(point)[None])[0].numpy()
    assert gradient[net.a_index] == pytest.approx(figures["slope"], rel=1e-12)  # S is dL~/da
    np.testing.assert_allclose(np.delete(gradient, net.a_index), 0.0, atol=1e-12)  # only a moves
    losses = segment_losses(net, point, figures["slope"])
    assert (np.diff(losses) < 0).all()
    moved = point.copy()
    moved[net.a_index] = 1e-9  # a != 0: the lift check refuses
    assert not lift_figures(net, moved)["certified"]


def test_zero_loss_neighbour_reaches_an_exact_zero():
    for regulariser in (0.0, 0.2):
        net = ExponentialInstance(BUMP, regulariser).landscape()
        point = np.concatenate([BUMP.teacher(), [0.05, 0.3, -1.0]])
        point[4:7] *= 0.999 / 1.5  # margins just below 1: not zero loss yet
        assert float(net.loss(torch.as_tensor(point)[None])[0]) > 0
        neighbour = zero_loss_neighbour(net, point)
        assert neighbour is not None and float(net.loss(torch.as_tensor(neighbour)[None])[0]) == 0.0
        assert (neighbour[net.a_index] == 0.0) == (regulariser > 0)
        assert np.linalg.norm(neighbour - point) < 0.03 * np.linalg.norm(point)


def test_logistic_no_minimum_check_needs_its_premises():
    from landscape.certificates.registry import resolve
    from landscape.oracles.classify import Tolerances

    check = resolve("exp-neuron-logistic-no-minimum", None)
    instance = ExponentialInstance(BUMP, 0.1, "logistic")
    net = instance.landscape()
    assert check(net, instance.teacher_point(), Tolerances(), {}).passed
    repeated = ExponentialNeuronNet((1, 2, 1), "relu", [[0.0, 0.0, 1.0]], [[1.0, 1.0, -1.0]], 0.1, "logistic")
    assert not check(repeated, np.zeros(repeated.n_params), Tolerances(), {}).passed
    unregularised = ExponentialNeuronNet((1, 2, 1), "relu", [BUMP.x], [BUMP.labels()], 0.0, "logistic")
    assert not check(unregularised, instance.teacher_point(), Tolerances(), {}).passed


def test_property_decides_an_instance_and_its_lambda_zero_twin_is_refuted_by_the_search():
    from landscape.theorems.budget import budget_named
    from landscape.theorems.model import Context, Outcome
    from landscape.theorems.modifications.exponential_neuron import exponential_check

    context = Context(budget_named("quick"), 0, theorem_id="exponential-neuron-no-bad-min")
    evidence = exponential_check(ExponentialInstance(BUMP, 0.1), context)
    assert evidence.outcome is Outcome.SUPPORTS, evidence.message
    assert evidence.candidates["bad minimum of L_n lifted: not a minimum of L~"] >= 1
    twin = exponential_check(ExponentialInstance(BUMP, 0.0), context)
    assert twin.outcome is Outcome.COUNTEREXAMPLE, twin.message
    assert [check["name"] for check in twin.certificate.checks] == ["exp-neuron-active-minimum"]


# -- the strict-minimum certificate next to ReQU kinks (oracles/requ_minimum) -----------------

# A converged end point of the search on this instance: neurons 0, 2, 3 dead (exactly zero) and
# the pair (sample 1, neuron 4) exactly at its kink (t = 0), so F is not twice differentiable there.
KINK_INSTANCE = RequInstance(((1.5, 1.0, -1.0),), (-1.0, -1.0, 1.0), 1, 3e-4)
KINK_POINT = np.array([0.0, 1.104153077177558, 0.0, 0.0, -1.1043735494430345, 0.0, 1.0945362146206756, 0.0, 0.0,
                       1.1043735494430345, 0.0, -1.5547229794908233, 0.0, 0.0, 1.5618200515484535])


def test_piecewise_certificate_accepts_a_true_minimum_at_a_kink():
    net = KINK_INSTANCE.landscape()
    split = split_neurons(net, KINK_POINT)
    assert split.dead == (0, 2, 3)
    assert (split.v @ extended_inputs(net))[4, 1] == 0.0  # a live pair exactly at its kink
    result = certify_requ_minimum(net, KINK_POINT)
    assert result.certified, result.reason
    assert result.ambiguous == ((1, 4),) and result.patterns == 2
    assert result.kappa < result.dead_lambda and result.margin_lower_bound > 0
    # Both smooth extensions are judged: their Hessians differ, and mu is the smaller bound.
    live, live_point = live_network(net, split)
    pre = split_neurons(live, live_point).v @ extended_inputs(live)
    masks = np.stack([(pre > 0).astype(float)] * 2)
    masks[1, 1, 1] = 1.0  # the kink pair on its t^2 side
    hessians = extension_hessians(live, live_point, masks)
    assert np.abs(hessians[0] - hessians[1]).max() > 1e-6
    assert result.hessian_min_lower_bound <= min(np.linalg.eigvalsh(h)[0] for h in hessians)
    # Independent of the argument: no sampled point near it is lower.
    rng = np.random.default_rng(0)
    value = float(net.loss(torch.as_tensor(KINK_POINT)[None])[0])
    for scale in (1e-6, 1e-4, 1e-3, 1e-2):
        directions = rng.standard_normal((2000, KINK_POINT.size))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        values = net.loss(torch.as_tensor(KINK_POINT[None] + scale * directions)).numpy()
        assert (values > value).all()
    entry = {"name": "requ-piecewise-minimum", "args": {"dead": [0, 2, 3], "ball_radius": result.ball_radius}}
    assert run_check(entry, net, KINK_POINT, Tolerances()).passed


def test_piecewise_certificate_rejects_a_degenerate_saddle_with_a_revivable_neuron():
    net = CubicReQUNet(((0.0, 0.5),), ((1.0, 1.0),), 3, RequInstance(((0.0, 0.5),), (1.0, 1.0), 0, 1e-3).lambdas())
    point = np.zeros(net.n_params)  # neuron 0 (lambda = 1.618e-3) serves both samples, the cheaper neuron 1 is dead
    point[[0, 3, 6]] = [-1.0, 1.8, 1.8]
    point = _newton_live(net, point)
    assert float(net.gradient(torch.as_tensor(point)[None]).norm()) < 1e-12
    result = certify_requ_minimum(net, point)
    assert not result.certified and "revived" in result.reason
    neuron, direction = revival_direction(net, point)
    assert neuron == 1
    revived = _revive(net, point, neuron, direction)
    assert revived is not None and loss_at(net, revived) < loss_at(net, point)  # a true descent: not a minimum
    entry = {"name": "requ-piecewise-minimum", "args": {"dead": [1, 2], "ball_radius": 1e-3}}
    assert not run_check(entry, net, point, Tolerances()).passed


@pytest.mark.parametrize("weight,certified", [(1e-3, False), (1.0, True)], ids=["small-lambda", "large-lambda"])
def test_the_origin_is_a_strict_minimum_exactly_when_every_lambda_exceeds_kappa(weight, certified):
    """At theta = 0, Q(v) = (1/4)((v.x~_2)_+^2 - (v.x~_1)_+^2) for x = (0, 1/2), y = (1, -1); its
    largest |Q| on the sphere is the top eigenvalue of (x~_2 x~_2^T - x~_1 x~_1^T) / 4."""
    net = CubicReQUNet([[0.0, 0.5]], [[1.0, -1.0]], 3, [weight] * 3)
    result = certify_requ_minimum(net, np.zeros(net.n_params))
    tilde = extended_inputs(net)
    expected = np.linalg.eigvalsh((np.outer(tilde[:, 1], tilde[:, 1]) - np.outer(tilde[:, 0], tilde[:, 0])) / 4)[-1]
    assert result.kappa == pytest.approx(expected, rel=1e-8)
    assert result.certified is certified and result.margin_upper_bound == 0.0


def test_kappa_enumeration_bounds_and_attains_the_largest_q_on_the_sphere():
    from landscape.oracles.requ_minimum import kappa_and_direction, q_form

    rng = np.random.default_rng(4)
    for _ in range(5):
        inputs = np.vstack([rng.uniform(-2, 2, (2, 4)), np.ones((1, 4))])
        weights = rng.standard_normal(4)
        kappa, direction = kappa_and_direction(weights, inputs)
        samples = rng.standard_normal((20000, 3))
        samples /= np.linalg.norm(samples, axis=1, keepdims=True)
        sampled = max(abs(q_form(weights, inputs, v)) for v in samples)
        assert sampled <= kappa and kappa <= sampled * (1 + 1e-2)
        assert abs(q_form(weights, inputs, direction)) == pytest.approx(kappa, rel=1e-8)
