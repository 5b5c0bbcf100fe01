"""Builders: module-level functions that make landscapes, so that certificates can rebuild them.

A certificate re-checks a finding from its file alone, in another process.  A catalogue family
writes its data into its spec; a landscape defined in a user's file instead records how to make
it again: the file and name of the function that built it, the file's SHA-256, and the
arguments of the call, as JSON (numbers, strings, lists; tuples, dicts, numpy arrays and torch
tensors in tagged form, e.g. ``{"ndarray": [[1.0, 2.0]], "dtype": "float64"}``).

Rebuilding such a landscape means running the user's code, so it is safe by default, as
``torch.load(weights_only=True)`` is: a file is imported only when the user allows it
(:func:`allowing_code`, ``landscape replay --allow-code``), or when it is already imported in
this process (the run that wrote the certificate re-verifies it).  Before any import the file's
SHA-256 is compared with the recorded one; a file that changed is never imported (the
``definition`` check fails), and the recorded path is the only one tried: no other file of the
same name stands in for it unless the user names it (``--code FILE``).

Such a spec is of the family ``user``, whatever landscape the builder returns; the class that
names that family (:class:`~landscape.landscapes.adapters.UserLandscape`) rebuilds it with
:func:`rebuild`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import inspect
import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from landscape.errors import DataError, InvalidArgument, LandscapeError
from landscape.landscapes.base import Landscape
from landscape.usercode import already_imported, import_file

FAMILY = "user"
BUILDER_MARK = "__landscape_builder__"
ARRAY_DTYPES = ("float64", "int64", "bool")
Built = TypeVar("Built", bound=Landscape)


def builder(function: Callable[..., Built]) -> Callable[..., Built]:
    """Decorate a module-level function that returns a landscape, so its certificates replay.

    Every landscape the decorated function returns records the call (file, function name,
    arguments); a certificate about it replays by importing the file and calling the function
    again.  Arguments must be JSON-like: numbers, strings, ``None``, lists, tuples, dicts with
    string keys, numpy arrays or torch tensors, all finite.
    """
    _check_definable(function)
    signature = inspect.signature(function)

    @functools.wraps(function)
    def build(*args: Any, **kwargs: Any) -> Built:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise InvalidArgument(f"{function.__name__}(...): {exc}") from None
        bound.apply_defaults()
        arguments = {name: encode(value, f"{function.__name__}({name}=...)") for name, value in bound.arguments.items()}
        landscape = function(*bound.args, **bound.kwargs)
        if not isinstance(landscape, Landscape):
            raise InvalidArgument(
                f"@builder {function.__name__} returned {type(landscape).__name__}, not a landscape; "
                "return landscape.api.from_function(...), from_module(...) or a Landscape"
            )
        landscape.origin = _origin(function, arguments)  # type: ignore[attr-defined]
        return landscape

    setattr(build, BUILDER_MARK, True)
    return build


def _check_definable(function: Callable[..., Any]) -> None:
    if not callable(function) or not hasattr(function, "__code__"):
        raise InvalidArgument(f"@builder decorates a function, not {function!r}")
    if "<locals>" in function.__qualname__ or "." in function.__qualname__:
        raise InvalidArgument(
            f"@builder {function.__qualname__} must be defined at the top level of its file, so replay can find it by name"
        )
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise InvalidArgument(
                f"@builder {function.__name__} takes *{parameter.name}; name every argument so a certificate can record it"
            )


def _origin(function: Callable[..., Any], arguments: dict[str, Any]) -> dict[str, Any]:
    file = Path(function.__code__.co_filename)
    call = f"{function.__name__}({', '.join(f'{name}={render(value)}' for name, value in arguments.items())})"
    return {"file": str(file.resolve()), "name": function.__name__, "arguments": arguments, "call": call}


def file_digest(path: Path | str) -> str:
    """SHA-256 of a file's bytes (hex)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def origin_spec(landscape: Landscape) -> dict[str, Any]:
    """The spec of a landscape made by a builder: how to make it again."""
    origin = getattr(landscape, "origin", None)
    if origin is None:
        raise InvalidArgument(
            "this landscape was not made by a @builder function, so no certificate could rebuild it: return it from "
            "a top-level function decorated with @landscape.api.builder and draw instances with that function"
        )
    if not os.path.isfile(origin["file"]):
        raise InvalidArgument(f"@builder {origin['name']} is not defined in a file ({origin['file']}); define it in a .py file")
    return {
        "family": FAMILY,
        "builder": {"file": origin["file"], "name": origin["name"], "sha256": file_digest(origin["file"])},
        "arguments": origin["arguments"],
    }


