r"""Convex losses of a residual, applied entrywise: psi(r) with everything a certificate needs.

Each loss gives its value in torch (for the landscape), in numpy and in Arb balls (for the
certified optimum), its first two derivatives (for Newton's method), its convex conjugate
psi*(mu) = sup_r (mu r - psi(r)) in balls (for the duality gap), and the Taylor series of
psi(r(t)) for a polynomial r(t) (for the exact higher-order test).

- ``weighted``: psi_ij(r) = m_ij r^2, a convex quadratic with entrywise weights m_ij > 0;
  psi*(mu) = mu^2 / (4 m).
- ``pseudo-huber``: psi(r) = delta^2 (sqrt(1 + (r/delta)^2) - 1), quadratic near 0 and linear in
  the tails (a smooth Huber loss: twice differentiable, so the classifier's Hessian means what it
  says); psi*(mu) = delta^2 (1 - sqrt(1 - (mu/delta)^2)) on |mu| <= delta, +inf outside.
- ``log-cosh``: psi(r) = delta^2 log cosh(r/delta) = delta^2 (softplus(2r/delta) - r/delta - log 2),
  a softplus of the residual, also quadratic near 0 and linear in the tails;
  psi*(mu) = delta^2 (s artanh s + log(1 - s^2)/2) with s = mu/delta on |s| < 1, +inf outside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from flint import arb
from torch import Tensor

from landscape.errors import DataError, InvalidArgument

KINDS = ("weighted", "pseudo-huber", "log-cosh")
LOG_2 = float(np.log(2.0))


@dataclass(frozen=True, eq=False)
class ResidualLoss:
    """psi applied to every entry of the residual W X - Y (``weights`` ``(d_L, n)`` for
    ``weighted``, the scalar ``delta`` for ``pseudo-huber``)."""

    kind: str
    weights: np.ndarray | None = None
    delta: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidArgument(f"kind={self.kind!r} is not a residual loss; use one of {', '.join(KINDS)}")
        if self.kind == "weighted":
            weights = np.asarray(self.weights, dtype=np.float64)
            if weights.ndim != 2 or not np.isfinite(weights).all() or weights.min(initial=1.0) <= 0:
                raise DataError(f"weights of shape {weights.shape} must be a finite 2-D array of positive entries")
            object.__setattr__(self, "weights", weights)
        elif not (self.delta is not None and np.isfinite(self.delta) and self.delta > 0):
            raise InvalidArgument(f"delta={self.delta!r} must be a positive float for the {self.kind} loss")

    def spec(self) -> dict[str, Any]:
        if self.kind == "weighted":
            return {"kind": self.kind, "weights": self.weights.tolist()}
        return {"kind": self.kind, "delta": float(self.delta)}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ResidualLoss:
        return cls(spec["kind"], weights=spec.get("weights"), delta=spec.get("delta"))

    def describe(self) -> str:
        if self.kind == "weighted":
            return f"weighted squares (weights in [{self.weights.min():.3g}, {self.weights.max():.3g}])"
        return f"{'pseudo-Huber' if self.kind == 'pseudo-huber' else 'log-cosh'} (delta = {self.delta:.3g})"

    # -- values and derivatives ----------------------------------------------------------------

    def torch_value(self, residual: Tensor) -> Tensor:
        if self.kind == "weighted":
            return torch.as_tensor(self.weights, dtype=residual.dtype, device=residual.device) * residual * residual
        d = self.delta
        if self.kind == "log-cosh":
            return d * d * (torch.logaddexp(residual / d, -residual / d) - LOG_2)
        return d * d * (torch.hypot(torch.ones_like(residual), residual / d) - 1.0)  # no overflow of (r/delta)^2

    def value(self, residual: np.ndarray) -> np.ndarray:
        if self.kind == "weighted":
            return self.weights * residual * residual
        d = self.delta
        if self.kind == "log-cosh":
            return d * d * (np.logaddexp(residual / d, -residual / d) - LOG_2)
        return d * d * (np.hypot(1.0, residual / d) - 1.0)

    def derivatives(self, residual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """psi'(r) and psi''(r), entrywise."""
        if self.kind == "weighted":
            return 2.0 * self.weights * residual, 2.0 * self.weights * np.ones_like(residual)
        if self.kind == "log-cosh":
            slope = np.tanh(residual / self.delta)
            return self.delta * slope, 1.0 - slope**2
        root = np.hypot(1.0, residual / self.delta)
        return residual / root, 1.0 / root**3

    # -- ball arithmetic -------------------------------------------------------------------------

    def ball_value(self, residual: arb, row: int, column: int) -> arb:
        if self.kind == "weighted":
            return arb(float(self.weights[row, column])) * residual * residual
        d = arb(float(self.delta))
        if self.kind == "log-cosh":
            return d * d * (residual / d).cosh().log()
        return d * d * ((1 + (residual / d) ** 2).sqrt() - 1)

    def ball_conjugate(self, mu: arb, row: int, column: int) -> arb:
        """psi*(mu); a ball that is not finite where mu may leave the conjugate's domain."""
        if self.kind == "weighted":
            return mu * mu / (4 * arb(float(self.weights[row, column])))
        d = arb(float(self.delta))
        inside = 1 - (mu / d) ** 2
        if not inside > 0:
            return arb("inf")
        if self.kind == "log-cosh":
            return d * d * ((mu / d) * (mu / d).atanh() + inside.log() / 2)
        return d * d * (1 - inside.sqrt())

    # -- Taylor series along a line -------------------------------------------------------------

    def series(self, residual: list[np.ndarray], order: int) -> list[np.ndarray]:
        """Coefficients c_0..c_order (entrywise arrays) of psi(r(t)), r(t) = sum_k residual[k] t^k."""
        if self.kind == "log-cosh":
            return _log_cosh_series([c / self.delta for c in residual], order, self.delta**2)
        square = _product(residual, residual, order)
        if self.kind == "weighted":
            return [self.weights * c for c in square]
        d2 = self.delta**2
        inner = [c / d2 for c in square]
        inner[0] = inner[0] + 1.0
        root = _sqrt_series(inner)
        out = [d2 * c for c in root]
        out[0] = out[0] - d2
        return out


