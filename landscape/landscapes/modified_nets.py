r"""Modified networks of seed 001 §VI-B and §VI-C, on the shared fully connected network.

**Exponential neuron** (eq. (7), Liang et al. [36]): the network f_theta of :class:`MLP` plus one
neuron a exp(w^T x + b) from input to output, and the regulariser lambda a^2 / 2:

.. math:: \tilde L(\theta, a, w, b) = \frac1n \sum_i \ell(y_i, \tilde f(x_i)) + \frac{\lambda a^2}{2},
          \qquad \tilde f(x) = f_\theta(x) + a e^{w^\top x + b},

with the logistic loss l(y, z) = log(1 + e^{-yz}) of the seed's eq. (7) (the default) or the
polynomial hinge max(0, 1 - yz)^3 of Liang et al.'s loss assumption (``loss="hinge3"``).

The seed sums log_2 terms; the mean of natural logarithms is (ln 2 / n) times that sum, so our
lambda is the seed's times ln 2 / n: the same landscape up to a positive factor (same critical
points and local minima).  Parameters: the MLP's theta, then a, then w (d_0), then b.

The key identity (the first step of [36]'s proof): dL/db = a S and dL/da = S + lambda a with
S = (1/n) sum_i l'_i e^{w.x_i + b}, hence

.. math:: \lambda a^2 = a\,\partial_a \tilde L - \partial_b \tilde L, \qquad
          \lambda a^2 \le (|a| + 1)\,\|\nabla \tilde L\|,

so a = 0 at every critical point, and |a| is small wherever the gradient is (for either loss:
the identity uses only the chain rule through f~).

**Cubic-regularised ReQU network** (eq. (8), [38]): one hidden layer of m ReQU neurons,
f(x) = sum_j a_j max(w_j.x + b_j, 0)^2, logistic loss, and

.. math:: R(\theta) = \frac13 \sum_j \lambda_j \big(|a_j|^3 + 2 (\|w_j\|^2 + b_j^2)^{3/2}\big).

Again the data term is a mean (the seed's lambda times 1/n).  *Coercivity bound*: with
u = (|a_j|, r_j)_j, r_j = ||(w_j, b_j)||, ||u|| = ||theta|| = rho and weights c = (lambda_j / 3,
2 lambda_j / 3)_j, Hoelder's inequality gives sum_k u_k^2 <= (sum_k c_k u_k^3)^{2/3}
(sum_k c_k^{-2})^{1/3}, so

.. math:: F(\theta) \ge R(\theta) \ge \rho^3 \Big/ \sqrt{\textstyle\sum_k c_k^{-2}}
          = \rho^3 \Big/ \sqrt{11.25 \textstyle\sum_j \lambda_j^{-2}},

with equality for the penalty at u_k proportional to 1/c_k (:func:`cubic_bound_minimiser`).
The data loss is non-negative, so F >= c rho^3 -> infinity: F is coercive for every lambda > 0.

(||w||^2 + b^2)^{3/2} is C^2 with zero Hessian at the origin; it is evaluated through a guarded
power so that autograd gives those zero derivatives there instead of 0 x infinity.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.base import DTYPE
from landscape.landscapes.mlp import MLP


class ExponentialNeuronNet(MLP):
    """The MLP of ``widths`` plus an exponential neuron a exp(w.x + b) and lambda a^2 / 2."""

    family = "mlp-exponential-neuron"

    def __init__(self, widths: Any, activation: str, x: Any, y: Any, regulariser: float,
                 loss: str = "logistic", output_bias: bool = True) -> None:
        super().__init__(widths, activation, x, y, loss, output_bias)
        if not (isinstance(regulariser, (int, float)) and math.isfinite(regulariser) and regulariser >= 0):
            raise InvalidArgument(f"regulariser={regulariser!r} must be a finite number >= 0 (lambda of eq. (7))")
        self.regulariser = float(regulariser)
        self.base_params = self.n_params
        self.a_index = self.base_params
        self.b_index = self.base_params + 1 + self.widths[0]
        self.n_params = self.base_params + self.widths[0] + 2

    def neuron(self, theta: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(a (B,), w (B, d_0), b (B,)) of the exponential neuron."""
        return theta[:, self.a_index], theta[:, self.a_index + 1 : self.b_index], theta[:, self.b_index]

    def base_outputs(self, theta: Tensor) -> Tensor:
        """f_theta(X) of the unmodified network: ``(B, 1, n)``."""
        return super().outputs(theta)

    def outputs(self, theta: Tensor) -> Tensor:
        a, w, b = self.neuron(theta)
        exponent = w @ self._x.to(theta) + b[:, None]
        return self.base_outputs(theta) + (a[:, None] * torch.exp(exponent))[:, None, :]

    def penalty(self, theta: Tensor) -> Tensor:
        return 0.5 * self.regulariser * theta[:, self.a_index] ** 2

    def base_network(self) -> MLP:
        """The unmodified network f_theta on the same data and loss (the landscape of L_n)."""
        return MLP(self.widths, self.activation.name, self.x, self.y, self.loss_name, self.output_bias)

    def original_loss(self, theta: Tensor) -> Tensor:
        """L_n(theta): the data loss of the unmodified network (no neuron, no regulariser)."""
        return self.data_loss(self.base_outputs(theta))

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "family": self.family, "regulariser": self.regulariser}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ExponentialNeuronNet:
        return cls(spec["widths"], spec["activation"], spec["X"], spec["Y"], float(spec["regulariser"]),
                   spec.get("loss", "logistic"), bool(spec.get("output_bias", True)))

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        """Xavier points for the network; a, w, b standard normal times 1/2."""
        base = super().random_points(count, generator, scale)[:, : self.base_params]
        tail = 0.5 * scale * torch.randn(count, self.n_params - self.base_params, generator=generator, dtype=DTYPE)
        return torch.cat([base, tail], dim=1)


