"""distillkit.stats.ranking on synthetic scores whose answer is known."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from distillkit.stats import ranking


def _scores(shift, n_datasets=20, n_trials=10, noise=0.02, seed=0):
    """Long table: method m scores base_ds + shift[m] + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_datasets):
        base = rng.uniform(0.3, 0.8)
        for t in range(n_trials):
            for m, s in shift.items():
                rows.append({"dataset": f"d{d}", "trial": t, "method": m,
                             "r2": base + s + noise * rng.standard_normal()})
    return pd.DataFrame(rows)


def test_holm_matches_hand_computation():
    p = [0.01, 0.04, 0.03, np.nan]
    # sorted 0.01, 0.03, 0.04 -> 0.03, 0.06, 0.06 (monotone), NaN stays out of the family
    np.testing.assert_allclose(ranking.holm(p)[:3], [0.03, 0.06, 0.06])
    assert np.isnan(ranking.holm(p)[3])


def test_one_method_clearly_best_ranks_first_and_is_significant():
    scores = _scores({"standard": 0.0, "jacobian": 0.1, "lipschitz": 0.0})
    res = ranking.rank_methods(ranking.dataset_means(scores))
    assert res["n_datasets"] == 20 and res["n_methods"] == 3
    assert res["ranks"].index[0] == "jacobian" and res["ranks"]["jacobian"] == pytest.approx(1.0)
    assert res["p_value"] < 1e-4
    assert ranking.significantly_better(res, "jacobian", "standard")
    assert not ranking.significantly_better(res, "standard", "jacobian")
    assert not ranking.significantly_better(res, "lipschitz", "standard")  # equal methods


def test_identical_methods_are_not_told_apart():
    scores = _scores({"a": 0.0, "b": 0.0, "c": 0.0}, noise=0.05)
    res = ranking.rank_methods(ranking.dataset_means(scores))
    assert res["p_value"] > 0.05
    assert all(abs(r - 2.0) < 0.6 for r in res["ranks"])
    exact = pd.DataFrame({"a": [0.5, 0.6], "b": [0.5, 0.6], "c": [0.5, 0.6]})
    assert ranking.rank_methods(exact)["p_value"] == 1.0


def test_critical_difference_matches_demsar_table():
    # Demšar (2006), Table 5(a): q_0.05 = 2.343 for k = 3; CD = q sqrt(k(k+1)/(6N))
    assert ranking.critical_difference(3, 20) == pytest.approx(2.343 * np.sqrt(12 / 120), rel=1e-3)


def test_too_few_data_sets_gives_no_friedman():
    scores = _scores({"a": 0.0, "b": 0.1, "c": 0.0}, n_datasets=1)
    res = ranking.rank_methods(ranking.dataset_means(scores))
    assert np.isnan(res["p_value"]) and not ranking.significantly_better(res, "b", "a")


def test_dataset_means_drops_incomplete_blocks():
    scores = _scores({"a": 0.0, "b": 0.1, "c": 0.0}, n_datasets=3)
    scores = scores[~((scores.dataset == "d1") & (scores.method == "c"))]
    assert list(ranking.dataset_means(scores).index) == ["d0", "d2"]


def test_per_dataset_tests_holm_and_direction():
    scores = _scores({"standard": 0.0, "better": 0.1, "worse": -0.1, "same": 0.0},
                     n_datasets=3, n_trials=12)
    t = ranking.per_dataset_tests(scores, baseline="standard")
    assert len(t) == 9 and (t.p_holm >= t.p_value - 1e-12).all()
    assert set(t[t.method == "better"].outcome) == {"better"}
    assert set(t[t.method == "worse"].outcome) == {"worse"}
    assert set(t[t.method == "same"].outcome) == {"no difference"}
    with pytest.raises(ValueError, match="baseline"):
        ranking.per_dataset_tests(scores, baseline="nope")


def test_cd_diagram_draws_labels():
    res = ranking.rank_methods(ranking.dataset_means(_scores({"std": 0.0, "jac": 0.1, "lip": 0.05})))
    fig = ranking.cd_diagram(res, title="gplearn")
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert any("jac" in t for t in texts) and any("std" in t for t in texts)


def _gain_scores(gain, n_ds=20, trials=10, seed=0):
    """Long scores: data sets with their own level, three methods, ``gain`` for 'smooth'."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_ds):
        level = rng.uniform(0.2, 0.9)
        for t in range(trials):
            base = level + rng.normal(0, 0.02)
            rows += [(f"d{d}", t, "standard", base), (f"d{d}", t, "smooth", base + gain + rng.normal(0, 0.02)),
                     (f"d{d}", t, "other", base + rng.normal(0, 0.02))]
    return pd.DataFrame(rows, columns=["dataset", "trial", "method", "r2"])


def test_method_effects_find_a_known_gain_with_both_estimators():
    from distillkit.stats.outcome import REPRODUCED, NOT, Claim, decide
    eff = ranking.method_effects(_gain_scores(0.03), baseline="standard")
    for kind in ("bootstrap", "mixed"):
        e = eff["smooth"][kind]
        assert e.n == 20 and e.unit == "data set"
        assert e.lo < 0.03 < e.hi and e.lo > 0
        assert decide(e, Claim(0.01)).outcome == REPRODUCED
        # no gain at all, 20 data sets x 10 trials: the data exclude a gain of 0.01
        assert decide(eff["other"][kind], Claim(0.01)).outcome == NOT
    # with the trial component the model pairs the methods of a trial, as the bootstrap does:
    # intervals of similar width (without it, the trial noise would widen it about 2.5x)
    w = {k: eff["smooth"][k].hi - eff["smooth"][k].lo for k in ("bootstrap", "mixed")}
    assert 0.5 < w["mixed"] / w["bootstrap"] < 2.0
    assert "(1 | data set:trial)" in eff["smooth"]["mixed"].method


def test_mixed_effect_needs_two_data_sets():
    s = _gain_scores(0.03, n_ds=1)
    assert ranking.mixed_effect(s, "smooth", "standard") is None
    assert ranking.method_effects(s, "standard")["smooth"]["bootstrap"].n == 1


def test_leave_one_out_finds_the_data_set_that_carries_an_effect():
    # no gain anywhere but one data set where 'smooth' is far better: the full-data mean is
    # positive, and leaving that data set out takes the effect to about zero
    s = _gain_scores(0.0, n_ds=10, trials=6)
    s.loc[(s.dataset == "d3") & (s.method == "smooth"), "r2"] += 1.0
    loo = ranking.leave_one_out(s, baseline="standard")
    assert set(loo.method) == {"smooth", "other"} and len(loo) == 20 and (loo.n == 9).all()
    sm = loo[loo.method == "smooth"].set_index("left_out")
    full = ranking.method_effects(s, baseline="standard")["smooth"]["bootstrap"].estimate
    assert abs(full - 0.1) < 0.02
    assert abs(sm.loc["d3", "estimate"]) < 0.02  # without d3 the gain is gone
    assert (sm.drop("d3").estimate > 0.09).all()  # without any other data set it stays
    assert sm.loc["d3", "lo"] < 0 < sm.loc["d3", "hi"]
    e = sm.loc["d3", "effect"]
    assert (e.estimate, e.lo, e.hi, e.n, e.unit) == (sm.loc["d3", "estimate"], sm.loc["d3", "lo"], sm.loc["d3", "hi"], 9, "data set")
