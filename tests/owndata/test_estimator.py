"""DistilledRegressor: scikit-learn use (cross_val_score, GridSearchCV, DataFrames with text
columns), the one-standard-error rule, function sets, non-negative targets, finite formulas."""
import math

import numpy as np
import pandas as pd
import pytest
import sympy
from sklearn.model_selection import GridSearchCV, cross_val_score

from distillkit import DistilledRegressor
from distillkit.owndata._estimator import one_se_choice
from distillkit.owndata._formulas import box_sample, front_of

SMALL = dict(lams=(0.0, 0.1), cv=2, budget=1500, population_size=40, teacher_steps=100, hidden_layer_sizes=(16,),
             device="cpu")


def _xy(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 2, (n, 2))
    return X, 1.5 * X[:, 0] + np.exp(X[:, 1]) + rng.normal(0, 0.05, n)


def test_cross_val_score_and_grid_search():
    X, y = _xy()
    scores = cross_val_score(DistilledRegressor(**SMALL), X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.5)
    grid = GridSearchCV(DistilledRegressor(**SMALL), {"tolerance": [0.0, 0.05]}, cv=2).fit(X, y)
    assert grid.best_params_["tolerance"] in (0.0, 0.05) and grid.score(X, y) > 0.5


def test_attributes_and_rule():
    X, y = _xy()
    est = DistilledRegressor(**SMALL).fit(X, y)
    res = est.cv_results_
    assert list(res.route) == ["direct", "distilled", "distilled"] and res.chosen.sum() == 1
    assert est.route_ in ("direct", "distilled") and (est.lam_ is None) == (est.route_ == "direct")
    assert isinstance(est.formula_, sympy.Expr) and est.latex().startswith(r"\max")  # y > 0: max(0, ·)
    assert est.teacher_ is not None and est.student_ is not None and est.pareto_front_.chosen.sum() == 1
    # one-standard-error rule, recomputed from the table
    best = res.mean_r2.idxmax()
    ok = res[res.mean_r2 >= res.mean_r2[best] - res.se_r2[best]]
    want = "direct" if (ok.route == "direct").any() else "distilled"
    assert est.route_ == want
    np.testing.assert_allclose(est.predict(X), est.predict(X[::-1])[::-1])
    assert math.isclose(est.score(X, y), 1 - np.sum((y - est.predict(X)) ** 2) / np.sum((y - y.mean()) ** 2))


def test_one_se_rule_prefers_direct_then_short_formulas():
    t = pd.DataFrame({"route": ["direct", "distilled", "distilled"], "lam": [np.nan, 0.0, 0.1],
                      "mean_r2": [0.82, 0.84, 0.83], "se_r2": [0.01, 0.03, 0.02], "mean_complexity": [9, 12, 7]})
    assert one_se_choice(t) == 0                       # direct within one se of the best: direct
    t.loc[0, "mean_r2"] = 0.70
    assert one_se_choice(t) == 2                       # else the shorter formulas
    t.loc[2, "mean_r2"] = 0.60
    assert one_se_choice(t) == 1
    t.loc[1, "mean_r2"] = -np.inf                      # a non-finite candidate never qualifies
    assert one_se_choice(t) == 0


def test_dataframe_with_text_columns_one_hot():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"floor_area": rng.uniform(20, 100, 150), "heating": rng.choice(["gas", "None", "oil"], 150)})
    y = 10 * df.floor_area + 300 * (df.heating == "None") + rng.normal(0, 5, 150)
    est = DistilledRegressor(**dict(SMALL, budget=3000)).fit(df, y)
    assert est.feature_names_out_ == ["floor_area", "heating_None", "heating_gas", "heating_oil"]
    assert est.score(df, y) > 0.9
    # column names literal in LaTeX: escaped underscores, no subscripts
    assert r"\mathrm{floor\_area}" in est.latex() and "_{" not in est.latex()
    # an unseen level sets every indicator of its column to 0 (as formula.py does)
    assert np.isfinite(est.predict(df.assign(heating="coal"))).all()


def test_laws_function_set_writes_exponential_growth():
    rng = np.random.default_rng(3)
    t = rng.uniform(0, 10, 200)
    y = 0.05 * np.exp(0.35 * t)
    est = DistilledRegressor(**dict(SMALL, lams=(), budget=20000)).fit(t[:, None], y)
    assert est.route_ == "direct" and est.formula_.has(sympy.exp)
    t_out = np.array([[11.0], [12.0]])  # a little past the data: a law keeps growing
    np.testing.assert_allclose(est.predict(t_out), 0.05 * np.exp(0.35 * t_out[:, 0]), rtol=0.1)


def test_nonnegative_and_bad_parameters():
    X, y = _xy()
    est = DistilledRegressor(**dict(SMALL, nonnegative=False)).fit(X, y - 5)
    assert not est.nonnegative_ and not isinstance(est.formula_, sympy.Max)
    for bad in (dict(cv=1), dict(tolerance=-1), dict(refine=0.5), dict(student="nn"), dict(nonnegative="x"),
                dict(functions="add,gamma"), dict(lams=(-1.0,)), dict(budget=0)):
        with pytest.raises(ValueError):
            DistilledRegressor(**dict(SMALL, **bad)).fit(X, y)
    with pytest.raises(ValueError, match="n_samples=2"):
        DistilledRegressor(**SMALL).fit(X[:2], y[:2])


def test_finite_check_refuses_members_that_blow_up():
    from distillkit.owndata._formulas import evaluate
    x = sympy.Symbol("x")

    class Fitted:  # a student whose front holds a formula with a pole inside the training range
        pareto_front_ = pd.DataFrame({"formula": [1 / (x - 0.5), x], "complexity": [3, 1]})

    X = np.linspace(0, 1, 11)[:, None]  # the box reaches 0.5 (and the rows nearly do)
    front = front_of(Fitted(), ["x"], X, X[:, 0], box_sample(X, 512, 0), tolerance=0.01)
    pole = front[front.complexity == 3].iloc[0]
    assert not pole.finite or not np.isfinite(evaluate(pole.formula, ["x"], np.array([[0.5]]))).all()
    assert front[front.chosen].iloc[0].formula == x
