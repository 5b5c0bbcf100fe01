"""The catalogue: every theorem and falsified variant of the families in this package, by id.

A *family* is a module of :mod:`landscape.theorems` (at any depth) that defines ``THEOREMS``, a
list of theorems, ``VARIANTS``, its falsified variants, and ``POSITION``, its place in the
catalogue (the order of THEOREMS.md: the headline results first, the probes last).  Families are
found by discovery, not from a list: adding one is adding its module.  Importing this module
imports every family; the rest of the harness (replay above all) imports only what it needs.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from landscape import theorems
from landscape.errors import InvalidArgument
from landscape.theorems.registry import Registry


def family_modules() -> list[ModuleType]:
    """Every family module of the package, in catalogue order (by ``POSITION``, then name)."""
    found = []
    for info in pkgutil.walk_packages(theorems.__path__, prefix=f"{theorems.__name__}."):
        module = importlib.import_module(info.name)
        if hasattr(module, "THEOREMS"):
            position = getattr(module, "POSITION", None)
            if not isinstance(position, (int, float)) or isinstance(position, bool):
                raise InvalidArgument(
                    f"theorem family {info.name} defines THEOREMS but no numeric POSITION; "
                    "give it its place in the catalogue (see docs/adding-a-family.md)"
                )
            found.append(module)
    return sorted(found, key=lambda module: (module.POSITION, module.__name__))


def build_registry() -> Registry:
    """A registry holding the whole catalogue (theorems first, then variants)."""
    registry = Registry()
    families = family_modules()
    for family in families:
        for theorem in family.THEOREMS:
            registry.register(theorem)
    for family in families:
        for variant in getattr(family, "VARIANTS", ()):
            registry.register(variant)
    return registry


FAMILIES = tuple(family_modules())
REGISTRY = build_registry()

__all__ = ["FAMILIES", "REGISTRY", "build_registry", "family_modules"]
