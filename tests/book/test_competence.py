"""The competence rule: one test per yardstick."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from distillkit.book import competence
from distillkit.book.chapters import formula_analysis as formulas
from distillkit.book.chapters import naive_pipeline as gap
from distillkit.book.chapters import lambda_sweep as improvement
from distillkit.experiments import paper
from distillkit.book.chapters import snr_and_noise as snr
from distillkit.book import summaries
from distillkit.book.chapters import regularization_tradeoffs as tradeoffs
from distillkit.book.chapters import tree_null_result as trees
from distillkit.book import competence as cp
from tests import sweeps as shared  # noqa: E402


def test_competent_is_one_sided_with_the_stated_tolerance():
    assert cp.TOLERANCE == 0.05
    assert cp.competent(0.80, 0.84) and cp.competent(0.95, 0.84)  # better than the yardstick counts
    assert not cp.competent(0.78, 0.84)
    assert cp.competent(0.2, np.nan)  # no yardstick: kept
    assert not cp.competent(-np.inf, 0.1) and not cp.competent(np.nan, 0.1)
    np.testing.assert_array_equal(cp.competent([0.5, 0.3], [0.5, 0.5]), [True, False])
    with pytest.raises(ValueError, match="tol"):
        cp.competent(0.5, 0.5, tol=-1)


def test_yardsticks_come_from_the_paper_tables():
    assert cp.yardstick("student", "concrete") == paper.TABLE2.set_index("dataset").student_r2_standard["concrete"]
    assert cp.yardstick("tree", "california") == 0.599
    assert cp.yardstick("noisy", noise=0.25) == 0.36
    assert np.isnan(cp.yardstick("student", "my_own_data"))
    assert np.isnan(cp.yardstick("teacher", "concrete"))
    with pytest.raises(ValueError, match="unknown reference kind"):
        cp.yardstick("xgb", "concrete")


def test_teacher_rule_holds_other_arms_to_the_standardized_teacher():
    rec = pd.DataFrame([
        # standardized teachers: their own yardstick
        ("d", 0, 0.0, True, 0.80), ("d", 1, 0.0, True, 0.70),
        # second arm: seed 0 learned, seed 1 did not
        ("d", 0, 0.0, 2.0, 0.78), ("d", 1, 0.0, 2.0, 0.40), ("d", 1, 0.5, 2.0, 0.41),
        # an arm whose standardized twin was not run has no yardstick
        ("e", 0, 0.0, False, -2.0),
    ], columns=["dataset", "seed", "lam", "scale_target", "teacher_r2"])
    t = cp.teacher_competence(rec).set_index(["dataset", "seed", "scale_target"])
    assert t.loc[("d", 0, True), "competent"] and t.loc[("d", 1, True), "competent"]
    assert t.loc[("d", 0, 2.0), "competent"] and not t.loc[("d", 1, 2.0), "competent"]
    assert t.loc[("d", 1, 2.0), "yardstick"] == 0.70
    assert t.loc[("e", 0, False), "competent"]
    assert len(t) == 5  # one row per (arm, data set, seed), λ = 0 only


def test_student_rule_uses_seed_means_per_reading_and_data_set():
    rows = [("literal", "concrete", s, r2) for s, r2 in enumerate([0.0, 0.02, 0.04])]  # mean 0.02 < 0.05
    rows += [("converged", "concrete", s, r2) for s, r2 in enumerate([-0.1, 0.2, 0.2])]  # mean 0.1: kept
    t = pd.DataFrame(rows, columns=["sr_reading", "dataset", "seed", "student_r2"])
    c = cp.reference_competence(t, "student", "student_r2").set_index("sr_reading")
    assert not c.loc["literal", "competent"] and c.loc["converged", "competent"]
    assert c.loc["literal", "yardstick"] == pytest.approx(0.10)


def test_left_out_note_names_count_and_rule():
    note = cp.left_out_note(2, 25, "(data set, seed) cells", "teacher")
    assert note.startswith("2 of 25 (data set, seed) cells left out") and "0.05 R²" in note


# --- on the shared synthetic sweeps (tests/sweeps.py) ---------------------
def test_competence_table_marks_the_failing_student_cell():
    comp = competence.competence_table(shared.fake_sweep(shared.FAILED), "student").set_index(["sr_reading", "dataset"])
    assert not comp.loc[("literal", "concrete"), "competent"]
    assert comp.competent.sum() == 3  # the other three cells pass
    note = competence.competence_note(comp.reset_index(), "student")
    assert note.startswith("1 of 4 (reading, data set) cells left out") and "0.05 R²" in note
    with pytest.raises(ValueError, match="unknown reference kind"):
        competence.competence_table(shared.fake_sweep(shared.FAILED), "xgb")


def test_incompetent_student_does_not_decide_the_student_verdicts():
    sw = shared.fake_sweep(shared.FAILED)
    comp = competence.competence_table(sw, "student")
    summ = summaries.lambda_summary(sw)
    peak = pd.Series(shared.FAILED["concrete"]["literal"], index=shared.LAMS)
    assert tradeoffs.verdict_concrete_peak(peak)[0] == "reproduced"  # without the rule: decided
    assert tradeoffs.verdict_concrete_peak(peak, competence=comp, reading="literal")[0] == "inconclusive"
    # the average improvement: Concrete's +inf-like gain over 0.0 is left out, Wine's 0 % decides
    assert improvement.verdict_average_improvement(summ, reading="literal", competence=comp) == "not reproduced"
    only = competence.competence_table(sw[sw.dataset == "concrete"], "student")
    assert improvement.verdict_average_improvement(summ, reading="literal", competence=only) == "not reproduced"
    assert improvement.verdict_average_improvement(summ[summ.dataset == "concrete"], reading="literal",
                                              competence=only) == "inconclusive"
    v, info = improvement.verdict_dataset_dependent(summ[summ.dataset == "concrete"], "literal", 5, competence=only)
    assert v == "inconclusive" and info["left_out"] == ["concrete"]
    v, info = improvement.verdict_dataset_dependent(summ, "literal", 5, competence=comp)
    assert info["left_out"] == ["concrete"] and "concrete" not in info["optima"]
    ft = formulas.formula_table(sw, "concrete")
    v, info = formulas.verdict_simpler(ft, formulas.complexity_by_lambda(sw), summ, "literal", competence=comp,
                                     focus="concrete")
    assert info["focus_simpler"] is None and "concrete" not in info["simpler"] and v != "reproduced"
    v, info = formulas.verdict_simpler(ft, formulas.complexity_by_lambda(sw[sw.dataset == "concrete"]),
                                     summ, "literal", competence=only, focus="concrete")
    assert v == "inconclusive"


def test_incompetent_wine_student_does_not_decide_the_snr_verdict():
    table = pd.DataFrame({"dataset": ["concrete", "wine_red"], "paper": [2.60, 1.56], "full": [2.6, 1.56],
                        "held_out": [2.4, 1.5]})
    curves = {"wine_red": {"literal": [-0.2] + [0.18] * 5, "converged": [0.2] * 6},  # paper's Wine: 0.18
              "concrete": shared.FAILED["concrete"]}
    sw = shared.fake_sweep(curves)
    summ = summaries.lambda_summary(sw)
    comp = competence.competence_table(sw, "student")
    assert snr.verdict_snr_explains(table, summ, "literal")[0] != "inconclusive"
    v, info = snr.verdict_snr_explains(table, summ, "literal", competence=comp)
    assert v == "inconclusive" and set(info["left_out"]) == {"wine_red", "concrete"}


def test_incompetent_tree_does_not_decide_the_tree_verdict():
    sw = shared.fake_sweep(shared.CURVES)
    sw.loc[sw.lam == 0, "tree_r2"] = 0.5  # the paper's standard tree on Concrete: 0.709
    ch = trees.tree_changes(sw, "literal")
    ch = ch[ch.dataset == "Concrete Strength"]
    comp = competence.competence_table(sw, "tree")
    assert list(comp.competent) == [False, True]  # Concrete fails; Wine has no yardstick: kept
    assert trees.verdict_tree(ch)[1]["kept"].dataset.tolist() == ["Concrete Strength"]
    v, info = trees.verdict_tree(ch, competence=comp)
    assert v == "inconclusive" and info["kept"].empty


def test_incompetent_teacher_does_not_decide_the_teacher_verdicts():
    std = shared.fake_sweep(shared.CURVES).assign(scale_target=True)
    raw = std.assign(scale_target=False, teacher_r2=std.teacher_r2 - 0.5)  # never learned
    comp = competence.competence_table(pd.concat([std, raw]), "teacher")
    assert not comp.competent.any()
    assert competence.competence_table(std, "teacher").competent.all()  # the standardized teacher: by definition
    curve = pd.Series([0.3, 0.2, 0.1], index=[0.0, 0.1, 0.5])
    assert tradeoffs.verdict_teacher_stable(curve)[0] == "not reproduced"
    assert tradeoffs.verdict_teacher_stable(curve, competence=comp, dataset="concrete")[0] == "inconclusive"
    gap_table = gap.distillation_gap(pd.concat([std, raw]))
    v, info = gap.verdict_gap(gap_table, ["literal", "converged"], competence=comp)
    assert v == "inconclusive" and set(info["left_out"]) == {"concrete", "wine_red"}


def test_incompetent_noisy_student_does_not_decide_the_noise_verdict():
    noisy = shared.fake_sweep({"concrete": {"literal": [0.10, 0.05, 0.05, 0.05, 0.05, 0.05],  # Table 9 at 0.1: 0.24
                                     "converged": [0.2, 0.3, 0.2, 0.2, 0.2, 0.2]}}, noise=0.1)
    sw = pd.concat([shared.fake_sweep({"concrete": shared.CURVES["concrete"]}), noisy])
    nt = snr.noise_table(sw)
    comp = competence.competence_table(sw, "noisy").set_index(["sr_reading", "noise"])
    assert not comp.loc[("literal", 0.1), "competent"] and comp.loc[("converged", 0.1), "competent"]
    assert snr.verdict_noise(nt, "literal")[0] == "reproduced"  # -50 % vs -22.5 %, from a failed baseline
    v, info = snr.verdict_noise(nt, "literal", competence=comp.reset_index())
    assert v == "inconclusive" and info["left_out"] == [0.1]
    assert snr.verdict_noise(nt, "converged", competence=comp.reset_index())[0] == "not reproduced"
