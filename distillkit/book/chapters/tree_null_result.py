"""Chapter 4's claim: a regularized teacher gives no gain to a 32-leaf tree student (Table 3).

Verdict (rule in :data:`RULES`, thresholds in :data:`THRESHOLDS`):

``tree``  "no significant improvement in either the accuracy or the complexity of the
          student tree" (Section 4.3), on the data sets of the paper's Table 3.
"""
from __future__ import annotations

import functools

import math

import numpy as np
import pandas as pd

from distillkit.book import competence as _competence
from distillkit.experiments import paper
from distillkit.stats.metrics import best_lambda
from distillkit.book.show import fmt_lam, name_of
from distillkit.book.summaries import in_order, lambda_summary, paper_curve, per_lambda
from distillkit.book.verdict import INCONCLUSIVE, NOT, REPRODUCED, Verdict, effect_rows, rule_text
from distillkit.stats.outcome import Claim, decide, effect_from_units

#: the data sets of the paper's Table 3
TABLE3_DATASETS = ("concrete", "california")

THRESHOLDS = {
    "gain": 0.02,  # the smallest gain of interest in the tree's test R²
    "leaves": 1.0,  # the smallest gain of interest in the tree's size: this many fewer leaves
    "tol": _competence.TOLERANCE,  # the competence rule on the λ = 0 trees
}

RULES = {
    "tree": ("The paper claims no gain, a null claim judged as a non-superiority test. Per swept data set whose λ = 0 tree is competent (at most {tol:g} "
             "R² below the paper's standard 32-leaf tree where its Table 3 has one), the change "
             "from the standard teacher (λ = 0) to the regularized one (the best λ > 0 for the SR "
             "student under the primary reading) in the tree's test R² and in its leaves, means "
             "over seeds; each effect is the mean over data sets with a 95 % bootstrap interval "
             "over data sets. Reproduced (\"no gain\") if both intervals exclude a gain of "
             "interest (a rise of {gain:g} R², {leaves:g} leaf fewer); not reproduced if either "
             "lies at or beyond it (the data show a gain); inconclusive otherwise, with "
             "the number of data sets that would decide it, or if no data set is competent."),
}


#: the rule text of a verdict key with its thresholds filled in
rule = functools.partial(rule_text, RULES, THRESHOLDS)


def tree_datasets(swept) -> list[str]:
    """The data sets of Table 3 among ``swept``; none swept: the first swept data set."""
    swept = list(swept)
    return [d for d in TABLE3_DATASETS if d in swept] or swept[:1]


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


def tree_changes(sweep: pd.DataFrame, reading: str) -> pd.DataFrame:
    """Per data set (display name): the regularized λ (best SR λ > 0 under ``reading``) and
    the tree's change from the standard teacher to it, ``delta_r2`` and ``delta_leaves``
    (means over seeds)."""
    summ = lambda_summary(sweep)
    pl = per_lambda(sweep)
    pl = pl[np.isclose(pl.noise, 0.0) & (pl.sr_reading == reading)]
    rows = []
    for ds in in_order(pl):
        s = summ[(summ.dataset == ds) & (summ.sr_reading == reading)]
        if s.empty or not np.isfinite(s.best_lam.iloc[0]):
            continue
        lam = float(s.best_lam.iloc[0])
        std, reg = (pl[(pl.dataset == ds) & np.isclose(pl.lam, v)].iloc[0] for v in (0.0, lam))
        rows.append(dict(dataset=name_of(ds), lam=lam, standard_r2=float(std.tree_r2), regularized_r2=float(reg.tree_r2),
                         delta_r2=float(reg.tree_r2 - std.tree_r2),
                         delta_leaves=float(reg.tree_leaves - std.tree_leaves), leaves=float(reg.tree_leaves)))
    return pd.DataFrame(rows, columns=["dataset", "lam", "standard_r2", "regularized_r2", "delta_r2",
                                       "delta_leaves", "leaves"])


def verdict_tree(changes: pd.DataFrame, competence: pd.DataFrame | None = None) -> tuple[str, dict]:
    """Claim: regularizing the teacher gives no gain for 32-leaf tree students.

    ``changes`` is :func:`tree_changes`. With ``competence`` (kind ``"tree"``) only data sets
    whose λ = 0 tree is competent count. The mean Δ test R² and mean Δ leaves over the data
    sets, each with its bootstrap interval over data sets, are read against the smallest gains
    of interest ``THRESHOLDS["gain"]`` (a rise in R²) and ``THRESHOLDS["leaves"]`` (fewer
    leaves) (:func:`decide`, kind "nonsuperior"): reproduced if both intervals exclude a gain
    of interest, not reproduced if either lies at or beyond it, inconclusive otherwise.
    Returns the verdict and ``{"outcomes", "kept"}``.
    """
    bad = set() if competence is None else {name_of(d) for d in competence.dataset[~competence.competent.astype(bool)]}
    kept = changes[~changes.dataset.isin(bad)]
    outcomes = {}
    for arm, col, bound, sign in (("test R²", "delta_r2", "gain", 1), ("leaves", "delta_leaves", "leaves", -1)):
        eff = effect_from_units(kept[col], unit="data set", label=f"Δ tree {arm}")
        outcomes[arm] = decide(eff, Claim(THRESHOLDS[bound], kind="nonsuperior", direction=sign))
    found = [o.outcome for o in outcomes.values()]
    verdict = (INCONCLUSIVE if kept.empty else NOT if NOT in found
               else REPRODUCED if all(o == REPRODUCED for o in found) else INCONCLUSIVE)
    return verdict, {"outcomes": outcomes, "kept": kept}


