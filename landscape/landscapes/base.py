"""Loss landscapes: a loss over a flat parameter vector, evaluated for a batch of points at once.

Every oracle, search and classifier in the harness speaks to a landscape through
:class:`Landscape`: ``loss``, ``gradient`` and ``hessian`` take a ``(B, P)`` tensor of
parameter points and return ``(B,)``, ``(B, P)`` and ``(B, P, P)`` tensors.  A family only has
to define the loss of one point; :class:`TorchLandscape` derives batched gradients and Hessians
with ``torch.func`` and directional Taylor coefficients with nested forward-mode derivatives.
Families with closed forms (deep linear networks) override those for speed and exactness.

Each landscape can describe itself as a JSON-serialisable ``spec`` and be rebuilt from it by
:func:`landscape_from_spec`, which is how certificates replay.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from landscape.errors import DataError, InvalidArgument

DTYPE = torch.float64
HESSIAN_CHUNK_BYTES = 256 * 2**20  # bound on the batched Hessian's intermediate tensors


class Landscape(ABC):
    """A twice-differentiable loss on R^P, evaluated in batches.

    Subclasses define :meth:`loss` (batched) or :meth:`loss_single`; the rest has defaults.
    """

    family: ClassVar[str]
    n_params: int
    # True where ``taylor_coefficients`` is a closed form (all orders at once, cheaply): the
    # leading term is then read off it instead of from nested derivatives, order by order.
    exact_taylor: ClassVar[bool] = False

    @abstractmethod
    def loss(self, theta: Tensor) -> Tensor:
        """Loss at each row of ``theta`` ``(B, P)``; returns ``(B,)``."""

    def loss_single(self, theta: Tensor) -> Tensor:
        """Loss at one point ``(P,)``; a scalar tensor (used by ``torch.func`` transforms)."""
        return self.loss(theta.unsqueeze(0)).squeeze(0)

    def gradient(self, theta: Tensor) -> Tensor:
        """Gradient at each row of ``theta``; ``(B, P)``.

        Rows are independent, so the gradient of the *summed* loss holds every row's gradient:
        one reverse pass for the whole batch (several times faster than ``vmap(grad)``).
        """
        with torch.enable_grad():
            point = theta.detach().requires_grad_(True)
            return torch.autograd.grad(self.loss(point).sum(), point)[0]

    def hessian_vector_products(self, theta: Tensor, vectors: Tensor) -> Tensor:
        """H(theta_b) v_b for every row b: forward-over-reverse on the summed loss; ``(B, P)``."""
        summed_gradient = torch.func.grad(lambda x: self.loss(x).sum())
        return torch.func.jvp(summed_gradient, (theta,), (vectors,))[1]

    def hessian(self, theta: Tensor) -> Tensor:
        """Full Hessian at each row of ``theta``; ``(B, P, P)``, symmetrised.

        Column i of every Hessian in the batch is one batched Hessian-vector product with e_i;
        the P products are vmapped, and the batch is cut into chunks so that the ``(P, B, P)``
        intermediate stays under ``HESSIAN_CHUNK_BYTES``.
        """
        batch, size = theta.shape
        chunk = max(1, HESSIAN_CHUNK_BYTES // max(1, size * size * theta.element_size() * 4))
        blocks = []
        summed_gradient = torch.func.grad(lambda x: self.loss(x).sum())
        for start in range(0, batch, chunk):
            part = theta[start : start + chunk]
            basis = torch.eye(size, dtype=theta.dtype, device=theta.device).unsqueeze(1).expand(size, part.shape[0], size)
            columns = torch.func.vmap(lambda v: torch.func.jvp(summed_gradient, (part,), (v,))[1])(basis)
            blocks.append(columns.permute(1, 2, 0))
        h = torch.cat(blocks) if blocks else theta.new_zeros((0, size, size))
        return 0.5 * (h + h.transpose(-1, -2))

    def taylor_coefficients(self, theta: Tensor, direction: Tensor, order: int) -> list[float]:
        """Coefficients c_k of f(theta + t d) = sum_k c_k t^k for k = 0..order (float64).

        The default takes k nested forward-mode derivatives (cost doubles with each order);
        polynomial families override it with exact coefficient arithmetic.
        """
        def along(t: Tensor) -> Tensor:
            return self.loss_single(theta + t * direction)

        coefficients = []
        derivative: Callable[[Tensor], Tensor] = along
        t0 = torch.zeros((), dtype=theta.dtype, device=theta.device)
        for k in range(order + 1):
            coefficients.append(float(derivative(t0)) / math.factorial(k))
            derivative = _differentiate(derivative)
        return coefficients

    def leading_taylor_term(
        self, theta: Tensor, direction: Tensor, floor: float, max_order: int
    ) -> tuple[int | None, list[float]]:
        """The lowest order k >= 1 with |c_k| > ``floor`` along ``direction`` (or None), and the
        coefficients c_0..c_k computed so far.  Orders are computed one at a time and the search
        stops at the first non-zero one, since each nested derivative doubles the cost."""
        if self.exact_taylor:
            coefficients = self.taylor_coefficients(theta, direction, max_order)
            for k in range(1, max_order + 1):
                if abs(coefficients[k]) > floor:
                    return k, coefficients[: k + 1]
            return None, coefficients

        def along(t: Tensor) -> Tensor:
            return self.loss_single(theta + t * direction)

        coefficients: list[float] = []
        derivative: Callable[[Tensor], Tensor] = along
        t0 = torch.zeros((), dtype=theta.dtype, device=theta.device)
        for k in range(max_order + 1):
            coefficients.append(float(derivative(t0)) / math.factorial(k))
            if k >= 1 and abs(coefficients[-1]) > floor:
                return k, coefficients
            derivative = _differentiate(derivative)
        return None, coefficients

    def flat_directions(self, theta: np.ndarray) -> np.ndarray | None:
        """Tangents ``(P, m)`` of a symmetry orbit through ``theta`` along which the loss is
        exactly constant, or ``None`` when the family has no known symmetry."""
        return None

    @abstractmethod
    def loss_scale(self) -> float:
        """A positive loss value typical of the instance, used to make tolerances relative."""

    @abstractmethod
    def spec(self) -> dict[str, Any]:
        """JSON-serialisable description from which :func:`landscape_from_spec` rebuilds it."""

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        """``count`` random starting points (float64, CPU), standard normal times ``scale``."""
        return scale * torch.randn(count, self.n_params, generator=generator, dtype=DTYPE)


def loss_at(landscape: Landscape, point: Any) -> float:
    """The loss at one point given as an array of floats, evaluated in float64."""
    return float(landscape.loss(torch.as_tensor(np.asarray(point, dtype=np.float64), dtype=DTYPE)[None])[0])


def losses_at(landscape: Landscape, points: Any) -> np.ndarray:
    """The loss at each row of ``points`` (an array of floats), evaluated in float64."""
    return landscape.loss(torch.as_tensor(np.asarray(points, dtype=np.float64), dtype=DTYPE)).numpy()


def _differentiate(function: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    def derivative(t: Tensor) -> Tensor:
        return torch.func.jvp(function, (t,), (torch.ones_like(t),))[1]

    return derivative


def as_finite_matrix(name: str, value: Any, rows: int | None = None) -> np.ndarray:
    """``value`` as a 2-D float64 array, or a :class:`DataError` naming what is wrong."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} is not a numeric matrix ({exc}); pass a 2-D array of floats") from None
    if array.ndim != 2:
        raise DataError(f"{name} has shape {array.shape}; pass a 2-D array (features x samples)")
    bad = ~np.isfinite(array)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataError(
            f"{name}[{i}, {j}] = {array[i, j]} is not finite; remove or impute non-finite entries"
        )
    if rows is not None and array.shape[0] != rows:
        raise DataError(f"{name} has {array.shape[0]} rows but the architecture needs {rows}")
    return array


