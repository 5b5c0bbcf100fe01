r"""Wide and narrow fully connected networks (seed 001 §IV-D, §IV-E): a narrow network's bad
strict minimum, paths that stay below a level, and a certificate of a spurious valley.

**Narrow construction (Prop IV.3).**  One hidden layer of m = n - 1 neurons, no output bias,
f(x) = sum_j v_j sigma(w_j x + b_j), loss F = (1/n) sum_i (y_i - f(x_i))^2.  With residual
r = y - f(X) and g_r(w, b) = sum_i r_i sigma(w x_i + b), the point is critical iff, for every
neuron with v_j != 0, (w_j, b_j) is a critical point of g_r with g_r(w_j, b_j) = 0, and the
Hessian there is

.. math:: \tfrac n2 \nabla^2 F = J^\top J + \mathrm{blockdiag}_j(-v_j \nabla^2 g_r(w_j, b_j), 0_{v_j}),

a sum of two positive semidefinite matrices when every -v_j nabla^2 g_r(w_j, b_j) is positive
definite; their kernels meet only in {delta w = delta b = 0, S delta v = 0}, S = [sigma(w_j x_i + b_j)],
so the Hessian is positive definite as soon as S has full column rank, for every size of r.
We take r = rho (e_p + e_q) on the two extreme samples p, q and the "special neuron" (the seed's
words) sigma(t) = t/2 + sin t + sqrt(3)/2 - pi/6 (``tilted-sine`` in
:data:`~landscape.landscapes.activations.ACTIVATIONS`): it is not monotone, its local minima
t_k = -2pi/3 + 2pi k have sigma(t_k) = pi(k - 1/2) and sigma''(t_k) = sqrt(3)/2.  Neuron j
passes through (x_p, t_k) and (x_q, t_{1-k}) (k = 1, 0, 2, -1, ...), so sigma'(z) = 0 at both,
g_r = rho (sigma(t_k) + sigma(t_{1-k})) = 0, nabla^2 g_r = rho sqrt(3)/2 (u_p u_p^T + u_q u_q^T)
with u = (x, 1) is positive definite, and v_j = -1.  y = f(X) + r.  The loss there is
2 rho^2 / n, while the same width interpolates (:func:`narrow_interpolant`), so the strict
minimum is bad.  Homogeneous activations (ReLU, t^2, leaky ReLU, t^3) cannot give a strict
minimum at all (rescaling w_j, b_j, v_j is a flat direction), and an activation with a single
critical point cannot host n - 1 distinct neurons through two critical points: hence this neuron.

**Output-layer segments.**  Moving only the output layer makes the outputs affine in t, so
t -> F is convex (the loss is convex in the outputs); if its derivative at the end is <= 0 it is
non-increasing on the whole segment: an exact monotonicity certificate, no sampling.  With a
full-rank feature matrix Z_L(X) (d_L >= n) the end can be an interpolant (squared loss) or a
point of any smaller logistic loss: the constructive core of Thm IV.1 / IV.2.

**Spurious valley.**  A strict-minimum radius certificate (x*, rho, m, |g|) gives
F >= F(x*) - |g| rho + m rho^2 / 2 =: s on the sphere of radius rho; for a level c in
[F(x*), s) the component of {F <= c} containing x* lies in the open ball, where F >= F(x*) -
|g|^2/(2m).  A point with loss below that bound shows the component holds no global minimum.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from landscape.errors import InvalidArgument
from landscape.landscapes.base import DTYPE, Landscape, losses_at
from landscape.oracles.minimum_certificate import strict_minimum_radius
from landscape.landscapes.mlp import MLP

SPECIAL_NEURON = "tilted-sine"
MINIMUM_SHIFT = -2.0 * math.pi / 3.0  # t_k = MINIMUM_SHIFT + 2 pi k are the local minima
NEURON_ORDER = (1, 0, 2, -1, 3, -2, 4, -3)  # neuron j passes through (x_p, t_k), (x_q, t_{1-k})
CHOICES_PER_PAIR = 12  # sets of n - 1 indices k tried per sample pair
RANK_MARGIN = 1e-6  # sigma_min(S) / sigma_max(S) the construction requires
SEGMENT_SAMPLES = 65  # sampled segments (hidden weights move): points per segment
DERIVATIVE_ALLOWANCE = 1e-10  # phi'(1) <= this x loss scale counts as <= 0 (rounding)
LSTSQ_CUTOFF = 1e-10  # singular values of Z_L(X) below this x the largest count as zero (no huge weights)
PERTURBATION_SIZES = (1e-2, 1e-3, 1e-4)  # hidden-weight moves, relative to max(1, |hidden weights|)


def _tensor(points: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(points, dtype=np.float64), dtype=DTYPE)


def minimum_location(k: int) -> float:
    return MINIMUM_SHIFT + 2.0 * math.pi * k


def _neurons_through(x: np.ndarray, p: int, q: int, ks: tuple[int, ...]) -> tuple[list[float], list[float]]:
    weights, biases = [], []
    for k in ks:
        slope = (minimum_location(1 - k) - minimum_location(k)) / (x[q] - x[p])
        weights.append(slope)
        biases.append(minimum_location(k) - slope * x[p])
    return weights, biases


def narrow_construction(x: np.ndarray, rho: float = 1.0) -> tuple[MLP, np.ndarray]:
    """The network (1, n - 1, 1) with the special neuron, outputs y and its bad strict minimum.

    The residual sits on a pair of samples (p, q), the extreme pair first; a pair whose feature
    matrix S is rank-deficient (sigma_min/sigma_max < :data:`RANK_MARGIN`, e.g. some equally
    spaced inputs) is skipped; if every pair is, the last one is returned and fails certification."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    n = x.size
    if n < 2 or len(set(x.tolist())) != n:
        raise InvalidArgument(f"x={x.tolist()!r} must hold at least 2 distinct scalar inputs")
    if n - 1 > len(NEURON_ORDER):
        raise InvalidArgument(f"n={n} is too large for the construction (at most {len(NEURON_ORDER) + 1})")
    pairs = sorted(((p, q) for p in range(n) for q in range(p + 1, n)), key=lambda pq: -abs(x[pq[1]] - x[pq[0]]))
    probe = MLP((1, n - 1, 1), SPECIAL_NEURON, x[None], np.zeros((1, n)))
    choices = list(itertools.islice(itertools.combinations(NEURON_ORDER, n - 1), CHOICES_PER_PAIR))
    for (p, q), ks in itertools.product(pairs, choices):
        weights, biases = _neurons_through(x, p, q, ks)
        point = np.concatenate([weights, biases, -np.ones(n - 1)])
        if feature_rank_ratio(probe, point) >= RANK_MARGIN:
            break
    outputs = probe.outputs(_tensor(point)[None])[0, 0].numpy()
    residual = np.zeros(n)
    residual[[p, q]] = rho
    return MLP((1, n - 1, 1), SPECIAL_NEURON, x[None], (outputs + residual)[None]), point


