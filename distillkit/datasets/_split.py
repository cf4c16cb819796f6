"""Train / validation / test splits with standardised features and optional label noise."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from distillkit.datasets._registry import DataError, Dataset

# --------------------------------------------------------------------------
# Splitting
# --------------------------------------------------------------------------
@dataclass
class Split:
    """Standardised train/(validation)/test arrays plus the scaling used.

    ``X_* = (X_raw - x_mean) / x_scale`` and ``y_* = (y_raw - y_mean) / y_scale``
    with statistics from the training part only; the data arrays are float32, the
    statistics float64.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    feature_names: list[str]
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    y_scale: float
    dataset: str
    seed: int
    label_noise: float
    scale_target: bool | float
    #: what label_noise was multiplied by: "sd" (sd of y_train) or "rms" (rms of y_train)
    noise_scale: str = "sd"

    def __repr__(self) -> str:
        n_val = 0 if self.X_val is None else len(self.X_val)
        return (
            f"Split(dataset={self.dataset!r}, seed={self.seed}, n_train={len(self.X_train)}, "
            f"n_val={n_val}, n_test={len(self.X_test)}, label_noise={self.label_noise})"
        )


def _standardiser(a: np.ndarray):
    """(pre, mean, sd) per column with ``(a - pre*mean) / (pre*sd)`` the standardised
    values. Columns whose magnitude passes 1e150 are divided by it first (``pre``), so that
    ``(x - mean)**2`` cannot overflow near the float limit; other columns keep ``pre=1``
    and exactly the plain arithmetic."""
    big = np.max(np.abs(a), axis=0)
    pre = np.where(np.isfinite(big) & (big > 1e150), big, 1.0)
    z = a / pre
    return pre, z.mean(axis=0), z.std(axis=0)


def _check_fraction(value, name: str, low_inclusive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    value = float(value)
    ok = (0.0 <= value < 1.0) if low_inclusive else (0.0 < value < 1.0)
    if not ok:
        interval = "[0, 1)" if low_inclusive else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value}.")
    return value


