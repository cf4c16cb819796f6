"""Scoring a formula against a known law (SRBench's ground-truth criteria), deterministically.

:func:`score_formula` compares a student's formula, written in the data's own units, with the
generating equation of a ``feynman_<id>`` data set (or any sympy expression):

* **symbolic solution** (``solution``): the student's constants are rounded first (to
  ``digits`` = 3 significant digits, and those with ``|c| < zero_below`` = 1e-4 set to 0,
  as SRBench drops tiny constants) and turned into exact rationals; the formula is a solution
  when ``law - formula`` is a constant or ``formula / law`` a non-zero constant. ``Abs(a)``
  (gplearn's protected sqrt and log) is replaced by ``a`` or ``-a`` where ``a`` keeps one sign
  on 256 inputs drawn from the equation's intervals; inputs are positive symbols (every
  Feynman interval lies in [0, ∞)).

  The decision (:data:`CHECK_RULE`) is numerical first: on 256 fixed inputs from the
  equation's intervals, in 50-digit arithmetic (mpmath), a formula whose difference and ratio
  are both non-constant is *not a solution*, with no simplification at all. A *candidate*
  (difference or ratio constant to 1e-25) is confirmed by sympy, bounded by work (a count
  of Python calls and an expression size, :mod:`distillkit.symbolic._prove`), never by
  seconds. SRBench's other order (simplify with the float constants, then round the
  residual's constants: constants that cancel only before rounding, e.g. in a formula
  brought back from standardized units, or Operon's tiny extra terms) is tried the same
  way, as a candidate when the float formula's difference or ratio is constant to 1e-4;
  there sympy's verdict, run to the end, is final. The outcome is the same on a
  fast and a slow, idle or loaded machine. ``None`` means *undecided*, only for one of the
  machine-independent reasons of :data:`UNDECIDED_REASONS`, given in ``undecided_reason``;
* **accuracy solution** (``accuracy_solution``): the noiseless test R² > 0.999 (from a
  given ``test_r2``, or computed on given data).

:func:`to_data_units` rewrites a formula found on standardized data
(``z_i = (x_i - x_mean_i) / x_scale_i`` predicting ``(y - y_mean) / y_scale``) in the data's
own units; :func:`to_standard_units` is its inverse. Formulas with protected operators
(gplearn's, Operon's ``aq``) must be converted to plain sympy before scoring.
"""
from __future__ import annotations

import numbers
import time

import numpy as np
import sympy

from distillkit.stats.metrics import r2
from distillkit.symbolic._prove import (MAX_NODES, WORK_CALLS, OutOfWork, bounded, nodes, prove_difference,
                                       prove_ratio, srbench_expanded, srbench_simplified)
from distillkit.symbolic._prove import round_constants as round_exact
from distillkit.symbolic._screen import (EXACT_TOL, FLOAT_TOL, SCREEN_DPS, SCREEN_POINTS, NotEvaluable,
                                        difference_constant, evaluate, ratio_constant, screen_points)

__all__ = [
    "ACCURACY_R2",
    "CHECK_RULE",
    "DEFAULT_DIGITS",
    "EXACT_TOL",
    "FLOAT_TOL",
    "MAX_NODES",
    "SCREEN_DPS",
    "SCREEN_POINTS",
    "UNDECIDED_REASONS",
    "WORK_CALLS",
    "ZERO_BELOW",
    "round_constants",
    "score_formula",
    "symbolic_match",
    "to_data_units",
    "to_standard_units",
]

ACCURACY_R2 = 0.999
DEFAULT_DIGITS = 3
ZERO_BELOW = 1e-4
_PARSE_NAMES = {"arcsin": sympy.asin, "arccos": sympy.acos, "ln": sympy.log, "pi": sympy.pi}

#: the only reasons a formula stays undecided; none depends on the machine or its load
UNDECIDED_REASONS = {
    "size": f"a candidate's difference or ratio has more than {MAX_NODES} expression-tree nodes",
    "work": f"sympy made more than {WORK_CALLS:,} Python calls without proving a candidate",
    "unproved": ("numerically a solution (constant to 1e-25 on every input) but sympy's "
                 "simplification, run to the end, did not prove it"),
    "unevaluable": "the formula uses a function the 50-digit evaluation cannot compute",
}

