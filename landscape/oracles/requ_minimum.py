r"""A strict-local-minimum certificate for the cubic-regularised ReQU network (seed 001 Thm VI.2),
which is only C^1 (ReQU's second derivative jumps at t = 0) and whose minima sit at kinks.

Notation (``landscapes/modified_nets``): neuron j has v_j = (w_j, b_j) and a_j, sample i has
x~_i = (x_i, 1), t_ij = v_j . x~_i, f_i = sum_j a_j max(t_ij, 0)^2, and
F = (1/n) sum_i l_i(f_i) + (1/3) sum_j lambda_j (|a_j|^3 + 2|v_j|^3), l_i(z) = log(1 + e^{-y_i z}).

The converged end points of a search have two kinds of kinks, and each has its own argument.

**Dead neurons (a cubic argument).**  A neuron with a_j = 0 and v_j = 0 *exactly* is dead; D is
the set of them, L the other ("live") parameters and z = (a_j, v_j)_{j in D}.  F has zero
gradient and zero Hessian along z there, so no second-order argument applies.  Let G(L) = F(L, 0)
(the live network alone), l'_i = l_i'(f_i(L)) and Q_L(v) = (1/n) sum_i l'_i max(v . x~_i, 0)^2.
Since l_i is convex, l_i(f_i + h_i) >= l_i(f_i) + l'_i h_i, and with
|a||v|^2 <= (|a|^3 + 2|v|^3)/3 (AM-GM):

.. math:: F(L, z) \ge G(L) + \sum_{j \in D} \Big(a_j Q_L(v_j) + \frac{\lambda_j}{3}(|a_j|^3 + 2|v_j|^3)\Big)
          \ge G(L) + \sum_{j \in D} \frac{\lambda_j - \kappa(L)}{3}\,(|a_j|^3 + 2|v_j|^3),

for every z, with kappa(L) = max over |v| = 1 of |Q_L(v)|.  (The bound is sharp: the cubic form
is indefinite once kappa > lambda_j, and :func:`revival_direction` then gives a descent
direction.)  kappa(L*) is computed by enumerating the Karush-Kuhn-Tucker points of the
piecewise quadratic Q on the sphere (each is an eigenvector of Q's quadratic piece restricted to
the subspace where some v . x~_i vanish; a repeated eigenvalue counts as a candidate outright),
and over a ball |L - L*| <= rho' (rho' <= rho below), kappa(L) <= kappa(L*) + (1/n) sum_i
sup|l''_i| d1_i rho' |x~_i|^2 (d1_i bounds |grad f_i| on the ball, below).  If kappa < lambda_j
for every dead j on that ball, then F(L, z) >= G(L) there, with equality only at z = 0.

**Live kinks (a piecewise radius argument).**  On the ball B = B(L*, rho) a live pair (i, j)
with |t_ij(L*)| > |x~_i| rho keeps its sign (t_ij is linear in v_j with gradient x~_i); the
others form the ambiguous set A.  For s in {0, 1}^A let G_s be G with pair (i, j) in A using
t^2 (s = 1) or 0 (s = 0) and every other pair its own side: a C^2 function (cubic in the
parameters inside the logistic loss, plus the C^2 penalty) that equals G on the part of B where
the pattern of A is s.  With mu_s a lower bound on lambda_min(Hess G_s(L*)) (the float64
eigenvalue minus a Weyl rounding allowance) and M a bound on the third derivative of every G_s
on B, Hess G_s >= (mu - M rho) I = m I on B with mu = min_s mu_s.  Along any segment in B,
G is C^1 and, between the finitely many points where a t_ij in A changes sign (t_ij is linear),
equals one of the G_s, so the derivative of G along the segment increases at rate >= m: G is
m-strongly convex on B.  If ||grad G(L*)|| < m rho / 2, G has a unique minimiser L^ in B, strict,
with ||L^ - L*|| <= ||grad G(L*)|| / m and G(L^) >= G(L*) - ||grad G(L*)||^2 / (2m).

**Together.**  Take rho' = min(rho, max(4 ||grad G(L*)|| / m, 1e-9 rho)), so that L^ lies
inside the ball of radius rho' (and kappa barely moves over it).  For |L - L*| <= rho' and any
z: F(L, z) >= G(L) >= G(L^) = F(L^, 0), with equality only at (L^, 0): a strict local minimum
of F within ||grad G(L*)|| / m of x* = (L*, 0), with value in [F(x*) - ||grad G||^2 / (2m), F(x*)].

**The third-derivative bound.**  Along a unit u = (alpha_j, U_j) of the live parameters, with
T_ij = |t_ij(L*)| + rho |x~_i| and A_j = |a_j(L*)| + rho bounding |t_ij| and |a_j| on B,
Df_i = sum_j alpha_j t_ij^2 + 2 a_j t_ij U_j.x~_i, D^2 f_i = sum_j 4 alpha_j t_ij U_j.x~_i
+ 2 a_j (U_j.x~_i)^2, D^3 f_i = sum_j 6 alpha_j (U_j.x~_i)^2, so (Cauchy-Schwarz,
2|alpha||U| <= alpha^2 + |U|^2, sum_j |alpha_j| |U_j|^2 <= 2/(3 sqrt 3))
d1_i = (sum_j T_ij^4 + 4 A_j^2 T_ij^2 |x~_i|^2)^{1/2}, d2_i = max_j 2 T_ij |x~_i| + 2 A_j |x~_i|^2,
d3_i = 4 |x~_i|^2 / sqrt 3 (pairs switched off by s only lower them).  With
D^3 l(f) = l''' Df^3 + 3 l'' Df D^2 f + l' D^3 f and, for the margin of G_s on B,
y_i f^s_i >= m_i - d1_i rho - w_i (m_i the margin of F at L*; w_i = sum_j A_j t_ij(L*)^2 over the
pairs with |t_ij(L*)| <= |x~_i| rho bounds what a pair put on its other side changes),
|l'| <= p_i, |l''| <= min(p_i, 1/4), |l'''| <= min(p_i, 1/(6 sqrt 3)), p_i = sigma(-(m_i - d1_i rho - w_i)),
the data term contributes (1/n) sum_i (|l'''| d1^3 + 3 |l''| d1 d2 + |l'| d3).  The penalty's
third derivatives are at most 6 |alpha|^3 for |a|^3 and 6 |U|^3 for |v|^3 (d^3/dt^3 |v + tu|^3 =
9c - 3c^3 with c = cos(v, u)), so it contributes at most 4 max_j lambda_j.  A symmetric trilinear
form's norm is its diagonal supremum, so the Hessian of each G_s is M-Lipschitz on B.

**Rigour.**  float64 throughout, with the analytic bound M: the eigenvalues (Weyl allowance)
and kappa (a relative slack, :data:`KAPPA_SLACK`) are float64 computations, not enclosures.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from landscape.landscapes.base import DTYPE
from landscape.landscapes.modified_nets import CubicReQUNet
from landscape.oracles.minimum_certificate import ROUNDING

MAX_AMBIGUOUS = 6  # at most 2^6 = 64 extensions G_s are enumerated; beyond, the ball shrinks or the check refuses
MAX_SAMPLES = 10  # the KKT enumeration of kappa visits 3^n sign patterns
KAPPA_SLACK = 1e-9  # relative allowance on the float64 kappa (eigenvalues of matrices of a few entries)
EIGEN_CLUSTER = 1e-10  # relative gap below which eigenvalues count as repeated (their eigenvalue is then a candidate outright)
PATTERN_SLACK = 1e-12  # relative tolerance of the sign pattern of a KKT candidate (an extra candidate only raises kappa)
DEAD_BALL_FLOOR = 1e-9  # the dead-neuron ball is at least this x rho (a positive radius even where grad G = 0)
LEVEL = "strict (C^1 ReQU: cubic dead-neuron bound, piecewise radius with analytic third-derivative bound, float64)"


@dataclass(frozen=True, slots=True)
class NeuronSplit:
    """The neurons of a point: ``dead`` (a_j = 0 and v_j = 0 exactly) and ``live`` indices,
    the hidden weights v (m, d+1) with the bias last, the output weights a (m,)."""

    dead: tuple[int, ...]
    live: tuple[int, ...]
    v: np.ndarray
    a: np.ndarray


@dataclass(frozen=True, slots=True)
class RequMinimum:
    """The figures of the certificate (module docstring).

    Attributes:
        certified: whether the argument closed; ``reason`` says why not.
        dead, ambiguous: the dead neurons and the ambiguous live pairs (i, j).
        patterns: extensions G_s enumerated (2^|A|).
        hessian_min_lower_bound: mu = min_s mu_s.
        third_derivative_bound: M on the ball.
        ball_radius: rho; convexity_modulus: m = mu - M rho.
        gradient_norm: ||grad F(x*)|| (zero along the dead neurons).
        location_radius: ||grad|| / m; value_lower_bound_drop: ||grad||^2 / (2m).
        dead_ball_radius: rho', the ball of the dead-neuron bound.
        kappa: the bound on kappa(L) over that ball; dead_lambda: min lambda_j over dead j.
        margin_lower_bound, margin_upper_bound: bounds on min_i y_i f_i at the certified minimum.
    """

    certified: bool
    reason: str
    dead: tuple[int, ...] = ()
    ambiguous: tuple[tuple[int, int], ...] = ()
    patterns: int = 0
    hessian_min_lower_bound: float = math.nan
    third_derivative_bound: float = math.nan
    ball_radius: float = 0.0
    convexity_modulus: float = math.nan
    gradient_norm: float = math.nan
    location_radius: float = math.nan
    value_lower_bound_drop: float = math.nan
    dead_ball_radius: float = 0.0
    kappa: float = math.nan
    dead_lambda: float = math.nan
    margin_lower_bound: float = math.nan
    margin_upper_bound: float = math.nan


def split_neurons(net: CubicReQUNet, point: np.ndarray) -> NeuronSplit:
    theta = np.asarray(point, dtype=np.float64)
    m, d = net.width, net.widths[0]
    weights = theta[: m * d].reshape(m, d)
    v = np.column_stack([weights, theta[m * d : m * d + m]])
    a = theta[m * d + m : m * d + 2 * m]
    dead = tuple(j for j in range(m) if a[j] == 0.0 and not np.any(v[j]))
    return NeuronSplit(dead, tuple(j for j in range(m) if j not in dead), v, a)


def extended_inputs(net: CubicReQUNet) -> np.ndarray:
    """x~_i = (x_i, 1) as the columns of a (d+1, n) array."""
    return np.vstack([net.x, np.ones((1, net.n))])


def live_network(net: CubicReQUNet, split: NeuronSplit) -> tuple[CubicReQUNet, np.ndarray]:
    """G: the network of the live neurons alone, and L* (its parameters at the point)."""
    live = list(split.live)
    sub = CubicReQUNet(net.x, net.y, len(live), net.lambdas[live])
    v = split.v[live]
    return sub, np.concatenate([v[:, :-1].reshape(-1), v[:, -1], split.a[live]])


def q_form(weights: np.ndarray, inputs: np.ndarray, v: np.ndarray) -> float:
    """Q(v) = sum_i c_i max(v . x~_i, 0)^2 with c_i = ``weights``."""
    return float((weights * np.maximum(v @ inputs, 0.0) ** 2).sum())


def kappa_and_direction(weights: np.ndarray, inputs: np.ndarray) -> tuple[float, np.ndarray]:
    """(max over |v| = 1 of |Q(v)| (upper bound, see the module docstring), a maximiser v) by
    enumerating KKT points: active set E (v . x~_i = 0), positive set S."""
    dim, n = inputs.shape
    best, best_v = 0.0, np.zeros(dim)
    scale = float(np.abs(weights).sum() * (inputs**2).sum(0).max()) or 1.0
    for labels in itertools.product((0, 1, 2), repeat=n):  # 0: negative side, 1: positive, 2: active
        active = [i for i in range(n) if labels[i] == 2]
        basis = _null_space(inputs[:, active].T, dim) if active else np.eye(dim)
        if basis.shape[1] == 0:
            continue
        positive = [i for i in range(n) if labels[i] == 1]
        matrix = (inputs[:, positive] * weights[positive]) @ inputs[:, positive].T
        values, vectors = np.linalg.eigh(basis.T @ matrix @ basis)
        for k, value in enumerate(values):
            repeated = any(abs(value - other) <= EIGEN_CLUSTER * scale for o, other in enumerate(values) if o != k)
            for sign in (1.0, -1.0):
                v = sign * (basis @ vectors[:, k])
                feasible = repeated or _has_pattern(v @ inputs, labels, PATTERN_SLACK * np.linalg.norm(inputs, axis=0))
                if feasible and abs(value) > best:
                    best, best_v = abs(float(value)), v
    if best > 0 and not np.any(best_v):
        best_v = np.eye(dim)[0]
    return best * (1.0 + KAPPA_SLACK), best_v


def _null_space(rows: np.ndarray, dim: int) -> np.ndarray:
    _, singular, vt = np.linalg.svd(rows, full_matrices=True)
    rank = int((singular > 1e-12 * max(1.0, float(singular.max(initial=0.0)))).sum())
    return vt[rank:].T if rank < dim else np.zeros((dim, 0))


def _has_pattern(pre: np.ndarray, labels: tuple[int, ...], slack: np.ndarray) -> bool:
    for value, label, allowance in zip(pre, labels, slack):
        if (label == 1 and value < -allowance) or (label == 0 and value > allowance):
            return False
    return True


def loss_derivatives(net: CubicReQUNet, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(y_i f_i, l'_i / n) at ``point``: margins and the weights of Q."""
    outputs = net.outputs(torch.as_tensor(np.asarray(point, dtype=np.float64), dtype=DTYPE)[None])[0, 0].numpy()
    margins = net.y[0] * outputs
    return margins, -net.y[0] / (1.0 + np.exp(margins)) / net.n


