r"""The catalogue's activations on Arb balls: t -> (phi(t), phi'(t), phi''(t)), each enclosed.

Kinked activations (ReLU, leaky ReLU, ReQU) are smooth away from 0 only; a ball containing the
kink raises :class:`~landscape.oracles.interval.jets.NotSmooth`, so a proof never runs across it.
"""

from __future__ import annotations

from collections.abc import Callable

from flint import arb

from landscape.oracles.interval.jets import NotSmooth

Triple = tuple[arb, arb, arb]
BallActivation = Callable[[arb], Triple]


def _side(t: arb, name: str) -> int:
    if t > 0:
        return 1
    if t < 0:
        return -1
    raise NotSmooth(f"{name}: the pre-activation ball {t.str(5, radius=True)} contains the kink at 0")


def _relu(t: arb) -> Triple:
    return (t, arb(1), arb(0)) if _side(t, "relu") > 0 else (arb(0), arb(0), arb(0))


def _leaky(t: arb) -> Triple:
    return (t, arb(1), arb(0)) if _side(t, "leaky-relu") > 0 else (t / 10, arb(1) / 10, arb(0))


def _requ(t: arb) -> Triple:
    return (t * t, 2 * t, arb(2)) if _side(t, "requ") > 0 else (arb(0), arb(0), arb(0))


def _sigmoid(t: arb) -> Triple:
    # s = 1/(1 + e^-t) written through tanh(t/2) keeps the ball tight for large |t|.
    s = (1 + (t / 2).tanh()) / 2
    first = s * (1 - s)
    return s, first, first * (1 - 2 * s)


def _tanh(t: arb) -> Triple:
    u = t.tanh()
    first = 1 - u * u
    return u, first, -2 * u * first


def _softplus(t: arb) -> Triple:
    s = (1 + (t / 2).tanh()) / 2
    return (1 + t.exp()).log(), s, s * (1 - s)


def _swish(t: arb) -> Triple:
    s, ds, dds = _sigmoid(t)
    return t * s, s + t * ds, 2 * ds + t * dds


def _gaussian_well(t: arb) -> Triple:
    e = (-(t * t)).exp()
    return 1 - e, 2 * t * e, (2 - 4 * t * t) * e


def _asinh(t: arb) -> Triple:
    root = (1 + t * t).sqrt()
    return t.asinh(), 1 / root, -t / (root * root * root)


def _tilted_sine(t: arb) -> Triple:
    sin, cos = t.sin_cos()
    tilt = arb(3).sqrt() / 2 - arb.pi() / 6
    return t / 2 + sin + tilt, 1 / arb(2) + cos, -sin


def _exp(t: arb) -> Triple:
    e = t.exp()
    return e, e, e


BALL_ACTIVATIONS: dict[str, BallActivation] = {
    "relu": _relu,
    "leaky-relu": _leaky,
    "requ": _requ,
    "square": lambda t: (t * t, 2 * t, arb(2)),
    "square-plus-one": lambda t: (t * t + 1, 2 * t, arb(2)),
    "negative-shifted-square": lambda t: (-((t - 1) * (t - 1)) / 8, -(t - 1) / 4, arb(-1) / 4),
    "cube": lambda t: (t * t * t, 3 * t * t, 6 * t),
    "identity": lambda t: (t, arb(1), arb(0)),
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "softplus": _softplus,
    "swish": _swish,
    "gaussian-well": _gaussian_well,
    "asinh": _asinh,
    "tilted-sine": _tilted_sine,
    "exp": _exp,
}
