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



from distillkit.vocab import STUDENTS
from distillkit.students._gplearn import SymbolicStudent
from distillkit.students._operon import OPERON_FUNCTIONS, OperonStudent
#: bumped when a student's implementation changes its results (part of the sweep cache key)
STUDENT_VERSIONS = {"operon": 2}  # 2: the subsample spans every input's range



# wrap=False keeps it a plain module-level function: picklable, and faster than cloudpickle



# ---------------------------------------------------------------------------
# parameter checks (at fit, the scikit-learn way: __init__ only stores)
# ---------------------------------------------------------------------------





# ---------------------------------------------------------------------------
# Operon
# ---------------------------------------------------------------------------



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


__all__ = ["STUDENT_VERSIONS", "FUNCTION_SETS", "function_set", "make_student"]