def _cube_of_norm(squares: Tensor) -> Tensor:
    """s^{3/2} with zero derivatives (all orders autograd takes) at s = 0."""
    positive = squares > 0
    safe = torch.where(positive, squares, torch.ones_like(squares))
    return torch.where(positive, safe**1.5, torch.zeros_like(squares))


class CubicReQUNet(MLP):
    """One hidden layer of m ReQU neurons, logistic loss, the cubic regulariser of eq. (8)."""

    family = "mlp-requ-cubic"

    def __init__(self, x: Any, y: Any, width: int, lambdas: Any) -> None:
        x_array = np.array(x, dtype=np.float64, ndmin=2)
        if not isinstance(width, (int, np.integer)) or width < 1:
            raise InvalidArgument(f"width={width!r} must be a positive integer (m, the number of ReQU neurons)")
        super().__init__((x_array.shape[0], int(width), 1), "requ", x_array, y, "logistic", False)
        lambdas = np.array(lambdas, dtype=np.float64).reshape(-1)
        if lambdas.shape != (width,) or not np.all(np.isfinite(lambdas)) or np.any(lambdas < 0):
            raise DataError(f"lambdas={lambdas.tolist()} must be {width} finite numbers >= 0 (one per neuron)")
        self.lambdas = lambdas
        self._lambdas = torch.as_tensor(lambdas, dtype=DTYPE)

    @property
    def width(self) -> int:
        return self.widths[1]

    def neurons(self, theta: Tensor) -> tuple[Tensor, Tensor]:
        """(a (B, m), r^2 = ||w_j||^2 + b_j^2 (B, m))."""
        (w1, b1), (w2, _) = self.unpack(theta)
        return w2[:, 0, :], (w1**2).sum(-1) + b1**2

    def penalty(self, theta: Tensor) -> Tensor:
        a, squares = self.neurons(theta)
        lambdas = self._lambdas.to(theta)
        return (lambdas * (a.abs() ** 3 + 2.0 * _cube_of_norm(squares))).sum(-1) / 3.0

    def smooth_radius(self, point: np.ndarray) -> float:
        r"""Radius of the ball around ``point`` on which F is smooth: no pre-activation
        t_ij = w_j.x_i + b_j changes sign (ReQU's second derivative jumps at t = 0), so
        min_ij |t_ij| / ||(x_i, 1)|| (moving (w_j, b_j) by delta moves t_ij by at most
        ||delta|| ||(x_i, 1)||).  Zero at a kink (theta = 0, a neuron exactly at a sample)."""
        (w1, b1), _ = self.unpack(torch.as_tensor(np.asarray(point, dtype=np.float64), dtype=DTYPE)[None])
        pre = (w1[0] @ torch.as_tensor(self.x, dtype=DTYPE) + b1[0][:, None]).abs()  # (m, n)
        lengths = torch.sqrt(1.0 + (torch.as_tensor(self.x, dtype=DTYPE) ** 2).sum(0))  # (n,)
        return float((pre / lengths[None, :]).min())

    def coercivity_constant(self) -> float:
        """c with F(theta) >= c ||theta||^3 (module docstring); 0 when some lambda_j = 0."""
        if np.any(self.lambdas <= 0):
            return 0.0
        return 1.0 / math.sqrt(11.25 * float(np.sum(self.lambdas**-2.0)))

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "X": self.x.tolist(), "Y": self.y.tolist(), "width": self.width,
                "lambdas": self.lambdas.tolist()}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> CubicReQUNet:
        return cls(spec["X"], spec["Y"], int(spec["width"]), spec["lambdas"])


