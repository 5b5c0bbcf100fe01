r"""Matrix factorisation with weight decay (seed 003 §1.4.1) and its closed-form oracles.

The landscape is problem (1.33) at a fixed width r (the number of columns of U and V):

.. math::
    F(U, V) = \tfrac12\|Y - UV^\top\|_F^2 + \tfrac\lambda2(\|U\|_F^2 + \|V\|_F^2),
    \qquad U \in \mathbb R^{n_2\times r},\ V \in \mathbb R^{n_0\times r}.

Closed forms (003 eq. (1.34)-(1.35), Cor 1.6 and footnote 10):

* the variational form of the nuclear norm, ``||Z||_* = min_{UV^T = Z} (||U||^2 + ||V||^2)/2``,
  attained by the balanced SVD factors ``U = U_Z S^{1/2}``, ``V = V_Z S^{1/2}``;
* singular value thresholding ``D_lambda(Y) = U_Y (S_Y - lambda I)_+ V_Y^T``, the minimiser of the
  convex problem ``1/2||Y - Z||^2 + lambda ||Z||_*``; its value is the infimum of (1.33) over all
  widths.  At a fixed width r the objective decouples over singular values (von Neumann's trace
  inequality), so the infimum keeps the r largest thresholded values (:meth:`MatrixFactorisation.optimum`);
* the polar problem ``max u^T R v / (||u|| ||v||)`` at R = Y - UV^T is solved by the top singular
  pair of R; condition (ii) of Cor 1.6 is ``sigma_max(R) <= lambda``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.errors import InvalidArgument
from landscape.landscapes.base import DTYPE, Landscape, Optimum, as_finite_matrix, loss_at


class MatrixFactorisation(Landscape):
    """Problem (1.33) of seed 003 at width ``width``; theta = (U row-major, V row-major)."""

    family = "matrix-factorisation"
    exact_taylor = True

    def __init__(self, y: Any, lam: float, width: int) -> None:
        self.y = as_finite_matrix("Y", y)
        if not (isinstance(lam, (int, float)) and math.isfinite(lam) and lam > 0):
            raise InvalidArgument(f"lam={lam!r} must be a positive finite number (the weight-decay strength)")
        if not isinstance(width, int) or width < 1:
            raise InvalidArgument(f"width={width!r} must be a positive integer (the number of columns of U and V)")
        self.lam = float(lam)
        self.width = width
        self.n2, self.n0 = self.y.shape
        self.n_params = (self.n2 + self.n0) * width
        self._y = torch.as_tensor(self.y, dtype=DTYPE)

    def factors(self, theta: Tensor) -> tuple[Tensor, Tensor]:
        """(U, V) of each row of ``theta``: ``(B, n2, r)`` and ``(B, n0, r)``."""
        split = self.n2 * self.width
        u = theta[:, :split].reshape(-1, self.n2, self.width)
        v = theta[:, split:].reshape(-1, self.n0, self.width)
        return u, v

    def flatten(self, u: Tensor | np.ndarray, v: Tensor | np.ndarray) -> np.ndarray:
        """One flat parameter vector from single (unbatched) factors."""
        return np.concatenate([np.asarray(u, dtype=np.float64).reshape(-1), np.asarray(v, dtype=np.float64).reshape(-1)])

    def loss(self, theta: Tensor) -> Tensor:
        u, v = self.factors(theta)
        y = self._y.to(theta.device, theta.dtype)
        residual = y - u @ v.transpose(-1, -2)
        return 0.5 * (residual**2).sum((-1, -2)) + 0.5 * self.lam * ((u**2).sum((-1, -2)) + (v**2).sum((-1, -2)))

    def gradient(self, theta: Tensor) -> Tensor:
        # dF/dU = -(Y - UV^T) V + lambda U,  dF/dV = -(Y - UV^T)^T U + lambda V
        u, v = self.factors(theta)
        residual = self._y.to(theta.device, theta.dtype) - u @ v.transpose(-1, -2)
        grad_u = -residual @ v + self.lam * u
        grad_v = -residual.transpose(-1, -2) @ u + self.lam * v
        return torch.cat([grad_u.reshape(theta.shape[0], -1), grad_v.reshape(theta.shape[0], -1)], dim=1)

    def hessian(self, theta: Tensor) -> Tensor:
        """Closed form: d2F/dU_ia dU_kc = delta_ik (V^T V)_ac + lambda delta_ik delta_ac, likewise for V,
        and d2F/dU_ia dV_jc = U_ic V_ja - R_ij delta_ac with R = Y - UV^T."""
        u, v = self.factors(theta)
        batch, r = theta.shape[0], self.width
        residual = self._y.to(theta.device, theta.dtype) - u @ v.transpose(-1, -2)
        eye_r = torch.eye(r, dtype=theta.dtype, device=theta.device)

        def diagonal_block(gram: Tensor, size: int) -> Tensor:
            eye = torch.eye(size, dtype=theta.dtype, device=theta.device)
            block = torch.einsum("ik,bac->biakc", eye, gram + self.lam * eye_r)
            return block.reshape(batch, size * r, size * r)

        h_uu = diagonal_block(v.transpose(-1, -2) @ v, self.n2)
        h_vv = diagonal_block(u.transpose(-1, -2) @ u, self.n0)
        h_uv = torch.einsum("bic,bja->biajc", u, v) - torch.einsum("bij,ac->biajc", residual, eye_r)
        h_uv = h_uv.reshape(batch, self.n2 * r, self.n0 * r)
        top = torch.cat([h_uu, h_uv], dim=2)
        bottom = torch.cat([h_uv.transpose(-1, -2), h_vv], dim=2)
        return torch.cat([top, bottom], dim=1)

    def taylor_coefficients(self, theta: Tensor, direction: Tensor, order: int) -> list[float]:
        """Exact coefficients of the quartic t -> F(U + tA, V + tB): with R = Y - UV^T,
        M1 = AV^T + UB^T, M2 = AB^T, 1/2||R - t M1 - t^2 M2||^2 + lambda/2 (||U + tA||^2 + ||V + tB||^2)."""
        (u, v), (a, b) = self.factors(theta.reshape(1, -1)), self.factors(direction.reshape(1, -1))
        u, v, a, b = u[0], v[0], a[0], b[0]
        r = self._y.to(theta.dtype) - u @ v.T
        m1, m2 = a @ v.T + u @ b.T, a @ b.T

        def dot(p: Tensor, q: Tensor) -> float:
            return float((p * q).sum())

        coefficients = [
            0.5 * dot(r, r) + 0.5 * self.lam * (dot(u, u) + dot(v, v)),
            -dot(r, m1) + self.lam * (dot(u, a) + dot(v, b)),
            0.5 * dot(m1, m1) - dot(r, m2) + 0.5 * self.lam * (dot(a, a) + dot(b, b)),
            dot(m1, m2),
            0.5 * dot(m2, m2),
        ]
        return (coefficients + [0.0] * max(0, order - 4))[: order + 1]

    def loss_scale(self) -> float:
        return max(0.5 * float((self.y**2).sum()), float(np.finfo(np.float64).tiny))

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "Y": self.y.tolist(), "lam": self.lam, "width": self.width}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> MatrixFactorisation:
        return cls(spec["Y"], float(spec["lam"]), int(spec["width"]))

    def optimum(self) -> Optimum:
        """The infimum of (1.33) at the landscape's width r: thresholding keeping the r largest values.

        By (1.36), F(U, V) >= 1/2||Y - Z||^2 + lambda||Z||_* with Z = UV^T of rank <= r; writing the
        right side in the singular values z_i of Z and using von Neumann's inequality <Y, Z> <=
        sum sigma_i z_i, it is at least sum_i [1/2(sigma_i - z_i)^2 + lambda z_i] over r non-zero z_i,
        minimised by z_i = (sigma_i - lambda)_+ on the r largest sigma_i; the balanced factors attain it.
        """
        left, singular, right_t = np.linalg.svd(self.y, full_matrices=False)
        keep = min(self.width, len(singular))
        root = np.sqrt(np.clip(singular[:keep] - self.lam, 0.0, None))
        u = np.zeros((self.n2, self.width))
        v = np.zeros((self.n0, self.width))
        u[:, :keep], v[:, :keep] = left[:, :keep] * root, right_t[:keep].T * root
        point = self.flatten(u, v)
        value = loss_at(self, point)
        return Optimum(value=value, point=point, method=f"singular value thresholding, width {self.width} (closed form)")

    def polynomial_degree(self) -> int:
        """(1.33) is a quartic in (U, V): the path finder certifies segments exactly."""
        return 4

    def flat_directions(self, theta: np.ndarray) -> np.ndarray:
        """Tangents of the orbit (U, V) -> (UQ, VQ), Q orthogonal: dU = UA, dV = VA, A skew.
        Both the product and the weight decay are invariant along it."""
        point = torch.as_tensor(theta, dtype=DTYPE).reshape(1, -1)
        u, v = (m[0].numpy() for m in self.factors(point))
        columns = []
        for i in range(self.width):
            for j in range(i + 1, self.width):
                skew = np.zeros((self.width, self.width))
                skew[i, j], skew[j, i] = 1.0, -1.0
                columns.append(self.flatten(u @ skew, v @ skew))
        if not columns:
            return np.zeros((self.n_params, 0))
        return np.stack(columns, axis=1)

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        """Normal entries scaled so that UV^T is of the size of Y, times a factor in [0.2, 2]."""
        size = math.sqrt(max(float(np.linalg.norm(self.y, 2)), 1e-3) / self.width)
        factor = 0.2 + 1.8 * torch.rand(count, 1, generator=generator, dtype=DTYPE)
        return scale * size * factor * torch.randn(count, self.n_params, generator=generator, dtype=DTYPE)


# -- closed forms ---------------------------------------------------------------------------


def nuclear_norm(z: np.ndarray) -> float:
    """Sum of the singular values."""
    return float(np.linalg.svd(np.asarray(z, dtype=np.float64), compute_uv=False).sum())


def balanced_factors(z: np.ndarray, width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """U = U_Z S^{1/2}, V = V_Z S^{1/2} (003 eq. (1.34)), padded with zero columns to ``width``."""
    left, singular, right_t = np.linalg.svd(np.asarray(z, dtype=np.float64), full_matrices=False)
    root = np.sqrt(singular)
    u, v = left * root, right_t.T * root
    if width is not None:
        if width < u.shape[1]:
            if np.any(singular[width:] > 0):
                raise InvalidArgument(f"width={width} is below rank(Z); pass a width >= {int((singular > 0).sum())}")
            u, v = u[:, :width], v[:, :width]
        else:
            u = np.pad(u, ((0, 0), (0, width - u.shape[1])))
            v = np.pad(v, ((0, 0), (0, width - v.shape[1])))
    return u, v


def singular_value_thresholding(y: np.ndarray, lam: float, rank: int | None = None) -> np.ndarray:
    """D_lambda(Y) = U_Y (S_Y - lambda)_+ V_Y^T, keeping at most ``rank`` values (003 Cor 1.6)."""
    left, singular, right_t = np.linalg.svd(np.asarray(y, dtype=np.float64), full_matrices=False)
    shrunk = np.clip(singular - lam, 0.0, None)
    if rank is not None:
        shrunk[rank:] = 0.0
    return (left * shrunk) @ right_t


def convex_objective(y: np.ndarray, lam: float, z: np.ndarray) -> float:
    """1/2 ||Y - Z||_F^2 + lambda ||Z||_*, problem (1.35)."""
    return 0.5 * float(((y - z) ** 2).sum()) + lam * nuclear_norm(z)


def convex_optimum(y: np.ndarray, lam: float) -> float:
    """The value of (1.35) at D_lambda(Y): the infimum of (1.33) over every width n_1."""
    return convex_objective(y, lam, singular_value_thresholding(y, lam))


@dataclass(frozen=True, slots=True)
class PolarSolution:
    """Top singular pair of R = Y - UV^T (footnote 10 of seed 003): the polar problem's solution.

    Attributes:
        value: sigma_max(R) = max u^T R v / (||u|| ||v||).
        left, right: unit vectors attaining it.
    """

    value: float
    left: np.ndarray
    right: np.ndarray


def polar_solution(residual: np.ndarray) -> PolarSolution:
    """Solve the polar problem (1.42) for the residual matrix."""
    left, singular, right_t = np.linalg.svd(np.asarray(residual, dtype=np.float64))
    return PolarSolution(float(singular[0]), left[:, 0], right_t[0])


def residual_at(landscape: MatrixFactorisation, point: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(U, V, Y - UV^T) at ``point``."""
    u, v = (m[0].numpy() for m in landscape.factors(torch.as_tensor(point, dtype=DTYPE)[None]))
    return u, v, landscape.y - u @ v.T