def revival_direction(net: CubicReQUNet, point: np.ndarray) -> tuple[int, np.ndarray] | None:
    """A dead neuron j with kappa(L*) > lambda_j and the unit (a_j, v_j) along which the cubic
    form a Q(v) + lambda_j (|a|^3 + 2|v|^3)/3 is negative (a descent direction of F), or ``None``."""
    split = split_neurons(net, point)
    _, weights = loss_derivatives(net, point)
    kappa, v = kappa_and_direction(weights, extended_inputs(net))
    for j in sorted(split.dead, key=lambda k: net.lambdas[k]):
        if kappa / (1.0 + KAPPA_SLACK) > net.lambdas[j]:
            q = q_form(weights, extended_inputs(net), v)
            direction = np.concatenate([[-math.copysign(1.0, q)], v / np.linalg.norm(v)]) / math.sqrt(2.0)
            return j, direction
    return None


def third_derivative_bound(net: CubicReQUNet, theta: np.ndarray, rho: float) -> tuple[float, np.ndarray]:
    """(M on B(theta, rho) for every extension G_s of ``net``'s loss, d1 per sample)."""
    split = split_neurons(net, theta)
    inputs = extended_inputs(net)
    lengths = np.linalg.norm(inputs, axis=0)
    pre = np.abs(split.v @ inputs)  # (m, n)
    t_max = pre + rho * lengths[None, :]
    a_max = np.abs(split.a)[:, None] + rho
    d1 = np.sqrt((t_max**4 + 4.0 * a_max**2 * t_max**2 * lengths[None, :] ** 2).sum(0))
    d2 = (2.0 * t_max * lengths[None, :] + 2.0 * a_max * lengths[None, :] ** 2).max(0)
    d3 = 4.0 / math.sqrt(3.0) * lengths**2
    margins, _ = loss_derivatives(net, theta)
    other_side = (np.where(pre <= rho * lengths[None, :], a_max * pre**2, 0.0)).sum(0)  # f_i^s - f_i at theta
    low = margins - d1 * rho - other_side
    p = 1.0 / (1.0 + np.exp(np.clip(low, -700.0, 700.0)))  # sigma(-low)
    b1, b2, b3 = p, np.minimum(p, 0.25), np.minimum(p, 1.0 / (6.0 * math.sqrt(3.0)))
    data = float((b3 * d1**3 + 3.0 * b2 * d1 * d2 + b1 * d3).sum()) / net.n
    return (data + 4.0 * float(net.lambdas.max(initial=0.0))) * (1.0 + 1e-12), d1


