"""Chapter 09's tables and verdict rules on synthetic sweeps with known answers."""
import numpy as np
import pandas as pd
import pytest

from distillkit.book.chapters import student_ablation as ab
from distillkit.book.protocol import VERDICTS

LAMS = (0.0, 0.01, 0.1)


def _sweep(n_seeds=8, gain=0.0, operon_gap=0.02, gplearn_gap=0.4, direct_shift=0.0, seed=0):
    """Records shaped like ablation_sweep's: the student at λ > 0 gains ``gain`` R² (on test
    and validation), the direct fit sits ``direct_shift`` above the distilled λ = 0 one."""
    rng = np.random.default_rng(seed)
    rows = []
    for ds in ("a", "b", "c"):
        for s in range(n_seeds):
            teacher = 0.8 + 0.01 * rng.normal()
            for student, reading in ab.VARIANTS:
                gap = operon_gap if student == "operon" else gplearn_gap
                base = teacher - gap + 0.005 * rng.normal()
                for lam in LAMS:
                    mean = base + (gain if lam > 0 else 0.0)
                    # validation and test noise independent: choosing on validation is honest
                    rows.append(dict(dataset=ds, seed=s, lam=lam, student=student, sr_reading=reading,
                                     distilled=True, teacher_r2=teacher,
                                     student_r2=mean + 0.002 * rng.normal(),
                                     student_val_r2=mean + 0.002 * rng.normal(), complexity=10 + 5 * (lam > 0),
                                     xgb_r2=np.nan))
                rows.append(dict(dataset=ds, seed=s, lam=np.nan, student=student, sr_reading=reading,
                                 distilled=False, teacher_r2=np.nan, student_r2=base + direct_shift,
                                 student_val_r2=np.nan, complexity=7, xgb_r2=0.9))
    df = pd.DataFrame(rows)
    df["variant"] = [ab.student_label(s, r) for s, r in zip(df.student, df.sr_reading)]
    return df


def _by_key(df):
    return {v.key: v for v in ab.verdicts(df)}


def test_lam0_table_and_gap():
    t = ab.lam0_table(_sweep(n_seeds=4))
    assert set(t.variant) == set(ab.LABELS) and (t.seeds == 4).all()
    op = t[t.variant == "Operon"]
    assert op.gap.mean() == pytest.approx(0.02, abs=0.01)
    assert t.xgb_r2.eq(0.9).all()


def test_a_better_student_closing_the_gap_is_not_the_teachers_doing():
    v = _by_key(_sweep(gain=0.0, operon_gap=0.02))
    assert v["gap"].verdict == "not reproduced"
    assert v["gap"].numbers["B_minus_A"] < -0.3  # a better student closes it, smoothing does not
    row = v["gap"].effects[0]
    assert row["ci_hi"] < -ab.THRESHOLDS["sesoi"] and row["claim_kind"] == "noninferior"


def test_smoothing_that_closes_more_than_a_better_student_reproduces_the_framing():
    v = _by_key(_sweep(gain=0.45, operon_gap=0.3, gplearn_gap=0.4))
    assert v["gap"].verdict == "reproduced"
    assert v["across"].verdict == "reproduced"  # every variant gains 0.45 at the honest λ


def test_no_gain_anywhere_and_direct_fits_better():
    v = _by_key(_sweep(gain=0.0, direct_shift=0.2))
    # no gain: every interval stays below the smallest effect of interest (one may exclude 0 by
    # chance, ~2.5 % per arm: "real but smaller" then, never "reproduced")
    assert all(r["ci_hi"] < ab.THRESHOLDS["sesoi"] for r in v["across"].effects)
    assert v["across"].verdict in {"not reproduced", "partly reproduced"}
    assert v["direct"].verdict == "not reproduced"
    v = _by_key(_sweep(gain=0.1, direct_shift=-0.2))
    assert v["direct"].verdict == "reproduced"
    for row in v["across"].effects:  # every arm: estimate, interval over pairs, claim, outcome
        assert row["unit"] == "(data set, seed) pair" and row["n"] == 24 and row["claim"] == 0.01
        assert row["ci_lo"] <= row["estimate"] <= row["ci_hi"]
    assert v["across"].topic == "smoothing_helps"


def test_a_small_real_gain_is_partly_reproduced():
    v = _by_key(_sweep(gain=0.004))  # real (the noise is 0.002) but below ΔR² 0.01
    assert v["across"].verdict == "partly reproduced", v["across"].evidence


def test_too_few_seeds_is_inconclusive_and_every_verdict_has_a_rule():
    vs = ab.verdicts(_sweep(n_seeds=2, gain=0.3))
    assert {v.verdict for v in vs} == {"inconclusive"}
    for v in vs:
        assert v.verdict in VERDICTS and v.rule and "{" not in v.rule


def test_complexity_and_tests_tables():
    df = _sweep(gain=0.2)
    honest = ab.honest_by_variant(df)
    assert (honest.lam_honest > 0).all()
    comp = ab.complexity_table(df, honest)
    assert comp["honest λ"].eq(15).all() and comp["λ = 0"].eq(10).all() and comp["direct"].eq(7).all()
    tests = ab.tests(honest)
    assert len(tests) == 2 * len(ab.LABELS)
    assert tests[tests.comparison.str.startswith("honest")].significant.all()


def test_run_counts():
    import pandas as pd

    from distillkit.book.chapters.student_ablation import run_counts
    df = pd.DataFrame({"seed": [0, 0, 1, 1, 1], "student": ["gplearn", "operon", "operon", "gplearn", "operon"]})
    assert run_counts(df) == {"n_seeds": 2, "n_runs": 5, "n_operon": 3}
