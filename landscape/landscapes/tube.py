r"""A chain-of-saddles "tube" function on R^d and the escape times of GD and perturbed GD on it
(seed 002, "Smooth counter-example", after Du, Jin, Lee, Jordan, Poczos, Singh 2017).

Seed 002 only sketches Du et al.'s tube (the 2-D piecewise quadratic with regions R_1, R_2, R_3
and the observation t_2 >= kappa t_1).  This module implements a *simplified* construction with
the same chain-of-saddles mechanism, smooth (C^2, piecewise polynomial) and defined on all of R^d:

.. math::
    g(x) = \sum_{i=1}^d \big[(1 - S_{i-1})\, L x_i^2 + S_{i-1}\, \phi(x_i)\big],\qquad
    \phi(x) = \gamma\Big(\frac{x^4}{2c^2} - x^2\Big),\qquad S_0 = 1,\ S_i = s(x_i),

with s(x) = q(u), u = clip((x^2 - a^2)/(b^2 - a^2), 0, 1), q(u) = 6u^5 - 15u^4 + 10u^3 (the
quintic smoothstep; s = 0 for |x| <= a, s = 1 for |x| >= b).  Coordinate i is stable (curvature
2L) until coordinate i-1 has left the ball |x_{i-1}| < a, and unstable at 0 (curvature -2 gamma)
afterwards.  Critical points on the chain: z_k = (c, ..., c, 0, ..., 0) (k copies of c), a strict
saddle of index 1 for k < d (the Hessian is diagonal: 4 gamma, ..., 4 gamma, -2 gamma, 2L, ...,
2L) and the global minimum -d gamma c^2 / 2 for k = d (each bracket is >= min phi = phi(c)); signs
of the c's are free, as phi and s are even.

Mechanism (as in Du et al.): from the initial box [-1, 1]^d (inside |x_i| < a), GD with step eta
grows x_1 by a factor 1 + 2 eta gamma per step while every later coordinate shrinks by 1 - 2 eta L;
when x_{i-1} has escaped, x_i has shrunk for all the previous T_{i-1} steps and needs
kappa T_{i-1} steps to grow back, kappa = log(1/(1 - 2 eta L)) / log(1 + 2 eta gamma), so
T_d ~ (1 + kappa)^d.  Perturbed GD (Jin et al.: a uniform draw from the ball of radius r whenever
||grad|| <= g_thres and no perturbation happened in the last t_thres steps) restarts each saddle
from size ~r, so T_PGD ~ d.  Departure from Du et al.: their tube keeps the iterate in a bounded
tube with explicit spline gluing and kappa > 1; here the regions are switched smoothly by s and
kappa < 1 (any kappa > 0 gives exponential growth), chosen so the shrinking coordinates stay far
above float64 underflow (~1e-308) for the dimensions measured: (1 + kappa)^(d-1) 3 kappa < 700.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.errors import DataError
from landscape.landscapes.base import Landscape, Optimum

PGD_GRADIENT_THRESHOLD = 0.05  # Jin et al.'s g_thres: perturb when ||grad|| is below it ...
PGD_RADIUS = 0.1  # ... by a uniform draw from the ball of this radius ...
PGD_WAIT = 10  # ... at most once every this many steps


class Tube(Landscape):
    """The chain-of-saddles function of the module docstring (parameters as named there)."""

    family = "tube"

    def __init__(self, dimension: int, stable: float = 0.6, unstable: float = 1.0,
                 inner: float = 1.5, outer: float = 2.5, minimum: float = 3.0) -> None:
        self.n_params = int(dimension)
        self.stable, self.unstable = float(stable), float(unstable)
        self.inner, self.outer, self.minimum = float(inner), float(outer), float(minimum)
        if self.n_params < 1 or min(self.stable, self.unstable) <= 0 or not (1.0 <= self.inner < self.outer < self.minimum):
            raise DataError(
                f"tube needs dimension >= 1, positive curvatures and 1 <= inner < outer < minimum; got {self.spec()}"
            )

    def _switch(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """s(x) and s'(x)."""
        span = self.outer**2 - self.inner**2
        u = ((x * x - self.inner**2) / span).clamp(0.0, 1.0)
        return u**3 * (10 - 15 * u + 6 * u * u), 30 * u * u * (1 - u) ** 2 * 2 * x / span

    def _phi(self, x: Tensor) -> tuple[Tensor, Tensor]:
        c2 = self.minimum**2
        return self.unstable * (x**4 / (2 * c2) - x * x), self.unstable * (2 * x**3 / c2 - 2 * x)

    def _gates(self, theta: Tensor) -> tuple[Tensor, Tensor]:
        s, ds = self._switch(theta[:, :-1])
        ones, zeros = torch.ones_like(theta[:, :1]), torch.zeros_like(theta[:, :1])
        return torch.cat([ones, s], 1), torch.cat([zeros, ds], 1)  # S_{i-1} and dS_{i-1}/dx_{i-1}

    def loss(self, theta: Tensor) -> Tensor:
        gate, _ = self._gates(theta)
        phi, _ = self._phi(theta)
        return ((1 - gate) * self.stable * theta * theta + gate * phi).sum(1)

    def gradient(self, theta: Tensor) -> Tensor:
        gate, dgate = self._gates(theta)
        phi, dphi = self._phi(theta)
        own = (1 - gate) * 2 * self.stable * theta + gate * dphi
        coupling = dgate * (phi - self.stable * theta * theta)  # d/dx_{i-1} of term i
        return own + torch.cat([coupling[:, 1:], torch.zeros_like(theta[:, :1])], 1)

    def chain(self, k: int) -> np.ndarray:
        """z_k: the first k coordinates at c, the rest 0."""
        point = np.zeros(self.n_params)
        point[:k] = self.minimum
        return point

    def escaped(self, theta: Tensor) -> Tensor:
        """Past the last saddle: every |x_i| >= b (inside the final minimum's region)."""
        return (theta.abs() >= self.outer).all(1)

    def loss_scale(self) -> float:
        return self.n_params * self.unstable * self.minimum**2 / 2

    def spec(self) -> dict[str, Any]:
        return {"family": self.family, "dimension": self.n_params, "stable": self.stable, "unstable": self.unstable,
                "inner": self.inner, "outer": self.outer, "minimum": self.minimum}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Tube:
        return cls(spec["dimension"], spec["stable"], spec["unstable"], spec["inner"], spec["outer"], spec["minimum"])

    def optimum(self) -> Optimum:
        """z_d, where every bracket is at the minimum of phi."""
        return Optimum(-self.n_params * self.unstable * self.minimum**2 / 2, self.chain(self.n_params),
                       "closed form: each bracket >= min phi = -gamma c^2 / 2")