def split_dataset(
    ds: Dataset,
    seed: int = 0,
    test_size: float = 0.2,
    validation_size: float = 0.0,
    scale_target: bool = True,
    label_noise: float = 0.0,
) -> Split:
    """Split, optionally add label noise, and standardise a dataset.

    Parameters
    ----------
    ds : Dataset
        Data to split.
    seed : int
        Non-negative seed for the splits and the label noise.
    test_size : float
        Fraction of rows held out for testing, in (0, 1).
    validation_size : float
        Fraction of the *training* part carved out for validation, in [0, 1).
    scale_target : bool or float
        True: standardise ``y`` with the training labels' mean/std; False: leave
        the target in raw units (``y_mean=0``, ``y_scale=1``); a number k > 0:
        centre ``y`` and scale it to standard deviation k (True is k = 1).
    label_noise : float
        Gaussian noise with sd ``label_noise * std(y_train)`` (or
        ``label_noise * rms(y_train)`` when ``ds.noise_scale == "rms"``, as for the
        ``feynman_<id>`` data sets; recorded as ``Split.noise_scale``) added to the
        training and validation labels (paper, appendix D.2); test labels stay
        clean.

    Returns
    -------
    Split
    """
    if not isinstance(ds, Dataset):
        raise DataError(f"split_dataset expects a Dataset, got {type(ds).__name__}.")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    seed = int(seed)
    test_size = _check_fraction(test_size, "test_size", low_inclusive=False)
    validation_size = _check_fraction(validation_size, "validation_size", low_inclusive=True)
    if (
        isinstance(label_noise, bool)
        or not isinstance(label_noise, numbers.Real)
        or not math.isfinite(label_noise)
        or label_noise < 0
    ):
        raise ValueError(f"label_noise must be a finite number >= 0, got {label_noise!r}.")
    label_noise = float(label_noise)
    if isinstance(scale_target, (bool, np.bool_)):
        target_sd = 1.0 if scale_target else None
    elif (isinstance(scale_target, numbers.Real) and math.isfinite(scale_target)
          and scale_target > 0):
        target_sd = float(scale_target)
    else:
        raise ValueError(f"scale_target must be True, False or a number > 0, got {scale_target!r}.")

    X = ds.X.to_numpy(dtype=np.float64)
    y = ds.y.to_numpy(dtype=np.float64)
    try:
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, random_state=seed)
        X_va = y_va = None
        if validation_size > 0:
            X_tr, X_va, y_tr, y_va = train_test_split(
                X_tr, y_tr, test_size=validation_size, random_state=seed
            )
    except ValueError as exc:
        raise DataError(
            f"Cannot split {ds.n_samples} rows with test_size={test_size} and "
            f"validation_size={validation_size}: {exc}"
        ) from exc
    if len(X_tr) < 2:
        raise DataError(f"The training part has {len(X_tr)} row(s); at least 2 are needed.")

    if label_noise > 0:
        rng = np.random.default_rng([seed, 2507])
        spread = np.sqrt(np.mean(y_tr**2)) if ds.noise_scale == "rms" else np.std(y_tr)
        sd = label_noise * float(spread)
        y_tr = y_tr + rng.normal(0.0, sd, size=y_tr.shape)
        if y_va is not None:
            y_va = y_va + rng.normal(0.0, sd, size=y_va.shape)

    for part, values in (("training", y_tr), ("test", y_te)):
        if np.ptp(values) == 0:
            raise DataError(
                f"The target is constant ({values[0]:g}) in the {part} part of {ds.name!r}; "
                "R² is undefined. Use more rows or a different seed/test_size."
            )
    x_pre, x_mid, x_sd = _standardiser(X_tr)
    x_sd[x_sd == 0] = 1.0  # constant columns: avoid division by zero
    x_mean, x_scale = x_mid * x_pre, x_sd * x_pre
    if target_sd is not None:
        y_pre, y_mid, y_sd = _standardiser(y_tr)
        y_sd = y_sd / target_sd
        y_mean, y_scale = float(y_mid * y_pre), float(y_sd * y_pre)
    else:
        y_pre, y_mid, y_sd = 1.0, 0.0, 1.0
        y_mean, y_scale = 0.0, 1.0

    def fx(a):
        return None if a is None else ((a / x_pre - x_mid) / x_sd).astype(np.float32)

    def fy(a):
        return None if a is None else ((a / y_pre - y_mid) / y_sd).astype(np.float32)

    with np.errstate(all="ignore"):  # overflow is reported below, as a DataError
        arrays = {"X_train": fx(X_tr), "y_train": fy(y_tr), "X_test": fx(X_te), "y_test": fy(y_te),
                  "X_val": fx(X_va), "y_val": fy(y_va)}
        stats_ok = np.isfinite(x_mean) & np.isfinite(x_scale) & (x_scale > 0)
        for part in ("X_train", "X_test", "X_val"):
            if arrays[part] is not None:
                stats_ok &= np.isfinite(arrays[part]).all(axis=0)
    bad = [n for n, ok in zip(ds.feature_names, stats_ok) if not ok]
    if not (np.isfinite([y_mean, y_scale]).all() and y_scale > 0 and all(
            np.isfinite(arrays[p]).all() for p in ("y_train", "y_test", "y_val") if arrays[p] is not None)):
        bad.append(f"target {ds.y.name!r}")
    if bad:
        raise DataError(
            f"Cannot standardise {', '.join(map(str, bad))} of {ds.name!r} in float32: the values are "
            "too large or their spread too small relative to their size; rescale them first."
        )

    return Split(
        **arrays,
        feature_names=ds.feature_names,
        x_mean=x_mean,  # float64: float32 would turn statistics beyond 3.4e38 into inf
        x_scale=x_scale,
        y_mean=y_mean,
        y_scale=y_scale,
        dataset=ds.name,
        seed=seed,
        label_noise=label_noise,
        noise_scale=ds.noise_scale,
        scale_target=bool(scale_target) if target_sd in (None, 1.0) else target_sd,
    )
