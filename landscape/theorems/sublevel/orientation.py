r"""A certificate of disconnection for sublevel sets of deep linear networks with a square bottleneck.

Let k = min_j d_j be the narrowest width of (d_0, ..., d_L), so rank W_L ... W_1 <= k, and let

.. math:: F^*_{k-1} = \operatorname{tr} S_{yy} - \sum_{i < k} \lambda_i(\Sigma), \qquad \Sigma = S_{yx}S_{xx}^{-1}S_{xy},

be the least loss of a product of rank <= k - 1 (reduced-rank regression, a closed form).  On a
sublevel set {F <= u} with u < F*_{k-1} every product has rank k, so every layer has rank >= k;
a *square* layer W_j of size k x k is then invertible, and sign det W_j is continuous and never zero
on the set.  Two points of the set with opposite signs of det W_j lie in different path components.

With every hidden width > min(d_0, d_L) (Freeman-Bruna's condition) no layer is square of size k,
so the certificate never applies to the theorem's instances; it is how the falsified variant (a
square bottleneck, any size k) is refuted on drawn instances, far from the scalar chains only.
The theorem's side remains one-sided: a sublevel set with no such certificate and no path found is
undecided, never disconnected.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from landscape.certificates.registry import CheckResult, replayable
from landscape.oracles.classify import Tolerances
from landscape.landscapes.base import DTYPE, Landscape, losses_at
from landscape.landscapes.deep_linear import DeepLinear, sigma_eigen


def square_bottleneck(landscape: DeepLinear) -> int | None:
    """Index (0-based) of a layer W_j of shape (k, k), k = min width, if any."""
    k = min(landscape.widths)
    return next((j for j, shape in enumerate(landscape.shapes) if shape == (k, k)), None)


def rank_deficient_floor(landscape: DeepLinear) -> float:
    """F*_{k-1}: the least loss over products of rank <= k - 1 (reduced-rank regression)."""
    k = min(landscape.widths)
    values, _ = sigma_eigen(landscape)
    return float(np.trace(landscape.syy) - np.clip(values[: k - 1], 0.0, None).sum())


def layer_determinant(landscape: DeepLinear, point: np.ndarray, layer: int) -> float:
    return float(np.linalg.det(landscape.layers(torch.as_tensor(point, dtype=DTYPE)[None])[layer][0].numpy()))


def reflected(landscape: DeepLinear, point: np.ndarray, layer: int) -> np.ndarray:
    """W_j -> D W_j and W_{j+1} -> W_{j+1} D (or W_{j-1} -> D W_{j-1}, W_j -> W_j D for the last layer),
    D = diag(-1, 1, ..., 1): the same product and loss, det W_j of the opposite sign."""
    weights = [w.clone() for w in landscape.layers(torch.as_tensor(point, dtype=DTYPE)[None])]
    if layer + 1 < landscape.depth:
        weights[layer][:, 0, :] *= -1.0
        weights[layer + 1][:, :, 0] *= -1.0
    else:
        weights[layer][:, :, 0] *= -1.0
        weights[layer - 1][:, 0, :] *= -1.0
    return landscape.flatten(weights)[0].numpy()


def orientation_separates(landscape: DeepLinear, a: np.ndarray, b: np.ndarray, level: float) -> int | None:
    """The square bottleneck layer j whose determinant sign separates a and b in {F <= level}, if
    level < F*_{k-1}, both points lie in the set, and the signs differ; else None."""
    layer = square_bottleneck(landscape)
    if layer is None or not level < rank_deficient_floor(landscape):
        return None
    if losses_at(landscape, np.stack([a, b])).max() > level:
        return None
    if layer_determinant(landscape, a, layer) * layer_determinant(landscape, b, layer) >= 0:
        return None
    return layer


@replayable("orientation-separation")
def check_orientation_separation(landscape: Landscape, point: np.ndarray, tol: Tolerances, args: dict[str, Any]) -> CheckResult:
    """The point and ``other`` lie in {F <= level}, level < F*_{k-1}, and det W_j of the square
    bottleneck layer j has opposite signs at them: different components of the sublevel set."""
    if not isinstance(landscape, DeepLinear):
        return CheckResult("orientation-separation", False, "needs a deep linear landscape")
    other = np.asarray(args["other"], dtype=np.float64)
    level = float(args["level"])
    layer = square_bottleneck(landscape)
    floor = rank_deficient_floor(landscape)
    values = losses_at(landscape, np.stack([point, other]))
    signs = (layer_determinant(landscape, point, layer), layer_determinant(landscape, other, layer)) if layer is not None else (0.0, 0.0)
    passed = layer is not None and layer == int(args["layer"]) and level < floor and values.max() <= level and signs[0] * signs[1] < 0
    return CheckResult(
        "orientation-separation", bool(passed),
        f"F = {values[0]:.12g}, {values[1]:.12g} <= u = {level:.12g} < F*_(k-1) = {floor:.12g}; det W_{int(args['layer']) + 1} = "
        f"{signs[0]:.6g} vs {signs[1]:.6g}",
    )
