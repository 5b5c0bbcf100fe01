from __future__ import annotations

import pytest

from landscape.errors import DuplicateTheorem, InvalidArgument, UnknownTheorem
from landscape.theorems.catalogue import REGISTRY, build_registry
from landscape.theorems.registry import Registry

TIER_ONE_LINEAR = {"deep-linear-no-bad-local-min", "one-hidden-strict-saddles", "deep-linear-degenerate-saddle-at-zero"}


def test_catalogue_ids_match_theorems_md():
    assert TIER_ONE_LINEAR | {"toy-vw-no-bad-min"} <= {t.id for t in REGISTRY.catalogue()}


def test_duplicate_ids_are_rejected():
    registry = Registry()
    theorem = REGISTRY.get("toy-vw-no-bad-min")
    registry.register(theorem)
    with pytest.raises(DuplicateTheorem, match="registered twice"):
        registry.register(theorem)


def test_building_the_catalogue_twice_gives_the_same_ids():
    assert [t.id for t in build_registry()] == [t.id for t in REGISTRY]


@pytest.mark.parametrize("bad_id", ["Deep_Linear", "", "has space"], ids=["uppercase", "empty", "space"])
def test_ids_must_be_kebab_case(bad_id):
    import dataclasses

    theorem = dataclasses.replace(REGISTRY.get("toy-vw-no-bad-min"), id=bad_id)
    with pytest.raises(InvalidArgument, match="kebab-case"):
        Registry().register(theorem)


def test_unknown_id_suggests_the_closest():
    with pytest.raises(UnknownTheorem, match="did you mean one-hidden-strict-saddles"):
        REGISTRY.get("one-hidden-strict-sadles")
