"""The linear and homogeneous results of THEOREMS.md (its second part) are registered with their
expectations, each with a falsified variant."""

from __future__ import annotations

import pytest

from landscape.errors import InvalidArgument
from landscape.generators.matrices import factorisation_problem, factorisation_problems
from landscape.theorems.catalogue import REGISTRY

LINEAR_AND_HOMOGENEOUS = {
    "one-hidden-critical-point-equations": "holds",
    "deep-linear-critical-points-by-rank": "holds",
    "deep-linear-strict-saddle-rank": "holds",
    "balancedness-invariant": "holds",
    "deep-linear-gd-linear-rate": "holds",
    "linear-residual-identity-init": "witnessed",
    "linear-connected-sublevel-sets": "holds",
    "nuclear-norm-variational-form": "holds",
    "mf-weight-decay-global-certificate": "holds",
    "mf-polar-escape": "holds",
    "homogeneous-zero-subnetwork-global": "holds",
    "homogeneous-nonincreasing-path": "holds",
    "omega-properties": "holds",
}


@pytest.mark.parametrize("theorem_id", sorted(LINEAR_AND_HOMOGENEOUS))
def test_linear_or_homogeneous_theorem_is_registered_with_its_expectation_and_a_variant(theorem_id):
    assert REGISTRY.get(theorem_id).expectation.value == LINEAR_AND_HOMOGENEOUS[theorem_id]
    assert any(v.falsifies == theorem_id for v in REGISTRY.variants())


INVALID = [
    (lambda: factorisation_problem(2, 2, 1, 3, 0), "above=3"),
    (lambda: factorisation_problem(2, 2, 0, 1, 0), "width=0"),
    (lambda: factorisation_problems(min_size=0), "min_size=0"),
    (lambda: factorisation_problems(min_above=2, max_above=1), "max_above=1"),
    (lambda: factorisation_problems(min_width=3, max_width=2), "max_width=2"),
]


@pytest.mark.parametrize("make, message", INVALID, ids=[m for _, m in INVALID])
def test_invalid_factorisation_arguments_name_the_argument(make, message):
    with pytest.raises(InvalidArgument, match=message):
        make()
