"""Chapter 11, the revised paper's claims: smoothness alignment over 20 data sets, with significance.

The revision (arXiv 2507.22767 v3/v4; only its abstract is public) regularizes the teacher
with "Jacobian and Lipschitz penalties", studies "20 datasets and 50 independent trials" and
reports "statistically significant improvements" in the student's R² over the standard
pipeline. This module runs that design with our own choices where the abstract is silent
(``book/methods.md``, "The revision's claims (chapter 11)"):

* **suite** (:func:`suite`): the five real data sets (label noise 0, the chapter-08 cells) and
  the fifteen chapter-10 Feynman equations (:func:`distillkit.datasets.feynman.select_equations`) at
  label noise γ = :data:`FEYNMAN_NOISE` (SRBench's convention, sd γ·rms(y));
* **grid** (:func:`alignment_sweep`): every data set x trial (seed) x λ x penalty x student
  (gplearn converged, Operon) with the chapter-08 settings (:data:`distillkit.book.chapters.robustness.
  GRID_OVERRIDES`, a validation split), so the Jacobian cells of the real data sets come from
  chapters 08/09's cache. λ = 0 is one teacher for both penalties (the objective is the same),
  so the Lipschitz arm trains only λ > 0; sizes per profile in :data:`SIZES`;
* **methods** (:func:`method_table`): per (data set, trial, student), "standard" (λ = 0),
  "Jacobian" and "Lipschitz" with λ chosen on the validation split
  (:func:`distillkit.book.analyses.honest_lambda`; ties go to the smaller λ);
* **statistics**: :mod:`distillkit.stats.ranking` (Wilcoxon + Holm per data set, Friedman, Nemenyi,
  critical-difference diagram; the gain over standard with an interval, :func:`effects`: the
  per-data-set mean ΔR² bootstrapped over data sets and the mixed model
  ``R² ~ method + (1 | data set)``);
* **verdicts** (:func:`verdicts`) by the outcome rule (:mod:`distillkit.stats.outcome`) against
  the smallest effect of interest; rules in :data:`RULES`, thresholds in :data:`THRESHOLDS`;
* **the evidence ledger** (:func:`plan`): under ``paper``, when the ledger
  (:mod:`distillkit.experiments.evidence`, grid "alignment": 10 trials, λ ∈ {0, 0.01, 0.1, 0.5})
  holds complete trials, the chapter reads those instead of its small grid.

A cluster: with ``DISTILLKIT_DASK_SCHEDULER=tcp://host:8786`` set, :func:`alignment_sweep`
opens a ``dask.distributed.Client`` on that scheduler and runs every fit there (joblib's
"dask" backend); :func:`throughput` measures what a run achieved from its own records.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from distillkit.stats import ranking
from distillkit.stats.metrics import MIN_WILCOXON_N
from distillkit.stats.outcome import Claim, combine, decide
from distillkit.book import summaries
from distillkit.book import analyses
from distillkit.experiments.evidence import SCHEDULER_ENV, cluster_backend  # one dask switch, library side
from distillkit.experiments.pipeline import PAPER_LAMS, profile_sizes, student_label
from distillkit.book.verdict import Verdict, effect_rows, rule_text

#: label-noise level γ of the Feynman data sets (sd γ·rms(y)): SRBench's middle level, where a
#: teacher has noise to smooth away but an exact law is still recoverable
FEYNMAN_NOISE = 0.01
#: (student, reading) compared; gplearn under the converged reading (chapter 09)
STUDENTS = (("gplearn", "converged"), ("operon", "converged"))
PENALTIES = ("jacobian", "lipschitz")
METHODS = ("standard", "Jacobian", "Lipschitz")
COLORS = dict(zip(METHODS, ("0.45", "C0", "C3")))

#: per profile: trials (seeds), the λ grid (must hold 0) and how many data sets of each family
#: (None = all). ``paper`` is sized so this chapter adds a few minutes to a 2-core book build
#: (book/methods.md gives the measured per-fit times); ``full`` is the revision's 50 trials.
SIZES = {
    "smoke": {"seeds": 2, "lams": (0.0, 0.5), "real": 2, "feynman": 2},
    "paper": {"seeds": 1, "lams": (0.0, 0.1), "real": None, "feynman": None},
    "full": {"seeds": 50, "lams": PAPER_LAMS, "real": None, "feynman": None},
}

THRESHOLDS = {
    "alpha": ranking.ALPHA,  # Friedman, Nemenyi and per-data-set Wilcoxon significance
    # the revision claims only "significant": the smallest gain in test R² of interest
    "sesoi": analyses.SESOI_R2,
    # Friedman's chi-square approximation needs about ten blocks (Demšar 2006, Section 3.2.2);
    # the bootstrap over data sets needs them as much
    "min_datasets": 10,
    "min_trials": 1,  # the replication unit across data sets is the data set, not the trial
    "min_wilcoxon": MIN_WILCOXON_N,  # trials per data set before a per-data-set test can decide
}

_EFFECT = ("each regularized method's gain over standard is the per-data-set mean ΔR² (test R² "
           "at the validation-chosen λ minus λ = 0, averaged over trials), its 95 % interval a BCa "
           "bootstrap over the data sets. Per comparison: reproduced if the interval excludes 0 "
           "and reaches the smallest effect of interest ΔR² = {sesoi:g}, partly reproduced if it "
           "excludes 0 but stays below {sesoi:g}, not reproduced if it excludes {sesoi:g} (the data "
           "are inconsistent with a gain of that size), inconclusive otherwise (then the number of "
           "data sets that would decide it at the observed variance is given). ")
_COMBINE = ("Comparisons combine as: all reproduced -> reproduced; all not reproduced -> not "
            "reproduced; an inconclusive one and none reproduced or partly -> inconclusive; else "
            "partly reproduced. Inconclusive with fewer than {min_datasets} complete data sets. "
            "Friedman/Nemenyi ranks (p < {alpha:g}), the mixed model R² ~ method + (1 | data set) and "
            "per-data-set Wilcoxon tests (with at least {min_wilcoxon} trials) are shown beside.")
RULES = {
    "significant": ("For the paper's student (gplearn, converged reading), " + _EFFECT
                    + "Jacobian and Lipschitz are combined. " + _COMBINE),
    "penalties": ("Per student, Lipschitz minus Jacobian (both at their validation-chosen λ), the "
                  "per-data-set mean ΔR² with a BCa bootstrap interval over data sets, read as "
                  "non-inferiority with margin {sesoi:g}: reproduced if the interval's lower end is "
                  "above -{sesoi:g}, not reproduced if its upper end is below -{sesoi:g}, "
                  "inconclusive otherwise. Students combined. " + _COMBINE),
    "across": ("Per student (gplearn converged, Operon), " + _EFFECT + "Every (student, penalty) "
               "comparison is combined. " + _COMBINE),
}


#: the rule text of a verdict key with its thresholds filled in
rule = functools.partial(rule_text, RULES, THRESHOLDS)


# --------------------------------------------------------------------------------------
# the suite and the grid
# --------------------------------------------------------------------------------------
def sizes(profile: str) -> dict:
    return profile_sizes(SIZES, profile)


def suite(profile: str = "paper") -> dict[str, list[str]]:
    """``{"real": [...], "feynman": [...]}``: the data sets of the profile."""
    from distillkit.datasets import DATASETS
    from distillkit.datasets.feynman import select_equations

    s = sizes(profile)
    real, feyn = list(DATASETS), list(select_equations())
    return {"real": real[:s["real"]] if s["real"] else real,
            "feynman": feyn[:s["feynman"]] if s["feynman"] else feyn}


def plan(profile: str, datasets=None, lams=None, seeds=None, ledger=None) -> dict:
    """What the chapter computes or reads: ``{"from_ledger", "lams", "seeds", "note"}``.

    Under ``paper`` with no grid parameter set, when the evidence ledger holds complete trials
    of its "alignment" grid, those trials and its λ grid (the run cache is seeded from the
    ledger first, so nothing is recomputed); otherwise the profile's own sizes."""
    from distillkit.experiments import evidence

    own = {"from_ledger": False, "lams": lams, "seeds": seeds, "note": "computed (no ledger used)"}
    g = evidence.grid("alignment")
    if profile != g.profile or any(v is not None for v in (datasets, lams, seeds)):
        return own
    kw = {} if ledger is None else {"ledger": ledger}
    st = evidence.status(g, details=True, **kw)
    if not st["complete_trials"]:
        return own
    evidence.seed_cache(grids=[g.name], **kw)
    lams = sorted({float(v) for p in g.parts for v in p.lams} | {0.0})
    return {"from_ledger": True, "lams": lams, "seeds": st["complete_trials"], "status": st,
            "note": (f"read from the evidence ledger (evidence/{g.name}: {len(st['complete_trials'])} "
                     f"complete trial(s) of {len(g.seeds)}, {st['in_ledger']} of {st['cells']} cells; "
                     f"commit(s) {', '.join(st['commits'])}, {' to '.join(dict.fromkeys(st['dates']))}, "
                     f"{', '.join(st['cpus'])})")}


