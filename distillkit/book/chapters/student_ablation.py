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
from distillkit.book.verdict import Verdict, effect_rows, rule_text
from distillkit.stats.outcome import Claim, combine, decide, effect_from_units, paired_effect

#: (student, reading) in display order
VARIANTS = (("gplearn", "literal"), ("gplearn", "converged"), ("operon", "converged"))
LABELS = tuple(student_label(s, r) for s, r in VARIANTS)
COLORS = dict(zip(LABELS, ("C0", "C1", "C3")))

THRESHOLDS = {
    "alpha": analyses.ALPHA,  # significance of the paired Wilcoxon tests shown beside
    "sesoi": analyses.SESOI_R2,  # smallest ΔR² of interest (and the gap verdict's margin)
    "min_seeds": analyses.MIN_SEEDS_FOR_VERDICT,
}

_OUTCOME = ("with a 95 % BCa bootstrap interval, against the smallest effect of interest ΔR² = "
            "{sesoi:g}: reproduced if the interval excludes 0 and reaches {sesoi:g}, partly reproduced "
            "if it excludes 0 but stays below {sesoi:g}, not reproduced if it excludes {sesoi:g}, "
            "inconclusive otherwise. Variants combine: all reproduced -> reproduced, all not "
            "reproduced -> not reproduced, inconclusive ones with none reproduced or partly -> "
            "inconclusive, else partly reproduced. Inconclusive with fewer than {min_seeds} seeds; "
            "the Wilcoxon test (p < {alpha:g}) is shown beside.")
RULES = {
    "gap": ("Per variant and data set, the gap is the λ = 0 teacher's test R² minus the λ = 0 "
            "student's, median over seeds (one blown-up formula must not decide it). Per data set, "
            "A = the gap closed by changing the student (gplearn converged → Operon, both at λ = 0) "
            "and B = the gap closed by smoothing (gplearn converged, honest λ minus λ = 0, median over "
            "seeds); the effect B - A, mean over data sets with a 95 % BCa bootstrap interval over data "
            "sets, is read as non-inferiority with margin {sesoi:g}: reproduced if the interval's lower "
            "end is above -{sesoi:g} (smoothing closes at least as much as a better student), not "
            "reproduced if its upper end is below -{sesoi:g}, inconclusive otherwise or with fewer "
            "than {min_seeds} seeds."),
    "across": ("Per variant, the student's test R² at the λ chosen on validation minus at λ = 0, "
               "mean over (data set, seed) pairs " + _OUTCOME),
    "direct": ("Per variant, the distilled student at the λ chosen on validation minus the same "
               "student fitted on the training labels with no teacher, mean over (data set, seed) "
               "pairs " + _OUTCOME),
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
def _gap_effect(lam0: pd.DataFrame, honest: pd.DataFrame):
    """B - A per data set (module rules), as an :class:`distillkit.stats.outcome.Effect`."""
    conv, op = student_label("gplearn", "converged"), student_label("operon", "converged")
    gap = lam0.pivot_table(index="dataset", columns="variant", values="gap")
    if conv not in gap or op not in gap:
        return effect_from_units([], unit="data set", label="B - A (R²)")
    a = gap[conv] - gap[op]
    b = honest[honest.variant == conv].groupby("dataset").delta.median()
    return effect_from_units((b - a).dropna(), unit="data set", label="B - A (R²)")


def verdicts(df: pd.DataFrame) -> list[Verdict]:
    """The chapter's three verdicts, decided by :data:`RULES` (the outcome rule)."""
    n_seeds = int(df.seed.nunique())
    few = n_seeds < THRESHOLDS["min_seeds"]
    comp = competence.teacher_competence(_lam0(df))
    left = competence.left_out_note(int((~comp.competent).sum()), len(comp), "(data set, seed) cells")
    keep = comp[comp.competent][["dataset", "seed"]]
    df = df.merge(keep, on=["dataset", "seed"])
    lam0, honest = lam0_table(df), honest_by_variant(df)
    t = tests(honest)
    gap = lam0.groupby("variant").gap.mean()
    out_gap = decide(_gap_effect(lam0, honest), Claim(THRESHOLDS["sesoi"], kind="noninferior", label="R²"))
    v_gap = "inconclusive" if few else out_gap.outcome
    gaps = ", ".join(f"{k} {gap[k]:+.3f}" for k in LABELS if k in gap)
    blown = int((_distilled(df).student_r2.astype(float) < -1).sum())
    out = [Verdict("gap", "The distillation gap is a property of the teacher, which smoothing closes "
                   "(not of a weak student)", v_gap, rule("gap"),
                   f"{n_seeds} seeds; gap at λ = 0 (median over seeds, mean over data sets): "
                   f"{gaps}; {out_gap.text()}; {blown} distilled runs with test R² below -1 "
                   f"(blow-ups); {left}.",
                   paper="the gap is closed by a smoother teacher (Sections 4-5)",
                   ours=out_gap.effect.text(), numbers={"B_minus_A": out_gap.effect.estimate},
                   effects=effect_rows({"B - A": out_gap}))]

    def per_variant(a, b, comparison):
        outcomes = {}
        for var in [v for v in LABELS if v in set(honest.variant)]:
            h = honest[honest.variant == var]
            outcomes[var] = decide(paired_effect(h[a], h[b], unit="(data set, seed) pair", label="ΔR²"),
                                   Claim(THRESHOLDS["sesoi"], label="ΔR²"))
        rows = t[t.comparison == comparison].set_index("variant")
        text = "; ".join(f"{v}: {o.text()}; Wilcoxon p = {rows.loc[v, 'p_value']:.2g}" for v, o in outcomes.items())
        verdict = "inconclusive" if few or not outcomes else combine(outcomes.values())
        return verdict, text, outcomes

    v, text, oc = per_variant("test_honest", "test_base", "honest λ vs λ = 0")
    out.append(Verdict("across", "Smoothing the teacher helps across student algorithms (revision)",
                       v, rule("across"), f"{text}; {left}.",
                       paper="statistically significant improvements (revision's abstract)",
                       ours="; ".join(f"{k}: {o.effect.text()}" for k, o in oc.items()),
                       effects=effect_rows(oc), topic="smoothing_helps"))
    v, text, oc = per_variant("test_honest", "test_direct", "distilled (honest λ) vs direct")
    out.append(Verdict("direct", "Distillation beats fitting the student directly on the data", v,
                       rule("direct"), f"{text}; {left}.",
                       paper="implied: the student is distilled rather than fitted to the data",
                       ours="; ".join(f"{k}: {o.effect.text()}" for k, o in oc.items()),
                       effects=effect_rows(oc)))
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
