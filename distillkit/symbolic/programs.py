"""gplearn program strings as tokens (pure text: no gplearn, no sympy)."""
from __future__ import annotations


def program_tokens(program: str) -> list[str]:
    """``"add(X0, mul(X1, 0.5))"`` -> ``["add", "X0", "mul", "X1", "0.5"]``: one token per node."""
    return [t for t in program.replace("(", " ").replace(")", " ").replace(",", " ").split() if t]




def program_complexity(program: str) -> int:
    """Node count of a gplearn program string (functions, variables and constants)."""
    return len(program_tokens(program))


__all__ = ["program_tokens", "program_complexity"]