def feature_rank_ratio(landscape: MLP, point: np.ndarray) -> float:
    """sigma_min / sigma_max of Z_L(X) (d_L x n) as an n-column or d_L-row matrix."""
    values = np.linalg.svd(landscape.features(_tensor(point)[None])[0].numpy(), compute_uv=False)
    return float(values[-1] / max(values[0], 1e-300))


def _determinant(landscape: MLP, weights: np.ndarray, biases: np.ndarray, first_bias: float) -> float:
    """det[S | y] with the first neuron's bias replaced by ``first_bias``."""
    trial = biases.copy()
    trial[0] = first_bias
    columns = landscape.activation.torch_fn(_tensor(np.outer(landscape.x[0], weights) + trial)).numpy()
    return float(np.linalg.det(np.column_stack([columns, landscape.y[0]])))


def narrow_interpolant(landscape: MLP, seed: int) -> np.ndarray | None:
    """A zero-loss point of a (1, n - 1, 1) network without output bias: random hidden weights,
    then b_1 chosen by bisection so that det[S | y] = 0 (y in the span of the n - 1 feature
    columns; for the tilted sine the first column grows like b_1/2, so the determinant changes
    sign between b_1 = -/+ 10^3 unless det[1 | other columns | y] = 0), then v by least squares."""
    rng = np.random.default_rng(seed)
    m = landscape.widths[1]
    y = landscape.y[0]
    for _ in range(8):
        weights, biases = rng.standard_normal(m) * 2.0, rng.standard_normal(m)
        low, high = -1e3, 1e3
        if _determinant(landscape, weights, biases, low) * _determinant(landscape, weights, biases, high) > 0:
            continue
        for _ in range(200):
            middle = 0.5 * (low + high)
            if _determinant(landscape, weights, biases, low) * _determinant(landscape, weights, biases, middle) <= 0:
                high = middle
            else:
                low = middle
        biases[0] = 0.5 * (low + high)
        columns = landscape.activation.torch_fn(_tensor(np.outer(landscape.x[0], weights) + biases)).numpy()
        v = np.linalg.lstsq(columns, y, rcond=None)[0]
        point = np.concatenate([weights, biases, v])
        if np.isfinite(point).all():
            return point
    return None


# -- paths below a level -----------------------------------------------------------------------


def output_slice(landscape: MLP) -> slice:
    """The coordinates of the output layer's weights (and bias) in theta."""
    _, _, start, end = landscape.layers[-1]
    return slice(start, end)


def _outputs_target(landscape: MLP, outputs: np.ndarray, value: float) -> np.ndarray:
    """Squared loss: Y.  Logistic: kappa Y with loss softplus(-kappa) <= value / 4 and kappa
    above every current margin (so the loss still decreases at the end)."""
    if landscape.loss_name == "squared":
        return landscape.y
    kappa = -math.log(math.expm1(max(value, 1e-300) / 4.0)) if value < 4.0 * math.log(2.0) else 1.0
    margin = float((landscape.y * outputs).max())
    return max(kappa, margin + 1.0, 1.0) * landscape.y


