"""gplearn students: the paper's :class:`SymbolicStudent` and gplearn programs as sympy."""
from __future__ import annotations

import numbers
import time
import warnings

import numpy as np
import sympy
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from distillkit.symbolic._prove import OutOfWork, bounded
from distillkit.symbolic.latex import formula_latex
from distillkit.symbolic.programs import program_tokens
from distillkit.vocab import SR_READINGS
from distillkit.students._common import (check_function_set, check_positive_int, feature_symbols,
                                         round_floats, safe_symbol_name)

from gplearn.fitness import make_fitness
from gplearn.functions import make_function
from gplearn.genetic import SymbolicRegressor


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


def _protected_exp(x):
    """exp, clipped so that no program overflows (the formula reads plain exp)."""
    with np.errstate(over="ignore"):
        return np.exp(np.clip(x, -100.0, 100.0))


#: functions gplearn lacks, by name (for the ground-truth laws); module-level, so picklable
GPLEARN_EXTRA = {"exp": make_function(function=_protected_exp, name="exp", arity=1, wrap=False)}


SYMPY_OPS = {
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
    "exp": sympy.exp,
    "inv": lambda a: 1 / a,
    "max": sympy.Max,
    "min": sympy.Min,
}


#: Python calls one simplification step of :func:`program_to_sympy` may take
SIMPLIFY_CALLS = 2_000_000


def program_to_sympy(program: str, feature_names=None, simplify: bool = True,
                     max_simplify_nodes: int = 80, digits: int | None = 4):
    """Parse a gplearn program string (``add(X0, mul(X1, 0.5))``) into a sympy expression.

    Variables ``X{i}`` become symbols named after ``feature_names[i]`` when given.
    Large programs are only ``expand``-ed: ``simplify`` is slow on bloated trees. Each step is
    bounded by :data:`SIMPLIFY_CALLS` Python calls (counted as the solution check counts them,
    so the outcome does not depend on the machine's load): past it, ``simplify`` falls back to
    ``expand`` and ``expand`` to the parsed expression (sympy's simplify once ran for hours on
    one gplearn program of the evidence grid).
    """
    n_vars = 1 + max((int(t[1:]) for t in program_tokens(program) if _is_var(t)), default=-1)
    names = list(feature_names) if feature_names is not None else [f"X{i}" for i in range(n_vars)]
    if len(names) < n_vars:
        raise ValueError(f"program uses X{n_vars - 1} but only {len(names)} feature names given")
    local = dict(SYMPY_OPS)
    local.update({f"X{i}": sympy.Symbol(safe_symbol_name(names[i])) for i in range(n_vars)})
    expr = sympy.sympify(program, locals=local, rational=False)
    n_nodes = len(program_tokens(program))
    if simplify:  # bounded by work, not time: past SIMPLIFY_CALLS the next simpler form is kept
        steps = ((sympy.simplify, sympy.expand) if n_nodes <= max_simplify_nodes else (sympy.expand,))
        for step in steps:
            try:
                expr = bounded(step, expr, calls=SIMPLIFY_CALLS)
                break
            except OutOfWork:
                continue
    # 4 significant digits for display (digits=None: full precision, for scoring)
    return expr if digits is None else round_floats(expr, digits)


def _is_var(token: str) -> bool:
    return token.startswith("X") and token[1:].isdigit()



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

    def _check_params(self) -> None:
        if self.sr_reading not in SR_READINGS:
            raise ValueError(f"sr_reading must be one of {SR_READINGS}, got {self.sr_reading!r}")
        for name in ("population_size", "generations"):
            check_positive_int("SymbolicStudent", name, getattr(self, name))
        check_function_set("SymbolicStudent", self.function_set)
        if not isinstance(self.stopping_r2, numbers.Real) or isinstance(self.stopping_r2, bool):
            raise ValueError(f"SymbolicStudent: stopping_r2 must be a number, got {self.stopping_r2!r}")
        p = self.parsimony_coefficient
        if p != "auto" and (not isinstance(p, numbers.Real) or isinstance(p, bool) or not p >= 0):
            raise ValueError(f"SymbolicStudent: parsimony_coefficient must be a number >= 0 or 'auto', got {p!r}")
        m = self.max_samples
        if not isinstance(m, numbers.Real) or isinstance(m, bool) or not 0 < m <= 1:
            raise ValueError(f"SymbolicStudent: max_samples must be in (0, 1], got {m!r}")

    def _regressor(self) -> SymbolicRegressor:
        self._check_params()
        stop = self.stopping_r2 if self.sr_reading == "literal" else np.inf
        return SymbolicRegressor(
            population_size=self.population_size, generations=self.generations,
            function_set=tuple(GPLEARN_EXTRA.get(f, f) for f in self.function_set),
            metric=r2_fitness, stopping_criteria=stop,
            parsimony_coefficient=self.parsimony_coefficient, max_samples=self.max_samples,
            random_state=self.random_state, n_jobs=self.n_jobs)

    def fit(self, X, y):
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        feature_symbols("SymbolicStudent", self.feature_names, X.shape[1])
        t0 = time.perf_counter()
        self.regressor_ = self._regressor()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow inside random programs
            self.regressor_.fit(X, y)
        self.fit_seconds_ = time.perf_counter() - t0
        self.program_ = str(self.regressor_._program)
        self.complexity_ = int(self.regressor_._program.length_)
        self.generations_run_ = len(self.regressor_.run_details_["generation"])
        return self

    @property
    def formula_(self):
        if not hasattr(self, "_formula"):
            self._formula = program_to_sympy(self.program_, self.feature_names)
        return self._formula

    @property
    def formula_latex_(self) -> str:
        return formula_latex(self.formula_)

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "regressor_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        with np.errstate(all="ignore"):
            return self.regressor_.predict(X)


r2_fitness = make_fitness(function=_r2, greater_is_better=True, wrap=False)