#: the check in words (for the book)
CHECK_RULE = (
    f"Constants rounded to {DEFAULT_DIGITS} significant digits (|c| < {ZERO_BELOW:g} set to 0); "
    f"formula and law evaluated at {SCREEN_POINTS} fixed inputs drawn from the equation's "
    f"intervals with {SCREEN_DPS}-digit arithmetic (mpmath). Not a solution when neither the "
    f"difference law - formula nor the ratio formula / law is constant to {EXACT_TOL:g} of the "
    f"values (nor, with the unrounded float constants, SRBench's simplify-then-round order, to "
    f"{FLOAT_TOL:g}); a candidate is a solution once sympy proves the constant, with at most "
    f"{WORK_CALLS:,} Python calls and {MAX_NODES} expression nodes, never a time limit."
)


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------
def _scaling(scaling, feature_names, x_mean, x_scale, y_mean, y_scale):
    if scaling is not None:  # a distillkit.datasets.Split, or anything with its attributes
        feature_names = scaling.feature_names if feature_names is None else feature_names
        x_mean, x_scale = scaling.x_mean, scaling.x_scale
        y_mean, y_scale = scaling.y_mean, scaling.y_scale
    if feature_names is None or x_mean is None or x_scale is None:
        raise ValueError("give a Split (scaling=) or feature_names, x_mean and x_scale.")
    names = [str(n) for n in feature_names]
    x_mean = np.asarray(x_mean, dtype=np.float64).ravel()
    x_scale = np.asarray(x_scale, dtype=np.float64).ravel()
    if not len(names) == len(x_mean) == len(x_scale):
        raise ValueError(f"{len(names)} feature names but {len(x_mean)} means and "
                         f"{len(x_scale)} scales; they must match.")
    if not (np.isfinite(x_mean).all() and np.isfinite(x_scale).all() and (x_scale != 0).all()):
        raise ValueError("x_mean and x_scale must be finite and x_scale non-zero.")
    y_mean, y_scale = float(y_mean), float(y_scale)
    if not (np.isfinite(y_mean) and np.isfinite(y_scale) and y_scale != 0):
        raise ValueError(f"y_mean and y_scale must be finite, y_scale non-zero; got {y_mean}, {y_scale}.")
    return names, x_mean, x_scale, y_mean, y_scale


def _by_name(expr, names):
    return {s: s.name for s in expr.free_symbols if s.name in names}


def to_data_units(expr, scaling=None, *, feature_names=None, x_mean=None, x_scale=None,
                  y_mean=0.0, y_scale=1.0) -> sympy.Expr:
    """Rewrite a formula fitted on standardized data in the data's own units.

    ``expr`` predicts ``(y - y_mean) / y_scale`` from symbols named after
    ``feature_names`` that stand for ``(x_i - x_mean_i) / x_scale_i``; the result predicts
    ``y`` from the same-named symbols in the data's units:
    ``y_mean + y_scale * expr(x_i -> (x_i - x_mean_i) / x_scale_i)``.

    Parameters
    ----------
    expr : sympy expression or str
    scaling : distillkit.datasets.Split, optional
        Supplies ``feature_names``, ``x_mean``, ``x_scale``, ``y_mean``, ``y_scale``.
    feature_names, x_mean, x_scale, y_mean, y_scale
        The same, given explicitly (when ``scaling`` is None).
    """
    names, x_mean, x_scale, y_mean, y_scale = _scaling(scaling, feature_names, x_mean, x_scale,
                                                       y_mean, y_scale)
    expr = _as_expr(expr, {})
    pos = {n: i for i, n in enumerate(names)}
    sub = {s: (s - sympy.Float(x_mean[pos[n]])) / sympy.Float(x_scale[pos[n]])
           for s, n in _by_name(expr, pos).items()}
    out = expr.xreplace(sub)
    out = out if y_scale == 1.0 else sympy.Float(y_scale) * out  # no stray 1.0* or + 0.0
    return out if y_mean == 0.0 else sympy.Float(y_mean) + out


