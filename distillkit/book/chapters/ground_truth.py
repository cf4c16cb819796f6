"""Chapter 10, ground truth: does a smoother teacher help recover the true law?

On the Feynman equations (:mod:`distillkit.datasets.feynman`) the generating law is known, so a
distilled formula can be scored as *right* (:mod:`distillkit.symbolic.groundtruth`), not only as
accurate. The grid: the selected equations x label-noise levels γ (SRBench's "rms"
scale) x the λ grid x seeds x the students that find laws (``GROUND_TRUTH_STUDENTS``),
each distilled from the teacher and fitted *directly* on the noisy training labels (no
teacher: the control). Sizes per profile live in :data:`SIZES`; the evidence ledger's
powered grid (``ground_truth``: 63 equations x 2 seeds) replaces the paper and full
profiles' grids when it is complete.

Verdicts (rules in :data:`RULES`, thresholds in :data:`THRESHOLDS`), judged with the shared
outcome rule (:mod:`distillkit.stats.outcome`: an effect with its interval against the
smallest effect of interest):

``smooth``  "a Jacobian-regularized teacher raises the symbolic solution rate";
``direct``  "distillation from a teacher beats fitting the noisy data directly".

Besides SRBench's symbolic solution, :func:`affine_solution` reports a looser criterion,
kept apart and never used by a verdict: the (rounded) formula is an exact affine map
``a + b·law`` of the law with ``b ≠ 0``. It tells a formula that has the law's shape but
inherits the teacher's small bias in scale and offset from one that is wrong.
"""
from __future__ import annotations

import functools

import math
import zlib

import numpy as np
import pandas as pd

from distillkit.stats.metrics import bootstrap_ci
from distillkit.stats.outcome import Claim, combine, decide, paired_proportion_effect, wilson_interval
from distillkit.datasets.feynman import DEFAULT_OPERATORS, equation, select_equations
from distillkit.experiments.pipeline import GROUND_TRUTH_STUDENTS, profile_sizes, student_label
from distillkit.book import summaries
from distillkit.book.verdict import Verdict, effect_rows, rule_text

#: (student, reading) in display order: the students that find laws (the others left out)
VARIANTS = tuple((s, "converged") for s in GROUND_TRUTH_STUDENTS)
LABELS = tuple(student_label(s, r) for s, r in VARIANTS)
COLORS = {"gplearn (converged)": "C1", "Operon": "C3"}
#: the evidence ledger's grid for this chapter (distillkit.experiments.evidence)
LEDGER_GRID = "ground_truth"

_SELECTED = tuple(select_equations())
#: the powered grid's equations: the first 12 writable ones per number of inputs (63)
_POWERED = tuple(select_equations(DEFAULT_OPERATORS, per_inputs=12))

#: grid sizes per profile (keys = distillkit.experiments.profiles.PROFILES); ``equations`` in order
SIZES = {
    # one equation with 1, 2 and 3 inputs; the smoke budgets seldom find a law
    "smoke": {"equations": _SELECTED[0:5:2], "noises": (0.0, 0.01), "lams": (0.0, 0.1),
              "seeds": (0,)},
    # without the ledger: the 15 selected equations, one seed (an Operon fit at the chosen
    # budget costs ~8 s of CPU: about 90 fits, 8 min on 2 cores); too few to decide
    "paper": {"equations": _SELECTED, "noises": (0.0, 0.01), "lams": (0.0, 0.1), "seeds": (0,)},
    # the powered grid (evidence ledger "ground_truth"): 63 equations x 2 seeds
    "full": {"equations": _POWERED, "noises": (0.0, 0.01), "lams": (0.0, 0.1), "seeds": (0, 1)},
}

THRESHOLDS = {
    # smallest effect of interest: 10 percentage points in the symbolic-solution rate
    # (about one law in ten found or lost)
    "sesoi": 0.10,
    "level": 0.95,  # the intervals' coverage (distillkit.stats.outcome)
}