def extension_hessians(net: CubicReQUNet, theta: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Hessians of the extensions G_s at ``theta``: pair (i, j) uses t^2 where ``masks[k, j, i]``
    is 1, else 0; ``masks`` (K, m, n) -> (K, P, P)."""
    inputs = torch.as_tensor(extended_inputs(net), dtype=DTYPE)
    y = torch.as_tensor(net.y[0], dtype=DTYPE)
    lambdas = torch.as_tensor(net.lambdas, dtype=DTYPE)
    m, d = net.width, net.widths[0]

    def loss(parameters: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        v = torch.cat([parameters[: m * d].reshape(m, d), parameters[m * d : m * d + m, None]], dim=1)
        a = parameters[m * d + m :]
        outputs = a @ (mask * (v @ inputs) ** 2)
        squares = (v**2).sum(1)
        penalty = (lambdas * (a.abs() ** 3 + 2.0 * torch.where(squares > 0, squares, torch.ones_like(squares)) ** 1.5
                              * (squares > 0))).sum() / 3.0
        return torch.nn.functional.softplus(-y * outputs).mean() + penalty

    hessian = torch.func.vmap(torch.func.hessian(loss), in_dims=(None, 0))
    return hessian(torch.as_tensor(theta, dtype=DTYPE), torch.as_tensor(masks, dtype=DTYPE)).numpy()


def certify_requ_minimum(net: CubicReQUNet, point: np.ndarray) -> RequMinimum:
    """The certificate of the module docstring at ``point`` (dead neurons must be exactly zero)."""
    if net.n > MAX_SAMPLES:
        return RequMinimum(False, f"n = {net.n} samples: the kappa enumeration is for n <= {MAX_SAMPLES}")
    split = split_neurons(net, point)
    inputs = extended_inputs(net)
    if not split.live:
        return _dead_only(net, point, split, inputs)
    sub, live_point = live_network(net, split)
    gradient = float(np.linalg.norm(sub.gradient(torch.as_tensor(live_point, dtype=DTYPE)[None])[0].numpy()))
    full_gradient = float(np.linalg.norm(net.gradient(torch.as_tensor(np.asarray(point), dtype=DTYPE)[None])[0].numpy()))
    lengths = np.linalg.norm(inputs, axis=0)
    live_split = split_neurons(sub, live_point)
    ratios = np.abs(live_split.v @ inputs) / lengths[None, :]  # (live, n): distance of each pair to its kink
    mu0 = _min_eigen_bound(extension_hessians(sub, live_point, (live_split.v @ inputs > 0)[None].astype(float))[0])
    if not mu0 > 0:
        return RequMinimum(False, f"the live Hessian is not positive definite (lambda_min >= {mu0:.3g})", split.dead)
    rho = 1.0
    for _ in range(3):
        rho = min(1.0, mu0 / (2.0 * third_derivative_bound(sub, live_point, rho)[0]))
    order = np.sort(ratios.reshape(-1))
    if order.size > MAX_AMBIGUOUS and order[MAX_AMBIGUOUS] <= rho:
        rho = 0.5 * order[MAX_AMBIGUOUS]
    if not rho > 0:
        return RequMinimum(False, f"more than {MAX_AMBIGUOUS} live pairs sit exactly at their kink", split.dead)
    ambiguous = [tuple(int(k) for k in pair) for pair in np.argwhere(ratios <= rho)]  # (live j, i)
    base = (live_split.v @ inputs > 0).astype(float)
    masks = np.repeat(base[None], 2 ** len(ambiguous), axis=0)
    for k, bits in enumerate(itertools.product((0.0, 1.0), repeat=len(ambiguous))):
        for (j, i), bit in zip(ambiguous, bits):
            masks[k, j, i] = bit
    mu = min(_min_eigen_bound(h) for h in extension_hessians(sub, live_point, masks))
    bound = third_derivative_bound(sub, live_point, rho)[0]
    rho = min(rho, mu / (2.0 * bound)) if mu > 0 else 0.0
    bound, d1 = third_derivative_bound(sub, live_point, rho)
    modulus = mu - bound * rho
    pairs = tuple((i, split.live[j]) for j, i in ambiguous)
    common: dict[str, Any] = {"dead": split.dead, "ambiguous": pairs, "patterns": len(masks), "hessian_min_lower_bound": mu,
                              "third_derivative_bound": bound, "ball_radius": rho, "convexity_modulus": modulus,
                              "gradient_norm": full_gradient}
    if not modulus > 0 or not gradient < modulus * rho / 2.0:
        return RequMinimum(False, f"radius argument fails: |grad| = {gradient:.3g} vs m rho / 2 = {modulus * rho / 2:.3g} "
                           f"(mu = {mu:.3g}, M = {bound:.3g}, {len(masks)} extensions)", **common)
    location = gradient / modulus
    margins, weights = loss_derivatives(net, point)
    # The dead-neuron bound is needed on a ball around L* that holds L^ inside, not on all of B:
    # the smallest such ball keeps the change of kappa over it negligible.
    dead_ball = min(rho, max(4.0 * location, DEAD_BALL_FLOOR * rho))
    kappa = _kappa_on_ball(sub, live_point, weights, inputs, dead_ball, d1)
    dead_lambda = float(net.lambdas[list(split.dead)].min()) if split.dead else math.inf
    upper = _margin_upper_bound(margins, d1 * location, live_split.v @ inputs, lengths * location, live_split.a, net.y[0], location)
    figures = {**common, "location_radius": location, "dead_ball_radius": dead_ball,
               "value_lower_bound_drop": gradient**2 / (2.0 * modulus), "kappa": kappa, "dead_lambda": dead_lambda,
               "margin_lower_bound": float((margins - d1 * location).min()), "margin_upper_bound": upper}
    if split.dead and not kappa < dead_lambda:
        return RequMinimum(False, f"a dead neuron can be revived: kappa <= {kappa:.6g} is not below lambda = {dead_lambda:.6g}", **figures)
    return RequMinimum(True, "", **figures)


def _kappa_on_ball(sub: CubicReQUNet, live_point: np.ndarray, weights: np.ndarray, inputs: np.ndarray, rho: float,
                   d1: np.ndarray) -> float:
    """kappa(L*) plus its largest change over the ball: |l''| <= 1/4 times |f_i(L) - f_i(L*)| <= d1_i rho."""
    kappa, _ = kappa_and_direction(weights, inputs)
    shift = float((0.25 * d1 * rho * (inputs**2).sum(0)).sum()) / sub.n
    return (kappa + shift) * (1.0 + KAPPA_SLACK)


def _margin_upper_bound(margins: np.ndarray, moves: np.ndarray, pre: np.ndarray, reach: np.ndarray, a: np.ndarray,
                        labels: np.ndarray, radius: float) -> float:
    """An upper bound on min_i y_i f_i at the minimum, within ``radius`` of the point: y_i f_i is
    at most its value plus its move, and at most 0 for a sample every live neuron that can reach
    it (t_ij > -|x~_i| r) pushes the wrong way (y_i a_j < 0, |a_j| > r), as max(t, 0)^2 >= 0."""
    reachable = pre > -reach[None, :]  # (live, n)
    wrong_way = (labels[None, :] * a[:, None] < 0) & (np.abs(a)[:, None] > radius)
    capped = (~reachable | wrong_way).all(0)
    return float(np.where(capped, np.minimum(margins + moves, 0.0), margins + moves).min())


def _dead_only(net: CubicReQUNet, point: np.ndarray, split: NeuronSplit, inputs: np.ndarray) -> RequMinimum:
    """theta = 0: F(z) >= F(0) + sum_j (lambda_j - kappa(0)) (|a_j|^3 + 2|v_j|^3) / 3 for every z
    (no live parameters, so no ball: its radius is recorded as 0); every output is 0 there."""
    _, weights = loss_derivatives(net, point)
    kappa, _ = kappa_and_direction(weights, inputs)
    dead_lambda = float(net.lambdas.min())
    figures: dict[str, Any] = {"dead": split.dead, "patterns": 1, "gradient_norm": 0.0, "location_radius": 0.0,
                               "value_lower_bound_drop": 0.0, "kappa": kappa, "dead_lambda": dead_lambda,
                               "margin_lower_bound": 0.0, "margin_upper_bound": 0.0}
    if not kappa < dead_lambda:
        return RequMinimum(False, f"a dead neuron can be revived: kappa <= {kappa:.6g} is not below lambda = {dead_lambda:.6g}", **figures)
    return RequMinimum(True, "", **figures)


def _min_eigen_bound(hessian: np.ndarray) -> float:
    symmetric = 0.5 * (hessian + hessian.T)
    return float(np.linalg.eigvalsh(symmetric)[0]) - ROUNDING * hessian.shape[0] * float(np.linalg.norm(symmetric))
