"""Formulas of a fitted symbolic student: members, the finite-output check, the member rule,
data units, and display (LaTeX with column names shown literally)."""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import sympy

from distillkit.stats.metrics import r2

#: the rule that picks one formula from a student's fit (stated in every report)
MEMBER_RULE = ("within a fit, the formula is the simplest member of the student's Pareto front that is "
               "finite over the training range (the training rows and {box} points drawn uniformly in "
               "their bounding box) and whose R² on its fit targets is within {tolerance:g} of the best "
               "such member's")
#: points drawn in the training rows' bounding box for the finite-output check
BOX_POINTS = 512


@functools.lru_cache(maxsize=512)
def _compiled(expr: sympy.Expr, names: tuple[str, ...]):
    return sympy.lambdify([sympy.Symbol(n) for n in names], expr, "numpy")


def evaluate(expr, names, X) -> np.ndarray:
    """``expr`` (symbols named ``names``) on the columns of ``X``, float64, one value a row."""
    X = np.asarray(X, dtype=np.float64)
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):  # e.g. gplearn's x / 0 (protected there)
        return np.full(len(X), np.nan)
    with np.errstate(all="ignore"):
        out = _compiled(expr, tuple(names))(*X.T)
    return np.broadcast_to(np.asarray(out, dtype=np.float64), (len(X),)).copy()


def members(fitted, names) -> pd.DataFrame:
    """Candidate formulas of a fitted student (standardized units): ``formula``, ``complexity``.

    Operon: its population's Pareto front; gplearn: its final program, parsed without rounding
    or simplification (protected division and log are reported unprotected)."""
    if hasattr(fitted, "pareto_front_"):
        return fitted.pareto_front_[["formula", "complexity"]].reset_index(drop=True)
    from distillkit.students import SYMPY_OPS
    local = dict(SYMPY_OPS, **{f"X{i}": sympy.Symbol(n) for i, n in enumerate(names)})
    expr = sympy.sympify(fitted.program_, locals=local, rational=False)
    return pd.DataFrame({"formula": [expr], "complexity": [int(fitted.complexity_)]})


def box_sample(X: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` points uniform in the bounding box of ``X``'s rows; a 0/1 column (one-hot) draws 0 or 1."""
    X = np.asarray(X, dtype=np.float64)
    rng = np.random.default_rng(seed)
    lo, hi = X.min(axis=0), X.max(axis=0)
    out = rng.uniform(lo, hi, size=(n, X.shape[1]))
    binary = np.all((X == 0) | (X == 1), axis=0)
    out[:, binary] = rng.integers(0, 2, size=(n, int(binary.sum())))
    return out


def front_of(fitted, names, X_fit, y_fit, box, tolerance: float) -> pd.DataFrame:
    """The student's members with ``fit_r2`` (on ``y_fit``), ``finite`` (over the training rows
    and ``box``) and ``chosen`` (:data:`MEMBER_RULE`); non-finite members stay, marked, so the
    report can say how many were refused. When no member is finite, the constant (the fit
    targets' mean, complexity 1) is added and chosen."""
    rows = []
    m = members(fitted, names)
    for expr, cx in zip(m.formula, m.complexity):
        on_rows = evaluate(expr, names, X_fit)
        finite = bool(np.isfinite(on_rows).all() and np.isfinite(evaluate(expr, names, box)).all())
        rows.append({"formula": expr, "complexity": int(cx), "finite": finite,
                     "fit_r2": r2(y_fit, on_rows) if finite else float("-inf")})
    front = pd.DataFrame(rows).sort_values(["complexity", "fit_r2"], ascending=[True, False], kind="stable")
    front = front.drop_duplicates(subset="formula").reset_index(drop=True)
    if not front.finite.any():  # nothing usable: the constant (the fit targets' mean) is the formula
        const = float(np.mean(y_fit))
        front = pd.concat([pd.DataFrame([{"formula": sympy.Float(const), "complexity": 1, "finite": True,
                                          "fit_r2": r2(y_fit, np.full(len(y_fit), const))}]), front],
                          ignore_index=True)
    ok = front[front.finite]
    good = ok[ok.fit_r2 >= ok.fit_r2.max() - tolerance]
    front["chosen"] = front.index == good.index[0]  # sorted by complexity: the simplest
    return front


def chosen(front: pd.DataFrame) -> pd.Series:
    """The chosen row of a :func:`front_of` table."""
    return front[front.chosen].iloc[0]


def to_data(expr, names, scaling: dict, nonnegative: bool) -> sympy.Expr:
    """``expr`` (standardized inputs and target) in the data's units; expanded when that is
    no longer; ``max(0, ·)`` around it when the target is non-negative."""
    sub = {sympy.Symbol(n): (sympy.Symbol(n) - float(m)) / float(sc)
           for n, m, sc in zip(names, scaling["x_mean"], scaling["x_scale"])}
    out = float(scaling["y_mean"]) + float(scaling["y_scale"]) * sympy.sympify(expr).xreplace(sub)
    expanded = sympy.expand(out)
    out = expanded if sympy.count_ops(expanded) <= sympy.count_ops(out) else out
    # the inputs are real numbers: sympy's re(x) / im(x) (from |x|² and the like) are x / 0
    out = out.replace(sympy.re, lambda a: a).replace(sympy.im, lambda a: sympy.S.Zero)
    return sympy.Max(0, out) if nonnegative else out


def round_formula(expr, digits: int = 4):
    from distillkit.students import round_floats
    return round_floats(expr, digits)


def latex_name(name: str) -> str:
    """A column name as LaTeX shown literally (underscores and other specials escaped)."""
    special = {"_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}",
               "^": r"\hat{}", "~": r"\sim{}", "\\": r"\backslash{}", " ": r"\ "}
    return r"\mathrm{" + "".join(special.get(c, c) for c in str(name)) + "}"


def latex(expr, symbols: dict, digits: int = 4) -> str:
    """LaTeX of ``expr`` (constants to ``digits`` significant digits); ``symbols`` maps each
    symbol name to the column name it stands for, shown literally."""
    names = {sympy.Symbol(s): latex_name(c) for s, c in symbols.items()}
    return sympy.latex(round_formula(expr, digits), symbol_names=names, mul_symbol="dot")


__all__ = ["MEMBER_RULE", "BOX_POINTS", "evaluate", "members", "box_sample", "front_of", "chosen",
           "to_data", "round_formula", "latex_name", "latex"]