def ledger_share(df: pd.DataFrame, p: dict) -> int:
    """How many of the chapter's records the ledger holds (0 when :func:`plan` did not use it)."""
    if not p.get("from_ledger"):
        return 0
    from distillkit.experiments import evidence

    coords = {(c["cell"]["dataset"], c["cell"]["seed"], c["cell"]["lam"], c["cell"]["student"],
               c["cell"]["overrides"]["penalty"]) for c in evidence.grid("alignment").cells()
              if c["key"] in p["status"]["keys"]}
    return int(sum((d, int(s), float(lam), st, pen) in coords for d, s, lam, st, pen in
                   zip(df.dataset, df.seed, df.lam.astype(float), df.student, df.penalty)))


def run_counts(df: pd.DataFrame) -> dict:
    """What the chapter ran: ``n_datasets``, ``n_trials`` (seeds) and ``n_runs`` (student fits)."""
    return summaries.run_counts(df, "n_datasets", "n_trials", "n_runs")


def alignment_sweep(profile: str = "paper", datasets=None, lams=None, seeds=None, n_jobs: int = 2,
                    cache_dir=None, backend=None, scheduler: str | None = None, progress: bool = False,
                    **overrides) -> pd.DataFrame:
    """Every cell of the chapter: both penalties, both students, the suite's data sets.

    ``datasets`` None is :func:`suite`; names starting with ``feynman_`` get label noise
    :data:`FEYNMAN_NOISE`, the others none. ``seeds`` is an int n (``range(n)``) or a list.
    ``scheduler`` (or ``$DISTILLKIT_DASK_SCHEDULER``) runs everything on that dask cluster.
    Adds ``family`` ("real"/"Feynman") and ``variant`` (the student's label).
    """
    from distillkit.datasets.feynman import is_feynman
    from distillkit.experiments.sweep import run_grid

    s = sizes(profile)
    if datasets is None:
        parts = suite(profile)
        datasets = parts["real"] + parts["feynman"]
    datasets = [datasets] if isinstance(datasets, str) else list(datasets)
    lams = [float(v) for v in (s["lams"] if lams is None else lams)]
    if 0.0 not in lams:
        raise ValueError("the λ grid must contain 0 (the standard pipeline)")
    seeds = analyses.grid_seeds(profile, s["seeds"] if seeds is None else seeds)
    frames = []
    with cluster_backend(scheduler) as cluster:
        jobs = -1 if cluster else n_jobs
        for noise, names in ((0.0, [d for d in datasets if not is_feynman(d)]),
                             (FEYNMAN_NOISE, [d for d in datasets if is_feynman(d)])):
            if not names:
                continue
            # the chapter ranks test R² only: no symbolic-solution check (chapter 10's costly part)
            unscored = {"solution_timeout": 0.0} if noise == FEYNMAN_NOISE else {}
            common = dict(profile=profile, seeds=seeds, noises=(noise,), cache_dir=cache_dir,
                          n_jobs=jobs, backend=backend or cluster, progress=progress,
                          sr_readings=("converged",), students=tuple(st for st, _ in STUDENTS),
                          **{**analyses.GRID_OVERRIDES, **unscored, **overrides})
            frames.append(run_grid(names, lams=lams, penalty="jacobian", **common))
            positive = [v for v in lams if v > 0]
            if positive:
                frames.append(run_grid(names, lams=positive, penalty="lipschitz", **common))
    df = pd.concat(frames, ignore_index=True)
    df["family"] = np.where([is_feynman(d) for d in df.dataset], "Feynman", "real")
    df["variant"] = [student_label(st, rd) for st, rd in zip(df.student, df.sr_reading)]
    return df


