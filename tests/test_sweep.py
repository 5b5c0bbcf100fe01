"""Safran-Shamir's experiment: the accurate loss, the two protocols, certified counts, intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from landscape.landscapes.networks import ReluTeacher
from landscape.engine.sweep import (
    SizeResult,
    chunks_of,
    merged,
    run_chunk,
    certify_spurious,
    clopper_pearson,
    gradient,
    loss_and_gradient,
    run_size,
    sizes_between,
)


@pytest.mark.parametrize("teachers, students", [(4, 4), (3, 5)])
def test_loss_and_gradient_agree_with_the_landscape(teachers, students):
    landscape = ReluTeacher(teachers, students)
    theta = landscape.random_points(32, torch.Generator().manual_seed(1))
    loss, grad = loss_and_gradient(theta, teachers, students)
    assert torch.allclose(loss, landscape.loss(theta), rtol=0, atol=1e-11)
    assert torch.allclose(grad, landscape.gradient(theta), rtol=0, atol=1e-13)
    assert torch.equal(grad, gradient(theta, teachers, students))


def test_the_loss_near_the_teacher_is_accurate_to_rounding():
    """F(I + e U) ~ e^2 U^T H U / 2: ours is 0 at the (permuted) teacher and quadratic in e at
    e = 1e-6 (F ~ 1e-12), where the arccos form's clamp of the cosine leaves errors ~1e-12."""
    teacher = torch.eye(5, dtype=torch.float64)[[2, 0, 1, 4, 3]].reshape(1, -1)
    offset = torch.randn(1, 25, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert float(loss_and_gradient(teacher, 5, 5)[0].abs()) < 1e-15
    assert float(gradient(teacher, 5, 5).abs().max()) < 1e-15
    small, double = (float(loss_and_gradient(teacher + scale * 1e-6 * offset, 5, 5)[0]) for scale in (1.0, 2.0))
    assert small > 0 and abs(double / small - 4.0) < 1e-3
    theirs = [float(ReluTeacher(5, 5).loss(teacher + scale * 1e-6 * offset)) for scale in (1.0, 2.0)]
    assert abs(theirs[1] / theirs[0] - 4.0) > 1e-2


def test_clopper_pearson_matches_known_values():
    low, high = clopper_pearson(5, 100)
    assert math.isclose(low, 0.01643, abs_tol=1e-5) and math.isclose(high, 0.11284, abs_tol=1e-5)
    assert clopper_pearson(0, 10)[0] == 0.0 and clopper_pearson(10, 10)[1] == 1.0


def test_a_size_partitions_its_starts_and_certifies_its_spurious_minima():
    row = run_size(8, 8, "harness", starts=48, seed=0)
    assert row.near_global + row.objective_spurious + row.unconverged == row.starts == 48
    assert row.near_global > 0 and row.certified_spurious > 0 and row.start_steps > 0
    assert row.certified_spurious <= row.objective_spurious + row.unconverged
    assert sum(m["count"] for m in row.minima) == row.certified_spurious
    assert all(m["loss"] > 1e-3 and m["hessian_min"] > 0 for m in row.minima)
    data = row.as_dict()
    assert set(data["intervals"]) == {"certified_spurious", "objective_spurious", "near_global", "unconverged"}


def test_the_paper_protocol_counts_runs_stopped_by_the_step_cap_as_unconverged():
    capped = run_size(6, 6, "paper", starts=16, seed=0, max_steps=100)
    assert capped.unconverged == 16 and capped.start_steps == 16 * 100
    longer = run_size(6, 6, "paper", starts=16, seed=0, max_steps=3000)
    assert longer.near_global + longer.objective_spurious + longer.unconverged == 16 and longer.unconverged < 16


def test_points_that_are_not_minima_are_not_certified():
    """A saddle (two students on one teacher, one student dead at 0) and a non-critical point."""
    landscape = ReluTeacher(3, 3)
    dead = np.array([[1.0, 0.0, 0.0], [1e-3, 1e-3, 1e-3], [0.0, 1.0, 0.0]]).reshape(-1)
    moved = np.eye(3).reshape(-1) + 0.3
    certified, minima = certify_spurious(landscape, np.stack([dead, moved]), 0)
    assert certified == 0 and minima == []


def test_sizes_of_the_experiment():
    assert sizes_between(6, 8) == [(6, 6), (7, 7), (8, 8)]
    assert sizes_between(18, 20, wider=True) == [(18, 18), (19, 19), (20, 20), (18, 19), (19, 20)]
    assert len(sizes_between(6, 20, wider=True)) == 15 + 7
    assert isinstance(run_size.__doc__, str) and SizeResult.__doc__


def test_chunks_cover_the_starts_once_and_depend_on_nothing_else():
    assert chunks_of(1000) == [(0, 250), (250, 250), (500, 250), (750, 250)]
    assert chunks_of(40, 16) == [(0, 16), (16, 16), (32, 8)]
    with pytest.raises(ValueError, match="positive"):
        chunks_of(10, 0)


def test_a_row_is_its_chunks_merged_and_a_missing_chunk_is_refused():
    parts = [run_chunk(7, 7, "harness", 40, 0, first, count) for first, count in chunks_of(40, 16)]
    row = run_size(7, 7, "harness", starts=40, seed=0, chunk=16)
    whole = merged(7, 7, "harness", 40, reversed(parts))  # the order chunks arrive in does not matter
    timings = ("descent_seconds", "certification_seconds", "start_steps_per_second")
    assert {k: v for k, v in whole.as_dict().items() if k not in timings} == {k: v for k, v in row.as_dict().items() if k not in timings}
    assert sum(p.certified_spurious for p in parts) == row.certified_spurious
    assert sum(m["count"] for m in row.minima) == row.certified_spurious
    with pytest.raises(ValueError, match="do not cover its 40 starts"):
        merged(7, 7, "harness", 40, parts[:1] + parts[2:])
