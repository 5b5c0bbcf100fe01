"""Quality tests of the critical-point search: a user's claims about saddles, written with
``api.forbid`` and *no* special points, are refuted by the search alone where the landscape has
the forbidden points (degenerate saddles with an identically zero Hessian included); claims the
search never exercised are inconclusive, not supported; a wrong flat direction or optimum never
yields a certified minimum."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import strategies as st

from landscape import api
from landscape.errors import OptimumError
from landscape.certificates.replay import replay_data
from landscape.searching.critical_points import CRITICAL_POINT_MIX, MODES, search, split_starts

# Few probe directions: the user losses below have no closed-form Taylor coefficients, and each
# nested forward-mode derivative of a degenerate point's higher-order test is costly.
QUICK = dataclasses.replace(api.budget_named("quick"), instances=2, restarts=16, probe_directions=8)
CLASSES = api.PointClass


def monkey_loss(t: torch.Tensor, data: dict[str, torch.Tensor]) -> torch.Tensor:
    """x^3 - 3 x y^2 (+ a z^2 bowl): the origin is the only critical point; its Hessian in (x, y) is 0."""
    return t[0] ** 3 - 3.0 * t[0] * t[1] ** 2 + data["c"] * t[2] ** 2


def triple_product_loss(t: torch.Tensor, data: dict[str, torch.Tensor]) -> torch.Tensor:
    """x y z: critical where two coordinates vanish; the Hessian at the origin is identically zero."""
    return data["c"] * t[0] * t[1] * t[2]


def double_well_loss(t: torch.Tensor, data: dict[str, torch.Tensor]) -> torch.Tensor:
    """(x^2 - 1)^2 + c y^2: global minima (+-1, 0), a strict saddle (index 1) at the origin."""
    return (t[0] ** 2 - 1.0) ** 2 + data["c"] * t[1] ** 2


def egg_box_loss(t: torch.Tensor, data: dict[str, torch.Tensor]) -> torch.Tensor:
    """sum_i (x_i^2 - 1)^2: minima at (+-1, +-1), saddles of index 1, a local maximum at the origin."""
    return ((t**2 - 1.0) ** 2).sum() * data["c"]


def bowl_loss(t: torch.Tensor, data: dict[str, torch.Tensor]) -> torch.Tensor:
    return data["c"] * (t**2).sum()


def quartic_valley_loss(t: torch.Tensor, data: dict[str, torch.Tensor]) -> torch.Tensor:
    """x^4 + y^2 + 1: the origin has a kernel (x) that is not flat."""
    return t[0] ** 4 + data["c"] * t[1] ** 2 + 1.0


def _x_is_flat(point: np.ndarray) -> np.ndarray:
    return np.array([[1.0], [0.0]])


@api.builder
def polynomial(name: str, c: float, optimum: float | None = None, wrong_flat: bool = False) -> api.Landscape:
    loss, size = {
        "monkey": (monkey_loss, 3), "triple": (triple_product_loss, 3), "double-well": (double_well_loss, 2),
        "egg-box": (egg_box_loss, 2), "bowl": (bowl_loss, 2), "quartic-valley": (quartic_valley_loss, 2),
    }[name]
    return api.from_function(loss, size, {"c": np.array(c)}, optimum=optimum,
                             flat_directions=_x_is_flat if wrong_flat else None)


def _theorem(name: str, check: api.Check, optimum: float | None = None) -> api.Theorem:
    return api.Theorem(
        id=f"user-{name}", title=f"a user's claim on {name}", source="test", statement="-",
        expectation=api.Expectation.HOLDS,
        instances=lambda: st.sampled_from((1.0, 2.0, 3.0)).map(lambda c: polynomial(name, c, optimum)),
        check=check,
    )


ANY_SADDLE = (CLASSES.STRICT_SADDLE, CLASSES.DEGENERATE_SADDLE, CLASSES.LOCAL_MAXIMUM, CLASSES.LOCAL_MINIMUM)


@pytest.mark.parametrize(
    "name, kinds, optimum, expected_kind",
    [
        pytest.param("monkey", (CLASSES.DEGENERATE_SADDLE,), None, CLASSES.DEGENERATE_SADDLE, id="monkey-saddle-zero-hessian"),
        pytest.param("triple", (CLASSES.DEGENERATE_SADDLE,), None, CLASSES.DEGENERATE_SADDLE, id="xyz-zero-hessian"),
        pytest.param("double-well", ANY_SADDLE, 0.0, CLASSES.STRICT_SADDLE, id="double-well-strict-saddle"),
        pytest.param("egg-box", (CLASSES.LOCAL_MAXIMUM,), None, CLASSES.LOCAL_MAXIMUM, id="egg-box-maximum"),
    ],
)
def test_a_users_false_claim_about_saddles_is_refuted_by_the_search_alone(name, kinds, optimum, expected_kind):
    result = api.verify(_theorem(name, api.forbid(*kinds), optimum), QUICK, seed=0)
    assert result.verdict is api.Verdict.REFUTED, result.message
    assert result.certificate is not None and result.certificate.facts["kind"] == expected_kind.value
    assert "start" in result.certificate.claim  # found from a random start, not named
    assert replay_data(result.certificate.to_json()).passed


def test_a_true_claim_about_saddles_holds_on_saddles_the_search_reached():
    """'Every saddle is strict' on the double well: holds, and the record shows searched saddles."""
    result = api.verify(_theorem("double-well", api.forbid(CLASSES.DEGENERATE_SADDLE)), QUICK, seed=0)
    assert result.verdict is api.Verdict.HOLDS, result.message
    assert result.coverage.searched[CLASSES.STRICT_SADDLE.value] >= result.coverage.instances
    assert result.coverage.named == {}
    assert result.coverage.decided_fraction >= 0.8
    assert "decided" in result.message


def test_a_claim_about_saddles_where_none_was_reached_is_inconclusive():
    """A bowl has no saddle: 'every saddle is strict' is not supported by it."""
    result = api.verify(_theorem("bowl", api.forbid(CLASSES.DEGENERATE_SADDLE)), QUICK, seed=0)
    assert result.verdict is api.Verdict.INCONCLUSIVE
    assert "no saddle or maximum reached in" in result.message


def test_a_wrong_flat_direction_gives_no_local_minimum():
    """x^4 + y^2 + 1 with x declared flat: the declaration fails its check; the origin stays undecided."""
    landscape = polynomial("quartic-valley", 1.0, wrong_flat=True)
    found = api.classify(landscape, np.zeros(2))
    assert found.kind is CLASSES.SECOND_ORDER_STATIONARY
    assert found.flat is not None and found.flat["source"] == "declared" and not found.flat["passed"]


def test_a_discovered_flat_direction_certifies_a_non_strict_minimum():
    """(x^2 + y^2 - 1)^2 has a circle of minima and no declared symmetry: its flat direction is found."""
    landscape = api.from_function(lambda t, d: (t[0] ** 2 + t[1] ** 2 - 1.0) ** 2, 2)
    found = api.classify(landscape, np.array([0.6, 0.8]))
    assert found.kind is CLASSES.LOCAL_MINIMUM and "discovered" in found.level


def test_a_wrong_optimum_is_one_clear_error():
    theorem = _theorem("double-well", api.forbid(CLASSES.LOCAL_MINIMUM), optimum=0.5)
    with pytest.raises(OptimumError, match="below the stated global optimum 0.5"):
        api.verify(theorem, QUICK, seed=0)


def test_a_local_maximum_is_its_own_class_and_saddles_report_their_index():
    landscape = polynomial("egg-box", 1.0)
    top = api.classify(landscape, np.zeros(2))
    side = api.classify(landscape, np.array([1.0, 0.0]))
    assert top.kind is CLASSES.LOCAL_MAXIMUM and top.index == 2
    assert side.kind is CLASSES.STRICT_SADDLE and side.index == 1 and "index 1" in side.level


@pytest.mark.parametrize("mode", [m for m in MODES if m != "descent"])
def test_every_saddle_mode_reaches_the_saddles_of_the_egg_box(mode):
    landscape = polynomial("egg-box", 1.0)
    found = search(landscape, 16, 200, 20, seed=1, mix={"descent": 1, mode: 3})
    kinds = {api.classify(landscape, p).kind for p, m in zip(found.points, found.modes) if m == mode}
    assert kinds & {CLASSES.STRICT_SADDLE, CLASSES.LOCAL_MAXIMUM}, kinds


def test_the_mix_is_validated_and_split_reproducibly():
    assert split_starts(32, CRITICAL_POINT_MIX) == [
        ("descent", 12), ("gradient-norm", 8), ("eigenvector-following", 8), ("deflation", 4)]
    assert sum(n for _, n in split_starts(5, CRITICAL_POINT_MIX)) == 5
    with pytest.raises(api.InvalidArgument, match="must map search modes"):
        split_starts(8, {"newton": 1.0})
    landscape = polynomial("double-well", 1.0)
    first = search(landscape, 12, 100, 10, seed=3, mix=CRITICAL_POINT_MIX)
    again = search(landscape, 12, 100, 10, seed=3, mix=CRITICAL_POINT_MIX)
    assert np.array_equal(first.points, again.points) and first.modes == again.modes


def test_the_tutorial_variant_is_refuted_without_its_special_points(tmp_path):
    """docs/tutorial.md's variant ('every critical point is a global minimum') is refuted by the
    search alone when its named points are left out; its claim still holds that way too."""
    import re
    from pathlib import Path

    from landscape.usercode import import_file

    text = (Path(__file__).resolve().parent.parent / "docs" / "tutorial.md").read_text()
    (tmp_path / "tutorial_claim.py").write_text("\n\n".join(re.findall(r"^```python\n(.*?)^```", text, flags=re.M | re.S)))
    module = import_file(tmp_path / "tutorial_claim.py")
    budget = api.budget_named("quick")
    variant = api.verify(module.VARIANT_EVERY_CRITICAL_POINT_GLOBAL, budget, seed=0, named_points=False)
    assert variant.verdict is api.Verdict.REFUTED and "start" in variant.certificate.claim, variant.message
    claim = api.verify(module.RANK_ONE_NO_SPURIOUS_MINIMA, budget, seed=0, named_points=False)
    assert claim.verdict is api.Verdict.HOLDS and claim.coverage.named == {}, claim.message


def test_a_failed_re_verification_names_the_check_and_its_figures():
    """A certificate whose replay fails is not reported, and the message says which check failed."""
    from collections import Counter

    landscape = polynomial("double-well", 1.0)
    context = api.Context(budget=QUICK, seed=0, theorem_id="user-double-well")
    point = np.zeros(2)
    found = api.classify(landscape, point)
    wrong = [{"name": "loss", "args": {"value": 123.0}}]
    certificate = api.certify("user-double-well", "counterexample", "origin", landscape, point, found, context, 0, wrong)
    evidence = api.certified(api.Outcome.COUNTEREXAMPLE, "origin", certificate, Counter(), 0)
    assert certificate is None and evidence.outcome is api.Outcome.INCONCLUSIVE
    assert "check loss failed" in evidence.message and "123" in evidence.message, evidence.message
