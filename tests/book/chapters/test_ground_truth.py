"""Chapter 10's module: sizes, rates with intervals, the looser criterion, verdict rules."""
import numpy as np
import pandas as pd
import pytest

from distillkit.book.chapters import ground_truth as rc
from distillkit.datasets.feynman import operator_table, select_equations
from distillkit.experiments.pipeline import PROFILES

LAMS = (0.0, 0.1)


def frame(n_eq=15, smooth=(False, False), direct_wins=(False, False), noises=(0.0, 0.1)):
    """Synthetic records: per variant, λ = 0 never solves; λ = 0.1 solves every cell where
    ``smooth[i]``; the direct fit solves every cell unless ``direct_wins[i]`` (then none),
    in which case the distilled cells all solve."""
    rows = []
    for i, var in enumerate(rc.LABELS):
        student = rc.VARIANTS[i][0]
        for e in range(n_eq):
            for noise in noises:
                base = dict(variant=var, student=student, sr_reading="converged",
                            dataset=f"feynman_eq{e}", seed=0, noise=noise, teacher_r2=0.99,
                            accuracy_solution=True, affine_solution=None)
                for lam in LAMS:
                    sol = bool(direct_wins[i]) or (lam > 0 and smooth[i])
                    rows.append({**base, "lam": lam, "distilled": True, "solution": sol,
                                 "student_r2": 0.999 if sol else 0.9})
                rows.append({**base, "lam": np.nan, "distilled": False,
                             "solution": not direct_wins[i], "student_r2": 0.95, "teacher_r2": np.nan})
    out = pd.DataFrame(rows)
    out["solution"] = out.solution.astype(object)  # True/False/None, as in run records
    return out


def by_key(df):
    return {v.key: v for v in rc.verdicts(df)}


def test_sizes_match_profiles_and_selection():
    assert set(rc.SIZES) == set(PROFILES)
    assert list(rc.SIZES["paper"]["equations"]) == select_equations()
    assert set(rc.SIZES["smoke"]["equations"]) <= set(select_equations())
    assert len(rc.SIZES["smoke"]["equations"]) == 3
    ops = operator_table().set_index("name").operators
    full = rc.SIZES["full"]["equations"]
    assert len(full) == 115 and all(set(ops[n]) <= {"sqrt", "exp", "log", "sin", "cos"} for n in full)
    for size in rc.SIZES.values():
        assert 0.0 in size["lams"]
        assert set(size["noises"]) <= {0.0, 0.001, 0.01, 0.1}
    with pytest.raises(ValueError, match="profile must be one of"):
        rc.sizes("fast")


def test_wilson_interval():
    lo, hi = rc.wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-3)
    lo, hi = rc.wilson_interval(10, 10)
    assert hi == 1.0 and lo == pytest.approx(0.7225, abs=1e-3)
    lo, hi = rc.wilson_interval(3, 10)
    assert lo < 0.3 < hi
    assert np.isnan(rc.wilson_interval(0, 0)[0])


def test_solution_rates_count_undecided_apart():
    df = frame(n_eq=4)
    # one undecided distilled λ = 0 cell of the first variant at γ = 0: out of the rate
    first = df.index[(df.variant == rc.LABELS[0]) & (df.lam == 0) & (df.noise == 0)][0]
    df.loc[first, "solution"] = None
    df.loc[df.index[(df.variant == rc.LABELS[0]) & (df.lam == 0) & (df.noise == 0)][1], "solution"] = True
    r = rc.solution_rates(df)
    row = r[(r.variant == rc.LABELS[0]) & (r.setting == "distilled") & (r.lam == 0) & (r.noise == 0)].iloc[0]
    assert (row.cells, row.undecided, row.solutions) == (4, 1, 1)
    assert row.solution_rate == pytest.approx(1 / 3)
    assert row.solution_lo < 1 / 3 < row.solution_hi
    direct = r[(r.setting == "direct")]
    assert direct.lam.isna().all() and (direct.solution_rate == 1.0).all()
    shown = rc.rates_display(r)
    assert len(shown) == len(r) and shown["symbolic solution [95 % CI]"].str.contains("%").all()


def test_smooth_verdict_each_outcome():
    assert by_key(frame(smooth=(True, True)))["smooth"].verdict == "reproduced"
    assert by_key(frame(smooth=(True, False)))["smooth"].verdict == "partly reproduced"
    assert by_key(frame(smooth=(False, False)))["smooth"].verdict == "not reproduced"
    # 2 equations x 2 noise levels = 4 pairs per student: too few to judge
    v = by_key(frame(n_eq=2, smooth=(True, True)))["smooth"]
    assert v.verdict == "inconclusive" and "too few pairs" in v.evidence
    assert "Bonferroni" in v.rule and str(rc.THRESHOLDS["min_pairs"]) in v.rule


def test_direct_verdict_each_outcome_noisy_cells_only():
    assert by_key(frame(direct_wins=(True, True)))["direct"].verdict == "reproduced"
    assert by_key(frame(direct_wins=(False, True)))["direct"].verdict == "partly reproduced"
    assert by_key(frame(direct_wins=(False, False)))["direct"].verdict == "not reproduced"
    # without noisy cells there is nothing to compare
    assert by_key(frame(direct_wins=(True, True), noises=(0.0,)))["direct"].verdict == "inconclusive"


def test_undecided_pairs_are_dropped():
    df = frame(smooth=(True, True))
    df.loc[df.lam == 0.1, "solution"] = None
    assert by_key(df)["smooth"].verdict == "inconclusive"


def test_mcnemar():
    t = rc.mcnemar([True] * 8 + [False] * 2, [False] * 10)
    assert (t["n"], t["a_only"], t["b_only"]) == (10, 8, 0)
    assert t["p_value"] == pytest.approx(2 / 2 ** 8)
    assert rc.mcnemar([True, None], [True, False])["p_value"] == 1.0


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
    df = frame(n_eq=3, smooth=(True, False))
    df["formula_compared"] = "q/C"
    r2 = rc.r2_table(df)
    assert set(r2.setting) == {"distilled", "direct"} and r2.student_r2_median.notna().all()
    eq = rc.equation_table(df)
    assert eq.shape == (6, 6) and set(np.unique(eq.values)) <= {"✓", "·", "?", "≈"}
    fig = rc.recovery_figure(df)
    assert len(fig.axes) == 4
    assert fig.axes[0].get_ylabel() == "symbolic solution rate"


def test_chapter_glues_come_from_the_settings():
    import pandas as pd

    from distillkit.symbolic import groundtruth
    from distillkit.book.chapters import ground_truth as rc
    from distillkit.experiments.pipeline import GROUND_TRUTH_CONFIG

    df = pd.DataFrame({"dataset": ["a", "a", "b"], "lam": [0.0, float("nan"), 0.1], "noise": [0.0, 0.1, 0.0],
                       "seed": [0, 0, 1]})
    assert rc.run_counts(df) == {"n_runs": 3, "n_equations": 2, "lams": "0, 0.1", "noises": "0, 0.1", "n_seeds": 2}
    setup = rc.setup_glues("paper")
    assert setup["digits"] == groundtruth.DEFAULT_DIGITS and setup["accuracy_r2"] == groundtruth.ACCURACY_R2
    assert f"{GROUND_TRUTH_CONFIG['epochs']} epochs" in setup["teacher"]
    assert setup["tolerance"] == f"{GROUND_TRUTH_CONFIG['operon_tolerance']:g}"
    assert "3 epochs" in rc.setup_glues("smoke")["teacher"]  # the smoke profile's own budget wins
