"""Chapter 1's claim: the naive pipeline leaves a large distillation gap (Table 1, Figure 1).

One verdict (rule in :data:`RULES`, thresholds in :data:`THRESHOLDS`):

``gap``  "the naive pipeline leaves a large distillation gap; SR students are not
         competitive with XGBoost" (the paper's Section 4.1, Table 1, Figure 1).
"""
from __future__ import annotations

import functools

import math

import numpy as np
import pandas as pd

from distillkit.book import competence as _competence
from distillkit.experiments import paper
from distillkit.book.competence import competent_cells
from distillkit.book.show import PAPER, name_of, ours_label
from distillkit.vocab import SR_READINGS
from distillkit.book.summaries import in_order, per_lambda
from distillkit.book.verdict import INCONCLUSIVE, Verdict, effect_rows, rule_text
from distillkit.stats.outcome import Claim, combine, decide, paired_effect

#: the data sets of the paper's Table 1
TABLE1_DATASETS = ("california", "concrete")

THRESHOLDS = {
    "margin": 0.1,  # the smallest gap of interest: R² by which teacher and XGBoost beat the SR student
    "tol": _competence.TOLERANCE,  # the competence rule on the λ = 0 teachers
}

RULES = {
    "gap": ("At λ = 0, for each SR reading, two gaps: the teacher's test R² minus the standard SR "
            "student's, and XGBoost's minus the student's, per data set (means over seeds), each "
            "averaged over the data sets with a 95 % bootstrap interval over data sets and read "
            "against a smallest gap of interest of {margin:g} R² (the outcome rule): reproduced if "
            "the interval excludes 0 and reaches {margin:g}; partly if it excludes 0 but stays "
            "below; not reproduced if it excludes {margin:g}; inconclusive otherwise. The verdict "
            "joins the four (reading, rival) outcomes: all reproduced -> reproduced, all not "
            "reproduced -> not reproduced, inconclusive where none is reproduced or partly, partly "
            "reproduced otherwise. Data sets whose λ = 0 teacher is not competent (more than "
            "{tol:g} R² below the standardized-target teacher at λ = 0, same data set and seed) "
            "do not count; none left: inconclusive."),
}


#: the rule text of a verdict key with its thresholds filled in
rule = functools.partial(rule_text, RULES, THRESHOLDS)


def student_model(reading: str) -> str:
    """The model name of the SR student under one reading in :func:`distillation_gap`."""
    return f"SR student ({reading})"