def to_standard_units(expr, scaling=None, *, feature_names=None, x_mean=None, x_scale=None,
                      y_mean=0.0, y_scale=1.0) -> sympy.Expr:
    """The inverse of :func:`to_data_units`: a law ``y = f(x)`` as the formula that predicts
    ``(y - y_mean) / y_scale`` from standardized inputs (same-named symbols)."""
    names, x_mean, x_scale, y_mean, y_scale = _scaling(scaling, feature_names, x_mean, x_scale,
                                                       y_mean, y_scale)
    expr = _as_expr(expr, {})
    pos = {n: i for i, n in enumerate(names)}
    sub = {s: sympy.Float(x_mean[pos[n]]) + sympy.Float(x_scale[pos[n]]) * s
           for s, n in _by_name(expr, pos).items()}
    out = expr.xreplace(sub)
    out = out if y_mean == 0.0 else out - sympy.Float(y_mean)
    return out if y_scale == 1.0 else out / sympy.Float(y_scale)


# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------
def round_constants(expr, digits: int = DEFAULT_DIGITS, zero_below: float = ZERO_BELOW):
    """Floats rounded to ``digits`` significant digits, as exact rationals; ``|c| <
    zero_below`` becomes 0. Integers and rationals already exact (``1/2``) are kept."""
    return round_exact(_as_expr(expr, {}), digits, zero_below)


def _as_expr(expr, symbols: dict):
    if isinstance(expr, str):
        local = dict(_PARSE_NAMES)
        local.update(symbols)
        try:
            return sympy.sympify(expr, locals=local)
        except (sympy.SympifyError, SyntaxError, TypeError) as exc:
            raise ValueError(f"cannot parse formula {expr!r}: {exc}") from None
    if isinstance(expr, numbers.Number):
        return sympy.sympify(expr)
    if not isinstance(expr, sympy.Basic):
        raise TypeError(f"formula must be a sympy expression or a string, got {type(expr).__name__}")
    return expr


# --------------------------------------------------------------------------
# sympy alone
# --------------------------------------------------------------------------
def symbolic_match(true_expr, student_expr, unrounded=None, digits: int = DEFAULT_DIGITS,
                   zero_below: float = ZERO_BELOW, calls: int = WORK_CALLS) -> str:
    """sympy's answer alone, bounded by work: ``"difference"`` when ``true - student``
    simplifies to a constant, ``"ratio"`` when ``student / true`` does (non-zero), else
    ``"none"``; ``"undecided"`` when a step used more than ``calls`` Python calls.

    ``student_expr`` is compared as given (exact constants). When that fails and
    ``unrounded`` (the formula with its float constants) is given, SRBench's order is tried:
    simplify with the floats, *then* round the residual's constants. :func:`score_formula`
    runs the numerical screen first and hands sympy only its candidates.
    """
    steps = [("difference", prove_difference, (true_expr, student_expr)),
             ("ratio", prove_ratio, (true_expr, student_expr))]
    if unrounded is not None and unrounded.atoms(sympy.Float):
        steps += [(kind, prove, (true_expr, unrounded, kind, digits, zero_below))
                  for prove in (srbench_expanded, srbench_simplified)
                  for kind in ("difference", "ratio")]
    ran_out = False
    for kind, prove, args in steps:
        try:
            if bounded(prove, *args, calls=calls):
                return kind
        except OutOfWork:
            ran_out = True
    return "undecided" if ran_out else "none"


# --------------------------------------------------------------------------
# Public scoring
# --------------------------------------------------------------------------
def _true_law(true_expr):
    """(expression, {name: positive symbol}, sample of the inputs or None, intervals or None)."""
    if isinstance(true_expr, str):
        from distillkit.datasets import feynman

        name = true_expr if true_expr.startswith(feynman.PREFIX) else feynman.PREFIX + true_expr
        if feynman.is_feynman(name):
            eq = feynman.equation(name)
            rng = np.random.default_rng(0)
            sample = {v: rng.uniform(lo, hi, _ABS_SAMPLE) for v, lo, hi in eq.variables}
            return eq.expr, eq.symbols, sample, {v: (lo, hi) for v, lo, hi in eq.variables}
    expr = _as_expr(true_expr, {})
    symbols = {s.name: sympy.Symbol(s.name, positive=True) for s in expr.free_symbols}
    return expr.xreplace({s: symbols[s.name] for s in expr.free_symbols}), symbols, None, None


