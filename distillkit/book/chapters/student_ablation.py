"""Chapter 09, the student ablation: is the distillation gap the teacher's or the student's?

Three student variants (gplearn under the paper's ``literal`` reading, gplearn
``converged``, and Operon), each distilled from the chapter-08 teachers over the λ grid
and fitted *directly* on the training labels (no teacher: the control). The grid shares
its cache keys with chapter 08's main grid (same validation split, same budgets), so the
gplearn runs are not recomputed.

Verdicts (rules in :data:`RULES`, thresholds in :data:`THRESHOLDS`):

``gap``     the paper's framing, "the distillation gap is a property of the teacher";
``across``  the revision's "smoothness helps across student algorithms";
``direct``  "distillation beats fitting the student directly on the data".
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from distillkit.book import summaries
from distillkit.book import competence
from distillkit.book import analyses
from distillkit.stats.metrics import bootstrap_ci, paired_test
from distillkit.experiments.pipeline import student_label
from distillkit.book.verdict import Verdict, rule_text

#: (student, reading) in display order
VARIANTS = (("gplearn", "literal"), ("gplearn", "converged"), ("operon", "converged"))
LABELS = tuple(student_label(s, r) for s, r in VARIANTS)
COLORS = dict(zip(LABELS, ("C0", "C1", "C3")))

THRESHOLDS = {
    "alpha": analyses.ALPHA,  # significance of a paired Wilcoxon test
    "small_gap": 0.05,  # a mean gap (R²) at or below this counts as closed
    "min_seeds": analyses.MIN_SEEDS_FOR_VERDICT,
}

RULES = {
    "gap": ("Per variant, the gap is the λ = 0 teacher's test R² minus the λ = 0 student's, "
            "median over seeds (one blown-up formula must not decide it), then mean over data sets. A = the gap closed by changing the student "
            "(gplearn converged → Operon, both at λ = 0); B = the gap closed by smoothing "
            "(gplearn converged, honest λ minus λ = 0, median over seeds, then mean over data "
            "sets). Reproduced if B ≥ A; not "
            "reproduced if A > B and Operon's gap is at most {small_gap:g}; partly "
            "reproduced otherwise; inconclusive with fewer than {min_seeds} seeds."),
    "across": ("Per variant, the student's test R² at the λ chosen on validation against λ = 0, "
               "paired over (data set, seed), Wilcoxon signed-rank: 'helps' if p < {alpha:g} and "
               "the rank-biserial correlation is positive. Reproduced if it helps for every "
               "variant, not reproduced if for none, partly reproduced otherwise; inconclusive "
               "with fewer than {min_seeds} seeds."),
    "direct": ("Per variant, the distilled student at the λ chosen on validation against the same "
               "student fitted on the training labels with no teacher, paired over (data set, "
               "seed), Wilcoxon signed-rank: 'beats' if p < {alpha:g} with a positive "
               "rank-biserial correlation. Reproduced if distillation beats direct fitting for "
               "every variant, not reproduced if for none, partly reproduced otherwise; "
               "inconclusive with fewer than {min_seeds} seeds."),
}


#: the rule text of a verdict key with its thresholds filled in
rule = functools.partial(rule_text, RULES, THRESHOLDS)


# --------------------------------------------------------------------------------------
# the grid
# --------------------------------------------------------------------------------------
def ablation_sweep(profile: str = "paper", datasets=None, lams=None, seeds=None, n_jobs: int = 2,
                   cache_dir=None, backend=None, progress: bool = False, **overrides) -> pd.DataFrame:
    """Distilled cells (every variant x λ x seed) and direct cells (lam NaN) in one frame."""
    from distillkit.datasets import DATASETS
    from distillkit.experiments.pipeline import profile_settings
    from distillkit.experiments.sweep import run_grid

    datasets = list(DATASETS) if datasets is None else ([datasets] if isinstance(datasets, str)
                                                        else list(datasets))
    lams = list(profile_settings(profile)["lams"] if lams is None else lams)
    if 0.0 not in [float(v) for v in lams]:
        raise ValueError("the λ grid must contain 0 (the standard pipeline)")
    common = dict(profile=profile, seeds=analyses.grid_seeds(profile, seeds), cache_dir=cache_dir,
                  n_jobs=n_jobs, backend=backend, progress=progress,
                  sr_readings=("literal", "converged"), students=("gplearn", "operon"),
                  **{**analyses.GRID_OVERRIDES, **overrides})
    distilled = run_grid(datasets, lams=lams, **common)
    direct = run_grid(datasets, lams=[], direct=True, **{**common, "baselines": True})
    df = pd.concat([distilled, direct], ignore_index=True)
    df["variant"] = [student_label(s, r) for s, r in zip(df.student, df.sr_reading)]
    return df


def _distilled(df):
    return df[df.distilled.astype(bool)]


def _direct(df):
    return df[~df.distilled.astype(bool)]


def _lam0(df):
    d = _distilled(df)
    return d[np.isclose(d.lam.astype(float), 0.0)]


# --------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------
def run_counts(df: pd.DataFrame) -> dict:
    """What the chapter ran: ``n_seeds``, ``n_runs`` (cells) and ``n_operon`` (Operon fits)."""
    return summaries.run_counts(df, "n_seeds", "n_runs", "n_operon")


def lam0_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per data set and variant, median over seeds (robust to a formula that blows up on a
    few test points): student R² distilled at λ = 0 and direct, the λ = 0 teacher and
    XGBoost (test split)."""
    keys = ["dataset", "variant"]
    out = (_lam0(df).groupby(keys).agg(teacher_r2=("teacher_r2", "median"),
                                       distilled_r2=("student_r2", "median"),
                                       seeds=("seed", "nunique"))
           .join(_direct(df).groupby(keys).agg(direct_r2=("student_r2", "median"),
                                                xgb_r2=("xgb_r2", "median"))))
    out["gap"] = out.teacher_r2 - out.distilled_r2
    return out.reset_index()[["dataset", "variant", "seeds", "teacher_r2", "xgb_r2", "distilled_r2",
                              "direct_r2", "gap"]]


