"""Analyses that several chapters share, held once so that chapter modules never import
each other: the seeded validation grids of chapters 08, 09 and 11 (λ chosen honestly, on
validation), the paper's best-of-λ arithmetic and its selection-bias control, teacher
degradation, blow-ups, and the SR reading that matches the paper's Table 6 (chapters 02-06).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from distillkit.book import params
from distillkit.book.show import PAPER, name_of, ours_label
from distillkit.book.summaries import in_order, paper_curve
from distillkit.experiments import paper
from distillkit.vocab import SR_READINGS
from distillkit.experiments.pipeline import PAPER_LAMS
from distillkit.stats.metrics import (bootstrap_ci, finite_values, improvement_pct,
                                      modal_count, paired_test)

#: largest mean teacher-R² drop below λ = 0 that still counts as "no degradation"; chapter 02
#: applies it to one seed, chapter 08 to the mean over seeds (one number for one claim)
DROP_TOL = 0.02


#: validation share carved from the training part (the test split is untouched)
VALIDATION_SIZE = 0.2


#: SR random states per teacher in the selection-bias control (= number of λ values)
N_DRAWS = len(PAPER_LAMS)


#: settings shared by every grid of this chapter (XGBoost/linear baselines are not used here)
GRID_OVERRIDES = {"validation_size": VALIDATION_SIZE, "baselines": False}


#: fewer seeds than this and a verdict is "inconclusive"
MIN_SEEDS_FOR_VERDICT = 3


ALPHA = 0.05

#: smallest effect of interest for "the smoothed teacher's student is better" (chapters 08, 09,
#: 11; issue 18): a gain below ΔR² = 0.01 in test R² changes no reader's choice of pipeline
SESOI_R2 = 0.01


KEYS = ["sr_reading", "dataset", "seed"]


def grid_seeds(profile: str, seeds=None) -> list[int]:
    """:func:`distillkit.book.params.resolve_seeds` with the profile's ``robustness_seeds`` as
    default (None: those; an int n: ``range(n)``; a list as is), as a list."""
    return list(params.resolve_seeds(profile, seeds, key="robustness_seeds"))


def ledger_records(*frames: pd.DataFrame, ledger=None) -> dict:
    """``{"n_records", "n_ledger"}``: the distinct runs behind ``frames`` (sweep results with a
    ``cache_key`` column) and how many of them are evidence-ledger records (``make book`` seeds
    the run cache from the ledger, so a chapter reads those instead of computing them);
    ``ledger`` None: the project's ``evidence/``."""
    from distillkit.experiments.evidence import ledger_share

    keys = {k for f in frames if "cache_key" in f for k in f["cache_key"]}
    return {"n_records": len(keys), "n_ledger": ledger_share(keys, ledger)}


def describe(values, prefix: str = "") -> dict:
    a = finite_values(values)
    lo, hi = bootstrap_ci(a)
    return {f"{prefix}n": int(a.size), f"{prefix}mean": float(a.mean()) if a.size else np.nan,
            f"{prefix}ci_lo": lo, f"{prefix}ci_hi": hi,
            f"{prefix}median": float(np.median(a)) if a.size else np.nan}


def finite_r2(df: pd.DataFrame) -> pd.DataFrame:
    """Non-finite R² (a formula that returned inf/NaN) -> NaN."""
    df = df.copy()
    for col in ("student_r2", "teacher_r2", "student_val_r2", "teacher_val_r2"):
        if col in df:
            v = pd.to_numeric(df[col], errors="coerce").astype(float)
            df[col] = v.where(np.isfinite(v))
    if "scale_target" not in df:
        df["scale_target"] = True
    return df


def summarize_by_lambda(df: pd.DataFrame, metrics=("student_r2", "teacher_r2"),
                        by=("scale_target", "sr_reading", "dataset", "lam")) -> pd.DataFrame:
    """Mean, 95 % bootstrap interval (over seeds) and median per group, long format.

    One row per (group, metric) with columns ``n, mean, ci_lo, ci_hi, median``.
    """
    df = finite_r2(df)
    by = [b for b in by if b in df]
    rows = []
    for key, g in df.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        for m in metrics:
            rows.append({**dict(zip(by, key)), "metric": m, **describe(g[m])})
    return pd.DataFrame(rows)


