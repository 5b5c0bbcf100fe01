r"""Connected sublevel sets of linear networks (seed 002: Freeman-Bruna 2016; Venturi-Bandeira-Bruna).

Theorem ``linear-connected-sublevel-sets``: with every hidden width > min(n, m) (input and output
dimensions), the sublevel sets {F <= u} of the deep linear squared loss are connected (N_u = 1), and
so are those of 2-layer ridge regression (here with X = I: the weight-decayed factorisation (1.33)).
Each instance joins hard pairs of points by a path certified below the level
(:func:`landscape.oracles.paths.find_path`): a global minimum and its mirror image with the
signs of W_1 and W_2 flipped (same product, same loss), and two partially trained random points.
The falsified variant drops the width condition (a square layer at the narrowest width k) and is
refuted by a certificate of disconnection (:mod:`landscape.theorems.sublevel.orientation`: the sign
of det W_j on {F <= u}, u < F*_{k-1}), never by a failed search.  The theorem's side is one-sided:
under its hypothesis no such certificate applies, so an instance is decided by a certified path or
left undecided.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.generators.data import datasets
from landscape.oracles.classify import classify
from landscape.landscapes.base import DTYPE
from landscape.generators.matrices import FactorisationProblem, factorisation_problem
from landscape.landscapes.factorisation import MatrixFactorisation
from landscape.landscapes.base import Landscape
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.optimum import optimum_of
from landscape.oracles.paths import find_path, project_below, separating_coordinate
from landscape.theorems.common import certified, certify
from landscape.theorems.linear import LinearInstance
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.sublevel.orientation import orientation_separates, reflected, square_bottleneck
from landscape.theorems.sublevel.multilinear import MultilinearInstance, multilinear_instances, no_spurious_valley_check

POSITION = 110  # place in the catalogue (landscape.theorems.catalogue)

# u = max(F(a), F(b)) + LEVEL_SLACK x (max(F(0), F(a), F(b)) - F*): a thin sublevel set around the points.
LEVEL_SLACK = 0.05


@st.composite
def wide_architectures(draw: st.DrawFn, min_depth: int = 2, max_depth: int = 3, max_end: int = 2, max_width: int = 3) -> tuple[int, ...]:
    """(d_0, d_1, ..., d_L) with every hidden width > min(d_0, d_L) (Freeman-Bruna's condition)."""
    depth = draw(st.integers(min_depth, max_depth))
    d0, d_last = draw(st.integers(1, max_end)), draw(st.integers(1, max_end))
    hidden = [draw(st.integers(min(d0, d_last) + 1, max_width)) for _ in range(depth - 1)]
    return (d0, *hidden, d_last)


def ridge_problems() -> st.SearchStrategy[FactorisationProblem]:
    """2-layer ridge regression 1/2||Y - UV^T||^2 + lambda/2(||U||^2 + ||V||^2) (X = I) with hidden width
    n_1 = min(n_2, n_0) + 1 > min(n, m)."""
    return st.builds(
        lambda n2, n0, above, seed: factorisation_problem(n2, n0, min(n2, n0) + 1, min(above, n2, n0), seed),
        st.integers(1, 2), st.integers(1, 2), st.integers(0, 2), st.integers(0, 2**16),
    )


@st.composite
def square_bottleneck_architectures(draw: st.DrawFn, max_k: int = 2, max_end: int = 3) -> tuple[int, ...]:
    """Widths with a hidden width k <= min(d_0, d_L) next to another width k (a square k x k layer),
    so the condition n_k > min(n, m) fails: (k, k, d_L), (d_0, k, k), or (d_0, k, k, d_L)."""
    k = draw(st.integers(1, max_k))
    d0, d_last = draw(st.integers(k, max_end)), draw(st.integers(k, max_end))
    shape = draw(st.sampled_from(["input", "output", "middle"]))
    if shape == "input":
        return (k, k, d_last)
    if shape == "output":
        return (d0, k, k)
    return (d0, k, k, d_last)


def instances(architecture: st.SearchStrategy[tuple[int, ...]]) -> st.SearchStrategy[LinearInstance]:
    return architecture.flatmap(lambda widths: datasets(widths[0], widths[-1]).map(lambda data: LinearInstance(widths, data)))


def mirrored(landscape: Landscape, point: np.ndarray) -> np.ndarray:
    """W_1 -> -W_1, W_2 -> -W_2 (deep linear) or (U, V) -> (-U, -V) (ridge): the same product and loss."""
    if isinstance(landscape, MatrixFactorisation):
        return -point
    out = point.copy()
    size = sum(r * c for r, c in landscape.shapes[:2])
    out[:size] = -out[:size]
    return out


def point_pairs(landscape: Landscape, seed: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, a, b): a global minimum and its mirror; two random starts descended 90% of the way
    to the optimum, the second mirrored."""
    best = optimum_of(landscape).point
    pairs = [("global minimum and its mirror", best, mirrored(landscape, best))]
    starts = landscape.random_points(2, torch.Generator().manual_seed(seed)).numpy()
    values = landscape.loss(torch.as_tensor(starts, dtype=DTYPE)).numpy()
    optimum = optimum_of(landscape).value
    halfway = optimum + 0.1 * (values - optimum)
    trained = np.stack([project_below(landscape, starts[i : i + 1], float(halfway[i]))[0] for i in range(2)])
    pairs.append(("two partially trained random points", trained[0], mirrored(landscape, trained[1])))
    layer = square_bottleneck(landscape) if isinstance(landscape, DeepLinear) else None
    if layer is not None:
        pairs.append((f"global minimum and its reflection in layer {layer + 1}", best, reflected(landscape, best, layer)))
    return pairs


def connectivity_check(theorem_id: str):
    r"""Property of 002 (Freeman-Bruna): for each pair (a, b), either a certificate of disconnection
    exists (a counterexample), or a path from a to b certified below u = max(F(a), F(b)) + slack is
    found (supports), or neither (inconclusive: a failed search proves nothing)."""

    def check(instance: LinearInstance | FactorisationProblem, context: Context) -> Evidence:
        if isinstance(instance, MultilinearInstance):
            return no_spurious_valley_check(instance, context)
        landscape = instance.landscape()
        seed = context.seed_for(instance)
        top = float(landscape.loss(torch.zeros(1, landscape.n_params, dtype=DTYPE))[0])  # F at the origin
        optimum = optimum_of(landscape).value
        counts: Counter[str] = Counter()
        notes = []
        for label, a, b in point_pairs(landscape, seed):
            values = landscape.loss(torch.as_tensor(np.stack([a, b]), dtype=DTYPE)).numpy()
            level = float(values.max()) + LEVEL_SLACK * (max(top, float(values.max())) - optimum)
            layer = orientation_separates(landscape, a, b, level) if isinstance(landscape, DeepLinear) else None
            if layer is not None:
                return _orientation_counterexample(theorem_id, landscape, label, a, b, level, layer, optimum, context, seed, counts)
            coordinate = separating_coordinate(landscape, a, b, level)
            if coordinate is not None:
                claim = (f"{label}: F <= u = {level:.6g} at both, coordinate {coordinate} changes sign between them and "
                         f"F = {top:.6g} > u wherever it vanishes: different components of the sublevel set")
                found = classify(landscape, a, optimum, context.tolerances, seed)
                entry = {"name": "separating-coordinate", "args": {"coordinate": coordinate, "level": level, "other": b.tolist()}}
                cert = certify(theorem_id, "counterexample", claim, landscape, a, found, context, seed, [entry])
                counts["disconnected-pairs"] += 1
                return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)
            path = find_path(landscape, a, b, level, seed=seed)
            counts["connected-pairs" if path.certified else "unjoined-pairs"] += 1
            notes.append(f"{label}: {path.message}, max {path.maximum:.6g} <= u {level:.6g}" if path.certified else f"{label}: {path.message}")
            if not path.certified:
                return Evidence(Outcome.INCONCLUSIVE, "; ".join(notes), None, counts, 0)
        return Evidence(Outcome.SUPPORTS, "paths certified below the level (exact polynomial bounds): " + "; ".join(notes), None, counts, 0)

    return check


def _orientation_counterexample(theorem_id, landscape, label, a, b, level, layer, optimum, context, seed, counts) -> Evidence:
    claim = (f"{label}: F <= u = {level:.6g} < F*_(k-1) at both, and det W_{layer + 1} (square, k x k) has opposite signs: "
             "different components of the sublevel set")
    found = classify(landscape, a, optimum, context.tolerances, seed)
    entry = {"name": "orientation-separation", "args": {"layer": layer, "level": level, "other": b.tolist()}}
    cert = certify(theorem_id, "counterexample", claim, landscape, a, found, context, seed, [entry])
    counts["disconnected-pairs"] += 1
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


LINEAR_CONNECTED_SUBLEVEL_SETS = Theorem(
    id="linear-connected-sublevel-sets",
    title="Linear networks with hidden widths > min(n, m) have connected sublevel sets",
    source="002 (Freeman-Bruna 2016, Proposition [BF'16] 1; Venturi-Bandeira-Bruna 2018)",
    statement=(
        "If every hidden width $n_k > \\min(n, m)$, the sublevel sets $\\Omega_u = \\{E \\le u\\}$ of "
        "$E(W) = \\mathbb E\\|W_K\\cdots W_1X - Y\\|^2$ are connected for every $u$ ($N_u = 1$).  Tested by joining hard "
        "pairs of points of $\\Omega_u$ with a path certified below $u$ (the level-set path search of 002); so does 2-layer "
        "ridge regression with $n_1 > \\min(n, m)$.  At any width, bottlenecks included, multilinear regression has no "
        "spurious valleys (Venturi-Bandeira-Bruna): from sampled points a path certified below $E(a)$ reaches a near-global minimiser."
    ),
    expectation=Expectation.HOLDS,
    instances=lambda: st.one_of(instances(wide_architectures()), ridge_problems(), multilinear_instances()),
    check=connectivity_check("linear-connected-sublevel-sets"),
    hypotheses=("every hidden width > min(d_0, d_L)", "depth 2-3, end widths 1-2, hidden widths <= 3", "ridge: X = I, n_1 = min + 1",
                "multilinear (any widths, a bottleneck): no spurious valley, a path below E(a) to a near-global minimiser"),
)

VARIANTS = [
    Theorem(
        id="variant-sublevel-sets-with-bottleneck",
        title="(false) Sublevel sets stay connected when a hidden width equals min(n, m)",
        source="002 (Freeman-Bruna) with the width condition n_k > min(n, m) dropped",
        statement="Dropped hypothesis: with a square $k \\times k$ layer $W_j$ at the narrowest width $k$, $\\Omega_u$ with "
        "$u < F^*_{k-1}$ (the best loss of a rank-deficient product) splits by the sign of $\\det W_j$; a global minimum "
        "and its reflection $(DW_j, W_{j+1}D)$ are certified to lie in different components.",
        expectation=Expectation.HOLDS,
        instances=lambda: instances(square_bottleneck_architectures()),
        check=connectivity_check("variant-sublevel-sets-with-bottleneck"),
        hypotheses=("a square k x k layer at the narrowest width k <= min(d_0, d_L), k <= 2",),
        falsifies="linear-connected-sublevel-sets",
    ),
]

THEOREMS = [LINEAR_CONNECTED_SUBLEVEL_SETS]