RULES = {
    "smooth": ("Per student, λ > 0 against λ = 0 on the same (equation, γ, seed): the difference "
               "of symbolic-solution rates with Newcombe's paired score interval ({level:.0%}), "
               "judged by the shared outcome rule against a smallest effect of interest of "
               "+{sesoi:g} (reproduced: the interval excludes 0 and reaches it; not reproduced: "
               "it stays below it; inconclusive: it holds both, and the pairs that would decide "
               "are counted). Undecided formulas are left out of the pairs; the students' "
               "outcomes are combined (all reproduced: reproduced; all not: not reproduced)."),
    "direct": ("Per student, on the noisy cells only (γ > 0), each distilled λ against the "
               "student fitted to the noisy labels with no teacher on the same (equation, γ, "
               "seed): the difference of symbolic-solution rates with Newcombe's paired score "
               "interval ({level:.0%}), judged by the shared outcome rule against +{sesoi:g}; "
               "the λ values' and students' outcomes combined as for the first verdict."),
}


def run_counts(df: pd.DataFrame) -> dict:
    """What the chapter ran: runs, equations, the λ and γ grids (as text) and seeds."""
    return {**summaries.run_counts(df, "n_runs", "n_equations", "lams", "noises", "n_seeds"),
            "source": ("the evidence ledger (grid ground_truth, seeded into the run cache)"
                       if df.attrs.get("from_ledger") else "this build (the ledger's grid is not complete)"),
            "n_undecided": int(df.solution.isna().sum()),
            "undecided_share": f"{100 * float(df.solution.isna().mean()):.1f} %" if len(df) else "–"}


def setup_glues(profile: str) -> dict:
    """The chapter's fixed settings as the prose quotes them: function sets, Operon's
    tolerance, the ground-truth teacher's budget under ``profile``, the scoring constants."""
    from distillkit.symbolic import groundtruth
    from distillkit.experiments.pipeline import GROUND_TRUTH_CONFIG as GT
    from distillkit.experiments.pipeline import config_for

    teacher = config_for(VOLT, profile)  # the family's budget; a profile's own wins
    return {"functions": f"gplearn {', '.join(GT['function_set'])}; Operon {', '.join(GT['operon_function_set'])}",
            "tolerance": f"{GT['operon_tolerance']:g}", "evaluations": f"{teacher['operon_evaluations']:,}",
            "students": ", ".join(LABELS), "check": groundtruth.CHECK_RULE,
            "teacher": (f"{teacher['epochs']} epochs of one batch of up to {teacher['batch_size']} rows "
                        f"(every training row: full-batch steps) at a step of {teacher['learning_rate']:g}"),
            "digits": groundtruth.DEFAULT_DIGITS, "accuracy_r2": groundtruth.ACCURACY_R2,
            "ledger_grid": _ledger_grid_text()}


def _ledger_grid_text() -> str:
    """The ledger grid's size as the prose quotes it (equations and seeds, from the grid itself)."""
    from distillkit.experiments.evidence import grid
    g = grid(LEDGER_GRID)
    equations = {ds for part in g.parts for ds in part.datasets}
    return f"{len(equations)} writable equations, seeds {', '.join(str(s) for s in g.seeds)}"


def rates_glues(rates: pd.DataFrame) -> dict:
    """Symbolic (``rates``) and accuracy (``acc``) solution rates per noise level, as text."""
    noises = sorted(rates.noise.unique())
    return {"rates": " | ".join(f"γ = {g:g}: {rates_text(rates, g)}" for g in noises),
            "acc": " | ".join(f"γ = {g:g}: {rates_text(rates, g, 'accuracy_rate')}" for g in noises)}


def teacher_glues(df: pd.DataFrame) -> dict:
    """The distilled cells' median teacher test R² at λ = 0 and at the largest λ > 0 (as text,
    "–" where the grid has none), and that λ: the cost of the smoothing the verdicts test."""
    d = df[df.distilled.astype(bool)] if "distilled" in df else df
    lam = pd.to_numeric(d.lam, errors="coerce")
    t = pd.to_numeric(d.get("teacher_r2", pd.Series(np.nan, index=d.index)), errors="coerce")
    top = float(lam[lam > 0].max()) if (lam > 0).any() else math.nan

    def med(mask) -> str:
        return f"{float(t[mask].median()):.3f}" if t[mask].notna().any() else "–"

    return {"teacher_r2_lam0": med(np.isclose(lam, 0.0)), "teacher_r2_top": med(np.isclose(lam, top)),
            "top_lam": f"{top:g}" if np.isfinite(top) else "–"}