def paper_style_improvement(df: pd.DataFrame, candidate: str = "lam", baseline=0.0,
                            value: str = "student_r2") -> pd.DataFrame:
    """The paper's Table 2 arithmetic, per (reading, data set, seed).

    ``first`` is ``value`` at ``candidate == baseline`` (λ = 0), ``best`` its maximum over
    all candidates (selected on the *test* R², as the paper does);
    ``pct = (best - first) / |first| * 100`` and ``delta = best - first``.
    """
    df = finite_r2(df)
    keys = [k for k in KEYS if k in df]
    rows = []
    for key, g in df.groupby(keys, sort=True):
        first = g.loc[np.isclose(g[candidate].astype(float), float(baseline)), value]
        if first.empty:
            continue
        first = float(first.iloc[0])
        vals = g[value].astype(float)
        best = float(vals.max()) if vals.notna().any() else np.nan
        pick = g.loc[vals.idxmax(), candidate] if vals.notna().any() else np.nan
        rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,))),
                     "first": first, "best": best, "best_" + candidate: pick,
                     "delta": best - first, "pct": improvement_pct(best, first)})
    return pd.DataFrame(rows)


def selection_bias(df_draws: pd.DataFrame) -> pd.DataFrame:
    """Expected "improvement" from picking the best of the SR draws on an unregularized teacher.

    Exactly :func:`paper_style_improvement` with the SR draw in place of λ (draw 0 is
    the standard run), on the λ = 0 rows.
    """
    d = df_draws[np.isclose(df_draws["lam"].astype(float), 0.0)]
    return paper_style_improvement(d, candidate="sr_draw", baseline=0)


def average_over_datasets(per_cell: pd.DataFrame, cols=("pct", "delta")) -> pd.DataFrame:
    """Per (reading, seed): the mean over data sets (the paper's "average improvement")."""
    keys = [k for k in ("sr_reading", "seed") if k in per_cell]
    return per_cell.groupby(keys, sort=True)[list(cols)].mean().reset_index()


def compare_selection(main: pd.DataFrame, control: pd.DataFrame) -> pd.DataFrame:
    """Per (reading, data set, seed): best-λ improvement beside the best-of-draws control."""
    lam = paper_style_improvement(main)
    ctl = selection_bias(control)
    return lam.merge(ctl, on=KEYS, suffixes=("_lambda", "_control"))


def honest_lambda(df: pd.DataFrame, criterion: str = "student_val_r2", value: str = "student_r2",
                  baseline: float = 0.0) -> pd.DataFrame:
    """Per (reading, data set, seed): choose λ by ``criterion`` (validation R²), report test R².

    Ties go to the smaller λ (the standard pipeline wins unless strictly beaten on
    validation). Columns: ``lam_honest``, ``test_honest``, ``test_base`` (λ = 0),
    ``lam_oracle``/``test_oracle`` (best by test, the paper's choice), ``delta``, ``pct``.
    """
    df = finite_r2(df)
    if criterion not in df:
        raise ValueError(f"records have no {criterion!r}: run the grid with validation_size > 0")
    rows = []
    for key, g in df.groupby(KEYS, sort=True):
        g = g.sort_values("lam", kind="stable")
        base = g[np.isclose(g["lam"].astype(float), baseline)]
        if base.empty:
            continue
        crit = g[criterion].astype(float).fillna(-np.inf).to_numpy()
        i = int(np.argmax(crit))  # first maximum = smallest λ among ties
        test = g[value].astype(float).to_numpy()
        j = int(np.nanargmax(test)) if np.isfinite(test).any() else 0
        t_h, t_b = float(test[i]), float(base[value].iloc[0])
        rows.append({**dict(zip(KEYS, key)), "lam_honest": float(g["lam"].iloc[i]),
                     "val_honest": float(crit[i]), "test_honest": t_h, "test_base": t_b,
                     "lam_oracle": float(g["lam"].iloc[j]), "test_oracle": float(test[j]),
                     "delta": t_h - t_b, "pct": improvement_pct(t_h, t_b)})
    return pd.DataFrame(rows)


