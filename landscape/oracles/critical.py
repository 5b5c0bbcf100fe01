r"""Critical points known from the theory, constructed exactly up to rounding.

Deep linear networks (generalising seed 003 Thm 1.2, eq. (1.24)): for an index set J of
eigenvectors of Sigma = S_yx S_xx^{-1} S_xy with |J| <= min hidden width, the layers

    W_L = [Q_J, 0],  W_l = [[I_|J|, 0], [0, 0]] (1 < l < L),  W_1 = [Q_J^T S_yx S_xx^{-1}; 0]

form a critical point with product P_J S_yx S_xx^{-1}: every gradient
(W_L..W_{l+1})^T 2(P_J - I) S_yx (W_{l-1}..W_1)^T vanishes because the column space of W_L
is span(Q_J) and S_yx S_xx^{-1} S_xy Q_J = Q_J Lambda_J.  A random change of basis in each
hidden layer (W_l -> A_l W_l A_{l-1}^{-1}) keeps it critical and makes it generic.
J = top min-width eigenvectors gives a global minimum; any other J a saddle (003 Thm 1.4).
"""

from __future__ import annotations

import itertools

import numpy as np

from landscape.landscapes.deep_linear import DeepLinear, sigma_eigen


def random_invertible(size: int, rng: np.random.Generator) -> np.ndarray:
    """A well-conditioned random invertible matrix (identity plus a small perturbation,
    scaled and rotated)."""
    q, _ = np.linalg.qr(rng.standard_normal((size, size)))
    return q @ np.diag(np.exp(rng.uniform(-0.5, 0.5, size)))


def subset_critical_point(
    landscape: DeepLinear, subset: tuple[int, ...], rng: np.random.Generator | None = None
) -> np.ndarray:
    """The critical point of the module docstring for index set ``subset`` (0-based)."""
    _, q = sigma_eigen(landscape)
    sxx_inv = np.linalg.pinv(landscape.sxx, hermitian=True)
    qj = q[:, list(subset)]
    r = len(subset)
    layers = []
    for index, (rows, cols) in enumerate(landscape.shapes):
        w = np.zeros((rows, cols))
        if landscape.depth == 1:
            w = qj @ qj.T @ landscape.syx @ sxx_inv
        elif index == 0:
            w[:r, :] = qj.T @ landscape.syx @ sxx_inv
        elif index == landscape.depth - 1:
            w[:, :r] = qj
        else:
            w[:r, :r] = np.eye(r)
        layers.append(w)
    if rng is not None:
        for hidden in range(landscape.depth - 1):
            a = random_invertible(landscape.widths[hidden + 1], rng)
            layers[hidden] = a @ layers[hidden]
            layers[hidden + 1] = layers[hidden + 1] @ np.linalg.inv(a)
    return np.concatenate([w.reshape(-1) for w in layers])


def theory_points(landscape: DeepLinear, rng: np.random.Generator, max_subsets: int | None = None) -> list[tuple[str, np.ndarray]]:
    """The origin and the subset critical points for every J with |J| <= min width; with
    ``max_subsets``, at most that many J, drawn without replacement (always J = [k] among them)
    when there are more (the count grows like 2^{d_L})."""
    points = [("origin", np.zeros(landscape.n_params))]
    k = min(landscape.widths)
    subsets = [s for size in range(1, k + 1) for s in itertools.combinations(range(landscape.widths[-1]), size)]
    if max_subsets is not None and len(subsets) > max_subsets:
        top = tuple(range(k))
        others = [s for s in subsets if s != top]
        chosen = rng.choice(len(others), size=max_subsets - 1, replace=False)
        subsets = [top] + [others[i] for i in sorted(chosen)]
    for subset in subsets:
        label = "J={" + ",".join(str(i + 1) for i in subset) + "}"
        points.append((label, subset_critical_point(landscape, subset, rng)))
    return points