def spec_of(landscape: Landscape) -> dict[str, Any]:
    """What a certificate records about ``landscape``: the builder call if it has one, else its spec.

    A class of the harness defined outside the landscapes package (a catalogue family that keeps
    its loss in its own module) adds ``"module"``, so that replay imports that module only."""
    if getattr(landscape, "origin", None) is not None:
        return origin_spec(landscape)
    spec = landscape.spec()
    module = type(landscape).__module__
    if module.startswith("landscape.") and not module.startswith("landscape.landscapes.") and "module" not in spec:
        spec = {**spec, "module": module}
    return spec


def instance_key(instance: Any) -> str:
    """A text that identifies an instance across processes (seeds derive from it).

    A landscape made by a builder is its call; anything else is its ``repr``, which must not
    contain a memory address (it would differ between runs, and so would the seeds).  An
    instance with a counterexample planted in it (``unplanted``: the instance it was made from)
    has its base's key, so the search it gets is the verification's, not told of the plant.
    """
    unplanted = getattr(instance, "unplanted", None)
    if unplanted is not None:
        return instance_key(unplanted)
    origin = getattr(instance, "origin", None)
    if isinstance(instance, Landscape) and origin is not None:
        return str(origin["call"])
    text = repr(instance)
    if " at 0x" in text:
        raise InvalidArgument(
            f"instance {text[:80]} has a repr with a memory address, so runs could not be reproduced; "
            "make instances with a @builder function or give their type a repr (a dataclass has one)"
        )
    return text


# -- JSON encoding of builder arguments ------------------------------------------------------


def encode(value: Any, where: str) -> Any:
    """``value`` as JSON, with tuples, dicts, arrays and tensors tagged; non-finite numbers refused."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            raise DataError(f"{where} is {float(value)}, not finite; pass finite numbers only")
        return float(value)
    if isinstance(value, torch.Tensor):
        return {"tensor": encode(value.detach().cpu().numpy(), where)["ndarray"]}
    if isinstance(value, np.ndarray):
        return _encode_array(value, where)
    if isinstance(value, (list, tuple)):
        items = [encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return items if isinstance(value, list) else {"tuple": items}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"dict": {key: encode(item, f"{where}[{key!r}]") for key, item in value.items()}}
    raise InvalidArgument(
        f"{where} is a {type(value).__name__}, which a certificate cannot record; pass numbers, strings, lists, "
        "tuples, dicts, numpy arrays or tensors"
    )


def _encode_array(array: np.ndarray, where: str) -> dict[str, Any]:
    kind = {"f": "float64", "i": "int64", "u": "int64", "b": "bool"}.get(array.dtype.kind)
    if kind is None:
        raise InvalidArgument(f"{where} is an array of {array.dtype}; pass a numeric array")
    converted = array.astype(kind)
    if kind == "float64" and not np.isfinite(converted).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(converted))[0])
        raise DataError(f"{where}{list(index)} = {converted[index]} is not finite; remove or impute non-finite values")
    return {"ndarray": converted.tolist(), "dtype": kind}


def decode(value: Any) -> Any:
    """Inverse of :func:`encode` (a malformed tagged value is a :class:`DataError`)."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"tuple"}:
        return tuple(decode(item) for item in value["tuple"])
    if set(value) == {"dict"} and isinstance(value["dict"], dict):
        return {key: decode(item) for key, item in value["dict"].items()}
    if set(value) == {"ndarray", "dtype"} and value["dtype"] in ARRAY_DTYPES:
        return np.array(value["ndarray"], dtype=value["dtype"])
    if set(value) == {"tensor"}:
        return torch.tensor(value["tensor"], dtype=torch.float64)
    raise DataError(f"builder argument {json.dumps(value)[:60]} is not a recorded value (tuple, dict, ndarray, tensor)")


