"""landscape-theorems: theorems about neural-network loss landscapes as falsifiable properties."""

from __future__ import annotations

__version__ = "0.1.0"
