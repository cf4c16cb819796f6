"""The Operon student (pyoperon; constants fitted by Levenberg-Marquardt; not in the paper)."""
from __future__ import annotations

import functools
import numbers
import time
import warnings

import numpy as np
import pandas as pd
import sympy
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from distillkit.symbolic.latex import formula_latex
from distillkit.students._common import (check_function_set, check_positive_int, feature_symbols,
                                         is_int, pareto_front, round_floats)


#: Operon's infix names, as sympy; ``aq`` prints as ``a / sqrt(1 + b^2)``, ``sqrtabs`` as
#: ``sqrt(abs(a))`` and ``logabs`` as ``log(abs(a))``, so these cover every protected form
_OPERON_SYMPY = {"sqrt": sympy.sqrt, "abs": sympy.Abs, "log": sympy.log, "exp": sympy.exp,
                 "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "tanh": sympy.tanh,
                 "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan, "cbrt": sympy.cbrt,
                 "pow": sympy.Pow}


#: unprotected Operon primitives that give NaN/inf off their domain: refused
OPERON_UNPROTECTED = ("div", "sqrt", "log", "pow")


OPERON_FUNCTIONS = ("add", "sub", "mul", "aq")


def _float64(X) -> np.ndarray:
    # pyoperon 0.6.2 reads float32 input as garbage (train R² around -5e11): always float64, C order;
    # and writable: its least-squares fit refuses a read-only array (a memmap, a pandas Series' values)
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    return X if X.flags.writeable else X.copy()


