"""Probes: per-instance statistics, their summaries, the ``measured`` verdict and its record."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import strategies as st

from landscape.theorems.budget import Budget
from landscape.engine.measurements import aggregate, headline_message, summarise, validated
from landscape.reports.records import append_record, read_records
from landscape.engine.results import Verdict
from landscape.engine.runner import verify
from landscape.theorems.model import Evidence, Expectation, Outcome, Theorem

SMALL = Budget("custom", instances=6, restarts=1, descent_steps=1, refine_steps=1)


def _probe(check, theorem_id: str = "test-probe", headline: str = "value") -> Theorem:
    return Theorem(
        id=theorem_id, title="a probe", source="test", statement="measures", expectation=Expectation.PROBE,
        instances=lambda: st.integers(0, 1000), check=check, headline=headline,
    )


def _measure(instance: int, context) -> Evidence:
    statistics = {"value": instance % 7 / 7, "even": instance % 2 == 0, "runs": 3}
    return Evidence(Outcome.MEASURED, f"value {instance % 7}", restarts=3, statistics=statistics,
                    group="even" if instance % 2 == 0 else "odd")


def test_summaries_of_numbers_and_of_booleans():
    assert summarise([1, 2.0, 6]) == {"count": 3, "mean": 3.0, "median": 2.0, "min": 1.0, "max": 6.0}
    assert summarise([True, False, True, True]) == {"count": 4, "fraction": 0.75}
    assert summarise([]) == {}


def test_statistics_are_summarised_overall_and_per_group_counting_only_instances_that_have_them():
    measurements = [{"group": "a", "x": 1.0, "y": True}, {"group": "b", "x": 3.0}, {"group": "a", "x": 2.0}]
    statistics = aggregate(measurements, headline="x")
    assert statistics["headline"] == "x"
    assert statistics["overall"]["x"] == {"count": 3, "mean": 2.0, "median": 2.0, "min": 1.0, "max": 3.0}
    assert statistics["overall"]["y"] == {"count": 1, "fraction": 1.0}
    assert list(statistics["groups"]) == ["a", "b"]
    assert statistics["groups"]["a"]["x"]["mean"] == 1.5 and "y" not in statistics["groups"]["b"]
    assert headline_message(statistics).startswith("x: mean 2, median 2, range [1, 3] over 3 instances; by group: a 1.5, b 3")
    assert aggregate([], headline="x") == {}


@pytest.mark.parametrize("values, message", [
    ({"x": math.nan}, "x=nan is not a finite number"),
    ({"x": math.inf}, "x=inf is not a finite number"),
    ({"x": "high"}, "x='high' is not a finite number"),
    ({"group": 1.0}, "reserved"),
], ids=["nan", "infinity", "text", "reserved-name"])
def test_a_statistic_that_is_not_a_finite_number_is_refused(values, message):
    with pytest.raises(ValueError, match=message):
        validated(values, "g")


def test_a_probe_that_measures_every_instance_is_measured_and_matches():
    result = verify(_probe(_measure), SMALL, seed=3)
    coverage = result.coverage
    assert result.verdict is Verdict.MEASURED and result.matches
    assert coverage.instances == len(coverage.measurements) >= 2 and coverage.outcomes == {"measured": coverage.instances}
    values = [m["value"] for m in coverage.measurements]
    summary = coverage.statistics()["overall"]["value"]
    assert summary["count"] == len(values) and summary["min"] == min(values) and summary["max"] == max(values)
    assert summary["mean"] == pytest.approx(sum(values) / len(values))
    assert result.message.startswith("value: mean ") and "holds" not in result.message
    assert set(coverage.statistics()["groups"]) <= {"even", "odd"}
    assert coverage.restarts == 3 * coverage.instances


def test_same_seed_same_statistics():
    first, second = verify(_probe(_measure), SMALL, seed=5), verify(_probe(_measure), SMALL, seed=5)
    assert first.coverage.measurements == second.coverage.measurements


def test_an_unmeasured_instance_makes_the_probe_inconclusive():
    def sometimes(instance: int, context) -> Evidence:
        if instance % 3 == 0:
            return Evidence(Outcome.INCONCLUSIVE, "training diverged")
        return _measure(instance, context)

    theorem = _probe(sometimes)
    result = verify(theorem, Budget("custom", instances=20, restarts=1, descent_steps=1, refine_steps=1), seed=0)
    assert result.verdict is Verdict.INCONCLUSIVE and not result.matches
    assert "instances measured; training diverged" in result.message


def test_a_probe_reporting_a_non_finite_statistic_is_an_error():
    def broken(instance: int, context) -> Evidence:
        return Evidence(Outcome.MEASURED, "broken", statistics={"value": math.nan})

    result = verify(_probe(broken), SMALL, seed=0)
    assert result.verdict is Verdict.ERROR and not result.matches
    assert "value=nan is not a finite number" in result.message


def test_a_measurement_alone_decides_no_claim():
    claim = Theorem(id="test-claim", title="t", source="s", statement="s", expectation=Expectation.HOLDS,
                    instances=lambda: st.integers(0, 10), check=_measure)
    result = verify(claim, SMALL, seed=0)
    assert result.verdict is Verdict.INCONCLUSIVE and not result.matches
    assert result.message.startswith("no instance decided: value")
    assert result.coverage.measurements  # its statistics are kept all the same


def test_a_probe_record_round_trips_with_its_statistics(tmp_path):
    result = verify(_probe(_measure), SMALL, seed=3)
    append_record(tmp_path / "results.jsonl", result)
    (record,) = read_records([tmp_path / "results.jsonl"])
    assert record["verdict"] == "measured" and record["expectation"] == "probe" and record["matches"] is True
    assert record["coverage"]["measurements"] == json.loads(json.dumps(result.coverage.measurements))
    assert record["coverage"]["statistics"] == json.loads(json.dumps(result.coverage.statistics()))
    assert record["coverage"]["statistics"]["headline"] == "value"
