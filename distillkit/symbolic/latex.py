"""LaTeX of a student's formula, bounded by work.

sympy's LaTeX printer is not a plain walk of the tree: on products it looks for fractions and
can factor the polynomials it meets, which for one gplearn program of the evidence grid
(``feynman_II_36_38``, λ = 0.5, Lipschitz teacher) ran for more than ten minutes. A record's
LaTeX is for display only, so :func:`formula_latex` gives the printer a budget of Python calls
(:data:`LATEX_CALLS`, counted as the symbolic-solution check counts them, so the outcome does
not depend on the machine's speed or load) and, past it, falls back to the formula's plain
text in ``\\texttt``.
"""
from __future__ import annotations

import sympy

from distillkit.symbolic._prove import OutOfWork, bounded

#: Python calls the printer may make for one formula (a typical formula needs 1e4-1e5)
LATEX_CALLS = 2_000_000

_ESCAPES = {"\\": r"\backslash{}", "_": r"\_", "{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "&": r"\&",
            "$": r"\$", "^": r"\^{}", "~": r"\~{}"}


def plain_latex(expr) -> str:
    """The formula's sympy string form as LaTeX text (``\\texttt{...}``, special characters escaped)."""
    return r"\texttt{" + "".join(_ESCAPES.get(ch, ch) for ch in str(expr)) + "}"


def formula_latex(expr, calls: int = LATEX_CALLS) -> str:
    """``sympy.latex(expr)`` within ``calls`` Python calls; past them :func:`plain_latex`."""
    try:
        return bounded(sympy.latex, expr, calls=calls)
    except OutOfWork:
        return plain_latex(expr)


__all__ = ["LATEX_CALLS", "formula_latex", "plain_latex"]
