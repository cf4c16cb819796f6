"""The project's vocabularies, each held once: the names a setting, a flag or a record may take.

A torch-free, gplearn-free module, so the command line, the settings checks and the statistics
can use them without loading the heavy libraries.
"""
from __future__ import annotations

#: run profiles (budgets and grids: :data:`distillkit.experiments.profiles.PROFILES`)
PROFILES = ("smoke", "paper", "full")
#: readings of the paper's symbolic-regression stopping rule (see book/methods.md)
SR_READINGS = ("literal", "converged")
#: symbolic students
STUDENTS = ("gplearn", "operon")
#: teacher training engines
ENGINES = ("auto", "fast", "autograd")
#: ways to compute the Jacobian penalty
JACOBIAN_METHODS = ("exact", "autograd", "projection", "jacrev", "jacfwd")
#: smoothness penalties of the teacher
PENALTIES = ("jacobian", "lipschitz", "lipschitz_bound")

__all__ = ["PROFILES", "SR_READINGS", "STUDENTS", "ENGINES", "JACOBIAN_METHODS", "PENALTIES"]