#: the rule text of a verdict key with its thresholds filled in
rule = functools.partial(rule_text, RULES, THRESHOLDS)


def sizes(profile: str) -> dict:
    """The grid of ``profile`` (a copy of :data:`SIZES`'s entry)."""
    return {k: list(v) for k, v in profile_sizes(SIZES, profile).items()}


def ledger_complete(ledger=None) -> bool:
    """True when the evidence ledger holds every cell of :data:`LEDGER_GRID` (same keys as
    this code computes: a changed setting makes it incomplete, and the chapter computes)."""
    from distillkit.experiments.evidence import EVIDENCE_DIR, grid, status
    try:
        st = status(grid(LEDGER_GRID), ledger=EVIDENCE_DIR if ledger is None else ledger)
    except (ValueError, OSError):
        return False
    return st["cells"] > 0 and st["in_ledger"] == st["cells"]


# --------------------------------------------------------------------------------------
# the grid
# --------------------------------------------------------------------------------------
def recovery_sweep(profile: str = "paper", equations=None, lams=None, noises=None, seeds=None,
                   n_jobs: int = 2, cache_dir=None, progress: bool = False,
                   **overrides) -> pd.DataFrame:
    """Distilled cells (every student x λ x γ x seed) and direct cells (``lam`` NaN).

    ``None`` takes the profile's size (:data:`SIZES`); for the paper and full profiles with
    no grid given, the powered grid when the evidence ledger holds it (its records seeded into
    the run cache; ``df.attrs["from_ledger"]`` says so). Adds ``variant`` (display name) and
    ``affine_solution`` (:func:`affine_solution`) to the records.
    """
    from distillkit.experiments.sweep import run_grid

    size = sizes(profile)
    given = (equations, lams, noises, seeds)
    from_ledger = profile != "smoke" and all(v is None for v in given) and ledger_complete()
    if from_ledger:
        from distillkit.experiments.evidence import seed_cache
        seed_cache(cache_dir, grids=[LEDGER_GRID])
        size = sizes("full")
    equations = size["equations"] if equations is None else (
        [equations] if isinstance(equations, str) else list(equations))
    lams = size["lams"] if lams is None else list(lams)
    if 0.0 not in [float(v) for v in lams]:
        raise ValueError("the λ grid must contain 0 (the unregularized teacher)")
    df = run_grid(equations, lams=lams, seeds=size["seeds"] if seeds is None else seeds,
                  noises=size["noises"] if noises is None else noises, profile=profile,
                  sr_readings=("converged",), students=tuple(s for s, _ in VARIANTS),
                  direct=True, n_jobs=n_jobs, cache_dir=cache_dir, progress=progress, **overrides)
    df["variant"] = [student_label(s, r) for s, r in zip(df.student, df.sr_reading)]
    df["affine_solution"] = [affine_solution(f, d) for f, d in zip(df.formula_compared, df.dataset)]
    df.attrs["from_ledger"] = from_ledger
    return df


#: the one equation the chapter follows cell by cell (Volt = q/C, two inputs)
VOLT = "feynman_I_25_13"


def volt_cells(profile: str = "paper", n_jobs: int = 2, cache_dir=None) -> pd.DataFrame:
    """:data:`VOLT` at λ = 0, γ = 0, seed 0, distilled and direct, under two teacher budgets:
    the ground-truth family's (``teacher budget`` "ground truth") and the paper's real-data
    budget from ``BASE_CONFIG`` ("paper")."""
    from distillkit.experiments.pipeline import BASE_CONFIG

    paper_budget = {k: BASE_CONFIG[k] for k in ("epochs", "batch_size", "learning_rate")}
    runs = {"ground truth": {}, "paper": paper_budget}
    return pd.concat([recovery_sweep(profile, equations=[VOLT], lams=[0.0], noises=[0.0], seeds=[0],
                                     n_jobs=n_jobs, cache_dir=cache_dir, **over).assign(**{"teacher budget": name})
                      for name, over in runs.items()], ignore_index=True)


