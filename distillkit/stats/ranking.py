"""Comparing methods over many data sets, as Demšar (2006) and SRBench do.

Two levels, on one long table of scores (one row per data set, trial and method; higher is
better, e.g. a student's test R²):

* **per data set**, :func:`per_dataset_tests`: each method against a baseline, paired over
  trials with the Wilcoxon signed-rank test (:func:`distillkit.book.chapters.robustness.paired_test`), the
  p-values of one table Holm-corrected together (:func:`holm`, statsmodels' ``multipletests``);
* **across data sets**, :func:`rank_methods`: the score of each method is averaged over trials
  per data set, methods are ranked within each data set (1 = best, ties share the mean rank),
  the Friedman test (``scipy.stats.friedmanchisquare``) asks whether the mean ranks differ at
  all, and the Nemenyi post-hoc test (``scikit_posthocs.posthoc_nemenyi_friedman``) which pairs
  do; :func:`critical_difference` is Nemenyi's critical difference of mean ranks and
  :func:`cd_diagram` draws the critical-difference diagram (``scikit_posthocs``).

The unit of replication across data sets is the data set, not the trial: with N data sets and
k methods the Friedman test has k - 1 degrees of freedom whatever the number of trials.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from distillkit.stats.metrics import paired_test

ALPHA = 0.05


def holm(p_values) -> np.ndarray:
    """Holm-adjusted p-values (NaN stays NaN and is not counted in the family)."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


def _check_long(scores: pd.DataFrame, cols) -> None:
    missing = [c for c in cols if c not in scores]
    if missing:
        raise ValueError(f"scores lack column(s) {missing}; have {list(scores.columns)}")


def per_dataset_tests(scores: pd.DataFrame, baseline: str, value: str = "r2", dataset: str = "dataset",
                      trial: str = "trial", method: str = "method", alpha: float = ALPHA) -> pd.DataFrame:
    """Each method against ``baseline`` per data set, paired over trials (Wilcoxon).

    One row per (data set, method): n pairs, mean difference, p, Holm-adjusted p (the family
    is every row of the returned table), the rank-biserial correlation, and ``outcome``:
    "better"/"worse" where the adjusted p is below ``alpha`` (by the sign of the
    correlation), "no difference" otherwise.
    """
    _check_long(scores, [value, dataset, trial, method])
    if baseline not in set(scores[method]):
        raise ValueError(f"baseline {baseline!r} is not among the methods {sorted(set(scores[method]))}")
    wide = scores.pivot_table(index=[dataset, trial], columns=method, values=value, aggfunc="mean")
    rows = []
    for ds, g in wide.groupby(level=0, sort=False):
        for m in [c for c in wide.columns if c != baseline]:
            t = paired_test(g[m].to_numpy(), g[baseline].to_numpy())
            rows.append({dataset: ds, "method": m, "n": t["n"], "mean_diff": t["mean_diff"],
                         "p_value": t["p_value"], "rank_biserial": t["rank_biserial"]})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["p_holm"] = holm(out.p_value)
    sig = out.p_holm < alpha
    out["outcome"] = np.where(sig & (out.rank_biserial > 0), "better",
                              np.where(sig & (out.rank_biserial < 0), "worse", "no difference"))
    return out


def dataset_means(scores: pd.DataFrame, value: str = "r2", dataset: str = "dataset",
                  method: str = "method") -> pd.DataFrame:
    """Data sets x methods table of mean scores over trials; data sets missing a method
    (or with a non-finite mean) are dropped, since Friedman needs complete blocks."""
    _check_long(scores, [value, dataset, method])
    v = pd.to_numeric(scores[value], errors="coerce").astype(float)
    s = scores.assign(**{value: v.where(np.isfinite(v))})
    table = s.pivot_table(index=dataset, columns=method, values=value, aggfunc="mean", sort=False)
    return table.dropna(how="any")


def mean_ranks(table: pd.DataFrame) -> pd.Series:
    """Mean rank of each method over data sets (1 = best, highest score; ties averaged)."""
    return table.rank(axis=1, ascending=False, method="average").mean().sort_values()


