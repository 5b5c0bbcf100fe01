"""The catalogue: every theorem and falsified variant, registered by id.

One module per family of results; each exports ``THEOREMS`` and ``VARIANTS``.
"""

from __future__ import annotations

from landscape.theorems import (
    factorisation,
    gd_dynamics,
    homogeneous,
    infinity,
    linear,
    linear_dynamics,
    linear_identities,
    linear_saddles,
    modifications,
    neurons,
    probes,
    relu,
    sigmoid,
    sublevel,
    toy,
    wide_nets,
)
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.registry import Registry

# Tier 1 first (the headline results), then Tier 2, then Tier 3 with its probes last, as in THEOREMS.md.
FAMILIES = (
    linear, toy, sigmoid, neurons, infinity, relu,
    factorisation, linear_identities, linear_saddles, linear_dynamics, sublevel, homogeneous,
    wide_nets, modifications, gd_dynamics,
    probes,
)


def build_registry() -> Registry:
    """A registry holding the whole catalogue (theorems first, then variants)."""
    registry = Registry()
    for family in FAMILIES:
        for theorem in family.THEOREMS:
            registry.register(theorem)
    for family in FAMILIES:
        for variant in family.VARIANTS:
            registry.register(variant)
    return registry


REGISTRY = build_registry()

__all__ = ["REGISTRY", "Context", "Evidence", "Expectation", "Outcome", "Registry", "Theorem", "build_registry"]
