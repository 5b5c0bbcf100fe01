"""The labels of (1.24) read from a critical point's own U V^T (one hidden layer, 003 Thm 1.2)."""

from __future__ import annotations

import numpy as np

from landscape.certificates.registry import run_check
from landscape.generators.data import regression_data
from landscape.oracles.classify import Tolerances
from landscape.theorems.linear import LinearInstance, one_hidden_labels, thm_1_2_point


def _landscape(spectrum: str, widths=(3, 1, 3)):
    return LinearInstance(widths, regression_data(widths[0], widths[-1], 6, 4, spectrum=spectrum)).landscape()


def test_distinct_eigenvalues_give_each_point_its_one_label():
    landscape = _landscape("distinct")
    c = np.array([[0.3]])  # a small C: the labels do not depend on it
    top, other = thm_1_2_point(landscape, (0,), c), thm_1_2_point(landscape, (2,), c)
    assert (one_hidden_labels(landscape, top).first, one_hidden_labels(landscape, top).other) == (True, False)
    labels = one_hidden_labels(landscape, other)
    assert (labels.first, labels.other, labels.example) == (False, True, (3,))
    assert not one_hidden_labels(landscape, np.zeros(landscape.n_params)).aligned  # the origin has rank 0
    moved = top.copy()
    moved[-3:] = moved[-3:] + 0.5 * thm_1_2_point(landscape, (1,), c)[-3:]  # U no longer an eigenvector
    assert not one_hidden_labels(landscape, moved).aligned


def test_a_repeated_top_eigenvalue_lets_the_global_minimum_be_labelled_j_2():
    landscape = _landscape("repeated")
    point = thm_1_2_point(landscape, (0,), np.array([[1.0]]))
    labels = one_hidden_labels(landscape, point)
    assert labels.first and labels.other and labels.example == (2,)
    check = {"name": "one-hidden-labels", "args": {"expect": "other"}}
    assert run_check(check, landscape, point, Tolerances()).passed
    distinct = _landscape("distinct")
    assert not run_check(check, distinct, thm_1_2_point(distinct, (0,), np.array([[1.0]])), Tolerances()).passed