def output_layer_end(landscape: MLP, point: np.ndarray) -> np.ndarray | None:
    """The end of the output-layer segment from ``point`` (squared: least squares in W; logistic:
    the interpolant of kappa Y, needs full-rank features), or None without a bias-free last layer."""
    if landscape.output_bias:
        return None
    theta = _tensor(point)[None]
    features = landscape.features(theta)[0].numpy()  # (d_L, n)
    outputs = landscape.outputs(theta)[0].numpy()
    target = _outputs_target(landscape, outputs, float(landscape.loss(theta)[0]))
    if landscape.loss_name == "logistic" and feature_rank_ratio(landscape, point) < RANK_MARGIN:
        return None
    weights = np.linalg.lstsq(features.T, target.T, rcond=LSTSQ_CUTOFF)[0].T  # (d_y, d_L)
    end = np.array(point, dtype=np.float64)
    end[output_slice(landscape)] = weights.reshape(-1)
    return end


def segment_profile(landscape: Landscape, start: np.ndarray, end: np.ndarray) -> tuple[float, float, float]:
    """(phi(0), phi(1), phi'(1)) for phi(t) = F(start + t (end - start)), in float64."""
    t = torch.ones(1, dtype=DTYPE, requires_grad=True)
    a, b = _tensor(start), _tensor(end)
    with torch.enable_grad():
        value = landscape.loss((a + t * (b - a))[None])[0]
        (derivative,) = torch.autograd.grad(value, t)
    return float(landscape.loss(a[None])[0]), float(value.detach()), float(derivative[0])


def output_segment_certified(landscape: MLP, start: np.ndarray, end: np.ndarray) -> bool:
    """Only the output layer moves and phi'(1) <= rounding: phi is convex, so non-increasing on [0, 1]."""
    moved = np.flatnonzero(np.asarray(start) != np.asarray(end))
    inside = output_slice(landscape)
    if moved.size and (moved.min() < inside.start or moved.max() >= inside.stop):
        return False
    _, _, slope = segment_profile(landscape, start, end)
    return slope <= DERIVATIVE_ALLOWANCE * landscape.loss_scale()


def sampled_segment_maximum(landscape: Landscape, start: np.ndarray, end: np.ndarray) -> float:
    t = np.linspace(0.0, 1.0, SEGMENT_SAMPLES)[:, None]
    return float(losses_at(landscape, start[None] + t * (end - start)[None]).max())


def path_to_lower(landscape: MLP, point: np.ndarray, level: float, goal: float, seed: int) -> tuple[list[np.ndarray], str] | None:
    """A polygonal path from ``point`` staying <= ``level`` and ending at loss <= ``goal``.

    Output-layer segment (exact); if that does not reach ``goal`` the features are
    rank-deficient: a small random move of the hidden weights (sampled at
    :data:`SEGMENT_SAMPLES` points, must stay <= level and make the features full rank), then an
    output-layer segment again.  Returns (nodes, how) or None (which proves nothing)."""
    nodes = [np.asarray(point, dtype=np.float64)]
    end = output_layer_end(landscape, nodes[-1])
    if end is not None and output_segment_certified(landscape, nodes[-1], end) and losses_at(landscape, end[None])[0] <= level:
        nodes.append(end)
        if losses_at(landscape, end[None])[0] <= goal:
            return nodes, "output-layer segment (exact: convex along it)"
    rng = np.random.default_rng(seed)
    hidden = np.ones(nodes[-1].size, dtype=bool)
    hidden[output_slice(landscape)] = False
    size = max(1.0, float(np.linalg.norm(nodes[-1][hidden])))
    for radius in PERTURBATION_SIZES:
        for _ in range(4):
            step = np.where(hidden, rng.standard_normal(nodes[-1].size), 0.0)
            moved = nodes[-1] + radius * size * step / np.linalg.norm(step)
            if sampled_segment_maximum(landscape, nodes[-1], moved) > level:
                continue
            final = output_layer_end(landscape, moved)
            if final is None or not output_segment_certified(landscape, moved, final):
                continue
            if losses_at(landscape, final[None])[0] <= goal:
                how = f"output layer (exact), hidden move of {radius:g} x |hidden| (sampled at {SEGMENT_SAMPLES} points), output layer (exact)"
                return nodes + [moved, final], how
    return None


# -- spurious valley ---------------------------------------------------------------------------


def valley_figures(landscape: Landscape, point: np.ndarray, seed: int) -> dict[str, float] | None:
    """Level c, the sphere bound s > c and the floor of F inside the ball, from the radius certificate."""
    strict = strict_minimum_radius(landscape, point, seed)
    if strict is None:
        return None
    value = float(losses_at(landscape, np.asarray(point)[None])[0])
    rho, modulus, gradient = strict["ball_radius"], strict["convexity_modulus"], strict["gradient_norm"]
    sphere = value - gradient * rho + 0.5 * modulus * rho * rho
    floor = value - strict["value_lower_bound_drop"]
    return {"value": value, "level": value + 0.5 * (sphere - value), "sphere_bound": sphere, "floor": floor,
            "ball_radius": rho, "level_name": strict["level"]}