# -- escape times ------------------------------------------------------------------------------


def uniform_starts(dimension: int, count: int, seed: int) -> np.ndarray:
    """``count`` starts uniform on [-1, 1]^d (Du et al.'s initialisation), from ``seed``."""
    return np.random.default_rng(int(seed)).uniform(-1.0, 1.0, (count, dimension))


def tube_gradient(tube: Tube, x: np.ndarray) -> np.ndarray:
    """The gradient of :class:`Tube` in numpy (rows are points): the escape-time loops take
    thousands of steps on small arrays, where numpy's per-call cost is far below torch's.
    Tested equal to :meth:`Tube.gradient` and to autograd."""
    span = tube.outer**2 - tube.inner**2
    u = np.clip((x[:, :-1] ** 2 - tube.inner**2) / span, 0.0, 1.0)
    gate = np.concatenate([np.ones_like(x[:, :1]), u**3 * (10 - 15 * u + 6 * u * u)], 1)
    dgate = 30 * u * u * (1 - u) ** 2 * 2 * x[:, :-1] / span
    c2 = tube.minimum**2
    phi = tube.unstable * (x**4 / (2 * c2) - x * x)
    dphi = tube.unstable * (2 * x**3 / c2 - 2 * x)
    out = (1 - gate) * 2 * tube.stable * x + gate * dphi
    out[:, :-1] += dgate * (phi[:, 1:] - tube.stable * x[:, 1:] ** 2)
    return out


