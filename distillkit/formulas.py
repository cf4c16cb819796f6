"""Chapter 6's claim: regularized teachers give simpler formulas (Table 7)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import paper
from .competence import competent_cells
from .metrics import program_complexity
from .show import PAPER, ours_label
from .summaries import _order, lambda_summary, paper_curve, per_lambda
from .verdict import INCONCLUSIVE, NOT, PARTLY, REPRODUCED


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
    for reading in _order(df, "sr_reading"):
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


def verdict_simpler(formulas: pd.DataFrame, complexity: pd.DataFrame, summary: pd.DataFrame,
                    reading: str, competence: pd.DataFrame | None = None,
                    focus: str | None = None) -> tuple[str, dict]:
    """Claim: regularized teachers give simpler formulas.

    Rule, under ``reading``: (a) on the focus data set the best-λ formula has fewer nodes
    than the λ = 0 formula; (b) on a majority of data sets the seed-mean complexity at the
    best λ > 0 is below that at λ = 0. Reproduced if (a) and (b), partly if one of them,
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
    simpler = {}
    for ds in _order(c):
        cc = c[c.dataset == ds].set_index("lam").complexity
        if ds in s.index and np.isfinite(s[ds]):
            simpler[ds] = bool(cc.loc[s[ds]] < cc.loc[0.0])
    b = sum(simpler.values()) > len(simpler) / 2 if simpler else False
    if focus_out:
        verdict = INCONCLUSIVE if not simpler else PARTLY if b else NOT
        return verdict, {"focus_simpler": None, "simpler": simpler, "left_out": left_out}
    verdict = REPRODUCED if a and b else PARTLY if a or b else NOT
    return verdict, {"focus_simpler": a, "simpler": simpler, "left_out": left_out}