def curves(df: pd.DataFrame) -> pd.DataFrame:
    """Median student test R² (95 % bootstrap interval over seeds) per data set, variant, λ."""
    rows = []
    for (ds, var, lam), g in _distilled(df).groupby(["dataset", "variant", "lam"]):
        lo, hi = bootstrap_ci(g.student_r2, stat=np.median)
        rows.append({"dataset": ds, "variant": var, "lam": float(lam),
                     "median": float(np.nanmedian(g.student_r2)), "ci_lo": lo, "ci_hi": hi})
    return pd.DataFrame(rows)


def honest_by_variant(df: pd.DataFrame) -> pd.DataFrame:
    """Per variant, data set and seed: the validation-chosen λ, its test R², λ = 0's, and the
    direct fit's (:func:`distillkit.book.analyses.honest_lambda` per variant)."""
    parts = []
    for var, g in _distilled(df).groupby("variant", sort=False):
        h = analyses.honest_lambda(g)
        if len(h):
            parts.append(h.assign(variant=var))
    if not parts:
        return pd.DataFrame()
    honest = pd.concat(parts, ignore_index=True)
    direct = _direct(df)[["variant", "dataset", "seed", "student_r2"]].rename(
        columns={"student_r2": "test_direct"})
    return honest.merge(direct, on=["variant", "dataset", "seed"], how="left")


def tests(honest: pd.DataFrame) -> pd.DataFrame:
    """Per variant, pooled over (data set, seed): honest λ vs λ = 0, and distilled vs direct."""
    rows = []
    for var in [v for v in LABELS if v in set(honest.variant)]:
        h = honest[honest.variant == var]
        for what, a, b in (("honest λ vs λ = 0", "test_honest", "test_base"),
                           ("distilled (honest λ) vs direct", "test_honest", "test_direct")):
            t = paired_test(h[a], h[b])
            rows.append({"variant": var, "comparison": what, **t,
                         "significant": bool(t["p_value"] < THRESHOLDS["alpha"]
                                             and t["rank_biserial"] > 0)})
    return pd.DataFrame(rows)


def complexity_table(df: pd.DataFrame, honest: pd.DataFrame) -> pd.DataFrame:
    """Mean formula complexity (expression-tree nodes) per variant: λ = 0, honest λ, direct."""
    chosen = _distilled(df).merge(honest[["variant", "dataset", "seed", "lam_honest"]],
                                  on=["variant", "dataset", "seed"])
    chosen = chosen[np.isclose(chosen.lam.astype(float), chosen.lam_honest.astype(float))]
    out = pd.DataFrame({"λ = 0": _lam0(df).groupby("variant").complexity.mean(),
                        "honest λ": chosen.groupby("variant").complexity.mean(),
                        "direct": _direct(df).groupby("variant").complexity.mean()})
    return out.reindex([v for v in LABELS if v in out.index]).rename_axis("variant").reset_index()


# --------------------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------------------
def _three_way(flags: dict) -> str:
    if all(flags.values()):
        return "reproduced"
    return "not reproduced" if not any(flags.values()) else "partly reproduced"


