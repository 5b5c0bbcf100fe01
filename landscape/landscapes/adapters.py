"""Landscapes from a user's own definitions: a Python loss function, or a torch module.

Two adapters turn a user's definition into a :class:`~landscape.landscapes.base.Landscape`:

* :func:`from_function` — ``loss(theta, data) -> scalar tensor``, with ``theta`` a 1-D float64
  tensor of ``n_params`` entries and ``data`` a dict of float64 tensors;
* :func:`from_module` — a ``torch.nn.Module`` whose parameters are the point, data ``x`` (one row
  per sample), targets ``y``, and a loss of (prediction, y) (``"mse"`` by default).

Both validate their data up front (finite numbers, no empty arrays, consistent shapes) and
evaluate the loss at the origin and 8 fixed starts, which must give finite float64 values (an
``int64`` or ``float32`` loss is refused, naming the user's function), so a mistake is a one-line
:class:`~landscape.errors.DataError` or :class:`~landscape.errors.InvalidArgument` rather than a
failure, or a hang, deep inside a search.  Above the dense threshold
(:data:`~landscape.limits.MATRIX_FREE_PARAMS`) the harness asks only for Hessian-vector products,
computed by reverse-over-reverse like :meth:`UserLandscape.hessian`.  Batched
gradients, Hessians and Taylor coefficients come from ``torch.func`` (the loss must be written
with torch operations: no ``.item()``, no Python ``if`` on tensor values).

Certificates must replay in another process, so a user landscape is built by a module-level
function decorated with :func:`~landscape.landscapes.builders.builder`; its spec records that
function's file, name and arguments (see :mod:`landscape.landscapes.builders`).
"""

from __future__ import annotations

import hashlib
import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor

from landscape.errors import DataError, InvalidArgument
from landscape.landscapes.base import DTYPE, HESSIAN_CHUNK_BYTES, Landscape, Optimum
from landscape.landscapes.builders import FAMILY, origin_spec, rebuild

FINITE_HINT = "a generator should draw finite numbers, e.g. st.floats(allow_nan=False, allow_infinity=False)"
LossFunction = Callable[[Tensor, dict[str, Tensor]], Tensor]
OptimumSpec = float | Callable[["UserLandscape"], float] | None
FlatDirections = Callable[[np.ndarray], np.ndarray]


def finite_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 array, or a :class:`DataError` naming the first non-finite entry."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} is not numeric ({_one_line(exc)}); pass an array of floats") from None
    bad = ~np.isfinite(array)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise DataError(
            f"{name}{list(where) if where else ''} = {array[where]} is not finite; "
            f"remove or impute non-finite values ({FINITE_HINT})"
        )
    return array


def nonempty_array(name: str, value: Any) -> np.ndarray:
    """:func:`finite_array`, refusing an array with no entries (a loss of no data is constant)."""
    array = finite_array(name, value)
    if array.size == 0:
        raise DataError(f"{name} is empty (shape {array.shape}); pass at least one sample")
    return array


