"""Students distilled from a teacher's predictions, and the baselines trained on the truth.

:class:`SymbolicStudent` wraps gplearn's ``SymbolicRegressor`` with the paper's Table 5
settings; :class:`OperonStudent` wraps pyoperon's (a stronger symbolic regressor, with
constants fitted by Levenberg-Marquardt; not in the paper). Both report ``complexity_`` as
the node count of the expression tree they evaluate (functions, variables and constants,
one node each). The paper's "Stopping criteria 0.01 (R² score)" has two readings, chosen by
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

import functools
import numbers
import time
import warnings

import numpy as np
import pandas as pd
import sympy
from gplearn.fitness import make_fitness
from gplearn.functions import make_function
from gplearn.genetic import SymbolicRegressor
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.validation import check_is_fitted, validate_data

from distillkit.symbolic.programs import program_tokens
from distillkit.vocab import SR_READINGS, STUDENTS
#: bumped when a student's implementation changes its results (part of the sweep cache key)
STUDENT_VERSIONS = {"operon": 2}  # 2: the subsample spans every input's range


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


def program_to_sympy(program: str, feature_names=None, simplify: bool = True,
                     max_simplify_nodes: int = 80, digits: int | None = 4):
    """Parse a gplearn program string (``add(X0, mul(X1, 0.5))``) into a sympy expression.

    Variables ``X{i}`` become symbols named after ``feature_names[i]`` when given.
    Large programs are only ``expand``-ed: ``simplify`` is slow on bloated trees.
    """
    n_vars = 1 + max((int(t[1:]) for t in program_tokens(program) if _is_var(t)), default=-1)
    names = list(feature_names) if feature_names is not None else [f"X{i}" for i in range(n_vars)]
    if len(names) < n_vars:
        raise ValueError(f"program uses X{n_vars - 1} but only {len(names)} feature names given")
    local = dict(SYMPY_OPS)
    local.update({f"X{i}": sympy.Symbol(safe_symbol_name(names[i])) for i in range(n_vars)})
    expr = sympy.sympify(program, locals=local, rational=False)
    n_nodes = len(program_tokens(program))
    if simplify and n_nodes <= max_simplify_nodes:
        expr = sympy.simplify(expr)
    elif simplify:
        expr = sympy.expand(expr)
    # 4 significant digits for display (digits=None: full precision, for scoring)
    return expr if digits is None else round_floats(expr, digits)


def _is_var(token: str) -> bool:
    return token.startswith("X") and token[1:].isdigit()


def safe_symbol_name(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in str(name))
    return out if out and not out[0].isdigit() else f"x_{out}"


# ---------------------------------------------------------------------------
# parameter checks (at fit, the scikit-learn way: __init__ only stores)
# ---------------------------------------------------------------------------
def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_positive_int(owner: str, name: str, value) -> None:
    if not _is_int(value) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def _check_function_set(owner: str, function_set) -> None:
    if isinstance(function_set, str) or not all(isinstance(f, str) for f in _iter(function_set)) \
            or not len(function_set):
        raise ValueError(f"{owner}: function_set must be a non-empty tuple of function names "
                         f"such as ('add', 'sub'), got {function_set!r}")


def _iter(value):
    try:
        return list(value)
    except TypeError:
        return [None]  # not iterable: fails the str test


def _symbols(owner: str, feature_names, d: int) -> list[str]:
    """The sympy symbol names of ``d`` inputs: ``feature_names`` made safe, else X0, X1, ..."""
    if feature_names is None:
        return [f"X{i}" for i in range(d)]
    if isinstance(feature_names, str):
        raise ValueError(f"{owner}: feature_names must be a list of names, got the string {feature_names!r}")
    names = list(feature_names)
    if len(names) != d:
        raise ValueError(f"{owner}: {len(names)} feature names for {d} columns")
    safe = [safe_symbol_name(n) for n in names]
    if len(set(safe)) != d:
        raise ValueError(f"{owner}: feature names {names} are not distinct as symbols")
    return safe


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
            _check_positive_int("SymbolicStudent", name, getattr(self, name))
        _check_function_set("SymbolicStudent", self.function_set)
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
        _symbols("SymbolicStudent", self.feature_names, X.shape[1])
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
        return sympy.latex(self.formula_)

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "regressor_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        with np.errstate(all="ignore"):
            return self.regressor_.predict(X)


class TreeStudent(RegressorMixin, BaseEstimator):
    """Decision tree with at most ``max_leaf_nodes`` leaves (paper Table 3: 32)."""

    def __init__(self, max_leaf_nodes=32, random_state=0):
        self.max_leaf_nodes = max_leaf_nodes
        self.random_state = random_state

    def fit(self, X, y):
        X, y = validate_data(self, X, y, y_numeric=True)
        self.tree_ = DecisionTreeRegressor(max_leaf_nodes=self.max_leaf_nodes,
                                           random_state=self.random_state).fit(X, y)
        self.n_leaves_ = int(self.tree_.get_n_leaves())
        return self

    def predict(self, X):
        check_is_fitted(self, "tree_")
        return self.tree_.predict(validate_data(self, X, reset=False))


def xgboost_baseline(random_state=0, n_jobs=1):
    """XGBoost with library defaults (the paper names no settings)."""
    from xgboost import XGBRegressor
    return XGBRegressor(random_state=random_state, n_jobs=n_jobs)


def linear_baseline():
    return LinearRegression()



# ---------------------------------------------------------------------------
# Operon
# ---------------------------------------------------------------------------
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


def round_floats(expr, digits: int = 4):
    """``expr`` with every float shown to ``digits`` significant digits (display only)."""
    return expr.xreplace({n: sympy.Float(float(f"{float(n):.{digits}g}"))
                          for n in expr.atoms(sympy.Float)})


def _nodes(expr) -> int:
    return sum(1 for _ in sympy.preorder_traversal(expr))


def pareto_front(points: pd.DataFrame, accuracy: str = "r2", size: str = "complexity") -> pd.DataFrame:
    """Rows of ``points`` not dominated in (higher ``accuracy``, lower ``size``), by size."""
    pts = points.sort_values([size, accuracy], ascending=[True, False], kind="stable")
    best, keep = -np.inf, []
    for idx, acc in zip(pts.index, pts[accuracy]):
        if acc > best:
            keep.append(idx)
            best = acc
    return pts.loc[keep].reset_index(drop=True)


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
        _check_function_set("OperonStudent", self.function_set)
        for name in ("max_evaluations", "population_size", "max_length", "max_rows"):
            _check_positive_int("OperonStudent", name, getattr(self, name))
        t = self.tolerance
        if not isinstance(t, numbers.Real) or isinstance(t, bool) or not 0 <= t < 1:
            raise ValueError(f"OperonStudent: tolerance must be in [0, 1), got {t!r}")
        it = self.optimizer_iterations
        if not _is_int(it) or it < 1:
            raise ValueError(f"OperonStudent: optimizer_iterations must be an integer >= 1 "
                             f"(0 turns constant fitting off), got {it!r}")
        if not _is_int(self.random_state):
            raise ValueError(f"OperonStudent: random_state must be an integer (Operon's seed), "
                             f"got {self.random_state!r}")

    def _names(self, d: int) -> list[str]:
        return _symbols("OperonStudent", self.feature_names, d)

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
        return sympy.latex(round_floats(self.formula_))

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


#: named function sets per student: the same operations in each library's spelling.
#: "laws" (the default for your own data) adds exp, log and sqrt, which write growth, decay and
#: power laws; gplearn's are protected (exp clipped to exp(±100), log|x| and sqrt|x|), Operon's
#: log and sqrt act on |x| and its exp is plain, so callers check a formula for finite output
FUNCTION_SETS = {
    "arithmetic": {"gplearn": ("add", "sub", "mul", "div"), "operon": OPERON_FUNCTIONS},
    "laws": {"gplearn": ("add", "sub", "mul", "div", "exp", "log", "sqrt"),
             "operon": OPERON_FUNCTIONS + ("exp", "logabs", "sqrtabs")},
}
#: a generic function name in each student's spelling (``None``: the student lacks it)
_FUNCTION_NAMES = {"add": ("add", "add"), "sub": ("sub", "sub"), "mul": ("mul", "mul"),
                   "div": ("div", "aq"), "exp": ("exp", "exp"), "log": ("log", "logabs"),
                   "sqrt": ("sqrt", "sqrtabs"), "sin": ("sin", "sin"), "cos": ("cos", "cos"),
                   "abs": ("abs", "abs"), "tanh": (None, "tanh"), "neg": ("neg", None),
                   "inv": ("inv", None), "max": ("max", None), "min": ("min", None),
                   "square": (None, "square"), "cbrt": (None, "cbrt")}


def function_set(student: str, functions="laws") -> tuple[str, ...]:
    """The ``function_set`` of ``student`` for ``functions``: a name of :data:`FUNCTION_SETS`,
    or generic names (a comma-separated string or a sequence, e.g. ``"add,mul,exp"``; ``div``,
    ``log`` and ``sqrt`` map to Operon's protected ``aq``, ``logabs`` and ``sqrtabs``)."""
    if student not in STUDENTS:
        raise ValueError(f"student must be one of {STUDENTS}, got {student!r}")
    if isinstance(functions, str) and functions in FUNCTION_SETS:
        return tuple(FUNCTION_SETS[functions][student])
    names = [f.strip() for f in (functions.split(",") if isinstance(functions, str) else functions)]
    bad = [f for f in names if _FUNCTION_NAMES.get(f, (None, None))[STUDENTS.index(student)] is None]
    if bad or not names:
        known = sorted(f for f, v in _FUNCTION_NAMES.items() if v[STUDENTS.index(student)])
        raise ValueError(f"functions: {', '.join(bad) or 'none given'} unknown to {student}; give one of "
                         f"{sorted(FUNCTION_SETS)} or names from {', '.join(known)}")
    return tuple(dict.fromkeys(_FUNCTION_NAMES[f][STUDENTS.index(student)] for f in names))


def make_student(student: str, **params):
    """The student called ``student`` ("gplearn" or "operon") with ``params``."""
    if student not in STUDENTS:
        raise ValueError(f"student must be one of {STUDENTS}, got {student!r}")
    return (SymbolicStudent if student == "gplearn" else OperonStudent)(**params)


__all__ = ["SR_READINGS", "STUDENTS", "FUNCTION_SETS", "function_set", "SymbolicStudent", "OperonStudent", "TreeStudent", "make_student",
           "spanning_subsample",
           "pareto_front", "program_to_sympy", "operon_to_sympy", "round_floats", "r2_fitness",
           "xgboost_baseline", "linear_baseline", "SYMPY_OPS", "program_tokens", "safe_symbol_name",
           "STUDENT_VERSIONS"]
