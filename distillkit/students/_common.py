"""Parameter checks and Pareto fronts shared by the students."""
from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
import sympy



def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_positive_int(owner: str, name: str, value) -> None:
    if not is_int(value) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def check_function_set(owner: str, function_set) -> None:
    if isinstance(function_set, str) or not all(isinstance(f, str) for f in as_iter(function_set)) \
            or not len(function_set):
        raise ValueError(f"{owner}: function_set must be a non-empty tuple of function names "
                         f"such as ('add', 'sub'), got {function_set!r}")


def as_iter(value):
    try:
        return list(value)
    except TypeError:
        return [None]  # not iterable: fails the str test


def feature_symbols(owner: str, feature_names, d: int) -> list[str]:
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


def round_floats(expr, digits: int = 4):
    """``expr`` with every float shown to ``digits`` significant digits (display only)."""
    return expr.xreplace({n: sympy.Float(float(f"{float(n):.{digits}g}"))
                          for n in expr.atoms(sympy.Float)})


def count_nodes(expr) -> int:
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


def safe_symbol_name(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in str(name))
    return out if out and not out[0].isdigit() else f"x_{out}"
