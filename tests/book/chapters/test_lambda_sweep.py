"""Chapter 03 (distillkit.book.chapters.lambda_sweep): the two verdicts, their rules and the glued numbers,
on small hand-made sweeps (no training, no data files)."""
from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib

from distillkit.book import analyses
from distillkit.book.chapters import lambda_sweep as improvement
from distillkit.book import summaries
from distillkit.book.verdict import Verdict
from tests import sweeps as shared  # noqa: E402

LAMS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.5)


def sweep(curves: dict, lams=LAMS, seeds=(0,)) -> pd.DataFrame:
    """``curves[dataset][reading]``: the student R² per λ of ``lams`` (same for every seed)."""
    rows = []
    for ds, by_reading in curves.items():
        for reading, values in by_reading.items():
            for seed in seeds:
                for k, (lam, s) in enumerate(zip(lams, values)):
                    rows.append(dict(dataset=ds, lam=lam, seed=seed, noise=0.0, sr_reading=reading,
                                     teacher_r2=0.8 - 0.01 * k, student_r2=s, tree_r2=0.7, tree_leaves=32))
    return pd.DataFrame(rows)


def by_key(vs: list[Verdict]) -> dict:
    return {v.key: v for v in vs}


# Concrete: the paper's λ = 0 student is 0.10 (the competence yardstick), its average 515.5 %
PEAK = [0.10, 0.60, 0.10, 0.42, 0.10, 0.10]  # +500 %, the paper's Table 6 pattern (4 of 6 modal)


@pytest.mark.parametrize("best, expected", [(0.60, "reproduced"), (0.13, "partly reproduced"),
                                            # one data set cannot exclude the paper's average
                                            (0.105, "inconclusive")])
def test_avg_verdict_outcomes(best, expected):
    curve = [0.10, best, 0.10, 0.10, 0.10, 0.10]
    v = by_key(improvement.verdicts(sweep({"concrete": {"literal": curve}})))["avg"]
    assert v.verdict == expected
    pct = (best - 0.10) / 0.10 * 100
    assert f"{pct:.1f} % (literal reading)" in v.evidence and "paper 515.5 %" in v.evidence
    assert v.paper == "515.5 %" and v.ours == f"{pct:.1f} % (literal)"
    assert v.numbers["ours"] == pytest.approx(pct)


def test_avg_inconclusive_when_no_student_is_competent():
    # λ = 0 student 0.0, more than 0.05 below the paper's 0.10: left out
    vs = by_key(improvement.verdicts(sweep({"concrete": {"literal": [0.0, 0.5, 0.0, 0.0, 0.0, 0.0]}})))
    assert vs["avg"].verdict == "inconclusive" and vs["dep"].verdict == "inconclusive"
    assert "1 of 1 (reading, data set) cells left out" in vs["avg"].evidence


def test_avg_reports_the_other_reading_and_the_primary_one():
    # literal repeats the paper's pattern (primary); converged varies at every λ
    sw = sweep({"concrete": {"literal": PEAK, "converged": [0.10, 0.11, 0.12, 0.13, 0.14, 0.15]}})
    assert analyses.primary_reading(sw) == "literal"
    v = by_key(improvement.verdicts(sw, readings=("literal", "converged")))["avg"]
    assert v.evidence.startswith("Average improvement of the best λ > 0 over λ = 0: 500.0 % (literal reading), "
                                 "50.0 % (converged) over the competent of 1 data sets and 1 seed(s)")


# four data sets at their paper λ = 0 student (Table 2), best λ > 0 chosen per curve
def dep_curves(peaks: dict) -> dict:
    base = {"concrete": 0.10, "abalone": 0.39, "diabetes": 0.29, "california": 0.37}
    out = {}
    for ds, lam in peaks.items():
        c = [base[ds]] * len(LAMS)
        if lam is not None:
            c[LAMS.index(lam)] = base[ds] + 0.05
        out[ds] = {"literal": c}
    return out


@pytest.mark.parametrize("peaks, expected, distinct", [
    ({"concrete": 0.001, "abalone": 0.05, "diabetes": 0.5, "california": None}, "reproduced", 3),
    ({"concrete": 0.001, "abalone": 0.05, "diabetes": 0.05, "california": None}, "partly reproduced", 2),
    ({"concrete": 0.01, "abalone": 0.01, "diabetes": None, "california": None}, "not reproduced", 1),
])
def test_dep_verdict_outcomes(peaks, expected, distinct):
    v = by_key(improvement.verdicts(sweep(dep_curves(peaks))))["dep"]
    assert v.verdict == expected and v.numbers["distinct"] == distinct
    improving = sum(lam is not None for lam in peaks.values())
    assert f"beats λ = 0 on {improving} data set(s), with {distinct} distinct optima" in v.evidence
    assert "the paper has 3 distinct optima over 4 improving data sets" in v.evidence
    assert v.paper == "California Housing 0.5, Concrete Strength 0.001, Abalone 0.001, Diabetes 0.05"


