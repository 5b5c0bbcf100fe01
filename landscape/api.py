"""The public API: everything needed to write a theorem of one's own in one short file.

The catalogue (``landscape/theorems/``) is written with these same building blocks; a user's
file uses them the same way and runs with ``landscape verify --file my_claim.py`` or
``pytest my_claim.py``.  ``docs/tutorial.md`` walks through a complete example.

A theorem is a :class:`Theorem`: an id, a statement, an :class:`Expectation`, a factory of the
Hypothesis strategy that draws instances satisfying the hypotheses (no arguments, or a keyword
``budget`` whose :meth:`Budget.sized` lets the range grow with the budget), and a
``check(instance, context) -> Evidence``.  The pieces:

* landscapes — your loss as :func:`from_function` (``loss(theta, data)``) or
  :func:`from_module` (a ``torch.nn.Module`` + data + loss), made inside a top-level function
  decorated with :func:`builder` so certificates replay; or a :class:`Landscape` subclass, or
  the catalogue's :class:`DeepLinear`.  A subclass's facts live on its class: it names its
  ``family`` (a name no other class has), and may define ``optimum()`` (an :class:`Optimum`,
  checked against the losses the search finds), ``from_spec(spec)`` (a classmethod, so that
  its certificates replay from its ``spec()``), ``flat_directions``, ``polynomial_degree()``;
* generators — Hypothesis strategies: :func:`architectures`, :func:`one_hidden_layer`,
  :func:`datasets`, or any strategy of your own;
* ready-made properties — :func:`forbid` ("no critical point is of these kinds") and
  :func:`witness` ("some critical point is of this kind");
* building blocks of properties — :func:`survey` (search + classify), :func:`classify`,
  :func:`certify` (a replayable certificate), :func:`certified` (evidence carrying it),
  :func:`register_check` (a replayable check of your own);
* search modes — :func:`search` with ``mix=`` (:data:`MODES`; :data:`CRITICAL_POINT_MIX` for
  saddles, :data:`DESCENT_ONLY` by default);
* certificates for claims that are not about critical points — :func:`find_power_law_paths`
  (paths to infinity along which the loss decreases: coercivity claims),
  :func:`strict_minimum_radius` and :func:`minimum_checks` (a strict local minimum within a
  certified radius), :func:`better_point_check` and :func:`sub_optimality_check` (a point with
  lower loss, recorded and re-evaluated);
* running — :func:`verify` (what the CLI and pytest call), :func:`budget_named`;
  ``verify(..., power=PowerSettings())`` or :func:`measure_power` adds a power run (planted
  counterexamples and how often the search certifies them; ``forbid`` claims need nothing more).
"""

from __future__ import annotations

from landscape.theorems.budget import BUDGETS, Budget, budget_named
from landscape.errors import DataError, InvalidArgument, LandscapeError, OptimumError, TheoremViolation
from landscape.generators.architectures import architectures, one_hidden_layer
from landscape.generators.data import Dataset, datasets, regression_data
from landscape.landscapes.adapters import FunctionLandscape, ModuleLandscape, from_function, from_module
from landscape.landscapes.builders import builder
from landscape.certificates.certificate import Certificate
from landscape.certificates.registry import CheckResult, run_check
from landscape.certificates.replay import replay
from landscape.certificates.registry import replayable as register_check
from landscape.oracles.classify import Classification, PointClass, Tolerances, classify, classify_batch
from landscape.oracles.infinity import PowerLawPath, find_power_law_paths
from landscape.landscapes.base import Landscape, Optimum
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.minimum_certificate import (
    better_point_check, minimum_checks, strict_minimum_radius, sub_optimality_check,
)
from landscape.oracles.optimum import optimum_of
from landscape.searching.critical_points import CRITICAL_POINT_MIX, DESCENT_ONLY, MODES, SearchResult, search
from landscape.engine.results import VerificationResult, Verdict
from landscape.engine.power import PowerSettings, measure_power
from landscape.engine.runner import verify
from landscape.theorems.common import Survey, certified, certify, survey
from landscape.theorems.model import Check, Context, Evidence, Expectation, Outcome, Theorem
from landscape.theorems.properties import forbid, landscape_of, witness

__all__ = [
    "BUDGETS", "Budget", "CRITICAL_POINT_MIX", "Certificate", "Check", "CheckResult", "Classification", "Context",
    "DESCENT_ONLY", "DataError", "Dataset", "DeepLinear", "Evidence", "Expectation", "FunctionLandscape",
    "InvalidArgument", "Landscape", "LandscapeError", "MODES", "ModuleLandscape", "Optimum", "OptimumError",
    "Outcome", "PointClass", "PowerLawPath", "PowerSettings", "SearchResult", "Survey", "Theorem",
    "TheoremViolation", "Tolerances", "Verdict", "VerificationResult", "architectures", "better_point_check",
    "budget_named", "builder", "certified", "certify", "classify", "classify_batch", "datasets",
    "find_power_law_paths", "forbid", "from_function", "from_module", "landscape_of", "measure_power",
    "minimum_checks", "one_hidden_layer", "optimum_of", "register_check",
    "regression_data", "replay", "run_check", "search", "strict_minimum_radius", "sub_optimality_check", "survey",
    "verify", "witness",
]
