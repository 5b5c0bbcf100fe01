"""The batched search engine: optimisers reach true critical points, chunking changes nothing,
the batched derivatives equal per-point ones, Lanczos finds the extreme eigenvalues."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from landscape.errors import InvalidArgument
from landscape.generators.data import regression_data
from landscape.landscapes.deep_linear import DeepLinear
from landscape.searching.critical_points import OPTIMISERS, chunk_size, search
from landscape.searching.spectrum import lanczos_extremes, power_iteration_top


@pytest.fixture(scope="module")
def landscape() -> DeepLinear:
    data = regression_data(3, 3, 6, 0)
    return DeepLinear((3, 2, 2, 3), data.x, data.y)


@pytest.mark.parametrize("optimiser", OPTIMISERS)
def test_every_optimiser_reaches_the_optimum_from_most_starts(landscape, optimiser):
    optimum = landscape.optimum().value
    found = search(landscape, starts=32, descent_steps=400, refine_steps=40, seed=1, optimiser=optimiser)
    assert np.mean(found.losses - optimum < 1e-9 * landscape.loss_scale()) >= 0.75
    assert np.all(found.losses >= optimum - 1e-9 * landscape.loss_scale())


def test_chunks_do_not_change_the_result(landscape):
    whole = search(landscape, starts=20, descent_steps=50, refine_steps=5, seed=3)
    chunked = search(landscape, starts=20, descent_steps=50, refine_steps=5, seed=3, chunk=6)
    assert np.array_equal(whole.points, chunked.points)


def test_chunk_size_bounds_memory():
    # 100,000 starts of a 160-parameter net: chunks of at most 1 GiB of working tensors
    per_chunk = chunk_size(160)
    assert per_chunk * 24 * 160 * 8 <= 2**30 and per_chunk >= 1024


def test_unknown_optimiser_is_a_clear_error(landscape):
    with pytest.raises(InvalidArgument, match="optimiser='sgd'"):
        search(landscape, starts=2, descent_steps=1, refine_steps=1, seed=0, optimiser="sgd")


def test_batched_hessian_equals_per_point_autograd(landscape):
    points = landscape.random_points(5, torch.Generator().manual_seed(0))
    batched = landscape.hessian(points)
    for row, hessian in zip(points, batched):
        single = torch.autograd.functional.hessian(lambda t: landscape.loss(t[None])[0], row)
        assert torch.allclose(hessian, single, rtol=1e-10, atol=1e-10)


def test_lanczos_and_power_iteration_find_the_extreme_eigenvalues(landscape):
    points = landscape.random_points(4, torch.Generator().manual_seed(1))
    exact = torch.linalg.eigvalsh(landscape.hessian(points))
    low, high = lanczos_extremes(
        lambda v: landscape.hessian_vector_products(points, v), 4, landscape.n_params, landscape.n_params,
        torch.Generator().manual_seed(2),
    )
    assert torch.allclose(low, exact[:, 0], rtol=1e-8, atol=1e-8)
    assert torch.allclose(high, exact[:, -1], rtol=1e-8, atol=1e-8)
    top, _ = power_iteration_top(
        lambda v: landscape.hessian_vector_products(points[:1], v), landscape.n_params,
        torch.Generator().manual_seed(3), max_iterations=2000, tolerance=1e-12,
    )
    dominant = exact[0][exact[0].abs().argmax()]  # power iteration finds the largest |eigenvalue|, signed
    assert top == pytest.approx(float(dominant), rel=1e-4)


def test_a_hundred_thousand_starts_of_a_small_net_run_in_bounded_memory():
    """Chunked descent and refinement: 100,000 starts of the toy (vw - 1)^2 net."""
    toy = DeepLinear((1, 1, 1), [[1.0]], [[1.0]])
    found = search(toy, starts=100_000, descent_steps=3, refine_steps=1, seed=0)
    assert found.points.shape == (100_000, 2) and np.isfinite(found.losses).all()


def test_classification_is_chunked_and_matches_one_by_one(landscape, monkeypatch):
    from landscape.oracles import classify as classify_module

    points = search(landscape, starts=6, descent_steps=200, refine_steps=20, seed=4).points
    whole = classify_module.classify_batch(landscape, points)
    monkeypatch.setattr(classify_module, "CLASSIFY_CHUNK_BYTES", 2 * 8 * landscape.n_params**2 * 2)  # 2 per chunk
    chunked = classify_module.classify_batch(landscape, points)
    assert [c.kind for c in whole] == [c.kind for c in chunked]
    assert [c.loss for c in whole] == [c.loss for c in chunked]
