"""Statistics of the robustness chapter on synthetic records (no training, < 30 s)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from distillkit.stats import metrics
from distillkit.experiments import paper
from distillkit.book import analyses, plots
from distillkit.book.chapters import robustness as rb

LAMS = [0.0, 0.001, 0.01, 0.05, 0.1, 0.5]


def _records(n_seeds=8, datasets=("a", "b", "c"), readings=("literal",), effect=0.0, noise=0.1,
             rng=0, teacher_drop=0.0):
    """Fake pipeline records: student test/val R² = base + effect·[λ > 0] + noise."""
    gen = np.random.default_rng(rng)
    rows = []
    for reading in readings:
        for ds in datasets:
            for seed in range(n_seeds):
                base = 0.3
                for lam in LAMS:
                    gain = effect * (lam > 0)
                    rows.append({"dataset": ds, "seed": seed, "lam": lam, "sr_reading": reading,
                                 "sr_draw": 0, "scale_target": True,
                                 "student_r2": base + gain + noise * gen.standard_normal(),
                                 "student_val_r2": base + gain + noise * gen.standard_normal(),
                                 "teacher_r2": 0.8 - teacher_drop * lam + 0.001 * gen.standard_normal(),
                                 "student_blowup_frac": 0.0})
    return pd.DataFrame(rows)


def test_bootstrap_ci_covers_mean_and_is_deterministic():
    x = np.random.default_rng(1).normal(2.0, 1.0, size=40)
    lo, hi = metrics.bootstrap_ci(x)
    assert lo < x.mean() < hi
    assert (lo, hi) == metrics.bootstrap_ci(x)  # fixed rng: same interval every time
    assert metrics.bootstrap_ci(x, rng=5) != metrics.bootstrap_ci(x, rng=6)
    lo90, hi90 = metrics.bootstrap_ci(x, ci=0.90)
    assert lo <= lo90 and hi90 <= hi
    # degenerate inputs
    assert metrics.bootstrap_ci([3.0]) == (3.0, 3.0)
    assert np.isnan(metrics.bootstrap_ci([])[0])
    assert metrics.bootstrap_ci([1.0, np.inf, -np.inf, np.nan]) == (1.0, 1.0)  # non-finite dropped


def test_summarize_by_lambda_long_format():
    s = analyses.summarize_by_lambda(_records())
    assert set(s.metric) == {"student_r2", "teacher_r2"}
    assert len(s) == 3 * len(LAMS) * 2
    assert (s.ci_lo <= s["mean"]).all() and (s["mean"] <= s.ci_hi).all()
    assert (s.n == 8).all()


def test_selection_bias_on_pure_noise_is_positive():
    # six SR draws that are pure noise around the same value: "best of six" still wins
    gen = np.random.default_rng(0)
    rows = [{"dataset": ds, "seed": s, "lam": 0.0, "sr_reading": "literal", "sr_draw": d,
             "student_r2": 0.3 + 0.05 * gen.standard_normal()}
            for ds in "abcde" for s in range(10) for d in range(6)]
    per = analyses.selection_bias(pd.DataFrame(rows))
    assert len(per) == 50 and (per.delta >= 0).all()
    avg = analyses.average_over_datasets(per)
    assert avg.pct.mean() > 10  # E[max of 6 N(0,1)] ≈ 1.27 sd -> ≈ +20 % of 0.3
    assert avg.delta.mean() == pytest.approx(0.05 * 1.267, rel=0.2)


def test_paper_style_improvement_reproduces_the_papers_120_percent():
    per = analyses.paper_style_improvement(paper.TABLE6.assign(seed=0, sr_reading="paper"))
    assert analyses.average_over_datasets(per).pct.iloc[0] == pytest.approx(119.6, abs=0.1)
    conc = per.set_index("dataset").loc["concrete"]
    assert conc.pct == pytest.approx(515.7, abs=0.2) and conc.best_lam == 0.001


def test_honest_lambda_picks_by_validation_not_test():
    rows = []
    for lam in LAMS:
        # test R² is best at λ = 0.5, validation R² at λ = 0.01
        rows.append({"dataset": "a", "seed": 0, "sr_reading": "literal", "lam": lam,
                     "student_r2": 0.9 if lam == 0.5 else 0.2,
                     "student_val_r2": 0.7 if lam == 0.01 else 0.1})
    h = analyses.honest_lambda(pd.DataFrame(rows)).iloc[0]
    assert h.lam_honest == 0.01 and h.test_honest == 0.2
    assert h.lam_oracle == 0.5 and h.test_oracle == 0.9
    assert h.delta == 0.0 and h.pct == 0.0


def test_honest_lambda_ties_go_to_the_standard_pipeline():
    rows = [{"dataset": "a", "seed": 0, "sr_reading": "literal", "lam": lam,
             "student_r2": 0.2 + lam, "student_val_r2": 0.4} for lam in LAMS]
    assert analyses.honest_lambda(pd.DataFrame(rows)).iloc[0].lam_honest == 0.0


def test_honest_lambda_needs_validation_records():
    with pytest.raises(ValueError, match="validation"):
        analyses.honest_lambda(_records().drop(columns="student_val_r2"))


def test_paired_test_identical_pairs_do_not_crash():
    a = np.array([0.3, 0.4, 0.5, 0.6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a warning
        res = metrics.paired_test(a, a.copy())
    assert res["p_value"] == 1.0 and res["n_nonzero"] == 0 and res["rank_biserial"] == 0.0
    assert res["mean_diff"] == 0.0 and not res["testable"]
    empty = metrics.paired_test([], [])
    assert empty["n"] == 0 and np.isnan(empty["p_value"])


def test_paired_test_detects_a_shift_and_rank_biserial_sign():
    gen = np.random.default_rng(3)
    b = gen.normal(0.3, 0.1, 30)
    res = metrics.paired_test(b + 0.05 + 0.01 * gen.standard_normal(30), b)
    assert res["p_value"] < 1e-4 and res["rank_biserial"] == 1.0 and res["testable"]
    assert res["mean_ci_lo"] > 0
    worse = metrics.paired_test(b - 0.05, b)
    assert worse["rank_biserial"] == -1.0
    # non-finite pairs are dropped; small n is flagged as untestable
    few = metrics.paired_test([1.0, 2.0, np.inf, 4.0], [0.0, 1.0, 1.0, 3.0])
    assert few["n"] == 3 and not few["testable"]


def test_blowups_counts_per_dataset_and_reading():
    df = _records(n_seeds=2)
    df.loc[0, "student_blowup_frac"] = 0.05
    df.loc[1, "student_r2"] = -np.inf
    df.loc[2, "student_r2"] = -3.0
    b = analyses.blowups(df).set_index("dataset").loc["a"]
    assert b.cells == 12 and b.blowup == 1 and b.nonfinite == 1 and b.negative >= 1
    assert np.isfinite(b.mean_r2)


def test_verdicts_follow_their_rules():
    control = _records(n_seeds=8, noise=0.0).query("lam == 0").copy()
    draws = []
    for d in range(6):
        draws.append(control.assign(sr_draw=d, student_r2=control.student_r2 + 0.001 * d))
    control = pd.concat(draws, ignore_index=True)
    strong = rb.verdict_improvement(_records(effect=0.45, noise=0.02), control)
    assert strong["verdict"] == "reproduced", strong
    null = rb.verdict_improvement(_records(effect=0.0, noise=0.0), control)
    assert null["verdict"] == "not reproduced", null
    few = rb.verdict_improvement(_records(n_seeds=2, effect=0.3, noise=0.02), control)
    assert few["verdict"] == "inconclusive"

    flat = _records()
    dropping = _records(teacher_drop=0.2).assign(scale_target=False)
    v = rb.verdict_teacher(flat, dropping)
    assert v["verdict"] == "partly reproduced" and v["holds"] == {"standardized y": True, "raw y": False}
    assert rb.verdict_teacher(flat, flat.assign(scale_target=False))["verdict"] == "reproduced"


def test_resolve_seeds():
    assert analyses.grid_seeds("smoke") == [0, 1]
    assert analyses.grid_seeds("full") == list(range(10))
    assert analyses.grid_seeds("paper", 3) == [0, 1, 2]
    assert analyses.grid_seeds("paper", [4, 7]) == [4, 7]


def test_figures_build():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    df = _records(n_seeds=3, readings=("literal", "converged"))
    summary = analyses.summarize_by_lambda(pd.concat([df, df.assign(scale_target=False)]))
    control = pd.concat([df.query("lam == 0").assign(sr_draw=d) for d in range(6)])
    for fig in (plots.plot_lambda_curves(summary), plots.plot_teacher_curves(summary),
                plots.plot_selection_bias(analyses.compare_selection(df, control)),
                plots.plot_honest(analyses.honest_lambda(df))):
        assert fig.axes
        plt.close(fig)


# --------------------------------------------------------------------------------------
# the competence rule (distillkit.book.competence) in the chapter's verdicts
# --------------------------------------------------------------------------------------
def test_incompetent_alternative_teacher_does_not_decide_the_teacher_verdict():
    flat = _records()
    # the second arm's λ = 0 teacher never learned (R² 0.8 -> -0.5) and "degrades" with λ
    broken = _records(teacher_drop=0.5).assign(scale_target=2.0)
    broken["teacher_r2"] -= 1.3
    v = rb.verdict_teacher(flat, broken)
    assert v["holds"] == {"standardized y": True, "centred y, sd 2": None}, v["holds"]
    assert v["verdict"] == "partly reproduced"  # decided by the standardized arm alone
    assert "24 of 24 (data set, seed) cells left out" in v["evidence"]
    assert (~v["competence"].query("scale_target == 2.0").competent).all()
    # the same degrading arm with a competent λ = 0 teacher does decide it
    learned = _records(teacher_drop=0.5).assign(scale_target=2.0)
    w = rb.verdict_teacher(flat, learned)
    assert w["holds"]["centred y, sd 2"] is False and w["verdict"] == "partly reproduced"
    assert "0 of 24" in w["evidence"]


def test_only_competent_seeds_enter_the_teacher_degradation():
    flat = _records()
    alt = _records(teacher_drop=0.5).assign(scale_target=2.0)
    bad = alt.seed < 5  # five of eight seeds failed at λ = 0
    alt.loc[bad, "teacher_r2"] -= 1.0
    v = rb.verdict_teacher(flat, alt)
    t = v["table"]
    assert (t[t.scale_target == 2.0].n == 3).all()  # the three competent seeds only
    assert "15 of 24" in v["evidence"]


def test_incompetent_lambda0_student_is_left_out_of_the_improvement():
    control = pd.concat([_records(effect=0.0, noise=0.02).query("lam == 0").assign(sr_draw=d)
                         for d in range(6)], ignore_index=True)
    # "concrete" is a paper data set: its λ = 0 student (0.3 - 0.35 = -0.05) is far below
    # the paper's 0.10 - 0.05 and its "improvement" would dominate; it must not count
    main = _records(effect=0.0, noise=0.02, datasets=("a", "b", "concrete"))
    cc = main.dataset == "concrete"
    main.loc[cc & (main.lam == 0), "student_r2"] -= 0.35
    ctl = control.assign(dataset=control.dataset.replace({"c": "concrete"}))
    ctl.loc[(ctl.dataset == "concrete"), "student_r2"] -= 0.35
    v = rb.verdict_improvement(main, ctl)
    comp = v["competence"].set_index("dataset").competent
    assert not comp["concrete"] and comp["a"] and comp["b"]
    # the verdict is the one the competent data sets give alone ...
    alone = rb.verdict_improvement(main[~cc], ctl[ctl.dataset != "concrete"])
    assert v["verdict"] == alone["verdict"]
    assert v["per_reading"]["literal"]["honest_pct"] == alone["per_reading"]["literal"]["honest_pct"]
    # ... while counting the broken baseline would have made it look significant
    naive = rb.verdict_improvement(main.assign(dataset=main.dataset.replace({"concrete": "c"})),
                                   ctl.assign(dataset=ctl.dataset.replace({"concrete": "c"})))
    assert naive["per_reading"]["literal"]["honest_pct"] > 10 * abs(v["per_reading"]["literal"]["honest_pct"])
    assert "1 of 3 (reading, data set) cells left out" in v["evidence"]
    # all references incompetent: nothing decides
    allbad = main.assign(dataset="concrete", student_r2=-1.0)
    out = rb.verdict_improvement(allbad, ctl)
    assert out["verdict"] == "inconclusive"
    # an undecided reading carries every key a decided one has (chapter 08's table reads them)
    decided_keys = set(v["per_reading"]["literal"])
    assert all(set(r) == decided_keys for r in out["per_reading"].values())


def test_target_label():
    assert analyses.target_label(True) == "standardized y" and analyses.target_label(1.0) == "standardized y"
    assert analyses.target_label(False) == "raw y" and analyses.target_label(2.0) == "centred y, sd 2"


# --------------------------------------------------------------------------------------
# verdicts() -> list[Verdict], the rules, the glued numbers and the chapter's tables
# --------------------------------------------------------------------------------------
def _control(main, step=0.001):
    """Six SR draws at λ = 0 that differ by ``step`` each (almost no selection gain)."""
    base = main.query("lam == 0")
    return pd.concat([base.assign(sr_draw=d, student_r2=base.student_r2 + step * d)
                      for d in range(analyses.N_DRAWS)], ignore_index=True)


def _grids(main, raw=None):
    raw = main.assign(scale_target=2.0) if raw is None else raw
    return {"main": main, "control": _control(main), "raw": raw}


def _by_key(verdicts):
    return {v.key: v for v in verdicts}


@pytest.mark.parametrize("effect, n_seeds, expected", [
    (0.45, 8, "reproduced"),  # the interval excludes 0 and reaches 120 %
    (0.05, 8, "partly reproduced"),  # excludes 0, far below 120 %: real but smaller than claimed
    (0.0, 8, "not reproduced"),  # λ does nothing: the interval excludes 120 %
    (0.45, 2, "inconclusive"),  # too few seeds
])
def test_verdicts_improvement_outcomes(effect, n_seeds, expected):
    main = _records(n_seeds=n_seeds, effect=effect, noise=0.02 if effect else 0.0)
    v = _by_key(rb.verdicts(main, _control(main), main.assign(scale_target=2.0)))["improvement"]
    assert v.verdict == expected, v.evidence
    assert v.rule == rb.rule("improvement")
    lit = v.numbers["per_reading"]["literal"]
    assert f"literal: honest-λ improvement % {lit['honest_pct']:+.1f}" in v.evidence
    assert f"{n_seeds} seeds x 3 data sets" in v.evidence
    assert v.ours.startswith(f"literal: {lit['honest_pct']:+.1f} % [{lit['pct_lo']:+.1f}, {lit['pct_hi']:+.1f}]")
    assert v.paper.startswith("+120 %")
    if expected != "inconclusive":
        assert lit["verdict"] == expected and lit["pct_lo"] <= lit["honest_pct"] <= lit["pct_hi"]
        rows = {r["arm"]: r for r in v.effects}
        assert rows["literal: improvement %"]["claim"] == 120 and rows["literal: improvement %"]["unit"] == "seed"
        assert rows["literal: ΔR² honest λ vs λ = 0"]["claim"] == rb.THRESHOLDS["sesoi"]
        assert v.topic == "smoothing_helps"


@pytest.mark.parametrize("std_drop, alt_drop, n_seeds, expected", [
    (0.0, 0.0, 8, "reproduced"),
    (0.0, 0.2, 8, "partly reproduced"),
    (0.2, 0.2, 8, "not reproduced"),
    (0.0, 0.0, 2, "inconclusive"),
])
def test_verdicts_teacher_outcomes(std_drop, alt_drop, n_seeds, expected):
    main = _records(n_seeds=n_seeds, teacher_drop=std_drop)
    raw = _records(n_seeds=n_seeds, teacher_drop=alt_drop).assign(scale_target=2.0)
    v = _by_key(rb.verdicts(main, _control(main), raw))["teacher"]
    assert v.verdict == expected, v.evidence
    assert v.rule == rb.rule("teacher")
    assert v.claim.endswith("(standardized target and target sd 2)")
    assert v.numbers["holds"] == {"standardized y": std_drop == 0, "centred y, sd 2": alt_drop == 0}
    worst = v.numbers["worst"]
    assert set(worst) == {"standardized y", "centred y, sd 2"}
    for label, change in worst.items():
        assert f"{label}: worst mean change {change:+.3f} R²" in v.ours
        assert f"worst mean change {change:+.3f}, 95 % CI [" in v.evidence
    assert f"over {n_seeds} seeds, tolerance -0.02" in v.evidence  # the worst cell's interval and margin
    assert f"paired over {n_seeds} seeds, tolerance 0.02 R²" in v.evidence
    if alt_drop:  # λ = 0.5 drops the teacher by 0.1 R² on average
        assert worst["centred y, sd 2"] == pytest.approx(-0.1, abs=0.01)


def test_rules_carry_the_thresholds():
    imp, tea = rb.rule("improvement"), rb.rule("teacher")
    assert "p < 0.05" in imp and "claimed +120 %" in imp and "best of 6 SR draws" in imp and "0.01" in imp
    assert "at most 0.05 R² below the paper's λ = 0 student" in imp
    assert "fewer than 3 seeds" in imp and "fewer than 3 seeds" in tea
    assert "exceeds 0.02 R²" in tea and "at most 0.05 R² below the standardized" in tea
    assert "{" not in imp + tea


def test_rule_text_follows_thresholds(monkeypatch):
    monkeypatch.setitem(rb.THRESHOLDS, "teacher_tol", 0.07)
    monkeypatch.setitem(rb.THRESHOLDS, "min_seeds", 4)
    assert "exceeds 0.07 R²" in rb.rule("teacher") and "fewer than 4 seeds" in rb.rule("teacher")


def test_verdict_teacher_applies_its_tolerance():
    # the evidence names the tolerance the degradation table used
    main = _records(teacher_drop=0.2)
    raw = main.assign(scale_target=2.0)
    assert rb.verdict_teacher(main, raw)["verdict"] == "not reproduced"
    loose = rb.verdict_teacher(main, raw, tol=0.5)  # a 0.1 R² drop is within 0.5
    assert loose["verdict"] == "reproduced" and "tolerance 0.5 R²" in loose["evidence"]
    assert not loose["table"].degraded.any()


def test_glues_are_the_numbers_of_the_grids_and_verdicts():
    main = _records(n_seeds=4, effect=0.05, noise=0.02, readings=("literal", "converged"))
    grids = _grids(main)
    verdicts = rb.verdicts(grids["main"], grids["control"], grids["raw"])
    g = rb.glues(grids, verdicts)
    assert g["n_seeds"] == 4 and g["n_datasets"] == 3 and g["n_lams"] == len(LAMS)
    assert g["n_cells"] == len(main) + 5 * len(main.query("lam == 0")) + len(main)
    assert g["paper_recomputed"] == pytest.approx(119.6, abs=0.1)
    assert g["validation_pct"] == 20 and g["min_n"] == 6 and g["alt_sd"] == "2"
    per = _by_key(verdicts)["improvement"].numbers["per_reading"]
    assert g["control_summary"] == (f"{per['converged']['control_pct']:+.1f} % (converged), "
                                    f"{per['literal']['control_pct']:+.1f} % (literal)")
    assert f"ΔR² {per['literal']['honest_delta']:+.3f} (literal)" in g["honest_summary"]
    assert g["teacher_base_std"] == pytest.approx(0.8, abs=0.01)
    assert g["blowup_frac"] == 0 and g["nonfinite"] == 0


def test_chapter_tables_build():
    main = _records(n_seeds=3, readings=("literal", "converged"), datasets=("a", "concrete"))
    grids = _grids(main)
    verdicts = rb.verdicts(grids["main"], grids["control"], grids["raw"])
    grid = rb.grid_table(grids)
    assert list(grid.records) == [len(main), 5 * len(main.query("lam == 0")), len(main)]
    assert "centred y, sd 2" in grid["what it varies"].iloc[2]
    t6 = rb.paper_table6().set_index("dataset")
    assert list(t6.index) == [paper.NAMES[d] for d in sorted(paper.NAMES)]
    assert t6.loc["Concrete Strength", "pct"] == pytest.approx(515.67, abs=0.01)
    st = rb.student_table(rb.grid_summary(grids))
    assert st.shape == (2 * len(LAMS), 2) and "Concrete Strength" in st.index.get_level_values(0)
    comparison = analyses.compare_selection(main, grids["control"])
    assert len(rb.selection_table(comparison)) == 2 * 2 * 3
    assert len(rb.selection_means(comparison, "seed")) == 2 * 3
    assert len(rb.selection_means(comparison, "dataset")) == 2 * 2
    honest = analyses.honest_lambda(main)
    assert len(rb.tests_table(analyses.honest_tests(honest))) == 2 * 3
    assert rb.chosen_lams(honest).share_lam0.between(0, 1).all()
    assert len(rb.headline_table(analyses.headline(main, grids["control"]))) == 2 * 3
    table = rb.improvement_table(_by_key(verdicts)["improvement"])
    assert len(table) == 2 and table["SR reading"].iloc[0] == "converged"
    assert len(rb.degradation_table(main, grids["raw"])) == 2 * 2 * (len(LAMS) - 1)
    assert rb.teacher_competence_table(main, grids["raw"]).shape == (2 * 3, 4)
    assert len(rb.blowup_table(main)) == 2 * 2


def test_resolve_seeds_is_params_with_the_robustness_default():
    from distillkit.book import params
    assert params.resolve_seeds("paper", key="robustness_seeds") == (0, 1, 2, 3, 4)
    assert params.resolve_seeds("paper") == (0,)  # chapters 1-6: the profile's seeds
    assert analyses.grid_seeds("paper", "3") == [0, 1, 2]  # papermill passes text
    assert analyses.grid_seeds("paper", "[4, 7]") == [4, 7]
    with pytest.raises(ValueError):
        analyses.grid_seeds("paper", 0)


def test_statistics_come_from_metrics():
    from distillkit.stats import metrics
    assert metrics.bootstrap_ci is metrics.bootstrap_ci and metrics.paired_test is metrics.paired_test
    # the improvement in % uses the one convention of metrics.improvement_pct: 0 over 0 is 0
    rows = [{"dataset": "a", "seed": 0, "sr_reading": "literal", "lam": lam, "student_r2": 0.0,
             "student_val_r2": 0.1} for lam in LAMS]
    assert analyses.paper_style_improvement(pd.DataFrame(rows)).pct.iloc[0] == 0.0
    assert analyses.honest_lambda(pd.DataFrame(rows)).pct.iloc[0] == 0.0
