"""landscape-theorems: theorems about neural-network loss landscapes as falsifiable properties.

The public API lives in :mod:`landscape.api`; its names are also reachable from here
(``from landscape import Theorem``), imported on first use so that ``import landscape`` stays
cheap (no torch until a name is asked for).
"""

from __future__ import annotations

import importlib
from typing import Any

from landscape.version import __version__


def __getattr__(name: str) -> Any:
    if name.startswith("__") or name == "api":
        raise AttributeError(name)
    api = importlib.import_module("landscape.api")
    if name in api.__all__:
        return getattr(api, name)
    raise AttributeError(f"module 'landscape' has no attribute {name!r}")
