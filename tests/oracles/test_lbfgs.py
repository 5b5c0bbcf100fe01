"""Batched L-BFGS: each start minimised independently, to the stopping rule it states."""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import minimize, rosen, rosen_der

from landscape.searching.lbfgs import lbfgs


def rosenbrock(theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = theta[:, 0], theta[:, 1]
    loss = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    gradient = torch.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], dim=1)
    return loss, gradient


def test_every_start_reaches_the_minimum_to_the_gradient_tolerance():
    start = torch.randn(64, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2
    result = lbfgs(rosenbrock, start, 2000, gtol=1e-10, ftol=0.0)
    assert bool(result.converged.all())
    assert float(result.gradient_max.max()) <= 1e-10
    assert np.allclose(result.points.numpy(), 1.0, atol=1e-8)


def test_a_start_runs_as_it_would_alone_and_like_scipy():
    """Batching changes nothing per start: the first row alone ends where it ends in the batch,
    and at SciPy's L-BFGS-B minimum, in a comparable number of iterations."""
    start = torch.tensor([[-1.2, 1.0], [0.5, -0.3], [2.0, 2.0]], dtype=torch.float64)
    batch = lbfgs(rosenbrock, start, 2000, gtol=1e-10)
    alone = lbfgs(rosenbrock, start[:1], 2000, gtol=1e-10)
    assert torch.equal(batch.points[0], alone.points[0]) and int(batch.iterations[0]) == int(alone.iterations[0])
    peer = minimize(lambda v: (rosen(v), rosen_der(v)), start[0].numpy(), jac=True, method="L-BFGS-B", options={"gtol": 1e-10})
    assert np.allclose(batch.points[0].numpy(), peer.x, atol=1e-6)
    assert int(batch.iterations[0]) <= 3 * peer.nit


def test_an_iteration_cap_leaves_starts_unconverged():
    start = torch.tensor([[-1.2, 1.0]], dtype=torch.float64)
    result = lbfgs(rosenbrock, start, 3, gtol=1e-10, ftol=0.0)
    assert not bool(result.converged[0]) and int(result.iterations[0]) == 3


def two_loop(g: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """-H g by the two-loop recursion (Nocedal & Wright, Algorithm 7.4), pairs oldest first."""
    q, alphas = g.copy(), []
    for s, y in reversed(pairs):
        alpha = s @ q / (s @ y)
        q -= alpha * y
        alphas.append(alpha)
    s, y = pairs[-1]
    r = (s @ y) / (y @ y) * q
    for (s, y), alpha in zip(pairs, reversed(alphas)):
        r += (alpha - y @ r / (s @ y)) * s
    return -r


def test_the_compact_direction_is_the_two_loop_direction():
    """On a quadratic (y = A s), 13 stored pairs through a ring of 10 slots: the compact form
    gives the two-loop direction of the newest 10 pairs; a pair failing the curvature test
    (the second row's fifth, y = -s) leaves the history as it was."""
    from landscape.searching.lbfgs import _direction, _first_batch, _store

    rng = np.random.default_rng(0)
    size, memory, count = 12, 10, 2
    root = rng.standard_normal((size, size))
    hessian = root @ root.T + size * np.eye(size)
    x = torch.as_tensor(rng.standard_normal((count, size)))
    g = x @ torch.as_tensor(hessian)
    batch = _first_batch(torch.arange(count), x, (x * g).sum(1) / 2, g, memory)
    kept: list[list[tuple[np.ndarray, np.ndarray]]] = [[], []]
    for step in range(13):
        s = torch.as_tensor(rng.standard_normal((count, size)))
        y = s @ torch.as_tensor(hessian)
        if step == 4:
            y[1] = -s[1]
        products = _store(batch, s, y, batch.g + y, torch.ones(count, dtype=torch.bool))
        batch.g = batch.g + y
        for row in range(count):
            if not (step == 4 and row == 1):
                kept[row] = (kept[row] + [(s[row].numpy(), y[row].numpy())])[-memory:]
        direction, slope, _ = _direction(batch, batch.g, products)
        for row in range(count):
            expected = two_loop(batch.g[row].numpy(), kept[row])
            assert np.allclose(direction[row].numpy(), expected, rtol=1e-10, atol=1e-12 * np.abs(expected).max())
            assert np.isclose(float(slope[row]), float(batch.g[row] @ direction[row]), rtol=1e-10)
