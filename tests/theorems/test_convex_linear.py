"""Deep linear networks with a convex loss of the product (Laurent-Brecht): the certified convex
optimum, the rank-one closed form behind the bottleneck variant, exact Taylor coefficients, and
the equal-product set that certifies non-strict minima."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from landscape.certificates.replay import replay
from landscape.engine.results import Verdict
from landscape.engine.runner import verify
from landscape.generators.architectures import architectures
from landscape.landscapes.base import Landscape, landscape_from_spec, loss_at
from landscape.landscapes.convex_linear import ConvexLossLinear, convex_optimum, rank_one_optimum
from landscape.landscapes.products import chain_product, layer_matrices
from landscape.landscapes.residual_losses import ResidualLoss
from landscape.oracles.classify import PointClass, classify
from landscape.theorems.convex_instances import convex_loss_instances, rank_one_traps
from landscape.theorems.catalogue import REGISTRY
from landscape.theorems.linear import no_bad_local_min
from landscape.theorems.model import Expectation, Theorem

RNG = np.random.default_rng(3)
LOSSES = [ResidualLoss("weighted", weights=RNG.uniform(0.3, 3.0, (2, 6))), ResidualLoss("pseudo-huber", delta=0.3),
          ResidualLoss("log-cosh", delta=0.3)]


def _span_dimension(matrix: np.ndarray) -> int:
    singular = np.linalg.svd(matrix, compute_uv=False)
    return int((singular > 1e-10 * max(singular.max(initial=0.0), 1.0)).sum())


def _contains(big: np.ndarray, small: np.ndarray) -> bool:
    basis = np.linalg.svd(big, full_matrices=False)[0][:, : _span_dimension(big)]
    return bool(np.linalg.norm(small - basis @ (basis.T @ small)) <= 1e-9 * max(1.0, np.linalg.norm(small)))


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.kind)
def test_the_convex_optimum_is_bracketed_by_the_duality_gap(loss):
    x, y = RNG.standard_normal((3, 6)), 2.0 * RNG.standard_normal((2, 6))
    landscape = ConvexLossLinear((3, 3, 2), x, y, loss)
    product, lower, upper = convex_optimum(landscape)
    value = landscape.product_loss(product)
    assert lower <= value <= upper and upper - lower <= 1e-13 * landscape.loss_scale()
    for _ in range(20):  # a convex function: every other product is no better
        assert landscape.product_loss(product + 1e-3 * RNG.standard_normal(product.shape)) > lower
    optimum = landscape.optimum()
    assert abs(loss_at(landscape, optimum.point) - optimum.value) <= 1e-12 * landscape.loss_scale()
    assert "ball arithmetic" in optimum.method
    assert landscape_from_spec(landscape.spec()).optimum().value == optimum.value


def test_a_wrong_product_is_not_certified():
    landscape = ConvexLossLinear((3, 3, 2), RNG.standard_normal((3, 6)), RNG.standard_normal((2, 6)), LOSSES[1])
    product, lower, _ = convex_optimum(landscape)
    moved = product + 0.1
    assert landscape.product_loss(moved) > lower + 1e-6  # the lower bound stays below every loss


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.kind)
def test_taylor_coefficients_agree_with_nested_derivatives(loss):
    landscape = ConvexLossLinear((3, 2, 2, 2), RNG.standard_normal((3, 6)), RNG.standard_normal((2, 6)), loss)
    point, direction = (torch.as_tensor(RNG.standard_normal(landscape.n_params)) for _ in range(2))
    exact = landscape.taylor_coefficients(point, direction, 5)
    nested = Landscape.taylor_coefficients(landscape, point, direction, 5)
    assert np.allclose(exact, nested, rtol=1e-9, atol=1e-9 * landscape.loss_scale())


@settings(max_examples=10, deadline=None)
@given(rank_one_traps())
def test_the_rank_one_closed_form_is_a_lower_bound_attained(instance):
    landscape = instance.landscape()
    value, product = rank_one_optimum(landscape)
    assert np.linalg.matrix_rank(product) == 1 and abs(landscape.product_loss(product) - value) <= 1e-12
    rng = np.random.default_rng(0)
    for _ in range(200):  # rank-one products V X^{-1}, V = u v^T: none is lower
        v = np.outer(rng.standard_normal(2), rng.standard_normal(2)) * rng.uniform(0, 3)
        assert landscape.product_loss(v @ np.linalg.inv(instance.x)) >= value - 1e-12


def test_the_equal_product_tangent_contains_the_orbit_and_is_larger_at_a_rank_deficient_point():
    loss = ResidualLoss("weighted", weights=np.array([[1.0, 0.5, 2.0]]))
    landscape = ConvexLossLinear((1, 2, 1), [[1.0, 2.0, -1.0]], [[1.0, 1.0, 1.0]], loss)
    generic = RNG.standard_normal(landscape.n_params)
    deficient = np.array([1.0, 0.0, 0.0, 0.0])  # W_1 = (1, 0)^T, W_2 = 0
    for point in (generic, deficient):
        assert _contains(landscape.level_set_tangents(point), landscape.flat_directions(point))
    assert _span_dimension(landscape.level_set_tangents(generic)) == _span_dimension(landscape.flat_directions(generic)) == 3
    assert _span_dimension(landscape.flat_directions(deficient)) == 2
    assert _span_dimension(landscape.level_set_tangents(deficient)) == 3  # {b . a = 0} is 3-dimensional there


def test_a_rank_deficient_minimum_is_certified_with_the_equal_product_set():
    """sum_j m_j x_j y_j = 0 makes the zero product optimal: (W_1, W_2) = ((1, 0)^T, 0) is a
    minimum whose Hessian kernel (dimension 3) is the equal-product tangent, not the orbit's."""
    loss = ResidualLoss("weighted", weights=np.array([[1.0, 0.5, 2.0]]))
    landscape = ConvexLossLinear((1, 2, 1), [[1.0, 2.0, -1.0]], [[1.0, 1.0, 1.0]], loss)
    point = np.array([1.0, 0.0, 0.0, 0.0])
    found = classify(landscape, point, optimum=None)
    assert found.kind is PointClass.LOCAL_MINIMUM and "equal-product" in found.level
    assert found.kernel_dimension == 3 and found.flat["level_set"]["passed"]
    assert not _contains(landscape.flat_directions(point), landscape.level_set_tangents(point))


