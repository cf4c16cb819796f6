"""Chapter 6's claim: regularized teachers give simpler formulas (Table 7).

One verdict (rule in :data:`RULES`, threshold in :data:`THRESHOLDS`), under the primary
SR reading (the one that reproduces the pattern of the paper's Table 6):

``simpler``  "regularized teachers give simpler formulas".
"""
from __future__ import annotations

import functools

import math

import numpy as np
import pandas as pd

from distillkit.experiments import paper
from distillkit.book.analyses import primary_reading
from distillkit.book.competence import competence_note, competence_table, competent_cells
from distillkit.stats.metrics import spearman
from distillkit.symbolic.programs import program_complexity
from distillkit.book.show import PAPER, fmt_lam, name_of, ours_label
from distillkit.vocab import SR_READINGS
from distillkit.book.summaries import in_order, lambda_summary, paper_curve, per_lambda
from distillkit.book.verdict import INCONCLUSIVE, NOT, PARTLY, REPRODUCED, Verdict, effect_rows, guarded, rule_text
from distillkit.stats.outcome import Claim, decide, effect_from_units

THRESHOLDS = {
    "majority": 0.5,  # (b) holds on more than this share of the data sets
}

RULES = {
    "simpler": ("(a) On the focus data set (Concrete when swept) the formula from the best "
                "regularized teacher (best λ > 0) has fewer nodes than the λ = 0 formula; (b) on "
                "more than {majority:.0%} of the data sets the seed-mean complexity at the best "
                "λ > 0 is below that at λ = 0. Reproduced if (a) and (b), partly reproduced if one "
                "of them, not reproduced otherwise. Only data sets whose λ = 0 student is "
                "competent count: if the focus data set is left out, (b) alone decides (partly or "
                "not reproduced); with none left, inconclusive. A 'not reproduced' stands only if the "
                "95 % bootstrap interval over data sets of the complexity change (best λ > 0 minus "
                "λ = 0, seed means) excludes the paper's change on Concrete ({paper_change:+d} nodes; "
                "distillkit.stats.outcome); otherwise inconclusive."),
}


#: the rule text of a verdict key with its thresholds filled in
rule = functools.partial(rule_text, RULES, THRESHOLDS)


