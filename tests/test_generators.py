from __future__ import annotations

import numpy as np
import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from landscape.errors import InvalidArgument
from landscape.generators.architectures import architectures, one_hidden_layer
from landscape.generators.data import datasets, regression_data
from landscape.landscapes.deep_linear import DeepLinear, sigma_eigen

INVALID = [
    (lambda: architectures(min_depth=0), "min_depth=0"),
    (lambda: architectures(min_depth=3, max_depth=2), "max_depth=2 < min_depth=3"),
    (lambda: architectures(min_width=2, max_width=1), "max_width=1 < min_width=2"),
    (lambda: architectures(bottleneck=True, max_width=1), "bottleneck=True"),
    (lambda: one_hidden_layer(min_width=0), "min_width=0"),
    (lambda: datasets(2, 2, min_extra_samples=0), "min_extra_samples"),
    (lambda: regression_data(2, 2, 2, 0), "samples=2"),
    (lambda: regression_data(2, 2, 5, 0, spectrum="odd"), "spectrum='odd'"),
    (lambda: regression_data(1, 1, 5, 0, spectrum="repeated"), "repeated"),
]


@pytest.mark.parametrize("make, message", INVALID, ids=[m for _, m in INVALID])
def test_invalid_arguments_name_the_argument(make, message):
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(").replace("[", r"\[")):
        make()


@given(architectures(min_depth=2, max_depth=4, max_width=4, bottleneck=True))
def test_bottleneck_architectures_have_one(widths):
    assert min(widths[1:-1]) < min(widths[0], widths[-1])


@given(architectures(min_depth=2, max_depth=4, max_width=4, bottleneck=False))
def test_wide_architectures_have_none(widths):
    assert min(widths[1:-1]) >= min(widths[0], widths[-1])


@given(one_hidden_layer(max_width=4))
def test_one_hidden_layer_widths(widths):
    n0, n1, n2 = widths
    assert n1 <= n2 <= n0


@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 100))
def test_planted_spectrum_is_distinct_and_exact(d0, d_last, seed):
    data = regression_data(d0, d_last, max(d0, d_last) + 2, seed)
    assert np.linalg.matrix_rank(data.x) == d0 and np.linalg.matrix_rank(data.y) == d_last
    values, _ = sigma_eigen(DeepLinear((d0, 1, d_last), data.x, data.y))
    top = values[: min(d0, d_last)]
    assert np.all(np.diff(top) <= -0.5 + 1e-9)  # gaps >= 0.5, as documented


def test_degenerate_spectra():
    repeated = sigma_eigen(DeepLinear((3, 1, 2), *_xy(regression_data(3, 2, 5, 1, spectrum="repeated"))))[0]
    assert repeated[0] == pytest.approx(repeated[1], rel=1e-12)
    zero = regression_data(3, 2, 5, 1, spectrum="zero")
    assert np.abs(zero.y @ zero.x.T).max() < 1e-12
    deficient = regression_data(3, 2, 5, 1, x_rank="deficient")
    assert np.linalg.matrix_rank(deficient.x) == 2


def _xy(data):
    return data.x, data.y


def test_shrinking_gives_the_smallest_architecture():
    assert find(architectures(min_depth=1, max_depth=5), lambda w: len(w) >= 4) == (1, 1, 1, 1)
