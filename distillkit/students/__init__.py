"""Students: symbolic regressors distilled from a teacher (gplearn, the paper's; Operon, a
stronger one) and the baselines trained on the truth (tree, XGBoost, linear).

The paper's "Stopping criteria 0.01 (R² score)" has two readings, chosen by ``sr_reading``
(:data:`distillkit.vocab.SR_READINGS`): ``"literal"`` stops once the best program reaches
R² >= 0.01 (in generation 0 or 1 on every data set we tried); ``"converged"`` runs every
generation.
"""
from distillkit.students._baselines import TreeStudent, linear_baseline, xgboost_baseline
from distillkit.students._common import pareto_front, round_floats, safe_symbol_name
from distillkit.students._gplearn import SYMPY_OPS, SymbolicStudent, program_to_sympy, r2_fitness
from distillkit.students._operon import OperonStudent, operon_to_sympy, spanning_subsample
from distillkit.students._students import FUNCTION_SETS, STUDENT_VERSIONS, function_set, make_student
from distillkit.symbolic.programs import program_tokens
from distillkit.vocab import SR_READINGS, STUDENTS

__all__ = ["SR_READINGS", "STUDENTS", "FUNCTION_SETS", "function_set", "SymbolicStudent", "OperonStudent",
           "TreeStudent", "make_student", "spanning_subsample", "pareto_front", "program_to_sympy",
           "operon_to_sympy", "round_floats", "r2_fitness", "xgboost_baseline", "linear_baseline",
           "SYMPY_OPS", "program_tokens", "safe_symbol_name", "STUDENT_VERSIONS"]
