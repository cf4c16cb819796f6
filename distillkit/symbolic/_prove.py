"""The sympy side of the symbolic-solution check, bounded by work, never by seconds.

:func:`bounded` runs a sympy computation with sympy's cache cleared first and counts the Python
function calls it makes (a profile hook); past :data:`WORK_CALLS` calls it stops with
:class:`OutOfWork`. A slow or busy machine makes the same calls, only later, so the outcome does
not depend on the machine's speed or load. (The count can move by about 1 % with Python's hash
seed, through the order of sets inside sympy: a candidate within 1 % of the budget could fall
either side; the candidates met so far use 1-5 % of it.) Expressions with more than
:data:`MAX_NODES` tree nodes are not handed to sympy at all.
"""
from __future__ import annotations

import sys

import sympy
from sympy.core.cache import clear_cache

#: Python calls sympy may make to confirm one candidate (a few seconds here; q/C takes ~6e4)
WORK_CALLS = 4_000_000
#: expression-tree nodes of a difference or ratio above which sympy is not tried
MAX_NODES = 400

_BAD = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


class OutOfWork(BaseException):
    """sympy used its call budget (a BaseException, so no ``except Exception`` inside sympy
    swallows it)."""


def bounded(fn, *args, calls: int = WORK_CALLS):
    """``fn(*args)`` with sympy's cache cleared, stopped with :class:`OutOfWork` after ``calls``
    Python function calls."""
    count = 0

    def hook(frame, event, arg):
        nonlocal count
        if event == "call":
            count += 1
            if count > calls:
                raise OutOfWork(f"more than {calls} calls")

    previous = sys.getprofile()
    clear_cache()
    sys.setprofile(hook)
    try:
        return fn(*args)
    finally:
        sys.setprofile(previous)


def nodes(expr) -> int:
    """Expression-tree nodes of ``expr``."""
    return sum(1 for _ in sympy.preorder_traversal(expr))


def is_constant(expr) -> bool:
    return not expr.free_symbols and not expr.has(*_BAD)


def round_constants(expr, digits: int, zero_below: float):
    """Floats rounded to ``digits`` significant digits, as exact rationals; ``|c| <
    zero_below`` becomes 0. Integers and rationals already exact (``1/2``) are kept."""
    sub = {}
    for c in expr.atoms(sympy.Float):
        v = float(c)
        sub[c] = sympy.Integer(0) if abs(v) < zero_below else sympy.Rational(f"{v:.{digits}g}")
    return expr.xreplace(sub)


def _proves_constant(expr) -> bool:
    """``expr`` is a constant: simplified, or every partial derivative simplifies to 0."""
    if is_constant(expr) or is_constant(sympy.simplify(expr)):
        return True
    return all(sympy.simplify(sympy.diff(expr, s)) == 0 for s in sorted(expr.free_symbols, key=str))


def prove_difference(law, formula) -> bool:
    """``law - formula`` is a constant (exact constants)."""
    return _proves_constant(law - formula)


def prove_ratio(law, formula) -> bool:
    """``formula / law`` is a constant (that it is not 0 the numerical screen has settled)."""
    return _proves_constant(formula / law)


def srbench_expanded(law, unrounded, kind: str, digits: int, zero_below: float) -> bool:
    """SRBench's order, cheap form: the difference (``kind`` "difference") or ratio with the
    float constants, *expanded*, then its constants rounded, is a (non-zero) constant."""
    shape = law - unrounded if kind == "difference" else unrounded / law
    value = round_constants(sympy.expand(shape), digits, zero_below)
    return is_constant(value) and (kind == "difference" or value != 0)


def srbench_simplified(law, unrounded, kind: str, digits: int, zero_below: float) -> bool:
    """SRBench's order as SRBench runs it: simplified, rounded (and simplified once more)."""
    shape = law - unrounded if kind == "difference" else unrounded / law
    value = round_constants(sympy.simplify(shape), digits, zero_below)
    if not is_constant(value):
        value = sympy.simplify(value)
    return is_constant(value) and (kind == "difference" or value != 0)
