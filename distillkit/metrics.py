"""Small measurements every chapter uses, each with one convention.

* improvement (%) = (best - standard) / |standard| x 100: 0 when both are 0, NaN when
  only the standard is 0 (or either is not finite).
* best λ: the maximum of a λ-indexed curve over λ > 0 by default, ties to the smallest λ.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .students import _tokens


def improvement_pct(best, standard):
    """(best - standard) / |standard| * 100; 0 if both are 0, NaN if only the baseline is 0.

    Works on scalars and arrays; non-finite inputs give NaN (or ±inf where the algebra
    says so, e.g. a finite gain over a ``-inf`` baseline gives NaN).
    """
    best = np.asarray(best, dtype=float)
    standard = np.asarray(standard, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (best - standard) / np.abs(standard) * 100.0
    out = np.where((standard == 0) & (best == 0), 0.0, out)
    out = np.where((standard == 0) & (best != 0), np.nan, out)
    out = np.where(np.isfinite(best) & np.isfinite(standard), out, np.nan)
    return float(out) if out.ndim == 0 else out


def best_lambda(curve: pd.Series, exclude_zero: bool = True, decimals: int = 10):
    """``(λ, value)`` of the maximum of a λ-indexed curve, over λ > 0 by default.

    Ties (equal after rounding to ``decimals``) go to the smallest λ. Returns
    ``(nan, nan)`` if there is no candidate λ.
    """
    c = curve.dropna().sort_index()
    if exclude_zero:
        c = c[c.index > 0]
    if c.empty:
        return math.nan, math.nan
    rounded = c.round(decimals)
    lam = rounded.index[int(np.argmax(rounded.to_numpy()))]
    return float(lam), float(c.loc[lam])


def modal_count(values, decimals: int = 4) -> int:
    """How many entries share the most common value (after rounding to ``decimals``)."""
    v = np.round(np.asarray(values, dtype=float), decimals)
    if v.size == 0:
        return 0
    _, counts = np.unique(v, return_counts=True)
    return int(counts.max())


def spearman(x, y) -> float:
    """Spearman rank correlation; NaN when either side is constant or < 3 points."""
    x, y = pd.Series(np.asarray(x, float)), pd.Series(np.asarray(y, float))
    ok = x.notna() & y.notna() & np.isfinite(x) & np.isfinite(y)
    x, y = x[ok].rank(), y[ok].rank()
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def program_complexity(program: str) -> int:
    """Node count of a gplearn program string (functions, variables and constants)."""
    return len(_tokens(program))


def snr_proxy(y_true, y_pred) -> float:
    """The paper's SNR proxy Var(y) / Var(y - ŷ) (Appendix D.1)."""
    y_true = np.asarray(y_true, dtype=float)
    resid = y_true - np.asarray(y_pred, dtype=float)
    v = float(np.var(resid))
    return math.inf if v == 0 else float(np.var(y_true)) / v

