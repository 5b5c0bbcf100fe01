r"""Rank-deficient points of wide networks: where Thm IV.2 (seed 001 §IV-D) has something to say.

A wide network (d_L >= n) has sub-optimal local minima (Prop IV.2; Ding-Li-Sun [14]); they are
non-strict, and Thm IV.2 says none of them sits in a basin: from each a path that never goes up
leads lower.  The search's end points are almost always interpolants, so the property judges
these points as well:

* the sigmoid **duplicate-neuron minimum** with p >= n (``oracles/duplicate_neurons``, with
  hidden biases): certified as a non-strict (Morse-Bott) local minimum, sub-optimal; the path
  merges the duplicates' output weights (flat), moves the freed neurons at constant loss and
  ends with an exact output-layer segment (``oracles/flat_paths``);
* ReLU **dead-unit plateaus**: every last-hidden unit dead on every sample, so F = (1/n)||Y||^2
  on a neighbourhood (a sub-optimal non-strict minimum); the same path revives the units.

The falsified variant "d_L >= n: every local minimum is global" fails at the certified
duplicate-neuron minimum, the point the property judges (not the origin).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import strategies as st

from landscape.oracles.classify import PointClass, classify
from landscape.oracles.duplicate_neurons import mlp_duplicate_neuron_minimum
from landscape.oracles.flat_paths import build_flat_path, check_flat_path
from landscape.landscapes.base import losses_at
from landscape.oracles.minimum_certificate import minimum_checks, sub_optimality_check
from landscape.landscapes.mlp import MLP
from landscape.theorems.common import certified, certify
from landscape.theorems.model import Context, Evidence, Outcome

DEAD_MARGIN = 1.0  # dead units: every pre-activation <= -DEAD_MARGIN (a neighbourhood of constant loss)
DROP_FRACTION = 1e-6  # a path must end at least this x loss scale below its start


@dataclass(frozen=True, slots=True)
class DuplicateInstance:
    """Distinct scalar inputs and a width p; the outputs are those of the duplicate-neuron
    construction (Thm IV.2 holds for every Y, so choosing Y is allowed)."""

    x: tuple[float, ...]
    width: int

    def build(self, seed: int) -> tuple[MLP, np.ndarray] | None:
        return mlp_duplicate_neuron_minimum(np.array([self.x]), self.width, seed)


def duplicate_instances(min_n: int = 5, max_n: int = 6, narrow: bool = False) -> st.SearchStrategy[DuplicateInstance]:
    """n in [min_n, max_n] distinct multiples of 1/4 in [-3, 3]; p in n..n+1 (``narrow``: n - 1)."""
    def build(n: int) -> st.SearchStrategy[DuplicateInstance]:
        inputs = st.lists(st.integers(-12, 12), min_size=n, max_size=n, unique=True).map(lambda v: tuple(sorted(k / 4 for k in v)))
        widths = st.just(n - 1) if narrow else st.integers(n, n + 1)
        return st.builds(DuplicateInstance, inputs, widths)

    return st.integers(min_n, max_n).flatmap(build)


def dead_plateau_point(landscape: MLP, seed: int) -> np.ndarray:
    """A Xavier point whose last hidden layer is dead on every sample (biases pushed below)."""
    point = landscape.random_points(1, torch.Generator().manual_seed(seed))[0].numpy().copy()
    rows, cols, start, end = landscape.layers[-2]
    theta = torch.as_tensor(point, dtype=torch.float64)[None]
    previous = landscape._x if len(landscape.layers) == 2 else _features_before_last(landscape, theta)
    weights = point[start : start + rows * cols].reshape(rows, cols)
    reach = np.abs(weights @ np.asarray(previous)).max(axis=1)
    point[start + rows * cols : end] = -(reach + DEAD_MARGIN)
    return point


def _features_before_last(landscape: MLP, theta: torch.Tensor) -> np.ndarray:
    z = landscape._x.to(theta).expand(1, -1, -1)
    for weight, bias in landscape.unpack(theta)[:-2]:
        z = landscape.activation.torch_fn(weight @ z + bias.unsqueeze(-1))
    return z[0].numpy()


def flat_path_drop(landscape: MLP, point: np.ndarray, seed: int) -> tuple[list[np.ndarray], list[str], float] | None:
    """A certified flat path from ``point`` (``oracles/flat_paths``) and its drop, or None."""
    path = build_flat_path(landscape, point, seed)
    if path is None:
        return None
    passed, _, first, last = check_flat_path(landscape, path.nodes, path.kinds)
    if not passed or not first - last > DROP_FRACTION * landscape.loss_scale():
        return None
    return path.nodes, path.kinds, first - last


def duplicate_basin_check(instance: DuplicateInstance, context: Context) -> Evidence:
    """Thm IV.2 at the certified duplicate-neuron minimum: a non-increasing path to lower loss."""
    seed = context.seed_for(instance)
    built = instance.build(seed)
    if built is None:
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: duplicate-neuron construction unavailable")
    landscape, point = built
    found = classify(landscape, point, 0.0 if instance.width >= len(instance.x) else None, context.tolerances, seed,
                     context.budget.probe_directions)
    counts = Counter({f"duplicate-neuron point: {found.kind.value}": 1})
    reached = minimum_checks(landscape, point, seed) if found.kind is PointClass.LOCAL_MINIMUM else None
    if reached is None:
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: constructed point is a {found.kind.value}, not a certified minimum", None, counts)
    path = flat_path_drop(landscape, point, seed)
    if path is None:
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: certified minimum, no flat path found (proves nothing)", None, counts)
    counts["certified sub-optimal minimum left by a flat path"] += 1
    return Evidence(Outcome.SUPPORTS, f"{instance!r}: {reached[0]} at loss {found.loss:.6g}; path "
                    f"{' -> '.join(path[1])} never rises and ends {path[2]:.6g} lower", None, counts)


def certify_redundant_minimum(theorem_id: str, instance: DuplicateInstance, context: Context) -> Evidence:
    """Counterexample to "every local minimum is global": the certified duplicate-neuron minimum,
    sub-optimal against the end of its flat path (recorded as the better point and as a path)."""
    seed = context.seed_for(instance)
    built = instance.build(seed)
    if built is None:
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: duplicate-neuron construction unavailable")
    landscape, point = built
    found = classify(landscape, point, None, context.tolerances, seed, context.budget.probe_directions)
    counts = Counter({found.kind.value: 1})
    reached = minimum_checks(landscape, point, seed) if found.kind is PointClass.LOCAL_MINIMUM else None
    path = flat_path_drop(landscape, point, seed)
    if reached is None or path is None:
        return Evidence(Outcome.INCONCLUSIVE, f"{instance!r}: no certified minimum with a lower path end", None, counts)
    level, checks = reached
    nodes, kinds, drop = path
    better_value = float(losses_at(landscape, nodes[-1][None])[0])
    checks.append(sub_optimality_check(landscape, point, found.loss, nodes[-1], better_value, "end of the flat path", checks))
    checks.append({"name": "flat-path", "args": {"nodes": [[float(v) for v in node] for node in nodes], "kinds": kinds,
                                                 "drop_at_least": 0.5 * drop}})
    rank = int(np.linalg.matrix_rank(landscape.features(torch.as_tensor(point)[None])[0].numpy()))
    claim = (f"{landscape.widths} sigmoid net, x={instance.x}: duplicate-neuron point, features Z_L(X) of rank {rank} < n = "
             f"{landscape.n}, is a local minimum ({level}) with loss {found.loss:.6g} > {better_value:.3g}")
    cert = certify(theorem_id, "counterexample", claim, landscape, point, found, context, seed, extra_checks=checks)
    return certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, 0)


def redundant_minimum_check(instance: DuplicateInstance, context: Context) -> Evidence:
    """The check of the variants "every local minimum is global" (any rank, or d_L >= n)."""
    return certify_redundant_minimum(context.theorem_id, instance, context)
