"""The λ sweep summarised, shared by chapters 2-8: per-λ means over seeds and, per
(data set, SR reading), the standard student, the best λ > 0 and the improvement.

With several seeds every per-λ number is the mean over seeds, taken *before* the best
λ is picked.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from distillkit.experiments import paper
from distillkit.stats.metrics import best_lambda, improvement_pct

_MEAN_COLS = ("teacher_r2", "student_r2", "xgb_r2", "linear_r2", "tree_r2", "tree_leaves", "complexity",
              "student_fidelity_r2", "teacher_jacobian_sq", "sr_generations", "teacher_seconds",
              "student_seconds")



#: what a chapter can say it ran, each count defined once (:func:`run_counts`)
COUNTS = {
    "n_runs": lambda df: len(df),
    "n_datasets": lambda df: int(df.dataset.nunique()),
    "n_equations": lambda df: int(df.dataset.nunique()),
    "n_seeds": lambda df: int(df.seed.nunique()),
    "n_trials": lambda df: int(df.seed.nunique()),
    "n_operon": lambda df: int((df.student == "operon").sum()),
    "lams": lambda df: ", ".join(f"{v:g}" for v in sorted(df.lam.dropna().unique())),
    "noises": lambda df: ", ".join(f"{v:g}" for v in sorted(df.noise.unique())),
}


def run_counts(df: pd.DataFrame, *names: str) -> dict:
    """The counts ``names`` (keys of :data:`COUNTS`) of a chapter's records, for its prose."""
    unknown = [n for n in names if n not in COUNTS]
    if unknown:
        raise ValueError(f"unknown count(s) {unknown}; known: {sorted(COUNTS)}")
    return {n: COUNTS[n](df) for n in names}

def per_lambda(sweep: pd.DataFrame) -> pd.DataFrame:
    """Means over seeds per (dataset, noise, sr_reading, λ), with ``n_seeds``."""
    keys = ["dataset", "noise", "sr_reading", "lam"]
    cols = [c for c in _MEAN_COLS if c in sweep.columns]
    df = sweep.copy()
    if "noise" not in df.columns:
        df["noise"] = 0.0
    g = df.groupby(keys, sort=False)
    out = g[cols].mean()
    out["n_seeds"] = g["seed"].nunique() if "seed" in df.columns else 1
    return out.reset_index()


def in_order(df: pd.DataFrame, col: str = "dataset") -> list[str]:
    return list(dict.fromkeys(df[col]))


def lambda_curve(pl: pd.DataFrame, dataset: str, reading: str, value: str = "student_r2",
           noise: float = 0.0) -> pd.Series:
    sel = pl[(pl.dataset == dataset) & (pl.sr_reading == reading) & np.isclose(pl.noise, noise)]
    return sel.set_index("lam")[value].sort_index()


def paper_curve(dataset: str) -> pd.Series:
    t6 = paper.TABLE6[paper.TABLE6.dataset == dataset]
    return t6.set_index("lam")["student_r2"].sort_index()


def lambda_summary(sweep: pd.DataFrame, noise: float = 0.0) -> pd.DataFrame:
    """Per (dataset, reading): teacher R² (λ=0), standard student, best λ>0, its R², improvement.

    Numbers are means over seeds; one row per dataset and reading, tidy.
    """
    pl = per_lambda(sweep)
    rows = []
    for ds in in_order(pl):
        for reading in in_order(pl[pl.dataset == ds], "sr_reading"):
            curve = lambda_curve(pl, ds, reading, noise=noise)
            if curve.empty:
                continue
            teacher = lambda_curve(pl, ds, reading, "teacher_r2", noise=noise)
            lam, best = best_lambda(curve)
            lam_any, best_any = best_lambda(curve, exclude_zero=False)
            std = float(curve.loc[0.0])
            rows.append(dict(dataset=ds, sr_reading=reading, noise=noise, teacher_r2=float(teacher.loc[0.0]),
                             student_r2_standard=std, best_lam=lam, student_r2_best=best,
                             improvement_pct=improvement_pct(best, std),
                             best_lam_any=lam_any, improvement_pct_any=improvement_pct(best_any, std),
                             n_seeds=int(pl[(pl.dataset == ds) & (pl.sr_reading == reading)].n_seeds.max())))
    return pd.DataFrame(rows)


def paper_lambda_summary() -> pd.DataFrame:
    """The paper's Table 2, with the best λ read off its Table 6 (same rules as ours)."""
    rows = []
    for _, r in paper.TABLE2.iterrows():
        curve = paper_curve(r.dataset)
        lam, _ = best_lambda(curve)
        rows.append(dict(dataset=r.dataset, teacher_r2=r.teacher_r2, student_r2_standard=r.student_r2_standard,
                         best_lam=lam, student_r2_best=r.student_r2_best, improvement_pct=r.improvement_pct,
                         improvement_pct_t6=improvement_pct(best_lambda(curve)[1], curve.loc[0.0])))
    return pd.DataFrame(rows)


def average_improvement(summary: pd.DataFrame, column: str = "improvement_pct") -> dict[str, float]:
    """Plain mean over data sets of the per-dataset improvement, per reading (NaNs skipped)."""
    return {r: float(summary[summary.sr_reading == r][column].mean()) for r in in_order(summary, "sr_reading")}

