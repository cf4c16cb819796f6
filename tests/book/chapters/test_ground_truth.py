"""Chapter 10's module: sizes, rates with intervals, the looser criterion, verdicts under the
shared outcome rule."""
import numpy as np
import pandas as pd
import pytest

from distillkit.book.chapters import ground_truth as rc
from distillkit.datasets.feynman import operator_table, select_equations
from distillkit.experiments.pipeline import GROUND_TRUTH_STUDENTS, PROFILES

LAMS = (0.0, 0.1)


def frame(n_eq=30, solves=lambda e, lam: lam > 0, direct=lambda e: False, noises=(0.0, 0.01)):
    """Synthetic records for every variant: ``solves(e, λ)`` says whether the distilled cell of
    equation ``e`` is a symbolic solution, ``direct(e)`` the direct fit's."""
    rows = []
    for var, (student, reading) in zip(rc.LABELS, rc.VARIANTS):
        for e in range(n_eq):
            for noise in noises:
                base = dict(variant=var, student=student, sr_reading=reading, dataset=f"feynman_eq{e}",
                            seed=0, noise=noise, teacher_r2=0.99, accuracy_solution=True, affine_solution=None)
                for lam in LAMS:
                    sol = bool(solves(e, lam))
                    rows.append({**base, "lam": lam, "distilled": True, "solution": sol,
                                 "student_r2": 0.999 if sol else 0.9})
                rows.append({**base, "lam": np.nan, "distilled": False, "solution": bool(direct(e)),
                             "student_r2": 0.95, "teacher_r2": np.nan})
    out = pd.DataFrame(rows)
    out["solution"] = out.solution.astype(object)  # True/False/None, as in run records
    return out


def by_key(df):
    return {v.key: v for v in rc.verdicts(df)}


def test_only_students_that_find_laws_are_judged():
    assert [s for s, _ in rc.VARIANTS] == list(GROUND_TRUTH_STUDENTS)
    assert "gplearn" not in GROUND_TRUTH_STUDENTS  # its direct noiseless rate stays near zero


def test_sizes_match_profiles_selection_and_the_ledger_grid():
    from distillkit.experiments.evidence import grid
    assert set(rc.SIZES) == set(PROFILES)
    assert list(rc.SIZES["paper"]["equations"]) == select_equations()
    assert len(rc.SIZES["smoke"]["equations"]) == 3
    ops = operator_table().set_index("name").operators
    full = rc.SIZES["full"]["equations"]
    assert len(full) >= 60 and all(set(ops[n]) <= {"sqrt", "exp", "log", "sin", "cos"} for n in full)
    cells = grid(rc.LEDGER_GRID).cells()
    assert {c["cell"]["dataset"] for c in cells} == set(full)
    assert {c["cell"]["seed"] for c in cells} == set(rc.SIZES["full"]["seeds"])
    assert {c["cell"]["noise"] for c in cells} == set(rc.SIZES["full"]["noises"])
    for size in rc.SIZES.values():
        assert 0.0 in size["lams"] and set(size["noises"]) <= {0.0, 0.001, 0.01, 0.1}
    with pytest.raises(ValueError, match="profile must be one of"):
        rc.sizes("fast")


def test_an_empty_ledger_is_not_complete(tmp_path):
    assert rc.ledger_complete(tmp_path) is False


def test_solution_rates_count_undecided_apart():
    df = frame(n_eq=4, solves=lambda e, lam: False, direct=lambda e: True)
    cells = df.index[(df.variant == rc.LABELS[0]) & (df.lam == 0) & (df.noise == 0)]
    df.loc[cells[0], "solution"] = None
    df.loc[cells[1], "solution"] = True
    r = rc.solution_rates(df)
    row = r[(r.variant == rc.LABELS[0]) & (r.setting == "distilled") & (r.lam == 0) & (r.noise == 0)].iloc[0]
    assert (row.cells, row.undecided, row.solutions) == (4, 1, 1)
    assert row.solution_rate == pytest.approx(1 / 3)
    assert row.solution_lo < 1 / 3 < row.solution_hi
    direct = r[(r.setting == "direct")]
    assert direct.lam.isna().all() and (direct.solution_rate == 1.0).all()
    shown = rc.rates_display(r)
    assert len(shown) == len(r) and shown["symbolic solution [95 % CI]"].str.contains("%").all()
    assert "median test R²" in shown and "accuracy solution [95 % CI]" in shown


def test_smooth_verdict_each_outcome():
    # every λ = 0.1 cell a law, no λ = 0 cell: +1 with an interval far above 0.10
    assert by_key(frame())["smooth"].verdict == "reproduced"
    # the same laws either way on 60 pairs: the interval excludes +0.10
    same = by_key(frame(solves=lambda e, lam: e % 2 == 0))["smooth"]
    assert same.verdict == "not reproduced" and "Newcombe" in same.evidence
    # one equation: the interval holds 0 and +0.10; the evidence says how many would decide
    few = by_key(frame(n_eq=2, solves=lambda e, lam: (e == 0) and lam > 0))["smooth"]
    assert few.verdict == "inconclusive" and "would decide" in few.evidence
    assert str(rc.THRESHOLDS["sesoi"]) in few.rule or f"{rc.THRESHOLDS['sesoi']:g}" in few.rule