# --------------------------------------------------------------------------------------
# the chapter's numbers, figure and verdict
# --------------------------------------------------------------------------------------
def tree_competence(sweep: pd.DataFrame, names=None) -> pd.DataFrame:
    """The competence rule on the λ = 0 trees (threshold ``THRESHOLDS["tol"]``) of the data
    sets named in ``names`` (display names), or of every swept data set; a data set with no
    paper tree to compare with is kept."""
    comp = _competence.competence_table(sweep, "tree", THRESHOLDS["tol"])
    return comp if names is None else comp[comp.dataset.map(name_of).isin(set(names))]


def max_gain(curves: pd.DataFrame) -> tuple[float, str]:
    """The largest gain in test R² of the tree student at any λ > 0 over its λ = 0
    counterpart, and the data set (display name) where it occurs; ``curves`` is
    :func:`tree_by_lambda`."""
    best_gain = {}
    for ds, g in curves[curves.model == "tree student"].groupby("dataset", sort=False):
        c = g.set_index("lam").r2.sort_index()
        best_gain[ds] = float(c[c.index > 0].max() - c.loc[0.0]) if (c.index > 0).any() else math.nan
    return max(best_gain.values()), name_of(max(best_gain, key=best_gain.get))


def glues(sweep: pd.DataFrame, reading: str, datasets=TABLE3_DATASETS) -> dict:
    """Every number the chapter's prose uses (glued as ``ch4_<key>``): per data set of
    Table 3, ours and the paper's tree R² from the standard and regularized teacher and
    the regularized λ (NaN / "none" for a data set not swept), the largest gain at any λ."""
    t3 = tree_table(sweep, reading, datasets=datasets)
    out = {"primary": reading, "n_seeds": int(sweep.seed.nunique())}
    for ds in TABLE3_DATASETS:
        name = name_of(ds)
        have = name in t3.index.get_level_values(0)
        for kind in ("standard", "regularized"):
            out[f"{ds}_{kind}"] = float(t3.loc[(name, kind), "ours: tree R²"]) if have else math.nan
            p3 = paper.TABLE3[(paper.TABLE3.dataset == ds) & (paper.TABLE3.teacher == kind)]
            out[f"{ds}_paper_{kind}"] = float(p3.tree_r2.iloc[0])
        out[f"{ds}_lam"] = fmt_lam(t3.loc[(name, "regularized"), "ours: λ"]) if have else "none"
    out["max_gain_any_lam"], out["max_gain_dataset"] = max_gain(tree_by_lambda(sweep))
    return out


def tree_figure(sweep: pd.DataFrame):
    """The tree student (32 leaves) and its teacher against λ per data set; the paper's
    Table 3 as crosses at λ = 0 and at its best SR λ."""
    from distillkit.book.plots import lambda_panels

    return lambda_panels(tree_by_lambda(sweep), "r2", "test R²", "Tree student (32 leaves) and its teacher against λ",
                         paper_points=paper_tree_points(), group="model")


def verdicts(sweep: pd.DataFrame, reading: str, datasets=TABLE3_DATASETS) -> list[Verdict]:
    """The chapter's verdict (``tree``) over every swept data set, the regularized λ the best
    SR λ > 0 under ``reading``, decided by :data:`RULES`; the paper's side is its Table 3
    (``datasets``)."""
    changes = tree_changes(sweep, reading)
    comp = tree_competence(sweep, changes.dataset)
    v_tree, info = verdict_tree(changes, competence=comp)
    parts = [f"{r.dataset}: {r.standard_r2:.3f} -> {r.regularized_r2:.3f} (λ = {fmt_lam(r.lam)}, "
             f"{int(round(r.leaves))} leaves)" for r in info["kept"].itertuples()]
    paper_parts = [f"{name_of(r.dataset)} {r.teacher} {r.tree_r2:.3f}" for _, r in paper.TABLE3.iterrows()]
    outs = info["outcomes"]
    return [Verdict("tree", "Jacobian regularization gives no gain for decision-tree students", v_tree, rule("tree"),
                    ("; ".join(o.text("{:+.3f}") for o in outs.values())
                     + ". Tree R² from the standard -> regularized teacher: " + "; ".join(parts)
                     + f" (regularized λ = best SR λ under the {reading} reading); "
                     + _competence.competence_note(comp, "tree", THRESHOLDS["tol"]) + "."),
                    paper="; ".join(paper_parts), ours="; ".join(parts),
                    numbers={r.dataset: r.delta_r2 for r in info["kept"].itertuples()},
                    effects=effect_rows(outs))]



__all__ = ["TABLE3_DATASETS", "THRESHOLDS", "RULES", "rule", "tree_datasets", "tree_table", "tree_by_lambda",
           "paper_tree_points", "tree_changes", "verdict_tree", "tree_competence", "max_gain", "glues", "tree_figure", "verdicts"]