def distillation_gap(sweep: pd.DataFrame) -> pd.DataFrame:
    """λ = 0, every data set: teacher, SR student per reading, XGBoost; ours and paper.

    Long format: dataset, model, source ("ours"/"paper"), r2. The paper's teacher and
    student come from Table 1 where it has them, else Table 2; XGBoost from Table 1 only.
    """
    pl = per_lambda(sweep)
    pl = pl[(pl.lam == 0) & np.isclose(pl.noise, 0.0)]
    rows = []
    for ds in in_order(pl):
        d = pl[pl.dataset == ds]
        rows.append((ds, "teacher", "ours", float(d.teacher_r2.iloc[0])))
        for reading in in_order(d, "sr_reading"):
            rows.append((ds, student_model(reading), "ours",
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


def table1(sweep: pd.DataFrame, datasets=TABLE1_DATASETS) -> pd.DataFrame:
    """Paper Table 1 with ours beside it: rows (data set, source), columns teacher / SR / XGBoost R²."""
    gap = distillation_gap(sweep)
    readings = in_order(sweep, "sr_reading")
    rows = []
    for ds in [d for d in datasets if d in set(gap.dataset)]:
        g = gap[gap.dataset == ds]

        def val(model, source):
            v = g[(g.model == model) & (g.source == source)].r2
            return float(v.iloc[0]) if len(v) else math.nan

        rows.append((name_of(ds), PAPER, val("teacher", PAPER), val("SR student", PAPER), val("XGBoost", PAPER)))
        for r in readings:
            rows.append((name_of(ds), ours_label(r), val("teacher", "ours"), val(student_model(r), "ours"),
                         val("XGBoost", "ours")))
    out = pd.DataFrame(rows, columns=["dataset", "source", "teacher R²", "SR student R²", "XGBoost R²"])
    return out.set_index(["dataset", "source"])


def verdict_gap(gap: pd.DataFrame, readings, margin: float = THRESHOLDS["margin"],
                competence: pd.DataFrame | None = None) -> tuple[str, dict]:
    """Claim: the naive pipeline leaves a large distillation gap; SR not competitive with XGBoost.

    Rule (:data:`RULES`): per reading, the teacher's and XGBoost's R² minus the SR student's
    per data set, averaged over data sets with a bootstrap interval over data sets, decided
    against the smallest gap of interest ``margin`` (:func:`decide`); the four outcomes joined
    by :func:`combine`. With ``competence`` (:func:`competence_table`, kind ``"teacher"``)
    only data sets whose λ = 0 teacher is competent count; none left: inconclusive.
    Returns the verdict and ``{"n_datasets", "holds", "left_out", "outcomes"}`` (``holds``:
    per reading, on how many data sets both gaps reach ``margin``, descriptive only).
    """
    ours = gap[gap.source == "ours"].pivot_table(index="dataset", columns="model", values="r2", sort=False)
    keep = competent_cells(competence, ours.index.to_frame(index=False)).to_numpy()
    left_out = [d for d, k in zip(ours.index, keep) if not k]
    ours = ours[keep]
    if ours.empty:
        return INCONCLUSIVE, {"n_datasets": 0, "holds": {}, "left_out": left_out, "outcomes": {}}
    holds, outcomes = {}, {}
    claim = Claim(margin, kind="sesoi", label="gap of interest")
    for r in readings:
        col = student_model(r)
        holds[r] = int(((ours["teacher"] - ours[col] >= margin) & (ours["XGBoost"] - ours[col] >= margin)).sum())
        for rival in ("teacher", "XGBoost"):
            eff = paired_effect(ours[rival], ours[col], unit="data set", label=f"{rival} − SR student R² ({r})")
            outcomes[f"{rival} over student ({r})"] = decide(eff, claim)
    return combine(outcomes.values()), {"n_datasets": len(ours), "holds": holds, "left_out": left_out,
                                        "outcomes": outcomes}


# --------------------------------------------------------------------------------------
# what the chapter glues and decides
# --------------------------------------------------------------------------------------
def ours_wide(gap: pd.DataFrame) -> pd.DataFrame:
    """Our rows of :func:`distillation_gap`, one row per data set, one column per model."""
    return gap[gap.source == "ours"].pivot_table(index="dataset", columns="model", values="r2", sort=False)


def gap_size(gap: pd.DataFrame, readings) -> dict[str, float]:
    """Per reading: the teacher's R² minus the SR student's, mean over data sets."""
    ours = ours_wide(gap)
    return {r: float((ours["teacher"] - ours[student_model(r)]).mean()) for r in readings}


def behind_xgb(gap: pd.DataFrame, readings) -> dict[str, int]:
    """Per reading: on how many data sets XGBoost beats the SR student."""
    ours = ours_wide(gap)
    return {r: int((ours["XGBoost"] > ours[student_model(r)]).sum()) for r in readings}


def paper_mean_gap() -> float:
    """The paper's Table 2: teacher R² minus the standard student's, mean over data sets."""
    return float((paper.TABLE2.teacher_r2 - paper.TABLE2.student_r2_standard).mean())


def _by_reading(name: str, values: dict) -> dict:
    """``{name}_{r}`` for every SR reading, NaN where missing (as :func:`show.glue_by_reading`)."""
    return {f"{name}_{r}": values.get(r, math.nan) for r in SR_READINGS}


def glues(sweep: pd.DataFrame, readings) -> dict:
    """The numbers the chapter's prose uses (glued as ``ch1_<key>``): sweep size, Table 1's
    cells (ours per reading and the paper's) for California and Concrete, the mean gap and
    the count of data sets where XGBoost beats the student, per reading."""
    gap = distillation_gap(sweep)
    ours = ours_wide(gap)
    out = {"n_seeds": int(sweep.seed.nunique()), "n_datasets": int(sweep.dataset.nunique())}
    for ds in TABLE1_DATASETS:
        row = ours.loc[ds] if ds in ours.index else pd.Series(dtype=float)
        out[f"{ds}_teacher"] = row.get("teacher", math.nan)
        out[f"{ds}_xgb"] = row.get("XGBoost", math.nan)
        out.update(_by_reading(f"{ds}_student", {r: row.get(student_model(r), math.nan) for r in readings}))
        p = paper.TABLE1.set_index("dataset").loc[ds]
        out.update({f"{ds}_paper_teacher": p.teacher_r2, f"{ds}_paper_student": p.student_r2,
                    f"{ds}_paper_xgb": p.xgb_r2})
    out.update(_by_reading("mean_gap", gap_size(gap, readings)))
    out.update(_by_reading("behind_xgb", behind_xgb(gap, readings)))
    out["paper_mean_gap"] = paper_mean_gap()
    return out


def teacher_competence(sweep: pd.DataFrame) -> pd.DataFrame:
    """The competence rule on the sweep's λ = 0 teachers, one row per data set."""
    return _competence.competence_table(sweep, "teacher", tol=THRESHOLDS["tol"])


def competence_display(sweep: pd.DataFrame) -> pd.DataFrame:
    """:func:`teacher_competence` for display, the left-out data sets marked."""
    return _competence.competence_display(teacher_competence(sweep), "teacher")


def _paper_concrete() -> str:
    pc = paper.TABLE1.set_index("dataset").loc["concrete"]
    return f"teacher {pc.teacher_r2:.2f}, student {pc.student_r2:.2f}, XGBoost {pc.xgb_r2:.2f}"


def evidence(gap: pd.DataFrame, readings, info: dict, comp: pd.DataFrame) -> str:
    """The verdict's evidence: each (reading, rival) gap with its interval and outcome, on how
    many data sets both gaps reach the margin, Concrete's numbers beside the paper's, and the
    competence rule's note."""
    ours = ours_wide(gap)
    n = info["n_datasets"]
    holds = ", ".join(f"{info['holds'].get(r, 0)}/{n} data sets ({r})" for r in readings)
    effects = "; ".join(o.text() for o in info.get("outcomes", {}).values())
    text = (effects + ". " if effects else "") + (f"Both gaps reach {THRESHOLDS['margin']:g} R² on {holds}")
    if "concrete" in ours.index and n:
        c = ours.loc["concrete"]
        students = " / ".join(f"{c[student_model(r)]:.2f} ({r})" for r in readings)
        text += (f"; Concrete: teacher {c['teacher']:.2f}, student {students}, "
                 f"XGBoost {c['XGBoost']:.2f} (paper: {_paper_concrete()})")
    return text + "; " + _competence.competence_note(comp, "teacher", tol=THRESHOLDS["tol"]) + "."


def verdicts(sweep: pd.DataFrame, readings=SR_READINGS) -> list[Verdict]:
    """The chapter's verdict (``gap``), decided by :data:`RULES` on the λ = 0 cells of the sweep."""
    gap = distillation_gap(sweep)
    comp = teacher_competence(sweep)
    verdict, info = verdict_gap(gap, readings, margin=THRESHOLDS["margin"], competence=comp)
    size, behind = gap_size(gap, readings), behind_xgb(gap, readings)
    n = info["n_datasets"]
    ours = "; ".join(f"{r}: mean gap {size[r]:.2f}, behind XGBoost on {behind[r]}/{n}" for r in readings)
    return [Verdict("gap", "The naive pipeline leaves a large distillation gap; SR students are not "
                    "competitive with XGBoost", verdict, rule("gap"), evidence(gap, readings, info, comp),
                    paper=f"Concrete: {_paper_concrete()}", ours=ours,
                    numbers={"holds": info["holds"], "n_datasets": n, "mean_gap": size,
                             "behind_xgb": behind, "left_out": info["left_out"]},
                    effects=effect_rows(info["outcomes"]))]
