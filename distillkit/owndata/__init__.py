"""Your own table into a formula: ``distill`` and its report; the checks before training
(``preflight``) and outputs that are whole or absent (``whole_or_absent``)."""
from distillkit.owndata._outputs import OutputError, REPORT_FILES, whole_or_absent, write_file_whole
from distillkit.owndata._outputs import check_out_dir
from distillkit.owndata._preflight import (Preflight, check_backend, check_cache, far_below_constant, formula_symbols,
                                          preflight)

__all__ = ["OutputError", "Preflight", "REPORT_FILES", "check_backend", "check_cache", "check_out_dir",
           "far_below_constant", "formula_symbols",
           "preflight", "whole_or_absent", "write_file_whole"]