class DeepLinear(Landscape):
    r"""Deep linear network with squared loss, in covariance form.

    .. math::
        R(W) = \frac1n \|Y - W_L \cdots W_1 X\|_F^2
             = \operatorname{tr}(S_{yy}) - 2\langle S_{yx}, Z\rangle + \langle Z S_{xx}, Z\rangle,
        \quad Z = W_L\cdots W_1,

    with :math:`S_{xx} = XX^\top/n`, :math:`S_{yx} = YX^\top/n`, :math:`S_{yy} = YY^\top/n`
    (seed 003 eq. (1.29)-(1.30); seed 001 problem (3) without the 1/n, which changes no
    critical point or verdict).  ``widths = (d_0, d_1, ..., d_L)``; layer ``l`` is
    ``W_l`` of shape ``(d_l, d_{l-1})``, stored row-major, layer 1 first, in ``theta``.
    """

    family = "deep-linear"
    exact_taylor = True

    def __init__(self, widths: tuple[int, ...] | list[int], x: Any, y: Any) -> None:
        widths = tuple(int(w) for w in widths)
        if len(widths) < 2 or min(widths) < 1:
            raise InvalidArgument(
                f"widths={widths!r} must list at least two positive sizes (d_0, ..., d_L)"
            )
        self.widths = widths
        self.x = as_finite_matrix("X", x, rows=widths[0])
        self.y = as_finite_matrix("Y", y, rows=widths[-1])
        if self.x.shape[1] != self.y.shape[1]:
            raise DataError(
                f"X has {self.x.shape[1]} samples (columns) but Y has {self.y.shape[1]}; "
                "pass one column per sample in both"
            )
        n = self.x.shape[1]
        if n == 0:
            raise DataError(f"X and Y have no samples (shapes {self.x.shape} and {self.y.shape}); pass at least one column")
        with np.errstate(over="ignore", invalid="ignore"):
            self.sxx = self.x @ self.x.T / n
            self.syx = self.y @ self.x.T / n
            self.syy = self.y @ self.y.T / n
        if not all(np.isfinite(m).all() for m in (self.sxx, self.syx, self.syy)):
            largest = max(float(np.abs(self.x).max()), float(np.abs(self.y).max()))
            raise DataError(
                f"the covariances of X and Y overflow float64 (largest entry {largest:.3g}); rescale the data "
                "(e.g. standardise it)"
            )
        self.shapes = [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
        self.n_params = sum(a * b for a, b in self.shapes)
        # Built here, outside any torch.func transform: a tensor cached from inside one escapes it.
        self._cpu = (torch.as_tensor(self.sxx, dtype=DTYPE), torch.as_tensor(self.syx, dtype=DTYPE))
        self._trace_syy = float(np.trace(self.syy))

    @property
    def depth(self) -> int:
        """Number of weight layers L."""
        return len(self.shapes)

    def spec(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "widths": list(self.widths),
            "X": self.x.tolist(),
            "Y": self.y.tolist(),
        }

    def loss_scale(self) -> float:
        return max(float(np.trace(self.syy)), float(np.finfo(np.float64).tiny))

    def _data(self, like: Tensor) -> tuple[Tensor, Tensor, float]:
        sxx, syx = self._cpu
        if like.device != sxx.device or like.dtype != sxx.dtype:
            sxx, syx = sxx.to(like.device, like.dtype), syx.to(like.device, like.dtype)
        return sxx, syx, self._trace_syy

    def layers(self, theta: Tensor) -> list[Tensor]:
        """Split ``(B, P)`` into the weight matrices ``W_1, ..., W_L``, each ``(B, d_l, d_{l-1})``."""
        out, start = [], 0
        for rows, cols in self.shapes:
            out.append(theta[:, start : start + rows * cols].reshape(-1, rows, cols))
            start += rows * cols
        return out

    def flatten(self, layers: list[Tensor]) -> Tensor:
        """Inverse of :meth:`layers`."""
        return torch.cat([w.reshape(w.shape[0], -1) for w in layers], dim=1)

    def product(self, theta: Tensor) -> Tensor:
        """End-to-end matrix ``Z = W_L ... W_1``, ``(B, d_L, d_0)``."""
        layers = self.layers(theta)
        z = layers[0]
        for w in layers[1:]:
            z = w @ z
        return z

    def loss(self, theta: Tensor) -> Tensor:
        sxx, syx, tr_syy = self._data(theta)
        z = self.product(theta)
        return tr_syy - 2.0 * (syx * z).sum((-1, -2)) + ((z @ sxx) * z).sum((-1, -2))

    def gradient(self, theta: Tensor) -> Tensor:
        # dR/dW_l = (W_L..W_{l+1})^T  2(Z Sxx - Syx)  (W_{l-1}..W_1)^T, written into one buffer
        # (no identity products, no concatenation: at large B these dominated the step).
        sxx, syx, _ = self._data(theta)
        layers = self.layers(theta)
        prefix = [layers[0]]  # prefix[i] = W_{i+1} ... W_1
        for w in layers[1:]:
            prefix.append(w @ prefix[-1])
        left = 2.0 * (prefix[-1] @ sxx - syx)  # (W_L..W_{l+1})^T G, built from the top down
        out = torch.empty_like(theta)
        stop = self.n_params
        for index in range(self.depth - 1, -1, -1):
            grad = left if index == 0 else left @ prefix[index - 1].transpose(-1, -2)
            rows, cols = self.shapes[index]
            out[:, stop - rows * cols : stop] = grad.reshape(-1, rows * cols)
            stop -= rows * cols
            if index:
                left = layers[index].transpose(-1, -2) @ left
        return out

    def taylor_coefficients(self, theta: Tensor, direction: Tensor, order: int) -> list[float]:
        """Exact (up to rounding) coefficients of the degree-2L polynomial t -> R(theta + t d)."""
        sxx, syx, tr_syy = self._data(theta)
        points = self.layers(theta.unsqueeze(0))
        steps = self.layers(direction.unsqueeze(0))
        z_coeffs = [points[0][0], steps[0][0]]  # Z(t) = sum_k Z_k t^k
        for w, d in zip(points[1:], steps[1:]):
            w, d = w[0], d[0]
            nxt = [w @ z_coeffs[0]]
            for k in range(1, len(z_coeffs)):
                nxt.append(w @ z_coeffs[k] + d @ z_coeffs[k - 1])
            nxt.append(d @ z_coeffs[-1])
            z_coeffs = nxt
        degree = 2 * self.depth
        coefficients = [0.0] * (degree + 1)
        coefficients[0] = tr_syy
        for i, zi in enumerate(z_coeffs):
            coefficients[i] -= 2.0 * float((syx * zi).sum())
            for j, zj in enumerate(z_coeffs):
                coefficients[i + j] += float(((zi @ sxx) * zj).sum())
        return (coefficients + [0.0] * max(0, order - degree))[: order + 1]

    def flat_directions(self, theta: np.ndarray) -> np.ndarray:
        """Tangents of the orbit W_l -> A_l W_l A_{l-1}^{-1} (A_l invertible, hidden l).

        The product, hence the loss, is constant along the whole orbit; its tangent at theta is
        spanned by dW_l = E W_l, dW_{l+1} = -W_{l+1} E for unit matrices E of each hidden width.
        """
        point = torch.as_tensor(theta, dtype=DTYPE).reshape(1, -1)
        layers = [w[0] for w in self.layers(point)]
        columns = []
        for hidden in range(self.depth - 1):  # between layer `hidden` and `hidden + 1`
            width = self.widths[hidden + 1]
            for i in range(width):
                for j in range(width):
                    tangent = [torch.zeros_like(w) for w in layers]
                    tangent[hidden][i, :] = layers[hidden][j, :]
                    tangent[hidden + 1][:, j] = -layers[hidden + 1][:, i]
                    columns.append(torch.cat([t.reshape(-1) for t in tangent]))
        if not columns:
            return np.zeros((self.n_params, 0))
        return torch.stack(columns, dim=1).numpy()

    def symmetry_invariant(self, theta: np.ndarray) -> np.ndarray:
        """The end-to-end product W_L ... W_1, constant on each orbit of :meth:`flat_directions`
        (distinct critical points are counted up to this symmetry)."""
        return self.product(torch.as_tensor(theta, dtype=DTYPE)[None])[0].reshape(-1).numpy()

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        """Xavier-scaled layers, each start multiplied by a random factor in [0.2, 2] x ``scale``."""
        layers = []
        for rows, cols in self.shapes:
            layers.append(
                torch.randn(count, rows, cols, generator=generator, dtype=DTYPE) / math.sqrt(cols)
            )
        factor = 0.2 + 1.8 * torch.rand(count, 1, generator=generator, dtype=DTYPE)
        return scale * factor * self.flatten(layers)


LandscapeFactory = Callable[[dict[str, Any]], Landscape]
_FAMILIES: dict[str, LandscapeFactory] = {}


def register_family(name: str, factory: LandscapeFactory) -> None:
    """Make ``landscape_from_spec`` able to rebuild landscapes of family ``name``."""
    if name in _FAMILIES and _FAMILIES[name] is not factory:
        raise InvalidArgument(f"landscape family {name!r} is registered twice; pick another name")
    _FAMILIES[name] = factory


def landscape_from_spec(spec: dict[str, Any]) -> Landscape:
    """Rebuild a landscape from its :meth:`Landscape.spec`; unknown families are a DataError."""
    family = spec.get("family") if isinstance(spec, dict) else None
    if family not in _FAMILIES:
        known = ", ".join(sorted(_FAMILIES))
        raise DataError(f"unknown landscape family {family!r}; known families: {known}")
    try:
        return _FAMILIES[family](spec)
    except KeyError as exc:
        raise DataError(f"landscape spec of family {family!r} lacks field {exc}") from None


register_family(
    DeepLinear.family, lambda spec: DeepLinear(spec["widths"], spec["X"], spec["Y"])
)