def volt_glues(volt: pd.DataFrame) -> dict:
    """The distilled Operon formula, its teacher's test R² and whether it is a symbolic
    solution, per teacher budget (keys ``<budget>_formula`` / ``_teacher_r2`` / ``_solution``
    with budget ``gt`` or ``paper``)."""
    out = {}
    for name, key in (("ground truth", "gt"), ("paper", "paper")):
        row = volt[(volt["teacher budget"] == name) & (volt.student == "operon") & volt.distilled.astype(bool)]
        if row.empty:
            continue
        r = row.iloc[0]
        decided = isinstance(r.solution, (bool, np.bool_))
        out.update({f"{key}_formula": str(r.formula_compared), f"{key}_teacher_r2": float(r.teacher_r2),
                    f"{key}_solution": ("undecided" if not decided else
                                        "a symbolic solution" if r.solution else "not a symbolic solution")})
    return out


def affine_solution(formula, dataset: str, n_points: int = 256, rtol: float = 1e-6):
    """True when ``formula`` (rounded constants, data units) equals ``a + b·law`` with
    ``b ≠ 0`` on ``n_points`` inputs drawn from the equation's intervals (checked
    numerically: residual rms of the least-squares fit ≤ ``rtol``·sd(formula)); None when
    the formula is missing or cannot be evaluated. Looser than SRBench's rule, which
    allows ``law + a`` or ``b·law`` but not both."""
    import sympy

    if not isinstance(formula, str) or not formula.strip():
        return None
    eq = equation(dataset)
    try:
        sym = eq.symbols
        expr = sympy.sympify(formula, locals={**{"pi": sympy.pi}, **sym})
        f = sympy.lambdify([sym[v] for v in eq.inputs], expr, modules="numpy")
        rng = np.random.default_rng([7, zlib.crc32(eq.name.encode())])
        X = rng.uniform([v[1] for v in eq.variables], [v[2] for v in eq.variables],
                        size=(n_points, eq.n_inputs))
        with np.errstate(all="ignore"):
            got = np.broadcast_to(np.asarray(f(*X.T), dtype=np.float64), (n_points,))
    except Exception:  # an unparsable or unevaluable formula is undecided, not wrong
        return None
    law = eq.evaluate(X)
    if not np.isfinite(got).all():
        return False
    sd = float(np.std(got))
    if sd == 0.0:
        return False
    A = np.column_stack([np.ones(n_points), law])
    coef, *_ = np.linalg.lstsq(A, got, rcond=None)
    resid = got - A @ coef
    return bool(np.sqrt(np.mean(resid ** 2)) <= rtol * sd)


# --------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------
def _flag(v):
    """Record value → True/False/None (undecided: None, NaN)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return bool(v)


def _setting(df: pd.DataFrame) -> pd.Series:
    return np.where(df.distilled.astype(bool), "distilled", "direct")


def solution_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Per variant, setting (distilled/direct), λ (NaN for direct) and γ: symbolic-solution
    rate over the decided cells and accuracy-solution rate over all, each with its 95 %
    Wilson interval; ``undecided`` counts the cells the check left undecided (for a stated reason,
``undecided_reason``);
    ``affine_rate`` is the looser criterion of :func:`affine_solution`."""
    d = df.assign(setting=_setting(df), lam=df.lam.astype(float).fillna(-1.0))
    rows = []
    for (var, setting, lam, noise), g in d.groupby(["variant", "setting", "lam", "noise"], sort=True):
        sol = [_flag(v) for v in g.solution]
        decided = [s for s in sol if s is not None]
        k, n = sum(decided), len(decided)
        acc = [bool(v) for v in g.accuracy_solution]
        aff = [a for a in (_flag(v) for v in g.get("affine_solution", [None] * len(g))) if a is not None]
        lo, hi = wilson_interval(k, n)
        alo, ahi = wilson_interval(sum(acc), len(acc))
        rows.append({"variant": var, "setting": setting, "lam": np.nan if lam < 0 else lam,
                     "noise": float(noise), "cells": len(g), "undecided": len(sol) - n,
                     "solutions": k, "solution_rate": k / n if n else np.nan,
                     "solution_lo": lo, "solution_hi": hi,
                     "accuracy_rate": sum(acc) / len(acc), "accuracy_lo": alo, "accuracy_hi": ahi,
                     "student_r2_median": float(pd.to_numeric(g.student_r2, errors="coerce").median()),
                     "affine_rate": sum(aff) / len(aff) if aff else np.nan})
    out = pd.DataFrame(rows)
    order = {v: i for i, v in enumerate(LABELS)}
    return out.sort_values(["variant", "setting", "noise", "lam"],
                           key=lambda s: s.map(order) if s.name == "variant" else s,
                           ignore_index=True)


