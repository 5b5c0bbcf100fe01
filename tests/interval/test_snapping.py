"""A degenerate saddle away from the origin, found at a float point, certified exactly after snapping."""

from __future__ import annotations

import numpy as np

from landscape.theorems.budget import budget_named
from landscape.oracles.interval.snapping import snap_to_exact_critical
from landscape.certificates.replay import replay_data
from landscape.oracles.classify import PointClass, Tolerances, classify
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.optimum import optimum_of
from landscape.theorems.common import certify
from landscape.theorems.model import Context

# Depth 4, scalar layers: W_1 = W_2 = W_3 = 0 with W_4 = 0.8 is critical, its Hessian is 0 and the
# loss falls at third order along (d1, d2, d3, 0): a degenerate saddle away from the origin.
DEPTH_FOUR = DeepLinear((1, 1, 1, 1, 1), [[1.0, 2.0]], [[1.0, 1.5]])
FOUND = np.array([1e-9, -2e-9, 3e-9, 0.8])  # where a search stops: zero blocks only up to rounding


def test_the_float_point_is_a_degenerate_saddle_but_not_exactly_critical() -> None:
    found = classify(DEPTH_FOUR, FOUND, optimum_of(DEPTH_FOUR).value, Tolerances(), seed=0)
    assert found.kind is PointClass.DEGENERATE_SADDLE
    snapped, moved = snap_to_exact_critical(DEPTH_FOUR, FOUND)
    assert snapped.tolist() == [0.0, 0.0, 0.0, 0.8] and moved == 3e-9


def test_degenerate_saddle_away_from_the_origin_gets_an_exact_certificate() -> None:
    context = Context(budget_named("quick"), 0)
    found = classify(DEPTH_FOUR, FOUND, optimum_of(DEPTH_FOUR).value, context.tolerances, seed=0)
    certificate = certify("snap-test", "witness", "degenerate saddle", DEPTH_FOUR, FOUND, found, context, 0, exact=True)
    assert certificate is not None and certificate.rigour == "exact", certificate and certificate.rigour_note
    assert certificate.point == [0.0, 0.0, 0.0, 0.8]
    assert certificate.facts["snapped_to_exact_zeros_by"] == 3e-9
    names = [c["name"] for c in certificate.checks]
    assert "exact-descent" in names and "exact-hessian" in names
    assert replay_data(certificate.to_json()).passed


def test_no_snap_where_the_snapped_point_is_not_exactly_critical() -> None:
    """Snapping W_3 alone leaves W_4 W_2 W_1 != 0 off the critical set: the exact gradient refuses it."""
    assert snap_to_exact_critical(DEPTH_FOUR, np.array([0.3, 0.2, 1e-9, 0.8])) is None
    assert snap_to_exact_critical(DEPTH_FOUR, np.array([0.0, 0.0, 0.0, 0.8])) is None  # nothing to snap
