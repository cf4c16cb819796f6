"""Your own table into a formula: ``distill`` and its report; the checks before training
(``preflight``) and outputs that are whole or absent (``whole_or_absent``)."""
from distillkit.owndata._outputs import OutputError, REPORT_FILES, whole_or_absent, write_file_whole
from distillkit.owndata._outputs import check_out_dir
from distillkit.owndata._preflight import (Preflight, SymbolWarning, check_backend, check_cache, far_below_constant,
                                          formula_symbols, preflight)

__all__ = ["DistilledRegressor", "OutputError", "Preflight", "REPORT_FILES", "check_backend", "check_cache", "check_out_dir",
           "far_below_constant", "formula_symbols", "SymbolWarning",
           "preflight", "whole_or_absent", "write_file_whole"]


def __getattr__(name: str):
    """``DistilledRegressor`` loads scikit-learn and sympy: on first use only, so the command
    line's checks before training stay fast."""
    if name == "DistilledRegressor":
        from distillkit.owndata._estimator import DistilledRegressor
        return DistilledRegressor
    raise AttributeError(f"module 'distillkit.owndata' has no attribute {name!r}")