def test_dep_two_optima_reproduce_on_a_grid_with_two_positive_lambdas():
    lams = (0.0, 0.01, 0.1)
    curves = {"concrete": {"literal": [0.10, 0.2, 0.10]}, "abalone": {"literal": [0.39, 0.39, 0.5]}}
    sw = sweep(curves, lams=lams)
    v = by_key(improvement.verdicts(sw, grid=lams))["dep"]
    assert v.verdict == "reproduced" and v.ours == "Concrete Strength 0.01, Abalone 0.1"


def test_rules_carry_the_thresholds(monkeypatch):
    assert "within a factor of 2 " in improvement.rule("avg") and "above 10 %" in improvement.rule("avg")
    assert "at least 3 " in improvement.rule("dep") and "0.05 R²" in improvement.rule("dep")
    # the rule printed and the rule applied move together
    monkeypatch.setitem(improvement.THRESHOLDS, "floor", 40.0)
    assert "above 40 %" in improvement.rule("avg")
    curve = [0.10, 0.13, 0.10, 0.10, 0.10, 0.10]  # +30 %, one data set: no interval
    v = by_key(improvement.verdicts(sweep({"concrete": {"literal": curve}})))["avg"]
    assert v.verdict == "inconclusive" and v.rule == improvement.rule("avg")
    monkeypatch.setitem(improvement.THRESHOLDS, "min_optima", 2)
    peaks = {"concrete": 0.001, "abalone": 0.05, "diabetes": 0.05, "california": None}
    assert by_key(improvement.verdicts(sweep(dep_curves(peaks))))["dep"].verdict == "reproduced"


def test_paper_optima_and_average():
    assert improvement.paper_optima() == {"california": 0.5, "concrete": 0.001, "abalone": 0.001, "diabetes": 0.05}
    assert improvement.paper_average(["concrete", "wine_red"]) == pytest.approx(515.5 / 2)
    assert improvement.seed_note(1) == "one seed, so every number is a single run"
    assert improvement.seed_note(3).startswith("3 seeds;")


def test_glues():
    sw = sweep({"concrete": {"literal": PEAK, "converged": [0.10, 0.11, 0.12, 0.13, 0.14, 0.15]},
                "wine_red": {"literal": [0.18] * 6, "converged": [0.18, 0.1, 0.1, 0.1, 0.1, 0.1]}})
    g = improvement.glues(sw, readings=("literal", "converged"), grid=LAMS)
    assert g["grid"] == "0, 0.001, 0.01, 0.05, 0.1, 0.5" and g["n_seeds"] == 1
    assert g["avg_improvement_literal"] == pytest.approx((500.0 + 0.0) / 2)
    assert g["n_improved_literal"] == 1 and g["n_improved_converged"] == 1 and g["n_datasets"] == 2
    assert g["paper_avg"] == pytest.approx(515.5 / 2) and g["paper_headline"] == 120.0
    assert g["teacher_min"] == pytest.approx(0.8) and g["paper_teacher_max"] == pytest.approx(0.85)
    assert g["paper_n_optima"] == 3 and g["paper_optima"] == "0.001, 0.05, 0.5" and g["paper_n_improving"] == 4
    assert g["primary"] == "literal" and g["share_paper"] == pytest.approx(10 / 12)
    assert g["share_literal"] == pytest.approx(10 / 12) and g["share_converged"] == pytest.approx(6 / 12)


def test_glues_fill_missing_readings_with_nan():
    g = improvement.glues(sweep({"concrete": {"literal": PEAK}}), readings=("literal",))
    assert math.isnan(g["avg_improvement_converged"]) and math.isnan(g["share_converged"])
    assert math.isnan(g["n_improved_converged"]) and g["n_improved_literal"] == 1


def test_figure3_has_a_panel_per_dataset():
    fig = improvement.figure3(sweep(dep_curves({"concrete": 0.001, "abalone": 0.05})))
    assert len([ax for ax in fig.axes if ax.has_data()]) == 2


# --- on the shared synthetic sweeps (tests/sweeps.py) ---------------------
def test_lambda_summary_and_table2():
    sw = shared.fake_sweep(shared.CURVES)
    s = summaries.lambda_summary(sw).set_index(["dataset", "sr_reading"])
    row = s.loc[("concrete", "literal")]
    assert row.best_lam == 0.001 and row.student_r2_best == pytest.approx(0.6)
    assert row.improvement_pct == pytest.approx(500.0)
    wine = s.loc[("wine_red", "converged")]  # every λ>0 is worse: negative improvement
    assert wine.best_lam == 0.01 and wine.improvement_pct == pytest.approx(-25.0)
    assert wine.improvement_pct_any == 0.0  # best over the whole grid is λ=0
    avg = summaries.average_improvement(summaries.lambda_summary(sw))
    assert avg["literal"] == pytest.approx(250.0) and avg["converged"] == pytest.approx(-12.5)
    t2 = improvement.table2(sw)
    assert ("Concrete Strength", "paper") in t2.index
    assert t2.loc[("average", "ours (literal)"), "improvement (%)"] == pytest.approx(250.0)
    # the paper's average is over the data sets swept (here Concrete and Wine)
    assert t2.loc[("average", "paper"), "improvement (%)"] == pytest.approx((515.5 + 0.0) / 2)