def function_name(function: Any) -> str:
    """``name (file.py:LINE)`` of a user's function, for messages that point at the user's code."""
    target = getattr(function, "__func__", function)
    name = getattr(target, "__qualname__", None) or type(target).__name__
    try:
        file, line = inspect.getsourcefile(target), inspect.getsourcelines(target)[1]
    except (TypeError, OSError):
        return f"`{name}`"
    return f"`{name}` ({file.rsplit('/', 1)[-1] if file else '?'}:{line})"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class UserLandscape(Landscape):
    """Common part of the adapters: data on each device, optimum, scale, repr and spec.

    Attributes:
        n_params: dimension P of the parameter space.
        data: the validated data as float64 numpy arrays, by name.
        origin: set by :func:`~landscape.landscapes.builders.builder`; what a certificate records.
    """

    family = FAMILY

    def __init__(
        self,
        n_params: int,
        data: Mapping[str, Any],
        optimum: OptimumSpec,
        loss_scale: float | None,
        init_scale: float,
        flat_directions: FlatDirections | None,
    ) -> None:
        if not isinstance(n_params, int) or isinstance(n_params, bool) or n_params < 1:
            raise InvalidArgument(f"n_params={n_params!r} must be a positive integer (the number of parameters)")
        if not (isinstance(init_scale, (int, float)) and math.isfinite(init_scale) and init_scale > 0):
            raise InvalidArgument(f"init_scale={init_scale!r} must be a positive number (the spread of random starts)")
        if not isinstance(data, Mapping):
            raise DataError(f"data must be a mapping of names to arrays, not {type(data).__name__}")
        self.n_params = n_params
        self.data = {str(name): nonempty_array(f"data[{name!r}]", value) for name, value in data.items()}
        self._optimum_spec = optimum
        self._init_scale = float(init_scale)
        self._flat = flat_directions
        self._on_device: dict[str, dict[str, Tensor]] = {}
        self.origin: dict[str, Any] | None = None
        self._tensors("cpu")
        self._validate()
        self._scale = self._checked_scale(loss_scale, self._trial_losses())

    def _validate(self) -> None:
        """Checks of the data against the definition, before the loss is first evaluated."""

    # -- data ------------------------------------------------------------------------------

    def _tensors(self, device: torch.device | str) -> dict[str, Tensor]:
        """The data as float64 tensors on ``device`` (moved once, outside any torch.func transform)."""
        key = str(device)
        if key not in self._on_device:
            self._on_device[key] = {name: torch.as_tensor(a, dtype=DTYPE, device=device) for name, a in self.data.items()}
        return self._on_device[key]

    def loss(self, theta: Tensor) -> Tensor:
        self._tensors(theta.device)
        return torch.func.vmap(self.loss_single)(theta)

    def hessian(self, theta: Tensor) -> Tensor:
        """Reverse-over-reverse: the gradient's backward pass along each unit vector, batched
        (``is_grads_batched``); symmetrised.  Unlike the base class's forward-over-reverse, this
        never evaluates the loss inside a ``torch.func`` transform, where the data cache of
        :meth:`_tensors` must not be filled.  (The gradient is the base class's.)  The unit
        vectors go in blocks whose batched backward pass stays near ``HESSIAN_CHUNK_BYTES``."""
        batch, size = theta.shape
        block = max(1, HESSIAN_CHUNK_BYTES // max(1, 8 * batch * size * theta.element_size()))
        with torch.enable_grad():
            point = theta.detach().requires_grad_(True)
            gradient = torch.autograd.grad(self.loss(point).sum(), point, create_graph=True)[0]
            eye = torch.eye(size, dtype=point.dtype, device=point.device)
            parts = []
            for first in range(0, size, block):
                basis = eye[first : first + block].unsqueeze(1).expand(-1, batch, size)
                parts.append(torch.autograd.grad(gradient, point, basis, is_grads_batched=True, retain_graph=True)[0].detach())
            rows = torch.cat(parts).transpose(0, 1)
        return 0.5 * (rows + rows.transpose(-1, -2))

    def hessian_vector_products(self, theta: Tensor, vectors: Tensor) -> Tensor:
        """H(theta_b) v_b for every row b by reverse-over-reverse (no ``torch.func`` transform,
        for the reason :meth:`hessian` gives); ``(B, P)``, O(B P) memory."""
        with torch.enable_grad():
            point = theta.detach().requires_grad_(True)
            gradient = torch.autograd.grad(self.loss(point).sum(), point, create_graph=True)[0]
            return torch.autograd.grad(gradient, point, vectors.detach())[0].detach()

    # -- what the classifier and the certificates need -------------------------------------

    def loss_scale(self) -> float:
        return self._scale

    def _checked_scale(self, loss_scale: float | None, values: Tensor) -> float:
        """The user's ``loss_scale``, or the mean |loss| over the origin and 8 fixed random starts."""
        if loss_scale is not None:
            if not (isinstance(loss_scale, (int, float)) and math.isfinite(loss_scale) and loss_scale > 0):
                raise InvalidArgument(f"loss_scale={loss_scale!r} must be a positive finite number")
            return float(loss_scale)
        finite = values[torch.isfinite(values)]
        if finite.numel() == 0:  # NaN at every trial point: no scale to read; the search counts the NaN candidates
            return 1.0
        typical = float(finite.abs().mean())
        if not math.isfinite(typical):
            raise DataError(
                f"the mean |loss| over the trial points overflows float64 ({typical}); rescale the data "
                "(e.g. standardise it) or pass loss_scale"
            )
        return max(typical, float(np.finfo(np.float64).tiny))

    def _trial_losses(self) -> Tensor:
        """The loss at the origin and at 8 fixed random starts, none infinite, or a one-line refusal.

        A loss that is already infinite where the search starts (data of magnitude 1e200 overflow
        float64 once squared) gives the search nothing to descend and the tolerances no scale, so
        such data are refused before any work starts.  A loss that is NaN on part of the space is
        not refused: it is undefined there, not badly scaled, and the search counts and reports
        its NaN candidates (an instance where most are NaN is inconclusive)."""
        points = torch.cat([torch.zeros(1, self.n_params, dtype=DTYPE), self.random_points(8, torch.Generator().manual_seed(0))])
        values = self._trial(points)
        bad = torch.isinf(values)
        if bool(bad.any()):
            largest = max((float(np.abs(a).max()) for a in self.data.values()), default=0.0)
            raise DataError(
                f"the loss is {float(values[bad][0])} at {int(bad.sum())} of {len(values)} trial points (the origin and "
                f"8 random starts; the data's largest magnitude is {largest:.3g}); rescale the data (e.g. standardise it) "
                "so that the loss is finite where the search starts"
            )
        return values

    def _trial(self, points: Tensor) -> Tensor:
        """Evaluate the loss once, turning shape and batching mistakes into one-line errors."""
        try:
            values = self.loss(points)
        except RuntimeError as exc:
            shapes = ", ".join(f"{name} {a.shape}" for name, a in self.data.items()) or "no data"
            raise DataError(
                f"the loss fails on this data ({_one_line(exc)}); check that the shapes ({shapes}) "
                f"and n_params={self.n_params} fit the loss"
            ) from None
        except (TypeError, ValueError, IndexError) as exc:
            raise InvalidArgument(f"the loss cannot be evaluated ({type(exc).__name__}: {_one_line(exc)})") from None
        if values.shape != (points.shape[0],):
            raise InvalidArgument(
                f"the loss must return a scalar for one point, but returned shape {tuple(values.shape[1:])}; "
                "reduce it (e.g. with .sum() or .mean())"
            )
        if values.dtype != DTYPE:
            raise InvalidArgument(
                f"the loss {self.definition_name()} returns {values.dtype}, not torch.float64; the harness differentiates "
                "and certifies in float64: compute the loss in float64 from theta and the data (they are float64; drop "
                "casts such as .float(), .long() or dtype=torch.float32)"
            )
        return values

    def definition_name(self) -> str:
        """The user's function that defines the loss, as ``name (file.py:LINE)``."""
        return "function"

    def optimum(self) -> Optimum | None:
        """The closed-form global optimum the user gave, if any (the harness checks it against the
        losses it finds rather than trusting it)."""
        spec = self._optimum_spec
        if spec is None:
            return None
        value = spec(self) if callable(spec) else spec
        if not isinstance(value, (int, float, np.floating)) or not math.isfinite(float(value)):
            raise InvalidArgument(f"optimum={value!r} must be a finite number (the infimum of the loss)")
        return Optimum(value=float(value), point=None, method="closed form given with the landscape")

    def flat_directions(self, theta: np.ndarray) -> np.ndarray | None:
        return None if self._flat is None else np.asarray(self._flat(theta), dtype=np.float64).reshape(self.n_params, -1)

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        """Standard normal times ``init_scale`` (and ``scale``), each start times a factor in [0.2, 2]."""
        factor = 0.2 + 1.8 * torch.rand(count, 1, generator=generator, dtype=DTYPE)
        return scale * self._init_scale * factor * torch.randn(count, self.n_params, generator=generator, dtype=DTYPE)

    def spec(self) -> dict[str, Any]:
        return origin_spec(self)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Landscape:
        """Call the recorded builder again (:func:`~landscape.landscapes.builders.rebuild`): a spec
        of the family ``user`` is a builder call, whatever landscape the builder returns."""
        return rebuild(spec)

    def __repr__(self) -> str:
        if self.origin is not None:
            return str(self.origin["call"])
        digest = hashlib.sha256()
        for name, array in sorted(self.data.items()):
            digest.update(name.encode() + repr(array.shape).encode() + array.tobytes())
        return f"{type(self).__name__}(n_params={self.n_params}, data={digest.hexdigest()[:12]})"


class FunctionLandscape(UserLandscape):
    """A loss given as a Python function ``loss(theta, data)``; see :func:`from_function`."""

    def __init__(self, loss: LossFunction, n_params: int, data: Mapping[str, Any] | None = None, **options: Any) -> None:
        if not callable(loss):
            raise InvalidArgument(f"loss={loss!r} must be a function loss(theta, data) -> scalar tensor")
        self._function = loss
        super().__init__(n_params, data or {}, **options)

    def loss_single(self, theta: Tensor) -> Tensor:
        return self._function(theta, self._tensors(theta.device))

    def definition_name(self) -> str:
        return function_name(self._function)


class ModuleLandscape(UserLandscape):
    """A torch module with data and a loss of (prediction, target); see :func:`from_module`."""

    def __init__(self, module: torch.nn.Module, x: Any, y: Any, loss: str | Callable[[Tensor, Tensor], Tensor] = "mse", **options: Any) -> None:
        if not isinstance(module, torch.nn.Module):
            raise InvalidArgument(f"module={module!r} must be a torch.nn.Module")
        self._module = module.to(DTYPE)
        self._names = [name for name, _ in module.named_parameters()]
        self._shapes = [tuple(p.shape) for _, p in module.named_parameters()]
        if not self._names:
            raise InvalidArgument("the module has no parameters; the point of a landscape is its parameters")
        self._criterion = _criterion(loss)
        xs, ys = nonempty_array("x", x), nonempty_array("y", y)
        if xs.ndim == 0 or ys.ndim == 0 or xs.shape[0] != ys.shape[0]:
            raise DataError(
                f"x has shape {xs.shape} and y has shape {ys.shape}: pass one row per sample in both "
                "(the same number of rows)"
            )
        super().__init__(sum(math.prod(s) for s in self._shapes), {"x": xs, "y": ys}, **options)

    def _validate(self) -> None:
        point = torch.zeros(1, self.n_params, dtype=DTYPE)
        data = self._tensors("cpu")
        try:
            prediction = self._predict(point[0], data["x"])
        except RuntimeError as exc:
            raise DataError(f"the module cannot take x of shape {tuple(data['x'].shape)}: {_one_line(exc)}") from None
        if prediction.shape != data["y"].shape:
            raise DataError(
                f"the module maps x {tuple(data['x'].shape)} to predictions {tuple(prediction.shape)} but y has shape "
                f"{tuple(data['y'].shape)}; give y that shape (one row per sample)"
            )

    def parameters_of(self, theta: Tensor) -> dict[str, Tensor]:
        """The module's parameters (by name) stored in the flat vector ``theta``."""
        out, start = {}, 0
        for name, shape in zip(self._names, self._shapes):
            size = math.prod(shape)
            out[name] = theta[start : start + size].reshape(shape)
            start += size
        return out

    def _predict(self, theta: Tensor, x: Tensor) -> Tensor:
        return torch.func.functional_call(self._module, self.parameters_of(theta), (x,))

    def loss_single(self, theta: Tensor) -> Tensor:
        data = self._tensors(theta.device)
        return self._criterion(self._predict(theta, data["x"]), data["y"])

    def definition_name(self) -> str:
        if self._criterion is not _mean_squared_error:
            return function_name(self._criterion)
        return f"'mse' of the module {type(self._module).__name__} (its forward: {function_name(type(self._module).forward)})"

    def random_points(self, count: int, generator: torch.Generator, scale: float = 1.0) -> Tensor:
        """Each parameter tensor scaled by 1/sqrt(fan-in) (its last dimension), times ``init_scale``."""
        blocks = []
        for shape in self._shapes:
            fan_in = shape[-1] if len(shape) >= 2 else 1
            blocks.append(torch.randn(count, math.prod(shape), generator=generator, dtype=DTYPE) / math.sqrt(fan_in))
        factor = 0.2 + 1.8 * torch.rand(count, 1, generator=generator, dtype=DTYPE)
        return scale * self._init_scale * factor * torch.cat(blocks, dim=1)


def _mean_squared_error(prediction: Tensor, target: Tensor) -> Tensor:
    """(1/n) sum over samples and outputs of the squared error (the deep linear convention)."""
    return ((prediction - target) ** 2).sum() / target.shape[0]


def _criterion(loss: str | Callable[[Tensor, Tensor], Tensor]) -> Callable[[Tensor, Tensor], Tensor]:
    if loss == "mse":
        return _mean_squared_error
    if callable(loss):
        return loss
    raise InvalidArgument(f"loss={loss!r} must be 'mse' or a function loss(prediction, y) -> scalar tensor")


def from_function(
    loss: LossFunction,
    n_params: int,
    data: Mapping[str, Any] | None = None,
    *,
    optimum: OptimumSpec = None,
    loss_scale: float | None = None,
    init_scale: float = 1.0,
    flat_directions: FlatDirections | None = None,
) -> FunctionLandscape:
    """A landscape from ``loss(theta, data)``.

    Args:
        loss: the loss of one point: ``theta`` is a float64 tensor of shape ``(n_params,)``,
            ``data`` a dict of float64 tensors (the arrays given here); returns a scalar tensor.
        n_params: the number of parameters P.
        data: arrays by name (any shapes); every entry must be finite.
        optimum: the global infimum of the loss (a number, or a function of the landscape), so
            that a local minimum can be told from a global one; ``None`` if unknown.
        loss_scale: a typical positive loss value that makes tolerances relative; default: the
            mean |loss| at the origin and 8 fixed random points.
        init_scale: standard deviation of the random starts of the search.
        flat_directions: ``theta -> (P, m)`` tangents of a continuous symmetry along which the
            loss is exactly constant (lets the classifier call non-strict minima minima).
    """
    return FunctionLandscape(
        loss, n_params, data, optimum=optimum, loss_scale=loss_scale, init_scale=init_scale, flat_directions=flat_directions
    )


def from_module(
    module: torch.nn.Module,
    x: Any,
    y: Any,
    loss: str | Callable[[Tensor, Tensor], Tensor] = "mse",
    *,
    optimum: OptimumSpec = None,
    loss_scale: float | None = None,
    init_scale: float = 1.0,
    flat_directions: FlatDirections | None = None,
) -> ModuleLandscape:
    """A landscape over the parameters of ``module`` (converted to float64), on data ``x``, ``y``.

    The point is every parameter of the module flattened in ``named_parameters()`` order; the
    loss is ``loss(module(x), y)``, by default ``"mse"``: (1/n) sum of squared errors over
    samples (rows) and outputs.  The other arguments are those of :func:`from_function`.
    """
    return ModuleLandscape(
        module, x, y, loss, optimum=optimum, loss_scale=loss_scale, init_scale=init_scale, flat_directions=flat_directions
    )
