"""Bad data gets one clear line naming the problem and the fix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.base import landscape_from_spec
from landscape.landscapes.deep_linear import DeepLinear

GOOD_X, GOOD_Y = np.ones((2, 3)), np.ones((1, 3))
BAD = [
    ("nan-in-X", lambda: DeepLinear((2, 1, 1), [[1.0, math.nan, 0.0], [1.0, 1.0, 1.0]], GOOD_Y), r"X\[0, 1\] = nan is not finite"),
    ("inf-in-Y", lambda: DeepLinear((2, 1, 1), GOOD_X, [[1.0, math.inf, 0.0]]), r"Y\[0, 1\] = inf is not finite"),
    ("rows", lambda: DeepLinear((3, 1, 1), GOOD_X, GOOD_Y), "X has 2 rows but the architecture needs 3"),
    ("samples", lambda: DeepLinear((2, 1, 1), GOOD_X, np.ones((1, 4))), "X has 3 samples .* but Y has 4"),
    ("vector", lambda: DeepLinear((2, 1, 1), [1.0, 2.0], GOOD_Y), "pass a 2-D array"),
    ("text", lambda: DeepLinear((2, 1, 1), [["a", "b", "c"]] * 2, GOOD_Y), "not a numeric matrix"),
    ("widths", lambda: DeepLinear((2,), GOOD_X, GOOD_Y), "at least two positive sizes"),
    ("zero-width", lambda: DeepLinear((2, 0, 1), GOOD_X, GOOD_Y), "at least two positive sizes"),
    ("family", lambda: landscape_from_spec({"family": "no-such"}), "unknown landscape family 'no-such'"),
]


@pytest.mark.parametrize("make, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_data_is_one_clear_line(make, message):
    with pytest.raises((DataError, InvalidArgument), match=message) as caught:
        make()
    assert "\n" not in str(caught.value)
