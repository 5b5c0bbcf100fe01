r"""Smooth test functions with a known gradient-Lipschitz constant L and a known (or certified
lower bound on the) infimum g*, and replayable checks on fixed-step gradient descent over them.

Families (each rebuilt from its spec by its class, so certificates replay):

* :class:`Quadratic` — g(theta) = 1/2 theta^T H theta - b^T theta, L = ||H||_2.  For H PSD and b in
  its range, g* = -1/2 b^T H^+ b (closed form); for indefinite H there is no infimum.
* :class:`RidgeLogistic` — g(w) = (1/n) sum_i log(1 + exp(-y_i x_i^T w)) + lambda/2 ||w||^2,
  L = ||X||_2^2 / (4n) + lambda; g* >= g(w~) - ||grad g(w~)||^2 / (2 lambda) for any w~
  (lambda-strong convexity), with w~ from Newton's method: a certified lower bound.
* :class:`Sawtooth` — the one-dimensional worst case of GD with step 1/L (seed 002, Nesterov's
  first-order rate): g' is a triangle wave with slopes +-L between -e and -e/2 on ``teeth`` teeth
  of width e/L, then the parabola L/2 (x - x*)^2.  GD with step 1/L from 0 visits every tooth's
  corner, where |g'| = e, and decreases g by only 3 e^2 / (4L) per step, so it needs
  4/3 L (g(0) - g*)/e^2 + 1/3 iterations to reach |g'| < e: the tight worst case of the
  textbook analysis, and more than the L (g(0) - g*)/eps^2 stated in seed 002.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.errors import DataError
from landscape.landscapes.base import DTYPE, Landscape, Optimum, as_finite_matrix

PSD_TOLERANCE = 1e-12  # relative: eigenvalues above -1e-12 ||H|| count as >= 0 (H is built PSD)


class Quadratic(Landscape):
    r"""g(theta) = 1/2 theta^T H theta - b^T theta (H symmetric)."""

    family = "quadratic"
    exact_taylor = True

    def __init__(self, hessian: Any, linear: Any | None = None) -> None:
        self.matrix = as_finite_matrix("H", hessian)
        size = self.matrix.shape[0]
        if self.matrix.shape != (size, size) or not np.array_equal(self.matrix, self.matrix.T):
            raise DataError(f"H has shape {self.matrix.shape} or is not symmetric; pass a symmetric square matrix")
        self.linear = np.zeros(size) if linear is None else as_finite_matrix("b", [list(linear)])[0]
        if self.linear.size != size:
            raise DataError(f"b has {self.linear.size} entries but H is {size} x {size}")
        self.n_params = size
        self._h = torch.as_tensor(self.matrix, dtype=DTYPE)
        self._b = torch.as_tensor(self.linear, dtype=DTYPE)

    def loss(self, theta: Tensor) -> Tensor:
        return 0.5 * ((theta @ self._h) * theta).sum(1) - theta @ self._b

    def gradient(self, theta: Tensor) -> Tensor:
        return theta @ self._h - self._b

    def hessian(self, theta: Tensor) -> Tensor:
        return self._h.expand(theta.shape[0], -1, -1).clone()

    def taylor_coefficients(self, theta: Tensor, direction: Tensor, order: int) -> list[float]:
        value = float(self.loss(theta[None])[0])
        slope = float(self.gradient(theta[None])[0] @ direction)
        curvature = 0.5 * float(direction @ self._h @ direction)
        return ([value, slope, curvature] + [0.0] * order)[: order + 1]

    def smoothness(self) -> float:
        """L = ||H||_2, the Lipschitz constant of the gradient."""
        return float(np.abs(np.linalg.eigvalsh(self.matrix)).max())

    def loss_scale(self) -> float:
        return max(1.0, self.smoothness())

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "H": self.matrix.tolist(), "b": self.linear.tolist()}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Quadratic:
        return cls(spec["H"], spec["b"])

    def optimum(self) -> Optimum | None:
        """g* = -1/2 b^T H^+ b when H is PSD and b lies in its range (else no finite infimum)."""
        values = np.linalg.eigvalsh(self.matrix)
        scale = max(1.0, float(np.abs(values).max()))
        if values[0] < -PSD_TOLERANCE * scale:
            return None
        point = np.linalg.pinv(self.matrix, hermitian=True) @ self.linear
        if np.linalg.norm(self.matrix @ point - self.linear) > 1e-9 * scale * max(1.0, np.linalg.norm(self.linear)):
            return None
        return Optimum(float(-0.5 * self.linear @ point), point, "closed form -b^T H^+ b / 2 (H PSD, b in its range)")


class RidgeLogistic(Landscape):
    r"""g(w) = (1/n) sum_i log(1 + exp(-y_i x_i^T w)) + lambda/2 ||w||^2; X is (n, p), y in {-1, 1}^n."""

    family = "ridge-logistic"

    def __init__(self, x: Any, y: Any, ridge: float) -> None:
        self.x = as_finite_matrix("X", x)
        self.y = as_finite_matrix("y", [list(y)])[0]
        if self.y.size != self.x.shape[0] or not np.all(np.abs(self.y) == 1.0):
            raise DataError(f"y must hold one label in {{-1, 1}} per row of X ({self.x.shape[0]}); got {self.y.size} values")
        self.ridge = float(ridge)
        if not (math.isfinite(self.ridge) and self.ridge > 0):
            raise DataError(f"ridge={ridge!r} must be a positive number (it makes the infimum certifiable)")
        self.n_params = self.x.shape[1]
        self._margins = torch.as_tensor(self.y[:, None] * self.x, dtype=DTYPE)  # rows y_i x_i

    def loss(self, theta: Tensor) -> Tensor:
        margins = theta @ self._margins.T
        return torch.nn.functional.softplus(-margins).mean(1) + 0.5 * self.ridge * (theta * theta).sum(1)

    def gradient(self, theta: Tensor) -> Tensor:
        weights = -torch.sigmoid(-(theta @ self._margins.T)) / self._margins.shape[0]
        return weights @ self._margins + self.ridge * theta

    def smoothness(self) -> float:
        """L = ||X||_2^2 / (4n) + lambda (the logistic loss has second derivative <= 1/4)."""
        return float(np.linalg.norm(self.x, 2) ** 2 / (4 * self.x.shape[0]) + self.ridge)

    def loss_scale(self) -> float:
        return math.log(2.0)

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "X": self.x.tolist(), "y": self.y.tolist(), "ridge": self.ridge}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> RidgeLogistic:
        return cls(spec["X"], spec["y"], spec["ridge"])

    def optimum(self) -> Optimum:
        """A certified lower bound: g* >= g(w) - ||grad g(w)||^2 / (2 lambda) at Newton's iterate w."""
        w = torch.zeros(1, self.n_params, dtype=DTYPE)
        for _ in range(50):
            w = w - torch.linalg.solve(self.hessian(w)[0], self.gradient(w)[0])[None]
        gradient = float(self.gradient(w).norm())
        bound = float(self.loss(w)[0]) - gradient**2 / (2 * self.ridge)
        return Optimum(bound, w[0].numpy(), f"strong-convexity lower bound at Newton's point (|grad| = {gradient:.2g})")