def _product(a: list[np.ndarray], b: list[np.ndarray], order: int) -> list[np.ndarray]:
    """Cauchy product of two series, truncated at ``order`` (zero-padded)."""
    zero = np.zeros_like(a[0])
    out = []
    for k in range(order + 1):
        total = zero.copy()
        for i in range(max(0, k - len(b) + 1), min(k, len(a) - 1) + 1):
            total = total + a[i] * b[k - i]
        out.append(total)
    return out


def _sqrt_series(u: list[np.ndarray]) -> list[np.ndarray]:
    """s with s^2 = u (s_0 = sqrt(u_0) > 0): s_k = (u_k - sum_{0<j<k} s_j s_{k-j}) / (2 s_0)."""
    s = [np.sqrt(u[0])]
    for k in range(1, len(u)):
        cross = sum((s[j] * s[k - j] for j in range(1, k)), np.zeros_like(u[0]))
        s.append((u[k] - cross) / (2.0 * s[0]))
    return s


def _exp_series(a: list[np.ndarray]) -> list[np.ndarray]:
    """e = exp(a): e_0 = exp(a_0), e_k = (1/k) sum_{j=1}^k j a_j e_{k-j} (from e' = a' e)."""
    e = [np.exp(a[0])]
    for k in range(1, len(a)):
        e.append(sum((j * a[j] * e[k - j] for j in range(1, k + 1)), np.zeros_like(a[0])) / k)
    return e


def _log_series(u: list[np.ndarray]) -> list[np.ndarray]:
    """l = log(u), u_0 > 0: l_k = (u_k - (1/k) sum_{0<j<k} j l_j u_{k-j}) / u_0 (from u l' = u')."""
    out = [np.log(u[0])]
    for k in range(1, len(u)):
        cross = sum((j * out[j] * u[k - j] for j in range(1, k)), np.zeros_like(u[0])) / k
        out.append((u[k] - cross) / u[0])
    return out


def _log_cosh_series(r: list[np.ndarray], order: int, factor: float) -> list[np.ndarray]:
    """factor x log cosh(r(t)) to ``order``: log cosh r = |r_0| - log 2 + log(e^{r - |r_0|} + e^{-r - |r_0|}),
    whose exponents have constant terms <= 0 (no overflow) and whose sum has constant term in [1, 2]."""
    r = list(r) + [np.zeros_like(r[0])] * max(0, order + 1 - len(r))
    r = r[: order + 1]
    shift = np.abs(r[0])
    up = _exp_series([r[0] - shift] + r[1:])
    down = _exp_series([-r[0] - shift] + [-c for c in r[1:]])
    out = _log_series([a + b for a, b in zip(up, down)])
    out[0] = out[0] + shift - LOG_2
    return [factor * c for c in out]