# --------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------
def _lam0(df):
    return df[np.isclose(df.lam.astype(float), 0.0)]


def tradeoff_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per penalty, λ and student, means over (data set, trial): teacher test R², the teacher's
    smoothness, student test R² and complexity.

    Smoothness is ``teacher_jacobian_sq``, the mean over the test points of the squared norm of
    the teacher's input gradient ‖∇f(x)‖² (standardized inputs and target), shown as the
    geometric mean over (data set, trial) of its ratio to the λ = 0 teacher of the same cell
    (``jac_ratio``; 1 = as rough as the standard teacher): the raw values differ by orders of
    magnitude between data sets. λ = 0 is shown once, as "none".
    """
    d = analyses.finite_r2(df)
    base = _lam0(d).groupby(["dataset", "seed"]).teacher_jacobian_sq.first().rename("jac0")
    d = d.join(base, on=["dataset", "seed"])
    d["log_ratio"] = np.log(d.teacher_jacobian_sq.astype(float) / d.jac0.astype(float))
    d["penalty_shown"] = np.where(np.isclose(d.lam.astype(float), 0.0), "none", d.penalty)
    d = d.drop_duplicates(["dataset", "seed", "lam", "penalty_shown", "variant"])
    rows = []
    for (pen, lam, var), g in d.groupby(["penalty_shown", "lam", "variant"], sort=False):
        rows.append({"penalty": pen, "lam": float(lam), "student": var, "cells": len(g),
                     "teacher_r2": g.teacher_r2.mean(), "jac_ratio": float(np.exp(g.log_ratio.mean())),
                     "student_r2": g.student_r2.mean(), "complexity": g.complexity.mean()})
    out = pd.DataFrame(rows)
    order = {"none": 0, "jacobian": 1, "lipschitz": 2}
    return out.sort_values(["student", "penalty", "lam"], key=lambda c: c.map(order) if c.name == "penalty"
                           else c).reset_index(drop=True)


def method_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (data set, trial, student, method): test R² of the standard pipeline
    (λ = 0) and of each penalty at its validation-chosen λ (λ = 0 is a candidate of both)."""
    parts = []
    for var, g in df.groupby("variant", sort=False):
        lam0 = _lam0(g[g.penalty == "jacobian"])
        for method, pen in (("Jacobian", "jacobian"), ("Lipschitz", "lipschitz")):
            arm = pd.concat([lam0, g[(g.penalty == pen) & (g.lam.astype(float) > 0)]])
            h = analyses.honest_lambda(arm)
            if len(h):
                parts.append(h.assign(variant=var, method=method, r2=h.test_honest, lam=h.lam_honest))
                if method == "Jacobian":
                    parts.append(h.assign(variant=var, method="standard", r2=h.test_base, lam=0.0))
    if not parts:
        return pd.DataFrame(columns=["dataset", "trial", "variant", "method", "lam", "r2"])
    out = pd.concat(parts, ignore_index=True).rename(columns={"seed": "trial"})
    return out[["dataset", "trial", "variant", "method", "lam", "r2"]]


