"""Fast tests of the chapter table builders (synthetic sweeps; no training, no data files)."""
from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from distillkit import competence, cost, formulas, gap, improvement, metrics, paper, params, plots, show, snr, summaries, tradeoffs, trees  # noqa: E402

LAMS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.5)


def fake_sweep(curves: dict, readings=("literal", "converged"), seeds=(0,), noise=0.0, shift=None) -> pd.DataFrame:
    """A sweep-like frame: ``curves[dataset][reading]`` is the student R² per λ of LAMS.

    ``shift[seed]`` is added to every student R² of that seed.
    """
    rows = []
    for ds, by_reading in curves.items():
        for reading in readings:
            for seed in seeds:
                for k, lam in enumerate(LAMS):
                    s = by_reading[reading][k] + (shift or {}).get(seed, 0.0)
                    rows.append(dict(dataset=ds, lam=lam, seed=seed, noise=noise, sr_reading=reading,
                                     teacher_r2=0.8 - 0.01 * k, student_r2=s, xgb_r2=0.9, linear_r2=0.6,
                                     tree_r2=0.7 + 0.001 * k, tree_leaves=32, complexity=10 - k,
                                     formula=f"add(X0, {k})", formula_latex=f"x_0 + {k}", sr_generations=1))
    return pd.DataFrame(rows)


CURVES = {
    "concrete": {"literal": [0.10, 0.60, 0.10, 0.42, 0.10, 0.10], "converged": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]},
    "wine_red": {"literal": [0.18] * 6, "converged": [0.2, 0.1, 0.15, 0.12, 0.11, 0.1]},
}


# --- improvement ---------------------------------------------------------------
def test_improvement_basic_and_negative_baseline():
    assert metrics.improvement_pct(0.6, 0.1) == pytest.approx(500.0)
    assert metrics.improvement_pct(0.45, 0.39) == pytest.approx(15.3846, rel=1e-4)
    assert metrics.improvement_pct(0.1, 0.2) == pytest.approx(-50.0)
    # a negative baseline: divide by its absolute value, so going up is positive
    assert metrics.improvement_pct(-0.5, -1.0) == pytest.approx(50.0)
    assert metrics.improvement_pct(-1.5, -1.0) == pytest.approx(-50.0)


def test_improvement_zero_and_nonfinite_baselines():
    assert metrics.improvement_pct(0.0, 0.0) == 0.0
    assert math.isnan(metrics.improvement_pct(0.3, 0.0))
    assert math.isnan(metrics.improvement_pct(0.3, float("-inf")))
    assert math.isnan(metrics.improvement_pct(float("nan"), 0.3))
    arr = metrics.improvement_pct(np.array([0.2, 0.0, 0.1]), np.array([0.1, 0.0, 0.0]))
    assert arr[0] == pytest.approx(100.0) and arr[1] == 0.0 and math.isnan(arr[2])


def test_paper_table2_improvements_follow_from_table6():
    # the paper's Table 2 percentages are (best - standard)/standard of its Table 6
    p = summaries.paper_lambda_summary().set_index("dataset")
    for ds in p.index:
        assert p.loc[ds, "improvement_pct_t6"] == pytest.approx(p.loc[ds, "improvement_pct"], abs=0.3)
    assert paper.TABLE2.improvement_pct.mean() == pytest.approx(119.58, abs=0.01)


# --- best λ ----------------------------------------------------------------------
def test_best_lambda_excludes_zero_and_breaks_ties_low():
    c = pd.Series([0.9, 0.3, 0.5, 0.5, 0.1], index=[0.0, 0.001, 0.01, 0.05, 0.5])
    assert metrics.best_lambda(c) == (0.01, 0.5)
    assert metrics.best_lambda(c, exclude_zero=False) == (0.0, 0.9)
    flat = pd.Series([0.2] * 3, index=[0.5, 0.0, 0.1])  # unsorted index
    assert metrics.best_lambda(flat) == (0.1, 0.2)
    lam, val = metrics.best_lambda(pd.Series([0.2], index=[0.0]))
    assert math.isnan(lam) and math.isnan(val)


