"""The theorem model: a small declarative object plus its property.

A :class:`Theorem` says what is claimed (statement, source, expectation), which instances
satisfy its hypotheses (a Hypothesis strategy), and how one instance is judged (``check``: a
function from an instance and a :class:`Context` to :class:`Evidence`).  A *falsified
variant* is a theorem whose ``falsifies`` names the theorem it perturbs (a dropped hypothesis or
a wrong conclusion); the harness must refute it.
"""

from __future__ import annotations

import enum
import hashlib
import inspect
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypothesis.strategies import SearchStrategy

from landscape.errors import InvalidArgument
from landscape.landscapes.builders import instance_key
from landscape.oracles.classify import Tolerances
from landscape.theorems.budget import Budget

if TYPE_CHECKING:
    from landscape.certificates.certificate import Certificate


class Expectation(str, enum.Enum):
    """What the catalogue expects the harness to conclude."""

    HOLDS = "holds"
    REFUTED = "refuted"
    WITNESSED = "witnessed"
    PROBE = "probe"


class Outcome(str, enum.Enum):
    """What one instance contributed."""

    SUPPORTS = "supports"  # consistent with the claim (no counterexample in this instance)
    WITNESS = "witness"  # a certified witness of an existence claim
    COUNTEREXAMPLE = "counterexample"  # a certified counterexample to the claim
    INCONCLUSIVE = "inconclusive"  # the instance could not be decided (say why)
    MEASURED = "measured"  # a probe measured the instance (see Evidence.statistics)


@dataclass(slots=True)
class Evidence:
    """The judgement of one instance.

    Attributes:
        outcome: see :class:`Outcome`.
        message: one line a reader can follow ("origin: degenerate saddle, order 3").
        certificate: for witnesses and counterexamples, re-verified before it is attached.
        candidates: classes of the candidate points classified in this instance.
        restarts: random starts searched in this instance.
        priority: among witnesses, the one with the highest priority (then the fewest
            parameters) is reported; e.g. a degenerate saddle outranks a strict one.
        statistics: a probe's measurements of this instance, named finite numbers or booleans
            (see :mod:`landscape.engine.measurements`).
        group: the group the measurements are summarised in besides the whole run (e.g.
            ``"tanh 2-8-1 adam"``).
        searched, named: distinct critical points by class, found by the search from random
            starts (``searched``) or given by the theory or the user (``named``).
    """

    outcome: Outcome
    message: str
    certificate: Certificate | None = None
    candidates: Counter[str] = field(default_factory=Counter)
    restarts: int = 0
    priority: int = 0
    statistics: dict[str, float | int | bool] = field(default_factory=dict)
    group: str = ""
    searched: Counter[str] = field(default_factory=Counter)
    named: Counter[str] = field(default_factory=Counter)


SAMPLE_CAP = 256  # candidate samples kept per verification (a reservoir: every candidate equally likely)


@dataclass(slots=True)
class Samples:
    """A capped, uniform sample of the candidates a verification classified, for reports.

    Each entry is a plain dict (see :func:`landscape.theorems.common.survey`): ``label``,
    ``kind``, ``loss``, ``gap`` (loss minus optimum, over the loss scale; None without an
    optimum oracle), ``gradient_norm``, ``hessian_min``, ``hessian_max``.  Reservoir sampling
    with a fixed seed keeps the sample reproducible and unbiased across instances.

    Attributes:
        entries: the kept sample (at most ``cap``).
        seen: candidates offered in total.
    """

    entries: list[dict[str, Any]] = field(default_factory=list)
    seen: int = 0
    cap: int = SAMPLE_CAP
    _rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)

    def add(self, entry: dict[str, Any]) -> None:
        self.seen += 1
        if len(self.entries) < self.cap:
            self.entries.append(entry)
            return
        slot = self._rng.randrange(self.seen)
        if slot < self.cap:
            self.entries[slot] = entry


@dataclass(frozen=True, slots=True)
class Context:
    """What a property may use besides its instance: the budget, the seed, tolerances, the id
    of the theorem being verified (certificates carry it), the engine's progress callback, and
    (optionally) a :class:`Samples` that :func:`~landscape.theorems.common.survey` fills.
    With ``named_points`` false, the special points a theory or user names are left out and
    only the search's candidates are classified (to show that the search alone decides)."""

    budget: Budget
    seed: int
    device: str = "cpu"
    tolerances: Tolerances = Tolerances()
    progress: Callable[[str, int, int], None] | None = None  # the engine's progress callback
    samples: Samples | None = field(default=None, compare=False, repr=False)
    theorem_id: str = ""
    named_points: bool = True

    def seed_for(self, instance: Any) -> int:
        """A seed that depends only on the run seed and the instance (properties must be
        deterministic for Hypothesis to shrink and for runs to replay); see
        :func:`~landscape.landscapes.builders.instance_key`."""

        digest = hashlib.sha256(f"{self.seed}|{instance_key(instance)}".encode()).digest()
        return int.from_bytes(digest[:4], "little")


Check = Callable[[Any, Context], Evidence]


@dataclass(frozen=True, slots=True)
class Theorem:
    """A claim from the catalogue (or a user's file) as an executable property.

    Attributes:
        id: stable kebab-case id (reports, certificates and pytest ids use it).
        title: one line.
        source: seed file and section, e.g. ``"003 Thm 1.2"``.
        statement: the claim, Markdown with TeX.
        expectation: what the harness should conclude.
        instances: factory of the Hypothesis strategy drawing instances that satisfy the
            hypotheses: no arguments, or a keyword ``budget`` (see :meth:`strategy_for`).
        check: judges one instance.
        hypotheses: the hypotheses the generator enforces, in words.
        falsifies: for a falsified variant, the id of the theorem it perturbs.
        headline: for a probe, the statistic its verdict line reports (default: the first).
    """

    id: str
    title: str
    source: str
    statement: str
    expectation: Expectation
    instances: Callable[[], SearchStrategy[Any]]
    check: Check
    hypotheses: tuple[str, ...] = ()
    falsifies: str | None = None
    headline: str = ""

    def __post_init__(self) -> None:

        where = f"theorem {self.id!r}"
        if not isinstance(self.expectation, Expectation):
            raise InvalidArgument(
                f"{where}: expectation={self.expectation!r} must be an Expectation, e.g. Expectation.HOLDS"
            )
        if not callable(self.instances) or isinstance(self.instances, SearchStrategy):
            raise InvalidArgument(
                f"{where}: instances must be a zero-argument function returning a Hypothesis strategy "
                "(pass `lambda: strategy` or the @st.composite function itself, not a strategy)"
            )
        if not callable(self.check):
            raise InvalidArgument(f"{where}: check={self.check!r} must be a function check(instance, context) -> Evidence")

    @property
    def is_variant(self) -> bool:
        return self.falsifies is not None

    def strategy_for(self, budget: Budget) -> SearchStrategy[Any]:
        """The instance strategy for ``budget``: a factory with a ``budget`` parameter gets it (its
        range may grow with :attr:`Budget.instance_size`); a zero-argument factory is called as is."""
        if "budget" in inspect.signature(self.instances).parameters:
            return self.instances(budget=budget)
        return self.instances()
