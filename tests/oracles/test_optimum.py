from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.generators.architectures import architectures
from landscape.generators.data import regression_data
from landscape.landscapes.deep_linear import DeepLinear
from landscape.searching.critical_points import search


@settings(max_examples=10)
@given(architectures(min_depth=1, max_depth=3, max_width=3), st.integers(0, 500))
def test_closed_form_optimum_is_attained_and_not_beaten(widths, seed):
    data = regression_data(widths[0], widths[-1], max(widths[0], widths[-1]) + 2, seed)
    landscape = DeepLinear(widths, data.x, data.y)
    optimum = landscape.optimum()
    attained = landscape.loss(torch.as_tensor(optimum.point)[None]).item()
    assert attained == pytest.approx(optimum.value, rel=1e-10, abs=1e-12)
    found = search(landscape, starts=8, descent_steps=300, refine_steps=20, seed=seed)
    assert found.losses.min() >= optimum.value - 1e-9 * landscape.loss_scale()


def test_singular_sxx_uses_the_pseudo_inverse():
    data = regression_data(3, 2, 6, 4, x_rank="deficient")
    landscape = DeepLinear((3, 3, 2), data.x, data.y)
    optimum = landscape.optimum()
    least_squares = np.linalg.lstsq(data.x.T, data.y.T, rcond=None)[0].T
    residual = np.sum((data.y - least_squares @ data.x) ** 2) / data.x.shape[1]
    assert optimum.value == pytest.approx(residual, rel=1e-9)
