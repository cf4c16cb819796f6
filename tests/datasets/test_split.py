"""split_dataset on data the arithmetic cannot take (from tests/test_hardening.py, issue 12)."""
import math

import numpy as np
import pandas as pd
import pytest

from distillkit.datasets import DataError, from_frame, split_dataset


def _frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    df["y"] = df.x1 - 2 * df.x2
    return df


def test_values_near_float_limit_keep_their_column(tmp_path):
    df = _frame()
    df["x1"] = df.x1 * 1e307
    sp = split_dataset(from_frame(df, target="y"), seed=0)
    assert np.isfinite(sp.X_train).all() and np.isfinite(sp.x_scale).all()
    assert sp.X_train[:, 0].std() == pytest.approx(1.0, rel=1e-3)  # not silently zeros
    spread = (df.x1.to_numpy() / 1e307).std() * 1e307  # of all rows; the scale uses train rows
    assert sp.x_scale[0] == pytest.approx(spread, rel=0.2)


def test_huge_target_is_standardised():
    df = _frame()
    df["y"] = df.y * 1e306
    sp = split_dataset(from_frame(df, target="y"), seed=0)
    assert np.isfinite(sp.y_train).all() and math.isfinite(sp.y_scale) and sp.y_scale > 1e300
    with pytest.raises(DataError, match="float32"):  # raw units do not fit float32
        split_dataset(from_frame(df, target="y"), seed=0, scale_target=False)


def test_plain_data_standardises_exactly_as_before():
    df = _frame()
    ds = from_frame(df, target="y")
    sp = split_dataset(ds, seed=3)
    X = ds.X.to_numpy()
    from sklearn.model_selection import train_test_split
    X_tr, _ = train_test_split(X, test_size=0.2, random_state=3)
    expected = ((X_tr - X_tr.mean(axis=0)) / X_tr.std(axis=0)).astype(np.float32)
    assert np.array_equal(sp.X_train, expected)


def test_constant_target_is_an_error(tmp_path):
    with pytest.raises(DataError, match="constant"):
        from_frame(_frame().assign(y=3.0), target="y")
    df = _frame(n=40)
    df["y"] = 0.0
    df.loc[0, "y"] = 1.0  # one non-constant row: constant in one of the parts
    ds = from_frame(df, target="y")
    hits = 0
    for seed in range(6):
        try:
            split_dataset(ds, seed=seed)
        except DataError as exc:
            assert "constant" in str(exc)
            hits += 1
    assert hits == 6  # the one odd row lands either in train or test: the other part is constant