def cubic_bound_minimiser(net: CubicReQUNet, radius: float) -> np.ndarray:
    """A point of norm ``radius`` where the penalty equals the bound c radius^3 (Hoelder's
    equality case, u_k proportional to 1/c_k; the neuron's norm r_j carried by b_j alone)."""
    a_weights = net.lambdas / 3.0
    r_weights = 2.0 * net.lambdas / 3.0
    u_a, u_r = 1.0 / a_weights, 1.0 / r_weights
    scale = radius / math.sqrt(float(np.sum(u_a**2 + u_r**2)))
    point = np.zeros(net.n_params)
    (_, cols, start, _), (_, _, out_start, _) = net.layers
    width = net.width
    point[start + width * cols : start + width * cols + width] = scale * u_r  # b_j
    point[out_start : out_start + width] = scale * u_a  # a_j
    return point


SPHERE_STEPS = 300


def sphere_infimum(landscape: MLP, radius: float, starts: int, seed: int, steps: int = SPHERE_STEPS) -> tuple[float, np.ndarray]:
    """An estimate (from above) of inf F over the sphere ||theta|| = radius: batched gradient
    descent projected back onto the sphere, per-start Armijo steps.  Returns (value, point)."""
    generator = torch.Generator().manual_seed(seed)
    point = torch.randn(starts, landscape.n_params, generator=generator, dtype=DTYPE)

    def project(p: Tensor) -> Tensor:
        return radius * p / p.norm(dim=1, keepdim=True).clamp_min(1e-300)

    point = project(point)
    loss = landscape.loss(point)
    step = torch.full((starts,), 1e-2 * radius, dtype=DTYPE)
    for _ in range(steps):
        grad = landscape.gradient(point)
        grad = grad / grad.norm(dim=1, keepdim=True).clamp_min(1e-300)
        trial = project(point - step[:, None] * grad)
        trial_loss = landscape.loss(trial)
        accepted = torch.isfinite(trial_loss) & (trial_loss < loss)
        point = torch.where(accepted[:, None], trial, point)
        loss = torch.where(accepted, trial_loss, loss)
        step = torch.where(accepted, step * 1.5, step * 0.5).clamp(1e-14 * radius, radius)
    best = int(torch.argmin(loss))
    return float(loss[best]), point[best].numpy()
