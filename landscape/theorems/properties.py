"""Ready-made properties about the critical points of a landscape.

Most claims about a loss landscape say which kinds of critical point exist: "every local
minimum is global" (no candidate is a spurious local minimum), "every saddle is strict" (none
is a degenerate saddle), "the origin is a degenerate saddle" (one is).  :func:`forbid` and
:func:`witness` turn such a sentence into the ``check`` of a
:class:`~landscape.theorems.model.Theorem`: they survey the instance's landscape (the batched
search plus the special points the theory names), classify every candidate, and certify the
first one that decides the instance.  They are written with the same building blocks
(:func:`~landscape.theorems.common.survey`, :func:`~landscape.theorems.common.certify`) that a
theorem of one's own can use directly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from landscape.errors import InvalidArgument
from landscape.oracles.classify import PointClass
from landscape.landscapes.base import Landscape
from landscape.oracles.optimum import optimum_of
from landscape.searching.critical_points import CRITICAL_POINT_MIX, DESCENT_ONLY
from landscape.theorems.common import Survey, certified, certify, survey, with_provenance
from landscape.theorems.model import Check, Context, Evidence, Outcome

SpecialPoints = Callable[[Landscape], Sequence[tuple[str, np.ndarray]]]
# Kinds that only the global-optimum oracle tells apart (without it, every minimum is "local").
NEEDS_OPTIMUM = {PointClass.LOCAL_MINIMUM, PointClass.GLOBAL_MINIMUM}
# A second-order stationary point could be any of these; forbidding one leaves it undecided.
HIDDEN_BY_UNDECIDED = {PointClass.LOCAL_MINIMUM, PointClass.DEGENERATE_SADDLE, PointClass.GLOBAL_MINIMUM}
MINIMA = {PointClass.LOCAL_MINIMUM, PointClass.GLOBAL_MINIMUM}
NON_MINIMA = {PointClass.STRICT_SADDLE, PointClass.DEGENERATE_SADDLE, PointClass.LOCAL_MAXIMUM}
CRITICAL = MINIMA | NON_MINIMA | {PointClass.SECOND_ORDER_STATIONARY}
# A claim forbidding a kind is exercised on an instance only where the search (not a named
# point) reached a critical point that could have been of that kind: a minimum for claims about
# minima, a saddle or maximum for claims about saddles and maxima, any critical point otherwise.
EXERCISED_BY: dict[PointClass, set[PointClass]] = {
    PointClass.LOCAL_MINIMUM: MINIMA,
    PointClass.GLOBAL_MINIMUM: MINIMA,
    PointClass.STRICT_SADDLE: NON_MINIMA,
    PointClass.DEGENERATE_SADDLE: NON_MINIMA,
    PointClass.LOCAL_MAXIMUM: NON_MINIMA,
    PointClass.SECOND_ORDER_STATIONARY: CRITICAL,
    PointClass.NOT_CRITICAL: CRITICAL,
}
WHAT_IS_REACHED = {frozenset(MINIMA): "minimum", frozenset(NON_MINIMA): "saddle or maximum", frozenset(CRITICAL): "critical point"}


def landscape_of(instance: Any) -> Landscape:
    """The landscape of an instance: the instance itself, or what its ``landscape()`` returns."""
    if isinstance(instance, Landscape):
        return instance
    make = getattr(instance, "landscape", None)
    if callable(make):
        built = make()
        if isinstance(built, Landscape):
            return built
    raise InvalidArgument(
        f"instance {instance!r:.60} is not a landscape and has no landscape() method; draw landscapes "
        "(made by a @builder function) or objects with a landscape() method"
    )


def _kinds(kinds: Sequence[PointClass], role: str) -> tuple[PointClass, ...]:
    if not kinds or not all(isinstance(kind, PointClass) for kind in kinds):
        raise InvalidArgument(f"{role}(...) takes one or more PointClass values, e.g. {role}(PointClass.LOCAL_MINIMUM)")
    return tuple(kinds)


def mix_for(kinds: Sequence[PointClass]) -> dict[str, float]:
    """The search modes a claim about ``kinds`` needs: descent alone reaches minima; any other
    kind needs the modes that reach saddles (:data:`~landscape.searching.critical_points.CRITICAL_POINT_MIX`)."""
    return DESCENT_ONLY if set(kinds) <= MINIMA else CRITICAL_POINT_MIX


def _stages(
    instance: Any, context: Context, kinds: tuple[PointClass, ...], special: SpecialPoints | None, restarts: int | None,
    mix: dict[str, float] | None = None,
) -> Iterator[tuple[Landscape, Survey, int]]:
    """The special points classified first (a decision there saves the search), then the search."""
    landscape = landscape_of(instance)
    if NEEDS_OPTIMUM & set(kinds) and optimum_of(landscape) is None:
        raise InvalidArgument(
            "a claim about local or global minima needs the landscape's global optimum to tell them apart: "
            "pass optimum=... to from_function / from_module"
        )
    seed = context.seed_for(instance)
    named = special(landscape) if special and context.named_points else []
    points = [(label, np.asarray(point, dtype=np.float64)) for label, point in named]
    if points:
        yield landscape, survey(landscape, context, seed, points, restarts=0), seed
    yield landscape, survey(landscape, context, seed, [], restarts=restarts, mix=mix or mix_for(kinds)), seed


def unexercised(found: Survey, kinds: Sequence[PointClass]) -> str | None:
    """Why the search did not exercise a claim about ``kinds`` (None when it did): no searched
    candidate is critical, or none is of a class that could have been a counterexample."""
    if not any(c.kind is not PointClass.NOT_CRITICAL for c, o in zip(found.classes, found.provenance) if o == "searched"):
        return f"no critical point reached in {found.restarts} starts (every start diverged or stalled)"
    wanted: set[PointClass] = set().union(*(EXERCISED_BY[kind] for kind in kinds))
    if found.reached(wanted):
        return None
    return f"no {WHAT_IS_REACHED.get(frozenset(wanted), 'critical point of a forbidden kind')} reached in {found.restarts} starts"


def _summary(counts: Counter[str]) -> str:
    return f"{sum(counts.values())} candidates: " + ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))


def forbid(
    *kinds: PointClass, special: SpecialPoints | None = None, restarts: int | None = None, exact: bool = False,
    mix: dict[str, float] | None = None,
) -> Check:
    """Property "no critical point of the landscape is of these kinds".

    ``forbid(PointClass.LOCAL_MINIMUM)`` is "every local minimum is global" (a local minimum
    above the optimum is the only kind of minimum the classifier calls ``local_minimum``);
    ``forbid(PointClass.DEGENERATE_SADDLE, PointClass.LOCAL_MINIMUM)`` is "every critical point
    is a global minimum or a strict saddle".  The first forbidden candidate found is certified
    and the instance is a counterexample.  Candidates left ``second_order_stationary`` could hide
    a forbidden minimum or degenerate saddle: they make the instance inconclusive.

    Args:
        special: ``landscape -> [(label, point), ...]``, points the theory names (critical
            points in closed form, the origin), classified along with the search's candidates.
        restarts: random starts (default: the budget's).
        exact: also certify saddles exactly with sympy where the family has a symbolic form.
        mix: search modes (see :func:`~landscape.searching.critical_points.search`); default
            :func:`mix_for` the forbidden kinds.
    """
    forbidden = _kinds(kinds, "forbid")

    def check(instance: Any, context: Context) -> Evidence:
        counts: Counter[str] = Counter()
        surveys: list[Survey] = []
        for landscape, found, seed in _stages(instance, context, forbidden, special, restarts, mix):
            counts.update(found.counts())
            surveys.append(found)
            for label, point, kind in found.items():
                if kind.kind in forbidden:
                    claim = f"{label}: a {kind.kind.value} ({kind.level}), loss {kind.loss:.6g}" + (
                        "" if kind.optimum is None else f", optimum {kind.optimum:.6g}"
                    )
                    cert = certify(context.theorem_id, "counterexample", claim, landscape, point, kind, context, seed, exact=exact)
                    return _provenance(certified(Outcome.COUNTEREXAMPLE, claim, cert, counts, found.restarts), surveys)
        undecided = counts.get(PointClass.SECOND_ORDER_STATIONARY.value, 0)
        if not counts:
            return Evidence(Outcome.INCONCLUSIVE, "no candidate was classified (no restarts, no special points)", None, counts, 0)
        if undecided and HIDDEN_BY_UNDECIDED & set(forbidden):
            evidence = Evidence(Outcome.INCONCLUSIVE, f"{_summary(counts)}; {undecided} undecided", None, counts, found.restarts)
            return _provenance(evidence, surveys)
        reason = unexercised(found, forbidden)
        if reason is not None:
            return _provenance(Evidence(Outcome.INCONCLUSIVE, f"{reason}; {_summary(counts)}", None, counts, found.restarts), surveys)
        return _provenance(Evidence(Outcome.SUPPORTS, _summary(counts), None, counts, found.restarts), surveys)

    check.forbidden = forbidden  # type: ignore[attr-defined]  # what a power run plants (landscape.engine.power)
    return check


def _provenance(evidence: Evidence, surveys: list[Survey]) -> Evidence:
    for found in surveys:
        with_provenance(evidence, found)
    return evidence


def witness(
    *kinds: PointClass, special: SpecialPoints | None = None, restarts: int | None = None, exact: bool = False,
    mix: dict[str, float] | None = None,
) -> Check:
    """Property "some critical point of the landscape is of one of these kinds" (an existence claim).

    The first candidate of a wanted kind (special points first) is certified as a witness;
    an instance without one is inconclusive (not found is not shown absent).  Arguments as for
    :func:`forbid`.
    """
    wanted = _kinds(kinds, "witness")

    def check(instance: Any, context: Context) -> Evidence:
        counts: Counter[str] = Counter()
        surveys: list[Survey] = []
        for landscape, found, seed in _stages(instance, context, wanted, special, restarts, mix):
            counts.update(found.counts())
            surveys.append(found)
            for label, point, kind in found.items():
                if kind.kind in wanted:
                    claim = f"{label}: a {kind.kind.value} ({kind.level}), loss {kind.loss:.6g}"
                    cert = certify(context.theorem_id, "witness", claim, landscape, point, kind, context, seed, exact=exact)
                    return _provenance(certified(Outcome.WITNESS, claim, cert, counts, found.restarts), surveys)
        names = " or ".join(kind.value for kind in wanted)
        evidence = Evidence(Outcome.INCONCLUSIVE, f"no {names} among {_summary(counts)}", None, counts, found.restarts)
        return _provenance(evidence, surveys)

    return check
