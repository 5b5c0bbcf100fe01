"""Verify a theorem: draw instances with Hypothesis, judge each, aggregate a verdict.

Hypothesis drives the instances so that a counterexample is shrunk to a small instance before
it is reported (a 2x2 failure beats a 9x7 one); the run is seeded (``hypothesis.seed``) and
uses no example database, so the same seed gives the same verdicts.

Aggregation, by expectation:

* any certified counterexample -> ``refuted``;
* ``witnessed``: a certified witness in every instance -> ``witnessed``;
* ``holds``: no counterexample and at least one instance decided -> ``holds``;
* ``probe``: every instance measured -> ``measured``, the message giving the headline
  statistic (a probe claims nothing; its statistics are in the coverage);
* otherwise ``inconclusive`` (with the count of undecided instances), and ``error`` if the
  property raised (the message names the exception and where it was raised).

An :class:`~landscape.errors.InvalidArgument` (bad data, a malformed definition) is not a
verdict but the harness refusing its input: it propagates, prefixed with the theorem id, so the
CLI can say so in one line and exit 2.
"""

from __future__ import annotations

import dataclasses
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.strategies import SearchStrategy

from landscape.budget import Budget
from landscape.errors import InvalidArgument, LandscapeError
from landscape.measurements import headline_message, validated
from landscape.oracles.builders import instance_key
from landscape.oracles.certificates import Certificate
from landscape.power import PowerSettings, measure_power
from landscape.results import Coverage, VerificationResult, Verdict
from landscape.theorems.model import Context, Evidence, Expectation, Outcome, Samples, Theorem


class _Falsified(Exception):
    """Raised inside the Hypothesis test so that Hypothesis shrinks the instance."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(evidence.message)
        self.evidence = evidence


Listener = Callable[[str, Theorem, Evidence | None], None]


def verify(
    theorem: Theorem,
    budget: Budget,
    seed: int = 0,
    device: str = "cpu",
    certificates: Path | None = None,
    listener: Listener | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    power: PowerSettings | None = None,
) -> VerificationResult:
    """Verify ``theorem`` within ``budget``; a property that raises is the verdict ``error``, but
    input the harness refuses (:class:`~landscape.errors.InvalidArgument`) is raised.  With
    ``power``, the result also carries a power run (:mod:`landscape.power`) under the same
    budget and seed."""
    samples = Samples()
    context = Context(
        budget=budget, seed=seed, device=device, progress=progress, samples=samples, theorem_id=theorem.id
    )
    coverage = Coverage(headline=theorem.headline)
    witnesses: list[Evidence] = []
    undecided: list[Evidence] = []

    def body(instance: object) -> None:
        evidence = theorem.check(instance, context)
        if not isinstance(evidence, Evidence):
            raise TypeError(f"the check of {theorem.id} returned {type(evidence).__name__}, not Evidence")
        if evidence.certificate is not None:
            evidence.certificate.instance = instance_key(instance)
        coverage.instances += 1
        coverage.restarts += evidence.restarts
        coverage.candidates.update(evidence.candidates)
        coverage.outcomes[evidence.outcome.value] += 1
        if evidence.statistics:
            coverage.measurements.append(validated(evidence.statistics, evidence.group))
        if listener is not None:
            listener("instance", theorem, evidence)
        if evidence.outcome is Outcome.COUNTEREXAMPLE:
            raise _Falsified(evidence)
        if evidence.outcome is Outcome.WITNESS:
            witnesses.append(evidence)
        elif evidence.outcome is Outcome.INCONCLUSIVE or (
            evidence.outcome is Outcome.MEASURED and theorem.expectation is not Expectation.PROBE
        ):  # a measurement alone decides no claim
            undecided.append(evidence)

    test = settings(
        # Every setting is fixed here or taken from Hypothesis' own defaults, never from the
        # profile loaded in this process (pytest's dev/ci/thorough): same seed, same verdicts.
        parent=settings.get_profile("default"),
        max_examples=budget.instances,
        database=None,
        deadline=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
        report_multiple_bugs=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )(given(_strategy(theorem, budget))(body))
    test = hypothesis_seed(seed)(test)
    started = time.perf_counter()
    counterexample: Evidence | None = None
    error: str | None = None
    try:
        test()
    except _Falsified as falsified:
        counterexample = falsified.evidence
    except InvalidArgument as exc:
        raise type(exc)(f"{theorem.id}: {exc}") from None
    except LandscapeError as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a crashing property is recorded, never fatal to the run
        error = describe_exception(exc)
    seconds = time.perf_counter() - started
    verdict, message, certificate = _aggregate(theorem, coverage, counterexample, witnesses, undecided, error)
    coverage.samples, coverage.samples_seen = samples.entries, samples.seen
    result = VerificationResult(
        theorem_id=theorem.id,
        expectation=theorem.expectation,
        verdict=verdict,
        message=message,
        coverage=coverage,
        seconds=seconds,
        budget=budget.name,
        seed=seed,
        certificate=certificate,
        falsifies=theorem.falsifies,
        title=theorem.title,
        source=theorem.source,
        statement=theorem.statement,
        hypotheses=tuple(theorem.hypotheses),
        device=device,
    )
    if power is not None:
        result.power = measure_power(theorem, budget, seed, device, power)
    if certificate is not None:
        certificate.budget = dataclasses.asdict(budget)
    if certificate is not None and certificates is not None:
        certificate.seed = seed
        path = certificate.write(Path(certificates) / f"{theorem.id}.json")
        result.certificate_path = str(path)
    return result


def _strategy(theorem: Theorem, budget: Budget) -> SearchStrategy[object]:
    """The theorem's instance strategy; a factory that fails or returns no strategy is refused."""
    try:
        strategy = theorem.strategy_for(budget)
    except Exception as exc:
        raise InvalidArgument(f"{theorem.id}: instances() raised {describe_exception(exc)}") from None
    if not isinstance(strategy, SearchStrategy):
        raise InvalidArgument(f"{theorem.id}: instances() returned {type(strategy).__name__}, not a Hypothesis strategy")
    return strategy