def test_a_kernel_between_two_pieces_of_the_equal_product_set_is_not_called_flat():
    """W_1 = W_2 = diag(1, 0): the equal-product set is two 4-dimensional pieces inside a
    5-dimensional ker D pi, which is the Hessian kernel at this (global) minimum.  Random kernel
    directions leave both pieces at first order, so no Morse-Bott certificate is given."""
    loss = ResidualLoss("weighted", weights=np.array([[1.0, 2.0], [0.5, 1.5]]))
    landscape = ConvexLossLinear((2, 2, 2), np.eye(2), [[1.0, 0.0], [0.0, 0.0]], loss)
    point = np.array([1.0, 0, 0, 0, 1.0, 0, 0, 0])
    assert np.allclose(chain_product(layer_matrices(point, landscape.shapes)), landscape.y)
    found = classify(landscape, point, optimum=None)
    assert found.kernel_dimension == 5
    assert found.kind is not PointClass.LOCAL_MINIMUM
    assert not found.flat["level_set"]["passed"] and found.flat["level_set"]["tangent"] < found.flat["level_set"]["probed"]
    assert classify(landscape, point, optimum=landscape.optimum().value).kind is PointClass.GLOBAL_MINIMUM


def test_the_laurent_brecht_instances_alone_are_decided_by_the_search(landscape_budget):
    """The convex-loss instances of deep-linear-no-bad-local-min, verified on their own: every
    instance decided, by minima and saddles the search reached."""
    theorem = Theorem(
        id="laurent-brecht-instances", title="convex loss of the product, no bottleneck", source="003 §1.3.2 end",
        statement="every local minimum is global", expectation=Expectation.HOLDS,
        instances=lambda: convex_loss_instances(architectures(min_depth=2, max_depth=3, max_width=3, bottleneck=False)),
        check=no_bad_local_min("laurent-brecht-instances"),
    )
    result = verify(theorem, landscape_budget, 0, named_points=False)
    assert result.verdict is Verdict.HOLDS, result.message
    assert result.coverage.named == {}
    assert result.coverage.searched.get("global_minimum", 0) >= 1
    assert sum(n for kind, n in result.coverage.searched.items() if kind.endswith("saddle")) >= 1, dict(result.coverage.searched)


def test_the_bottleneck_variant_is_refuted_through_a_searched_rank_one_trap(landscape_budget, tmp_path):
    """The counterexample is a searched non-strict minimum certified with the equal-product set,
    worse than the closed-form rank-one optimum, and its certificate replays."""
    result = verify(REGISTRY.get("variant-convex-loss-with-bottleneck"), landscape_budget, 0, certificates=tmp_path,
                    named_points=False)
    assert result.verdict is Verdict.REFUTED and "start" in result.certificate.claim
    facts = result.certificate.facts
    assert facts["kind"] == "local_minimum" and facts["flat"]["level_set"]["passed"]
    assert facts["gap"] > 0.1 * facts["optimum"]
    assert min(result.certificate.landscape["widths"][1:-1]) == 1
    assert replay(result.certificate_path).passed
