"""Small measurements every chapter uses, each with one convention.

* improvement (%) = (best - standard) / |standard| x 100: 0 when both are 0, NaN when
  only the standard is 0 (or either is not finite).
* best λ: the maximum of a λ-indexed curve over λ > 0 by default, ties to the smallest λ.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd




def r2(y, pred) -> float:
    """The coefficient of determination as :func:`sklearn.metrics.r2_score` computes it, and
    ``-inf`` when a prediction is not finite (a formula that overflows or divides by zero on
    some row scores worst, instead of raising). ``pred`` may be a scalar (a constant formula)."""
    from sklearn.metrics import r2_score

    y = np.asarray(y, dtype=np.float64).ravel()
    pred = np.asarray(pred, dtype=np.float64).ravel()
    if pred.shape != y.shape:
        pred = np.broadcast_to(pred, y.shape)
    if not np.isfinite(pred).all():
        return float("-inf")
    return float(r2_score(y, pred))

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



def snr_proxy(y_true, y_pred) -> float:
    """The paper's SNR proxy Var(y) / Var(y - ŷ) (Appendix D.1)."""
    y_true = np.asarray(y_true, dtype=float)
    resid = y_true - np.asarray(y_pred, dtype=float)
    v = float(np.var(resid))
    return math.inf if v == 0 else float(np.var(y_true)) / v



# --------------------------------------------------------------------------------------
# bootstrap intervals and paired tests (chapters 08-12)
# --------------------------------------------------------------------------------------
#: smallest number of non-zero paired differences for which an exact two-sided
#: Wilcoxon test can reach p < 0.05 (n = 5 gives at best p = 2/32 = 0.0625)
MIN_WILCOXON_N = 6


def finite_values(values) -> np.ndarray:
    """``values`` as a flat float array without its NaN and ±inf entries."""
    a = np.asarray(values, dtype=np.float64).ravel()
    return a[np.isfinite(a)]


def bootstrap_ci(values, n_boot: int = 2000, ci: float = 0.95, rng=0, stat=np.mean):
    """Percentile bootstrap interval ``(lo, hi)`` of ``stat`` (non-finite values dropped),
    by ``scipy.stats.bootstrap`` (``method="percentile"``).

    Deterministic for a fixed ``rng`` (an int seed or a Generator). One value gives
    ``(v, v)``; none gives ``(nan, nan)``. scipy draws the same resamples as the hand-written
    loop it replaced (``rng.integers(0, n, (n_boot, n))``), so intervals agree with the old
    ones up to float rounding (|Δ| < 3e-14 over 400 random intervals, means and medians).
    For the outcome of a verdict use :mod:`distillkit.stats.outcome` (BCa, units, claims).
    """
    from scipy.stats import bootstrap

    a = finite_values(values)
    if a.size == 0:
        return (np.nan, np.nan)
    if a.size == 1 or np.all(a == a[0]):
        return (float(a[0]), float(a[0]))
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    res = bootstrap((a,), stat, n_resamples=int(n_boot), confidence_level=ci, method="percentile",
                    rng=gen, vectorized=True)
    return (float(res.confidence_interval.low), float(res.confidence_interval.high))


def paired_test(a, b, min_n: int = MIN_WILCOXON_N) -> dict:
    """Paired comparison of ``a`` against ``b`` (e.g. test R² at the honest λ vs at λ = 0).

    Returns n, the number of non-zero differences, mean and median difference with
    bootstrap 95 % intervals, the two-sided Wilcoxon signed-rank test
    (``scipy.stats.wilcoxon``, zero differences dropped) and the matched-pairs
    rank-biserial correlation ``(W+ - W-) / (W+ + W-)``. Pairs with a non-finite member
    are dropped. All-zero differences give ``p = 1`` and a correlation of 0, not an
    error. ``testable`` says whether n is large enough for p < 0.05 to be possible
    (at least ``min_n`` non-zero differences).
    """
    import warnings

    from scipy.stats import rankdata, wilcoxon

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.shape} vs {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    d = a[keep] - b[keep]
    nz = d[d != 0]
    out = {"n": int(d.size), "n_nonzero": int(nz.size),
           "mean_diff": float(d.mean()) if d.size else np.nan,
           "median_diff": float(np.median(d)) if d.size else np.nan}
    out["mean_ci_lo"], out["mean_ci_hi"] = bootstrap_ci(d)
    out["median_ci_lo"], out["median_ci_hi"] = bootstrap_ci(d, stat=np.median)
    if nz.size == 0:
        out.update(statistic=0.0 if d.size else np.nan, p_value=1.0 if d.size else np.nan,
                   rank_biserial=0.0 if d.size else np.nan, testable=False)
        return out
    ranks = rankdata(np.abs(nz))
    w_plus, w_minus = float(ranks[nz > 0].sum()), float(ranks[nz < 0].sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small-n / ties notes from scipy
        res = wilcoxon(nz, zero_method="wilcox", alternative="two-sided")
    out.update(statistic=float(res.statistic), p_value=float(res.pvalue),
               rank_biserial=(w_plus - w_minus) / (w_plus + w_minus), testable=nz.size >= min_n)
    return out
