"""The search on a CUDA GPU gives the CPU's verdicts (marker ``cuda``; skipped without a GPU).

The search may run on the GPU, in float64 or float32; refinement, classification and every
certificate stay float64 on the CPU.  These tests check that the device changes neither what is
concluded nor what a certificate proves:

* the same seed gives the same verdict on ``cuda`` as on ``cpu``, and a certificate written after
  a CUDA search replays on the CPU;
* a float32 search on the GPU, refined and classified in float64, reaches critical points to
  float64 precision and the same mixture of point classes as the float64 CPU search.

``scripts/gpu-check`` runs them together with ``landscape bench`` on the GPU.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from landscape.theorems.budget import budget_named
from landscape.certificates.replay import replay
from landscape.oracles.classify import classify_batch
from landscape.landscapes.deep_linear import DeepLinear
from landscape.oracles.optimum import optimum_of
from landscape.searching.critical_points import search
from landscape.engine.runner import verify
from landscape.theorems.catalogue import REGISTRY

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (run scripts/gpu-check on one)"),
]

DEVICE = "cuda"
# Theorems whose instances are searched on the context's device, and a variant refuted by search.
ON_DEVICE = (
    "deep-linear-no-bad-local-min",
    "one-hidden-strict-saddles",
    "sigmoid-suboptimal-local-min",
    "wide-net-no-bad-basin",
    "variant-deep-linear-second-order-minimum",
)
# A float32 descent ends within float32 rounding of where float64 descent ends; refinement then
# takes both to the same critical sets, but a start near a basin boundary may change basin.  Of
# 256 starts, at most this fraction may change class before the test calls it a device bug.
CLASS_SHIFT_ALLOWANCE = 0.05
# Refined candidates reach ~1e-15 relative gradient norm in float64 (classify's Tolerances);
# 1e-9 leaves room for ill-conditioned instances and still fails a float32-only result (~1e-4).
CRITICAL_GRADIENT = 1e-9


@pytest.mark.parametrize("theorem_id", ON_DEVICE)
def test_cuda_search_gives_the_cpu_verdict(theorem_id, tmp_path):
    theorem = REGISTRY.get(theorem_id)
    budget = budget_named("quick")
    on_cpu = verify(theorem, budget, seed=0, device="cpu", certificates=tmp_path / "cpu")
    on_gpu = verify(theorem, budget, seed=0, device=DEVICE, certificates=tmp_path / "cuda")
    assert on_gpu.verdict == on_cpu.verdict, (on_cpu.message, on_gpu.message)
    assert on_gpu.coverage.instances == on_cpu.coverage.instances
    if on_gpu.certificate_path is not None:
        outcome = replay(on_gpu.certificate_path)
        assert outcome.passed, [check for check in outcome.results if not check.passed]


def _classes(landscape: DeepLinear, points: np.ndarray) -> Counter[str]:
    optimum = optimum_of(landscape)
    return Counter(found.kind.value for found in classify_batch(landscape, points, optimum.value))


@pytest.mark.parametrize("search_dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_gpu_search_with_float64_certification_matches_the_cpu(search_dtype):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(3, 12)), rng.normal(size=(2, 12))
    landscape = DeepLinear((3, 3, 2), x, y)
    starts = 256
    reference = search(landscape, starts, descent_steps=300, refine_steps=40, seed=7, device="cpu")
    found = search(landscape, starts, descent_steps=300, refine_steps=40, seed=7, device=DEVICE, dtype=search_dtype)
    assert found.points.dtype == np.float64 and found.device.startswith(DEVICE)
    scale = np.sqrt(landscape.loss_scale())
    assert np.all(found.gradient_norms <= CRITICAL_GRADIENT * max(1.0, scale))
    cpu_classes, gpu_classes = _classes(landscape, reference.points), _classes(landscape, found.points)
    shifted = sum((cpu_classes - gpu_classes).values())
    assert shifted <= CLASS_SHIFT_ALLOWANCE * starts, (cpu_classes, gpu_classes)