def test_best_lambda_with_minus_inf():
    c = pd.Series([0.1, -np.inf, 0.2], index=[0.0, 0.01, 0.5])
    assert metrics.best_lambda(c) == (0.5, 0.2)


def test_lambda_summary_and_table2():
    sw = fake_sweep(CURVES)
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


def test_seed_means_before_best_lambda():
    curves = {"concrete": {"literal": [0.1, 0.3, 0.2, 0.2, 0.2, 0.2], "converged": [0.1] * 6}}
    sw = fake_sweep(curves, seeds=(0, 1), shift={1: 0.2})
    pl = summaries.per_lambda(sw)
    assert set(pl.n_seeds) == {2}
    s = summaries.lambda_summary(sw).set_index("sr_reading").loc["literal"]
    assert s.student_r2_standard == pytest.approx(0.2) and s.student_r2_best == pytest.approx(0.4)


# --- Table 6 pattern ---------------------------------------------------------------
def test_modal_count():
    assert metrics.modal_count([0.17881, 0.17879, 0.2]) == 2  # equal to 4 decimals
    assert metrics.modal_count([1, 2, 3]) == 1
    assert metrics.modal_count([]) == 0


def test_table6_pattern_and_reading():
    sw = fake_sweep(CURVES)
    pat = improvement.table6_pattern(sw)
    assert pat.loc["Concrete Strength", "paper"] == 4  # 0.0970 at four λ
    assert pat.loc["Wine Quality Red", "paper"] == 6
    assert pat.loc["Concrete Strength", "ours (literal)"] == 4
    assert pat.loc["Wine Quality Red", "ours (literal)"] == 6
    assert pat.loc["Wine Quality Red", "ours (converged)"] == 2  # 0.1 twice
    assert pat.loc["share of cells", "paper"] == pytest.approx(10 / 12)
    assert pat.loc["share of cells", "ours (literal)"] == pytest.approx(10 / 12)
    assert pat.loc["share of cells", "ours (converged)"] == pytest.approx(8 / 12)
    assert improvement.table6_reading(pat) == "literal"


def test_table6_pattern_counts_per_seed():
    curves = {"wine_red": {"literal": [0.2, 0.2, 0.2, 0.1, 0.3, 0.4], "converged": [0.1] * 6}}
    sw = fake_sweep(curves, seeds=(0, 1))
    sw.loc[(sw.seed == 1) & (sw.sr_reading == "literal"), "student_r2"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.5]
    pat = improvement.table6_pattern(sw)
    assert pat.loc["Wine Quality Red", "ours (literal)"] == pytest.approx(2.5)  # (3 + 2) / 2


def test_table6_wide():
    t6 = improvement.table6(fake_sweep(CURVES))
    assert list(t6.columns) == ["paper", "ours (literal)", "ours (converged)"]
    assert t6.loc[("Concrete Strength", 0.001), "paper"] == pytest.approx(0.5972)
    assert t6.loc[("Concrete Strength", 0.001), "ours (literal)"] == pytest.approx(0.6)


# --- other tables --------------------------------------------------------------------
def test_table1_and_gap():
    sw = fake_sweep(CURVES)
    t1 = gap.table1(sw)
    assert t1.loc[("Concrete Strength", "paper"), "SR student R²"] == pytest.approx(0.10)
    assert t1.loc[("Concrete Strength", "ours (converged)"), "SR student R²"] == pytest.approx(0.5)
    verdict, info = gap.verdict_gap(gap.distillation_gap(sw), ["literal", "converged"])
    # literal: the gap holds on both; converged: Concrete 0.8 - 0.5 >= 0.1, Wine too
    assert info["holds"] == {"literal": 2, "converged": 2} and verdict == "reproduced"


def test_tree_table_uses_best_sr_lambda():
    t3 = trees.tree_table(fake_sweep(CURVES), "literal", datasets=("concrete",))
    assert t3.loc[("Concrete Strength", "regularized"), "ours: λ"] == 0.001
    assert t3.loc[("Concrete Strength", "regularized"), "paper: tree R²"] == pytest.approx(0.706)
    verdict, gains = trees.verdict_tree(t3)
    assert verdict == "reproduced" and not gains["Concrete Strength"]["gain"]


