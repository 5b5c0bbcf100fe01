r"""Nonlinear network landscapes of seed 001 §IV: a single neuron, a one-hidden-layer sigmoid net,
and the two-layer ReLU student-teacher population loss (Safran-Shamir).

* ``single-neuron`` — :math:`F(w, v) = (y - v\,\phi(wx))^2`, scalars, seed 001 Prop IV.1 and
  Fig. 2, for any activation of :data:`~landscape.landscapes.activations.NEURON_ACTIVATIONS`.
  Parameters ``theta = (w, v)``.
* ``sigmoid-net`` — :math:`F(W, v) = \sum_i (y_i - v^\top \sigma(W x_i))^2` (seed 001 Claim IV.1,
  no biases, the sum without 1/n as in the claim).  ``theta = (W row-major (p x d), v (p))``.
* ``relu-teacher`` — :math:`F(W) = \tfrac12 E_{x \sim N(0, I_d)}[(\sum_j [w_j x]_+ - \sum_i [u_i x]_+)^2]`
  with teacher rows :math:`u_i = e_i` (k = d), in closed form through
  :math:`E[[w x]_+ [u x]_+] = \frac{|w||u|}{2\pi}(\sin t + (\pi - t)\cos t)`, t the angle
  (Cho-Saul arc-cosine kernel of degree 1; Safran-Shamir 2018, eq. (3)).
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import sympy
import torch
from torch import Tensor

from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.activations import NEURON_ACTIVATIONS, T, activation_named
from landscape.landscapes.base import DTYPE, Landscape, Optimum
from landscape.landscapes.exact import exact


def _finite_scalar(name: str, value: Any, nonzero: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name}={value!r} is not a number; pass a finite float") from None
    if not math.isfinite(number) or (nonzero and number == 0.0):
        raise DataError(f"{name}={number!r} must be finite" + (" and non-zero (Prop IV.1 assumes it)" if nonzero else ""))
    return number


# -- single neuron ----------------------------------------------------------------------------


class SingleNeuron(Landscape):
    r""":math:`F(w, v) = (y - v\,\phi(wx))^2`, ``theta = (w, v)`` (seed 001 Prop IV.1)."""

    family = "single-neuron"
    exact_taylor = True
    n_params = 2

    def __init__(self, activation: str, x: float, y: float) -> None:
        self.activation = activation_named(activation, NEURON_ACTIVATIONS)
        self.x = _finite_scalar("x", x, nonzero=True)
        self.y = _finite_scalar("y", y, nonzero=True)

    def loss(self, theta: Tensor) -> Tensor:
        w, v = theta[:, 0], theta[:, 1]
        return (self.y - v * self.activation.torch_fn(w * self.x)) ** 2

    def loss_scale(self) -> float:
        return self.y**2

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "activation": self.activation.name, "x": self.x, "y": self.y}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> SingleNeuron:
        return cls(spec["activation"], spec["x"], spec["y"])

    def optimum(self) -> Optimum:
        """Zero: pick t1 with phi(t1) != 0, then (w, v) = (t1/x, y/phi(t1)) interpolates."""
        for t1 in (2.0, 1.0, -1.0, 0.5, 3.0):
            phi = float(self.activation.torch_fn(torch.tensor(t1, dtype=DTYPE)))
            if abs(phi) > 1e-3:
                point = np.array([t1 / self.x, self.y / phi])
                return Optimum(0.0, point, f"interpolation: phi({t1}) = {phi:.6g} != 0, v = y/phi")
        raise InvalidArgument(f"activation {self.activation.name!r} vanishes at every probe point")

    def symbolic(self) -> tuple[list[sympy.Symbol], sympy.Expr]:
        """The loss as an exact sympy expression in (w, v)."""
        w, v = sympy.symbols("w v", real=True)
        phi = self.activation.expression.subs(T, w * exact(self.x))
        return [w, v], (exact(self.y) - v * phi) ** 2

    def taylor_coefficients(self, theta: Tensor, direction: Tensor, order: int) -> list[float]:
        """Coefficients of t -> F(theta + t d): exact (sympy series) for polynomial activations,
        else mpmath's high-precision numerical Taylor expansion (40 digits) of the same exact
        expression.  Nested forward-mode derivatives cost 2^order evaluations; with two
        parameters either route is far cheaper.  Kinks fall back to the generic method."""
        (w, v), expression = self.symbolic()
        t = sympy.Symbol("t", real=True)
        moved = expression.subs({w: exact(float(theta[0])) + t * exact(float(direction[0])),
                                 v: exact(float(theta[1])) + t * exact(float(direction[1]))})
        if self.activation.expression.is_polynomial(T):
            series = sympy.Poly(sympy.expand(moved), t)
            return [float(series.coeff_monomial(t**k)) for k in range(order + 1)]
        if self.activation.expression.has(sympy.Max, sympy.Piecewise):
            return super().taylor_coefficients(theta, direction, order)
        function = sympy.lambdify(t, moved, "mpmath")
        with mpmath.workdps(40):
            return [float(c) for c in mpmath.taylor(function, 0, order)]

    def flat_directions(self, theta: np.ndarray) -> np.ndarray | None:
        """Where phi vanishes on a whole neighbourhood of wx (a dead ReLU) the loss is locally
        constant in both coordinates; where phi(wx) = 0 exactly, F(w, .) = y^2 along the v-line."""
        t0 = float(theta[0]) * self.x
        phi = self.activation.torch_fn(torch.tensor([t0 - 1e-6, t0, t0 + 1e-6], dtype=DTYPE))
        if bool((phi == 0).all()):
            return np.eye(2)
        if float(phi[1]) == 0.0:
            return np.array([[0.0], [1.0]])
        return None

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        return 2.0 * scale * torch.randn(count, 2, generator=generator, dtype=DTYPE)


# -- one-hidden-layer sigmoid network ---------------------------------------------------------

class SigmoidNet(Landscape):
    r""":math:`F(W, v) = \sum_i (y_i - \sum_j v_j \sigma(w_j \cdot x_i))^2` (seed 001 Claim IV.1)."""

    family = "sigmoid-net"

    def __init__(self, width: int, x: Any, y: Any) -> None:
        if not isinstance(width, int) or width < 1:
            raise InvalidArgument(f"width={width!r} must be a positive integer")
        self.width = width
        self.x = np.array(x, dtype=np.float64, ndmin=2)
        self.y = np.array(y, dtype=np.float64).reshape(-1)
        if self.x.ndim != 2 or self.x.shape[1] != self.y.size:
            raise DataError(f"X has shape {self.x.shape} but y has {self.y.size} entries; pass X as (d, n), y as (n,)")
        if not (np.isfinite(self.x).all() and np.isfinite(self.y).all()):
            raise DataError("X or y contains NaN or infinity; pass finite data")
        self.d, self.n = self.x.shape
        self.n_params = width * (self.d + 1)
        self._x = torch.as_tensor(self.x, dtype=DTYPE)
        self._y = torch.as_tensor(self.y, dtype=DTYPE)

    def split(self, theta: Tensor) -> tuple[Tensor, Tensor]:
        """``(W (B, p, d), v (B, p))``."""
        cut = self.width * self.d
        return theta[:, :cut].reshape(-1, self.width, self.d), theta[:, cut:]

    def outputs(self, theta: Tensor) -> Tensor:
        w, v = self.split(theta)
        return (v.unsqueeze(-1) * torch.sigmoid(w @ self._x.to(theta))).sum(1)

    def loss(self, theta: Tensor) -> Tensor:
        return ((self._y.to(theta) - self.outputs(theta)) ** 2).sum(1)

    def loss_scale(self) -> float:
        return max(float(self.y @ self.y), 1e-300)

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "width": self.width, "X": self.x.tolist(), "y": self.y.tolist()}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> SigmoidNet:
        return cls(int(spec["width"]), spec["X"], spec["y"])

    def optimum(self) -> Optimum | None:
        """Zero when p >= n (the network interpolates: see :func:`sigmoid_interpolant`)."""
        if self.width < self.n:
            return None
        point, condition = sigmoid_interpolant(self)
        return Optimum(0.0, point, f"interpolation: p = {self.width} >= n = {self.n}, feature matrix cond {condition:.3g}")

    def flat_directions(self, theta: np.ndarray) -> np.ndarray | None:
        """Neurons with identical incoming weights act through the sum of their output weights
        only, so moving v_j - v_k within such a group leaves the loss exactly constant (and a
        critical point critical): tangents e_{v_j} - e_{v_first} for each group."""
        w, _ = self.split(torch.as_tensor(theta, dtype=DTYPE)[None])
        rows = w[0].numpy()
        columns = []
        offset = self.width * self.d
        for j in range(self.width):
            first = next(i for i in range(j + 1) if np.array_equal(rows[i], rows[j]))
            if first != j:
                tangent = np.zeros(self.n_params)
                tangent[offset + j], tangent[offset + first] = 1.0, -1.0
                columns.append(tangent)
        return np.stack(columns, axis=1) if columns else None

    def third_derivative_bound(self, centre: np.ndarray, radius: float) -> float:
        """An analytic bound on |D^3 F| over the ball (:func:`one_hidden_third_derivative_bound`;
        no bias, loss summed over samples)."""
        w, v = self.split(torch.as_tensor(centre, dtype=DTYPE)[None])
        pre = np.abs(w[0].numpy() @ self.x)
        lengths = np.linalg.norm(self.x, axis=0)
        bounds = activation_named("sigmoid").derivative_bounds
        return one_hidden_third_derivative_bound(lengths, pre, v[0].numpy(), self.y, radius, bounds)


def one_hidden_third_derivative_bound(
    lengths: np.ndarray, pre: np.ndarray, out: np.ndarray, y: np.ndarray, radius: float,
    bounds: tuple[float, float, float, float, float], out_bias: float | None = None,
) -> float:
    r"""sum_i (6 d1_i d2_i + 2 r_i d3_i): a bound on |sum_i D^3 (y_i - f_i)^2 [u, u, u]| for |u| = 1
    on the ball of ``radius`` around a point of a one-hidden-layer net f = sum_j v_j sigma(z_ij)
    (+ an output bias), scalar output.

    ``lengths`` are |x_i| of the inputs the hidden weights multiply (with the bias's 1 if any),
    ``pre`` the |z_ij| at the centre (m, n), ``out`` the v_j at the centre, ``bounds`` =
    (A, B, s1, s2, s3) with |sigma(t)| <= A + B|t| and sup |sigma^(k)| <= s_k.  With
    D^3 (r^2) = 6 Df D^2 f - 2 r D^3 f and, along u = (U_j, a_j) with s_ij = U_j . x_i,
    Df = sum a_j sigma + v_j sigma' s_ij, D^2 f = sum 2 a_j sigma' s_ij + v_j sigma'' s_ij^2,
    D^3 f = sum 3 a_j sigma'' s_ij^2 + v_j sigma''' s_ij^3: Cauchy-Schwarz, 2|a||U| <= a^2 + |U|^2
    and sum_j |a_j||U_j|^2 <= 2/(3 sqrt 3) give d1, d2, d3, with |v_j| <= |v_j(centre)| + radius.
    For a symmetric trilinear form the diagonal sup is the norm, so the Hessian is Lipschitz with
    this constant on the ball.
    """
    a_bound, b_bound, s1, s2, s3 = bounds
    values = a_bound + b_bound * (pre + radius * lengths[None, :])  # bounds on |sigma(z_ij)|
    v_max = np.abs(out) + radius
    big_v = float(v_max.max())
    extra = 1.0 if out_bias is not None else 0.0
    d1 = np.sqrt((values**2).sum(0) + ((s1 * lengths[None, :] * v_max[:, None]) ** 2).sum(0) + extra)
    d2 = s1 * lengths + s2 * big_v * lengths**2
    d3 = 2.0 / math.sqrt(3.0) * s2 * lengths**2 + s3 * big_v * lengths**3
    residual = np.abs(y) + (v_max[:, None] * values).sum(0)
    if out_bias is not None:
        residual = residual + abs(out_bias) + radius
    return float((6.0 * d1 * d2 + 2.0 * residual * d3).sum()) * (1.0 + 1e-12)


def sigmoid_interpolant(landscape: SigmoidNet, seed: int = 0) -> tuple[np.ndarray, float]:
    """A zero-loss point for width p >= n: random W with a well-conditioned feature matrix, v
    solving the n x p linear system (least norm).  Returns the point and the feature matrix's
    condition number (the linear system is solvable exactly in the reals when it is finite)."""
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(20):
        w = rng.standard_normal((landscape.width, landscape.d)) * 2.0
        features = 1.0 / (1.0 + np.exp(-(w @ landscape.x)))  # (p, n)
        condition = float(np.linalg.cond(features.T))
        if best is None or condition < best[0]:
            best = (condition, w, features)
    condition, w, features = best  # type: ignore[misc]
    v = np.linalg.lstsq(features.T, landscape.y, rcond=None)[0]
    return np.concatenate([w.reshape(-1), v]), condition


# -- two-layer ReLU student-teacher (Gaussian population loss) -------------------------------

ANGLE_GUARD = 1e-12  # keeps arccos off +-1, where its derivative is infinite


def relu_kernel(a: Tensor, b: Tensor) -> Tensor:
    r"""E[[a x]_+ [b x]_+] for x ~ N(0, I): |a||b|/(2 pi) (sin t + (pi - t) cos t), batched over
    the leading dimensions; ``a`` (..., m, d), ``b`` (..., q, d) -> (..., m, q)."""
    na = a.norm(dim=-1, keepdim=True)
    nb = b.norm(dim=-1, keepdim=True)
    cos = (a @ b.transpose(-1, -2)) / (na * nb.transpose(-1, -2))
    cos = cos.clamp(-1.0 + ANGLE_GUARD, 1.0 - ANGLE_GUARD)
    angle = torch.arccos(cos)
    return na * nb.transpose(-1, -2) / (2 * math.pi) * (torch.sqrt(1.0 - cos * cos) + (math.pi - angle) * cos)


def _kernel_gradient(a: Tensor, b: Tensor) -> Tensor:
    """sum_j d/da_i E[[a_i x]_+ [b_j x]_+] for every i: ``a`` (..., m, d), ``b`` (..., q, d) -> (..., m, d)."""
    na = a.norm(dim=-1, keepdim=True)
    nb = b.norm(dim=-1, keepdim=True)
    cos = ((a @ b.transpose(-1, -2)) / (na * nb.transpose(-1, -2))).clamp(-1.0 + ANGLE_GUARD, 1.0 - ANGLE_GUARD)
    sin = torch.sqrt(1.0 - cos * cos)
    angle = torch.arccos(cos)
    return ((sin * nb.transpose(-1, -2)).sum(-1, keepdim=True) * a / na + (math.pi - angle) @ b) / (2 * math.pi)


class ReluTeacher(Landscape):
    """Student sum_j [w_j x]_+ (n neurons) against teacher sum_i [e_i x]_+ (k = d neurons)."""

    family = "relu-teacher"

    def __init__(self, teachers: int, students: int) -> None:
        for name, value in (("teachers", teachers), ("students", students)):
            if not isinstance(value, int) or value < 1:
                raise InvalidArgument(f"{name}={value!r} must be a positive integer")
        self.k, self.students = teachers, students
        self.n_params = students * teachers
        self._teacher = torch.eye(teachers, dtype=DTYPE)
        self._teacher_term = float(relu_kernel(self._teacher, self._teacher).sum())

    def loss(self, theta: Tensor) -> Tensor:
        w = theta.reshape(-1, self.students, self.k)
        teacher = self._teacher.to(theta).expand(w.shape[0], -1, -1)
        cross = relu_kernel(w, teacher).sum((1, 2))
        return 0.5 * (relu_kernel(w, w).sum((1, 2)) - 2.0 * cross + self._teacher_term)

    def gradient(self, theta: Tensor) -> Tensor:
        r"""Closed form (Brutzkus-Globerson; Safran-Shamir): the derivative of
        E[[a x]_+ [b x]_+] in a is (|b| sin t \bar a + (pi - t) b) / (2 pi), t the angle between a
        and b; a term f(w_i, w_i) = |w_i|^2/2 contributes w_i/2 through the same formula (t = 0).
        Three times faster than autograd through :func:`relu_kernel` (tested to agree)."""
        w = theta.reshape(-1, self.students, self.k)
        teacher = self._teacher.to(theta).expand(w.shape[0], -1, -1)
        return (_kernel_gradient(w, w) - _kernel_gradient(w, teacher)).reshape(theta.shape)

    def third_derivative_bound(self, centre: np.ndarray, radius: float) -> float:
        r"""An analytic bound M >= |D^3 F(W)[U, U, U]| for |U| = 1 and |W - centre| <= radius.

        Write phi(a, b) = E[(a.x)_+ (b.x)_+].  Differentiating under the expectation along (u, s),
        D^3 phi = E[delta'(A) U^3 B_+] + 3 E[delta(A) U^2 H(B) S] + 3 E[H(A) delta(B) U S^2]
        + E[A_+ delta'(B) S^3] (A = a.x, U = u.x, ...).  Splitting x along a (delta(|a| xi) =
        delta(xi)/|a|, one integration by parts for delta') and Gaussian moments
        (E[G^2 |H|] <= sqrt 3 |g|^2 |h|, E|G|^3 = 2 sqrt(2/pi) |g|^3) give
        |first| <= C1 |u|^3 |b| / |a|^2 and |second| <= C2 |u|^2 |s| / |a| with
        C1 = (3 sqrt 3 + 2 sqrt(2/pi)) / sqrt(2 pi), C2 = 3 sqrt 3 / sqrt(2 pi).  Summing over the
        loss's terms (teacher rows fixed, |e_j| = 1; f(w, w) = |w|^2/2 has D^3 = 0) with
        |u_i| <= 1, sum |u_i|^2 = 1:  M = C1 (k + sum_j max|w_j|) / m^2 + C2 sqrt(n) / m, where m is
        the smallest student norm on the ball (so the ball must avoid W with a zero row).  D^3
        exists off the null set where two rows (or a row and a teacher) are parallel; the Hessian
        is continuous across it, so it is M-Lipschitz on the ball.
        """
        rows = np.asarray(centre, dtype=np.float64).reshape(self.students, self.k)
        norms = np.linalg.norm(rows, axis=1)
        smallest = float(norms.min()) - radius
        if smallest <= 0.0:
            return math.inf
        c1 = (3.0 * math.sqrt(3.0) + 2.0 * math.sqrt(2.0 / math.pi)) / math.sqrt(2.0 * math.pi)
        c2 = 3.0 * math.sqrt(3.0) / math.sqrt(2.0 * math.pi)
        largest = float((norms + radius).sum())
        bound = c1 * (self.k + largest) / smallest**2 + c2 * math.sqrt(self.students) / smallest
        return bound * (1.0 + 1e-12)

    def loss_scale(self) -> float:
        return 0.5 * self._teacher_term  # the loss at W = 0

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "teachers": self.k, "students": self.students}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ReluTeacher:
        return cls(int(spec["teachers"]), int(spec["students"]))

    def optimum(self) -> Optimum | None:
        """Zero when n >= k: the student copies the teacher, its other n - k neurons at zero."""
        if self.students < self.k:
            return None
        point = np.zeros((self.students, self.k))
        point[: self.k] = np.eye(self.k)
        return Optimum(0.0, point.reshape(-1), "realisable: the student copies the teacher")

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        """Xavier (Glorot) normal initialisation of the n x d student layer: std sqrt(2/(n + d))."""
        std = math.sqrt(2.0 / (self.students + self.k))
        return scale * std * torch.randn(count, self.n_params, generator=generator, dtype=DTYPE)
