r"""The activations of the catalogue, by name: each as a torch function and as an exact sympy
expression in :data:`T`, so that small instances have an exact symbolic oracle.

One table serves every family: the single neuron of seed 001 Prop IV.1 and Fig. 2 takes the
activations marked ``single_neuron``; the fully connected networks of seed 001 eq. (1) take them
all, adding the strictly monotone ones onto R (identity, asinh; leaky ReLU and t^3 are in both) of
§IV-D, ReQU (Thm VI.2), exp (the exponential neuron, Thm VI.1) and the tilted sine (Prop IV.3's
neuron).  The interval oracle encloses the same activations on balls
(:mod:`landscape.oracles.interval.activations`, keyed by these names).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy
import torch
from torch import Tensor

from landscape.errors import InvalidArgument

T = sympy.Symbol("t", real=True)
DerivativeBounds = tuple[float, float, float, float, float]


@dataclass(frozen=True, slots=True)
class Activation:
    """An activation as a torch function and as an exact sympy expression in ``T``.

    Attributes:
        name: the name families and specs use.
        torch_fn: the activation on float64 tensors, elementwise.
        expression: the same function, exactly, in the symbol :data:`T`.
        formula: a short text of it for reports.
        single_neuron: whether the single-neuron family takes it.
        derivative_bounds: (A, B, s1, s2, s3) with |sigma(t)| <= A + B|t| and s_k the sup of
            |sigma^(k)| (tested on a grid), for the analytic third-derivative bound of the loss;
            ``None`` where the activation has none (kinks, unbounded derivatives).
    """

    name: str
    torch_fn: Callable[[Tensor], Tensor]
    expression: sympy.Expr
    formula: str
    single_neuron: bool = False
    derivative_bounds: DerivativeBounds | None = None


def _leaky(t: Tensor) -> Tensor:
    return torch.where(t >= 0, t, 0.1 * t)


def _requ(t: Tensor) -> Tensor:
    return torch.relu(t) ** 2


_TILT = math.sqrt(3.0) / 2.0 - math.pi / 6.0
_SIGMOID_BOUNDS = (1.0, 0.0, 0.25, 1.0 / (6.0 * math.sqrt(3.0)), 0.125)

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", torch.relu, sympy.Max(T, 0), "max(t, 0)", single_neuron=True),
        Activation("square", lambda t: t * t, T**2, "t^2", single_neuron=True),
        Activation("square-plus-one", lambda t: t * t + 1.0, T**2 + 1, "t^2 + 1", single_neuron=True),
        Activation("negative-shifted-square", lambda t: -((t - 1.0) ** 2) / 8.0, -((T - 1) ** 2) / 8, "-(t-1)^2/8", single_neuron=True),
        Activation("sigmoid", torch.sigmoid, 1 / (1 + sympy.exp(-T)), "1/(1+e^-t)", single_neuron=True,
                   derivative_bounds=_SIGMOID_BOUNDS),
        Activation("tanh", torch.tanh, sympy.tanh(T), "tanh t", single_neuron=True,
                   derivative_bounds=(1.0, 0.0, 1.0, 4.0 / (3.0 * math.sqrt(3.0)), 2.0)),
        Activation("softplus", torch.nn.functional.softplus, sympy.log(1 + sympy.exp(T)), "log(1+e^t)", single_neuron=True,
                   derivative_bounds=(math.log(2.0), 1.0, 1.0, 0.25, 1.0 / (6.0 * math.sqrt(3.0)))),
        Activation("leaky-relu", _leaky, sympy.Piecewise((T, T >= 0), (T / 10, True)), "max(t, t/10)", single_neuron=True),
        Activation("cube", lambda t: t**3, T**3, "t^3", single_neuron=True),
        Activation("swish", lambda t: t * torch.sigmoid(t), T / (1 + sympy.exp(-T)), "t/(1+e^-t)", single_neuron=True),
        Activation("gaussian-well", lambda t: 1.0 - torch.exp(-t * t), 1 - sympy.exp(-(T**2)), "1 - e^{-t^2}", single_neuron=True),
        Activation("identity", lambda t: t, T, "t", derivative_bounds=(0.0, 1.0, 1.0, 0.0, 0.0)),
        Activation("asinh", torch.asinh, sympy.asinh(T), "asinh t",
                   derivative_bounds=(0.0, 1.0, 1.0, 2.0 / (3.0 * math.sqrt(3.0)), 1.0)),
        Activation("requ", _requ, sympy.Max(T, 0) ** 2, "max(t, 0)^2"),
        Activation("exp", torch.exp, sympy.exp(T), "e^t"),
        # Not monotone: local minima at -2pi/3 + 2pi k with values pi(k - 1/2) (Prop IV.3's neuron).
        Activation("tilted-sine", lambda t: t / 2 + torch.sin(t) + _TILT, T / 2 + sympy.sin(T) + sympy.sqrt(3) / 2 - sympy.pi / 6,
                   "t/2 + sin t + sqrt(3)/2 - pi/6",
                   derivative_bounds=(1.0 + abs(math.sqrt(3.0) / 2.0 - math.pi / 6.0), 0.5, 1.5, 1.0, 1.0)),
    )
}
NEURON_ACTIVATIONS: dict[str, Activation] = {name: a for name, a in ACTIVATIONS.items() if a.single_neuron}


def activation_named(name: str, among: Mapping[str, Activation] = ACTIVATIONS) -> Activation:
    """The activation called ``name`` in ``among`` (default: every one), or a one-line refusal."""
    try:
        return among[name]
    except KeyError:
        raise InvalidArgument(f"unknown activation {name!r}; choose one of: {', '.join(among)}") from None
