r"""Multilinear regression has no spurious valleys at any width (seed 002, Venturi-Bandeira-Bruna 2018).

E(W) = ||W_K ... W_1 X - Y||^2 (the deep linear squared loss, :class:`DeepLinear`) with *any*
hidden widths, bottlenecks included: every path-connected component of every sublevel set
{E <= u} contains a global minimum (002: "a spurious valley is a connected component of Omega_u
that does not contain a global minimum").  With a bottleneck the sublevel sets may be disconnected
(the falsified variant of ``linear-connected-sublevel-sets`` certifies that), so the claim is
weaker than connectedness and is tested differently: from a sampled point a with u = E(a), a
polygonal path (Armijo gradient descent, no overshoot) is certified below u segment by segment
(exact polynomial bounds, :func:`~landscape.oracles.paths.segment_maximum`) and must end within
END_GAP_RTOL x scale of the global optimum (reduced-rank regression, :func:`optimum_of`).  Such a
path puts a near-global minimiser in a's component; a path not found is inconclusive, never a proof.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.generators.data import datasets
from landscape.landscapes.base import loss_at
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.optimum import optimum_of
from landscape.oracles.paths import segment_maximum
from landscape.searching.armijo import armijo_path
from landscape.theorems.linear import LinearInstance
from landscape.theorems.model import Context, Evidence, Outcome

END_GAP_RTOL = 1e-6  # the path's end counts as a near-global minimiser within this x scale of E*
DESCENT_STEPS = 600
# u = E(a) + LEVEL_RTOL x scale: the exact segment bound carries a rounding allowance, so a path
# starting at a can only be certified below a level a hair above E(a).
LEVEL_RTOL = 1e-9
START_SCALES = (1.0, 0.05)  # random starts, and starts near the origin (a saddle) at a level close to E(0)


@st.composite
def bottleneck_architectures(draw: st.DrawFn) -> tuple[int, ...]:
    """(d_0, d_1, ..., d_L), depth 2-3, end widths 1-3, at least one hidden width <= min(d_0, d_L)."""
    depth = draw(st.integers(2, 3))
    d0, d_last = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    hidden = [draw(st.integers(1, 3)) for _ in range(depth - 1)]
    narrow = draw(st.integers(0, depth - 2))
    hidden[narrow] = min(hidden[narrow], min(d0, d_last))
    return (d0, *hidden, d_last)


def multilinear_instances() -> st.SearchStrategy[LinearInstance]:
    return bottleneck_architectures().flatmap(lambda widths: datasets(widths[0], widths[-1]).map(lambda data: MultilinearInstance(widths, data)))


class MultilinearInstance(LinearInstance):
    """A deep linear instance whose widths may have a bottleneck (checked for no spurious valleys)."""


def path_to_minimum(landscape: DeepLinear, start: np.ndarray) -> tuple[list[np.ndarray], float, float]:
    """(nodes, max of E over the path (exact bound), E(end) - E*)."""

    nodes = armijo_path(landscape, start, DESCENT_STEPS)
    top = max((segment_maximum(landscape, a, b)[0] for a, b in itertools.pairwise(nodes)), default=loss_at(landscape, start))
    return nodes, top, loss_at(landscape, nodes[-1]) - optimum_of(landscape).value


def no_spurious_valley_check(instance: LinearInstance, context: Context) -> Evidence:
    r"""From each sampled point a (random, and near the origin), a path certified below u = E(a) (+ LEVEL_RTOL x scale)
    reaching E* + END_GAP_RTOL x scale."""
    landscape = instance.landscape()
    seed = context.seed_for(instance)
    scale = landscape.loss_scale()
    generator = torch.Generator().manual_seed(seed)
    notes, reached = [], 0
    for factor in START_SCALES:
        start = landscape.random_points(1, generator)[0].numpy() * factor
        level = loss_at(landscape, start) + LEVEL_RTOL * scale
        nodes, top, gap = path_to_minimum(landscape, start)
        if top > level or gap > END_GAP_RTOL * scale:
            return Evidence(Outcome.INCONCLUSIVE, f"widths {instance.widths}: no certified path from a start of scale {factor} "
                            f"(max {top:.6g} vs u {level:.6g}, end gap {gap:.3g}); proves nothing", None, {"unresolved-starts": 1}, len(START_SCALES))
        reached += 1
        notes.append(f"scale {factor}: {len(nodes)} nodes below u = {level:.6g}, end gap {gap:.2g}")
    return Evidence(Outcome.SUPPORTS, f"widths {instance.widths} (bottleneck): " + "; ".join(notes), None,
                    {"paths-to-near-global": reached}, len(START_SCALES))