def verdicts(df: pd.DataFrame) -> list[Verdict]:
    """The chapter's three verdicts, decided by :data:`RULES`."""
    n_seeds = int(df.seed.nunique())
    few = n_seeds < THRESHOLDS["min_seeds"]
    comp = competence.teacher_competence(_lam0(df))
    left = competence.left_out_note(int((~comp.competent).sum()), len(comp), "(data set, seed) cells")
    keep = comp[comp.competent][["dataset", "seed"]]
    df = df.merge(keep, on=["dataset", "seed"])
    lam0, honest = lam0_table(df), honest_by_variant(df)
    t = tests(honest)
    gap = lam0.groupby("variant").gap.mean()
    conv, op = student_label("gplearn", "converged"), student_label("operon", "converged")
    h = honest[honest.variant == conv]
    gain = h.groupby("dataset").delta.median().mean() if len(h) else np.nan
    a, b = float(gap.get(conv, np.nan) - gap.get(op, np.nan)), float(gain)
    if few or not np.isfinite(a) or not np.isfinite(b):
        v_gap = "inconclusive"
    elif b >= a:
        v_gap = "reproduced"
    else:
        v_gap = "not reproduced" if gap[op] <= THRESHOLDS["small_gap"] else "partly reproduced"
    gaps = ", ".join(f"{k} {gap[k]:+.3f}" for k in LABELS if k in gap)
    blown = int((_distilled(df).student_r2.astype(float) < -1).sum())
    out = [Verdict("gap", "The distillation gap is a property of the teacher, which smoothing closes "
                   "(not of a weak student)", v_gap, rule("gap"),
                   f"{n_seeds} seeds; gap at λ = 0 (median over seeds, mean over data sets): "
                   f"{gaps}; A (better student) = {a:+.3f}, B (honest λ) = {b:+.3f} R²; "
                   f"{blown} distilled runs with test R² below -1 (blow-ups); {left}.",
                   paper="the gap is closed by a smoother teacher (Sections 4-5)",
                   ours=f"A = {a:+.3f}, B = {b:+.3f}", numbers={"A": a, "B": b})]

    def per_variant(comparison):
        rows = t[t.comparison == comparison].set_index("variant")
        flags = {v: bool(rows.loc[v, "significant"]) for v in rows.index}
        text = "; ".join(f"{v}: median ΔR² {rows.loc[v, 'median_diff']:+.3f}, p = {rows.loc[v, 'p_value']:.2g} "
                         f"(n = {int(rows.loc[v, 'n'])})" for v in rows.index)
        verdict = "inconclusive" if few or not flags else _three_way(flags)
        return verdict, text

    v, text = per_variant("honest λ vs λ = 0")
    out.append(Verdict("across", "Smoothing the teacher helps across student algorithms (revision)",
                       v, rule("across"), f"{text}; {left}.",
                       paper="statistically significant improvements (revision's abstract)",
                       ours=text))
    v, text = per_variant("distilled (honest λ) vs direct")
    out.append(Verdict("direct", "Distillation beats fitting the student directly on the data", v,
                       rule("direct"), f"{text}; {left}.",
                       paper="implied: the student is distilled rather than fitted to the data",
                       ours=text))
    return out


# --------------------------------------------------------------------------------------
# figure
# --------------------------------------------------------------------------------------
def lambda_figure(df: pd.DataFrame, names=None):
    """Median student test R² against λ per data set: distilled (line, band), direct (dashed),
    the λ = 0 teacher and XGBoost (grey and green dotted)."""
    import matplotlib.pyplot as plt

    from distillkit.book.plots import lam_axis

    names = names or {}
    cur, base = curves(df), lam0_table(df)
    datasets = list(dict.fromkeys(cur.dataset))
    fig, axes = plt.subplots(1, len(datasets), figsize=(3.4 * len(datasets), 3.4), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        for var in [v for v in LABELS if v in set(cur.variant)]:
            c = cur[(cur.dataset == ds) & (cur.variant == var)].sort_values("lam")
            ax.plot(c.lam, c["median"], marker="o", color=COLORS[var], label=f"{var}, distilled")
            ax.fill_between(c.lam, c.ci_lo, c.ci_hi, color=COLORS[var], alpha=0.15)
            d = base[(base.dataset == ds) & (base.variant == var)]
            if len(d) and np.isfinite(d.direct_r2.iloc[0]):
                ax.axhline(d.direct_r2.iloc[0], color=COLORS[var], ls="--", lw=1, label=f"{var}, direct")
        b = base[base.dataset == ds]
        ax.axhline(b.teacher_r2.mean(), color="0.45", ls=":", lw=1.5, label="teacher (λ = 0)")
        ax.axhline(b.xgb_r2.mean(), color="C2", ls=":", lw=1.5, label="XGBoost")
        lam_axis(ax, cur.lam.unique())
        ax.set_title(names.get(ds, ds))
        ax.set_ylabel("test R² (median over seeds)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    plt.close(fig)
    return fig


__all__ = ["VARIANTS", "LABELS", "THRESHOLDS", "RULES", "rule", "ablation_sweep", "run_counts", "lam0_table",
           "curves", "honest_by_variant", "tests", "complexity_table", "verdicts", "lambda_figure"]