def test_noise_table_against_same_noise_standard():
    sw = pd.concat([fake_sweep(CURVES, noise=0.0),
                    fake_sweep({"concrete": {"literal": [0.2, 0.1, 0.15, 0.1, 0.1, 0.1],
                                             "converged": [0.2, 0.3, 0.2, 0.2, 0.2, 0.2]}}, noise=0.1)])
    sw = sw[sw.dataset == "concrete"]
    nt = snr.noise_table(sw)
    assert nt.loc[(0.1, "ours (literal)"), "improvement (%)"] == pytest.approx(-25.0)
    assert nt.loc[(0.1, "ours (literal)"), f"improvement at λ={paper.FIGURE2_BEST_LAM} (%)"] == pytest.approx(-50.0)
    assert nt.loc[(0.1, "paper"), "improvement (%)"] == pytest.approx(-22.5)
    verdict, info = snr.verdict_noise(nt, "literal")
    assert info["match"] == {0.1: True} and verdict == "reproduced"
    verdict, info = snr.verdict_noise(nt, "converged")
    assert verdict == "not reproduced"


# --- SNR -------------------------------------------------------------------------------
def test_snr_proxy_known_answer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200_000)
    noise = rng.normal(size=x.size)
    y = 2 * x + noise  # Var(y) = 5, Var(residual) = 1
    assert metrics.snr_proxy(y, 2 * x) == pytest.approx(5.0, rel=0.02)
    from sklearn.linear_model import LinearRegression
    pred = LinearRegression().fit(x[:, None], y).predict(x[:, None])
    assert metrics.snr_proxy(y, pred) == pytest.approx(5.0, rel=0.02)
    assert metrics.snr_proxy([1.0, 2.0], [1.0, 2.0]) == math.inf


def test_snr_verdicts():
    table = pd.DataFrame({"dataset": ["concrete", "wine_red", "abalone"], "paper": [2.60, 1.56, np.nan],
                        "full": [2.601, 1.564, 2.2], "held_out": [2.4, 1.5, 2.1]})
    assert snr.snr_matching_version(table)[0] == "full"
    assert snr.verdict_snr_values(table)[0] == "reproduced"
    summ = pd.DataFrame({"dataset": ["concrete", "wine_red", "abalone"], "sr_reading": "literal",
                         "improvement_pct": [500.0, 0.0, 10.0]})
    verdict, info = snr.verdict_snr_explains(table, summ, "literal")
    assert info["wine_lowest_snr"] and info["rho"] == pytest.approx(1.0) and verdict == "reproduced"
    summ.loc[summ.dataset == "wine_red", "improvement_pct"] = 50.0
    assert snr.verdict_snr_explains(table, summ, "literal")[0] == "partly reproduced"
    # Wine lowest and flat, but the other data sets do not follow SNR: only partly
    summ["improvement_pct"] = [0.0, 0.0, 30.0]
    verdict, info = snr.verdict_snr_explains(table, summ, "literal")
    assert info["rho"] < 0.5 and verdict == "partly reproduced"


def test_spearman_constant_is_nan():
    assert math.isnan(metrics.spearman([1, 2, 3], [5, 5, 5]))
    assert metrics.spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)


# --- verdict rules ------------------------------------------------------------------------
def test_simple_verdict_rules():
    assert improvement.verdict_average_improvement(100.0) == "reproduced"
    assert improvement.verdict_average_improvement(30.0) == "partly reproduced"
    assert improvement.verdict_average_improvement(500.0) == "partly reproduced"
    assert improvement.verdict_average_improvement(5.0) == "not reproduced"
    assert improvement.verdict_average_improvement(float("nan")) == "not reproduced"
    t = pd.Series([0.85, 0.84, 0.80], index=[0.0, 0.01, 0.5])
    assert tradeoffs.verdict_teacher_stable(t) == ("partly reproduced", pytest.approx(0.05))
    peak = pd.Series(CURVES["concrete"]["literal"], index=LAMS)
    assert tradeoffs.verdict_concrete_peak(peak)[0] == "reproduced"
    assert tradeoffs.verdict_concrete_peak(pd.Series([0.1, 0.2, 0.5], index=[0.0, 0.001, 0.5]))[0] == "partly reproduced"


