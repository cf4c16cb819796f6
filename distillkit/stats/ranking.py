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

Beside the ranks, the *size* of a method's gain over a baseline, with an interval
(:func:`method_effects`): the per-data-set mean difference bootstrapped over data sets
(:func:`distillkit.stats.outcome.paired_effect`) and the linear mixed model
``score ~ method + (1 | data set)`` (statsmodels ``mixedlm``, REML), whose method coefficient
and Wald interval use every trial; either feeds :func:`distillkit.stats.outcome.decide`.
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


def mixed_effect(scores: pd.DataFrame, a: str, b: str, value: str = "r2", dataset: str = "dataset",
                 method: str = "method", label: str = "ΔR²", level: float = 0.95, trial: str | None = "trial"):
    """Effect of method ``a`` over ``b`` from the mixed model ``value ~ method + (1 | dataset)``
    (statsmodels ``mixedlm``, REML, random intercept per data set) on the rows of ``a`` and
    ``b``, plus a variance component per trial within data set when ``trial`` is a column
    with more than one value (``(1 | dataset:trial)``: both methods of a trial share its
    split and seeds, so their scores move together): the coefficient of ``a`` with its Wald
    interval, as an :class:`distillkit.stats.outcome.Effect` over the data sets. ``None`` with
    fewer than 2 data sets holding both methods, or when the model cannot be fitted."""
    import statsmodels.formula.api as smf

    from distillkit.stats.outcome import effect_from_interval

    _check_long(scores, [value, dataset, method])
    nested = trial is not None and trial in scores and scores[trial].nunique() > 1
    cols = [value, dataset, method] + ([trial] if nested else [])
    d = scores[scores[method].isin([a, b])][cols].copy()
    d[value] = pd.to_numeric(d[value], errors="coerce").astype(float)
    d = d[np.isfinite(d[value])]
    both = d.groupby(dataset)[method].nunique()
    d = d[d[dataset].isin(both[both == 2].index)]
    n = int(d[dataset].nunique())
    if n < 2:
        return None
    d = d.assign(_arm=(d[method] == a).astype(float), _grp=d[dataset].astype(str))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence / boundary notes: checked below
        try:
            vc = {"trial": f"0 + C(Q('{trial}'))"} if nested else None
            fit = smf.mixedlm(f"Q('{value}') ~ _arm", d, groups=d["_grp"], vc_formula=vc).fit(reml=True)
        except (ValueError, np.linalg.LinAlgError):
            return None
        est = float(fit.params["_arm"])
        lo, hi = (float(v) for v in fit.conf_int(alpha=1 - level).loc["_arm"])
    if not all(np.isfinite([est, lo, hi])):
        return None
    sd = float(d.pivot_table(index=dataset, columns=method, values=value, aggfunc="mean")
               .pipe(lambda t: t[a] - t[b]).std(ddof=1))
    return effect_from_interval(est, lo, hi, n, unit="data set", label=label, level=level, sd=sd,
                                method=f"mixed model {value} ~ method + (1 | data set)"
                                       + (" + (1 | data set:trial)" if nested else "")
                                       + f", Wald interval, {len(d)} scores")


def method_effects(scores: pd.DataFrame, baseline: str, value: str = "r2", dataset: str = "dataset",
                   trial: str = "trial", method: str = "method", label: str = "ΔR²", rng=0) -> dict:
    """Per method other than ``baseline``: ``{"bootstrap": Effect, "mixed": Effect | None}``;
    the bootstrap effect is the per-data-set mean difference (paired over trials, averaged per
    data set) bootstrapped over data sets."""
    from distillkit.stats.outcome import paired_effect

    _check_long(scores, [value, dataset, trial, method])
    wide = scores.pivot_table(index=[dataset, trial], columns=method, values=value, aggfunc="mean")
    out = {}
    for m in [c for c in wide.columns if c != baseline]:
        pair = wide[[m, baseline]].dropna()
        out[m] = {"bootstrap": paired_effect(pair[m].to_numpy(), pair[baseline].to_numpy(),
                                             units=pair.index.get_level_values(0).to_numpy(),
                                             unit="data set", label=label, rng=rng),
                  "mixed": mixed_effect(scores, m, baseline, value, dataset, method, label, trial=trial)}
    return out


def leave_one_out(scores: pd.DataFrame, baseline: str, value: str = "r2", dataset: str = "dataset",
                  trial: str = "trial", method: str = "method", label: str = "ΔR²", rng=0) -> pd.DataFrame:
    """Each method's bootstrap effect over ``baseline`` (as :func:`method_effects`) recomputed
    with one data set left out at a time: one row per (method, left-out data set) with
    ``estimate``, ``lo``, ``hi``, ``n`` and the :class:`~distillkit.stats.outcome.Effect` itself
    (``effect``). A sensitivity check: does one data set carry the effect?"""
    from distillkit.stats.outcome import paired_effect

    _check_long(scores, [value, dataset, trial, method])
    wide = scores.pivot_table(index=[dataset, trial], columns=method, values=value, aggfunc="mean")
    units = wide.index.get_level_values(0)
    rows = []
    for m in [c for c in wide.columns if c != baseline]:
        for left in units.unique():
            pair = wide.loc[units != left, [m, baseline]].dropna()
            e = paired_effect(pair[m].to_numpy(), pair[baseline].to_numpy(),
                              units=pair.index.get_level_values(0).to_numpy(), unit="data set",
                              label=label, rng=rng)
            rows.append({"method": m, "left_out": left, "estimate": e.estimate, "lo": e.lo, "hi": e.hi,
                         "n": e.n, "effect": e})
    return pd.DataFrame(rows, columns=["method", "left_out", "estimate", "lo", "hi", "n", "effect"])


__all__ = ["ALPHA", "holm", "mixed_effect", "method_effects", "leave_one_out", "per_dataset_tests", "dataset_means", "mean_ranks", "critical_difference",
           "rank_methods", "significantly_better", "cd_diagram"]