def rankings(methods: pd.DataFrame, alpha: float = THRESHOLDS["alpha"]) -> dict[str, dict]:
    """Per student: :func:`distillkit.stats.ranking.rank_methods` of the three methods."""
    order = [student_label(st, rd) for st, rd in STUDENTS]
    present = [v for v in order if v in set(methods.variant)]
    present += [v for v in dict.fromkeys(methods.variant) if v not in present]
    return {var: ranking.rank_methods(ranking.dataset_means(methods[methods.variant == var]), alpha=alpha)
            for var in present}


def ranking_table(ranked: dict[str, dict]) -> pd.DataFrame:
    """Per student: N data sets, Friedman p, each method's mean rank, Nemenyi CD."""
    rows = []
    for var, r in ranked.items():
        rows.append({"student": var, "data sets": r["n_datasets"], "Friedman χ²": r["statistic"],
                     "Friedman p": r["p_value"], **{f"rank {m}": r["ranks"].get(m, np.nan) for m in METHODS},
                     "CD": r["cd"]})
    return pd.DataFrame(rows)


def dataset_tests(methods: pd.DataFrame) -> pd.DataFrame:
    """Per student and data set: each penalty against standard, paired over trials
    (Wilcoxon, Holm over the student's table); needs 6+ trials to reach p < 0.05."""
    parts = [ranking.per_dataset_tests(g, baseline="standard").assign(student=var)
             for var, g in methods.groupby("variant", sort=False)]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


