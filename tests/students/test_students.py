import numpy as np
import pytest
import sympy
from sklearn.base import clone

from distillkit.students import SymbolicStudent, TreeStudent, program_to_sympy
from distillkit.students._gplearn import _r2


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, 2 * X[:, 0] - X[:, 1] + 0.01 * rng.normal(size=n)


def test_r2_fitness_matches_sklearn_and_handles_constant_target():
    from sklearn.metrics import r2_score
    y, p = np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0])
    assert _r2(y, p, np.ones(3)) == pytest.approx(r2_score(y, p))
    assert _r2(np.ones(3), p, np.ones(3)) == 0.0


def test_literal_reading_stops_early_and_converged_runs_all_generations():
    X, y = _data()
    lit = SymbolicStudent(population_size=100, generations=8, sr_reading="literal").fit(X, y)
    conv = SymbolicStudent(population_size=100, generations=8, sr_reading="converged").fit(X, y)
    assert lit.generations_run_ < 8
    assert conv.generations_run_ == 8
    assert conv.score(X, y) >= lit.score(X, y) - 1e-9
    assert conv.score(X, y) > 0.6  # a linear target is easy for 8 generations


def test_formula_is_sympy_with_feature_names_and_latex():
    X, y = _data()
    s = SymbolicStudent(population_size=100, generations=5, sr_reading="converged",
                        feature_names=["a", "b", "c"]).fit(X, y)
    assert isinstance(s.formula_, sympy.Expr)
    assert s.formula_.free_symbols <= {sympy.Symbol(n) for n in "abc"}
    assert isinstance(s.formula_latex_, str) and s.formula_latex_
    assert s.complexity_ >= 1


def test_program_to_sympy_simplifies_and_evaluates_like_gplearn():
    expr = program_to_sympy("sub(X0, add(mul(0.5, X1), mul(0.2, X1)))")
    x0, x1 = sympy.symbols("X0 X1")
    assert sympy.simplify(expr - (x0 - 0.7 * x1)) == 0
    with pytest.raises(ValueError, match="feature names"):
        program_to_sympy("add(X0, X3)", feature_names=["a"])


def test_student_is_deterministic_and_clonable():
    X, y = _data()
    a = SymbolicStudent(population_size=50, generations=3, sr_reading="converged", random_state=7)
    b = clone(a)
    assert a.fit(X, y).program_ == b.fit(X, y).program_


def test_bad_reading_and_nan_are_rejected():
    X, y = _data()
    with pytest.raises(ValueError, match="sr_reading"):
        SymbolicStudent(sr_reading="nope").fit(X, y)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SymbolicStudent().fit(X, y)


def test_tree_student_respects_leaf_budget():
    X, y = _data()
    t = TreeStudent(max_leaf_nodes=32).fit(X, y)
    assert t.n_leaves_ <= 32 and t.score(X, y) > 0.8


# --------------------------------------------------------------------------- Operon
from distillkit.students import OperonStudent, make_student, operon_to_sympy, pareto_front

SMALL = dict(max_evaluations=4000, population_size=100)


def _operon_data(n=400, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 3))
    y = X[:, 0] * X[:, 1] + 0.5 * X[:, 2]
    return X.astype(dtype), y.astype(dtype)


def test_operon_learns_from_float32_input():
    # pyoperon 0.6.2 itself returns garbage (R² ~ -5e11) for float32: the student converts
    X, y = _operon_data(dtype=np.float32)
    st = OperonStudent(**SMALL, random_state=0).fit(X, y)
    assert st.score(X, y) > 0.9
    assert st.score(X.astype(np.float64), y) == pytest.approx(st.score(X, y), abs=1e-6)


def test_operon_formula_evaluates_to_the_predictions():
    X, y = _operon_data()
    Xt, _ = _operon_data(seed=1)
    st = OperonStudent(**SMALL, random_state=1, feature_names=["a", "b c", "1x"]).fit(X, y)
    symbols = [sympy.Symbol(n) for n in st.symbols_]
    assert {s.name for s in st.formula_.free_symbols} <= set(st.symbols_)
    from_formula = sympy.lambdify(symbols, st.formula_, "numpy")(*Xt.T)
    pred = st.predict(Xt)
    np.testing.assert_allclose(np.broadcast_to(from_formula, pred.shape), pred, rtol=1e-6, atol=1e-9)
    # Operon's own float32 evaluation agrees to float32 accuracy
    own = st.regressor_.predict(Xt)
    assert np.max(np.abs(own - pred)) < 1e-4 * (np.abs(pred).max() + 1)
    assert "b_c" in st.formula_latex_ or "b c" not in st.formula_latex_