def test_table6_pattern_and_reading():
    sw = shared.fake_sweep(shared.CURVES)
    pat = analyses.table6_pattern(sw)
    assert pat.loc["Concrete Strength", "paper"] == 4  # 0.0970 at four λ
    assert pat.loc["Wine Quality Red", "paper"] == 6
    assert pat.loc["Concrete Strength", "ours (literal)"] == 4
    assert pat.loc["Wine Quality Red", "ours (literal)"] == 6
    assert pat.loc["Wine Quality Red", "ours (converged)"] == 2  # 0.1 twice
    assert pat.loc["share of cells", "paper"] == pytest.approx(10 / 12)
    assert pat.loc["share of cells", "ours (literal)"] == pytest.approx(10 / 12)
    assert pat.loc["share of cells", "ours (converged)"] == pytest.approx(8 / 12)
    assert analyses.table6_reading(pat) == "literal"


def test_table6_pattern_counts_per_seed():
    curves = {"wine_red": {"literal": [0.2, 0.2, 0.2, 0.1, 0.3, 0.4], "converged": [0.1] * 6}}
    sw = shared.fake_sweep(curves, seeds=(0, 1))
    sw.loc[(sw.seed == 1) & (sw.sr_reading == "literal"), "student_r2"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.5]
    pat = analyses.table6_pattern(sw)
    assert pat.loc["Wine Quality Red", "ours (literal)"] == pytest.approx(2.5)  # (3 + 2) / 2


def test_table6_wide():
    t6 = improvement.table6(shared.fake_sweep(shared.CURVES))
    assert list(t6.columns) == ["paper", "ours (literal)", "ours (converged)"]
    assert t6.loc[("Concrete Strength", 0.001), "paper"] == pytest.approx(0.5972)
    assert t6.loc[("Concrete Strength", 0.001), "ours (literal)"] == pytest.approx(0.6)


def test_dataset_dependent_rule():
    summ = pd.DataFrame({"dataset": list("abcd"), "sr_reading": "literal", "best_lam": [0.001, 0.05, 0.5, 0.1],
                         "improvement_pct": [10.0, 5.0, 1.0, 0.0]})
    verdict, info = improvement.verdict_dataset_dependent(summ, "literal", n_lams_pos=5)
    assert info["distinct"] == 3 and verdict == "reproduced"  # d does not improve: not counted
    summ["best_lam"] = 0.01
    assert improvement.verdict_dataset_dependent(summ, "literal", 5)[0] == "not reproduced"


def test_avg_not_reproduced_only_when_the_interval_excludes_the_paper():
    # four data sets at their paper λ = 0 student, each gaining a few % at one λ > 0
    base = {"concrete": 0.10, "abalone": 0.39, "diabetes": 0.29, "california": 0.37}
    gains = {"concrete": 0.004, "abalone": 0.02, "diabetes": 0.01, "california": 0.015}
    curves = {ds: {"literal": [b, b + gains[ds], b, b, b, b]} for ds, b in base.items()}
    v = by_key(improvement.verdicts(sweep(curves)))["avg"]
    row = v.effects[0]
    assert row["n"] == 4 and row["ci_hi"] < row["claim"]  # far below the paper's average
    assert v.verdict == "not reproduced" and "95% CI" in v.evidence


def test_avg_says_why_a_real_but_small_gain_is_not_reproduced():
    # four data sets, each 2-6 % better at its best λ > 0: the interval excludes 0 (the outcome
    # rule's "partly") but the gain is below the rule's 10 % floor (the verdict's "not")
    base = {"concrete": 0.10, "abalone": 0.39, "diabetes": 0.29, "california": 0.37}
    curves = {ds: {"literal": [b, b * (1.02 + 0.013 * k)] + [b] * 4} for k, (ds, b) in enumerate(base.items())}
    v = by_key(improvement.verdicts(sweep(curves)))["avg"]
    assert v.verdict == "not reproduced" and v.effects[0]["outcome"] == "partly reproduced"
    assert "biased upward" in v.evidence and "only above 10 %" in v.evidence
    # a gain above the floor reads partly in both: no explanation needed
    curves = {ds: {"literal": [b, b * (1.2 + 0.01 * k)] + [b] * 4} for k, (ds, b) in enumerate(base.items())}
    v = by_key(improvement.verdicts(sweep(curves)))["avg"]
    assert v.verdict == "partly reproduced" and "biased upward" not in v.evidence