def escape_times(tube: Tube, starts: np.ndarray, step: float, cap: int, noise_seed: int | None = None,
                 active: np.ndarray | None = None) -> np.ndarray:
    """Iterations until each start is past the last saddle (``cap`` + 1 if not within ``cap``).

    ``noise_seed`` None: plain GD.  Otherwise perturbed GD (Jin et al.), its draws from that seed:
    a uniform point of the ball of radius ``PGD_RADIUS`` is added whenever ||grad|| <=
    ``PGD_GRADIENT_THRESHOLD`` and the last perturbation is at least ``PGD_WAIT`` steps old.

    ``active`` (rows x coordinates, boolean; default all) runs several dimensions in one batch:
    a row whose coordinates after its first d are inactive (held at 0, gradient masked) follows
    exactly the d-dimensional tube, since term d+1 and its coupling to x_d vanish at x_{d+1} = 0.
    """
    theta = np.array(starts, dtype=np.float64, ndmin=2)
    batch, size = theta.shape
    mask = np.ones_like(theta, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    theta = np.where(mask, theta, 0.0)
    dims = mask.sum(1, keepdims=True)
    times = np.full(batch, cap + 1, dtype=np.int64)
    rng = None if noise_seed is None else np.random.default_rng(int(noise_seed))
    last = np.full(batch, -PGD_WAIT)
    for t in range(cap + 1):
        done = ((np.abs(theta) >= tube.outer) | ~mask).all(1) & (times > cap)
        times[done] = t
        if (times <= cap).all():
            break
        gradient = np.where(mask, tube_gradient(tube, theta), 0.0)
        theta = theta - step * gradient
        if rng is not None:
            kick = (np.linalg.norm(gradient, axis=1) <= PGD_GRADIENT_THRESHOLD) & (t - last >= PGD_WAIT)
            direction = np.where(mask, rng.standard_normal((batch, size)), 0.0)
            radius = PGD_RADIUS * rng.random((batch, 1)) ** (1.0 / dims)
            draw = radius * direction / np.linalg.norm(direction, axis=1, keepdims=True)
            theta = np.where(kick[:, None], theta + draw, theta)
            last = np.where(kick, t, last)
    return times


@dataclass(frozen=True, slots=True)
class GrowthFit:
    """Least-squares fits of log T against d (exponential model T ~ base^d) and against log d
    (polynomial model T ~ d^exponent), with their coefficients of determination."""

    base: float
    r2_exponential: float
    exponent: float
    r2_polynomial: float

    @property
    def exponential_wins(self) -> bool:
        return self.r2_exponential > self.r2_polynomial


def _r2(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    total = float(((y - y.mean()) ** 2).sum())
    return float(slope), 1.0 - float((residual**2).sum()) / total if total > 0 else 0.0


def growth_fit(dimensions: Any, times: Any) -> GrowthFit:
    """Fit both models to (d, T) pairs (T > 0)."""
    d = np.asarray(dimensions, dtype=np.float64)
    log_t = np.log(np.asarray(times, dtype=np.float64))
    slope, r2_exp = _r2(d, log_t)
    exponent, r2_poly = _r2(np.log(d), log_t)
    return GrowthFit(math.exp(slope), r2_exp, exponent, r2_poly)


@dataclass(frozen=True, slots=True)
class EscapeTable:
    """Median escape times per dimension for GD and perturbed GD, and the run settings."""

    dimensions: tuple[int, ...]
    gd: tuple[float, ...]
    pgd: tuple[float, ...]
    stable: float
    step: float
    starts: int
    seed: int
    cap: int

    def fits(self) -> tuple[GrowthFit, GrowthFit]:
        return growth_fit(self.dimensions, self.gd), growth_fit(self.dimensions, self.pgd)

    def as_dict(self) -> dict[str, Any]:
        return {"dimensions": list(self.dimensions), "gd": list(self.gd), "pgd": list(self.pgd), "stable": self.stable,
                "step": self.step, "starts": self.starts, "seed": self.seed, "cap": self.cap}


def measure_table(dimensions: list[int], stable: float, step: float, starts: int, seed: int, cap: int) -> EscapeTable:
    """Median escape times of GD and PGD over ``starts`` uniform starts for each dimension, all
    dimensions in one batch (see :func:`escape_times`); the starts of dimension d come from
    ``seed + d``, the perturbations from ``seed + 1000``."""
    tube, top = Tube(max(dimensions), stable), max(dimensions)
    rows, mask = np.zeros((len(dimensions) * starts, top)), np.zeros((len(dimensions) * starts, top), dtype=bool)
    for index, d in enumerate(dimensions):
        rows[index * starts : (index + 1) * starts, :d] = uniform_starts(d, starts, seed + d)
        mask[index * starts : (index + 1) * starts, :d] = True
    gd = escape_times(tube, rows, step, cap, active=mask).reshape(len(dimensions), starts)
    pgd = escape_times(tube, rows, step, cap, noise_seed=seed + 1000, active=mask).reshape(len(dimensions), starts)
    median = lambda times: tuple(float(v) for v in np.median(times, axis=1))
    return EscapeTable(tuple(dimensions), median(gd), median(pgd), stable, step, starts, seed, cap)


def table_from_dict(data: dict[str, Any]) -> EscapeTable:
    return EscapeTable(tuple(int(d) for d in data["dimensions"]), tuple(map(float, data["gd"])), tuple(map(float, data["pgd"])),
                       float(data["stable"]), float(data["step"]), int(data["starts"]), int(data["seed"]), int(data["cap"]))


# Witness criteria (named; see gd_dynamics): GD's log T is linear in d with R^2 >= this and the
# exponential model fits better than the polynomial one; PGD's the other way round, of low degree.
EXPONENTIAL_R2 = 0.97
POLYNOMIAL_DEGREE = 2.0


def growth_verdict(table: EscapeTable) -> dict[str, bool]:
    gd, pgd = table.fits()
    censored = max(table.gd + table.pgd) > table.cap
    return {
        "gd-exponential": not censored and gd.base > 1.0 and gd.r2_exponential >= EXPONENTIAL_R2 and gd.exponential_wins,
        "pgd-polynomial": not censored and not pgd.exponential_wins and pgd.exponent <= POLYNOMIAL_DEGREE,
    }
