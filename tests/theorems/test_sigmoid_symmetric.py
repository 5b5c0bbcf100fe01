"""Prop IV.2 on {-a, 0, a}: the lemma's exact hypotheses, the refuted variant and its certificate."""

from __future__ import annotations

import numpy as np

from landscape.theorems.budget import budget_named
from landscape.certificates.replay import replay_data
from landscape.landscapes.networks import SigmoidNet
from landscape.theorems.model import Context, Outcome
from landscape.theorems.sigmoid import _not_symmetric, _symmetric_check
from landscape.theorems.sigmoid.symmetric import SymmetricInstance, lemma_hypotheses


def test_lemma_hypotheses_are_exact():
    assert lemma_hypotheses(SigmoidNet(3, [[-0.5, 0.0, 0.5]], [1.0, 0.0, 1.0]))[0]
    assert not lemma_hypotheses(SigmoidNet(3, [[-0.5, 0.0, 1.0]], [1.0, 0.0, 1.0]))[0]
    assert not lemma_hypotheses(SigmoidNet(3, [[-0.5, 0.25, 0.5]], [1.0, 0.0, 1.0]))[0]
    assert not lemma_hypotheses(SigmoidNet(1, [[-0.5, 0.0, 0.5]], [1.0, 0.0, 1.0]))[0]


def test_generator_excludes_only_the_three_point_sets():
    assert not _not_symmetric(((-1.0, 0.0, 1.0),))
    assert _not_symmetric(((-2.0, -1.0, 1.0, 2.0),)) and _not_symmetric(((-1.0, 0.0, 2.0),))


def test_symmetric_variant_is_refuted_with_a_replayable_certificate():
    context = Context(budget=budget_named("quick"), seed=0, theorem_id="variant-sigmoid-symmetric-inputs")
    evidence = _symmetric_check(SymmetricInstance(1.0, 3, (2.0, -1.0, 0.5)), context)
    assert evidence.outcome is Outcome.COUNTEREXAMPLE
    data = evidence.certificate.to_json()
    assert replay_data(data).passed
    data["landscape"]["X"] = [[-1.0, 0.0, 1.5]]  # no longer symmetric: the lemma does not apply
    assert not replay_data(data).passed
    data = evidence.certificate.to_json()
    data["point"] = list(np.zeros(len(data["point"])))  # a point that does not attain min q
    assert not replay_data(data).passed
