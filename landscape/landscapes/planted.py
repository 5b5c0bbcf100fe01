r"""Planted counterexamples: a landscape changed inside one ball, so that it holds a critical point
of a known kind that the search is not told about.

For a base loss f, a centre c, a radius r and a depth D > 0, with z = theta - c and
u = ||z||^2 / r^2, the planted loss is

.. math::  F(\theta) = (1 - w(u))\, f(\theta) + w(u)\, q(z),

where the blend w is 1 for u <= 1/4 (the inner half of the ball), 0 for u >= 1, and a
degree-7 smoothstep in between (three continuous derivatives; u is a polynomial of theta, so
no norm is differentiated at c).  F equals f outside the ball and q inside its inner half, so
c is a critical point of F whose kind is q's:

* ``bowl`` — q = f(c) - D + D u: a strict local minimum of value f(c) - D, Hessian 2D/r^2 I;
* ``monkey-saddle`` — q = f(c) + D ((z_1^3 - 3 z_1 z_2^2)/r^3 + ||z_perp||^2/r^2) along two
  random orthonormal directions e_1, e_2: Hessian positive semidefinite with a two-dimensional
  kernel, and the cubic decreases along almost every kernel direction (a degenerate saddle);
* ``strict-saddle`` — q = f(c) + D (||z_perp||^2 - z_1^2)/r^2: one negative eigenvalue.

F >= min(f, q) pointwise (a convex combination), and every q is >= f(c) - D inside the ball
(the saddles' cubic term is >= -D there), so with D below f(c) - f* the planted landscape has
the base's optimum value f*: the global-optimum oracle still holds.  The plant is a landscape
like any other (its own family, ``planted``, whose spec nests the base's), so its certificates
replay through the normal path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.builders import spec_of
from landscape.landscapes.base import DTYPE, Landscape, Optimum, landscape_from_spec

KINDS = ("bowl", "monkey-saddle", "strict-saddle")
INNER = 0.25  # u = ||z||^2 / r^2 below which the loss is exactly the plant's q (radius r/2)
# Attributes of the base that describe how to evaluate, certify or rebuild *it*: the planted
# landscape must not inherit them (its loss is not the base's).
NOT_DELEGATED = frozenset({"origin", "interval_jet", "third_derivative_bound", "smoothness", "exact_taylor", "family"})


@dataclass(frozen=True, slots=True)
class Plant:
    """Where and what is planted.

    Attributes:
        kind: one of :data:`KINDS`.
        centre: c, the planted critical point.
        radius: r, absolute (the loss is unchanged outside ||theta - c|| >= r).
        depth: D, the bowl's depth below f(c) or the saddles' curvature scale.
        axes: e_1 (and e_2) for the saddles, orthonormal; empty for a bowl.
    """

    kind: str
    centre: tuple[float, ...]
    radius: float
    depth: float
    axes: tuple[tuple[float, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidArgument(f"plant kind={self.kind!r} must be one of {KINDS}")
        if not (self.radius > 0 and self.depth > 0 and np.isfinite([self.radius, self.depth]).all()):
            raise InvalidArgument(f"plant radius={self.radius!r} and depth={self.depth!r} must be positive and finite")
        needed = {"bowl": 0, "monkey-saddle": 2, "strict-saddle": 1}[self.kind]
        if len(self.axes) != needed:
            raise InvalidArgument(f"a {self.kind} plant needs {needed} axes, got {len(self.axes)}")

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "centre": list(self.centre), "radius": self.radius, "depth": self.depth,
                "axes": [list(axis) for axis in self.axes]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plant:
        try:
            return cls(str(data["kind"]), tuple(float(v) for v in data["centre"]), float(data["radius"]),
                       float(data["depth"]), tuple(tuple(float(v) for v in axis) for axis in data.get("axes", [])))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"the plant of a planted landscape is malformed ({exc}); re-write the certificate") from None

    def contains(self, point: np.ndarray) -> bool:
        """Whether ``point`` lies in the ball where the loss was changed."""
        return bool(np.linalg.norm(np.asarray(point, dtype=np.float64) - np.asarray(self.centre)) < self.radius)


def smoothstep(s: Tensor) -> Tensor:
    """35 s^4 - 84 s^5 + 70 s^6 - 20 s^7 on [0, 1] (0 -> 0, 1 -> 1, three derivatives vanish at both ends)."""
    s = s.clamp(0.0, 1.0)
    return s**4 * (35.0 - 84.0 * s + 70.0 * s**2 - 20.0 * s**3)


class Planted(Landscape):
    """``base`` with ``plant`` blended in (module docstring).  Facts of the base's family (widths,
    data) are read through to the base, except those in :data:`NOT_DELEGATED`."""

    family = "planted"

    def __init__(self, base: Landscape, plant: Plant) -> None:
        if len(plant.centre) != base.n_params:
            raise InvalidArgument(f"plant centre has {len(plant.centre)} coordinates, the landscape {base.n_params}")
        self.base = base
        self.plant = plant
        self.n_params = base.n_params
        self._centre = torch.tensor(plant.centre, dtype=DTYPE)
        self._axes = torch.tensor(plant.axes, dtype=DTYPE).reshape(len(plant.axes), base.n_params)
        self._level = float(base.loss(self._centre[None])[0])  # f(c)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in NOT_DELEGATED or name in ("base", "plant"):
            raise AttributeError(name)
        return getattr(self.base, name)

    def __repr__(self) -> str:
        return f"Planted({self.plant.kind}, radius={self.plant.radius:.3g}, depth={self.plant.depth:.3g}, base={type(self.base).__name__})"

    @property
    def unplanted(self) -> Landscape:
        """The base landscape: a planted instance is searched with its base's seeds."""
        return self.base

    def _outside(self, theta: Tensor) -> bool:
        """Whether ``theta`` (one point) lies strictly outside the plant's ball, where the loss is
        the base's on a whole neighbourhood (the blend's weight is exactly 0 for u >= 1)."""
        z = theta.reshape(-1) - self._centre.to(theta)
        return bool(float((z * z).sum()) > self.plant.radius**2)

    def exact_taylor_at(self, theta: Tensor) -> bool:
        return self._outside(theta) and self.base.exact_taylor_at(theta)

    def taylor_coefficients(self, theta: Tensor, direction: Tensor, order: int) -> list[float]:
        """Outside the ball the base's coefficients (the two losses agree near ``theta``), else
        nested derivatives of the blend."""
        if self._outside(theta):
            return self.base.taylor_coefficients(theta, direction, order)
        return super().taylor_coefficients(theta, direction, order)

    def leading_taylor_term(
        self, theta: Tensor, direction: Tensor, floor: float, max_order: int
    ) -> tuple[int | None, list[float]]:
        if self._outside(theta):
            return self.base.leading_taylor_term(theta, direction, floor, max_order)
        return super().leading_taylor_term(theta, direction, floor, max_order)

    def inner(self, theta: Tensor) -> Tensor:
        """q(theta - c), the loss in the inner half of the ball."""
        centre, axes, r, depth = self._centre.to(theta), self._axes.to(theta), self.plant.radius, self.plant.depth
        z = theta - centre
        u = (z * z).sum(1) / r**2
        if self.plant.kind == "bowl":
            return self._level - depth + depth * u
        along = z @ axes.T  # (B, axes)
        perpendicular = u - (along * along).sum(1) / r**2
        if self.plant.kind == "strict-saddle":
            return self._level + depth * (perpendicular - along[:, 0] ** 2 / r**2)
        z1, z2 = along[:, 0] / r, along[:, 1] / r
        return self._level + depth * (z1**3 - 3.0 * z1 * z2**2 + perpendicular)

    def loss(self, theta: Tensor) -> Tensor:
        z = theta - self._centre.to(theta)
        u = (z * z).sum(1) / self.plant.radius**2
        weight = smoothstep((1.0 - u) / (1.0 - INNER))
        base = self.base.loss(theta)
        return base + weight * (self.inner(theta) - base)

    def gradient(self, theta: Tensor) -> Tensor:
        """grad F = (1 - w) grad f + w grad q + (q - f) grad w, with grad w = w'(u) 2z/r^2."""
        blend, blend_gradient, _ = self._blend(theta)
        q, q_gradient, _ = self._inner_derivatives(theta, second=False)
        base = self.base.loss(theta)
        return (1.0 - blend)[:, None] * self.base.gradient(theta) + blend[:, None] * q_gradient + (q - base)[:, None] * blend_gradient

    def hessian(self, theta: Tensor) -> Tensor:
        """(1 - w) H_f + w H_q + (grad q - grad f) grad w^T + grad w (grad q - grad f)^T + (q - f) H_w."""
        blend, blend_gradient, blend_hessian = self._blend(theta)
        q, q_gradient, q_hessian = self._inner_derivatives(theta, second=True)
        base, base_gradient = self.base.loss(theta), self.base.gradient(theta)
        difference = q_gradient - base_gradient
        cross = difference[:, :, None] * blend_gradient[:, None, :]
        h = (1.0 - blend)[:, None, None] * self.base.hessian(theta) + blend[:, None, None] * q_hessian
        h = h + cross + cross.transpose(-1, -2) + (q - base)[:, None, None] * blend_hessian
        return 0.5 * (h + h.transpose(-1, -2))

    def _blend(self, theta: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """w, grad w and Hessian of w: w = S(s), s = (1 - u)/(1 - INNER), u = ||z||^2/r^2."""
        z = theta - self._centre.to(theta)
        r2 = self.plant.radius**2
        u = (z * z).sum(1) / r2
        s = ((1.0 - u) / (1.0 - INNER)).clamp(0.0, 1.0)
        step = smoothstep(s)
        first = -140.0 * s**3 * (1.0 - s) ** 3 / (1.0 - INNER)  # dw/du
        second = 420.0 * s**2 * (1.0 - s) ** 2 * (1.0 - 2.0 * s) / (1.0 - INNER) ** 2  # d2w/du2
        du = 2.0 * z / r2
        eye = torch.eye(theta.shape[1], dtype=theta.dtype, device=theta.device)
        hessian = second[:, None, None] * du[:, :, None] * du[:, None, :] + (first * 2.0 / r2)[:, None, None] * eye
        return step, first[:, None] * du, hessian

    def _inner_derivatives(self, theta: Tensor, second: bool) -> tuple[Tensor, Tensor, Tensor | None]:
        """q, grad q and (with ``second``) the Hessian of q, in closed form."""
        centre, axes, r, depth = self._centre.to(theta), self._axes.to(theta), self.plant.radius, self.plant.depth
        z = theta - centre
        size = theta.shape[1]
        eye = torch.eye(size, dtype=theta.dtype, device=theta.device)
        gradient = 2.0 * depth * z / r**2
        hessian = (2.0 * depth / r**2) * eye.expand(theta.shape[0], size, size) if second else None
        if self.plant.kind != "bowl":
            along = z @ axes.T
            projector = axes.T @ axes  # onto the plant's axes
            gradient = gradient - 2.0 * depth * (along @ axes) / r**2
            if second:
                hessian = hessian - (2.0 * depth / r**2) * projector
        if self.plant.kind == "strict-saddle":
            e1 = axes[0]
            gradient = gradient - 2.0 * depth * along[:, :1] * e1 / r**2
            if second:
                hessian = hessian - (2.0 * depth / r**2) * torch.outer(e1, e1)
        if self.plant.kind == "monkey-saddle":
            e1, e2 = axes[0], axes[1]
            z1, z2 = along[:, 0] / r, along[:, 1] / r
            gradient = gradient + (depth / r) * ((3.0 * z1**2 - 3.0 * z2**2)[:, None] * e1 - (6.0 * z1 * z2)[:, None] * e2)
            if second:
                e11, e22, e12 = torch.outer(e1, e1), torch.outer(e2, e2), torch.outer(e1, e2) + torch.outer(e2, e1)
                cubic = 6.0 * (z1[:, None, None] * (e11 - e22) - z2[:, None, None] * e12)
                hessian = hessian + (depth / r**2) * cubic
        return self.inner(theta), gradient, hessian

    def loss_scale(self) -> float:
        return self.base.loss_scale()

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "base": spec_of(self.base), "plant": self.plant.as_dict()}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Planted:
        return cls(landscape_from_spec(spec["base"]), Plant.from_dict(spec["plant"]))

    def optimum(self) -> Optimum | None:
        """The base's optimum (None without one): the plant stays above it (module docstring); a
        minimiser inside the ball is dropped."""
        base = self.base.optimum()
        if base is None:
            return None
        point = None if base.point is None or self.plant.contains(base.point) else base.point
        return Optimum(base.value, point, f"{base.method}; unchanged by the plant, whose loss stays above it")

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        return self.base.random_points(count, generator, scale)

    def flat_directions(self, theta: np.ndarray) -> np.ndarray | None:
        """The base's symmetry tangents outside the ball (where the loss is the base's), none inside."""
        return None if self.plant.contains(theta) else self.base.flat_directions(theta)
