"""`landscape bench` reports every figure the issue asks for (speed itself is never asserted)."""

from __future__ import annotations

import math

from landscape.bench.suite import BenchSettings, format_figures, run_bench


def test_bench_reports_every_figure():
    figures = run_bench(BenchSettings(sizes=(4, 8), steps=2, loop_starts=1, hessian_batch=4, hessian_loop_points=1,
                                      peer=False, end_to_end=False))
    for key in ("search_speedup_vs_loop", "hessian_speedup_vs_loop", "search_flop_fraction",
                "top_eig_speedup_vs_power_iteration", "device", "torch", "threads"):
        assert key in figures
    for by_size in figures["search_speedup_vs_loop"].values():
        assert set(by_size) == {"4", "8"} and all(v > 0 and math.isfinite(v) for v in by_size.values())
    assert figures["search_flop_fraction"] > 0
    top = figures["top_eig_speedup_vs_power_iteration"]
    assert abs(top["ours"] - top["power_iteration"]) <= 1e-2 * abs(top["ours"])
    assert "search_speedup_vs_loop" in format_figures(figures)
    assert all(v > 0 for v in figures["interval_backend_speedup"].values())
    assert len(figures["interval_proof_seconds"]) == 3 and "interval_proof_seconds" in format_figures(figures)
    threads = figures["kernel_threads"]
    assert set(threads["search"]["linear (8-8-8-4, n=64)"]) == {"4", "8"} and threads["loop"] >= 1
    assert "thr)" in format_figures(figures)


def test_the_scipy_peer_runs_both_sides_to_the_same_rule():
    from landscape.bench.suite import bench_models
    from landscape.bench.peer import format_peer, numpy_relu_loss_and_gradient, peer_cases, peer_figures
    from landscape.landscapes.networks import ReluTeacher

    import numpy as np
    import torch

    landscape = ReluTeacher(5, 5)
    theta = landscape.random_points(1, torch.Generator().manual_seed(0))
    loss, gradient = numpy_relu_loss_and_gradient(theta[0].numpy(), 5)
    assert abs(loss - float(landscape.loss(theta)[0])) < 1e-11 and np.abs(gradient - landscape.gradient(theta)[0].numpy()).max() < 1e-13
    models = bench_models()
    figures = peer_figures(peer_cases((4,), models["linear (8-8-8-4, n=64)"], models["sigmoid (8-16-1, n=64)"])[:2], 8, 2, "cpu")
    for case in figures["cases"].values():
        assert case["harness"]["converged"] == 8 and case["peer"]["converged"] == 2
        assert case["peer_over_harness_per_converged_start"] > 0
        cpu = case["peer_over_harness_cpu_per_converged_start"]
        assert (cpu is None) == (torch.get_num_threads() != 1) and (cpu is None or cpu > 0)
        assert case["harness"]["certification_seconds"] > 0
    assert "scipy_lbfgs_peer" in format_peer(figures)[0]


def test_end_to_end_figures_time_real_runs_under_each_policy():
    from landscape.bench.runs import catalogue_figures, format_end_to_end, policies

    figures = catalogue_figures(("variant-deep-linear-every-saddle-strict",))
    assert list(figures["policies"]) == list(policies())
    for policy in figures["policies"].values():
        assert policy["exit_status"] == 0 and policy["as_expected"] == policy["theorems"] == 1 and policy["wall_seconds"] > 0
    assert figures["slowest_under_default"][0][0] == "variant-deep-linear-every-saddle-strict"
    assert figures["default_over_best"] >= 1.0
    assert "default over best" in "\n".join(format_end_to_end({"catalogue_wall_seconds": figures}))


def test_the_pytest_figures_find_the_catalogue_tests_of_this_checkout():
    """From a source checkout the pytest figures run (an installed copy says why it skips)."""
    from pathlib import Path

    from landscape.bench.runs import catalogue_tests

    assert catalogue_tests() == Path(__file__).resolve().parent / "test_catalogue.py"
