"""The numerical screen of the symbolic-solution check: formula and law at fixed points, in mpmath.

A formula is a *candidate* symbolic solution when, on :data:`SCREEN_POINTS` inputs drawn
(seed :data:`SCREEN_SEED`) uniformly from the equation's intervals and evaluated with
:data:`SCREEN_DPS` significant digits, the difference ``law - formula`` or the ratio
``formula / law`` (non-zero) is constant: its spread (max - min) is at most ``tol`` times the
values' magnitude. Everything here is exact arithmetic on the same inputs at a fixed
precision, so the answer is the same on every machine and under any load.
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy

SCREEN_POINTS = 256
SCREEN_SEED = 20
SCREEN_DPS = 50
#: constant-spread tolerance for the formula with rounded (exact rational) constants: 25 of
#: the 50 digits, so evaluation error (~1e-48) cannot hide a law and no non-law that differs
#: anywhere in the first 25 digits on 256 random inputs passes
EXACT_TOL = 1e-25
#: the same for the formula with its float constants (SRBench's simplify-then-round order, which
#: drops residual terms with |coefficient| < 1e-4): a necessary condition only, sympy decides;
#: Operon's most accurate models carry such terms (1.3e-6·r1 in a weighted mean), ~1e-7 of
#: the values, while a kept 0.0004·q on q/C moves them by 3e-4
FLOAT_TOL = 1e-4
#: inputs of a law given as a sympy expression (no intervals known): uniform on this range
DEFAULT_INTERVAL = (1.0, 5.0)


class NotEvaluable(Exception):
    """The formula uses something the numerical check cannot evaluate (a machine-independent
    reason to leave it undecided)."""


def _context():
    ctx = mpmath.MPContext()
    ctx.dps = SCREEN_DPS
    names = {n: getattr(ctx, n) for n in dir(ctx) if not n.startswith("_")}
    return ctx, names


def screen_points(symbols: list, intervals: dict | None):
    """``SCREEN_POINTS`` rows of float64 inputs (columns in ``symbols`` order) from the intervals
    (``{name: (low, high)}``; :data:`DEFAULT_INTERVAL` for a name not given)."""
    rng = np.random.default_rng(SCREEN_SEED)
    cols = []
    for s in symbols:
        lo, hi = (intervals or {}).get(s.name, DEFAULT_INTERVAL)
        cols.append(rng.uniform(lo, hi, SCREEN_POINTS))
    return np.column_stack(cols) if cols else np.zeros((SCREEN_POINTS, 0))


def evaluate(expr, symbols: list, points: np.ndarray):
    """``expr`` at every row of ``points`` in mpmath (exact float inputs, 50 digits): a list of
    real mpf, or None when it is not real and finite at some input (a division by zero, the
    square root of a negative number, an overflow)."""
    ctx, names = _context()
    try:
        f = sympy.lambdify(symbols, expr, modules=[names, "mpmath"])
    except Exception as exc:  # noqa: BLE001 - a printer that cannot write some function
        raise NotEvaluable(f"{type(exc).__name__}: {exc}") from None
    out = []
    for row in points:
        try:
            v = f(*(ctx.mpf(float(a)) for a in row))
        except (ZeroDivisionError, OverflowError, ValueError):
            return None
        except (NameError, TypeError, AttributeError) as exc:
            raise NotEvaluable(f"{type(exc).__name__}: {exc}") from None
        if isinstance(v, ctx.mpc):
            if v.imag != 0:
                return None
            v = v.real
        try:
            v = ctx.mpf(v)
        except (TypeError, ValueError) as exc:
            raise NotEvaluable(f"value {v!r}: {exc}") from None
        if not ctx.isfinite(v):
            return None
        out.append(v)
    return out


def _constant(values, scale, tol) -> bool:
    return max(values) - min(values) <= tol * scale


def difference_constant(law_values, values, tol) -> bool:
    """``law - formula`` has a spread at most ``tol`` times the largest |law| or |formula|."""
    scale = max(max(abs(v) for v in law_values), max(abs(v) for v in values))
    return _constant([a - b for a, b in zip(law_values, values)], scale, tol)


def ratio_constant(law_values, values, tol) -> bool:
    """``formula / law`` is a constant to ``tol`` (relative), and not 0 (|ratio| > ``tol``)."""
    if any(a == 0 for a in law_values):
        return False
    ratio = [b / a for a, b in zip(law_values, values)]
    scale = max(abs(r) for r in ratio)
    return min(abs(r) for r in ratio) > tol and _constant(ratio, scale, tol)