class Sawtooth(Landscape):
    r"""One-dimensional L-smooth worst case of GD with step 1/L (see the module docstring).

    g'(x) = -e for x <= 0; -e + L tri(x) on [0, N w] (tri: distance to the nearest multiple of
    w = e/L); -e + L (x - N w) beyond, so g'' = +-L everywhere: L-smooth, bounded below,
    minimum at x* = (N + 1) w.  g(0) = 0 and g* = -(3N/4 + 1/2) e^2 / L exactly.
    """

    family = "sawtooth"
    n_params = 1

    def __init__(self, teeth: int, level: float, lipschitz: float) -> None:
        self.teeth, self.level, self.lipschitz = int(teeth), float(level), float(lipschitz)
        if self.teeth < 0 or not (self.level > 0 and self.lipschitz > 0):
            raise DataError(f"teeth={teeth!r} >= 0, level={level!r} > 0 and lipschitz={lipschitz!r} > 0 are required")
        self.width = self.level / self.lipschitz

    def _parts(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        w, end = self.width, self.teeth * self.width
        inside = x.clamp(0.0, end)
        k = torch.floor(inside / w).clamp(max=max(self.teeth - 1, 0))
        r = inside - k * w
        return inside, k, r

    def loss(self, theta: Tensor) -> Tensor:
        x = theta[:, 0]
        e, lip, w, end = self.level, self.lipschitz, self.width, self.teeth * self.width
        inside, k, r = self._parts(x)
        tooth = torch.where(r <= w / 2, r * r / 2, w * r - r * r / 2 - w * w / 4)
        value = -e * inside + lip * (k * w * w / 4 + tooth)
        left = -e * torch.clamp(x, max=0.0)  # g' = -e for x < 0
        beyond = torch.clamp(x - end, min=0.0)
        return value + left - e * beyond + 0.5 * lip * beyond * beyond

    def gradient(self, theta: Tensor) -> Tensor:
        x = theta[:, 0]
        _, _, r = self._parts(x)
        tri = torch.minimum(r, self.width - r)
        beyond = torch.clamp(x - self.teeth * self.width, min=0.0)
        slope = torch.where(x < 0, torch.zeros_like(x), self.lipschitz * tri) + self.lipschitz * beyond
        return (-self.level + slope)[:, None]

    def smoothness(self) -> float:
        return self.lipschitz

    def minimum(self) -> tuple[float, float]:
        """(x*, g*) in closed form."""
        x_star = (self.teeth + 1) * self.width
        return x_star, -(0.75 * self.teeth + 0.5) * self.level**2 / self.lipschitz

    def loss_scale(self) -> float:
        return max(1e-12, abs(self.minimum()[1]))

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "teeth": self.teeth, "level": self.level, "lipschitz": self.lipschitz}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Sawtooth:
        return cls(spec["teeth"], spec["level"], spec["lipschitz"])

    def optimum(self) -> Optimum:
        x_star, value = self.minimum()
        return Optimum(value, np.array([x_star]), "closed form")


