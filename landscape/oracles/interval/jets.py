r"""Second-order jets in Arb ball arithmetic: value, gradient and Hessian of a loss, enclosed.

A :class:`Jet` is the triple :math:`(f, \nabla f, \nabla^2 f)` of a function of the parameters,
each entry an Arb ball (python-flint ``arb``; gradient and Hessian are ``arb_mat``).  Arithmetic
and elementary functions propagate the triple by the chain rule,

.. math::
    \nabla(\phi\circ f) = \phi'(f)\nabla f,\qquad
    \nabla^2(\phi\circ f) = \phi'(f)\nabla^2 f + \phi''(f)\,\nabla f\,\nabla f^\top,\qquad
    \nabla^2(fg) = f\nabla^2 g + g\nabla^2 f + \nabla f\nabla g^\top + \nabla g\nabla f^\top,

so that evaluating a loss on jets seeded with the balls of a box X encloses
:math:`\{\nabla^2 F(x) : x \in X\}` (interval automatic differentiation; Rall 1981, Moore,
Kearfott and Cloud 2009 §9).  Every Arb operation rounds outwards, so each enclosure is
rigorous, not merely accurate.  ``order=1`` jets skip the Hessian (a gradient at a point).

Why Arb and not mpmath's ``iv`` context: on the catalogue's sizes python-flint runs scalar ball
operations about 70x and an interval matrix product over 1000x faster (``landscape bench``,
``interval_backend_speedup``; figures in docs/interval.md), and it has the elementary functions
the families need (``tanh``, ``acos``), which ``iv`` lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flint import arb, arb_mat

from landscape.errors import InvalidArgument

Number = arb | float | int


class NotSmooth(InvalidArgument):
    """A jet met a point where the function is not twice differentiable over the whole ball."""


@dataclass(slots=True)
class Jet:
    """``value`` (arb), ``grad`` (n x 1 arb_mat) and ``hess`` (n x n arb_mat, or None at order 1)."""

    value: arb
    grad: arb_mat
    hess: arb_mat | None

    @property
    def size(self) -> int:
        return self.grad.nrows()

    def _lift(self, other: Jet | Number) -> Jet:
        if isinstance(other, Jet):
            return other
        return constant(other, self.size, self.hess is not None)

    def __add__(self, other: Jet | Number) -> Jet:
        if not isinstance(other, Jet):
            return Jet(self.value + other, self.grad, self.hess)
        hess = None if self.hess is None else self.hess + other.hess
        return Jet(self.value + other.value, self.grad + other.grad, hess)

    __radd__ = __add__

    def __neg__(self) -> Jet:
        return Jet(-self.value, -self.grad, None if self.hess is None else -self.hess)

    def __sub__(self, other: Jet | Number) -> Jet:
        return self + (-other)

    def __rsub__(self, other: Number) -> Jet:
        return (-self) + other

    def __mul__(self, other: Jet | Number) -> Jet:
        if not isinstance(other, Jet):
            scale = arb(other)
            return Jet(self.value * scale, self.grad * scale, None if self.hess is None else self.hess * scale)
        grad = self.grad * other.value + other.grad * self.value
        hess = None
        if self.hess is not None:
            cross = self.grad * other.grad.transpose()
            hess = self.hess * other.value + other.hess * self.value + cross + cross.transpose()
        return Jet(self.value * other.value, grad, hess)

    __rmul__ = __mul__

    def __truediv__(self, other: Jet | Number) -> Jet:
        if not isinstance(other, Jet):
            return self * (1 / arb(other))
        return self * reciprocal(other)

    def __rtruediv__(self, other: Number) -> Jet:
        return reciprocal(self) * other

    def square(self) -> Jet:
        return apply(self, self.value * self.value, 2 * self.value, arb(2))


def constant(value: Number, size: int, second_order: bool = True) -> Jet:
    return Jet(arb(value), arb_mat(size, 1), arb_mat(size, size) if second_order else None)


def variables(balls: Sequence[arb], second_order: bool = True) -> list[Jet]:
    """One jet per coordinate: x_i with gradient e_i and zero Hessian."""
    size = len(balls)
    out = []
    for i, ball in enumerate(balls):
        grad = arb_mat(size, 1)
        grad[i, 0] = 1
        out.append(Jet(arb(ball), grad, arb_mat(size, size) if second_order else None))
    return out


def apply(jet: Jet, value: arb, first: arb, second: arb) -> Jet:
    """phi(jet) given phi, phi', phi'' enclosed over the ball of ``jet.value``."""
    hess = None
    if jet.hess is not None:
        hess = jet.hess * first + (jet.grad * jet.grad.transpose()) * second
    return Jet(value, jet.grad * first, hess)


def unary(function: Callable[[arb], tuple[arb, arb, arb]]) -> Callable[[Jet], Jet]:
    """Lift ``t -> (phi(t), phi'(t), phi''(t))`` on balls to jets."""

    def lifted(jet: Jet) -> Jet:
        return apply(jet, *function(jet.value))

    return lifted


def _excludes_zero(t: arb, what: str) -> None:
    if not (t > 0 or t < 0):
        raise NotSmooth(f"{what}: its argument {t.str(5, radius=True)} contains 0")


def _reciprocal(t: arb) -> tuple[arb, arb, arb]:
    _excludes_zero(t, "1/t")
    inverse = 1 / t
    return inverse, -inverse * inverse, 2 * inverse * inverse * inverse


def _sqrt(t: arb) -> tuple[arb, arb, arb]:
    if not t > 0:
        raise NotSmooth(f"sqrt t: its argument {t.str(5, radius=True)} is not positive")
    root = t.sqrt()
    return root, 1 / (2 * root), -1 / (4 * root * t)


def _exp(t: arb) -> tuple[arb, arb, arb]:
    value = t.exp()
    return value, value, value


def _sin(t: arb) -> tuple[arb, arb, arb]:
    sin, cos = t.sin_cos()
    return sin, cos, -sin


def _acos(t: arb) -> tuple[arb, arb, arb]:
    """arccos on (-1, 1): (arccos t)' = -1/sqrt(1 - t^2), (arccos t)'' = -t/(1 - t^2)^{3/2}."""
    gap = 1 - t * t
    if not gap > 0:
        raise NotSmooth(f"arccos t: its argument {t.str(5, radius=True)} reaches +-1")
    root = gap.sqrt()
    return t.acos(), -1 / root, -t / (gap * root)


reciprocal = unary(_reciprocal)
sqrt = unary(_sqrt)
exp = unary(_exp)
sin = unary(_sin)
acos = unary(_acos)


def dot(left: Sequence[Jet | Number], right: Sequence[Jet | Number]) -> Jet | Number:
    """sum_i left_i right_i, skipping exact zeros (weights of data that are 0)."""
    total: Jet | Number = 0
    for a, b in zip(left, right):
        if isinstance(a, (int, float)) and a == 0 or isinstance(b, (int, float)) and b == 0:
            continue
        total = total + a * b
    return total
