"""The landscape around a certificate, recomputed from the certificate alone."""

from __future__ import annotations

import numpy as np

from landscape.reports.slices import surroundings


def test_slices_pass_through_the_point_and_show_the_certified_descent(real_records):
    certificate = real_records[2]["certificate"]  # degenerate saddle at the origin, widths (1, 1, 1, 1)
    around = surroundings(certificate)
    assert around.problem is None
    assert around.loss == certificate["facts"]["loss"]
    assert np.allclose(around.eigenvalues, 0.0)  # the Hessian at the depth-3 origin is zero
    first = around.lines[0]
    assert first.label == "certified descent direction"
    middle = first.t.size // 2
    assert first.t[middle] == 0.0 and first.loss[middle] == around.loss
    assert first.loss.min() < around.loss  # the loss goes down along the certified direction
    assert around.plane is not None and around.plane.loss.shape == (around.plane.t.size, around.plane.s.size)


def test_a_strict_saddle_is_sliced_along_its_negative_curvature():
    from landscape.landscapes.deep_linear import DeepLinear

    spec = DeepLinear((1, 1, 1), [[1.0]], [[1.0]]).spec()  # (1 - vw)^2: the origin is a strict saddle
    around = surroundings({"landscape": spec, "point": [0.0, 0.0], "checks": [], "facts": {"optimum": 0.0}})
    assert np.allclose(around.eigenvalues, [-2.0, 2.0])
    lowest = next(line for line in around.lines if "lowest eigenvalue -2" in line.label)
    assert lowest.loss.max() == around.loss == 1.0


def test_an_unknown_family_is_a_note_not_a_crash():
    around = surroundings({"landscape": {"family": "no-such-family"}, "point": [0.0]})
    assert around.lines == [] and "unknown landscape family 'no-such-family'" in around.problem
