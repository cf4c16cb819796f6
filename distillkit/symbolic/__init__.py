"""Symbolic formulas: checking a formula against a known law."""
