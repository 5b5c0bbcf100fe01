"""Loss landscapes: a loss over a flat parameter vector, evaluated for a batch of points at once.

Every oracle, search and classifier in the harness speaks to a landscape through
:class:`Landscape`: ``loss``, ``gradient`` and ``hessian`` take a ``(B, P)`` tensor of
parameter points and return ``(B,)``, ``(B, P)`` and ``(B, P, P)`` tensors.  A family only has
to define the loss of one point; :class:`TorchLandscape` derives batched gradients and Hessians
with ``torch.func`` and directional Taylor coefficients with nested forward-mode derivatives.
Families with closed forms (deep linear networks) override those for speed and exactness.

A family's facts live on its class: its global :meth:`~Landscape.optimum`, its exact
:meth:`~Landscape.symbolic_form`, its :meth:`~Landscape.polynomial_degree` and the
:meth:`~Landscape.zero_set_bound` of the path certificates, each ``None`` where unknown.  Each
landscape describes itself as a JSON-serialisable ``spec``; the class that names a ``family``
registers itself under that name when it is defined, and :func:`landscape_from_spec` rebuilds
an instance through that class's :meth:`~Landscape.from_spec`, which is how certificates replay.
"""

from __future__ import annotations

import functools
import importlib
import math
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor

from landscape.errors import DataError, InvalidArgument

DTYPE = torch.float64
HESSIAN_CHUNK_BYTES = 256 * 2**20  # bound on the batched Hessian's intermediate tensors


@dataclass(frozen=True, slots=True)
class Optimum:
    """The global minimum of a landscape.

    Attributes:
        value: the infimum of the loss.
        point: a global minimiser as a flat parameter vector, when one is constructed.
        method: how the value was obtained (shown in certificates).
    """

    value: float
    point: np.ndarray | None
    method: str


class Landscape(ABC):
    """A twice-differentiable loss on R^P, evaluated in batches.

    Subclasses define :meth:`loss` (batched) or :meth:`loss_single`; the rest has defaults.  A
    subclass that sets ``family`` in its body claims that name (see :func:`landscape_from_spec`);
    one that inherits it (a variant of a family) claims nothing.
    """

    family: ClassVar[str]
    n_params: int
    # True where ``taylor_coefficients`` is a closed form (all orders at once, cheaply): the
    # leading term is then read off it instead of from nested derivatives, order by order.
    exact_taylor: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "family" in vars(cls):
            _claim_family(cls)

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

    def exact_taylor_at(self, theta: Tensor) -> bool:
        """Whether the Taylor coefficients at ``theta`` come in closed form (one evaluation, not
        nested derivatives): the family's :attr:`exact_taylor` unless a subclass knows better."""
        return self.exact_taylor

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

    def level_set_tangents(self, theta: np.ndarray) -> np.ndarray | None:
        """First-order tangents ``(P, m)`` of a set through ``theta`` on which the loss is constant
        by construction and which may be larger than the symmetry orbit (for a loss of a product
        W_L ... W_1: the kernel of the product's differential), or ``None``.  Never trusted: the
        classifier measures each direction's distance to the set (:meth:`level_set_defects`)."""
        return None

    def level_set_defects(
        self, theta: np.ndarray, directions: np.ndarray, lengths: tuple[float, ...]
    ) -> tuple[np.ndarray, float] | None:
        """For the set of :meth:`level_set_tangents`: dist(theta + t d, set) / t for each unit
        direction (row of ``directions``) and step t (column), and the largest relative residual
        of the points found in the set; ``None`` where the family declares no such set."""
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

    # -- the family's facts (None where unknown) and how it is rebuilt ----------------------

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Landscape:
        """Rebuild an instance from its :meth:`spec` (a missing field may raise ``KeyError``).

        The class that names a family defines it; an inherited one would rebuild the parent."""
        raise _not_rebuildable(cls)

    def optimum(self) -> Optimum | None:
        """The global minimum of the loss (value, and a minimiser where known), or ``None``
        where the family has no oracle for it."""
        return None

    def symbolic_form(self) -> tuple[list[Any], Any] | None:
        """``(symbols, expression)``: the loss as an exact sympy polynomial in one symbol per
        parameter, the data as exact rationals; ``None`` where the family has none."""
        return None

    def polynomial_degree(self) -> int | None:
        """The degree of the loss as a polynomial in theta, or ``None`` if it is not one (then
        a path's segments are sampled instead of bounded exactly)."""
        return None

    def zero_set_bound(self, coordinate: int) -> float | None:
        """A lower bound of the loss on the hyperplane {theta_coordinate = 0}, or ``None`` if
        unknown (a separating coordinate of two sublevel-set components needs one)."""
        return None


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


PACKAGE = __name__.rpartition(".")[0]  # landscape.landscapes: every family is defined in it
_FAMILIES: dict[str, type[Landscape]] = {}


def _claim_family(cls: type[Landscape]) -> None:
    """Register ``cls`` under its family; a name claimed by another class is refused.

    The same class defined again (its module imported again: a user's file re-imported by
    pytest, a test's local class on a second run) replaces its earlier self."""
    earlier = _FAMILIES.get(cls.family)
    if earlier is not None and (earlier.__module__, earlier.__qualname__) != (cls.__module__, cls.__qualname__):
        raise InvalidArgument(
            f"landscape family {cls.family!r} is defined twice: by {earlier.__qualname__} ({earlier.__module__}) "
            f"and {cls.__qualname__} ({cls.__module__}); pick another name"
        )
    _FAMILIES[cls.family] = cls


@functools.cache
def _is_harness_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == PACKAGE.split(".")[0] and all(part.isidentifier() for part in parts)


def _import_families() -> None:
    """Import every module of the landscapes package, so that each family class is defined."""
    package = importlib.import_module(PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{PACKAGE}.{module.name}")


def landscape_from_spec(spec: dict[str, Any]) -> Landscape:
    """Rebuild a landscape from its :meth:`Landscape.spec`; unknown families are a DataError.

    The families are those of the landscapes package (all imported here first), of any other
    module this process has imported that defines a :class:`Landscape` with a family, and of the
    harness module a spec names (``"module"``: a catalogue family that defines its loss in its own
    module; see :func:`~landscape.landscapes.builders.spec_of`).  A module outside the harness is
    never imported from a spec."""
    _import_families()
    family = spec.get("family") if isinstance(spec, dict) else None
    module = spec.get("module") if isinstance(spec, dict) else None
    if family not in _FAMILIES and isinstance(module, str) and _is_harness_module(module):
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    if family not in _FAMILIES:
        known = ", ".join(sorted(_FAMILIES))
        raise DataError(f"unknown landscape family {family!r}; known families: {known}")
    cls = _FAMILIES[family]
    if "from_spec" not in vars(cls):
        raise _not_rebuildable(cls)
    try:
        return cls.from_spec(spec)
    except KeyError as exc:
        raise DataError(f"landscape spec of family {family!r} lacks field {exc}") from None


def _not_rebuildable(cls: type[Landscape]) -> DataError:
    return DataError(
        f"landscape family {cls.family!r} cannot be rebuilt from its spec: {cls.__qualname__} ({cls.__module__}) "
        "defines no from_spec(spec); define that classmethod"
    )