def rates_display(rates: pd.DataFrame) -> pd.DataFrame:
    """:func:`solution_rates` as one readable row per (variant, setting, λ, γ)."""
    def pct(r, lo, hi):
        return "–" if not np.isfinite(r) else f"{100 * r:.0f} % [{100 * lo:.0f}, {100 * hi:.0f}]"
    return pd.DataFrame({
        "student": rates.variant, "fitted to": np.where(rates.setting == "direct", "noisy labels",
                                                        "teacher"),
        "λ": [("–" if not np.isfinite(v) else f"{v:g}") for v in rates.lam],
        "γ": [f"{v:g}" for v in rates.noise], "cells": rates.cells.astype(int), "undecided": rates.undecided.astype(int),
        "symbolic solution [95 % CI]": [pct(r, lo, hi) for r, lo, hi in
                                        zip(rates.solution_rate, rates.solution_lo, rates.solution_hi)],
        "accuracy solution [95 % CI]": [pct(r, lo, hi) for r, lo, hi in
                                        zip(rates.accuracy_rate, rates.accuracy_lo, rates.accuracy_hi)],
        "median test R²": rates.student_r2_median,
        "affine solution": [("–" if not np.isfinite(v) else f"{100 * v:.0f} %") for v in rates.affine_rate],
    })


def rates_text(rates: pd.DataFrame, noise: float, column: str = "solution_rate") -> str:
    """One sentence part per student at noise ``noise``: its rate at each λ and direct."""
    parts = []
    for var in [v for v in LABELS if v in set(rates.variant)]:
        r = rates[(rates.variant == var) & np.isclose(rates.noise, noise)]
        d = r[r.setting == "distilled"].sort_values("lam")
        cells = [f"λ = {lam:g}: {100 * v:.0f} %" for lam, v in zip(d.lam, d[column])]
        cells += [f"direct: {100 * v:.0f} %" for v in r[r.setting == "direct"][column]]
        parts.append(f"{var} {', '.join(cells)}")
    return "; ".join(parts) or "no cells"


