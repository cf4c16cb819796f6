"""Chapter 4's claim: a regularized teacher gives no gain to a 32-leaf tree student (Table 3)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import paper
from .metrics import best_lambda
from .show import name_of
from .summaries import _order, lambda_summary, paper_curve, per_lambda
from .verdict import INCONCLUSIVE, NOT, PARTLY, REPRODUCED


def tree_table(sweep: pd.DataFrame, reading: str, datasets=("concrete", "california")) -> pd.DataFrame:
    """Paper Table 3 with ours: 32-leaf tree from the standard and the regularized teacher.

    "regularized" is the λ > 0 that is best for the SR student under ``reading``
    (the paper's regularized teacher is its best λ from Table 6).
    """
    summ = lambda_summary(sweep)
    pl = per_lambda(sweep)
    pl = pl[np.isclose(pl.noise, 0.0) & (pl.sr_reading == reading)]
    rows = []
    for ds in [d for d in datasets if d in set(pl.dataset)]:
        s = summ[(summ.dataset == ds) & (summ.sr_reading == reading)].iloc[0]
        p_lam = best_lambda(paper_curve(ds))[0] if ds in set(paper.TABLE6.dataset) else math.nan
        for kind, lam, plam in (("standard", 0.0, 0.0), ("regularized", s.best_lam, p_lam)):
            o = pl[(pl.dataset == ds) & np.isclose(pl.lam, lam)].iloc[0] if np.isfinite(lam) else None
            t3 = paper.TABLE3[(paper.TABLE3.dataset == ds) & (paper.TABLE3.teacher == kind)]
            rows.append((name_of(ds), kind, plam, lam,
                         float(t3.tree_r2.iloc[0]) if len(t3) else math.nan,
                         math.nan if o is None else float(o.tree_r2),
                         float(t3.tree_leaves.iloc[0]) if len(t3) else math.nan,
                         math.nan if o is None else float(o.tree_leaves)))
    out = pd.DataFrame(rows, columns=["dataset", "teacher", "paper: λ", "ours: λ", "paper: tree R²",
                                      "ours: tree R²", "paper: leaves", "ours: leaves"])
    return out.set_index(["dataset", "teacher"])


def tree_by_lambda(sweep: pd.DataFrame) -> pd.DataFrame:
    """Long table (dataset, lam, model, r2, leaves): the teacher and its 32-leaf tree student
    for every data set and λ, means over seeds (a tree does not depend on the SR reading)."""
    pl = per_lambda(sweep)
    pl = pl[np.isclose(pl.noise, 0.0)]
    pl = pl[pl.sr_reading == pl.sr_reading.iloc[0]]
    teacher = pl[["dataset", "lam"]].assign(model="teacher", r2=pl.teacher_r2, leaves=math.nan)
    tree = pl[["dataset", "lam"]].assign(model="tree student", r2=pl.tree_r2, leaves=pl.tree_leaves)
    return pd.concat([teacher, tree], ignore_index=True)


def paper_tree_points() -> pd.DataFrame:
    """The paper's Table 3 as (dataset, lam, r2) points: standard at λ = 0, regularized at
    the paper's best λ for the SR student (from its Table 6)."""
    rows = []
    for _, t in paper.TABLE3.iterrows():
        lam = 0.0 if t.teacher == "standard" else best_lambda(paper_curve(t.dataset))[0]
        rows.append((t.dataset, lam, t.tree_r2))
    return pd.DataFrame(rows, columns=["dataset", "lam", "r2"])


def verdict_tree(tree: pd.DataFrame, tol: float = 0.02,
                 competence: pd.DataFrame | None = None) -> tuple[str, dict]:
    """Claim: regularizing the teacher gives no gain for 32-leaf tree students.

    Rule: per data set, a *gain* is regularized tree R² - standard tree R² > ``tol`` or
    fewer leaves. Reproduced if no data set gains; not reproduced if every data set
    gains; partly reproduced otherwise. With ``competence`` (kind ``"tree"``) only data
    sets whose λ = 0 tree is competent count (the others are listed under
    ``"left out"``); none left: inconclusive.
    """
    gains = {}
    bad = set() if competence is None else {name_of(d) for d in competence.dataset[~competence.competent.astype(bool)]}
    for ds in _order(tree.reset_index()):
        if name_of(ds) in bad:
            continue
        t = tree.loc[ds]
        d_r2 = float(t.loc["regularized", "ours: tree R²"] - t.loc["standard", "ours: tree R²"])
        fewer = float(t.loc["regularized", "ours: leaves"]) < float(t.loc["standard", "ours: leaves"])
        gains[ds] = {"delta_r2": d_r2, "gain": bool(d_r2 > tol or fewer)}
    n_gain = sum(g["gain"] for g in gains.values())
    verdict = REPRODUCED if n_gain == 0 else NOT if n_gain == len(gains) else PARTLY
    if not gains:
        verdict = INCONCLUSIVE
    return verdict, gains

