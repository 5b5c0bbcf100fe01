r"""One-hidden-layer ReLU networks with weight decay as parallel positively homogeneous subnetworks
(seed 003 §1.4.2, Def 1.7; seed 002, Haeffele-Vidal).

.. math::
    F(W^{[1]}, W^{[2]}) = \tfrac12\|Y - \Phi_r\|_F^2 + \lambda\,\Theta_r, \quad
    \Phi_r = \sum_{i=1}^r w^{[2]}_i \operatorname{ReLU}((w^{[1]}_i)^\top X), \quad
    \Theta_r = \sum_i \tfrac12(\|w^{[1]}_i\|^2 + \|w^{[2]}_i\|^2),

with X (n_0 x n), Y (n_2 x n); (phi, theta) is a nondegenerate pair of degree 2.  theta holds
W^{[1]} (n_0 x r) then W^{[2]} (n_2 x r), row-major; unit i is column i of both.

The polar of Omega_{phi,theta} at a residual R (003 proof of Thm 1.5 generalised, 1.42):
Omega°(R) = max_{theta(w) <= 1} <R, phi(w)> = max_{||w||=1} ||R ReLU(X^T w)||_2 (balanced
scaling); a point with Omega°(Y - Phi) <= lambda and <Y - Phi, Phi> = lambda Theta is a global
minimum of (1.46) and Phi of the convex problem (1.48).  :func:`relu_polar` computes it exactly
(up to rounding) for n_0 <= 2 by splitting the circle into arcs of constant activation pattern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.errors import InvalidArgument
from landscape.landscapes.base import DTYPE, Landscape, as_finite_matrix, loss_at


class ReluWeightDecay(Landscape):
    """The objective of the module docstring with ``width`` = r parallel units."""

    family = "relu-weight-decay"

    def __init__(self, x: Any, y: Any, lam: float, width: int) -> None:
        self.x = as_finite_matrix("X", x)
        self.y = as_finite_matrix("Y", y)
        if self.x.shape[1] != self.y.shape[1]:
            raise InvalidArgument(f"X has {self.x.shape[1]} samples but Y has {self.y.shape[1]}; pass one column per sample")
        if not (math.isfinite(lam) and lam > 0):
            raise InvalidArgument(f"lam={lam!r} must be a positive finite number")
        if not isinstance(width, int) or width < 1:
            raise InvalidArgument(f"width={width!r} must be a positive integer (the number of units)")
        self.lam, self.width = float(lam), width
        self.n0, self.n2 = self.x.shape[0], self.y.shape[0]
        self.n_params = (self.n0 + self.n2) * width
        self._x, self._y = torch.as_tensor(self.x, dtype=DTYPE), torch.as_tensor(self.y, dtype=DTYPE)

    def units(self, theta: Tensor) -> tuple[Tensor, Tensor]:
        split = self.n0 * self.width
        return theta[:, :split].reshape(-1, self.n0, self.width), theta[:, split:].reshape(-1, self.n2, self.width)

    def output(self, theta: Tensor) -> Tensor:
        w1, w2 = self.units(theta)
        return w2 @ torch.relu(w1.transpose(-1, -2) @ self._x.to(theta.dtype))

    def loss(self, theta: Tensor) -> Tensor:
        w1, w2 = self.units(theta)
        residual = self._y.to(theta.dtype) - self.output(theta)
        return 0.5 * (residual**2).sum((-1, -2)) + 0.5 * self.lam * ((w1**2).sum((-1, -2)) + (w2**2).sum((-1, -2)))

    def gradient(self, theta: Tensor) -> Tensor:
        # dF/dW2 = -R A^T + lambda W2 with A = ReLU(W1^T X); dF/dW1 = X ((-W2^T R) * 1[W1^T X > 0])^T + lambda W1
        w1, w2 = self.units(theta)
        x = self._x.to(theta.dtype)
        pre = w1.transpose(-1, -2) @ x
        active = torch.relu(pre)
        residual = self._y.to(theta.dtype) - w2 @ active
        grad_w2 = -residual @ active.transpose(-1, -2) + self.lam * w2
        grad_pre = -(w2.transpose(-1, -2) @ residual) * (pre > 0).to(theta.dtype)
        grad_w1 = x @ grad_pre.transpose(-1, -2) + self.lam * w1
        return torch.cat([grad_w1.reshape(theta.shape[0], -1), grad_w2.reshape(theta.shape[0], -1)], dim=1)

    def loss_scale(self) -> float:
        return max(0.5 * float((self.y**2).sum()), float(np.finfo(np.float64).tiny))

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "X": self.x.tolist(), "Y": self.y.tolist(), "lam": self.lam, "width": self.width}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ReluWeightDecay:
        return cls(spec["X"], spec["Y"], float(spec["lam"]), int(spec["width"]))

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        return scale * torch.randn(count, self.n_params, generator=generator, dtype=DTYPE)

    def residual(self, point: np.ndarray) -> np.ndarray:
        return self.y - self.output(torch.as_tensor(point, dtype=DTYPE)[None])[0].numpy()

    def regulariser(self, point: np.ndarray) -> float:
        return 0.5 * float(np.sum(np.asarray(point) ** 2))

    def zero_units(self, point: np.ndarray) -> list[int]:
        w1, w2 = (m[0].numpy() for m in self.units(torch.as_tensor(point, dtype=DTYPE)[None]))
        return [i for i in range(self.width) if not np.any(w1[:, i]) and not np.any(w2[:, i])]


@dataclass(frozen=True, slots=True)
class ReluPolar:
    """Omega°(R) = max_{||w|| = 1} ||R ReLU(X^T w)||, the maximising input weight w and the output
    direction R ReLU(X^T w) / ||.||."""

    value: float
    inner: np.ndarray
    outer: np.ndarray


def relu_polar(x: np.ndarray, residual: np.ndarray) -> ReluPolar:
    """Exact polar for n_0 <= 2 (see the module docstring); raises for larger inputs."""
    n0 = x.shape[0]
    if n0 > 2:
        raise InvalidArgument(f"the exact ReLU polar needs n_0 <= 2 inputs, got {n0}; use a smaller instance")
    if n0 == 1:
        candidates = [np.array([1.0]), np.array([-1.0])]
    else:
        angles = []
        for xj in x.T:
            if np.any(xj):
                base = math.atan2(xj[1], xj[0])
                angles += [base + math.pi / 2, base - math.pi / 2]
        angles = sorted(a % (2 * math.pi) for a in angles) or [0.0]
        candidates = [np.array([math.cos(a), math.sin(a)]) for a in angles]
        arcs = list(zip(angles, angles[1:] + [angles[0] + 2 * math.pi]))
        for start, end in arcs:
            middle = 0.5 * (start + end)
            active = (x.T @ np.array([math.cos(middle), math.sin(middle)])) > 0
            features = x[:, active]
            gram = features @ residual[:, active].T @ residual[:, active] @ features.T
            _, vectors = np.linalg.eigh(gram)
            for v in (vectors[:, -1], -vectors[:, -1]):
                angle = math.atan2(v[1], v[0]) % (2 * math.pi)
                for shifted in (angle, angle + 2 * math.pi):
                    if start <= shifted <= end:
                        candidates.append(v / np.linalg.norm(v))
    best, best_w = -1.0, candidates[0]
    for w in candidates:
        value = float(np.linalg.norm(residual @ np.maximum(x.T @ w, 0.0)))
        if value > best:
            best, best_w = value, w
    direction = residual @ np.maximum(x.T @ best_w, 0.0)
    norm = float(np.linalg.norm(direction))
    return ReluPolar(best, best_w, direction / norm if norm > 0 else direction)


def with_unit(landscape: ReluWeightDecay, point: np.ndarray, unit: int, inner: np.ndarray, outer: np.ndarray, scale: float) -> np.ndarray:
    """The point with unit ``unit`` set to (scale inner, scale outer)."""
    w1, w2 = (m[0].numpy().copy() for m in landscape.units(torch.as_tensor(point, dtype=DTYPE)[None]))
    w1[:, unit], w2[:, unit] = scale * inner, scale * outer
    return np.concatenate([w1.reshape(-1), w2.reshape(-1)])


def widened(landscape: ReluWeightDecay, point: np.ndarray) -> tuple[ReluWeightDecay, np.ndarray]:
    """The same network with one more unit, set to zero (r -> r + 1 of (1.46))."""
    w1, w2 = (m[0].numpy() for m in landscape.units(torch.as_tensor(point, dtype=DTYPE)[None]))
    wider = ReluWeightDecay(landscape.x, landscape.y, landscape.lam, landscape.width + 1)
    w1 = np.concatenate([w1, np.zeros((landscape.n0, 1))], axis=1)
    w2 = np.concatenate([w2, np.zeros((landscape.n2, 1))], axis=1)
    return wider, np.concatenate([w1.reshape(-1), w2.reshape(-1)])


def dual_bound(landscape: ReluWeightDecay, point: np.ndarray) -> tuple[float, float]:
    r"""(F(W) - D(Q), Omega°(R)): a certified bound on F(W) - min F.

    Weak duality for the convex problem (1.48), P(Z) = 1/2||Y - Z||^2 + lambda Omega(Z): for every Q with
    Omega°(Q) <= lambda, P(Z) >= <Y, Q> - 1/2||Q||^2 =: D(Q).  With Q = R min(1, lambda / Omega°(R)),
    R = Y - Phi(W), and (1.49) (F >= P >= D everywhere), F(W) - inf F <= F(W) - D(Q).
    """
    residual = landscape.residual(point)
    polar = relu_polar(landscape.x, residual).value
    q = residual * min(1.0, landscape.lam / polar) if polar > 0 else residual
    dual = float((landscape.y * q).sum()) - 0.5 * float((q**2).sum())
    value = loss_at(landscape, point)
    return value - dual, polar


class ChainWeightDecay(Landscape):
    r"""F(w) = 1/2 (y - x w_L ... w_1)^2 + lambda/2 sum w_l^2: scalar chain whose map has degree L while
    the regulariser has degree 2 (the equal-degree condition of 003 Def 1.7 (i) fails for L >= 3)."""

    family = "chain-weight-decay"

    def __init__(self, depth: int, x: float, y: float, lam: float) -> None:
        if depth < 1 or lam <= 0:
            raise InvalidArgument(f"depth={depth!r} must be >= 1 and lam={lam!r} > 0")
        self.depth, self.xv, self.yv, self.lam = int(depth), float(x), float(y), float(lam)
        self.n_params = self.depth

    def loss(self, theta: Tensor) -> Tensor:
        return 0.5 * (self.yv - self.xv * theta.prod(dim=1)) ** 2 + 0.5 * self.lam * (theta**2).sum(1)

    def loss_scale(self) -> float:
        return max(0.5 * self.yv**2, float(np.finfo(np.float64).tiny))

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "depth": self.depth, "x": self.xv, "y": self.yv, "lam": self.lam}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ChainWeightDecay:
        return cls(int(spec["depth"]), float(spec["x"]), float(spec["y"]), float(spec["lam"]))