_ABS_SAMPLE = 256


def _drop_abs(expr, sample: dict | None):
    """``Abs(a)`` -> ``a`` (or ``-a``) where ``a`` has one sign on every sampled input.

    gplearn's protected sqrt and log become ``sqrt(Abs(a))`` and ``log(Abs(a))``; on the
    data's domain the protection is inert when ``a`` keeps its sign, but sympy cannot
    always prove that (``x1**2 + x2**2 - 2*x1*x2*cos(t)`` > 0), and would miss the law.
    """
    if sample is None:
        return expr
    sub = {}
    for node in expr.atoms(sympy.Abs):
        arg = node.args[0]
        names = sorted(s.name for s in arg.free_symbols)
        if any(n not in sample for n in names):
            continue
        with np.errstate(all="ignore"):
            f = sympy.lambdify([sympy.Symbol(n) for n in names],
                               arg.xreplace({s: sympy.Symbol(s.name) for s in arg.free_symbols}),
                               modules="numpy")
            try:
                v = np.asarray(f(*(sample[n] for n in names)), dtype=np.float64)
            except (TypeError, ValueError, ZeroDivisionError):
                continue
        if np.isfinite(v).all() and (v > 0).all():
            sub[node] = arg
        elif np.isfinite(v).all() and (v < 0).all():
            sub[node] = -arg
    return expr.xreplace(sub) if sub else expr


def _candidates(law, rounded, unrounded, symbols: dict, intervals) -> list[str]:
    """Which comparisons the numerical screen leaves open, in the order sympy tries them:
    ``exact difference``, ``exact ratio`` (rounded constants), ``float difference``,
    ``float ratio`` (SRBench's simplify-then-round order). Raises NotEvaluable."""
    names = [symbols[n] for n in sorted(symbols)]
    points = screen_points(names, intervals)
    law_values = evaluate(law, names, points)
    if law_values is None:
        raise ValueError(f"the law {law} is not real and finite on its own intervals.")
    out = []
    values = evaluate(rounded, names, points)
    if values is not None:
        out += ["exact difference"] * difference_constant(law_values, values, EXACT_TOL)
        out += ["exact ratio"] * ratio_constant(law_values, values, EXACT_TOL)
    if unrounded.atoms(sympy.Float) and unrounded != rounded:
        values = evaluate(unrounded, names, points)
        if values is not None:
            # numerically close either way: sympy tries both forms (rounding decides which holds)
            if (difference_constant(law_values, values, FLOAT_TOL)
                    or ratio_constant(law_values, values, FLOAT_TOL)):
                out += ["float difference", "float ratio"]
    return out


def _steps(candidates, law, rounded, unrounded, digits, zero_below):
    """(candidate, kind, shape, prove, args) in the order sympy tries them: the exact
    candidates, then the float ones expanded (cheap), then simplified."""
    out = []
    for cand in [c for c in candidates if c.startswith("exact")]:
        kind = cand.split()[1]
        shape = law - rounded if kind == "difference" else rounded / law
        prove = prove_difference if kind == "difference" else prove_ratio
        out.append((cand, kind, shape, prove, (law, rounded)))
    for prove in (srbench_expanded, srbench_simplified):
        for cand in [c for c in candidates if c.startswith("float")]:
            kind = cand.split()[1]
            shape = law - unrounded if kind == "difference" else unrounded / law
            out.append((cand, kind, shape, prove, (law, unrounded, kind, digits, zero_below)))
    return out


def _confirm(candidates, law, rounded, unrounded, digits, zero_below) -> tuple[str, str | None]:
    """(kind, undecided reason): sympy, bounded by work, on the screen's candidates."""
    reasons = []
    for cand, kind, shape, prove, args in _steps(candidates, law, rounded, unrounded, digits, zero_below):
        if nodes(shape) > MAX_NODES:
            reasons.append("size")
            continue
        try:
            if bounded(prove, *args):
                return kind, None
        except OutOfWork:
            reasons.append("work")
            continue
        if cand.startswith("exact"):  # equal to 25 digits everywhere, yet simplify finds no constant
            reasons.append("unproved")
    # a float candidate that SRBench's order, run to the end, rejects is not a solution
    order = ("size", "work", "unproved")
    return ("undecided", min(reasons, key=order.index)) if reasons else ("none", None)


