"""The references a formula is judged against (tuned black box, linear model, same folds) and
the flag for a weak teacher or reference."""
import numpy as np
import pytest
from sklearn.model_selection import KFold

from distillkit.owndata._reference import BLACK_BOX_GRID, flags, references
from distillkit.students import FUNCTION_SETS, function_set


def test_black_box_tuned_on_the_given_folds():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (200, 3))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + rng.normal(0, 0.1, 200)
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    refs = references(X, y, folds)
    bb, lin = refs["black_box"], refs["linear"]
    assert len(bb["cv_r2"]) == len(lin["cv_r2"]) == 4
    assert bb["cv_mean"] > lin["cv_mean"] + 0.3  # a nonlinear target: the black box must win clearly
    assert all(bb["params"][k] in v for k, v in BLACK_BOX_GRID.items())
    assert bb["model"].predict(X).shape == (200,)


def test_flags_name_what_cross_validates_below_linear():
    assert flags({"linear": 0.5, "teacher": 0.6, "black_box": 0.7}) == []
    out = flags({"linear": 0.5, "teacher": 0.4, "black_box": 0.7})
    assert len(out) == 1 and "teacher" in out[0] and "0.400" in out[0] and "0.500" in out[0]
    assert len(flags({"linear": 0.5, "teacher": 0.4, "black_box": 0.45})) == 2
    assert flags({"linear": 0.5, "black_box": float("nan")}) == []


def test_function_sets_by_name():
    assert {"exp", "logabs", "sqrtabs"} <= set(function_set("operon"))  # the default: laws
    assert {"exp", "log", "sqrt"} <= set(function_set("gplearn", "laws"))
    assert function_set("operon", "arithmetic") == FUNCTION_SETS["arithmetic"]["operon"]
    assert function_set("operon", "add,div,log") == ("add", "aq", "logabs")  # protected spellings
    assert function_set("gplearn", ["mul", "exp"]) == ("mul", "exp")
    with pytest.raises(ValueError, match="unknown to gplearn"):
        function_set("gplearn", "add,tanh")
