"""Theorems as pytest items: ``pytest my_claim.py`` runs every theorem a file defines.

The plugin (:mod:`landscape.pytest_plugin`) turns each module-level
:class:`~landscape.theorems.model.Theorem` of a collected file into one :class:`TheoremItem`
whose id is the theorem's (``my_claim.py::rank-one-no-spurious-minima``).  The item verifies
the theorem with the session's budget and seed, writes its certificate, records the result for
``--landscape-report`` (as the ``landscape_record`` fixture does), attaches the record to the test
report (``user_properties``, key ``landscape_record``, for other report writers) and fails with a :class:`~landscape.errors.TheoremViolation`
that says how to reproduce the run and where the certificate is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from landscape.errors import LandscapeError, TheoremViolation
from landscape.theorems.model import Theorem

RECORD_PROPERTY = "landscape_record"


class TheoremItem(pytest.Item):
    """One theorem of a user's file, verified as a test."""

    def __init__(self, *, theorem: Theorem, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.theorem = theorem
        self.add_marker(pytest.mark.theorem(theorem.id))

    def runtest(self) -> None:
        from landscape.pytest_plugin import certificate_folder, record_result, selected_budget, selected_power, verifier
        from landscape.theorems.registry import Registry

        Registry().register(self.theorem)  # a malformed id fails here, in one line
        budget, seed = selected_budget(self.config), int(self.config.getoption("landscape_seed"))
        result = verifier(self.config)(
            self.theorem, budget, seed, certificates=certificate_folder(self.config), power=selected_power(self.config)
        )
        record_result(self.config, result)
        self.user_properties.append((RECORD_PROPERTY, json.loads(json.dumps(result.as_record()))))  # plain JSON travels between xdist workers
        if not result.matches:
            expected = "refuted" if self.theorem.is_variant else self.theorem.expectation.value
            raise TheoremViolation(self.theorem.id, expected, result.verdict.value, self._detail(result.message, result.certificate_path, budget.name, seed))

    def _detail(self, message: str, certificate: str | None, budget: str, seed: int) -> str:
        lines = [message]
        if certificate:
            lines.append(f"  certificate: {certificate}  (re-check: landscape replay {certificate})")
        lines.append(f"  reproduce: pytest {self.nodeid} --landscape-seed {seed} --landscape-budget {budget.split('+')[0]}")
        lines.append(f"         or: landscape verify --file {self.path} {self.theorem.id} --seed {seed} --budget {budget.split('+')[0]}")
        return "\n".join(lines)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (TheoremViolation, LandscapeError)):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"theorem {self.theorem.id}"


def theorem_items(collector: pytest.Collector, name: str, theorem: Theorem) -> TheoremItem | None:
    """The item for a module-level theorem, unless private or imported from the catalogue."""
    from landscape.theorems.catalogue import REGISTRY

    if name.startswith("_") or any(theorem is known for known in REGISTRY):
        return None
    return TheoremItem.from_parent(collector, name=theorem.id, theorem=theorem)
