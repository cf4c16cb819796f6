"""Chapter 01's tables, glue numbers and verdict rule on small hand-made sweeps."""
import math

import pandas as pd
import pytest

from distillkit.book.chapters import naive_pipeline as gap
from distillkit.book.protocol import VERDICTS
from tests import sweeps as shared  # noqa: E402


def _sweep(cells: dict, readings=("literal", "converged"), seeds=(0,)) -> pd.DataFrame:
    """``cells[dataset] = (teacher R², XGBoost R², {reading: student R²})`` at λ = 0 (and an
    unused λ = 0.1 row, the student 0.3 lower)."""
    rows = []
    for ds, (teacher, xgb, students) in cells.items():
        for reading in readings:
            for seed in seeds:
                for lam in (0.0, 0.1):
                    rows.append(dict(dataset=ds, lam=lam, seed=seed, noise=0.0, sr_reading=reading,
                                     teacher_r2=teacher, xgb_r2=xgb,
                                     student_r2=students[reading] - (0.3 if lam else 0.0)))
    return pd.DataFrame(rows)


#: literal: the gap holds everywhere; converged: on Concrete only (0.3 below the teacher)
CELLS = {
    "concrete": (0.85, 0.94, {"literal": 0.05, "converged": 0.55}),
    "california": (0.80, 0.84, {"literal": 0.40, "converged": 0.79}),
    "diabetes": (0.50, 0.45, {"literal": 0.30, "converged": 0.49}),
}


def _one(sweep, readings=("literal", "converged")):
    (v,) = gap.verdicts(sweep, readings)
    assert v.key == "gap" and v.verdict in VERDICTS
    return v


def test_table1_and_distillation_gap():
    sw = _sweep(CELLS)
    t1 = gap.table1(sw)
    assert t1.loc[("Concrete Strength", "paper"), "SR student R²"] == pytest.approx(0.10)
    assert t1.loc[("Concrete Strength", "ours (converged)"), "SR student R²"] == pytest.approx(0.55)
    assert t1.loc[("California Housing", "ours (literal)"), "XGBoost R²"] == pytest.approx(0.84)
    g = gap.distillation_gap(sw)
    ours = g[(g.source == "ours") & (g.dataset == "diabetes")].set_index("model").r2
    assert ours["SR student (literal)"] == pytest.approx(0.30)  # λ = 0 only
    # Diabetes is not in Table 1: the paper's teacher and student come from Table 2, no XGBoost
    paper_rows = g[(g.source == "paper") & (g.dataset == "diabetes")]
    assert set(paper_rows.model) == {"teacher", "SR student"}


def test_rule_text_carries_the_thresholds():
    text = gap.rule("gap")
    assert "{" not in text
    assert f"smallest gap of interest of {gap.THRESHOLDS['margin']:g} R²" in text and "0.1" in text
    assert f"more than {gap.THRESHOLDS['tol']:g} R²" in text and "0.05" in text


#: every student within ±0.02 of the teacher and of XGBoost: no gap of interest
CLOSE = {"concrete": (0.85, 0.86, {"literal": 0.84, "converged": 0.86}),
         "california": (0.80, 0.79, {"literal": 0.81, "converged": 0.79}),
         "diabetes": (0.50, 0.51, {"literal": 0.48, "converged": 0.52}),
         "abalone": (0.55, 0.54, {"literal": 0.57, "converged": 0.53})}


def test_reproduced_when_the_gap_holds_everywhere():
    cells = {k: (t, x, {"literal": s["literal"], "converged": s["literal"]}) for k, (t, x, s) in CELLS.items()}
    v = _one(_sweep(cells))
    assert v.verdict == "reproduced"
    assert v.numbers["holds"] == {"literal": 3, "converged": 3}
    assert [e["outcome"] for e in v.effects] == ["reproduced"] * 4
    teacher = v.effects[0]  # teacher - literal student: 0.80, 0.40, 0.20 over three data sets
    assert teacher["estimate"] == pytest.approx((0.80 + 0.40 + 0.20) / 3) and teacher["n"] == 3
    assert teacher["ci_lo"] > 0 and teacher["claim"] == 0.1 and teacher["unit"] == "data set"


