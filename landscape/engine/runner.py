"""Verify a theorem: draw instances with Hypothesis, judge each, aggregate a verdict.

Hypothesis drives the instances so that a counterexample is shrunk to a small instance before
it is reported (a 2x2 failure beats a 9x7 one); the run is seeded (``hypothesis.seed``),
uses no example database and draws no constants from local source code (:mod:`landscape.engine.draws`),
so the same seed gives the same verdicts.

Aggregation, by expectation:

* any certified counterexample -> ``refuted``;
* ``witnessed``: a certified witness in every instance -> ``witnessed``;
* ``holds``: no counterexample and at least :data:`~landscape.engine.results.DECIDED_FRACTION` of the
  instances decided -> ``holds`` (the fraction is recorded as ``coverage.decided_fraction`` and
  printed in the message);
* ``probe``: every instance measured -> ``measured``, the message giving the headline
  statistic (a probe claims nothing; its statistics are in the coverage);
* otherwise ``inconclusive`` (with the count of undecided instances), and ``error`` if the
  property raised (the message names the exception and where it was raised).  Any
  ``BaseException`` but ``KeyboardInterrupt`` counts: a property that calls ``sys.exit`` is an
  ``error``, and the run goes on to the next theorem.

Each instance's check runs under the budget's time limit (``instance_timeout``,
:func:`~landscape.limits.time_limit`): an instance past it is ``inconclusive`` with the reason,
and the next instance is drawn.

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

from landscape.certificates.certificate import Certificate
from landscape.engine.draws import seed_only_draws
from landscape.engine.measurements import headline_message, validated
from landscape.engine.power import PowerSettings, measure_power
from landscape.engine.results import (
    DECIDED_FRACTION,
    Coverage,
    Verdict,
    VerificationResult,
)
from landscape.errors import InvalidArgument, LandscapeError
from landscape.landscapes.builders import instance_key
from landscape.limits import Deadline, InstanceTimedOut, time_limit
from landscape.oracles.classify import PointClass
from landscape.theorems.budget import Budget
from landscape.theorems.model import (
    Context,
    Evidence,
    Expectation,
    Outcome,
    Samples,
    Theorem,
)
from landscape.threads import active_policy, applied, environment_block, resolve_policy


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
    threads: int | None = None,
    named_points: bool = True,
    power: PowerSettings | None = None,
) -> VerificationResult:
    """Verify ``theorem`` within ``budget``; a property that raises is the verdict ``error``, but
    input the harness refuses (:class:`~landscape.errors.InvalidArgument`) is raised.  With
    ``named_points`` false the theory's special points are left out (the search alone decides).  With
    ``power``, the result also carries a power run (:mod:`landscape.engine.power`) under the same
    budget and seed.

    ``threads`` fixes torch's intra-op threads for the run; ``None`` keeps the thread policy in
    force (``LANDSCAPE_THREADS``, else the harness's default: :mod:`landscape.threads`).  The
    thread count changes no verdict and no certificate's proof content."""
    with applied(resolve_policy(threads)) as policy:
        result = _verify(theorem, budget, seed, device, certificates, listener, progress, named_points, power)
        result.threads = policy.as_record()
    return result


def _verify(
    theorem: Theorem,
    budget: Budget,
    seed: int,
    device: str,
    certificates: Path | None,
    listener: Listener | None,
    progress: Callable[[str, int, int], None] | None,
    named_points: bool,
    power: PowerSettings | None,
) -> VerificationResult:
    samples = Samples()
    deadlines: list[Deadline] = []

    def limited_progress(stage: str, done: int, total: int) -> None:
        """The engine's progress callback, and where a cooperative time limit is checked."""
        if deadlines:
            deadlines[-1].check()
        if progress is not None:
            progress(stage, done, total)

    context = Context(
        budget=budget, seed=seed, device=device, progress=limited_progress, samples=samples, theorem_id=theorem.id,
        named_points=named_points,
    )
    coverage = Coverage(headline=theorem.headline)
    witnesses: list[Evidence] = []
    undecided: list[Evidence] = []

    def judged(instance: object) -> Evidence:
        """The check of one instance under the budget's time limit."""
        try:
            with time_limit(budget.instance_timeout) as deadline:
                deadlines.append(deadline)
                try:
                    return theorem.check(instance, context)
                finally:
                    deadlines.pop()
        except InstanceTimedOut as stopped:
            return Evidence(
                Outcome.INCONCLUSIVE,
                f"an instance {stopped} (raise it with --instance-timeout SECONDS, or use smaller instances)",
            )

    def body(instance: object) -> None:
        evidence = judged(instance)
        if not isinstance(evidence, Evidence):
            raise TypeError(f"the check of {theorem.id} returned {type(evidence).__name__}, not Evidence")
        evidence = _undecided_if_mostly_non_finite(evidence)
        if evidence.certificate is not None:
            evidence.certificate.instance = instance_key(instance)
        coverage.instances += 1
        coverage.restarts += evidence.restarts
        coverage.candidates.update(evidence.candidates)
        coverage.searched.update(evidence.searched)
        coverage.named.update(evidence.named)
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
        with seed_only_draws():
            test()
    except _Falsified as falsified:
        counterexample = falsified.evidence
    except InvalidArgument as exc:
        raise type(exc)(f"{theorem.id}: {exc}") from None
    except LandscapeError as exc:
        error = f"{type(exc).__name__}: {exc}"
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a crashing (or exiting) property is recorded, never fatal to the run
        error = describe_exception(exc)
    seconds = time.perf_counter() - started
    verdict, message, certificate = _aggregate(theorem, coverage, counterexample, witnesses, undecided, error)
    message += non_finite_note(coverage)
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
        certificate.environment = environment_block(active_policy())
    if certificate is not None and certificates is not None:
        certificate.seed = seed
        path = certificate.write(Path(certificates) / f"{theorem.id}.json")
        result.certificate_path = str(path)
    return result


NON_FINITE = PointClass.NON_FINITE.value
# An instance whose candidates are mostly NaN or inf was hardly searched: what the finite rest
# shows does not decide it.  "Mostly" is more than this fraction of its candidates.
NON_FINITE_MAJORITY = 0.5


def _undecided_if_mostly_non_finite(evidence: Evidence) -> Evidence:
    """``evidence``, made inconclusive (with the reason) when most candidates are non-finite and
    it claimed support or a measurement; certified witnesses and counterexamples stand."""
    bad, total = evidence.candidates.get(NON_FINITE, 0), sum(evidence.candidates.values())
    if evidence.outcome not in (Outcome.SUPPORTS, Outcome.MEASURED) or bad <= NON_FINITE_MAJORITY * total:
        return evidence
    reason = f"{bad} of {total} candidates have a non-finite loss or derivatives (NaN or inf), so the search saw too little"
    return dataclasses.replace(evidence, outcome=Outcome.INCONCLUSIVE, message=f"{reason}; {evidence.message}")


def non_finite_note(coverage: Coverage) -> str:
    """``"; N of M candidates non-finite (NaN or inf)"``, or nothing when there were none."""
    bad = coverage.non_finite
    return f"; {bad} of {coverage.classified} candidates non-finite (NaN or inf)" if bad else ""


def _strategy(theorem: Theorem, budget: Budget) -> SearchStrategy[object]:
    """The theorem's instance strategy; a factory that fails or returns no strategy is refused."""
    try:
        strategy = theorem.strategy_for(budget)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
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
    coverage.decided_fraction = round(decided / coverage.instances, 6) if coverage.instances else 0.0
    if theorem.expectation is Expectation.WITNESSED or witnesses:
        if witnesses and not undecided:
            best = min(witnesses, key=_witness_rank)
            return Verdict.WITNESSED, f"witness in all {len(witnesses)} instances; reported: {best.message}", best.certificate
        reason = undecided[0].message if undecided else "no witness found"
        return Verdict.INCONCLUSIVE, f"{len(witnesses)} of {coverage.instances} instances witnessed; {reason}", None
    share = f"{decided} of {coverage.instances} instances decided ({coverage.decided_fraction:.0%})"
    if decided > 0 and coverage.decided_fraction >= DECIDED_FRACTION:
        note = f"; {len(undecided)} undecided: {undecided[0].message}" if undecided else ""
        return Verdict.HOLDS, f"no counterexample in {coverage.instances} instances; {share}{note}", None
    if decided > 0:
        return Verdict.INCONCLUSIVE, (
            f"no counterexample, but only {share}, below the {DECIDED_FRACTION:.0%} that holds needs: "
            f"{undecided[0].message}"
        ), None
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
