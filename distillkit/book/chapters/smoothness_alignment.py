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
  critical-difference diagram);
* **verdicts** (:func:`verdicts`), rules in :data:`RULES`, thresholds in :data:`THRESHOLDS`.

A cluster: with ``DISTILLKIT_DASK_SCHEDULER=tcp://host:8786`` set, :func:`alignment_sweep`
opens a ``dask.distributed.Client`` on that scheduler and runs every fit there (joblib's
"dask" backend); :func:`throughput` measures what a run achieved from its own records.
"""
from __future__ import annotations

import functools

import os
from contextlib import contextmanager

import numpy as np
import pandas as pd

from distillkit.stats import ranking
from distillkit.book import analyses
from distillkit.experiments.pipeline import PAPER_LAMS, profile_sizes, student_label
from distillkit.book.verdict import Verdict, rule_text

#: label-noise level γ of the Feynman data sets (sd γ·rms(y)): SRBench's middle level, where a
#: teacher has noise to smooth away but an exact law is still recoverable
FEYNMAN_NOISE = 0.01
#: the environment variable naming a dask.distributed scheduler
SCHEDULER_ENV = "DISTILLKIT_DASK_SCHEDULER"
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
    "alpha": ranking.ALPHA,  # Friedman and Nemenyi significance
    # Friedman's chi-square approximation needs about ten blocks (Demšar 2006, Section 3.2.2)
    "min_datasets": 10,
    "min_trials": 1,  # the replication unit across data sets is the data set, not the trial
}

_TEST = ("the three methods' test R² is averaged over trials per data set; a Friedman "
         "test over the data sets asks whether the methods' mean ranks differ (p < {alpha:g}), and "
         "the Nemenyi test whether a pair does (p < {alpha:g}). A regularized method 'beats "
         "standard' if Friedman is significant, it ranks above standard and their Nemenyi p is "
         "below {alpha:g}. Inconclusive with fewer than {min_datasets} complete data sets or "
         "fewer than {min_trials} trial(s) per data set.")
RULES = {
    "significant": ("For the paper's student (gplearn, converged reading), " + _TEST
                    + " Reproduced if Jacobian or Lipschitz beats standard, not reproduced otherwise."),
    "penalties": ("Per student, " + _TEST + " Lipschitz 'falls short' if Jacobian ranks above it "
                  "with Friedman significant and their Nemenyi p below {alpha:g}. Reproduced if "
                  "Lipschitz falls short for no student, not reproduced if for every student, "
                  "partly reproduced otherwise (not falling short is not proof of equivalence)."),
    "across": ("Per student (gplearn converged, Operon), " + _TEST + " Reproduced if a regularized "
               "method beats standard for every student, not reproduced if for none, partly "
               "reproduced otherwise."),
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


def run_counts(df: pd.DataFrame) -> dict:
    """What the chapter ran: ``n_datasets``, ``n_trials`` (seeds) and ``n_runs`` (student fits)."""
    return {"n_datasets": int(df.dataset.nunique()), "n_trials": int(df.seed.nunique()), "n_runs": len(df)}


@contextmanager
def cluster_backend(address: str | None = None):
    """Yields the joblib backend to use: "dask" (with a Client open on ``address`` or
    ``$DISTILLKIT_DASK_SCHEDULER``) when a scheduler is named, else None (joblib's default)."""
    address = address or os.environ.get(SCHEDULER_ENV)
    if not address:
        yield None
        return
    from dask.distributed import Client
    with Client(address):
        yield "dask"


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
# verdicts
# --------------------------------------------------------------------------------------
def _beats(r: dict) -> dict:
    return {m: ranking.significantly_better(r, m, "standard") for m in ("Jacobian", "Lipschitz")}


def _describe(var: str, r: dict) -> str:
    ranks = ", ".join(f"{m} {r['ranks'][m]:.2f}" for m in r["ranks"].index)
    p = r["p_value"]
    return (f"{var}: N = {r['n_datasets']}, Friedman p = " + (f"{p:.2g}" if np.isfinite(p) else "n/a")
            + f", mean ranks {ranks}")


def _which(r: dict) -> str:
    lip, jac = float(r["ranks"]["Lipschitz"]), float(r["ranks"]["Jacobian"])
    if np.isclose(lip, jac):
        return f"Lipschitz and Jacobian tie (mean rank {lip:.2f})"
    better = "Lipschitz" if lip < jac else "Jacobian"
    return f"{better} ranks better ({min(lip, jac):.2f} vs {max(lip, jac):.2f})"


def _three_way(flags) -> str:
    flags = list(flags)
    if all(flags):
        return "reproduced"
    return "not reproduced" if not any(flags) else "partly reproduced"


def verdicts(df: pd.DataFrame) -> list[Verdict]:
    """The chapter's three verdicts, decided by :data:`RULES`."""
    methods = method_table(df)
    ranked = rankings(methods)
    n_trials = int(methods.trial.nunique()) if len(methods) else 0
    few = {v: r["n_datasets"] < THRESHOLDS["min_datasets"] or n_trials < THRESHOLDS["min_trials"]
           for v, r in ranked.items()}
    text = {v: _describe(v, r) for v, r in ranked.items()}
    trials = f"{n_trials} trial(s) per data set"
    gp = student_label("gplearn", "converged")

    if gp not in ranked or few[gp]:
        v_sig, ev = "inconclusive", text.get(gp, f"{gp}: no complete data set")
    else:
        b = _beats(ranked[gp])
        v_sig = "reproduced" if any(b.values()) else "not reproduced"
        ev = text[gp] + "; beats standard: " + (", ".join(m for m in b if b[m]) or "none")
    out = [Verdict("significant", "Students of smoothness-regularized teachers are significantly better "
                   "than the standard pipeline's (revision)", v_sig, rule("significant"),
                   f"{ev}; {trials}.",
                   paper="statistically significant improvements in R² (revision's abstract)", ours=ev)]

    short = {}
    for v, r in ranked.items():
        lip_vs_jac = ranking.significantly_better(r, "Jacobian", "Lipschitz")
        short[v] = lip_vs_jac
    ev_pen = "; ".join(f"{v}: {_which(r)}, Nemenyi p = {float(r['nemenyi'].loc['Jacobian', 'Lipschitz']):.2g}"
                       for v, r in ranked.items() if {"Jacobian", "Lipschitz"} <= set(r["ranks"].index))
    v_pen = ("inconclusive" if not ranked or any(few.values())
             else _three_way(not s for s in short.values()))
    out.append(Verdict("penalties", "The Lipschitz penalty serves the student at least as well as the "
                       "Jacobian penalty (revision)", v_pen, rule("penalties"),
                       f"{ev_pen or 'no complete data set'}; {trials}.",
                       paper="Jacobian and Lipschitz penalties (revision's abstract)", ours=ev_pen))

    flags = {v: any(_beats(r).values()) for v, r in ranked.items()}
    v_across = "inconclusive" if not ranked or any(few.values()) else _three_way(flags.values())
    ev_across = "; ".join(f"{text[v]} ({'beats' if flags[v] else 'does not beat'} standard)"
                          for v in ranked)
    out.append(Verdict("across", "The gain holds across student algorithms (revision)", v_across,
                       rule("across"), f"{ev_across or 'no complete data set'}; {trials}.",
                       paper="the student algorithm is ablated (revision's abstract)", ours=ev_across))
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
           "throughput"]