def test_smooth_numbers_are_the_outcome_rule_s():
    from distillkit.stats.outcome import paired_proportion_effect
    df = frame(n_eq=10, solves=lambda e, lam: e < 3 + 4 * (lam > 0))
    numbers = by_key(df)["smooth"].numbers
    a = df[(df.lam == 0.1)].solution.tolist()
    b = df[(df.lam == 0.0)].solution.tolist()
    want = paired_proportion_effect(a, b)
    key = f"{rc.LABELS[0]}, λ = 0.1 vs λ = 0: "
    assert numbers[key + "estimate"] == pytest.approx(want.estimate)
    assert numbers[key + "ci_lo"] == pytest.approx(want.lo) and numbers[key + "ci_hi"] == pytest.approx(want.hi)
    (effect,) = by_key(df)["smooth"].effects
    assert effect["estimate"] == pytest.approx(want.estimate) and effect["claim"] == rc.THRESHOLDS["sesoi"]


def test_direct_verdict_noisy_cells_only():
    assert by_key(frame(solves=lambda e, lam: True))["direct"].verdict == "reproduced"
    # the same laws with and without a teacher on 80 noisy pairs: the interval excludes +0.10
    same = frame(n_eq=80, solves=lambda e, lam: e % 3 == 0, direct=lambda e: e % 3 == 0)
    assert by_key(same)["direct"].verdict == "not reproduced"
    # without noisy cells there is nothing to compare
    assert by_key(frame(solves=lambda e, lam: True, noises=(0.0,)))["direct"].verdict == "inconclusive"


def test_undecided_pairs_are_dropped():
    df = frame()
    df.loc[df.lam == 0.1, "solution"] = None
    assert by_key(df)["smooth"].verdict == "inconclusive"


def test_affine_solution():
    name = "feynman_I_25_13"  # Volt = q/C
    assert rc.affine_solution("q/C", name) is True
    assert rc.affine_solution("151/20000 + 199*q/(200*C)", name) is True
    assert rc.affine_solution("q*C", name) is False
    assert rc.affine_solution("3", name) is False
    assert rc.affine_solution("q/(C + 1/1000)", name) is False
    assert rc.affine_solution("", name) is None
    assert rc.affine_solution("q/(", name) is None


def test_table_and_figure_on_synthetic_frame():
    df = frame(n_eq=3, solves=lambda e, lam: lam > 0 and e > 0)
    df["formula_compared"] = "q/C"
    r2 = rc.r2_table(df)
    assert set(r2.setting) == {"distilled", "direct"} and r2.student_r2_median.notna().all()
    eq = rc.equation_table(df)
    assert eq.shape == (6, 3 * len(rc.LABELS)) and set(np.unique(eq.values)) <= {"✓", "·", "?", "≈"}
    fig = rc.recovery_figure(df)
    assert len(fig.axes) == 4
    assert fig.axes[0].get_ylabel() == "symbolic solution rate"


def test_chapter_glues_come_from_the_settings():
    from distillkit.symbolic import groundtruth
    from distillkit.experiments.pipeline import GROUND_TRUTH_CONFIG

    df = pd.DataFrame({"dataset": ["a", "a", "b"], "lam": [0.0, float("nan"), 0.1], "noise": [0.0, 0.1, 0.0],
                       "seed": [0, 0, 1], "solution": [True, None, False]})
    counts = rc.run_counts(df)
    assert {k: counts[k] for k in ("n_runs", "n_equations", "lams", "noises", "n_seeds", "n_undecided")} == \
        {"n_runs": 3, "n_equations": 2, "lams": "0, 0.1", "noises": "0, 0.1", "n_seeds": 2, "n_undecided": 1}
    assert "this build" in counts["source"]
    setup = rc.setup_glues("paper")
    assert setup["digits"] == groundtruth.DEFAULT_DIGITS and setup["accuracy_r2"] == groundtruth.ACCURACY_R2
    assert f"{GROUND_TRUTH_CONFIG['epochs']} epochs" in setup["teacher"]
    assert setup["tolerance"] == f"{GROUND_TRUTH_CONFIG['operon_tolerance']:g}"
    assert setup["evaluations"] == f"{GROUND_TRUTH_CONFIG['operon_evaluations']:,}"
    assert setup["check"] == groundtruth.CHECK_RULE
    assert "3 epochs" in rc.setup_glues("smoke")["teacher"]  # the smoke profile's own budget wins


def test_teacher_glues_give_the_cost_of_the_largest_lambda():
    df = frame(n_eq=4)
    df.loc[df.lam == df.lam.max(), "teacher_r2"] = 0.9  # the smoothest teacher no longer fits the law
    g = rc.teacher_glues(df)
    assert g == {"teacher_r2_lam0": "0.990", "teacher_r2_top": "0.900", "top_lam": f"{max(LAMS):g}"}
    assert rc.teacher_glues(df[df.lam.isna() | (df.lam == 0)])["top_lam"] == "–"  # no λ > 0 in the grid