def test_dataset_dependent_rule():
    summ = pd.DataFrame({"dataset": list("abcd"), "sr_reading": "literal", "best_lam": [0.001, 0.05, 0.5, 0.1],
                         "improvement_pct": [10.0, 5.0, 1.0, 0.0]})
    verdict, info = improvement.verdict_dataset_dependent(summ, "literal", n_lams_pos=5)
    assert info["distinct"] == 3 and verdict == "reproduced"  # d does not improve: not counted
    summ["best_lam"] = 0.01
    assert improvement.verdict_dataset_dependent(summ, "literal", 5)[0] == "not reproduced"


def test_formula_table_and_simpler_rule():
    sw = fake_sweep(CURVES)
    ft = formulas.formula_table(sw, "concrete")
    paper_rows = ft[ft.source == "paper"].set_index("teacher").complexity
    assert paper_rows["standard"] == 15 and paper_rows["regularized"] == 9
    ours = ft[ft.source == "ours (literal)"].set_index("teacher")
    assert ours.loc["regularized", "lam"] == 0.001 and ours.loc["regularized", "complexity"] == 9
    verdict, info = formulas.verdict_simpler(ft, formulas.complexity_by_lambda(sw), summaries.lambda_summary(sw), "literal")
    assert info["focus_simpler"] and verdict == "reproduced"


def test_parameter_parsing():
    assert params.resolve_datasets('["diabetes"]') == ["diabetes"]
    assert params.resolve_datasets("concrete, wine_red") == ["concrete", "wine_red"]
    assert params.resolve_datasets(None)[0] == "california"
    with pytest.raises(ValueError):
        params.resolve_datasets(["nope"])
    assert params.resolve_seeds("smoke", 2) == (0, 1)
    assert params.resolve_seeds("smoke", [3, 5]) == (3, 5)
    assert params.resolve_seeds("paper", None) == (0,)
    assert params.resolve_lams("smoke", "[0.5, 0]") == (0.0, 0.5)
    with pytest.raises(ValueError):
        params.resolve_lams("smoke", [0.1])
    assert params.resolve_readings('["converged"]') == ("converged",)
    assert metrics.program_complexity("sub(X0, add(mul(0.5, X1), mul(0.2, X3)))") == 9


# --- figures build on synthetic data ---------------------------------------------------------
def test_figures_build():
    sw = fake_sweep(CURVES)
    sw.loc[sw.student_r2 < 0.11, "student_r2"] = -np.inf  # off-scale values are drawn at the edge
    figs = [plots.distillation_gap_figure(gap.distillation_gap(sw)),
            plots.lambda_panels(summaries.per_lambda(sw), "student_r2", "R²", "t",
                                paper_points=plots.paper_sweep_points(), annotate_best=True),
            plots.lambda_panels(trees.tree_by_lambda(sw), "r2", "R²", "t", group="model")]
    times = pd.DataFrame({"penalty": ["exact"] * 4, "lam": [0.0, 0.0, 0.5, 0.5], "seconds": [1.0, 1.2, 2.0, 2.2],
                          "error": ""})
    pl = summaries.per_lambda(sw)
    figs.append(plots.tradeoff_figure(times, cost.overhead_ratios(times), pl[pl.dataset == "concrete"], "concrete"))
    assert cost.overhead_ratios(times).ratio.iloc[0] == pytest.approx(2.1 / 1.1)
    for f in figs:
        assert f.axes and f.axes[0].get_title() is not None


# --- the competence rule in every verdict with a λ = 0 reference -----------------------------
FAILED = {  # Concrete's λ = 0 literal student 0.0 is > 0.05 below the paper's 0.10: not competent
    "concrete": {"literal": [0.00, 0.60, 0.10, 0.42, 0.10, 0.10], "converged": [0.5] * 6},
    "wine_red": {"literal": [0.18] * 6, "converged": [0.2, 0.1, 0.15, 0.12, 0.11, 0.1]},
}


