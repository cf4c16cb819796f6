"""A chapter's parameters as papermill passes them (distillkit.book.params)."""
from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from distillkit.stats import metrics
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
    assert metrics.program_complexity("sub(X0, add(mul(0.5, X1), mul(0.2, X3)))") == 9