def score_formula(expr, true_expr, *, test_r2: float | None = None, X=None, y=None,
                  feature_names=None, digits: int = DEFAULT_DIGITS,
                  zero_below: float = ZERO_BELOW) -> dict:
    """Score a student's formula against the law that generated the data.

    Parameters
    ----------
    expr : sympy expression or str
        The student's formula in the data's own units (see :func:`to_data_units`), its
        symbols named after the law's inputs; protected operators converted to plain sympy.
    true_expr : str or sympy expression
        A Feynman data-set name (``"feynman_I_25_13"`` or ``"I_25_13"``) or the law itself
        (its inputs then drawn from [1, 5] for the numerical screen).
    test_r2 : float, optional
        The noiseless test R² (e.g. the pipeline's ``student_r2``); decides
        ``accuracy_solution``.
    X, y : array-like, optional
        Noiseless test data in the data's units (columns in ``feature_names`` order, or a
        DataFrame) to compute the test R² when ``test_r2`` is not given.
    feature_names : list of str, optional
        Column names of ``X`` when it is an array (default: the law's inputs, sorted).
    digits, zero_below : int, float
        Rounding of the student's constants before the comparison (see the module docstring).

    Returns
    -------
    dict
        ``solution`` (True, False, or None when undecided), ``solution_kind``
        (``"difference"``, ``"ratio"``, ``"none"`` or ``"undecided"``), ``undecided_reason``
        (None or a key of :data:`UNDECIDED_REASONS`), ``decided_by`` (``"numeric"``: no
        candidate, sympy never ran; ``"sympy"``), ``accuracy_solution`` (bool, or None
        without ``test_r2``/data), ``test_r2``, ``true_formula`` (str), ``formula_rounded``
        (the student's formula as compared, str) and ``score_seconds``.
    """
    t0 = time.perf_counter()
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 1:
        raise ValueError(f"digits must be an integer >= 1, got {digits!r}.")
    law, symbols, sample, intervals = _true_law(true_expr)
    student = _as_expr(expr, symbols)
    unknown = sorted(s.name for s in student.free_symbols if s.name not in symbols)
    if unknown:
        raise ValueError(f"the formula uses {', '.join(unknown)}, which the law does not; "
                         f"its inputs are {', '.join(symbols)}.")
    student = student.xreplace({s: symbols[s.name] for s in student.free_symbols})
    rounded = _drop_abs(round_constants(student, digits, zero_below), sample)
    unrounded = _drop_abs(student, sample)
    try:
        candidates = _candidates(law, rounded, unrounded, symbols, intervals)
    except NotEvaluable:
        candidates, (kind, reason) = None, ("undecided", "unevaluable")
    if candidates is not None:
        kind, reason = _confirm(candidates, law, rounded, unrounded, int(digits), float(zero_below))

    if test_r2 is None and X is not None and y is not None:
        test_r2 = r2(y, _evaluate(student, symbols, X, feature_names))
    test_r2 = None if test_r2 is None else float(test_r2)
    return {
        "solution": None if kind == "undecided" else kind != "none",
        "solution_kind": kind,
        "undecided_reason": reason,
        "decided_by": "sympy" if candidates else "numeric",
        "accuracy_solution": None if test_r2 is None else bool(test_r2 > ACCURACY_R2),
        "test_r2": test_r2,
        "true_formula": str(law),
        "formula_rounded": str(rounded),
        "score_seconds": time.perf_counter() - t0,
    }


def _evaluate(expr, symbols: dict, X, feature_names) -> np.ndarray:
    if hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
        X = X.to_numpy(dtype=np.float64)
    else:
        names = list(feature_names) if feature_names is not None else sorted(symbols)
        X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(names):
        raise ValueError(f"X must have one column per name in {names}, got shape {X.shape}.")
    args = [symbols.get(n, sympy.Symbol(n)) for n in names]
    with np.errstate(all="ignore"):
        out = sympy.lambdify(args, expr, modules="numpy")(*X.T)
    return np.broadcast_to(np.asarray(out, dtype=np.float64), (X.shape[0],))
