"""pytest plugin (entry point ``pytest11``): Hypothesis profiles and the verification budget.

Profiles ``dev`` (default), ``ci`` and ``thorough`` are registered with Hypothesis, so
``--hypothesis-profile=NAME`` (or ``LANDSCAPE_PROFILE=NAME``) selects both the settings of the
suite's own property tests and the budget of theorem verifications (dev/ci: quick,
thorough: thorough).  ``--landscape-budget`` and ``--landscape-seed`` override.
Every module-level ``Theorem`` of a collected file (``pytest my_claim.py``) is a test item of its
own (see :mod:`landscape.testing`); its certificates go to ``--landscape-certificates``.
Heavy imports (torch) happen only when a fixture or a theorem asks for them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

PROFILE_ENV = "LANDSCAPE_PROFILE"
PROFILE_BUDGETS = {"dev": "quick", "ci": "quick", "thorough": "thorough"}
GROUP = "landscape"

settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile(
    "ci", max_examples=20, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=200, deadline=None)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(GROUP, "landscape-theorems")
    group.addoption("--landscape-budget", default=None, help="budget for theorem verifications (quick, standard, thorough)")
    group.addoption("--landscape-seed", type=int, default=0, help="seed for theorem verifications (default 0)")
    group.addoption(
        "--landscape-certificates", default="landscape-certificates", metavar="DIR",
        help="where theorems collected from files write their certificates (default: landscape-certificates/)",
    )


def active_profile(config: pytest.Config) -> str:
    chosen = config.getoption("hypothesis_profile", default=None) or os.environ.get(PROFILE_ENV) or "dev"
    if chosen not in PROFILE_BUDGETS:
        raise pytest.UsageError(f"unknown profile {chosen!r}; choose one of {', '.join(PROFILE_BUDGETS)}")
    return chosen


def pytest_configure(config: pytest.Config) -> None:
    profile = active_profile(config)
    settings.load_profile(profile)
    config.addinivalue_line("markers", "theorem(id): a test that verifies one catalogue theorem")
    # raised inside torch.func itself on torch >= 2.10; keeps users' theorem files quiet too
    config.addinivalue_line("filterwarnings", "ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def pytest_report_header(config: pytest.Config) -> str:
    profile = active_profile(config)
    budget = config.getoption("landscape_budget") or PROFILE_BUDGETS[profile]
    return f"landscape-theorems: profile {profile}, budget {budget}, seed {config.getoption('landscape_seed')}"


def selected_budget(config: pytest.Config):
    """The :class:`~landscape.budget.Budget` selected by the profile or ``--landscape-budget``."""
    from landscape.budget import budget_named

    return budget_named(config.getoption("landscape_budget") or PROFILE_BUDGETS[active_profile(config)])


def certificate_folder(config: pytest.Config) -> Path:
    return Path(config.getoption("landscape_certificates"))


@pytest.fixture(scope="session")
def landscape_budget(pytestconfig: pytest.Config):
    """The :class:`~landscape.budget.Budget` selected by the profile or ``--landscape-budget``."""
    return selected_budget(pytestconfig)


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: Any) -> Any:
    """A module-level ``Theorem`` is a test (checked by type name first: no import for others)."""
    kind = type(obj)
    if kind.__name__ != "Theorem" or kind.__module__ != "landscape.theorems.model":
        return None
    from landscape.testing import theorem_items

    return theorem_items(collector, name, obj)


@pytest.fixture(scope="session")
def landscape_seed(pytestconfig: pytest.Config) -> int:
    return int(pytestconfig.getoption("landscape_seed"))


@pytest.fixture(scope="session", autouse=True)
def _one_thread_per_worker() -> None:
    """Under ``pytest -n N`` every worker is a process: keep each to one BLAS/torch thread."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)
