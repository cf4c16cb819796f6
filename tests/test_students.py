import numpy as np
import pytest
import sympy
from sklearn.base import clone

from distillkit.students import SymbolicStudent, TreeStudent, _r2, program_to_sympy


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
    with pytest.raises(ValueError, match="finite"):
        SymbolicStudent().fit(X, y)


def test_tree_student_respects_leaf_budget():
    X, y = _data()
    t = TreeStudent(max_leaf_nodes=32).fit(X, y)
    assert t.n_leaves_ <= 32 and t.score(X, y) > 0.8