def r2_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per variant, setting, λ and γ: median student test R² (noiseless test labels) with
    a 95 % bootstrap interval of the median, and the median teacher test R²."""
    d = df.assign(setting=_setting(df), lam=df.lam.astype(float).fillna(-1.0))
    rows = []
    for (var, setting, lam, noise), g in d.groupby(["variant", "setting", "lam", "noise"], sort=True):
        r2 = pd.to_numeric(g.student_r2, errors="coerce").to_numpy(dtype=float)
        lo, hi = bootstrap_ci(r2, stat=np.median)
        t = pd.to_numeric(g.get("teacher_r2", pd.Series(dtype=float)), errors="coerce")
        rows.append({"variant": var, "setting": setting, "lam": np.nan if lam < 0 else lam,
                     "noise": float(noise), "cells": len(g),
                     "student_r2_median": float(np.median(r2)) if len(r2) else np.nan,
                     "ci_lo": lo, "ci_hi": hi,
                     "teacher_r2_median": float(t.median()) if t.notna().any() else np.nan})
    return pd.DataFrame(rows)


def equation_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (equation, γ), one column per (variant, λ or direct): ``✓`` symbolic
    solution, ``≈`` affine solution only, ``·`` neither, ``?`` undecided (first seed)."""
    d = df[df.seed == df.seed.min()]
    def mark(r):
        s = _flag(r.solution)
        if s is None:
            return "?"
        return "✓" if s else ("≈" if _flag(r.get("affine_solution")) else "·")
    d = d.assign(column=[f"{v}, {'direct' if not dist else f'λ={lam:g}'}"
                         for v, dist, lam in zip(d.variant, d.distilled.astype(bool), d.lam)],
                 mark=[mark(r) for _, r in d.iterrows()])
    out = d.pivot_table(index=["dataset", "noise"], columns="column", values="mark",
                        aggfunc="first")
    order = {name: i for i, name in enumerate(dict.fromkeys(d.dataset))}  # the grid's order
    out = out.iloc[sorted(range(len(out)), key=lambda i: (order[out.index[i][0]], out.index[i][1]))]
    return out.reindex(sorted(out.columns, key=lambda c: (c.split(",")[0] != LABELS[0], c)),
                       axis=1)


# --------------------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------------------
def _paired(df, left, right):
    """Solutions of two cell sets aligned on (variant, dataset, noise, seed)."""
    keys = ["variant", "dataset", "noise", "seed"]
    a = left[keys + ["solution"]].rename(columns={"solution": "a"})
    b = right[keys + ["solution"]].rename(columns={"solution": "b"})
    m = a.merge(b, on=keys)
    return m.assign(a=[_flag(v) for v in m.a], b=[_flag(v) for v in m.b])


def _judge(pairs: pd.DataFrame):
    """The outcome of one paired comparison (:mod:`distillkit.stats.outcome`)."""
    effect = paired_proportion_effect(pairs.a, pairs.b, unit="(equation, γ, seed) pair",
                                      label="Δ symbolic-solution rate", level=THRESHOLDS["level"])
    return decide(effect, Claim(THRESHOLDS["sesoi"]))


def comparisons(df: pd.DataFrame) -> pd.DataFrame:
    """Every paired comparison the verdicts use: per variant, ``smooth`` (each λ > 0 vs
    λ = 0, all γ) and ``direct`` (each λ vs the direct fit, γ > 0): the outcome rule's
    numbers, the pairs per equation, and the equations that would decide an inconclusive one."""
    dist = df[df.distilled.astype(bool)]
    direct = df[~df.distilled.astype(bool)]
    lams = sorted(float(v) for v in dist.lam.unique())
    rows = []
    for var in [v for v in LABELS if v in set(df.variant)]:
        dv = dist[dist.variant == var]
        at = {lam: dv[np.isclose(dv.lam.astype(float), lam)] for lam in lams}
        noisy = direct[(direct.variant == var) & (direct.noise > 0)]
        tests = [("smooth", f"λ = {lam:g} vs λ = 0", at[lam], at[0.0]) for lam in lams if lam > 0]
        tests += [("direct", f"distilled λ = {lam:g} vs direct (γ > 0)", at[lam][at[lam].noise > 0], noisy)
                  for lam in lams]
        for key, comparison, left, right in tests:
            pairs = _paired(df, left, right).dropna(subset=["a", "b"])
            out = _judge(pairs)
            per_eq = len(pairs) / max(pairs.dataset.nunique(), 1)
            need = out.units_needed
            rows.append({"verdict": key, "variant": var, "comparison": comparison, **out.as_dict(), "result": out,
                         "text": f"{out.text('{:+.2f}')} [{out.effect.method}]", "equations": int(pairs.dataset.nunique()),
                         "equations_needed": None if need is None else int(math.ceil(need / per_eq))})
    return pd.DataFrame(rows)


