"""Verdicts, coverage and the result of one verification."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from landscape.engine.measurements import Measurement, aggregate
from landscape.certificates.certificate import Certificate
from landscape.theorems.model import Expectation


class Verdict(str, enum.Enum):
    """What the harness concluded about a theorem."""

    HOLDS = "holds"  # no counterexample within the budget (see coverage)
    REFUTED = "refuted"  # a certified counterexample
    WITNESSED = "witnessed"  # a certified witness in every instance drawn
    INCONCLUSIVE = "inconclusive"  # undecided; the message says why
    MEASURED = "measured"  # a probe measured every instance (statistics in the coverage)
    ERROR = "error"  # the property raised; the message carries the exception


# ``holds`` needs at least this fraction of the instances drawn decided: one decided instance out
# of six is no evidence for a universal claim.
DECIDED_FRACTION = 0.8


@dataclass(slots=True)
class Coverage:
    """How much of the landscape a verification looked at.

    Attributes:
        instances: property evaluations (Hypothesis examples, shrinking included).
        restarts: random starts searched, summed over instances.
        candidates: classified candidate points by class, summed over instances (class
            ``non_finite``: NaN or inf loss or derivatives, see ``non_finite``).
        outcomes: instances by outcome (supports / witness / counterexample / inconclusive /
            measured).
        samples: a capped uniform sample of the classified candidates (dicts with label, kind,
            loss, gap, gradient_norm, hessian_min, hessian_max), for report figures.
        samples_seen: candidates the sample was drawn from.
        measurements: a probe's measurements, one per instance (``{"group": ..., name: value}``).
        headline: the statistic a probe's verdict line reports.
        searched, named: distinct critical points by class, summed over instances, found by the
            search from random starts or named by the theory / the user.
        decided_fraction: instances decided (supports, witness or counterexample) over instances;
            ``holds`` needs at least :data:`DECIDED_FRACTION`.
    """

    instances: int = 0
    restarts: int = 0
    candidates: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    samples: list[dict[str, Any]] = field(default_factory=list)
    samples_seen: int = 0
    measurements: list[Measurement] = field(default_factory=list)
    headline: str = ""
    searched: Counter[str] = field(default_factory=Counter)
    named: Counter[str] = field(default_factory=Counter)
    decided_fraction: float = 0.0

    @property
    def classified(self) -> int:
        return sum(self.candidates.values())

    @property
    def non_finite(self) -> int:
        """Candidates where the loss, gradient or Hessian was NaN or infinite."""
        return self.candidates.get("non_finite", 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "instances": self.instances,
            "restarts": self.restarts,
            "candidates": dict(self.candidates),
            "classified": self.classified,
            "non_finite": self.non_finite,
            "outcomes": dict(self.outcomes),
            "samples": list(self.samples),
            "samples_seen": self.samples_seen,
            "measurements": list(self.measurements),
            "statistics": self.statistics(),
            "searched": dict(self.searched),
            "named": dict(self.named),
            "decided_fraction": self.decided_fraction,
        }

    def statistics(self) -> dict[str, Any]:
        """The measurements summarised overall and per group (see
        :func:`landscape.engine.measurements.aggregate`); empty when nothing was measured."""
        return aggregate(self.measurements, self.headline)


@dataclass(slots=True)
class VerificationResult:
    """One theorem verified under one budget and seed.

    Attributes:
        theorem_id, expectation: what was verified and what was expected.
        verdict: the conclusion; ``matches`` says whether it is the expected one.
        message: one line explaining the verdict.
        coverage: see :class:`Coverage`.
        seconds: wall-clock time.
        budget, seed: what produced it.
        certificate: the witness or counterexample, when there is one.
        certificate_path: where it was written, when it was.
        falsifies: for a falsified variant, the theorem it perturbs.
        title, source, statement, hypotheses: the theorem as declared, so that a report
            renders from records alone.
        device: where the batched search ran.
        threads: the thread policy it ran under (``small``, ``large``, ``source``, ``used``:
            see :mod:`landscape.threads`).
        power: for a power run, what the search certified of counterexamples planted in the
            instances (see :func:`landscape.engine.power.power_record`), or why no plant applies.
    """

    theorem_id: str
    expectation: Expectation
    verdict: Verdict
    message: str
    coverage: Coverage
    seconds: float
    budget: str
    seed: int
    certificate: Certificate | None = None
    certificate_path: str | None = None
    falsifies: str | None = None
    title: str = ""
    source: str = ""
    statement: str = ""
    hypotheses: tuple[str, ...] = ()
    device: str = "cpu"
    threads: dict[str, Any] = field(default_factory=dict)
    power: dict[str, Any] | None = None

    @property
    def matches(self) -> bool:
        """Whether the verdict is the expected one (a falsified variant must be refuted; a
        probe must have measured every instance)."""
        if self.falsifies is not None:
            return self.verdict is Verdict.REFUTED
        if self.expectation is Expectation.PROBE:
            return self.verdict is Verdict.MEASURED
        return self.verdict.value == self.expectation.value

    def as_record(self) -> dict[str, Any]:
        return {
            "theorem_id": self.theorem_id,
            "expectation": self.expectation.value,
            "verdict": self.verdict.value,
            "matches": self.matches,
            "message": self.message,
            "coverage": self.coverage.as_dict(),
            "seconds": round(self.seconds, 3),
            "budget": self.budget,
            "seed": self.seed,
            "falsifies": self.falsifies,
            "title": self.title,
            "source": self.source,
            "statement": self.statement,
            "hypotheses": list(self.hypotheses),
            "device": self.device,
            "threads": dict(self.threads),
            "certificate_path": self.certificate_path,
            "certificate": None if self.certificate is None else self.certificate.to_json(),
            **({} if self.power is None else {"power": self.power}),
        }
