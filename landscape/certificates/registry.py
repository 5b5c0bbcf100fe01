"""Replayable checks: named re-verifications that a certificate lists and :mod:`replay` re-runs.

A check takes ``(landscape, point, tolerances, args)`` and returns a :class:`CheckResult`.  It is
registered under its name with :func:`replayable`; the name and the module that defines it are
what a certificate records, so that a replay finds the check by importing that one module, never
the whole catalogue.  Where checks live:

* checks that wrap a judge any claim may use (classification, descent, paths, minimum radii,
  trajectories): :mod:`landscape.certificates.checks`, and the interval proofs in
  :mod:`landscape.certificates.interval`;
* a check that encodes the argument of one family of theorems: in that family's module under
  :mod:`landscape.theorems`, next to the theorems that write it;
* a user's check (``api.register_check``): in the user's file, which replay imports only when
  the certificate's landscape is built by that file and the user allows it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from landscape.errors import InvalidArgument
from landscape.landscapes.base import Landscape
from landscape.oracles.classify import Tolerances

HARNESS_PACKAGE = "landscape"
# What a certificate's claim rests on, strongest first, and the checks each level requires.
RIGOURS = ("exact", "interval", "float64")
RIGOUR_CHECKS = {
    "exact": ("exact-descent", "exact-hessian", "exact-path-decrease"),
    "interval": ("interval-existence", "interval-class"),
}
FLOAT64_NOTE = "float64 checks only: no exact or interval proof is implemented for this claim"


@dataclass(slots=True)
class CheckResult:
    """One re-run check: its name, whether it passed, and what was compared."""

    name: str
    passed: bool
    detail: str

    def __post_init__(self) -> None:
        self.passed = bool(self.passed)  # a numpy or sympy boolean from a check becomes a bool


CheckFunction = Callable[[Landscape, np.ndarray, Tolerances, dict[str, Any]], CheckResult]
_CHECKS: dict[str, CheckFunction] = {}


def replayable(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a replayable check under ``name``; a name defined twice is an error.

    A module re-imported (a user's file, loaded again by pytest) replaces its own earlier
    definition; another module claiming the name is refused.
    """

    def decorate(function: CheckFunction) -> CheckFunction:
        known = _CHECKS.get(name)
        if known is not None and (known.__module__, known.__qualname__) != (function.__module__, function.__qualname__):
            raise InvalidArgument(
                f"certificate check {name!r} is registered twice (in {known.__module__} and {function.__module__}); "
                "pick another name"
            )
        _CHECKS[name] = function
        return function

    return decorate


def module_of(name: str) -> str | None:
    """The module that defines the check ``name``, or ``None`` when no loaded module does."""
    function = _CHECKS.get(name)
    return None if function is None else function.__module__


def resolve(name: str, module: str | None) -> CheckFunction | None:
    """The check ``name``: registered already, or registered by importing ``module`` when that is
    one of the harness's own modules (a user's module is imported only by the landscape's
    builder, under the user's permission; see :mod:`landscape.landscapes.builders`)."""
    if name not in _CHECKS and isinstance(module, str) and _is_harness_module(module):
        try:
            importlib.import_module(module)
        except ImportError:
            return None
    return _CHECKS.get(name)


def _is_harness_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == HARNESS_PACKAGE and all(part.isidentifier() for part in parts)


def run_check(entry: dict[str, Any], landscape: Landscape, point: np.ndarray, tol: Tolerances) -> CheckResult:
    """Run one certificate entry ``{"name": ..., "args": {...}, "module": ...}``."""
    name = entry.get("name")
    function = resolve(str(name), entry.get("module"))
    if function is None:
        where = entry.get("module")
        hint = f"; it was defined in {where}, which this installation does not provide" if where else " (written by a newer version?)"
        return CheckResult(str(name), False, f"unknown check {name!r}{hint}")
    try:
        return function(landscape, point, tol, dict(entry.get("args", {})))
    except (KeyError, TypeError, ValueError) as exc:
        return CheckResult(str(name), False, f"malformed arguments: {exc}")
