"""Chapter 1's claim: the naive pipeline leaves a large distillation gap (Table 1, Figure 1)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import paper
from .competence import competent_cells
from .show import PAPER, name_of, ours_label
from .summaries import _order, per_lambda
from .verdict import INCONCLUSIVE, NOT, PARTLY, REPRODUCED


def distillation_gap(sweep: pd.DataFrame) -> pd.DataFrame:
    """λ = 0, every data set: teacher, SR student per reading, XGBoost; ours and paper.

    Long format: dataset, model, source ("ours"/"paper"), r2. The paper's teacher and
    student come from Table 1 where it has them, else Table 2; XGBoost from Table 1 only.
    """
    pl = per_lambda(sweep)
    pl = pl[(pl.lam == 0) & np.isclose(pl.noise, 0.0)]
    rows = []
    for ds in _order(pl):
        d = pl[pl.dataset == ds]
        rows.append((ds, "teacher", "ours", float(d.teacher_r2.iloc[0])))
        for reading in _order(d, "sr_reading"):
            rows.append((ds, f"SR student ({reading})", "ours",
                         float(d[d.sr_reading == reading].student_r2.iloc[0])))
        if "xgb_r2" in d:
            rows.append((ds, "XGBoost", "ours", float(d.xgb_r2.iloc[0])))
        t1 = paper.TABLE1[paper.TABLE1.dataset == ds]
        t2 = paper.TABLE2[paper.TABLE2.dataset == ds]
        if len(t1):
            rows += [(ds, "teacher", "paper", float(t1.teacher_r2.iloc[0])),
                     (ds, "SR student", "paper", float(t1.student_r2.iloc[0])),
                     (ds, "XGBoost", "paper", float(t1.xgb_r2.iloc[0]))]
        elif len(t2):
            rows += [(ds, "teacher", "paper", float(t2.teacher_r2.iloc[0])),
                     (ds, "SR student", "paper", float(t2.student_r2_standard.iloc[0]))]
    return pd.DataFrame(rows, columns=["dataset", "model", "source", "r2"])


def table1(sweep: pd.DataFrame, datasets=("california", "concrete")) -> pd.DataFrame:
    """Paper Table 1 with ours beside it: rows (data set, source), columns teacher / SR / XGBoost R²."""
    gap = distillation_gap(sweep)
    readings = [m.split("(")[1].rstrip(")") for m in _order(gap[gap.model.str.startswith("SR student (")], "model")]
    rows = []
    for ds in [d for d in datasets if d in set(gap.dataset)]:
        g = gap[gap.dataset == ds]

        def val(model, source):
            v = g[(g.model == model) & (g.source == source)].r2
            return float(v.iloc[0]) if len(v) else math.nan

        rows.append((name_of(ds), PAPER, val("teacher", PAPER), val("SR student", PAPER), val("XGBoost", PAPER)))
        for r in readings:
            rows.append((name_of(ds), ours_label(r), val("teacher", "ours"), val(f"SR student ({r})", "ours"),
                         val("XGBoost", "ours")))
    out = pd.DataFrame(rows, columns=["dataset", "source", "teacher R²", "SR student R²", "XGBoost R²"])
    return out.set_index(["dataset", "source"])


def verdict_gap(gap: pd.DataFrame, readings, margin: float = 0.1,
                competence: pd.DataFrame | None = None) -> tuple[str, dict]:
    """Claim: the naive pipeline leaves a large distillation gap; SR not competitive with XGBoost.

    Rule: for each reading and data set, the claim *holds* if teacher R² - student R²
    >= ``margin`` and XGBoost R² - student R² >= ``margin``. Reproduced if it holds on
    every data set under every reading; partly reproduced if it holds on a majority of
    data sets under at least one reading; otherwise not reproduced. With ``competence``
    (:func:`competence_table`, kind ``"teacher"``) only data sets whose λ = 0 teacher is
    competent count; none left: inconclusive.
    """
    ours = gap[gap.source == "ours"].pivot_table(index="dataset", columns="model", values="r2", sort=False)
    keep = competent_cells(competence, ours.index.to_frame(index=False)).to_numpy()
    left_out = [d for d, k in zip(ours.index, keep) if not k]
    ours = ours[keep]
    if ours.empty:
        return INCONCLUSIVE, {"n_datasets": 0, "holds": {}, "left_out": left_out}
    holds = {}
    for r in readings:
        col = f"SR student ({r})"
        h = (ours["teacher"] - ours[col] >= margin) & (ours["XGBoost"] - ours[col] >= margin)
        holds[r] = int(h.sum())
    n = len(ours)
    if all(v == n for v in holds.values()):
        verdict = REPRODUCED
    elif any(v > n / 2 for v in holds.values()):
        verdict = PARTLY
    else:
        verdict = NOT
    return verdict, {"n_datasets": n, "holds": holds, "left_out": left_out}