def spanning_subsample(X: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Sorted indices of ``n`` rows of ``X``: each column's smallest and largest row, then
    a uniform random draw (from ``seed``) of the rest.

    A formula fitted on a plain random subsample is free to explode on the rows it never
    saw; with every input's extremes in the fit it has to stay sane over the whole training
    range (California's AveOccup reaches ~100 standard deviations in a handful of rows).
    """
    extremes = np.unique(np.concatenate([np.argmin(X, axis=0), np.argmax(X, axis=0)]))[:n]
    rest = np.setdiff1d(np.arange(len(X)), extremes)
    draw = np.random.default_rng(seed).choice(rest, n - len(extremes), replace=False)
    return np.sort(np.concatenate([extremes, draw]))


def operon_to_sympy(infix: str, names) -> sympy.Expr:
    """Parse Operon's infix output (with variables written as ``names``) into sympy."""
    local = dict(_OPERON_SYMPY)
    local.update({n: sympy.Symbol(n) for n in names})
    return sympy.sympify(infix.replace("^", "**"), locals=local, rational=False)


class OperonStudent(RegressorMixin, BaseEstimator):
    """Operon symbolic regression (pyoperon), single objective R², with constant fitting.

    ``max_evaluations`` is the budget (fitness evaluations); fits on more than ``max_rows``
    rows use a subsample of that size (:func:`spanning_subsample`: every input's extreme
    rows plus a random draw from ``random_state``), so the cost does not grow with the data
    set. ``function_set`` must avoid Operon's unprotected
    primitives (:data:`OPERON_UNPROTECTED`) unless ``protected=False``; ``aq`` (analytic
    quotient, ``a/sqrt(1+b²)``) plays the role of division. ``tolerance`` > 0 reports the
    simplest member of the Pareto front whose R² on the fit data is within ``tolerance``
    of the best (0: the most accurate model, Operon's own choice).

    Attributes after ``fit``: ``program_`` (Operon infix, full precision), ``formula_``
    (sympy; evaluates to the same predictions), ``formula_latex_`` (4 significant
    digits), ``complexity_`` (expression-tree nodes, linear scaling included),
    ``pareto_front_`` (DataFrame: formula, complexity, r2 on the fit data, of the final
    population's non-dominated members), ``generations_run_``, ``fit_seconds_``.
    """

    def __init__(self, function_set=OPERON_FUNCTIONS, max_evaluations=40_000, population_size=500,
                 max_length=50, optimizer_iterations=10, max_rows=2000, protected=True,
                 tolerance=0.0, random_state=42, feature_names=None):
        self.function_set = function_set
        self.max_evaluations = max_evaluations
        self.population_size = population_size
        self.max_length = max_length
        self.optimizer_iterations = optimizer_iterations
        self.max_rows = max_rows
        self.protected = protected
        self.tolerance = tolerance
        self.random_state = random_state
        self.feature_names = feature_names

    def _check_params(self):
        bad = [f for f in self.function_set if f in OPERON_UNPROTECTED]
        if bad and self.protected:
            raise ValueError(f"OperonStudent: unprotected primitive(s) {bad} blow up off the "
                             "training range; use aq, sqrtabs, logabs instead (or protected=False "
                             "where every input stays away from the poles)")
        check_function_set("OperonStudent", self.function_set)
        for name in ("max_evaluations", "population_size", "max_length", "max_rows"):
            check_positive_int("OperonStudent", name, getattr(self, name))
        t = self.tolerance
        if not isinstance(t, numbers.Real) or isinstance(t, bool) or not 0 <= t < 1:
            raise ValueError(f"OperonStudent: tolerance must be in [0, 1), got {t!r}")
        it = self.optimizer_iterations
        if not is_int(it) or it < 1:
            raise ValueError(f"OperonStudent: optimizer_iterations must be an integer >= 1 "
                             f"(0 turns constant fitting off), got {it!r}")
        if not is_int(self.random_state):
            raise ValueError(f"OperonStudent: random_state must be an integer (Operon's seed), "
                             f"got {self.random_state!r}")

    def _names(self, d: int) -> list[str]:
        return feature_symbols("OperonStudent", self.feature_names, d)

    def fit(self, X, y):
        from pyoperon.sklearn import SymbolicRegressor as Operon

        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        X, y = _float64(X), _float64(y)
        names = self._names(X.shape[1])
        seed = int(self.random_state) % (2**63)
        if len(y) > self.max_rows:
            rows = spanning_subsample(X, self.max_rows, seed)
            X, y = _float64(X[rows]), _float64(y[rows])
        t0 = time.perf_counter()
        for attr in ("_formula", "_predict_fn"):
            self.__dict__.pop(attr, None)
        self.regressor_ = Operon(
            allowed_symbols=",".join(tuple(self.function_set) + ("constant", "variable")),
            objectives=["r2"], optimizer="lm", optimizer_iterations=int(self.optimizer_iterations),
            max_length=int(self.max_length), population_size=int(self.population_size),
            generations=10**6, max_evaluations=int(self.max_evaluations),
            random_state=seed, n_threads=1).fit(X, y)
        reg = self.regressor_
        self.fit_seconds_ = time.perf_counter() - t0
        self.program_ = reg.get_model_string(reg.model_, 17, names=names)
        self.complexity_ = int(len(reg.model_.Nodes))
        self.generations_run_ = int(reg.stats_["generations"])
        self.symbols_ = names
        self.pareto_table_ = _population_front(reg, X, y, names)
        if self.tolerance > 0:  # the simplest front member within tolerance of the best
            front = self.pareto_table_
            pick = front[front.r2 >= front.r2.max() - self.tolerance].iloc[0]
            self.program_, self.complexity_ = str(pick.program), int(pick.complexity)
            self.pareto_table_ = front.assign(chosen=front.program == pick.program)
        return self

    @property
    def formula_(self):
        if not hasattr(self, "_formula"):
            self._formula = operon_to_sympy(self.program_, self.symbols_)
        return self._formula

    @property
    def formula_latex_(self) -> str:
        return formula_latex(round_floats(self.formula_))

    @property
    def pareto_front_(self) -> pd.DataFrame:
        """Non-dominated members of the final population: (R² on the fit data, complexity).

        Columns ``formula`` (sympy, linear scaling included), ``complexity``, ``r2``,
        ``chosen`` (the member :attr:`formula_` is), ``program`` (Operon infix).
        """
        front = self.pareto_table_.copy()
        front.insert(0, "formula", [operon_to_sympy(p, self.symbols_) for p in front.program])
        return front

    def predict(self, X) -> np.ndarray:
        """The formula evaluated in float64 (Operon itself evaluates in float32)."""
        check_is_fitted(self, "program_")
        X = _float64(validate_data(self, X, reset=False, dtype=np.float64))
        with np.errstate(all="ignore"):
            out = _compiled(self.program_, tuple(self.symbols_))(*X.T)
        return np.broadcast_to(np.asarray(out, dtype=np.float64), (len(X),)).copy()

    def __getstate__(self):  # generated code and the C++ regressor do not pickle; predict needs neither
        return {k: v for k, v in self.__dict__.items() if k not in ("_predict_fn", "_formula", "regressor_")}


@functools.lru_cache(maxsize=256)
def _compiled(program: str, symbols: tuple[str, ...]):
    """Operon's infix ``program`` as a numpy function of ``symbols`` (cached here, so that
    ``predict`` leaves the estimator as it found it)."""
    return sympy.lambdify([sympy.Symbol(n) for n in symbols], operon_to_sympy(program, symbols), "numpy")


def _population_front(reg, X, y, names) -> pd.DataFrame:
    """Pareto front (R², complexity) over Operon's final population and its chosen model.

    Population members get the least-squares scale and offset Operon gives its reported
    model, with their nodes counted the same way.
    """
    ss_tot = float(np.sum((y - y.mean()) ** 2)) or 1.0
    rows, seen = [], set()
    for ind in [None] + list(reg.individuals_):
        tree = reg.model_ if ind is None else ind.Genotype
        if not len(tree.Nodes):  # offspring never bred when the budget ran out; evaluating it segfaults
            continue
        with np.errstate(all="ignore"):
            pred = np.asarray(reg.evaluate_model(tree, X), dtype=np.float64)
        if not np.isfinite(pred).all():
            continue
        scale, offset, extra = 1.0, 0.0, 0
        if ind is not None:
            if np.ptp(pred) > 0:
                scale, offset = np.polyfit(pred, y, 1)
            else:
                scale, offset = 0.0, float(y.mean())
            extra = 2 * (scale != 1) + 2 * (offset != 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # constant members: "no variables"
            infix = reg.get_model_string(tree, 17, names=names)
        if infix in seen:
            continue
        seen.add(infix)
        program = infix if ind is None else f"({float(scale)!r} * ({infix})) + {float(offset)!r}"
        r2 = 1 - float(np.sum((y - (scale * pred + offset)) ** 2)) / ss_tot
        rows.append({"complexity": int(len(tree.Nodes)) + extra, "r2": r2, "chosen": ind is None,
                     "program": program})
    return pareto_front(pd.DataFrame(rows))