def test_operon_fits_constants_and_has_no_unprotected_division():
    with pytest.raises(ValueError, match="unprotected"):
        OperonStudent(function_set=("add", "div")).fit(*_operon_data())
    with pytest.raises(ValueError, match="constant fitting"):
        OperonStudent(optimizer_iterations=0).fit(*_operon_data())
    # the analytic quotient stays finite where a plain quotient's denominator crosses zero
    X, y = _operon_data()
    st = OperonStudent(**SMALL, function_set=("add", "sub", "mul", "aq"), random_state=2).fit(X, y)
    grid = np.linspace(-50, 50, 201)
    assert np.isfinite(st.predict(np.column_stack([grid, grid, -grid]))).all()


def test_operon_is_deterministic_and_random_state_matters():
    X, y = _operon_data()
    a = OperonStudent(**SMALL, random_state=3).fit(X, y).program_
    b = OperonStudent(**SMALL, random_state=3).fit(X, y).program_
    c = OperonStudent(**SMALL, random_state=4).fit(X, y).program_
    assert a == b
    assert a != c


def test_operon_subsamples_large_data_and_pickles():
    import pickle
    X, y = _operon_data(n=900)
    st = OperonStudent(**SMALL, max_rows=300, random_state=5).fit(X, y)
    assert st.score(X, y) > 0.8
    back = pickle.loads(pickle.dumps(st))
    np.testing.assert_array_equal(back.predict(X), st.predict(X))


def test_operon_pareto_front_is_non_dominated_and_consistent():
    X, y = _operon_data()
    st = OperonStudent(**SMALL, random_state=6).fit(X, y)
    front = st.pareto_front_
    assert list(front.columns[:3]) == ["formula", "complexity", "r2"]
    assert front.complexity.is_monotonic_increasing and front.r2.is_monotonic_increasing
    assert len(front) >= 2
    # each member's formula reproduces its R² on the fit data
    symbols = [sympy.Symbol(n) for n in st.symbols_]
    for expr, r2 in zip(front.formula, front.r2):
        pred = np.broadcast_to(sympy.lambdify(symbols, expr, "numpy")(*X.T), y.shape)
        assert 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2) == pytest.approx(r2, abs=1e-4)


def test_pareto_front_helper():
    import pandas as pd
    pts = pd.DataFrame({"complexity": [5, 3, 7, 3, 9], "r2": [0.5, 0.4, 0.45, 0.2, 0.9]})
    front = pareto_front(pts)
    assert front.complexity.tolist() == [3, 5, 9]
    assert front.r2.tolist() == [0.4, 0.5, 0.9]


def test_operon_to_sympy_reads_the_protected_forms():
    expr = operon_to_sympy("(a / (sqrt(1 + b ^ 2))) + sqrt(abs(a)) + log(abs(b))", ["a", "b"])
    a, b = sympy.symbols("a b")
    assert sympy.simplify(expr - (a / sympy.sqrt(1 + b**2) + sympy.sqrt(sympy.Abs(a))
                                  + sympy.log(sympy.Abs(b)))) == 0


def test_make_student_rejects_unknown_names():
    assert isinstance(make_student("operon"), OperonStudent)
    assert isinstance(make_student("gplearn"), SymbolicStudent)
    with pytest.raises(ValueError, match="student must be one of"):
        make_student("pysr")
    assert clone(OperonStudent(max_rows=7)).max_rows == 7


def test_operon_tolerance_picks_the_simplest_front_member_within_it():
    X, y = _operon_data()
    best = OperonStudent(**SMALL, random_state=7).fit(X, y)
    simple = OperonStudent(**SMALL, random_state=7, tolerance=0.05).fit(X, y)
    front = simple.pareto_front_
    pick = front[front.chosen].iloc[0]
    assert pick.complexity == front[front.r2 >= front.r2.max() - 0.05].complexity.min()
    assert simple.complexity_ == pick.complexity <= best.complexity_
    assert simple.score(X, y) >= front.r2.max() - 0.05 - 1e-6
    with pytest.raises(ValueError, match="tolerance"):
        OperonStudent(tolerance=1.5).fit(X, y)


def test_spanning_subsample_keeps_every_inputs_extremes():
    from distillkit.students import spanning_subsample
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 4))
    X[123, 2] = 100.0  # one far outlier, as California's AveOccup
    rows = spanning_subsample(X, 300, seed=1)
    assert len(rows) == len(set(rows)) == 300 and np.all(np.diff(rows) > 0)
    assert 123 in rows
    for j in range(4):
        assert X[rows, j].min() == X[:, j].min() and X[rows, j].max() == X[:, j].max()
    np.testing.assert_array_equal(rows, spanning_subsample(X, 300, seed=1))


