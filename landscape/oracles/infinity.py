r"""Decreasing paths to infinity (seed 001 §VI-B, end): curves theta(k), k >= 1, with
||theta(k)|| -> infinity and F(theta(k)) strictly decreasing to a level c > inf F.

Such paths are found for a loss given only as a function by a search over *power-law curves*
theta_i(k) = s_i k^{b_i} (signs s_i, exponents b_i in a half-integer grid).  Power laws are the
leading terms of the Puiseux expansions that the curve-selection lemma at infinity provides for
semi-algebraic losses (polynomial networks), so for those the search is over the right shapes;
for other losses it is a heuristic family.  A candidate is kept when, in float64 on a geometric
grid k = 1 .. 10^6, F strictly decreases (until its change drops to rounding level, after which
it must not increase), the norm grows without bound (some b_i > 0), the values
settle (the last decade changes F by less than a fraction of the gap) and the final value stays
above a known better point's loss by a margin: the level c is sub-optimal.

For polynomial losses (a registered sympy form) the path is then *proved*: with k = u^2 every
coordinate is a Laurent monomial in u, F(theta(u^2)) is a rational function of u, and
dF/du < 0 on [1, infinity) is shown by counting the real roots of its numerator there
(Sturm, exact) and its sign at u = 1; the limit of F and of ||theta||^2 as u -> infinity are
computed exactly.  Checks ``power-law-path`` (float64) and ``exact-path-decrease`` (sympy) replay.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy
import torch

from landscape.landscapes.base import DTYPE, Landscape

EXPONENTS = (-1.0, -0.5, 0.0, 0.5, 1.0)
GRID = np.geomspace(1.0, 1e6, 49)
SETTLE_FRACTION = 0.05  # F(last decade start) - F(end) must be below this x (F(end) - better loss)
STRICT_DROP = 1e-14  # relative decrease required between grid points (above float64 rounding)


@dataclass(frozen=True, slots=True)
class PowerLawPath:
    """theta_i(k) = signs_i * k^exponents_i, and its float64 figures on :data:`GRID`."""

    signs: tuple[float, ...]
    exponents: tuple[float, ...]
    start_loss: float
    end_loss: float

    def points(self, grid: np.ndarray = GRID) -> np.ndarray:
        return np.asarray(self.signs)[None, :] * grid[:, None] ** np.asarray(self.exponents)[None, :]

    def as_args(self) -> dict[str, Any]:
        return {"signs": list(self.signs), "exponents": list(self.exponents)}


def path_values(landscape: Landscape, signs: np.ndarray, exponents: np.ndarray, grid: np.ndarray = GRID) -> np.ndarray:
    """F along the power-law path at the grid points, batched over paths: (C, P) -> (C, K)."""
    points = signs[:, None, :] * grid[None, :, None] ** exponents[:, None, :]
    flat = torch.as_tensor(points.reshape(-1, points.shape[-1]), dtype=DTYPE)
    return landscape.loss(flat).numpy().reshape(points.shape[0], grid.size)


def is_decreasing_escape(values: np.ndarray, exponents: np.ndarray, better_loss: float, scale: float) -> np.ndarray:
    """Row mask: decreasing (strictly wherever F is still above its final value by more than
    rounding; never increasing beyond rounding), the first grid steps strict, escaping (max
    exponent > 0), settled, and ending above ``better_loss``."""
    rounding = STRICT_DROP * np.maximum(scale, np.abs(values[:, :-1]))
    drops = values[:, :-1] - values[:, 1:]
    active = (values[:, :-1] - values[:, -1:]) > 1e3 * rounding
    decreasing = ((drops > rounding) | ~active).all(axis=1) & (drops > -rounding).all(axis=1) & active[:, :8].all(axis=1)
    escaping = exponents.max(axis=1) > 0
    gap = values[:, -1] - better_loss
    decade = GRID.size // 6
    settled = (values[:, -1 - decade] - values[:, -1]) < SETTLE_FRACTION * gap
    return decreasing & escaping & settled & (gap > 1e-6 * scale)


def find_power_law_paths(landscape: Landscape, better_loss: float) -> list[PowerLawPath]:
    """Every power-law path over the sign and exponent grids that passes
    :func:`is_decreasing_escape`, simplest first (fewest growing coordinates, smallest |b|)."""
    size = landscape.n_params
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=size)))
    exponents = np.array(list(itertools.product(EXPONENTS, repeat=size)))
    combos_s = np.repeat(signs, len(exponents), axis=0)
    combos_b = np.tile(exponents, (len(signs), 1))
    values = path_values(landscape, combos_s, combos_b)
    keep = is_decreasing_escape(values, combos_b, better_loss, landscape.loss_scale())
    found = [PowerLawPath(tuple(s), tuple(b), float(v[0]), float(v[-1]))
             for s, b, v in zip(combos_s[keep], combos_b[keep], values[keep])]
    return sorted(found, key=lambda p: (sum(b > 0 for b in p.exponents), sum(abs(b) for b in p.exponents), p.signs))




def _rational(value: float) -> sympy.Rational:
    fraction = Fraction(value).limit_denominator(64)
    return sympy.Rational(fraction.numerator, fraction.denominator)


def exact_path_proof(landscape: Landscape, signs: list[float], exponents: list[float]) -> dict[str, Any] | None:
    """The sympy proof of the module docstring, or ``None`` when the family has no symbolic form."""
    form = landscape.symbolic_form()
    if form is None:
        return None
    symbols, expression = form
    u = sympy.Symbol("u", positive=True)
    path = [_rational(s) * u ** (2 * _rational(b)) for s, b in zip(signs, exponents)]
    along = sympy.together(sympy.expand(expression.subs(dict(zip(symbols, path)))))
    slope = sympy.together(sympy.diff(along, u))
    numerator, denominator = sympy.fraction(slope)
    numerator_poly = sympy.Poly(sympy.expand(numerator), u)
    denominator_poly = sympy.Poly(sympy.expand(denominator), u)
    roots = numerator_poly.count_roots(1, None) if numerator_poly.degree() > 0 else 0
    slope_at_one = slope.subs(u, 1)
    denominator_positive = denominator_poly.count_roots(1, None) == 0 and denominator_poly.eval(1) > 0
    norm_squared = sum(c**2 for c in path)
    return {
        "strictly_decreasing": bool(roots == 0 and slope_at_one < 0 and denominator_positive),
        "limit": sympy.limit(along, u, sympy.oo),
        "norm_limit": sympy.limit(norm_squared, u, sympy.oo),
        "start": along.subs(u, 1),
        "numerator_degree": numerator_poly.degree(),
    }
