"""The benchmark helpers: operation counts, the roofline bound, small timing runs."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from distillkit.experiments import bench

from tests.conftest import needs_data


def test_fast_step_flops_counts_three_products():
    # (h, d+1) x (d+1, B), (d+1, h) x (h, B), (h, B) x (B, d+1): 2 operations per multiply-add
    assert bench.fast_step_flops(8, 100, 128) == 3 * 2 * 100 * 9 * 128
    assert bench.fast_step_flops(1, 1, 1) == 12


def _ens_frame():
    return pd.DataFrame({
        "G": [1, 30, 1, 1, 30], "threads": [1, 1, 1, 2, 2],
        "engine": ["auto", "auto", "autograd", "auto", "auto"],
        "us_per_step": [50.0, 400.0, 300.0, 40.0, 200.0],
        "d": [8] * 5, "hidden": ["100"] * 5, "batch": [128] * 5,
    })


def test_add_roofline_bound_and_rates():
    peak = {1: 100.0, 2: 200.0}
    out = bench.add_roofline(_ens_frame(), peak)
    f = bench.fast_step_flops(8, 100, 128)
    row = out.iloc[1]
    # the other 29 members' products at 100 GFLOP/s on top of one 50 µs step
    assert row.floor_x_one == pytest.approx(1 + 29 * f / (100e9 * 50e-6))
    assert row.achieved_gflops == pytest.approx(30 * f / 400e-6 / 1e9)
    assert row.efficiency == pytest.approx(row.achieved_gflops / 100.0)
    assert out.iloc[4].floor_x_one == pytest.approx(1 + 29 * f / (200e9 * 40e-6))
    assert out.floor_x_one[out.G == 1].dropna().tolist() == [1.0, 1.0]
    assert out.iloc[2][["floor_x_one", "achieved_gflops"]].isna().all()  # autograd row


def test_add_roofline_deeper_net_has_no_count():
    ens = _ens_frame().assign(hidden="100x100")
    out = bench.add_roofline(ens, {1: 100.0, 2: 200.0})
    assert out.floor_x_one.isna().all()


def test_peak_matmul_rate_is_positive():
    rate = bench.peak_matmul_gflops(threads=1, n=128, repeats=2)
    assert math.isfinite(rate) and rate > 0


def test_time_ensemble_small_run_has_roofline():
    ens = bench.time_ensemble(G_values=(1, 3), n=512, epochs=1, repeats=1, threads=(1,),
                              baseline_autograd=False)
    assert list(ens.G) == [1, 3]
    assert np.isfinite(ens.seconds).all() and (ens.seconds > 0).all()
    assert ens.loc[ens.G == 1, "x_one"].item() == pytest.approx(1.0)
    assert ens.loc[ens.G == 3, "floor_x_one"].item() > 1.0
    assert (ens.efficiency > 0).all()


def test_ensemble_value_picks_one_row_or_nan():
    ens = _ens_frame()
    assert bench.ensemble_value(ens, 30, 2, "us_per_step") == 200.0
    assert bench.ensemble_value(ens, 1, 1, "us_per_step", autograd=True) == 300.0
    assert math.isnan(bench.ensemble_value(ens, 6, 1, "us_per_step"))


def test_time_ensemble_ratio_to_autograd_teacher():
    ens = bench.time_ensemble(G_values=(1,), n=256, epochs=1, repeats=1, threads=(1,), roofline=False)
    fast = bench.ensemble_value(ens, 1, 1, "seconds")
    lone = bench.ensemble_value(ens, 1, 1, "seconds", autograd=True)
    assert bench.ensemble_value(ens, 1, 1, "x_one_autograd") == pytest.approx(fast / lone)


@needs_data
def test_student_cost_times_both_students():
    cost = bench.student_cost(datasets=("diabetes",), profile="smoke", generations=2, population_size=40,
                              operon_evaluations=500, operon_population=40)
    row = cost.iloc[0]
    assert row.gplearn_seconds > 0 and row.operon_seconds > 0
    assert row.operon_over_gplearn == pytest.approx(row.operon_seconds / row.gplearn_seconds)
    assert np.isfinite(row.operon_r2) and row.operon_complexity > 0
