"""Instances depend on the seed and the strategy alone, not on which local modules are loaded.

Hypothesis draws literal constants from the source of local modules in ``sys.modules``; a module
holding an unusual constant, once imported, makes Hypothesis draw it.  Inside
``seed_only_draws`` (where verification and power draw their instances) it is never drawn, and
the same seed gives the same instances with the module loaded as without."""

from __future__ import annotations

import importlib.util
import sys

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from landscape.engine.draws import local_constants_in_use, seed_only_draws

PLANTED = 987_654_321  # the unusual constant of the planted module


def _draws(count: int = 400, seed: int = 3) -> list[int]:
    drawn: list[int] = []

    @hypothesis_seed(seed)
    @settings(max_examples=count, database=None, deadline=None, phases=(Phase.generate,),
              suppress_health_check=list(HealthCheck))
    @given(st.integers(PLANTED - 10**6, PLANTED + 3 * 10**6))  # no other local constant in range; 400 uniform draws hit PLANTED with chance 1e-4
    def keep(value: int) -> None:
        drawn.append(value)

    keep()
    return drawn


def _plant_module(tmp_path, monkeypatch) -> None:
    source = tmp_path / "planted_constants_module.py"
    source.write_text(f"VALUE = {PLANTED}\n")
    spec = importlib.util.spec_from_file_location("planted_constants_module", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "planted_constants_module", module)


def test_a_loaded_module_changes_nothing_inside_seed_only_draws(tmp_path, monkeypatch):
    with seed_only_draws():
        before = _draws()
    _plant_module(tmp_path, monkeypatch)
    # Without the guard Hypothesis draws the planted constant (so this test could fail) ...
    assert local_constants_in_use()
    assert PLANTED in _draws()
    # ... and with it the planted constant is never drawn and the draws are the same as before.
    with seed_only_draws():
        assert not local_constants_in_use()
        after = _draws()
    assert PLANTED not in after
    assert after == before
    assert local_constants_in_use()  # the patch is undone on leaving


def test_nested_guards_undo_the_patch_only_when_the_last_one_leaves():
    with seed_only_draws():
        with seed_only_draws():
            assert not local_constants_in_use()
        assert not local_constants_in_use()
    assert local_constants_in_use()