def test_competence_table_marks_the_failing_student_cell():
    comp = competence.competence_table(fake_sweep(FAILED), "student").set_index(["sr_reading", "dataset"])
    assert not comp.loc[("literal", "concrete"), "competent"]
    assert comp.competent.sum() == 3  # the other three cells pass
    note = competence.competence_note(comp.reset_index(), "student")
    assert note.startswith("1 of 4 (reading, data set) cells left out") and "0.05 R²" in note
    with pytest.raises(ValueError, match="unknown reference kind"):
        competence.competence_table(fake_sweep(FAILED), "xgb")


def test_incompetent_student_does_not_decide_the_student_verdicts():
    sw = fake_sweep(FAILED)
    comp = competence.competence_table(sw, "student")
    summ = summaries.lambda_summary(sw)
    peak = pd.Series(FAILED["concrete"]["literal"], index=LAMS)
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
              "concrete": FAILED["concrete"]}
    sw = fake_sweep(curves)
    summ = summaries.lambda_summary(sw)
    comp = competence.competence_table(sw, "student")
    assert snr.verdict_snr_explains(table, summ, "literal")[0] != "inconclusive"
    v, info = snr.verdict_snr_explains(table, summ, "literal", competence=comp)
    assert v == "inconclusive" and set(info["left_out"]) == {"wine_red", "concrete"}


def test_incompetent_tree_does_not_decide_the_tree_verdict():
    sw = fake_sweep(CURVES)
    sw.loc[sw.lam == 0, "tree_r2"] = 0.5  # the paper's standard tree on Concrete: 0.709
    t3 = trees.tree_table(sw, "literal", datasets=("concrete",))
    comp = competence.competence_table(sw, "tree")
    assert list(comp.competent) == [False, True]  # Concrete fails; Wine has no yardstick: kept
    assert trees.verdict_tree(t3)[0] == "not reproduced"  # decided by a tree that did not learn
    v, gains = trees.verdict_tree(t3, competence=comp)
    assert v == "inconclusive" and gains == {}


def test_incompetent_teacher_does_not_decide_the_teacher_verdicts():
    std = fake_sweep(CURVES).assign(scale_target=True)
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
    noisy = fake_sweep({"concrete": {"literal": [0.10, 0.05, 0.05, 0.05, 0.05, 0.05],  # Table 9 at 0.1: 0.24
                                     "converged": [0.2, 0.3, 0.2, 0.2, 0.2, 0.2]}}, noise=0.1)
    sw = pd.concat([fake_sweep({"concrete": CURVES["concrete"]}), noisy])
    nt = snr.noise_table(sw)
    comp = competence.competence_table(sw, "noisy").set_index(["sr_reading", "noise"])
    assert not comp.loc[("literal", 0.1), "competent"] and comp.loc[("converged", 0.1), "competent"]
    assert snr.verdict_noise(nt, "literal")[0] == "reproduced"  # -50 % vs -22.5 %, from a failed baseline
    v, info = snr.verdict_noise(nt, "literal", competence=comp.reset_index())
    assert v == "inconclusive" and info["left_out"] == [0.1]
    assert snr.verdict_noise(nt, "converged", competence=comp.reset_index())[0] == "not reproduced"


def test_styled_tables_one_precision_per_column_names_and_no_row_numbers():
    t2 = improvement.table2(fake_sweep(CURVES))
    html = show.styled(t2).to_html()
    assert "0.100" in html and "0.18" in html and "0.180" in html  # R² with λ=0 in its name: 3 decimals
    df = pd.DataFrame({"dataset": ["concrete", "wine_red"], "student R²": [0.1, 0.324835]})
    html = show.styled(df).to_html()
    assert "Concrete Strength" in html and "0.325" in html and "0.324835" not in html
    assert 'class="row_heading' not in html  # no pandas row numbers
    assert show.paper_names(df.set_index("dataset")).index[1] == "Wine Quality Red"