LIBRARY_FOLDERS = ("hypothesis", "torch", "numpy", "sympy", "scipy")


def describe_exception(exc: BaseException) -> str:
    """``Type: message (at file.py:LINE in function)``, on one line, naming the innermost frame
    outside the numerical libraries (where the property's own code raised)."""
    message = " ".join(str(exc).split())
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not any(f"/{lib}/" in f.filename for lib in LIBRARY_FOLDERS)]
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return f"{type(exc).__name__}: {message}{where}"


def _aggregate(
    theorem: Theorem,
    coverage: Coverage,
    counterexample: Evidence | None,
    witnesses: list[Evidence],
    undecided: list[Evidence],
    error: str | None,
) -> tuple[Verdict, str, Certificate | None]:
    if error is not None:
        return Verdict.ERROR, error, None
    if counterexample is not None:
        return Verdict.REFUTED, counterexample.message, counterexample.certificate
    if theorem.expectation is Expectation.PROBE:
        return _measured(coverage, undecided)
    decided = coverage.instances - len(undecided)
    if theorem.expectation is Expectation.WITNESSED or witnesses:
        if witnesses and not undecided:
            best = min(witnesses, key=_witness_rank)
            return Verdict.WITNESSED, f"witness in all {len(witnesses)} instances; reported: {best.message}", best.certificate
        reason = undecided[0].message if undecided else "no witness found"
        return Verdict.INCONCLUSIVE, f"{len(witnesses)} of {coverage.instances} instances witnessed; {reason}", None
    if decided > 0:
        note = f"; {len(undecided)} undecided" if undecided else ""
        return Verdict.HOLDS, f"no counterexample in {coverage.instances} instances{note}", None
    reason = undecided[0].message if undecided else "no instance was drawn"
    return Verdict.INCONCLUSIVE, f"no instance decided: {reason}", None


def _measured(coverage: Coverage, undecided: list[Evidence]) -> tuple[Verdict, str, Certificate | None]:
    """``measured`` when every instance drawn was measured, else ``inconclusive``."""
    measured = len(coverage.measurements)
    if measured and measured == coverage.instances:
        return Verdict.MEASURED, headline_message(coverage.statistics()), None
    if undecided:
        reason = undecided[0].message
    else:
        reason = "an instance returned no statistics" if coverage.instances else "no instance was drawn"
    return Verdict.INCONCLUSIVE, f"{measured} of {coverage.instances} instances measured; {reason}", None


def _witness_rank(evidence: Evidence) -> tuple[int, int]:
    size = len(evidence.certificate.point) if evidence.certificate is not None else 0
    return (-evidence.priority, size)