def critical_difference(n_methods: int, n_datasets: int, alpha: float = ALPHA) -> float:
    """Nemenyi's critical difference of mean ranks, q_α √(k(k+1)/(6N)) (Demšar 2006, eq. 5),
    with q_α the studentized range quantile at infinite degrees of freedom over √2."""
    from scipy.stats import studentized_range

    k, n = int(n_methods), int(n_datasets)
    if k < 2 or n < 1:
        return float("nan")
    q = studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return float(q * np.sqrt(k * (k + 1) / (6.0 * n)))


def rank_methods(table: pd.DataFrame, alpha: float = ALPHA) -> dict:
    """Friedman test and Nemenyi post-hoc on a data sets x methods table of scores.

    Returns ``n_datasets``, ``n_methods``, ``ranks`` (mean ranks, best first), the Friedman
    ``statistic`` and ``p_value`` (NaN with fewer than 2 data sets or 3 methods, which
    ``friedmanchisquare`` cannot take), ``nemenyi`` (methods x methods p-values, NaN where
    Friedman could not run) and ``cd`` (:func:`critical_difference`).
    """
    from scipy.stats import friedmanchisquare

    table = table.dropna(how="any")
    n, k = table.shape
    ranks = mean_ranks(table) if n else pd.Series(np.nan, index=table.columns)
    out = {"n_datasets": int(n), "n_methods": int(k), "ranks": ranks, "alpha": alpha,
           "cd": critical_difference(k, n, alpha), "statistic": np.nan, "p_value": np.nan,
           "nemenyi": pd.DataFrame(np.nan, index=table.columns, columns=table.columns)}
    if n < 2 or k < 3:
        return out
    values = table.to_numpy(dtype=np.float64)
    if np.all(values == values[:, :1]):  # every method scores the same on every data set
        out.update(statistic=0.0, p_value=1.0,
                   nemenyi=pd.DataFrame(1.0, index=table.columns, columns=table.columns))
        return out
    import scikit_posthocs as sp
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant blocks give a harmless division note
        res = friedmanchisquare(*values.T)
        nem = sp.posthoc_nemenyi_friedman(pd.DataFrame(values, columns=table.columns))
    out.update(statistic=float(res.statistic), p_value=float(res.pvalue),
               nemenyi=nem.loc[table.columns, table.columns])
    return out


def significantly_better(result: dict, a: str, b: str) -> bool:
    """``a`` ranks above ``b`` and the Friedman test and the Nemenyi pair (a, b) are both
    below the result's ``alpha``."""
    r, alpha = result["ranks"], result["alpha"]
    if a not in r or b not in r or not np.isfinite(result["p_value"]):
        return False
    p_pair = float(result["nemenyi"].loc[a, b])
    return bool(result["p_value"] < alpha and r[a] < r[b] and p_pair < alpha)


def cd_diagram(result: dict, ax=None, title: str | None = None, colors=None):
    """Critical-difference diagram of :func:`rank_methods`'s result: mean ranks on the axis
    (1 = best), methods the Nemenyi test cannot tell apart joined by a bar; the critical
    difference drawn above. Returns the figure."""
    import matplotlib.pyplot as plt
    import scikit_posthocs as sp

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.0, 1.9))
    fig = ax.figure
    ranks, sig = result["ranks"], result["nemenyi"].fillna(1.0)
    if len(ranks) < 2 or not np.isfinite(ranks.to_numpy(dtype=float)).all():
        ax.text(0.5, 0.5, "too few data sets to rank", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        sp.critical_difference_diagram(ranks, sig, ax=ax, alpha=result["alpha"], color_palette=colors,
                                       label_fmt_left="{label} ({rank:.2f})",
                                       label_fmt_right="({rank:.2f}) {label}")
        ax.set_xlim(1, len(ranks))  # the whole scale of ranks, so distances read alike
    if title:
        p, cd = result["p_value"], result["cd"]
        ax.set_title(f"{title}: N = {result['n_datasets']} data sets, Friedman p = "
                     + (f"{p:.2g}" if np.isfinite(p) else "n/a")
                     + (f", Nemenyi CD = {cd:.2f}" if np.isfinite(cd) else ""), fontsize=9, pad=16)
    return fig


__all__ = ["ALPHA", "holm", "per_dataset_tests", "dataset_means", "mean_ranks", "critical_difference",
           "rank_methods", "significantly_better", "cd_diagram"]
