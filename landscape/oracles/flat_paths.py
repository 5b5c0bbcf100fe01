r"""Non-increasing paths out of rank-deficient points of wide networks (seed 001 Thm IV.2, the
mechanism of its proof in Li et al. [32]), certified segment by segment.

At a point whose last hidden layer has *redundant* neurons (two with bitwise identical incoming
weights and bias, or one whose feature row Z_L(X)_j is exactly zero, a dead ReLU unit) the loss
is a function of fewer than d_L features, so the point may be a sub-optimal (non-strict) local
minimum.  With d_L >= n Thm IV.2 says it is not in a basin: a path that never goes up leads
lower.  The path built here has three kinds of segments, each with an argument that holds for
every point of the segment, not a sample:

``merge``
    only output weights move, and within each group of identical neurons their sum stays the
    same (a dead neuron's weight may change freely): the outputs are the same affine function
    of the sums, so F is constant along the segment (up to the rounding of the sums).
``free``
    only the incoming weights and biases of neurons whose output weight is exactly 0 move:
    those neurons do not reach the output, so F is constant along the segment, exactly.
``output``
    only the output layer moves: the outputs are affine in t and the loss convex in them, so
    t -> F is convex; with phi'(1) <= 0 it is non-increasing on the whole segment.

The builder merges every group into its first neuron, sends the freed neurons to random
incoming weights (so the features become full rank when d_L >= n) and ends with the
output-layer segment to a least-squares fit (an interpolant when the features have rank n).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from landscape.landscapes.base import DTYPE, Landscape, losses_at
from landscape.landscapes.mlp import MLP
from landscape.oracles.wide import output_layer_end, output_segment_certified, output_slice

SEGMENT_KINDS = ("merge", "free", "output")
SUM_ROUNDING = 64.0 * float(np.finfo(np.float64).eps)  # |sum change| allowed in a merge, x max(1, |v|)
LEVEL_ROUNDING = 1e-12  # a node's loss may exceed the start's by this x loss scale (rounding of the sums)
FREED_SCALE = 1.0  # freed neurons get standard normal incoming weights times this
FREED_DRAWS = 8  # draws of the freed neurons' weights (a ReLU draw may leave a unit dead on the data)
INTERPOLATED = 1e-12  # an end at or below this x loss scale is an interpolant: stop drawing


@dataclass(frozen=True, slots=True)
class FlatPath:
    """Nodes theta_0, ..., theta_k and the kind of each segment (see the module docstring)."""

    nodes: list[np.ndarray]
    kinds: list[str]

    def as_args(self) -> dict[str, Any]:
        return {"nodes": [[float(v) for v in node] for node in self.nodes], "kinds": list(self.kinds)}


def _hidden_rows(landscape: MLP, point: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """(incoming rows (d_L, d_{L-1} + 1) of the last hidden layer, index arrays of those coordinates)."""
    rows, cols, start, end = landscape.layers[-2]
    weights = point[start : start + rows * cols].reshape(rows, cols)
    incoming = np.column_stack([weights, point[start + rows * cols : end]])
    coordinates = [np.concatenate([start + j * cols + np.arange(cols), [start + rows * cols + j]]) for j in range(rows)]
    return incoming, coordinates


def _output_weights(landscape: MLP, point: np.ndarray) -> np.ndarray:
    _, _, start, _ = landscape.layers[-1]
    return point[start : start + landscape.widths[-2]]


def redundant_groups(landscape: MLP, point: np.ndarray) -> tuple[list[list[int]], list[int]]:
    """(groups of >= 2 last-hidden neurons with bitwise identical incoming rows, dead neurons
    whose feature row is exactly 0 on every sample)."""
    incoming, _ = _hidden_rows(landscape, point)
    features = landscape.features(torch.as_tensor(point, dtype=DTYPE)[None])[0].numpy()
    dead = [j for j in range(incoming.shape[0]) if not features[j].any()]
    groups: list[list[int]] = []
    for j in range(incoming.shape[0]):
        if j in dead:
            continue
        home = next((g for g in groups if np.array_equal(incoming[g[0]], incoming[j])), None)
        if home is None:
            groups.append([j])
        else:
            home.append(j)
    return [g for g in groups if len(g) > 1], dead


def build_flat_path(landscape: MLP, point: np.ndarray, seed: int) -> FlatPath | None:
    """merge -> free -> output from ``point``, or None when no neuron is redundant, the network
    has an output bias or several outputs, or the output-layer segment is not certified."""
    if landscape.output_bias or landscape.widths[-1] != 1:
        return None
    point = np.asarray(point, dtype=np.float64)
    groups, dead = redundant_groups(landscape, point)
    if not groups and not dead:
        return None
    _, _, out_start, _ = landscape.layers[-1]
    merged = point.copy()
    freed = list(dead)
    for group in groups:
        merged[out_start + group[0]] = float(_output_weights(landscape, point)[group].sum())
        freed += group[1:]
    merged[[out_start + j for j in freed]] = 0.0
    _, coordinates = _hidden_rows(landscape, point)
    rng = np.random.default_rng(seed)
    best: FlatPath | None = None
    for _ in range(FREED_DRAWS):
        moved = merged.copy()
        for j in sorted(freed):
            moved[coordinates[j]] = FREED_SCALE * rng.standard_normal(coordinates[j].size)
        end = output_layer_end(landscape, moved)
        if end is None or not output_segment_certified(landscape, moved, end):
            continue
        path = FlatPath([point, merged, moved, end], ["merge", "free", "output"])
        value = float(losses_at(landscape, end[None])[0])
        if best is None or value < float(losses_at(landscape, best.nodes[-1][None])[0]):
            best = path
        if value <= INTERPOLATED * landscape.loss_scale():
            break
    return best


def _merge_ok(landscape: MLP, start: np.ndarray, end: np.ndarray) -> tuple[bool, str]:
    inside = output_slice(landscape)
    hidden = np.ones(start.size, dtype=bool)
    hidden[inside] = False
    if not np.array_equal(start[hidden], end[hidden]):
        return False, "merge moves weights outside the output layer"
    groups, dead = redundant_groups(landscape, start)
    before, after = _output_weights(landscape, start), _output_weights(landscape, end)
    free = set(dead)
    for group in groups:
        allowed = SUM_ROUNDING * max(1.0, float(np.abs(before[group]).sum()))
        if abs(float(before[group].sum() - after[group].sum())) > allowed:
            return False, f"merge changes the output-weight sum of group {group}"
        free |= set(group)
    changed = set(np.flatnonzero(before != after).tolist())
    if not changed <= free:
        return False, f"merge changes output weights of neurons {sorted(changed - free)} that are not redundant"
    return True, f"{len(groups)} group(s) merged, {len(dead)} dead neuron(s)"


def _free_ok(landscape: MLP, start: np.ndarray, end: np.ndarray) -> tuple[bool, str]:
    inside = output_slice(landscape)
    if not np.array_equal(start[inside], end[inside]):
        return False, "free moves the output layer"
    silent = {j for j, v in enumerate(_output_weights(landscape, start)) if v == 0.0}
    _, coordinates = _hidden_rows(landscape, start)
    allowed = np.zeros(start.size, dtype=bool)
    for j in silent:
        allowed[coordinates[j]] = True
    if (start != end)[~allowed].any():
        return False, "free moves weights of a neuron whose output weight is not exactly 0"
    return True, f"{len(silent)} silent neuron(s) moved"


def check_flat_path(landscape: Landscape, nodes: list[np.ndarray], kinds: list[str]) -> tuple[bool, str, float, float]:
    """(passed, detail, F(start), F(end)): each segment meets its kind's condition and no node
    exceeds F(start) by more than rounding."""
    if not isinstance(landscape, MLP) or landscape.output_bias or landscape.widths[-1] != 1:
        return False, "needs a fully connected network with one output and no output bias", np.nan, np.nan
    if len(nodes) != len(kinds) + 1 or any(k not in SEGMENT_KINDS for k in kinds):
        return False, f"malformed path: {len(nodes)} nodes, kinds {kinds}", np.nan, np.nan
    values = losses_at(landscape, np.stack(nodes))
    level = float(values[0]) + LEVEL_ROUNDING * landscape.loss_scale()
    details = []
    for kind, start, end in zip(kinds, nodes[:-1], nodes[1:]):
        if kind == "output":
            ok, what = output_segment_certified(landscape, start, end), "convex, phi'(1) <= 0"
        else:
            ok, what = (_merge_ok if kind == "merge" else _free_ok)(landscape, start, end)
        if not ok:
            return False, f"{kind} segment fails: {what}", float(values[0]), float(values[-1])
        details.append(f"{kind} ({what})")
    if (values > level).any():
        return False, f"a node rises to {values.max():.12g} > F(start) = {values[0]:.12g}", float(values[0]), float(values[-1])
    return True, "; ".join(details), float(values[0]), float(values[-1])
