"""The competence rule: one test per yardstick."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from distillkit import competence as cp
from distillkit import paper


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
