r"""Interval forms of the catalogue's loss families: the loss written on jets of Arb balls.

:func:`interval_form` returns, for a landscape, a function ``balls -> Jet`` that encloses the
loss, its gradient and (``second_order=True``) its Hessian over the box the balls describe, or
``None`` where the family has no interval form yet: then certificates stay at float64 and say so.
A user landscape (a torch function) can supply its own form as a method
``interval_jet(balls, second_order) -> Jet`` written with :mod:`landscape.oracles.interval.jets`.

Data enter as the exact binary floats stored in the landscape; derived data (covariances, 1/n)
are computed in ball arithmetic, never rounded in float64 first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flint import arb, arb_mat

from landscape.landscapes.deep_linear import DeepLinear
from landscape.landscapes.mlp import MLP
from landscape.landscapes.networks import ReluTeacher, SigmoidNet, SingleNeuron
from landscape.oracles.interval import jets
from landscape.oracles.interval.activations import BALL_ACTIVATIONS
from landscape.oracles.interval.jets import Jet

IntervalForm = Callable[[Sequence[arb], bool], Jet]


def interval_form(landscape: Any) -> IntervalForm | None:
    """The interval form of ``landscape``, or ``None`` (the reason is :func:`missing_form_reason`)."""
    supplied = getattr(landscape, "interval_jet", None)
    if callable(supplied):
        return supplied
    builder = _FORMS.get(type(landscape))  # the class itself: a subclass may change the loss
    if builder is _mlp and landscape.loss_name not in ("squared", "logistic"):
        return None  # the polynomial hinge's max(0, .) has no ball arithmetic here
    return None if builder is None else builder(landscape)


def missing_form_reason(landscape: Any) -> str:
    family = getattr(landscape, "family", type(landscape).__name__)
    return (f"family {family!r} has no interval form (loss, gradient and Hessian in ball arithmetic); "
            "a user landscape can supply one as interval_jet(balls, second_order)")


def _activation(name: str) -> Callable[[Jet], Jet]:
    return jets.unary(BALL_ACTIVATIONS[name])


# -- deep linear networks ---------------------------------------------------------------------


def _deep_linear(landscape: Any) -> IntervalForm:
    """R(W) = tr S_yy - 2<S_yx, Z> + <Z S_xx, Z>, Z = W_L ... W_1, covariances in ball arithmetic."""
    x = arb_mat(landscape.x.tolist())
    y = arb_mat(landscape.y.tolist())
    n = arb(landscape.x.shape[1])
    sxx = (x * x.transpose()) * (1 / n)
    syx = (y * x.transpose()) * (1 / n)
    trace = sum(((y * y.transpose()) * (1 / n))[i, i] for i in range(y.nrows()))

    def form(balls: Sequence[arb], second_order: bool) -> Jet:
        theta = jets.variables(balls, second_order)
        layers, start = [], 0
        for rows, cols in landscape.shapes:
            layers.append([[theta[start + r * cols + c] for c in range(cols)] for r in range(rows)])
            start += rows * cols
        z: list[list[Any]] = layers[0]
        for w in layers[1:]:
            z = [[jets.dot(row, [z[k][c] for k in range(len(z))]) for c in range(len(z[0]))] for row in w]
        total: Any = jets.constant(trace, len(balls), second_order)
        for r, row in enumerate(z):
            for c, entry in enumerate(row):
                total = total - entry * (2 * syx[r, c])
                zs = jets.dot(row, [sxx[k, c] for k in range(sxx.nrows())])
                total = total + zs * entry
        return total

    return form


# -- single neuron, sigmoid nets, fully connected nets ------------------------------------------


def _single_neuron(landscape: Any) -> IntervalForm:
    phi = _activation(landscape.activation.name)

    def form(balls: Sequence[arb], second_order: bool) -> Jet:
        w, v = jets.variables(balls, second_order)
        return (arb(landscape.y) - v * phi(w * arb(landscape.x))).square()

    return form


def _sigmoid_net(landscape: Any) -> IntervalForm:
    """F(W, v) = sum_i (y_i - sum_j v_j sigma(w_j . x_i))^2 (no 1/n, as the family)."""
    sigma = _activation("sigmoid")
    x, y, p, d = landscape.x, landscape.y, landscape.width, landscape.d

    def form(balls: Sequence[arb], second_order: bool) -> Jet:
        theta = jets.variables(balls, second_order)
        w = [theta[j * d : (j + 1) * d] for j in range(p)]
        v = theta[p * d :]
        total: Any = jets.constant(0, len(balls), second_order)
        for i in range(landscape.n):
            sample = [float(value) for value in x[:, i]]
            output = jets.dot(v, [sigma(_affine(w[j], sample, 0)) for j in range(p)])
            total = total + (arb(float(y[i])) - output).square()
        return total

    return form


def _affine(weights: Sequence[Jet], sample: Sequence[float], bias: Any) -> Jet:
    pre = jets.dot(weights, sample)
    total = pre + bias if not (isinstance(bias, int) and bias == 0) else pre
    if not isinstance(total, Jet):  # every input was 0: a constant pre-activation
        return jets.constant(total, weights[0].size, weights[0].hess is not None) if weights else total
    return total


def _mlp(landscape: Any) -> IntervalForm:
    """The empirical loss (2) of the fully connected net (1): squared or logistic, biases as stored."""
    phi = _activation(landscape.activation.name)
    softplus = _activation("softplus")

    def form(balls: Sequence[arb], second_order: bool) -> Jet:
        theta = jets.variables(balls, second_order)
        total: Any = jets.constant(0, len(balls), second_order)
        count = len(landscape.layers)
        for i in range(landscape.n):
            z: list[Any] = [float(value) for value in landscape.x[:, i]]
            for k, (rows, cols, start, end) in enumerate(landscape.layers):
                has_bias = end > start + rows * cols
                pre = [_affine(theta[start + r * cols : start + (r + 1) * cols], z,
                               theta[start + rows * cols + r] if has_bias else 0) for r in range(rows)]
                z = pre if k == count - 1 else [phi(value) for value in pre]
            labels = [float(value) for value in landscape.y[:, i]]
            if landscape.loss_name == "squared":
                for label, out in zip(labels, z):
                    total = total + (arb(label) - out).square()
            else:
                total = total + softplus(z[0] * (-labels[0]))
        return total * (1 / arb(landscape.n))

    return form


# -- two-layer ReLU student-teacher population loss ---------------------------------------------


def _relu_pair(a: Sequence[Jet], b: Sequence[Jet] | None, axis: int = 0) -> Jet:
    r"""2 pi E[[a x]_+ [b x]_+] = sqrt(|a|^2|b|^2 - (a.b)^2) + (pi - arccos c)(a.b), c = a.b/(|a||b|);
    ``b = None`` is the teacher row e_axis.  Smooth while a, b are non-zero and not parallel."""
    aa = jets.dot(a, a)
    if b is None:
        ab, bb = a[axis], 1
    else:
        ab, bb = jets.dot(a, b), jets.dot(b, b)
    gram = aa * bb - ab * ab
    cosine = ab / jets.sqrt(aa * bb) if b is not None else ab / jets.sqrt(aa)
    return jets.sqrt(gram) + (arb.pi() - jets.acos(cosine)) * ab


def _relu_teacher(landscape: Any) -> IntervalForm:
    r"""F(W) = (1/2)[sum_i |w_i|^2/2 + 2 sum_{i<j} f(w_i, w_j) - 2 sum_{i,j} f(w_i, e_j) + c_k], f the
    arc-cosine kernel and c_k = k/2 + k(k-1)/(2 pi) the teacher's own term.  Each kernel term depends
    on one or two rows, so it is differentiated in those 2d (or d) coordinates and scattered into
    the P x P enclosure: the same enclosure as a full jet at a fraction of the cost."""
    k, n = landscape.k, landscape.students
    two_pi = 2 * arb.pi()

    def form(balls: Sequence[arb], second_order: bool) -> Jet:
        size = len(balls)
        value = arb(k) / 2 + arb(k * (k - 1)) / two_pi
        grad, hess = arb_mat(size, 1), arb_mat(size, size) if second_order else None
        terms: list[tuple[list[int], Jet, arb]] = []
        for i in range(n):
            rows = list(range(i * k, (i + 1) * k))
            local = jets.variables([balls[c] for c in rows], second_order)
            terms.append((rows, jets.dot(local, local), arb(1) / 2))
            for axis in range(k):
                terms.append((rows, _relu_pair(local, None, axis), -2 / two_pi))
            for j in range(i + 1, n):
                other = list(range(j * k, (j + 1) * k))
                pair = jets.variables([balls[c] for c in rows + other], second_order)
                terms.append((rows + other, _relu_pair(pair[:k], pair[k:]), 2 / two_pi))
        for indices, term, weight in terms:
            value += weight * term.value
            for a, row in enumerate(indices):
                grad[row, 0] += weight * term.grad[a, 0]
                if hess is not None:
                    for b, col in enumerate(indices):
                        hess[row, col] += weight * term.hess[a, b]
        half = arb(1) / 2
        return Jet(value * half, grad * half, None if hess is None else hess * half)

    return form


_FORMS: dict[type, Callable[[Any], IntervalForm]] = {
    DeepLinear: _deep_linear,
    SingleNeuron: _single_neuron,
    SigmoidNet: _sigmoid_net,
    MLP: _mlp,
    ReluTeacher: _relu_teacher,
}
