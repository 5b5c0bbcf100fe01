"""Every catalogue theorem verifies as expected; every falsified variant is refuted; every
certificate replays from its file."""

from __future__ import annotations

import pytest

from landscape.certificates.replay import replay
from landscape.engine.results import Verdict
from landscape.engine.runner import verify
from landscape.theorems.catalogue import REGISTRY
from landscape.theorems.model import Expectation
from landscape.errors import TheoremViolation

CATALOGUE = REGISTRY.catalogue()
VARIANTS = REGISTRY.variants()
# Theorems whose records must show non-global critical points found by the search, not only named.
SEARCHED_SADDLES = {
    "deep-linear-no-bad-local-min", "one-hidden-strict-saddles", "deep-linear-critical-points-by-rank",
    "deep-linear-strict-saddle-rank", "mf-weight-decay-global-certificate",
}
# Variants that the theory's named points refute and that the search must refute without them.
# (The origin-check variants claim something of the origin itself: it is their subject, not a
# named candidate; variant-one-hidden-repeated-eigenvalues claims something of the eigenvector
# parametrisation (1.24), which a searched point does not carry.)
SEARCH_REFUTES = [
    "variant-by-rank-with-bottleneck",
    # Degenerate saddles reached by following critical manifolds: several instances, and shrinking.
    pytest.param("variant-strict-saddle-any-rank", marks=pytest.mark.slow),
    "variant-mf-first-order-global", "variant-mf-local-min-without-zero-column",
    "variant-toy-vw-every-critical-global",  # the origin saddle, reached by the saddle-seeking modes
    "variant-one-hidden-repeated-eigenvalues",  # a searched global minimum whose U V^T fits (1.24) with J = {2}
    "variant-convex-loss-with-bottleneck",  # a searched non-strict minimum of the rank-one trap
]
# Witnesses and counterexamples that cannot reach rigour exact or interval yet, and why (docs/interval.md).
FLOAT64_CERTIFICATES = {
    "linear-residual-identity-init": "gradient-descent iterates on an invariant set that ball arithmetic loses",
    "gd-exponential-escape-time": "escape times of float64 GD runs, fitted to growth laws",
}


def _verify_and_replay(theorem, budget, seed, tmp_path, record=None, verifier=verify, power=None):
    result = verifier(theorem, budget, seed, certificates=tmp_path, power=power)
    if record is not None:  # --landscape-report: every catalogue verification goes to the report
        record(result)
    if not result.matches:
        where = f"\n  certificate: {result.certificate_path}" if result.certificate_path else ""
        reproduce = f"\n  reproduce: landscape verify {theorem.id} --seed {seed} --budget {budget.name}"
        raise TheoremViolation(theorem.id, "refuted" if theorem.is_variant else theorem.expectation.value,
                               result.verdict.value, result.message + where + reproduce)
    if result.certificate_path is not None:
        outcome = replay(result.certificate_path)
        assert outcome.passed, [c for c in outcome.results if not c.passed]
    return result


@pytest.mark.parametrize("theorem", CATALOGUE, ids=[t.id for t in CATALOGUE])
def test_theorem(theorem, landscape_budget, landscape_seed, tmp_path, landscape_record, landscape_verify, landscape_power):
    result = _verify_and_replay(
        theorem, landscape_budget, landscape_seed, tmp_path, landscape_record, landscape_verify, landscape_power
    )
    assert result.coverage.instances >= 1
    if theorem.expectation is Expectation.PROBE:  # a probe classifies nothing: it measures
        headline = result.coverage.statistics()["overall"][theorem.headline]
        assert headline["count"] == result.coverage.instances == len(result.coverage.measurements)
    else:
        assert result.coverage.classified >= 1
    if theorem.id in SEARCHED_SADDLES:
        non_global = sum(n for kind, n in result.coverage.searched.items() if kind not in ("global_minimum", "not_critical"))
        assert non_global >= result.coverage.instances / 2, dict(result.coverage.searched)
    if result.certificate is not None and theorem.expectation in (Expectation.WITNESSED, Expectation.REFUTED):
        expected = ("float64",) if theorem.id in FLOAT64_CERTIFICATES else ("exact", "interval")
        assert result.certificate.rigour in expected, result.certificate.rigour_note


@pytest.mark.parametrize("variant", VARIANTS, ids=[t.id for t in VARIANTS])
def test_falsified_variant_is_refuted(variant, landscape_budget, landscape_seed, tmp_path, landscape_record, landscape_verify):
    result = _verify_and_replay(variant, landscape_budget, landscape_seed, tmp_path, landscape_record, landscape_verify)
    assert result.verdict is Verdict.REFUTED
    assert result.certificate is not None and result.certificate.role == "counterexample"


@pytest.mark.parametrize("variant_id", SEARCH_REFUTES)
def test_a_variant_is_refuted_by_the_search_alone(variant_id, landscape_budget, landscape_seed):
    result = verify(REGISTRY.get(variant_id), landscape_budget, landscape_seed, named_points=False)
    assert result.verdict is Verdict.REFUTED, result.message
    assert result.coverage.named == {} and "start" in result.certificate.claim


def test_every_theorem_has_a_falsified_variant():
    """Every claim has a variant the harness must refute.  Probes are left out: they claim
    nothing (they measure and report statistics), so there is no conclusion to falsify."""
    perturbed = {v.falsifies for v in VARIANTS}
    assert {t.id for t in CATALOGUE if t.expectation is not Expectation.PROBE} <= perturbed
    assert perturbed <= {t.id for t in CATALOGUE}


def test_counterexamples_shrink_to_small_instances(landscape_budget, tmp_path):
    """Hypothesis shrinks the counterexample of the depth-3 variant to scalar layers."""
    result = verify(REGISTRY.get("variant-deep-linear-every-saddle-strict"), landscape_budget, 0, certificates=tmp_path)
    assert result.certificate.landscape["widths"] == [1, 1, 1, 1]


def test_same_seed_same_verdicts_and_certificates(landscape_budget, tmp_path):
    theorem = REGISTRY.get("deep-linear-degenerate-saddle-at-zero")
    first = verify(theorem, landscape_budget, 7, certificates=tmp_path / "a")
    second = verify(theorem, landscape_budget, 7, certificates=tmp_path / "b")
    assert first.verdict == second.verdict
    assert first.certificate.to_json() == second.certificate.to_json()
