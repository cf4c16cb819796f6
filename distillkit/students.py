"""Students distilled from a teacher's predictions, and the baselines trained on the truth.

:class:`SymbolicStudent` wraps gplearn's ``SymbolicRegressor`` with the paper's Table 5
settings. The paper's "Stopping criteria 0.01 (R² score)" has two readings, chosen by
``sr_reading``:

``"literal"``
    R² fitness, evolution stops once the best program reaches R² >= 0.01 on the
    distillation set. That happens in generation 0 or 1 on every data set we tried, so
    the student is essentially the best *random* program of the initial population,
    which is why the same formula (and student R²) recurs across teachers.
``"converged"``
    R² fitness, all ``generations`` run (the stopping value is unreachable).
"""
from __future__ import annotations

import time
import warnings

import numpy as np
import sympy
from gplearn.fitness import make_fitness
from gplearn.genetic import SymbolicRegressor
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor

SR_READINGS = ("literal", "converged")


def _r2(y, y_pred, w):
    """Weighted R² (gplearn fitness signature); 0 for a constant target."""
    y_bar = np.average(y, weights=w)
    ss_tot = np.sum(w * (y - y_bar) ** 2)
    if ss_tot <= 0:
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        ss_res = np.sum(w * (y - y_pred) ** 2)
    r2 = 1.0 - ss_res / ss_tot
    return float(r2) if np.isfinite(r2) else -1e10


# wrap=False keeps it a plain module-level function: picklable, and faster than cloudpickle
r2_fitness = make_fitness(function=_r2, greater_is_better=True, wrap=False)

_SYMPY_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,  # gplearn protects |b| < 0.001 by returning 1; ignored here
    "neg": lambda a: -a,
    "sqrt": lambda a: sympy.sqrt(sympy.Abs(a)),
    "log": lambda a: sympy.log(sympy.Abs(a)),
    "abs": sympy.Abs,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "inv": lambda a: 1 / a,
    "max": sympy.Max,
    "min": sympy.Min,
}


def program_to_sympy(program: str, feature_names=None, simplify: bool = True,
                     max_simplify_nodes: int = 80):
    """Parse a gplearn program string (``add(X0, mul(X1, 0.5))``) into a sympy expression.

    Variables ``X{i}`` become symbols named after ``feature_names[i]`` when given.
    Large programs are only ``expand``-ed: ``simplify`` is slow on bloated trees.
    """
    n_vars = 1 + max((int(t[1:]) for t in _tokens(program) if _is_var(t)), default=-1)
    names = list(feature_names) if feature_names is not None else [f"X{i}" for i in range(n_vars)]
    if len(names) < n_vars:
        raise ValueError(f"program uses X{n_vars - 1} but only {len(names)} feature names given")
    local = dict(_SYMPY_OPS)
    local.update({f"X{i}": sympy.Symbol(_safe(names[i])) for i in range(n_vars)})
    expr = sympy.sympify(program, locals=local, rational=False)
    n_nodes = len(_tokens(program))
    if simplify and n_nodes <= max_simplify_nodes:
        expr = sympy.simplify(expr)
    elif simplify:
        expr = sympy.expand(expr)
    # 4 significant digits for display; gplearn constants carry no more meaning than that
    return expr.xreplace({n: sympy.Float(float(f"{float(n):.4g}")) for n in expr.atoms(sympy.Float)})


def _tokens(program: str) -> list[str]:
    return [t for t in program.replace("(", " ").replace(")", " ").replace(",", " ").split() if t]


def _is_var(token: str) -> bool:
    return token.startswith("X") and token[1:].isdigit()


def _safe(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in str(name))
    return out if out and not out[0].isdigit() else f"x_{out}"


class SymbolicStudent(RegressorMixin, BaseEstimator):
    """gplearn symbolic regression with an R² fitness (paper Table 5 defaults).

    Attributes after ``fit``: ``program_`` (gplearn string), ``complexity_`` (node count),
    ``generations_run_``, ``formula_`` (sympy), ``formula_latex_``, ``fit_seconds_``.
    """

    def __init__(self, population_size=500, generations=30,
                 function_set=("add", "sub", "mul", "div"), sr_reading="literal",
                 stopping_r2=0.01, parsimony_coefficient=0.001, max_samples=1.0,
                 random_state=42, n_jobs=1, feature_names=None):
        self.population_size = population_size
        self.generations = generations
        self.function_set = function_set
        self.sr_reading = sr_reading
        self.stopping_r2 = stopping_r2
        self.parsimony_coefficient = parsimony_coefficient
        self.max_samples = max_samples
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.feature_names = feature_names

    def _regressor(self) -> SymbolicRegressor:
        if self.sr_reading not in SR_READINGS:
            raise ValueError(f"sr_reading must be one of {SR_READINGS}, got {self.sr_reading!r}")
        stop = self.stopping_r2 if self.sr_reading == "literal" else np.inf
        return SymbolicRegressor(
            population_size=self.population_size, generations=self.generations,
            function_set=tuple(self.function_set), metric=r2_fitness, stopping_criteria=stop,
            parsimony_coefficient=self.parsimony_coefficient, max_samples=self.max_samples,
            random_state=self.random_state, n_jobs=self.n_jobs)

    def fit(self, X, y):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if not (np.isfinite(X).all() and np.isfinite(y).all()):
            raise ValueError("SymbolicStudent.fit: X and y must be finite")
        t0 = time.perf_counter()
        self.regressor_ = self._regressor()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow inside random programs
            self.regressor_.fit(X, y)
        self.fit_seconds_ = time.perf_counter() - t0
        self.program_ = str(self.regressor_._program)
        self.complexity_ = int(self.regressor_._program.length_)
        self.generations_run_ = len(self.regressor_.run_details_["generation"])
        self.n_features_in_ = X.shape[1]
        return self

    @property
    def formula_(self):
        if not hasattr(self, "_formula"):
            self._formula = program_to_sympy(self.program_, self.feature_names)
        return self._formula

    @property
    def formula_latex_(self) -> str:
        return sympy.latex(self.formula_)

    def predict(self, X) -> np.ndarray:
        if not hasattr(self, "regressor_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("SymbolicStudent is not fitted yet")
        with np.errstate(all="ignore"):
            return self.regressor_.predict(np.asarray(X, dtype=np.float64))


class TreeStudent(RegressorMixin, BaseEstimator):
    """Decision tree with at most ``max_leaf_nodes`` leaves (paper Table 3: 32)."""

    def __init__(self, max_leaf_nodes=32, random_state=0):
        self.max_leaf_nodes = max_leaf_nodes
        self.random_state = random_state

    def fit(self, X, y):
        self.tree_ = DecisionTreeRegressor(max_leaf_nodes=self.max_leaf_nodes,
                                           random_state=self.random_state).fit(X, y)
        self.n_leaves_ = int(self.tree_.get_n_leaves())
        return self

    def predict(self, X):
        return self.tree_.predict(X)


def xgboost_baseline(random_state=0, n_jobs=1):
    """XGBoost with library defaults (the paper names no settings)."""
    from xgboost import XGBRegressor
    return XGBRegressor(random_state=random_state, n_jobs=n_jobs)


def linear_baseline():
    return LinearRegression()


__all__ = ["SR_READINGS", "SymbolicStudent", "TreeStudent", "program_to_sympy", "r2_fitness",
           "xgboost_baseline", "linear_baseline"]
