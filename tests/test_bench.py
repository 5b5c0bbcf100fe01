"""`landscape bench` reports every figure the issue asks for (speed itself is never asserted)."""

from __future__ import annotations

import math

from landscape.bench import BenchSettings, format_figures, run_bench


def test_bench_reports_every_figure():
    figures = run_bench(BenchSettings(sizes=(4, 8), steps=2, loop_starts=1, hessian_batch=4, hessian_loop_points=1))
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