def formula_table(sweep: pd.DataFrame, dataset: str = "concrete", seed: int | None = None) -> pd.DataFrame:
    """Paper Table 7 with ours: the formula from the standard and the best regularized teacher.

    "best regularized" is the λ > 0 with the best seed-mean student R² under each reading;
    the formula shown is the one of ``seed`` (default: the first seed swept). Columns:
    teacher, source, λ, program (gplearn), complexity, student R², latex (ours only).
    """
    df = sweep[np.isclose(sweep.noise, 0.0) & (sweep.dataset == dataset)]
    seed = int(df.seed.min()) if seed is None else int(seed)
    summ = lambda_summary(sweep)
    rows = []
    if dataset == "concrete":  # the paper's Table 7 is on Concrete
        t6 = paper_curve(dataset)
        for _, p in paper.TABLE7.iterrows():
            rows.append(dict(teacher=p.teacher, source=PAPER, lam=p.lam, program=p.formula,
                             complexity=program_complexity(p.formula), student_r2=float(t6.get(p.lam, math.nan)),
                             latex=None))
    for reading in in_order(df, "sr_reading"):
        s = summ[(summ.dataset == dataset) & (summ.sr_reading == reading)].iloc[0]
        for kind, lam in (("standard", 0.0), ("regularized", s.best_lam)):
            r = df[(df.sr_reading == reading) & np.isclose(df.lam, lam) & (df.seed == seed)]
            if r.empty:
                continue
            r = r.iloc[0]
            rows.append(dict(teacher=kind, source=ours_label(reading), lam=float(lam), program=r.formula,
                             complexity=int(r.complexity), student_r2=float(r.student_r2), latex=r.formula_latex))
    out = pd.DataFrame(rows)
    order = {"standard": 0, "regularized": 1}
    return out.sort_values("teacher", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def complexity_by_lambda(sweep: pd.DataFrame) -> pd.DataFrame:
    """Seed-mean formula complexity (node count) per data set, reading and λ."""
    pl = per_lambda(sweep)
    return pl[np.isclose(pl.noise, 0.0)][["dataset", "sr_reading", "lam", "complexity", "student_r2"]]


#: node counts of the paper's Table 7 formulas, keyed by (data set, λ)
PAPER_COMPLEXITY = {("concrete", float(p.lam)): program_complexity(p.formula) for _, p in paper.TABLE7.iterrows()}
#: the paper's claimed change of the formula's size (Table 7, Concrete: λ = 0.001 minus λ = 0)
THRESHOLDS["paper_change"] = PAPER_COMPLEXITY[("concrete", 0.001)] - PAPER_COMPLEXITY[("concrete", 0.0)]


def verdict_simpler(formulas: pd.DataFrame, complexity: pd.DataFrame, summary: pd.DataFrame,
                    reading: str, competence: pd.DataFrame | None = None,
                    focus: str | None = None, majority: float = THRESHOLDS["majority"]) -> tuple[str, dict]:
    """Claim: regularized teachers give simpler formulas.

    Rule, under ``reading``: (a) on the focus data set the best-λ formula has fewer nodes
    than the λ = 0 formula; (b) on more than ``majority`` of the data sets the seed-mean
    complexity at the best λ > 0 is below that at λ = 0. Reproduced if (a) and (b), partly if one of them,
    otherwise not reproduced. With ``competence`` (kind ``"student"``) only data sets
    whose λ = 0 student is competent count: if the ``focus`` data set is left out, (b)
    alone decides (partly or not reproduced); none left: inconclusive.
    """
    f = formulas[formulas.source == ours_label(reading)].set_index("teacher").complexity
    a = bool("regularized" in f and "standard" in f and f["regularized"] < f["standard"])
    c = complexity[complexity.sr_reading == reading]
    ok = competent_cells(competence, c)
    left_out = list(dict.fromkeys(c.dataset[~ok]))
    c = c[ok]
    focus_out = focus is not None and focus in left_out
    s = summary[summary.sr_reading == reading].set_index("dataset").best_lam
    simpler, change = {}, {}
    for ds in in_order(c):
        cc = c[c.dataset == ds].set_index("lam").complexity
        if ds in s.index and np.isfinite(s[ds]):
            simpler[ds] = bool(cc.loc[s[ds]] < cc.loc[0.0])
            change[ds] = float(cc.loc[s[ds]] - cc.loc[0.0])
    b = sum(simpler.values()) > majority * len(simpler) if simpler else False
    paper_change = THRESHOLDS["paper_change"]
    out = decide(effect_from_units(list(change.values()), unit="data set", label="Δ nodes"),
                 Claim(abs(paper_change) or 1, kind="claimed", direction=-1 if paper_change <= 0 else 1,
                       label="the paper's change on Concrete"))
    if focus_out:
        verdict = INCONCLUSIVE if not simpler else PARTLY if b else NOT
    else:
        verdict = REPRODUCED if a and b else PARTLY if a or b else NOT
    verdict = guarded(verdict, out)  # inconclusive while the interval holds the claim
    return verdict, {"focus_simpler": None if focus_out else a, "simpler": simpler, "left_out": left_out,
                     "outcome": out}



# --------------------------------------------------------------------------------------
# the chapter: the numbers its prose uses, the formulas as the book shows them, its verdict
# --------------------------------------------------------------------------------------
def shown_table(formulas: pd.DataFrame) -> pd.DataFrame:
    """Table 7 (:func:`formula_table`) as the book shows it: no LaTeX, headers spelled out."""
    return formulas.drop(columns="latex").rename(columns={
        "lam": "λ", "program": "formula (gplearn program)", "complexity": "complexity (nodes)",
        "student_r2": "student test R²"}).set_index(["teacher", "source"])


def variables_text(feature_names, dataset: str) -> str:
    """The sentence naming each input ``X<i>`` of the formulas."""
    text = "Variables: " + ", ".join(f"`X{i}` = {f}" for i, f in enumerate(feature_names))
    return text + (". (We assume the paper's `X0`... follow the same column order.)"
                   if dataset == "concrete" else ".")


def formula_heading(row) -> str:
    """The line above one formula of Table 7: source, teacher, λ, nodes, student R²."""
    return (f"**{row.source}, {row.teacher} teacher** (λ = {fmt_lam(row.lam)}; "
            f"{row.complexity} nodes; student R² = {row.student_r2:.3f}):")


def formula_latex(row) -> str:
    """One formula as LaTeX: ours as stored, the paper's program simplified by sympy."""
    if isinstance(row.latex, str):
        return row.latex
    import sympy

    from distillkit.students import program_to_sympy

    return sympy.latex(program_to_sympy(row.program))


def formula_displays(formulas: pd.DataFrame, dataset: str) -> list:
    """What the book shows of Table 7's formulas: the variables, then per formula its
    heading (Markdown) and the formula (Math)."""
    from IPython.display import Markdown, Math

    from distillkit.datasets import load_dataset

    out = [Markdown(variables_text(load_dataset(dataset).feature_names, dataset))]
    for _, row in formulas.iterrows():
        out += [Markdown(formula_heading(row)), Math(formula_latex(row))]
    return out


def complexity_glues(formulas: pd.DataFrame) -> dict:
    """Node counts of Table 7 as ``complexity_<paper|reading>_<standard|regularized>`` for
    the paper and every SR reading (-1 where not available)."""
    f = formulas.set_index(["source", "teacher"]).complexity
    sources = {PAPER: PAPER, **{r: ours_label(r) for r in SR_READINGS}}  # glue key -> table label
    return {f"complexity_{key}_{kind}": int(f.get((src, kind), -1))
            for key, src in sources.items() for kind in ("standard", "regularized")}


def paper_points() -> pd.DataFrame:
    """The paper's two Table 7 formulas as (dataset, lam, complexity) points."""
    return pd.DataFrame([(d, lam, c) for (d, lam), c in PAPER_COMPLEXITY.items()],
                        columns=["dataset", "lam", "complexity"])


def complexity_figure(complexity: pd.DataFrame):
    """Formula complexity against λ, a panel per data set; the paper's formulas as crosses."""
    from distillkit.book.plots import lambda_panels

    return lambda_panels(complexity, "complexity", "formula size (nodes)",
                         "SR formula complexity against λ (ours: mean over seeds)",
                         paper_points=paper_points(), r2=False)


def lambda_glues(complexity: pd.DataFrame) -> dict:
    """Per SR reading (NaN where not swept): Spearman ρ(λ, complexity) pooled over data
    sets (``rho_<r>``) and the mean complexity at λ = 0 and λ > 0 (``mean_c0_<r>``,
    ``mean_cpos_<r>``) of :func:`complexity_by_lambda`."""
    mean_c = complexity.groupby(["sr_reading", complexity.lam > 0]).complexity.mean()
    out = {}
    for r in SR_READINGS:
        c = complexity[complexity.sr_reading == r]
        out[f"rho_{r}"] = spearman(c.lam, c.complexity) if len(c) else math.nan
        out[f"mean_c0_{r}"] = float(mean_c.get((r, False), math.nan))
        out[f"mean_cpos_{r}"] = float(mean_c.get((r, True), math.nan))
    return out


def verdicts(sweep: pd.DataFrame, focus: str, reading: str | None = None) -> list[Verdict]:
    """The chapter's verdict (:data:`RULES`) from the λ sweep, with ``focus`` the data set
    of Table 7, under ``reading`` (default: :func:`primary_reading`). The competence rule
    screens the λ = 0 students (kind ``"student"``)."""
    reading = reading or primary_reading(sweep)
    rows, comp = formula_table(sweep, focus), competence_table(sweep, "student")
    v, info = verdict_simpler(rows, complexity_by_lambda(sweep), lambda_summary(sweep), reading,
                              competence=comp, focus=focus, majority=THRESHOLDS["majority"])
    fc = rows.set_index(["source", "teacher"]).complexity
    src = ours_label(reading)
    std, reg = fc.get((src, "standard"), float("nan")), fc.get((src, "regularized"), float("nan"))
    p_std, p_reg = PAPER_COMPLEXITY[("concrete", 0.0)], PAPER_COMPLEXITY[("concrete", 0.001)]
    n_simpler, n = sum(info["simpler"].values()), len(info["simpler"])
    return [Verdict(
        "simpler", "Regularized teachers give simpler formulas", v, rule("simpler"),
        f"On {name_of(focus)} ({reading} reading) the formula has {std} nodes at λ = 0 and {reg} at "
        f"the best λ > 0 (paper: {p_std} and {p_reg}); the best-λ formula is simpler than the λ = 0 "
        f"one on {n_simpler}/{n} data sets; " + competence_note(comp, "student")
        + f"; {info['outcome'].text('{:+.1f}')}.",
        paper=f"{p_std} -> {p_reg} nodes (Concrete)",
        ours=f"{std} -> {reg} nodes ({name_of(focus)}, {reading}); simpler on {n_simpler}/{n} data sets",
        numbers={"standard": std, "regularized": reg, "simpler": n_simpler, "compared": n},
        effects=effect_rows({reading: info["outcome"]}))]


__all__ = ["THRESHOLDS", "RULES", "PAPER_COMPLEXITY", "rule", "formula_table", "complexity_by_lambda",
           "verdict_simpler", "shown_table", "variables_text",
           "formula_heading", "formula_latex", "formula_displays", "complexity_glues", "paper_points",
           "complexity_figure", "lambda_glues", "verdicts"]