def smoothness_of(landscape: Landscape) -> float:
    """The Lipschitz constant of the gradient of a family that knows it."""
    if not hasattr(landscape, "smoothness"):
        raise DataError(f"landscape family {landscape.family!r} has no known gradient-Lipschitz constant")
    return float(landscape.smoothness())  # type: ignore[attr-defined]


# -- gradient descent on these families --------------------------------------------------------


def gd_iterates(landscape: Landscape, start: np.ndarray, step: float, steps: int) -> np.ndarray:
    """Fixed-step GD from each row of ``start``: iterates ``(steps + 1, B, P)`` (float64)."""
    theta = torch.as_tensor(np.atleast_2d(np.asarray(start, dtype=np.float64)), dtype=DTYPE)
    out = [theta]
    for _ in range(steps):
        theta = theta - step * landscape.gradient(theta)
        out.append(theta)
    return torch.stack(out).numpy()


def first_stationary(landscape: Landscape, start: np.ndarray, step: float, eps: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """For each row of ``start``: the first k <= cap with ||grad g(theta_k)|| <= eps (per row),
    or -1 if none up to its cap.  Rows stop being advanced once decided."""
    theta = torch.as_tensor(np.atleast_2d(np.asarray(start, dtype=np.float64)), dtype=DTYPE)
    eps_t = torch.as_tensor(np.broadcast_to(eps, theta.shape[:1]).copy(), dtype=DTYPE)
    caps = np.broadcast_to(np.asarray(cap, dtype=np.int64), theta.shape[:1])
    found = np.full(theta.shape[0], -1, dtype=np.int64)
    for k in range(int(caps.max()) + 1):
        gradient = landscape.gradient(theta)
        reached = (gradient.norm(dim=1) <= eps_t).numpy() & (found < 0) & (k <= caps)
        found[reached] = k
        if bool(((found >= 0) | (k >= caps)).all()):
            break
        theta = theta - step * gradient
    return found