def honest_tests(honest: pd.DataFrame) -> pd.DataFrame:
    """:func:`distillkit.stats.metrics.paired_test` of test R² at the honest λ vs λ = 0, pooled
    and per data set."""
    rows = []
    for reading, g in honest.groupby("sr_reading", sort=True):
        rows.append({"sr_reading": reading, "dataset": "all (pooled)",
                     **paired_test(g["test_honest"], g["test_base"])})
        for ds, h in g.groupby("dataset", sort=True):
            rows.append({"sr_reading": reading, "dataset": ds,
                         **paired_test(h["test_honest"], h["test_base"])})
    return pd.DataFrame(rows)


def scale_value(scale):
    """A ``scale_target`` value as recorded: a bool stays a bool, a number a float."""
    return bool(scale) if isinstance(scale, (bool, np.bool_)) else float(scale)


def teacher_degradation(df: pd.DataFrame, tol: float = DROP_TOL) -> pd.DataFrame:
    """Per (target scaling, data set, λ > 0): paired teacher test-R² change vs λ = 0 over seeds.

    ``degraded`` is True when the mean drop exceeds ``tol`` *and* the bootstrap 95 %
    interval of the paired difference lies below 0.
    """
    df = finite_r2(df)
    t = df.drop_duplicates(["scale_target", "dataset", "seed", "lam"])  # same teacher per reading
    rows = []
    for (scale, ds), g in t.groupby(["scale_target", "dataset"], sort=True):
        base = g[np.isclose(g["lam"], 0.0)].set_index("seed")["teacher_r2"]
        for lam, h in g[~np.isclose(g["lam"], 0.0)].groupby("lam", sort=True):
            h = h.set_index("seed")["teacher_r2"]
            seeds = h.index.intersection(base.index)
            d = (h.loc[seeds] - base.loc[seeds]).to_numpy()
            s = describe(d)
            rows.append({"scale_target": scale_value(scale), "dataset": ds, "lam": float(lam),
                         "teacher_r2_base": float(base.loc[seeds].mean()),
                         "teacher_r2": float(h.loc[seeds].mean()), "n": s["n"],
                         "mean_diff": s["mean"], "ci_lo": s["ci_lo"], "ci_hi": s["ci_hi"],
                         "median_diff": s["median"],
                         "degraded": bool(s["mean"] < -tol and s["ci_hi"] < 0)})
    return pd.DataFrame(rows)


def blowups(df: pd.DataFrame) -> pd.DataFrame:
    """How often the student misbehaves on test, per (data set, reading).

    ``blowup``: some test prediction lies more than 10 sd of the teacher's training
    predictions away from their mean (record field ``student_blowup_frac`` > 0);
    ``negative``: test R² < 0; ``nonfinite``: predictions not finite. Means and
    medians of the test R² show how much the tails move the mean.
    """
    rows = []
    for (ds, reading), g in df.groupby(["dataset", "sr_reading"], sort=True):
        r2 = pd.to_numeric(g["student_r2"], errors="coerce").astype(float).to_numpy()
        fin = r2[np.isfinite(r2)]
        blow = pd.to_numeric(g["student_blowup_frac"], errors="coerce").fillna(0).to_numpy() > 0
        rows.append({"dataset": ds, "sr_reading": reading, "cells": len(g),
                     "blowup": int(blow.sum()), "blowup_frac": float(blow.mean()),
                     "negative": int((fin < 0).sum()), "negative_frac": float((r2 < 0).mean()),
                     "nonfinite": int((~np.isfinite(r2)).sum()),
                     "mean_r2": float(fin.mean()) if fin.size else np.nan,
                     "median_r2": float(np.median(fin)) if fin.size else np.nan})
    return pd.DataFrame(rows)