# --------------------------------------------------------------------------------------
# the figure
# --------------------------------------------------------------------------------------
def ranking_figure(ranked: dict[str, dict]):
    """One critical-difference diagram per student."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(ranked), 1, figsize=(6.5, 2.0 * len(ranked)), squeeze=False)
    for ax, (var, r) in zip(axes[:, 0], ranked.items()):
        ranking.cd_diagram(r, ax=ax, title=var, colors=COLORS)
    fig.tight_layout()
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------------------
# effects with intervals, and the verdicts (the outcome rule, issue 18)
# --------------------------------------------------------------------------------------
def claim(kind: str = "sesoi") -> Claim:
    """The smallest effect of interest (``kind="sesoi"``), or the non-inferiority margin."""
    return Claim(THRESHOLDS["sesoi"], kind=kind, label="ΔR²")


def effects(methods: pd.DataFrame, rng: int = 0) -> pd.DataFrame:
    """Per student: each penalty against standard (gain, :func:`claim`) and Lipschitz against
    Jacobian (non-inferiority); columns ``student``, ``comparison``, ``outcome``
    (:class:`distillkit.stats.outcome.Outcome` of the data-set bootstrap) and ``mixed`` (the
    mixed model's :class:`distillkit.stats.outcome.Effect`, or None)."""
    rows = []
    for var, g in methods.groupby("variant", sort=False):
        eff = ranking.method_effects(g, baseline="standard", rng=rng)
        for m in ("Jacobian", "Lipschitz"):
            if m in eff:
                rows.append({"student": var, "comparison": f"{m} vs standard",
                             "outcome": decide(eff[m]["bootstrap"], claim()), "mixed": eff[m]["mixed"]})
        if {"Jacobian", "Lipschitz"} <= set(g.method):
            e = ranking.method_effects(g[g.method != "standard"], baseline="Jacobian", rng=rng)["Lipschitz"]
            rows.append({"student": var, "comparison": "Lipschitz vs Jacobian",
                         "outcome": decide(e["bootstrap"], claim("noninferior")), "mixed": e["mixed"]})
    return pd.DataFrame(rows, columns=["student", "comparison", "outcome", "mixed"])


def effect_table(eff: pd.DataFrame) -> pd.DataFrame:
    """:func:`effects` as the chapter shows it: estimate, 95 % interval and data sets of the
    bootstrap, the mixed model's estimate and interval beside, the outcome and (inconclusive)
    the data sets that would decide it at the observed variance."""
    rows = []
    for r in eff.itertuples():
        e, m = r.outcome.effect, r.mixed
        rows.append({"student": r.student, "comparison": r.comparison, "ΔR²": e.estimate,
                     "95 % CI": f"[{e.lo:+.3f}, {e.hi:+.3f}]", "data sets": e.n,
                     "mixed model ΔR²": m.estimate if m else np.nan,
                     "mixed 95 % CI": f"[{m.lo:+.3f}, {m.hi:+.3f}]" if m else "n/a",
                     "outcome": r.outcome.outcome,
                     "data sets to decide": r.outcome.units_needed if r.outcome.units_needed else ""})
    return pd.DataFrame(rows)


def leave_one_out_table(methods: pd.DataFrame, rng: int = 0) -> pd.DataFrame:
    """Each comparison of :func:`effects` (each penalty against standard, Lipschitz against
    Jacobian) with one data set left out at a time (:func:`distillkit.stats.ranking.leave_one_out`),
    per student: the range of the estimate, the lowest lower bound, the data set whose removal
    moves the estimate most, and how many of the leave-one-out intervals reach the same outcome
    as the full data (the rule applied unchanged; the check is reported beside the verdicts and
    does not decide them)."""
    rows = []
    for var, g in methods.groupby("variant", sort=False):
        pairs = [("standard", g, "sesoi")]
        if {"Jacobian", "Lipschitz"} <= set(g.method):
            pairs.append(("Jacobian", g[g.method != "standard"], "noninferior"))
        for base, frame, kind in pairs:
            full = ranking.method_effects(frame, baseline=base, rng=rng)
            for m, lo in ranking.leave_one_out(frame, baseline=base, rng=rng).groupby("method", sort=False):
                whole = decide(full[m]["bootstrap"], claim(kind))
                same = [decide(e, claim(kind)).outcome == whole.outcome for e in lo.effect]
                moved = lo.iloc[int(np.argmax(np.abs(lo.estimate.to_numpy() - whole.effect.estimate)))]
                rows.append({"student": var, "comparison": f"{m} vs {base}", "ΔR²": whole.effect.estimate,
                             "outcome": whole.outcome,
                             "ΔR² without one data set": f"{lo.estimate.min():+.3f} to {lo.estimate.max():+.3f}",
                             "lowest lower bound": lo.lo.min(),
                             "most influential": f"{moved.left_out} (ΔR² without it {moved.estimate:+.3f})",
                             "same outcome": f"{sum(same)} of {len(same)}"})
    return pd.DataFrame(rows)


def _robustness(loo: pd.DataFrame) -> str:
    """One sentence on :func:`leave_one_out_table`'s rows (empty: no rows)."""
    if loo.empty:
        return ""
    parts = []
    for r in loo.to_dict("records"):
        kept, _, n = r["same outcome"].split()
        parts.append(f"{r['student']}, {r['comparison']}: {r['outcome']} in {kept} of {n}"
                     + ("" if kept == n else f" (most influential: {r['most influential']})"))
    return " Leaving one data set out, the same outcome holds: " + "; ".join(parts) + "."


def _describe(var: str, r: dict) -> str:
    ranks = ", ".join(f"{m} {r['ranks'][m]:.2f}" for m in r["ranks"].index)
    p = r["p_value"]
    return (f"Friedman p = " + (f"{p:.2g}" if np.isfinite(p) else "n/a") + f", mean ranks {ranks}")


def _evidence(rows: pd.DataFrame, ranked: dict) -> str:
    parts = []
    for r in rows.itertuples():
        m = r.mixed
        mixed = f"; mixed model {m.estimate:+.3f} [{m.lo:+.3f}, {m.hi:+.3f}]" if m else ""
        parts.append(f"{r.student}, {r.comparison}: {r.outcome.text()}{mixed}")
    ranks = "; ".join(f"{v}: {_describe(v, ranked[v])}" for v in dict.fromkeys(rows.student) if v in ranked)
    return "; ".join(parts) + (f". Ranks: {ranks}" if ranks else "")


def verdicts(df: pd.DataFrame, rng: int = 0) -> list[Verdict]:
    """The chapter's three verdicts, decided by :data:`RULES` (the outcome rule)."""
    methods = method_table(df)
    ranked = rankings(methods)
    eff = effects(methods, rng=rng)
    n_trials = int(methods.trial.nunique()) if len(methods) else 0
    n_ds = min((r["n_datasets"] for r in ranked.values()), default=0)
    few = n_ds < THRESHOLDS["min_datasets"] or n_trials < THRESHOLDS["min_trials"]
    size = f"{n_ds} data sets x {n_trials} trial(s)"
    gp = student_label("gplearn", "converged")
    gain = eff[eff.comparison.str.endswith("vs standard")] if len(eff) else eff
    non = eff[eff.comparison == "Lipschitz vs Jacobian"] if len(eff) else eff

    def verdict(rows):
        return "inconclusive" if few or rows.empty else combine(rows.outcome)

    def arms(rows):
        return effect_rows({f"{r.student}: {r.comparison}": r.outcome for r in rows.itertuples()})

    loo = leave_one_out_table(methods, rng=rng) if n_ds >= 3 else pd.DataFrame()
    sig = gain[gain.student == gp] if len(gain) else gain
    out = [Verdict("significant", "Students of smoothness-regularized teachers are significantly better "
                   "than the standard pipeline's (revision)", verdict(sig), rule("significant"),
                   f"{size}; {_evidence(sig, ranked) or 'no complete data set'}."
                   + _robustness(loo[(loo.student == gp) & loo.comparison.str.endswith("vs standard")]
                                 if len(loo) else loo),
                   paper="statistically significant improvements in R² (revision's abstract)",
                   ours="; ".join(f"{r.comparison}: {r.outcome.effect.text()}" for r in sig.itertuples()),
                   effects=arms(sig), topic="smoothing_helps"),
           Verdict("penalties", "The Lipschitz penalty serves the student at least as well as the "
                   "Jacobian penalty (revision)", verdict(non), rule("penalties"),
                   f"{size}; {_evidence(non, ranked) or 'no complete data set'}."
                   + _robustness(loo[loo.comparison == "Lipschitz vs Jacobian"] if len(loo) else loo),
                   paper="Jacobian and Lipschitz penalties (revision's abstract)",
                   ours="; ".join(f"{r.student}: {r.outcome.effect.text()}" for r in non.itertuples()),
                   effects=arms(non)),
           Verdict("across", "The gain holds across student algorithms (revision)", verdict(gain),
                   rule("across"), f"{size}; {_evidence(gain, ranked) or 'no complete data set'}."
                   + _robustness(loo[loo.comparison.str.endswith("vs standard")] if len(loo) else loo),
                   paper="the student algorithm is ablated (revision's abstract)",
                   ours="; ".join(f"{r.student}, {r.comparison}: {r.outcome.outcome}" for r in gain.itertuples()),
                   effects=arms(gain), topic="smoothing_helps")]
    return out


# --------------------------------------------------------------------------------------
# throughput
# --------------------------------------------------------------------------------------
def throughput(df: pd.DataFrame, wall_seconds: float, cores: int) -> dict:
    """What a run achieved, from its own records.

    ``student_fits`` = records; ``teacher_fits`` = distinct teachers (data set, seed, noise,
    λ, penalty); their compute is the sum of ``student_seconds`` and of each teacher's
    ``teacher_seconds`` (its share of the ensemble's time). ``fits_per_core_minute`` =
    (student + teacher fits) / (cores x wall minutes); ``busy`` = compute / (cores x wall), the
    share of the cores' time spent inside fits (the rest is scheduling, data, scoring, I/O).
    """
    if wall_seconds <= 0 or cores < 1:
        raise ValueError(f"wall_seconds must be > 0 and cores >= 1, got {wall_seconds}, {cores}")
    teachers = df.drop_duplicates(["dataset", "seed", "noise", "lam", "penalty"])
    s_sec, t_sec = float(df.student_seconds.sum()), float(teachers.teacher_seconds.sum())
    core_min = cores * wall_seconds / 60.0
    n_s, n_t = len(df), len(teachers)
    return {"student_fits": n_s, "teacher_fits": n_t, "wall_seconds": float(wall_seconds),
            "cores": int(cores), "student_core_seconds": s_sec, "teacher_core_seconds": t_sec,
            "student_fits_per_core_minute": n_s / core_min,
            "fits_per_core_minute": (n_s + n_t) / core_min,
            "seconds_per_student_fit": s_sec / n_s if n_s else np.nan,
            "busy": (s_sec + t_sec) / (cores * wall_seconds)}


__all__ = ["run_counts", "FEYNMAN_NOISE", "SCHEDULER_ENV", "STUDENTS", "PENALTIES", "METHODS", "SIZES", "THRESHOLDS",
           "RULES", "rule", "sizes", "suite", "cluster_backend", "alignment_sweep", "tradeoff_table",
           "method_table", "rankings", "ranking_table", "dataset_tests", "ranking_figure", "verdicts",
           "throughput", "plan", "ledger_share", "claim", "effects", "effect_table", "leave_one_out_table"]
