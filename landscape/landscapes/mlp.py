r"""Fully connected networks with biases (seed 001 eq. (1)-(2)), batched in float64.

.. math::
    z_0(x) = x,\quad z_k(x) = \sigma(W_k z_{k-1}(x) + b_k)\ (k = 1..L),\quad
    f_\theta(x) = W_{L+1} z_L(x) \;[+\, b_{L+1}],\qquad
    F(\theta) = \frac1n \sum_{i=1}^n \ell(y_i, f_\theta(x_i)) + R(\theta).

``widths = (d_0, d_1, ..., d_L, d_y)``: the input dimension, the hidden widths, the output
dimension.  theta holds, layer by layer, W_k (row-major, d_k x d_{k-1}) then b_k; the output
layer's bias only when ``output_bias``.  Losses: ``squared`` (l(y, z) = ||y - z||^2),
``logistic`` (l(y, z) = log(1 + e^{-yz}), labels +-1, scalar output) and ``hinge3``, the polynomial
hinge l(y, z) = max(0, 1 - yz)^3 (labels +-1, scalar output): twice continuously differentiable,
convex in z, exactly zero beyond the margin yz >= 1, so a net that classifies every sample with
margin 1 attains the global minimum 0 (the loss class of Liang et al.'s Thm 1, seed 001 §VI-B).  Activations are those of
:data:`~landscape.landscapes.activations.ACTIVATIONS` (each with its exact sympy form, so small
instances have an exact symbolic oracle).  Subclasses add a regulariser R by overriding
:meth:`MLP.penalty` and extra output terms by overriding :meth:`MLP.outputs`.

Also here: the last hidden layer's feature matrix Z_L(X) (Claim VI.1) and the output Jacobian
G(theta) = (df(x_1)/dtheta, ..., df(x_n)/dtheta) (eq. (5), Claim VI.3).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy
import torch
from torch import Tensor

from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.activations import T, activation_named
from landscape.landscapes.base import DTYPE, Landscape
from landscape.landscapes.exact import exact
from landscape.landscapes.networks import one_hidden_third_derivative_bound

LOSSES = ("squared", "logistic", "hinge3")
LABELLED_LOSSES = ("logistic", "hinge3")  # labels +-1, scalar output


class MLP(Landscape):
    """The empirical loss (2) of the fully connected network (1) on data X (d_0 x n), Y (d_y x n)."""

    family = "mlp"

    def __init__(self, widths: Any, activation: str, x: Any, y: Any, loss: str = "squared", output_bias: bool = False) -> None:
        widths = tuple(widths)
        if len(widths) < 3 or not all(isinstance(w, (int, np.integer)) and w >= 1 for w in widths):
            raise InvalidArgument(f"widths={widths!r} must be (d_0, d_1, ..., d_L, d_y): positive integers, at least one hidden layer")
        if loss not in LOSSES:
            raise InvalidArgument(f"loss={loss!r} must be one of {', '.join(LOSSES)}")
        self.widths = tuple(int(w) for w in widths)
        self.activation = activation_named(activation)
        self.loss_name = loss
        self.output_bias = bool(output_bias)
        self.x = np.array(x, dtype=np.float64, ndmin=2)
        self.y = np.array(y, dtype=np.float64, ndmin=2)
        if self.x.ndim != 2 or self.y.ndim != 2 or self.x.shape[1] != self.y.shape[1]:
            raise DataError(f"X has shape {self.x.shape} and Y {self.y.shape}; pass X as (d_0, n) and Y as (d_y, n)")
        if self.x.shape[0] != self.widths[0] or self.y.shape[0] != self.widths[-1]:
            raise DataError(f"widths {self.widths} need X with {self.widths[0]} rows and Y with {self.widths[-1]}; got {self.x.shape}, {self.y.shape}")
        if not (np.isfinite(self.x).all() and np.isfinite(self.y).all()):
            raise DataError("X or Y contains NaN or infinity; pass finite data")
        if loss in LABELLED_LOSSES and (self.widths[-1] != 1 or not np.all(np.abs(self.y) == 1.0)):
            raise DataError(f"the {loss} loss needs a scalar output and labels +-1")
        self.n = self.x.shape[1]
        self.layers = self._layout()
        self.n_params = self.layers[-1][3]
        self._x = torch.as_tensor(self.x, dtype=DTYPE)
        self._y = torch.as_tensor(self.y, dtype=DTYPE)

    def _layout(self) -> list[tuple[int, int, int, int]]:
        """(rows, cols, weight offset, end offset) per layer; the bias sits between the two."""
        layout, offset = [], 0
        count = len(self.widths) - 1
        for k in range(count):
            rows, cols = self.widths[k + 1], self.widths[k]
            bias = rows if (k < count - 1 or self.output_bias) else 0
            layout.append((rows, cols, offset, offset + rows * cols + bias))
            offset += rows * cols + bias
        return layout

    def unpack(self, theta: Tensor) -> list[tuple[Tensor, Tensor | None]]:
        """Per layer ``(W (B, d_k, d_{k-1}), b (B, d_k) or None)``."""
        parts = []
        for rows, cols, start, end in self.layers:
            weight = theta[:, start : start + rows * cols].reshape(-1, rows, cols)
            bias = theta[:, start + rows * cols : end] if end > start + rows * cols else None
            parts.append((weight, bias))
        return parts

    def features(self, theta: Tensor) -> Tensor:
        """Z_L(X) at each row of theta: ``(B, d_L, n)``."""
        z = self._x.to(theta).expand(theta.shape[0], -1, -1)
        for weight, bias in self.unpack(theta)[:-1]:
            z = self.activation.torch_fn(weight @ z + bias.unsqueeze(-1))
        return z

    def outputs(self, theta: Tensor) -> Tensor:
        """f_theta(X): ``(B, d_y, n)``."""
        weight, bias = self.unpack(theta)[-1]
        out = weight @ self.features(theta)
        return out if bias is None else out + bias.unsqueeze(-1)

    def data_loss(self, outputs: Tensor) -> Tensor:
        y = self._y.to(outputs)
        if self.loss_name == "squared":
            return ((y - outputs) ** 2).sum(1).mean(-1)
        if self.loss_name == "hinge3":
            return (torch.clamp(1.0 - y * outputs, min=0.0) ** 3).sum(1).mean(-1)
        return torch.nn.functional.softplus(-y * outputs).sum(1).mean(-1)

    def penalty(self, theta: Tensor) -> Tensor:
        """The regulariser R(theta), ``(B,)``; none here."""
        return theta.new_zeros(theta.shape[0])

    def loss(self, theta: Tensor) -> Tensor:
        return self.data_loss(self.outputs(theta)) + self.penalty(theta)

    def flat_directions(self, theta: np.ndarray) -> np.ndarray | None:
        """Last-hidden neurons with bitwise identical incoming weights and biases act through the
        sum of their output weights only: moving v_j - v_first within such a group leaves the
        outputs, hence the loss, exactly constant (and a critical point critical).  Tangents
        e_{v_j} - e_{v_first} per group; None without groups or when a subclass adds a
        regulariser (it may depend on the v_j one by one)."""
        if type(self).penalty is not MLP.penalty or self.widths[-1] != 1:
            return None
        rows, cols, start, end = self.layers[-2]
        point = np.asarray(theta, dtype=np.float64)
        incoming = np.column_stack([point[start : start + rows * cols].reshape(rows, cols), point[start + rows * cols : end]])
        out_start = self.layers[-1][2]
        columns = []
        for j in range(rows):
            first = next(i for i in range(j + 1) if np.array_equal(incoming[i], incoming[j]))
            if first != j:
                tangent = np.zeros(self.n_params)
                tangent[out_start + j], tangent[out_start + first] = 1.0, -1.0
                columns.append(tangent)
        return np.stack(columns, axis=1) if columns else None

    def loss_scale(self) -> float:
        """The loss of the zero output: (1/n)||Y||^2, log 2 for the logistic loss, 1 for hinge3."""
        if self.loss_name == "logistic":
            return math.log(2.0)
        if self.loss_name == "hinge3":
            return 1.0
        return max(float((self.y**2).sum()) / self.n, 1e-300)

    def spec(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "widths": list(self.widths),
            "activation": self.activation.name,
            "loss": self.loss_name,
            "output_bias": self.output_bias,
            "X": self.x.tolist(),
            "Y": self.y.tolist(),
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> MLP:
        return cls(spec["widths"], spec["activation"], spec["X"], spec["Y"], spec.get("loss", "squared"),
                   bool(spec.get("output_bias", False)))

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        """Xavier (Glorot) normal weights, std sqrt(2/(fan_in + fan_out)), and biases of the same scale."""
        theta = torch.empty(count, self.n_params, dtype=DTYPE)
        for rows, cols, start, end in self.layers:
            std = math.sqrt(2.0 / (rows + cols))
            theta[:, start:end] = std * torch.randn(count, end - start, generator=generator, dtype=DTYPE)
        return scale * theta

    def output_jacobian(self, theta: Tensor) -> Tensor:
        """G(theta) of eq. (5) for a scalar output: ``(B, P, n)``, column i = d f(x_i)/d theta.

        Rows are independent, so with every row repeated n times, one reverse pass of the sum
        over replicas i of output i gives all n columns at every row (cheaper than n passes)."""
        if self.widths[-1] != 1:
            raise InvalidArgument(f"G(theta) is defined for a scalar output; this network has d_y = {self.widths[-1]}")
        batch, n = theta.shape[0], self.n
        with torch.enable_grad():
            point = theta.detach().repeat_interleave(n, dim=0).requires_grad_(True)
            out = self.outputs(point)[:, 0, :].reshape(batch, n, n)
            columns = torch.autograd.grad(torch.diagonal(out, dim1=1, dim2=2).sum(), point)[0]
        return columns.reshape(batch, n, -1).transpose(1, 2)

    def third_derivative_bound(self, centre: np.ndarray, radius: float) -> float | None:
        r"""An analytic bound M >= |D^3 F(theta)[u, u, u]| for |u| = 1, |theta - centre| <= radius,
        for one hidden layer, scalar output, squared loss and an activation with
        ``derivative_bounds``; ``None`` otherwise (and for subclasses that change the outputs
        or add a regulariser), so that the strict-minimum certificate falls back to its sampled
        estimate and says so.

        The bound is :func:`~landscape.landscapes.networks.one_hidden_third_derivative_bound` on the
        inputs x~_i = (x_i, 1) (the bias is the last hidden weight), divided by n (the loss is a mean).
        """
        if (len(self.widths) != 3 or self.widths[-1] != 1 or self.loss_name != "squared"
                or self.activation.derivative_bounds is None
                or type(self).outputs is not MLP.outputs or type(self).penalty is not MLP.penalty):
            return None
        theta = torch.as_tensor(np.asarray(centre, dtype=np.float64), dtype=DTYPE)[None]
        (weight, bias), (out, out_bias) = self.unpack(theta)
        lengths = np.linalg.norm(np.vstack([self.x, np.ones((1, self.n))]), axis=0)  # |x~_i|
        pre = np.abs(weight[0].numpy() @ self.x + bias[0].numpy()[:, None])  # |z_ij| at the centre
        bias_value = None if out_bias is None else float(out_bias[0, 0])
        total = one_hidden_third_derivative_bound(lengths, pre, out[0, 0].numpy(), self.y[0], radius,
                                                  self.activation.derivative_bounds, bias_value)
        return total / self.n

    def symbolic(self) -> tuple[list[sympy.Symbol], sympy.Expr]:
        """The loss as an exact sympy expression in the parameters (small instances only)."""
        if self.n_params > 64:
            raise InvalidArgument(f"the symbolic loss is for small networks (P <= 64); this one has P = {self.n_params}")
        symbols = list(sympy.symbols(f"p0:{self.n_params}", real=True))
        z = [[exact(v) for v in row] for row in self.x.T]  # per sample, its input vector
        z = [list(sample) for sample in z]
        for k, (rows, cols, start, end) in enumerate(self.layers):
            last = k == len(self.layers) - 1
            weight = [[symbols[start + r * cols + c] for c in range(cols)] for r in range(rows)]
            bias = symbols[start + rows * cols : end] if end > start + rows * cols else [0] * rows
            new = []
            for sample in z:
                pre = [sum(weight[r][c] * sample[c] for c in range(cols)) + bias[r] for r in range(rows)]
                new.append(pre if last else [self.activation.expression.subs(T, p) for p in pre])
            z = new
        terms = []
        for i, sample in enumerate(z):
            labels = [exact(v) for v in self.y[:, i]]
            if self.loss_name == "squared":
                terms.append(sum((label - out) ** 2 for label, out in zip(labels, sample)))
            elif self.loss_name == "hinge3":
                terms.append(sympy.Max(0, 1 - labels[0] * sample[0]) ** 3)
            else:
                terms.append(sympy.log(1 + sympy.exp(-labels[0] * sample[0])))
        return symbols, sympy.Rational(1, self.n) * sum(terms)