def headline(main: pd.DataFrame, control: pd.DataFrame) -> pd.DataFrame:
    """Per reading: paper-style (best-λ by test), control and honest-λ improvement.

    Each is averaged over data sets per seed, then over seeds (mean, bootstrap CI over
    seeds), both in % (the paper's unit) and in absolute ΔR².
    """
    per = {"best λ by test (paper's procedure)": paper_style_improvement(main),
           "best of 6 SR draws at λ = 0 (control)": selection_bias(control),
           "λ chosen on validation (honest)": honest_lambda(main)}
    rows = []
    for what, cells in per.items():
        if cells.empty:
            continue
        avg = average_over_datasets(cells)
        for reading, g in avg.groupby("sr_reading", sort=True):
            rows.append({"sr_reading": reading, "procedure": what, "seeds": len(g),
                         **describe(g["pct"], "pct_"), **describe(g["delta"], "delta_")})
    return pd.DataFrame(rows)


def table6_pattern(sweep: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """How many λ values share the modal student R² per data set: paper vs each reading.

    The paper's Table 6 repeats one student R² across many λ (e.g. Wine Quality Red:
    0.1788 at all six), which is what an SR run that stops after its first generation
    produces. Ours is counted per seed (after rounding to ``decimals``, like Table 6) and
    averaged over seeds. The last row ("share of cells") is the total modal count divided
    by the number of (data set, λ) cells, comparable between grids of different sizes.
    """
    df = sweep[np.isclose(sweep.noise, 0.0)] if "noise" in sweep else sweep
    rows = {}
    for ds in in_order(df):
        d = df[df.dataset == ds]
        row = {}
        if ds in set(paper.TABLE6.dataset):
            pc = paper_curve(ds)
            row["paper: λ values"] = len(pc)
            row[PAPER] = modal_count(pc.to_numpy(), decimals)
        row["ours: λ values"] = d.lam.nunique()
        for reading in in_order(d, "sr_reading"):
            dr = d[d.sr_reading == reading]
            row[ours_label(reading)] = float(np.mean([modal_count(g.sort_values("lam").student_r2, decimals)
                                                      for _, g in dr.groupby("seed")]))
        rows[name_of(ds)] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "dataset"
    cols = [c for c in ("paper: λ values", PAPER, "ours: λ values") if c in out.columns]
    out = out[cols + [c for c in out.columns if c not in cols]]
    share = {}
    for c in out.columns:
        if c.endswith("λ values"):
            continue
        n_col = "paper: λ values" if c == PAPER else "ours: λ values"
        ok = out[c].notna()
        share[c] = float(out.loc[ok, c].sum() / out.loc[ok, n_col].sum()) if ok.any() else math.nan
    share_row = pd.DataFrame(share, index=["share of cells"])
    return pd.concat([out, share_row.reindex(columns=out.columns)])


def table6_reading(pattern: pd.DataFrame) -> str:
    """The SR reading whose share of repeated cells is closest to the paper's (ties: literal)."""
    share = pattern.loc["share of cells"]
    candidates = [c for c in pattern.columns if c.startswith("ours (")]
    if not candidates:
        raise ValueError("the pattern table has no 'ours (...)' column")
    target = share[PAPER]
    best = min(candidates, key=lambda c: (abs(share[c] - target), SR_READINGS.index(c[6:-1])))
    return best[6:-1]


def primary_reading(sweep: pd.DataFrame) -> str:
    """The SR reading whose Table 6 pattern is closest to the paper's (the one every
    chapter's verdicts use): ``table6_reading(table6_pattern(sweep))``; the sweep's first
    reading when the paper has no Table 6 row for any of its data sets."""
    pattern = table6_pattern(sweep)
    return table6_reading(pattern) if PAPER in pattern.columns else str(sweep.sr_reading.iloc[0])


def target_label(scale) -> str:
    """How a ``scale_target`` value reads: True standardized, False raw, k centred with sd k."""
    if isinstance(scale, (bool, np.bool_)):
        return "standardized y" if scale else "raw y"
    k = float(scale)
    return "standardized y" if k == 1.0 else f"centred y, sd {k:g}"
