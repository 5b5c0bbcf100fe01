"""Planted counterexamples and power runs: the plants are what they claim to be, a large one is
certified, a tiny one is reported as rarely found, and the record, CLI and report carry the curve."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

from landscape.theorems.budget import Budget
from landscape.cli import main
from landscape.errors import InvalidArgument
from landscape.oracles.classify import PointClass, classify
from landscape.landscapes.base import DTYPE, Landscape, landscape_from_spec, loss_at
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.optimum import optimum_of
from landscape.landscapes.planted import Plant, Planted
from landscape.engine.power import PowerSettings, draw_instances, measure_power, plan_for, zero_column_centre
from landscape.reports import write_report
from landscape.reports.records import append_record
from landscape.engine.runner import verify
from landscape.engine.files import theorems_in
from landscape.theorems.catalogue import REGISTRY

ONE_START = Budget("custom", instances=1, restarts=1, descent_steps=150, refine_steps=30)


def _landscape() -> DeepLinear:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 9))
    return DeepLinear((2, 2, 2), x, rng.standard_normal((2, 2)) @ x + 0.3 * rng.standard_normal((2, 9)))


def _plant(landscape: DeepLinear, kind: str, radius: float = 0.4) -> Plant:
    rng = np.random.default_rng(5)
    centre = 2.0 * rng.standard_normal(landscape.n_params)
    axes = np.linalg.qr(rng.standard_normal((landscape.n_params, {"bowl": 0, "strict-saddle": 1, "monkey-saddle": 2}[kind])))[0].T
    gap = loss_at(landscape, centre) - optimum_of(landscape).value
    return Plant(kind, tuple(centre), radius, 0.5 * gap, tuple(tuple(a) for a in axes))


@pytest.mark.parametrize("kind, expected", [
    ("bowl", PointClass.LOCAL_MINIMUM),
    ("monkey-saddle", PointClass.DEGENERATE_SADDLE),
    ("strict-saddle", PointClass.STRICT_SADDLE),
])
def test_a_plant_is_a_critical_point_of_its_kind_above_the_optimum(kind, expected):
    base = _landscape()
    plant = _plant(base, kind)
    planted = Planted(base, plant)
    found = classify(planted, np.array(plant.centre), optimum_of(planted).value, seed=0)
    assert found.kind is expected
    assert found.loss > optimum_of(base).value  # the plant stays above the optimum
    assert optimum_of(planted).value == optimum_of(base).value


def test_the_loss_is_unchanged_outside_the_ball_and_the_spec_rebuilds_it():
    base = _landscape()
    plant = _plant(base, "bowl")
    planted = Planted(base, plant)
    rng = np.random.default_rng(0)
    directions = rng.standard_normal((16, base.n_params))
    outside = np.array(plant.centre) + plant.radius * (1.0 + rng.random((16, 1))) * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    points = torch.as_tensor(outside, dtype=DTYPE)
    assert torch.equal(planted.loss(points), base.loss(points))
    rebuilt = landscape_from_spec(json.loads(json.dumps(planted.spec())))
    assert loss_at(rebuilt, plant.centre) == loss_at(planted, plant.centre) == pytest.approx(loss_at(base, plant.centre) - plant.depth)


def test_a_bowl_around_every_start_is_certified_every_time():
    theorem = REGISTRY.get("deep-linear-no-bad-local-min")
    # radius 20 start norms: the one start lies in the inner half of the ball, where the loss is the bowl
    power = measure_power(theorem, ONE_START, 0, power=PowerSettings(radii=(20.0,), plants=2))
    assert power["kind"] == "bowl"
    assert power["by_radius"] == {"20": [2, 2]}
    assert power["r50"] == power["r95"] == 20.0
    assert power["elsewhere"] == 0 and not power["errors"]


def test_a_bowl_far_below_a_one_start_search_is_reported_as_rarely_found():
    theorem = REGISTRY.get("deep-linear-no-bad-local-min")
    power = measure_power(theorem, ONE_START, 0, power=PowerSettings(radii=(1e-3,), plants=4))
    found, planted = power["by_radius"]["0.001"]
    assert planted == 4
    assert found <= 1  # a 1e-3 ball is hit by one start with probability far below 1/4
    assert power["r95"] is None


def test_same_seed_same_power():
    theorem = REGISTRY.get("deep-linear-no-bad-local-min")
    settings = PowerSettings(radii=(0.5, 5.0), plants=1)
    first, second = (measure_power(theorem, ONE_START, 4, power=settings) for _ in range(2))
    first.pop("seconds"), second.pop("seconds")
    assert first == second


def test_claims_without_a_plant_say_why():
    for theorem_id in ("balancedness-invariant", "deep-linear-degenerate-saddle-at-zero", "variant-deep-linear-every-saddle-strict"):
        plan = plan_for(REGISTRY.get(theorem_id))
        assert isinstance(plan, str) and plan
    power = measure_power(REGISTRY.get("balancedness-invariant"), ONE_START)
    assert power == {"applicable": False, "reason": plan_for(REGISTRY.get("balancedness-invariant"))}


def test_the_factorisation_plant_breaks_thm_1_5_where_it_can():
    theorem = REGISTRY.get("mf-weight-decay-global-certificate")
    instance = draw_instances(theorem, Budget("custom", instances=6, restarts=1, descent_steps=1, refine_steps=1), 0)[-1]
    landscape = instance.landscape()
    centre = zero_column_centre(landscape, np.random.default_rng(0).standard_normal(landscape.n_params))
    if centre is None:  # a draw can miss the top singular direction; redraw like draw_plant does
        centre = next(c for s in range(1, 50)
                      if (c := zero_column_centre(landscape, np.random.default_rng(s).standard_normal(landscape.n_params))) is not None)
    u, v = (m[0].numpy() for m in landscape.factors(torch.as_tensor(centre)[None]))
    assert not u[:, -1].any() and not v[:, -1].any()
    residual = landscape.y - u @ v.T
    assert float((residual * (u @ v.T)).sum()) == pytest.approx(0.5 * landscape.lam * float((u**2).sum() + (v**2).sum()))


USER_CLAIM = '''
import numpy as np
from hypothesis import strategies as st
from landscape import api


@api.builder
def scalar_net(x: float, y: float) -> api.Landscape:
    """(y - v w x)^2: every local minimum is global (the optimum is 0)."""
    return api.from_function(lambda theta, data: (data["y"] - theta[0] * theta[1] * data["x"]) ** 2, 2, {"x": x, "y": y}, optimum=0.0)


NO_SPURIOUS = api.Theorem(
    id="scalar-no-spurious-minima", title="t", source="test", statement="s", expectation=api.Expectation.HOLDS,
    instances=lambda: st.sampled_from([1.0, 2.0]).map(lambda x: scalar_net(x, 1.5)), check=api.forbid(api.PointClass.LOCAL_MINIMUM),
)
'''


def test_a_forbid_claim_gets_a_power_run_with_no_extra_code(tmp_path):
    path = tmp_path / "scalar_claim.py"
    path.write_text(USER_CLAIM)
    (theorem,) = theorems_in(path)
    result = verify(theorem, ONE_START, 0, power=PowerSettings(radii=(0.01, 20.0), plants=1))
    assert result.matches
    power = result.as_record()["power"]
    assert power["kind"] == "bowl"
    assert power["by_radius"]["20"] == [1, 1] and power["by_radius"]["0.01"][1] == 1
    records = tmp_path / "r.jsonl"
    append_record(records, result)
    write_report([records], tmp_path / "report")
    page = (tmp_path / "report" / "theorem-scalar-no-spurious-minima.html").read_text()
    assert "Power: detection of planted counterexamples" in page
    assert "power r95" in (tmp_path / "report" / "index.html").read_text()


def test_power_options_without_power_are_refused(capsys):
    assert main(["verify", "toy-vw-no-bad-min", "--power-plants", "2"]) == 2
    assert "--power-plants needs --power" in capsys.readouterr().err


def test_a_report_says_not_applicable(tmp_path):
    record = {"theorem_id": "balancedness-invariant", "verdict": "holds", "power": {"applicable": False, "reason": "an identity"}}
    results = tmp_path / "r.jsonl"
    results.write_text(json.dumps(record) + "\n")
    write_report([results], tmp_path / "out")
    assert "power: not applicable &mdash; an identity" in (tmp_path / "out" / "theorem-balancedness-invariant.html").read_text()
    assert "n/a" in (tmp_path / "out" / "index.html").read_text()


@pytest.mark.parametrize("kind", ["bowl", "monkey-saddle", "strict-saddle"])
def test_closed_form_derivatives_match_autograd(kind):
    base = _landscape()
    planted = Planted(base, _plant(base, kind, radius=1.5))
    points = torch.tensor(planted.plant.centre, dtype=DTYPE) + 0.6 * torch.randn(32, base.n_params, generator=torch.Generator().manual_seed(0), dtype=DTYPE)
    assert torch.allclose(planted.gradient(points), Landscape.gradient(planted, points), rtol=1e-10, atol=1e-10)
    assert torch.allclose(planted.hessian(points), Landscape.hessian(planted, points), rtol=1e-10, atol=1e-10)


def test_centres_on_a_descent_path_are_planted_and_found():
    theorem = REGISTRY.get("deep-linear-no-bad-local-min")
    power = measure_power(theorem, ONE_START, 0, power=PowerSettings(radii=(20.0,), plants=1, location="path"))
    assert power["location"] == "path" and power["by_radius"] == {"20": [1, 1]}


@pytest.mark.parametrize("arguments, message", [
    ({"kind": "cliff"}, "power kind='cliff' must be one of"),
    ({"location": "anywhere"}, "power location='anywhere' must be one of"),
    ({"plants": 0}, "power plants=0 must be a positive integer"),
    ({"radii": (0.1, -1.0)}, "must be positive numbers"),
], ids=["kind", "location", "plants", "radii"])
def test_bad_power_settings_are_refused(arguments, message):
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(").replace(")", r"\)")):
        PowerSettings(**arguments)


def test_r95_is_where_the_curve_stays_above_95_percent():
    from landscape.engine.power import _smallest

    rates = [(0.02, 4, 4), (0.1, 1, 4), (0.5, 4, 4), (2.0, 4, 4)]
    assert _smallest(rates, 0.95) == 0.5  # a lucky small radius below a miss does not count
    assert _smallest(rates, 0.25) == 0.02
    assert _smallest([(0.1, 4, 4), (1.0, 2, 4)], 0.95) is None


@pytest.mark.parametrize("kinds, planted", [
    ((PointClass.LOCAL_MINIMUM, PointClass.STRICT_SADDLE), "bowl"),
    ((PointClass.DEGENERATE_SADDLE,), "monkey-saddle"),
    ((PointClass.STRICT_SADDLE,), "strict-saddle"),
    ((PointClass.GLOBAL_MINIMUM,), None),
], ids=["minimum-first", "degenerate", "strict", "global"])
def test_a_forbid_claim_plants_what_it_forbids(kinds, planted):
    from landscape import api

    theorem = api.Theorem(id="t", title="t", source="s", statement="s", expectation=api.Expectation.HOLDS,
                          instances=lambda: st.just(0), check=api.forbid(*kinds))
    plan = plan_for(theorem)
    assert (plan.kind if planted else plan) == (planted or plan)
    assert isinstance(plan, str) != bool(planted)


def test_outside_its_ball_a_plant_has_the_base_s_exact_taylor_coefficients_and_inside_the_blend_s():
    """Outside the ball the planted loss is the base's on a neighbourhood, so its Taylor
    coefficients are the base's closed-form ones (one evaluation, as the higher-order test's cost
    counts them); inside, nested derivatives of the blend, which differ from the base's."""
    base = _landscape()
    plant = _plant(base, "monkey-saddle")
    planted = Planted(base, plant)
    centre = torch.tensor(plant.centre, dtype=DTYPE)
    direction = torch.nn.functional.normalize(torch.ones(base.n_params, dtype=DTYPE), dim=0)
    outside = centre + 3.0 * plant.radius * direction
    assert planted.exact_taylor_at(outside) and not planted.exact_taylor_at(centre)
    exact = base.taylor_coefficients(outside, direction, 4)
    assert planted.taylor_coefficients(outside, direction, 4) == exact
    nested = Landscape.taylor_coefficients(planted, outside, direction, 4)  # the blend differentiated
    assert np.allclose(nested, exact, rtol=1e-9, atol=1e-9)
    assert planted.leading_taylor_term(outside, direction, 1e-12, 4) == base.leading_taylor_term(outside, direction, 1e-12, 4)
    inside = Landscape.taylor_coefficients(planted, centre, direction, 3)
    assert planted.taylor_coefficients(centre, direction, 3) == inside
    assert not np.allclose(inside, base.taylor_coefficients(centre, direction, 3))