def test_partly_when_one_gap_is_undecided():
    v = _one(_sweep(CELLS))
    assert v.verdict == "partly reproduced"
    assert v.numbers["holds"] == {"literal": 3, "converged": 1}
    # XGBoost over the converged student: 0.39, 0.05, -0.04, an interval holding 0 and 0.1
    xgb_conv = {e["arm"]: e for e in v.effects}["XGBoost over student (converged)"]
    assert xgb_conv["outcome"] == "inconclusive" and xgb_conv["units_needed"] > 3
    assert v.evidence.startswith("teacher − SR student R² (literal) +0.467, 95% CI [")
    assert ("Both gaps reach 0.1 R² on 3/3 data sets (literal), 1/3 data sets (converged); Concrete: teacher "
            "0.85, student 0.05 (literal) / 0.55 (converged), XGBoost 0.94 (paper: "
            "teacher 0.84, student 0.10, XGBoost 0.92); 0 of 3 data sets left out") in v.evidence
    assert v.evidence.endswith(").")
    assert v.paper == "Concrete: teacher 0.84, student 0.10, XGBoost 0.92"
    # mean gap literal: (0.80 + 0.40 + 0.20) / 3; XGBoost beats the converged student but on Diabetes
    assert v.ours == ("literal: mean gap 0.47, behind XGBoost on 3/3; "
                      "converged: mean gap 0.11, behind XGBoost on 2/3")


def test_not_reproduced_only_when_every_interval_excludes_the_margin():
    v = _one(_sweep(CLOSE))
    assert v.verdict == "not reproduced" and v.numbers["holds"] == {"literal": 0, "converged": 0}
    assert all(e["outcome"] == "not reproduced" and e["ci_hi"] < 0.1 for e in v.effects)


def test_one_data_set_is_inconclusive():
    v = _one(_sweep({"concrete": CLOSE["concrete"]}))
    assert v.verdict == "inconclusive" and "needed to estimate a variance" in v.evidence


def test_margin_threshold_decides(monkeypatch):
    cells = {k: (t, x, {"literal": s["literal"], "converged": s["literal"]}) for k, (t, x, s) in CELLS.items()}
    sw = _sweep(cells)
    monkeypatch.setitem(gap.THRESHOLDS, "margin", 0.95)  # no gap reaches 0.95: real but smaller
    v = _one(sw)
    assert v.numbers["holds"] == {"literal": 0, "converged": 0} and v.verdict == "partly reproduced"
    assert "of interest of 0.95 R²" in v.rule and "reach 0.95 R²" in v.evidence


def test_no_competent_teacher_is_inconclusive():
    std = _sweep(CELLS).assign(scale_target=True)
    raw = std.assign(scale_target=False, teacher_r2=std.teacher_r2 - 0.5)  # a teacher that never learned
    v = _one(pd.concat([std, raw], ignore_index=True))
    assert v.verdict == "inconclusive" and v.numbers["n_datasets"] == 0
    assert "0/0 data sets (literal)" in v.evidence and "3 of 3 data sets left out" in v.evidence
    assert v.effects == ()


def test_evidence_without_concrete():
    cells = {k: c for k, c in CELLS.items() if k != "concrete"}
    v = _one(_sweep(cells))
    assert ("Both gaps reach 0.1 R² on 2/2 data sets (literal), 0/2 data sets (converged); 0 of 2 data "
            "sets left out") in v.evidence and "Concrete" not in v.evidence


def test_glues_numbers_and_missing_readings():
    g = gap.glues(_sweep(CELLS, readings=("literal",), seeds=(0, 1)), ("literal",))
    assert g["n_seeds"] == 2 and g["n_datasets"] == 3
    assert g["concrete_teacher"] == pytest.approx(0.85) and g["concrete_xgb"] == pytest.approx(0.94)
    assert g["concrete_student_literal"] == pytest.approx(0.05)
    assert math.isnan(g["concrete_student_converged"]) and math.isnan(g["mean_gap_converged"])
    assert g["california_paper_student"] == pytest.approx(0.37)
    assert g["mean_gap_literal"] == pytest.approx((0.80 + 0.40 + 0.20) / 3)
    assert g["behind_xgb_literal"] == 3 and math.isnan(g["behind_xgb_converged"])
    assert g["paper_mean_gap"] == pytest.approx((0.17 + 0.40 + 0.75 + 0.19 + 0.23) / 5)


def test_competence_display_marks_left_out_data_sets():
    std = _sweep(CELLS).assign(scale_target=True)
    raw = std[std.dataset == "concrete"].assign(scale_target=False, teacher_r2=0.2)
    shown = gap.competence_display(pd.concat([std, raw], ignore_index=True))
    assert shown.loc["Concrete Strength", "in the verdict"] == "left out"
    assert shown.loc["California Housing", "in the verdict"] == "yes"


# --- on the shared synthetic sweeps (tests/sweeps.py) ---------------------
def test_table1_and_gap():
    sw = shared.fake_sweep(shared.CURVES)
    t1 = gap.table1(sw)
    assert t1.loc[("Concrete Strength", "paper"), "SR student R²"] == pytest.approx(0.10)
    assert t1.loc[("Concrete Strength", "ours (converged)"), "SR student R²"] == pytest.approx(0.5)
    verdict, info = gap.verdict_gap(gap.distillation_gap(sw), ["literal", "converged"])
    # literal: the gap holds on both; converged: Concrete 0.8 - 0.5 >= 0.1, Wine too
    assert info["holds"] == {"literal": 2, "converged": 2} and verdict == "reproduced"