def render(value: Any) -> str:
    """A short, exact, deterministic text for an encoded argument (used in reprs and seeds)."""
    if isinstance(value, list):
        return "[" + ", ".join(render(item) for item in value) + "]"
    if isinstance(value, dict) and "tuple" in value:
        items = value["tuple"]
        return "(" + ", ".join(render(item) for item in items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, dict) and "dict" in value:
        return "{" + ", ".join(f"{key!r}: {render(item)}" for key, item in value["dict"].items()) + "}"
    if isinstance(value, dict) and "ndarray" in value:
        return f"array({json.dumps(value['ndarray'])})"
    if isinstance(value, dict) and "tensor" in value:
        return f"tensor({json.dumps(value['tensor'])})"
    return json.dumps(value)


# -- rebuilding from a certificate --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodePermission:
    """Which user files a rebuild may import.

    Attributes:
        recorded: import the file a certificate records (``--allow-code``).
        named: files the user named (``--code FILE``), each standing in for the recorded file
            of the same name; naming a file allows it.
        imported: use a module this process has already imported (no new code runs); off
            while a report renders, which runs no user code at all.
    """

    recorded: bool = False
    named: tuple[Path, ...] = ()
    imported: bool = True


_PERMISSION: contextvars.ContextVar[CodePermission] = contextvars.ContextVar("code_permission", default=CodePermission())
ALLOW_HINT = "read it, then replay with --allow-code (or --code FILE for a copy of it)"


@contextlib.contextmanager
def allowing_code(permission: CodePermission) -> Iterator[None]:
    """Rebuild user landscapes under ``permission`` inside the block."""
    token = _PERMISSION.set(permission)
    try:
        yield
    finally:
        _PERMISSION.reset(token)


def user_code(value: Any) -> list[dict[str, Any]]:
    """Every user builder (``{"file", "name", "sha256"}``) a certificate's JSON names, in order:
    the landscape's and any nested in a check's arguments."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if value.get("family") == FAMILY and isinstance(value.get("builder"), dict):
            found.append(value["builder"])
        for item in value.values():
            found += [b for b in user_code(item) if b not in found]
    elif isinstance(value, list):
        for item in value:
            found += [b for b in user_code(item) if b not in found]
    return found


def locate(recorded: str) -> Path:
    """The recorded file, or the file the user named in its place; never another path."""
    path = Path(recorded)
    for named in _PERMISSION.get().named:
        if named.name == path.name:
            return named
    if path.is_file():
        return path
    raise DataError(
        f"its definition {recorded} is missing; restore the file, or name a copy with `landscape replay --code FILE`"
    )


def rebuild(spec: dict[str, Any]) -> Landscape:
    """Call the recorded builder with the recorded arguments, if the file may be used.

    Order matters: the file is found (recorded path only), its SHA-256 compared, and only then
    is it imported, and only with permission (see :class:`CodePermission`).
    """
    info, arguments = spec["builder"], spec["arguments"]
    if not isinstance(info, dict) or not isinstance(arguments, dict):
        raise DataError("the user landscape's 'builder' and 'arguments' must be objects")
    path = locate(str(info["file"]))
    digest = file_digest(path)
    if digest != info.get("sha256"):
        raise DataError(f"{path} changed since the certificate was written (sha256 {digest[:12]}, recorded "
                        f"{str(info.get('sha256'))[:12]}); it was not imported")
    module = _permitted_module(path, str(info["name"]))
    function = getattr(module, str(info["name"]), None)
    if not getattr(function, BUILDER_MARK, False):
        raise DataError(f"{path} defines no @builder function {info['name']!r}; was it renamed?")
    try:
        return function(**{name: decode(value) for name, value in arguments.items()})
    except LandscapeError as exc:
        raise DataError(f"{info['name']}(...) refuses the recorded arguments: {exc}") from None


def _permitted_module(path: Path, name: str) -> Any:
    """The module of ``path``: already imported, or imported now if the user allowed it."""
    permission = _PERMISSION.get()
    loaded = already_imported(path.resolve()) if permission.imported else None
    if loaded is not None:
        return loaded
    named = any(path == other for other in permission.named)
    if not (permission.recorded or named):
        raise DataError(
            f"the landscape is built by user code, @builder {name} in {path}; replay runs no code by default: {ALLOW_HINT}"
        )
    try:
        return import_file(path)
    except LandscapeError as exc:
        raise DataError(str(exc)) from None
