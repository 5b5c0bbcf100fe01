"""Search budgets: how much of a landscape one verification covers.

A budget fixes the number of generated instances (Hypothesis examples), the number of random
starts advanced together per instance, and the iteration counts of the batched descent and of
the float64 Newton-type refinement.  ``quick`` is what CI and the README run; ``thorough`` is
for a researcher with time.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from landscape.errors import InvalidArgument


@dataclass(frozen=True, slots=True)
class Budget:
    """How much work one verification may do.

    Attributes:
        name: ``quick``, ``standard``, ``thorough`` or ``custom``.
        instances: instances drawn by the generator (Hypothesis ``max_examples``).
        restarts: random starts per instance, advanced together as one batch.
        descent_steps: steps of batched gradient descent (with per-start backtracking).
        refine_steps: float64 Levenberg-Marquardt steps on the gradient norm.
        probe_directions: directions tried by the higher-order test at a flat critical point.
        instance_size: ``small`` or ``large``: the range of the instances a generator that takes
            the budget draws (``quick`` stays small; ``standard`` and ``thorough`` reach wider and
            deeper networks, see :meth:`sized`).
        instance_timeout: wall-clock seconds one instance's check may take; an instance past it
            is ``inconclusive`` with the reason and the run goes on (``landscape verify
            --instance-timeout``).  The defaults are many times what a catalogue instance takes.
    """

    name: str
    instances: int
    restarts: int
    descent_steps: int
    refine_steps: int
    probe_directions: int = 64
    instance_size: str = "small"
    instance_timeout: float = 300.0

    def __post_init__(self) -> None:
        timeout = self.instance_timeout
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not (math.isfinite(timeout) and timeout > 0):
            raise InvalidArgument(f"budget instance_timeout={timeout!r} must be a positive number of seconds")
        if self.instance_size not in INSTANCE_SIZES:
            raise InvalidArgument(f"budget instance_size={self.instance_size!r} must be one of {INSTANCE_SIZES}")
        for field in ("instances", "restarts", "descent_steps", "refine_steps", "probe_directions"):
            value = getattr(self, field)
            if not isinstance(value, int) or value < 1:
                raise InvalidArgument(f"budget {field}={value!r} must be a positive integer")

    def scaled(self, factor: float) -> Budget:
        """The same budget with instances and restarts multiplied by ``factor`` (at least 1)."""
        return Budget(
            name="custom",
            instances=max(1, round(self.instances * factor)),
            restarts=max(1, round(self.restarts * factor)),
            descent_steps=self.descent_steps,
            refine_steps=self.refine_steps,
            probe_directions=self.probe_directions,
            instance_size=self.instance_size,
            instance_timeout=self.instance_timeout,
        )

    def sized(self, small: int, large: int) -> int:
        """``small`` for a small-instance budget, ``large`` otherwise (a generator's upper bound)."""
        return large if self.instance_size == "large" else small


INSTANCE_SIZES = ("small", "large")

BUDGETS: dict[str, Budget] = {
    "quick": Budget("quick", instances=6, restarts=32, descent_steps=400, refine_steps=40, instance_timeout=300.0),
    "standard": Budget(
        "standard", instances=25, restarts=128, descent_steps=1500, refine_steps=60, instance_size="large",
        instance_timeout=1800.0,
    ),
    "thorough": Budget(
        "thorough", instances=100, restarts=512, descent_steps=4000, refine_steps=80,
        probe_directions=256, instance_size="large", instance_timeout=7200.0,
    ),
}


def budget_named(name: str) -> Budget:
    """The named budget; an unknown name is an :class:`InvalidArgument` listing the choices."""
    try:
        return BUDGETS[name]
    except KeyError:
        choices = ", ".join(BUDGETS)
        raise InvalidArgument(f"unknown budget {name!r}; choose one of: {choices}") from None


def with_overrides(budget: Budget, **counts: float | None) -> Budget:
    """``budget`` with some counts replaced (``None`` keeps the budget's), e.g.
    ``with_overrides(quick, instances=3)``, named ``quick+instances=3``; each count is validated
    like the budget's own (a positive integer)."""
    given = {name: value for name, value in counts.items() if value is not None}
    unknown = set(given) - {field.name for field in dataclasses.fields(Budget)} | ({"name"} & set(given))
    if unknown:
        raise InvalidArgument(
            f"unknown budget count(s) {sorted(unknown)}; choose from instances, restarts, descent_steps, refine_steps, "
            "instance_timeout"
        )
    if not given:
        return budget
    name = budget.name + "".join(f"+{field}={value:g}" if isinstance(value, float) else f"+{field}={value}" for field, value in given.items())
    return dataclasses.replace(budget, name=name, **given)
