"""The probes of seed 001 §V: reproducible statistics, in range, and able to see what they look for."""

from __future__ import annotations

import pytest

from landscape.theorems.budget import Budget
from landscape.theorems import probes
from landscape.theorems.model import Context, Outcome
from landscape.theorems.probes import (
    TrainingProblem,
    measure_mode_connectivity,
    measure_monotone_interpolation,
)

SMALL = Budget("custom", instances=1, restarts=8, descent_steps=120, refine_steps=1)
PROBLEM = TrainingProblem(widths=(2, 6, 1), activation="tanh", optimiser="adam", targets="random", samples=8, data_seed=4)


def _context(seed: int = 0) -> Context:
    return Context(budget=SMALL, seed=seed)


def test_monotone_interpolation_statistics_are_reproducible_and_in_range():
    first = measure_monotone_interpolation(PROBLEM, _context())
    second = measure_monotone_interpolation(PROBLEM, _context())
    assert first.outcome is Outcome.MEASURED and first.group == "2-6-1 tanh adam"
    assert first.statistics == second.statistics
    stats = first.statistics
    assert stats["runs"] == SMALL.restarts == first.restarts
    for name in ("monotone_fraction", "decreased_fraction", "converged_fraction"):
        assert 0.0 <= stats[name] <= 1.0
    assert 0.0 <= stats["largest_rise_median"] <= stats["largest_rise_max"]
    assert stats["decreased_fraction"] == 1.0 and stats["final_loss_median"] < 1.0  # training did train


def test_a_segment_walked_backwards_is_seen_rising(monkeypatch):
    """From the trained point back to the initialisation the loss rises: the probe must say so."""
    original = probes.train

    def backwards(*args, **kwargs):
        start, end = original(*args, **kwargs)
        return end, start

    monkeypatch.setattr(probes, "train", backwards)
    stats = measure_monotone_interpolation(PROBLEM, _context()).statistics
    assert stats["monotone_fraction"] == 0.0 and stats["decreased_fraction"] == 0.0
    assert stats["largest_rise_max"] > 0.1 and 0.0 < stats["rise_peak_t_median"] <= 1.0


def test_mode_connectivity_statistics_are_reproducible_and_in_range():
    first = measure_mode_connectivity(PROBLEM, _context(1))
    assert first.statistics == measure_mode_connectivity(PROBLEM, _context(1)).statistics
    stats = first.statistics
    assert stats["pairs"] == SMALL.restarts // 4 and first.restarts == 2 * stats["pairs"]
    assert 0.0 <= stats["connected_fraction"] <= 1.0 and 0.0 <= stats["linearly_connected_fraction"] <= 1.0
    assert 0.0 <= stats["straight_barrier_median"] <= stats["straight_barrier_max"]
    assert 0.0 <= stats["curve_barrier_median"] <= stats["curve_barrier_max"]
    assert stats["endpoint_distance_median"] > 0.0  # independent runs end at different points


def test_a_different_seed_draws_different_runs():
    assert measure_monotone_interpolation(PROBLEM, _context(0)).statistics != measure_monotone_interpolation(PROBLEM, _context(9)).statistics


@pytest.mark.parametrize("targets", probes.TARGETS)
def test_generated_targets_have_unit_mean_square(targets):
    _, y = probes.generated_data(2, 10, targets, seed=0)
    assert float((y**2).mean()) == pytest.approx(1.0)