# ---------------------------------------------------------------------------
# validation, the scikit-learn way (tests/test_estimator_checks.py runs sklearn's own checks)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("params, match", [
    ({"population_size": 0}, "population_size must be a positive integer"),
    ({"generations": 2.5}, "generations must be a positive integer"),
    ({"max_samples": 0}, r"max_samples must be in \(0, 1\]"),
    ({"max_samples": 1.5}, r"max_samples must be in \(0, 1\]"),
    ({"parsimony_coefficient": -0.1}, "parsimony_coefficient must be a number >= 0"),
    ({"stopping_r2": "0.01"}, "stopping_r2 must be a number"),
    ({"function_set": "add"}, "function_set must be a non-empty tuple"),
    ({"function_set": ()}, "function_set must be a non-empty tuple"),
    ({"feature_names": ["a", "b"]}, "2 feature names for 3 columns"),
    ({"feature_names": ["a b", "a_b", "c"]}, "not distinct as symbols"),
])
def test_symbolic_student_names_a_bad_parameter(params, match):
    X, y = _data(n=30)
    with pytest.raises(ValueError, match=match):
        SymbolicStudent(**{"population_size": 20, "generations": 1, **params}).fit(X, y)


@pytest.mark.parametrize("params, match", [
    ({"max_evaluations": 0}, "max_evaluations must be a positive integer"),
    ({"optimizer_iterations": 0.5}, "optimizer_iterations must be an integer >= 1"),
    ({"random_state": None}, "random_state must be an integer"),
    ({"function_set": ()}, "function_set must be a non-empty tuple"),
    ({"tolerance": 1}, r"tolerance must be in \[0, 1\)"),
])
def test_operon_student_names_a_bad_parameter(params, match):
    X, y = _data(n=30)
    with pytest.raises(ValueError, match=match):
        OperonStudent(**{**SMALL, **params}).fit(X, y)


@pytest.mark.parametrize("make", [
    lambda: SymbolicStudent(population_size=20, generations=1),
    lambda: OperonStudent(**SMALL),
    lambda: TreeStudent(max_leaf_nodes=4),
], ids=["gplearn", "operon", "tree"])
def test_students_refuse_bad_input_with_sklearns_errors(make):
    from sklearn.exceptions import NotFittedError
    X, y = _data(n=40)
    with pytest.raises(NotFittedError):
        make().predict(X)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        make().fit(X, y[:-1])
    st = make().fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3 features"):
        st.predict(X[:, :2])
    with pytest.raises(ValueError, match="Reshape your data"):
        st.predict(X[0])
    if not isinstance(st, TreeStudent):  # a tree takes NaN (it learns where missing values go)
        bad = X.copy()
        bad[0, 0] = np.inf
        with pytest.raises(ValueError, match="infinity"):
            st.predict(bad)


def test_operon_takes_read_only_input_and_pandas():
    import pandas as pd
    X, y = _operon_data(n=60)
    X.setflags(write=False)
    y.setflags(write=False)  # pyoperon's least-squares step refuses a read-only target
    a = OperonStudent(**SMALL, random_state=0).fit(X, y)
    b = OperonStudent(**SMALL, random_state=0).fit(pd.DataFrame(X), pd.Series(y))
    assert a.program_ == b.program_


@pytest.mark.parametrize("random_state", [1, 3])
def test_operon_budget_below_one_generation_does_not_crash(random_state):
    # the budget runs out before the first offspring are bred; evaluating their empty trees
    # segfaulted pyoperon (a whole pytest run died with it)
    X = np.random.default_rng(0).normal(size=(50, 2))
    st = OperonStudent(max_evaluations=200, population_size=20, random_state=random_state).fit(X, X[:, 0])
    assert len(st.pareto_table_) >= 1 and np.isfinite(st.predict(X)).all()


def test_program_to_sympy_is_bounded_by_work_not_time(monkeypatch):
    # 24 nested sines of an exp: sympy's simplify ran for hours on this program of the
    # evidence grid; past the work bound the parsed form is kept, and small programs still simplify
    import distillkit.students._gplearn as g
    prog = "sin(" * 24 + "exp(sub(-0.648, X0))" + ")" * 24
    expr = program_to_sympy(prog, feature_names=["theta"])
    assert str(expr).startswith("sin(" * 24) and "exp(-theta)" in str(expr)
    monkeypatch.setattr(g, "SIMPLIFY_CALLS", 1000)  # too little work even for simplify of a small one
    assert str(program_to_sympy("sub(X0, add(mul(0.5, X1), mul(0.2, X1)))")) == "X0 - 0.7*X1"  # expand's form
    monkeypatch.setattr(g, "SIMPLIFY_CALLS", 10)  # nothing fits: the parsed expression
    assert str(program_to_sympy("add(X0, mul(X1, 2.0))")) == "X0 + 2.0*X1"  # the parsed form, unsimplified