def verdicts(df: pd.DataFrame) -> list[Verdict]:
    """The chapter's two verdicts, decided by :data:`RULES` on :func:`comparisons`."""
    comp = comparisons(df)
    out = []
    claims = {"smooth": ("A Jacobian-regularized teacher raises the symbolic solution rate "
                         "(Feynman equations)",
                         "not studied (the paper has no ground-truth experiment)"),
              "direct": ("Distillation from a teacher beats fitting the noisy data directly "
                         "(symbolic solutions, Feynman equations)",
                         "not studied (the paper has no ground-truth experiment or direct fit)")}
    for key, (claim, paper) in claims.items():
        c = comp[comp.verdict == key] if len(comp) else comp
        per_variant, parts = {}, []
        for var, g in (c.groupby("variant", sort=False) if len(c) else []):
            per_variant[var] = combine(list(g.outcome))
            parts.append(f"{var}: " + "; ".join(
                f"{r.comparison}: {r.text}" + (f" (about {int(r.equations_needed)} equations at this grid's "
                                               f"pairs per equation; {r.equations} here)"
                                               if r.outcome == "inconclusive" and pd.notna(r.equations_needed) else "")
                for r in g.itertuples()))
        outcome = combine(list(per_variant.values()))
        numbers = {f"{r.variant}, {r.comparison}: {k}": float("nan") if getattr(r, k) is None else float(getattr(r, k))
                   for r in (c.itertuples() if len(c) else []) for k in ("estimate", "ci_lo", "ci_hi", "n")}
        effects = effect_rows({f"{r.variant}, {r.comparison}": r.result for r in c.itertuples()}) if len(c) else ()
        out.append(Verdict(key, claim, outcome, rule(key), (" | ".join(parts) or "no cells") + ".",
                           paper=paper, ours="; ".join(f"{v}: {o}" for v, o in per_variant.items())
                           or "no cells", numbers=numbers, effects=effects))
    return out


# --------------------------------------------------------------------------------------
# figure
# --------------------------------------------------------------------------------------
def recovery_figure(df: pd.DataFrame):
    """Top: symbolic-solution rate against λ (95 % Wilson band) per noise level; bottom:
    median student test R² (bootstrap band). Direct fits as dashed lines."""
    import matplotlib.pyplot as plt

    from distillkit.book.plots import lam_axis

    rates, r2 = solution_rates(df), r2_table(df)
    noises = sorted(rates.noise.unique())
    fig, axes = plt.subplots(2, len(noises), figsize=(3.6 * len(noises), 6.4), squeeze=False,
                             sharey="row")
    lams = sorted(rates.lam.dropna().unique())
    for j, noise in enumerate(noises):
        for row, (tab, y, lo, hi, label) in enumerate((
                (rates, "solution_rate", "solution_lo", "solution_hi", "symbolic solution rate"),
                (r2, "student_r2_median", "ci_lo", "ci_hi", "student test R² (median)"))):
            ax = axes[row][j]
            for var in [v for v in LABELS if v in set(tab.variant)]:
                t = tab[(tab.variant == var) & (tab.noise == noise)]
                d = t[t.setting == "distilled"].sort_values("lam")
                ax.plot(d.lam, d[y], marker="o", color=COLORS[var], label=f"{var}, distilled")
                ax.fill_between(d.lam, d[lo], d[hi], color=COLORS[var], alpha=0.15)
                direct = t[t.setting == "direct"]
                if len(direct) and np.isfinite(direct[y].iloc[0]):
                    ax.axhline(direct[y].iloc[0], color=COLORS[var], ls="--", lw=1.2,
                               label=f"{var}, direct (no teacher)")
            lam_axis(ax, lams)
            if row == 0:
                ax.set_title(f"label noise γ = {noise:g}")
                ax.set_ylim(-0.03, 1.03)
                ax.set_xlabel("")
            if j == 0:
                ax.set_ylabel(label)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    plt.close(fig)
    return fig


__all__ = ["VOLT", "volt_cells", "volt_glues", "run_counts", "setup_glues", "rates_glues", "teacher_glues", "VARIANTS", "LABELS", "SIZES", "THRESHOLDS", "RULES", "rule", "sizes", "recovery_sweep",
           "affine_solution", "solution_rates", "rates_display", "rates_text", "r2_table",
           "equation_table", "comparisons", "verdicts", "recovery_figure", "LEDGER_GRID", "ledger_complete"]
