"""Small measurements (distillkit.stats.metrics): improvement, best λ, modal count, Spearman ρ, SNR proxy."""
from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from distillkit.stats import metrics


def test_improvement_basic_and_negative_baseline():
    assert metrics.improvement_pct(0.6, 0.1) == pytest.approx(500.0)
    assert metrics.improvement_pct(0.45, 0.39) == pytest.approx(15.3846, rel=1e-4)
    assert metrics.improvement_pct(0.1, 0.2) == pytest.approx(-50.0)
    # a negative baseline: divide by its absolute value, so going up is positive
    assert metrics.improvement_pct(-0.5, -1.0) == pytest.approx(50.0)
    assert metrics.improvement_pct(-1.5, -1.0) == pytest.approx(-50.0)


def test_improvement_zero_and_nonfinite_baselines():
    assert metrics.improvement_pct(0.0, 0.0) == 0.0
    assert math.isnan(metrics.improvement_pct(0.3, 0.0))
    assert math.isnan(metrics.improvement_pct(0.3, float("-inf")))
    assert math.isnan(metrics.improvement_pct(float("nan"), 0.3))
    arr = metrics.improvement_pct(np.array([0.2, 0.0, 0.1]), np.array([0.1, 0.0, 0.0]))
    assert arr[0] == pytest.approx(100.0) and arr[1] == 0.0 and math.isnan(arr[2])


def test_best_lambda_excludes_zero_and_breaks_ties_low():
    c = pd.Series([0.9, 0.3, 0.5, 0.5, 0.1], index=[0.0, 0.001, 0.01, 0.05, 0.5])
    assert metrics.best_lambda(c) == (0.01, 0.5)
    assert metrics.best_lambda(c, exclude_zero=False) == (0.0, 0.9)
    flat = pd.Series([0.2] * 3, index=[0.5, 0.0, 0.1])  # unsorted index
    assert metrics.best_lambda(flat) == (0.1, 0.2)
    lam, val = metrics.best_lambda(pd.Series([0.2], index=[0.0]))
    assert math.isnan(lam) and math.isnan(val)


def test_best_lambda_with_minus_inf():
    c = pd.Series([0.1, -np.inf, 0.2], index=[0.0, 0.01, 0.5])
    assert metrics.best_lambda(c) == (0.5, 0.2)


def test_modal_count():
    assert metrics.modal_count([0.17881, 0.17879, 0.2]) == 2  # equal to 4 decimals
    assert metrics.modal_count([1, 2, 3]) == 1
    assert metrics.modal_count([]) == 0


def test_snr_proxy_known_answer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200_000)
    noise = rng.normal(size=x.size)
    y = 2 * x + noise  # Var(y) = 5, Var(residual) = 1
    assert metrics.snr_proxy(y, 2 * x) == pytest.approx(5.0, rel=0.02)
    from sklearn.linear_model import LinearRegression
    pred = LinearRegression().fit(x[:, None], y).predict(x[:, None])
    assert metrics.snr_proxy(y, pred) == pytest.approx(5.0, rel=0.02)
    assert metrics.snr_proxy([1.0, 2.0], [1.0, 2.0]) == math.inf


def test_spearman_constant_is_nan():
    assert math.isnan(metrics.spearman([1, 2, 3], [5, 5, 5]))
    assert metrics.spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
