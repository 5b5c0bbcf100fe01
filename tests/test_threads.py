"""The thread policy: chosen by the harness, settable, recorded, and without effect on results."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from landscape.theorems.budget import budget_named
from landscape.errors import InvalidArgument
from landscape.certificates.replay import replay
from landscape.engine.runner import verify
from landscape.theorems.catalogue import REGISTRY
from landscape.threads import (
    LARGE_BATCH_ELEMENTS,
    THREADS_ENV,
    XDIST_WORKER_ENV,
    ThreadPolicy,
    applied,
    choose_policy,
    cores,
    for_batch,
    proof_content,
)


@pytest.fixture
def no_thread_settings(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    monkeypatch.delenv(XDIST_WORKER_ENV, raising=False)


def test_default_is_one_thread_and_every_core_only_for_large_batches(no_thread_settings):
    policy = choose_policy()
    assert (policy.small, policy.large, policy.source) == (1, cores(), "default")
    assert policy.for_elements(LARGE_BATCH_ELEMENTS - 1) == 1
    assert policy.for_elements(LARGE_BATCH_ELEMENTS) == cores()


def test_xdist_workers_use_one_thread_for_everything(no_thread_settings, monkeypatch):
    monkeypatch.setenv(XDIST_WORKER_ENV, "gw0")
    policy = choose_policy()
    assert (policy.small, policy.large, policy.source) == (1, 1, "xdist worker")


def test_explicit_beats_environment_beats_default(no_thread_settings, monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "3")
    assert (choose_policy().small, choose_policy().large, choose_policy().source) == (3, 3, "environment")
    assert (choose_policy(2).small, choose_policy(2).large, choose_policy(2).source) == (2, 2, "explicit")


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_bad_thread_counts_are_refused_naming_the_setting(no_thread_settings, monkeypatch, value):
    monkeypatch.setenv(THREADS_ENV, value)
    with pytest.raises(InvalidArgument, match=f"{THREADS_ENV}='{value}' must be a positive integer"):
        choose_policy()


def test_applied_sets_and_restores_torch_threads_and_records_the_most_used():
    before = torch.get_num_threads()
    policy = ThreadPolicy(small=1, large=2, source="explicit")
    with applied(policy):
        assert torch.get_num_threads() == 1
        with for_batch(LARGE_BATCH_ELEMENTS) as count:
            assert count == torch.get_num_threads() == 2
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    assert policy.used == 2


THEOREMS_AT_TWO_THREAD_COUNTS = ["deep-linear-degenerate-saddle-at-zero", "variant-deep-linear-every-saddle-strict"]


@pytest.mark.parametrize("theorem_id", THEOREMS_AT_TWO_THREAD_COUNTS)
def test_same_seed_same_verdict_and_proof_at_one_and_two_threads(theorem_id, tmp_path):
    """The thread count lives only in the certificate's ``environment`` block: the rest of the
    certificate file is identical, and both replay."""
    results = {n: verify(REGISTRY.get(theorem_id), budget_named("quick"), 3, certificates=tmp_path / str(n), threads=n) for n in (1, 2)}
    assert results[1].verdict == results[2].verdict
    files = {n: json.loads((tmp_path / str(n) / f"{theorem_id}.json").read_text()) for n in (1, 2)}
    assert [files[n]["environment"]["threads"] for n in (1, 2)] == [1, 2]
    assert proof_content(files[1]) == proof_content(files[2])
    assert [results[n].threads["used"] for n in (1, 2)] == [1, 2]
    assert all(replay(results[n].certificate_path).passed for n in (1, 2))


def test_large_batches_take_the_policy_count_without_changing_the_search(monkeypatch):
    """The search's chunks cross the large-batch threshold (lowered here): same end points."""
    from landscape.searching import critical_points as search_module
    from landscape.landscapes.deep_linear import DeepLinear
    from landscape.generators.data import regression_data

    data = regression_data(3, 2, 16, seed=0)
    landscape = DeepLinear((3, 3, 2), data.x, data.y)
    monkeypatch.setattr("landscape.threads.LARGE_BATCH_ELEMENTS", 1)
    ends = {}
    for large in (1, 2):
        policy = ThreadPolicy(small=1, large=large, source="explicit")
        with applied(policy):
            ends[large] = search_module.search(landscape, 64, 50, 5, seed=0).points
        assert policy.used == large
    assert (ends[1] == ends[2]).all()


def test_cli_threads_option_is_recorded_and_bad_values_are_one_line(tmp_path):
    records = tmp_path / "r.jsonl"
    command = [sys.executable, "-m", "landscape.cli", "verify", "variant-deep-linear-every-saddle-strict", "--quiet",
               "--threads", "1", "--json", str(records), "--certificates", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "threads 1 (explicit; 1 for large batches)" in result.stdout
    assert json.loads(records.read_text())["threads"] == {"small": 1, "large": 1, "source": "explicit", "used": 1}
    bad = subprocess.run(command[:-6] + ["--threads", "0"], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "threads=0 must be a positive integer" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


class _Config:
    def __init__(self, threads):
        self.threads = threads

    def getoption(self, name, default=None):
        return self.threads if name == "landscape_threads" else default


def test_the_pytest_option_sets_the_environment_workers_inherit(no_thread_settings, monkeypatch):
    from landscape.pytest_plugin import _configure_threads

    _configure_threads(_Config(3))
    assert choose_policy().small == 3 and choose_policy().source == "environment"
    monkeypatch.delenv(THREADS_ENV)
    with pytest.raises(pytest.UsageError, match="--landscape-threads=0 must be a positive integer"):
        _configure_threads(_Config(0))
    _configure_threads(_Config(None))
    assert choose_policy().source == "default"
