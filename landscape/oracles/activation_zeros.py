r"""Symbolic oracle for seed 001 Prop IV.1: which zeros of an activation are local extrema?

For a zero t_0 of phi, the sign of phi just right and just left of t_0 is read off the leading
term of the one-sided expansion :math:`\phi(t_0 \pm h)`, h > 0 (sympy ``series``; piecewise
activations resolve their branch because h is declared positive).  t_0 is a local extremum of
phi iff phi does not take strictly opposite signs on the two sides (a side on which phi is
identically zero counts as either sign).  Zeros forming an interval (a dead ReLU) are extrema at
every interior point.

The same side signs decide the witness of a bad minimum: at w_0 = t_0/x and v_0 with
sign(v_0) * s = -sign(y) (s the non-zero side sign), v * phi(wx) * y <= 0 for every (w, v) near
(w_0, v_0), hence F = y^2 - 2 y v phi + (v phi)^2 >= y^2 = F(w_0, v_0) > 0 = inf F.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from landscape.errors import InvalidArgument
from landscape.landscapes.activations import Activation, T

SERIES_ORDER = 8
H = sympy.Symbol("h", positive=True)


@dataclass(frozen=True, slots=True)
class Zero:
    """A zero t_0 of phi (an interior point when the zeros form an interval).

    Attributes:
        location: exact t_0.
        interval: whether t_0 is interior to an interval of zeros.
        left, right: sign of phi just left / right of t_0 (-1, 0 or +1).
    """

    location: sympy.Expr
    interval: bool
    left: int
    right: int

    @property
    def is_extremum(self) -> bool:
        return self.left * self.right >= 0

    @property
    def side_sign(self) -> int:
        """The sign phi takes near t_0 (0 if it vanishes on both sides)."""
        return self.right or self.left


def side_sign(expression: sympy.Expr, t0: sympy.Expr, side: int) -> int:
    """Sign of phi(t_0 + side * h) for all small h > 0, exactly."""
    shifted = sympy.simplify(expression.subs(T, t0 + side * H))
    if shifted == 0:
        return 0
    expansion = sympy.series(shifted, H, 0, SERIES_ORDER).removeO()
    if expansion == 0:
        raise InvalidArgument(f"phi - phi(t0) vanishes to order {SERIES_ORDER} at t0 = {t0} without being zero")
    lowest = min(sympy.Poly(expansion, H).monoms())[0]
    coefficient = sympy.Poly(expansion, H).coeff_monomial(H**lowest)
    return 1 if coefficient > 0 else -1


def zeros(activation: Activation) -> list[Zero]:
    """Every zero of phi (one interior representative per interval), with its side signs."""
    solutions = sympy.solveset(activation.expression, T, sympy.S.Reals)
    parts = solutions.args if isinstance(solutions, sympy.Union) else (solutions,)
    found: list[Zero] = []
    for part in parts:
        if part is sympy.S.EmptySet:
            continue
        if isinstance(part, sympy.FiniteSet):
            for t0 in part:
                right = side_sign(activation.expression, t0, 1)
                left = side_sign(activation.expression, t0, -1)
                found.append(Zero(t0, False, left, right))
        elif isinstance(part, sympy.Interval):
            found.append(Zero(_interior(part), True, 0, 0))
        else:
            raise InvalidArgument(f"the zero set {part} of {activation.formula} is not a finite set or an interval")
    return found


def _interior(interval: sympy.Interval) -> sympy.Expr:
    low, high = interval.start, interval.end
    if low.is_infinite and high.is_infinite:
        return sympy.Integer(0)
    if low.is_infinite:
        return high - 1
    if high.is_infinite:
        return low + 1
    return (low + high) / 2


def predicts_bad_minimum(activation: Activation) -> Zero | None:
    """Prop IV.1's criterion: a zero of phi that is a local extremum (returned), or None."""
    return next((z for z in zeros(activation) if z.is_extremum), None)
