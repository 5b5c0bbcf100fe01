"""Symbolic oracle: exact loss, gradient, Hessian and Taylor expansions with sympy.

Points and data are float64 numbers, and every float64 is a dyadic rational, so converting
with ``sympy.Rational(float)`` is exact: the symbolic oracle evaluates the *same* instance at
the *same* point as the numerical oracle, without rounding.  It is slow (polynomial
arithmetic), so it serves small instances: cross-checks of the numerical oracle, exact
certificates at special points (the origin), exact critical sets of toy losses.

A family writes its loss as ``(symbols, expression)`` in the method
:meth:`~landscape.landscapes.base.Landscape.symbolic_form` of its class; :class:`SymbolicLandscape`
does the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy

from landscape.errors import InvalidArgument
from landscape.landscapes.base import Landscape
from landscape.landscapes.exact import exact, exact_matrix

__all__ = ["SymbolicLandscape", "decreases_along_ray", "exact", "exact_matrix", "leading_term"]


class SymbolicLandscape:
    """Exact evaluation of a landscape's loss and derivatives at rational points."""

    def __init__(self, landscape: Landscape) -> None:
        form = landscape.symbolic_form()
        if form is None:
            raise InvalidArgument(
                f"no symbolic form for landscape family {landscape.family!r}; "
                "define symbolic_form() on its class"
            )
        self.landscape = landscape
        self.symbols, expression = form
        self.polynomial = sympy.Poly(sympy.expand(expression), *self.symbols)
        self._gradient: list[sympy.Poly] | None = None

    @property
    def expression(self) -> sympy.Expr:
        return self.polynomial.as_expr()

    def _point(self, point: Sequence[float]) -> list[sympy.Rational]:
        if len(point) != len(self.symbols):
            raise InvalidArgument(
                f"point has {len(point)} coordinates but the landscape has {len(self.symbols)} parameters"
            )
        return [exact(v) for v in point]

    def gradient_polynomials(self) -> list[sympy.Poly]:
        if self._gradient is None:
            self._gradient = [self.polynomial.diff(s) for s in self.symbols]
        return self._gradient

    def loss(self, point: Sequence[float]) -> sympy.Rational:
        return self.polynomial.eval(dict(zip(self.symbols, self._point(point))))

    def gradient(self, point: Sequence[float]) -> list[sympy.Rational]:
        values = dict(zip(self.symbols, self._point(point)))
        return [g.eval(values) if g.total_degree() >= 0 else sympy.Integer(0) for g in self.gradient_polynomials()]

    def hessian(self, point: Sequence[float]) -> sympy.Matrix:
        values = dict(zip(self.symbols, self._point(point)))
        size = len(self.symbols)
        rows = [[sympy.Integer(0)] * size for _ in range(size)]
        for i, g in enumerate(self.gradient_polynomials()):
            for j in range(i, size):
                entry = g.diff(self.symbols[j]).eval(values)
                rows[i][j] = rows[j][i] = sympy.Rational(entry)
        return sympy.Matrix(rows)

    def taylor_expansion(self, point: Sequence[float], order: int) -> list[sympy.Expr]:
        """Homogeneous parts T_0, ..., T_order of f(point + h) in the displacement symbols
        ``h_i`` (``self.displacements``), exactly: T_1 is the gradient form, T_2 half the
        Hessian form, and T_3, T_4, ... decide critical points the Hessian cannot."""
        self.displacements = [sympy.Symbol(f"h_{s.name}", real=True) for s in self.symbols]
        shift = {s: b + h for s, b, h in zip(self.symbols, self._point(point), self.displacements)}
        shifted = sympy.Poly(self.polynomial.as_expr().subs(shift), *self.displacements)
        parts = [sympy.Integer(0)] * (order + 1)
        for monomial, coefficient in shifted.terms():
            degree = sum(monomial)
            if degree <= order:
                term = coefficient
                for h, power in zip(self.displacements, monomial):
                    term *= h**power
                parts[degree] += term
        return parts

    def taylor(self, point: Sequence[float], direction: Sequence[float]) -> list[sympy.Rational]:
        """All coefficients of the polynomial t -> f(point + t direction), exactly."""
        t = sympy.Symbol("t")
        base, step = self._point(point), self._point(direction)
        substitution = {s: b + t * d for s, b, d in zip(self.symbols, base, step)}
        univariate = sympy.Poly(self.polynomial.as_expr().subs(substitution), t)
        return [sympy.Rational(c) for c in reversed(univariate.all_coeffs())]


def leading_term(coefficients: Sequence[sympy.Rational]) -> tuple[int, sympy.Rational] | None:
    """(order, coefficient) of the first non-zero coefficient of order >= 1, or None."""
    for order, value in enumerate(coefficients):
        if order >= 1 and value != 0:
            return order, value
    return None


def decreases_along_ray(coefficients: Sequence[sympy.Rational]) -> int | None:
    """If f(x + t d) - f(x) < 0 for all small t of some sign, return that sign (+1 or -1).

    The lowest-order non-zero term decides: odd order => one sign of t decreases;
    even order => decreases (both signs) iff its coefficient is negative.  This is exact.
    """
    lead = leading_term(coefficients)
    if lead is None:
        return None
    order, value = lead
    if order % 2 == 1:
        return -1 if value > 0 else 1
    return 1 if value < 0 else None
