"""A chapter's parameters as papermill passes them (distillkit.book.params)."""
from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from distillkit.stats import metrics
from distillkit.symbolic import programs
from distillkit.book import params


def test_parameter_parsing():
    assert params.resolve_datasets('["diabetes"]') == ["diabetes"]
    assert params.resolve_datasets("concrete, wine_red") == ["concrete", "wine_red"]
    assert params.resolve_datasets(None)[0] == "california"
    with pytest.raises(ValueError):
        params.resolve_datasets(["nope"])
    assert params.resolve_seeds("smoke", 2) == (0, 1)
    assert params.resolve_seeds("smoke", [3, 5]) == (3, 5)
    assert params.resolve_seeds("paper", None) == (0,)
    assert params.resolve_lams("smoke", "[0.5, 0]") == (0.0, 0.5)
    with pytest.raises(ValueError):
        params.resolve_lams("smoke", [0.1])
    assert params.resolve_readings('["converged"]') == ("converged",)
    assert programs.program_complexity("sub(X0, add(mul(0.5, X1), mul(0.2, X3)))") == 9


# =============================================================================================
# papermill's text parameters name themselves when wrong (helper B, issue 22: `-p seeds abc`)
# =============================================================================================
@pytest.mark.parametrize("value", ["abc", "1.5", '[0, "x"]', "[]", [4294967295]])
def test_bad_seeds_parameter_is_named(value):
    with pytest.raises(ValueError, match="parameter seeds"):
        params.resolve_seeds("smoke", value)
    with pytest.raises(ValueError, match="parameter robustness_seeds"):
        params.resolve_seeds("smoke", value, key="robustness_seeds")


def test_good_seeds_and_bad_lams_parameter():
    assert params.resolve_seeds("smoke", "3") == (0, 1, 2)
    assert params.resolve_seeds("smoke", "[0, 2]") == (0, 2)
    with pytest.raises(ValueError, match="parameter lams"):
        params.resolve_lams("smoke", "0,abc")