def appended(landscape: MatrixFactorisation, point: np.ndarray, u: np.ndarray, v: np.ndarray, eps: float) -> tuple[MatrixFactorisation, np.ndarray]:
    """The width r + 1 landscape and the point [U sqrt(eps) u], [V sqrt(eps) v] (meta-algorithm of 003 §1.4.1)."""
    factors_u, factors_v, _ = residual_at(landscape, point)
    wider = MatrixFactorisation(landscape.y, landscape.lam, landscape.width + 1)
    root = math.sqrt(eps)
    new_u = np.concatenate([factors_u, root * u[:, None]], axis=1)
    new_v = np.concatenate([factors_v, root * v[:, None]], axis=1)
    return wider, wider.flatten(new_u, new_v)


def subset_point(landscape: MatrixFactorisation, subset: tuple[int, ...]) -> np.ndarray:
    """The first-order point keeping the singular components in ``subset`` (all with sigma_i > lambda):
    U = U_S (S_S - lambda)^{1/2}, V = V_S (S_S - lambda)^{1/2}, zero columns elsewhere.

    It satisfies (1.39): (Y - UV^T) V = U_S (S_S - (S_S - lambda)) (S_S - lambda)^{1/2} = lambda U.
    """
    left, singular, right_t = np.linalg.svd(landscape.y, full_matrices=False)
    if len(subset) > landscape.width or any(singular[i] <= landscape.lam for i in subset):
        raise InvalidArgument(f"subset={subset!r} needs <= width columns, each with sigma_i > lambda")
    u = np.zeros((landscape.n2, landscape.width))
    v = np.zeros((landscape.n0, landscape.width))
    for column, index in enumerate(subset):
        root = math.sqrt(singular[index] - landscape.lam)
        u[:, column] = left[:, index] * root
        v[:, column] = right_t[index] * root
    return landscape.flatten(u, v)
